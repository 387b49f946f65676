/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemons' log (svcportd, svcport-bmcd): one line per event, to stderr
 * (default) or syslog. When stderr is the journal ($JOURNAL_STREAM, under
 * systemd) each line starts with "<N>", its priority (sd-daemon(3)), instead
 * of a time and the name. Daemon edges only; the cores never log. Bounded:
 * repeated lines are rate-limited (log-limit.h) so no peer can fill a disk.
 */
#ifndef SVCPORT_LOG_H
#define SVCPORT_LOG_H

#include <stdbool.h>
#include <syslog.h>

/* ident names the daemon on every line; use_syslog: openlog(ident) and log
 * there; verbose: LOG_DEBUG too. ident must outlive the log. */
void log_setup(const char *ident, bool use_syslog, bool verbose);
void log_msg(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Adapter for callbacks taking (user_data, prio, line). */
void log_line(void *user_data, int prio, const char *line);

#endif
