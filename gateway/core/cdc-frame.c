// SPDX-License-Identifier: GPL-2.0-or-later
/* USB-CDC framing: COBS(msg || CRC-32 LE) 0x00 (DESIGN §2.2); contract in cdc-frame.h. */
#include <errno.h>
#include <string.h>
#include <zlib.h>

#include "cdc-frame.h"

static uint32_t cdc_crc32(const uint8_t *p, size_t len)
{
	return (uint32_t)crc32(crc32(0L, Z_NULL, 0), p, (uInt)len);
}

/* COBS-encodes one more byte; *code_at is where the current block's code goes. */
struct cobs_enc {
	uint8_t *out;
	size_t cap, len, code_at;
	uint8_t code;
	bool overflow;
};

static void cobs_enc_start(struct cobs_enc *e, uint8_t *out, size_t cap)
{
	*e = (struct cobs_enc){.out = out, .cap = cap, .len = 1, .code_at = 0, .code = 1};
	e->overflow = cap < 1;
}

static void cobs_enc_put(struct cobs_enc *e, uint8_t b)
{
	if (e->overflow)
		return;
	if (b != 0) {
		if (e->len >= e->cap) {
			e->overflow = true;
			return;
		}
		e->out[e->len++] = b;
		e->code++;
	}
	if (b == 0 || e->code == 0xff) {
		e->out[e->code_at] = e->code;
		if (e->len >= e->cap) {
			e->overflow = true;
			return;
		}
		e->code_at = e->len++;
		e->code = 1;
	}
}

long cdc_frame_encode(const uint8_t *msg, size_t len, uint8_t *out, size_t out_cap)
{
	uint32_t crc = cdc_crc32(msg, len);
	uint8_t crc_le[CDC_CRC_LEN] = {(uint8_t)crc, (uint8_t)(crc >> 8), (uint8_t)(crc >> 16),
	                               (uint8_t)(crc >> 24)};
	struct cobs_enc e;

	cobs_enc_start(&e, out, out_cap);
	for (size_t i = 0; i < len; i++)
		cobs_enc_put(&e, msg[i]);
	for (size_t i = 0; i < CDC_CRC_LEN; i++)
		cobs_enc_put(&e, crc_le[i]);
	if (e.overflow || e.len >= out_cap)
		return -EMSGSIZE;
	e.out[e.code_at] = e.code;
	out[e.len++] = 0x00;
	return (long)e.len;
}

/* Decodes COBS in place (the output never overtakes the input). Returns the
 * decoded length or -EBADMSG for a code that points past the frame or a zero
 * byte inside it. */
static long cobs_decode_in_place(uint8_t *buf, size_t len)
{
	size_t in = 0, out = 0;

	while (in < len) {
		uint8_t code = buf[in++];
		if (code == 0 || in + code - 1 > len)
			return -EBADMSG;
		for (uint8_t i = 1; i < code; i++) {
			if (buf[in] == 0)
				return -EBADMSG;
			buf[out++] = buf[in++];
		}
		/* A block shorter than 254 data bytes ends in an encoded zero,
		 * except at the very end of the frame. */
		if (code != 0xff && in < len)
			buf[out++] = 0;
	}
	return (long)out;
}

void cdc_rx_init(struct cdc_rx *rx, uint8_t *buf, size_t cap)
{
	memset(rx, 0, sizeof(*rx));
	rx->buf = buf;
	rx->cap = cap;
	/* Largest m whose worst-case encoding (less the delimiter) fits cap. */
	size_t m = cap;
	while (m > 0 && CDC_FRAME_ENCODED_MAX(m) - 1 > cap)
		m--;
	rx->max_msg = m;
}

size_t cdc_rx_max_message(const struct cdc_rx *rx)
{
	return rx->max_msg;
}

static int cdc_rx_drop(struct cdc_rx *rx, enum cdc_drop why, cdc_msg_fn cb, void *user_data)
{
	rx->drops[why]++;
	return cb(NULL, 0, (int)why, user_data);
}

static int cdc_rx_frame_end(struct cdc_rx *rx, cdc_msg_fn cb, void *user_data)
{
	size_t len = rx->len;
	bool discarding = rx->discarding;

	rx->len = 0;
	rx->discarding = false;
	if (discarding)
		return cdc_rx_drop(rx, CDC_DROP_TOO_LARGE, cb, user_data);
	if (len == 0) /* back-to-back delimiters: idle fill, not a frame */
		return 0;

	long n = cobs_decode_in_place(rx->buf, len);
	if (n < 0)
		return cdc_rx_drop(rx, CDC_DROP_COBS, cb, user_data);
	if (n < CDC_CRC_LEN + 1)
		return cdc_rx_drop(rx, CDC_DROP_SHORT, cb, user_data);

	size_t msg_len = (size_t)n - CDC_CRC_LEN;
	if (msg_len > rx->max_msg)
		return cdc_rx_drop(rx, CDC_DROP_TOO_LARGE, cb, user_data);
	const uint8_t *c = rx->buf + msg_len;
	uint32_t want =
	    (uint32_t)c[0] | (uint32_t)c[1] << 8 | (uint32_t)c[2] << 16 | (uint32_t)c[3] << 24;
	if (cdc_crc32(rx->buf, msg_len) != want)
		return cdc_rx_drop(rx, CDC_DROP_CRC, cb, user_data);
	rx->frames_ok++;
	return cb(rx->buf, msg_len, -1, user_data);
}

int cdc_rx_feed(struct cdc_rx *rx, const uint8_t *data, size_t len, cdc_msg_fn cb, void *user_data)
{
	for (size_t i = 0; i < len; i++) {
		uint8_t b = data[i];
		if (b == 0x00) {
			int r = cdc_rx_frame_end(rx, cb, user_data);
			if (r < 0)
				return r;
			continue;
		}
		if (rx->discarding)
			continue;
		if (rx->len == rx->cap) {
			rx->discarding = true; /* skip to the next 0x00 */
			continue;
		}
		rx->buf[rx->len++] = b;
	}
	return 0;
}
