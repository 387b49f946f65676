/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Durable file helpers of the BMC store. */
#ifndef SVCPORT_FSUTIL_H
#define SVCPORT_FSUTIL_H

#include <stddef.h>
#include <stdint.h>

/*
 * Replace dir/name by data, durably and atomically: write dir/.name.tmp (mode),
 * fsync it, rename it over dir/name, fsync dir. After a crash at any instant
 * dir/name holds the old bytes or the new ones. 0 or -errno.
 */
int fs_atomic_write(const char *dir, const char *name, const void *data, size_t len, unsigned mode)
    __attribute__((warn_unused_result));

/*
 * Read dir/name (a regular file of at most cap bytes) into buf; *ret_len is
 * set on success. -EFBIG if the file is larger than cap, else 0 or -errno.
 */
int fs_read(const char *dir, const char *name, void *buf, size_t cap, size_t *ret_len)
    __attribute__((warn_unused_result));

/* fsync the directory itself (after creating, renaming or removing entries). */
int fs_sync_dir(const char *dir) __attribute__((warn_unused_result));

/* snprintf into a path buffer; -ENAMETOOLONG when it does not fit. */
int fs_path(char *buf, size_t cap, const char *dir, const char *name)
    __attribute__((warn_unused_result));

#endif
