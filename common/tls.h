/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * TLS 1.2 (mbedTLS 2.28) under a libevent bufferevent: libevent 2.1 has an
 * OpenSSL bufferevent only, so this is a bufferevent *filter* over a socket
 * bufferevent, with mbedTLS reading and writing the socket bufferevent's
 * buffers (docs/tls.md has the design and why not a pair).
 *
 * Server: evhttp_set_bevcb(http, cb, cfg) with cb returning
 * tls_bev_new(base, cfg, -1, NULL); evhttp hands the accepted fd to the
 * filter, which forwards it to the socket bufferevent below.
 * Client: tls_conn_new(base, cfg, -1, "name") then tls_conn_connect(); the
 * peer's certificate must chain to the configuration's trust list and name
 * `name` (a DNS name, or an IP literal matched against iPAddress SANs).
 *
 * Bounds: at most TLS_IN_MAX bytes wait in the socket bufferevent's input and
 * TLS_OUT_MAX in its output; a handshake that has not finished within
 * handshake_ms fails with BEV_EVENT_ERROR|BEV_EVENT_TIMEOUT; a failed TLS
 * record or handshake is reported as BEV_EVENT_ERROR (deferred, so the user
 * may free the bufferevent in its event callback). Freeing the bufferevent
 * sends close_notify and lets the socket drain for up to linger_ms before the
 * fd is closed, so a reply written just before the free is not cut.
 *
 * Library code: no logging; tls_conn_why() says what failed.
 */
#ifndef SVCPORT_COMMON_TLS_H
#define SVCPORT_COMMON_TLS_H

#include <stdbool.h>
#include <stddef.h>

#include <event2/bufferevent.h>
#include <event2/event.h>

#define TLS_IN_MAX   (32 * 1024) /* > one TLS record (16 KiB + overhead) */
#define TLS_OUT_MAX  (64 * 1024)
#define TLS_WHY_MAX  128
#define TLS_NAME_MAX 256

struct tls_config;
struct tls_conn;

struct tls_limits {
	unsigned handshake_ms; /* 0: 10 s */
	unsigned linger_ms;    /* 0: 2 s */
	unsigned max_conns;    /* 0: 64; a connection over it fails at once */
	/* Server (evhttp): 0 none; otherwise a connection from an address that already
	 * has this many live ones fails as soon as its address is known (from the loop,
	 * right after the accept): one address never takes every connection. */
	unsigned max_per_addr;
};

/* Server side: certificate chain (PEM, server certificate first) and its key. */
int tls_config_server_new(const char *chain_pem_path, const char *key_pem_path,
                          const struct tls_limits *lim, struct tls_config **ret)
    __attribute__((warn_unused_result));
/* Client side: the trust list (a PEM bundle of anchors). */
int tls_config_client_new(const char *trust_pem_path, const struct tls_limits *lim,
                          struct tls_config **ret) __attribute__((warn_unused_result));
/*
 * Mutual TLS (docs/tls.md "Client certificates"). A client config presents
 * its own chain (PEM, its certificate first) and key when the server asks:
 * 0, -ENOENT (unreadable), -EINVAL (not PEM, or key and certificate differ;
 * the config is then unchanged). A server config that requests peers asks
 * every client for a certificate without requiring one: mbedTLS checks that
 * the client holds the key of the certificate it sent (CertificateVerify),
 * not what it chains to; the server decides that (tls_conn_peer_cert).
 */
int tls_config_client_cert(struct tls_config *cfg, const char *chain_pem_path,
                           const char *key_pem_path) __attribute__((warn_unused_result));
int tls_config_server_request_peer(struct tls_config *cfg) __attribute__((warn_unused_result));
/* Connections hold a reference; the last unref frees. unref(NULL) is a no-op. */
struct tls_config *tls_config_ref(struct tls_config *cfg);
void tls_config_unref(struct tls_config *cfg);
/*
 * Before event_base_free: closes every connection still lingering after its
 * bufferevent was freed, and makes later frees close at once.
 */
void tls_config_shutdown(struct tls_config *cfg);
/* Why a config could not be made (for the caller's log). */
const char *tls_config_error(int err);

/*
 * A TLS bufferevent on fd (-1: set later, by evhttp or tls_conn_connect).
 * peer_name: NULL for a server, the name to verify for a client. The
 * connection belongs to the returned bufferevent: bufferevent_free() ends it.
 */
struct tls_conn *tls_conn_new(struct event_base *base, struct tls_config *cfg, evutil_socket_t fd,
                              const char *peer_name);
struct bufferevent *tls_conn_bev(struct tls_conn *c);
/* Client: connects the socket below (non-blocking); BEV_EVENT_CONNECTED follows. */
int tls_conn_connect(struct tls_conn *c, const struct sockaddr *sa, int len)
    __attribute__((warn_unused_result));
/* The peer address of socket fd as its length (4, 16) then its bytes; out[0] 0: none. */
#define TLS_PEER_LEN 17
void tls_fd_peer(int fd, uint8_t out[TLS_PEER_LEN]);
/* True once the handshake has completed. */
bool tls_conn_is_established(const struct tls_conn *c);
/*
 * The i-th certificate (DER) the peer sent once the handshake is done (0: its
 * own, then its issuers as sent), or NULL. Valid until the bufferevent is freed.
 * UNVERIFIED on a server config that requests peers: the peer proved it holds
 * the key, nothing more; the caller must chain the certificate itself to what
 * it trusts before believing a word of it (the portal's device endpoints do:
 * host-sim/portal/portal-online.c).
 */
const uint8_t *tls_conn_peer_cert(const struct tls_conn *c, unsigned i, size_t *ret_len);
/* What failed, for logs ("" if nothing). Valid until the bufferevent is freed. */
const char *tls_conn_why(const struct tls_conn *c);

/*
 * For evhttp_set_bevcb: arg is a struct tls_config. NULL on allocation
 * failure, and then evhttp makes a plain socket bufferevent: a server must
 * refuse requests whose connection is not TLS (tls_evhttp_is_tls).
 */
struct bufferevent *tls_bev_for_evhttp(struct event_base *base, void *arg);
/*
 * For evhttp_connection_set_closecb(evcon, tls_evhttp_closecb, cfg) on every
 * request's connection: evhttp shuts the socket down for writing right after
 * this callback, so close_notify must go out here.
 */
struct evhttp_connection;
void tls_evhttp_closecb(struct evhttp_connection *evcon, void *arg);
/* The TLS connection under an evhttp connection made with cfg, or NULL. */
struct tls_conn *tls_evhttp_conn(struct evhttp_connection *evcon, struct tls_config *cfg);
/* True if the bufferevent is one of ours (a filter over a socket). */
bool tls_evhttp_is_tls(struct evhttp_connection *evcon);
/*
 * Fails the live connection of cfg whose filter is bev (as a read timeout: evhttp
 * closes it), giving why. false: bev is no live connection of cfg (nothing done).
 */
bool tls_bev_fail(struct tls_config *cfg, struct bufferevent *bev, const char *why);
/* Is bev the filter of a live connection of cfg? */
bool tls_bev_is_live(const struct tls_config *cfg, const struct bufferevent *bev);

#endif
