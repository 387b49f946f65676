// SPDX-License-Identifier: GPL-2.0-or-later
/* notify.h: sd_notify(3) in one datagram, after systemd's
 * man/notify-selfcontained-example.c. */
#include "notify.h"

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define NOTIFY_MSG_MAX 512

/* Fills sa from $NOTIFY_SOCKET; returns the exact address length, 0 when
 * unset, or -errno. */
static int notify_address(struct sockaddr_un *sa, socklen_t *ret_len)
{
	const char *path = getenv("NOTIFY_SOCKET");
	size_t len;

	if (!path || !*path)
		return 0;
	len = strlen(path);
	if (path[0] != '/' && path[0] != '@')
		return -EAFNOSUPPORT; /* AF_UNIX only; systemd also knows vsock: not ours */
	if (len < 2 || len >= sizeof(sa->sun_path))
		return -EINVAL;
	*sa = (struct sockaddr_un){.sun_family = AF_UNIX};
	memcpy(sa->sun_path, path, len);
	if (path[0] == '@') {
		/* Abstract: a leading NUL, the name's bytes, nothing after. */
		sa->sun_path[0] = '\0';
		*ret_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
	} else {
		*ret_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + 1);
	}
	return 1;
}

int notify_send(const char *msg)
{
	struct sockaddr_un sa;
	socklen_t sa_len = 0;
	size_t len = strlen(msg);
	int fd, r;

	r = notify_address(&sa, &sa_len);
	if (r <= 0)
		return r;
	if (len == 0)
		return -EINVAL;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	r = 1;
	if (sendto(fd, msg, len, MSG_NOSIGNAL, (struct sockaddr *)&sa, sa_len) != (ssize_t)len)
		r = -errno;
	close(fd);
	return r;
}

/* head, then "STATUS=" and status on one line (newlines become spaces). */
static int notify_with_status(const char *head, const char *status)
{
	char msg[NOTIFY_MSG_MAX];
	int n = snprintf(msg, sizeof(msg), "%s%sSTATUS=", head, *head ? "\n" : "");

	if (n < 0 || (size_t)n >= sizeof(msg))
		return -EINVAL;
	for (size_t i = (size_t)n; *status && i + 1 < sizeof(msg); status++, i++) {
		msg[i] = *status == '\n' ? ' ' : *status;
		msg[i + 1] = '\0';
	}
	return notify_send(msg);
}

int notify_ready(const char *status)
{
	return status ? notify_with_status("READY=1", status) : notify_send("READY=1");
}

int notify_status(const char *status)
{
	return notify_with_status("", status);
}

int notify_reloading(void)
{
	char msg[64];
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		return -errno;
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%" PRIu64,
	         (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u);
	return notify_send(msg);
}

int notify_stopping(void)
{
	return notify_send("STOPPING=1");
}
