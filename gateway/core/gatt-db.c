// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The constant attribute table of svcportd (DESIGN §2.1): GAP, the svcport service and
 * GATT, in handle order, and its Database Hash (Vol 3 Part G 7.3).
 */
#include "gatt-db.h"

#include <errno.h>

#include <mbedtls/cipher.h>
#include <mbedtls/cmac.h>
#include <mbedtls/platform_util.h>

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

    /* svcport service (DESIGN §2.1). */
    {.handle = GATT_HANDLE_SVC,
     .group_end = GATT_HANDLE_SVC_END,
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

    /* GATT service (Vol 3 Part G 7). Service Changed: Indicate only. Client Supported
     * Features and Database Hash: Robust Caching (Part G 2.5.2.1). */
    SERVICE16(GATT_HANDLE_GATT_SVC, GATT_HANDLE_LAST, GATT_UUID_GATT_SERVICE),
    CHAR16(GATT_HANDLE_SC_DECL, GATT_PROP_INDICATE, GATT_UUID_SERVICE_CHANGED),
    {.handle = GATT_HANDLE_SC,
     .group_end = GATT_HANDLE_SC,
     .type = U16(GATT_UUID_SERVICE_CHANGED),
     .perm = 0,
     .kind = GATT_KIND_SC},
    CCC(GATT_HANDLE_SC_CCC, GATT_KIND_SC_CCC),
    CHAR16(GATT_HANDLE_CSF_DECL, GATT_PROP_READ | GATT_PROP_WRITE, GATT_UUID_CLIENT_FEATURES),
    {.handle = GATT_HANDLE_CSF,
     .group_end = GATT_HANDLE_CSF,
     .type = U16(GATT_UUID_CLIENT_FEATURES),
     .perm = GATT_PERM_READ | GATT_PERM_WRITE,
     .kind = GATT_KIND_CSF},
    CHAR16(GATT_HANDLE_DB_HASH_DECL, GATT_PROP_READ, GATT_UUID_DB_HASH),
    {.handle = GATT_HANDLE_DB_HASH,
     .group_end = GATT_HANDLE_DB_HASH,
     .type = U16(GATT_UUID_DB_HASH),
     .perm = GATT_PERM_READ | GATT_PERM_FIXED_LEN,
     .kind = GATT_KIND_DB_HASH},
};

#define DB_LEN (sizeof(db) / sizeof(db[0]))
_Static_assert(DB_LEN == GATT_HANDLE_LAST - 4, "one entry per handle but the 4 unused ones");

/* The table is in ascending handle order: a binary search finds the first at or after h. */
static size_t index_at_or_after(uint16_t h)
{
	size_t lo = 0, hi = DB_LEN;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (db[mid].handle < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct gatt_db_attr *gatt_db_get(uint16_t handle)
{
	size_t i = index_at_or_after(handle);

	return i < DB_LEN && db[i].handle == handle ? &db[i] : NULL;
}

const struct gatt_db_attr *gatt_db_first(uint16_t start, uint16_t end)
{
	size_t i = index_at_or_after(start);

	return i < DB_LEN && db[i].handle <= end ? &db[i] : NULL;
}

const struct gatt_db_attr *gatt_db_next(const struct gatt_db_attr *a, uint16_t end)
{
	size_t i = (size_t)(a - db) + 1;

	return i < DB_LEN && db[i].handle <= end ? &db[i] : NULL;
}

bool gatt_db_is_group_type(const struct att_uuid *type)
{
	struct att_uuid primary, secondary;

	att_uuid_16(&primary, GATT_UUID_PRIMARY_SERVICE);
	att_uuid_16(&secondary, GATT_UUID_SECONDARY_SERVICE);
	return att_uuid_is_equal(type, &primary) || att_uuid_is_equal(type, &secondary);
}

/* What of an attribute goes into the hash (Part G 7.3.1): 2 = handle, type and value,
 * 1 = handle and type, 0 = nothing (characteristic values and other types). */
static int hash_part(const struct gatt_db_attr *a)
{
	if (a->type.len != 2)
		return 0;
	switch (att_get_le16(a->type.b)) {
	case GATT_UUID_PRIMARY_SERVICE:
	case GATT_UUID_SECONDARY_SERVICE:
	case GATT_UUID_INCLUDE:
	case GATT_UUID_CHARACTERISTIC:
	case GATT_UUID_CEP:
		return 2;
	case GATT_UUID_CUD:
	case GATT_UUID_CCCD:
	case GATT_UUID_SCCD:
	case GATT_UUID_CPF:
	case GATT_UUID_CAF:
		return 1;
	default:
		return 0;
	}
}

int gatt_db_hash_attrs(const struct gatt_db_attr *attrs, size_t n,
                       uint8_t ret_hash[GATT_DB_HASH_LEN])
{
	static const uint8_t zero_key[16];
	mbedtls_cipher_context_t ctx;
	uint8_t mac[GATT_DB_HASH_LEN];
	int err = -EIO;

	mbedtls_cipher_init(&ctx);
	if (mbedtls_cipher_setup(&ctx, mbedtls_cipher_info_from_type(MBEDTLS_CIPHER_AES_128_ECB)) ||
	    mbedtls_cipher_cmac_starts(&ctx, zero_key, 128))
		goto out;
	for (size_t i = 0; i < n; i++) {
		const struct gatt_db_attr *a = &attrs[i];
		int part = hash_part(a);
		uint8_t head[4];

		if (!part)
			continue;
		att_put_le16(head, a->handle);
		memcpy(head + 2, a->type.b, 2);
		if (mbedtls_cipher_cmac_update(&ctx, head, sizeof(head)) ||
		    (part == 2 && a->len && mbedtls_cipher_cmac_update(&ctx, a->val, a->len)))
			goto out;
	}
	if (mbedtls_cipher_cmac_finish(&ctx, mac))
		goto out;
	/* AES-CMAC gives the most significant octet first; the value goes least first. */
	for (size_t i = 0; i < GATT_DB_HASH_LEN; i++)
		ret_hash[i] = mac[GATT_DB_HASH_LEN - 1 - i];
	err = 0;
out:
	mbedtls_cipher_free(&ctx);
	mbedtls_platform_zeroize(mac, sizeof(mac));
	return err;
}

int gatt_db_hash(uint8_t ret_hash[GATT_DB_HASH_LEN])
{
	return gatt_db_hash_attrs(db, DB_LEN, ret_hash);
}
