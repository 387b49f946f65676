// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The constant attribute table of svcportd (DESIGN §2.1): GAP, GATT and the svcport
 * service, in handle order with no gaps (gatt_db_get indexes it by handle).
 */
#include "gatt-db.h"

#define U16(v)                                                                                     \
	{                                                                                          \
		2,                                                                                 \
		{                                                                                  \
			(uint8_t)(v), (uint8_t)((v) >> 8)                                          \
		}                                                                                  \
	}

/* abd1xxxx-ebf7-4797-8f14-2b70edecfe4a in wire order. */
#define SVC_UUID_BYTES(x)                                                                          \
	0x4a, 0xfe, 0xec, 0xed, 0x70, 0x2b, 0x14, 0x8f, 0x97, 0x47, 0xf7, 0xeb, (uint8_t)(x),      \
	    (uint8_t)((x) >> 8), 0xd1, 0xab
#define U128(x)                                                                                    \
	{                                                                                          \
		16,                                                                                \
		{                                                                                  \
			SVC_UUID_BYTES(x)                                                          \
		}                                                                                  \
	}

#define CONST_VAL(...)                                                                             \
	.kind = GATT_KIND_CONST, .val = (const uint8_t[]){__VA_ARGS__},                            \
	.len = sizeof((const uint8_t[]){__VA_ARGS__})
#define CONST_STR(s) .kind = GATT_KIND_CONST, .val = (const uint8_t *)(s), .len = sizeof(s) - 1

#define LE16(v) (uint8_t)(v), (uint8_t)((v) >> 8)

/* Declarations are readable by anyone (Vol 3 Part G 3.1, 3.3.1: no security). */
#define DECL_PERM (GATT_PERM_READ | GATT_PERM_FIXED_LEN)

#define SERVICE16(h, end, uuid)                                                                    \
	{                                                                                          \
		.handle = (h), .group_end = (end), .type = U16(GATT_UUID_PRIMARY_SERVICE),         \
		.perm = DECL_PERM, CONST_VAL(LE16(uuid))                                           \
	}
#define CHAR16(h, props, uuid)                                                                     \
	{                                                                                          \
		.handle = (h), .group_end = (h), .type = U16(GATT_UUID_CHARACTERISTIC),            \
		.perm = DECL_PERM, CONST_VAL((props), LE16((h) + 1), LE16(uuid))                   \
	}
#define CHAR128(h, props, x)                                                                       \
	{                                                                                          \
		.handle = (h), .group_end = (h), .type = U16(GATT_UUID_CHARACTERISTIC),            \
		.perm = DECL_PERM, CONST_VAL((props), LE16((h) + 1), SVC_UUID_BYTES(x))            \
	}
#define CUD(h, text)                                                                               \
	{                                                                                          \
		.handle = (h), .group_end = (h), .type = U16(GATT_UUID_CUD),                       \
		.perm = GATT_PERM_READ, CONST_STR(text)                                            \
	}
#define CCC(h, k)                                                                                  \
	{                                                                                          \
		.handle = (h), .group_end = (h), .type = U16(GATT_UUID_CCCD),                      \
		.perm = GATT_PERM_READ | GATT_PERM_WRITE | GATT_PERM_FIXED_LEN, .kind = (k)        \
	}

