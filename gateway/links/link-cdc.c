// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tty:PATH and unix:PATH links: the USB-CDC byte stream (DESIGN §2.2, §2.3)
 * on the service port's gadget tty (or a pty in tests) and on a unix stream
 * listener for the simulator. One cdc_peer per tty / per accepted socket.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include <mbedtls/platform_util.h>

#include "cdc-peer.h"
#include "fsutil.h"
#include "link.h"
#include "log.h"
#include "loop.h"
#include "session.h"

#define OUT_CAP        (32u * 1024u) /* bytes queued for a slow peer before frames drop */
#define READ_CHUNK     4096u
#define UNIX_CONNS_MAX 16u /* accepted sockets per unix: link, with or without a session */
#define TTY_RETRY_MS   500u

struct stream {
	struct stream_link *link;
	struct stream *next;
	int fd;
	struct loop_io *io;
	struct loop_timer *watch; /* cdc_peer_deadline: the progress rule, the first frame */
	struct cdc_peer *peer;
	bool is_socket;
	bool broken; /* socket output overflowed: shut down, closing on the next event */
	size_t out_len;
	uint8_t out[OUT_CAP];
};

struct stream_link {
	struct link base;
	const struct link_ctx *ctx;
	char name[128];
	/* unix: */
	int listen_fd;
	struct loop_io *listen_io;
	struct stream *conns;
	unsigned n_conns;
	/* tty: */
	struct stream *tty;
	struct loop_timer *tty_retry;
};

static void stream_free(struct stream *s)
{
	if (!s)
		return;
	cdc_peer_free(s->peer);
	mbedtls_platform_zeroize(s->out, s->out_len);
	loop_timer_free(s->watch);
	loop_io_free(s->io);
	if (s->fd >= 0)
		close(s->fd);
	free(s);
}

static void conn_remove(struct stream *s)
{
	struct stream_link *l = s->link;
	for (struct stream **pp = &l->conns; *pp; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			l->n_conns--;
			break;
		}
	}
	stream_free(s);
}

static int stream_flush(struct stream *s)
{
	while (s->out_len) {
		ssize_t n = write(s->fd, s->out, s->out_len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		memmove(s->out, s->out + n, s->out_len - (size_t)n);
		s->out_len -= (size_t)n;
		/* What was written leaves no copy (frames may carry a secret). */
		mbedtls_platform_zeroize(s->out + s->out_len, (size_t)n);
	}
	return loop_io_set_events(s->io, LOOP_READ | (s->out_len ? LOOP_WRITE : 0));
}

static int stream_write(void *user_data, const uint8_t *data, size_t len)
{
	struct stream *s = user_data;
	if (s->broken)
		return -EPIPE;
	if (len > OUT_CAP - s->out_len) {
		log_msg(LOG_WARNING, "link %s: peer does not read, output dropped", s->link->name);
		if (s->is_socket) {
			/* The read side sees the shutdown and closes the connection. */
			s->broken = true;
			shutdown(s->fd, SHUT_RDWR);
		} else {
			mbedtls_platform_zeroize(s->out, s->out_len);
			s->out_len = 0;
			tcflush(s->fd, TCOFLUSH);
		}
		return -ENOBUFS;
	}
	memcpy(s->out + s->out_len, data, len);
	s->out_len += len;
	return stream_flush(s);
}

static void tty_hangup(struct stream *s, const char *why);

static void stream_expired(void *user_data)
{
	struct stream *s = user_data;
	if (s->is_socket) {
		/* Called from the session table's tick, never from our own callbacks. */
		log_msg(LOG_INFO, "link %s: connection closed after idle timeout", s->link->name);
		conn_remove(s);
	}
}

static const struct cdc_peer_ops stream_peer_ops = {
    .write = stream_write,
    .expired = stream_expired,
};

static void stream_watch_arm(struct stream *s)
{
	uint64_t deadline = cdc_peer_deadline(s->peer), now = loop_now_ms();
	if (deadline == UINT64_MAX) {
		loop_timer_stop(s->watch);
		return;
	}
	if (loop_timer_start(s->watch, deadline > now ? deadline - now : 0) < 0)
		log_msg(LOG_ERR, "link %s: cannot arm the progress timer", s->link->name);
}

/* A half frame too slow, or a socket peer that never sent a frame. */
static void stream_on_watch(void *user_data)
{
	struct stream *s = user_data;
	int r = cdc_peer_check(s->peer, loop_now_ms());
	if (r < 0 && s->is_socket) {
		log_msg(LOG_INFO, "link %s: connection closed (%s)", s->link->name,
		        r == -ETIMEDOUT ? "a frame too slow" : "no frame in time");
		conn_remove(s);
		return;
	}
	if (r < 0)
		log_msg(LOG_INFO, "link %s: a frame too slow, its bytes dropped", s->link->name);
	stream_watch_arm(s);
}

/* Returns false when s was freed. */
static bool stream_read(struct stream *s)
{
	uint8_t buf[READ_CHUNK];
	ssize_t n = read(s->fd, buf, sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return true;
	if (n <= 0 || s->broken) {
		const char *why = n == 0      ? "end of stream"
		                  : s->broken ? "output overflow"
		                              : strerror(errno);
		if (s->is_socket) {
			log_msg(LOG_INFO, "link %s: connection closed (%s)", s->link->name, why);
			conn_remove(s);
			return false;
		}
		tty_hangup(s, why);
		return true;
	}
	int r = cdc_peer_feed(s->peer, buf, (size_t)n, loop_now_ms());
	if (r == -EBUSY && s->is_socket) {
		log_msg(LOG_WARNING, "link %s: session table full, connection refused",
		        s->link->name);
		conn_remove(s);
		return false;
	}
	stream_watch_arm(s);
	return true;
}

static void on_stream_event(int fd, unsigned events, void *user_data)
{
	struct stream *s = user_data;
	if ((events & LOOP_READ) && !stream_read(s))
		return;
	if ((events & LOOP_WRITE) && stream_flush(s) < 0 && s->is_socket) {
		log_msg(LOG_INFO, "link %s: connection closed (write failed)", s->link->name);
		conn_remove(s);
	}
}

/* The peer of a unix: connection for the back-off: its process. */
static void stream_peer_name(int fd, char *buf, size_t cap)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0)
		snprintf(buf, cap, "pid %d", (int)cred.pid);
	else
		snprintf(buf, cap, "fd %d", fd);
}

