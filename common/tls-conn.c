// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One TLS connection: a bufferevent filter whose input and output filters run
 * mbedTLS over the buffers of the socket bufferevent below (see tls.h).
 */
#include "tls-internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <mbedtls/error.h>
#include <mbedtls/platform_util.h>

#define SCRATCH 4096

struct tls_conn {
	struct tls_config *cfg;
	struct bufferevent *sock; /* the socket bufferevent below; ours */
	struct bufferevent *bev;  /* the filter the user holds; NULL once freed */
	struct event *hs_timer;
	struct event *kick;    /* runs the output filter from the loop */
	struct event *addr_ev; /* max_per_addr: looks at the peer's address once */
	uint8_t peer[17];      /* the peer's address once known: length, bytes */
	struct evbuffer_cb_entry *out_added;
	mbedtls_ssl_context ssl;
	bool established;
	bool failed;
	bool peer_closed;
	bool notified;  /* close_notify sent */
	short pending;  /* events for the user, reported from kick_cb */
	bool bev_made;  /* the filter exists (and freed the socket bufferevent once) */
	uint8_t ip[17]; /* client naming its peer by address: length, bytes */
	char why[TLS_WHY_MAX];
	struct tls_conn *next, *prev; /* cfg->live while bev exists, then cfg->lingering */
	bool counted;                 /* on cfg->live, counted in cfg->n_live */
	unsigned char scratch[SCRATCH];
};

static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
	struct tls_conn *c = ctx;

	/* Bounded by the callers: ssl_write only while the output is under TLS_OUT_MAX. */
	if (evbuffer_add(bufferevent_get_output(c->sock), buf, len) != 0)
		return MBEDTLS_ERR_SSL_ALLOC_FAILED;
	return (int)len;
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
	struct tls_conn *c = ctx;
	int n = evbuffer_remove(bufferevent_get_input(c->sock), buf, len);

	return n > 0 ? n : MBEDTLS_ERR_SSL_WANT_READ;
}

/*
 * Reports an event to the user from the loop (kick_cb): the user may free the
 * bufferevent in its callback, and one made by evhttp has no callback yet
 * when it is created (a deferred libevent trigger would be dropped).
 */
static void conn_report(struct tls_conn *c, short what)
{
	c->pending |= what;
	event_active(c->kick, EV_TIMEOUT, 0);
}

static void conn_fail(struct tls_conn *c, int mbed_err, short what)
{
	char buf[96];
	uint32_t flags = mbedtls_ssl_get_verify_result(&c->ssl);

	if (c->failed)
		return;
	c->failed = true;
	if (mbed_err == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED && flags && flags != (uint32_t)-1) {
		mbedtls_x509_crt_verify_info(buf, sizeof(buf), "", flags);
		buf[strcspn(buf, "\n")] = '\0';
		snprintf(c->why, sizeof(c->why), "peer certificate refused: %s", buf);
	} else {
		mbedtls_strerror(mbed_err, buf, sizeof(buf));
		snprintf(c->why, sizeof(c->why), "TLS: %s", buf);
	}
	bufferevent_disable(c->sock, EV_READ);
	conn_report(c, BEV_EVENT_ERROR | what);
}

/* 1 established, 0 in progress, -1 failed. */
static int handshake_step(struct tls_conn *c)
{
	int r;

	if (c->failed)
		return -1;
	if (c->established)
		return 1;
	r = mbedtls_ssl_handshake(&c->ssl);
	if (r == MBEDTLS_ERR_SSL_WANT_READ || r == MBEDTLS_ERR_SSL_WANT_WRITE)
		return 0;
	if (r != 0) {
		conn_fail(c, r, BEV_EVENT_READING);
		return -1;
	}
	c->established = true;
	event_del(c->hs_timer);
	/* Data the user wrote during the handshake waits in the filter's output. */
	event_active(c->kick, EV_TIMEOUT, 0);
	return 1;
}

