/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One GATT connection of ble: or ble-sim: — an fd carrying one ATT PDU per
 * packet (L2CAP LE socket on CID 4, or unix SOCK_SEQPACKET) — tied to the ATT
 * server core (att-server.h), the segmentation core (seg.h) and a session.
 *
 *   RX writes  -> seg_rx_push -> session_rx_frame (a bad segment: Error frame
 *                 LINK_PROTOCOL, DESIGN §2.1; an announced length over the
 *                 maximum: TOO_LARGE, as on CDC links)
 *   session    -> seg_tx_split (ATT_MTU - 3) -> TX notifications, queued
 *                 (bounded) when the socket is full
 *   INFO reads -> the session table's LinkInfo
 *   TX CCCD    -> session events on/off
 * A connection counts as a session only once the phone enables TX
 * notifications (the first thing every conversation does, DESIGN §2.1):
 * before that it holds no slot, and one that does not subscribe within
 * limits->start_ms is dropped. A message in segments follows the progress
 * rule (session_progress_deadline) or the connection is dropped.
 * A protocol violation (att_server_handle_pdu -EPROTO), an unreadable fd,
 * no free session at subscription, a deadline or an idle timeout ends the
 * connection: the owner's closed() is called from the loop and the owner
 * frees the connection.
 */
#ifndef SVCPORT_GATT_CONN_H
#define SVCPORT_GATT_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include "svcport.pb.h"

struct link_ctx;
struct gatt_conn;

/* Connections per link that have not subscribed yet; the owner refuses more. */
#define GATT_CONN_PENDING_MAX 4u

struct gatt_conn_config {
	const char *name;         /* link name for logs, copied */
	const char *peer;         /* the peer's address for the back-off, copied */
	svcport_v1_LinkKind kind; /* LINK_BLE (ble: and ble-sim:) */
	int required_security;    /* ATT_SECURITY_* for our service */
	int link_security;        /* the link's current ATT_SECURITY_* */
	/* NULL, or the link's security now (ble: pairing completes after accept):
	 * asked before every received PDU. */
	int (*security_now)(int fd);
	/* The connection is over: the owner calls gatt_conn_free (not from inside closed). */
	void (*closed)(struct gatt_conn *conn, void *user_data);
	void *user_data;
};

/* Takes fd (owned from now on, also on failure). No session yet (see above). */
int gatt_conn_new(const struct link_ctx *ctx, int fd, const struct gatt_conn_config *cfg,
                  struct gatt_conn **ret_conn) __attribute__((warn_unused_result));
/* Closes the fd and the session. NULL: no-op. */
void gatt_conn_free(struct gatt_conn *conn);
/* The phone has subscribed and holds a session. */
bool gatt_conn_has_session(const struct gatt_conn *conn);

/*
 * The accept rule of ble: and ble-sim: over their connections conns[0..n):
 * returns a free index for a new connection, or n when every index is taken.
 * When GATT_CONN_PENDING_MAX connections have not subscribed yet, the oldest
 * of them is dropped first: a phone subscribes within a second of
 * connecting, so the newest waiting connection is the likeliest phone, and
 * connections that only wait cannot keep phones out for long.
 */
unsigned gatt_conn_admit(struct gatt_conn *const *conns, unsigned n);

#endif
