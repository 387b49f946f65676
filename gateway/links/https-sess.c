// SPDX-License-Identifier: GPL-2.0-or-later
/* https-int.h: one conversation of the https: link, a LINK_NET session of the table. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <event2/http.h>

#include "https-int.h"
#include "log.h"
#include "loop.h"
#include "pbio.h"
#include "session.h"

#define FRAME_TYPE "application/x-protobuf"

struct event_copy {
	uint8_t *bytes;
	size_t len;
};

struct https_sess {
	struct https_link *link;
	const struct link_ctx *ctx;
	struct https_sess *next;
	struct session *session; /* NULL once the table ended it */
	char token[HTTPS_TOKEN_HEX + 1];
	bool oneshot;
	bool started;                /* a frame came: the start timeout is off */
	bool ending;                 /* handed to https_link_sess_ended */
	struct evhttp_request *post; /* waits for the answer to its Frame */
	struct evhttp_request *poll; /* waits for an event */
	struct loop_timer *post_timer, *poll_timer, *start_timer;
	struct event_copy events[HTTPS_EVENTS_MAX];
	unsigned n_events;
};

static void sess_end(struct https_sess *s)
{
	if (s->ending)
		return;
	s->ending = true;
	https_link_sess_ended(s->link, s);
}

/* Is the encoded Frame an Event (id 0, unsolicited)? The table sends only what it encoded. */
static bool frame_is_event(const uint8_t *frame, size_t len)
{
	static svcport_v1_Frame f; /* one loop, one thread: no reentry */
	bool is_event = pbio_decode(svcport_v1_Frame_fields, &f, frame, len) == 0 &&
	                f.which_msg == svcport_v1_Frame_event_tag;

	memset(&f, 0, sizeof(f));
	return is_event;
}

static void reply_frame(struct https_sess *s, struct evhttp_request *req, const uint8_t *frame,
                        size_t len)
{
	https_reply(s->link, req, 200, "OK", FRAME_TYPE, frame, len);
}

static void event_queue(struct https_sess *s, const uint8_t *frame, size_t len)
{
	uint8_t *copy = malloc(len);

	if (!copy)
		return;
	memcpy(copy, frame, len);
	if (s->n_events == HTTPS_EVENTS_MAX) { /* a newer state supersedes the oldest */
		free(s->events[0].bytes);
		memmove(&s->events[0], &s->events[1],
		        (HTTPS_EVENTS_MAX - 1) * sizeof(s->events[0]));
		s->n_events--;
	}
	s->events[s->n_events++] = (struct event_copy){copy, len};
}

static void events_deliver(struct https_sess *s)
{
	if (!s->poll || !s->n_events)
		return;
	reply_frame(s, s->poll, s->events[0].bytes, s->events[0].len);
	s->poll = NULL;
	loop_timer_stop(s->poll_timer);
	free(s->events[0].bytes);
	memmove(&s->events[0], &s->events[1], (s->n_events - 1) * sizeof(s->events[0]));
	s->n_events--;
}

static int sess_send(void *link_data, const uint8_t *frame, size_t len)
{
	struct https_sess *s = link_data;

	if (session_is_sending_secret(s->session)) {
		/* bmcd never grants presence to LINK_NET; were it ever asked to, the code still
		 * does not leave over the network (fail closed). */
		log_msg(LOG_ERR, "session %u %s: a secret withheld from the network",
		        session_id(s->session), session_link_name(s->session));
		return -EPERM;
	}
	if (frame_is_event(frame, len)) {
		event_queue(s, frame, len);
		events_deliver(s);
		return 0;
	}
	if (!s->post)
		return -ENOTCONN; /* no one waits: a repeat of the id gets the cached answer */
	reply_frame(s, s->post, frame, len);
	s->post = NULL;
	loop_timer_stop(s->post_timer);
	if (s->oneshot)
		sess_end(s);
	return 0;
}

static void sess_expire(void *link_data)
{
	struct https_sess *s = link_data;

	s->session = NULL; /* the table frees it after this returns */
	sess_end(s);
}

static const struct session_link_ops sess_ops = {
    .send = sess_send,
    .expire = sess_expire,
};

/* The Frame's answer did not come in time (dropped over the rate, or bmcd slower than the
 * request timeout): 204, the client sends the same id again. */
static void on_post_timeout(void *user_data)
{
	struct https_sess *s = user_data;

	if (!s->post)
		return;
	https_reply(s->link, s->post, 204, "No Answer Yet", NULL, NULL, 0);
	s->post = NULL;
	if (s->oneshot)
		sess_end(s);
}

static void on_poll_timeout(void *user_data)
{
	struct https_sess *s = user_data;

	if (!s->poll)
		return;
	https_reply(s->link, s->poll, 204, "No Event", NULL, NULL, 0);
	s->poll = NULL;
}

/* A session opened with POST /v1/sessions that sent no Frame within start_ms. */
static void on_start_timeout(void *user_data)
{
	struct https_sess *s = user_data;

	if (s->ending || !s->session) /* ended meanwhile (idle, DELETE): freed at the next turn */
		return;
	log_msg(LOG_INFO, "session %u %s: no frame in time, ended", session_id(s->session),
	        session_link_name(s->session));
	sess_end(s);
}

