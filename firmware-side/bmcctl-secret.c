// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * svcport-bmcctl's secrets (bmcctl.h): a password from a file or from stdin
 * (asked without echo on a terminal), never from the command line, where
 * every user sees it in /proc/PID/cmdline (attack pass on issue 13, L4).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <mbedtls/platform_util.h>

#include "bmcctl.h"

/* The options that name a secret's file, anywhere after the command's words. */
static const struct {
	const char *name;
	size_t off;
} file_opts[] = {
    {"--new-password-file", offsetof(struct ctl, new_password_file)},
    {"--uefi-password-file", offsetof(struct ctl, uefi_password_file)},
};

int ctl_take_secret_files(struct ctl *c, int *argc, char **argv)
{
	int n = 0;

	for (int i = 0; i < *argc; i++) {
		size_t k = 0;

		while (k < sizeof(file_opts) / sizeof(file_opts[0]) &&
		       strcmp(argv[i], file_opts[k].name) != 0)
			k++;
		if (k == sizeof(file_opts) / sizeof(file_opts[0])) {
			argv[n++] = argv[i];
			continue;
		}
		if (i + 1 >= *argc)
			return ctl_die("%s needs a FILE (or - for stdin)", file_opts[k].name);
		*(const char **)((char *)c + file_opts[k].off) = argv[++i];
	}
	*argc = n;
	argv[n] = NULL;
	return 0;
}

/* One line of fd into dst; the newline (and a CR before it) dropped. 0, or -EFBIG/-errno. */
static int read_line(int fd, char *dst, size_t cap)
{
	size_t len = 0;

	while (len + 1 < cap) {
		ssize_t r = read(fd, dst + len, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0 || dst[len] == '\n')
			break;
		len++;
	}
	if (len + 1 == cap)
		return -EFBIG;
	dst[len] = 0;
	if (len && dst[len - 1] == '\r')
		dst[len - 1] = 0;
	return 0;
}

/* From stdin: on a terminal asked for on stderr, with echo off. */
static int read_stdin(const char *what, char *dst, size_t cap)
{
	struct termios old, quiet;
	bool tty = tcgetattr(STDIN_FILENO, &old) == 0;
	int ret;

	if (tty) {
		fprintf(stderr, "%s: ", what);
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) != 0)
			return -errno;
	}
	ret = read_line(STDIN_FILENO, dst, cap);
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	return ret;
}

int ctl_read_secret(const char *file, const char *what, char *dst, size_t cap)
{
	int fd, ret;

	if (strcmp(file, "-") == 0) {
		ret = read_stdin(what, dst, cap);
	} else {
		fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (fd < 0)
			return ctl_die("%s: %s: %s", what, file, strerror(errno));
		ret = read_line(fd, dst, cap);
		close(fd);
	}
	if (ret == 0 && dst[0] == 0)
		ret = -ENODATA;
	if (ret < 0) {
		mbedtls_platform_zeroize(dst, cap);
		return ctl_die("%s: %s: %s", what, file,
		               ret == -EFBIG     ? "too long"
		               : ret == -ENODATA ? "empty"
		                                 : strerror(-ret));
	}
	return 0;
}

int ctl_secret(const char *file, const char *arg, const char *env, const char *what, char *dst,
               size_t cap)
{
	if (file)
		return ctl_read_secret(file, what, dst, cap);
	return ctl_copy_str(dst, cap, arg ? arg : getenv(env), what);
}
