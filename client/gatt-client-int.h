/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Internals shared by gatt-client.c and gatt-client-ops.c. Not an API. */
#ifndef SVCPORT_GATT_CLIENT_INT_H
#define SVCPORT_GATT_CLIENT_INT_H

#include "att.h"
#include "gatt-client.h"
#include "seg.h"

struct gatt_client {
	int fd;
	struct gatt_client_config cfg;
	uint16_t mtu;
	bool is_broken; /* after a timeout or a protocol error: no further requests */
	bool service_changed;
	uint8_t last_ecode;
	struct gatt_client_handles handles;
	struct gatt_client_stats stats;

	/* TX notification values received while a request waited: a byte ring of
	 * (2-byte length, value) records. */
	uint8_t nq[GATT_CLIENT_NOTIFY_BYTES];
	size_t nq_head, nq_used;

	struct seg_tx seg_tx;
	struct seg_rx seg_rx;
	uint8_t *msg_buf; /* reassembly, cfg.max_message bytes */

	uint8_t pdu[ATT_MTU_MAX + 1]; /* last PDU received; one spare byte shows an oversize */
	size_t pdu_len;
};

/* Writes one PDU (len <= ATT_MTU) and counts it. */
int gatt_client_send_pdu(struct gatt_client *c, const uint8_t *pdu, size_t len);

/*
 * Sends a request and waits for rsp_op (the response is left in c->pdu/c->pdu_len) or an
 * Error Response to it (mapped to an errno, code kept in last_ecode).
 */
int gatt_client_request(struct gatt_client *c, const uint8_t *req, size_t len, uint8_t rsp_op);

#endif
