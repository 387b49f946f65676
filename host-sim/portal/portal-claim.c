// SPDX-License-Identifier: GPL-2.0-or-later
/* The portal's claims (activation code, rate limit, CSV) and ownership transfers. */
#include "hex.h"
#include "portal-internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mbedtls/md.h>
#include <mbedtls/pkcs5.h>
#include <mbedtls/platform_util.h>

#define PBKDF2_ITER     10000
#define PHRASE_ALPHABET "abcdefghijkmnpqrstuvwxyz23456789" /* 32 symbols, no l/o/0/1 */

/* Uppercase, dashes and spaces dropped: what a person may type from the tab. */
static void code_normalise(const char *in, char *out, size_t cap)
{
	size_t n = 0;

	for (; *in && n + 1 < cap; in++)
		if (*in != '-' && *in != ' ')
			out[n++] = (char)toupper((unsigned char)*in);
	out[n] = '\0';
}

static bool is_equal_ct(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char diff = la != lb;

	for (size_t i = 0; i < la && i < lb; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	return diff == 0;
}

int portal_claim(struct portal *p, const char *org, const char *mt, const char *sn,
                 const char *code, int64_t now)
{
	struct portal_device *d = calloc(1, sizeof(*d));
	char want[PORTAL_CODE_MAX], got[PORTAL_CODE_MAX];
	bool known;
	int fails;
	int err;

	if (!d)
		return -ENOMEM;
	if (!portal_db_has_org(p->db, org)) {
		err = portal_refuse(p, -ENOENT, "organisation %s does not exist", org);
		goto out;
	}
	/* Rate limit before looking at the code: guessing costs time. */
	fails = portal_db_claim_failures(p->db, org, now - PORTAL_CLAIM_WINDOW);
	if (fails < 0) {
		err = fails;
		goto out;
	}
	if (fails >= PORTAL_CLAIM_MAX_FAILS) {
		err = portal_refuse(p, -EBUSY,
		                    "%d failed claims by %s in %d minutes; try again later", fails,
		                    org, PORTAL_CLAIM_WINDOW / 60);
		goto out;
	}
	known = portal_db_device_get(p->db, mt, sn, d) == 0;
	code_normalise(known ? d->code : "", want, sizeof(want));
	code_normalise(code, got, sizeof(got));
	/* An unknown device and a wrong code look the same to the claimant. */
	if (!known || !is_equal_ct(want, got)) {
		err = portal_db_claim_record(p->db, org, mt, sn, false, now);
		if (err == 0)
			err = portal_refuse(p, -EKEYREJECTED,
			                    "no device %s-%s with this activation code", mt, sn);
		goto out;
	}
	if (d->owner[0] && strcmp(d->owner, org) != 0) {
		err = portal_refuse(p, -EALREADY, "device %s-%s is owned by another organisation",
		                    mt, sn);
		goto out;
	}
	err = portal_db_claim_record(p->db, org, mt, sn, true, now);
	if (err < 0)
		goto out;
	if (!d->owner[0]) {
		snprintf(d->owner, sizeof(d->owner), "%s", org);
		snprintf(d->status, sizeof(d->status), "pending");
		err = portal_db_device_update(p->db, d);
	}
out:
	mbedtls_platform_zeroize(want, sizeof(want));
	mbedtls_platform_zeroize(got, sizeof(got));
	mbedtls_platform_zeroize(d, sizeof(*d));
	free(d);
	return err;
}

bool portal_is_equal_ct(const uint8_t *a, const uint8_t *b, size_t n)
{
	uint8_t diff = 0;

	for (size_t i = 0; i < n; i++)
		diff |= (uint8_t)(a[i] ^ b[i]);
	return diff == 0;
}

int portal_pbkdf2(const char *secret, const uint8_t salt[16], unsigned iter, uint8_t out[32])
{
	mbedtls_md_context_t md;
	int err = -EIO;

	mbedtls_md_init(&md);
	if (mbedtls_md_setup(&md, mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), 1) == 0 &&
	    mbedtls_pkcs5_pbkdf2_hmac(&md, (const unsigned char *)secret, strlen(secret), salt, 16,
	                              iter, 32, out) == 0)
		err = 0;
	mbedtls_md_free(&md);
	return err;
}

