// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the simulated portal: PKI issuance (verified with
 * mbedtls_x509_crt_verify), roles, claims (wrong code, rate limit, CSV),
 * transfers (passphrase, expiry), signing bound to a device challenge and
 * receipts. Each test runs in its own temporary portal.
 */
#include <errno.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <mbedtls/oid.h>

#include "hex.h"
#include "names.h"
#include "pbio.h"
#include "pki.h"
#include "pwbox.h"
#include "portal-acts.h"
#include "portal.h"
#include "utc.h"

struct fx {
	char dir[64];
	char portal_dir[96];
	char fac[96];
	struct portal *p;
	struct pki_rng rng;
	char code[PORTAL_CODE_MAX];
};

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct portal_manufactured m;
	int64_t now = utc_now_s();

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/svcport-portal-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->portal_dir, sizeof(f->portal_dir), "%s/portal", f->dir);
	snprintf(f->fac, sizeof(f->fac), "%s/fac1", f->dir);
	assert_int_equal(pki_rng_init(&f->rng), 0);
	assert_int_equal(portal_open(f->portal_dir, true, &f->p), 0);
	assert_int_equal(portal_init(f->p, now), 0);
	assert_int_equal(portal_org_add(f->p, "acme", now), 0);
	assert_int_equal(portal_org_add(f->p, "beta", now), 0);
	assert_int_equal(portal_user_add(f->p, "alice", "acme", svcport_v1_Role_ROLE_ORG_ADMIN), 0);
	assert_int_equal(portal_user_add(f->p, "eddie", "acme", svcport_v1_Role_ROLE_EDGE_USER), 0);
	assert_int_equal(portal_user_add(f->p, "mona", "acme", svcport_v1_Role_ROLE_MAINTENANCE),
	                 0);
	assert_int_equal(portal_user_add(f->p, "bob", "acme", svcport_v1_Role_ROLE_BASE), 0);
	assert_int_equal(portal_user_add(f->p, "zed", "beta", svcport_v1_Role_ROLE_ORG_ADMIN), 0);
	assert_int_equal(portal_device_manufacture(f->p, "7D1A", "J900AAAA",
	                                           svcport_v1_ControlMode_CONTROL_PORTAL_MANAGED,
	                                           f->fac, false, now, &m),
	                 0);
	memcpy(f->code, m.code, sizeof(f->code));
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;

	portal_close(f->p);
	pki_rng_free(&f->rng);
	nftw(f->dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

static void load_crt(mbedtls_x509_crt *crt, const char *dir, const char *name)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(mbedtls_x509_crt_parse_file(crt, path), 0);
}

/* ------------------------------------------------------------------ PKI */

static void test_eku_oid_is_the_uuid_oid(void **state)
{
	uint8_t oid[PKI_OID_DER_MAX];
	size_t len = 0;
	mbedtls_mpi v;
	char dec[128];
	size_t dlen = 0;

	(void)state;
	assert_int_equal(pki_eku_oid(oid, sizeof(oid), &len), 0);
	/* 2.25 -> 40*2+25 = 105, then the UUID's 128-bit integer in base 128. */
	assert_int_equal(oid[0], 105);
	mbedtls_mpi_init(&v);
	for (size_t i = 1; i < len; i++) {
		assert_int_equal(mbedtls_mpi_shift_l(&v, 7), 0);
		assert_int_equal(mbedtls_mpi_add_int(&v, &v, oid[i] & 0x7f), 0);
		assert_int_equal((oid[i] & 0x80) != 0, i + 1 < len);
	}
	assert_int_equal(mbedtls_mpi_write_string(&v, 10, dec, sizeof(dec), &dlen), 0);
	assert_string_equal(dec, "229732147734521469385393418830530498341");
	mbedtls_mpi_free(&v);
}

static void test_pki_chains_verify(void **state)
{
	struct fx *f = *state;
	mbedtls_x509_crt root, signer, devca, dev;
	uint8_t oid[PKI_OID_DER_MAX];
	size_t oid_len = 0;
	uint32_t flags = 0;

	mbedtls_x509_crt_init(&root);
	mbedtls_x509_crt_init(&signer);
	mbedtls_x509_crt_init(&devca);
	mbedtls_x509_crt_init(&dev);
	load_crt(&root, f->portal_dir, "root.crt");
	load_crt(&signer, f->portal_dir, "signer.crt");
	load_crt(&devca, f->portal_dir, "device-ca.crt");
	load_crt(&dev, f->fac, "device.crt");

	assert_int_equal(root.ca_istrue, 1);
	assert_int_equal(mbedtls_x509_crt_check_key_usage(&root, MBEDTLS_X509_KU_KEY_CERT_SIGN), 0);
	assert_int_equal(mbedtls_x509_crt_verify(&signer, &root, NULL, NULL, &flags, NULL, NULL),
	                 0);
	assert_int_equal(signer.ca_istrue, 0);
	assert_int_equal(
	    mbedtls_x509_crt_check_key_usage(&signer, MBEDTLS_X509_KU_DIGITAL_SIGNATURE), 0);
	assert_int_not_equal(
	    mbedtls_x509_crt_check_key_usage(&signer, MBEDTLS_X509_KU_KEY_CERT_SIGN), 0);
	assert_int_equal(pki_eku_oid(oid, sizeof(oid), &oid_len), 0);
	assert_int_equal(
	    mbedtls_x509_crt_check_extended_key_usage(&signer, (const char *)oid, oid_len), 0);
	/* The device chain: device -> device CA (pathlen 0) -> root. */
	assert_int_equal(devca.ca_istrue, 1);
	assert_int_equal(devca.max_pathlen, 1); /* mbedTLS stores pathlen + 1 */
	assert_int_equal(mbedtls_x509_crt_verify(&devca, &root, NULL, NULL, &flags, NULL, NULL), 0);
	dev.next = NULL;
	assert_int_equal(mbedtls_x509_crt_parse_der(&dev, devca.raw.p, devca.raw.len), 0);
	assert_int_equal(mbedtls_x509_crt_verify(&dev, &root, NULL, NULL, &flags, NULL, NULL), 0);
	/* The device certificate cannot sign commands: it has no EKU at all (and
	 * mbedTLS treats a missing EKU as "any", so the verifier must require it). */
	assert_int_equal(dev.ext_types & MBEDTLS_X509_EXT_EXTENDED_KEY_USAGE, 0);
	assert_int_not_equal(signer.ext_types & MBEDTLS_X509_EXT_EXTENDED_KEY_USAGE, 0);
	/* A device certificate must not verify against the device CA as root of commands. */
	flags = 0;
	assert_int_not_equal(
	    mbedtls_x509_crt_verify(&signer, &devca, NULL, NULL, &flags, NULL, NULL), 0);
	mbedtls_x509_crt_free(&dev);
	mbedtls_x509_crt_free(&devca);
	mbedtls_x509_crt_free(&signer);
	mbedtls_x509_crt_free(&root);
}

