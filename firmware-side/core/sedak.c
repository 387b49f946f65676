// SPDX-License-Identifier: GPL-2.0-or-later
/* The SED AK: passphrase KDF, backups, the backup component (sedak.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#include "aead.h"
#include "pwhash.h"
#include "sedak.h"
#include "sedcomp.h"

#define BACKUP_MAGIC    "SVCSEDB2"
#define BACKUP_SALT_LEN 16
#define KDF_LABEL       "svcport-sed-ak-v2"

int sedak_derive(const char *passphrase, const char *drive_set, uint8_t ak[SEALED_SED_AK_LEN])
{
	unsigned char salt[sizeof(KDF_LABEL) + SEDAK_DRIVE_SET_MAX];
	size_t n = strlen(drive_set);

	if (n > SEDAK_DRIVE_SET_MAX)
		return -EINVAL;
	memcpy(salt, KDF_LABEL, sizeof(KDF_LABEL)); /* with its NUL: the separator */
	memcpy(salt + sizeof(KDF_LABEL), drive_set, n);
	return bmc_pbkdf2_iter(passphrase, salt, sizeof(KDF_LABEL) + n, SEDAK_KDF_ITERATIONS, ak,
	                       SEALED_SED_AK_LEN);
}

int sedak_backup_encode(struct bmc *b, const svcport_v1_BmcState *st,
                        const uint8_t ak[SEALED_SED_AK_LEN], const char *backup_pass, uint8_t *out,
                        size_t cap, size_t *ret_len)
{
	const uint32_t iter = SEDAK_KDF_ITERATIONS;
	uint8_t key[AEAD_KEY_LEN];
	size_t n = 8 + 4 + BACKUP_SALT_LEN;
	int ret;

	if (cap < n + 3 + strlen(st->device.machine_type) + strlen(st->device.serial_number) +
	              strlen(st->sed_drive_set) + AEAD_IV_LEN + SEALED_SED_AK_LEN + AEAD_TAG_LEN)
		return -ENOSPC;
	memcpy(out, BACKUP_MAGIC, 8);
	for (int i = 0; i < 4; i++)
		out[8 + i] = (uint8_t)(iter >> (24 - 8 * i));
	if (b->env.rng(b->env.user_data, out + 12, BACKUP_SALT_LEN) != 0)
		return -EIO;
	n += sedcomp_str_put(out + n, st->device.machine_type);
	n += sedcomp_str_put(out + n, st->device.serial_number);
	n += sedcomp_str_put(out + n, st->sed_drive_set);
	if (b->env.rng(b->env.user_data, out + n, AEAD_IV_LEN) != 0)
		return -EIO;
	ret = bmc_pbkdf2_iter(backup_pass, out + 12, BACKUP_SALT_LEN, iter, key, sizeof(key));
	if (ret == 0)
		ret = aead_seal(key, out + n, out, n, ak, SEALED_SED_AK_LEN, out + n + AEAD_IV_LEN);
	mbedtls_platform_zeroize(key, sizeof(key));
	*ret_len = n + AEAD_IV_LEN + SEALED_SED_AK_LEN + AEAD_TAG_LEN;
	return ret;
}

const char *sedak_backup_decode(const uint8_t *in, size_t len, const char *backup_pass,
                                uint8_t ak[SEALED_SED_AK_LEN], struct sedak_origin *o)
{
	uint8_t key[AEAD_KEY_LEN];
	uint32_t iter = 0;
	size_t at = 8 + 4 + BACKUP_SALT_LEN;
	int ret;

	if (len < at || memcmp(in, BACKUP_MAGIC, 8) != 0)
		return "not an SED backup (version 2)";
	for (int i = 0; i < 4; i++)
		iter = iter << 8 | in[8 + i];
	if (!sedcomp_str_get(in, len, &at, o->mt, sizeof(o->mt)) ||
	    !sedcomp_str_get(in, len, &at, o->sn, sizeof(o->sn)) ||
	    !sedcomp_str_get(in, len, &at, o->drive_set, sizeof(o->drive_set)) ||
	    at + AEAD_IV_LEN + SEALED_SED_AK_LEN + AEAD_TAG_LEN != len)
		return "the backup's length is wrong";
	if (iter < SEDAK_BACKUP_ITER_MIN || iter > SEDAK_BACKUP_ITER_MAX)
		return "the backup's KDF cost is out of bounds";
	ret = bmc_pbkdf2_iter(backup_pass, in + 12, BACKUP_SALT_LEN, iter, key, sizeof(key));
	if (ret == 0)
		ret = aead_open(key, in + at, in, at, in + at + AEAD_IV_LEN,
		                SEALED_SED_AK_LEN + AEAD_TAG_LEN, ak);
	mbedtls_platform_zeroize(key, sizeof(key));
	return ret < 0 ? "the backup does not open: wrong backup passphrase, or a changed byte"
	               : NULL;
}

