// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Robust Caching in the ATT server (Bluetooth Core Vol 3 Part G 2.5.2.1, 7.2, 7.3) as byte
 * scripts, each named after the rule it checks, plus the Database Hash of Part G
 * Appendix B. Handles are those of docs/gatt.md: 0c RX, 10 TX CCCD, 13 INFO, 15 GATT svc,
 * 17 Service Changed, 18 its CCCD, 1a Client Supported Features, 1c Database Hash.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "att-script.h"
#include "gatt-db.h"

#define INFO10 0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9

/*
 * The hash of docs/gatt.md's table, least significant octet first: AES-CMAC (zero key)
 * of the 166 octets 01 00 00 28 00 18 | 02 00 03 28 02 03 00 00 2a | 04 00 03 28 02 05 00
 * 01 2a | 0a 00 00 28 <svc 0001> | 0b 00 03 28 0c 0c 00 <svc 0002> | 0d 00 01 29 | 0e 00
 * 03 28 10 0f 00 <svc 0003> | 10 00 02 29 | 11 00 01 29 | 12 00 03 28 02 13 00 <svc 0004>
 * | 14 00 01 29 | 15 00 00 28 01 18 | 16 00 03 28 20 17 00 05 2a | 18 00 02 29 | 19 00 03
 * 28 0a 1a 00 29 2b | 1b 00 03 28 02 1c 00 2a 2b, computed outside this tree (Python's
 * cryptography CMAC) from the table as documented, not from gatt-db.c.
 */
#define DB_HASH                                                                                    \
	0x56, 0x1b, 0x6c, 0xb6, 0x90, 0x81, 0xe9, 0xa3, 0x72, 0xc4, 0xdf, 0x3a, 0xe7, 0xe6, 0x96,  \
	    0x62

/* ---------------------------------------------------------------- daemon actions */

/* The daemon's database changed: the client becomes change-unaware. Indications are not
 * enabled in these scripts unless said, hence -EPERM. */
static int act_db_changed(struct script_ctx *ctx)
{
	return att_server_indicate_service_changed(ctx->srv, 0x000a, 0x0014);
}

static int act_is_aware(struct script_ctx *ctx)
{
	return att_server_is_change_aware(ctx->srv);
}

static int act_notify_abc(struct script_ctx *ctx)
{
	return att_server_notify_tx(ctx->srv, (const uint8_t *)"abc", 3);
}

/* ---------------------------------------------------------------- Database Hash */

/* Part G 7.3: read with Read Using Characteristic UUID over the whole range (what a
 * returning client does), or by handle; fixed length, not writable. */
static const struct step hash_read_steps[] = {
    C(0x08, 0x01, 0x00, 0xff, 0xff, 0x2a, 0x2b),
    S(0x09, 0x12, 0x1c, 0x00, DB_HASH),
    C(0x0a, 0x1c, 0x00),
    S(0x0b, DB_HASH),
    C(0x0c, 0x1c, 0x00, 0x00, 0x00),
    S(0x01, 0x0c, 0x1c, 0x00, 0x0b),
    C(0x12, 0x1c, 0x00, 0x00),
    S(0x01, 0x12, 0x1c, 0x00, 0x03),
    C(0x52, 0x1c, 0x00, 0x00),
    C(0x0a, 0x1c, 0x00),
    S(0x0b, DB_HASH),
};
static const struct script hash_read = {STEPS(hash_read_steps)};

/* ---------------------------------------------------------------- Client Supported Features */

/* Part G 7.2: per connection, default 0; a client never clears a bit it has set (Value Not
 * Allowed); bits of features this server does not take are not kept. */
static const struct step csf_steps[] = {
    C(0x0a, 0x1a, 0x00),
    S(0x0b, 0x00),
    C(0x12, 0x1a, 0x00),
    S(0x01, 0x12, 0x1a, 0x00, 0x0d),
    C(0x12, 0x1a, 0x00, 0x07, 0xff),
    S(0x13),
    C(0x0a, 0x1a, 0x00),
    S(0x0b, 0x01),
    C(0x12, 0x1a, 0x00, 0x00),
    S(0x01, 0x12, 0x1a, 0x00, 0x13),
    C(0x12, 0x1a, 0x00, 0x01),
    S(0x13),
    /* Write Command is not among its properties: ignored. */
    C(0x52, 0x1a, 0x00, 0x00),
    /* A long write is checked the same way at Execute: all or nothing. */
    C(0x16, 0x1a, 0x00, 0x00, 0x00, 0x00),
    S(0x17, 0x1a, 0x00, 0x00, 0x00, 0x00),
    C(0x18, 0x01),
    S(0x01, 0x18, 0x1a, 0x00, 0x13),
    C(0x16, 0x1a, 0x00, 0x00, 0x00, 0x03),
    S(0x17, 0x1a, 0x00, 0x00, 0x00, 0x03),
    C(0x18, 0x01),
    S(0x19),
    C(0x0a, 0x1a, 0x00),
    S(0x0b, 0x01),
};
static const struct script csf = {STEPS(csf_steps)};

