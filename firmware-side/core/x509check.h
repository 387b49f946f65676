/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Certificate checks of the portal PKI profile (docs/bmc.md): P-256 keys and
 * ecdsa-with-SHA256 signatures only, validity against the BMC clock (not the
 * system clock mbedTLS would use), and for the signer: CA:FALSE, keyUsage
 * digitalSignature and the svcport command-signing extended key usage.
 */
#ifndef SVCPORT_X509CHECK_H
#define SVCPORT_X509CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mbedtls/x509_crt.h>

/* 2.25.229732147734521469385393418830530498341, DER contents of the OID. */
#define SVCPORT_EKU_CMD_SIGNING_OID                                                                \
	"\x69\x82\xd9\xd4\xe6\xd8\x8a\xad\xa0\xf8\xf4\xdf\x9e\xb2\xb5\xfb\xd9\xf1\x9e\x25"

/* P-256 key, ecdsa-with-SHA256 signature. */
bool x509_is_profile_ok(const mbedtls_x509_crt *crt);
/* valid_from <= now_s <= valid_to (UTC). */
bool x509_is_valid_at(const mbedtls_x509_crt *crt, uint64_t now_s);
/* The signer rules above plus profile and validity. */
bool x509_is_command_signer(const mbedtls_x509_crt *crt, uint64_t now_s);

/*
 * Verifies chain (leaf first, as parsed into one mbedtls list) up to one of
 * anchors at now_s, every certificate (anchor included) held to the profile
 * and validity. No usage rules. True if it chains.
 */
bool x509_is_chain_to(mbedtls_x509_crt *chain, mbedtls_x509_crt *anchors, uint64_t now_s);

/*
 * Verifies chain (leaf first, as parsed into one mbedtls list) up to one of
 * anchors at now_s, every certificate (anchor included) held to the profile
 * and validity, the leaf to the signer rules. True if trusted.
 */
bool x509_is_trusted_signer_chain(mbedtls_x509_crt *chain, mbedtls_x509_crt *anchors,
                                  uint64_t now_s);

/*
 * The same, and *ret_cacheable (if not NULL, set only when trusted): false if
 * a certificate above the leaf in the built chain, anchor included, expires
 * before the leaf. A cached signer is later checked for its own validity
 * only, so only a leaf that expires first may be cached.
 */
bool x509_check_signer_chain(mbedtls_x509_crt *chain, mbedtls_x509_crt *anchors, uint64_t now_s,
                             bool *ret_cacheable);

#endif