static int passphrase_hash(const char *phrase, const uint8_t salt[16], uint8_t out[32])
{
	return portal_pbkdf2(phrase, salt, PBKDF2_ITER, out);
}

/* "MT-SN" or "MT/SN" or "MT,SN" into parts. */
static int split_device(const char *s, char mt[PORTAL_MT_MAX], char sn[PORTAL_SN_MAX])
{
	size_t cut = strcspn(s, "-/,");

	if (s[cut] == '\0' || cut == 0 || cut >= PORTAL_MT_MAX || strlen(s + cut + 1) == 0 ||
	    strlen(s + cut + 1) >= PORTAL_SN_MAX)
		return -EINVAL;
	memcpy(mt, s, cut);
	mt[cut] = '\0';
	snprintf(sn, PORTAL_SN_MAX, "%s", s + cut + 1);
	return 0;
}

int portal_transfer_start(struct portal *p, const char *from_org, const char *const *devices,
                          size_t n, const char *csv_path, long valid_for, int64_t now,
                          char passphrase[PORTAL_PASSPHRASE_MAX], char ret_id[33])
{
	struct portal_transfer t = {0};
	struct portal_device *d = calloc(1, sizeof(*d));
	char mt[PORTAL_MT_MAX], sn[PORTAL_SN_MAX];
	char sym[20];
	uint8_t idr[8];
	FILE *csv = NULL;
	int err;

	if (!d)
		return -ENOMEM;
	if (n == 0) {
		err = portal_refuse(p, -EINVAL, "no devices to transfer");
		goto out;
	}
	if (!portal_db_has_org(p->db, from_org)) {
		err = portal_refuse(p, -ENOENT, "organisation %s does not exist", from_org);
		goto out;
	}
	err = portal_db_begin(p->db);
	if (err < 0)
		goto out;
	if (pki_rng_fill(&p->rng, idr, sizeof(idr)) != 0 ||
	    pki_rng_fill(&p->rng, t.salt, sizeof(t.salt)) != 0) {
		err = -EIO;
		goto rollback;
	}
	hex_encode(idr, sizeof(idr), t.id);
	snprintf(t.from_org, sizeof(t.from_org), "%s", from_org);
	snprintf(t.state, sizeof(t.state), "open");
	t.expires_at = (int64_t)now + valid_for;
	portal_random_symbols(p, PHRASE_ALPHABET, sym, sizeof(sym));
	snprintf(passphrase, PORTAL_PASSPHRASE_MAX, "%.4s-%.4s-%.4s-%.4s-%.4s", sym, sym + 4,
	         sym + 8, sym + 12, sym + 16);
	mbedtls_platform_zeroize(sym, sizeof(sym));
	err = passphrase_hash(passphrase, t.salt, t.hash);
	if (err < 0)
		goto rollback;
	err = portal_db_transfer_insert(p->db, &t);
	if (err < 0)
		goto rollback;
	csv = fopen(csv_path, "we");
	if (!csv) {
		err = portal_refuse(p, -errno, "cannot write %s: %s", csv_path, strerror(errno));
		goto rollback;
	}
	fprintf(csv, "transfer_id,from_org,machine_type,serial_number\n");
	for (size_t i = 0; i < n; i++) {
		if (split_device(devices[i], mt, sn) < 0) {
			err = portal_refuse(p, -EINVAL, "'%s' is not MT-SN", devices[i]);
			goto rollback;
		}
		if (portal_db_device_get(p->db, mt, sn, d) < 0) {
			err = portal_refuse(p, -ENOENT, "no device %s-%s", mt, sn);
			goto rollback;
		}
		if (strcmp(d->owner, from_org) != 0) {
			err = portal_refuse(p, -EPERM, "%s does not own %s-%s", from_org, mt, sn);
			goto rollback;
		}
		err = portal_db_transfer_device_add(p->db, t.id, mt, sn);
		if (err < 0)
			goto rollback;
		fprintf(csv, "%s,%s,%s,%s\n", t.id, from_org, mt, sn);
	}
	if (fclose(csv) != 0) {
		csv = NULL;
		err = -EIO;
		goto rollback;
	}
	csv = NULL;
	err = portal_db_commit(p->db);
	if (err < 0)
		goto rollback;
	snprintf(ret_id, 33, "%s", t.id);
	goto out;

rollback:
	if (csv) {
		fclose(csv);
		unlink(csv_path);
	}
	portal_db_rollback(p->db);
	mbedtls_platform_zeroize(passphrase, PORTAL_PASSPHRASE_MAX);
out:
	free(d);
	return err;
}

