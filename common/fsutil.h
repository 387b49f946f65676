/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Durable file helpers of the BMC store. */
#ifndef SVCPORT_FSUTIL_H
#define SVCPORT_FSUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Replace dir/name by data, durably and atomically: write dir/.name.tmp (mode
 * exactly, whatever the umask), fsync it, rename it over dir/name, fsync dir.
 * After a crash at any instant
 * dir/name holds the old bytes or the new ones. 0 or -errno.
 */
int fs_atomic_write(const char *dir, const char *name, const void *data, size_t len, unsigned mode)
    __attribute__((warn_unused_result));
/*
 * fs_atomic_write(), and *ret_renamed says whether the rename was done: a
 * failure after it (the directory's fsync) leaves dir/name holding the new
 * bytes now, and the old or the new ones after a crash.
 */
int fs_atomic_replace(const char *dir, const char *name, const void *data, size_t len,
                      unsigned mode, bool *ret_renamed) __attribute__((warn_unused_result));

/*
 * Read dir/name (a regular file of at most cap bytes) into buf; *ret_len is
 * set on success. -EFBIG if the file is larger than cap, else 0 or -errno.
 */
int fs_read(const char *dir, const char *name, void *buf, size_t cap, size_t *ret_len)
    __attribute__((warn_unused_result));

/* The type and size of a file. */
struct fs_stat {
	unsigned mode; /* st_mode: S_ISREG(), S_ISSOCK()... */
	uint64_t size;
};

/*
 * The file fd is open on (fs_stat_fd) or at path, a symlink not followed
 * (fs_stat_path), through statx(): its timestamps are 64-bit, where fstat()
 * and lstat() fail with EOVERFLOW for any file changed after 2038 on a 32-bit
 * time_t ABI (Debian armhf, docs/arm.md). 0 or -errno (*ret untouched).
 */
int fs_stat_fd(int fd, struct fs_stat *ret) __attribute__((warn_unused_result));
int fs_stat_path(const char *path, struct fs_stat *ret) __attribute__((warn_unused_result));

/* fsync the directory itself (after creating, renaming or removing entries). */
int fs_sync_dir(const char *dir) __attribute__((warn_unused_result));

/* snprintf into a path buffer; -ENAMETOOLONG when it does not fit. */
int fs_path(char *buf, size_t cap, const char *dir, const char *name)
    __attribute__((warn_unused_result));

#endif