static void test_factory_dir_matches_contract(void **state)
{
	struct fx *f = *state;
	mbedtls_pk_context key;
	mbedtls_x509_crt dev;
	uint8_t hash[32];
	char hex[66], line[128], path[160];
	FILE *fp;

	mbedtls_pk_init(&key);
	mbedtls_x509_crt_init(&dev);
	snprintf(path, sizeof(path), "%s/device.key", f->fac);
	assert_int_equal(pki_key_read_pem(&key, path), 0);
	assert_int_equal(pki_pubkey_sha256(&key, hash), 0);
	hex_encode(hash, sizeof(hash), hex);
	snprintf(path, sizeof(path), "%s/board-key.sha256", f->fac);
	fp = fopen(path, "r");
	assert_non_null(fp);
	assert_non_null(fgets(line, sizeof(line), fp));
	fclose(fp);
	assert_string_equal(line, strcat(hex, "\n"));
	load_crt(&dev, f->fac, "device.crt");
	assert_int_equal(mbedtls_x509_dn_gets(line, sizeof(line), &dev.subject) > 0, 1);
	assert_string_equal(line, "CN=7D1A-J900AAAA, serialNumber=7D1A-J900AAAA");
	snprintf(path, sizeof(path), "%s/identity", f->fac);
	fp = fopen(path, "r");
	assert_non_null(fp);
	assert_non_null(fgets(line, sizeof(line), fp));
	assert_string_equal(line, "machine_type=7D1A\n");
	fclose(fp);
	mbedtls_x509_crt_free(&dev);
	mbedtls_pk_free(&key);
}

static void test_manufacture_twice_and_blank_board(void **state)
{
	struct fx *f = *state;
	struct portal_manufactured m;
	char blank[128], path[160];

	assert_int_equal(portal_device_manufacture(f->p, "7D1A", "J900AAAA",
	                                           svcport_v1_ControlMode_CONTROL_BMC_MANAGED,
	                                           f->fac, false, utc_now_s(), &m),
	                 -EEXIST);
	snprintf(blank, sizeof(blank), "%s/blank", f->dir);
	assert_int_equal(portal_device_manufacture(f->p, "", "", 0, blank, true, utc_now_s(), &m),
	                 0);
	snprintf(path, sizeof(path), "%s/device.crt", blank);
	assert_int_equal(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "%s/identity", blank);
	assert_int_equal(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "%s/trust-anchors.pem", blank);
	assert_int_equal(access(path, F_OK), 0);
}

/* Issue 13: no universal default password; each board's label has its own. */
static void read_label(const char *dir, char *out, size_t cap)
{
	char path[160];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/admin-password", dir);
	fp = fopen(path, "r");
	assert_non_null(fp);
	assert_non_null(fgets(out, (int)cap, fp));
	fclose(fp);
	out[strcspn(out, "\n")] = 0;
}

static void test_label_password_unique_per_board(void **state)
{
	struct fx *f = *state;
	struct portal_manufactured m;
	char blank[128], a[64], b[64];

	read_label(f->fac, a, sizeof(a));
	assert_int_equal(strlen(a), PORTAL_LABEL_PW_MAX - 1);
	snprintf(blank, sizeof(blank), "%s/blank-label", f->dir);
	assert_int_equal(portal_device_manufacture(f->p, "", "", 0, blank, true, time(NULL), &m),
	                 0);
	read_label(blank, b, sizeof(b));
	assert_string_equal(b, m.label_password);
	assert_string_not_equal(a, b);
	assert_string_not_equal(a, "PASSW0RD");
}

/* ------------------------------------------------------------------ claims */

