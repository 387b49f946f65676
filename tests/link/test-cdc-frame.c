// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * USB-CDC framing (DESIGN §2.2): known vectors, split writes of 1..143 bytes
 * (systemd fuzz-varlink style), corruption, oversize and resynchronisation.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <cmocka.h>

#include "cdc-frame.h"

#define MAX_MSG 8192

struct sink {
	uint8_t msgs[8][MAX_MSG];
	size_t lens[8];
	size_t n;
	int drops[4];
	int stop_after; /* return -ECANCELED after this many messages, or 0 */
};

static int sink_cb(const uint8_t *msg, size_t len, int drop, void *user_data)
{
	struct sink *s = user_data;
	if (!msg) {
		assert_in_range(drop, 0, 3);
		s->drops[drop]++;
		return 0;
	}
	assert_int_equal(drop, -1);
	assert_true(s->n < 8);
	memcpy(s->msgs[s->n], msg, len);
	s->lens[s->n++] = len;
	if (s->stop_after && (int)s->n == s->stop_after)
		return -ECANCELED;
	return 0;
}

static uint8_t rx_buf[CDC_FRAME_ENCODED_MAX(MAX_MSG)];

static void rx_setup(struct cdc_rx *rx)
{
	cdc_rx_init(rx, rx_buf, sizeof(rx_buf));
}

/* The bytes on the wire for "\x11\x00\x22": COBS of msg || CRC-32 LE, then 0x00. */
static void encode_known_vector(void **state)
{
	(void)state;
	const uint8_t msg[] = {0x11, 0x00, 0x22};
	uint32_t crc = (uint32_t)crc32(0, msg, sizeof(msg));
	uint8_t raw[7] = {0x11,
	                  0x00,
	                  0x22,
	                  (uint8_t)crc,
	                  (uint8_t)(crc >> 8),
	                  (uint8_t)(crc >> 16),
	                  (uint8_t)(crc >> 24)};
	/* Hand-encode COBS: groups split at each zero (the CRC has none here
	 * unless a byte is zero; check and build accordingly). */
	uint8_t want[16];
	size_t w = 0, code_at = 0;
	want[w++] = 0;
	uint8_t code = 1;
	for (size_t i = 0; i < sizeof(raw); i++) {
		if (raw[i] == 0) {
			want[code_at] = code;
			code_at = w++;
			code = 1;
		} else {
			want[w++] = raw[i];
			code++;
		}
	}
	want[code_at] = code;
	want[w++] = 0;

	uint8_t out[32];
	long n = cdc_frame_encode(msg, sizeof(msg), out, sizeof(out));
	assert_int_equal(n, (long)w);
	assert_memory_equal(out, want, w);
	assert_null(memchr(out, 0, (size_t)n - 1)); /* only the delimiter is zero */
}

/* A run of 254 non-zero bytes fills a COBS block exactly (code 0xff). */
static void encode_block_boundaries(void **state)
{
	(void)state;
	static const size_t lens[] = {1, 249, 250, 251, 253, 254, 255, 508, 1000, MAX_MSG};
	static uint8_t msg[MAX_MSG], out[CDC_FRAME_ENCODED_MAX(MAX_MSG)];
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		memset(msg, 0xa5, lens[i]);
		long n = cdc_frame_encode(msg, lens[i], out, sizeof(out));
		assert_true(n > 0);
		assert_true((size_t)n <= CDC_FRAME_ENCODED_MAX(lens[i]));
		struct cdc_rx rx;
		struct sink *s = calloc(1, sizeof(*s));
		rx_setup(&rx);
		assert_int_equal(cdc_rx_feed(&rx, out, (size_t)n, sink_cb, s), 0);
		assert_int_equal(s->n, 1);
		assert_int_equal(s->lens[0], lens[i]);
		assert_memory_equal(s->msgs[0], msg, lens[i]);
		free(s);
	}
}

/* An output buffer one byte short is refused, never overrun. */
static void encode_output_too_small(void **state)
{
	(void)state;
	uint8_t msg[300], out[400];
	memset(msg, 0, sizeof(msg));
	long n = cdc_frame_encode(msg, sizeof(msg), out, sizeof(out));
	assert_true(n > 0);
	assert_int_equal(cdc_frame_encode(msg, sizeof(msg), out, (size_t)n - 1), -EMSGSIZE);
	assert_int_equal(cdc_frame_encode(msg, 0, out, 1), -EMSGSIZE);
}

