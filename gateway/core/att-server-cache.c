// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ATT server, Robust Caching (Bluetooth Core Vol 3 Part G 2.5.2.1 and 7.2, 7.3): the
 * Client Supported Features value, the Database Hash read, and the change-aware and
 * change-unaware states of the one client of this bearer.
 *
 * The table never changes while svcportd runs, so a client becomes change-unaware only
 * when the daemon says the database changed (att_server_indicate_service_changed). Like
 * Zephyr and Android, the out-of-sync error, the ignored commands and the held-back
 * notifications apply to a client that enabled Robust Caching; another client is served
 * as before and learns of a change from Service Changed alone.
 */
#include <errno.h>
#include <string.h>

#include "att-server-int.h"

static bool is_robust(const struct att_server *srv)
{
	return srv->csf & GATT_CSF_ROBUST_CACHING;
}

bool att_srv_is_held_back(const struct att_server *srv)
{
	return srv->is_change_unaware && is_robust(srv);
}

void att_srv_db_changed(struct att_server *srv)
{
	/* "Whenever the server updates the database definitions, all connected clients
	 * become change-unaware"; a second change re-arms the one error (it "shall be sent
	 * again"). */
	srv->is_change_unaware = true;
	srv->has_read_hash = false;
	srv->has_sent_out_of_sync = false;
}

/*
 * Whether a request is one a change-unaware Robust Caching client is answered Database
 * Out Of Sync for, and at which handle: a request at an attribute handle or a list of
 * them, or a Read By Type of another type than «Include» or «Characteristic» over a
 * range other than 0x0001-0xFFFF (the Read By Type of the hash over the whole range is
 * how the client learns the new hash). Malformed requests get their usual error.
 */
static bool is_handle_request(const struct att_server *srv, const uint8_t *pdu, size_t len,
                              uint16_t *ret_handle)
{
	struct att_uuid type;
	uint16_t t;

	switch (pdu[0]) {
	case ATT_OP_READ_REQ:
	case ATT_OP_READ_BLOB_REQ:
		if (len != (pdu[0] == ATT_OP_READ_REQ ? 3u : 5u))
			return false;
		*ret_handle = att_get_le16(pdu + 1);
		return true;
	case ATT_OP_WRITE_REQ:
	case ATT_OP_PREP_WRITE_REQ:
		if (len < (pdu[0] == ATT_OP_WRITE_REQ ? 3u : 5u))
			return false;
		*ret_handle = att_get_le16(pdu + 1);
		return true;
	case ATT_OP_EXEC_WRITE_REQ:
		/* Executing queued writes writes at the handles they named. */
		if (len != 2 || pdu[1] != ATT_EXEC_WRITE_COMMIT || srv->n_prep == 0)
			return false;
		*ret_handle = srv->prep[0].handle;
		return true;
	case ATT_OP_READ_BY_TYPE_REQ:
		if ((len != 7 && len != 21) || att_uuid_from_wire(&type, pdu + 5, len - 5) < 0)
			return false;
		t = type.len == 2 ? att_get_le16(type.b) : 0;
		if (t == GATT_UUID_INCLUDE || t == GATT_UUID_CHARACTERISTIC)
			return false;
		if (att_get_le16(pdu + 1) == 0x0001 && att_get_le16(pdu + 3) == 0xffff)
			return false;
		*ret_handle = att_get_le16(pdu + 1);
		return true;
	default:
		return false;
	}
}

int att_srv_check_sync(struct att_server *srv, const uint8_t *pdu, size_t len)
{
	uint16_t handle = 0;

	/* A change-unaware client becomes change-aware when, after reading the hash or
	 * being told it is out of sync, it sends another request (which is served). */
	if (srv->is_change_unaware && (srv->has_read_hash || srv->has_sent_out_of_sync)) {
		srv->is_change_unaware = false;
		srv->has_read_hash = false;
		srv->has_sent_out_of_sync = false;
	}
	if (!att_srv_is_held_back(srv) || !is_handle_request(srv, pdu, len, &handle))
		return 0;
	srv->has_sent_out_of_sync = true;
	/* Queued writes named handles of the old database: they are not kept for later. */
	if (pdu[0] == ATT_OP_EXEC_WRITE_REQ || pdu[0] == ATT_OP_PREP_WRITE_REQ)
		att_srv_prep_clear(srv);
	int r = att_srv_send_error(srv, pdu[0], handle, ATT_ECODE_DB_OUT_OF_SYNC);
	return r < 0 ? r : 1;
}

void att_srv_db_hash_value(struct att_server *srv, const uint8_t **ret_val, size_t *ret_len)
{
	if (srv->is_change_unaware)
		srv->has_read_hash = true;
	*ret_val = srv->db_hash;
	*ret_len = sizeof(srv->db_hash);
}

/*
 * Part G 7.2: the value is a variable-length array of octets; a client never clears a bit
 * it has set (Value Not Allowed). Bits of features the server does not take (EATT,
 * Multiple Handle Value Notifications, reserved ones) are accepted and not kept.
 */
uint8_t att_srv_csf_check(const struct att_server *srv, const uint8_t *v, size_t len)
{
	if (len == 0)
		return ATT_ECODE_INVALID_VALUE_LEN;
	if (srv->csf & ~v[0])
		return ATT_ECODE_VALUE_NOT_ALLOWED;
	return 0;
}

uint8_t att_srv_csf_write(struct att_server *srv, const uint8_t *v, size_t len)
{
	uint8_t ecode = att_srv_csf_check(srv, v, len);

	if (!ecode)
		srv->csf |= v[0] & GATT_CSF_ROBUST_CACHING;
	return ecode;
}

bool att_server_is_change_aware(const struct att_server *srv)
{
	return !srv->is_change_unaware;
}
