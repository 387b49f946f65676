// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The API's dispatcher: path split, body bounds and JSON, the session check,
 * the route tables, static files, and exactly one reply per request.
 */
#include "portal-api.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>
#include <mbedtls/base64.h>
#include <mbedtls/platform_util.h>

#include "portal-internal.h"
#include "utc.h"

static int status_of(int err)
{
	switch (err) {
	case -ENOKEY:
		return 401;
	case -EKEYEXPIRED:
		return 410; /* a passphrase, a mark; an expired session is 401 (auth_check) */
	case -EACCES:
	case -EPERM:
	case -EKEYREJECTED:
		return 403;
	case -ENOENT:
		return 404;
	case -EEXIST:
	case -EALREADY:
		return 409;
	case -E2BIG:
		return 413;
	case -EBUSY:
		return 429;
	case -EINVAL:
	case -EBADMSG:
	case -ENODEV:
		return 400;
	default:
		return 500;
	}
}

int api_error(struct api_req *r, json_t **ret, int err)
{
	const char *why = portal_why(r->p)[0] ? portal_why(r->p) : strerror(-err);

	*ret = json_pack("{s:s, s:s}", "error", portal_err_name(err), "detail", why);
	return status_of(err);
}

int api_bad(json_t **ret, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	*ret = json_pack("{s:s, s:s}", "error", "BAD_REQUEST", "detail", why);
	return 400;
}

const char *api_str(struct api_req *r, const char *key)
{
	json_t *v = r->json ? json_object_get(r->json, key) : NULL;

	return json_is_string(v) ? json_string_value(v) : NULL;
}

int api_b64(struct api_req *r, const char *key, uint8_t *out, size_t cap, size_t *ret_len)
{
	const char *s = api_str(r, key);

	if (!s ||
	    mbedtls_base64_decode(out, cap, ret_len, (const unsigned char *)s, strlen(s)) != 0)
		return -EINVAL;
	return 0;
}

json_t *api_b64_json(const uint8_t *data, size_t len)
{
	size_t cap = 4 * ((len + 2) / 3) + 1, olen = 0;
	unsigned char *b = malloc(cap);
	json_t *j = NULL;

	if (b && mbedtls_base64_encode(b, cap, &olen, data, len) == 0)
		j = json_stringn((const char *)b, olen);
	free(b);
	return j;
}

static void reply(struct evhttp_request *req, int status, json_t *obj, const struct api_req *r)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	struct evbuffer *b = evbuffer_new();
	char *text = obj && !r->raw ? json_dumps(obj, JSON_COMPACT) : NULL;

	evhttp_add_header(h, "Content-Type",
	                  r->raw ? "application/x-protobuf" : "application/json");
	if (b && r->raw)
		evbuffer_add(b, r->raw, r->raw_len);
	evhttp_add_header(h, "Cache-Control", "no-store");
	if (r->retry_after > 0) { /* RFC 9110 §10.2.3: delay-seconds */
		char secs[24];

		snprintf(secs, sizeof(secs), "%ld", r->retry_after);
		evhttp_add_header(h, "Retry-After", secs);
	}
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	if (b && text)
		evbuffer_add_printf(b, "%s\n", text);
	evhttp_send_reply(req, status, status < 400 ? "OK" : "Refused", b);
	if (text) {
		mbedtls_platform_zeroize(text, strlen(text)); /* may hold a token */
		free(text);
	}
	if (b)
		evbuffer_free(b);
}

