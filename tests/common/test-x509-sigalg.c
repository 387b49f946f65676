// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * common/x509-sigalg: a certificate as this mbedTLS writes it (ecdsa-with-SHA256 with a NULL
 * parameter, RFC 5758 §3.2 says absent) comes out with both AlgorithmIdentifiers bare, the
 * rest of the TBSCertificate byte for byte, and a signature that verifies; a certificate
 * already right is copied; bad input and short buffers are refused. A PKCS#10 request the
 * same, its signature kept (it does not cover the field). Chromium taking the
 * portal's certificates is the browser test's (tests/web/portal-pages.test.mjs).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecp.h>
#include <mbedtls/entropy.h>
#include <mbedtls/sha256.h>
#include <mbedtls/x509_crt.h>
#include <mbedtls/x509_csr.h>

#include "x509-sigalg.h"

/* SEQUENCE { ecdsa-with-SHA256 } and the same with the NULL mbedTLS 2.28.3 adds. */
static const uint8_t ALG_BARE[] = {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86,
                                   0x48, 0xce, 0x3d, 0x04, 0x03, 0x02};
static const uint8_t ALG_NULL[] = {0x30, 0x0c, 0x06, 0x08, 0x2a, 0x86, 0x48,
                                   0xce, 0x3d, 0x04, 0x03, 0x02, 0x05, 0x00};

static mbedtls_entropy_context entropy;
static mbedtls_ctr_drbg_context drbg;
static mbedtls_pk_context key;
static uint8_t written[2048];
static size_t written_len;

static size_t count(const uint8_t *hay, size_t n, const uint8_t *needle, size_t m)
{
	size_t hits = 0;

	for (size_t i = 0; i + m <= n; i++)
		hits += memcmp(hay + i, needle, m) == 0;
	return hits;
}

/* A self-signed CA certificate, written by mbedTLS itself. */
static int setup(void **state)
{
	mbedtls_x509write_cert w;
	mbedtls_mpi serial;
	uint8_t buf[2048];
	int len;

	(void)state;
	mbedtls_entropy_init(&entropy);
	mbedtls_ctr_drbg_init(&drbg);
	mbedtls_pk_init(&key);
	mbedtls_x509write_crt_init(&w);
	mbedtls_mpi_init(&serial);
	if (mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, NULL, 0) != 0 ||
	    mbedtls_pk_setup(&key, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) != 0 ||
	    mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(key),
	                        mbedtls_ctr_drbg_random, &drbg) != 0 ||
	    mbedtls_mpi_lset(&serial, 4242) != 0)
		return -1;
	mbedtls_x509write_crt_set_md_alg(&w, MBEDTLS_MD_SHA256);
	mbedtls_x509write_crt_set_subject_key(&w, &key);
	mbedtls_x509write_crt_set_issuer_key(&w, &key);
	if (mbedtls_x509write_crt_set_subject_name(&w, "CN=sigalg test") != 0 ||
	    mbedtls_x509write_crt_set_issuer_name(&w, "CN=sigalg test") != 0 ||
	    mbedtls_x509write_crt_set_serial(&w, &serial) != 0 ||
	    mbedtls_x509write_crt_set_validity(&w, "20260101000000", "20360101000000") != 0 ||
	    mbedtls_x509write_crt_set_basic_constraints(&w, 1, -1) != 0)
		return -1;
	len = mbedtls_x509write_crt_der(&w, buf, sizeof(buf), mbedtls_ctr_drbg_random, &drbg);
	if (len <= 0)
		return -1;
	written_len = (size_t)len;
	memcpy(written, buf + sizeof(buf) - written_len, written_len);
	mbedtls_mpi_free(&serial);
	mbedtls_x509write_crt_free(&w);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	mbedtls_pk_free(&key);
	mbedtls_ctr_drbg_free(&drbg);
	mbedtls_entropy_free(&entropy);
	return 0;
}

