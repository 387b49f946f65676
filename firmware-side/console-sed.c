// SPDX-License-Identifier: GPL-2.0-or-later
/* The console's SED AK commands: enable, passphrase, backup, restore. */
#include <string.h>

#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>

#include "console-cmd.h"
#include "pwhash.h"
#include "sealed.h"

#define SED_BACKUP_MAGIC "SVCSEDB1"
#define PASSPHRASE_MIN   8

/* backup = magic | len MT | MT | len SN | SN | AK | SHA-256(everything before) */
static size_t sed_backup_encode(const svcport_v1_BmcState *st, const unsigned char *ak,
                                unsigned char *out, size_t cap)
{
	size_t mt = strlen(st->device.machine_type), sn = strlen(st->device.serial_number);
	size_t n = 8 + 1 + mt + 1 + sn + SEALED_SED_AK_LEN;

	if (n + 32 > cap)
		return 0;
	memcpy(out, SED_BACKUP_MAGIC, 8);
	out[8] = (unsigned char)mt;
	memcpy(out + 9, st->device.machine_type, mt);
	out[9 + mt] = (unsigned char)sn;
	memcpy(out + 10 + mt, st->device.serial_number, sn);
	memcpy(out + 10 + mt + sn, ak, SEALED_SED_AK_LEN);
	mbedtls_sha256_ret(out, n, out + n, 0);
	return n + 32;
}

static const char *sed_backup_decode(const svcport_v1_BmcState *st, const unsigned char *in,
                                     size_t len, unsigned char ak[SEALED_SED_AK_LEN])
{
	size_t mt, sn;
	unsigned char h[32];

	if (len < 8 + 2 + SEALED_SED_AK_LEN + 32 || memcmp(in, SED_BACKUP_MAGIC, 8) != 0)
		return "not an SED backup";
	mt = in[8];
	if (9 + mt >= len)
		return "truncated backup";
	sn = in[9 + mt];
	if (10 + mt + sn + SEALED_SED_AK_LEN + 32 != len)
		return "backup length is wrong";
	mbedtls_sha256_ret(in, len - 32, h, 0);
	if (memcmp(h, in + len - 32, 32) != 0)
		return "backup checksum is wrong";
	if (st->has_identity &&
	    (mt != strlen(st->device.machine_type) || sn != strlen(st->device.serial_number) ||
	     memcmp(in + 9, st->device.machine_type, mt) != 0 ||
	     memcmp(in + 10 + mt, st->device.serial_number, sn) != 0))
		return "backup of another server";
	memcpy(ak, in + 10 + mt + sn, SEALED_SED_AK_LEN);
	return NULL;
}

/* Seals ak into next (the record never holds it in plain text). */
static svcport_admin_v1_AdminError set_ak(struct bmc *b, svcport_v1_BmcState *next,
                                          const unsigned char *ak, svcport_admin_v1_AdminReply *r)
{
	if (sealed_sed_ak_set(b->se, next, ak, &b->env) < 0)
		return console_fail(r, AE(INTERNAL), "the secure element cannot seal the SED AK");
	next->sed_enabled = true;
	return AE(OK);
}

CONSOLE_HANDLER(console_sed_enable)
{
	unsigned char ak[SEALED_SED_AK_LEN];
	svcport_admin_v1_AdminError e = AE(OK);

	if (!next->sed_ak_present) {
		if (b->env.rng(b->env.user_data, ak, sizeof(ak)) != 0)
			e = console_fail(r, AE(INTERNAL), "no random bytes");
		else
			e = set_ak(b, next, ak, r);
		mbedtls_platform_zeroize(ak, sizeof(ak));
	}
	next->sed_enabled = true;
	step->event = "sed-enable";
	return e;
}

CONSOLE_HANDLER(console_sed_passphrase)
{
	unsigned char ak[SEALED_SED_AK_LEN];
	svcport_admin_v1_AdminError e;
	char salt[80];
	int n;

	if (strlen(req->cmd.sed_passphrase.passphrase) < PASSPHRASE_MIN)
		return console_fail(r, AE(INVALID_STATE), "passphrase: at least 8 characters");
	n = snprintf(salt, sizeof(salt), "svcport-sed-ak:%s-%s", next->device.machine_type,
	             next->device.serial_number);
	if (bmc_pbkdf2(req->cmd.sed_passphrase.passphrase, (const unsigned char *)salt, (size_t)n,
	               ak, sizeof(ak)) < 0)
		return console_fail(r, AE(INTERNAL), "could not derive the key");
	e = set_ak(b, next, ak, r);
	mbedtls_platform_zeroize(ak, sizeof(ak));
	step->event = "sed-passphrase";
	return e;
}

CONSOLE_HANDLER(console_sed_backup)
{
	unsigned char ak[SEALED_SED_AK_LEN];
	svcport_admin_v1_SedBackupReply *out = &r->body.sed_backup;

	if (!next->sed_ak_present)
		return console_fail(r, AE(INVALID_STATE), "no SED AK to back up");
	/* A locked board refuses the AK to everyone (DESIGN §4.6): under portal
	 * control only a portal-signed Activate releases it, and a tamper event
	 * (BMC-managed too) holds until an activation. */
	if (next->lockdown_state != svcport_v1_LockdownState_LOCKDOWN_ACTIVE)
		return console_fail(
		    r, AE(INVALID_STATE),
		    next->control_mode == svcport_v1_ControlMode_CONTROL_PORTAL_MANAGED
		        ? "portal-managed and locked: the portal must activate before a backup"
		        : "locked: activate before a backup");
	/* Unseal first: a blob that does not unseal writes nothing. */
	if (sealed_sed_ak_get(b->se, next, ak) < 0)
		return console_fail(
		    r, AE(INTERNAL),
		    "the sealed SED AK does not unseal (damaged or another board's)");
	/* The dispatcher drops the body if the audit record cannot be written:
	 * taking a copy of the key is an audited event. */
	r->which_body = svcport_admin_v1_AdminReply_sed_backup_tag;
	out->backup.size =
	    (pb_size_t)sed_backup_encode(next, ak, out->backup.bytes, sizeof(out->backup.bytes));
	mbedtls_platform_zeroize(ak, sizeof(ak));
	step->event = "sed-backup";
	return AE(OK);
}

CONSOLE_HANDLER(console_sed_restore)
{
	unsigned char ak[SEALED_SED_AK_LEN];
	svcport_admin_v1_AdminError e;
	const char *why;

	why = sed_backup_decode(next, req->cmd.sed_restore.backup.bytes,
	                        req->cmd.sed_restore.backup.size, ak);
	if (why)
		e = console_fail(r, AE(INVALID_STATE), why);
	else
		e = set_ak(b, next, ak, r);
	mbedtls_platform_zeroize(ak, sizeof(ak));
	step->event = "sed-restore";
	return e;
}
