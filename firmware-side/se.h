/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Secure element interface: the device key (P-256) never leaves it, it signs
 * SHA-256 digests; it also holds the pinned portal trust anchors.
 *
 * This file-backed implementation keeps the immutable factory material in
 * STATE_DIR/se/ (0700): device.key (PEM, 0600) and trust-anchors.pem (0600).
 * The mutable secrets (SED AK, device certificate, activation code) live in
 * the atomically written state record (state.h) so that one write commits
 * them together with the state they belong to; docs/bmc.md explains why.
 */
#ifndef SVCPORT_SE_H
#define SVCPORT_SE_H

#include <stdbool.h>
#include <stddef.h>

#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include "bmc-env.h"

#define SE_SIG_MAX    72 /* DER ECDSA P-256 signature */
#define SE_PUBKEY_LEN 65

struct se;

/* Opens the secure element of state_dir. 0, -ENOENT (not provisioned) or -errno/-EINVAL. */
int se_open(const char *state_dir, struct se **ret_se) __attribute__((warn_unused_result));
/* NULL is a no-op. Zeroizes the key. */
void se_close(struct se *se);

/*
 * Provision state_dir/se from PEM buffers (the factory files). The key must be
 * a P-256 key, the anchors one or more P-256 certificates; both are checked
 * before anything is written. Replaces existing files. 0 or -errno/-EINVAL.
 */
int se_provision(const char *state_dir, const unsigned char *key_pem, size_t key_len,
                 const unsigned char *anchors_pem, size_t anchors_len)
    __attribute__((warn_unused_result));

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

/* The pinned roots. Owned by the SE; valid until se_close(). */
mbedtls_x509_crt *se_trust_anchors(struct se *se);

#endif
