/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Internals shared by msglink.c and msglink-att.c. Not an API. */
#ifndef SVCPORT_MSGLINK_INT_H
#define SVCPORT_MSGLINK_INT_H

#include "cdc-frame.h"
#include "msglink.h"
#include "seg.h"

/*
 * Segments of one message waiting to leave, each as (2-byte length, bytes). The smallest
 * segment carries 17 message bytes after its header, so a message needs at most
 * MSGLINK_MSG_MAX / 17 + 1 segments of up to 3 header and 2 length bytes each.
 */
#define MSGLINK_SEGQ_CAP (MSGLINK_MSG_MAX + 5 * (MSGLINK_MSG_MAX / 17 + 2))
#define MSGLINK_CDC_CAP  CDC_FRAME_ENCODED_MAX(MSGLINK_MSG_MAX)

enum msglink_state {
	MSGLINK_IDLE,       /* msglink_connect not called yet */
	MSGLINK_SETTING_UP, /* MTU, hash, discovery, CCCD, INFO */
	MSGLINK_UP,
	MSGLINK_DOWN, /* failed or lost: nothing more */
};

/* Where the ATT set-up is (msglink-att.c). */
enum msglink_att_step {
	ATT_STEP_MTU,
	ATT_STEP_HASH,
	ATT_STEP_DISCOVER,
	ATT_STEP_ENABLE_TX,
	ATT_STEP_INFO,
	ATT_STEP_DONE,
};

struct msglink {
	struct msglink_config cfg;
	struct msglink_ops ops;
	enum msglink_state state;
	struct msglink_stats stats;

	struct gattc *g; /* ATT kind */
	enum msglink_att_step att_step;
	bool has_cache;
	struct msglink_cache cache;
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
void msglink_setup_done(struct msglink *l, int err, const uint8_t *info, size_t len);
/* Takes the link down with err: a set-up or a message in flight ends with it. */
void msglink_fail(struct msglink *l, int err);
/* Hands the queued segments down (GATT kinds) until one needs an answer; ends the message
 * when none is left. */
void msglink_send_next(struct msglink *l);
/* A TX segment arrived (both GATT kinds). */
void msglink_segment(struct msglink *l, const uint8_t *seg, size_t len);

/* msglink-att.c */
int msglink_att_new(struct msglink *l);
int msglink_att_connect(struct msglink *l);
int msglink_att_input(struct msglink *l, const uint8_t *pdu, size_t len);
/* 1: written, go on (Write Command); 0: the answer continues; or a negative errno. */
int msglink_att_write(struct msglink *l, const uint8_t *seg, size_t len);

#endif
