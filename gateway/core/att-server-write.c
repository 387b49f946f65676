// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ATT server, the writing half: Write Request/Command, Prepare/Execute Write (a bounded
 * queue), Handle Value Notification and Indication (Bluetooth Core Vol 3 Part F 3.4.5,
 * 3.4.6, 3.4.7).
 */
#include <errno.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#include "att-server-int.h"

#define RESULT_DEFERRED 0x100 /* attr_write: the RX callback answers later */

static uint8_t check_write(const struct att_server *srv, const struct gatt_db_attr *a, bool cmd)
{
	if (!(a->perm & (cmd ? GATT_PERM_WRITE_CMD : GATT_PERM_WRITE)))
		return ATT_ECODE_WRITE_NOT_PERMITTED;
	return att_srv_check_security(srv, a);
}

/* Translation of the RX callback's errno, at the edge (like BlueZ att_ecode_from_error). */
static uint8_t ecode_from_errno(int err)
{
	if (err == -EMSGSIZE || err == -E2BIG)
		return ATT_ECODE_INVALID_VALUE_LEN;
	return ATT_ECODE_UNLIKELY;
}

/* Vol 3 Part G 3.3.3.3: a CCCD is two octets; only the bits its characteristic's
 * properties allow may be set (else "CCCD improperly configured", Supplement B 1.2). */
static uint8_t ccc_parse(const struct gatt_db_attr *a, const uint8_t *v, size_t len,
                         uint16_t *ret_val)
{
	uint16_t allowed = a->kind == GATT_KIND_TX_CCC ? GATT_CCC_NOTIFY : GATT_CCC_INDICATE;
	uint16_t val;

	if (len != 2)
		return ATT_ECODE_INVALID_VALUE_LEN;
	val = att_get_le16(v);
	if (val & ~allowed)
		return ATT_ECODE_CCC_IMPROPER;
	*ret_val = val;
	return 0;
}

/* Applies a checked write. Returns 0, an ATT error code, or RESULT_DEFERRED. */
static int attr_write(struct att_server *srv, const struct gatt_db_attr *a, const uint8_t *v,
                      size_t len, bool need_rsp)
{
	uint16_t val;
	uint8_t ecode;
	int r;

	switch (a->kind) {
	case GATT_KIND_SC_CCC:
	case GATT_KIND_TX_CCC:
		ecode = ccc_parse(a, v, len, &val);
		if (ecode)
			return ecode;
		if (a->kind == GATT_KIND_SC_CCC) {
			srv->sc_ccc = val;
			return 0;
		}
		srv->tx_ccc = val;
		if (srv->cb.tx_ccc_change)
			srv->cb.tx_ccc_change(val, srv->cb.user_data);
		return 0;
	case GATT_KIND_CSF:
		return att_srv_csf_write(srv, v, len);
	case GATT_KIND_RX:
		r = srv->cb.rx_write(v, len, need_rsp, srv->cb.user_data);
		if (!need_rsp || r == 0)
			return 0;
		if (r == ATT_SERVER_DEFER)
			return RESULT_DEFERRED;
		return ecode_from_errno(r < 0 ? r : -EIO);
	default:
		return ATT_ECODE_WRITE_NOT_PERMITTED;
	}
}

int att_srv_handle_write(struct att_server *srv, const uint8_t *pdu, size_t len)
{
	const struct gatt_db_attr *a;
	uint8_t rsp = ATT_OP_WRITE_RSP;
	uint16_t handle;
	int r;

	if (len < 3)
		return att_srv_send_error(srv, pdu[0], 0, ATT_ECODE_INVALID_PDU);
	handle = att_get_le16(pdu + 1);
	a = gatt_db_get(handle);
	if (!a)
		return att_srv_send_error(srv, pdu[0], handle, ATT_ECODE_INVALID_HANDLE);
	r = check_write(srv, a, false);
	/* 3.2.9: no attribute value is longer than 512 octets, even where ATT_MTU - 3 is 514. */
	if (!r && len - 3 > ATT_MAX_VALUE_LEN)
		r = ATT_ECODE_INVALID_VALUE_LEN;
	if (!r)
		r = attr_write(srv, a, pdu + 3, len - 3, true);
	if (r == RESULT_DEFERRED) {
		srv->pending_op = ATT_OP_WRITE_REQ;
		return 0;
	}
	if (r)
		return att_srv_send_error(srv, pdu[0], handle, (uint8_t)r);
	return att_srv_send(srv, &rsp, 1);
}

