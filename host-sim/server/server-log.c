// SPDX-License-Identifier: GPL-2.0-or-later
/* Waiting for a daemon's log line (server.h): inotify on the log file, never a sleep. */
#include "server.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

long server_log_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (long)st.st_size : 0;
}

/* needle in path past from: the offset after its line, or -1. */
static long log_find(const char *path, long from, const char *needle)
{
	FILE *f = fopen(path, "re");
	char line[1024];
	long at = -1;

	if (!f)
		return -1;
	if (fseek(f, from, SEEK_SET) == 0)
		while (at < 0 && fgets(line, sizeof(line), f))
			if (strstr(line, needle))
				at = ftell(f);
	fclose(f);
	return at;
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

int server_log_wait(const char *path, long from, const char *needle, int timeout_ms, long *ret_at)
{
	int fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	struct timespec t0;
	char ev[4096];
	long at = -1;

	if (fd < 0)
		return -errno;
	if (inotify_add_watch(fd, path, IN_MODIFY) < 0) {
		close(fd);
		return -errno;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* The watch is in place before the file is read: no line falls between. */
	while ((at = log_find(path, from, needle)) < 0) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		long left = timeout_ms - ms_since(&t0);

		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			break;
		while (read(fd, ev, sizeof(ev)) > 0)
			;
	}
	close(fd);
	if (at < 0)
		return -ETIMEDOUT;
	if (ret_at)
		*ret_at = at;
	return 0;
}
