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
 *
 * It also keeps what protects that record (see "Integrity of the state
 * record" below): state-mac.key (32 random bytes), and two files allocated
 * at provisioning and only ever overwritten in place, counter and latch
 * (each two 512-byte slots, written alternately, each slot carrying a
 * generation and an HMAC: a torn write leaves the other slot in force).
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

/*
 * Opens the secure element of state_dir. 0, -ENOENT (not provisioned),
 * -EBADMSG (counter or latch fail their MAC) or -errno/-EINVAL.
 */
int se_open(const char *state_dir, struct se **ret_se) __attribute__((warn_unused_result));
/* NULL is a no-op. Zeroizes the key. */
void se_close(struct se *se);

/*
 * Provision state_dir/se from PEM buffers (the factory files). The key must be
 * a P-256 key, the anchors one or more P-256 certificates; both are checked
 * before anything is written. A new wrap key, internal CA key, link key and
 * record MAC key are drawn from env->rng (so every secret sealed before is
 * lost); the counter starts at 0 and the latch clear. Replaces existing
 * files. 0 or -errno/-EINVAL.
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

/*
 * ---- Integrity of the state record (DESIGN §4.6, docs/bmc.md) ----
 *
 * The state record lives in ordinary files; three things in the SE keep it
 * honest. Every call is durable when it returns 0; on failure nothing that a
 * later call can see has changed.
 *
 * - A MAC key: HMAC-SHA256, drawn at provisioning, never leaves the SE. The
 *   core authenticates each record with it.
 * - A counter: 64 bits, 0 at provisioning, never lowered. A commit writes the
 *   record with N+1, then raises the counter to N+1; a load accepts N or N+1.
 * - A latch: a fixed-size record the core sets when a transition that reduces
 *   access cannot be stored, and clears once it is. It is allocated at
 *   provisioning and overwritten in place: a full disk cannot stop it.
 *
 * For a PKCS#11 back-end (docs/bmc.md): the MAC key is a CKK_GENERIC_SECRET
 * object (CKA_SIGN, CKA_VERIFY, CKA_SENSITIVE, not CKA_EXTRACTABLE) used with
 * CKM_SHA256_HMAC through C_Sign / C_Verify; counter and latch are token
 * CKO_DATA objects (CKA_TOKEN, CKA_PRIVATE, CKA_MODIFIABLE) created at
 * provisioning with their full size and rewritten with C_SetAttributeValue.
 * The calls ask nothing a token cannot do: the counter only moves by one, the
 * latch has a fixed encoding (SE_LATCH_LEN bytes).
 */
#define SE_MAC_LEN   32
#define SE_LATCH_LEN 24 /* flags (4) | reserved (4) | counter (8) | trust_sequence (8), LE */

/* HMAC-SHA256 of data with the SE's record key. 0 or -EIO. */
int se_mac(struct se *se, const void *data, size_t len, unsigned char out[SE_MAC_LEN])
    __attribute__((warn_unused_result));
/* Checks mac (constant time). 0, -EBADMSG (does not match) or -EIO. */
int se_mac_verify(struct se *se, const void *data, size_t len, const unsigned char mac[SE_MAC_LEN])
    __attribute__((warn_unused_result));

/* The counter's value. 0 or -EIO. */
int se_counter_get(struct se *se, uint64_t *ret_value) __attribute__((warn_unused_result));
/*
 * Raises the counter to value, which must be its value (nothing to do) or
 * that plus one: -ERANGE otherwise, nothing changed. 0 or -errno.
 */
int se_counter_raise(struct se *se, uint64_t value) __attribute__((warn_unused_result));

/*
 * The latch. The SE stores it and gives it back; what it means is the core's
 * (board.h): flags == 0 is a clear latch, whatever the other fields hold.
 */
struct se_latch {
	uint32_t flags;          /* what must hold (the core's BMC_LATCH_* bits) */
	uint64_t counter;        /* the state record it was set over: later ones hold it */
	uint64_t trust_sequence; /* with a trust update among the flags: its sequence */
};

/* The latch as last put (all zero after provisioning). 0 or -EIO. */
int se_latch_get(struct se *se, struct se_latch *ret_latch) __attribute__((warn_unused_result));
/* Overwrites the latch in place. 0 or -errno (the previous latch then stands). */
int se_latch_put(struct se *se, const struct se_latch *latch) __attribute__((warn_unused_result));

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
