// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ATT server: one request in, one response out, exactly as Bluetooth Core Vol 3 Part F
 * section 3.4 says. Discovery, reads and Exchange MTU live here; writes, the prepare
 * queue, notifications and indications in att-server-write.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "att-server-int.h"

#define DEFAULT_NAME "svcport"

int att_server_new(const struct att_server_config *cfg, const struct att_server_callbacks *cb,
                   struct att_server **ret_srv)
{
	const char *name = cfg->device_name ? cfg->device_name : DEFAULT_NAME;
	size_t name_len = strnlen(name, ATT_SERVER_NAME_MAX + 1);
	uint16_t mtu = cfg->mtu ? cfg->mtu : ATT_MTU_MAX;
	enum att_security req = cfg->required_security ? cfg->required_security : ATT_SECURITY_LOW;
	struct att_server *srv;

	if (mtu < ATT_MTU_DEFAULT || mtu > ATT_MTU_MAX || name_len > ATT_SERVER_NAME_MAX)
		return -EINVAL;
	if (req < ATT_SECURITY_LOW || req > ATT_SECURITY_HIGH)
		return -EINVAL;
	if (!cb->send || !cb->rx_write || !cb->info_read)
		return -EINVAL;
	srv = calloc(1, sizeof(*srv));
	if (!srv)
		return -ENOMEM;
	srv->cb = *cb;
	srv->server_mtu = mtu;
	srv->mtu = ATT_MTU_DEFAULT;
	srv->required = req;
	srv->security = ATT_SECURITY_LOW;
	memcpy(srv->name, name, name_len);
	srv->name_len = name_len;
	srv->appearance = cfg->appearance;
	if (gatt_db_hash(srv->db_hash) < 0) {
		free(srv);
		return -EIO;
	}
	*ret_srv = srv;
	return 0;
}

void att_server_free(struct att_server *srv)
{
	free(srv);
}

void att_server_set_security(struct att_server *srv, enum att_security level)
{
	srv->security = level;
}

uint16_t att_server_get_mtu(const struct att_server *srv)
{
	return srv->mtu;
}

size_t att_server_max_value_len(const struct att_server *srv)
{
	return srv->mtu - 3u < ATT_MAX_VALUE_LEN ? srv->mtu - 3u : ATT_MAX_VALUE_LEN;
}

bool att_server_is_tx_enabled(const struct att_server *srv)
{
	return srv->tx_ccc & GATT_CCC_NOTIFY;
}

bool att_server_is_request_pending(const struct att_server *srv)
{
	return srv->pending_op != 0;
}

int att_srv_send(struct att_server *srv, const uint8_t *pdu, size_t len)
{
	/* The one place PDUs leave: nothing longer than ATT_MTU, ever. */
	if (len == 0 || len > srv->mtu)
		return -EMSGSIZE;
	return srv->cb.send(pdu, len, srv->cb.user_data);
}

int att_srv_send_error(struct att_server *srv, uint8_t req_op, uint16_t handle, uint8_t ecode)
{
	uint8_t pdu[5] = {ATT_OP_ERROR_RSP, req_op, 0, 0, ecode};

	att_put_le16(pdu + 2, handle);
	return att_srv_send(srv, pdu, sizeof(pdu));
}

uint8_t att_srv_check_security(const struct att_server *srv, const struct gatt_db_attr *a)
{
	if (!(a->perm & GATT_PERM_SECURE) || srv->security >= srv->required)
		return 0;
	/* An authenticated (MITM) link is asked for with Insufficient Authentication, an
	 * encrypted one with Insufficient Encryption: the client then pairs or encrypts. */
	if (srv->required >= ATT_SECURITY_HIGH)
		return ATT_ECODE_AUTHENTICATION;
	return ATT_ECODE_INSUFF_ENCRYPTION;
}

static uint8_t check_read(const struct att_server *srv, const struct gatt_db_attr *a)
{
	if (!(a->perm & GATT_PERM_READ))
		return ATT_ECODE_READ_NOT_PERMITTED;
	return att_srv_check_security(srv, a);
}

