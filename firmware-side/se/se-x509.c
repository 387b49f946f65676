// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * X.509 from the secure element's device key (se.h se_write_csr), for both
 * back-ends: mbedTLS's x509write with the external signer (se-signer.c) as
 * the key, so the private key never leaves the SE. The device's own
 * certificates are written by core/certwrite.c with bmcd's sealed keys.
 * The request goes out without the NULL Debian's mbedTLS 2.28.3 writes after
 * ecdsa-with-SHA256 (common/x509-sigalg.h); that field is not signed, so the
 * repair needs no second signature from the SE.
 */
#include "se-int.h"

#include <errno.h>

#include <mbedtls/x509_csr.h>

#include "x509-sigalg.h"

int se_write_csr(struct se *se, const char *subject, unsigned char *out, size_t cap,
                 const struct bmc_env *env)
{
	unsigned char buf[1024];
	mbedtls_x509write_csr w;
	mbedtls_pk_context key;
	size_t len = 0;
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
	/* mbedTLS writes DER at the end of the buffer. */
	switch (x509_csr_sigalg_fix(buf + sizeof(buf) - n, (size_t)n, out, cap, &len)) {
	case 0:
		return (int)len;
	case -EMSGSIZE:
		return -ENOSPC;
	default:
		return -EINVAL;
	}
}
