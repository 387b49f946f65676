// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * GATT client procedures (Bluetooth Core Vol 3 Part G 4): Exchange MTU, Discover Primary
 * Service by Service UUID, Discover All Characteristics of a Service, Discover All
 * Characteristic Descriptors, Read Long Characteristic Value, Write Characteristic Value
 * (with or without response).
 */
#include <errno.h>
#include <string.h>

#include "gatt-client-int.h"

int gatt_client_exchange_mtu(struct gatt_client *c)
{
	uint8_t req[3] = {ATT_OP_MTU_REQ};
	uint16_t server_mtu, mtu;
	int r;

	att_put_le16(req + 1, c->cfg.mtu);
	r = gatt_client_request(c, req, sizeof(req), ATT_OP_MTU_RSP);
	if (r < 0)
		return r;
	if (c->pdu_len != 3)
		return -EPROTO;
	server_mtu = att_get_le16(c->pdu + 1);
	mtu = server_mtu < c->cfg.mtu ? server_mtu : c->cfg.mtu;
	c->mtu = mtu < ATT_MTU_DEFAULT ? ATT_MTU_DEFAULT : mtu;
	return 0;
}

/* Vol 3 Part G 4.4.2: Find By Type Value for our 128-bit service UUID. */
static int find_service(struct gatt_client *c)
{
	uint8_t req[7 + 16] = {ATT_OP_FIND_BY_TYPE_REQ};
	struct att_uuid svc;
	uint16_t start, end;
	int r;

	att_uuid_svcport(&svc, SVCPORT_UUID_SERVICE);
	att_put_le16(req + 1, 0x0001);
	att_put_le16(req + 3, 0xffff);
	att_put_le16(req + 5, GATT_UUID_PRIMARY_SERVICE);
	memcpy(req + 7, svc.b, 16);
	r = gatt_client_request(c, req, sizeof(req), ATT_OP_FIND_BY_TYPE_RSP);
	if (r < 0)
		return r;
	if (c->pdu_len < 5 || (c->pdu_len - 1) % 4 != 0)
		return -EPROTO;
	/* One instance of the service is expected; the first one is used. */
	start = att_get_le16(c->pdu + 1);
	end = att_get_le16(c->pdu + 3);
	if (start == 0 || end < start)
		return -EPROTO;
	c->handles.svc_start = start;
	c->handles.svc_end = end;
	return 0;
}

static void match_characteristic(struct gatt_client *c, uint8_t props, uint16_t value_handle,
                                 const struct att_uuid *uuid)
{
	struct att_uuid want;

	att_uuid_svcport(&want, SVCPORT_UUID_RX);
	if (att_uuid_is_equal(uuid, &want) && (props & (GATT_PROP_WRITE | GATT_PROP_WRITE_NO_RSP)))
		c->handles.rx = value_handle;
	att_uuid_svcport(&want, SVCPORT_UUID_TX);
	if (att_uuid_is_equal(uuid, &want) && (props & GATT_PROP_NOTIFY))
		c->handles.tx = value_handle;
	att_uuid_svcport(&want, SVCPORT_UUID_INFO);
	if (att_uuid_is_equal(uuid, &want) && (props & GATT_PROP_READ))
		c->handles.info = value_handle;
}

/* Vol 3 Part G 4.6.1: Read By Type of the characteristic declaration over the service. */
static int find_characteristics(struct gatt_client *c)
{
	uint32_t h = c->handles.svc_start;
	uint16_t end = c->handles.svc_end;

	while (h <= end) {
		uint8_t req[7] = {ATT_OP_READ_BY_TYPE_REQ};
		size_t item, pos;
		uint16_t last = 0;
		int r;

		att_put_le16(req + 1, (uint16_t)h);
		att_put_le16(req + 3, end);
		att_put_le16(req + 5, GATT_UUID_CHARACTERISTIC);
		r = gatt_client_request(c, req, sizeof(req), ATT_OP_READ_BY_TYPE_RSP);
		if (r == -ENOENT)
			break; /* Attribute Not Found: the end of the list */
		if (r < 0)
			return r;
		item = c->pdu_len >= 2 ? c->pdu[1] : 0;
		if ((item != 7 && item != 21) || (c->pdu_len - 2) % item != 0 || c->pdu_len == 2)
			return -EPROTO;
		for (pos = 2; pos < c->pdu_len; pos += item) {
			const uint8_t *p = c->pdu + pos;
			uint16_t decl = att_get_le16(p);
			struct att_uuid uuid = {0};
			uint16_t value = att_get_le16(p + 3);
			/* Handles must grow, or a broken server could loop us forever; the
			 * value follows its declaration (Part G 3.3.2). */
			if (decl < h || decl > end || (last && decl <= last) || value != decl + 1 ||
			    value > end)
				return -EPROTO;
			if (att_uuid_from_wire(&uuid, p + 5, item - 5) < 0)
				return -EPROTO;
			match_characteristic(c, p[2], value, &uuid);
			last = decl;
		}
		h = (uint32_t)last + 1;
	}
	if (!c->handles.rx || !c->handles.tx || !c->handles.info)
		return -ENOENT;
	return 0;
}

