/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Secure element interface: the device key (P-256) never leaves it, it signs
 * SHA-256 digests; it also holds the pinned portal trust anchors and a wrap
 * key that seals the secrets kept outside it.
 *
 * This file-backed implementation keeps the immutable factory material in
 * STATE_DIR/se/ (0700): device.key (PEM, 0600), trust-anchors.pem (0600),
 * wrap.key (32 random bytes, 0600), and the keys it draws at provisioning for
 * the device's internal CA and the gateway link: internal-ca.key, link.key
 * (PEM P-256, 0600). The mutable secrets (SED AK, activation
 * code) live in the atomically written state record (state.h), sealed with
 * se_seal(), so that one write commits them together with the state they
 * belong to; docs/bmc.md explains why.
 */
#ifndef SVCPORT_SE_H
#define SVCPORT_SE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include "bmc-env.h"

#define SE_SIG_MAX    72 /* DER ECDSA P-256 signature */
#define SE_PUBKEY_LEN 65

#define SE_WRAP_KEY_LEN   32 /* AES-256 */
#define SE_SEAL_NONCE_LEN 12
#define SE_SEAL_TAG_LEN   16
#define SE_SEAL_OVERHEAD  (SE_SEAL_NONCE_LEN + SE_SEAL_TAG_LEN)

struct se;

/* Opens the secure element of state_dir. 0, -ENOENT (not provisioned) or -errno/-EINVAL. */
int se_open(const char *state_dir, struct se **ret_se) __attribute__((warn_unused_result));
/* NULL is a no-op. Zeroizes the key. */
void se_close(struct se *se);

/*
 * Provision state_dir/se from PEM buffers (the factory files). The key must be
 * a P-256 key, the anchors one or more P-256 certificates; both are checked
 * before anything is written. A new wrap key, internal CA key and link key are
 * drawn from env->rng (so every secret sealed before is lost). Replaces existing files. 0 or
 * -errno/-EINVAL.
 */
int se_provision(const char *state_dir, const unsigned char *key_pem, size_t key_len,
                 const unsigned char *anchors_pem, size_t anchors_len, const struct bmc_env *env)
    __attribute__((warn_unused_result));

/*
 * What a sealed blob is bound to (the additional authenticated data): a purpose
 * label ("sed-ak", "activation-code") and the device identity MT-SN ("" on a
 * blank board). A blob unseals only with the same wrap key (this SE) and the
 * same binding. Strings are NUL-terminated, each at most 64 bytes.
 */
struct se_binding {
	const char *purpose;
	const char *machine_type;
	const char *serial_number;
};

/*
 * AES-256-GCM with the wrap key: out = nonce (12, fresh from env->rng) |
 * ciphertext (len) | tag (16), so cap >= len + SE_SEAL_OVERHEAD. *ret_len is
 * set on success. 0, -ENOSPC, -EINVAL (binding too long) or -EIO.
 */
int se_seal(struct se *se, const struct se_binding *bind, const void *in, size_t len,
            unsigned char *out, size_t cap, size_t *ret_len, const struct bmc_env *env)
    __attribute__((warn_unused_result));
/*
 * Reverse of se_seal(). -EBADMSG if the blob was not sealed by this SE with
 * this binding or was changed (out is then zeroized), -ENOSPC, -EINVAL.
 * The caller zeroizes out after use.
 */
int se_unseal(struct se *se, const struct se_binding *bind, const unsigned char *in, size_t len,
              void *out, size_t cap, size_t *ret_len) __attribute__((warn_unused_result));

/* ECDSA P-256 over SHA-256(data), DER into sig (SE_SIG_MAX bytes). 0 or -EIO. */
int se_sign(struct se *se, const void *data, size_t len, unsigned char *sig, size_t *ret_sig_len,
            const struct bmc_env *env) __attribute__((warn_unused_result));

/* The device public key as an uncompressed point (SE_PUBKEY_LEN bytes). */
void se_public_key(const struct se *se, unsigned char out[SE_PUBKEY_LEN]);
/* SHA-256 of that point: what the board's QR code shows. */
void se_key_sha256(const struct se *se, unsigned char out[32]);

/*
 * A PKCS#10 request for the device key, signed by it (ecdsa-with-SHA256), for
 * an external CA (DESIGN §6). subject like "CN=MT-SN,serialNumber=MT-SN".
 * DER into out; returns its length or -EINVAL/-ENOSPC.
 */
int se_write_csr(struct se *se, const char *subject, unsigned char *out, size_t cap,
                 const struct bmc_env *env) __attribute__((warn_unused_result));

enum se_cert_kind {
	SE_CERT_INTERNAL_CA, /* self-signed by the internal CA key: CA:TRUE pathlen 0 */
	SE_CERT_LINK,        /* the link key's, issued by the internal CA key: CA:FALSE */
};

/*
 * Issues a certificate with the internal CA key (ecdsa-with-SHA256), valid
 * from now_s to 9999-12-31 (no renewal path: RFC 5280 "no expiry"). The CA
 * gets keyUsage keyCertSign|cRLSign; the link certificate digitalSignature
 * and extendedKeyUsage serverAuth. ca_subject names the issuer (and, for the
 * CA, the subject). DER into out; returns its length or -EINVAL/-ENOSPC.
 */
int se_issue_cert(struct se *se, enum se_cert_kind kind, const char *subject,
                  const char *ca_subject, uint64_t now_s, unsigned char *out, size_t cap,
                  const struct bmc_env *env) __attribute__((warn_unused_result));

/* The pinned roots. Owned by the SE; valid until se_close() or se_trust_anchors_set(). */
mbedtls_x509_crt *se_trust_anchors(struct se *se);
/*
 * Replaces the pinned roots in memory by n DER certificates (each P-256 and a
 * CA, as at provisioning; 1 <= n). The durable copy is the caller's (a signed
 * trust update in the state record). 0 or -EINVAL/-ENOMEM, the old set kept.
 */
int se_trust_anchors_set(struct se *se, const unsigned char *const *der, const size_t *len,
                         size_t n) __attribute__((warn_unused_result));

#endif
