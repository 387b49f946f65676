/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ECDSA certificates as browsers take them. RFC 5758 §3.2: when ecdsa-with-SHA256 (or any
 * ecdsa-with-*) appears in an AlgorithmIdentifier, "the encoding MUST omit the parameters
 * field". Debian 12's mbedTLS (2.28.3) writes a NULL there, in the TBSCertificate's
 * signature field and in the certificate's signatureAlgorithm (Mbed TLS issues #2924 and
 * #6881, fixed upstream by PR #7788 in 2.28.4 and 3.5). OpenSSL, curl and Node take such a
 * certificate; Chromium refuses it (net::ERR_CERT_INVALID), trusted CA or not.
 *
 * x509_crt_sigalg_fix re-encodes a certificate mbedTLS wrote: both AlgorithmIdentifiers
 * without the NULL, and the new TBSCertificate signed again with the issuer's key. All the
 * ASN.1 is read and written by mbedTLS's asn1parse/asn1write; only the three fields before
 * the signature field are stepped over. Remove it once the build's mbedTLS writes RFC 5758
 * encodings itself (it then copies the certificate unchanged).
 *
 * x509_csr_sigalg_fix does the same for a PKCS#10 request (RFC 2986): mbedTLS writes the
 * same NULL in its signatureAlgorithm. That field is outside what is signed
 * (certificationRequestInfo), so the request keeps its signature and needs no key: which
 * matters for requests signed inside the secure element.
 */
#ifndef SVCPORT_X509_SIGALG_H
#define SVCPORT_X509_SIGALG_H

#include <stddef.h>
#include <stdint.h>

#include <mbedtls/pk.h>

/* The largest certificate this re-encodes (the project's certificates are under 1 KiB). */
#define X509_SIGALG_CRT_MAX 4096

/*
 * der/len: a DER certificate signed with ECDSA by issuer_key (a P-256 key pair); f_rng and
 * p_rng as mbedtls_pk_sign takes them. Writes the RFC 5758 encoding to out (cap bytes) and
 * its length to *ret_len: the same bytes when there was no NULL to remove. der and out may
 * not overlap. Returns 0, -EINVAL (not a certificate, or not ECDSA-signed), -EMSGSIZE (out
 * or X509_SIGALG_CRT_MAX too small) or -EIO (signing failed); out is then undefined.
 */
int x509_crt_sigalg_fix(const uint8_t *der, size_t len, mbedtls_pk_context *issuer_key,
                        int (*f_rng)(void *, unsigned char *, size_t), void *p_rng, uint8_t *out,
                        size_t cap, size_t *ret_len) __attribute__((warn_unused_result));

/*
 * Whether x509_crt_sigalg_fix would change the DER certificate der/len (its TBSCertificate's
 * signature field has the NULL), without a key: 1 yes, 0 no, -EINVAL (not a certificate).
 */
int x509_crt_sigalg_has_null(const uint8_t *der, size_t len) __attribute__((warn_unused_result));

/*
 * der/len: a DER PKCS#10 request signed with ECDSA. Writes it to out (cap bytes) with the
 * signatureAlgorithm without parameters, the same certificationRequestInfo and signature,
 * and its length to *ret_len: the same bytes when there was no NULL to remove. der and out
 * may not overlap. Returns 0, -EINVAL (not a request, or a NULL after a non-ECDSA
 * algorithm) or -EMSGSIZE (out too small); out is then undefined.
 */
int x509_csr_sigalg_fix(const uint8_t *der, size_t len, uint8_t *out, size_t cap, size_t *ret_len)
    __attribute__((warn_unused_result));

#endif
