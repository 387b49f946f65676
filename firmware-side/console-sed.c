// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The console's SED AK commands (docs/bmc.md "SED AK"): enable, passphrase
 * (salted with the drive-set name), backup and restore (encrypted, across
 * servers), generate (an explicit erase), and the restore from the automatic
 * backup component. Every change of the AK is Administrator+ only.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#include "console-cmd.h"
#include "sealed.h"
#include "sedak.h"
#include "sedcomp.h"

#define SED_AK_ABSENT_HELP                                                                         \
	"SED is enabled and its AK is absent: restore it (sed restore, sed restore "               \
	"--from-component) or, with no backup, sed generate --erase-drives"

/*
 * Only the Administrator+ changes, backs up or restores the SED AK (the guide).
 * The table gates these commands GATE_ADMIN_PLUS; the handlers ask again, so a
 * table row cannot open them by mistake.
 */
#define SED_GATE(r, step)                                                                          \
	do {                                                                                       \
		if (!console_is_admin_plus(step))                                                  \
			return console_fail(r, AE(ROLE_FORBIDDEN),                                 \
			                    "the SED AK is the Administrator+'s alone");           \
	} while (0)

/* next gets ak; the dispatcher copies it to the backup component after the commit. */
static svcport_admin_v1_AdminError set_ak(struct bmc *b, svcport_v1_BmcState *next,
                                          const unsigned char *ak, const char *drive_set,
                                          svcport_admin_v1_AdminReply *r, struct console_step *step)
{
	if (sedak_install(b, next, ak, drive_set) < 0)
		return console_fail(r, AE(INTERNAL), "the secure element cannot seal the SED AK");
	step->sed_ak_changed = true;
	return AE(OK);
}

CONSOLE_HANDLER(console_sed_enable)
{
	unsigned char ak[SEALED_SED_AK_LEN];
	svcport_admin_v1_AdminError e = AE(OK);

	SED_GATE(r, step);
	if (next->sed_enabled && !next->sed_ak_present)
		return console_fail(r, AE(INVALID_STATE), SED_AK_ABSENT_HELP);
	if (!next->sed_ak_present) {
		if (b->env.rng(b->env.user_data, ak, sizeof(ak)) != 0)
			e = console_fail(r, AE(INTERNAL), "no random bytes");
		else
			e = set_ak(b, next, ak, "", r, step);
		mbedtls_platform_zeroize(ak, sizeof(ak));
	}
	next->sed_enabled = true;
	step->event = "sed-enable";
	return e;
}

static bool is_drive_set_ok(const char *s)
{
	if (!s[0])
		return false;
	for (; *s; s++)
		if (*s < 0x21 || *s > 0x7e)
			return false;
	return true;
}

CONSOLE_HANDLER(console_sed_passphrase)
{
	const svcport_admin_v1_SedPassphrase *p = &req->cmd.sed_passphrase;
	unsigned char ak[SEALED_SED_AK_LEN];
	svcport_admin_v1_AdminError e;

	SED_GATE(r, step);
	if (strlen(p->passphrase) < SEDAK_PASSPHRASE_MIN)
		return console_fail(r, AE(INVALID_STATE), "passphrase: at least 16 characters");
	if (!is_drive_set_ok(p->drive_set))
		return console_fail(r, AE(INVALID_STATE),
		                    "drive set: a name of 1 to 32 printable characters, no spaces, "
		                    "the same on every server of the set");
	if (sedak_derive(p->passphrase, p->drive_set, ak) < 0)
		return console_fail(r, AE(INTERNAL), "could not derive the key");
	e = set_ak(b, next, ak, p->drive_set, r, step);
	mbedtls_platform_zeroize(ak, sizeof(ak));
	step->event = "sed-passphrase";
	snprintf(step->detail, sizeof(step->detail), "drive-set=%s", p->drive_set);
	return e;
}