void att_srv_handle_write_cmd(struct att_server *srv, const uint8_t *pdu, size_t len)
{
	const struct gatt_db_attr *a;

	/* 3.4.5.3: no response and no error, whatever goes wrong. */
	if (len < 3)
		return;
	a = gatt_db_get(att_get_le16(pdu + 1));
	if (!a || check_write(srv, a, true) || len - 3 > ATT_MAX_VALUE_LEN)
		return;
	(void)attr_write(srv, a, pdu + 3, len - 3, false);
}

int att_srv_handle_prep_write(struct att_server *srv, const uint8_t *pdu, size_t len)
{
	const struct gatt_db_attr *a;
	struct att_prep_entry *e;
	uint16_t handle;
	size_t vlen;
	uint8_t ecode;

	if (len < 5)
		return att_srv_send_error(srv, pdu[0], 0, ATT_ECODE_INVALID_PDU);
	handle = att_get_le16(pdu + 1);
	vlen = len - 5;
	a = gatt_db_get(handle);
	if (!a)
		return att_srv_send_error(srv, pdu[0], handle, ATT_ECODE_INVALID_HANDLE);
	ecode = check_write(srv, a, false);
	if (ecode)
		return att_srv_send_error(srv, pdu[0], handle, ecode);
	if (srv->n_prep == ATT_SERVER_PREP_MAX_ENTRIES ||
	    srv->prep_bytes + vlen > ATT_SERVER_PREP_MAX_BYTES)
		return att_srv_send_error(srv, pdu[0], handle, ATT_ECODE_PREP_QUEUE_FULL);
	/* Offsets are checked when the queue is executed (3.4.6.1). */
	e = &srv->prep[srv->n_prep++];
	e->handle = handle;
	e->offset = att_get_le16(pdu + 3);
	e->len = (uint16_t)vlen;
	e->pool_off = (uint16_t)srv->prep_bytes;
	memcpy(srv->prep_pool + srv->prep_bytes, pdu + 5, vlen);
	srv->prep_bytes += vlen;
	/* The response echoes the request; it fits because the request did. */
	memcpy(srv->out, pdu, len);
	srv->out[0] = ATT_OP_PREP_WRITE_RSP;
	return att_srv_send(srv, srv->out, len);
}

void att_srv_prep_clear(struct att_server *srv)
{
	srv->n_prep = 0;
	srv->prep_bytes = 0;
}

static bool is_first_of_handle(const struct att_server *srv, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (srv->prep[j].handle == srv->prep[i].handle)
			return false;
	return true;
}

/*
 * Builds the value the queued writes of handle produce into srv->value, starting from the
 * current value (a CCCD, Client Supported Features) or from nothing (RX), and checks it.
 * Returns 0 or an ATT error code.
 */
static uint8_t prep_assemble(struct att_server *srv, const struct gatt_db_attr *a, size_t *ret_len)
{
	size_t cur = 0;
	uint16_t ccc;

	if (a->kind == GATT_KIND_TX_CCC || a->kind == GATT_KIND_SC_CCC) {
		att_put_le16(srv->value, a->kind == GATT_KIND_TX_CCC ? srv->tx_ccc : srv->sc_ccc);
		cur = 2;
	} else if (a->kind == GATT_KIND_CSF) {
		srv->value[0] = srv->csf;
		cur = 1;
	}
	for (size_t i = 0; i < srv->n_prep; i++) {
		const struct att_prep_entry *e = &srv->prep[i];
		size_t end = (size_t)e->offset + e->len;
		if (e->handle != a->handle)
			continue;
		if (e->offset > cur)
			return ATT_ECODE_INVALID_OFFSET;
		if (end > sizeof(srv->value))
			return ATT_ECODE_INVALID_VALUE_LEN;
		memcpy(srv->value + e->offset, srv->prep_pool + e->pool_off, e->len);
		if (end > cur)
			cur = end;
	}
	*ret_len = cur;
	if (a->kind == GATT_KIND_CSF)
		return att_srv_csf_check(srv, srv->value, cur);
	if (a->kind != GATT_KIND_RX)
		return ccc_parse(a, srv->value, cur, &ccc);
	return 0;
}