static enum bufferevent_filter_result filter_in(struct evbuffer *src, struct evbuffer *dst,
                                                ev_ssize_t lim, enum bufferevent_flush_mode mode,
                                                void *ctx)
{
	struct tls_conn *c = ctx;
	enum bufferevent_filter_result res = BEV_NEED_MORE;
	size_t produced = 0;
	int hs = handshake_step(c);

	(void)mode;
	if (hs < 0 || c->peer_closed) {
		evbuffer_drain(src, evbuffer_get_length(src));
		return hs < 0 ? BEV_ERROR : BEV_NEED_MORE;
	}
	if (hs == 0)
		return BEV_NEED_MORE;
	/* Past lim only for bytes mbedTLS already decrypted (one record at most):
	 * left inside it they would wait for the next socket read. */
	while (lim < 0 || produced < (size_t)lim || mbedtls_ssl_get_bytes_avail(&c->ssl) > 0) {
		int n = mbedtls_ssl_read(&c->ssl, c->scratch, sizeof(c->scratch));

		if (n > 0) {
			if (evbuffer_add(dst, c->scratch, (size_t)n) != 0) {
				conn_fail(c, MBEDTLS_ERR_SSL_ALLOC_FAILED, BEV_EVENT_READING);
				res = BEV_ERROR;
				break;
			}
			produced += (size_t)n;
			continue;
		}
		if (n == MBEDTLS_ERR_SSL_WANT_READ || n == MBEDTLS_ERR_SSL_WANT_WRITE)
			break;
		if (n == 0 || n == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
			c->peer_closed = true;
			conn_report(c, BEV_EVENT_EOF | BEV_EVENT_READING);
			break;
		}
		conn_fail(c, n, BEV_EVENT_READING);
		res = BEV_ERROR;
		break;
	}
	mbedtls_platform_zeroize(c->scratch, sizeof(c->scratch));
	if (res == BEV_ERROR)
		return res;
	return produced ? BEV_OK : BEV_NEED_MORE;
}

/*
 * The user's write callback runs once the filter's output is empty, and
 * evhttp then frees the connection and shuts the socket down for writing
 * (evhttp_connection_free): ciphertext still in the socket bufferevent would
 * be lost. So the last chunk of plaintext waits until the socket
 * bufferevent is empty, and its ciphertext is written to the kernel at once.
 */
static bool is_tail_held(struct evbuffer *src, struct evbuffer *dst)
{
	return evbuffer_get_length(src) <= SCRATCH && evbuffer_get_length(dst) > 0;
}

static enum bufferevent_filter_result filter_out(struct evbuffer *src, struct evbuffer *dst,
                                                 ev_ssize_t lim, enum bufferevent_flush_mode mode,
                                                 void *ctx)
{
	struct tls_conn *c = ctx;
	size_t before = evbuffer_get_length(dst);
	size_t taken = 0;
	int hs = handshake_step(c);

	(void)mode;
	if (hs < 0)
		return BEV_ERROR;
	if (hs == 0)
		return BEV_NEED_MORE;
	while (evbuffer_get_length(src) > 0 && !is_tail_held(src, dst) &&
	       (lim < 0 || evbuffer_get_length(dst) - before < (size_t)lim)) {
		ev_ssize_t n = evbuffer_copyout(src, c->scratch, sizeof(c->scratch));
		int w;

		if (n <= 0)
			break;
		w = mbedtls_ssl_write(&c->ssl, c->scratch, (size_t)n);
		if (w == MBEDTLS_ERR_SSL_WANT_READ || w == MBEDTLS_ERR_SSL_WANT_WRITE)
			break;
		if (w <= 0) {
			mbedtls_platform_zeroize(c->scratch, sizeof(c->scratch));
			conn_fail(c, w, BEV_EVENT_WRITING);
			return BEV_ERROR;
		}
		evbuffer_drain(src, (size_t)w);
		taken += (size_t)w;
	}
	mbedtls_platform_zeroize(c->scratch, sizeof(c->scratch));
	/*
	 * Errors (EPIPE...) surface through the socket bufferevent's own write.
	 * It keeps its output's front frozen outside its write callback.
	 */
	if (taken && evbuffer_get_length(src) == 0) {
		evbuffer_unfreeze(dst, 1);
		(void)evbuffer_write(dst, bufferevent_getfd(c->sock));
		evbuffer_freeze(dst, 1);
	}
	return taken ? BEV_OK : BEV_NEED_MORE;
}

