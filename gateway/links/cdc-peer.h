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
 *
 * The peer is timed, without a loop of its own: cdc_peer_deadline() says
 * when cdc_peer_check() must look again. A half frame follows the progress
 * rule (session_progress_deadline); a socket peer must send its first frame
 * within limits->start_ms of connecting.
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
	const char *peer; /* the peer's address for the back-off (NULL: the link), copied */
	svcport_v1_LinkKind kind;
	bool physical_presence;
	uint32_t max_message;
	struct session_table *sessions;
	const struct session_limits *limits; /* the progress rule and start_ms; outlives the peer */
	struct capture *capture;
	uint64_t start_by_ms; /* a socket: its first frame is due by then; 0: not timed (tty) */
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
/* When cdc_peer_check must run next (ms of the loop's clock); UINT64_MAX: never. */
uint64_t cdc_peer_deadline(const struct cdc_peer *p);
/*
 * Applies the deadlines at now_ms: -ETIMEDOUT when a half frame broke the
 * progress rule (dropped; a session hears LINK_PROTOCOL), -ENOTCONN when a
 * socket peer sent no frame by start_by_ms, 0 otherwise. A socket link closes
 * the connection on either; a tty goes on.
 */
int cdc_peer_check(struct cdc_peer *p, uint64_t now_ms);
/* Ends the session (hang-up); the peer stays usable. */
void cdc_peer_hangup(struct cdc_peer *p);
bool cdc_peer_has_session(const struct cdc_peer *p);

#endif
