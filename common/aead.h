/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * AES-256-GCM with a caller's key and 12-byte IV, for the small boxes the BMC
 * keeps outside its secure element (the SED AK backup file, the automatic backup
 * component; docs/bmc.md). Output is ciphertext || tag (16).
 */
#ifndef SVCPORT_AEAD_H
#define SVCPORT_AEAD_H

#include <stddef.h>
#include <stdint.h>

#define AEAD_KEY_LEN 32
#define AEAD_IV_LEN  12
#define AEAD_TAG_LEN 16

/* out (len + AEAD_TAG_LEN bytes) := AES-256-GCM(key, iv, aad, in) || tag. 0 or -EIO. */
int aead_seal(const uint8_t key[AEAD_KEY_LEN], const uint8_t iv[AEAD_IV_LEN], const uint8_t *aad,
              size_t aad_len, const uint8_t *in, size_t len, uint8_t *out)
    __attribute__((warn_unused_result));
/* Reverse: out (ct_len - AEAD_TAG_LEN bytes). 0, -EBADMSG (another key, AAD or a changed
 * byte: out is then zeroized) or -EINVAL (shorter than a tag). */
int aead_open(const uint8_t key[AEAD_KEY_LEN], const uint8_t iv[AEAD_IV_LEN], const uint8_t *aad,
              size_t aad_len, const uint8_t *ct, size_t ct_len, uint8_t *out)
    __attribute__((warn_unused_result));

#endif
