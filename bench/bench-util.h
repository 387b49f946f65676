/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helpers shared by the benchmarks: clocks, the machine line, the figure line, statistics and
 * what /proc says about a process (CPU time, resident memory).
 *
 * Every benchmark prints a table for people and one machine-readable line per figure:
 *   figure name=<name> value=<v> unit=<unit>
 */
#ifndef SVCPORT_BENCH_UTIL_H
#define SVCPORT_BENCH_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Monotonic seconds. */
double bench_now(void);

/* CPU time of the calling process (user + system), seconds. */
double bench_self_cpu(void);

/* "machine: nproc=2 cpu=... kernel=... build=Release" (what README.md quotes). */
void bench_print_machine(void);

/* figure name=<name> value=<v> unit=<unit>; value printed with %.*g-like precision. */
void bench_figure(const char *name, double value, const char *unit);

/* Sorts v (n values) and returns the q-quantile (0..1) by nearest rank; 0 if n == 0. */
double bench_quantile(double *v, size_t n, double q);

/*
 * CPU time pid has used, in seconds: the scheduler's nanosecond count
 * (/proc/PID/schedstat) where the kernel keeps it, else utime + stime from /proc/PID/stat
 * (clock ticks). Negative errno if pid is gone.
 */
int bench_proc_cpu(pid_t pid, double *ret_seconds) __attribute__((warn_unused_result));

/* VmHWM (peak) and VmRSS (now) of pid from /proc/PID/status, in KiB. */
int bench_proc_mem(pid_t pid, long *ret_hwm_kib, long *ret_rss_kib)
    __attribute__((warn_unused_result));

/* Resets pid's VmHWM to its current RSS (writes 5 to /proc/PID/clear_refs); false if refused. */
bool bench_proc_reset_hwm(pid_t pid);

/* The usual command line: --smoke (tiny sizes), --long (the full sizes). */
enum bench_mode {
	BENCH_DEFAULT,
	BENCH_SMOKE,
	BENCH_LONG
};
int bench_parse_mode(int argc, char **argv, const char *usage, enum bench_mode *ret)
    __attribute__((warn_unused_result));

#endif
