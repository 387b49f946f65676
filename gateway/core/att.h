/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ATT wire constants (Bluetooth Core 5.x, Vol 3 Part F) and the small helpers both ends
 * share: little-endian access and UUID comparison. No state, no I/O.
 */
#ifndef SVCPORT_ATT_H
#define SVCPORT_ATT_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* ATT_MTU bounds: the LE default and the largest value this project supports. */
#define ATT_MTU_DEFAULT 23
#define ATT_MTU_MAX     517
/* Vol 3 Part F 3.2.9: an attribute value is at most 512 octets. */
#define ATT_MAX_VALUE_LEN 512

/* Opcodes (Vol 3 Part F 3.4.8). Bit 6 marks a command (no response). */
#define ATT_OP_ERROR_RSP            0x01
#define ATT_OP_MTU_REQ              0x02
#define ATT_OP_MTU_RSP              0x03
#define ATT_OP_FIND_INFO_REQ        0x04
#define ATT_OP_FIND_INFO_RSP        0x05
#define ATT_OP_FIND_BY_TYPE_REQ     0x06
#define ATT_OP_FIND_BY_TYPE_RSP     0x07
#define ATT_OP_READ_BY_TYPE_REQ     0x08
#define ATT_OP_READ_BY_TYPE_RSP     0x09
#define ATT_OP_READ_REQ             0x0a
#define ATT_OP_READ_RSP             0x0b
#define ATT_OP_READ_BLOB_REQ        0x0c
#define ATT_OP_READ_BLOB_RSP        0x0d
#define ATT_OP_READ_MULT_REQ        0x0e
#define ATT_OP_READ_BY_GRP_TYPE_REQ 0x10
#define ATT_OP_READ_BY_GRP_TYPE_RSP 0x11
#define ATT_OP_WRITE_REQ            0x12
#define ATT_OP_WRITE_RSP            0x13
#define ATT_OP_PREP_WRITE_REQ       0x16
#define ATT_OP_PREP_WRITE_RSP       0x17
#define ATT_OP_EXEC_WRITE_REQ       0x18
#define ATT_OP_EXEC_WRITE_RSP       0x19
#define ATT_OP_HANDLE_VAL_NOT       0x1b
#define ATT_OP_HANDLE_VAL_IND       0x1d
#define ATT_OP_HANDLE_VAL_CONF      0x1e
#define ATT_OP_WRITE_CMD            0x52
#define ATT_OP_SIGNED_WRITE_CMD     0xd2
#define ATT_OP_CMD_FLAG             0x40

/* Error codes (Vol 3 Part F 3.4.1.1, and Core Spec Supplement Part B 1.2 for 0xfd). */
#define ATT_ECODE_INVALID_HANDLE      0x01
#define ATT_ECODE_READ_NOT_PERMITTED  0x02
#define ATT_ECODE_WRITE_NOT_PERMITTED 0x03
#define ATT_ECODE_INVALID_PDU         0x04
#define ATT_ECODE_AUTHENTICATION      0x05
#define ATT_ECODE_REQ_NOT_SUPP        0x06
#define ATT_ECODE_INVALID_OFFSET      0x07
#define ATT_ECODE_PREP_QUEUE_FULL     0x09
#define ATT_ECODE_ATTR_NOT_FOUND      0x0a
#define ATT_ECODE_ATTR_NOT_LONG       0x0b
#define ATT_ECODE_INVALID_VALUE_LEN   0x0d
#define ATT_ECODE_UNLIKELY            0x0e
#define ATT_ECODE_INSUFF_ENCRYPTION   0x0f
#define ATT_ECODE_UNSUPP_GRP_TYPE     0x10
#define ATT_ECODE_DB_OUT_OF_SYNC      0x12 /* Robust Caching, Vol 3 Part G 2.5.2.1 */
#define ATT_ECODE_VALUE_NOT_ALLOWED   0x13
#define ATT_ECODE_CCC_IMPROPER        0xfd

/* Execute Write flags. */
#define ATT_EXEC_WRITE_CANCEL 0x00
#define ATT_EXEC_WRITE_COMMIT 0x01