static int stream_new(struct stream_link *l, int fd, bool is_socket, svcport_v1_LinkKind kind,
                      struct stream **ret)
{
	char peer[32] = "";
	int r = -ENOMEM;
	struct stream *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->link = l;
	s->fd = fd;
	s->is_socket = is_socket;
	if (is_socket)
		stream_peer_name(fd, peer, sizeof(peer));
	struct cdc_peer_config pc = {
	    .name = l->name,
	    .peer = is_socket ? peer : NULL,
	    .kind = kind,
	    .physical_presence = true, /* a cable in the service port (COMMON: USB/tty/unix) */
	    .max_message = l->ctx->max_message,
	    .sessions = l->ctx->sessions,
	    .limits = l->ctx->limits,
	    .capture = l->ctx->capture,
	    .start_by_ms = is_socket ? loop_now_ms() + l->ctx->limits->start_ms : 0,
	};
	r = cdc_peer_new(&pc, &stream_peer_ops, s, &s->peer);
	if (r < 0)
		goto free_stream;
	r = loop_timer_new(l->ctx->loop, stream_on_watch, s, &s->watch);
	if (r < 0)
		goto free_stream;
	r = loop_io_new(l->ctx->loop, fd, LOOP_READ, on_stream_event, s, &s->io);
	if (r < 0)
		goto free_stream;
	stream_watch_arm(s);
	*ret = s;
	return 0;

free_stream:
	s->fd = -1; /* the caller still owns fd on failure */
	stream_free(s);
	return r;
}

/* ---------------------------------------------------------------- tty: */