static void fix(const uint8_t *in, size_t len, uint8_t *out, size_t cap, size_t *ret_len)
{
	assert_int_equal(
	    x509_crt_sigalg_fix(in, len, &key, mbedtls_ctr_drbg_random, &drbg, out, cap, ret_len),
	    0);
}

static void null_removed_and_signature_valid(void **state)
{
	uint8_t out[2048];
	size_t len = 0;
	mbedtls_x509_crt crt;
	uint32_t flags = 0;

	(void)state;
	/* The premise: this mbedTLS writes the NULL, twice. If it stops, the fix copies. */
	if (count(written, written_len, ALG_NULL, sizeof(ALG_NULL)) == 0)
		skip();
	assert_int_equal(count(written, written_len, ALG_NULL, sizeof(ALG_NULL)), 2);
	assert_int_equal(x509_crt_sigalg_has_null(written, written_len), 1);
	fix(written, written_len, out, sizeof(out), &len);
	assert_int_equal(x509_crt_sigalg_has_null(out, len), 0);
	assert_int_equal(count(out, len, ALG_NULL, sizeof(ALG_NULL)), 0);
	assert_int_equal(count(out, len, ALG_BARE, sizeof(ALG_BARE)), 2);
	/* Subject, issuer, validity, key, extensions: the same bytes. */
	assert_int_equal(count(out, len, written + 40, 150), 1);
	mbedtls_x509_crt_init(&crt);
	assert_int_equal(mbedtls_x509_crt_parse_der(&crt, out, len), 0);
	assert_int_equal(mbedtls_x509_crt_verify(&crt, &crt, NULL, NULL, &flags, NULL, NULL), 0);
	assert_int_equal(flags, 0);
	mbedtls_x509_crt_free(&crt);
}

static void right_one_copied(void **state)
{
	uint8_t once[2048], twice[2048];
	size_t n1 = 0, n2 = 0;

	(void)state;
	fix(written, written_len, once, sizeof(once), &n1);
	fix(once, n1, twice, sizeof(twice), &n2);
	assert_int_equal(n1, n2);
	assert_memory_equal(once, twice, n1);
}

static void refusals(void **state)
{
	uint8_t out[2048], bad[2048];
	size_t len = 77;

	(void)state;
	/* Cut short, a trailing byte, not a SEQUENCE, an unknown ECDSA OID, no room. */
	assert_int_equal(x509_crt_sigalg_has_null(written, written_len - 1), -EINVAL);
	assert_int_equal(x509_crt_sigalg_fix(written, written_len - 1, &key,
	                                     mbedtls_ctr_drbg_random, &drbg, out, sizeof(out),
	                                     &len),
	                 -EINVAL);
	memcpy(bad, written, written_len);
	bad[written_len] = 0;
	assert_int_equal(x509_crt_sigalg_fix(bad, written_len + 1, &key, mbedtls_ctr_drbg_random,
	                                     &drbg, out, sizeof(out), &len),
	                 -EINVAL);
	bad[0] = 0x31;
	assert_int_equal(x509_crt_sigalg_fix(bad, written_len, &key, mbedtls_ctr_drbg_random, &drbg,
	                                     out, sizeof(out), &len),
	                 -EINVAL);
	/* ecdsa-with-SHA2 arc, algorithm 9: no such signature algorithm. */
	memcpy(bad, written, written_len);
	for (size_t i = 0; i + sizeof(ALG_NULL) <= written_len; i++)
		if (memcmp(bad + i, ALG_NULL, sizeof(ALG_NULL)) == 0)
			bad[i + 11] = 0x09;
	if (count(written, written_len, ALG_NULL, sizeof(ALG_NULL)) > 0)
		assert_int_equal(x509_crt_sigalg_fix(bad, written_len, &key,
		                                     mbedtls_ctr_drbg_random, &drbg, out,
		                                     sizeof(out), &len),
		                 -EINVAL);
	assert_int_equal(x509_crt_sigalg_fix(written, written_len, &key, mbedtls_ctr_drbg_random,
	                                     &drbg, out, 40, &len),
	                 -EMSGSIZE);
	assert_int_equal(len, 77);
}

