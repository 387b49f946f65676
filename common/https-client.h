/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * An HTTPS/1.1 client on the TLS glue (tls.h): one request per connection
 * ("Connection: close"), the response parsed by http-parser (Debian
 * libhttp-parser) with bounded headers and body. libevent 2.1's evhttp client
 * cannot sit on a filter bufferevent (it connects its bufferevent itself with
 * bufferevent_socket_connect, which only socket and OpenSSL bufferevents
 * support; docs/tls.md), hence this small client beside evhttp's server.
 *
 * The host is resolved with a blocking getaddrinfo(): callers in a loop that
 * must never block give an IP literal. Library code: no logging.
 */
#ifndef SVCPORT_COMMON_HTTPS_CLIENT_H
#define SVCPORT_COMMON_HTTPS_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "tls.h"

#define HTTPS_HEADERS_MAX    (16 * 1024) /* all response header bytes */
#define HTTPS_BODY_MAX       (1024 * 1024)
#define HTTPS_CTYPE_MAX      128
#define HTTPS_REQ_HEADER_MAX 1024 /* one extra request header line */

struct https_client;

struct https_response {
	int status;
	const char *content_type; /* "" if none */
	const uint8_t *body;      /* valid during the callback only */
	size_t body_len;
};

/* err: 0 and r set, or a negative errno (then https_client_why() says more). */
typedef void (*https_done_fn)(int err, const struct https_response *r, void *user_data);

/* host: DNS name or IP literal, also the name the certificate must carry. */
int https_client_new(struct event_base *base, struct tls_config *cfg, const char *host,
                     uint16_t port, struct https_client **ret) __attribute__((warn_unused_result));
/* Cancels a request in flight (its callback is not called). NULL is a no-op. */
void https_client_free(struct https_client *c);

struct https_request {
	const char *method;         /* "GET", "POST", ... */
	const char *path;           /* "/api/v1/..." */
	const char *const *headers; /* "Name: value" lines, NULL-terminated, or NULL */
	const void *body;           /* may be NULL */
	size_t body_len;
	unsigned timeout_ms; /* whole exchange; 0: 10 s */
	size_t body_max;     /* largest response body taken; 0 (or more): HTTPS_BODY_MAX */
};

/*
 * Starts one request; cb is called exactly once, from the loop. -EBUSY if a
 * request is in flight, -EINVAL for a method/path/header with CR, LF or NUL.
 */
int https_client_request(struct https_client *c, const struct https_request *req, https_done_fn cb,
                         void *user_data) __attribute__((warn_unused_result));
/* Why the last request failed, for people ("" if it did not). */
const char *https_client_why(const struct https_client *c);

#endif
