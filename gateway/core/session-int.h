/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The session table's private header: its structures, shared by session.c
 * (admission, relay, timers) and session-answer.c (the Frames it sends).
 */
#ifndef SVCPORT_SESSION_INT_H
#define SVCPORT_SESSION_INT_H

#include <stdarg.h>
#include <syslog.h>

#include "backoff.h"
#include "session.h"

#define PROTOCOL_VERSION     1
#define MIN_PROTOCOL_VERSION 1
#define LINK_NAME_MAX        112
/* A Frame carrying a Response is far below svcport_v1_Frame_size; size the
 * cache and output buffers from the generated bound anyway. */
#define FRAME_OUT_MAX svcport_v1_Frame_size

struct session {
	struct session_table *table;
	bool used;
	uint32_t id;
	char link_name[LINK_NAME_MAX];
	char peer_key[BACKOFF_KEY_MAX]; /* link name and peer address (network: its prefix) */
	char addr[SESSION_ADDR_MAX];    /* the peer's own address, for the log; "" none */
	svcport_v1_LinkKind kind;
	bool presence;
	bool events;
	const struct session_link_ops *ops;
	void *link_data;

	uint64_t last_rx_ms;
	/* One request in flight. */
	bool in_flight;
	bool flight_limited; /* SubmitCommand or GetActivationCode: counts for the back-off */
	pb_size_t flight_which;
	uint32_t flight_id;
	uint64_t flight_deadline_ms;
	/* Last cached response, by request id. */
	bool cached;
	uint32_t cached_id;
	size_t cached_len;
	uint8_t cached_frame[FRAME_OUT_MAX];
	/* Token bucket, in thousandths of a token. */
	uint64_t tokens_milli;
	uint64_t bucket_ms;
	uint64_t last_limited_ms;
	bool limited_once;
	struct backoff backoff; /* failed verifications of this session */
};

struct session_table {
	struct session_limits limits;
	struct session_env env;
	uint32_t next_id;
	uint32_t next_internal_id;
	uint32_t devinfo_request_id;
	/* Cached from bmcd's DeviceInfo, for LinkInfo. */
	bool has_device;
	svcport_v1_DeviceId device;
	svcport_v1_LockdownState lockdown;
	struct backoff_peers peers; /* failed verifications per peer */
	bool sending_secret;        /* inside ops->send with the activation code */
	/* Scratch for decoding (large structs stay off the stack). */
	svcport_v1_Frame frame;
	svcport_v1_BmcRequest bmc_req;
	svcport_v1_BmcReply bmc_reply;
	uint8_t out[FRAME_OUT_MAX > svcport_v1_BmcRequest_size ? FRAME_OUT_MAX
	                                                       : svcport_v1_BmcRequest_size];
	struct session sessions[SESSION_MAX];
};

void session_tlog(struct session_table *t, int prio, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define slog(s, prio, fmt, ...)                                                                    \
	session_tlog((s)->table, prio, "session %u %s: " fmt, (s)->id, (s)->link_name,             \
	             ##__VA_ARGS__)

/* session-guard.c: refused before bmcd is asked (the answer sent); the back-off's count. */
bool session_backoff_refuse(struct session *s, uint32_t id, uint64_t now_ms);
void session_backoff_note(struct session *s, const svcport_v1_Response *resp);
bool session_action_refuse(struct session *s, uint32_t id, const svcport_v1_Request *req);

/* session-answer.c: Frames to the peer. */
bool session_is_transient(const svcport_v1_Response *r);
/* Encodes Frame{id, response} and sends it; caches it unless transient. */
void session_send_response(struct session *s, uint32_t id, const svcport_v1_Response *resp);
void session_send_error(struct session *s, uint32_t id, svcport_v1_ErrorCode code,
                        uint32_t retry_after_ms, const char *detail);
void session_answer_link_info(struct session *s, uint32_t id);
void session_answer_pong(struct session *s, uint32_t id, const svcport_v1_Ping *ping);
/* Zeroizes the decoding and encoding scratch (after a secret passed through). */
void session_wipe_scratch(struct session_table *t);
const char *session_request_name(pb_size_t which);

#endif