/* ---------------------------------------------------------------- change-aware rules */

/* 2.5.2.1: a change-unaware Robust Caching client that requests an operation at a handle
 * is answered Database Out Of Sync, once; its next request is served, and it is
 * change-aware again. */
static const struct step out_of_sync_once_steps[] = {
    C(0x12, 0x1a, 0x00, 0x01),
    S(0x13),
    ACT(act_is_aware, 1),
    ACT(act_db_changed, -EPERM),
    ACT(act_is_aware, 0),
    C(0x0a, 0x13, 0x00),
    S(0x01, 0x0a, 0x13, 0x00, 0x12),
    ACT(act_is_aware, 0),
    C(0x0a, 0x13, 0x00),
    S(0x0b, INFO10),
    ACT(act_is_aware, 1),
};
static const struct script out_of_sync_once = {STEPS(out_of_sync_once_steps)};

/* 2.5.2.1: every kind of request at a handle gets the error: Read Blob, Write, Prepare
 * Write; and "sent again" when the database changes again before the client catches up. */
static const struct step out_of_sync_again_steps[] = {
    C(0x12, 0x1a, 0x00, 0x01),
    S(0x13),
    ACT(act_db_changed, -EPERM),
    C(0x0c, 0x13, 0x00, 0x00, 0x00),
    S(0x01, 0x0c, 0x13, 0x00, 0x12),
    ACT(act_db_changed, -EPERM),
    C(0x12, 0x0c, 0x00, 0x01),
    S(0x01, 0x12, 0x0c, 0x00, 0x12),
    ACT(act_db_changed, -EPERM),
    C(0x16, 0x0c, 0x00, 0x00, 0x00, 0x01),
    S(0x01, 0x16, 0x0c, 0x00, 0x12),
    /* Caught up: the write reaches RX now. */
    C(0x12, 0x0c, 0x00, 0x02),
    RX(0x02),
    S(0x13),
};
static const struct script out_of_sync_again = {STEPS(out_of_sync_again_steps)};

/* 2.5.2.1: Read By Type is answered Database Out Of Sync unless its type is «Include» or
 * «Characteristic» or its range is 0x0001-0xFFFF; reading the hash, then any other
 * request, makes the client change-aware (the other request is served). */
static const struct step read_by_type_steps[] = {
    C(0x12, 0x1a, 0x00, 0x01),
    S(0x13),
    ACT(act_db_changed, -EPERM),
    C(0x08, 0x0a, 0x00, 0x14, 0x00, 0x03, 0x28),
    S(0x09, 0x15, 0x0b, 0x00, 0x0c, 0x0c, 0x00, UUID_SVC(0x02)),
    C(0x08, 0x01, 0x00, 0xff, 0xff, 0x00, 0x2a),
    S(0x09, 0x0e, 0x03, 0x00, 's', 'v', 'c', 'p', 'o', 'r', 't', '-', 't', 'e', 's', 't'),
    /* Discovery requests do not end the state: still change-unaware. */
    C(0x04, 0x15, 0x00, 0x16, 0x00),
    S(0x05, 0x01, 0x15, 0x00, 0x00, 0x28, 0x16, 0x00, 0x03, 0x28),
    C(0x10, 0x01, 0x00, 0xff, 0xff, 0x00, 0x28),
    S(0x11, 0x06, 0x01, 0x00, 0x05, 0x00, 0x00, 0x18),
    ACT(act_is_aware, 0),
    C(0x08, 0x15, 0x00, 0x1c, 0x00, 0x2a, 0x2b),
    S(0x01, 0x08, 0x15, 0x00, 0x12),
    ACT(act_db_changed, -EPERM),
    C(0x08, 0x01, 0x00, 0xff, 0xff, 0x2a, 0x2b),
    S(0x09, 0x12, 0x1c, 0x00, DB_HASH),
    ACT(act_is_aware, 0),
    C(0x02, 0x17, 0x00),
    S(0x03, 0x05, 0x02),
    ACT(act_is_aware, 1),
    C(0x0a, 0x13, 0x00),
    S(0x0b, INFO10),
};
static const struct script read_by_type = {STEPS(read_by_type_steps)};