static void hs_timeout_cb(evutil_socket_t fd, short what, void *ctx)
{
	struct tls_conn *c = ctx;

	(void)fd;
	(void)what;
	if (c->established || c->failed)
		return;
	c->failed = true;
	snprintf(c->why, sizeof(c->why), "TLS handshake not finished within %u ms",
	         c->cfg->lim.handshake_ms);
	bufferevent_disable(c->sock, EV_READ);
	conn_report(c, BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT);
}

static void conn_fail_why(struct tls_conn *c, const char *why, short what)
{
	c->failed = true;
	snprintf(c->why, sizeof(c->why), "%s", why);
	bufferevent_disable(c->sock, EV_READ);
	conn_report(c, BEV_EVENT_ERROR | what);
}

/* From the loop right after the accept (evhttp has set the fd by then). */
static void addr_check_cb(evutil_socket_t fd, short what, void *ctx)
{
	struct tls_conn *c = ctx;
	unsigned same = 0;
	char why[TLS_WHY_MAX];

	(void)fd;
	(void)what;
	if (c->failed || !c->counted)
		return;
	tls_fd_peer(bufferevent_getfd(c->sock), c->peer);
	if (!c->peer[0])
		return;
	for (struct tls_conn *o = c->cfg->live; o; o = o->next)
		same += o != c && !o->failed && !memcmp(o->peer, c->peer, sizeof(c->peer));
	if (same < c->cfg->lim.max_per_addr)
		return;
	snprintf(why, sizeof(why), "more than %u TLS connections from one address",
	         c->cfg->lim.max_per_addr);
	conn_fail_why(c, why, BEV_EVENT_READING);
}

bool tls_bev_fail(struct tls_config *cfg, struct bufferevent *bev, const char *why)
{
	for (struct tls_conn *c = cfg->live; c; c = c->next) {
		if (c->bev != bev)
			continue;
		if (!c->failed)
			conn_fail_why(c, why, BEV_EVENT_READING | BEV_EVENT_TIMEOUT);
		return true;
	}
	return false;
}

bool tls_bev_is_live(const struct tls_config *cfg, const struct bufferevent *bev)
{
	for (const struct tls_conn *c = cfg->live; c; c = c->next)
		if (c->bev == bev)
			return true;
	return false;
}

/*
 * The user's bufferevent lives until libevent finalizes it, after the user
 * freed it; freeing unlinks the socket bufferevent below, clearing its
 * callbacks (be_filter_unlink). That tells a freed filter from a live one.
 */
static bool is_bev_alive(struct tls_conn *c)
{
	bufferevent_event_cb ecb = NULL;

	if (!c->bev)
		return false;
	bufferevent_getcb(c->sock, NULL, NULL, &ecb, NULL);
	return ecb != NULL;
}

static void kick_cb(evutil_socket_t fd, short what, void *ctx)
{
	struct tls_conn *c = ctx;
	short pending = c->pending;

	(void)fd;
	(void)what;
	c->pending = 0;
	if (!is_bev_alive(c))
		return;
	if (pending) {
		bufferevent_trigger_event(c->bev, pending, 0);
		return; /* the user may have freed it */
	}
	bufferevent_flush(c->bev, EV_WRITE, BEV_NORMAL);
}

/*
 * Data added while the user had EV_WRITE disabled stays in the filter's
 * output: enabling it later does not run the filter (be_filter_enable), and
 * evhttp writes a reply before it enables EV_WRITE. Run it from the loop.
 */
static void out_added_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *ctx)
{
	struct tls_conn *c = ctx;

	(void)buf;
	if (info->n_added)
		event_active(c->kick, EV_TIMEOUT, 0);
}

static void list_add(struct tls_conn **head, struct tls_conn *c)
{
	c->prev = NULL;
	c->next = *head;
	if (c->next)
		c->next->prev = c;
	*head = c;
}

static void list_del(struct tls_conn **head, struct tls_conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else if (*head == c)
		*head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->next = c->prev = NULL;
}

static void live_del(struct tls_conn *c)
{
	if (!c->counted)
		return;
	list_del(&c->cfg->live, c);
	c->cfg->n_live--;
	c->counted = false;
}

