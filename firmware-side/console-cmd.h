/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One console command (admin.proto) as its handler sees it. The dispatcher
 * (console.c) owns the password gate and the commit: a handler checks the
 * request, changes next (a copy of the state) and names the audit event;
 * it never commits and never writes a reply error by hand but through
 * console_fail(). The shape of OpenSSH's monitor: a table
 * {type, gate, handler}, anything unexpected is refused.
 */
#ifndef SVCPORT_CONSOLE_CMD_H
#define SVCPORT_CONSOLE_CMD_H

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>

#include "admin.pb.h"
#include "board.h"

#define AE(x) svcport_admin_v1_AdminError_ADMIN_##x

/*
 * Who may run a command (the table's gate; docs/bmc.md "Console accounts and
 * policies"). Two administrator levels as in the guide: exactly one
 * Administrator+ (the default user), any number of Administrators and
 * read-only accounts.
 */
enum console_gate {
	GATE_NONE,        /* public material, or the firmware-setup path (factory reset) */
	GATE_READ,        /* any account, read-only included */
	GATE_LOGIN,       /* an Administrator or the Administrator+ */
	GATE_ADMIN_PLUS,  /* the Administrator+ only: the SED AK, the UEFI password */
	GATE_LOGIN_FIRST, /* any account, also while its password must still change */
	GATE_OPTIONAL,    /* no login needed; a user or password given is checked as
	                   * GATE_LOGIN_FIRST and shows more (status: attack pass L3) */
};

/* What a handler asks of the dispatcher once it returned ADMIN_OK. */
struct console_step {
	/* In: the level of the account that logged in (UNSPECIFIED: no login,
	 * a GATE_NONE command), and its index in st.accounts (-1: the default
	 * user). Set by the dispatcher before the handler runs. */
	svcport_v1_ConsoleRole role;
	int account;
	/* Audit event under which next is committed; NULL: nothing changes. */
	const char *event;
	char detail[96];
	/* Run after a successful commit (e.g. the SE pins new anchors). */
	int (*after_commit)(struct bmc *b);
	const char *after_commit_fail; /* its refusal in words (NULL: the SE's) */
	/* The SED AK changed: after the commit the backup component gets it (while
	 * the board is ACTIVE, or at once when it came from that component). */
	bool sed_ak_changed;
	bool sed_ak_from_component;
	/* The handler refused, and the refusal is audited under event: next is the
	 * state unchanged, the commit adds only the audit record (manual activation). */
	bool audit_refusal;
};

/* True if the Administrator+ (the default user) is logged in: the SED AK's
 * change, backup and restore, the UEFI password, policies that weaken. */
static inline bool console_is_admin_plus(const struct console_step *step)
{
	return step->role == svcport_v1_ConsoleRole_CONSOLE_ADMINISTRATOR_PLUS;
}

/* True for an Administrator or the Administrator+. */
static inline bool console_is_admin(const struct console_step *step)
{
	return step->role == svcport_v1_ConsoleRole_CONSOLE_ADMINISTRATOR ||
	       step->role == svcport_v1_ConsoleRole_CONSOLE_ADMINISTRATOR_PLUS;
}

/* Writes the refusal into r (no body) and returns e, for `return console_fail(...)`. */
static inline svcport_admin_v1_AdminError
console_fail(svcport_admin_v1_AdminReply *r, svcport_admin_v1_AdminError e, const char *msg)
{
	r->error = e;
	r->which_body = 0;
	snprintf(r->message, sizeof(r->message), "%s", msg);
	return e;
}

/* A handler's signature, for its definition and its declaration below. */
#define CONSOLE_HANDLER(name)                                                                      \
	svcport_admin_v1_AdminError name(struct bmc *b, const svcport_admin_v1_AdminRequest *req,  \
	                                 svcport_admin_v1_AdminReply *r,                           \
	                                 svcport_v1_BmcState *next, struct console_step *step)

typedef CONSOLE_HANDLER((*console_fn));

/* console-login.c: accounts, passwords and levels. */
#define CONSOLE_DEFAULT_USER    "admin" /* the Administrator+; an empty user names it too */
#define CONSOLE_ACCOUNT_DEFAULT (-1)
#define CONSOLE_ACCOUNT_NONE    (-2)
#define CONSOLE_PASSWORD_MIN    8
/*
 * Checks req's user and password against gate and fills step->role and
 * step->account. AE(OK), or r says why (AUTH_FAILED, RATE_LIMITED,
 * PASSWORD_MUST_CHANGE, ROLE_FORBIDDEN).
 */
svcport_admin_v1_AdminError console_login(struct bmc *b, const svcport_admin_v1_AdminRequest *req,
                                          svcport_admin_v1_AdminReply *r, enum console_gate gate,
                                          struct console_step *step);
