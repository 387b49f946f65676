// SPDX-License-Identifier: GPL-2.0-or-later
/* cdc-peer.h: CDC framing between a byte stream and a session. */
#include "cdc-peer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/platform_util.h>
#include <pb_encode.h>

#include "capture.h"
#include "cdc-frame.h"
#include "session.h"

#define NAME_MAX_LEN 112
#define REFUSE_MS    1000u /* the refusal's retry_after_ms: the table is asked that often */

struct cdc_peer {
	char name[NAME_MAX_LEN];
	char peer[NAME_MAX_LEN];
	svcport_v1_LinkKind kind;
	bool presence;
	struct session_table *sessions;
	const struct session_limits *limits;
	struct capture *capture;
	const struct cdc_peer_ops *ops;
	void *user_data;
	struct session *session;
	bool refused; /* the table was full at refused_ms */
	uint64_t refused_ms;
	uint64_t now_ms;
	uint64_t start_by_ms; /* 0: met, or not timed */
	bool partial;         /* a frame has begun and not ended */
	uint64_t partial_start_ms;
	uint64_t partial_bytes;
	struct cdc_rx rx;
	size_t out_cap;
	uint8_t *out;
	uint8_t *rx_buf;
};

static int peer_send(void *link_data, const uint8_t *frame, size_t len)
{
	struct cdc_peer *p = link_data;
	long n = cdc_frame_encode(frame, len, p->out, p->out_cap);
	if (n < 0)
		return (int)n;
	/* A frame with the activation code is captured by its length only. */
	capture_cdc(p->capture, session_id(p->session), false,
	            session_is_sending_secret(p->session) ? NULL : frame, len);
	int r = p->ops->write(p->user_data, p->out, (size_t)n);
	mbedtls_platform_zeroize(p->out, (size_t)n); /* a frame may carry a secret */
	return r;
}

static void peer_expire(void *link_data)
{
	struct cdc_peer *p = link_data;
	p->session = NULL;
	p->ops->expired(p->user_data);
}

static const struct session_link_ops peer_session_ops = {
    .send = peer_send,
    .expire = peer_expire,
};

int cdc_peer_new(const struct cdc_peer_config *cfg, const struct cdc_peer_ops *ops, void *user_data,
                 struct cdc_peer **ret_peer)
{
	struct cdc_peer *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	snprintf(p->name, sizeof(p->name), "%s", cfg->name);
	snprintf(p->peer, sizeof(p->peer), "%s", cfg->peer ? cfg->peer : "");
	p->limits = cfg->limits;
	p->start_by_ms = cfg->start_by_ms;
	p->kind = cfg->kind;
	p->presence = cfg->physical_presence;
	p->sessions = cfg->sessions;
	p->capture = cfg->capture;
	p->ops = ops;
	p->user_data = user_data;
	size_t rx_cap = CDC_FRAME_ENCODED_MAX((size_t)cfg->max_message);
	/* Output frames carry Responses/Events: bounded by the schema. */
	p->out_cap = CDC_FRAME_ENCODED_MAX((size_t)svcport_v1_Frame_size);
	p->rx_buf = malloc(rx_cap);
	p->out = malloc(p->out_cap);
	if (!p->rx_buf || !p->out) {
		cdc_peer_free(p);
		return -ENOMEM;
	}
	cdc_rx_init(&p->rx, p->rx_buf, rx_cap);
	*ret_peer = p;
	return 0;
}

void cdc_peer_free(struct cdc_peer *p)
{
	if (!p)
		return;
	session_close(p->session);
	free(p->rx_buf);
	free(p->out);
	free(p);
}

/* No session to be had (the table is full): say so once per frame, then the link decides. */
static void peer_refuse(struct cdc_peer *p)
{
	svcport_v1_Frame f = svcport_v1_Frame_init_zero;
	f.which_msg = svcport_v1_Frame_response_tag;
	f.msg.response.which_body = svcport_v1_Response_error_tag;
	f.msg.response.body.error.code = svcport_v1_ErrorCode_RATE_LIMITED;
	f.msg.response.body.error.retry_after_ms = REFUSE_MS;
	snprintf(f.msg.response.body.error.detail, sizeof(f.msg.response.body.error.detail),
	         "no free session");
	uint8_t buf[svcport_v1_Error_size + 16];
	pb_ostream_t os = pb_ostream_from_buffer(buf, sizeof(buf));
	if (!pb_encode(&os, svcport_v1_Frame_fields, &f))
		return;
	long n = cdc_frame_encode(buf, os.bytes_written, p->out, p->out_cap);
	if (n > 0)
		(void)p->ops->write(p->user_data, p->out, (size_t)n);
}

