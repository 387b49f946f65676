/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by portal-serve.c and the API handlers (portal-api*.c) only. */
#ifndef SVCPORT_SIM_PORTAL_API_H
#define SVCPORT_SIM_PORTAL_API_H

#include <stdbool.h>
#include <stddef.h>

#include <event2/http.h>
#include <jansson.h>

#include "portal-acts.h"
#include "portal-serve.h"
#include "tls.h"

#define API_SEGS_MAX 8

struct api_server {
	struct portal *p;
	struct portal_serve_opts *opts;
	struct event_base *base;
	struct evhttp *http;
	struct tls_config *tls;
	struct tls_config *tls_prev; /* before the last reload: its connections may live on */
	bool names_auto;             /* names from the address and host name, not --names */
};

/* New certificates on disk: new connections use them (portal-serve.c). */
int api_server_reload(struct api_server *srv) __attribute__((warn_unused_result));

/* One request being answered. */
struct api_req {
	struct api_server *srv;
	struct portal *p;
	struct evhttp_request *req;
	enum evhttp_cmd_type method;
	char path[512];
	char *seg[API_SEGS_MAX]; /* path segments after /api/v1/, in path */
	size_t nseg;
	const char *body; /* NUL-terminated copy of the request body */
	size_t body_len;
	json_t *json;     /* body as JSON when it was sent as application/json */
	bool is_protobuf; /* body sent as application/x-protobuf (the device endpoints) */
	uint8_t *raw;     /* a protobuf answer instead of JSON (malloc'd; the dispatcher frees) */
	size_t raw_len;
	long retry_after; /* > 0: a RATE_LIMITED answer's Retry-After (seconds) */
	struct portal_actor actor;
	char token[PORTAL_TOKEN_LEN + 1];
};

/*
 * A handler answers through *ret (a JSON object it owns, or NULL) and returns
 * the HTTP status; the dispatcher sends exactly one reply.
 */
typedef int (*api_fn)(struct api_req *r, json_t **ret);

struct api_route {
	enum evhttp_cmd_type method;
	const char *pattern; /* segments split by '/'; a "*" segment matches any one */
	bool auth;           /* needs a session */
	api_fn fn;
};

extern const struct api_route api_routes_admin[];  /* portal-api-admin.c */
extern const struct api_route api_routes_dev[];    /* portal-api-dev.c */
extern const struct api_route api_routes_xfer[];   /* portal-api-xfer.c */
extern const struct api_route api_routes_https[];  /* portal-api-https.c */
extern const struct api_route api_routes_online[]; /* portal-api-online.c */

/* An error object {"error": NAME, "detail": why} and its HTTP status. */
int api_error(struct api_req *r, json_t **ret, int err);
/* 400 for a request that is not what the endpoint takes. */
int api_bad(json_t **ret, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A string member of the JSON body (NULL if missing or not a string). */
const char *api_str(struct api_req *r, const char *key);
/* Base64 member decoded into out; -EINVAL if missing, malformed or over cap. */
int api_b64(struct api_req *r, const char *key, uint8_t *out, size_t cap, size_t *ret_len)
    __attribute__((warn_unused_result));
json_t *api_b64_json(const uint8_t *data, size_t len);

/* Serves one request (portal-api.c). */
void api_dispatch(struct api_server *srv, struct evhttp_request *req);

#endif
