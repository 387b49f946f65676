/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The phone's message link without I/O: whole messages (encoded Frames) out and in over
 * one of three carriers the caller drives:
 *   LINK_KIND_ATT   an ATT bearer: PDUs out through ops.att_send, in through link_input;
 *                   the link runs GATT itself (core/gattc.h): Exchange MTU, the Database
 *                   Hash, discovery unless a cache still holds, TX's CCCD, INFO;
 *   LINK_KIND_GATT  the OS's GATT API (Android, iOS): the caller found RX/TX/INFO and
 *                   enabled TX notifications; RX values go out through ops.gatt_write
 *                   (one at a time, answered by link_gatt_write_done), TX notification
 *                   values come in through link_input, INFO through link_gatt_info;
 *   LINK_KIND_CDC   the USB service port's byte stream (COBS + CRC-32 frames).
 * Messages are segmented for the GATT kinds (gateway/core/seg.h) and framed for CDC
 * (gateway/core/cdc-frame.h), the same code the gateway runs.
 *
 * One message leaves at a time: link_send queues it whole and ops.sent tells when its
 * last byte was handed over. Time is the caller's: link_deadline says when the ATT
 * transaction timer runs out, link_tick checks it against ops.now_ms.
 */
#ifndef SVCPORT_LINK_H
#define SVCPORT_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gattc.h"

#define LINK_MSG_MAX     8192  /* SEG_DEFAULT_MAX: the largest message either side sends */
#define LINK_ATT_TIMEOUT 30000 /* ms, the ATT transaction timeout (Vol 3 Part F 3.3.3) */

enum link_kind {
	LINK_KIND_ATT = 1,
	LINK_KIND_GATT = 2,
	LINK_KIND_CDC = 3,
};

/* What a returning phone keeps of a device (ATT): its Database Hash and our handles. */
struct link_cache {
	uint8_t hash[GATTC_HASH_LEN];
	struct gattc_handles handles;
};

struct link_config {
	enum link_kind kind;
	uint16_t att_mtu;               /* ATT: Rx MTU offered, 23..517 */
	bool att_write_cmd;             /* ATT: RX segments as Write Command, not Write Request */
	uint32_t att_timeout_ms;        /* ATT: transaction timeout; 0 means LINK_ATT_TIMEOUT */
	size_t gatt_value_len;          /* GATT: the longest RX write, 20..512 (the OS's MTU - 3) */
	const struct link_cache *cache; /* ATT: a returning phone's cache, or NULL (copied) */
};

struct link_ops {
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
	/* The message of link_send has left (0) or could not (negative errno). */
	void (*sent)(int err, void *user_data);
	/* The link that was up went down (lost, timed out, broken). Optional. */
	void (*down)(int err, void *user_data);
	/* ATT: discovery found new handles (store them), or NULL: forget the cache. */
	void (*cache)(const struct link_cache *cache, void *user_data);
	void *user_data;
};

/* Traffic, for the benchmarks and the tests. */
struct link_stats {
	struct gattc_stats att; /* ATT kind */
	uint64_t tx_bytes;      /* message bytes handed down (segments, frames) */
	uint64_t rx_bytes;      /* bytes given to link_input */
	uint64_t bad_input;     /* segments or frames dropped as malformed */
	bool used_cache;        /* ATT: the set-up kept the cached handles (no discovery) */
};

struct link;

/* 0, -EINVAL (a callback the kind needs is missing, a bound out of range) or -ENOMEM. */
int link_new(const struct link_config *cfg, const struct link_ops *ops, struct link **ret)
    __attribute__((warn_unused_result));
void link_free(struct link *l);

/* Starts the set-up; ops.connected ends it. -EALREADY if started before. */
int link_connect(struct link *l) __attribute__((warn_unused_result));
/* Queues msg (1..LINK_MSG_MAX bytes, copied) and starts sending it. -ENOTCONN before the
 * set-up ended, -EBUSY while the previous message is leaving. */
int link_send(struct link *l, const uint8_t *msg, size_t len) __attribute__((warn_unused_result));
/* ATT: one PDU; GATT: one TX notification value; CDC: stream bytes. 0, or -ENOTCONN
 * once the link failed (the input is dropped). */
int link_input(struct link *l, const uint8_t *data, size_t len) __attribute__((warn_unused_result));
/* GATT: the write ops.gatt_write started has ended. -EALREADY if none was. */
int link_gatt_write_done(struct link *l, int err) __attribute__((warn_unused_result));
/* GATT: the INFO read ops.gatt_read_info started has ended. -EALREADY if none was. */
int link_gatt_info(struct link *l, int err, const uint8_t *value, size_t len)
    __attribute__((warn_unused_result));
/* The carrier went down: whatever runs ends with -ECONNRESET. */
void link_lost(struct link *l);
/* When the ATT timer runs out (ops.now_ms clock), -1 when it does not run. */
int64_t link_deadline(const struct link *l);
/* Checks the ATT timer: a request unanswered past it kills the link (-ETIMEDOUT). */
void link_tick(struct link *l);

bool link_is_up(const struct link *l);
uint16_t link_att_mtu(const struct link *l);
void link_get_stats(const struct link *l, struct link_stats *ret);

#endif
