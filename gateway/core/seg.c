// SPDX-License-Identifier: GPL-2.0-or-later
/* BLE message segmentation (DESIGN §2.1); contract in seg.h. */
#include <errno.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#include "seg.h"

void seg_rx_init(struct seg_rx *rx, uint8_t *buf, size_t cap)
{
	rx->buf = buf;
	rx->cap = cap;
	seg_rx_reset(rx);
}

void seg_rx_reset(struct seg_rx *rx)
{
	rx->len = 0;
	rx->total = 0;
	rx->next_counter = 0;
	rx->in_msg = false;
}

/* Drop the partial message and take the offending segment's counter as the
 * last one seen (DESIGN §2.1), so the link recovers at the next segment. */
static int seg_rx_fail(struct seg_rx *rx, uint8_t counter, int err)
{
	rx->in_msg = false;
	rx->len = 0;
	rx->total = 0;
	rx->next_counter = (uint8_t)((counter + 1) & SEG_COUNTER_MASK);
	return err;
}

int seg_rx_push(struct seg_rx *rx, const uint8_t *seg, size_t len, const uint8_t **ret_msg,
                size_t *ret_len)
{
	if (len < SEG_HDR_LEN)
		return seg_rx_fail(rx, rx->next_counter, -EPROTO);

	uint8_t flags = seg[0];
	uint8_t counter = flags & SEG_COUNTER_MASK;
	bool first = flags & SEG_FIRST;
	bool last = flags & SEG_LAST;
	const uint8_t *data = seg + SEG_HDR_LEN;
	size_t n = len - SEG_HDR_LEN;

	/* Bits 4-5 are reserved: a sender that sets them speaks another protocol. */
	if ((flags & 0x30) || counter != rx->next_counter)
		return seg_rx_fail(rx, counter, -EPROTO);
	if (first == rx->in_msg) /* FIRST inside a message, or a continuation without one */
		return seg_rx_fail(rx, counter, -EPROTO);

	if (first) {
		if (len < SEG_FIRST_HDR_LEN)
			return seg_rx_fail(rx, counter, -EPROTO);
		size_t total = (size_t)seg[1] | (size_t)seg[2] << 8;
		if (total == 0 || total > rx->cap)
			return seg_rx_fail(rx, counter, -EMSGSIZE);
		rx->total = total;
		rx->len = 0;
		rx->in_msg = true;
		data = seg + SEG_FIRST_HDR_LEN;
		n = len - SEG_FIRST_HDR_LEN;
	} else if (n == 0) {
		return seg_rx_fail(rx, counter, -EPROTO);
	}

	if (n > rx->total - rx->len)
		return seg_rx_fail(rx, counter, -EPROTO);
	memcpy(rx->buf + rx->len, data, n);
	rx->len += n;
	rx->next_counter = (uint8_t)((counter + 1) & SEG_COUNTER_MASK);

	if (!last)
		return 0;
	if (rx->len != rx->total)
		return seg_rx_fail(rx, counter, -EPROTO);
	rx->in_msg = false;
	*ret_msg = rx->buf;
	*ret_len = rx->len;
	return 1;
}

void seg_tx_reset(struct seg_tx *tx)
{
	tx->next_counter = 0;
}

size_t seg_count(size_t len, size_t seg_max)
{
	if (seg_max > SEG_MAX_SEGMENT)
		seg_max = SEG_MAX_SEGMENT;
	if (len == 0 || seg_max < SEG_FIRST_HDR_LEN + 1)
		return 0;
	size_t first = seg_max - SEG_FIRST_HDR_LEN;
	if (len <= first)
		return 1;
	size_t rest = seg_max - SEG_HDR_LEN;
	return 1 + (len - first + rest - 1) / rest;
}

int seg_tx_split(struct seg_tx *tx, const uint8_t *msg, size_t len, size_t seg_max,
                 seg_emit_fn emit, void *user_data)
{
	uint8_t seg[SEG_MAX_SEGMENT];

	if (len == 0 || len > 0xffff || seg_max < SEG_FIRST_HDR_LEN + 1)
		return -EINVAL;
	if (seg_max > sizeof(seg))
		seg_max = sizeof(seg);

	size_t off = 0;
	bool first = true;
	while (off < len) {
		size_t hdr = first ? SEG_FIRST_HDR_LEN : SEG_HDR_LEN;
		size_t n = len - off;
		if (n > seg_max - hdr)
			n = seg_max - hdr;
		uint8_t flags = tx->next_counter & SEG_COUNTER_MASK;
		if (first)
			flags |= SEG_FIRST;
		if (off + n == len)
			flags |= SEG_LAST;
		seg[0] = flags;
		if (first) {
			seg[1] = (uint8_t)(len & 0xff);
			seg[2] = (uint8_t)(len >> 8);
		}
		memcpy(seg + hdr, msg + off, n);
		int r = emit(seg, hdr + n, user_data);
		mbedtls_platform_zeroize(seg, hdr + n); /* a message may carry a secret */
		if (r < 0)
			return r;
		tx->next_counter = (uint8_t)((tx->next_counter + 1) & SEG_COUNTER_MASK);
		off += n;
		first = false;
	}
	return 0;
}
