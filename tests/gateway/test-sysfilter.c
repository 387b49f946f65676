// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * svcportd's system-call filter (gateway/sysfilter.c) in forked children: what the
 * gateway needs after start-up still works, and what it must never do ends the process
 * (SIGSYS), or in trap mode is named on stderr. Each child ends with _exit, so the
 * sanitizers' exit-time checks never run under the filter.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "sysfilter.h"

/* What a child tries under the filter. */
enum act {
	ACT_ALLOWED,    /* the calls svcportd makes: exits 0 */
	ACT_INET,       /* socket(AF_INET): a network socket */
	ACT_EXEC,       /* execve */
	ACT_CREATE,     /* openat with O_CREAT */
	ACT_TIOCSTI,    /* ioctl TIOCSTI: typing into a terminal */
	ACT_SETSOCKOPT, /* setsockopt(SO_RCVBUF): an option it never sets */
	ACT_KILL_OTHER, /* kill(1, 0): signals to another process */
};

static void child(enum act a, enum gw_seccomp mode)
{
	int sv[2];
	/* Made before the filter, like the links' descriptors. */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		_exit(90);
	int pty = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	void *heap = malloc(1);
	if (gw_seccomp_apply(mode) < 0)
		_exit(91);
	switch (a) {
	case ACT_ALLOWED: {
		char b = 'x';
		struct ucred cr;
		socklen_t len = sizeof(cr);
		struct timespec ts;
		int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
		if (fd < 0)
			_exit(1);
		close(fd);
		if (write(sv[0], &b, 1) != 1 || read(sv[1], &b, 1) != 1)
			_exit(2);
		if (getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0)
			_exit(3);
		struct sockaddr_storage peer;
		socklen_t plen = sizeof(peer);
		if (getpeername(sv[0], (struct sockaddr *)&peer, &plen) <
		    0) /* https: per address */
			_exit(8);
		int fl = fcntl(sv[0], F_GETFL);
		if (fl < 0 || fcntl(sv[0], F_SETFL, fl | O_NONBLOCK) < 0)
			_exit(4);
		if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
			_exit(5);
		struct pollfd p = {.fd = sv[0], .events = POLLOUT};
		if (poll(&p, 1, 0) != 1)
			_exit(6);
		if (pty >= 0 && tcflush(pty, TCIOFLUSH) < 0)
			_exit(7);
		free(heap);
		heap = malloc(1 << 20); /* mmap */
		free(heap);
		_exit(0);
	}
	case ACT_INET:
		(void)socket(AF_INET, SOCK_STREAM, 0);
		break;
	case ACT_EXEC: {
		char *const argv[] = {"true", NULL};
		execv("/bin/true", argv);
		break;
	}
	case ACT_CREATE:
		(void)openat(AT_FDCWD, "/tmp/svcport-sysfilter-must-not-exist", O_WRONLY | O_CREAT,
		             0600);
		break;
	case ACT_TIOCSTI: {
		char c = 'x';
		(void)ioctl(pty, TIOCSTI, &c);
		break;
	}
	case ACT_SETSOCKOPT: {
		int v = 4096;
		(void)setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
		break;
	}
	case ACT_KILL_OTHER:
		(void)kill(1, 0);
		break;
	}
	_exit(99); /* the call was let through */
}

/* Runs act in a child; returns its wait status. stderr of the child goes to err_fd (-1: kept). */
static int run(enum act a, enum gw_seccomp mode, int err_fd)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (err_fd >= 0)
			dup2(err_fd, 2);
		child(a, mode);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

/* With a portal: link (GW_SECCOMP_TCP_OUT): a TCP socket and FIONREAD on it, never UDP,
 * never another stream protocol (SCTP: kernel code the link never needs; attack 16o F5). */
enum tcp_try {
	TRY_TCP,
	TRY_UDP,
	TRY_SCTP,
	TRY_COUNT
};

static void child_tcp_out(enum tcp_try t)
{
	int n = 0, fd;

	if (gw_seccomp_apply_with(GW_SECCOMP_KILL, GW_SECCOMP_TCP_OUT) < 0)
		_exit(91);
	if (t == TRY_UDP) {
		(void)socket(AF_INET, SOCK_DGRAM, 0); /* DNS would need this: refused */
		_exit(99);
	}
	if (t == TRY_SCTP) {
		(void)socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);
		_exit(99);
	}
	fd = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || ioctl(fd, FIONREAD, &n) < 0)
		_exit(1);
	close(fd);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
	_exit(fd < 0 ? 2 : 0);
}

static void test_tcp_out(void **state)
{
	(void)state;
	for (int t = 0; t < TRY_COUNT; t++) {
		pid_t pid = fork();
		int status;

		assert_true(pid >= 0);
		if (pid == 0)
			child_tcp_out((enum tcp_try)t);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (t != TRY_TCP && !(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS))
			fail_msg("%s socket: status 0x%x, not killed by SIGSYS",
			         t == TRY_UDP ? "UDP" : "SCTP", status);
		if (t == TRY_TCP && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
			fail_msg("TCP socket: status 0x%x", status);
	}
}

static void test_allowed_calls_work(void **state)
{
	int status = run(ACT_ALLOWED, GW_SECCOMP_KILL, -1);
	/* Exit codes 1..7 name the call that failed; a signal, the one the filter refused. */
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("status 0x%x", status);
}

static void test_violations_kill(void **state)
{
	static const enum act acts[] = {ACT_INET,    ACT_EXEC,       ACT_CREATE,
	                                ACT_TIOCSTI, ACT_SETSOCKOPT, ACT_KILL_OTHER};
	for (size_t i = 0; i < sizeof(acts) / sizeof(acts[0]); i++) {
		int status = run(acts[i], GW_SECCOMP_KILL, -1);
		if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGSYS)
			fail_msg("act %zu: status 0x%x, not killed by SIGSYS", i, status);
	}
	assert_int_equal(access("/tmp/svcport-sysfilter-must-not-exist", F_OK), -1);
}

/* The debug mode names the call and exits 159. */
static void test_trap_names_the_call(void **state)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	int status = run(ACT_INET, GW_SECCOMP_TRAP, p[1]);
	close(p[1]);
	char text[512] = {0};
	size_t len = 0;
	ssize_t n;
	while ((n = read(p[0], text + len, sizeof(text) - 1 - len)) > 0)
		len += (size_t)n;
	close(p[0]);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 159);
	if (!strstr(text, "seccomp: socket (system call"))
		fail_msg("trap message: %s", text);
}

/* Off: nothing is filtered. */
static void test_off_filters_nothing(void **state)
{
	int status = run(ACT_SETSOCKOPT, GW_SECCOMP_OFF, -1);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 99);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_allowed_calls_work),  cmocka_unit_test(test_tcp_out),
	    cmocka_unit_test(test_violations_kill),     cmocka_unit_test(test_trap_names_the_call),
	    cmocka_unit_test(test_off_filters_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