int att_srv_handle_exec_write(struct att_server *srv, const uint8_t *pdu, size_t len)
{
	uint8_t rsp = ATT_OP_EXEC_WRITE_RSP;
	bool deferred = false;
	size_t vlen = 0;

	if (len != 2 || pdu[1] > ATT_EXEC_WRITE_COMMIT)
		return att_srv_send_error(srv, pdu[0], 0, ATT_ECODE_INVALID_PDU);
	if (pdu[1] == ATT_EXEC_WRITE_COMMIT) {
		/* All or nothing: check every handle's result before writing any. */
		for (size_t i = 0; i < srv->n_prep; i++) {
			const struct gatt_db_attr *a = gatt_db_get(srv->prep[i].handle);
			uint8_t ecode =
			    is_first_of_handle(srv, i) ? prep_assemble(srv, a, &vlen) : 0;
			if (ecode) {
				att_srv_prep_clear(srv);
				return att_srv_send_error(srv, pdu[0], a->handle, ecode);
			}
		}
		for (size_t i = 0; i < srv->n_prep; i++) {
			const struct gatt_db_attr *a = gatt_db_get(srv->prep[i].handle);
			int r;
			if (!is_first_of_handle(srv, i))
				continue;
			(void)prep_assemble(srv, a, &vlen);
			r = attr_write(srv, a, srv->value, vlen, true);
			if (r == RESULT_DEFERRED) {
				deferred = true;
			} else if (r) {
				att_srv_prep_clear(srv);
				return att_srv_send_error(srv, pdu[0], a->handle, (uint8_t)r);
			}
		}
	}
	att_srv_prep_clear(srv);
	if (deferred) {
		srv->pending_op = ATT_OP_EXEC_WRITE_REQ;
		return 0;
	}
	return att_srv_send(srv, &rsp, 1);
}

int att_server_write_done(struct att_server *srv, int err)
{
	uint8_t op = srv->pending_op;
	uint8_t rsp;

	if (op != ATT_OP_WRITE_REQ && op != ATT_OP_EXEC_WRITE_REQ)
		return -EALREADY;
	srv->pending_op = 0;
	if (err < 0)
		return att_srv_send_error(srv, op, GATT_HANDLE_RX, ecode_from_errno(err));
	rsp = op == ATT_OP_WRITE_REQ ? ATT_OP_WRITE_RSP : ATT_OP_EXEC_WRITE_RSP;
	return att_srv_send(srv, &rsp, 1);
}

int att_server_notify_tx(struct att_server *srv, const uint8_t *value, size_t len)
{
	uint8_t pdu[ATT_MTU_MAX];
	const struct gatt_db_attr *tx = gatt_db_get(GATT_HANDLE_TX);

	if (!(srv->tx_ccc & GATT_CCC_NOTIFY))
		return -EPERM;
	/* Part G 2.5.2.1: nothing but Service Changed reaches a change-unaware client. */
	if (att_srv_is_held_back(srv))
		return -EAGAIN;
	if (att_srv_check_security(srv, tx))
		return -EACCES;
	if (len > att_server_max_value_len(srv))
		return -EMSGSIZE;
	pdu[0] = ATT_OP_HANDLE_VAL_NOT;
	att_put_le16(pdu + 1, GATT_HANDLE_TX);
	memcpy(pdu + 3, value, len);
	int r = att_srv_send(srv, pdu, 3 + len);
	mbedtls_platform_zeroize(pdu, 3 + len); /* a segment may carry a secret */
	return r;
}

static int send_sc_indication(struct att_server *srv)
{
	uint8_t pdu[7] = {ATT_OP_HANDLE_VAL_IND};
	int r;

	att_put_le16(pdu + 1, GATT_HANDLE_SC);
	att_put_le16(pdu + 3, srv->sc_start);
	att_put_le16(pdu + 5, srv->sc_end);
	r = att_srv_send(srv, pdu, sizeof(pdu));
	if (r < 0)
		return r;
	srv->sc_queued = false;
	srv->ind_outstanding = true;
	return 0;
}

int att_server_indicate_service_changed(struct att_server *srv, uint16_t start, uint16_t end)
{
	if (start == 0 || start > end)
		return -EINVAL;
	att_srv_db_changed(srv);
	if (!(srv->sc_ccc & GATT_CCC_INDICATE))
		return -EPERM;
	if (srv->sc_queued) {
		srv->sc_start = start < srv->sc_start ? start : srv->sc_start;
		srv->sc_end = end > srv->sc_end ? end : srv->sc_end;
	} else {
		srv->sc_start = start;
		srv->sc_end = end;
		srv->sc_queued = true;
	}
	/* 3.4.7.2: one indication at a time; the next goes on confirmation. */
	if (srv->ind_outstanding)
		return 0;
	return send_sc_indication(srv);
}

int att_srv_handle_conf(struct att_server *srv, size_t len)
{
	if (len != 1)
		return 0; /* a malformed command-like PDU: ignored */
	if (!srv->ind_outstanding)
		return -EPROTO; /* a confirmation nobody asked for */
	srv->ind_outstanding = false;
	/* A client on one bearer that confirms Service Changed is change-aware again. */
	srv->is_change_unaware = false;
	srv->has_read_hash = false;
	srv->has_sent_out_of_sync = false;
	if (srv->sc_queued)
		return send_sc_indication(srv);
	return 0;
}
