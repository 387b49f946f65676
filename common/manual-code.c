/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Manual activation codes: the key derivation, challenge, response, receipt (manual-code.h). */
#include "manual-code.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <mbedtls/md.h>
#include <mbedtls/platform_util.h>

#include "shortcode.h"

#define LABEL_KEY     "svcport manual-key v2"
#define LABEL_MAC     "svcport manual v1"
#define LABEL_RECEIPT "svcport manual receipt v1"
#define EXPIRY_MASK   ((1u << MANUAL_EXPIRY_BITS) - 1u)
#define MSG_MAX       (32 + 1 + 1 + MANUAL_ID_MAX + MANUAL_NONCE_LEN + 2 * (1 + MANUAL_ID_MAX) + 3)

/* A message of length-prefixed fields, as the header spells it. */
struct msg {
	uint8_t b[MSG_MAX];
	size_t len;
	bool bad;
};

static void put(struct msg *m, const void *p, size_t n)
{
	if (m->bad || n > sizeof(m->b) - m->len) {
		m->bad = true;
		return;
	}
	memcpy(m->b + m->len, p, n);
	m->len += n;
}

static void put_str(struct msg *m, const char *s)
{
	const size_t n = s ? strnlen(s, MANUAL_ID_MAX + 1) : MANUAL_ID_MAX + 1;
	const uint8_t l = (uint8_t)n;

	if (n > MANUAL_ID_MAX) {
		m->bad = true;
		return;
	}
	put(m, &l, 1);
	put(m, s, n);
}

static void put_expiry(struct msg *m, uint32_t e)
{
	const uint8_t b[3] = {(uint8_t)(e >> 16), (uint8_t)(e >> 8), (uint8_t)e};

	put(m, b, sizeof(b));
}

static int hmac(const uint8_t *key, size_t key_len, struct msg *m, uint8_t out[32])
{
	const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
	int ret = m->bad ? -EINVAL : 0;

	if (ret == 0 && mbedtls_md_hmac(md, key, key_len, m->b, m->len, out) != 0)
		ret = -EIO;
	mbedtls_platform_zeroize(m, sizeof(*m));
	return ret;
}

static bool is_equal_ct(const uint8_t *a, const uint8_t *b, size_t n)
{
	uint8_t d = 0;

	for (size_t i = 0; i < n; i++)
		d |= a[i] ^ b[i];
	return d == 0;
}

int manual_key_derive(const uint8_t *master, size_t master_len, const char *mt, const char *sn,
                      const uint8_t board_key_sha256[MANUAL_BOARD_HASH_LEN],
                      uint8_t ret_key[MANUAL_KEY_LEN])
{
	struct msg m = {.len = 0};

	put(&m, LABEL_KEY, strlen(LABEL_KEY));
	put_str(&m, mt);
	put_str(&m, sn);
	put(&m, board_key_sha256, MANUAL_BOARD_HASH_LEN);
	return hmac(master, master_len, &m, ret_key);
}

uint32_t manual_expiry_of(uint64_t minute)
{
	return (uint32_t)(minute & EXPIRY_MASK);
}

int64_t manual_expiry_minute(uint32_t expiry, int64_t now_minute)
{
	const int64_t span = (int64_t)1 << MANUAL_EXPIRY_BITS;
	int64_t delta = ((int64_t)(expiry & EXPIRY_MASK) - (now_minute & (span - 1))) & (span - 1);

	if (delta >= span / 2)
		delta -= span;
	return now_minute + delta;
}

int manual_challenge_encode(const struct manual_challenge *c, char *out, size_t cap)
{
	uint8_t b[8];

	if (c->expiry > EXPIRY_MASK)
		return -EINVAL;
	memcpy(b, c->nonce, MANUAL_NONCE_LEN);
	b[5] = (uint8_t)(c->expiry >> 12);
	b[6] = (uint8_t)(c->expiry >> 4);
	b[7] = (uint8_t)(c->expiry << 4);
	return shortcode_encode(b, MANUAL_CHALLENGE_BITS, MANUAL_CHALLENGE_GROUP, out, cap);
}

int manual_challenge_decode(const char *text, struct manual_challenge *ret, size_t *ret_bad_group)
{
	uint8_t b[8];
	int r =
	    shortcode_decode(text, MANUAL_CHALLENGE_BITS, MANUAL_CHALLENGE_GROUP, b, ret_bad_group);

	if (r < 0)
		return r;
	memcpy(ret->nonce, b, MANUAL_NONCE_LEN);
	ret->expiry = ((uint32_t)b[5] << 12) | ((uint32_t)b[6] << 4) | ((uint32_t)b[7] >> 4);
	return 0;
}

