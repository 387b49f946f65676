// SPDX-License-Identifier: GPL-2.0-or-later
/* The phone's CDC stream (unix socket, tty, inherited fd): opened here, framed by
 * libsvcport-client (COBS + CRC-32, DESIGN §2.2). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "app-link.h"

/* A CDC-ACM tty is a byte pipe: raw, no echo, no line discipline. */
static int open_tty(const char *path)
{
	struct termios t;
	int fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (tcgetattr(fd, &t) == 0) {
		cfmakeraw(&t);
		t.c_cc[VMIN] = 1;
		t.c_cc[VTIME] = 0;
		if (tcsetattr(fd, TCSANOW, &t) < 0) {
			int err = -errno;

			close(fd);
			return err;
		}
	}
	return fd;
}

/* fd:N, for harnesses that hold a pty master and hand it down. */
static int dup_inherited(const char *num)
{
	char *end = NULL;
	long n = strtol(num, &end, 10);
	int fd;

	if (end == num || *end || n < 0 || n > 65535)
		return -EINVAL;
	fd = fcntl((int)n, F_DUPFD_CLOEXEC, 3);
	return fd < 0 ? -errno : fd;
}

int app_link_cdc_open(struct app_link *l, const char *kind, const char *path)
{
	int fd;

	if (strcmp(kind, "fd") == 0)
		fd = dup_inherited(path);
	else
		fd = strcmp(kind, "unix") == 0 ? app_link_unix_connect(path, SOCK_STREAM)
		                               : open_tty(path);
	if (fd < 0)
		return fd;
	l->fd = fd;
	l->info.kind = kind;
	return 0;
}
