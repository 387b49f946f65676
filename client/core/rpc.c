// SPDX-License-Identifier: GPL-2.0-or-later
/* The phone's request/response exchange (rpc.h): ids, repeats, back-off, events. */
#include "rpc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/platform_util.h>
#include <pb_decode.h>
#include <pb_encode.h>

enum rpc_state {
	RPC_IDLE,
	RPC_SENDING, /* the link is carrying the frame */
	RPC_WAITING, /* sent; the answer is due by the deadline */
	RPC_BACKOFF, /* RATE_LIMITED: sending again at the deadline */
};

struct rpc {
	struct rpc_config cfg;
	struct rpc_ops ops;
	struct rpc_stats stats;
	enum rpc_state state;
	uint32_t next_id, id;
	uint32_t repeats, backoffs; /* of the outstanding request */
	int64_t deadline;
	uint8_t frame[svcport_v1_Frame_size];
	size_t frame_len;
	svcport_v1_Frame in;  /* the frame received, decoded */
	svcport_v1_Frame out; /* the request being encoded (a response callback may call) */
};

int rpc_new(const struct rpc_config *cfg, const struct rpc_ops *ops, uint32_t first_id,
            struct rpc **ret)
{
	struct rpc *r;

	if (!ops->send || !ops->response || !ops->failed || !ops->now_ms || first_id == 0 ||
	    first_id > 0x7fffffffu)
		return -EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->cfg = *cfg;
	r->ops = *ops;
	r->next_id = first_id;
	r->deadline = -1;
	*ret = r;
	return 0;
}

void rpc_free(struct rpc *r)
{
	if (!r)
		return;
	mbedtls_platform_zeroize(r, sizeof(*r));
	free(r);
}

/* Hands the kept frame to the link again. */
static int transmit(struct rpc *r)
{
	int err;

	r->state = RPC_SENDING;
	r->deadline = -1;
	r->stats.frames++;
	err = r->ops.send(r->frame, r->frame_len, r->ops.user_data);
	if (err < 0)
		r->state = RPC_IDLE;
	return err;
}

static void fail(struct rpc *r, int err)
{
	r->state = RPC_IDLE;
	r->deadline = -1;
	r->ops.failed(err, r->ops.user_data);
}

int rpc_call(struct rpc *r, const svcport_v1_Request *req)
{
	svcport_v1_Frame *f = &r->out;
	pb_ostream_t os = pb_ostream_from_buffer(r->frame, sizeof(r->frame));

	if (r->state != RPC_IDLE)
		return -EBUSY;
	memset(f, 0, sizeof(*f));
	f->id = r->next_id;
	f->which_msg = svcport_v1_Frame_request_tag;
	f->msg.request = *req;
	if (!pb_encode(&os, svcport_v1_Frame_fields, f))
		return -EMSGSIZE;
	mbedtls_platform_zeroize(f, sizeof(*f));
	r->id = r->next_id;
	r->next_id = r->next_id == 0x7fffffffu ? 1 : r->next_id + 1;
	r->frame_len = os.bytes_written;
	r->repeats = 0;
	r->backoffs = 0;
	return transmit(r);
}

void rpc_sent(struct rpc *r, int err)
{
	if (r->state != RPC_SENDING)
		return;
	if (err < 0) {
		fail(r, err);
		return;
	}
	r->state = RPC_WAITING;
	r->deadline = r->ops.now_ms(r->ops.user_data) + (int64_t)r->cfg.timeout_ms;
}

/* RATE_LIMITED with a wait we take: 1 (the back-off runs), else 0. */
static int take_backoff(struct rpc *r, const svcport_v1_Response *resp)
{
	uint32_t ms;

	if (resp->which_body != svcport_v1_Response_error_tag ||
	    resp->body.error.code != svcport_v1_ErrorCode_RATE_LIMITED)
		return 0;
	ms = resp->body.error.retry_after_ms;
	if (ms == 0 || ms > r->cfg.backoff_max_ms || r->backoffs >= r->cfg.backoff_tries)
		return 0;
	r->backoffs++;
	r->stats.backoffs++;
	r->state = RPC_BACKOFF;
	r->deadline = r->ops.now_ms(r->ops.user_data) + ms;
	return 1;
}

static void on_response(struct rpc *r, uint32_t id, const svcport_v1_Response *resp)
{
	/* Ours, or the gateway's answer to a frame it could not read (id 0). */
	if (r->state == RPC_IDLE || r->state == RPC_BACKOFF || (id != r->id && id != 0)) {
		r->stats.ignored++;
		return;
	}
	if (take_backoff(r, resp))
		return;
	r->state = RPC_IDLE;
	r->deadline = -1;
	r->stats.exchanges++;
	r->ops.response(resp, r->ops.user_data);
}

void rpc_input(struct rpc *r, const uint8_t *msg, size_t len)
{
	svcport_v1_Frame *f = &r->in;
	pb_istream_t is = pb_istream_from_buffer(msg, len);

	memset(f, 0, sizeof(*f));
	if (!pb_decode(&is, svcport_v1_Frame_fields, f)) {
		r->stats.ignored++;
	} else if (f->which_msg == svcport_v1_Frame_response_tag) {
		on_response(r, f->id, &f->msg.response);
	} else if (f->which_msg == svcport_v1_Frame_event_tag) {
		if (r->ops.event)
			r->ops.event(&f->msg.event, r->ops.user_data);
	} else {
		r->stats.ignored++; /* a request from the device: not in this protocol */
	}
	/* An activation code travels in clear: it stays no longer than the callback. */
	mbedtls_platform_zeroize(f, sizeof(*f));
}

void rpc_abort(struct rpc *r)
{
	r->state = RPC_IDLE;
	r->deadline = -1;
}

int64_t rpc_deadline(const struct rpc *r)
{
	return r->deadline;
}

void rpc_tick(struct rpc *r)
{
	int err;

	if (r->deadline < 0 || r->ops.now_ms(r->ops.user_data) < r->deadline)
		return;
	if (r->state == RPC_WAITING) {
		if (r->repeats >= r->cfg.retries) {
			fail(r, -ETIMEDOUT);
			return;
		}
		r->repeats++;
		r->stats.repeats++;
	}
	err = transmit(r);
	if (err < 0)
		fail(r, err);
}

bool rpc_is_busy(const struct rpc *r)
{
	return r->state != RPC_IDLE;
}

void rpc_get_stats(const struct rpc *r, struct rpc_stats *ret)
{
	*ret = r->stats;
}