/* The account named user: an index into st->accounts, ACCOUNT_DEFAULT or ACCOUNT_NONE. */
int console_account_find(const svcport_v1_BmcState *st, const char *user);
/* True if PBKDF2(pw, salt) is hash (constant time); false for an empty salt. */
bool console_is_hash_of(const unsigned char *salt, size_t salt_len, const unsigned char *hash,
                        size_t hash_len, const char *pw);
/* True if pw is the board's label password (the factory's initial one). */
bool console_is_label_password(const svcport_v1_BmcState *st, const char *pw);
/* A new salt and PBKDF2 hash of pw. 0 or -EIO. */
int console_hash_new(struct bmc *b, const char *pw, unsigned char salt[16], unsigned char hash[32])
    __attribute__((warn_unused_result));

/* console-sed.c: the SED AK (enable, passphrase, backup, restore). */
CONSOLE_HANDLER(console_sed_enable);
CONSOLE_HANDLER(console_sed_passphrase);
CONSOLE_HANDLER(console_sed_backup);
CONSOLE_HANDLER(console_sed_restore);
CONSOLE_HANDLER(console_sed_generate);
CONSOLE_HANDLER(console_sed_component_restore);
CONSOLE_HANDLER(console_sed_component_adopt);
/* After a commit that changed the AK: the backup component's copy; r notes a failure. */
void console_sed_after_commit(struct bmc *b, svcport_admin_v1_AdminReply *r,
                              const struct console_step *step);
/* console-account.c: the accounts and their passwords. */
CONSOLE_HANDLER(console_password_set);
CONSOLE_HANDLER(console_account_add);
CONSOLE_HANDLER(console_account_delete);
CONSOLE_HANDLER(console_account_list);
/* console-policy.c: policies, the UEFI password, the factory reset. */
CONSOLE_HANDLER(console_policy_set);
CONSOLE_HANDLER(console_factory_reset);
CONSOLE_HANDLER(console_uefi_set);
CONSOLE_HANDLER(console_uefi_clear);
CONSOLE_HANDLER(console_uefi_verify);
/* True if a UEFI setup password is set. */
bool console_has_uefi(const svcport_v1_BmcState *st);
/* AE(OK) if pw is the UEFI password; else r says why. Wrong guesses back off
 * on their own key (not the login's). */
svcport_admin_v1_AdminError console_uefi_check(struct bmc *b, const svcport_v1_BmcState *st,
                                               const char *pw, svcport_admin_v1_AdminReply *r);
/* True while a reset is open: since it, no activation (reset_since_activation) or
 * no confirmation by the Administrator+ (reset_unconfirmed; docs/bmc.md "Resets
 * and activation"). */
bool console_is_reset_open(const svcport_v1_BmcState *st);
/* What a reset's window refuses: a weaker sensor or policy would outlive the
 * confirmation, as an account would (re-attack 13c, M1). */
#define CONSOLE_RESET_OPEN_WEAKER                                                                  \
	"the BMC was reset and the Administrator+ has not confirmed it: activate (with the "       \
	"UEFI password) before weakening protection"
/* While a reset is open and a UEFI password is set: AE(OK) only if pw is it
 * (what names the command in the refusal); else AE(OK). */
svcport_admin_v1_AdminError console_reset_uefi_gate(struct bmc *b, const svcport_v1_BmcState *st,
                                                    const char *pw, const char *what,
                                                    svcport_admin_v1_AdminReply *r);
/* console-cert.c: certificates and the trust store (DESIGN §6). */
CONSOLE_HANDLER(console_cert_export);
CONSOLE_HANDLER(console_cert_csr);
CONSOLE_HANDLER(console_cert_install);
CONSOLE_HANDLER(console_trust_update);
/* console-manual.c: manual activation by phone call (docs/manual-activation.md). */
CONSOLE_HANDLER(console_manual_challenge);
CONSOLE_HANDLER(console_manual_respond);
/* console-link.c: the link certificate and the internal CA (docs/certs.md). */
CONSOLE_HANDLER(console_cert_regenerate);
/* cert csr --which link, cert install --which link (console_cert_csr/_install's half). */
svcport_admin_v1_AdminError console_link_csr(struct bmc *b, svcport_admin_v1_AdminReply *r,
                                             svcport_v1_BmcState *next, struct console_step *step);
svcport_admin_v1_AdminError console_link_install(struct bmc *b,
                                                 const svcport_admin_v1_CertInstall *in,
                                                 svcport_admin_v1_AdminReply *r,
                                                 svcport_v1_BmcState *next,
                                                 struct console_step *step);

#endif
