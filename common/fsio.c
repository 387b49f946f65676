// SPDX-License-Identifier: GPL-2.0-or-later
/* The real system calls behind fsio.h. */
#include "fsio.h"

#include <stdio.h>
#include <unistd.h>

ssize_t fsio_write(int fd, const void *buf, size_t len)
{
	return write(fd, buf, len);
}

ssize_t fsio_pwrite(int fd, const void *buf, size_t len, off_t off)
{
	return pwrite(fd, buf, len, off);
}

int fsio_fsync(int fd)
{
	return fsync(fd);
}

int fsio_fdatasync(int fd)
{
	return fdatasync(fd);
}

int fsio_ftruncate(int fd, off_t len)
{
	return ftruncate(fd, len);
}

int fsio_rename(const char *from, const char *to)
{
	return rename(from, to);
}