static void conn_destroy(struct tls_conn *c)
{
	live_del(c);
	if (c->sock && c->bev_made)
		bufferevent_decref(c->sock); /* the extra reference of tls_conn_new */
	else if (c->sock)
		bufferevent_free(c->sock);
	if (c->hs_timer)
		event_free(c->hs_timer);
	if (c->kick)
		event_free(c->kick);
	if (c->addr_ev)
		event_free(c->addr_ev);
	mbedtls_ssl_free(&c->ssl);
	tls_config_unref(c->cfg);
	mbedtls_platform_zeroize(c, sizeof(*c));
	free(c);
}

void tls_conn_linger_end(struct tls_conn *c)
{
	list_del(&c->cfg->lingering, c);
	conn_destroy(c);
}

static void linger_write_cb(struct bufferevent *sock, void *ctx)
{
	(void)sock;
	tls_conn_linger_end(ctx);
}

static void linger_event_cb(struct bufferevent *sock, short what, void *ctx)
{
	(void)sock;
	(void)what;
	tls_conn_linger_end(ctx);
}

/*
 * The filter is being destroyed (libevent calls this after unlinking it from
 * the socket bufferevent). A healthy connection says close_notify and drains
 * for up to linger_ms; anything else closes now.
 */
static void conn_release(void *ctx)
{
	struct tls_conn *c = ctx;
	struct timeval tv = {c->cfg->lim.linger_ms / 1000, (c->cfg->lim.linger_ms % 1000) * 1000};

	if (c->out_added)
		evbuffer_remove_cb_entry(bufferevent_get_output(c->bev), c->out_added);
	c->bev = NULL;
	live_del(c);
	event_del(c->hs_timer);
	event_del(c->kick);
	if (c->cfg->shutting_down || c->failed || !c->established ||
	    bufferevent_getfd(c->sock) < 0) {
		conn_destroy(c);
		return;
	}
	if (!c->notified)
		(void)mbedtls_ssl_close_notify(&c->ssl);
	bufferevent_setcb(c->sock, NULL, linger_write_cb, linger_event_cb, c);
	bufferevent_disable(c->sock, EV_READ);
	bufferevent_set_timeouts(c->sock, NULL, &tv);
	bufferevent_enable(c->sock, EV_WRITE);
	list_add(&c->cfg->lingering, c);
}

static bool is_ip_literal(const char *name, uint8_t out[17])
{
	if (inet_pton(AF_INET, name, out + 1) == 1) {
		out[0] = 4;
		return true;
	}
	if (inet_pton(AF_INET6, name, out + 1) == 1) {
		out[0] = 16;
		return true;
	}
	return false;
}

static int conn_ssl_setup(struct tls_conn *c, const char *peer_name)
{
	if (mbedtls_ssl_setup(&c->ssl, &c->cfg->conf) != 0)
		return -ENOMEM;
	if (!c->cfg->is_server) {
		if (!peer_name || !peer_name[0] || strlen(peer_name) >= TLS_NAME_MAX)
			return -EINVAL;
		if (is_ip_literal(peer_name, c->ip))
			mbedtls_ssl_set_verify(&c->ssl, tls_verify_ip_san, c->ip);
		else if (mbedtls_ssl_set_hostname(&c->ssl, peer_name) != 0)
			return -EINVAL;
	}
	mbedtls_ssl_set_bio(&c->ssl, c, bio_send, bio_recv, NULL);
	return 0;
}

