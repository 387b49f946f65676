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

/* The pairing (docs/bmc.md "Automatic backup component"): this label sealed by the
 * paired component's key, kept in the board's state. Only that key opens it, and
 * the key never leaves the component's chip: a thief's component (his key, or a
 * blank chip) cannot show it, nor copy it from the real one (re-attack 13c, M5). */
static const uint8_t PAIR_LABEL[32] = "svcport sed component pairing 1";
#define PAIR_AAD     "svcport-sed-component-pair"
#define PAIR_BOX_LEN (AEAD_IV_LEN + sizeof(PAIR_LABEL) + AEAD_TAG_LEN)

enum pairing {
	PAIR_NONE,
	PAIR_SAME,
	PAIR_OTHER
};

_Static_assert(PAIR_BOX_LEN <= sizeof(((svcport_v1_BmcState *)0)->sed_component_pairing.bytes),
               "sed_component_pairing bound in svcport.options");

static enum pairing pairing_of(const struct bmc *b)
{
	const svcport_v1_BmcState *st = &b->st;
	uint8_t out[sizeof(PAIR_LABEL)];
	enum pairing p = PAIR_OTHER;

	if (st->sed_component_pairing.size == 0)
		return PAIR_NONE;
	if (st->sed_component_pairing.size == PAIR_BOX_LEN &&
	    sedcomp_key_open(&b->sed_keys, (const uint8_t *)PAIR_AAD, strlen(PAIR_AAD),
	                     st->sed_component_pairing.bytes, PAIR_BOX_LEN, out) == 0 &&
	    memcmp(out, PAIR_LABEL, sizeof(out)) == 0)
		p = PAIR_SAME;
	mbedtls_platform_zeroize(out, sizeof(out));
	return p;
}

/* next pairs with the component whose key is in the store now. 0 or -errno. */
static int pairing_make(struct bmc *b, svcport_v1_BmcState *next)
{
	int ret =
	    sedcomp_key_seal(&b->sed_keys, (const uint8_t *)PAIR_AAD, strlen(PAIR_AAD), PAIR_LABEL,
	                     sizeof(PAIR_LABEL), next->sed_component_pairing.bytes, &b->env);

	if (ret < 0)
		return ret;
	next->sed_component_pairing.size = (pb_size_t)PAIR_BOX_LEN;
	return 0;
}

/* True if the component's copy (ours, generation checked by the caller) is the
 * board's AK itself, compared in constant time (re-attack 13c, L2). */
static bool holds_boards_ak(const struct bmc *b)
{
	uint8_t mine[SEALED_SED_AK_LEN], copy[SEDCOMP_AK_LEN], diff = 0;
	struct sedcomp_info in;
	bool same = false;

	if (b->st.sed_ak_present && sealed_sed_ak_get(b->se, &b->st, mine) == 0 &&
	    sedcomp_get(b->sed_component[0] ? b->sed_component : NULL, &b->sed_keys,
	                server_mt(&b->st), server_sn(&b->st), copy, &in) == 0) {
		for (size_t i = 0; i < sizeof(copy); i++)
			diff |= (uint8_t)(mine[i] ^ copy[i]);
		same = diff == 0;
	}
	mbedtls_platform_zeroize(mine, sizeof(mine));
	mbedtls_platform_zeroize(copy, sizeof(copy));
	return same;
}

/* Records what was done to the component: the audit record (re-attack 13c, L1) and,
 * if pair, the pairing with it. A failed record changes nothing on the component:
 * the next activation pairs again. */
static void component_commit(struct bmc *b, bool wrote, bool pair)
{
	static svcport_v1_BmcState next; /* large; the core is single-threaded */
	char detail[64];
	struct audit_entry e = {.time = bmc_now_s(b),
	                        .event = wrote ? "sed-component-write" : "sed-component-pair",
	                        .detail = detail,
	                        .link = svcport_v1_LinkKind_LINK_KIND_UNSPECIFIED,
	                        .result = svcport_v1_ErrorCode_ERROR_NONE};

	next = b->st;
	if (pair && pairing_make(b, &next) < 0)
		pair = false;
	snprintf(detail, sizeof(detail), "generation=%llu%s",
	         (unsigned long long)b->st.sed_ak_generation, pair ? " paired" : "");
	if (bmc_commit(b, &next, &e, NULL) < 0) {
		/* Not stored (nothing changed): the copy is made all the same, and a
		 * pairing not recorded is made again at the next activation. */
	}
	mbedtls_platform_zeroize(&next, sizeof(next));
}

#define WHY_OTHER                                                                                  \
	"a different component is fitted: adopt it with `sed component adopt` (Administrator+)"

/* A component that is not the paired one gets nothing: -EPERM, or what keeps it
 * from being used anyway (-ENOENT absent, -EBADMSG unhealthy): a damaged box is
 * never rewritten under a key the board did not pair with. */
static int other_component(const struct bmc *b)
{
	struct sedcomp_info in;

	sedcomp_probe(b->sed_component[0] ? b->sed_component : NULL, &b->sed_keys, &in);
	return in.health == SEDCOMP_ABSENT      ? -ENOENT
	       : in.health == SEDCOMP_UNHEALTHY ? -EBADMSG
	                                        : -EPERM;
}

