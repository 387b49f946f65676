// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * svcport-bmcctl's SED AK commands (docs/bmc.md "SED AK"): passphrase with
 * its drive set, backup and restore (encrypted with a backup passphrase,
 * across servers when asked), generate (an explicit erase), and the restore
 * from the automatic backup component. Each has --help and --json; secrets
 * come from the environment or an argument, never from a prompt.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bmcctl.h"

#define T(x) svcport_admin_v1_AdminRequest_##x##_tag

const char ctl_sed_help[] =
    "sed passphrase --drive-set NAME [--passphrase-file FILE|-]\n"
    "    AK := PBKDF2-HMAC-SHA256(P, \"svcport-sed-ak-v2\" NUL NAME, 100000): the same P and\n"
    "    NAME give the same AK on every server of the drive set. P (>= 16 characters)\n"
    "    from FILE (- : stdin, no echo at a terminal) or $SVCPORT_SED_PASSPHRASE; a P\n"
    "    argument after NAME still works, with a warning (deprecated: every user sees\n"
    "    it). Administrator+.\n"
    "sed backup FILE [--backup-passphrase-file F|-]\n"
    "    Writes a new FILE (0600, never overwritten) with the AK encrypted under P (>= 12\n"
    "    characters; from F, or $SVCPORT_SED_BACKUP_PASSPHRASE; --backup-passphrase P is\n"
    "    deprecated, as above). Refused while locked. After a\n"
    "    BMC reset not yet confirmed, needs $SVCPORT_UEFI_PASSWORD (or\n"
    "    --uefi-password-file) when a UEFI password is set, else an activation first.\n"
    "sed restore FILE [--backup-passphrase-file F|-] [--other-server]\n"
    "    The AK from a backup; one taken on another server only with --other-server.\n"
    "sed restore --from-component\n"
    "    The AK from the automatic backup component (after a board replacement).\n"
    "sed generate --erase-drives\n"
    "    A new random AK where no backup exists: what the drives held is lost.\n"
    "sed component adopt\n"
    "    Pairs the fitted backup component with this board and copies the AK to it\n"
    "    (whatever it held is replaced). Only the paired component gets the AK\n"
    "    automatically. Refused while locked; after a reset not yet confirmed, needs\n"
    "    $SVCPORT_UEFI_PASSWORD (or --uefi-password-file) when a UEFI password is set.\n"
    "All: Administrator+, audited; --json prints {\"ok\":true} or bmcctl's error object;\n"
    "a note from bmcd (an absent or unhealthy backup component) goes to stderr.";

/* Strips --json (after the command too); `sed ... --help` is bmcctl.c's (ctl_sed_help).
 * Always 0. */
static int common_flags(struct ctl *c, int *argc, char **argv)
{
	int n = 0;

	for (int i = 0; i < *argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			c->json = true;
		else
			argv[n++] = argv[i];
	}
	*argc = n;
	return 0;
}

/* Takes "--NAME VALUE" out of argv; the value or NULL. */
static const char *take_opt(int *argc, char **argv, const char *name)
{
	for (int i = 0; i + 1 < *argc; i++)
		if (strcmp(argv[i], name) == 0) {
			const char *v = argv[i + 1];

			memmove(argv + i, argv + i + 2, (size_t)(*argc - i - 2) * sizeof(*argv));
			*argc -= 2;
			return v;
		}
	return NULL;
}

/* Takes a flag out of argv; true if it was there. */
static bool take_flag(int *argc, char **argv, const char *name)
{
	for (int i = 0; i < *argc; i++)
		if (strcmp(argv[i], name) == 0) {
			memmove(argv + i, argv + i + 1, (size_t)(*argc - i - 1) * sizeof(*argv));
			(*argc)--;
			return true;
		}
	return false;
}

/* Sends the request; prints the outcome (with the daemon's note) as text or JSON. */
static int send_and_print(struct ctl *c, const char *done)
{
	if (ctl_transact(c, &c->req, &c->rep) != 0)
		return 1; /* said on stderr, and with --json as an object */
	if (c->json)
		printf("{\"ok\":true}\n");
	else
		printf("%s\n", done);
	return 0;
}

/*
 * An SED passphrase: from --NAME-file FILE|- (a file, or stdin without echo at a
 * terminal), else the environment, else (deprecated: /proc/PID/cmdline shows it
 * to every user) the argument, which is used with a warning (re-attack on issue
 * 13: the passwords' files, for the passphrases too).
 */
static int sed_secret(const char *file, const char *file_opt, const char *arg, const char *env,
                      const char *what, char *dst, size_t cap)
{
	if (file)
		return ctl_read_secret(file, what, dst, cap);
	if (!arg && getenv(env))
		return ctl_copy_str(dst, cap, getenv(env), what);
	if (arg)
		fprintf(
		    stderr,
		    "svcport-bmcctl: warning: a %s on the command line is visible to every user "
		    "(/proc/PID/cmdline): use %s FILE|- (deprecated)\n",
		    what, file_opt);
	return ctl_copy_str(dst, cap, arg,
	                    "passphrase (a file, stdin or the environment: see sed --help)");
}

