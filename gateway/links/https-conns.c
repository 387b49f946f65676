// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * https-int.h: the https: link's connections: the whole-request deadline (attack 16h M1)
 * and the fair share of the link's HTTPS_CONNS_HELD connections by address (attack 16h
 * re-attack F1).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/bufferevent.h>
#include <event2/http.h>

#include "https-int.h"
#include "log.h"
#include "tls.h"

#define WATCH_MAX 128 /* HTTPS_CONNS_MAX live, and those of earlier credentials */
#define SWEEP_MS  250u
#define PEER_LEN  TLS_PEER_LEN /* family length (4, 16), then the address */

struct watch {
	struct bufferevent *bev; /* NULL: free */
	uint64_t deadline_ms;    /* 0: a request is being answered */
	bool placed;             /* admitted: its address is known and it counts */
	uint8_t peer[PEER_LEN];
};

struct https_conns {
	struct https_creds *creds;
	const char *link_name;
	uint32_t request_ms;
	struct loop_timer *sweep;
	struct loop_timer *admit; /* newcomers are placed from the loop, once evhttp set the fd */
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

/* Fails w's connection (evhttp closes it) and forgets it. */
static void watch_fail(struct https_conns *c, struct watch *w, const char *why)
{
	(void)https_creds_conn_fail(c->creds, w->bev, why);
	w->bev = NULL;
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
		watch_fail(c, w, why);
	}
	sweep_arm(c);
}

/* Placed live connections from peer (not counting skip). */
static unsigned peer_count(struct https_conns *c, const uint8_t *peer, const struct watch *skip)
{
	unsigned n = 0;

	for (size_t i = 0; i < WATCH_MAX; i++)
		n += c->w[i].bev && c->w[i].placed && &c->w[i] != skip &&
		     !memcmp(c->w[i].peer, peer, PEER_LEN);
	return n;
}

/*
 * The connection a newcomer holding `have` connections pushes out when the link is full:
 * of the address holding the most (more than `have`), the one waiting longest for a whole
 * request; never one whose request is being answered. NULL: none (the newcomer is refused).
 */
static struct watch *victim_of(struct https_conns *c, const struct watch *newcomer, unsigned have)
{
	struct watch *v = NULL;
	unsigned v_count = have;

	for (size_t i = 0; i < WATCH_MAX; i++) {
		struct watch *w = &c->w[i];
		if (!w->bev || !w->placed || !w->deadline_ms ||
		    !memcmp(w->peer, newcomer->peer, PEER_LEN))
			continue;
		unsigned n = peer_count(c, w->peer, NULL);
		if (n > v_count || (v && n == v_count && w->deadline_ms < v->deadline_ms)) {
			v = w;
			v_count = n;
		}
	}
	return v;
}

/* Places w: within HTTPS_CONNS_HELD, or by pushing out a bigger holder's waiting one. */
static void place(struct https_conns *c, struct watch *w)
{
	unsigned held = 0;

	tls_fd_peer(bufferevent_getfd(w->bev), w->peer);
	for (size_t i = 0; i < WATCH_MAX; i++)
		held += c->w[i].bev && c->w[i].placed;
	if (held >= HTTPS_CONNS_HELD) {
		struct watch *v = victim_of(c, w, peer_count(c, w->peer, w));
		if (!v) {
			watch_fail(c, w, "the link is full and this address holds its share");
			return;
		}
		log_msg(LOG_NOTICE,
		        "link %s: full; a connection of the address holding the most is closed "
		        "for a newcomer",
		        c->link_name);
		watch_fail(c, v, "pushed out: its address holds the most connections");
	}
	w->placed = true;
}

static void admit(void *user_data)
{
	struct https_conns *c = user_data;

	for (size_t i = 0; i < WATCH_MAX; i++) {
		struct watch *w = &c->w[i];
		if (!w->bev || w->placed)
			continue;
		if (!https_creds_conn_is_live(c->creds, w->bev))
			w->bev = NULL;
		else
			place(c, w);
	}
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
	if ((r = loop_timer_new(loop, sweep, c, &c->sweep)) < 0 ||
	    (r = loop_timer_new(loop, admit, c, &c->admit)) < 0) {
		https_conns_free(c);
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
	loop_timer_free(c->admit);
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
	if (!w || loop_timer_start(c->admit, 0) < 0)
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
