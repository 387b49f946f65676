// SPDX-License-Identifier: GPL-2.0-or-later
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

static bool to_syslog;
static bool debug;

void gw_log_setup(bool use_syslog, bool verbose)
{
	to_syslog = use_syslog;
	debug = verbose;
	if (to_syslog)
		openlog("svcportd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void gw_log_line(void *user_data, int prio, const char *line)
{
	if (prio == LOG_DEBUG && !debug)
		return;
	if (to_syslog) {
		syslog(prio, "%s", line);
		return;
	}
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	fprintf(stderr, "%02d:%02d:%02d.%03ld svcportd: %s\n", tm.tm_hour, tm.tm_min, tm.tm_sec,
	        ts.tv_nsec / 1000000, line);
}

void gw_log(int prio, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	gw_log_line(NULL, prio, line);
}