static void test_claim_wrong_code_refused_then_rate_limited(void **state)
{
	struct fx *f = *state;
	struct portal_device d;
	int64_t now = utc_now_s();

	assert_int_equal(portal_claim(f->p, "acme", "7D1A", "J900AAAA", "AAAA-BBBB-CCCC-DDDD", now),
	                 -EKEYREJECTED);
	assert_int_equal(portal_db_device_get(portal_db(f->p), "7D1A", "J900AAAA", &d), 0);
	assert_string_equal(d.owner, "");
	/* An unknown device costs an attempt like a wrong code and says the same. */
	assert_int_equal(portal_claim(f->p, "acme", "7D1A", "NOPE", f->code, now), -EKEYREJECTED);
	for (int i = 2; i < PORTAL_CLAIM_MAX_FAILS; i++)
		assert_int_equal(portal_claim(f->p, "acme", "7D1A", "J900AAAA", "x", now),
		                 -EKEYREJECTED);
	/* Now even the right code is refused until the window passes. */
	assert_int_equal(portal_claim(f->p, "acme", "7D1A", "J900AAAA", f->code, now), -EBUSY);
	assert_int_equal(portal_db_device_get(portal_db(f->p), "7D1A", "J900AAAA", &d), 0);
	assert_string_equal(d.owner, "");
	/* Another organisation is not affected; after the window acme may try again. */
	assert_int_equal(
	    portal_claim(f->p, "acme", "7D1A", "J900AAAA", f->code, now + PORTAL_CLAIM_WINDOW + 1),
	    0);
	assert_int_equal(portal_db_device_get(portal_db(f->p), "7D1A", "J900AAAA", &d), 0);
	assert_string_equal(d.owner, "acme");
	assert_string_equal(d.status, "pending");
	/* Claimed: another org cannot take it even with the code. */
	assert_int_equal(portal_claim(f->p, "beta", "7D1A", "J900AAAA", f->code, now), -EALREADY);
}

static void test_claim_code_as_typed(void **state)
{
	struct fx *f = *state;
	char typed[PORTAL_CODE_MAX];
	size_t n = 0;

	/* lowercase, without dashes: what people type from the tab */
	for (const char *c = f->code; *c; c++)
		if (*c != '-')
			typed[n++] = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
	typed[n] = '\0';
	assert_int_equal(portal_claim(f->p, "acme", "7D1A", "J900AAAA", typed, utc_now_s()), 0);
}

struct rows {
	int n;
	int err[8];
};

static void row_cb(size_t line, const char *key, int err, const char *why, void *ud)
{
	struct rows *r = ud;

	(void)line;
	(void)key;
	(void)why;
	r->err[r->n++] = err;
}

static void test_claim_csv_reports_each_row(void **state)
{
	struct fx *f = *state;
	struct portal_manufactured m;
	struct rows r = {0};
	struct portal_actor op;
	char fac2[128], csv[512];

	snprintf(fac2, sizeof(fac2), "%s/fac2", f->dir);
	assert_int_equal(portal_device_manufacture(f->p, "7D1A", "J900BBBB",
	                                           svcport_v1_ControlMode_CONTROL_BMC_MANAGED, fac2,
	                                           false, utc_now_s(), &m),
	                 0);
	/* A malformed row refuses the whole file before any claim: no guess is counted. */
	snprintf(csv, sizeof(csv),
	         "machine_type,serial_number,activation_code\n7D1A,J900AAAA,%s\n"
	         "7D1A,J900BBBB,WRONG-CODE\n# comment\n7D1A,J900BBBB,%s\n7D1A\n",
	         f->code, m.code);
	portal_actor_operator(&op);
	assert_int_equal(
	    portal_act_claim_csv(f->p, &op, "acme", csv, strlen(csv), utc_now_s(), row_cb, &r),
	    -EINVAL);
	assert_int_equal(r.n, 0);
	assert_int_equal(portal_db_claim_failures(portal_db(f->p), "acme", 0), 0);
	/* The rows of a well-formed file each get their result. */
	csv[strlen(csv) - 5] = '\0';
	assert_int_equal(
	    portal_act_claim_csv(f->p, &op, "acme", csv, strlen(csv), utc_now_s(), row_cb, &r), 1);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.err[0], 0);
	assert_int_equal(r.err[1], -EKEYREJECTED);
	assert_int_equal(r.err[2], 0);
}

/* ------------------------------------------------------------------ transfers */

static void claim_ok(struct fx *f)
{
	assert_int_equal(portal_claim(f->p, "acme", "7D1A", "J900AAAA", f->code, utc_now_s()), 0);
}

static void test_transfer_passphrase_and_expiry(void **state)
{
	struct fx *f = *state;
	const char *devs[] = {"7D1A-J900AAAA"};
	char csv[128], phrase[PORTAL_PASSPHRASE_MAX], id[33];
	struct portal_device d;
	int64_t now = utc_now_s();

	snprintf(csv, sizeof(csv), "%s/transfer.csv", f->dir);
	/* Only the owner can start a transfer. */
	assert_int_equal(portal_transfer_start(f->p, "acme", devs, 1, csv, 86400, now, phrase, id),
	                 -EPERM);
	claim_ok(f);
	assert_int_equal(portal_transfer_start(f->p, "acme", devs, 1, csv, 86400, now, phrase, id),
	                 0);
	assert_int_equal(portal_transfer_accept(f->p, "beta", csv, "not-the-phrase", now),
	                 -EKEYREJECTED);
	/* 24 hours later the passphrase is dead. */
	assert_int_equal(portal_transfer_accept(f->p, "beta", csv, phrase, now + 86400),
	                 -EKEYEXPIRED);
	assert_int_equal(portal_db_device_get(portal_db(f->p), "7D1A", "J900AAAA", &d), 0);
	assert_string_equal(d.transfer_to, "");
	assert_int_equal(portal_transfer_accept(f->p, "acme", csv, phrase, now), -EINVAL);
	assert_int_equal(portal_transfer_accept(f->p, "beta", csv, phrase, now + 86399), 0);
	assert_int_equal(portal_db_device_get(portal_db(f->p), "7D1A", "J900AAAA", &d), 0);
	assert_string_equal(d.transfer_to, "beta");
	assert_string_equal(d.owner, "acme"); /* until the device's receipt says so */
	assert_int_equal(portal_transfer_accept(f->p, "beta", csv, phrase, now), -EALREADY);
}

