// SPDX-License-Identifier: GPL-2.0-or-later
/* bmc-client.h: SOCK_SEQPACKET to svcport-bmcd with reconnect back-off. */
#include <mbedtls/platform_util.h>

#include "bmc-client.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include "loop.h"
#include "svcport.pb.h"

/* A BmcReply is bounded by the schema; one byte more shows truncation. */
#define BMC_PKT_MAX (svcport_v1_BmcReply_size + 1)

struct bmc_client {
	struct loop *loop;
	struct sockaddr_un addr;
	const struct bmc_client_ops *ops;
	void *user_data;
	int fd;
	bool up;
	bool warned; /* a failed attempt was logged as a warning since the last connection */
	uint32_t backoff_ms;
	struct loop_io *io;
	struct loop_timer *retry;    /* reconnect after back-off */
	struct loop_timer *dropper;  /* deferred drop after a send error */
	struct loop_timer *announce; /* up() of the first, synchronous connection */
	uint8_t buf[BMC_PKT_MAX];
};

static void clog_(struct bmc_client *c, int prio, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void clog_(struct bmc_client *c, int prio, const char *fmt, ...)
{
	char line[256];
	va_list ap;
	if (!c->ops->log)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	c->ops->log(c->user_data, prio, line);
}

static void schedule_retry(struct bmc_client *c)
{
	if (loop_timer_start(c->retry, c->backoff_ms) < 0)
		clog_(c, LOG_ERR, "session 0: bmcd retry timer failed");
	c->backoff_ms *= 2;
	if (c->backoff_ms > BMC_BACKOFF_MAX_MS)
		c->backoff_ms = BMC_BACKOFF_MAX_MS;
}

static void drop(struct bmc_client *c, const char *why)
{
	bool was_up = c->up;
	loop_io_free(c->io);
	c->io = NULL;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->up = false;
	loop_timer_stop(c->dropper);
	c->warned = true; /* this line is the warning; retries log at debug level */
	clog_(c, LOG_WARNING, "session 0: bmcd %s %s: %s; retry in %u ms", c->addr.sun_path,
	      was_up ? "lost" : "unreachable", why, c->backoff_ms);
	schedule_retry(c);
	if (was_up)
		c->ops->down(c->user_data);
}

static void on_readable(int fd, unsigned events, void *user_data)
{
	struct bmc_client *c = user_data;
	for (;;) {
		ssize_t n = recv(fd, c->buf, sizeof(c->buf), MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n < 0) {
			drop(c, strerror(errno));
			return;
		}
		if (n == 0) {
			drop(c, "connection closed");
			return;
		}
		if ((size_t)n >= sizeof(c->buf)) {
			clog_(c, LOG_WARNING,
			      "session 0: bmcd packet of %zd bytes over the bound, dropped", n);
			continue;
		}
		c->ops->reply(c->user_data, c->buf, (size_t)n);
		mbedtls_platform_zeroize(c->buf, (size_t)n); /* replies may carry a secret */
		if (c->fd != fd) /* the reply handler may not drop us, but be safe */
			return;
	}
}

/* One connection attempt: 0 when connected (up), else a retry is scheduled. */
static int open_socket(struct bmc_client *c)
{
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		clog_(c, LOG_ERR, "session 0: socket: %s", strerror(errno));
		schedule_retry(c);
		return -EIO;
	}
	/* A unix connect completes or fails at once (EAGAIN: backlog full, retry later). */
	if (connect(fd, (struct sockaddr *)&c->addr, sizeof(c->addr)) < 0) {
		int e = errno;
		close(fd);
		/* The first failure in a row is worth a warning; the retries are not. */
		clog_(c, c->warned ? LOG_DEBUG : LOG_WARNING,
		      "session 0: bmcd %s: %s; retrying (back-off from %u ms to %u ms)",
		      c->addr.sun_path, strerror(e), c->backoff_ms, BMC_BACKOFF_MAX_MS);
		c->warned = true;
		schedule_retry(c);
		return -e;
	}
	c->fd = fd;
	if (loop_io_new(c->loop, fd, LOOP_READ, on_readable, c, &c->io) < 0) {
		drop(c, "cannot watch socket");
		return -EIO;
	}
	c->up = true;
	c->warned = false;
	c->backoff_ms = BMC_BACKOFF_MIN_MS;
	clog_(c, LOG_INFO, "session 0: bmcd %s connected", c->addr.sun_path);
	return 0;
}

static void try_connect(void *user_data)
{
	struct bmc_client *c = user_data;

	if (open_socket(c) == 0)
		c->ops->up(c->user_data);
}

/* The first connection's up(), from the loop: never from inside bmc_client_new. */
static void announce_up(void *user_data)
{
	struct bmc_client *c = user_data;

	if (c->up)
		c->ops->up(c->user_data);
}

static void deferred_drop(void *user_data)
{
	struct bmc_client *c = user_data;
	if (c->up)
		drop(c, "send failed");
}

int bmc_client_new(struct loop *loop, const char *path, const struct bmc_client_ops *ops,
                   void *user_data, struct bmc_client **ret_client)
{
	int r = -ENOMEM;
	if (strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return -ENAMETOOLONG;
	struct bmc_client *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->loop = loop;
	c->fd = -1;
	c->ops = ops;
	c->user_data = user_data;
	c->backoff_ms = BMC_BACKOFF_MIN_MS;
	c->addr.sun_family = AF_UNIX;
	strcpy(c->addr.sun_path, path);
	r = loop_timer_new(loop, try_connect, c, &c->retry);
	if (r < 0)
		goto free_client;
	r = loop_timer_new(loop, deferred_drop, c, &c->dropper);
	if (r < 0)
		goto free_retry;
	r = loop_timer_new(loop, announce_up, c, &c->announce);
	if (r < 0)
		goto free_dropper;
	/* The first attempt now: whoever starts svcportd and waits for it to be
	 * ready finds bmcd connected, not a request answered BMC_UNAVAILABLE
	 * because a link's bytes came before a 0 ms timer. */
	if (open_socket(c) == 0) {
		r = loop_timer_start(c->announce, 0);
		if (r < 0)
			goto free_announce;
	}
	*ret_client = c;
	return 0;

free_announce:
	loop_io_free(c->io);
	if (c->fd >= 0)
		close(c->fd);
	loop_timer_free(c->announce);
free_dropper:
	loop_timer_free(c->dropper);
free_retry:
	loop_timer_free(c->retry);
free_client:
	free(c);
	return r;
}

void bmc_client_free(struct bmc_client *c)
{
	if (!c)
		return;
	loop_io_free(c->io);
	if (c->fd >= 0)
		close(c->fd);
	loop_timer_free(c->retry);
	loop_timer_free(c->dropper);
	loop_timer_free(c->announce);
	free(c);
}

bool bmc_client_is_up(const struct bmc_client *c)
{
	return c->up;
}

int bmc_client_send(struct bmc_client *c, const uint8_t *pkt, size_t len)
{
	if (!c->up)
		return -ENOTCONN;
	ssize_t n = send(c->fd, pkt, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n == (ssize_t)len)
		return 0;
	int e = n < 0 ? errno : EMSGSIZE;
	if (e != EAGAIN) {
		/* Drop from the loop so that callers never see down() re-enter them. */
		if (loop_timer_start(c->dropper, 0) < 0)
			clog_(c, LOG_ERR, "session 0: cannot schedule bmcd drop");
	}
	return -e;
}
