/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Manual activation by phone call (issue 16; docs/manual-activation.md has the reasoning
 * and the numbers). The BMC shows a challenge, the portal administrator types it into the
 * portal and reads back a response, the local administrator types that into the BMC.
 *
 *   K_dev     = HMAC-SHA256(portal master key, "svcport manual-key v2" || len MT || MT ||
 *                           len SN || SN || SHA-256(the board's device public key, the
 *                           65-byte uncompressed point)): bound to the board, so a K_dev
 *                           sealed to any other key opens nothing on this one
 *   challenge = nonce (40 random bits) || expiry (20 bits: the minute since the epoch,
 *               mod 2^20, after which it is refused): 60 bits, 15 characters
 *               (3 groups of 4 and a check character each)
 *   response  = the first 50 bits of HMAC-SHA256(K_dev, "svcport manual v1" || action ||
 *               len org || org || nonce || len MT || MT || len SN || SN || expiry (3 bytes,
 *               big-endian)): 12 characters (2 groups of 5 and a check character each)
 *   receipt   = the first 40 bits of HMAC-SHA256(K_dev, "svcport manual receipt v1" ||
 *               nonce || len MT || MT || len SN || SN || expiry): 10 characters
 *
 * (lengths are one byte). Codes are common/shortcode's: Crockford base32, one GF(32) check
 * character per group, so a mistyped group is named before anything is tried.
 * Both sides use these functions: the portal (host-sim/portal) and bmcd's console.
 * No I/O, no allocation; keys are the caller's and the caller zeroizes them.
 */
#ifndef SVCPORT_MANUAL_CODE_H
#define SVCPORT_MANUAL_CODE_H

#include <stddef.h>
#include <stdint.h>

#define MANUAL_KEY_LEN         32
#define MANUAL_BOARD_HASH_LEN  32 /* SHA-256 of the board's device public key */
#define MANUAL_NONCE_LEN       5  /* 40 bits */
#define MANUAL_EXPIRY_BITS     20
#define MANUAL_TTL_MINUTES     15
#define MANUAL_CHALLENGE_BITS  60
#define MANUAL_CHALLENGE_GROUP 4
#define MANUAL_RESPONSE_BITS   50
#define MANUAL_RESPONSE_GROUP  5
#define MANUAL_RECEIPT_BITS    40
#define MANUAL_RECEIPT_GROUP   4
#define MANUAL_TEXT_MAX        24 /* the longest code printed, with separators and NUL */
#define MANUAL_ID_MAX          255

/* What a challenge carries. expiry < 2^20. */
struct manual_challenge {
	uint8_t nonce[MANUAL_NONCE_LEN];
	uint32_t expiry;
};

/* What a response is bound to besides the challenge (bmcd cannot re-check who asked). */
struct manual_binding {
	uint8_t action;           /* svcport_v1_Action (ACTIVATE) */
	const char *owner_org;    /* the organisation that owns the device */
	const char *machine_type; /* at most MANUAL_ID_MAX bytes each */
	const char *serial_number;
};

/* K_dev of (mt, sn, the board whose device key hashes to board_key_sha256) under the
 * portal's master key. 0, -EINVAL (an id too long) or -EIO. */
int manual_key_derive(const uint8_t *master, size_t master_len, const char *mt, const char *sn,
                      const uint8_t board_key_sha256[MANUAL_BOARD_HASH_LEN],
                      uint8_t ret_key[MANUAL_KEY_LEN]) __attribute__((warn_unused_result));

/* The 20-bit expiry field of a minute since the epoch. */
uint32_t manual_expiry_of(uint64_t minute);
/* The minute since the epoch that an expiry field names: the one nearest now_minute
 * (the field wraps every 2^20 minutes, about two years). */
int64_t manual_expiry_minute(uint32_t expiry, int64_t now_minute);

/* The challenge as text (MANUAL_TEXT_MAX). 0, -EINVAL or -ENOSPC. */
int manual_challenge_encode(const struct manual_challenge *c, char *out, size_t cap)
    __attribute__((warn_unused_result));
/* Reads a typed challenge: 0; -EBADMSG with *ret_bad_group (1..3) for a mistyped group;
 * -EINVAL for anything else that is not a challenge. */
int manual_challenge_decode(const char *text, struct manual_challenge *ret, size_t *ret_bad_group)
    __attribute__((warn_unused_result));

/* The portal's response as text (MANUAL_TEXT_MAX). 0, -EINVAL, -ENOSPC or -EIO. */
int manual_response_make(const uint8_t key[MANUAL_KEY_LEN], const struct manual_binding *bind,
                         const struct manual_challenge *c, char *out, size_t cap)
    __attribute__((warn_unused_result));
/*
 * Reads a typed response without judging it: 0 and the 50 bits into ret_bits (7 bytes);
 * -EBADMSG with *ret_bad_group (1..2) for a mistyped group; -EINVAL otherwise.
 */
int manual_response_read(const char *text, uint8_t ret_bits[7], size_t *ret_bad_group)
    __attribute__((warn_unused_result));
/* 0 if bits (from manual_response_read) are the response for bind and c (compared in
 * constant time); -EACCES if not; -EINVAL or -EIO. */
int manual_response_check(const uint8_t key[MANUAL_KEY_LEN], const struct manual_binding *bind,
                          const struct manual_challenge *c, const uint8_t bits[7])
    __attribute__((warn_unused_result));

/* The BMC's receipt of an activation as text (MANUAL_TEXT_MAX). 0, -EINVAL, -ENOSPC, -EIO. */
int manual_receipt_make(const uint8_t key[MANUAL_KEY_LEN], const struct manual_binding *bind,
                        const struct manual_challenge *c, char *out, size_t cap)
    __attribute__((warn_unused_result));
/* 0 if text is that receipt; -EBADMSG (*ret_bad_group) for a mistyped group; -EACCES if
 * it is not the receipt; -EINVAL or -EIO. */
int manual_receipt_check(const uint8_t key[MANUAL_KEY_LEN], const struct manual_binding *bind,
                         const struct manual_challenge *c, const char *text, size_t *ret_bad_group)
    __attribute__((warn_unused_result));

#endif