/* A request mbedTLS writes: the NULL once, in signatureAlgorithm. */
static size_t csr_written(uint8_t *out, size_t cap)
{
	mbedtls_x509write_csr w;
	uint8_t buf[1024];
	int len;

	mbedtls_x509write_csr_init(&w);
	mbedtls_x509write_csr_set_md_alg(&w, MBEDTLS_MD_SHA256);
	mbedtls_x509write_csr_set_key(&w, &key);
	assert_int_equal(mbedtls_x509write_csr_set_subject_name(&w, "CN=sigalg csr"), 0);
	len = mbedtls_x509write_csr_der(&w, buf, sizeof(buf), mbedtls_ctr_drbg_random, &drbg);
	mbedtls_x509write_csr_free(&w);
	assert_true(len > 0 && (size_t)len <= cap);
	memcpy(out, buf + sizeof(buf) - len, (size_t)len);
	return (size_t)len;
}

static void csr_null_removed_signature_kept(void **state)
{
	uint8_t in[1024], out[1024], again[1024], bad[1024];
	size_t n = csr_written(in, sizeof(in)), len = 0, len2 = 0;
	mbedtls_x509_csr csr;

	(void)state;
	if (count(in, n, ALG_NULL, sizeof(ALG_NULL)) == 0)
		skip();
	assert_int_equal(count(in, n, ALG_NULL, sizeof(ALG_NULL)), 1);
	assert_int_equal(x509_csr_sigalg_fix(in, n, out, sizeof(out), &len), 0);
	assert_int_equal(len, n - 2);
	assert_int_equal(count(out, len, ALG_NULL, sizeof(ALG_NULL)), 0);
	assert_int_equal(count(out, len, ALG_BARE, sizeof(ALG_BARE)), 1);
	/* The signature is the same bytes and still verifies over the same request info. */
	assert_memory_equal(out + len - 70, in + n - 70, 70);
	mbedtls_x509_csr_init(&csr);
	assert_int_equal(mbedtls_x509_csr_parse_der(&csr, out, len), 0);
	{
		uint8_t h[32];

		mbedtls_sha256_ret(csr.cri.p, csr.cri.len, h, 0);
		assert_int_equal(mbedtls_pk_verify(&csr.pk, MBEDTLS_MD_SHA256, h, sizeof(h),
		                                   csr.sig.p, csr.sig.len),
		                 0);
	}
	mbedtls_x509_csr_free(&csr);
	/* Right already: copied. */
	assert_int_equal(x509_csr_sigalg_fix(out, len, again, sizeof(again), &len2), 0);
	assert_int_equal(len2, len);
	assert_memory_equal(again, out, len);
	/* Refusals: cut short, a trailing byte, no room, a NULL after a non-ECDSA OID. */
	len2 = 77;
	assert_int_equal(x509_csr_sigalg_fix(in, n - 1, bad, sizeof(bad), &len2), -EINVAL);
	memcpy(bad, in, n);
	bad[n] = 0;
	assert_int_equal(x509_csr_sigalg_fix(bad, n + 1, again, sizeof(again), &len2), -EINVAL);
	assert_int_equal(x509_csr_sigalg_fix(in, n, again, 40, &len2), -EMSGSIZE);
	for (size_t i = 0; i + sizeof(ALG_NULL) <= n; i++)
		if (memcmp(bad + i, ALG_NULL, sizeof(ALG_NULL)) == 0)
			bad[i + 5] = 0x87; /* no longer under id-ecSigType */
	assert_int_equal(x509_csr_sigalg_fix(bad, n, again, sizeof(again), &len2), -EINVAL);
	assert_int_equal(len2, 77);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(null_removed_and_signature_valid),
	    cmocka_unit_test(right_one_copied),
	    cmocka_unit_test(refusals),
	    cmocka_unit_test(csr_null_removed_signature_kept),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
