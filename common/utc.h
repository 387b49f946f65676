/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Wall-clock time in 64 bits, whatever the platform's time_t. Debian 12's
 * armhf libraries use a 32-bit time_t (docs/arm.md): time(), gmtime_r() and
 * clock_gettime() stop at 2038-01-19T03:14:07Z there. Our times are seconds
 * or milliseconds since the Unix epoch in int64_t/uint64_t; this module turns
 * them into calendar fields and back (proleptic Gregorian calendar, UTC, no
 * leap seconds, as X.509 and POSIX count) and reads the kernel's 64-bit clock.
 */
#ifndef SVCPORT_UTC_H
#define SVCPORT_UTC_H

#include <stdint.h>

/* Calendar fields of one second (UTC). */
struct utc_tm {
	int64_t year;
	int mon; /* 1..12 */
	int day; /* 1..31 */
	int hour, min, sec;
};

/* The years X.509 can write (GeneralizedTime has four digits). */
#define UTC_YEAR_MIN 0
#define UTC_YEAR_MAX 9999

/* "YYYYMMDDhhmmss": what mbedtls_x509write_crt_set_validity() takes. */
#define UTC_X509_LEN 14

/* Days since 1970-01-01 of year-mon-day (mon 1..12; day not checked). */
int64_t utc_days_from_civil(int64_t year, int mon, int day);

/* The calendar fields of t seconds since the epoch (any int64_t t whose
 * year fits in int64_t, negative t included). */
void utc_from_seconds(int64_t t, struct utc_tm *ret);

/* Seconds since the epoch of tm. -EINVAL (and *ret untouched) unless every
 * field is in range: year UTC_YEAR_MIN..UTC_YEAR_MAX, a day that exists in
 * that month, hour 0..23, min 0..59, sec 0..59. */
int utc_to_seconds(const struct utc_tm *tm, int64_t *ret) __attribute__((warn_unused_result));

/* t as "YYYYMMDDhhmmss" plus NUL into out; -ERANGE (out untouched) if its
 * year is outside UTC_YEAR_MIN..UTC_YEAR_MAX. */
int utc_format_x509(int64_t t, char out[UTC_X509_LEN + 1]) __attribute__((warn_unused_result));

/* The kernel's CLOCK_REALTIME, through its 64-bit interface on a 32-bit
 * time_t ABI: seconds since the epoch and nanoseconds. 0 or -errno (outputs
 * untouched). */
int utc_now(int64_t *ret_sec, uint32_t *ret_nsec) __attribute__((warn_unused_result));

/* Seconds since the epoch, for tools that stamp records (the simulator's
 * portal) as time(NULL) did, without its 2038 limit; 0 if the clock cannot be
 * read. The BMC uses utc_now_ms() and fails closed instead. */
int64_t utc_now_s(void);

/* The same in milliseconds; a clock before 1970 is -ERANGE. */
int utc_now_ms(uint64_t *ret) __attribute__((warn_unused_result));

#endif