/* 2.5.2.1: a change-unaware client's commands are ignored and no notification reaches it
 * until it is change-aware. */
static const struct step held_back_steps[] = {
    C(0x12, 0x10, 0x00, 0x01, 0x00),
    S(0x13),
    C(0x12, 0x1a, 0x00, 0x01),
    S(0x13),
    ACT(act_db_changed, -EPERM),
    C(0x52, 0x0c, 0x00, 0x01),
    ACT(act_notify_abc, -EAGAIN),
    C(0x08, 0x01, 0x00, 0xff, 0xff, 0x2a, 0x2b),
    S(0x09, 0x12, 0x1c, 0x00, DB_HASH),
    ACT(act_notify_abc, -EAGAIN),
    C(0x0a, 0x1a, 0x00),
    S(0x0b, 0x01),
    ACT(act_notify_abc, 0),
    S(0x1b, 0x0f, 0x00, 'a', 'b', 'c'),
    C(0x52, 0x0c, 0x00, 0x02),
    RX(0x02),
};
static const struct script held_back = {STEPS(held_back_steps)};

/* 2.5.2.1: on one bearer, confirming the Service Changed indication makes the client
 * change-aware. */
static const struct step sc_confirm_steps[] = {
    C(0x12, 0x18, 0x00, 0x02, 0x00),
    S(0x13),
    C(0x12, 0x1a, 0x00, 0x01),
    S(0x13),
    ACT(act_db_changed, 0),
    S(0x1d, 0x17, 0x00, 0x0a, 0x00, 0x14, 0x00),
    ACT(act_is_aware, 0),
    C(0x1e),
    ACT(act_is_aware, 1),
    C(0x0a, 0x13, 0x00),
    S(0x0b, INFO10),
};
static const struct script sc_confirm = {STEPS(sc_confirm_steps)};

/* Writes queued before the change name old handles: Execute Write is answered Database
 * Out Of Sync and the queue is dropped, not kept for later. */
static const struct step exec_write_steps[] = {
    C(0x12, 0x1a, 0x00, 0x01),
    S(0x13),
    C(0x16, 0x0c, 0x00, 0x00, 0x00, 0x07),
    S(0x17, 0x0c, 0x00, 0x00, 0x00, 0x07),
    ACT(act_db_changed, -EPERM),
    C(0x18, 0x01),
    S(0x01, 0x18, 0x0c, 0x00, 0x12),
    C(0x18, 0x01),
    S(0x19),
};
static const struct script exec_write = {STEPS(exec_write_steps)};

/* A client that did not enable Robust Caching is served as before while change-unaware
 * (it learns of changes from Service Changed), and catches up by reading the hash. */
static const struct step not_robust_steps[] = {
    C(0x12, 0x10, 0x00, 0x01, 0x00),
    S(0x13),
    ACT(act_db_changed, -EPERM),
    ACT(act_is_aware, 0),
    C(0x0a, 0x13, 0x00),
    S(0x0b, INFO10),
    C(0x52, 0x0c, 0x00, 0x01),
    RX(0x01),
    ACT(act_notify_abc, 0),
    S(0x1b, 0x0f, 0x00, 'a', 'b', 'c'),
    C(0x0a, 0x1c, 0x00),
    S(0x0b, DB_HASH),
    C(0x0a, 0x1a, 0x00),
    S(0x0b, 0x00),
    ACT(act_is_aware, 1),
};
static const struct script not_robust = {STEPS(not_robust_steps)};

/* ---------------------------------------------------------------- Appendix B */

#define A16(h, t, ...)                                                                             \
	{                                                                                          \
		.handle = (h), .type = {2, {(uint8_t)(t), (uint8_t)((t) >> 8)}},                   \
		.val = (const uint8_t[]){__VA_ARGS__},                                             \
		.len = sizeof((const uint8_t[]){__VA_ARGS__})                                      \
	}