int sedak_install(struct bmc *b, svcport_v1_BmcState *next, const uint8_t ak[SEALED_SED_AK_LEN],
                  const char *drive_set)
{
	int ret = sealed_sed_ak_set(b->se, next, ak, &b->env);

	if (ret < 0)
		return ret;
	next->sed_enabled = true;
	next->sed_ak_generation++;
	snprintf(next->sed_drive_set, sizeof(next->sed_drive_set), "%s", drive_set);
	return 0;
}

static const char *server_mt(const svcport_v1_BmcState *st)
{
	return st->has_identity ? st->device.machine_type : "";
}

static const char *server_sn(const svcport_v1_BmcState *st)
{
	return st->has_identity ? st->device.serial_number : "";
}

int sedak_component_update(struct bmc *b, char *why, size_t cap)
{
	uint8_t ak[SEALED_SED_AK_LEN];
	int ret;

	if (!b->st.sed_ak_present)
		return 0; /* a cleared AK: the component keeps the last one, for a moved board only
		           */
	ret = sealed_sed_ak_get(b->se, &b->st, ak);
	if (ret == 0)
		ret = sedcomp_put(b->sed_component[0] ? b->sed_component : NULL, &b->sed_keys,
		                  server_mt(&b->st), server_sn(&b->st), b->st.sed_drive_set,
		                  b->st.sed_ak_generation, ak, &b->env);
	mbedtls_platform_zeroize(ak, sizeof(ak));
	if (ret < 0)
		snprintf(why, cap, "%s",
		         ret == -ENOENT ? "no backup component is fitted: the AK is not backed up"
		         : ret == -EBADMSG ? "the backup component is unhealthy: the AK is not "
		                             "backed up"
		         : ret == -EACCES  ? "bmcd may not read the backup component's key: the "
		                             "AK is not backed up"
		                           : "the backup component did not take the AK");
	return ret;
}

/* The board's AK may leave it for the component only while it is ACTIVE: a locked
 * board refuses the AK to everyone (DESIGN §4.6), and nothing authenticates a
 * component, so whatever is fitted would receive it (re-attack 13c, H1). */
bool sedak_component_may_copy(const svcport_v1_BmcState *st)
{
	return st->lockdown_state == svcport_v1_LockdownState_LOCKDOWN_ACTIVE;
}

void sedak_component_sync(struct bmc *b)
{
	struct sedcomp_info in;
	char why[96];
	bool ours;

	if (!b->st.sed_ak_present || !b->st.has_identity || !sedak_component_may_copy(&b->st))
		return;
	sedcomp_probe(b->sed_component[0] ? b->sed_component : NULL, &b->sed_keys, &in);
	ours = in.health == SEDCOMP_HOLDS && strcmp(in.mt, server_mt(&b->st)) == 0 &&
	       strcmp(in.sn, server_sn(&b->st)) == 0;
	/* Empty: the first copy. This server's copy in the old format (its key beside
	 * the box): rewritten sealed by the key store, and the old key removed. This
	 * server's older copy (an AK change made while locked): the board's AK. A
	 * newer one (a moved component on a new board) is never replaced here. */
	if (in.health == SEDCOMP_EMPTY ||
	    (ours && (in.old_format || in.generation < b->st.sed_ak_generation)))
		(void)sedak_component_update(b, why, sizeof(why));
}

void sedak_component_after_commit(struct bmc *b, bool was_active)
{
	if (!was_active)
		sedak_component_sync(b);
}

svcport_v1_SedComponent sedak_component_status(const struct bmc *b, char *detail, size_t cap)
{
	struct sedcomp_info in;
	const svcport_v1_BmcState *st = &b->st;
	bool ours;

	sedcomp_probe(b->sed_component[0] ? b->sed_component : NULL, &b->sed_keys, &in);
	snprintf(detail, cap, "%s", in.detail);
	if (in.health == SEDCOMP_ABSENT)
		return svcport_v1_SedComponent_SED_COMPONENT_ABSENT;
	if (in.health == SEDCOMP_UNHEALTHY)
		return svcport_v1_SedComponent_SED_COMPONENT_UNHEALTHY;
	ours = in.health == SEDCOMP_HOLDS && strcmp(in.mt, server_mt(st)) == 0 &&
	       strcmp(in.sn, server_sn(st)) == 0;
	if (!ours)
		return svcport_v1_SedComponent_SED_COMPONENT_EMPTY;
	if (st->sed_ak_present && in.generation == st->sed_ak_generation)
		return svcport_v1_SedComponent_SED_COMPONENT_CURRENT;
	/* Older than the board's generation: from before a reset (never restored:
	 * attack pass H1) or before an AK change not copied yet (the board was
	 * locked): nothing to restore, and no reason to refuse sed generate (re-attack
	 * 13c, M2). */
	if (in.generation < st->sed_ak_generation) {
		snprintf(detail, cap, "an older copy (generation %llu < %llu): %s",
		         (unsigned long long)in.generation,
		         (unsigned long long)st->sed_ak_generation,
		         st->sed_ak_present ? "replaced at the next activation"
		                            : "not restorable after a reset");
		return svcport_v1_SedComponent_SED_COMPONENT_EMPTY;
	}
	return svcport_v1_SedComponent_SED_COMPONENT_RESTORABLE;
}
