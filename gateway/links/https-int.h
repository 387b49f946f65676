/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The https: link's parts (link-https.c, https-sess.c, https-creds.c); private to them.
 *
 * https-creds: the link credentials bmcd exports to the link dir (link.key,
 * link-chain.pem; docs/gateway.md "https:"). Looked at before every TLS
 * handshake: when either file's inode, size or mtime changed they are read
 * again. A file missing or unreadable, or a key that does not match the
 * chain's first certificate (bmcd renames one file, then the other), leaves
 * the link without credentials: connections are refused, the reason is logged
 * once, and the files are read again at the next connection at most once a
 * second until they load. Nothing crashes and nothing falls back to a stale
 * certificate that the files no longer name.
 *
 * https-sess: one conversation over HTTP (docs/gateway.md "https:"): a
 * session of the table named by a random token, the one POST waiting for its
 * answer, the one GET waiting for an event, and up to HTTPS_EVENTS_MAX events
 * not yet fetched.
 */
#ifndef SVCPORT_GW_HTTPS_INT_H
#define SVCPORT_GW_HTTPS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "link.h"
#include "loop.h"

struct tls_config;
struct evhttp_request;
struct evhttp_connection;
struct https_creds;
struct https_sess;
struct https_link;
struct https_conns;
struct bufferevent;

#define HTTPS_TOKEN_HEX  32 /* 128 random bits */
#define HTTPS_EVENTS_MAX 8
#define HTTPS_POLL_MS    20000u /* an events GET answers 204 after this long */
#define HTTPS_CONNS_HELD 16u    /* connections the link holds at once (https-conns.c) */
/* TLS connections at once per link (common/tls.h's cap): those held and newcomers not yet
 * placed by https-conns.c (it places them from the loop right after their accept). */
#define HTTPS_CONNS_MAX      (HTTPS_CONNS_HELD + 8u)
#define HTTPS_CONNS_PER_ADDR 6u /* of them from one address: a browser's own limit per host */
#define HTTPS_HEADERS_MAX    4096
#define HTTPS_PEER_MAX       64
#define GW_LINK_PATH_MAX     320

/* ---- https-creds.c */
int https_creds_new(const char *dir, const char *link_name, struct https_creds **ret)
    __attribute__((warn_unused_result));
void https_creds_free(struct https_creds *c);
/* Looks at the files (reloading them if they changed); the configuration for
 * the next handshake (not referenced for the caller): the last pair that
 * loaded, kept while the files hold one that does not; NULL (none ever
 * loaded): refuse. */
struct tls_config *https_creds_current(struct https_creds *c, uint64_t now_ms);
/* close_notify for a connection of any configuration still in use. */
void https_creds_closecb(struct https_creds *c, struct evhttp_connection *evcon);
/* Fails bev's TLS connection (evhttp closes it); false: no live connection. */
bool https_creds_conn_fail(struct https_creds *c, struct bufferevent *bev, const char *why);
bool https_creds_conn_is_live(const struct https_creds *c, const struct bufferevent *bev);

/* ---- https-conns.c: the whole-request deadline (docs/gateway.md "https:"). Each
 * connection must deliver a whole request within request_ms of its accept, and each
 * next one within request_ms of the previous answer, however it trickles (evhttp's
 * read timeout restarts on every byte); one that does not is closed.
 * The fair share: the link holds HTTPS_CONNS_HELD connections; a newcomer that finds
 * them all held pushes out, of the address holding the most (more than its own
 * address), the connection waiting longest for a request (never one being answered);
 * otherwise it is refused. */
int https_conns_new(struct loop *loop, struct https_creds *creds, const char *link_name,
                    uint32_t request_ms, struct https_conns **ret)
    __attribute__((warn_unused_result));
void https_conns_free(struct https_conns *w);
/* A new connection's bufferevent: false when none can be watched (refuse it). */
bool https_conns_add(struct https_conns *w, struct bufferevent *bev);
/* A whole request arrived: the deadline waits until it is answered. */
void https_conns_request(struct https_conns *w, struct evhttp_request *req);

/* ---- https-peer.c: the back-off's peer of a client address (evhttp's text, a
 * link-local one with its %scope): "A.B.C.0/24" for IPv4 and IPv4-mapped IPv6,
 * "P:Q:R:S::/64" for IPv6; anything else as it is ("?" for NULL). */
void https_peer_prefix(const char *addr, char *prefix, size_t cap);

/* ---- https-sess.c */
struct https_sess_config {
	struct https_link *link;
	const struct link_ctx *ctx;
	const char *link_name;
	const char *peer; /* the client's prefix (/24, /64): the back-off's peer */
	const char *addr; /* the client's address, logged at open and close */
	bool oneshot;     /* POST /v1/frame: the session ends with its answer */
};

/* -EBUSY: no slot for LINK_NET in the table (logged by the table). */
int https_sess_new(const struct https_sess_config *cfg, struct https_sess **ret)
    __attribute__((warn_unused_result));
/* Answers any waiting request 410 and closes the session. NULL: no-op. */
void https_sess_free(struct https_sess *s);
const char *https_sess_token(const struct https_sess *s);
/* Constant time over the token. */
bool https_sess_has_token(const struct https_sess *s, const char *token);
/* POST .../frames: body is one Frame (at most max_message bytes). */
void https_sess_post(struct https_sess *s, struct evhttp_request *req, const uint8_t *body,
                     size_t len);
/* GET .../events */
void https_sess_poll(struct https_sess *s, struct evhttp_request *req);
struct https_sess *https_sess_next(const struct https_sess *s);
void https_sess_set_next(struct https_sess *s, struct https_sess *next);

/* ---- link-https.c, for https-sess.c */
/* The session ended from the table's side (idle) or by itself (one-shot,
 * start timeout): unlinks and frees it, later, from the loop. */
void https_link_sess_ended(struct https_link *l, struct https_sess *s);
/* Replies with the link's CORS headers; body may be NULL. Text bodies say why. */
void https_reply(struct https_link *l, struct evhttp_request *req, int code, const char *reason,
                 const char *ctype, const void *body, size_t len);

#endif