static void test_transfer_csv_tampered(void **state)
{
	struct fx *f = *state;
	const char *devs[] = {"7D1A-J900AAAA"};
	char csv[128], phrase[PORTAL_PASSPHRASE_MAX], id[33];
	FILE *fp;
	int64_t now = utc_now_s();

	claim_ok(f);
	snprintf(csv, sizeof(csv), "%s/transfer.csv", f->dir);
	assert_int_equal(portal_transfer_start(f->p, "acme", devs, 1, csv, 86400, now, phrase, id),
	                 0);
	fp = fopen(csv, "a");
	assert_non_null(fp);
	fprintf(fp, "%s,acme,7D1A,OTHER\n", id);
	fclose(fp);
	assert_int_equal(portal_transfer_accept(f->p, "beta", csv, phrase, now), -EINVAL);
}

/* ------------------------------------------------------------------ signing */

/* A challenge as the device would send it, signed with the factory key. */
static size_t make_challenge(struct fx *f, const char *keydir, const char *mt, const char *sn,
                             const uint8_t *known_fp, uint8_t *out, size_t cap)
{
	svcport_v1_ChallengeBody b = svcport_v1_ChallengeBody_init_zero;
	svcport_v1_Challenge c = svcport_v1_Challenge_init_zero;
	mbedtls_pk_context key;
	char path[160];
	size_t len = 0;

	mbedtls_pk_init(&key);
	snprintf(path, sizeof(path), "%s/device.key", keydir);
	assert_int_equal(pki_key_read_pem(&key, path), 0);
	b.nonce.size = 16;
	assert_int_equal(pki_rng_fill(&f->rng, b.nonce.bytes, 16), 0);
	if (mt) {
		b.has_device = true;
		snprintf(b.device.machine_type, sizeof(b.device.machine_type), "%s", mt);
		snprintf(b.device.serial_number, sizeof(b.device.serial_number), "%s", sn);
	}
	if (known_fp) {
		b.known_signers_count = 1;
		b.known_signers[0].size = 32;
		memcpy(b.known_signers[0].bytes, known_fp, 32);
	}
	b.issued_at = (uint64_t)utc_now_s();
	b.expires_at = b.issued_at + 300;
	assert_int_equal(pbio_encode(svcport_v1_ChallengeBody_fields, &b, c.body.bytes,
	                             sizeof(c.body.bytes), &len),
	                 0);
	c.body.size = (pb_size_t)len;
	assert_int_equal(
	    pki_sign(&key, &f->rng, c.body.bytes, c.body.size, c.signature.bytes, &len), 0);
	c.signature.size = (pb_size_t)len;
	assert_int_equal(pbio_encode(svcport_v1_Challenge_fields, &c, out, cap, &len), 0);
	mbedtls_pk_free(&key);
	return len;
}

struct signed_cmd {
	svcport_v1_SignedCommand cmd;
	svcport_v1_CommandBody body;
	struct portal_signed info;
};

static int sign(struct fx *f, const char *user, svcport_v1_Action action, const uint8_t *ch,
                size_t ch_len, struct signed_cmd *out)
{
	static uint8_t buf[svcport_v1_SignedCommand_size];
	struct portal_sign_req req = {
	    .user = user,
	    .action = action,
	    .challenge = ch,
	    .challenge_len = ch_len,
	    .now = utc_now_s(),
	};
	static uint8_t priv[PWBOX_SCALAR_LEN], pub[PWBOX_POINT_LEN];
	size_t len = 0;
	int err;

	/* The emergency reset carries the phone's key (and is refused without it). */
	if (action == svcport_v1_Action_ACTION_EMERGENCY_PASSWORD_RESET) {
		assert_int_equal(pwbox_keygen(pki_rng_fill, &f->rng, priv, pub), 0);
		req.ephemeral_pubkey = pub;
		req.ephemeral_pubkey_len = sizeof(pub);
	}
	err = portal_sign(f->p, &req, buf, sizeof(buf), &len, &out->info);
	if (err == 0) {
		assert_int_equal(pbio_decode(svcport_v1_SignedCommand_fields, &out->cmd, buf, len),
		                 0);
		assert_int_equal(pbio_decode(svcport_v1_CommandBody_fields, &out->body,
		                             out->cmd.body.bytes, out->cmd.body.size),
		                 0);
	}
	return err;
}

static void assert_signed_by_portal(struct fx *f, const svcport_v1_SignedCommand *c)
{
	mbedtls_x509_crt signer;

	mbedtls_x509_crt_init(&signer);
	load_crt(&signer, f->portal_dir, "signer.crt");
	assert_true(pki_is_signature_valid(&signer.pk, c->body.bytes, c->body.size,
	                                   c->signature.bytes, c->signature.size));
	mbedtls_x509_crt_free(&signer);
}

