/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The system calls that write the BMC's durable files (fsutil, the audit log,
 * the file-backed secure element), behind one seam. Each behaves exactly as
 * the call it names: -1 with errno on failure.
 *
 * fsio.c passes them to the kernel. Test builds choose at link time: a
 * program that lists tests/fault/fsio-fault.c among its own sources gets that
 * file's definitions instead (the archive's fsio.o is then never pulled in),
 * which inject ENOSPC and EIO into chosen files. No #ifdef, no daemon flag.
 */
#ifndef SVCPORT_FSIO_H
#define SVCPORT_FSIO_H

#include <stddef.h>
#include <sys/types.h>

ssize_t fsio_write(int fd, const void *buf, size_t len);
ssize_t fsio_pwrite(int fd, const void *buf, size_t len, off_t off);
int fsio_fsync(int fd);
int fsio_fdatasync(int fd);
int fsio_ftruncate(int fd, off_t len);
int fsio_rename(const char *from, const char *to);

#endif
