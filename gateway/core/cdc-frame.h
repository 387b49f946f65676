/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * USB-CDC framing (DESIGN §2.2): each message travels as
 *   COBS(msg || CRC-32(msg), little endian) 0x00
 * with CRC-32 as zlib's crc32() computes it. I/O-free.
 */
#ifndef SVCPORT_CDC_FRAME_H
#define SVCPORT_CDC_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CDC_CRC_LEN 4

/* Worst-case encoded size of a msg_len-byte message, delimiter included. */
#define CDC_FRAME_ENCODED_MAX(msg_len)                                                             \
	((msg_len) + CDC_CRC_LEN + ((msg_len) + CDC_CRC_LEN) / 254 + 2)

/*
 * Encodes msg into out (out_cap bytes). Returns the encoded length
 * (delimiter included) or -EMSGSIZE when out is too small.
 */
long cdc_frame_encode(const uint8_t *msg, size_t len, uint8_t *out, size_t out_cap)
    __attribute__((warn_unused_result));

/* Why a frame was dropped. */
enum cdc_drop {
	CDC_DROP_CRC,       /* CRC-32 mismatch */
	CDC_DROP_COBS,      /* invalid COBS code sequence */
	CDC_DROP_TOO_LARGE, /* more bytes before 0x00 than the maximum */
	CDC_DROP_SHORT,     /* shorter than the CRC */
};

/* Stream deframer. The caller owns the buffer; no heap memory. */
struct cdc_rx {
	uint8_t *buf;   /* COBS-encoded bytes of the current frame */
	size_t cap;     /* CDC_FRAME_ENCODED_MAX(max message size) */
	size_t max_msg; /* largest message accepted, derived from cap */
	size_t len;
	bool discarding; /* over the maximum: skip to the next 0x00 */
	unsigned long frames_ok;
	unsigned long drops[4]; /* indexed by enum cdc_drop */
};

/* buf of cap bytes holds one encoded frame; cap bounds the message size. */
void cdc_rx_init(struct cdc_rx *rx, uint8_t *buf, size_t cap);

/* Called with each good message (msg valid only during the call, drop == -1),
 * or with msg == NULL and the enum cdc_drop reason for each dropped frame. A negative return
 * stops cdc_rx_feed and is returned by it. */
typedef int (*cdc_msg_fn)(const uint8_t *msg, size_t len, int drop, void *user_data);

/*
 * Feeds stream bytes (any split: one byte at a time or many frames at once).
 * Resynchronises at every 0x00: a bad frame costs only itself. Returns 0 or
 * the callback's negative return.
 */
int cdc_rx_feed(struct cdc_rx *rx, const uint8_t *data, size_t len, cdc_msg_fn cb, void *user_data)
    __attribute__((warn_unused_result));

/* Maximum message length the deframer accepts, from its capacity. */
size_t cdc_rx_max_message(const struct cdc_rx *rx);

#endif
