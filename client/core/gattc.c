// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * GATT client core: the ATT bearer's rules (one request at a time, responses matched to
 * it, no PDU over ATT_MTU), notifications and indications, and the short procedures:
 * Exchange MTU, the Database Hash, TX's CCCD, Read Long of INFO, Write to RX (Vol 3
 * Part G 4.3.1, 4.8.2, 4.8.3, 4.9.3, 4.12.3). Discovery is in gattc-disc.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gattc-int.h"

int gattc_new(uint16_t mtu, const struct gattc_ops *ops, struct gattc **ret)
{
	struct gattc *g;

	if (mtu < ATT_MTU_DEFAULT || mtu > ATT_MTU_MAX || !ops->send)
		return -EINVAL;
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->ops = *ops;
	g->offer = mtu;
	g->mtu = ATT_MTU_DEFAULT;
	*ret = g;
	return 0;
}

void gattc_free(struct gattc *g)
{
	free(g);
}

static int send_pdu(struct gattc *g, const uint8_t *pdu, size_t len)
{
	int r;

	if (len > g->mtu)
		return -EMSGSIZE;
	r = g->ops.send(pdu, len, g->ops.user_data);
	if (r < 0)
		return r;
	g->stats.tx_pdus++;
	g->stats.tx_bytes += len;
	return 0;
}

int gattc_request(struct gattc *g, const uint8_t *req, size_t len, uint8_t rsp_op)
{
	int r = send_pdu(g, req, len);

	if (r < 0)
		return r;
	g->req_op = req[0];
	g->rsp_op = rsp_op;
	return 0;
}

void gattc_finish(struct gattc *g, int err)
{
	enum gattc_proc proc = g->proc;

	g->proc = GATTC_PROC_NONE;
	g->req_op = 0;
	g->result = err;
	g->info_buf = NULL;
	if (g->ops.done)
		g->ops.done(proc, err, g->ops.user_data);
}

/* The server broke the protocol: no more requests on this bearer. */
static void die(struct gattc *g, int err)
{
	g->is_dead = true;
	if (g->proc != GATTC_PROC_NONE)
		gattc_finish(g, err);
}

/* Starts proc with its first request, or fails it before anything is sent. */
static int begin(struct gattc *g, enum gattc_proc proc, const uint8_t *req, size_t len,
                 uint8_t rsp_op)
{
	int r;

	if (g->is_dead)
		return -ENOTCONN;
	if (g->proc != GATTC_PROC_NONE)
		return -EBUSY;
	r = gattc_request(g, req, len, rsp_op);
	if (r == 0)
		g->proc = proc;
	return r;
}

int gattc_start_mtu(struct gattc *g)
{
	uint8_t req[3] = {ATT_OP_MTU_REQ};

	att_put_le16(req + 1, g->offer);
	return begin(g, GATTC_PROC_MTU, req, sizeof(req), ATT_OP_MTU_RSP);
}

int gattc_start_hash(struct gattc *g)
{
	uint8_t req[7] = {ATT_OP_READ_BY_TYPE_REQ};

	/* Over the whole range: the one Read By Type a change-unaware client may send
	 * (Part G 2.5.2.1), so it works whatever the server thinks of us. */
	att_put_le16(req + 1, 0x0001);
	att_put_le16(req + 3, 0xffff);
	att_put_le16(req + 5, GATT_UUID_DB_HASH);
	g->has_hash = false;
	return begin(g, GATTC_PROC_HASH, req, sizeof(req), ATT_OP_READ_BY_TYPE_RSP);
}

int gattc_start_discover(struct gattc *g)
{
	if (g->is_dead)
		return -ENOTCONN;
	if (g->proc != GATTC_PROC_NONE)
		return -EBUSY;
	return gattc_disc_begin(g);
}

int gattc_start_enable_tx(struct gattc *g)
{
	uint8_t req[5] = {ATT_OP_WRITE_REQ};

	if (!g->handles.tx_ccc)
		return -ENOENT;
	att_put_le16(req + 1, g->handles.tx_ccc);
	att_put_le16(req + 3, GATT_CCC_NOTIFY);
	return begin(g, GATTC_PROC_ENABLE_TX, req, sizeof(req), ATT_OP_WRITE_RSP);
}

