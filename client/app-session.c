// SPDX-License-Identifier: GPL-2.0-or-later
/* libsvcport-client over an app link, blocking (app-session.h). */
#include "app-session.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SESSION_READ 2048 /* an ATT PDU (517 at most) or a chunk of the CDC stream */

struct app_session {
	struct app_link *link;
	struct svcport_client *c;
	struct svcport_client_callbacks app; /* the app's, called with its user_data */
	void (*tap)(bool to_device, const uint8_t *data, size_t len, void *user_data);
	bool is_done;
	int status;
};

/* ---------------------------------------------------------------- the link and the clock */

static int64_t now_ms(void *user_data)
{
	struct timespec ts;

	(void)user_data;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A hung-up peer is an error to return (-EPIPE), not a SIGPIPE: sockets are told so; a
 * tty cannot raise it. */
static ssize_t link_write(int fd, const uint8_t *data, size_t len)
{
	ssize_t n = send(fd, data, len, MSG_NOSIGNAL);

	return n < 0 && errno == ENOTSOCK ? write(fd, data, len) : n;
}

static void tap(struct app_session *s, bool to_device, const uint8_t *data, size_t len)
{
	if (s->tap)
		s->tap(to_device, data, len, s->app.user_data);
}

static int att_send(const uint8_t *pdu, size_t len, void *user_data)
{
	struct app_session *s = user_data;
	ssize_t n;

	tap(s, true, pdu, len);
	/* One PDU per packet: SOCK_SEQPACKET (ble-sim) and L2CAP keep the boundaries. */
	do
		n = link_write(s->link->fd, pdu, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

static int cdc_write(const uint8_t *bytes, size_t len, void *user_data)
{
	struct app_session *s = user_data;

	tap(s, true, bytes, len);
	while (len > 0) {
		ssize_t n = link_write(s->link->fd, bytes, len);

		if (n < 0 && errno == EAGAIN) { /* an inherited non-blocking fd */
			struct pollfd p = {.fd = s->link->fd, .events = POLLOUT};

			if (poll(&p, 1, 5000) <= 0)
				return -ETIMEDOUT;
			continue;
		}
		if (n < 0 && errno != EINTR)
			return -errno;
		if (n > 0) {
			bytes += n;
			len -= (size_t)n;
		}
	}
	return 0;
}

/* ---------------------------------------------------------------- the app's callbacks */

static void on_sign(struct svcport_client *c, const struct svcport_client_sign_request *req,
                    void *user_data)
{
	struct app_session *s = user_data;

	s->app.sign(c, req, s->app.user_data);
}

static void on_secret(struct svcport_client *c, enum svcport_client_secret kind, const char *text,
                      void *user_data)
{
	struct app_session *s = user_data;

	s->app.secret(c, kind, text, s->app.user_data);
}

static void on_state(struct svcport_client *c, const struct svcport_client_state *st,
                     void *user_data)
{
	struct app_session *s = user_data;

	s->app.state_changed(c, st, s->app.user_data);
}

static void on_cache(struct svcport_client *c, const struct svcport_client_gatt_cache *cache,
                     void *user_data)
{
	struct app_session *s = user_data;

	s->app.cache_update(c, cache, s->app.user_data);
}

static int on_random(uint8_t *buf, size_t len, void *user_data)
{
	struct app_session *s = user_data;

	return s->app.random(buf, len, s->app.user_data);
}

static void on_done(struct svcport_client *c, const struct svcport_client_result *r,
                    void *user_data)
{
	struct app_session *s = user_data;

	s->is_done = true;
	s->status = r->status;
	if (s->app.done)
		s->app.done(c, r, s->app.user_data);
}

/* ---------------------------------------------------------------- life */

int app_session_new(struct app_link *l, const struct app_session_opts *o, struct app_session **ret)
{
	enum svcport_client_link kind =
	    l->info.is_att ? SVCPORT_CLIENT_LINK_ATT : SVCPORT_CLIENT_LINK_CDC;
	const struct svcport_client_callbacks *a = o->cb;
	struct svcport_client_config cfg;
	struct svcport_client_callbacks cb = {
	    .att_send = kind == SVCPORT_CLIENT_LINK_ATT ? att_send : NULL,
	    .cdc_write = kind == SVCPORT_CLIENT_LINK_CDC ? cdc_write : NULL,
	    .now_ms = now_ms,
	    .random = a->random ? on_random : NULL,
	    .sign = a->sign ? on_sign : NULL,
	    .secret = a->secret ? on_secret : NULL,
	    .state_changed = a->state_changed ? on_state : NULL,
	    .cache_update = a->cache_update ? on_cache : NULL,
	    .done = on_done,
	};
	struct app_session *s = calloc(1, sizeof(*s));
	int err;

	if (!s)
		return -ENOMEM;
	s->link = l;
	s->app = *a;
	s->tap = o->tap;
	cb.user_data = s;
	if (o->cfg)
		cfg = *o->cfg;
	else
		svcport_client_config_init(&cfg, kind);
	cfg.link = kind;
	err = svcport_client_new(&cfg, &cb, &s->c);
	if (err < 0) {
		free(s);
		return err;
	}
	*ret = s;
	return 0;
}

void app_session_free(struct app_session *s)
{
	if (!s)
		return;
	svcport_client_free(s->c);
	free(s);
}

struct svcport_client *app_session_client(struct app_session *s)
{
	return s->c;
}

/* ---------------------------------------------------------------- running */

/* Bytes from the link into the library: 0, or -ECONNRESET once it closed. */
static int link_read(struct app_session *s)
{
	uint8_t buf[SESSION_READ];
	ssize_t n = read(s->link->fd, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0) { /* closed; EIO: a pty whose other end closed */
		svcport_client_link_lost(s->c);
		return -ECONNRESET;
	}
	tap(s, false, buf, (size_t)n);
	return svcport_client_input(s->c, buf, (size_t)n) < 0 ? -ECONNRESET : 0;
}

static int wait_done(struct app_session *s, int started)
{
	if (started < 0)
		return started;
	while (!s->is_done) {
		int64_t at = svcport_client_next_wakeup(s->c), now = now_ms(NULL);
		struct pollfd p = {.fd = s->link->fd, .events = POLLIN};
		int wait = at < 0               ? -1
		           : at <= now          ? 0
		           : at - now > INT_MAX ? INT_MAX
		                                : (int)(at - now);
		int r = poll(&p, 1, wait);

		if (r < 0 && errno != EINTR)
			return -errno;
		if (r > 0 && link_read(s) < 0 && !s->is_done)
			return -ECONNRESET; /* nothing was running to end */
		svcport_client_tick(s->c);  /* does nothing before a wake-up is due */
	}
	return s->status;
}

int app_session_connect(struct app_session *s)
{
	s->is_done = false;
	return wait_done(s, svcport_client_connect(s->c));
}

int app_session_run(struct app_session *s, enum svcport_client_flow flow)
{
	s->is_done = false;
	return wait_done(s, svcport_client_start(s->c, flow));
}

int app_session_submit(struct app_session *s, enum svcport_client_flow flow, const uint8_t *cmd,
                       size_t len)
{
	s->is_done = false;
	return wait_done(s, svcport_client_submit(s->c, flow, cmd, len));
}