static int backup_pass(struct ctl *c, int *argc, char **argv, char *dst, size_t cap)
{
	const char *p = take_opt(argc, argv, "--backup-passphrase");
	const char *file = take_opt(argc, argv, "--backup-passphrase-file");

	(void)c;
	return sed_secret(file, "--backup-passphrase-file", p, "SVCPORT_SED_BACKUP_PASSPHRASE",
	                  "backup passphrase", dst, cap);
}

int ctl_sed_passphrase(struct ctl *c, int argc, char **argv)
{
	svcport_admin_v1_SedPassphrase *p = &c->req.cmd.sed_passphrase;
	const char *set, *pass, *file;

	if (common_flags(c, &argc, argv))
		return 0;
	set = take_opt(&argc, argv, "--drive-set");
	file = take_opt(&argc, argv, "--passphrase-file");
	if (!set || argc > 1)
		return ctl_die(
		    "sed passphrase --drive-set NAME [--passphrase-file FILE|-] (see sed "
		    "--help)");
	pass = argc == 1 ? argv[0] : NULL;
	c->req.which_cmd = T(sed_passphrase);
	if (sed_secret(file, "--passphrase-file", pass, "SVCPORT_SED_PASSPHRASE", "passphrase",
	               p->passphrase, sizeof(p->passphrase)) ||
	    ctl_copy_str(p->drive_set, sizeof(p->drive_set), set, "drive set"))
		return 1;
	return send_and_print(c, "SED AK set from the passphrase and the drive set");
}

/* The backup file is made before the key is asked for: no file, no key. */
int ctl_sed_backup(struct ctl *c, int argc, char **argv)
{
	int fd = -1;

	if (common_flags(c, &argc, argv))
		return 0;
	c->req.which_cmd = T(sed_backup);
	if (backup_pass(c, &argc, argv, c->req.cmd.sed_backup.backup_passphrase,
	                sizeof(c->req.cmd.sed_backup.backup_passphrase)))
		return 1;
	if (argc != 1)
		return ctl_die("sed backup FILE [--backup-passphrase P] (see sed --help)");
	/* After a reset the backup needs the UEFI password (when one is set). */
	if (ctl_current_uefi(c, c->req.cmd.sed_backup.uefi_password,
	                     sizeof(c->req.cmd.sed_backup.uefi_password)))
		return 1;
	if (ctl_backup_create(argv[0], &fd))
		return 1;
	if (ctl_transact(c, &c->req, &c->rep) != 0) {
		close(fd);
		unlink(argv[0]);
		return 1;
	}
	if (ctl_backup_write(fd, argv[0], c->rep.body.sed_backup.backup.bytes,
	                     c->rep.body.sed_backup.backup.size))
		return 1;
	if (c->json)
		printf("{\"ok\":true}\n");
	else
		printf("SED AK backup written to %s, encrypted with the backup passphrase\n",
		       argv[0]);
	return 0;
}

int ctl_sed_restore(struct ctl *c, int argc, char **argv)
{
	svcport_admin_v1_SedRestore *r = &c->req.cmd.sed_restore;
	size_t len = 0;

	if (common_flags(c, &argc, argv))
		return 0;
	if (take_flag(&argc, argv, "--from-component")) {
		if (argc != 0)
			return ctl_die("sed restore --from-component takes nothing else");
		c->req.which_cmd = T(sed_component_restore);
		return send_and_print(c, "SED AK restored from the backup component");
	}
	c->req.which_cmd = T(sed_restore);
	r->other_server = take_flag(&argc, argv, "--other-server");
	if (backup_pass(c, &argc, argv, r->backup_passphrase, sizeof(r->backup_passphrase)))
		return 1;
	if (argc != 1)
		return ctl_die("sed restore FILE [--backup-passphrase P] [--other-server]");
	if (ctl_read_file(argv[0], r->backup.bytes, sizeof(r->backup.bytes), &len))
		return 1;
	r->backup.size = (pb_size_t)len;
	return send_and_print(c, "SED AK restored from the backup");
}

int ctl_sed_generate(struct ctl *c, int argc, char **argv)
{
	if (common_flags(c, &argc, argv))
		return 0;
	c->req.which_cmd = T(sed_generate);
	c->req.cmd.sed_generate.erase_drives = take_flag(&argc, argv, "--erase-drives");
	if (argc != 0)
		return ctl_die("sed generate --erase-drives (see sed --help)");
	return send_and_print(c, "a new SED AK: what the drives held is erased");
}

/* sed component adopt: the fitted backup component becomes this board's. */
int ctl_sed_component(struct ctl *c, int argc, char **argv)
{
	if (common_flags(c, &argc, argv))
		return 0;
	if (argc != 1 || strcmp(argv[0], "adopt") != 0)
		return ctl_die("sed component adopt (see sed --help)");
	c->req.which_cmd = T(sed_component_adopt);
	/* While a reset is open, with the UEFI password (when one is set). */
	if (ctl_current_uefi(c, c->req.cmd.sed_component_adopt.uefi_password,
	                     sizeof(c->req.cmd.sed_component_adopt.uefi_password)))
		return 1;
	return send_and_print(c, "the backup component is this board's now and holds its AK");
}
