// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * common/utc.h: 64-bit calendar arithmetic, checked against fixed vectors
 * around the 32-bit limits, against a day-by-day calendar walk over a
 * thousand years, and (where time_t is 64-bit) against gmtime_r; the
 * refusals of out-of-range fields; the 64-bit clock against clock_gettime().
 * Runs on the armhf build too, where time_t is 32-bit (docs/arm.md).
 */
#include <errno.h>
#include <stdbool.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "utc.h"

struct vec {
	int64_t t;
	struct utc_tm tm;
	const char *x509;
};

static const struct vec vecs[] = {
    {0, {1970, 1, 1, 0, 0, 0}, "19700101000000"},
    {951782400, {2000, 2, 29, 0, 0, 0}, "20000229000000"},
    {2147483647, {2038, 1, 19, 3, 14, 7}, "20380119031407"}, /* last 32-bit second */
    {2147483648, {2038, 1, 19, 3, 14, 8}, "20380119031408"},
    {2208988800, {2040, 1, 1, 0, 0, 0}, "20400101000000"},
    {2524608000, {2050, 1, 1, 0, 0, 0}, "20500101000000"}, /* GeneralizedTime from here */
    {4107456000, {2100, 2, 28, 0, 0, 0}, "21000228000000"},
    {4107542400, {2100, 3, 1, 0, 0, 0}, "21000301000000"},   /* 2100 has no Feb 29 */
    {4294967295, {2106, 2, 7, 6, 28, 15}, "21060207062815"}, /* last unsigned 32-bit */
    {253402300799, {9999, 12, 31, 23, 59, 59}, "99991231235959"},
    {-1, {1969, 12, 31, 23, 59, 59}, "19691231235959"},
    {-2208988800, {1900, 1, 1, 0, 0, 0}, "19000101000000"},
    {-62167219200, {0, 1, 1, 0, 0, 0}, "00000101000000"},
};

static void assert_tm_equal(const struct utc_tm *a, const struct utc_tm *b)
{
	assert_int_equal(a->year, b->year);
	assert_int_equal(a->mon, b->mon);
	assert_int_equal(a->day, b->day);
	assert_int_equal(a->hour, b->hour);
	assert_int_equal(a->min, b->min);
	assert_int_equal(a->sec, b->sec);
}

static void vectors_both_ways(void **state)
{
	for (size_t i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
		struct utc_tm tm;
		char s[UTC_X509_LEN + 1];
		int64_t t = 0;

		utc_from_seconds(vecs[i].t, &tm);
		assert_tm_equal(&tm, &vecs[i].tm);
		assert_int_equal(utc_to_seconds(&vecs[i].tm, &t), 0);
		assert_int_equal(t, vecs[i].t);
		assert_int_equal(utc_format_x509(vecs[i].t, s), 0);
		assert_string_equal(s, vecs[i].x509);
	}
}

static int month_days(int64_t y, int m)
{
	static const int d[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	const int leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);

	return m == 2 ? 28 + leap : d[m - 1];
}

static bool is_tm_equal(const struct utc_tm *a, const struct utc_tm *b)
{
	return a->year == b->year && a->mon == b->mon && a->day == b->day && a->hour == b->hour &&
	       a->min == b->min && a->sec == b->sec;
}

/* Every day of years 1600..2599 (three non-leap centuries, two leap ones, the
 * 32-bit limits), counted one by one, both ways. cmocka only on a mismatch:
 * 64-bit division is a libgcc call on ARM, slow under qemu. */
static void calendar_walk(void **state)
{
	struct utc_tm want = {1600, 1, 1, 12, 0, 0};
	int64_t day = utc_days_from_civil(1600, 1, 1);

	assert_int_equal(day, -135140);
	for (;;) {
		struct utc_tm got;
		int64_t t = day * 86400 + 12 * 3600, back = 0;

		utc_from_seconds(t, &got);
		if (!is_tm_equal(&got, &want) ||
		    utc_days_from_civil(want.year, want.mon, want.day) != day ||
		    utc_to_seconds(&want, &back) != 0 || back != t)
			fail_msg("day %lld: %04lld-%02d-%02d", (long long)day, (long long)want.year,
			         want.mon, want.day);
		if (want.year == 2599 && want.mon == 12 && want.day == 31)
			break;
		day++;
		if (++want.day > month_days(want.year, want.mon)) {
			want.day = 1;
			if (++want.mon > 12) {
				want.mon = 1;
				want.year++;
			}
		}
	}
	assert_int_equal(day, 230102);
}

