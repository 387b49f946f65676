/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * BLE message segmentation (DESIGN §2.1). I/O-free: bytes in, bytes out.
 *
 * Each RX write / TX notification value is one segment:
 *   byte 0    flags: 0x80 FIRST | 0x40 LAST | low 4 bits segment counter
 *             (mod 16, per direction, per connection, first segment 0)
 *   bytes 1-2 FIRST segment only: total message length, little endian
 *   then      message bytes, at most ATT_MTU - 3 - header
 */
#ifndef SVCPORT_SEG_H
#define SVCPORT_SEG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SEG_FIRST         0x80
#define SEG_LAST          0x40
#define SEG_COUNTER_MASK  0x0f
#define SEG_FIRST_HDR_LEN 3
#define SEG_HDR_LEN       1
#define SEG_DEFAULT_MAX   8192 /* default maximum message size, bytes */
/* Largest segment: an attribute value is at most 512 bytes (Core Vol 3 Part F
 * 3.2.9), so ATT_MTU 515..517 still carry 512-byte segments. */
#define SEG_MAX_SEGMENT 512

/* Reassembler. The caller owns the buffer; the struct holds no heap memory. */
struct seg_rx {
	uint8_t *buf;
	size_t cap;   /* maximum message size accepted */
	size_t len;   /* bytes collected of the current message */
	size_t total; /* announced length of the current message */
	uint8_t next_counter;
	bool in_msg;
};

/* Prepares rx to reassemble messages of at most cap bytes into buf. */
void seg_rx_init(struct seg_rx *rx, uint8_t *buf, size_t cap);

/* Forgets any partial message and restarts the counter at 0 (new connection). */
void seg_rx_reset(struct seg_rx *rx);

/*
 * Takes one segment. Returns:
 *   1           a whole message is ready: *ret_msg and *ret_len point into the
 *               reassembly buffer and stay valid until the next push;
 *   0           more segments are needed;
 *   -EPROTO     wrong counter, missing FIRST, FIRST inside a message, empty
 *               segment, or more/fewer bytes than announced;
 *   -EMSGSIZE   the announced length is 0 or over cap.
 * On an error the partial message is dropped and the offending segment's
 * counter becomes the last one seen, so the next segment must carry that
 * counter + 1: one bad segment never wedges the link.
 * ret_msg and ret_len are left untouched unless 1 is returned.
 */
int seg_rx_push(struct seg_rx *rx, const uint8_t *seg, size_t len, const uint8_t **ret_msg,
                size_t *ret_len) __attribute__((warn_unused_result));

/* Sender state: the next segment counter of this direction. */
struct seg_tx {
	uint8_t next_counter;
};

void seg_tx_reset(struct seg_tx *tx);

/* Called once per segment, in order; a negative return stops the split. */
typedef int (*seg_emit_fn)(const uint8_t *seg, size_t len, void *user_data);

/*
 * Splits msg (1..65535 bytes) into segments of at most seg_max bytes
 * (min(ATT_MTU - 3, 512), at least 4; larger values act as SEG_MAX_SEGMENT)
 * and hands each to emit. Returns
 * 0, -EINVAL for a bad length or seg_max, or emit's negative return. The counter advances per
 * segment emitted.
 */
int seg_tx_split(struct seg_tx *tx, const uint8_t *msg, size_t len, size_t seg_max,
                 seg_emit_fn emit, void *user_data) __attribute__((warn_unused_result));

/* Number of segments seg_tx_split emits for a message of len bytes. */
size_t seg_count(size_t len, size_t seg_max);

#endif