/* Vol 3 Part G 4.7.1: Find Information after TX's value, up to the next declaration. */
static int find_tx_ccc(struct gatt_client *c)
{
	uint32_t h = (uint32_t)c->handles.tx + 1;
	uint16_t end = c->handles.svc_end;

	while (h <= end) {
		uint8_t req[5] = {ATT_OP_FIND_INFO_REQ};
		size_t entry, pos;
		int r;

		att_put_le16(req + 1, (uint16_t)h);
		att_put_le16(req + 3, end);
		r = gatt_client_request(c, req, sizeof(req), ATT_OP_FIND_INFO_RSP);
		if (r == -ENOENT)
			break;
		if (r < 0)
			return r;
		entry = c->pdu_len < 2 ? 0 : c->pdu[1] == 1 ? 4 : c->pdu[1] == 2 ? 18 : 0;
		if (!entry || c->pdu_len == 2 || (c->pdu_len - 2) % entry != 0)
			return -EPROTO;
		for (pos = 2; pos < c->pdu_len; pos += entry) {
			uint16_t handle = att_get_le16(c->pdu + pos);
			uint16_t type = entry == 4 ? att_get_le16(c->pdu + pos + 2) : 0;
			if (handle < h || handle > end)
				return -EPROTO;
			if (type == GATT_UUID_CHARACTERISTIC)
				return -ENOENT; /* the next characteristic: TX has no CCCD */
			if (type == GATT_UUID_CCCD) {
				c->handles.tx_ccc = handle;
				return 0;
			}
			h = (uint32_t)handle + 1;
		}
	}
	return -ENOENT;
}

int gatt_client_discover(struct gatt_client *c)
{
	int r;

	memset(&c->handles, 0, sizeof(c->handles));
	r = find_service(c);
	if (r == 0)
		r = find_characteristics(c);
	if (r == 0)
		r = find_tx_ccc(c);
	if (r < 0)
		memset(&c->handles, 0, sizeof(c->handles));
	return r;
}

int gatt_client_enable_notifications(struct gatt_client *c)
{
	uint8_t req[5] = {ATT_OP_WRITE_REQ};
	int r;

	if (!c->handles.tx_ccc)
		return -ENOENT;
	att_put_le16(req + 1, c->handles.tx_ccc);
	att_put_le16(req + 3, GATT_CCC_NOTIFY);
	r = gatt_client_request(c, req, sizeof(req), ATT_OP_WRITE_RSP);
	if (r == 0 && c->pdu_len != 1)
		return -EPROTO;
	return r;
}

/* Vol 3 Part G 4.8.3: Read, then Read Blob while a response came back full. */
int gatt_client_read_info(struct gatt_client *c, uint8_t *buf, size_t cap, size_t *ret_len)
{
	uint8_t req[5] = {ATT_OP_READ_REQ};
	size_t total = 0, n;
	int r;

	if (!c->handles.info)
		return -ENOENT;
	att_put_le16(req + 1, c->handles.info);
	r = gatt_client_request(c, req, 3, ATT_OP_READ_RSP);
	for (;;) {
		if (r == -EREMOTEIO && total > 0 &&
		    (c->last_ecode == ATT_ECODE_ATTR_NOT_LONG ||
		     c->last_ecode == ATT_ECODE_INVALID_OFFSET))
			break; /* the value ended exactly at the last full response */
		if (r < 0)
			return r;
		n = c->pdu_len - 1;
		if (total + n > ATT_MAX_VALUE_LEN)
			return -EPROTO;
		if (total + n > cap)
			return -EMSGSIZE;
		memcpy(buf + total, c->pdu + 1, n);
		total += n;
		if (n < c->mtu - 1u)
			break;
		req[0] = ATT_OP_READ_BLOB_REQ;
		att_put_le16(req + 3, (uint16_t)total);
		r = gatt_client_request(c, req, 5, ATT_OP_READ_BLOB_RSP);
	}
	*ret_len = total;
	return 0;
}

int gatt_client_write_rx(struct gatt_client *c, const uint8_t *value, size_t len)
{
	uint8_t pdu[ATT_MTU_MAX];
	int r;

	if (!c->handles.rx)
		return -ENOENT;
	if (len > gatt_client_max_value_len(c))
		return -EMSGSIZE;
	pdu[0] = c->cfg.write_without_response ? ATT_OP_WRITE_CMD : ATT_OP_WRITE_REQ;
	att_put_le16(pdu + 1, c->handles.rx);
	memcpy(pdu + 3, value, len);
	if (c->cfg.write_without_response)
		return gatt_client_send_pdu(c, pdu, 3 + len);
	r = gatt_client_request(c, pdu, 3 + len, ATT_OP_WRITE_RSP);
	if (r == 0 && c->pdu_len != 1)
		return -EPROTO;
	return r;
}
