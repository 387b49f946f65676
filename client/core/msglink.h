/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The phone's message link without I/O: whole messages (encoded Frames) out and in over
 * one of three carriers the caller drives:
 *   MSGLINK_KIND_ATT   an ATT bearer: PDUs out through ops.att_send, in through msglink_input;
 *                   the link runs GATT itself (core/gattc.h): Exchange MTU, the Database
 *                   Hash, discovery unless a cache still holds, TX's CCCD, INFO;
 *   MSGLINK_KIND_GATT  the OS's GATT API (Android, iOS): the caller found RX/TX/INFO and
 *                   enabled TX notifications; RX values go out through ops.gatt_write
 *                   (one at a time, answered by msglink_gatt_write_done), TX notification
 *                   values come in through msglink_input, INFO through msglink_gatt_info;
 *   MSGLINK_KIND_CDC   the USB service port's byte stream (COBS + CRC-32 frames).
 * Messages are segmented for the GATT kinds (gateway/core/seg.h) and framed for CDC
 * (gateway/core/cdc-frame.h), the same code the gateway runs.
 *
 * One message leaves at a time: msglink_send queues it whole and ops.sent tells when its
 * last byte was handed over. Time is the caller's: msglink_deadline says when the ATT
 * transaction timer runs out, msglink_tick checks it against ops.now_ms.
 */
#ifndef SVCPORT_MSGLINK_H
#define SVCPORT_MSGLINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gattc.h"

#define MSGLINK_MSG_MAX     8192  /* SEG_DEFAULT_MAX: the largest message either side sends */
#define MSGLINK_ATT_TIMEOUT 30000 /* ms, the ATT transaction timeout (Vol 3 Part F 3.3.3) */

enum msglink_kind {
	MSGLINK_KIND_ATT = 1,
	MSGLINK_KIND_GATT = 2,
	MSGLINK_KIND_CDC = 3,
};

/* What a returning phone keeps of a device (ATT): its Database Hash and our handles. */
struct msglink_cache {
	uint8_t hash[GATTC_HASH_LEN];
	struct gattc_handles handles;
};

struct msglink_config {
	enum msglink_kind kind;
	uint16_t att_mtu;        /* ATT: Rx MTU offered, 23..517 */
	bool att_write_cmd;      /* ATT: RX segments as Write Command, not Write Request */
	uint32_t att_timeout_ms; /* ATT: transaction timeout; 0 means MSGLINK_ATT_TIMEOUT */
	size_t gatt_value_len;   /* GATT: the longest RX write, 20..512 (the OS's MTU - 3) */
	const struct msglink_cache *cache; /* ATT: a returning phone's cache, or NULL (copied) */
};

struct msglink_ops {
	int (*att_send)(const uint8_t *pdu, size_t len, void *user_data);
	int (*gatt_write)(const uint8_t *value, size_t len, void *user_data);
	int (*gatt_read_info)(void *user_data);
	int (*cdc_write)(const uint8_t *bytes, size_t len, void *user_data);
	int64_t (*now_ms)(void *user_data);
	/* Set-up ended: err 0 and the INFO value (an encoded LinkInfo; GATT kinds only,
	 * len 0 for CDC), or a negative errno. */
	void (*connected)(int err, const uint8_t *info, size_t len, void *user_data);
	/* A whole message; the bytes are valid during the call only (and wiped after). */
	void (*message)(const uint8_t *msg, size_t len, void *user_data);
	/* The message of msglink_send has left (0) or could not (negative errno). */
	void (*sent)(int err, void *user_data);
	/* The link that was up went down (lost, timed out, broken). Optional. */
	void (*down)(int err, void *user_data);
	/* ATT: discovery found new handles (store them), or NULL: forget the cache. */
	void (*cache)(const struct msglink_cache *cache, void *user_data);
	void *user_data;
};

/* Traffic, for the benchmarks and the tests. */
struct msglink_stats {
	struct gattc_stats att; /* ATT kind */
	uint64_t tx_bytes;      /* message bytes handed down (segments, frames) */
	uint64_t rx_bytes;      /* bytes given to msglink_input */
	uint64_t bad_input;     /* segments or frames dropped as malformed */
	bool used_cache;        /* ATT: the set-up kept the cached handles (no discovery) */
};

struct msglink;

/* 0, -EINVAL (a callback the kind needs is missing, a bound out of range) or -ENOMEM. */
int msglink_new(const struct msglink_config *cfg, const struct msglink_ops *ops,
                struct msglink **ret) __attribute__((warn_unused_result));
void msglink_free(struct msglink *l);

/* Starts the set-up; ops.connected ends it. -EALREADY if started before. */
int msglink_connect(struct msglink *l) __attribute__((warn_unused_result));
/* Queues msg (1..MSGLINK_MSG_MAX bytes, copied) and starts sending it. -ENOTCONN before the
 * set-up ended, -EBUSY while the previous message is leaving. */
int msglink_send(struct msglink *l, const uint8_t *msg, size_t len)
    __attribute__((warn_unused_result));
/* ATT: one PDU; GATT: one TX notification value; CDC: stream bytes. 0, or -ENOTCONN
 * once the link failed (the input is dropped). */
int msglink_input(struct msglink *l, const uint8_t *data, size_t len)
    __attribute__((warn_unused_result));
/* GATT: the write ops.gatt_write started has ended. -EALREADY if none was. */
int msglink_gatt_write_done(struct msglink *l, int err) __attribute__((warn_unused_result));
/* GATT: the INFO read ops.gatt_read_info started has ended. -EALREADY if none was. */
int msglink_gatt_info(struct msglink *l, int err, const uint8_t *value, size_t len)
    __attribute__((warn_unused_result));
/* The carrier went down: whatever runs ends with -ECONNRESET. */
void msglink_lost(struct msglink *l);
/* When the ATT timer runs out (ops.now_ms clock), -1 when it does not run. */
int64_t msglink_deadline(const struct msglink *l);
/* Checks the ATT timer: a request unanswered past it kills the link (-ETIMEDOUT). */
void msglink_tick(struct msglink *l);

bool msglink_is_up(const struct msglink *l);
uint16_t msglink_att_mtu(const struct msglink *l);
void msglink_get_stats(const struct msglink *l, struct msglink_stats *ret);

#endif
