// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sysfilter.h: svcportd's allow-list. Grouped by purpose after chrony's
 * sys_linux.c; the *_time64 and other 32-bit names are for the armhf build
 * (libseccomp ignores the names an architecture does not have).
 */
#include "sysfilter.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define SOL_BLUETOOTH_ 274 /* <bluetooth/bluetooth.h>, not included here */
#define BT_SECURITY_   4
#define SOL_HCI_       0
#define HCI_FILTER_    2
#define USBDEVFS_TYPE  ('U' << 8) /* every USBDEVFS_* ioctl: libusb's usbfs calls */
#define IOC_TYPE_MASK  0xff00u
/* SCMP_A<n>(SCMP_CMP_EQ, value, 0): the unused second datum spelt out (clang's
 * -Wmissing-field-initializers). */

/* Calls allowed whatever their arguments. */
static const int plain[] = {
    /* memory and the process itself */
    SCMP_SYS(brk),
    SCMP_SYS(mmap),
    SCMP_SYS(mmap2),
    SCMP_SYS(munmap),
    SCMP_SYS(mremap),
    SCMP_SYS(madvise),
    SCMP_SYS(mprotect),
    SCMP_SYS(exit),
    SCMP_SYS(exit_group),
    SCMP_SYS(getpid),
    SCMP_SYS(gettid),
    SCMP_SYS(getuid),
    SCMP_SYS(geteuid),
    SCMP_SYS(getrandom),
    SCMP_SYS(restart_syscall),
    SCMP_SYS(futex),
    SCMP_SYS(futex_time64),
    SCMP_SYS(sched_yield),
    SCMP_SYS(set_robust_list),
    SCMP_SYS(rseq),
    /* signals (the loop's signal events; abort() for a failed assertion) */
    SCMP_SYS(rt_sigreturn),
    SCMP_SYS(sigreturn),
    SCMP_SYS(rt_sigprocmask),
    SCMP_SYS(rt_sigaction),
    SCMP_SYS(sigaltstack),
    /* time */
    SCMP_SYS(clock_gettime),
    SCMP_SYS(clock_gettime64),
    SCMP_SYS(gettimeofday),
    SCMP_SYS(timerfd_settime),
    SCMP_SYS(timerfd_settime64),
    SCMP_SYS(timerfd_gettime),
    SCMP_SYS(timerfd_gettime64),
    /* the event loop (libevent's epoll; poll in libbluetooth's hci_send_req and libusb) */
    SCMP_SYS(epoll_wait),
    SCMP_SYS(epoll_pwait),
    SCMP_SYS(epoll_pwait2),
    SCMP_SYS(epoll_ctl),
    SCMP_SYS(poll),
    SCMP_SYS(ppoll),
    SCMP_SYS(ppoll_time64),
    /* I/O on descriptors opened at start-up or accepted since */
    SCMP_SYS(read),
    SCMP_SYS(write),
    SCMP_SYS(readv),
    SCMP_SYS(writev),
    SCMP_SYS(close),
    SCMP_SYS(lseek),
    SCMP_SYS(_llseek),
    SCMP_SYS(ftruncate),
    SCMP_SYS(ftruncate64),
    SCMP_SYS(fstat),
    SCMP_SYS(fstat64),
    SCMP_SYS(newfstatat),
    SCMP_SYS(fstatat64),
    SCMP_SYS(statx),
    /* sockets: links, the bmcd client (reconnects), syslog (reconnects) */
    SCMP_SYS(accept),
    SCMP_SYS(accept4),
    SCMP_SYS(getpeername), /* https: an accepted connection's address (per-address caps) */
    SCMP_SYS(connect),
    SCMP_SYS(shutdown),
    SCMP_SYS(recv),
    SCMP_SYS(recvfrom),
    SCMP_SYS(recvmsg),
    SCMP_SYS(send),
    SCMP_SYS(sendto),
    SCMP_SYS(sendmsg),
};

/* fcntl commands: descriptor flags and status flags only. */
static const int fcntl_cmds[] = {F_GETFD, F_SETFD, F_GETFL, F_SETFL};

/* getsockopt/setsockopt (level, option) pairs. */
static const struct {
	int level, name;
	bool set;
} sockopts[] = {
    {SOL_SOCKET, SO_PEERCRED, false},      /* the peer of a unix connection */
    {SOL_SOCKET, SO_ERROR, false},         /* a non-blocking connect's result */
    {SOL_BLUETOOTH_, BT_SECURITY_, false}, /* ble: the link's reached level */
    {SOL_BLUETOOTH_, BT_SECURITY_, true},  /* ble: asked on the accepted socket */
    {SOL_HCI_, HCI_FILTER_, false},        /* ble: hci_send_req (advertising) */
    {SOL_HCI_, HCI_FILTER_, true},
};

static void on_sigsys(int sig, siginfo_t *si, void *uctx)
{
	/* Debug mode only: naming the call may allocate; the process ends next. */
	char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, si->si_syscall);
	char msg[160];
	int n =
	    snprintf(msg, sizeof(msg), "svcportd: seccomp: %s (system call %d) is not allowed\n",
	             name ? name : "?", si->si_syscall);
	if (n > 0 && write(2, msg, (size_t)n) < 0)
		n = 0;
	_exit(128 + SIGSYS);
}

static int trap_setup(void)
{
	struct sigaction sa = {.sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO};
	sigemptyset(&sa.sa_mask);
	return sigaction(SIGSYS, &sa, NULL) < 0 ? -errno : 0;
}

