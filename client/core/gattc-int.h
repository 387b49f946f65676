/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Internals shared by gattc.c and gattc-disc.c. Not an API. */
#ifndef SVCPORT_GATTC_INT_H
#define SVCPORT_GATTC_INT_H

#include "att.h"
#include "gattc.h"

/* Where discovery is. */
enum gattc_disc_step {
	DISC_SERVICE, /* Find By Type Value of our service UUID */
	DISC_CHARS,   /* Read By Type of 0x2803 over the service */
	DISC_CCC,     /* Find Information after TX's value */
};

struct gattc {
	struct gattc_ops ops;
	uint16_t offer; /* Rx MTU offered */
	uint16_t mtu;   /* the connection's ATT_MTU */
	bool is_dead;   /* after a timeout or a protocol error: no further requests */
	bool service_changed;
	uint8_t last_ecode;
	struct gattc_handles handles;
	struct gattc_stats stats;

	enum gattc_proc proc; /* running, GATTC_PROC_NONE if none */
	uint8_t req_op;       /* the request outstanding, 0 if none */
	uint8_t rsp_op;       /* the response it wants */
	int result;

	/* The response being handled (valid during the step only). */
	const uint8_t *pdu;
	size_t pdu_len;

	enum gattc_disc_step disc;
	uint32_t next; /* discovery: the next start handle */
	uint16_t last_decl;

	bool has_hash;
	uint8_t hash[GATTC_HASH_LEN];

	uint8_t *info_buf;
	size_t info_cap, info_len;

	uint8_t out[ATT_MTU_MAX];
};

/* Sends req (len <= ATT_MTU), expecting rsp_op or an Error Response to it. */
int gattc_request(struct gattc *g, const uint8_t *req, size_t len, uint8_t rsp_op);
/* Ends the running procedure with err and tells the owner. */
void gattc_finish(struct gattc *g, int err);

/* gattc-disc.c: the discovery procedure's steps. */
int gattc_disc_begin(struct gattc *g);
void gattc_disc_step(struct gattc *g, int err);

#endif