/* Splits one CSV line in place into at most max fields. */
static size_t csv_fields(char *line, char **f, size_t max)
{
	size_t n = 0;
	char *save = NULL;

	line[strcspn(line, "\r\n")] = '\0';
	for (char *tok = strtok_r(line, ",", &save); tok && n < max;
	     tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		f[n++] = tok;
	}
	return n;
}

int portal_transfer_accept(struct portal *p, const char *to_org, const char *csv_path,
                           const char *passphrase, int64_t now)
{
	struct portal_transfer t;
	struct portal_device *d = calloc(1, sizeof(*d));
	uint8_t hash[32];
	char line[256];
	char *f[4];
	char id[33] = "";
	size_t rows = 0;
	FILE *csv = NULL;
	int err;

	if (!d)
		return -ENOMEM;
	if (!portal_db_has_org(p->db, to_org)) {
		err = portal_refuse(p, -ENOENT, "organisation %s does not exist", to_org);
		goto out;
	}
	csv = fopen(csv_path, "re");
	if (!csv) {
		err = portal_refuse(p, -errno, "cannot read %s: %s", csv_path, strerror(errno));
		goto out;
	}
	err = portal_db_begin(p->db);
	if (err < 0)
		goto out;
	while (fgets(line, sizeof(line), csv)) {
		size_t nf = csv_fields(line, f, 4);

		if (nf == 0 || strcmp(f[0], "transfer_id") == 0 || f[0][0] == '#')
			continue;
		if (nf != 4 || strlen(f[0]) >= sizeof(id) || (id[0] && strcmp(id, f[0]) != 0)) {
			err = portal_refuse(p, -EINVAL, "%s: not a transfer file of one transfer",
			                    csv_path);
			goto rollback;
		}
		if (!id[0]) {
			snprintf(id, sizeof(id), "%s", f[0]);
			if (portal_db_transfer_get(p->db, id, &t) < 0) {
				err = portal_refuse(p, -ENOENT, "unknown transfer %s", id);
				goto rollback;
			}
			err = passphrase_hash(passphrase, t.salt, hash);
			if (err < 0)
				goto rollback;
			if (!portal_is_equal_ct(hash, t.hash, sizeof(hash))) {
				err = portal_refuse(p, -EKEYREJECTED, "wrong passphrase");
				goto rollback;
			}
			if ((int64_t)now >= t.expires_at) {
				err = portal_refuse(p, -EKEYEXPIRED,
				                    "the transfer passphrase has expired");
				goto rollback;
			}
			if (strcmp(t.state, "open") != 0) {
				err = portal_refuse(p, -EALREADY, "transfer %s was already %s", id,
				                    t.state);
				goto rollback;
			}
			if (strcmp(t.from_org, to_org) == 0) {
				err = portal_refuse(p, -EINVAL, "cannot transfer to the same org");
				goto rollback;
			}
		}
		if (!portal_db_transfer_has_device(p->db, id, f[2], f[3]) ||
		    portal_db_device_get(p->db, f[2], f[3], d) < 0 ||
		    strcmp(d->owner, t.from_org) != 0) {
			err = portal_refuse(p, -EINVAL, "device %s-%s is not part of transfer %s",
			                    f[2], f[3], id);
			goto rollback;
		}
		snprintf(d->transfer_to, sizeof(d->transfer_to), "%s", to_org);
		err = portal_db_device_update(p->db, d);
		if (err < 0)
			goto rollback;
		rows++;
	}
	if (rows == 0 || (int)rows != portal_db_transfer_device_count(p->db, id)) {
		err =
		    portal_refuse(p, -EINVAL, "%s does not list the transfer's devices", csv_path);
		goto rollback;
	}
	err = portal_db_transfer_set_state(p->db, id, to_org, "accepted");
	if (err < 0)
		goto rollback;
	err = portal_db_commit(p->db);
	if (err == 0)
		goto out;
rollback:
	portal_db_rollback(p->db);
out:
	if (csv)
		fclose(csv);
	free(d);
	return err;
}
