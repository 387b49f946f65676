// SPDX-License-Identifier: GPL-2.0-or-later
/* HTTPS client: request writer + http-parser response reader over tls-conn (see https-client.h). */
#include "https-client.h"

#include <errno.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <http_parser.h>
#include <mbedtls/platform_util.h>

#define TIMEOUT_MS_DEFAULT 10000

struct https_client {
	struct event_base *base;
	struct tls_config *cfg;
	char host[TLS_NAME_MAX];
	uint16_t port;
	struct tls_conn *conn; /* NULL between requests */
	struct event *deadline;
	http_parser parser;
	http_parser_settings settings;
	https_done_fn cb;
	void *user_data;
	bool in_flight;
	bool complete;
	bool header_is_ctype; /* the header being read is Content-Type */
	size_t header_bytes;
	size_t body_max; /* of the request in flight */
	bool body_over;  /* the body passed body_max */
	struct evbuffer *body;
	char ctype[HTTPS_CTYPE_MAX];
	char why[TLS_NAME_MAX + 128];
};

static int on_header_field(http_parser *p, const char *at, size_t len)
{
	struct https_client *c = p->data;

	c->header_bytes += len;
	c->header_is_ctype = len == 12 && strncasecmp(at, "Content-Type", 12) == 0;
	return c->header_bytes > HTTPS_HEADERS_MAX;
}

static int on_header_value(http_parser *p, const char *at, size_t len)
{
	struct https_client *c = p->data;

	c->header_bytes += len;
	if (c->header_is_ctype) {
		size_t have = strlen(c->ctype);
		size_t n = len < sizeof(c->ctype) - 1 - have ? len : sizeof(c->ctype) - 1 - have;

		memcpy(c->ctype + have, at, n);
		c->ctype[have + n] = '\0';
	}
	return c->header_bytes > HTTPS_HEADERS_MAX;
}

static int on_body(http_parser *p, const char *at, size_t len)
{
	struct https_client *c = p->data;

	c->body_over = evbuffer_get_length(c->body) + len > c->body_max;
	if (c->body_over)
		return 1;
	return evbuffer_add(c->body, at, len) != 0;
}

static int on_message_complete(http_parser *p)
{
	struct https_client *c = p->data;

	c->complete = true;
	return 0;
}

int https_client_new(struct event_base *base, struct tls_config *cfg, const char *host,
                     uint16_t port, struct https_client **ret)
{
	struct https_client *c;

	if (!host || !host[0] || strlen(host) >= TLS_NAME_MAX || port == 0)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->base = base;
	c->cfg = tls_config_ref(cfg);
	snprintf(c->host, sizeof(c->host), "%s", host);
	c->port = port;
	c->settings.on_header_field = on_header_field;
	c->settings.on_header_value = on_header_value;
	c->settings.on_body = on_body;
	c->settings.on_message_complete = on_message_complete;
	c->body = evbuffer_new();
	if (!c->body) {
		https_client_free(c);
		return -ENOMEM;
	}
	*ret = c;
	return 0;
}

static void exchange_end(struct https_client *c)
{
	if (c->conn)
		bufferevent_free(tls_conn_bev(c->conn));
	c->conn = NULL;
	if (c->deadline) {
		event_free(c->deadline);
		c->deadline = NULL;
	}
	c->in_flight = false;
}

void https_client_free(struct https_client *c)
{
	if (!c)
		return;
	exchange_end(c);
	if (c->body)
		evbuffer_free(c->body);
	tls_config_unref(c->cfg);
	free(c);
}

const char *https_client_why(const struct https_client *c)
{
	return c->why;
}

/* Ends the exchange, then tells the user (who may free c in the callback). */
static void finish(struct https_client *c, int err)
{
	struct https_response r = {0};
	https_done_fn cb = c->cb;
	void *ud = c->user_data;
	size_t len = evbuffer_get_length(c->body);

	if (err == 0) {
		r.status = c->parser.status_code;
		r.content_type = c->ctype;
		r.body = evbuffer_pullup(c->body, -1);
		r.body_len = len;
	} else if (c->conn && !c->why[0]) {
		snprintf(c->why, sizeof(c->why), "%s", tls_conn_why(c->conn));
	}
	exchange_end(c);
	cb(err, err == 0 ? &r : NULL, ud);
}

static void parse(struct https_client *c, const char *data, size_t len)
{
	size_t n = http_parser_execute(&c->parser, &c->settings, data, len);

	if (c->complete) {
		finish(c, 0);
		return;
	}
	if (HTTP_PARSER_ERRNO(&c->parser) != HPE_OK || n != len) {
		snprintf(c->why, sizeof(c->why), "bad HTTP response: %s",
		         c->header_bytes > HTTPS_HEADERS_MAX ? "headers too large"
		         : c->body_over                      ? "body too large"
		                        : http_errno_description(HTTP_PARSER_ERRNO(&c->parser)));
		finish(c, -EPROTO);
	}
}

