// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * https:ADDR:PORT: the management network's link (DESIGN §2.4, docs/gateway.md
 * "https:"). evhttp over the TLS filter of common/tls.h, served with the link
 * certificate from the link dir (https-creds.c); each conversation is a
 * session of the table (LINK_NET, never presence) named by a token
 * (https-sess.c). The HTTP mapping:
 *   POST   /v1/sessions                 201, text/plain: a new session's token
 *   POST   /v1/sessions/TOKEN/frames    one Frame in, the answer Frame out (200),
 *                                       204 when none came in time (send the same id again)
 *   GET    /v1/sessions/TOKEN/events    long poll: one Event Frame (200) or 204 after 20 s
 *   DELETE /v1/sessions/TOKEN           204: the session ends
 *   POST   /v1/frame                    a one-request session (curl): the answer, then it ends
 *   OPTIONS (any of them)               CORS preflight, for https-allow-origin only
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>

#include "https-int.h"
#include "log.h"
#include "loop.h"
#include "session.h"
#include "tls.h"

#define SESSIONS_PATH "/v1/sessions"

struct https_link {
	struct link base;
	const struct link_ctx *ctx;
	char name[128];
	struct https_creds *creds;
	struct https_conns *conns; /* the whole-request deadline */
	struct evhttp *http;
	struct https_sess *sessions;
	struct https_sess *ended; /* unlinked, freed by reap from the loop */
	struct loop_timer *reap;
	struct evconnlistener *listener; /* evhttp's, paused while nothing can be served */
	struct loop_timer *relisten;
	struct https_link *next_link; /* all_links */
};

/* evhttp's listener calls back with the evhttp as its argument: the links by it. */
static struct https_link *all_links;

static struct https_link *link_of_http(const void *http)
{
	for (struct https_link *l = all_links; l; l = l->next_link)
		if (l->http == http)
			return l;
	return NULL;
}

#define HTTPS_PAUSE_MS 1000 /* a paused listener accepts again after this */

/*
 * Stops accepting for HTTPS_PAUSE_MS: while the link has no credentials (each
 * accepted connection would be a plain one no TLS cap counts) or the process is
 * out of descriptors (the accept would fail on every turn of the loop). At most
 * one connection a pause gets in, and the technician's links keep their fds.
 */
static void listener_pause(struct https_link *l)
{
	if (!l->listener || loop_timer_is_pending(l->relisten))
		return;
	evconnlistener_disable(l->listener);
	if (loop_timer_start(l->relisten, HTTPS_PAUSE_MS) < 0)
		evconnlistener_enable(l->listener); /* no timer: never stay deaf */
}

static void listener_resume(void *user_data)
{
	struct https_link *l = user_data;

	evconnlistener_enable(l->listener);
}

static void on_accept_error(struct evconnlistener *lis, void *http)
{
	struct https_link *l = link_of_http(http);
	int err = EVUTIL_SOCKET_ERROR();

	if (!l) {
		evconnlistener_disable(lis); /* not ours: cannot happen, never spin */
		return;
	}
	log_msg(LOG_WARNING, "link %s: accept: %s; not accepting for %d ms", l->name, strerror(err),
	        HTTPS_PAUSE_MS);
	listener_pause(l);
}

static struct bufferevent *on_bev(struct event_base *base, void *arg)
{
	struct https_link *l = arg;
	struct tls_config *cfg = https_creds_current(l->creds, loop_now_ms());

	/* NULL: evhttp makes a plain bufferevent, and on_request refuses it (503),
	 * which a TLS client sees as a failed handshake; no more come in for a while. */
	if (!cfg) {
		listener_pause(l);
		return NULL;
	}
	struct bufferevent *bev = tls_bev_for_evhttp(base, cfg);
	if (bev && !https_conns_add(l->conns, bev))
		(void)tls_bev_fail(cfg, bev, "no connection can be timed"); /* fail closed */
	return bev;
}

static void on_close(struct evhttp_connection *evcon, void *arg)
{
	struct https_link *l = arg;

	https_creds_closecb(l->creds, evcon);
}

static const char *request_origin(struct evhttp_request *req)
{
	return evhttp_find_header(evhttp_request_get_input_headers(req), "Origin");
}

void https_reply(struct https_link *l, struct evhttp_request *req, int code, const char *reason,
                 const char *ctype, const void *body, size_t len)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	struct evbuffer *b = evbuffer_new();
	const char *origin = request_origin(req);

	/* on_request let only the configured origin through. */
	if (origin && l->ctx->https_allow_origin && l->ctx->https_allow_origin[0]) {
		evhttp_add_header(h, "Access-Control-Allow-Origin", l->ctx->https_allow_origin);
		evhttp_add_header(h, "Vary", "Origin");
	}
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	if (ctype)
		evhttp_add_header(h, "Content-Type", ctype);
	if (b && body && len)
		evbuffer_add(b, body, len);
	evhttp_send_reply(req, code, reason, b);
	evbuffer_free(b);
}

