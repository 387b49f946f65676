/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The portal PKI profile of docs/interfaces.md, on mbedTLS 2.28: P-256 keys,
 * ecdsa-with-SHA256, root CA -> command-signing certificate (EKU "svcport
 * command signing") and root CA -> device CA -> device certificates.
 * Library code: no logging, no global state except the DRBG it is handed.
 */
#ifndef SVCPORT_SIM_PKI_H
#define SVCPORT_SIM_PKI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

/* svcport command signing = OID 2.25.229732147734521469385393418830530498341 */
#define PKI_EKU_CMD_SIGNING_DOTTED "2.25.229732147734521469385393418830530498341"

#define PKI_CERT_DER_MAX 1024 /* proto bound of a certificate */
#define PKI_SIG_DER_MAX  72   /* ECDSA P-256 DER */
#define PKI_PUBKEY_LEN   65   /* uncompressed point */
#define PKI_SHA256_LEN   32
#define PKI_OID_DER_MAX  32

/* Random source: one per process (entropy + CTR-DRBG). */
struct pki_rng {
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
};

int pki_rng_init(struct pki_rng *rng) __attribute__((warn_unused_result));
void pki_rng_free(struct pki_rng *rng);
/* mbedtls f_rng-compatible callback; p_rng is a struct pki_rng. */
int pki_rng_fill(void *p_rng, unsigned char *out, size_t len);

/* The OID's content bytes (no tag/length), built from the dotted string. */
int pki_eku_oid(uint8_t *out, size_t cap, size_t *ret_len) __attribute__((warn_unused_result));

/* New P-256 key into an initialised (empty) pk context. */
int pki_key_generate(mbedtls_pk_context *key, struct pki_rng *rng)
    __attribute__((warn_unused_result));

/* 65-byte uncompressed public point of key. */
int pki_pubkey_raw(const mbedtls_pk_context *key, uint8_t out[PKI_PUBKEY_LEN])
    __attribute__((warn_unused_result));

/* SHA-256 of the uncompressed point (what the board's QR code shows). */
int pki_pubkey_sha256(const mbedtls_pk_context *key, uint8_t out[PKI_SHA256_LEN])
    __attribute__((warn_unused_result));

/* A P-256 public key context from a 65-byte uncompressed point. */
int pki_pubkey_from_raw(mbedtls_pk_context *key, const uint8_t *raw, size_t len)
    __attribute__((warn_unused_result));

enum pki_profile {
	PKI_PROFILE_ROOT,       /* self-signed, CA:TRUE, keyCertSign|cRLSign */
	PKI_PROFILE_DEVICE_CA,  /* CA:TRUE pathlen 0, keyCertSign|cRLSign */
	PKI_PROFILE_CMD_SIGNER, /* CA:FALSE, digitalSignature, EKU command signing */
	PKI_PROFILE_DEVICE,     /* CA:FALSE, digitalSignature */
	PKI_PROFILE_TLS_SERVER, /* CA:FALSE, digitalSignature, EKU serverAuth, SANs */
};

struct pki_issue {
	enum pki_profile profile;
	const char *subject;             /* mbedTLS name string, e.g. "CN=x,O=y" */
	mbedtls_pk_context *subject_key; /* public part used */
	const char *issuer;              /* ignored for ROOT (self-signed) */
	mbedtls_pk_context *issuer_key;  /* private; the subject key for ROOT */
	int64_t not_before;
	int64_t not_after;
	const uint8_t *san_der; /* subjectAltName extension value (GeneralNames), or NULL */
	size_t san_len;
};

/*
 * Issues a certificate. On success writes its DER into out (cap bytes) and
 * sets *ret_len. out is untouched on failure.
 */
int pki_cert_issue(const struct pki_issue *req, struct pki_rng *rng, uint8_t *out, size_t cap,
                   size_t *ret_len) __attribute__((warn_unused_result));

/* SHA-256 of data. */
void pki_sha256(const uint8_t *data, size_t len, uint8_t out[PKI_SHA256_LEN]);

/* ECDSA over SHA-256(data), DER signature into sig (PKI_SIG_DER_MAX). */
int pki_sign(mbedtls_pk_context *key, struct pki_rng *rng, const uint8_t *data, size_t len,
             uint8_t *sig, size_t *ret_sig_len) __attribute__((warn_unused_result));

/* True if sig is a valid ECDSA/SHA-256 signature of data under key. */
bool pki_is_signature_valid(mbedtls_pk_context *key, const uint8_t *data, size_t len,
                            const uint8_t *sig, size_t sig_len);

/* Files. PEM for keys and certificates; 0600 for private keys. */
int pki_key_write_pem(mbedtls_pk_context *key, const char *path)
    __attribute__((warn_unused_result));
int pki_key_read_pem(mbedtls_pk_context *key, const char *path) __attribute__((warn_unused_result));
/* Appends (append=true) or writes one DER certificate as PEM. */
int pki_cert_write_pem(const uint8_t *der, size_t len, const char *path, bool append)
    __attribute__((warn_unused_result));
/* Reads the first certificate of a PEM file as DER. */
int pki_cert_read_der(const char *path, uint8_t *out, size_t cap, size_t *ret_len)
    __attribute__((warn_unused_result));

#endif
