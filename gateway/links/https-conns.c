// SPDX-License-Identifier: GPL-2.0-or-later
/* https-int.h: the https: link's whole-request deadline, per connection (attack 16h M1). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <event2/bufferevent.h>
#include <event2/http.h>

#include "https-int.h"
#include "log.h"

#define WATCH_MAX 64 /* HTTPS_CONNS_MAX live, and those of earlier credentials */
#define SWEEP_MS  250u

struct watch {
	struct bufferevent *bev; /* NULL: free */
	uint64_t deadline_ms;    /* 0: a request is being answered */
};

struct https_conns {
	struct https_creds *creds;
	const char *link_name;
	uint32_t request_ms;
	struct loop_timer *sweep;
	struct watch w[WATCH_MAX];
};

static void sweep_arm(struct https_conns *c)
{
	for (size_t i = 0; i < WATCH_MAX; i++)
		if (c->w[i].bev) {
			if (!loop_timer_is_pending(c->sweep) &&
			    loop_timer_start(c->sweep, SWEEP_MS) < 0)
				log_msg(LOG_ERR, "link %s: cannot time requests", c->link_name);
			return;
		}
}

/* Forgets closed connections; closes those past their deadline. */
static void sweep(void *user_data)
{
	struct https_conns *c = user_data;
	uint64_t now = loop_now_ms();
	char why[96];

	snprintf(why, sizeof(why), "no whole request within %u ms", c->request_ms);
	for (size_t i = 0; i < WATCH_MAX; i++) {
		struct watch *w = &c->w[i];
		if (!w->bev)
			continue;
		if (!https_creds_conn_is_live(c->creds, w->bev)) {
			w->bev = NULL;
			continue;
		}
		if (!w->deadline_ms || now < w->deadline_ms)
			continue;
		log_msg(LOG_NOTICE, "link %s: a connection sent %s; closed", c->link_name, why);
		(void)https_creds_conn_fail(c->creds, w->bev, why);
		w->bev = NULL;
	}
	sweep_arm(c);
}

int https_conns_new(struct loop *loop, struct https_creds *creds, const char *link_name,
                    uint32_t request_ms, struct https_conns **ret)
{
	struct https_conns *c = calloc(1, sizeof(*c));
	int r;

	if (!c)
		return -ENOMEM;
	c->creds = creds;
	c->link_name = link_name;
	c->request_ms = request_ms ? request_ms : 1;
	if ((r = loop_timer_new(loop, sweep, c, &c->sweep)) < 0) {
		free(c);
		return r;
	}
	*ret = c;
	return 0;
}

void https_conns_free(struct https_conns *c)
{
	if (!c)
		return;
	loop_timer_free(c->sweep);
	free(c);
}

static struct watch *watch_of(struct https_conns *c, const struct bufferevent *bev)
{
	for (size_t i = 0; i < WATCH_MAX; i++)
		if (c->w[i].bev == bev)
			return &c->w[i];
	return NULL;
}

bool https_conns_add(struct https_conns *c, struct bufferevent *bev)
{
	struct watch *w = watch_of(c, bev); /* a closed one's memory, reused */

	if (!w) {
		for (size_t i = 0; i < WATCH_MAX && !w; i++)
			if (c->w[i].bev && !https_creds_conn_is_live(c->creds, c->w[i].bev))
				c->w[i].bev = NULL;
		w = watch_of(c, NULL);
	}
	if (!w)
		return false;
	*w = (struct watch){.bev = bev, .deadline_ms = loop_now_ms() + c->request_ms};
	sweep_arm(c);
	return true;
}

static void on_answered(struct evhttp_request *req, void *arg)
{
	struct https_conns *c = arg;
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct watch *w = evcon ? watch_of(c, evhttp_connection_get_bufferevent(evcon)) : NULL;

	if (w)
		w->deadline_ms = loop_now_ms() + c->request_ms;
}

void https_conns_request(struct https_conns *c, struct evhttp_request *req)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct watch *w = evcon ? watch_of(c, evhttp_connection_get_bufferevent(evcon)) : NULL;

	if (!w)
		return;
	w->deadline_ms = 0;
	evhttp_request_set_on_complete_cb(req, on_answered, c);
}
