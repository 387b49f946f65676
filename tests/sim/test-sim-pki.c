// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The simulator's PKI past 2038 (docs/arm.md): validity written from 64-bit
 * time, as UTCTime before 2050 and GeneralizedTime after, a portal set up in
 * 2040 whose 20-year CAs end in 2059, and the refusal of a year X.509 cannot
 * write. Runs on the armhf build under qemu too, where time_t is 32-bit. And the
 * signature algorithm encoded as RFC 5758 (and Chromium) want it.
 */
#include <errno.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <mbedtls/x509_crt.h>

#include "pki.h"
#include "portal.h"

#define T_2039_01_01 2177452800ll
#define T_2040_01_01 2208988800ll
#define T_2060_LAST  2871763199ll /* 2060-12-31T23:59:59 */
#define T_2100_01_01 4102444800ll

static struct pki_rng rng;
static mbedtls_pk_context key;

static int setup(void **state)
{
	mbedtls_pk_init(&key);
	if (pki_rng_init(&rng) < 0 || pki_key_generate(&key, &rng) < 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	mbedtls_pk_free(&key);
	pki_rng_free(&rng);
	return 0;
}

static void expect_time(const mbedtls_x509_time *t, int y, int mo, int d, int h, int mi, int s)
{
	assert_int_equal(t->year, y);
	assert_int_equal(t->mon, mo);
	assert_int_equal(t->day, d);
	assert_int_equal(t->hour, h);
	assert_int_equal(t->min, mi);
	assert_int_equal(t->sec, s);
}

static void issue_root(int64_t not_before, int64_t not_after, mbedtls_x509_crt *crt)
{
	const struct pki_issue req = {.profile = PKI_PROFILE_ROOT,
	                              .subject = "CN=root",
	                              .subject_key = &key,
	                              .issuer_key = &key,
	                              .not_before = not_before,
	                              .not_after = not_after};
	uint8_t der[PKI_CERT_DER_MAX];
	size_t len = 0;

	assert_int_equal(pki_cert_issue(&req, &rng, der, sizeof(der), &len), 0);
	assert_int_equal(mbedtls_x509_crt_parse_der(crt, der, len), 0);
}

static void validity_2039_to_2060_and_to_2100(void **state)
{
	mbedtls_x509_crt crt;

	mbedtls_x509_crt_init(&crt);
	issue_root(T_2039_01_01, T_2060_LAST, &crt);
	expect_time(&crt.valid_from, 2039, 1, 1, 0, 0, 0);
	expect_time(&crt.valid_to, 2060, 12, 31, 23, 59, 59);
	mbedtls_x509_crt_free(&crt);

	mbedtls_x509_crt_init(&crt);
	issue_root(T_2040_01_01 + 3661, T_2100_01_01, &crt);
	expect_time(&crt.valid_from, 2040, 1, 1, 1, 1, 1);
	expect_time(&crt.valid_to, 2100, 1, 1, 0, 0, 0);
	mbedtls_x509_crt_free(&crt);
}

static void year_10000_is_refused(void **state)
{
	const struct pki_issue req = {.profile = PKI_PROFILE_ROOT,
	                              .subject = "CN=root",
	                              .subject_key = &key,
	                              .issuer_key = &key,
	                              .not_before = T_2040_01_01,
	                              .not_after = 253402300800ll};
	uint8_t der[PKI_CERT_DER_MAX] = {0x5a};
	size_t len = 7;

	assert_int_equal(pki_cert_issue(&req, &rng, der, sizeof(der), &len), -EINVAL);
	assert_int_equal(der[0], 0x5a);
	assert_int_equal(len, 7);
}

/* RFC 5758 §3.2 (common/x509-sigalg.h): ecdsa-with-SHA256 without parameters, both times. */
static void ecdsa_algorithm_without_null(void **state)
{
	static const uint8_t bare[] = {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86,
	                               0x48, 0xce, 0x3d, 0x04, 0x03, 0x02};
	mbedtls_x509_crt crt;
	size_t hits = 0;

	mbedtls_x509_crt_init(&crt);
	issue_root(T_2039_01_01, T_2060_LAST, &crt);
	for (size_t i = 0; i + sizeof(bare) <= crt.raw.len; i++)
		hits += memcmp(crt.raw.p + i, bare, sizeof(bare)) == 0;
	assert_int_equal(hits, 2);
	mbedtls_x509_crt_free(&crt);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

/* A portal set up in 2040: its root CA from then for 20 x 365 days. */
static void portal_set_up_in_2040(void **state)
{
	char dir[] = "/tmp/svcport-pki-XXXXXX", path[128];
	uint8_t der[PKI_CERT_DER_MAX];
	mbedtls_x509_crt crt;
	struct portal *p = NULL;
	size_t len = 0;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/portal", dir);
	assert_int_equal(portal_open(path, true, &p), 0);
	assert_int_equal(portal_init(p, T_2040_01_01), 0);
	portal_close(p);
	snprintf(path, sizeof(path), "%s/portal/root.crt", dir);
	assert_int_equal(pki_cert_read_der(path, der, sizeof(der), &len), 0);
	mbedtls_x509_crt_init(&crt);
	assert_int_equal(mbedtls_x509_crt_parse_der(&crt, der, len), 0);
	expect_time(&crt.valid_from, 2040, 1, 1, 0, 0, 0);
	expect_time(&crt.valid_to, 2059, 12, 27, 0, 0, 0); /* 7300 days on */
	mbedtls_x509_crt_free(&crt);
	nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(validity_2039_to_2060_and_to_2100),
	    cmocka_unit_test(year_10000_is_refused),
	    cmocka_unit_test(ecdsa_algorithm_without_null),
	    cmocka_unit_test(portal_set_up_in_2040),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