/*
 * Resolves a readable attribute's value. INFO is fetched from the callback when refresh is
 * set (or nothing is cached), so a long read (Read, then Read Blob at growing offsets) sees
 * one consistent snapshot.
 */
static uint8_t attr_value(struct att_server *srv, const struct gatt_db_attr *a, bool refresh,
                          const uint8_t **ret_val, size_t *ret_len)
{
	switch (a->kind) {
	case GATT_KIND_CONST:
		*ret_val = a->val;
		*ret_len = a->len;
		return 0;
	case GATT_KIND_DEVICE_NAME:
		*ret_val = (const uint8_t *)srv->name;
		*ret_len = srv->name_len;
		return 0;
	case GATT_KIND_APPEARANCE:
		att_put_le16(srv->scratch, srv->appearance);
		*ret_val = srv->scratch;
		*ret_len = 2;
		return 0;
	case GATT_KIND_SC_CCC:
		att_put_le16(srv->scratch, srv->sc_ccc);
		*ret_val = srv->scratch;
		*ret_len = 2;
		return 0;
	case GATT_KIND_TX_CCC:
		att_put_le16(srv->scratch, srv->tx_ccc);
		*ret_val = srv->scratch;
		*ret_len = 2;
		return 0;
	case GATT_KIND_CSF:
		srv->scratch[0] = srv->csf;
		*ret_val = srv->scratch;
		*ret_len = 1;
		return 0;
	case GATT_KIND_DB_HASH:
		att_srv_db_hash_value(srv, ret_val, ret_len);
		return 0;
	case GATT_KIND_INFO:
		if (refresh || !srv->info_valid) {
			size_t n = 0;
			srv->info_valid = false;
			if (srv->cb.info_read(srv->info, sizeof(srv->info), &n, srv->cb.user_data) <
			        0 ||
			    n > sizeof(srv->info))
				return ATT_ECODE_UNLIKELY;
			srv->info_len = n;
			srv->info_valid = true;
		}
		*ret_val = srv->info;
		*ret_len = srv->info_len;
		return 0;
	default:
		return ATT_ECODE_READ_NOT_PERMITTED;
	}
}

static size_t min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

/* Vol 3 Part F 3.4.3.1 and siblings: start 0 or start > end is Invalid Handle. */
static bool is_bad_range(uint16_t start, uint16_t end)
{
	return start == 0 || start > end;
}

static int handle_mtu(struct att_server *srv, const uint8_t *pdu, size_t len)
{
	uint8_t rsp[3] = {ATT_OP_MTU_RSP};
	uint16_t client_mtu;
	int r;

	if (len != 3)
		return att_srv_send_error(srv, pdu[0], 0, ATT_ECODE_INVALID_PDU);
	client_mtu = att_get_le16(pdu + 1);
	att_put_le16(rsp + 1, srv->server_mtu);
	/* The response still travels under the old ATT_MTU (3.4.2.2). */
	r = att_srv_send(srv, rsp, sizeof(rsp));
	if (r < 0)
		return r;
	/* Sent once per connection (3.4.2.1); a repeat is answered but changes nothing. A
	 * client value under the default counts as the default. */
	if (!srv->mtu_exchanged) {
		uint16_t m = client_mtu < srv->server_mtu ? client_mtu : srv->server_mtu;
		srv->mtu = m < ATT_MTU_DEFAULT ? ATT_MTU_DEFAULT : m;
		srv->mtu_exchanged = true;
	}
	return 0;
}