CONSOLE_HANDLER(console_sed_backup)
{
	unsigned char ak[SEALED_SED_AK_LEN];
	svcport_admin_v1_SedBackupReply *out = &r->body.sed_backup;
	size_t len = 0;
	int ret;

	SED_GATE(r, step);
	if (!next->sed_ak_present)
		return console_fail(r, AE(INVALID_STATE), "no SED AK to back up");
	if (strlen(req->cmd.sed_backup.backup_passphrase) < SEDAK_BACKUP_PASS_MIN)
		return console_fail(
		    r, AE(INVALID_STATE),
		    "backup passphrase: at least 12 characters (it encrypts the backup)");
	/* A locked board refuses the AK to everyone (DESIGN §4.6): under portal
	 * control only a portal-signed Activate releases it, and a tamper event
	 * (BMC-managed too) holds until an activation. */
	if (next->lockdown_state != svcport_v1_LockdownState_LOCKDOWN_ACTIVE)
		return console_fail(
		    r, AE(INVALID_STATE),
		    next->control_mode == svcport_v1_ControlMode_CONTROL_PORTAL_MANAGED
		        ? "portal-managed and locked: the portal must activate before a backup"
		        : "locked: activate before a backup");
	/* After a reset (whichever policy kept the AK) the Administrator+ is whoever
	 * was at the machine: the UEFI password, or with none set an activation
	 * first (re-attack B). */
	if (console_is_reset_open(next) && !console_has_uefi(next))
		return console_fail(r, AE(INVALID_STATE),
		                    "the BMC was reset since the last activation: activate before "
		                    "a backup");
	if (console_reset_uefi_gate(b, next, req->cmd.sed_backup.uefi_password, "sed backup", r) !=
	    AE(OK))
		return r->error;
	/* Unseal first: a blob that does not unseal writes nothing. */
	if (sealed_sed_ak_get(b->se, next, ak) < 0)
		return console_fail(
		    r, AE(INTERNAL),
		    "the sealed SED AK does not unseal (damaged or another board's)");
	ret = sedak_backup_encode(b, next, ak, req->cmd.sed_backup.backup_passphrase,
	                          out->backup.bytes, sizeof(out->backup.bytes), &len);
	mbedtls_platform_zeroize(ak, sizeof(ak));
	if (ret < 0)
		return console_fail(r, AE(INTERNAL), "could not encrypt the backup");
	/* The dispatcher drops the body if the audit record cannot be written:
	 * taking a copy of the key is an audited event. */
	r->which_body = svcport_admin_v1_AdminReply_sed_backup_tag;
	out->backup.size = (pb_size_t)len;
	step->event = "sed-backup";
	return AE(OK);
}

static bool is_this_server(const svcport_v1_BmcState *st, const struct sedak_origin *o)
{
	return st->has_identity && strcmp(o->mt, st->device.machine_type) == 0 &&
	       strcmp(o->sn, st->device.serial_number) == 0;
}

CONSOLE_HANDLER(console_sed_restore)
{
	const svcport_admin_v1_SedRestore *in = &req->cmd.sed_restore;
	unsigned char ak[SEALED_SED_AK_LEN];
	struct sedak_origin o = {0};
	svcport_admin_v1_AdminError e;
	const char *why;

	SED_GATE(r, step);
	why = sedak_backup_decode(in->backup.bytes, in->backup.size, in->backup_passphrase, ak, &o);
	if (why)
		e = console_fail(r, AE(INVALID_STATE), why);
	else if (!is_this_server(next, &o) && !in->other_server)
		e = console_fail(
		    r, AE(INVALID_STATE),
		    "a backup taken on another server: restore it with --other-server");
	else
		e = set_ak(b, next, ak, o.drive_set, r, step);
	mbedtls_platform_zeroize(ak, sizeof(ak));
	step->event = "sed-restore";
	snprintf(step->detail, sizeof(step->detail), "from=%.16s-%.32s%s set=%.16s", o.mt, o.sn,
	         is_this_server(next, &o) ? "" : " (another server)", o.drive_set);
	return e;
}

CONSOLE_HANDLER(console_sed_generate)
{
	unsigned char ak[SEALED_SED_AK_LEN];
	char detail[96];
	svcport_admin_v1_AdminError e;

	SED_GATE(r, step);
	if (!req->cmd.sed_generate.erase_drives)
		return console_fail(
		    r, AE(INVALID_STATE),
		    "a new AK erases what the drives held: confirm with --erase-drives");
	if (next->sed_ak_present)
		return console_fail(r, AE(INVALID_STATE),
		                    "an SED AK is present: nothing to replace (sed passphrase or "
		                    "sed restore replace it)");
	if (sedak_component_status(b, detail, sizeof(detail)) ==
	    svcport_v1_SedComponent_SED_COMPONENT_RESTORABLE)
		return console_fail(r, AE(INVALID_STATE),
		                    "the backup component holds this server's AK: sed restore "
		                    "--from-component");
	if (b->env.rng(b->env.user_data, ak, sizeof(ak)) != 0)
		return console_fail(r, AE(INTERNAL), "no random bytes");
	e = set_ak(b, next, ak, "", r, step);
	mbedtls_platform_zeroize(ak, sizeof(ak));
	step->event = "sed-generate";
	snprintf(step->detail, sizeof(step->detail), "new AK: what the drives held is erased");
	return e;
}