/* GATT declaration and descriptor types (Assigned Numbers). */
#define GATT_UUID_GAP_SERVICE       0x1800
#define GATT_UUID_GATT_SERVICE      0x1801
#define GATT_UUID_PRIMARY_SERVICE   0x2800
#define GATT_UUID_SECONDARY_SERVICE 0x2801
#define GATT_UUID_INCLUDE           0x2802
#define GATT_UUID_CHARACTERISTIC    0x2803
#define GATT_UUID_CEP               0x2900 /* Characteristic Extended Properties */
#define GATT_UUID_CUD               0x2901
#define GATT_UUID_CCCD              0x2902
#define GATT_UUID_SCCD              0x2903 /* Server Characteristic Configuration */
#define GATT_UUID_CPF               0x2904 /* Characteristic Presentation Format */
#define GATT_UUID_CAF               0x2905 /* Characteristic Aggregate Format */
#define GATT_UUID_DEVICE_NAME       0x2a00
#define GATT_UUID_APPEARANCE        0x2a01
#define GATT_UUID_SERVICE_CHANGED   0x2a05
#define GATT_UUID_CLIENT_FEATURES   0x2b29 /* Client Supported Features, Vol 3 Part G 7.2 */
#define GATT_UUID_DB_HASH           0x2b2a /* Database Hash, Vol 3 Part G 7.3 */

/* Characteristic properties (Vol 3 Part G 3.3.1.1). */
#define GATT_PROP_READ         0x02
#define GATT_PROP_WRITE_NO_RSP 0x04
#define GATT_PROP_WRITE        0x08
#define GATT_PROP_NOTIFY       0x10
#define GATT_PROP_INDICATE     0x20

/* Client Supported Features bit 0 (Vol 3 Part G 7.2): the client takes Robust Caching. */
#define GATT_CSF_ROBUST_CACHING 0x01
/* The Database Hash is 128 bits (Vol 3 Part G 7.3). */
#define GATT_DB_HASH_LEN 16

/* CCCD bits (Vol 3 Part G 3.3.3.3). */
#define GATT_CCC_NOTIFY   0x0001
#define GATT_CCC_INDICATE 0x0002

/* Link security as ATT sees it (the L2CAP socket's BT_SECURITY level). */
enum att_security {
	ATT_SECURITY_LOW = 1,    /* no encryption */
	ATT_SECURITY_MEDIUM = 2, /* encrypted, unauthenticated pairing */
	ATT_SECURITY_HIGH = 3,   /* encrypted, authenticated (MITM) pairing */
};

/* A UUID in wire order (little endian), 2 or 16 bytes long. */
struct att_uuid {
	uint8_t len;
	uint8_t b[16];
};

static inline uint16_t att_get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static inline void att_put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

/* The svcport service UUIDs abd1xxxx-ebf7-4797-8f14-2b70edecfe4a (DESIGN §2.1). */
#define SVCPORT_UUID_SERVICE 0x0001
#define SVCPORT_UUID_RX      0x0002
#define SVCPORT_UUID_TX      0x0003
#define SVCPORT_UUID_INFO    0x0004

/* Fills u with abd1<short>-ebf7-4797-8f14-2b70edecfe4a. */
static inline void att_uuid_svcport(struct att_uuid *u, uint16_t short_id)
{
	static const uint8_t base[16] = {0x4a, 0xfe, 0xec, 0xed, 0x70, 0x2b, 0x14, 0x8f,
	                                 0x97, 0x47, 0xf7, 0xeb, 0x00, 0x00, 0xd1, 0xab};
	u->len = 16;
	memcpy(u->b, base, sizeof(base));
	att_put_le16(u->b + 12, short_id);
}

/* Fills u with a 16-bit SIG UUID. */
static inline void att_uuid_16(struct att_uuid *u, uint16_t v)
{
	memset(u, 0, sizeof(*u));
	u->len = 2;
	att_put_le16(u->b, v);
}

/* Writes the 128-bit form of u (2 or 16 bytes) to out; 16-bit UUIDs on the SIG base. */
static inline void att_uuid_to128(const struct att_uuid *u, uint8_t out[16])
{
	static const uint8_t sig_base[16] = {0xfb, 0x34, 0x9b, 0x5f, 0x80, 0x00, 0x00, 0x80,
	                                     0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
	if (u->len == 16) {
		memcpy(out, u->b, 16);
		return;
	}
	memcpy(out, sig_base, 16);
	out[12] = u->b[0];
	out[13] = u->b[1];
}

/* UUIDs are equal across their 16- and 128-bit forms (Vol 3 Part B 2.5.1). */
static inline bool att_uuid_is_equal(const struct att_uuid *a, const struct att_uuid *b)
{
	uint8_t x[16], y[16];
	att_uuid_to128(a, x);
	att_uuid_to128(b, y);
	return memcmp(x, y, 16) == 0;
}

/* Parses a 2- or 16-byte UUID from the wire; -EINVAL for any other length. */
static inline int att_uuid_from_wire(struct att_uuid *ret_u, const uint8_t *p, size_t len)
{
	if (len != 2 && len != 16)
		return -EINVAL;
	memset(ret_u, 0, sizeof(*ret_u));
	ret_u->len = (uint8_t)len;
	memcpy(ret_u->b, p, len);
	return 0;
}

#endif