static void reply_text(struct https_link *l, struct evhttp_request *req, int code,
                       const char *reason, const char *text)
{
	https_reply(l, req, code, reason, "text/plain; charset=utf-8", text, strlen(text));
}

static void reap_ended(void *user_data)
{
	struct https_link *l = user_data;

	while (l->ended) {
		struct https_sess *s = l->ended;
		l->ended = https_sess_next(s);
		https_sess_free(s);
	}
}

void https_link_sess_ended(struct https_link *l, struct https_sess *s)
{
	struct https_sess *prev = NULL;

	for (struct https_sess *p = l->sessions; p; prev = p, p = https_sess_next(p)) {
		if (p != s)
			continue;
		if (prev)
			https_sess_set_next(prev, https_sess_next(p));
		else
			l->sessions = https_sess_next(p);
		https_sess_set_next(s, l->ended);
		l->ended = s;
		if (loop_timer_start(l->reap, 0) < 0)
			log_msg(LOG_ERR, "link %s: cannot schedule a session's end", l->name);
		return;
	}
}

/*
 * The client's address (without its port), for the log, and its prefix, the
 * back-off's peer: /24 for IPv4 (and IPv4-mapped IPv6), /64 for IPv6. A peer
 * that changes its address within its network stays the same peer (attack 16h
 * M3, docs/gateway.md "https:").
 */
static void peer_of(struct evhttp_request *req, char *addr_out, char *prefix, size_t cap)
{
	char *addr = NULL;
	ev_uint16_t port = 0;

	evhttp_connection_get_peer(evhttp_request_get_connection(req), &addr, &port);
	snprintf(addr_out, cap, "%s", addr ? addr : "?");
	https_peer_prefix(addr, prefix, cap);
}

/* A new session for req (POST /v1/sessions or a one-shot /v1/frame); NULL: answered. */
static struct https_sess *sess_open(struct https_link *l, struct evhttp_request *req, bool oneshot)
{
	char addr[HTTPS_PEER_MAX], prefix[HTTPS_PEER_MAX];
	struct https_sess *s = NULL;

	peer_of(req, addr, prefix, sizeof(addr));
	struct https_sess_config cfg = {.link = l,
	                                .ctx = l->ctx,
	                                .link_name = l->name,
	                                .peer = prefix,
	                                .addr = addr,
	                                .oneshot = oneshot};
	int r = https_sess_new(&cfg, &s);
	if (r == -EBUSY) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "1");
		reply_text(l, req, 503, "No Free Session",
		           "no free session for the management network: try again later\n");
		return NULL;
	}
	if (r < 0) {
		reply_text(l, req, 500, "Internal Server Error", "out of memory\n");
		return NULL;
	}
	https_sess_set_next(s, l->sessions);
	l->sessions = s;
	return s;
}

static struct https_sess *sess_find(struct https_link *l, const char *token)
{
	struct https_sess *found = NULL;

	/* Every session is compared, in constant time each: no early exit. */
	for (struct https_sess *p = l->sessions; p; p = https_sess_next(p))
		if (https_sess_has_token(p, token))
			found = p;
	return found;
}

static void on_frame(struct https_link *l, struct evhttp_request *req, struct https_sess *s)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);

	if (len == 0) {
		reply_text(l, req, 400, "Bad Request", "the body must be one Frame\n");
		return;
	}
	if (len > l->ctx->max_message) { /* evhttp's own bound is the same */
		reply_text(l, req, 413, "Payload Too Large", "a Frame over the maximum\n");
		return;
	}
	const uint8_t *body = evbuffer_pullup(in, (ev_ssize_t)len);
	if (!body) {
		reply_text(l, req, 500, "Internal Server Error", "out of memory\n");
		return;
	}
	if (!s)
		s = sess_open(l, req, true);
	if (s)
		https_sess_post(s, req, body, len);
}

static void on_preflight(struct https_link *l, struct evhttp_request *req)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	evhttp_add_header(h, "Access-Control-Allow-Methods", "GET, POST, DELETE");
	evhttp_add_header(h, "Access-Control-Allow-Headers", "Content-Type");
	evhttp_add_header(h, "Access-Control-Max-Age", "600");
	https_reply(l, req, 204, "No Content", NULL, NULL, 0);
}

static void method_not_allowed(struct https_link *l, struct evhttp_request *req, const char *allow)
{
	evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", allow);
	reply_text(l, req, 405, "Method Not Allowed", "method not allowed here\n");
}

