// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The daemons' log budget (common/log-limit.h): a flood of one kind of line is cut to
 * LOG_LIMIT_PER_SHAPE per window and counted, other kinds still get through, the total
 * is bounded, and the next window reports what was suppressed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "log-limit.h"

/* n lines "session I ble-sim:/x: open (pid 7I)" at now. */
static unsigned take_n(struct log_limit *l, unsigned n, uint64_t now)
{
	unsigned written = 0, suppressed;
	char line[128];
	for (unsigned i = 0; i < n; i++) {
		snprintf(line, sizeof(line), "session %u ble-sim:/x: open (pid %u)", i, i * 7);
		written += log_limit_take(l, line, now, &suppressed);
	}
	return written;
}

/* One kind of line (numbers differ) in a flood: 10 per window, the rest counted. */
static void test_one_shape_flood(void **state)
{
	struct log_limit l = {0};
	unsigned suppressed;
	assert_int_equal(take_n(&l, 10000, 5), LOG_LIMIT_PER_SHAPE);
	/* Another kind of line is still written. */
	assert_true(log_limit_take(&l, "session 3 tty:/dev/ttyGS0: id 1: Ping", 6, &suppressed));
	assert_int_equal(suppressed, 0);
	/* The next window: the count of the last one, and lines again. */
	assert_true(log_limit_take(&l, "session 1 ble-sim:/x: open (pid 2)",
	                           5 + LOG_LIMIT_WINDOW_MS, &suppressed));
	assert_int_equal(suppressed, 10000 - LOG_LIMIT_PER_SHAPE);
	assert_true(log_limit_take(&l, "x", 6 + LOG_LIMIT_WINDOW_MS, &suppressed));
	assert_int_equal(suppressed, 0);
}

/* Many kinds (a random address per line defeats the shapes): the total still holds. */
static void test_total_bounded(void **state)
{
	struct log_limit l = {0};
	unsigned written = 0, suppressed;
	char line[64];
	for (unsigned i = 0; i < 5000; i++) {
		snprintf(line, sizeof(line), "link ble:hci0: %c%c:%c connected", 'A' + i % 26,
		         'a' + i / 26 % 26, 'A' + i / 676 % 26);
		written += log_limit_take(&l, line, 1000 + i / 10, &suppressed);
	}
	assert_int_equal(written, LOG_LIMIT_TOTAL);
	/* 5000 lines over 500 ms of one window, then a quiet window: the report. */
	assert_true(log_limit_take(&l, "quiet", 1000 + LOG_LIMIT_WINDOW_MS, &suppressed));
	assert_int_equal(suppressed, 5000 - LOG_LIMIT_TOTAL);
}

/* A steady, normal rate is never cut. */
static void test_normal_rate_untouched(void **state)
{
	struct log_limit l = {0};
	unsigned suppressed;
	char line[64];
	for (unsigned i = 0; i < 1000; i++) {
		snprintf(line, sizeof(line), "session %u: id %u relayed", i, i);
		assert_true(log_limit_take(&l, line, (uint64_t)i * 1000u, &suppressed));
		assert_int_equal(suppressed, 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_one_shape_flood),
	    cmocka_unit_test(test_total_bounded),
	    cmocka_unit_test(test_normal_rate_untouched),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