/* New TCP sockets, IPv4 and IPv6 (the portal: link; FIONREAD is in the list for all).
 * The protocol too: 0 or TCP, never another SOCK_STREAM protocol (SCTP, MPTCP). */
static int tcp_out_add(scmp_filter_ctx ctx)
{
	static const int families[] = {AF_INET, AF_INET6};
	static const int protocols[] = {0, IPPROTO_TCP};
	int r = 0;

	for (size_t i = 0; r == 0 && i < sizeof(families) / sizeof(families[0]); i++)
		for (size_t j = 0; r == 0 && j < sizeof(protocols) / sizeof(protocols[0]); j++)
			r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 3,
			                     SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)families[i], 0),
			                     SCMP_A1(SCMP_CMP_MASKED_EQ, 0xff, SOCK_STREAM),
			                     SCMP_A2(SCMP_CMP_EQ, (scmp_datum_t)protocols[j], 0));
	return r;
}

int gw_seccomp_apply(enum gw_seccomp mode)
{
	return gw_seccomp_apply_with(mode, 0);
}

int gw_seccomp_apply_with(enum gw_seccomp mode, unsigned extra)
{
	const uint32_t allow = SCMP_ACT_ALLOW;
	const pid_t self = getpid();
	scmp_filter_ctx ctx;
	int r = 0;

	if (mode == GW_SECCOMP_OFF)
		return 0;
	if (mode == GW_SECCOMP_TRAP && (r = trap_setup()) < 0)
		goto fail;
	tzset(); /* syslog's localtime_r: /etc/localtime is read now, never later */
	ctx = seccomp_init(mode == GW_SECCOMP_TRAP ? SCMP_ACT_TRAP : SCMP_ACT_KILL_PROCESS);
	if (!ctx) {
		r = -ENOMEM;
		goto fail;
	}
	/* libusb's hot-plug thread is filtered too. */
	if ((r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1)) < 0)
		goto add_failed;
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		if ((r = seccomp_rule_add(ctx, allow, plain[i], 0)) < 0)
			goto add_failed;
	/* New sockets: unix only (the bmcd client and syslog reconnect). */
	if ((r = seccomp_rule_add(ctx, allow, SCMP_SYS(socket), 1,
	                          SCMP_A0(SCMP_CMP_EQ, AF_UNIX, 0))) < 0)
		goto add_failed;
	if ((extra & GW_SECCOMP_TCP_OUT) && (r = tcp_out_add(ctx)) < 0)
		goto add_failed;
	for (size_t i = 0; i < sizeof(fcntl_cmds) / sizeof(fcntl_cmds[0]); i++)
		if ((r = seccomp_rule_add(ctx, allow, SCMP_SYS(fcntl), 1,
		                          SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)fcntl_cmds[i], 0))) <
		        0 ||
		    (r = seccomp_rule_add(ctx, allow, SCMP_SYS(fcntl64), 1,
		                          SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)fcntl_cmds[i], 0))) <
		        0)
			goto add_failed;
	for (size_t i = 0; i < sizeof(sockopts) / sizeof(sockopts[0]); i++)
		if ((r = seccomp_rule_add(
		         ctx, allow, sockopts[i].set ? SCMP_SYS(setsockopt) : SCMP_SYS(getsockopt),
		         2, SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)sockopts[i].level, 0),
		         SCMP_A2(SCMP_CMP_EQ, (scmp_datum_t)sockopts[i].name, 0))) < 0)
			goto add_failed;
	/* ioctl: flushing the tty, the usbfs requests of libusb, and FIONREAD (how much a
	 * socket holds: libevent's bufferevents under the https: link); not TIOCSTI & co. */
	if ((r = seccomp_rule_add(ctx, allow, SCMP_SYS(ioctl), 1,
	                          SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)TCFLSH, 0))) < 0 ||
	    (r = seccomp_rule_add(ctx, allow, SCMP_SYS(ioctl), 1,
	                          SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)FIONREAD, 0))) < 0 ||
	    (r = seccomp_rule_add(ctx, allow, SCMP_SYS(ioctl), 1,
	                          SCMP_A1(SCMP_CMP_MASKED_EQ, IOC_TYPE_MASK, USBDEVFS_TYPE))) < 0)
		goto add_failed;
	/* openat: the usb: device again after a hot-plug; never creating or truncating. */
	if ((r = seccomp_rule_add(ctx, allow, SCMP_SYS(openat), 1,
	                          SCMP_A2(SCMP_CMP_MASKED_EQ, O_CREAT | O_TRUNC, 0))) < 0)
		goto add_failed;
	/* Signals to itself only (abort). */
	if ((r = seccomp_rule_add(ctx, allow, SCMP_SYS(tgkill), 1,
	                          SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)self, 0))) < 0 ||
	    (r = seccomp_rule_add(ctx, allow, SCMP_SYS(kill), 1,
	                          SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)self, 0))) < 0)
		goto add_failed;
	if ((r = seccomp_load(ctx)) < 0)
		goto add_failed;
	seccomp_release(ctx);
	log_msg(LOG_INFO, "seccomp: system-call filter on (%s)",
	        mode == GW_SECCOMP_TRAP ? "trap: debug" : "kill on violation");
	return 0;

add_failed:
	seccomp_release(ctx);
fail:
	log_msg(LOG_ERR, "seccomp: cannot install the system-call filter: %s", strerror(-r));
	return r < 0 ? r : -EINVAL;
}