struct tls_conn *tls_conn_new(struct event_base *base, struct tls_config *cfg, evutil_socket_t fd,
                              const char *peer_name)
{
	struct tls_conn *c = calloc(1, sizeof(*c));
	unsigned ms = cfg->lim.handshake_ms;
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};

	if (!c)
		return NULL;
	c->cfg = tls_config_ref(cfg);
	mbedtls_ssl_init(&c->ssl);
	if (cfg->n_live >= cfg->lim.max_conns) {
		/* Over the cap: no TLS state at all, an error as soon as it runs. */
		c->failed = true;
		snprintf(c->why, sizeof(c->why), "more than %u TLS connections",
		         cfg->lim.max_conns);
	} else if (conn_ssl_setup(c, peer_name) < 0) {
		goto fail;
	} else {
		list_add(&cfg->live, c);
		cfg->n_live++;
		c->counted = true;
	}
	c->sock = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	c->hs_timer = evtimer_new(base, hs_timeout_cb, c);
	c->kick = event_new(base, -1, 0, kick_cb, c);
	if (!c->sock || !c->hs_timer || !c->kick)
		goto fail;
	bufferevent_setwatermark(c->sock, EV_READ, 0, TLS_IN_MAX);
	bufferevent_setwatermark(c->sock, EV_WRITE, 0, TLS_OUT_MAX);
	/*
	 * CLOSE_ON_FREE: evhttp closes the fd itself unless the bufferevent says
	 * it will (evhttp_connection_free), which would cut the linger short.
	 * The filter then frees the socket bufferevent on unlink: our extra
	 * reference keeps it for the linger (conn_release).
	 */
	c->bev = bufferevent_filter_new(c->sock, filter_in, filter_out, BEV_OPT_CLOSE_ON_FREE,
	                                conn_release, c);
	if (!c->bev)
		goto fail;
	bufferevent_incref(c->sock);
	c->bev_made = true;
	c->out_added = evbuffer_add_cb(bufferevent_get_output(c->bev), out_added_cb, c);
	if (!c->out_added) {
		bufferevent_free(c->bev); /* conn_release destroys c */
		return NULL;
	}
	if (c->failed) {
		conn_report(c, BEV_EVENT_ERROR);
		return c;
	}
	evtimer_add(c->hs_timer, &tv);
	if (fd < 0 && cfg->lim.max_per_addr &&
	    (c->addr_ev = event_new(base, -1, 0, addr_check_cb, c)))
		event_active(c->addr_ev, EV_TIMEOUT, 0);
	return c;
fail:
	conn_destroy(c);
	return NULL;
}

struct bufferevent *tls_conn_bev(struct tls_conn *c)
{
	return c->bev;
}

int tls_conn_connect(struct tls_conn *c, const struct sockaddr *sa, int len)
{
	if (c->cfg->is_server)
		return -EINVAL;
	if (bufferevent_socket_connect(c->sock, sa, len) < 0)
		return -ECONNREFUSED;
	/* The ClientHello waits in the socket's output until it connects. */
	return handshake_step(c) < 0 ? -EPROTO : 0;
}

bool tls_conn_is_established(const struct tls_conn *c)
{
	return c->established;
}

const uint8_t *tls_conn_peer_cert(const struct tls_conn *c, unsigned i, size_t *ret_len)
{
	const mbedtls_x509_crt *crt = c->established ? mbedtls_ssl_get_peer_cert(&c->ssl) : NULL;

	while (crt && crt->raw.len && i--)
		crt = crt->next;
	if (!crt || !crt->raw.len)
		return NULL;
	*ret_len = crt->raw.len;
	return crt->raw.p;
}

const char *tls_conn_why(const struct tls_conn *c)
{
	return c->why;
}

/* Sends close_notify and writes it out now, before the caller shuts the socket. */
static void conn_close_notify(struct tls_conn *c)
{
	struct evbuffer *out = bufferevent_get_output(c->sock);

	if (!c->established || c->failed || c->notified)
		return;
	c->notified = true;
	(void)mbedtls_ssl_close_notify(&c->ssl);
	evbuffer_unfreeze(out, 1);
	(void)evbuffer_write(out, bufferevent_getfd(c->sock));
	evbuffer_freeze(out, 1);
}

struct tls_conn *tls_evhttp_conn(struct evhttp_connection *evcon, struct tls_config *cfg)
{
	struct bufferevent *bev = evhttp_connection_get_bufferevent(evcon);

	for (struct tls_conn *c = cfg ? cfg->live : NULL; c; c = c->next)
		if (c->bev == bev)
			return c;
	return NULL;
}

void tls_evhttp_closecb(struct evhttp_connection *evcon, void *arg)
{
	struct tls_conn *c = tls_evhttp_conn(evcon, arg);

	if (c)
		conn_close_notify(c);
}

struct bufferevent *tls_bev_for_evhttp(struct event_base *base, void *arg)
{
	struct tls_conn *c = tls_conn_new(base, arg, -1, NULL);

	return c ? c->bev : NULL;
}

bool tls_evhttp_is_tls(struct evhttp_connection *evcon)
{
	return bufferevent_get_underlying(evhttp_connection_get_bufferevent(evcon)) != NULL;
}