static void test_sign_roles_of_design_4_3(void **state)
{
	static const struct {
		const char *user;
		svcport_v1_Action action;
		int want;
	} cases[] = {
	    {"alice", svcport_v1_Action_ACTION_CLAIM, 0},
	    {"eddie", svcport_v1_Action_ACTION_CLAIM, 0},
	    {"mona", svcport_v1_Action_ACTION_CLAIM, -EACCES},
	    {"bob", svcport_v1_Action_ACTION_CLAIM, -EACCES},
	    {"eddie", svcport_v1_Action_ACTION_ACTIVATE, 0},
	    {"mona", svcport_v1_Action_ACTION_ACTIVATE, -EACCES},
	    {"mona", svcport_v1_Action_ACTION_EMERGENCY_PASSWORD_RESET, 0},
	    {"alice", svcport_v1_Action_ACTION_EMERGENCY_PASSWORD_RESET, -EACCES},
	    {"eddie", svcport_v1_Action_ACTION_EMERGENCY_PASSWORD_RESET, -EACCES},
	    {"alice", svcport_v1_Action_ACTION_PROMOTE_TO_PORTAL_CONTROL, 0},
	    {"eddie", svcport_v1_Action_ACTION_PROMOTE_TO_PORTAL_CONTROL, -EACCES},
	    {"alice", svcport_v1_Action_ACTION_CONFIGURE_SENSORS, 0},
	    {"mona", svcport_v1_Action_ACTION_CONFIGURE_SENSORS, -EACCES},
	    {"bob", svcport_v1_Action_ACTION_ACTIVATE, -EACCES},
	    {"zed", svcport_v1_Action_ACTION_ACTIVATE, -EPERM},
	    {"nobody", svcport_v1_Action_ACTION_ACTIVATE, -ENOENT},
	};
	struct fx *f = *state;
	uint8_t ch[svcport_v1_Challenge_size];
	struct signed_cmd *s = calloc(1, sizeof(*s));

	assert_non_null(s);
	claim_ok(f);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = make_challenge(f, f->fac, "7D1A", "J900AAAA", NULL, ch, sizeof(ch));
		int err = sign(f, cases[i].user, cases[i].action, ch, len, s);

		if (err != cases[i].want)
			fail_msg("%s %s: got %d want %d", cases[i].user,
			         names_action(cases[i].action), err, cases[i].want);
		if (err == 0 &&
		    cases[i].action == svcport_v1_Action_ACTION_EMERGENCY_PASSWORD_RESET)
			assert_int_equal(
			    s->body.action.emergency_password_reset.requester_public_key.size, 65);
	}
	/* A reset without the phone's key: refused, no command. */
	{
		size_t len = make_challenge(f, f->fac, "7D1A", "J900AAAA", NULL, ch, sizeof(ch));
		static uint8_t buf[svcport_v1_SignedCommand_size];
		struct portal_sign_req req = {.user = "mona",
		                              .action =
		                                  svcport_v1_Action_ACTION_EMERGENCY_PASSWORD_RESET,
		                              .challenge = ch,
		                              .challenge_len = len,
		                              .now = utc_now_s()};
		size_t out_len = 0;

		assert_int_equal(portal_sign(f->p, &req, buf, sizeof(buf), &out_len, &s->info),
		                 -EINVAL);
		assert_non_null(strstr(portal_why(f->p), "ephemeral key"));
	}
	free(s);
}

static void test_sign_binds_challenge_and_names_signer(void **state)
{
	struct fx *f = *state;
	uint8_t ch[svcport_v1_Challenge_size], fp[32], der[PKI_CERT_DER_MAX];
	struct signed_cmd *s = calloc(1, sizeof(*s));
	svcport_v1_Challenge c;
	svcport_v1_ChallengeBody cb;
	char path[160];
	size_t len, der_len = 0;

	assert_non_null(s);
	/* Unclaimed on the portal: nobody may sign for it yet. */
	len = make_challenge(f, f->fac, "7D1A", "J900AAAA", NULL, ch, sizeof(ch));
	assert_int_equal(sign(f, "alice", svcport_v1_Action_ACTION_CLAIM, ch, len, s), -EPERM);
	claim_ok(f);
	assert_int_equal(sign(f, "alice", svcport_v1_Action_ACTION_CLAIM, ch, len, s), 0);
	assert_int_equal(pbio_decode(svcport_v1_Challenge_fields, &c, ch, len), 0);
	assert_int_equal(
	    pbio_decode(svcport_v1_ChallengeBody_fields, &cb, c.body.bytes, c.body.size), 0);
	assert_memory_equal(s->body.nonce.bytes, cb.nonce.bytes, 16);
	assert_int_equal(s->body.version, 1);
	assert_string_equal(s->body.device.machine_type, "7D1A");
	assert_string_equal(s->body.device.serial_number, "J900AAAA");
	assert_string_equal(s->body.org_id, "acme");
	assert_string_equal(s->body.operator_id, "alice");
	assert_int_equal(s->body.role, svcport_v1_Role_ROLE_ORG_ADMIN);
	assert_int_equal(s->body.expires_at - s->body.issued_at, PORTAL_CMD_VALIDITY);
	assert_int_equal(s->body.which_action, svcport_v1_CommandBody_claim_tag);
	assert_signed_by_portal(f, &s->cmd);
	/* Device does not know the signer: the chain travels. */
	assert_int_equal(s->cmd.which_signer, svcport_v1_SignedCommand_chain_tag);
	assert_int_equal(s->cmd.signer.chain.certs_count, 1);
	snprintf(path, sizeof(path), "%s/signer.crt", f->portal_dir);
	assert_int_equal(pki_cert_read_der(path, der, sizeof(der), &der_len), 0);
	pki_sha256(der, der_len, fp);
	/* Device lists it: the fingerprint replaces the chain. */
	len = make_challenge(f, f->fac, "7D1A", "J900AAAA", fp, ch, sizeof(ch));
	assert_int_equal(sign(f, "alice", svcport_v1_Action_ACTION_ACTIVATE, ch, len, s), 0);
	assert_int_equal(s->cmd.which_signer, svcport_v1_SignedCommand_signer_sha256_tag);
	assert_memory_equal(s->cmd.signer.signer_sha256.bytes, fp, 32);
	assert_true(s->info.used_fingerprint);
	free(s);
}

/*
 * The emergency reset: the phone's ephemeral public key goes into the signed body, where the
 * BMC seals the one-time password to it; a key that is no P-256 point, or sent with another
 * action, is refused and nothing is signed.
 */