static int on_message(const uint8_t *msg, size_t len, int drop, void *user_data)
{
	struct cdc_peer *p = user_data;
	p->partial = false; /* a frame ended, good or dropped */
	if (!p->session) {
		/* Refused less than REFUSE_MS ago: dropped unanswered, like frames over the
		 * rate, so a flood gets one refusal (and one log line) per interval. */
		if (p->refused && p->now_ms - p->refused_ms < REFUSE_MS)
			return -EBUSY;
		struct session_link link = {
		    .name = p->name,
		    .kind = p->kind,
		    .physical_presence = p->presence,
		    .events = true,
		    .peer = p->peer[0] ? p->peer : NULL,
		    .ops = &peer_session_ops,
		};
		int r = session_open(p->sessions, &link, p, p->now_ms, &p->session);
		if (r < 0) {
			p->refused = true;
			p->refused_ms = p->now_ms;
			if (msg)
				peer_refuse(p);
			return r;
		}
		p->refused = false;
		p->start_by_ms = 0;
	}
	if (!msg) {
		switch (drop) {
		case CDC_DROP_TOO_LARGE:
			session_rx_link_error(p->session, svcport_v1_ErrorCode_TOO_LARGE,
			                      "frame over the maximum", p->now_ms);
			break;
		case CDC_DROP_CRC:
			session_rx_link_error(p->session, svcport_v1_ErrorCode_LINK_PROTOCOL,
			                      "frame CRC mismatch", p->now_ms);
			break;
		default:
			session_rx_link_error(p->session, svcport_v1_ErrorCode_LINK_PROTOCOL,
			                      "bad COBS frame", p->now_ms);
			break;
		}
		return 0;
	}
	capture_cdc(p->capture, session_id(p->session), true, msg, len);
	session_rx_frame(p->session, msg, len, p->now_ms);
	return 0;
}

int cdc_peer_feed(struct cdc_peer *p, const uint8_t *data, size_t len, uint64_t now_ms)
{
	p->now_ms = now_ms;
	bool was_partial = p->partial;
	int r = cdc_rx_feed(&p->rx, data, len, on_message, p);
	if (p->rx.len == 0 && !p->rx.discarding) {
		p->partial = false;
	} else if (was_partial && p->partial) {
		p->partial_bytes += len;
	} else {
		/* A frame began in these bytes. */
		p->partial = true;
		p->partial_start_ms = now_ms;
		p->partial_bytes = p->rx.len;
	}
	return r;
}

uint64_t cdc_peer_deadline(const struct cdc_peer *p)
{
	uint64_t deadline = UINT64_MAX;
	if (p->partial && p->limits)
		deadline =
		    session_progress_deadline(p->limits, p->partial_start_ms, p->partial_bytes);
	if (p->start_by_ms && !p->session && p->start_by_ms < deadline)
		deadline = p->start_by_ms;
	return deadline;
}

int cdc_peer_check(struct cdc_peer *p, uint64_t now_ms)
{
	if (p->partial && p->limits &&
	    now_ms >= session_progress_deadline(p->limits, p->partial_start_ms, p->partial_bytes)) {
		p->partial = false;
		cdc_rx_init(&p->rx, p->rx.buf, p->rx.cap);
		if (p->session)
			session_rx_link_error(p->session, svcport_v1_ErrorCode_LINK_PROTOCOL,
			                      "frame too slow: dropped", now_ms);
		return -ETIMEDOUT;
	}
	if (p->start_by_ms && !p->session && now_ms >= p->start_by_ms)
		return -ENOTCONN;
	return 0;
}

void cdc_peer_hangup(struct cdc_peer *p)
{
	session_close(p->session);
	p->session = NULL;
	p->partial = false;
	cdc_rx_init(&p->rx, p->rx.buf, p->rx.cap);
}

bool cdc_peer_has_session(const struct cdc_peer *p)
{
	return p->session != NULL;
}
