/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What every hwin back-end implements (hwin.h). */
#ifndef SVCPORT_HWIN_INT_H
#define SVCPORT_HWIN_INT_H

#include <limits.h>
#include <stddef.h>

#include "hwin.h"

struct hwin_backend {
	/* 1, 0, -ENODEV or -errno: see hwin_read(). */
	int (*read)(struct hwin *hw, enum hwin_input in);
	/* 1, 0, -ENODEV or -errno, and *keylock: see hwin_latch_take_keylock(). */
	int (*take_latch)(struct hwin *hw, enum hwin_input in, int *keylock);
	bool simulated;
};

struct hwin {
	const struct hwin_backend *ops;
	/* sysfs: each input's path ("" not wired); sim: the folder in path[0]. */
	char path[HWIN_INPUT_COUNT][PATH_MAX];
	/* sysfs: each input's latch ("" none); sim: unused (DIR/latch). */
	char latch[HWIN_INPUT_COUNT][PATH_MAX];
};

/* The first line of path (without its newline) into buf. 0 or -errno. */
int hwin_read_line(const char *path, char *buf, size_t cap) __attribute__((warn_unused_result));
/*
 * 1 if path is a directory (symlinks followed), 0 if absent or not one, else
 * -errno. By open(), never stat(): a 32-bit time_t stat() fails with
 * EOVERFLOW on anything the kernel stamped after 2038 (docs/arm.md).
 */
int hwin_is_dir(const char *path) __attribute__((warn_unused_result));
struct hwin *hwin_new(const struct hwin_backend *ops);

#endif