static const struct gatt_db_attr db[] = {
    /* GAP service (Vol 3 Part C 12). */
    SERVICE16(GATT_HANDLE_GAP_SVC, GATT_HANDLE_APPEARANCE, GATT_UUID_GAP_SERVICE),
    CHAR16(GATT_HANDLE_DEVICE_NAME_DECL, GATT_PROP_READ, GATT_UUID_DEVICE_NAME),
    {.handle = GATT_HANDLE_DEVICE_NAME,
     .group_end = GATT_HANDLE_DEVICE_NAME,
     .type = U16(GATT_UUID_DEVICE_NAME),
     .perm = GATT_PERM_READ,
     .kind = GATT_KIND_DEVICE_NAME},
    CHAR16(GATT_HANDLE_APPEARANCE_DECL, GATT_PROP_READ, GATT_UUID_APPEARANCE),
    {.handle = GATT_HANDLE_APPEARANCE,
     .group_end = GATT_HANDLE_APPEARANCE,
     .type = U16(GATT_UUID_APPEARANCE),
     .perm = GATT_PERM_READ | GATT_PERM_FIXED_LEN,
     .kind = GATT_KIND_APPEARANCE},

    /* GATT service (Vol 3 Part G 7). Service Changed: Indicate only. */
    SERVICE16(GATT_HANDLE_GATT_SVC, GATT_HANDLE_SC_CCC, GATT_UUID_GATT_SERVICE),
    CHAR16(GATT_HANDLE_SC_DECL, GATT_PROP_INDICATE, GATT_UUID_SERVICE_CHANGED),
    {.handle = GATT_HANDLE_SC,
     .group_end = GATT_HANDLE_SC,
     .type = U16(GATT_UUID_SERVICE_CHANGED),
     .perm = 0,
     .kind = GATT_KIND_SC},
    CCC(GATT_HANDLE_SC_CCC, GATT_KIND_SC_CCC),

    /* svcport service (DESIGN §2.1). */
    {.handle = GATT_HANDLE_SVC,
     .group_end = GATT_HANDLE_LAST,
     .type = U16(GATT_UUID_PRIMARY_SERVICE),
     .perm = DECL_PERM,
     CONST_VAL(SVC_UUID_BYTES(SVCPORT_UUID_SERVICE))},
    CHAR128(GATT_HANDLE_RX_DECL, GATT_PROP_WRITE | GATT_PROP_WRITE_NO_RSP, SVCPORT_UUID_RX),
    {.handle = GATT_HANDLE_RX,
     .group_end = GATT_HANDLE_RX,
     .type = U128(SVCPORT_UUID_RX),
     .perm = GATT_PERM_WRITE | GATT_PERM_WRITE_CMD | GATT_PERM_SECURE,
     .kind = GATT_KIND_RX},
    CUD(GATT_HANDLE_RX_CUD, "svcport RX: phone to gateway segments"),
    CHAR128(GATT_HANDLE_TX_DECL, GATT_PROP_NOTIFY, SVCPORT_UUID_TX),
    {.handle = GATT_HANDLE_TX,
     .group_end = GATT_HANDLE_TX,
     .type = U128(SVCPORT_UUID_TX),
     .perm = GATT_PERM_SECURE,
     .kind = GATT_KIND_TX},
    {.handle = GATT_HANDLE_TX_CCC,
     .group_end = GATT_HANDLE_TX_CCC,
     .type = U16(GATT_UUID_CCCD),
     .perm = GATT_PERM_READ | GATT_PERM_WRITE | GATT_PERM_FIXED_LEN | GATT_PERM_SECURE,
     .kind = GATT_KIND_TX_CCC},
    CUD(GATT_HANDLE_TX_CUD, "svcport TX: gateway to phone segments"),
    CHAR128(GATT_HANDLE_INFO_DECL, GATT_PROP_READ, SVCPORT_UUID_INFO),
    {.handle = GATT_HANDLE_INFO,
     .group_end = GATT_HANDLE_INFO,
     .type = U128(SVCPORT_UUID_INFO),
     .perm = GATT_PERM_READ | GATT_PERM_SECURE,
     .kind = GATT_KIND_INFO},
    CUD(GATT_HANDLE_INFO_CUD, "svcport INFO: LinkInfo"),
};

_Static_assert(sizeof(db) / sizeof(db[0]) == GATT_HANDLE_LAST, "one entry per handle, no gaps");

const struct gatt_db_attr *gatt_db_get(uint16_t handle)
{
	if (handle == 0 || handle > GATT_HANDLE_LAST)
		return NULL;
	return &db[handle - 1];
}

bool gatt_db_is_group_type(const struct att_uuid *type)
{
	struct att_uuid primary, secondary;

	att_uuid_16(&primary, GATT_UUID_PRIMARY_SERVICE);
	att_uuid_16(&secondary, GATT_UUID_SECONDARY_SERVICE);
	return att_uuid_is_equal(type, &primary) || att_uuid_is_equal(type, &secondary);
}
