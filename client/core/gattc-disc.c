// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * GATT client discovery (Bluetooth Core Vol 3 Part G 4.4.2, 4.6.1, 4.7.1): our primary
 * service by its UUID, its characteristics, TX's CCCD. Every handle a server reports is
 * checked to grow and to lie inside the service, so a broken or hostile server can neither
 * loop us nor point us outside (-EPROTO).
 */
#include <errno.h>
#include <string.h>

#include "gattc-int.h"

static void fail(struct gattc *g, int err)
{
	memset(&g->handles, 0, sizeof(g->handles));
	if (err == -EPROTO)
		g->is_dead = true;
	gattc_finish(g, err);
}

static int send_find_service(struct gattc *g)
{
	uint8_t req[7 + 16] = {ATT_OP_FIND_BY_TYPE_REQ};
	struct att_uuid svc;

	att_uuid_svcport(&svc, SVCPORT_UUID_SERVICE);
	att_put_le16(req + 1, 0x0001);
	att_put_le16(req + 3, 0xffff);
	att_put_le16(req + 5, GATT_UUID_PRIMARY_SERVICE);
	memcpy(req + 7, svc.b, 16);
	return gattc_request(g, req, sizeof(req), ATT_OP_FIND_BY_TYPE_RSP);
}

int gattc_disc_begin(struct gattc *g)
{
	int r = send_find_service(g);

	if (r < 0)
		return r;
	memset(&g->handles, 0, sizeof(g->handles));
	g->proc = GATTC_PROC_DISCOVER;
	g->disc = DISC_SERVICE;
	return 0;
}

static int send_range(struct gattc *g, uint8_t op, uint8_t rsp)
{
	uint8_t req[7] = {op};

	att_put_le16(req + 1, (uint16_t)g->next);
	att_put_le16(req + 3, g->handles.svc_end);
	att_put_le16(req + 5, GATT_UUID_CHARACTERISTIC);
	return gattc_request(g, req, op == ATT_OP_FIND_INFO_REQ ? 5 : 7, rsp);
}

/* One instance of the service is expected; the first one is used. */
static int on_service(struct gattc *g)
{
	uint16_t start, end;

	if (g->pdu_len < 5 || (g->pdu_len - 1) % 4 != 0)
		return -EPROTO;
	start = att_get_le16(g->pdu + 1);
	end = att_get_le16(g->pdu + 3);
	if (start == 0 || end < start)
		return -EPROTO;
	g->handles.svc_start = start;
	g->handles.svc_end = end;
	g->disc = DISC_CHARS;
	g->next = start;
	g->last_decl = 0;
	return send_range(g, ATT_OP_READ_BY_TYPE_REQ, ATT_OP_READ_BY_TYPE_RSP);
}

static void match_characteristic(struct gattc *g, uint8_t props, uint16_t value_handle,
                                 const struct att_uuid *uuid)
{
	struct att_uuid want;

	att_uuid_svcport(&want, SVCPORT_UUID_RX);
	if (att_uuid_is_equal(uuid, &want) && (props & (GATT_PROP_WRITE | GATT_PROP_WRITE_NO_RSP)))
		g->handles.rx = value_handle;
	att_uuid_svcport(&want, SVCPORT_UUID_TX);
	if (att_uuid_is_equal(uuid, &want) && (props & GATT_PROP_NOTIFY))
		g->handles.tx = value_handle;
	att_uuid_svcport(&want, SVCPORT_UUID_INFO);
	if (att_uuid_is_equal(uuid, &want) && (props & GATT_PROP_READ))
		g->handles.info = value_handle;
}

/* TX's CCCD is searched from the handle after TX's value. */
static int begin_ccc(struct gattc *g)
{
	if (!g->handles.rx || !g->handles.tx || !g->handles.info)
		return -ENOENT;
	g->disc = DISC_CCC;
	g->next = (uint32_t)g->handles.tx + 1;
	if (g->next > g->handles.svc_end)
		return -ENOENT;
	return send_range(g, ATT_OP_FIND_INFO_REQ, ATT_OP_FIND_INFO_RSP);
}