static int handle_find_info(struct att_server *srv, const uint8_t *pdu, size_t len)
{
	uint8_t *out = srv->out;
	size_t pos = 2;
	uint16_t start, end;
	uint8_t format = 0;

	if (len != 5)
		return att_srv_send_error(srv, pdu[0], 0, ATT_ECODE_INVALID_PDU);
	start = att_get_le16(pdu + 1);
	end = att_get_le16(pdu + 3);
	if (is_bad_range(start, end))
		return att_srv_send_error(srv, pdu[0], start, ATT_ECODE_INVALID_HANDLE);
	for (const struct gatt_db_attr *a = gatt_db_first(start, end); a;
	     a = gatt_db_next(a, end)) {
		uint16_t h = a->handle;
		uint8_t fmt = a->type.len == 2 ? 1 : 2;
		if (format == 0)
			format = fmt;
		else if (fmt != format)
			break; /* one format per response */
		if (pos + 2 + a->type.len > srv->mtu)
			break;
		att_put_le16(out + pos, h);
		memcpy(out + pos + 2, a->type.b, a->type.len);
		pos += 2 + a->type.len;
	}
	if (format == 0)
		return att_srv_send_error(srv, pdu[0], start, ATT_ECODE_ATTR_NOT_FOUND);
	out[0] = ATT_OP_FIND_INFO_RSP;
	out[1] = format;
	return att_srv_send(srv, out, pos);
}

static int handle_find_by_type(struct att_server *srv, const uint8_t *pdu, size_t len)
{
	uint8_t *out = srv->out;
	size_t pos = 1, vlen;
	uint16_t start, end;
	struct att_uuid type;

	if (len < 7)
		return att_srv_send_error(srv, pdu[0], 0, ATT_ECODE_INVALID_PDU);
	start = att_get_le16(pdu + 1);
	end = att_get_le16(pdu + 3);
	att_uuid_16(&type, att_get_le16(pdu + 5));
	vlen = len - 7;
	if (is_bad_range(start, end))
		return att_srv_send_error(srv, pdu[0], start, ATT_ECODE_INVALID_HANDLE);
	for (const struct gatt_db_attr *a = gatt_db_first(start, end); a;
	     a = gatt_db_next(a, end)) {
		uint16_t h = a->handle;
		/* Only constant values (declarations, descriptions) are compared: the
		 * others are per connection, protected, or not readable. */
		if (!att_uuid_is_equal(&a->type, &type) || a->kind != GATT_KIND_CONST ||
		    a->len != vlen || memcmp(a->val, pdu + 7, vlen) != 0)
			continue;
		if (pos + 4 > srv->mtu)
			break;
		att_put_le16(out + pos, h);
		att_put_le16(out + pos + 2, a->group_end);
		pos += 4;
	}
	if (pos == 1)
		return att_srv_send_error(srv, pdu[0], start, ATT_ECODE_ATTR_NOT_FOUND);
	out[0] = ATT_OP_FIND_BY_TYPE_RSP;
	return att_srv_send(srv, out, pos);
}

/* Shared by Read By Type and Read By Group Type: parse start, end, 2- or 16-byte UUID. */
static bool parse_range_uuid(const uint8_t *pdu, size_t len, uint16_t *start, uint16_t *end,
                             struct att_uuid *type)
{
	if (len != 7 && len != 21)
		return false;
	*start = att_get_le16(pdu + 1);
	*end = att_get_le16(pdu + 3);
	return att_uuid_from_wire(type, pdu + 5, len - 5) == 0;
}

static int handle_read_by_type(struct att_server *srv, const uint8_t *pdu, size_t len)
{
	uint8_t *out = srv->out;
	size_t pos = 2, item_len = 0;
	uint16_t start, end;
	struct att_uuid type;

	if (!parse_range_uuid(pdu, len, &start, &end, &type))
		return att_srv_send_error(srv, pdu[0], 0, ATT_ECODE_INVALID_PDU);
	if (is_bad_range(start, end))
		return att_srv_send_error(srv, pdu[0], start, ATT_ECODE_INVALID_HANDLE);
	for (const struct gatt_db_attr *a = gatt_db_first(start, end); a;
	     a = gatt_db_next(a, end)) {
		uint16_t h = a->handle;
		const uint8_t *val;
		size_t vlen;
		uint8_t ecode;

		if (!att_uuid_is_equal(&a->type, &type))
			continue;
		ecode = check_read(srv, a);
		if (!ecode)
			ecode = attr_value(srv, a, true, &val, &vlen);
		if (ecode) {
			/* 3.4.4.1: an error on the first match is the answer; a later one
			 * ends the list before that attribute. */
			if (item_len == 0)
				return att_srv_send_error(srv, pdu[0], h, ecode);
			break;
		}
		/* The length field is one octet: values are cut at 253 and at ATT_MTU - 4. */
		vlen = min_size(vlen, min_size(253, srv->mtu - 4u));
		if (item_len == 0)
			item_len = vlen + 2;
		else if (vlen + 2 != item_len)
			break;
		if (pos + item_len > srv->mtu)
			break;
		att_put_le16(out + pos, h);
		memcpy(out + pos + 2, val, vlen);
		pos += item_len;
	}
	if (item_len == 0)
		return att_srv_send_error(srv, pdu[0], start, ATT_ECODE_ATTR_NOT_FOUND);
	out[0] = ATT_OP_READ_BY_TYPE_RSP;
	out[1] = (uint8_t)item_len;
	return att_srv_send(srv, out, pos);
}