/* "/api/v1/a/b" into segments; false for anything outside the API or too deep. */
static bool path_split(struct api_req *r, const char *uri)
{
	const struct evhttp_uri *u = evhttp_request_get_evhttp_uri(r->req);
	const char *path = u ? evhttp_uri_get_path(u) : NULL;
	char *save = NULL;

	(void)uri;
	if (!path || strncmp(path, "/api/v1/", 8) != 0 || strlen(path) >= sizeof(r->path))
		return false;
	snprintf(r->path, sizeof(r->path), "%s", path + 8);
	for (char *t = strtok_r(r->path, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
		if (r->nseg == API_SEGS_MAX)
			return false;
		r->seg[r->nseg++] = t;
	}
	return true;
}

static bool is_match(const struct api_req *r, const char *pattern)
{
	char copy[128];
	char *save = NULL;
	size_t i = 0;

	snprintf(copy, sizeof(copy), "%s", pattern);
	for (char *t = strtok_r(copy, "/", &save); t; t = strtok_r(NULL, "/", &save), i++)
		if (i >= r->nseg || (strcmp(t, "*") != 0 && strcmp(t, r->seg[i]) != 0))
			return false;
	return i == r->nseg;
}

static const struct api_route *route_find(const struct api_req *r, bool *ret_path_known)
{
	const struct api_route *tables[] = {api_routes_admin, api_routes_dev, api_routes_xfer,
	                                    api_routes_https, api_routes_online};

	*ret_path_known = false;
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		for (const struct api_route *rt = tables[t]; rt->pattern; rt++) {
			if (!is_match(r, rt->pattern))
				continue;
			*ret_path_known = true;
			if (rt->method == r->method)
				return rt;
		}
	return NULL;
}

/* Copies the body (evhttp already bounded it) and parses JSON bodies. */
static int body_read(struct api_req *r, json_t **ret)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(r->req);
	const char *ctype =
	    evhttp_find_header(evhttp_request_get_input_headers(r->req), "Content-Type");
	char *copy;
	json_error_t jerr;

	r->body_len = evbuffer_get_length(in);
	copy = malloc(r->body_len + 1);
	if (!copy)
		return api_bad(ret, "out of memory");
	evbuffer_remove(in, copy, r->body_len);
	copy[r->body_len] = '\0';
	r->body = copy;
	if (r->body_len == 0 || (ctype && strncasecmp(ctype, "text/csv", 8) == 0))
		return 0;
	r->is_protobuf = ctype && strncasecmp(ctype, "application/x-protobuf", 22) == 0;
	if (r->is_protobuf)
		return 0;
	if (!ctype || strncasecmp(ctype, "application/json", 16) != 0)
		return api_bad(ret, "send application/json or text/csv");
	r->json = json_loadb(copy, r->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (!r->json || !json_is_object(r->json))
		return api_bad(ret, "malformed JSON: %s (line %d)",
		               r->json ? "not an object" : jerr.text, jerr.line);
	return 0;
}

static int auth_check(struct api_req *r, json_t **ret)
{
	const char *h =
	    evhttp_find_header(evhttp_request_get_input_headers(r->req), "Authorization");
	int err;

	if (!h || strncmp(h, "Bearer ", 7) != 0 || strlen(h + 7) > PORTAL_TOKEN_LEN) {
		*ret = json_pack("{s:s, s:s}", "error", "UNAUTHENTICATED", "detail",
		                 "send Authorization: Bearer TOKEN (POST /api/v1/login)");
		return 401;
	}
	snprintf(r->token, sizeof(r->token), "%s", h + 7);
	err = portal_session_check(r->p, r->token, utc_now_s(), &r->actor);
	if (err < 0) {
		api_error(r, ret, err);
		return 401;
	}
	return 0;
}

static void peer_addr(struct api_req *r)
{
	char *addr = NULL;
	ev_uint16_t port = 0;

	evhttp_connection_get_peer(evhttp_request_get_connection(r->req), &addr, &port);
	snprintf(r->actor.addr, sizeof(r->actor.addr), "%s", addr ? addr : "?");
}

static int api_handle(struct api_req *r, json_t **ret)
{
	const struct api_route *rt;
	bool known;
	char addr[PORTAL_ADDR_MAX];
	int status;

	if (!path_split(r, evhttp_request_get_uri(r->req))) {
		*ret = json_pack("{s:s, s:s}", "error", "NOT_FOUND", "detail", "no such endpoint");
		return 404;
	}
	rt = route_find(r, &known);
	if (!rt) {
		*ret = json_pack("{s:s, s:s}", "error", known ? "BAD_REQUEST" : "NOT_FOUND",
		                 "detail", known ? "method not allowed here" : "no such endpoint");
		return known ? 405 : 404;
	}
	status = body_read(r, ret);
	if (status)
		return status;
	if (rt->auth) {
		snprintf(addr, sizeof(addr), "%s", r->actor.addr);
		status = auth_check(r, ret);
		snprintf(r->actor.addr, sizeof(r->actor.addr), "%s", addr);
		if (status)
			return status;
	}
	return rt->fn(r, ret);
}

static const char *ctype_of(const char *path)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
	    {".html", "text/html; charset=utf-8"},
	    {".js", "text/javascript; charset=utf-8"},
	    {".mjs", "text/javascript; charset=utf-8"},
	    {".css", "text/css; charset=utf-8"},
	    {".json", "application/json"},
	    {".svg", "image/svg+xml"},
	    {".png", "image/png"},
	    {".webmanifest", "application/manifest+json"},
	};
	const char *dot = strrchr(path, '.');

	for (size_t i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(dot, types[i].ext) == 0)
			return types[i].type;
	return NULL;
}