/* /v1/sessions/TOKEN[/what] */
static void on_session_path(struct https_link *l, struct evhttp_request *req, const char *rest,
                            enum evhttp_cmd_type cmd)
{
	char token[HTTPS_TOKEN_HEX + 1];
	const char *slash = strchr(rest, '/');
	size_t n = slash ? (size_t)(slash - rest) : strlen(rest);
	const char *what = slash ? slash + 1 : "";

	if (n != HTTPS_TOKEN_HEX ||
	    (strcmp(what, "") && strcmp(what, "frames") && strcmp(what, "events"))) {
		reply_text(l, req, 404, "Not Found", "no such resource\n");
		return;
	}
	const char *allow = !*what ? "DELETE" : what[0] == 'f' ? "POST" : "GET";
	enum evhttp_cmd_type want = !*what           ? EVHTTP_REQ_DELETE
	                            : what[0] == 'f' ? EVHTTP_REQ_POST
	                                             : EVHTTP_REQ_GET;
	if (cmd != want) {
		method_not_allowed(l, req, allow);
		return;
	}
	memcpy(token, rest, n);
	token[n] = 0;
	struct https_sess *s = sess_find(l, token);
	if (!s) {
		reply_text(l, req, 404, "Not Found", "no such session (ended or never opened)\n");
		return;
	}
	if (cmd == EVHTTP_REQ_DELETE) {
		https_link_sess_ended(l, s);
		https_reply(l, req, 204, "No Content", NULL, NULL, 0);
	} else if (cmd == EVHTTP_REQ_POST) {
		on_frame(l, req, s);
	} else {
		https_sess_poll(s, req);
	}
}

static void route(struct https_link *l, struct evhttp_request *req, const char *path)
{
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);

	if (cmd == EVHTTP_REQ_OPTIONS) {
		on_preflight(l, req);
	} else if (!strcmp(path, "/v1/frame")) {
		if (cmd == EVHTTP_REQ_POST)
			on_frame(l, req, NULL);
		else
			method_not_allowed(l, req, "POST");
	} else if (!strcmp(path, SESSIONS_PATH)) {
		struct https_sess *s;
		if (cmd != EVHTTP_REQ_POST)
			method_not_allowed(l, req, "POST");
		else if ((s = sess_open(l, req, false)))
			https_reply(l, req, 201, "Created", "text/plain; charset=utf-8",
			            https_sess_token(s), HTTPS_TOKEN_HEX);
	} else if (!strncmp(path, SESSIONS_PATH "/", sizeof(SESSIONS_PATH))) {
		on_session_path(l, req, path + sizeof(SESSIONS_PATH), cmd);
	} else {
		reply_text(l, req, 404, "Not Found", "no such resource (see docs/gateway.md)\n");
	}
}

static void on_request(struct evhttp_request *req, void *arg)
{
	struct https_link *l = arg;
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	const char *origin = request_origin(req);
	const char *allow = l->ctx->https_allow_origin;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;

	evhttp_connection_set_closecb(evcon, on_close, l);
	if (!tls_evhttp_is_tls(evcon)) {
		evhttp_send_error(req, 503, "TLS unavailable");
		return;
	}
	https_conns_request(l->conns, req);
	/* A page of another origin (not the technician's web app) is refused. */
	if (origin && (!allow || !allow[0] || strcmp(origin, allow))) {
		evhttp_send_error(req, 403, "Origin not allowed");
		return;
	}
	if (!path || evhttp_uri_get_query(uri)) {
		reply_text(l, req, 404, "Not Found", "no such resource\n");
		return;
	}
	route(l, req, path);
}

static void https_link_free(struct link *base)
{
	struct https_link *l = (struct https_link *)base;

	while (l->sessions) {
		struct https_sess *s = l->sessions;
		l->sessions = https_sess_next(s);
		https_sess_free(s);
	}
	for (struct https_link **p = &all_links; *p; p = &(*p)->next_link)
		if (*p == l) {
			*p = l->next_link;
			break;
		}
	reap_ended(l);
	loop_timer_free(l->reap);
	loop_timer_free(l->relisten);
	if (l->http)
		evhttp_free(l->http);
	https_conns_free(l->conns);
	https_creds_free(l->creds);
	free(l);
}

