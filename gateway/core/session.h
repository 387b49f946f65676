/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Sessions and the relay to svcport-bmcd (DESIGN §1, §3, §4.5). One session
 * per link connection. I/O-free: Frames in as bytes, Frames out through the
 * link's send callback, BmcRequests out through the BMC callback, time passed
 * in as milliseconds of a monotonic clock. No loop, no socket, no device.
 *
 * What a session enforces (docs/gateway.md "Sessions"):
 *  - the table holds at most limits.max_sessions sessions (SESSION_MAX cap),
 *    and one link kind at most max_sessions - R of them (R = max(1, N/4) is
 *    the other kinds' reserve): no kind takes every slot. A link with
 *    physical presence always finds a session: when its kind's share is
 *    taken it gets the slot of its kind's longest-quiet session that has
 *    nothing in flight (docs/gateway.md "Sessions");
 *  - back-off after failed verifications per session and per peer: after
 *    backoff.free failures bmcd answered, SubmitCommand and GetActivationCode
 *    get RATE_LIMITED here without reaching bmcd (backoff.h);
 *  - a Frame is decoded with bounds (no allocation) or answered BAD_REQUEST;
 *  - one request in flight; another id meanwhile gets RATE_LIMITED;
 *  - the last response is cached by id: a repeated id gets the same bytes
 *    (a retry never applies a command twice); transient answers
 *    (BMC_UNAVAILABLE, RATE_LIMITED, INTERNAL) are not cached;
 *  - a token bucket per session: over the rate, at most one RATE_LIMITED
 *    per refill interval and the rest is dropped unanswered;
 *  - idle timeout (no request from the peer: link errors do not count) and
 *    request timeout (bmcd silent).
 *  GetLinkInfo and Ping are answered here; everything else goes to bmcd
 *  exactly as parsed and bounded (a gateway never relays what it cannot parse).
 */
#ifndef SVCPORT_SESSION_H
#define SVCPORT_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backoff.h"
#include "svcport.pb.h"

#define SESSION_MAX 64 /* hard cap of limits.max_sessions */

struct session_limits {
	unsigned max_sessions;       /* 2..SESSION_MAX, default 4 */
	uint32_t idle_ms;            /* default 120000 */
	uint32_t request_timeout_ms; /* bmcd silent this long: BMC_UNAVAILABLE; default 10000 */
	uint32_t max_message;        /* largest Frame accepted, bytes; default 8192 */
	uint32_t rate_per_s;         /* frames per second refilled, default 10 */
	uint32_t burst;              /* bucket size, default 20 */
	/* For the links (the table does not time connections): a connection must
	 * start a conversation (BLE: enable TX notifications; unix: its first
	 * frame) within start_ms, default 10000; and the progress rule. */
	uint32_t start_ms;
	uint32_t message_ms; /* progress rule: grace per message, default 10000 */
	uint32_t min_rate;   /* progress rule: bytes/s after the grace, default 100 */
	struct backoff_rule backoff;
};

void session_limits_default(struct session_limits *limits);

/*
 * The progress rule for a message of which `bytes` arrived since its first
 * byte at start_ms: it must have arrived by start_ms + message_ms +
 * bytes * 1000 / min_rate. A peer that keeps up min_rate after the grace
 * never meets it (8 KiB at ATT_MTU 23 with Write Requests, ~205 B/s, takes
 * ~40 s); one that trickles bytes to hold a connection does.
 */
uint64_t session_progress_deadline(const struct session_limits *limits, uint64_t start_ms,
                                   uint64_t bytes);

struct session;
struct session_table;

/* How a session reaches its link. Called from inside session_* functions. */
struct session_link_ops {
	/*
	 * Sends one encoded Frame to the peer (framed or segmented by the link).
	 * Must not end the session; a link that cannot send reports it later
	 * through its own I/O and calls session_close(). Return value is only
	 * logged.
	 */
	int (*send)(void *link_data, const uint8_t *frame, size_t len);
	/*
	 * The table ends the session (idle timeout). The link closes the
	 * connection and forgets the session; the table frees it after return.
	 */
	void (*expire)(void *link_data);
};

/* Static description of the link a session runs on (strings are copied). */
struct session_link {
	const char *name;         /* "unix:/run/x", for logs */
	svcport_v1_LinkKind kind; /* passed to bmcd */
	bool physical_presence;   /* passed to bmcd */
	bool events;              /* deliver Events from the start (CDC: yes, BLE: after CCCD) */
	const char *peer;         /* the peer's address for the back-off (NULL: the link);
	                           * LINK_NET: its prefix, counted in the network's own share */
	const char *addr;         /* logged at open and close (network peers); NULL: none.
	                           * Not presence: when no slot is free, the address holding
	                           * 2+ more sessions of the kind than addr gives one up */
	const struct session_link_ops *ops;
};

#define SESSION_ADDR_MAX 48

/* The table's outside world: bmcd and the daemon's log. */
struct session_env {
	/* Sends one encoded BmcRequest; negative (e.g. -ENOTCONN) when bmcd is unreachable. */
	int (*bmc_send)(void *user_data, const uint8_t *req, size_t len);
	/* One log line (no newline); prio is a syslog priority. May be NULL. */
	void (*log)(void *user_data, int prio, const char *line);
	void *user_data;
};

/* Allocates a table; limits are copied (clamped to their caps). */
int session_table_new(const struct session_limits *limits, const struct session_env *env,
                      struct session_table **ret_table) __attribute__((warn_unused_result));
/* Frees the table and every session still open (without calling expire). */
void session_table_free(struct session_table *t);

/*
 * Opens a session for a new connection. -EBUSY when there is no slot for
 * the link's kind (the link refuses the connection). A presence link may
 * end another session of its kind to get one (that link's expire is called
 * first). link_data is handed back to link->ops.
 */
int session_open(struct session_table *t, const struct session_link *link, void *link_data,
                 uint64_t now_ms, struct session **ret_session) __attribute__((warn_unused_result));
/* Ends a session (connection gone). A reply bmcd sends later is dropped. NULL: no-op. */
void session_close(struct session *s);

uint32_t session_id(const struct session *s);
const char *session_link_name(const struct session *s);
/* Nothing a new conversation could be answered with: no cached response, none in flight. */
bool session_is_fresh(const struct session *s);
/*
 * True while the Frame being sent (inside link->ops->send) carries a secret,
 * the activation code: links keep it out of captures (docs/gateway.md).
 */
bool session_is_sending_secret(const struct session *s);
/* BLE: enabled when the phone writes TX's CCCD. */
void session_set_events(struct session *s, bool enabled);

/* One whole message from the peer (a reassembled/deframed Frame). */
void session_rx_frame(struct session *s, const uint8_t *msg, size_t len, uint64_t now_ms);
/*
 * The link dropped input: answers an Error frame (id 0) with code
 * (LINK_PROTOCOL or TOO_LARGE), within the session's rate limit.
 */
void session_rx_link_error(struct session *s, svcport_v1_ErrorCode code, const char *detail,
                           uint64_t now_ms);

/* bmcd connected: the table asks it for DeviceInfo (for GetLinkInfo / INFO). */
void session_table_bmc_up(struct session_table *t);
/* bmcd lost: every request in flight is answered BMC_UNAVAILABLE now. */
void session_table_bmc_down(struct session_table *t);
/* One packet from bmcd. Undecodable or unmatched replies are logged and dropped. */
void session_table_bmc_reply(struct session_table *t, const uint8_t *pkt, size_t len);

/*
 * Expires idle sessions and requests bmcd did not answer in time. Returns
 * the milliseconds until the next deadline (UINT32_MAX: none).
 */
uint32_t session_table_tick(struct session_table *t, uint64_t now_ms);

/* Number of open sessions. */
unsigned session_table_count(const struct session_table *t);

/*
 * The encoded LinkInfo (INFO characteristic value and GetLinkInfo answer)
 * from the cached DeviceInfo. Returns the length or -EMSGSIZE.
 */
long session_table_link_info(const struct session_table *t, uint8_t *buf, size_t cap)
    __attribute__((warn_unused_result));

#endif
