// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * X.509 from the secure element's keys (se.h se_write_csr, se_issue_cert),
 * for both back-ends: mbedTLS's x509write with the external signer
 * (se-signer.c) as the key, so the private keys never leave the SE.
 */
#include "se-int.h"

#include <errno.h>
#include <string.h>

#include <mbedtls/oid.h>
#include <mbedtls/x509_crt.h>
#include <mbedtls/x509_csr.h>

#include "utc.h"

int se_write_csr(struct se *se, const char *subject, unsigned char *out, size_t cap,
                 const struct bmc_env *env)
{
	unsigned char buf[1024];
	mbedtls_x509write_csr w;
	mbedtls_pk_context key;
	int n;

	mbedtls_pk_init(&key);
	mbedtls_x509write_csr_init(&w);
	mbedtls_x509write_csr_set_md_alg(&w, MBEDTLS_MD_SHA256);
	mbedtls_x509write_csr_set_key(&w, &key);
	n = se_pk_setup(se, SE_KEY_DEVICE, &key) != 0 ||
	            mbedtls_x509write_csr_set_subject_name(&w, subject) != 0 ||
	            mbedtls_x509write_csr_set_key_usage(&w, MBEDTLS_X509_KU_DIGITAL_SIGNATURE) != 0
	        ? -EINVAL
	        : mbedtls_x509write_csr_der(&w, buf, sizeof(buf), env->rng, env->user_data);
	mbedtls_x509write_csr_free(&w);
	mbedtls_pk_free(&key);
	if (n <= 0)
		return -EINVAL;
	if ((size_t)n > cap)
		return -ENOSPC;
	/* mbedTLS writes DER at the end of the buffer. */
	memcpy(out, buf + sizeof(buf) - n, (size_t)n);
	return n;
}

int se_issue_cert(struct se *se, enum se_cert_kind kind, const char *subject,
                  const char *ca_subject, uint64_t now_s, unsigned char *out, size_t cap,
                  const struct bmc_env *env)
{
	/* extendedKeyUsage: SEQUENCE { OID id-kp-serverAuth } (mbedTLS 2.28 has no setter). */
	static const unsigned char eku[] = {0x30, 0x0a, 0x06, 0x08, 0x2b, 0x06,
	                                    0x01, 0x05, 0x05, 0x07, 0x03, 0x01};
	const bool ca = kind == SE_CERT_INTERNAL_CA;
	unsigned char buf[1024], serial[16];
	mbedtls_pk_context ca_key, link_key;
	mbedtls_x509write_cert w;
	char not_before[UTC_X509_LEN + 1];
	mbedtls_mpi sn;
	int n = -EINVAL;

	_Static_assert(sizeof(MBEDTLS_OID_SERVER_AUTH) - 1 == 8, "the EKU bytes above");

	/* From the 64-bit clock, never through time_t (32-bit on armhf, docs/arm.md). */
	if (now_s > INT64_MAX || utc_format_x509((int64_t)now_s, not_before) < 0)
		return -EINVAL;
	mbedtls_pk_init(&ca_key);
	mbedtls_pk_init(&link_key);
	mbedtls_x509write_crt_init(&w);
	mbedtls_mpi_init(&sn);
	if (se_pk_setup(se, SE_KEY_INTERNAL_CA, &ca_key) != 0 ||
	    se_pk_setup(se, SE_KEY_LINK, &link_key) != 0 ||
	    env->rng(env->user_data, serial, sizeof(serial)) != 0)
		goto out;
	serial[0] &= 0x7f; /* positive */
	serial[0] |= 0x01; /* and not zero */
	mbedtls_x509write_crt_set_version(&w, MBEDTLS_X509_CRT_VERSION_3);
	mbedtls_x509write_crt_set_md_alg(&w, MBEDTLS_MD_SHA256);
	mbedtls_x509write_crt_set_subject_key(&w, ca ? &ca_key : &link_key);
	mbedtls_x509write_crt_set_issuer_key(&w, &ca_key);
	if (mbedtls_mpi_read_binary(&sn, serial, sizeof(serial)) != 0 ||
	    mbedtls_x509write_crt_set_serial(&w, &sn) != 0 ||
	    mbedtls_x509write_crt_set_subject_name(&w, ca ? ca_subject : subject) != 0 ||
	    mbedtls_x509write_crt_set_issuer_name(&w, ca_subject) != 0 ||
	    mbedtls_x509write_crt_set_validity(&w, not_before, "99991231235959") != 0 ||
	    mbedtls_x509write_crt_set_basic_constraints(&w, ca, ca ? 0 : -1) != 0 ||
	    mbedtls_x509write_crt_set_key_usage(&w, ca ? MBEDTLS_X509_KU_KEY_CERT_SIGN |
	                                                     MBEDTLS_X509_KU_CRL_SIGN
	                                               : MBEDTLS_X509_KU_DIGITAL_SIGNATURE) != 0 ||
	    mbedtls_x509write_crt_set_subject_key_identifier(&w) != 0 ||
	    mbedtls_x509write_crt_set_authority_key_identifier(&w) != 0 ||
	    (!ca &&
	     mbedtls_x509write_crt_set_extension(&w, MBEDTLS_OID_EXTENDED_KEY_USAGE,
	                                         MBEDTLS_OID_SIZE(MBEDTLS_OID_EXTENDED_KEY_USAGE),
	                                         0, eku, sizeof(eku)) != 0))
		goto out;
	n = mbedtls_x509write_crt_der(&w, buf, sizeof(buf), env->rng, env->user_data);
	if (n <= 0) {
		n = -EINVAL;
		goto out;
	}
	if ((size_t)n > cap) {
		n = -ENOSPC;
		goto out;
	}
	/* mbedTLS writes DER at the end of the buffer. */
	memcpy(out, buf + sizeof(buf) - n, (size_t)n);
out:
	mbedtls_mpi_free(&sn);
	mbedtls_x509write_crt_free(&w);
	mbedtls_pk_free(&link_key);
	mbedtls_pk_free(&ca_key);
	return n;
}
