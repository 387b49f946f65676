// SPDX-License-Identifier: GPL-2.0-or-later
/* X.509 writing for the device's own certificates (certwrite.h). */
#include "certwrite.h"

#include <errno.h>
#include <limits.h>

#include <mbedtls/oid.h>
#include <mbedtls/x509_crt.h>
#include <mbedtls/x509_csr.h>

#include "utc.h"
#include "x509-sigalg.h"

#define DER_MAX 2048

/*
 * extendedKeyUsage: SEQUENCE { id-kp-serverAuth, id-kp-clientAuth } (mbedTLS 2.28
 * has no setter): the link certificate serves the https: link and is the client
 * certificate of the portal link (docs/certs.md).
 */
static const unsigned char eku[] = {0x30, 0x14, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x05,
                                    0x05, 0x07, 0x03, 0x01, 0x06, 0x08, 0x2b, 0x06,
                                    0x01, 0x05, 0x05, 0x07, 0x03, 0x02};

_Static_assert(sizeof(MBEDTLS_OID_SERVER_AUTH) - 1 == 8 && sizeof(MBEDTLS_OID_CLIENT_AUTH) - 1 == 8,
               "the EKU bytes above");

/*
 * mbedTLS writes DER at the end of buf: its n bytes, as RFC 5758 wants them and Chromium
 * takes them (common/x509-sigalg.h: Debian's mbedTLS 2.28.3 puts a NULL after
 * ecdsa-with-SHA256), into out. A certificate (issuer_key set) is signed again over its
 * repaired TBSCertificate by issuer_key; a request keeps its signature. n, or
 * -EINVAL/-ENOSPC.
 */
static int der_take(const unsigned char *buf, size_t buf_len, int n, mbedtls_pk_context *issuer_key,
                    unsigned char *out, size_t cap, const struct bmc_env *env)
{
	const unsigned char *der = buf + buf_len - (size_t)n;
	size_t len = 0;
	int err;

	if (n <= 0)
		return -EINVAL;
	err = issuer_key ? x509_crt_sigalg_fix(der, (size_t)n, issuer_key, env->rng, env->user_data,
	                                       out, cap, &len)
	                 : x509_csr_sigalg_fix(der, (size_t)n, out, cap, &len);
	if (err == -EMSGSIZE)
		return -ENOSPC;
	if (err < 0 || len > INT_MAX)
		return -EINVAL;
	return (int)len;
}

static int crt_serial(mbedtls_x509write_cert *w, const struct bmc_env *env)
{
	unsigned char serial[16];
	mbedtls_mpi sn;
	int ret = -EINVAL;

	mbedtls_mpi_init(&sn);
	if (env->rng(env->user_data, serial, sizeof(serial)) == 0) {
		serial[0] &= 0x7f; /* positive */
		serial[0] |= 0x01; /* and not zero */
		if (mbedtls_mpi_read_binary(&sn, serial, sizeof(serial)) == 0 &&
		    mbedtls_x509write_crt_set_serial(w, &sn) == 0)
			ret = 0;
	}
	mbedtls_mpi_free(&sn);
	return ret;
}

static int crt_extensions(mbedtls_x509write_cert *w, const struct certwrite *c)
{
	const unsigned ku = c->ca ? MBEDTLS_X509_KU_KEY_CERT_SIGN | MBEDTLS_X509_KU_CRL_SIGN
	                          : MBEDTLS_X509_KU_DIGITAL_SIGNATURE;

	if (mbedtls_x509write_crt_set_basic_constraints(w, c->ca, c->ca ? 0 : -1) != 0 ||
	    mbedtls_x509write_crt_set_key_usage(w, ku) != 0 ||
	    mbedtls_x509write_crt_set_subject_key_identifier(w) != 0 ||
	    mbedtls_x509write_crt_set_authority_key_identifier(w) != 0)
		return -EINVAL;
	if (!c->ca &&
	    mbedtls_x509write_crt_set_extension(w, MBEDTLS_OID_EXTENDED_KEY_USAGE,
	                                        MBEDTLS_OID_SIZE(MBEDTLS_OID_EXTENDED_KEY_USAGE), 0,
	                                        eku, sizeof(eku)) != 0)
		return -EINVAL;
	if (c->san_len > 0 &&
	    mbedtls_x509write_crt_set_extension(w, MBEDTLS_OID_SUBJECT_ALT_NAME,
	                                        MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME), 0,
	                                        c->san, c->san_len) != 0)
		return -EINVAL;
	return 0;
}

int certwrite_crt(const struct certwrite *c, unsigned char *out, size_t cap,
                  const struct bmc_env *env)
{
	unsigned char buf[DER_MAX];
	char not_before[UTC_X509_LEN + 1];
	mbedtls_x509write_cert w;
	int n = -EINVAL;

	/* From the 64-bit clock, never through time_t (32-bit on armhf, docs/arm.md). */
	if (c->now_s > INT64_MAX || utc_format_x509((int64_t)c->now_s, not_before) < 0)
		return -EINVAL;
	mbedtls_x509write_crt_init(&w);
	mbedtls_x509write_crt_set_version(&w, MBEDTLS_X509_CRT_VERSION_3);
	mbedtls_x509write_crt_set_md_alg(&w, MBEDTLS_MD_SHA256);
	mbedtls_x509write_crt_set_subject_key(&w, c->subject_key);
	mbedtls_x509write_crt_set_issuer_key(&w, c->issuer_key);
	if (crt_serial(&w, env) == 0 &&
	    mbedtls_x509write_crt_set_subject_name(&w, c->subject) == 0 &&
	    mbedtls_x509write_crt_set_issuer_name(&w, c->issuer) == 0 &&
	    mbedtls_x509write_crt_set_validity(&w, not_before, "99991231235959") == 0 &&
	    crt_extensions(&w, c) == 0)
		n = der_take(
		    buf, sizeof(buf),
		    mbedtls_x509write_crt_der(&w, buf, sizeof(buf), env->rng, env->user_data),
		    c->issuer_key, out, cap, env);
	mbedtls_x509write_crt_free(&w);
	return n;
}

int certwrite_csr(mbedtls_pk_context *key, const char *subject, const unsigned char *san,
                  size_t san_len, unsigned char *out, size_t cap, const struct bmc_env *env)
{
	unsigned char buf[DER_MAX];
	mbedtls_x509write_csr w;
	int n = -EINVAL;

	mbedtls_x509write_csr_init(&w);
	mbedtls_x509write_csr_set_md_alg(&w, MBEDTLS_MD_SHA256);
	mbedtls_x509write_csr_set_key(&w, key);
	if (mbedtls_x509write_csr_set_subject_name(&w, subject) == 0 &&
	    mbedtls_x509write_csr_set_key_usage(&w, MBEDTLS_X509_KU_DIGITAL_SIGNATURE) == 0 &&
	    (san_len == 0 ||
	     mbedtls_x509write_csr_set_extension(&w, MBEDTLS_OID_SUBJECT_ALT_NAME,
	                                         MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME),
	                                         san, san_len) == 0))
		n = der_take(
		    buf, sizeof(buf),
		    mbedtls_x509write_csr_der(&w, buf, sizeof(buf), env->rng, env->user_data), NULL,
		    out, cap, env);
	mbedtls_x509write_csr_free(&w);
	return n;
}