static void test_sign_puts_the_phone_key_in_a_reset(void **state)
{
	/* The P-256 base point, uncompressed: a point on the curve anyone can check. */
	static const uint8_t g[65] = {
	    0x04, 0x6b, 0x17, 0xd1, 0xf2, 0xe1, 0x2c, 0x42, 0x47, 0xf8, 0xbc, 0xe6, 0xe5,
	    0x63, 0xa4, 0x40, 0xf2, 0x77, 0x03, 0x7d, 0x81, 0x2d, 0xeb, 0x33, 0xa0, 0xf4,
	    0xa1, 0x39, 0x45, 0xd8, 0x98, 0xc2, 0x96, 0x4f, 0xe3, 0x42, 0xe2, 0xfe, 0x1a,
	    0x7f, 0x9b, 0x8e, 0xe7, 0xeb, 0x4a, 0x7c, 0x0f, 0x9e, 0x16, 0x2b, 0xce, 0x33,
	    0x57, 0x6b, 0x31, 0x5e, 0xce, 0xcb, 0xb6, 0x40, 0x68, 0x37, 0xbf, 0x51, 0xf5};
	struct fx *f = *state;
	uint8_t ch[svcport_v1_Challenge_size], off[65];
	static uint8_t buf[svcport_v1_SignedCommand_size];
	struct signed_cmd *s = calloc(1, sizeof(*s));
	struct portal_sign_req req = {.user = "mona",
	                              .action = svcport_v1_Action_ACTION_EMERGENCY_PASSWORD_RESET,
	                              .ephemeral_pubkey = off,
	                              .ephemeral_pubkey_len = sizeof(off)};
	const svcport_v1_EmergencyPasswordReset *r;
	size_t len = 0;

	assert_non_null(s);
	claim_ok(f);
	req.challenge = ch;
	req.challenge_len = make_challenge(f, f->fac, "7D1A", "J900AAAA", NULL, ch, sizeof(ch));
	req.now = utc_now_s();
	memcpy(off, g, sizeof(off));
	off[64] ^= 1; /* off the curve */
	assert_int_equal(portal_sign(f->p, &req, buf, sizeof(buf), &len, &s->info), -EINVAL);
	req.ephemeral_pubkey = g;
	req.action = svcport_v1_Action_ACTION_ACTIVATE;
	req.user = "alice";
	assert_int_equal(portal_sign(f->p, &req, buf, sizeof(buf), &len, &s->info), -EINVAL);
	assert_int_equal(len, 0);
	req.action = svcport_v1_Action_ACTION_EMERGENCY_PASSWORD_RESET;
	req.user = "mona";
	assert_int_equal(portal_sign(f->p, &req, buf, sizeof(buf), &len, &s->info), 0);
	assert_int_equal(pbio_decode(svcport_v1_SignedCommand_fields, &s->cmd, buf, len), 0);
	assert_int_equal(pbio_decode(svcport_v1_CommandBody_fields, &s->body, s->cmd.body.bytes,
	                             s->cmd.body.size),
	                 0);
	assert_int_equal(s->body.which_action, svcport_v1_CommandBody_emergency_password_reset_tag);
	r = &s->body.action.emergency_password_reset;
	assert_int_equal(r->requester_public_key.size, sizeof(g));
	assert_memory_equal(r->requester_public_key.bytes, g, sizeof(g));
	assert_signed_by_portal(f, &s->cmd);
	free(s);
}

static void test_sign_refuses_a_fake_device(void **state)
{
	struct fx *f = *state;
	struct portal_manufactured m;
	uint8_t ch[svcport_v1_Challenge_size];
	struct signed_cmd *s = calloc(1, sizeof(*s));
	char other[128];
	size_t len;

	assert_non_null(s);
	claim_ok(f);
	/* A challenge for J900AAAA signed by another key: not the genuine device. */
	snprintf(other, sizeof(other), "%s/other", f->dir);
	assert_int_equal(portal_device_manufacture(f->p, "", "", 0, other, true, utc_now_s(), &m),
	                 0);
	len = make_challenge(f, other, "7D1A", "J900AAAA", NULL, ch, sizeof(ch));
	assert_int_equal(sign(f, "alice", svcport_v1_Action_ACTION_ACTIVATE, ch, len, s), -EBADMSG);
	len = make_challenge(f, f->fac, "7D1A", "UNKNOWN", NULL, ch, sizeof(ch));
	assert_int_equal(sign(f, "alice", svcport_v1_Action_ACTION_ACTIVATE, ch, len, s), -ENODEV);
	assert_int_equal(
	    sign(f, "alice", svcport_v1_Action_ACTION_ACTIVATE, (const uint8_t *)"x", 1, s),
	    -EINVAL);
	free(s);
}

/* A receipt signed with keydir's device key for a command the portal signed: a fresh nonce,
 * recorded as the portal records the commands it signs (a receipt is taken once, for such a
 * command: attack 16o F7). With record false the nonce is one the portal never signed. */
