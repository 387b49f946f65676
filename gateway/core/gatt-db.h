/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The gateway's attribute table: fixed handles, types, permissions (docs/gatt.md has the
 * same table for people). The table is constant and shared by every connection; values
 * that change (CCCDs, Client Supported Features, device name, INFO) are resolved by the
 * ATT server per connection. Handles 0x0006-0x0009 are unused: the GATT service grew by
 * the two Robust Caching characteristics and moved behind ours, so that the svcport
 * service kept the handles phones, captures and scripts know (docs/gatt.md).
 */
#ifndef SVCPORT_GATT_DB_H
#define SVCPORT_GATT_DB_H

#include <stddef.h>
#include <stdint.h>

#include "att.h"

/* Handles are fixed: a client may cache them (the Database Hash tells it when not). */
enum gatt_db_handle {
	GATT_HANDLE_GAP_SVC = 0x0001,
	GATT_HANDLE_DEVICE_NAME_DECL = 0x0002,
	GATT_HANDLE_DEVICE_NAME = 0x0003,
	GATT_HANDLE_APPEARANCE_DECL = 0x0004,
	GATT_HANDLE_APPEARANCE = 0x0005,
	GATT_HANDLE_SVC = 0x000a,
	GATT_HANDLE_RX_DECL = 0x000b,
	GATT_HANDLE_RX = 0x000c,
	GATT_HANDLE_RX_CUD = 0x000d,
	GATT_HANDLE_TX_DECL = 0x000e,
	GATT_HANDLE_TX = 0x000f,
	GATT_HANDLE_TX_CCC = 0x0010,
	GATT_HANDLE_TX_CUD = 0x0011,
	GATT_HANDLE_INFO_DECL = 0x0012,
	GATT_HANDLE_INFO = 0x0013,
	GATT_HANDLE_INFO_CUD = 0x0014,
	GATT_HANDLE_SVC_END = GATT_HANDLE_INFO_CUD,
	GATT_HANDLE_GATT_SVC = 0x0015,
	GATT_HANDLE_SC_DECL = 0x0016,
	GATT_HANDLE_SC = 0x0017,
	GATT_HANDLE_SC_CCC = 0x0018,
	GATT_HANDLE_CSF_DECL = 0x0019,
	GATT_HANDLE_CSF = 0x001a,
	GATT_HANDLE_DB_HASH_DECL = 0x001b,
	GATT_HANDLE_DB_HASH = 0x001c,
	GATT_HANDLE_LAST = GATT_HANDLE_DB_HASH,
};

/* Where an attribute's value comes from. */
enum gatt_db_kind {
	GATT_KIND_CONST,       /* the bytes in the table (declarations, descriptions) */
	GATT_KIND_DEVICE_NAME, /* from the server configuration */
	GATT_KIND_APPEARANCE,  /* from the server configuration */
	GATT_KIND_SC,          /* Service Changed: indicated only, never read */
	GATT_KIND_SC_CCC,      /* per-connection CCCD of Service Changed */
	GATT_KIND_RX,          /* written by the phone, handed to the RX callback */
	GATT_KIND_TX,          /* notified only */
	GATT_KIND_TX_CCC,      /* per-connection CCCD of TX */
	GATT_KIND_INFO,        /* from the INFO callback (encoded LinkInfo) */
	GATT_KIND_CSF,         /* per-connection Client Supported Features */
	GATT_KIND_DB_HASH,     /* the Database Hash of this table */
};

/* Permissions. */
#define GATT_PERM_READ      0x01
#define GATT_PERM_WRITE     0x02 /* Write Request, Prepare/Execute Write */
#define GATT_PERM_WRITE_CMD 0x04 /* Write Command */
#define GATT_PERM_SECURE    0x08 /* needs the configured security level (require encryption) */
#define GATT_PERM_FIXED_LEN 0x10 /* fixed-length value: Read Blob may answer Attribute Not Long */

struct gatt_db_attr {
	uint16_t handle;
	uint16_t group_end; /* service declarations: last handle of the service; else handle */
	struct att_uuid type;
	uint8_t perm;
	uint8_t kind; /* enum gatt_db_kind */
	uint8_t len;  /* GATT_KIND_CONST: length of val */
	const uint8_t *val;
};

/* The attribute at handle, or NULL when no attribute has that handle. */
const struct gatt_db_attr *gatt_db_get(uint16_t handle);

/* The first attribute whose handle lies in start..end, or NULL. */
const struct gatt_db_attr *gatt_db_first(uint16_t start, uint16_t end);

/* The attribute after a (which the table holds) up to end, or NULL. */
const struct gatt_db_attr *gatt_db_next(const struct gatt_db_attr *a, uint16_t end);

/*
 * The Database Hash of attrs (n attributes in ascending handle order), Vol 3 Part G 7.3.1:
 * AES-CMAC with a zero key over, for each service, include and characteristic declaration
 * and Characteristic Extended Properties, handle || type || value, and for each other
 * descriptor of the list (user description, CCCD, SCCD, presentation and aggregate format)
 * handle || type; fields little endian. ret_hash is the 128-bit result least significant
 * octet first, as a characteristic value is (Part G 3.3.1; Android and Zephyr send it so,
 * PTS expects it). 0 or -EIO.
 */
int gatt_db_hash_attrs(const struct gatt_db_attr *attrs, size_t n,
                       uint8_t ret_hash[GATT_DB_HASH_LEN]) __attribute__((warn_unused_result));

/* The Database Hash of the gateway's table. 0 or -EIO. */
int gatt_db_hash(uint8_t ret_hash[GATT_DB_HASH_LEN]) __attribute__((warn_unused_result));

/* Whether type is a grouping type of Read By Group Type (primary or secondary service). */
bool gatt_db_is_group_type(const struct att_uuid *type);

#endif
