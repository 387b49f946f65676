/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The phone's request/response exchange without I/O (DESIGN §2.1, §3): one request at a
 * time as a Frame with an id; the Frame's bytes are kept, so a repeat is the same bytes
 * and the same id (the gateway answers a repeated id from its cache: a command is never
 * applied twice). Time is the caller's (ops.now_ms, rpc_deadline, rpc_tick).
 *
 *  - No answer within timeout_ms after the frame left: the same bytes again, at most
 *    `retries` times, then ops.failed(-ETIMEDOUT).
 *  - RATE_LIMITED, from the gateway (id 0: a frame over its rate, dropped unread) or
 *    from bmcd (our id: the back-off after failed verifications): the exchange waits the
 *    retry_after_ms it names and sends the same bytes again. RATE_LIMITED is never cached
 *    by the gateway, so the same id asks afresh. Only waits up to backoff_max_ms, at most
 *    backoff_tries times: a longer one is the caller's answer, for a person to decide.
 *  - Another id's response (a late answer to an earlier attempt, or a stale one) is
 *    ignored; an id-0 response is the gateway answering a frame it could not read, ours.
 *  - Events (StateChanged, id 0) reach ops.event at any time.
 */
#ifndef SVCPORT_RPC_H
#define SVCPORT_RPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "svcport.pb.h"

struct rpc_config {
	uint32_t timeout_ms;     /* per attempt, from the frame's last byte leaving */
	uint32_t retries;        /* same-id repeats after a timeout */
	uint32_t backoff_max_ms; /* longest RATE_LIMITED wait taken without asking */
	uint32_t backoff_tries;  /* RATE_LIMITED waits per request */
};

struct rpc_ops {
	/* Hands a whole frame to the link; rpc_sent is to follow (possibly from inside). */
	int (*send)(const uint8_t *frame, size_t len, void *user_data);
	/* The answer to the request (decoded; valid during the call only, then wiped). */
	void (*response)(const svcport_v1_Response *resp, void *user_data);
	/* The request got no answer: -ETIMEDOUT, or the link's error. */
	void (*failed)(int err, void *user_data);
	void (*event)(const svcport_v1_Event *ev, void *user_data); /* optional */
	int64_t (*now_ms)(void *user_data);
	void *user_data;
};

struct rpc_stats {
	uint64_t exchanges; /* requests answered (one per request, whatever its repeats) */
	uint64_t frames;    /* request frames sent, repeats and back-offs included */
	uint64_t repeats;   /* same-id repeats after a timeout */
	uint64_t backoffs;  /* RATE_LIMITED waits taken */
	uint64_t ignored;   /* frames ignored: undecodable, other ids, not for the phone */
};

struct rpc;

/* first_id: where ids start (1..0x7fffffff; a new session never meets a cached id). */
int rpc_new(const struct rpc_config *cfg, const struct rpc_ops *ops, uint32_t first_id,
            struct rpc **ret) __attribute__((warn_unused_result));
void rpc_free(struct rpc *r);

/* Sends req under a new id. -EBUSY while another is outstanding, -EMSGSIZE, or the
 * link's error (nothing outstanding then). */
int rpc_call(struct rpc *r, const svcport_v1_Request *req) __attribute__((warn_unused_result));
/* The link finished sending the frame (err 0) or could not (the request fails). */
void rpc_sent(struct rpc *r, int err);
/* A whole message from the link. */
void rpc_input(struct rpc *r, const uint8_t *msg, size_t len);
/* Forgets the outstanding request (the flow was cancelled, the link went down); nothing
 * is reported. */
void rpc_abort(struct rpc *r);
/* When the timer runs out (ops.now_ms clock), -1 when none runs. */
int64_t rpc_deadline(const struct rpc *r);
void rpc_tick(struct rpc *r);
bool rpc_is_busy(const struct rpc *r);
void rpc_get_stats(const struct rpc *r, struct rpc_stats *ret);

#endif
