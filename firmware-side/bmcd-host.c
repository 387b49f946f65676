// SPDX-License-Identifier: GPL-2.0-or-later
/* svcport-bmcd's host interface socket (bmcd-host.h). */
#include "bmcd-host.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mbedtls/platform_util.h>

#include "bmcd-sock.h"
#include "hostif.h"
#include "log.h"

struct host_conn {
	int fd;
	struct loop_io *io;
	struct bmcd_host *host;
};

struct bmcd_host {
	struct loop *loop;
	struct hostif hif;
	uid_t uid;
	int listen_fd;
	struct loop_io *listen_io;
	struct host_conn conn[BMCD_HOST_CONNS];
};

static void conn_close(struct host_conn *c)
{
	loop_io_free(c->io);
	c->io = NULL;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

static void on_packet(int fd, unsigned events, void *user_data)
{
	static uint8_t in[svcport_host_v1_HostRequest_size + 1];
	static uint8_t out[svcport_host_v1_HostReply_size];
	struct host_conn *c = user_data;
	struct hostif_outcome o;
	size_t out_len = 0;
	ssize_t n;

	/* MSG_TRUNC: the real packet length, so an oversized one is seen as such. */
	n = recv(fd, in, sizeof(in), MSG_TRUNC | MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		log_msg(LOG_INFO, "host firmware disconnected");
		conn_close(c);
		return;
	}
	if (hostif_handle_packet(&c->host->hif, in, (size_t)n, out, sizeof(out), &out_len, &o) <
	    0) {
		log_msg(LOG_ERR, "host reply does not encode (bug)");
		conn_close(c);
		return;
	}
	log_msg(o.status == svcport_host_v1_HostStatus_HOST_OK ? LOG_INFO : LOG_NOTICE,
	        "host request=%u %s -> %s%s%s", o.request_id, o.request,
	        hostif_status_name(o.status), o.detail ? ": " : "", o.detail ? o.detail : "");
	if (send(fd, out, out_len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
		log_msg(LOG_WARNING, "host reply not delivered (%s), dropping the connection",
		        strerror(errno));
		conn_close(c);
	}
	/* The reply may carry the SED AK: no copy outlives the send. */
	mbedtls_platform_zeroize(out, sizeof(out));
	mbedtls_platform_zeroize(in, sizeof(in));
}

/* A free slot for a new connection, after reaping peers that hung up. */
static struct host_conn *slot_find(struct bmcd_host *h)
{
	struct host_conn *free_slot = NULL;

	for (int i = 0; i < BMCD_HOST_CONNS; i++) {
		struct host_conn *c = &h->conn[i];
		char b;

		if (c->fd >= 0 && recv(c->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) == 0)
			conn_close(c);
		if (c->fd < 0 && !free_slot)
			free_slot = c;
	}
	return free_slot;
}

static void on_listen(int lfd, unsigned events, void *user_data)
{
	struct bmcd_host *h = user_data;
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	struct host_conn *c;
	uid_t uid = (uid_t)-1;

	if (fd < 0)
		return;
	if (!bmcd_is_peer_allowed(fd, h->uid, false, &uid)) {
		log_msg(LOG_WARNING, "host connection from uid %d refused (SO_PEERCRED)", (int)uid);
		close(fd);
		return;
	}
	c = slot_find(h);
	if (!c) {
		log_msg(LOG_WARNING, "host connection refused: %d already connected",
		        BMCD_HOST_CONNS);
		close(fd);
		return;
	}
	*c = (struct host_conn){.fd = fd, .host = h};
	if (loop_io_new(h->loop, fd, LOOP_READ, on_packet, c, &c->io) < 0) {
		close(fd);
		c->fd = -1;
		return;
	}
	log_msg(LOG_INFO, "host firmware connected (uid %d)", (int)uid);
}

int bmcd_host_path(char *out, size_t cap, const char *arg, const char *admin_path)
{
	const char *slash = strrchr(admin_path, '/');
	int dir_len = slash ? (int)(slash - admin_path) + 1 : 0;
	int n = arg ? snprintf(out, cap, "%s", arg)
	            : snprintf(out, cap, "%.*shost.sock", dir_len, admin_path);

	return n >= 0 && (size_t)n < cap ? 0 : -ENAMETOOLONG;
}

int bmcd_host_open(struct loop *loop, struct bmc *bmc, const char *path, uid_t uid,
                   struct bmcd_host **ret_host)
{
	struct bmcd_host *h = calloc(1, sizeof(*h));
	int ret;

	if (!h)
		return -ENOMEM;
	*h = (struct bmcd_host){.loop = loop, .uid = uid, .listen_fd = -1};
	for (int i = 0; i < BMCD_HOST_CONNS; i++)
		h->conn[i].fd = -1;
	hostif_init(&h->hif, bmc, NULL);
	/* 0666: SO_PEERCRED decides who may talk. */
	ret = h->listen_fd = bmcd_listen(path, 0666);
	if (ret >= 0)
		ret = loop_io_new(loop, h->listen_fd, LOOP_READ, on_listen, h, &h->listen_io);
	if (ret < 0) {
		bmcd_host_close(h);
		return ret;
	}
	*ret_host = h;
	return 0;
}

void bmcd_host_close(struct bmcd_host *h)
{
	if (!h)
		return;
	for (int i = 0; i < BMCD_HOST_CONNS; i++)
		conn_close(&h->conn[i]);
	loop_io_free(h->listen_io);
	if (h->listen_fd >= 0)
		close(h->listen_fd);
	mbedtls_platform_zeroize(h, sizeof(*h));
	free(h);
}
