/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one-time password box (DESIGN §4.7; docs/interfaces.md "One-time password
 * box"): a short secret that only the holder of an ephemeral P-256 key can read.
 * The requester (the maintenance user's phone) makes a key pair and the portal
 * signs its public key into EmergencyPasswordReset; bmcd seals the new password
 * to it with a fresh key of its own:
 *
 *   Z    = x-coordinate of ECDH(device ephemeral, requester public), 32 bytes BE
 *   OKM  = HKDF-SHA256(salt = command nonce, IKM = Z,
 *                      info = "svcport pwbox v1" || requester pub || device pub, 44)
 *   key  = OKM[0..32), iv = OKM[32..44)
 *   AAD  = len(MT) || MT || len(SN) || SN || command nonce   (lengths: one byte)
 *   box  = device pub (65, uncompressed) and AES-256-GCM(key, iv, AAD, secret) || tag(16)
 *
 * Both keys are single-use, so the derived IV never repeats under a key. The
 * same construction is implemented with WebCrypto by web/phone and checked
 * against the vectors of tests/vectors/pwbox-v1.txt.
 */
#ifndef SVCPORT_PWBOX_H
#define SVCPORT_PWBOX_H

#include <stddef.h>
#include <stdint.h>

#define PWBOX_POINT_LEN  65 /* 0x04 || X || Y */
#define PWBOX_SCALAR_LEN 32
#define PWBOX_TAG_LEN    16
#define PWBOX_SECRET_MAX 32

/* What the box is bound to: the device and the command that asked for it. */
struct pwbox_binding {
	const char *machine_type;  /* at most 255 bytes */
	const char *serial_number; /* at most 255 bytes */
	const uint8_t *nonce;      /* the signed command's nonce */
	size_t nonce_len;
};

/* mbedTLS f_rng: fills buf, 0 or an mbedTLS error. Used for keys and blinding. */
typedef int (*pwbox_rng)(void *rng_ctx, unsigned char *buf, size_t len);

/* A new key pair (the requester's). 0 or -EIO. */
int pwbox_keygen(pwbox_rng rng, void *rng_ctx, uint8_t ret_priv[PWBOX_SCALAR_LEN],
                 uint8_t ret_pub[PWBOX_POINT_LEN]) __attribute__((warn_unused_result));

/*
 * Seals secret (len <= PWBOX_SECRET_MAX) to requester_pub with a fresh
 * device key: ret_device_pub and ret_ct (len + PWBOX_TAG_LEN bytes, cap at
 * least that). 0, -EINVAL (not a P-256 point, secret too long, binding too
 * long), -ENOSPC or -EIO.
 */
int pwbox_seal(const uint8_t requester_pub[PWBOX_POINT_LEN], const struct pwbox_binding *bind,
               const char *secret, size_t len, pwbox_rng rng, void *rng_ctx,
               uint8_t ret_device_pub[PWBOX_POINT_LEN], uint8_t *ret_ct, size_t cap,
               size_t *ret_ct_len) __attribute__((warn_unused_result));

/* pwbox_seal with a given device key (the test vectors). */
int pwbox_seal_with_key(const uint8_t requester_pub[PWBOX_POINT_LEN],
                        const struct pwbox_binding *bind, const char *secret, size_t len,
                        const uint8_t device_priv[PWBOX_SCALAR_LEN], pwbox_rng rng, void *rng_ctx,
                        uint8_t ret_device_pub[PWBOX_POINT_LEN], uint8_t *ret_ct, size_t cap,
                        size_t *ret_ct_len) __attribute__((warn_unused_result));

/*
 * Opens a box with the requester's private key: out receives the secret and
 * a NUL (cap > ct_len - PWBOX_TAG_LEN). 0, -EBADMSG (another key, device,
 * command, or a changed byte: out is then zeroized), -EINVAL, -ENOSPC or -EIO.
 */
int pwbox_open(const uint8_t requester_priv[PWBOX_SCALAR_LEN],
               const uint8_t device_pub[PWBOX_POINT_LEN], const struct pwbox_binding *bind,
               const uint8_t *ct, size_t ct_len, pwbox_rng rng, void *rng_ctx, char *out,
               size_t cap) __attribute__((warn_unused_result));

/*
 * pwbox_open with the ECDH done elsewhere, by a key that never leaves its secure
 * element (se_ecdh): z is the x-coordinate of ECDH(requester private, device_pub),
 * requester_pub the requester's own point. Results as pwbox_open.
 */
int pwbox_open_shared(const uint8_t z[PWBOX_SCALAR_LEN],
                      const uint8_t requester_pub[PWBOX_POINT_LEN],
                      const uint8_t device_pub[PWBOX_POINT_LEN], const struct pwbox_binding *bind,
                      const uint8_t *ct, size_t ct_len, char *out, size_t cap)
    __attribute__((warn_unused_result));

#endif