static int tty_open_fd(const char *path)
{
	int fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct termios tio;
	if (tcgetattr(fd, &tio) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	cfmakeraw(&tio); /* raw bytes, no echo, no line discipline */
	tio.c_cflag |= CLOCAL | CREAD;
	tio.c_cc[VMIN] = 1;
	tio.c_cc[VTIME] = 0;
	if (tcsetattr(fd, TCSANOW, &tio) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	tcflush(fd, TCIOFLUSH);
	return fd;
}

static void tty_hangup(struct stream *s, const char *why)
{
	struct stream_link *l = s->link;
	if (cdc_peer_has_session(s->peer))
		log_msg(LOG_INFO, "link %s: hang-up (%s)", l->name, why);
	cdc_peer_hangup(s->peer);
	s->out_len = 0;
	/* A pty whose master is gone (or a gadget with no host) keeps polling
	 * readable with EIO: pause reading and look again later. */
	if (loop_io_set_events(s->io, 0) < 0 || loop_timer_start(l->tty_retry, TTY_RETRY_MS) < 0)
		log_msg(LOG_ERR, "link %s: cannot pause", l->name);
}

static void tty_resume(void *user_data)
{
	struct stream_link *l = user_data;
	if (loop_io_set_events(l->tty->io, LOOP_READ) < 0)
		log_msg(LOG_ERR, "link %s: cannot resume", l->name);
}

static void stream_link_free(struct link *base)
{
	struct stream_link *l = (struct stream_link *)base;
	while (l->conns)
		conn_remove(l->conns);
	stream_free(l->tty);
	loop_timer_free(l->tty_retry);
	loop_io_free(l->listen_io);
	if (l->listen_fd >= 0)
		close(l->listen_fd);
	free(l);
}

static struct stream_link *stream_link_new(const struct link_ctx *ctx, const struct link_ops *ops,
                                           const char *arg)
{
	struct stream_link *l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	l->base.ops = ops;
	l->ctx = ctx;
	l->listen_fd = -1;
	snprintf(l->name, sizeof(l->name), "%s:%s", ops->scheme, arg);
	return l;
}

static int tty_link_open(const struct link_ctx *ctx, const char *arg, struct link **ret_link)
{
	int r;
	struct stream_link *l = stream_link_new(ctx, &link_tty_ops, arg);
	if (!l)
		return -ENOMEM;
	int fd = tty_open_fd(arg);
	if (fd < 0) {
		r = fd;
		log_msg(LOG_ERR, "link %s: cannot open the service-port tty: %s%s", l->name,
		        strerror(-r), r == -ENOTTY ? " (not a terminal)" : "");
		goto free_link;
	}
	r = loop_timer_new(ctx->loop, tty_resume, l, &l->tty_retry);
	if (r < 0)
		goto close_fd;
	r = stream_new(l, fd, false, svcport_v1_LinkKind_LINK_USB, &l->tty);
	if (r < 0)
		goto close_fd;
	log_msg(LOG_INFO, "link %s: listening (raw mode)", l->name);
	*ret_link = &l->base;
	return 0;

close_fd:
	close(fd);
free_link:
	stream_link_free(&l->base);
	return r;
}

const struct link_ops link_tty_ops = {
    .scheme = "tty",
    .open = tty_link_open,
    .free = stream_link_free,
};

/* ---------------------------------------------------------------- unix: */

static void on_accept(int fd, unsigned events, void *user_data)
{
	struct stream_link *l = user_data;
	int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (cfd < 0)
		return;
	if (l->n_conns >= UNIX_CONNS_MAX) {
		log_msg(LOG_WARNING, "link %s: too many connections (%u), refused", l->name,
		        UNIX_CONNS_MAX);
		close(cfd);
		return;
	}
	struct stream *s;
	if (stream_new(l, cfd, true, svcport_v1_LinkKind_LINK_USB, &s) < 0) { /* the real kind */
		log_msg(LOG_ERR, "link %s: out of memory, connection refused", l->name);
		close(cfd);
		return;
	}
	s->next = l->conns;
	l->conns = s;
	l->n_conns++;
	log_msg(LOG_INFO, "link %s: connection accepted", l->name);
}

/* Binds a unix listener at path, replacing a stale socket file (never another file). */
int link_unix_listen(const char *path, int type, int *ret_fd)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	strcpy(addr.sun_path, path);
	/* statx, not lstat: a socket file made after 2038 on armhf (docs/arm.md). */
	struct fs_stat st = {0};
	int r = fs_stat_path(path, &st);
	if (r == 0 && !S_ISSOCK(st.mode))
		return -EEXIST;
	if (r == 0)
		unlink(path);
	int fd = socket(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 8) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	*ret_fd = fd;
	return 0;
}

static int unix_link_open(const struct link_ctx *ctx, const char *arg, struct link **ret_link)
{
	int r;
	struct stream_link *l = stream_link_new(ctx, &link_unix_ops, arg);
	if (!l)
		return -ENOMEM;
	r = link_unix_listen(arg, SOCK_STREAM, &l->listen_fd);
	if (r < 0) {
		log_msg(LOG_ERR, "link %s: cannot listen: %s", l->name, strerror(-r));
		goto free_link;
	}
	r = loop_io_new(ctx->loop, l->listen_fd, LOOP_READ, on_accept, l, &l->listen_io);
	if (r < 0)
		goto free_link;
	log_msg(LOG_INFO, "link %s: listening", l->name);
	*ret_link = &l->base;
	return 0;

free_link:
	stream_link_free(&l->base);
	return r;
}

const struct link_ops link_unix_ops = {
    .scheme = "unix",
    .open = unix_link_open,
    .free = stream_link_free,
};
