// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * common/manual-code: the key derivation and the response against values computed
 * independently (Python's hmac, recorded below), the code lengths the docs promise, every
 * bound field changing the response, mistyped groups named, and the expiry's wrap.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hex.h"
#include "manual-code.h"
#include "shortcode.h"

#define ACTIVATE 2 /* svcport_v1_Action_ACTION_ACTIVATE */

static const struct manual_challenge chal = {.nonce = {1, 2, 3, 4, 5}, .expiry = 0x12345};
static const struct manual_binding bind = {
    .action = ACTIVATE, .owner_org = "org-a", .machine_type = "7D1A", .serial_number = "J900ABCD"};

static const uint8_t board_hash[MANUAL_BOARD_HASH_LEN] = {
    0xb0, 0xb0, 0xb0, 0xb0, 0xb0, 0xb0, 0xb0, 0xb0, 0xb0, 0xb0, 0xb0, 0xb0, 0xb0, 0xb0, 0xb0, 0xb0,
    0xb0, 0xb0, 0xb0, 0xb0, 0xb0, 0xb0, 0xb0, 0xb0, 0xb0, 0xb0, 0xb0, 0xb0, 0xb0, 0xb0, 0xb0, 0xb0};

static void key_of(uint8_t key[MANUAL_KEY_LEN])
{
	uint8_t master[32];

	for (size_t i = 0; i < sizeof(master); i++)
		master[i] = (uint8_t)i;
	assert_int_equal(
	    manual_key_derive(master, sizeof(master), "7D1A", "J900ABCD", board_hash, key), 0);
}

/* python3: hmac.new(bytes(range(32)), b"svcport manual-key v2" + b"\x047D1A" +
 * b"\x08J900ABCD" + b"\xb0" * 32, sha256); then the response message of manual-code.h. */
static void test_vectors(void **state)
{
	(void)state;
	uint8_t key[MANUAL_KEY_LEN], want[32], bits[7];
	char text[MANUAL_TEXT_MAX], expect[MANUAL_TEXT_MAX];

	key_of(key);
	assert_int_equal(
	    hex_decode("786cf821936d622809e84242ec1ffff96391a213d441df417740f62e9b91dfdf", want, 32,
	               0),
	    0);
	assert_memory_equal(key, want, 32);
	/* Bound to the board: another device key, another K_dev (attack16a H1). */
	uint8_t other[MANUAL_BOARD_HASH_LEN], master[32] = {0}, k2[MANUAL_KEY_LEN];
	memcpy(other, board_hash, sizeof(other));
	other[31] ^= 1;
	for (size_t i = 0; i < sizeof(master); i++)
		master[i] = (uint8_t)i;
	assert_int_equal(manual_key_derive(master, sizeof(master), "7D1A", "J900ABCD", other, k2),
	                 0);
	assert_memory_not_equal(k2, key, MANUAL_KEY_LEN);
	assert_int_equal(hex_decode("1caae1941903c0", bits, 7, 0), 0); /* 50 bits of 1caa..03 */
	assert_int_equal(shortcode_encode(bits, 50, 5, expect, sizeof(expect)), 0);
	assert_int_equal(manual_response_make(key, &bind, &chal, text, sizeof(text)), 0);
	assert_string_equal(text, expect);
	assert_int_equal(manual_response_read(text, bits, NULL), 0);
	assert_int_equal(manual_response_check(key, &bind, &chal, bits), 0);
}

/* 15 and 12 characters without separators: under IBM ACF's 30 and our 32. */
static void test_lengths(void **state)
{
	(void)state;
	uint8_t key[MANUAL_KEY_LEN];
	char c[MANUAL_TEXT_MAX], r[MANUAL_TEXT_MAX], rc[MANUAL_TEXT_MAX];
	struct manual_challenge back;

	key_of(key);
	assert_int_equal(manual_challenge_encode(&chal, c, sizeof(c)), 0);
	assert_int_equal(strlen(c), 15 + 2);
	assert_int_equal(manual_challenge_decode(c, &back, NULL), 0);
	assert_memory_equal(back.nonce, chal.nonce, MANUAL_NONCE_LEN);
	assert_int_equal(back.expiry, chal.expiry);
	assert_int_equal(manual_response_make(key, &bind, &chal, r, sizeof(r)), 0);
	assert_int_equal(strlen(r), 12 + 1);
	assert_int_equal(manual_receipt_make(key, &bind, &chal, rc, sizeof(rc)), 0);
	assert_int_equal(strlen(rc), 10 + 1);
	assert_int_equal(manual_receipt_check(key, &bind, &chal, rc, NULL), 0);
	/* Too small a buffer, an expiry of more than 20 bits. */
	assert_int_equal(manual_challenge_encode(&chal, c, 10), -ENOSPC);
	back.expiry = 1u << 20;
	assert_int_equal(manual_challenge_encode(&back, c, sizeof(c)), -EINVAL);
}

/* Each bound field, changed, makes the response another: -EACCES. */
static void test_binding(void **state)
{
	(void)state;
	uint8_t key[MANUAL_KEY_LEN], bits[7];
	char r[MANUAL_TEXT_MAX], rc[MANUAL_TEXT_MAX];
	struct manual_binding b;
	struct manual_challenge c;

	key_of(key);
	assert_int_equal(manual_response_make(key, &bind, &chal, r, sizeof(r)), 0);
	assert_int_equal(manual_response_read(r, bits, NULL), 0);
	b = bind, b.action = 1;
	assert_int_equal(manual_response_check(key, &b, &chal, bits), -EACCES);
	b = bind, b.owner_org = "org-b";
	assert_int_equal(manual_response_check(key, &b, &chal, bits), -EACCES);
	b = bind, b.machine_type = "7D1B";
	assert_int_equal(manual_response_check(key, &b, &chal, bits), -EACCES);
	b = bind, b.serial_number = "J900ABCE";
	assert_int_equal(manual_response_check(key, &b, &chal, bits), -EACCES);
	c = chal, c.nonce[4] ^= 1;
	assert_int_equal(manual_response_check(key, &bind, &c, bits), -EACCES);
	c = chal, c.expiry ^= 1;
	assert_int_equal(manual_response_check(key, &bind, &c, bits), -EACCES);
	key[0] ^= 1;
	assert_int_equal(manual_response_check(key, &bind, &chal, bits), -EACCES);
	key[0] ^= 1;
	/* A long identity is refused, not cut. */
	char longid[300];
	memset(longid, 'A', sizeof(longid) - 1);
	longid[299] = 0;
	b = bind, b.serial_number = longid;
	assert_int_equal(manual_response_check(key, &b, &chal, bits), -EINVAL);
	/* The receipt is not the response and names the device. */
	assert_int_equal(manual_receipt_make(key, &bind, &chal, rc, sizeof(rc)), 0);
	b = bind, b.serial_number = "J900ABCE";
	assert_int_equal(manual_receipt_check(key, &b, &chal, rc, NULL), -EACCES);
}

/* One wrong character: its group is named; the value never comes back. */
static void test_mistyped(void **state)
{
	(void)state;
	uint8_t key[MANUAL_KEY_LEN], bits[7];
	char r[MANUAL_TEXT_MAX], c[MANUAL_TEXT_MAX];
	struct manual_challenge back;
	size_t group = 0;

	key_of(key);
	assert_int_equal(manual_response_make(key, &bind, &chal, r, sizeof(r)), 0);
	r[8] = r[8] == 'X' ? 'Y' : 'X'; /* second group */
	assert_int_equal(manual_response_read(r, bits, &group), -EBADMSG);
	assert_int_equal(group, 2);
	assert_int_equal(manual_challenge_encode(&chal, c, sizeof(c)), 0);
	c[1] = c[1] == '7' ? '8' : '7';
	assert_int_equal(manual_challenge_decode(c, &back, &group), -EBADMSG);
	assert_int_equal(group, 1);
	assert_int_equal(manual_response_read("ABC", bits, &group), -EINVAL);
}

/* The 20-bit expiry names the minute nearest now, on either side of a wrap. */
static void test_expiry(void **state)
{
	(void)state;
	const int64_t span = 1 << 20, base = 30000000; /* minutes: the year 2027 */
	const int64_t wrap = (base / span + 1) * span;

	assert_int_equal(manual_expiry_minute(manual_expiry_of(base + 15), base), base + 15);
	assert_int_equal(manual_expiry_minute(manual_expiry_of(base - 20), base), base - 20);
	assert_int_equal(manual_expiry_minute(manual_expiry_of(wrap + 3), wrap - 5), wrap + 3);
	assert_int_equal(manual_expiry_minute(manual_expiry_of(wrap - 3), wrap + 5), wrap - 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_vectors), cmocka_unit_test(test_lengths),
	    cmocka_unit_test(test_binding), cmocka_unit_test(test_mistyped),
	    cmocka_unit_test(test_expiry),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