static uint64_t rng_state = 42;

static uint32_t rnd(void)
{
	rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(rng_state >> 33);
}

/* Frames arrive in random short writes of 1..143 bytes and still decode. */
static void rx_split_writes(void **state)
{
	(void)state;
	static uint8_t stream[4 * CDC_FRAME_ENCODED_MAX(MAX_MSG)];
	static uint8_t msgs[4][MAX_MSG];
	static const size_t lens[4] = {1, 200, 3000, MAX_MSG};
	for (int round = 0; round < 20; round++) {
		size_t total = 0;
		for (int m = 0; m < 4; m++) {
			for (size_t i = 0; i < lens[m]; i++)
				msgs[m][i] = (uint8_t)(rnd() % 4 ? rnd() : 0); /* many zeros */
			long n = cdc_frame_encode(msgs[m], lens[m], stream + total,
			                          sizeof(stream) - total);
			assert_true(n > 0);
			total += (size_t)n;
		}
		struct cdc_rx rx;
		struct sink *s = calloc(1, sizeof(*s));
		rx_setup(&rx);
		for (size_t off = 0; off < total;) {
			size_t k = 1 + rnd() % 143;
			if (k > total - off)
				k = total - off;
			assert_int_equal(cdc_rx_feed(&rx, stream + off, k, sink_cb, s), 0);
			off += k;
		}
		assert_int_equal(s->n, 4);
		for (int m = 0; m < 4; m++) {
			assert_int_equal(s->lens[m], lens[m]);
			assert_memory_equal(s->msgs[m], msgs[m], lens[m]);
		}
		assert_int_equal(rx.frames_ok, 4);
		free(s);
	}
}

/* One flipped bit costs exactly its own frame: the CRC (or COBS) catches it,
 * and the receiver resynchronises at the next 0x00. */
static void rx_corruption_costs_one_frame(void **state)
{
	(void)state;
	uint8_t stream[3 * 64];
	const uint8_t a[] = "first", b[] = "second", c[] = "third";
	size_t total = 0;
	const uint8_t *m[3] = {a, b, c};
	size_t ml[3] = {sizeof(a), sizeof(b), sizeof(c)};
	size_t start_b = 0, len_b = 0;
	for (int i = 0; i < 3; i++) {
		long n = cdc_frame_encode(m[i], ml[i], stream + total, sizeof(stream) - total);
		assert_true(n > 0);
		if (i == 1) {
			start_b = total;
			len_b = (size_t)n;
		}
		total += (size_t)n;
	}
	for (size_t bit = 0; bit < (len_b - 1) * 8; bit++) {
		uint8_t copy[sizeof(stream)];
		memcpy(copy, stream, total);
		copy[start_b + bit / 8] ^= (uint8_t)(1u << (bit % 8));
		struct cdc_rx rx;
		struct sink *s = calloc(1, sizeof(*s));
		rx_setup(&rx);
		assert_int_equal(cdc_rx_feed(&rx, copy, total, sink_cb, s), 0);
		/* "first" and "third" always survive; "second" never passes. A
		 * flip that makes a byte zero splits b into two bad frames. */
		assert_int_equal(s->n, 2);
		assert_memory_equal(s->msgs[0], a, sizeof(a));
		assert_memory_equal(s->msgs[1], c, sizeof(c));
		int dropped =
		    s->drops[CDC_DROP_CRC] + s->drops[CDC_DROP_COBS] + s->drops[CDC_DROP_SHORT];
		assert_in_range(dropped, 1, 2);
		free(s);
	}
}