/* Part G 4.6.1: Read By Type of the characteristic declaration over the service. */
static int on_chars(struct gattc *g, int err)
{
	uint16_t end = g->handles.svc_end;
	size_t item;

	if (err == -ENOENT)
		return begin_ccc(g); /* Attribute Not Found: the end of the list */
	if (err < 0)
		return err;
	item = g->pdu_len >= 2 ? g->pdu[1] : 0;
	if ((item != 7 && item != 21) || g->pdu_len == 2 || (g->pdu_len - 2) % item != 0)
		return -EPROTO;
	for (size_t pos = 2; pos < g->pdu_len; pos += item) {
		const uint8_t *p = g->pdu + pos;
		uint16_t decl = att_get_le16(p), value = att_get_le16(p + 3);
		struct att_uuid uuid = {0};

		/* Handles must grow, or a broken server could loop us forever; the value
		 * follows its declaration (Part G 3.3.2). */
		if (decl < g->next || decl > end || (g->last_decl && decl <= g->last_decl) ||
		    value != decl + 1 || value > end)
			return -EPROTO;
		if (att_uuid_from_wire(&uuid, p + 5, item - 5) < 0)
			return -EPROTO;
		match_characteristic(g, p[2], value, &uuid);
		g->last_decl = decl;
	}
	g->next = (uint32_t)g->last_decl + 1;
	if (g->next > end)
		return begin_ccc(g);
	return send_range(g, ATT_OP_READ_BY_TYPE_REQ, ATT_OP_READ_BY_TYPE_RSP);
}

/* Part G 4.7.1: Find Information after TX's value, up to the next declaration. 1: found. */
static int on_ccc(struct gattc *g, int err)
{
	uint16_t end = g->handles.svc_end;
	size_t entry;

	if (err < 0)
		return err;
	entry = g->pdu_len < 2 ? 0 : g->pdu[1] == 1 ? 4 : g->pdu[1] == 2 ? 18 : 0;
	if (!entry || g->pdu_len == 2 || (g->pdu_len - 2) % entry != 0)
		return -EPROTO;
	for (size_t pos = 2; pos < g->pdu_len; pos += entry) {
		uint16_t handle = att_get_le16(g->pdu + pos);
		uint16_t type = entry == 4 ? att_get_le16(g->pdu + pos + 2) : 0;

		if (handle < g->next || handle > end)
			return -EPROTO;
		if (type == GATT_UUID_CHARACTERISTIC)
			return -ENOENT; /* the next characteristic: TX has no CCCD */
		if (type == GATT_UUID_CCCD) {
			g->handles.tx_ccc = handle;
			return 1;
		}
		g->next = (uint32_t)handle + 1;
	}
	if (g->next > end)
		return -ENOENT;
	return send_range(g, ATT_OP_FIND_INFO_REQ, ATT_OP_FIND_INFO_RSP);
}

void gattc_disc_step(struct gattc *g, int err)
{
	int r;

	switch (g->disc) {
	case DISC_SERVICE:
		r = err < 0 ? err : on_service(g);
		break;
	case DISC_CHARS:
		r = on_chars(g, err);
		break;
	default:
		r = on_ccc(g, err);
		break;
	}
	if (r < 0)
		fail(g, r);
	else if (r == 1)
		gattc_finish(g, 0);
}

int gattc_set_handles(struct gattc *g, const struct gattc_handles *h)
{
	const uint16_t values[] = {h->rx, h->tx, h->tx_ccc, h->info};

	if (h->svc_start == 0 || h->svc_end < h->svc_start)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++)
		if (values[i] <= h->svc_start || values[i] > h->svc_end)
			return -EINVAL;
	if (h->tx_ccc <= h->tx)
		return -EINVAL;
	g->handles = *h;
	return 0;
}
