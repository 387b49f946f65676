/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * X.509 writing for the device's own certificates (devcerts.h): mbedTLS's
 * x509write with keys the caller holds (software keys sealed by the secure
 * element, docs/certs.md), ecdsa-with-SHA256 only. I/O-free.
 */
#ifndef SVCPORT_BMC_CERTWRITE_H
#define SVCPORT_BMC_CERTWRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mbedtls/pk.h>

#include "bmc-env.h"

struct certwrite {
	mbedtls_pk_context *subject_key; /* the certified key (the issuer's for a CA) */
	mbedtls_pk_context *issuer_key;  /* signs */
	const char *subject;             /* "CN=...,serialNumber=..." */
	const char *issuer;
	bool ca;                  /* CA:TRUE pathlen 0, keyCertSign|cRLSign; else CA:FALSE,
	                           * digitalSignature, extendedKeyUsage serverAuth+clientAuth */
	const unsigned char *san; /* DER GeneralNames for subjectAltName; NULL/0: none */
	size_t san_len;
	uint64_t now_s; /* notBefore; notAfter is 9999-12-31 (RFC 5280 "no expiry") */
};

/*
 * Writes the certificate w describes (random positive 16-byte serial, subject
 * and authority key identifiers). DER into out; its length or -EINVAL/-ENOSPC.
 */
int certwrite_crt(const struct certwrite *w, unsigned char *out, size_t cap,
                  const struct bmc_env *env) __attribute__((warn_unused_result));

/*
 * A PKCS#10 request for key, signed by it, keyUsage digitalSignature and the
 * subjectAltName san (DER GeneralNames; NULL/0: none). DER into out; its
 * length or -EINVAL/-ENOSPC.
 */
int certwrite_csr(mbedtls_pk_context *key, const char *subject, const unsigned char *san,
                  size_t san_len, unsigned char *out, size_t cap, const struct bmc_env *env)
    __attribute__((warn_unused_result));

#endif
