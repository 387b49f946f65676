// SPDX-License-Identifier: GPL-2.0-or-later
#include "utc.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/time_types.h>

/*
 * Calendar arithmetic on 400-year eras of 146097 days, counted from March so
 * that the leap day ends the year (the civil-from-days/days-from-civil method
 * of H. Hinnant, "chrono-Compatible Low-Level Date Algorithms").
 */
#define DAYS_PER_ERA  146097
#define EPOCH_SHIFT   719468 /* days from 0000-03-01 to 1970-01-01 */
#define SECONDS_A_DAY 86400

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

int64_t utc_days_from_civil(int64_t year, int mon, int day)
{
	const int64_t y = year - (mon <= 2);
	const int64_t era = floor_div(y, 400);
	const int64_t yoe = y - era * 400;                                           /* 0..399 */
	const int64_t doy = (153 * (mon > 2 ? mon - 3 : mon + 9) + 2) / 5 + day - 1; /* 0..365 */
	const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;                   /* 0..146096 */

	return era * DAYS_PER_ERA + doe - EPOCH_SHIFT;
}

static void civil_from_days(int64_t days, struct utc_tm *tm)
{
	const int64_t z = days + EPOCH_SHIFT;
	const int64_t era = floor_div(z, DAYS_PER_ERA);
	const int64_t doe = z - era * DAYS_PER_ERA;                                /* 0..146096 */
	const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* 0..399 */
	const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* 0..365 */
	const int64_t mp = (5 * doy + 2) / 153; /* 0..11, March first */

	tm->day = (int)(doy - (153 * mp + 2) / 5 + 1);
	tm->mon = (int)(mp < 10 ? mp + 3 : mp - 9);
	tm->year = yoe + era * 400 + (tm->mon <= 2);
}

void utc_from_seconds(int64_t t, struct utc_tm *ret)
{
	const int64_t days = floor_div(t, SECONDS_A_DAY);
	const int64_t sod = t - days * SECONDS_A_DAY; /* 0..86399 */

	civil_from_days(days, ret);
	ret->hour = (int)(sod / 3600);
	ret->min = (int)(sod / 60 % 60);
	ret->sec = (int)(sod % 60);
}

static bool is_leap(int64_t y)
{
	return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

static int days_in_month(int64_t y, int mon)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return mon == 2 && is_leap(y) ? 29 : days[mon - 1];
}

int utc_to_seconds(const struct utc_tm *tm, int64_t *ret)
{
	if (tm->year < UTC_YEAR_MIN || tm->year > UTC_YEAR_MAX || tm->mon < 1 || tm->mon > 12 ||
	    tm->day < 1 || tm->day > days_in_month(tm->year, tm->mon) || tm->hour < 0 ||
	    tm->hour > 23 || tm->min < 0 || tm->min > 59 || tm->sec < 0 || tm->sec > 59)
		return -EINVAL;
	*ret = utc_days_from_civil(tm->year, tm->mon, tm->day) * SECONDS_A_DAY + tm->hour * 3600 +
	       tm->min * 60 + tm->sec;
	return 0;
}

int utc_format_x509(int64_t t, char out[UTC_X509_LEN + 1])
{
	char buf[UTC_X509_LEN + 1];
	struct utc_tm tm;

	/* Bound t first so that the year arithmetic cannot overflow. */
	if (t < -62167219200 /* 0000-01-01 */ || t > 253402300799 /* 9999-12-31T23:59:59 */)
		return -ERANGE;
	utc_from_seconds(t, &tm);
	if (snprintf(buf, sizeof(buf), "%04d%02d%02d%02d%02d%02d", (int)tm.year, tm.mon, tm.day,
	             tm.hour, tm.min, tm.sec) != UTC_X509_LEN)
		return -ERANGE;
	for (int i = 0; i <= UTC_X509_LEN; i++)
		out[i] = buf[i];
	return 0;
}

/*
 * A 32-bit time_t ABI (Debian armhf) has clock_gettime64, the kernel's 64-bit
 * call since Linux 5.1: glibc's clock_gettime() would fail with EOVERFLOW
 * past 2038. An older kernel answers ENOSYS: its 32-bit call then serves
 * until 2038. A 64-bit ABI has a 64-bit time_t and no clock_gettime64.
 */
#if defined(SYS_clock_gettime64)
static int realtime_read(int64_t *sec, uint32_t *nsec)
{
	struct __kernel_timespec ts;
	struct timespec old;

	if (syscall(SYS_clock_gettime64, CLOCK_REALTIME, &ts) == 0) {
		*sec = ts.tv_sec;
		*nsec = (uint32_t)ts.tv_nsec;
		return 0;
	}
	if (errno != ENOSYS || clock_gettime(CLOCK_REALTIME, &old) < 0)
		return -errno;
	*sec = old.tv_sec;
	*nsec = (uint32_t)old.tv_nsec;
	return 0;
}
#else
_Static_assert(sizeof(time_t) == 8, "a 32-bit time_t ABI without clock_gettime64");

static int realtime_read(int64_t *sec, uint32_t *nsec)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) < 0)
		return -errno;
	*sec = ts.tv_sec;
	*nsec = (uint32_t)ts.tv_nsec;
	return 0;
}
#endif

int utc_now(int64_t *ret_sec, uint32_t *ret_nsec)
{
	int64_t sec = 0;
	uint32_t nsec = 0;
	int ret = realtime_read(&sec, &nsec);

	if (ret < 0)
		return ret;
	*ret_sec = sec;
	*ret_nsec = nsec;
	return 0;
}

int64_t utc_now_s(void)
{
	int64_t sec = 0;
	uint32_t nsec = 0;

	return utc_now(&sec, &nsec) < 0 ? 0 : sec;
}

int utc_now_ms(uint64_t *ret)
{
	int64_t sec = 0;
	uint32_t nsec = 0;
	int err = utc_now(&sec, &nsec);

	if (err < 0)
		return err;
	if (sec < 0)
		return -ERANGE;
	*ret = (uint64_t)sec * 1000u + nsec / 1000000u;
	return 0;
}