/* Where the platform's gmtime_r is 64-bit, it agrees second by second. */
static void agrees_with_gmtime(void **state)
{
	uint64_t x = 0x9e3779b97f4a7c15u;

	if (sizeof(time_t) < 8)
		skip(); /* armhf: gmtime_r stops at 2038, which is the point */
	for (int i = 0; i < 200000; i++) {
		struct utc_tm got;
		struct tm tm;
		time_t t;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		t = (time_t)(x % 316224000000u) - 62167219200; /* years 0..~10000 */
		utc_from_seconds((int64_t)t, &got);
		assert_non_null(gmtime_r(&t, &tm));
		assert_int_equal(got.year, (int64_t)tm.tm_year + 1900);
		assert_int_equal(got.mon, tm.tm_mon + 1);
		assert_int_equal(got.day, tm.tm_mday);
		assert_int_equal(got.hour, tm.tm_hour);
		assert_int_equal(got.min, tm.tm_min);
		assert_int_equal(got.sec, tm.tm_sec);
	}
}

static void refuses_fields_out_of_range(void **state)
{
	static const struct utc_tm bad[] = {
	    {2100, 2, 29, 0, 0, 0}, {2039, 2, 29, 0, 0, 0}, {2039, 4, 31, 0, 0, 0},
	    {2039, 0, 1, 0, 0, 0},  {2039, 13, 1, 0, 0, 0}, {2039, 1, 0, 0, 0, 0},
	    {2039, 1, 1, 24, 0, 0}, {2039, 1, 1, 0, 60, 0}, {2039, 1, 1, 0, 0, 60},
	    {2039, 1, 1, -1, 0, 0}, {10000, 1, 1, 0, 0, 0}, {-1, 12, 31, 0, 0, 0},
	};
	const struct utc_tm leap = {2400, 2, 29, 23, 59, 59};
	int64_t t = 42;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(utc_to_seconds(&bad[i], &t), -EINVAL);
		assert_int_equal(t, 42);
	}
	assert_int_equal(utc_to_seconds(&leap, &t), 0);
	assert_int_equal(t, 13574649599);
}

static void format_refuses_years_x509_cannot_write(void **state)
{
	char s[UTC_X509_LEN + 1] = "untouched";

	assert_int_equal(utc_format_x509(253402300800, s), -ERANGE); /* 10000-01-01 */
	assert_int_equal(utc_format_x509(-62167219201, s), -ERANGE); /* -0001-12-31 */
	assert_int_equal(utc_format_x509(INT64_MAX, s), -ERANGE);
	assert_int_equal(utc_format_x509(INT64_MIN, s), -ERANGE);
	assert_string_equal(s, "untouched");
}

/* The 64-bit clock reads what clock_gettime() reads while it can; where it
 * cannot (a 32-bit time_t past 2038), the 64-bit clock is past 2038. */
static void clock_matches_the_platform(void **state)
{
	struct timespec before, after;
	uint64_t ms = 0;
	int64_t s = 0;
	uint32_t ns = 1u << 31;

	if (clock_gettime(CLOCK_REALTIME, &before) < 0) {
		assert_int_equal(errno, EOVERFLOW);
		assert_int_equal(utc_now(&s, &ns), 0);
		assert_true(s > INT32_MAX);
		return;
	}
	assert_int_equal(utc_now(&s, &ns), 0);
	assert_int_equal(utc_now_ms(&ms), 0);
	assert_int_equal(clock_gettime(CLOCK_REALTIME, &after), 0);
	assert_true(s >= (int64_t)before.tv_sec && s <= (int64_t)after.tv_sec);
	assert_true(ns < 1000000000u);
	assert_true(ms / 1000 >= (uint64_t)before.tv_sec && ms / 1000 <= (uint64_t)after.tv_sec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(vectors_both_ways),
	    cmocka_unit_test(calendar_walk),
	    cmocka_unit_test(agrees_with_gmtime),
	    cmocka_unit_test(refuses_fields_out_of_range),
	    cmocka_unit_test(format_refuses_years_x509_cannot_write),
	    cmocka_unit_test(clock_matches_the_platform),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