static int token_new(char *hex)
{
	uint8_t raw[HTTPS_TOKEN_HEX / 2];
	static const char digits[] = "0123456789abcdef";

	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		return -EIO;
	for (size_t i = 0; i < sizeof(raw); i++) {
		hex[2 * i] = digits[raw[i] >> 4];
		hex[2 * i + 1] = digits[raw[i] & 15];
	}
	hex[HTTPS_TOKEN_HEX] = 0;
	return 0;
}

int https_sess_new(const struct https_sess_config *cfg, struct https_sess **ret)
{
	struct https_sess *s = calloc(1, sizeof(*s));
	int r;

	if (!s)
		return -ENOMEM;
	s->link = cfg->link;
	s->ctx = cfg->ctx;
	s->oneshot = cfg->oneshot;
	if ((r = token_new(s->token)) < 0 ||
	    (r = loop_timer_new(cfg->ctx->loop, on_post_timeout, s, &s->post_timer)) < 0 ||
	    (r = loop_timer_new(cfg->ctx->loop, on_poll_timeout, s, &s->poll_timer)) < 0 ||
	    (r = loop_timer_new(cfg->ctx->loop, on_start_timeout, s, &s->start_timer)) < 0)
		goto free_sess;
	struct session_link sl = {
	    .name = cfg->link_name,
	    .kind = svcport_v1_LinkKind_LINK_NET,
	    .physical_presence = false, /* the management network: never (DESIGN §4.4) */
	    .events = true,
	    .peer = cfg->peer,
	    .addr = cfg->addr,
	    .ops = &sess_ops,
	};
	r = session_open(cfg->ctx->sessions, &sl, s, loop_now_ms(), &s->session);
	if (r < 0)
		goto free_sess;
	if (!s->oneshot && (r = loop_timer_start(s->start_timer, cfg->ctx->limits->start_ms)) < 0)
		goto free_sess;
	*ret = s;
	return 0;

free_sess:
	https_sess_free(s);
	return r;
}

void https_sess_free(struct https_sess *s)
{
	if (!s)
		return;
	if (s->post)
		https_reply(s->link, s->post, 410, "Session Ended", NULL, NULL, 0);
	if (s->poll)
		https_reply(s->link, s->poll, 410, "Session Ended", NULL, NULL, 0);
	session_close(s->session);
	for (unsigned i = 0; i < s->n_events; i++)
		free(s->events[i].bytes);
	loop_timer_free(s->post_timer);
	loop_timer_free(s->poll_timer);
	loop_timer_free(s->start_timer);
	free(s);
}

const char *https_sess_token(const struct https_sess *s)
{
	return s->token;
}

bool https_sess_has_token(const struct https_sess *s, const char *token)
{
	unsigned char diff = 0;

	if (s->ending || strlen(token) != HTTPS_TOKEN_HEX)
		return false;
	for (size_t i = 0; i < HTTPS_TOKEN_HEX; i++)
		diff |= (unsigned char)(s->token[i] ^ token[i]);
	return diff == 0;
}

void https_sess_post(struct https_sess *s, struct evhttp_request *req, const uint8_t *body,
                     size_t len)
{
	const struct session_limits *lim = s->ctx->limits;

	if (s->post) {
		https_reply(s->link, req, 409, "Conflict", "text/plain; charset=utf-8",
		            "one Frame at a time per session\n", 32);
		return;
	}
	s->started = true;
	loop_timer_stop(s->start_timer);
	s->post = req;
	/* bmcd's answer or BMC_UNAVAILABLE comes within the request timeout. */
	if (loop_timer_start(s->post_timer, (uint64_t)lim->request_timeout_ms + 1000u) < 0)
		log_msg(LOG_ERR, "session %u: cannot time the request", session_id(s->session));
	session_rx_frame(s->session, body, len, loop_now_ms());
}

/*
 * A new events GET of the session replaces the one waiting (answered 204, as after
 * its 20 s): a client that closed its poll (a tab reloaded, a network change) is
 * heard at once, never 409 for up to 20 s (attack 16h L1). The token is the session's
 * only name, so only its holder can replace its poll.
 */
void https_sess_poll(struct https_sess *s, struct evhttp_request *req)
{
	if (s->poll) {
		https_reply(s->link, s->poll, 204, "Replaced", NULL, NULL, 0);
		s->poll = NULL;
		loop_timer_stop(s->poll_timer);
	}
	s->poll = req;
	events_deliver(s);
	if (s->poll && loop_timer_start(s->poll_timer, HTTPS_POLL_MS) < 0)
		log_msg(LOG_ERR, "session %u: cannot time the poll", session_id(s->session));
}

struct https_sess *https_sess_next(const struct https_sess *s)
{
	return s->next;
}

void https_sess_set_next(struct https_sess *s, struct https_sess *next)
{
	s->next = next;
}
