/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The phone's GATT client without I/O (Bluetooth Core Vol 3 Part G 4 over Part F): it
 * finds the svcport service of DESIGN §2.1, reads the Database Hash a returning phone
 * compares with its cache (Robust Caching, docs/gatt.md), enables TX notifications, reads
 * INFO and writes RX segments.
 *
 * Bytes in, bytes out: the owner hands every ATT PDU received on the bearer to
 * gattc_input and sends what ops.send gives it; it owns the clock too and calls
 * gattc_fail when a request stayed unanswered for the ATT transaction timeout (30 s,
 * 3.3.3). One procedure runs at a time (the sequential protocol, 3.3.2); it ends with
 * ops.done, called from inside gattc_input (or gattc_fail), after which another may be
 * started from that very callback. TX notifications reach ops.notification at any time;
 * indications are confirmed at once and mark Service Changed.
 *
 * Errors: negative errno. An Error Response maps to -EACCES (insufficient
 * authentication/encryption), -EPERM (read/write not permitted), -ENOENT (attribute not
 * found), -EOPNOTSUPP (request not supported), -EMSGSIZE (invalid attribute value
 * length), -ESTALE (Database Out Of Sync: the handles cached are not the server's) or
 * -EREMOTEIO (any other code); gattc_last_att_error gives the exact code. A PDU that
 * breaks the protocol (-EPROTO) or a timeout (-ETIMEDOUT) kills the bearer: every later
 * call returns -ENOTCONN.
 */
#ifndef SVCPORT_GATTC_H
#define SVCPORT_GATTC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GATTC_HASH_LEN 16

enum gattc_proc {
	GATTC_PROC_NONE = 0,
	GATTC_PROC_MTU,       /* Exchange MTU */
	GATTC_PROC_HASH,      /* Read By Type of the Database Hash over 0x0001-0xFFFF */
	GATTC_PROC_DISCOVER,  /* our service, its characteristics, TX's CCCD */
	GATTC_PROC_ENABLE_TX, /* write 0x0001 to TX's CCCD */
	GATTC_PROC_READ_INFO, /* Read, then Read Blob while the value may be longer */
	GATTC_PROC_WRITE_RX,  /* one Write Request to RX */
};

/* Handles learnt by discovery, or given back from a cache (0: unknown). */
struct gattc_handles {
	uint16_t svc_start, svc_end;
	uint16_t rx, tx, tx_ccc, info;
};

/* Traffic on the ATT bearer, counted per PDU, bytes including the ATT opcode and handle. */
struct gattc_stats {
	uint64_t tx_pdus; /* client -> server */
	uint64_t tx_bytes;
	uint64_t rx_pdus; /* server -> client */
	uint64_t rx_bytes;
	uint64_t transactions;  /* request/response exchanges (an Error Response counts) */
	uint64_t notifications; /* TX notifications received */
	uint64_t dropped;       /* notifications the owner could not keep (gattc_count_drop) */
};

struct gattc_ops {
	/* One PDU to the server (len <= ATT_MTU). 0 or a negative errno, passed up. */
	int (*send)(const uint8_t *pdu, size_t len, void *user_data);
	/* A TX notification's value; the bytes are valid during the call only. */
	void (*notification)(const uint8_t *value, size_t len, void *user_data);
	/* The procedure ended with err (0 or a negative errno). Optional. */
	void (*done)(enum gattc_proc proc, int err, void *user_data);
	void *user_data;
};

struct gattc;

/* A client with ATT_MTU 23 offering mtu (23..517) in Exchange MTU. ops is copied.
 * 0, -EINVAL or -ENOMEM; *ret is left untouched on failure. */
int gattc_new(uint16_t mtu, const struct gattc_ops *ops, struct gattc **ret)
    __attribute__((warn_unused_result));
/* NULL is a no-op. */
void gattc_free(struct gattc *g);

/*
 * Starting a procedure sends its first request: 0, -EBUSY (one is running), -ENOTCONN
 * (the bearer is dead), -ENOENT (a handle it needs is unknown) or the send error.
 */
int gattc_start_mtu(struct gattc *g) __attribute__((warn_unused_result));
int gattc_start_hash(struct gattc *g) __attribute__((warn_unused_result));
int gattc_start_discover(struct gattc *g) __attribute__((warn_unused_result));
int gattc_start_enable_tx(struct gattc *g) __attribute__((warn_unused_result));
/* INFO into buf (cap bytes, kept until the procedure ends); -EMSGSIZE when longer. */
int gattc_start_read_info(struct gattc *g, uint8_t *buf, size_t cap)
    __attribute__((warn_unused_result));
/* value: at most gattc_max_value_len bytes, copied. */
int gattc_start_write_rx(struct gattc *g, const uint8_t *value, size_t len)
    __attribute__((warn_unused_result));
/* Write Command to RX: sent now, no procedure, no answer. */
int gattc_write_rx_cmd(struct gattc *g, const uint8_t *value, size_t len)
    __attribute__((warn_unused_result));

/*
 * One PDU from the server (not kept). 0 when it was handled (an Error Response answering
 * the request is handled; a procedure that ends gives its result to ops.done), -EINVAL
 * for an empty PDU (ignored), -EPROTO when it breaks the protocol (the bearer is dead),
 * -ENOTCONN when it already was, or the send error of an indication's confirmation.
 */
int gattc_input(struct gattc *g, const uint8_t *pdu, size_t len)
    __attribute__((warn_unused_result));

/* The owner's bearer failed: err is -ETIMEDOUT when its ATT timer expired with a request
 * outstanding (3.3.3), -ECONNRESET when the link went down. The running procedure ends
 * with err; the bearer is dead. */
void gattc_fail(struct gattc *g, int err);

bool gattc_is_busy(const struct gattc *g);
bool gattc_is_dead(const struct gattc *g);
/* The result of the last procedure that ended (0 before any). */
int gattc_result(const struct gattc *g);

uint16_t gattc_mtu(const struct gattc *g);
/* The segment size: ATT_MTU - 3, at most 512 (the longest attribute value). */
size_t gattc_max_value_len(const struct gattc *g);
uint8_t gattc_last_att_error(const struct gattc *g);
bool gattc_has_service_changed(const struct gattc *g);
/* The hash read by GATTC_PROC_HASH: false if none was read. */
bool gattc_get_hash(const struct gattc *g, uint8_t ret_hash[GATTC_HASH_LEN]);
/* The length of the INFO value GATTC_PROC_READ_INFO read. */
size_t gattc_info_len(const struct gattc *g);
void gattc_get_handles(const struct gattc *g, struct gattc_handles *ret);
/* Handles from a cache (a returning phone): -EINVAL unless they describe a service whose
 * characteristics lie inside it (the checks discovery makes). */
int gattc_set_handles(struct gattc *g, const struct gattc_handles *h)
    __attribute__((warn_unused_result));
void gattc_get_stats(const struct gattc *g, struct gattc_stats *ret);
/* The owner dropped a notification it could not keep (counted in the stats). */
void gattc_count_drop(struct gattc *g);

#endif