static int handle_read_by_group(struct att_server *srv, const uint8_t *pdu, size_t len)
{
	uint8_t *out = srv->out;
	size_t pos = 2, item_len = 0;
	uint16_t start, end;
	struct att_uuid type;

	if (!parse_range_uuid(pdu, len, &start, &end, &type))
		return att_srv_send_error(srv, pdu[0], 0, ATT_ECODE_INVALID_PDU);
	if (is_bad_range(start, end))
		return att_srv_send_error(srv, pdu[0], start, ATT_ECODE_INVALID_HANDLE);
	if (!gatt_db_is_group_type(&type))
		return att_srv_send_error(srv, pdu[0], start, ATT_ECODE_UNSUPP_GRP_TYPE);
	for (const struct gatt_db_attr *a = gatt_db_first(start, end); a;
	     a = gatt_db_next(a, end)) {
		uint16_t h = a->handle;
		size_t vlen;

		if (!att_uuid_is_equal(&a->type, &type))
			continue;
		/* Service declarations are constant and readable by anyone. */
		vlen = min_size(a->len, min_size(251, srv->mtu - 6u));
		if (item_len == 0)
			item_len = vlen + 4;
		else if (vlen + 4 != item_len)
			break;
		if (pos + item_len > srv->mtu)
			break;
		att_put_le16(out + pos, h);
		att_put_le16(out + pos + 2, a->group_end);
		memcpy(out + pos + 4, a->val, vlen);
		pos += item_len;
	}
	if (item_len == 0)
		return att_srv_send_error(srv, pdu[0], start, ATT_ECODE_ATTR_NOT_FOUND);
	out[0] = ATT_OP_READ_BY_GRP_TYPE_RSP;
	out[1] = (uint8_t)item_len;
	return att_srv_send(srv, out, pos);
}

static int handle_read(struct att_server *srv, const uint8_t *pdu, size_t len)
{
	const struct gatt_db_attr *a;
	const uint8_t *val;
	size_t vlen;
	uint16_t handle;
	uint8_t ecode;

	if (len != 3)
		return att_srv_send_error(srv, pdu[0], 0, ATT_ECODE_INVALID_PDU);
	handle = att_get_le16(pdu + 1);
	a = gatt_db_get(handle);
	if (!a)
		return att_srv_send_error(srv, pdu[0], handle, ATT_ECODE_INVALID_HANDLE);
	ecode = check_read(srv, a);
	if (!ecode)
		ecode = attr_value(srv, a, true, &val, &vlen);
	if (ecode)
		return att_srv_send_error(srv, pdu[0], handle, ecode);
	vlen = min_size(vlen, srv->mtu - 1u);
	srv->out[0] = ATT_OP_READ_RSP;
	memcpy(srv->out + 1, val, vlen);
	return att_srv_send(srv, srv->out, 1 + vlen);
}

