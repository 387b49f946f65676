/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The systemd notification protocol (sd_notify(3)) without libsystemd, so a
 * BMC image needs no extra library: one datagram to $NOTIFY_SOCKET, a path
 * ("/run/systemd/notify") or an abstract name ("@name"), sent with the
 * address's exact length (an abstract name has no terminating NUL: padding
 * the length would name another socket).
 *
 * Best effort (OpenSSH openbsd-compat/port-linux.c): without $NOTIFY_SOCKET
 * nothing is sent and 0 is returned; a failure is returned for the caller to
 * log and is never a reason to stop. Library code: nothing here logs.
 *
 * status strings end up on one "STATUS=" line: a newline in them is sent as
 * a space, so a message can never add a notification of its own.
 */
#ifndef SVCPORT_NOTIFY_H
#define SVCPORT_NOTIFY_H

/* Sends msg (newline-separated KEY=VALUE lines) as is. 1 sent, 0 no socket, -errno. */
int notify_send(const char *msg);

/* "READY=1" and, when status is not NULL, "STATUS=status". */
int notify_ready(const char *status);

/* "RELOADING=1" with "MONOTONIC_USEC=" (what Type=notify-reload expects too). */
int notify_reloading(void);

/* "STATUS=status" alone. */
int notify_status(const char *status);

/* "STOPPING=1". */
int notify_stopping(void);

#endif