int sedak_component_update(struct bmc *b, bool adopt, char *why, size_t cap)
{
	uint8_t ak[SEALED_SED_AK_LEN];
	enum pairing p;
	int ret;

	if (!b->st.sed_ak_present)
		return 0; /* a cleared AK: the component keeps the last one, for a moved board only
		           */
	p = pairing_of(b);
	ret = p == PAIR_OTHER && !adopt ? other_component(b) : sealed_sed_ak_get(b->se, &b->st, ak);
	if (ret == -EPERM) {
		snprintf(why, cap, "%s", WHY_OTHER);
		return ret;
	}
	if (ret == 0)
		ret = sedcomp_put(b->sed_component[0] ? b->sed_component : NULL, &b->sed_keys,
		                  server_mt(&b->st), server_sn(&b->st), b->st.sed_drive_set,
		                  b->st.sed_ak_generation, ak, &b->env);
	mbedtls_platform_zeroize(ak, sizeof(ak));
	if (ret == 0)
		component_commit(b, true, adopt || p == PAIR_NONE);
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
 * board refuses the AK to everyone (DESIGN §4.6), and whatever is fitted would
 * receive it (re-attack 13c, H1). */
bool sedak_component_may_copy(const svcport_v1_BmcState *st)
{
	return st->lockdown_state == svcport_v1_LockdownState_LOCKDOWN_ACTIVE;
}

static bool is_ours(const struct sedcomp_info *in, const svcport_v1_BmcState *st)
{
	return in->health == SEDCOMP_HOLDS && strcmp(in->mt, server_mt(st)) == 0 &&
	       strcmp(in->sn, server_sn(st)) == 0;
}

void sedak_component_sync(struct bmc *b)
{
	struct sedcomp_info in;
	enum pairing p;
	char why[96];
	bool ours, stale;

	if (!b->st.sed_ak_present || !b->st.has_identity || !sedak_component_may_copy(&b->st))
		return;
	sedcomp_probe(b->sed_component[0] ? b->sed_component : NULL, &b->sed_keys, &in);
	if (in.health != SEDCOMP_EMPTY && in.health != SEDCOMP_HOLDS)
		return;
	/* Only the paired component gets the AK; another waits for `sed component adopt`
	 * (re-attack 13c, M5). Not paired yet (the factory's first copy, or a state from
	 * before pairing): the component filled or found CURRENT here is paired. */
	p = pairing_of(b);
	if (p == PAIR_OTHER)
		return;
	ours = is_ours(&in, &b->st);
	/* Empty: the first copy. This server's copy in the old format (its key beside
	 * the box): rewritten sealed by the key store, and the old key removed. This
	 * server's older copy (an AK change made while locked): the board's AK. A
	 * newer one (a moved component on a new board) is never replaced here; one of
	 * this generation that is not this AK only in the paired component. */
	stale = ours && (in.old_format || in.generation < b->st.sed_ak_generation);
	if (ours && !stale && in.generation == b->st.sed_ak_generation) {
		bool same = holds_boards_ak(b);

		if (same && p == PAIR_NONE)
			component_commit(b, false, true);
		stale = !same && p == PAIR_SAME;
	}
	if (in.health == SEDCOMP_EMPTY || stale)
		(void)sedak_component_update(b, false, why, sizeof(why));
}

void sedak_component_after_commit(struct bmc *b, bool was_active)
{
	if (!was_active)
		sedak_component_sync(b);
}

bool sedak_component_is_paired(const struct bmc *b)
{
	return pairing_of(b) == PAIR_SAME;
}

/* What the healthy component in holds, measured against the board's state. */
static svcport_v1_SedComponent content_status(const struct bmc *b, const struct sedcomp_info *in,
                                              char *detail, size_t cap)
{
	const svcport_v1_BmcState *st = &b->st;

	if (!is_ours(in, st))
		return svcport_v1_SedComponent_SED_COMPONENT_EMPTY;
	/* CURRENT means it holds this AK, not only this generation: a copy whose header
	 * claims it is only as good as the component's key (re-attack 13c, L2). */
	if (st->sed_ak_present && in->generation == st->sed_ak_generation) {
		if (holds_boards_ak(b))
			return svcport_v1_SedComponent_SED_COMPONENT_CURRENT;
		snprintf(detail, cap,
		         "holds another AK at this generation (%llu): not this board's",
		         (unsigned long long)in->generation);
		return svcport_v1_SedComponent_SED_COMPONENT_EMPTY;
	}
	/* Older than the board's generation: from before a reset (never restored:
	 * attack pass H1) or before an AK change not copied yet (the board was
	 * locked): nothing to restore, and no reason to refuse sed generate (re-attack
	 * 13c, M2). */
	if (in->generation < st->sed_ak_generation) {
		snprintf(detail, cap, "an older copy (generation %llu < %llu): %s",
		         (unsigned long long)in->generation,
		         (unsigned long long)st->sed_ak_generation,
		         st->sed_ak_present ? "replaced at the next activation"
		                            : "not restorable after a reset");
		return svcport_v1_SedComponent_SED_COMPONENT_EMPTY;
	}
	return svcport_v1_SedComponent_SED_COMPONENT_RESTORABLE;
}

svcport_v1_SedComponent sedak_component_status(const struct bmc *b, char *detail, size_t cap)
{
	struct sedcomp_info in;
	svcport_v1_SedComponent c;

	sedcomp_probe(b->sed_component[0] ? b->sed_component : NULL, &b->sed_keys, &in);
	snprintf(detail, cap, "%s", in.detail);
	if (in.health == SEDCOMP_ABSENT)
		return svcport_v1_SedComponent_SED_COMPONENT_ABSENT;
	if (in.health == SEDCOMP_UNHEALTHY)
		return svcport_v1_SedComponent_SED_COMPONENT_UNHEALTHY;
	c = content_status(b, &in, detail, cap);
	/* Not the paired one: it gets nothing until adopted (re-attack 13c, M5). */
	if (pairing_of(b) == PAIR_OTHER)
		snprintf(detail, cap, "%s", WHY_OTHER);
	return c;
}
