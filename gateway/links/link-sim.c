// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ble-sim:PATH — the BLE link without a radio (DESIGN §2.3): a unix
 * SOCK_SEQPACKET listener whose connections carry raw ATT PDUs, one per
 * packet, exactly as the L2CAP LE socket of ble: does. Every connection is
 * a GATT connection (gatt-conn.h) with link kind LINK_BLE and no presence.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "att.h"
#include "gatt-conn.h"
#include "link.h"
#include "log.h"
#include "loop.h"

#define SIM_CONNS_MAX 16u

struct sim_link {
	struct link base;
	const struct link_ctx *ctx;
	char name[128];
	int listen_fd;
	struct loop_io *listen_io;
	struct gatt_conn *conns[SIM_CONNS_MAX];
};

static void sim_conn_closed(struct gatt_conn *conn, void *user_data)
{
	struct sim_link *l = user_data;
	for (unsigned i = 0; i < SIM_CONNS_MAX; i++) {
		if (l->conns[i] == conn) {
			l->conns[i] = NULL;
			gatt_conn_free(conn);
			return;
		}
	}
}

static void sim_on_accept(int fd, unsigned events, void *user_data)
{
	struct sim_link *l = user_data;
	int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (cfd < 0)
		return;
	unsigned slot = gatt_conn_admit(l->conns, SIM_CONNS_MAX);
	if (slot == SIM_CONNS_MAX) {
		log_msg(LOG_WARNING, "link %s: too many connections, refused", l->name);
		close(cfd);
		return;
	}
	/* The peer for the back-off: a simulated phone is a process. */
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	char peer[32] = "";
	if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) == 0)
		snprintf(peer, sizeof(peer), "pid %d", (int)cred.pid);
	struct gatt_conn_config cfg = {
	    .name = l->name,
	    .peer = peer,
	    .kind = svcport_v1_LinkKind_LINK_BLE,  /* its real kind (contracts.md) */
	    .required_security = ATT_SECURITY_LOW, /* a unix socket has no pairing */
	    .link_security = ATT_SECURITY_LOW,
	    .closed = sim_conn_closed,
	    .user_data = l,
	};
	int r = gatt_conn_new(l->ctx, cfd, &cfg, &l->conns[slot]);
	if (r < 0) {
		l->conns[slot] = NULL;
		log_msg(LOG_WARNING, "link %s: connection refused: %s", l->name, strerror(-r));
		return;
	}
	log_msg(LOG_INFO, "link %s: connection accepted", l->name);
}

static void sim_link_free(struct link *base)
{
	struct sim_link *l = (struct sim_link *)base;
	for (unsigned i = 0; i < SIM_CONNS_MAX; i++)
		gatt_conn_free(l->conns[i]);
	loop_io_free(l->listen_io);
	if (l->listen_fd >= 0)
		close(l->listen_fd);
	free(l);
}

static int sim_link_open(const struct link_ctx *ctx, const char *arg, struct link **ret_link)
{
	int r;
	struct sim_link *l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->base.ops = &link_ble_sim_ops;
	l->ctx = ctx;
	l->listen_fd = -1;
	snprintf(l->name, sizeof(l->name), "ble-sim:%s", arg);
	r = link_unix_listen(arg, SOCK_SEQPACKET, &l->listen_fd);
	if (r < 0) {
		log_msg(LOG_ERR, "link %s: cannot listen: %s", l->name, strerror(-r));
		goto free_link;
	}
	r = loop_io_new(ctx->loop, l->listen_fd, LOOP_READ, sim_on_accept, l, &l->listen_io);
	if (r < 0)
		goto free_link;
	log_msg(LOG_INFO, "link %s: listening (raw ATT PDUs)", l->name);
	*ret_link = &l->base;
	return 0;

free_link:
	sim_link_free(&l->base);
	return r;
}

const struct link_ops link_ble_sim_ops = {
    .scheme = "ble-sim",
    .open = sim_link_open,
    .free = sim_link_free,
};
