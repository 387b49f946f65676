// SPDX-License-Identifier: GPL-2.0-or-later
/* The phone's CDC stream (unix socket or tty): COBS + CRC-32 frames (DESIGN §2.2). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "app-link.h"
#include "cdc-frame.h"

#define CDC_QUEUE 4 /* whole messages that arrived in one read, waiting to be taken */

struct cdc_link {
	struct cdc_rx rx;
	uint8_t rx_buf[CDC_FRAME_ENCODED_MAX(APP_LINK_MSG_MAX)];
	uint8_t tx_buf[CDC_FRAME_ENCODED_MAX(APP_LINK_MSG_MAX)];
	struct {
		uint8_t msg[APP_LINK_MSG_MAX];
		size_t len;
	} q[CDC_QUEUE];
	unsigned q_head, q_count;
};

static int write_all(int fd, const uint8_t *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				struct pollfd pfd = {.fd = fd, .events = POLLOUT};

				if (poll(&pfd, 1, 5000) <= 0)
					return -ETIMEDOUT;
				continue;
			}
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int cdc_send(struct app_link *l, const uint8_t *msg, size_t len)
{
	struct cdc_link *c = l->priv;
	long n = cdc_frame_encode(msg, len, c->tx_buf, sizeof(c->tx_buf));

	if (n < 0)
		return (int)n;
	return write_all(l->fd, c->tx_buf, (size_t)n);
}

/* Each good message is queued; dropped frames are counted by cdc_rx. */
static int on_msg(const uint8_t *msg, size_t len, int drop, void *user_data)
{
	struct cdc_link *c = user_data;
	unsigned slot;

	if (!msg || len > APP_LINK_MSG_MAX)
		return 0;
	(void)drop;
	if (c->q_count == CDC_QUEUE)
		return 0; /* the server sent more than one request can explain: drop */
	slot = (c->q_head + c->q_count) % CDC_QUEUE;
	memcpy(c->q[slot].msg, msg, len);
	c->q[slot].len = len;
	c->q_count++;
	return 0;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int cdc_recv(struct app_link *l, uint8_t *buf, size_t cap, size_t *ret_len, int timeout_ms)
{
	struct cdc_link *c = l->priv;
	int64_t deadline = now_ms() + timeout_ms;

	while (c->q_count == 0) {
		struct pollfd pfd = {.fd = l->fd, .events = POLLIN};
		uint8_t chunk[512];
		int64_t left = deadline - now_ms();
		ssize_t n;
		int r;

		if (left <= 0)
			return -ETIMEDOUT;
		r = poll(&pfd, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ETIMEDOUT;
		n = read(l->fd, chunk, sizeof(chunk));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return errno == EIO ? -ECONNRESET : -errno; /* pty master: peer closed */
		if (n == 0)
			return -ECONNRESET;
		r = cdc_rx_feed(&c->rx, chunk, (size_t)n, on_msg, c);
		if (r < 0)
			return r;
	}
	if (c->q[c->q_head].len > cap)
		return -EMSGSIZE;
	memcpy(buf, c->q[c->q_head].msg, c->q[c->q_head].len);
	*ret_len = c->q[c->q_head].len;
	c->q_head = (c->q_head + 1) % CDC_QUEUE;
	c->q_count--;
	return 0;
}

static void cdc_close(struct app_link *l)
{
	free(l->priv);
	l->priv = NULL;
}

static const struct app_link_ops cdc_ops = {
    .send = cdc_send,
    .recv = cdc_recv,
    .close = cdc_close,
};

/* A CDC-ACM tty is a byte pipe: raw, no echo, no line discipline. */
static int open_tty(const char *path)
{
	struct termios t;
	int fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (tcgetattr(fd, &t) == 0) {
		cfmakeraw(&t);
		t.c_cc[VMIN] = 1;
		t.c_cc[VTIME] = 0;
		if (tcsetattr(fd, TCSANOW, &t) < 0) {
			int err = -errno;

			close(fd);
			return err;
		}
	}
	return fd;
}

/* fd:N, for harnesses that hold a pty master and hand it down. */
static int dup_inherited(const char *num)
{
	char *end = NULL;
	long n = strtol(num, &end, 10);
	int fd;

	if (end == num || *end || n < 0 || n > 65535)
		return -EINVAL;
	fd = fcntl((int)n, F_DUPFD_CLOEXEC, 3);
	return fd < 0 ? -errno : fd;
}

int app_link_cdc_open(struct app_link *l, const char *kind, const char *path)
{
	struct cdc_link *c = calloc(1, sizeof(*c));
	int fd;

	if (!c)
		return -ENOMEM;
	if (strcmp(kind, "fd") == 0)
		fd = dup_inherited(path);
	else
		fd = strcmp(kind, "unix") == 0 ? app_link_unix_connect(path, SOCK_STREAM)
		                               : open_tty(path);
	if (fd < 0) {
		free(c);
		return fd;
	}
	cdc_rx_init(&c->rx, c->rx_buf, sizeof(c->rx_buf));
	l->fd = fd;
	l->priv = c;
	l->ops = &cdc_ops;
	l->info.kind = kind;
	return 0;
}