#define D16(h, t)                                                                                  \
	{                                                                                          \
		.handle = (h), .type = { 2, {(uint8_t)(t), (uint8_t)((t) >> 8)} }                  \
	}

/* Part G Appendix B: its example database hashes to F1CA2D48 ECF58BAC 8A8830BB B9FBA990
 * (printed most significant octet first); Android's own test checks the same. Values of
 * characteristics (and the descriptors' values) must not count, so they are given. */
static void appendix_b(void **state)
{
	const struct gatt_db_attr example[] = {
	    A16(0x0001, 0x2800, 0x00, 0x18),
	    A16(0x0002, 0x2803, 0x0a, 0x03, 0x00, 0x00, 0x2a),
	    A16(0x0003, 0x2a00, 'n', 'a', 'm', 'e'),
	    A16(0x0004, 0x2803, 0x02, 0x05, 0x00, 0x01, 0x2a),
	    A16(0x0005, 0x2a01, 0x00, 0x00),
	    A16(0x0006, 0x2800, 0x01, 0x18),
	    A16(0x0007, 0x2803, 0x20, 0x08, 0x00, 0x05, 0x2a),
	    D16(0x0008, 0x2a05),
	    A16(0x0009, 0x2902, 0x02, 0x00),
	    A16(0x000a, 0x2803, 0x0a, 0x0b, 0x00, 0x29, 0x2b),
	    A16(0x000b, 0x2b29, 0x01),
	    A16(0x000c, 0x2803, 0x02, 0x0d, 0x00, 0x2a, 0x2b),
	    D16(0x000d, 0x2b2a),
	    A16(0x000e, 0x2800, 0x08, 0x18),
	    A16(0x000f, 0x2802, 0x14, 0x00, 0x16, 0x00, 0x0f, 0x18),
	    A16(0x0010, 0x2803, 0xa2, 0x11, 0x00, 0x18, 0x2a),
	    A16(0x0011, 0x2a18, 0x55),
	    A16(0x0012, 0x2902, 0x02, 0x00),
	    A16(0x0013, 0x2900, 0x00, 0x00),
	    A16(0x0014, 0x2801, 0x0f, 0x18),
	    A16(0x0015, 0x2803, 0x02, 0x16, 0x00, 0x19, 0x2a),
	    A16(0x0016, 0x2a19, 0x64),
	};
	static const uint8_t want[GATT_DB_HASH_LEN] = {0x90, 0xa9, 0xfb, 0xb9, 0xbb, 0x30,
	                                               0x88, 0x8a, 0xac, 0x8b, 0xf5, 0xec,
	                                               0x48, 0x2d, 0xca, 0xf1};
	static const uint8_t ours[GATT_DB_HASH_LEN] = {DB_HASH};
	uint8_t got[GATT_DB_HASH_LEN];

	(void)state;
	assert_int_equal(gatt_db_hash_attrs(example, sizeof(example) / sizeof(example[0]), got), 0);
	assert_memory_equal(got, want, sizeof(want));
	assert_int_equal(gatt_db_hash(got), 0);
	assert_memory_equal(got, ours, sizeof(ours));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(appendix_b),
	    SCRIPT_TEST("/GATT/SR/GAS/BV-02-C database hash read", hash_read),
	    SCRIPT_TEST("/Core/G/7.2 client supported features", csf),
	    SCRIPT_TEST("/Core/G/2.5.2.1 out of sync once, then change-aware", out_of_sync_once),
	    SCRIPT_TEST("/Core/G/2.5.2.1 out of sync again after another change",
	                out_of_sync_again),
	    SCRIPT_TEST("/Core/G/2.5.2.1 read by type while change-unaware", read_by_type),
	    SCRIPT_TEST("/Core/G/2.5.2.1 commands and notifications held back", held_back),
	    SCRIPT_TEST("/Core/G/2.5.2.1 service changed confirmed", sc_confirm),
	    SCRIPT_TEST("/Core/G/2.5.2.1 queued writes of the old database", exec_write),
	    SCRIPT_TEST("/Core/G/2.5.2.1 client without robust caching", not_robust),
	    SCRIPT_TEST_SOCKETPAIR("/Core/G/2.5.2.1 out of sync once, then change-aware",
	                           out_of_sync_once),
	    SCRIPT_TEST_SOCKETPAIR("/Core/G/2.5.2.1 commands and notifications held back",
	                           held_back),
	};

	return cmocka_run_group_tests_name("att-cache", tests, NULL, NULL);
}
