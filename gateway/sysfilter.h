/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * svcportd's system-call filter (seccomp with libseccomp), installed once
 * start-up is over: links open, privileges dropped, the log set up. What the
 * radio- and cable-facing process may still ask of the kernel is a short
 * allow-list (gateway/sysfilter.c, grouped by purpose, with argument filters
 * on socket, setsockopt, getsockopt, ioctl, fcntl and openat); anything else
 * ends the process (SCMP_ACT_KILL_PROCESS) — a compromised gateway cannot
 * open a network socket (unless a portal: link needs TCP out), execute a
 * program or ptrace. Every thread is
 * covered (TSYNC: libusb's hot-plug thread).
 *
 *   off   no filter (the sanitizer build's default: LeakSanitizer needs
 *         ptrace at exit)
 *   kill  the filter, a violation kills svcportd (the default)
 *   trap  debug: a violation is reported with the call's name on stderr, then
 *         svcportd exits with status 159 (128 + SIGSYS)
 */
#ifndef SVCPORT_GW_SECCOMP_H
#define SVCPORT_GW_SECCOMP_H

enum gw_seccomp {
	GW_SECCOMP_OFF,
	GW_SECCOMP_KILL,
	GW_SECCOMP_TRAP,
};

/* Installs the filter in mode (OFF: nothing). 0, or a negative errno after logging. */
int gw_seccomp_apply(enum gw_seccomp mode) __attribute__((warn_unused_result));

/*
 * What a link needs beyond the list (issue 16): GW_SECCOMP_TCP_OUT allows new
 * TCP sockets (AF_INET, AF_INET6; the portal: link connects out). Addresses
 * only: the gateway resolves no names, so nothing for DNS (docs/online.md).
 */
#define GW_SECCOMP_TCP_OUT 0x1u
int gw_seccomp_apply_with(enum gw_seccomp mode, unsigned extra) __attribute__((warn_unused_result));

#endif
