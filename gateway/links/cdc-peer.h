/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One peer of a USB-CDC style byte stream (tty:, unix:, usb:): deframes
 * input (cdc-frame.h) into a session, frames the session's output and hands
 * the bytes to the transport's write callback. Transport-independent: the
 * link owns the fd or the USB transfers.
 *
 * The session is opened lazily by the first frame, good or dropped (a tty has
 * no "connect"), and can end by idle timeout; the next frame opens a new one.
 * A dropped frame (CRC, COBS, too large) is answered with an Error frame,
 * LINK_PROTOCOL or TOO_LARGE, within the session's rate limit.
 */
#ifndef SVCPORT_CDC_PEER_H
#define SVCPORT_CDC_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "svcport.pb.h"

struct capture;
struct session_table;
struct cdc_peer;

struct cdc_peer_ops {
	/* Queues encoded bytes for the peer. Negative: the frame was dropped. */
	int (*write)(void *user_data, const uint8_t *data, size_t len);
	/* The session ended by idle timeout (tty: nothing to do; socket: close). */
	void (*expired)(void *user_data);
};

struct cdc_peer_config {
	const char *name; /* link name for logs, copied */
	svcport_v1_LinkKind kind;
	bool physical_presence;
	uint32_t max_message;
	struct session_table *sessions;
	struct capture *capture;
};

int cdc_peer_new(const struct cdc_peer_config *cfg, const struct cdc_peer_ops *ops, void *user_data,
                 struct cdc_peer **ret_peer) __attribute__((warn_unused_result));
/* Closes the session if any. NULL: no-op. */
void cdc_peer_free(struct cdc_peer *p);

/*
 * Input bytes, any split. -EBUSY when a session is needed and the table is
 * full: a whole frame is answered with Error RATE_LIMITED "no free session"
 * (id 0, retry_after_ms 1000), the rest of the bytes is dropped, and the link
 * may close the connection. For the next 1000 ms frames are dropped (-EBUSY)
 * without asking the table or answering.
 */
int cdc_peer_feed(struct cdc_peer *p, const uint8_t *data, size_t len, uint64_t now_ms)
    __attribute__((warn_unused_result));
/* Ends the session (hang-up); the peer stays usable. */
void cdc_peer_hangup(struct cdc_peer *p);
bool cdc_peer_has_session(const struct cdc_peer *p);

#endif