static size_t make_receipt_as(struct fx *f, const char *keydir, const svcport_v1_ReceiptBody *in,
                              bool record, uint8_t *out, size_t cap)
{
	static uint8_t serial;
	svcport_v1_DeviceReceipt r = svcport_v1_DeviceReceipt_init_zero;
	svcport_v1_ReceiptBody body = *in, *b = &body;
	mbedtls_pk_context key;
	char path[160], nonce_hex[33];
	size_t len = 0;

	b->nonce.size = 16;
	memset(b->nonce.bytes, 0x5a, 16);
	b->nonce.bytes[0] = ++serial;
	hex_encode(b->nonce.bytes, 16, nonce_hex);
	if (record)
		assert_int_equal(portal_db_command_record(portal_db(f->p), nonce_hex,
		                                          b->device.machine_type,
		                                          b->device.serial_number, b->action,
		                                          "alice", "acme", utc_now_s(), false),
		                 0);
	mbedtls_pk_init(&key);
	snprintf(path, sizeof(path), "%s/device.key", keydir);
	assert_int_equal(pki_key_read_pem(&key, path), 0);
	assert_int_equal(
	    pbio_encode(svcport_v1_ReceiptBody_fields, b, r.body.bytes, sizeof(r.body.bytes), &len),
	    0);
	r.body.size = (pb_size_t)len;
	assert_int_equal(
	    pki_sign(&key, &f->rng, r.body.bytes, r.body.size, r.signature.bytes, &len), 0);
	r.signature.size = (pb_size_t)len;
	assert_int_equal(pbio_encode(svcport_v1_DeviceReceipt_fields, &r, out, cap, &len), 0);
	mbedtls_pk_free(&key);
	return len;
}

static size_t make_receipt(struct fx *f, const char *keydir, const svcport_v1_ReceiptBody *b,
                           uint8_t *out, size_t cap)
{
	return make_receipt_as(f, keydir, b, true, out, cap);
}

static void test_receipts_move_status_and_key_update(void **state)
{
	struct fx *f = *state;
	svcport_v1_ReceiptBody b = svcport_v1_ReceiptBody_init_zero;
	struct portal_receipt_info info;
	struct portal_manufactured m;
	struct portal_device d;
	uint8_t rc[svcport_v1_DeviceReceipt_size], ch[svcport_v1_Challenge_size];
	uint8_t pub[PKI_PUBKEY_LEN];
	struct signed_cmd *s = calloc(1, sizeof(*s));
	mbedtls_pk_context board;
	mbedtls_x509_crt root, devca, newcrt;
	struct portal_sign_req req = {0};
	static uint8_t buf[svcport_v1_SignedCommand_size];
	char blank[128], path[160];
	uint32_t flags = 0;
	size_t len;

	assert_non_null(s);
	claim_ok(f);
	b.has_device = true;
	snprintf(b.device.machine_type, sizeof(b.device.machine_type), "7D1A");
	snprintf(b.device.serial_number, sizeof(b.device.serial_number), "J900AAAA");
	b.nonce.size = 16;
	b.action = svcport_v1_Action_ACTION_CLAIM;
	b.new_state = svcport_v1_LockdownState_LOCKDOWN_LOCKED;
	b.control_mode = svcport_v1_ControlMode_CONTROL_PORTAL_MANAGED;
	snprintf(b.owner_org, sizeof(b.owner_org), "acme");
	len = make_receipt(f, f->fac, &b, rc, sizeof(rc));
	assert_int_equal(portal_receipt(f->p, rc, len, &info), 0);
	assert_string_equal(info.status, "ready");
	b.action = svcport_v1_Action_ACTION_ACTIVATE;
	b.new_state = svcport_v1_LockdownState_LOCKDOWN_ACTIVE;
	len = make_receipt(f, f->fac, &b, rc, sizeof(rc));
	assert_int_equal(portal_receipt(f->p, rc, len, &info), 0);
	assert_string_equal(info.status, "activated");
	/* Taken once: the same receipt again, or one for a command the portal never signed,
	 * is refused and changes nothing (attack 16o F7). */
	assert_int_equal(portal_receipt(f->p, rc, len, &info), -EALREADY);
	b.action = svcport_v1_Action_ACTION_CLAIM;
	b.new_state = svcport_v1_LockdownState_LOCKDOWN_LOCKED;
	len = make_receipt_as(f, f->fac, &b, false, rc, sizeof(rc));
	assert_int_equal(portal_receipt(f->p, rc, len, &info), -ENOENT);
	assert_int_equal(portal_db_device_get(portal_db(f->p), "7D1A", "J900AAAA", &d), 0);
	assert_string_equal(d.status, "activated");
	b.action = svcport_v1_Action_ACTION_ACTIVATE;
	b.new_state = svcport_v1_LockdownState_LOCKDOWN_ACTIVE;

	/* Motherboard replacement: a receipt from the new board is not trusted yet. */
	snprintf(blank, sizeof(blank), "%s/blank", f->dir);
	assert_int_equal(portal_device_manufacture(f->p, "", "", 0, blank, true, utc_now_s(), &m),
	                 0);
	len = make_receipt(f, blank, &b, rc, sizeof(rc));
	assert_int_equal(portal_receipt(f->p, rc, len, &info), -EBADMSG);

	mbedtls_pk_init(&board);
	snprintf(path, sizeof(path), "%s/device.key", blank);
	assert_int_equal(pki_key_read_pem(&board, path), 0);
	assert_int_equal(pki_pubkey_raw(&board, pub), 0);
	len = make_challenge(f, blank, NULL, NULL, NULL, ch, sizeof(ch));
	req.user = "mona";
	req.action = svcport_v1_Action_ACTION_DEVICE_KEY_UPDATE;
	req.challenge = ch;
	req.challenge_len = len;
	req.device_pubkey = pub;
	req.device_pubkey_len = sizeof(pub);
	req.now = utc_now_s();
	/* Not recorded from the QR code yet: refused. */
	assert_int_equal(portal_sign(f->p, &req, buf, sizeof(buf), &len, NULL), -ENODEV);
	assert_int_equal(portal_device_key_update(f->p, "7D1A", "J900AAAA", "123"), -EINVAL);
	assert_int_equal(portal_device_key_update(f->p, "7D1A", "J900AAAA", m.board_key_sha256), 0);
	req.user = "alice";
	assert_int_equal(portal_sign(f->p, &req, buf, sizeof(buf), &len, NULL), -EACCES);
	req.user = "mona";
	assert_int_equal(portal_sign(f->p, &req, buf, sizeof(buf), &len, NULL), 0);
	assert_int_equal(pbio_decode(svcport_v1_SignedCommand_fields, &s->cmd, buf, len), 0);
	assert_int_equal(pbio_decode(svcport_v1_CommandBody_fields, &s->body, s->cmd.body.bytes,
	                             s->cmd.body.size),
	                 0);
	assert_int_equal(s->body.which_action, svcport_v1_CommandBody_device_key_update_tag);
	assert_string_equal(s->body.action.device_key_update.owner_org, "acme");
	assert_int_equal(s->body.action.device_key_update.control_mode,
	                 svcport_v1_ControlMode_CONTROL_PORTAL_MANAGED);
	assert_string_equal(s->body.action.device_key_update.activation_code, f->code);
	/* The new certificate is for the new key and chains to the root. */
	mbedtls_x509_crt_init(&root);
	mbedtls_x509_crt_init(&devca);
	mbedtls_x509_crt_init(&newcrt);
	load_crt(&root, f->portal_dir, "root.crt");
	load_crt(&devca, f->portal_dir, "device-ca.crt");
	assert_int_equal(mbedtls_x509_crt_parse_der(
	                     &newcrt, s->body.action.device_key_update.device_certificate.bytes,
	                     s->body.action.device_key_update.device_certificate.size),
	                 0);
	assert_int_equal(mbedtls_x509_crt_parse_der(&newcrt, devca.raw.p, devca.raw.len), 0);
	assert_int_equal(mbedtls_x509_crt_verify(&newcrt, &root, NULL, NULL, &flags, NULL, NULL),
	                 0);
	assert_true(pki_is_signature_valid(&newcrt.pk, (const uint8_t *)"x", 1, (const uint8_t *)"",
	                                   0) == false);
	/* The new board's receipt now verifies and its certificate becomes current. */
	b.action = svcport_v1_Action_ACTION_DEVICE_KEY_UPDATE;
	b.new_state = svcport_v1_LockdownState_LOCKDOWN_LOCKED;
	len = make_receipt(f, blank, &b, rc, sizeof(rc));
	assert_int_equal(portal_receipt(f->p, rc, len, &info), 0);
	assert_string_equal(info.status, "ready");
	assert_int_equal(portal_db_device_get(portal_db(f->p), "7D1A", "J900AAAA", &d), 0);
	assert_string_equal(d.key_sha256, m.board_key_sha256);
	assert_int_equal(d.new_cert_len, 0);
	/* The old board is no longer the device. */
	len = make_receipt(f, f->fac, &b, rc, sizeof(rc));
	assert_int_equal(portal_receipt(f->p, rc, len, &info), -EBADMSG);
	mbedtls_x509_crt_free(&newcrt);
	mbedtls_x509_crt_free(&devca);
	mbedtls_x509_crt_free(&root);
	mbedtls_pk_free(&board);
	free(s);
}