static int response_bits(const uint8_t key[MANUAL_KEY_LEN], const struct manual_binding *bind,
                         const struct manual_challenge *c, uint8_t out[32])
{
	struct msg m = {.len = 0};

	put(&m, LABEL_MAC, strlen(LABEL_MAC));
	put(&m, &bind->action, 1);
	put_str(&m, bind->owner_org);
	put(&m, c->nonce, MANUAL_NONCE_LEN);
	put_str(&m, bind->machine_type);
	put_str(&m, bind->serial_number);
	put_expiry(&m, c->expiry);
	return hmac(key, MANUAL_KEY_LEN, &m, out);
}

/* The first `bits` bits of mac, the rest of the last byte cleared (as shortcode reads). */
static void truncate_bits(uint8_t *mac, size_t bits)
{
	const size_t n = (bits + 7) / 8;

	if (bits % 8)
		mac[n - 1] &= (uint8_t)(0xffu << (8 - bits % 8));
	mbedtls_platform_zeroize(mac + n, 32 - n);
}

typedef int (*bits_fn)(const uint8_t key[MANUAL_KEY_LEN], const struct manual_binding *bind,
                       const struct manual_challenge *c, uint8_t out[32]);

/* A MAC of fn, its first `bits` bits printed in groups of `group`. */
static int code_make(bits_fn fn, size_t bits, size_t group, const uint8_t key[MANUAL_KEY_LEN],
                     const struct manual_binding *bind, const struct manual_challenge *c, char *out,
                     size_t cap)
{
	uint8_t mac[32];
	int ret = fn(key, bind, c, mac);

	if (ret == 0)
		ret = shortcode_encode(mac, bits, group, out, cap);
	mbedtls_platform_zeroize(mac, sizeof(mac));
	return ret;
}

int manual_response_make(const uint8_t key[MANUAL_KEY_LEN], const struct manual_binding *bind,
                         const struct manual_challenge *c, char *out, size_t cap)
{
	return code_make(response_bits, MANUAL_RESPONSE_BITS, MANUAL_RESPONSE_GROUP, key, bind, c,
	                 out, cap);
}

int manual_response_read(const char *text, uint8_t ret_bits[7], size_t *ret_bad_group)
{
	return shortcode_decode(text, MANUAL_RESPONSE_BITS, MANUAL_RESPONSE_GROUP, ret_bits,
	                        ret_bad_group);
}

int manual_response_check(const uint8_t key[MANUAL_KEY_LEN], const struct manual_binding *bind,
                          const struct manual_challenge *c, const uint8_t bits[7])
{
	uint8_t mac[32];
	int ret = response_bits(key, bind, c, mac);

	if (ret == 0) {
		truncate_bits(mac, MANUAL_RESPONSE_BITS);
		ret = is_equal_ct(mac, bits, 7) ? 0 : -EACCES;
	}
	mbedtls_platform_zeroize(mac, sizeof(mac));
	return ret;
}

static int receipt_bits(const uint8_t key[MANUAL_KEY_LEN], const struct manual_binding *bind,
                        const struct manual_challenge *c, uint8_t out[32])
{
	struct msg m = {.len = 0};

	put(&m, LABEL_RECEIPT, strlen(LABEL_RECEIPT));
	put(&m, c->nonce, MANUAL_NONCE_LEN);
	put_str(&m, bind->machine_type);
	put_str(&m, bind->serial_number);
	put_expiry(&m, c->expiry);
	return hmac(key, MANUAL_KEY_LEN, &m, out);
}

int manual_receipt_make(const uint8_t key[MANUAL_KEY_LEN], const struct manual_binding *bind,
                        const struct manual_challenge *c, char *out, size_t cap)
{
	return code_make(receipt_bits, MANUAL_RECEIPT_BITS, MANUAL_RECEIPT_GROUP, key, bind, c, out,
	                 cap);
}

int manual_receipt_check(const uint8_t key[MANUAL_KEY_LEN], const struct manual_binding *bind,
                         const struct manual_challenge *c, const char *text, size_t *ret_bad_group)
{
	uint8_t mac[32], typed[MANUAL_RECEIPT_BITS / 8];
	int ret =
	    shortcode_decode(text, MANUAL_RECEIPT_BITS, MANUAL_RECEIPT_GROUP, typed, ret_bad_group);

	if (ret == 0)
		ret = receipt_bits(key, bind, c, mac);
	if (ret == 0)
		ret = is_equal_ct(mac, typed, sizeof(typed)) ? 0 : -EACCES;
	mbedtls_platform_zeroize(mac, sizeof(mac));
	return ret;
}