int gattc_start_read_info(struct gattc *g, uint8_t *buf, size_t cap)
{
	uint8_t req[3] = {ATT_OP_READ_REQ};
	int r;

	if (!g->handles.info)
		return -ENOENT;
	att_put_le16(req + 1, g->handles.info);
	r = begin(g, GATTC_PROC_READ_INFO, req, sizeof(req), ATT_OP_READ_RSP);
	if (r == 0) {
		g->info_buf = buf;
		g->info_cap = cap;
		g->info_len = 0;
	}
	return r;
}

static int rx_pdu(struct gattc *g, uint8_t op, const uint8_t *value, size_t len)
{
	if (!g->handles.rx)
		return -ENOENT;
	if (len > gattc_max_value_len(g))
		return -EMSGSIZE;
	g->out[0] = op;
	att_put_le16(g->out + 1, g->handles.rx);
	memcpy(g->out + 3, value, len);
	return 0;
}

int gattc_start_write_rx(struct gattc *g, const uint8_t *value, size_t len)
{
	int r = rx_pdu(g, ATT_OP_WRITE_REQ, value, len);

	return r < 0 ? r : begin(g, GATTC_PROC_WRITE_RX, g->out, 3 + len, ATT_OP_WRITE_RSP);
}

int gattc_write_rx_cmd(struct gattc *g, const uint8_t *value, size_t len)
{
	int r;

	if (g->is_dead)
		return -ENOTCONN;
	r = rx_pdu(g, ATT_OP_WRITE_CMD, value, len);
	return r < 0 ? r : send_pdu(g, g->out, 3 + len);
}

static void step_mtu(struct gattc *g)
{
	uint16_t server, mtu;

	if (g->pdu_len != 3) {
		die(g, -EPROTO);
		return;
	}
	server = att_get_le16(g->pdu + 1);
	mtu = server < g->offer ? server : g->offer;
	g->mtu = mtu < ATT_MTU_DEFAULT ? ATT_MTU_DEFAULT : mtu;
	gattc_finish(g, 0);
}

static void step_hash(struct gattc *g)
{
	/* One item: handle and the 16-byte value. */
	if (g->pdu_len != 2 + 2 + GATTC_HASH_LEN || g->pdu[1] != 2 + GATTC_HASH_LEN) {
		die(g, -EPROTO);
		return;
	}
	memcpy(g->hash, g->pdu + 4, GATTC_HASH_LEN);
	g->has_hash = true;
	gattc_finish(g, 0);
}

/* Part G 4.8.3: Read, then Read Blob while a response came back full. */
static void step_info(struct gattc *g, int err)
{
	uint8_t req[5] = {ATT_OP_READ_BLOB_REQ};
	size_t n;
	int r;

	if (err == -EREMOTEIO && g->info_len > 0 &&
	    (g->last_ecode == ATT_ECODE_ATTR_NOT_LONG ||
	     g->last_ecode == ATT_ECODE_INVALID_OFFSET)) {
		gattc_finish(g, 0); /* the value ended exactly at the last full response */
		return;
	}
	if (err < 0) {
		gattc_finish(g, err);
		return;
	}
	n = g->pdu_len - 1;
	if (g->info_len + n > ATT_MAX_VALUE_LEN) {
		die(g, -EPROTO);
		return;
	}
	if (g->info_len + n > g->info_cap) {
		gattc_finish(g, -EMSGSIZE);
		return;
	}
	memcpy(g->info_buf + g->info_len, g->pdu + 1, n);
	g->info_len += n;
	if (n < g->mtu - 1u) {
		gattc_finish(g, 0);
		return;
	}
	att_put_le16(req + 1, g->handles.info);
	att_put_le16(req + 3, (uint16_t)g->info_len);
	r = gattc_request(g, req, sizeof(req), ATT_OP_READ_BLOB_RSP);
	if (r < 0)
		gattc_finish(g, r);
}

/* A response (err 0, in g->pdu) or an Error Response (err) to the running procedure. */
static void step(struct gattc *g, int err)
{
	switch (g->proc) {
	case GATTC_PROC_DISCOVER:
		gattc_disc_step(g, err);
		return;
	case GATTC_PROC_READ_INFO:
		step_info(g, err);
		return;
	default:
		break;
	}
	if (err < 0) {
		gattc_finish(g, err);
		return;
	}
	switch (g->proc) {
	case GATTC_PROC_MTU:
		step_mtu(g);
		return;
	case GATTC_PROC_HASH:
		step_hash(g);
		return;
	default: /* Write Responses carry nothing but their opcode */
		if (g->pdu_len != 1)
			die(g, -EPROTO);
		else
			gattc_finish(g, 0);
		return;
	}
}

