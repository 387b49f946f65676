/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * svcportd's log: one line per event, to stderr (default) or syslog.
 * Daemon edge only; the cores never log.
 */
#ifndef SVCPORT_GW_LOG_H
#define SVCPORT_GW_LOG_H

#include <stdbool.h>
#include <syslog.h>

/* use_syslog: openlog("svcportd") and log there; verbose: LOG_DEBUG too. */
void gw_log_setup(bool use_syslog, bool verbose);
void gw_log(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Adapter for callbacks taking (user_data, prio, line). */
void gw_log_line(void *user_data, int prio, const char *line);

#endif