/* "ADDR:PORT", ADDR an IPv4 literal or [IPv6]. */
static int parse_addr(const char *arg, char *addr, size_t cap, uint16_t *port)
{
	const char *colon = strrchr(arg, ':');
	const char *a = arg;
	size_t n = colon ? (size_t)(colon - arg) : 0;
	char *end;
	unsigned long p;
	unsigned char bin[sizeof(struct in6_addr)];

	if (!colon || !colon[1])
		return -EINVAL;
	if (n >= 2 && a[0] == '[' && a[n - 1] == ']') {
		a++;
		n -= 2;
	}
	if (n == 0 || n >= cap)
		return -EINVAL;
	memcpy(addr, a, n);
	addr[n] = 0;
	if (inet_pton(AF_INET, addr, bin) != 1 && inet_pton(AF_INET6, addr, bin) != 1)
		return -EINVAL;
	p = strtoul(colon + 1, &end, 10);
	if (*end || p > 65535 || colon[1] < '0' || colon[1] > '9')
		return -EINVAL;
	*port = (uint16_t)p;
	return 0;
}

static void log_listening(struct https_link *l, struct evhttp_bound_socket *bs)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (getsockname(evhttp_bound_socket_get_fd(bs), (struct sockaddr *)&ss, &len) == 0) {
		if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
			inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
			port = ntohs(s6->sin6_port);
		} else {
			struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
			inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
			port = ntohs(s4->sin_port);
		}
	}
	/* Tests and the simulator read the port of "https:ADDR:0" from this line. */
	log_msg(LOG_INFO, "link %s: listening on %s port %u (link dir %s)", l->name, host, port,
	        l->ctx->link_dir);
}

static int http_setup(struct https_link *l, const char *addr, uint16_t port)
{
	struct timeval tv = {.tv_sec = l->ctx->limits->message_ms / 1000,
	                     .tv_usec = (l->ctx->limits->message_ms % 1000) * 1000};
	struct evhttp_bound_socket *bs;

	l->http = evhttp_new(loop_event_base(l->ctx->loop));
	if (!l->http)
		return -ENOMEM;
	l->next_link = all_links;
	all_links = l;
	evhttp_set_bevcb(l->http, on_bev, l);
	evhttp_set_max_headers_size(l->http, HTTPS_HEADERS_MAX);
	evhttp_set_max_body_size(l->http, l->ctx->max_message);
	evhttp_set_timeout_tv(l->http, &tv);
	evhttp_set_flags(l->http, EVHTTP_SERVER_LINGERING_CLOSE);
	evhttp_set_allowed_methods(l->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_DELETE |
	                                        EVHTTP_REQ_OPTIONS);
	evhttp_set_gencb(l->http, on_request, l);
	bs = evhttp_bind_socket_with_handle(l->http, addr, port);
	if (!bs)
		return -EADDRNOTAVAIL;
	l->listener = evhttp_bound_socket_get_listener(bs);
	evconnlistener_set_error_cb(l->listener, on_accept_error);
	log_listening(l, bs);
	return 0;
}

static int https_link_open(const struct link_ctx *ctx, const char *arg, struct link **ret_link)
{
	char addr[INET6_ADDRSTRLEN + 2];
	uint16_t port;
	int r;
	struct https_link *l = calloc(1, sizeof(*l));

	if (!l)
		return -ENOMEM;
	l->base.ops = &link_https_ops;
	l->ctx = ctx;
	snprintf(l->name, sizeof(l->name), "https:%s", arg);
	r = parse_addr(arg, addr, sizeof(addr), &port);
	if (r < 0) {
		log_msg(LOG_ERR,
		        "link %s: expected https:ADDR:PORT with an IP address "
		        "(https:192.0.2.10:443, https:[2001:db8::1]:443)",
		        l->name);
		goto free_link;
	}
	if (!ctx->link_dir || !ctx->link_dir[0]) {
		r = -EINVAL;
		log_msg(LOG_ERR,
		        "link %s: needs --link-dir (the folder bmcd exports the link "
		        "certificate to)",
		        l->name);
		goto free_link;
	}
	if ((r = https_creds_new(ctx->link_dir, l->name, &l->creds)) < 0 ||
	    (r = https_conns_new(ctx->loop, l->creds, l->name, ctx->limits->message_ms,
	                         &l->conns)) < 0 ||
	    (r = loop_timer_new(ctx->loop, reap_ended, l, &l->reap)) < 0 ||
	    (r = loop_timer_new(ctx->loop, listener_resume, l, &l->relisten)) < 0)
		goto free_link;
	r = http_setup(l, addr, port);
	if (r < 0) {
		log_msg(LOG_ERR, "link %s: cannot listen: %s", l->name,
		        r == -EADDRNOTAVAIL ? "address not available or port in use"
		                            : strerror(-r));
		goto free_link;
	}
	/* Look now: a missing or mismatched pair is logged at start, not at the first client. */
	(void)https_creds_current(l->creds, loop_now_ms());
	*ret_link = &l->base;
	return 0;

free_link:
	https_link_free(&l->base);
	return r;
}

const struct link_ops link_https_ops = {
    .scheme = "https",
    .open = https_link_open,
    .free = https_link_free,
};
