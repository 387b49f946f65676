// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The device endpoints' gate for strangers (docs/portal-api.md "Strangers on
 * the device endpoints", attack 16o F4): the gate's table with an explicit
 * clock. No sleeps: every time is a parameter.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "portal-gate.h"

#define ADDR  "198.51.100.7"
#define FLOOD 200

/* ------------------------------------------------------------ the table alone */

static struct {
	int n;
	struct portal_gate_summary last;
} seen;

static void seen_cb(const struct portal_gate_summary *s, void *ud)
{
	(void)ud;
	seen.n++;
	seen.last = *s;
}

static void test_gate_free_refusals_then_a_wait_then_one_summary(void **state)
{
	static struct portal_gate g;
	const int64_t t0 = 1000000;
	int64_t t;
	long last = 0;

	(void)state;
	memset(&g, 0, sizeof(g));
	for (int i = 0; i < PORTAL_GATE_FREE; i++)
		assert_int_equal(portal_gate_refused(&g, ADDR, t0), 0); /* recorded one by one */
	assert_int_equal(portal_gate_wait(&g, ADDR, t0), PORTAL_GATE_WAIT);
	assert_int_equal(portal_gate_wait(&g, "198.51.100.8", t0), 0); /* its neighbour: free */
	for (int i = 0; i < FLOOD; i++) {
		last = portal_gate_refused(&g, ADDR, t0 + i % PORTAL_GATE_WAIT);
		assert_true(last > 0); /* counted, not recorded */
	}
	assert_int_equal(last, PORTAL_GATE_WAIT - (FLOOD - 1) % PORTAL_GATE_WAIT);
	/* Nothing is summarised before the wait ends; then once, with every refusal. */
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(portal_gate_flush(&g, t0 + PORTAL_GATE_WAIT - 1, false, seen_cb, NULL), 0);
	assert_int_equal(portal_gate_flush(&g, t0 + PORTAL_GATE_WAIT, false, seen_cb, NULL), 1);
	assert_int_equal(portal_gate_flush(&g, t0 + PORTAL_GATE_WAIT, false, seen_cb, NULL), 0);
	assert_int_equal(seen.n, 1);
	assert_string_equal(seen.last.key, ADDR);
	assert_int_equal(seen.last.refused, FLOOD);
	assert_int_equal(seen.last.from, t0);
	assert_int_equal(seen.last.until, t0 + PORTAL_GATE_WAIT);
	/* The next refusals are recorded again, and the next wait is twice as long ... */
	for (int i = 0; i < PORTAL_GATE_FREE; i++)
		assert_int_equal(portal_gate_refused(&g, ADDR, t0 + PORTAL_GATE_WAIT), 0);
	assert_int_equal(portal_gate_wait(&g, ADDR, t0 + PORTAL_GATE_WAIT), 2 * PORTAL_GATE_WAIT);
	/* ... up to the cap; each wait's refusals in a summary of its own. */
	t = t0 + 3 * PORTAL_GATE_WAIT;
	for (int w = 0; w < 8; w++) {
		assert_int_equal(portal_gate_flush(&g, t, false, seen_cb, NULL), w > 0);
		for (int i = 0; i < PORTAL_GATE_FREE; i++)
			assert_int_equal(portal_gate_refused(&g, ADDR, t), 0);
		assert_true(portal_gate_wait(&g, ADDR, t) <= PORTAL_GATE_WAIT_MAX);
		t += portal_gate_wait(&g, ADDR, t);
		assert_int_equal(portal_gate_refused(&g, ADDR, t - 1), 1);
	}
	assert_int_equal(seen.last.refused, 1);
	assert_int_equal(seen.last.until - seen.last.from, PORTAL_GATE_WAIT_MAX);
	/* Quiet for PORTAL_GATE_FORGET after its wait: forgotten, the first wait again. */
	t += PORTAL_GATE_FORGET;
	assert_int_equal(portal_gate_flush(&g, t, false, seen_cb, NULL), 1);
	for (int i = 0; i < PORTAL_GATE_FREE; i++)
		assert_int_equal(portal_gate_refused(&g, ADDR, t), 0);
	assert_int_equal(portal_gate_wait(&g, ADDR, t), PORTAL_GATE_WAIT);
}

static void test_gate_keys_ipv4_and_ipv6_slash_64(void **state)
{
	static struct portal_gate g;
	char key[PORTAL_GATE_KEY_MAX];

	(void)state;
	memset(&g, 0, sizeof(g));
	portal_gate_key("2001:db8:1:2:aaaa::1", key);
	assert_string_equal(key, "2001:db8:1:2::/64");
	portal_gate_key("::ffff:192.0.2.1", key);
	assert_string_equal(key, "192.0.2.1");
	portal_gate_key("192.0.2.1", key);
	assert_string_equal(key, "192.0.2.1");
	/* A subscriber's /64 is one address: another interface id does not buy a new count. */
	for (int i = 0; i < PORTAL_GATE_FREE; i++) {
		char a[64];

		snprintf(a, sizeof(a), "2001:db8:1:2::%x", i + 1);
		assert_int_equal(portal_gate_refused(&g, a, 100), 0);
	}
	assert_int_equal(portal_gate_refused(&g, "2001:db8:1:2:ffff::9", 100), PORTAL_GATE_WAIT);
	assert_int_equal(portal_gate_wait(&g, "2001:db8:1:3::1", 100), 0); /* another /64 */
}

static void count_cb(const struct portal_gate_summary *s, void *ud)
{
	(void)s;
	(*(int *)ud)++;
}

static void test_gate_table_is_bounded(void **state)
{
	static struct portal_gate g;
	char a[64];
	int recorded = 0, n = 0;

	(void)state;
	memset(&g, 0, sizeof(g));
	/* Twice as many addresses as the table holds, each trying its free refusals. */
	for (int i = 0; i < 2 * PORTAL_GATE_ADDRS; i++) {
		snprintf(a, sizeof(a), "10.%d.%d.1", i / 256, i % 256);
		for (int k = 0; k < PORTAL_GATE_FREE + 3; k++)
			recorded += portal_gate_refused(&g, a, 500) == 0;
	}
	/* Each tracked address its free refusals; every other one shares the last entry. */
	assert_int_equal(recorded, (PORTAL_GATE_ADDRS + 1) * PORTAL_GATE_FREE);
	assert_int_equal(portal_gate_flush(&g, 500 + PORTAL_GATE_WAIT, false, count_cb, &n),
	                 PORTAL_GATE_ADDRS + 1);
	/* Entries quiet long enough are freed: a new address is tracked on its own again. */
	assert_int_equal(portal_gate_flush(&g, 500 + PORTAL_GATE_FORGET, false, count_cb, &n), 0);
	assert_int_equal(portal_gate_refused(&g, "203.0.113.1", 500 + PORTAL_GATE_FORGET), 0);
	assert_int_equal(portal_gate_wait(&g, "203.0.113.2", 500 + PORTAL_GATE_FORGET), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_gate_free_refusals_then_a_wait_then_one_summary),
	    cmocka_unit_test(test_gate_keys_ipv4_and_ipv6_slash_64),
	    cmocka_unit_test(test_gate_table_is_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