static int errno_from_ecode(uint8_t ecode)
{
	switch (ecode) {
	case ATT_ECODE_AUTHENTICATION:
	case ATT_ECODE_INSUFF_ENCRYPTION:
		return -EACCES;
	case ATT_ECODE_READ_NOT_PERMITTED:
	case ATT_ECODE_WRITE_NOT_PERMITTED:
		return -EPERM;
	case ATT_ECODE_ATTR_NOT_FOUND:
		return -ENOENT;
	case ATT_ECODE_REQ_NOT_SUPP:
		return -EOPNOTSUPP;
	case ATT_ECODE_INVALID_VALUE_LEN:
		return -EMSGSIZE;
	case ATT_ECODE_DB_OUT_OF_SYNC:
		return -ESTALE;
	default:
		return -EREMOTEIO;
	}
}

/* What the server may send at any time: notifications and indications. 1 if pdu is not one. */
static int unsolicited(struct gattc *g, const uint8_t *pdu, size_t len)
{
	static const uint8_t conf = ATT_OP_HANDLE_VAL_CONF;

	if (pdu[0] == ATT_OP_HANDLE_VAL_NOT && len >= 3) {
		if (g->handles.tx && att_get_le16(pdu + 1) == g->handles.tx) {
			g->stats.notifications++;
			if (g->ops.notification)
				g->ops.notification(pdu + 3, len - 3, g->ops.user_data);
		}
		return 0;
	}
	if (pdu[0] == ATT_OP_HANDLE_VAL_IND && len >= 3) {
		/* The only indicated characteristic we know of is Service Changed. */
		g->service_changed = true;
		return send_pdu(g, &conf, 1);
	}
	return 1;
}

int gattc_input(struct gattc *g, const uint8_t *pdu, size_t len)
{
	int r;

	if (len == 0)
		return -EINVAL;
	g->stats.rx_pdus++;
	g->stats.rx_bytes += len;
	if (g->is_dead)
		return -ENOTCONN;
	if (len > g->mtu) {
		die(g, -EPROTO); /* a server never sends more than ATT_MTU */
		return -EPROTO;
	}
	r = unsolicited(g, pdu, len);
	if (r <= 0)
		return r;
	if (g->req_op && pdu[0] == g->rsp_op) {
		g->stats.transactions++;
		g->req_op = 0;
		g->pdu = pdu;
		g->pdu_len = len;
		step(g, 0);
		return g->is_dead ? -EPROTO : 0;
	}
	if (g->req_op && pdu[0] == ATT_OP_ERROR_RSP && len == 5 && pdu[1] == g->req_op) {
		g->stats.transactions++;
		g->req_op = 0;
		g->last_ecode = pdu[4];
		step(g, errno_from_ecode(pdu[4]));
		return 0;
	}
	die(g, -EPROTO); /* a response to nothing we asked */
	return -EPROTO;
}

void gattc_fail(struct gattc *g, int err)
{
	/* 3.3.3: after a timeout, no more requests on this bearer. */
	die(g, err);
}

bool gattc_is_busy(const struct gattc *g)
{
	return g->proc != GATTC_PROC_NONE;
}

bool gattc_is_dead(const struct gattc *g)
{
	return g->is_dead;
}

int gattc_result(const struct gattc *g)
{
	return g->result;
}

uint16_t gattc_mtu(const struct gattc *g)
{
	return g->mtu;
}

size_t gattc_max_value_len(const struct gattc *g)
{
	return g->mtu - 3u < ATT_MAX_VALUE_LEN ? g->mtu - 3u : ATT_MAX_VALUE_LEN;
}

uint8_t gattc_last_att_error(const struct gattc *g)
{
	return g->last_ecode;
}

bool gattc_has_service_changed(const struct gattc *g)
{
	return g->service_changed;
}

bool gattc_get_hash(const struct gattc *g, uint8_t ret_hash[GATTC_HASH_LEN])
{
	if (g->has_hash)
		memcpy(ret_hash, g->hash, GATTC_HASH_LEN);
	return g->has_hash;
}

size_t gattc_info_len(const struct gattc *g)
{
	return g->info_len;
}

void gattc_get_handles(const struct gattc *g, struct gattc_handles *ret)
{
	*ret = g->handles;
}

void gattc_get_stats(const struct gattc *g, struct gattc_stats *ret)
{
	*ret = g->stats;
}

void gattc_count_drop(struct gattc *g)
{
	g->stats.dropped++;
}
