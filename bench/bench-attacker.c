// SPDX-License-Identifier: GPL-2.0-or-later
#include "bench-attacker.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "bench-util.h"

#define MAX_CONCURRENT 256
#define LIFETIME_S     30.0

/* gateway/core/gatt-db.h: the service's RX value and TX CCCD. */
#define HANDLE_RX     0x000c
#define HANDLE_TX_CCC 0x0010

struct conn {
	int fd;
	enum attack kind;
	double since;
};

static const char *const names[ATTACK_COUNT] = {"idle", "junk", "hold", "hangup", "bad"};

const char *attack_name(enum attack a)
{
	return a < ATTACK_COUNT ? names[a] : "?";
}

static void pdu_send(int fd, const uint8_t *p, size_t len)
{
	/* What the gateway makes of it is the point; a refused send ends with the close. */
	(void)send(fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
}

static void subscribe(int fd)
{
	const uint8_t w[] = {0x12, HANDLE_TX_CCC & 0xff, HANDLE_TX_CCC >> 8, 0x01, 0x00};

	pdu_send(fd, w, sizeof(w));
}

/* A Write Command of one segment: flags, and on a FIRST segment the announced length. */
static void segment_send(int fd, uint8_t flags, uint16_t total, size_t payload)
{
	uint8_t w[64] = {0x52, HANDLE_RX & 0xff, HANDLE_RX >> 8, flags, total & 0xff, total >> 8};

	memset(w + 6, 0xa5, payload);
	pdu_send(fd, w, 6 + payload);
}

/* Sends kind's opening; true when the attacker hangs up right after it. */
static bool conn_start(struct conn *c)
{
	uint8_t junk[40];

	switch (c->kind) {
	case ATTACK_JUNK:
		for (int i = 0; i < 3; i++) {
			size_t n = 1 + (size_t)(rand() % (int)sizeof(junk));

			for (size_t k = 0; k < n; k++)
				junk[k] = (uint8_t)rand();
			pdu_send(c->fd, junk, n);
		}
		return false;
	case ATTACK_HOLD:
		subscribe(c->fd);
		segment_send(c->fd, 0x80, 4000, 10);
		return false;
	case ATTACK_HANGUP:
		subscribe(c->fd);
		segment_send(c->fd, 0x80, 2000, 30);
		return true;
	case ATTACK_BAD:
		subscribe(c->fd);
		segment_send(c->fd, 0xc0, 5, 5); /* 5 bytes of 0xa5: no Frame */
		return false;
	default:
		return false;
	}
}

static int conn_open(const char *path, enum attack kind, struct conn *ret)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	*ret = (struct conn){.fd = fd, .kind = kind, .since = bench_now()};
	return 0;
}

/* Reads what the gateway sent; true when this connection is over. */
static bool conn_read(struct conn *c, struct attack_result *r)
{
	uint8_t buf[600];
	ssize_t n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		r->closed_by_gateway[c->kind]++;
		return true;
	}
	if (n < 0)
		return false;
	r->answers++;
	/* junk: any answer; bad: the error notification. Their point is made. */
	return c->kind == ATTACK_JUNK || (c->kind == ATTACK_BAD && buf[0] == 0x1b);
}

int attack_run(const char *path, int concurrent, int sessions, struct attack_result *ret)
{
	static struct conn conns[MAX_CONCURRENT];
	static struct pollfd pfd[MAX_CONCURRENT];
	int n_open = 0, started = 0, err = 0;

	if (concurrent < 1 || concurrent > MAX_CONCURRENT)
		return -EINVAL;
	memset(ret, 0, sizeof(*ret));
	srand(12);
	for (int i = 0; i < concurrent; i++)
		conns[i].fd = -1;
	while (err == 0 && (started < sessions || n_open > 0)) {
		for (int i = 0; i < concurrent && started < sessions; i++) {
			if (conns[i].fd >= 0)
				continue;
			enum attack kind = (enum attack)(started % ATTACK_COUNT);

			started++;
			if (conn_open(path, kind, &conns[i]) < 0) {
				ret->refused++;
				continue;
			}
			ret->opened[kind]++;
			n_open++;
			if (conn_start(&conns[i])) {
				close(conns[i].fd);
				conns[i].fd = -1;
				n_open--;
			}
		}
		if (n_open > ret->max_open)
			ret->max_open = n_open;
		for (int i = 0; i < concurrent; i++)
			pfd[i] = (struct pollfd){.fd = conns[i].fd, .events = POLLIN};
		if (poll(pfd, (nfds_t)concurrent, 100) < 0 && errno != EINTR)
			err = -errno;
		for (int i = 0; i < concurrent; i++) {
			struct conn *c = &conns[i];

			if (c->fd < 0)
				continue;
			if ((pfd[i].revents && conn_read(c, ret)) ||
			    bench_now() - c->since > LIFETIME_S) {
				close(c->fd);
				c->fd = -1;
				n_open--;
			}
		}
	}
	for (int i = 0; i < concurrent; i++)
		if (conns[i].fd >= 0)
			close(conns[i].fd);
	return err;
}
