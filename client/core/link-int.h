/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Internals shared by link.c and link-att.c. Not an API. */
#ifndef SVCPORT_LINK_INT_H
#define SVCPORT_LINK_INT_H

#include "cdc-frame.h"
#include "link.h"
#include "seg.h"

/*
 * Segments of one message waiting to leave, each as (2-byte length, bytes). The smallest
 * segment carries 17 message bytes after its header, so a message needs at most
 * LINK_MSG_MAX / 17 + 1 segments of up to 3 header and 2 length bytes each.
 */
#define LINK_SEGQ_CAP (LINK_MSG_MAX + 5 * (LINK_MSG_MAX / 17 + 2))
#define LINK_CDC_CAP  CDC_FRAME_ENCODED_MAX(LINK_MSG_MAX)

enum link_state {
	LINK_IDLE,       /* link_connect not called yet */
	LINK_SETTING_UP, /* MTU, hash, discovery, CCCD, INFO */
	LINK_UP,
	LINK_DOWN, /* failed or lost: nothing more */
};

/* Where the ATT set-up is (link-att.c). */
enum link_att_step {
	ATT_STEP_MTU,
	ATT_STEP_HASH,
	ATT_STEP_DISCOVER,
	ATT_STEP_ENABLE_TX,
	ATT_STEP_INFO,
	ATT_STEP_DONE,
};

struct link {
	struct link_config cfg;
	struct link_ops ops;
	enum link_state state;
	struct link_stats stats;

	struct gattc *g; /* ATT kind */
	enum link_att_step att_step;
	bool has_cache;
	struct link_cache cache;
	int64_t att_deadline; /* -1: no request outstanding */

	bool gatt_info_pending;  /* GATT kind: ops.gatt_read_info asked, not answered */
	bool gatt_write_pending; /* GATT kind: ops.gatt_write asked, not answered */

	/* Outgoing segments (GATT kinds) or the frame (CDC). */
	bool is_sending;
	uint8_t *q;
	size_t q_len, q_pos;
	struct seg_tx seg_tx;

	/* Incoming. */
	struct seg_rx seg_rx;
	struct cdc_rx cdc_rx;
	uint8_t *rx_buf; /* reassembly (GATT) or the encoded frame (CDC) */
	uint8_t info[512];
};

/* Ends the set-up (err 0 with the INFO value, or a failure). */
void link_setup_done(struct link *l, int err, const uint8_t *info, size_t len);
/* Takes the link down with err: a set-up or a message in flight ends with it. */
void link_fail(struct link *l, int err);
/* Hands the queued segments down (GATT kinds) until one needs an answer; ends the message
 * when none is left. */
void link_send_next(struct link *l);
/* A TX segment arrived (both GATT kinds). */
void link_segment(struct link *l, const uint8_t *seg, size_t len);

/* link-att.c */
int link_att_new(struct link *l);
int link_att_connect(struct link *l);
int link_att_input(struct link *l, const uint8_t *pdu, size_t len);
/* 1: written, go on (Write Command); 0: the answer continues; or a negative errno. */
int link_att_write(struct link *l, const uint8_t *seg, size_t len);

#endif