static void test_forged_commands_are_marked_and_fail_verification(void **state)
{
	struct fx *f = *state;
	uint8_t ch[svcport_v1_Challenge_size];
	static uint8_t buf[svcport_v1_SignedCommand_size];
	struct signed_cmd *s = calloc(1, sizeof(*s));
	struct portal_sign_req req = {0};
	mbedtls_x509_crt signer;
	size_t len;

	assert_non_null(s);
	len = make_challenge(f, f->fac, "7D1A", "J900AAAA", NULL, ch, sizeof(ch));
	req.user = "bob"; /* base user, device unclaimed: only --skip-policy signs */
	req.action = svcport_v1_Action_ACTION_ACTIVATE;
	req.challenge = ch;
	req.challenge_len = len;
	req.now = utc_now_s();
	assert_int_equal(portal_sign(f->p, &req, buf, sizeof(buf), &len, &s->info), -EACCES);
	req.skip_policy = true;
	req.forge_signature = true;
	assert_int_equal(portal_sign(f->p, &req, buf, sizeof(buf), &len, &s->info), 0);
	assert_true(s->info.test_only);
	assert_int_equal(pbio_decode(svcport_v1_SignedCommand_fields, &s->cmd, buf, len), 0);
	mbedtls_x509_crt_init(&signer);
	load_crt(&signer, f->portal_dir, "signer.crt");
	assert_false(pki_is_signature_valid(&signer.pk, s->cmd.body.bytes, s->cmd.body.size,
	                                    s->cmd.signature.bytes, s->cmd.signature.size));
	mbedtls_x509_crt_free(&signer);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_eku_oid_is_the_uuid_oid),
	    cmocka_unit_test_setup_teardown(test_pki_chains_verify, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_factory_dir_matches_contract, fx_setup,
	                                    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_label_password_unique_per_board, fx_setup,
	                                    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_manufacture_twice_and_blank_board, fx_setup,
	                                    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_claim_wrong_code_refused_then_rate_limited,
	                                    fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_claim_code_as_typed, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_claim_csv_reports_each_row, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_transfer_passphrase_and_expiry, fx_setup,
	                                    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_transfer_csv_tampered, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_sign_roles_of_design_4_3, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_sign_binds_challenge_and_names_signer, fx_setup,
	                                    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_sign_puts_the_phone_key_in_a_reset, fx_setup,
	                                    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_sign_refuses_a_fake_device, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_receipts_move_status_and_key_update, fx_setup,
	                                    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_forged_commands_are_marked_and_fail_verification,
	                                    fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
