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
 * A protocol violation (att_server_handle_pdu -EPROTO), an unreadable fd or
 * an idle timeout ends the connection: the owner's closed() is called from
 * the loop and the owner frees the connection.
 */
#ifndef SVCPORT_GATT_CONN_H
#define SVCPORT_GATT_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include "svcport.pb.h"

struct link_ctx;
struct gatt_conn;

struct gatt_conn_config {
	const char *name;         /* link name for logs, copied */
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

/*
 * Takes fd (owned from now on, also on failure). Opens the session; -EBUSY
 * when the session table is full (the owner drops the connection).
 */
int gatt_conn_new(const struct link_ctx *ctx, int fd, const struct gatt_conn_config *cfg,
                  struct gatt_conn **ret_conn) __attribute__((warn_unused_result));
/* Closes the fd and the session. NULL: no-op. */
void gatt_conn_free(struct gatt_conn *conn);

#endif
