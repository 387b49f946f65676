/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Secure element interface: the device key (P-256) never leaves it, it signs
 * SHA-256 digests; it also holds the pinned portal trust anchors and a wrap
 * key that seals the secrets kept outside it.
 *
 * Two back-ends behind this one interface (docs/bmc.md "Secure element"),
 * chosen by bmc_env.se (the process's configuration, never the state folder):
 *
 * - the file back-end (se-file*.c; simulation and tests) keeps the immutable
 *   factory material in STATE_DIR/se/ (0700): device.key (PEM, 0600),
 *   trust-anchors.pem (0600), wrap.key (32 random bytes, 0600);
 * - the PKCS#11 back-end (se-pkcs11*.c) keeps all of it as objects of a
 *   token: keys generated inside it, sensitive and never extractable.
 *
 * The mutable secrets (SED AK, activation code) live in the atomically
 * written state record (state.h), sealed with se_seal(), so that one write
 * commits them together with the state they belong to; docs/bmc.md explains
 * why.
 *
 * It also keeps what protects that record (see "Integrity of the state
 * record" below): a record MAC key, a counter and a latch. The file back-end
 * writes them as state-mac.key (32 random bytes) and two files allocated at
 * provisioning and only ever overwritten in place, counter and latch (each
 * two 512-byte slots, written alternately, each slot carrying a generation
 * and an HMAC: a torn write leaves the other slot in force).
 */
#ifndef SVCPORT_SE_H
#define SVCPORT_SE_H

#include <limits.h>
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
 * Which secure element (bmc_env.se): NULL, or an empty module, is the file
 * back-end in STATE_DIR/se; otherwise the PKCS#11 token of that label in the
 * module's slots, logged in as the user with the PIN read from pin_file.
 */
struct se_config {
	char module[PATH_MAX];   /* the PKCS#11 module (p11-kit-proxy.so for p11-kit) */
	char token[33];          /* CK_TOKEN_INFO.label, 1..32 bytes */
	char pin_file[PATH_MAX]; /* the user PIN; ours, not readable by group or others */
};

/*
 * Reads a configuration file of key=value lines (module=, token=, pin-file=;
 * '#' comments), all three required, unknown keys refused. The PIN itself is
 * never in it. 0, or -EINVAL/-errno with why in err (may be NULL).
 */
int se_config_load(const char *path, struct se_config *ret_cfg, char *err, size_t err_len)
    __attribute__((warn_unused_result));

/*
 * Why the last failing call of this thread into the SE failed, in one line
 * ("C_Login: CKR_PIN_INCORRECT (0xa0)"), or "" (no detail beyond the errno;
 * se_open() and se_provision() clear it first). Never holds a secret.
 */
const char *se_error(void);

/*
 * Opens the secure element env->se names (state_dir for the file back-end).
 * 0, -ENOENT (not provisioned), -EBADMSG (counter or latch fail their MAC),
 * -EACCES (PIN refused or PIN file not private), -ENODEV (no such token) or
 * -errno/-EINVAL/-EIO.
 */
int se_open(const char *state_dir, const struct bmc_env *env, struct se **ret_se)
    __attribute__((warn_unused_result));
/* NULL is a no-op. Zeroizes the keys it held. */
void se_close(struct se *se);

/*
 * Provisions the secure element env->se names from PEM buffers (the factory
 * files). key_pem, if not NULL, is the device key, a P-256 key, imported
 * (the token keeps it sensitive, not extractable); NULL: the device key is
 * generated inside the SE. The anchors are one or more P-256 CA certificates.
 * Both are checked before anything is written. A new wrap key and record MAC
 * key are generated (by the token, or drawn from env->rng for the file
 * back-end), so every secret sealed before is lost; the counter starts at 0
 * and the latch clear. Replaces what was there, the retired internal CA and
 * link keys of an SE provisioned before issue 16 included (docs/certs.md).
 * 0 or -errno/-EINVAL.
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

/*
 * ECDH P-256 of the device key with peer (an uncompressed point): the shared
 * x-coordinate into z (the caller zeroizes it). What a replacement board opens
 * a secret sealed to its key with (common/pwbox; the manual activation key in a
 * DeviceKeyUpdate). On a token: CKM_ECDH1_DERIVE into a session object read
 * once and destroyed; the device key needs CKA_DERIVE (provisioned since issue
 * 16). 0, -EINVAL (not a P-256 point) or -EIO.
 */
int se_ecdh(struct se *se, const unsigned char peer[SE_PUBKEY_LEN], unsigned char z[32],
            const struct bmc_env *env) __attribute__((warn_unused_result));

/*
 * The SE's private keys, for se_pk_setup(). The internal CA and link keys it
 * drew before issue 16 are retired (bmcd keeps them sealed in the state,
 * docs/certs.md): no longer made, loaded, or named here; an SE that still
 * holds them opens as before.
 */
enum se_key_id {
	SE_KEY_DEVICE, /* the device key (commands' challenges, receipts, CSR) */
	SE_KEY_COUNT,
};

/*
 * The external signer: sets up pk (initialised, empty) as an ECDSA P-256
 * key whose public half is the SE key's and whose signatures the SE makes
 * (C_Sign on a token). Any mbedTLS user of a private key takes it:
 * x509write (certificates, CSRs) and TLS (mbedtls_ssl_conf_own_cert). Only
 * signing and verifying work (no decryption, no check_pair). pk borrows se:
 * free it with mbedtls_pk_free() before se_close(). 0 or -ENOMEM/-EINVAL.
 */
int se_pk_setup(struct se *se, enum se_key_id key, mbedtls_pk_context *pk)
    __attribute__((warn_unused_result));

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
 * On a PKCS#11 token (se-pkcs11*.c, docs/bmc.md): the MAC key is a
 * CKK_GENERIC_SECRET object (sensitive, not extractable) used with
 * CKM_SHA256_HMAC through C_Sign / C_Verify; counter and latch are private
 * CKO_DATA records, replaced (a new object of the next generation, then the
 * old one destroyed) since a data object's value cannot be rewritten. The
 * calls ask nothing a token cannot do: the counter only moves by one, the
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
