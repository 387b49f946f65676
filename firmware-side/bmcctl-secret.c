// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * svcport-bmcctl's secrets (bmcctl.h): a password from a file or from stdin
 * (asked without echo on a terminal), never from the command line, where
 * every user sees it in /proc/PID/cmdline (attack pass on issue 13, L4).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

#define LINE_MAX_READ 258 /* the longest secret field (129) and room to tell "too long" */

/*
 * One line of fd into dst: at most cap - 1 bytes, as on the command line
 * (re-attack on issue 13, G: a 64-character password with its newline was "too
 * long" from a file); the newline and a CR before it dropped. 0, or -EFBIG,
 * -EILSEQ (a NUL byte: strlen would have cut the password short) or -errno.
 */
static int read_line(int fd, char *dst, size_t cap)
{
	char buf[LINE_MAX_READ];
	size_t len = 0;
	int ret = 0;

	while (len < sizeof(buf)) {
		ssize_t r = read(fd, buf + len, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ret = -errno;
			break;
		}
		if (r == 0 || buf[len] == '\n')
			break;
		len++;
	}
	if (ret == 0 && len == sizeof(buf))
		ret = -EFBIG;
	if (ret == 0 && len && buf[len - 1] == '\r')
		len--;
	if (ret == 0 && memchr(buf, 0, len))
		ret = -EILSEQ;
	if (ret == 0 && len >= cap)
		ret = -EFBIG;
	if (ret == 0) {
		memcpy(dst, buf, len);
		dst[len] = 0;
	}
	mbedtls_platform_zeroize(buf, sizeof(buf));
	return ret;
}

/* The terminal as it was while echo is off; a signal puts it back first. */
static struct termios tty_saved;

static void tty_restore_and_die(int sig)
{
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &tty_saved);
	signal(sig, SIG_DFL);
	raise(sig);
}

static const int tty_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP};

/* Installs (on) or removes the handlers that restore echo (Ctrl-C while asked). */
static void tty_guard(bool on, struct sigaction *old)
{
	struct sigaction sa = {.sa_handler = tty_restore_and_die};

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(tty_signals) / sizeof(tty_signals[0]); i++)
		sigaction(tty_signals[i], on ? &sa : &old[i], on ? &old[i] : NULL);
}

/* From stdin: on a terminal asked for on stderr, with echo off (back on a signal too). */
static int read_stdin(const char *what, char *dst, size_t cap)
{
	struct sigaction old[sizeof(tty_signals) / sizeof(tty_signals[0])];
	struct termios quiet;
	bool tty = tcgetattr(STDIN_FILENO, &tty_saved) == 0;
	int ret;

	if (tty) {
		tty_guard(true, old);
		quiet = tty_saved;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) != 0) {
			ret = -errno;
			tty_guard(false, old);
			return ret;
		}
		/* Asked once echo is off: what is typed after the prompt is never shown. */
		fprintf(stderr, "%s: ", what);
		fflush(stderr);
	}
	ret = read_line(STDIN_FILENO, dst, cap);
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &tty_saved);
		tty_guard(false, old);
		fputc('\n', stderr);
	}
	return ret;
}

/* A secret's file others may read is said (not refused: the secret is read already). */
static void warn_if_open_to_others(int fd, const char *file)
{
	struct stat sb;

	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && (sb.st_mode & 044))
		fprintf(stderr,
		        "svcport-bmcctl: warning: %s is readable by %s (mode %04o): chmod 600 it\n",
		        file, sb.st_mode & 04 ? "everyone" : "its group",
		        (unsigned)(sb.st_mode & 07777));
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
		warn_if_open_to_others(fd, file);
		ret = read_line(fd, dst, cap);
		close(fd);
	}
	if (ret == 0 && dst[0] == 0)
		ret = -ENODATA;
	if (ret < 0) {
		mbedtls_platform_zeroize(dst, cap);
		return ctl_die("%s: %s: %s", what, file,
		               ret == -EFBIG
		                   ? "too long (at most as many characters as an argument)"
		               : ret == -ENODATA ? "empty"
		               : ret == -EILSEQ  ? "contains a NUL byte"
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
