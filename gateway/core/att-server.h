/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ATT server of one connection (Bluetooth Core Vol 3 Part F), serving the table of
 * gatt-db.h. I/O-free: the caller hands in each received PDU (one L2CAP SDU of the ATT
 * channel, or one SOCK_SEQPACKET packet of ble-sim) and gets PDUs out through the send
 * callback. No PDU sent is ever longer than the connection's ATT_MTU.
 *
 * Requests are answered before att_server_handle_pdu returns, except an RX write whose
 * callback asks to answer later (ATT_SERVER_DEFER). While a request is unanswered, another
 * request is a violation of the sequential protocol (Vol 3 Part F 3.3.2):
 * att_server_handle_pdu returns -EPROTO and the caller must drop the connection.
 * Commands (opcode bit 6) and confirmations may arrive at any time.
 *
 * Limits: ATT_MTU 23..517; prepare queue ATT_SERVER_PREP_MAX_ENTRIES writes of at most
 * ATT_SERVER_PREP_MAX_BYTES value bytes in total; one indication outstanding.
 */
#ifndef SVCPORT_ATT_SERVER_H
#define SVCPORT_ATT_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "att.h"

#define ATT_SERVER_PREP_MAX_ENTRIES 8
#define ATT_SERVER_PREP_MAX_BYTES   1024
#define ATT_SERVER_NAME_MAX         248 /* GAP Device Name, Vol 3 Part C 12.1 */
#define ATT_SERVER_DEFER            1   /* rx_write return: answered by att_server_write_done */

struct att_server;

/* Sends one PDU (len <= ATT_MTU). Returns 0 or a negative errno, which is passed up. */
typedef int (*att_server_send_fn)(const uint8_t *pdu, size_t len, void *user_data);

/*
 * The phone wrote value (0..512 bytes; the bytes are only valid during the call) to RX;
 * a longer Write Request is refused with Invalid Attribute Value Length.
 * need_rsp is false for Write Command, whose return is ignored. For a Write Request or an
 * executed long write return 0 (Write Response sent now), ATT_SERVER_DEFER (the caller
 * answers later with att_server_write_done), or a negative errno: -EMSGSIZE answers
 * Invalid Attribute Value Length, any other Unlikely Error.
 */
typedef int (*att_server_rx_fn)(const uint8_t *value, size_t len, bool need_rsp, void *user_data);

/*
 * Fills buf (cap bytes) with the INFO value (an encoded LinkInfo) and sets *ret_len.
 * A negative errno answers Unlikely Error.
 */
typedef int (*att_server_info_fn)(uint8_t *buf, size_t cap, size_t *ret_len, void *user_data);

/* The phone wrote TX's CCCD (GATT_CCC_NOTIFY set or clear). */
typedef void (*att_server_ccc_fn)(uint16_t value, void *user_data);

struct att_server_callbacks {
	att_server_send_fn send;         /* required */
	att_server_rx_fn rx_write;       /* required */
	att_server_info_fn info_read;    /* required */
	att_server_ccc_fn tx_ccc_change; /* optional */
	void *user_data;
};

struct att_server_config {
	uint16_t mtu;                        /* server Rx MTU 23..517; 0 means 517 */
	enum att_security required_security; /* for RX, TX, its CCCD, INFO; 0 means LOW */
	const char *device_name;             /* GAP Device Name, copied; NULL means "svcport" */
	uint16_t appearance;                 /* GAP Appearance */
};

/*
 * Creates the server of one new connection: ATT_MTU 23, security LOW, CCCDs and Client
 * Supported Features clear, the client change-aware. cfg and cb are copied. Returns 0,
 * -EINVAL (bad MTU, name too long, callback missing), -EIO (no AES-CMAC for the Database
 * Hash) or -ENOMEM. *ret_srv is left untouched on failure.
 */
int att_server_new(const struct att_server_config *cfg, const struct att_server_callbacks *cb,
                   struct att_server **ret_srv) __attribute__((warn_unused_result));

/* Frees srv; NULL is a no-op. */
void att_server_free(struct att_server *srv);

/* The link's current security (from BT_SECURITY / the pairing state). */
void att_server_set_security(struct att_server *srv, enum att_security level);

/*
 * Handles one received PDU (the bytes are not kept). Returns 0 when the PDU was handled
 * (an Error Response is a handled case), -EPROTO for a protocol violation (request while
 * one is pending, confirmation without an indication: drop the connection), -EINVAL for
 * an empty PDU (ignored), or the send callback's error.
 */
int att_server_handle_pdu(struct att_server *srv, const uint8_t *pdu, size_t len)
    __attribute__((warn_unused_result));

/*
 * Answers the deferred RX write: err 0 sends the Write (or Execute Write) Response, a
 * negative errno the Error Response rx_write would have given. -EALREADY if no write is
 * deferred.
 */
int att_server_write_done(struct att_server *srv, int err) __attribute__((warn_unused_result));

/*
 * The largest RX write or TX notification value: ATT_MTU - 3, but never over 512 (the
 * longest attribute value, Vol 3 Part F 3.2.9), so 512 at ATT_MTU 517. This is the
 * segment size (seg_tx_split's seg_max) of the link.
 */
size_t att_server_max_value_len(const struct att_server *srv);

/*
 * Notifies a TX value (one segment, at most att_server_max_value_len). -EPERM when the phone has
 * not enabled notifications in TX's CCCD, -EAGAIN while a Robust Caching client is
 * change-unaware (Vol 3 Part G 2.5.2.1), -EACCES when the link is below the required
 * security, -EMSGSIZE when too long.
 */
int att_server_notify_tx(struct att_server *srv, const uint8_t *value, size_t len)
    __attribute__((warn_unused_result));

/*
 * The database changed (start..end are the handles it touched): the client becomes
 * change-unaware (Vol 3 Part G 2.5.2.1) and Service Changed is indicated. -EINVAL for a
 * bad range (nothing changes), -EPERM when indications are not enabled in its CCCD (the
 * client is change-unaware all the same). If an indication is outstanding the range is
 * kept (widened over earlier ones) and sent on its confirmation, which makes the client
 * change-aware again.
 */
int att_server_indicate_service_changed(struct att_server *srv, uint16_t start, uint16_t end)
    __attribute__((warn_unused_result));

/* The connection's ATT_MTU (23 until Exchange MTU). */
uint16_t att_server_get_mtu(const struct att_server *srv);

bool att_server_is_tx_enabled(const struct att_server *srv);
/* Robust Caching: false between a database change and the client's catching up. */
bool att_server_is_change_aware(const struct att_server *srv);
bool att_server_is_request_pending(const struct att_server *srv);

#endif