CONSOLE_HANDLER(console_sed_component_restore)
{
	unsigned char ak[SEALED_SED_AK_LEN];
	svcport_admin_v1_AdminError e;
	struct sedcomp_info copy;
	uint64_t gen;
	int ret;

	SED_GATE(r, step);
	if (!next->has_identity)
		return console_fail(r, AE(INVALID_STATE),
		                    "no identity yet: the device-key update comes first");
	ret = sedcomp_get(b->sed_component[0] ? b->sed_component : NULL, &b->sed_keys,
	                  next->device.machine_type, next->device.serial_number, ak, &copy);
	gen = copy.generation;
	if (ret == -ENOENT || ret == -EBADMSG || ret == -ESRCH) {
		char detail[96];

		sedak_component_status(b, detail, sizeof(detail));
		return console_fail(
		    r, ret == -ESRCH ? AE(INVALID_STATE) : AE(COMPONENT_UNAVAILABLE),
		    ret == -ESRCH ? "the backup component holds another server's AK" : detail);
	}
	if (ret < 0)
		return console_fail(r, AE(COMPONENT_UNAVAILABLE), "the backup component failed");
	/* A reset cleared the AK after this copy was made (sealed_sed_ak_clear): the copy
	 * is for a moved board, never for undoing a reset (attack pass on issue 13, H1). */
	if (gen < next->sed_ak_generation) {
		mbedtls_platform_zeroize(ak, sizeof(ak));
		return console_fail(
		    r, AE(INVALID_STATE),
		    "a reset cleared the SED AK after the component's copy: restore "
		    "it from a backup (sed restore) or the drive set's passphrase");
	}
	/* The drive set comes back with the AK: a passphrase AK stays its set's. The
	 * board's generation goes up by one as at every change, never to the copy's:
	 * its header is only as good as the component's key, and a forged copy at
	 * 2^64-1 wrapped the generation so that a copy from before a reset restored
	 * (re-attack 13c, H2). The copy is rewritten at the new generation after the
	 * commit (the same component: it gave the AK). */
	e = set_ak(b, next, ak, copy.drive_set, r, step);
	mbedtls_platform_zeroize(ak, sizeof(ak));
	step->sed_ak_from_component = true;
	step->event = "sed-restore-component";
	snprintf(step->detail, sizeof(step->detail), "generation=%llu%s%.32s",
	         (unsigned long long)gen, copy.drive_set[0] ? " drive-set=" : "", copy.drive_set);
	return e;
}

void console_sed_after_commit(struct bmc *b, svcport_admin_v1_AdminReply *r,
                              const struct console_step *step)
{
	char why[96];

	/* A locked board gives the AK to no component (re-attack 13c, H1): the copy is
	 * made at the next activation. The AK the component itself gave goes back. */
	if (!sedak_component_may_copy(bmc_state(b)) && !step->sed_ak_from_component) {
		snprintf(r->message, sizeof(r->message),
		         "the AK changed; the board is locked, so the backup component gets it "
		         "at the next activation");
		return;
	}
	if (sedak_component_update(b, step->sed_ak_from_component, why, sizeof(why)) < 0)
		snprintf(r->message, sizeof(r->message), "the AK changed, but %s", why);
}

static int adopt_after_commit(struct bmc *b)
{
	char why[96];

	return sedak_component_update(b, true, why, sizeof(why));
}

/*
 * The fitted component becomes the board's: it is paired and gets the AK
 * (re-attack 13c, M5). Whatever it held is replaced. A weakening action (the AK
 * leaves the board for a store the board did not choose): only on an ACTIVE
 * board, and while a reset is open only with the UEFI password.
 */
CONSOLE_HANDLER(console_sed_component_adopt)
{
	struct sedcomp_info in;

	SED_GATE(r, step);
	if (console_reset_uefi_gate(b, next, req->cmd.sed_component_adopt.uefi_password,
	                            "sed component adopt", r) != AE(OK))
		return r->error;
	if (!next->has_identity || !next->sed_ak_present)
		return console_fail(r, AE(INVALID_STATE),
		                    "no SED AK on this board: nothing to back up");
	if (!sedak_component_may_copy(next))
		return console_fail(r, AE(INVALID_STATE),
		                    "the board is locked: a locked board gives the AK to no "
		                    "component; activate first");
	sedcomp_probe(b->sed_component[0] ? b->sed_component : NULL, &b->sed_keys, &in);
	if (in.health != SEDCOMP_EMPTY && in.health != SEDCOMP_HOLDS)
		return console_fail(r, AE(COMPONENT_UNAVAILABLE), in.detail);
	if (sedak_component_is_paired(b))
		return console_fail(r, AE(INVALID_STATE),
		                    "the fitted component is already this board's");
	step->event = "sed-component-adopt";
	snprintf(step->detail, sizeof(step->detail), "generation=%llu",
	         (unsigned long long)next->sed_ak_generation);
	step->after_commit = adopt_after_commit;
	step->after_commit_fail = "adopted, but the component did not take the AK: see status";
	return AE(OK);
}