/* A frame over the maximum is skipped to the next 0x00 and counted. */
static void rx_over_maximum(void **state)
{
	(void)state;
	static uint8_t big[MAX_MSG + 1], out[CDC_FRAME_ENCODED_MAX(MAX_MSG + 1) + 32];
	memset(big, 0x5a, sizeof(big));
	long n = cdc_frame_encode(big, sizeof(big), out, sizeof(out));
	assert_true(n > 0);
	long m = cdc_frame_encode((const uint8_t *)"ok", 2, out + n, sizeof(out) - (size_t)n);
	assert_true(m > 0);

	struct cdc_rx rx;
	struct sink *s = calloc(1, sizeof(*s));
	rx_setup(&rx);
	assert_true(cdc_rx_max_message(&rx) >= MAX_MSG);
	/* Our buffer is sized for MAX_MSG; MAX_MSG + 1 may still fit its worst
	 * case, so check against the computed maximum. */
	size_t max = cdc_rx_max_message(&rx);
	assert_int_equal(cdc_rx_feed(&rx, out, (size_t)(n + m), sink_cb, s), 0);
	if (sizeof(big) > max)
		assert_int_equal(s->drops[CDC_DROP_TOO_LARGE], 1);
	assert_memory_equal(s->msgs[s->n - 1], "ok", 2);
	free(s);

	/* With a small buffer, a long run without 0x00 is discarded as a whole. */
	uint8_t small[16];
	cdc_rx_init(&rx, small, sizeof(small));
	s = calloc(1, sizeof(*s));
	uint8_t junk[100];
	memset(junk, 0x33, sizeof(junk));
	assert_int_equal(cdc_rx_feed(&rx, junk, sizeof(junk), sink_cb, s), 0);
	assert_int_equal(cdc_rx_feed(&rx, (const uint8_t[]){0}, 1, sink_cb, s), 0);
	assert_int_equal(s->drops[CDC_DROP_TOO_LARGE], 1);
	assert_int_equal(rx.drops[CDC_DROP_TOO_LARGE], 1);
	long k = cdc_frame_encode((const uint8_t *)"hi", 2, out, sizeof(out));
	assert_int_equal(cdc_rx_feed(&rx, out, (size_t)k, sink_cb, s), 0);
	assert_int_equal(s->n, 1);
	free(s);
}

/* Idle delimiters are not frames; fewer than CRC + 1 bytes are SHORT; a COBS
 * code pointing past the frame is a COBS error. */
static void rx_short_and_bad_cobs(void **state)
{
	(void)state;
	struct cdc_rx rx;
	struct sink *s = calloc(1, sizeof(*s));
	rx_setup(&rx);
	assert_int_equal(cdc_rx_feed(&rx, (const uint8_t[]){0, 0, 0}, 3, sink_cb, s), 0);
	assert_int_equal(s->n + s->drops[0] + s->drops[1] + s->drops[2] + s->drops[3], 0);
	assert_int_equal(cdc_rx_feed(&rx, (const uint8_t[]){0x03, 1, 2, 0}, 4, sink_cb, s), 0);
	assert_int_equal(s->drops[CDC_DROP_SHORT], 1);
	assert_int_equal(cdc_rx_feed(&rx, (const uint8_t[]){0x09, 1, 2, 0}, 4, sink_cb, s), 0);
	assert_int_equal(s->drops[CDC_DROP_COBS], 1);
	free(s);
}

/* The callback's error stops the feed and is returned. */
static void rx_callback_error_stops(void **state)
{
	(void)state;
	uint8_t stream[64];
	long a = cdc_frame_encode((const uint8_t *)"a", 1, stream, sizeof(stream));
	long b = cdc_frame_encode((const uint8_t *)"b", 1, stream + a, sizeof(stream) - (size_t)a);
	struct cdc_rx rx;
	struct sink *s = calloc(1, sizeof(*s));
	s->stop_after = 1;
	rx_setup(&rx);
	assert_int_equal(cdc_rx_feed(&rx, stream, (size_t)(a + b), sink_cb, s), -ECANCELED);
	assert_int_equal(s->n, 1);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(encode_known_vector),
	    cmocka_unit_test(encode_block_boundaries),
	    cmocka_unit_test(encode_output_too_small),
	    cmocka_unit_test(rx_split_writes),
	    cmocka_unit_test(rx_corruption_costs_one_frame),
	    cmocka_unit_test(rx_over_maximum),
	    cmocka_unit_test(rx_short_and_bad_cobs),
	    cmocka_unit_test(rx_callback_error_stops),
	};
	return cmocka_run_group_tests_name("cdc-frame", tests, NULL, NULL);
}
