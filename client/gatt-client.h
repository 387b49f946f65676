/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * GATT client of the phone side (svcport-sim app, the VM tests, the benchmarks): finds the
 * svcport service of DESIGN §2.1 and carries whole messages over it. The blocking adapter
 * of the I/O-free core (core/gattc.h), which libsvcport-client drives without blocking.
 *
 * Works over an fd that carries one ATT PDU per read/write: an L2CAP LE socket on the ATT
 * channel or a SOCK_SEQPACKET unix socket (ble-sim). Blocking: every call waits with
 * poll() for at most its timeout, so it is meant for command-line clients, not event loops.
 * One request at a time (the ATT sequential protocol); notifications and indications that
 * arrive while a request waits are queued (bounded) or confirmed.
 *
 * Errors: negative errno. When the server answered with an ATT Error Response the call
 * returns -EACCES (insufficient authentication/encryption), -EPERM (read/write not
 * permitted), -ENOENT (attribute not found), -EOPNOTSUPP (request not supported),
 * -EMSGSIZE (invalid attribute value length), -ESTALE (Database Out Of Sync) or -EREMOTEIO
 * (any other code), and gatt_client_last_att_error() gives the exact code. -ETIMEDOUT after a
 * timeout (the ATT bearer must then be considered dead, Vol 3 Part F 3.3.3), -ECONNRESET when the
 * peer closed, -EPROTO for a PDU that breaks the protocol; after any of them every call returns
 * -ENOTCONN.
 */
#ifndef SVCPORT_GATT_CLIENT_H
#define SVCPORT_GATT_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gattc.h"

/* Notification bytes held while a request waits (a synchronous server may answer a
 * whole message before its Write Response): 2 bytes per notification plus its value. */
#define GATT_CLIENT_NOTIFY_BYTES 32768
#define GATT_CLIENT_TIMEOUT_MS   30000 /* ATT transaction timeout, Vol 3 Part F 3.3.3 */
#define GATT_CLIENT_HASH_LEN     16    /* the Database Hash, Vol 3 Part G 7.3 */

struct gatt_client;

struct gatt_client_config {
	uint16_t mtu;                /* Rx MTU offered in Exchange MTU, 23..517; 0 means 517 */
	int timeout_ms;              /* per request; 0 means GATT_CLIENT_TIMEOUT_MS */
	bool write_without_response; /* RX segments as Write Command instead of Write Request */
	size_t max_message;          /* largest message received; 0 means SEG_DEFAULT_MAX */
};

/* Its traffic counters (struct gattc_stats) and the handles it learns (struct
 * gattc_handles, 0 until gatt_client_discover) are the core's, core/gattc.h. */

/*
 * Creates a client on fd (not owned: the caller closes it after gatt_client_free).
 * ATT_MTU is 23 until gatt_client_exchange_mtu. Returns 0, -EINVAL or -ENOMEM;
 * *ret_client is left untouched on failure.
 */
int gatt_client_new(int fd, const struct gatt_client_config *cfg, struct gatt_client **ret_client)
    __attribute__((warn_unused_result));

/* Frees c (not its fd); NULL is a no-op. */
void gatt_client_free(struct gatt_client *c);

/* Exchange MTU with the configured Rx MTU; ATT_MTU becomes the smaller of the two. */
int gatt_client_exchange_mtu(struct gatt_client *c) __attribute__((warn_unused_result));

/*
 * Finds the svcport primary service by UUID (Find By Type Value), its RX, TX and INFO
 * characteristics (Read By Type) and TX's CCCD (Find Information). -ENOENT if any is missing.
 */
int gatt_client_discover(struct gatt_client *c) __attribute__((warn_unused_result));

/* Reads the Database Hash (Read By Type of 0x2b2a over 0x0001-0xFFFF): -ENOENT from a
 * server without one. */
int gatt_client_read_hash(struct gatt_client *c, uint8_t ret_hash[GATT_CLIENT_HASH_LEN])
    __attribute__((warn_unused_result));

/* Writes 0x0001 to TX's CCCD (Write Request). Needs gatt_client_discover. */
int gatt_client_enable_notifications(struct gatt_client *c) __attribute__((warn_unused_result));

/*
 * Reads INFO (an encoded LinkInfo) into buf: Read, then Read Blob while the value may be
 * longer. -EMSGSIZE if it does not fit cap. *ret_len is set only on success.
 */
int gatt_client_read_info(struct gatt_client *c, uint8_t *buf, size_t cap, size_t *ret_len)
    __attribute__((warn_unused_result));

/* Writes one value (at most gatt_client_max_value_len) to RX: Write Request or Command. */
int gatt_client_write_rx(struct gatt_client *c, const uint8_t *value, size_t len)
    __attribute__((warn_unused_result));

/*
 * Waits up to timeout_ms for the next TX notification (queued first) and copies its
 * value to buf. -EMSGSIZE if longer than cap (the notification is consumed).
 */
int gatt_client_wait_notification(struct gatt_client *c, uint8_t *buf, size_t cap, size_t *ret_len,
                                  int timeout_ms) __attribute__((warn_unused_result));

/* Sends one whole message (1..65535 bytes) as RX segments of gatt_client_max_value_len. */
int gatt_client_send_message(struct gatt_client *c, const uint8_t *msg, size_t len)
    __attribute__((warn_unused_result));

/*
 * Receives one whole message from TX segments within timeout_ms. Returns 0 and sets
 * *ret_len; -EPROTO or -EMSGSIZE when the segments break DESIGN §2.1 (the partial message
 * is dropped, the next call starts afresh), -EMSGSIZE also when the message exceeds cap.
 */
int gatt_client_recv_message(struct gatt_client *c, uint8_t *buf, size_t cap, size_t *ret_len,
                             int timeout_ms) __attribute__((warn_unused_result));

/* The connection's ATT_MTU. */
uint16_t gatt_client_get_mtu(const struct gatt_client *c);

/* The segment size: ATT_MTU - 3, at most 512 (the longest attribute value). */
size_t gatt_client_max_value_len(const struct gatt_client *c);

/* The ATT error code of the last Error Response received, 0 if none. */
uint8_t gatt_client_last_att_error(const struct gatt_client *c);

/* Whether the server indicated Service Changed (cached handles are then stale). */
bool gatt_client_has_service_changed(const struct gatt_client *c);

void gatt_client_get_stats(const struct gatt_client *c, struct gattc_stats *ret_stats);
void gatt_client_get_handles(const struct gatt_client *c, struct gattc_handles *ret_handles);

#endif