static bool file_send(struct evhttp_request *req, const char *path, const char *ctype)
{
	struct stat st;
	struct evbuffer *b;
	int fd = ctype ? open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW) : -1;

	if (fd < 0)
		return false;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > PORTAL_STATIC_MAX ||
	    !(b = evbuffer_new())) {
		close(fd);
		return false;
	}
	evbuffer_add_file(b, fd, 0, st.st_size); /* takes fd */
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", ctype);
	/* connect-src https:: the technician's page also reaches a server's https: link on the
	 * management network, an address the technician types (docs/web.md). */
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Security-Policy",
	                  "default-src 'self'; connect-src 'self' https:");
	evhttp_add_header(evhttp_request_get_output_headers(req), "X-Content-Type-Options",
	                  "nosniff");
	evhttp_send_reply(req, 200, "OK", b);
	evbuffer_free(b);
	return true;
}

/* A file under root; no "..", no hidden files, regular files only, bounded. */
static bool static_serve(struct evhttp_request *req, const char *root, const char *rel)
{
	char path[PATH_MAX];

	if (!root || strstr(rel, "..") || strstr(rel, "/.") || rel[0] == '.')
		return false;
	snprintf(path, sizeof(path), "%s/%s", root, rel[0] ? rel : "index.html");
	return file_send(req, path, ctype_of(path));
}

static bool static_try(struct api_server *srv, struct evhttp_request *req)
{
	const struct evhttp_uri *u = evhttp_request_get_evhttp_uri(req);
	const char *path = u ? evhttp_uri_get_path(u) : NULL;

	if (!path || evhttp_request_get_command(req) != EVHTTP_REQ_GET)
		return false;
	if (strcmp(path, "/") == 0) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Location", "/portal/");
		evhttp_send_reply(req, 302, "Found", NULL);
		return true;
	}
	if (strcmp(path, "/api/v1/certificate.pem") == 0) {
		/* What a browser or curl must trust (--cacert): public, no login. */
		char pem[PATH_MAX];

		portal_https_anchor_path(srv->p, pem);
		return file_send(req, pem, "application/x-pem-file");
	}
	if (strncmp(path, "/portal/", 8) == 0)
		return static_serve(req, srv->opts->portal_root, path + 8);
	if (strncmp(path, "/phone/", 7) == 0)
		return static_serve(req, srv->opts->phone_root, path + 7);
	return false;
}

void api_dispatch(struct api_server *srv, struct evhttp_request *req)
{
	struct api_req r = {.srv = srv, .p = srv->p, .req = req};
	json_t *obj = NULL;
	int status;

	if (static_try(srv, req))
		return;
	r.method = evhttp_request_get_command(req);
	peer_addr(&r);
	srv->p->why[0] = '\0';
	status = api_handle(&r, &obj);
	reply(req, status, obj, &r);
	free(r.raw);
	json_decref(obj);
	json_decref(r.json);
	if (r.body) {
		mbedtls_platform_zeroize((void *)r.body, r.body_len); /* passwords, codes */
		free((void *)r.body);
	}
	mbedtls_platform_zeroize(r.token, sizeof(r.token));
}