static void read_cb(struct bufferevent *bev, void *ctx)
{
	struct https_client *c = ctx;
	struct evbuffer *in = bufferevent_get_input(bev);
	char buf[4096];
	int n;
	while (c->in_flight && (n = evbuffer_remove(in, buf, sizeof(buf))) > 0)
		parse(c, buf, (size_t)n);
}

static void event_cb(struct bufferevent *bev, short what, void *ctx)
{
	struct https_client *c = ctx;

	(void)bev;
	if (what & BEV_EVENT_CONNECTED)
		return;
	if ((what & BEV_EVENT_EOF) && !(what & BEV_EVENT_ERROR)) {
		parse(c, NULL, 0); /* EOF may end a body without a length */
		if (c->in_flight) {
			snprintf(c->why, sizeof(c->why), "connection closed before the response");
			finish(c, -ECONNRESET);
		}
		return;
	}
	if (what & BEV_EVENT_TIMEOUT)
		snprintf(c->why, sizeof(c->why), "%s",
		         tls_conn_why(c->conn)[0] ? tls_conn_why(c->conn) : "timed out");
	else if (!tls_conn_why(c->conn)[0])
		snprintf(c->why, sizeof(c->why), "cannot reach %s:%u", c->host, c->port);
	finish(c, (what & BEV_EVENT_TIMEOUT) ? -ETIMEDOUT : -ECONNREFUSED);
}

static void deadline_cb(evutil_socket_t fd, short what, void *ctx)
{
	struct https_client *c = ctx;

	(void)fd;
	(void)what;
	snprintf(c->why, sizeof(c->why), "no complete response within the time limit");
	finish(c, -ETIMEDOUT);
}

static bool is_clean(const char *s)
{
	return s && !strpbrk(s, "\r\n");
}

static int request_write(struct https_client *c, const struct https_request *req)
{
	struct evbuffer *out = bufferevent_get_output(tls_conn_bev(c->conn));
	int err = 0;

	err |= evbuffer_add_printf(out,
	                           "%s %s HTTP/1.1\r\nHost: %s:%u\r\nConnection: close\r\n"
	                           "Content-Length: %zu\r\n",
	                           req->method, req->path, c->host, c->port, req->body_len) < 0;
	for (const char *const *h = req->headers; h && *h; h++)
		err |= evbuffer_add_printf(out, "%s\r\n", *h) < 0;
	err |= evbuffer_add(out, "\r\n", 2);
	if (req->body_len)
		err |= evbuffer_add(out, req->body, req->body_len);
	return err ? -ENOMEM : 0;
}

static int connect_to(struct https_client *c)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
	struct addrinfo *ai = NULL;
	char port[8];
	int err;

	snprintf(port, sizeof(port), "%u", c->port);
	if (getaddrinfo(c->host, port, &hints, &ai) != 0 || !ai) {
		snprintf(c->why, sizeof(c->why), "cannot resolve %s", c->host);
		return -EHOSTUNREACH;
	}
	c->conn = tls_conn_new(c->base, c->cfg, -1, c->host);
	if (!c->conn) {
		freeaddrinfo(ai);
		return -ENOMEM;
	}
	bufferevent_setcb(tls_conn_bev(c->conn), read_cb, NULL, event_cb, c);
	bufferevent_enable(tls_conn_bev(c->conn), EV_READ | EV_WRITE);
	err = tls_conn_connect(c->conn, ai->ai_addr, (int)ai->ai_addrlen);
	freeaddrinfo(ai);
	if (err < 0)
		snprintf(c->why, sizeof(c->why), "cannot connect to %s:%u", c->host, c->port);
	return err;
}

int https_client_request(struct https_client *c, const struct https_request *req, https_done_fn cb,
                         void *user_data)
{
	unsigned ms = req->timeout_ms ? req->timeout_ms : TIMEOUT_MS_DEFAULT;
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
	int err;

	if (c->in_flight)
		return -EBUSY;
	if (!is_clean(req->method) || !is_clean(req->path) || req->path[0] != '/')
		return -EINVAL;
	for (const char *const *h = req->headers; h && *h; h++)
		if (!is_clean(*h) || strlen(*h) > HTTPS_REQ_HEADER_MAX)
			return -EINVAL;
	c->why[0] = c->ctype[0] = '\0';
	c->complete = false;
	c->header_bytes = 0;
	c->body_over = false;
	c->body_max =
	    req->body_max && req->body_max < HTTPS_BODY_MAX ? req->body_max : HTTPS_BODY_MAX;
	evbuffer_drain(c->body, evbuffer_get_length(c->body));
	http_parser_init(&c->parser, HTTP_RESPONSE);
	c->parser.data = c;
	c->cb = cb;
	c->user_data = user_data;
	c->deadline = evtimer_new(c->base, deadline_cb, c);
	if (!c->deadline)
		return -ENOMEM;
	c->in_flight = true;
	err = connect_to(c);
	if (err == 0)
		err = request_write(c, req);
	if (err < 0) {
		exchange_end(c);
		return err;
	}
	evtimer_add(c->deadline, &tv);
	return 0;
}
