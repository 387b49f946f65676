/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fault injection behind common/fsio.h, for test builds only: a program that
 * lists fsio-fault.c among its own sources (CMake: links the object library
 * svcport-fsio-fault) gets these definitions instead of common/fsio.c.
 *
 * The plan comes from fsio_fault_set(), or else from the environment variable
 * SVCPORT_FSIO_FAULT (read once, at the first call): the daemons run under it
 * unchanged, with no flag of their own.
 *
 *   fail:TARGETS:ERRNO:SKIP:COUNT  the operations (write, pwrite, fsync,
 *        fdatasync, ftruncate, rename) on TARGETS pass SKIP times, then fail
 *        with ERRNO (ENOSPC or EIO) COUNT times (0: from then on)
 *   full:TARGETS                   a full disk: a write that would grow a
 *        file fails with ENOSPC; overwriting bytes in place succeeds
 *
 * TARGETS: '+'-separated state (state.pb and its temporary), audit
 * (audit.log), latch, counter (the file-backed SE's), other, or all.
 */
#ifndef SVCPORT_FSIO_FAULT_H
#define SVCPORT_FSIO_FAULT_H

#include <stdbool.h>

enum fsio_target {
	FSIO_T_STATE = 1u << 0,
	FSIO_T_AUDIT = 1u << 1,
	FSIO_T_LATCH = 1u << 2,
	FSIO_T_COUNTER = 1u << 3,
	FSIO_T_OTHER = 1u << 4,
	FSIO_T_ALL = (1u << 5) - 1,
};

enum fsio_fault_mode {
	FSIO_FAULT_OFF,
	FSIO_FAULT_FAIL,
	FSIO_FAULT_FULL,
};

struct fsio_fault {
	enum fsio_fault_mode mode;
	unsigned targets; /* enum fsio_target bits */
	int err;          /* FAIL: ENOSPC or EIO */
	unsigned skip;    /* FAIL: matching operations that pass first */
	unsigned count;   /* FAIL: how many fail after them (0: all) */
};

/* Replaces the plan and zeroes the counts. NULL: no faults. */
void fsio_fault_set(const struct fsio_fault *plan);
/* Operations seen on the plan's targets, and faults injected, since the last set. */
void fsio_fault_counts(unsigned *ret_ops, unsigned *ret_injected);
/* The plan of a spec string (see above). 0 or -EINVAL. */
int fsio_fault_parse(const char *spec, struct fsio_fault *ret_plan);
/* The spec string of plan into buf (for SVCPORT_FSIO_FAULT). */
void fsio_fault_format(const struct fsio_fault *plan, char *buf, unsigned cap);

#endif
