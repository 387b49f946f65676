/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * svcport-bmcctl's parts: bmcctl.c (the command table and main) and
 * bmcctl-io.c (the admin socket, files, and what is printed).
 */
#ifndef SVCPORT_BMCCTL_H
#define SVCPORT_BMCCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "admin.pb.h"

/* One run of the console: the options and the one request it sends. */
struct ctl {
	const char *admin_socket;
	bool json;
	/* --new-password-file, --uefi-password-file (after the command; "-": stdin). */
	const char *new_password_file, *uefi_password_file;
	svcport_admin_v1_AdminRequest req;
	svcport_admin_v1_AdminReply rep;
};

/* Prints "svcport-bmcctl: ..." to stderr; returns 1 (the exit code). */
int ctl_die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Sends req, waits for the reply (30 s); refusals are printed. 0 or 1. */
int ctl_transact(const struct ctl *c, const svcport_admin_v1_AdminRequest *req,
                 svcport_admin_v1_AdminReply *rep);

/* Files: read whole (0 or 1), a new SED backup file only (O_EXCL, no
 * symlink followed), PEM appended to path (stdout if NULL). */
int ctl_read_file(const char *path, void *buf, size_t cap, size_t *ret_len);
int ctl_backup_create(const char *path, int *ret_fd);
int ctl_backup_write(int fd, const char *path, const void *data, size_t len);
int ctl_write_pem(const char *path, const char *what, const uint8_t *der, size_t len);
int ctl_cert_install_read(const char *path, svcport_admin_v1_CertInstall *in);

/* What a person (or with json, a program) reads. */
/* A JSON string's contents (escaped) in out; out must hold 6 bytes per input byte. */
const char *ctl_json_str(const char *in, char *out, size_t cap);
void ctl_print_status(const struct ctl *c, const svcport_admin_v1_StatusReply *s);
/* audit show: every record from req's first on, page by page. 0 or 1. */
int ctl_print_audit(const struct ctl *c, svcport_admin_v1_AdminRequest *req);
/* audit verify's answer; 0 if the log is intact, else 1. */
int ctl_print_audit_verify(const svcport_admin_v1_AuditVerifyReply *v);

/* bmcctl-sed.c: the SED AK commands (each takes --help and --json). Exit codes. */
int ctl_sed_passphrase(struct ctl *c, int argc, char **argv);
int ctl_sed_backup(struct ctl *c, int argc, char **argv);
int ctl_sed_restore(struct ctl *c, int argc, char **argv);
int ctl_sed_generate(struct ctl *c, int argc, char **argv);
int ctl_sed_component(struct ctl *c, int argc, char **argv);
extern const char ctl_sed_help[]; /* `sed ... --help` */
/* bmcctl-accounts.c: accounts, the UEFI password, the activation code. */
const char *ctl_role_name(svcport_v1_ConsoleRole r);
int ctl_build_account_add(struct ctl *c, int argc, char **argv);
int ctl_build_account_delete(struct ctl *c, int argc, char **argv);
int ctl_run_account_list(struct ctl *c, int argc, char **argv);
int ctl_build_uefi_set(struct ctl *c, int argc, char **argv);
int ctl_build_uefi_clear(struct ctl *c, int argc, char **argv);
int ctl_build_uefi_verify(struct ctl *c, int argc, char **argv);
int ctl_build_factory_reset(struct ctl *c, int argc, char **argv);
/* The current UEFI password, where one is needed: --uefi-password-file or
 * $SVCPORT_UEFI_PASSWORD (neither: none sent). 0, or 1 (said). */
int ctl_current_uefi(const struct ctl *c, char *dst, size_t cap);
int ctl_build_activate(struct ctl *c, int argc, char **argv);
int ctl_run_activation_code(struct ctl *c, int argc, char **argv);
/* bmcctl-manual.c: manual activation by phone call. */
int ctl_run_manual_challenge(struct ctl *c, int argc, char **argv);
int ctl_run_manual_respond(struct ctl *c, int argc, char **argv);
extern const char ctl_manual_help[]; /* `activation --help` */

/* bmcctl-secret.c: passwords from files or stdin, never the command line (L4). */
/* Takes --new-password-file F and --uefi-password-file F out of argv into c. 0 or 1. */
int ctl_take_secret_files(struct ctl *c, int *argc, char **argv);
/* The first line of file ("-": stdin, asked without echo on a terminal) into dst;
 * empty, too long or unreadable: said, 1. */
int ctl_read_secret(const char *file, const char *what, char *dst, size_t cap);
/* dst := file's line if file, else arg, else $env (missing: said). 0 or 1. */
int ctl_secret(const char *file, const char *arg, const char *env, const char *what, char *dst,
               size_t cap);

/* Argument parsing: 0 or -EINVAL. */
int ctl_parse_bool(const char *s, bool *ret);
int ctl_parse_u32(const char *s, uint32_t *ret);
/* Copies src into dst (cap bytes) or dies naming what. 0 or 1. */
int ctl_copy_str(char *dst, size_t cap, const char *src, const char *what);

#endif
