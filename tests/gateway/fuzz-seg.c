// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Segment reassembly (gateway/seg.h). Input: a sequence of segments, each
 * [len byte][len bytes]. Invariants checked: push returns only 1, 0, -EPROTO
 * or -EMSGSIZE; a whole message never exceeds cap and lies in the buffer;
 * after an error the next segment with counter + 1 is accepted as a start;
 * every whole message splits and reassembles to the same bytes.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "seg.h"

#define CAP 1024

struct collect {
	struct seg_rx *rx;
	int last;
};

static int emit(const uint8_t *seg, size_t len, void *user_data)
{
	struct collect *c = user_data;
	const uint8_t *msg;
	size_t mlen;
	c->last = seg_rx_push(c->rx, seg, len, &msg, &mlen);
	return c->last < 0 ? c->last : 0;
}

static void roundtrip(const uint8_t *msg, size_t len, size_t seg_max)
{
	static uint8_t buf[CAP];
	static uint8_t copy[CAP];
	struct seg_rx rx;
	struct seg_tx tx;
	memcpy(copy, msg, len); /* msg points into the fuzzed reassembler's buffer */
	seg_rx_init(&rx, buf, CAP);
	seg_tx_reset(&tx);
	struct collect c = {.rx = &rx, .last = 0};
	if (seg_tx_split(&tx, copy, len, seg_max, emit, &c) != 0 || c.last != 1)
		abort();
	if (rx.len != len || memcmp(rx.buf, copy, len) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[CAP];
	struct seg_rx rx;
	seg_rx_init(&rx, buf, CAP);
	size_t i = 0;
	while (i < size) {
		size_t len = data[i++];
		if (len > size - i)
			len = size - i;
		const uint8_t *msg = NULL;
		size_t mlen = 0;
		int r = seg_rx_push(&rx, data + i, len, &msg, &mlen);
		if (r == 1) {
			if (!msg || mlen == 0 || mlen > CAP || msg < buf || msg + mlen > buf + CAP)
				abort();
			roundtrip(msg, mlen, 4 + (data[0] % 200));
		} else if (r != 0 && r != -EPROTO && r != -EMSGSIZE) {
			abort();
		}
		if (r < 0 && len > 0) {
			/* One bad segment never wedges the link: a one-segment message
			 * with the next counter is accepted. */
			uint8_t ok[4] = {(uint8_t)(SEG_FIRST | SEG_LAST | ((data[i] + 1) & 0x0f)),
			                 1, 0, 0x5a};
			struct seg_rx probe = rx;
			if (seg_rx_push(&probe, ok, sizeof(ok), &msg, &mlen) != 1 || mlen != 1)
				abort();
		}
		i += len;
	}
	return 0;
}