static int handle_read_blob(struct att_server *srv, const uint8_t *pdu, size_t len)
{
	const struct gatt_db_attr *a;
	const uint8_t *val;
	size_t vlen;
	uint16_t handle, offset;
	uint8_t ecode;

	if (len != 5)
		return att_srv_send_error(srv, pdu[0], 0, ATT_ECODE_INVALID_PDU);
	handle = att_get_le16(pdu + 1);
	offset = att_get_le16(pdu + 3);
	a = gatt_db_get(handle);
	if (!a)
		return att_srv_send_error(srv, pdu[0], handle, ATT_ECODE_INVALID_HANDLE);
	ecode = check_read(srv, a);
	if (!ecode)
		ecode = attr_value(srv, a, offset == 0, &val, &vlen);
	/* 3.4.4.5: a fixed-length value that fits a Read Response is not long. */
	if (!ecode && (a->perm & GATT_PERM_FIXED_LEN) && vlen <= srv->mtu - 3u)
		ecode = ATT_ECODE_ATTR_NOT_LONG;
	if (!ecode && offset > vlen)
		ecode = ATT_ECODE_INVALID_OFFSET;
	if (ecode)
		return att_srv_send_error(srv, pdu[0], handle, ecode);
	vlen = min_size(vlen - offset, srv->mtu - 1u);
	srv->out[0] = ATT_OP_READ_BLOB_RSP;
	memcpy(srv->out + 1, val + offset, vlen);
	return att_srv_send(srv, srv->out, 1 + vlen);
}

static int handle_request(struct att_server *srv, const uint8_t *pdu, size_t len)
{
	switch (pdu[0]) {
	case ATT_OP_MTU_REQ:
		return handle_mtu(srv, pdu, len);
	case ATT_OP_FIND_INFO_REQ:
		return handle_find_info(srv, pdu, len);
	case ATT_OP_FIND_BY_TYPE_REQ:
		return handle_find_by_type(srv, pdu, len);
	case ATT_OP_READ_BY_TYPE_REQ:
		return handle_read_by_type(srv, pdu, len);
	case ATT_OP_READ_BY_GRP_TYPE_REQ:
		return handle_read_by_group(srv, pdu, len);
	case ATT_OP_READ_REQ:
		return handle_read(srv, pdu, len);
	case ATT_OP_READ_BLOB_REQ:
		return handle_read_blob(srv, pdu, len);
	case ATT_OP_WRITE_REQ:
		return att_srv_handle_write(srv, pdu, len);
	case ATT_OP_PREP_WRITE_REQ:
		return att_srv_handle_prep_write(srv, pdu, len);
	case ATT_OP_EXEC_WRITE_REQ:
		return att_srv_handle_exec_write(srv, pdu, len);
	default:
		/* Any other opcode without the command bit is answered as an unsupported
		 * request (3.4.1.1), including PDUs only a server may send. */
		return att_srv_send_error(srv, pdu[0], 0, ATT_ECODE_REQ_NOT_SUPP);
	}
}

int att_server_handle_pdu(struct att_server *srv, const uint8_t *pdu, size_t len)
{
	int r;

	if (len == 0)
		return -EINVAL;
	if (pdu[0] == ATT_OP_HANDLE_VAL_CONF)
		return att_srv_handle_conf(srv, len);
	if (pdu[0] & ATT_OP_CMD_FLAG) {
		/* Commands get no response, not even an error (3.3.1); unknown ones and
		 * Signed Write (not supported) are ignored. */
		if (pdu[0] == ATT_OP_WRITE_CMD && len <= srv->mtu && !att_srv_is_held_back(srv))
			att_srv_handle_write_cmd(srv, pdu, len);
		return 0;
	}
	/* 3.3.2: "If a request is currently pending, then the sequential protocol was
	 * violated": no answer; the caller drops the connection. */
	if (srv->pending_op)
		return -EPROTO;
	/* A client never sends more than ATT_MTU (3.2.8); this also bounds every echo. */
	if (len > srv->mtu)
		return att_srv_send_error(srv, pdu[0], 0, ATT_ECODE_INVALID_PDU);
	r = att_srv_check_sync(srv, pdu, len);
	if (r != 0)
		return r < 0 ? r : 0;
	return handle_request(srv, pdu, len);
}
