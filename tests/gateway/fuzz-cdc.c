// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * CDC deframing (gateway/cdc-frame.h). The input is fed as a stream in
 * chunks whose sizes come from the input itself (1..143 bytes, like
 * systemd's fuzz-varlink). Invariants: every message is at most the maximum;
 * re-encoding a message and deframing it again yields the same bytes; the
 * deframer's counters only grow.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cdc-frame.h"

#define MAX_MSG 512

static size_t max_msg;

static int check_again(const uint8_t *msg, size_t len, int drop, void *user_data)
{
	const uint8_t *want = user_data;
	if (!msg || memcmp(msg, want, len) != 0)
		abort();
	return -1; /* found: stop (a negative return ends the feed) */
}

static int on_msg(const uint8_t *msg, size_t len, int drop, void *user_data)
{
	if (!msg) {
		if (drop < 0 || drop > 3)
			abort();
		return 0;
	}
	if (len > max_msg)
		abort();
	static uint8_t enc[CDC_FRAME_ENCODED_MAX(MAX_MSG) + 8];
	static uint8_t copy[MAX_MSG];
	memcpy(copy, msg, len);
	long n = cdc_frame_encode(copy, len, enc, sizeof(enc));
	if (n <= 0)
		abort();
	static uint8_t buf[CDC_FRAME_ENCODED_MAX(MAX_MSG)];
	struct cdc_rx rx;
	cdc_rx_init(&rx, buf, sizeof(buf));
	if (cdc_rx_feed(&rx, enc, (size_t)n, check_again, copy) != -1)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[CDC_FRAME_ENCODED_MAX(MAX_MSG)];
	struct cdc_rx rx;
	cdc_rx_init(&rx, buf, sizeof(buf));
	max_msg = cdc_rx_max_message(&rx);
	unsigned long before = 0;
	size_t i = 0;
	while (i < size) {
		size_t chunk = 1 + (size_t)(data[i] % 143);
		if (chunk > size - i)
			chunk = size - i;
		if (cdc_rx_feed(&rx, data + i, chunk, on_msg, NULL) != 0)
			abort();
		unsigned long total =
		    rx.frames_ok + rx.drops[0] + rx.drops[1] + rx.drops[2] + rx.drops[3];
		if (total < before)
			abort();
		before = total;
		i += chunk;
	}
	return 0;
}
