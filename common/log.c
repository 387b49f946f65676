// SPDX-License-Identifier: GPL-2.0-or-later
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "log-limit.h"

static const char *name = "svcport";
static bool to_syslog;
static bool debug;

void log_setup(const char *ident, bool use_syslog, bool verbose)
{
	name = ident;
	to_syslog = use_syslog;
	debug = verbose;
	if (to_syslog)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

static void write_line(int prio, const char *line)
{
	if (to_syslog) {
		syslog(prio, "%s", line);
		return;
	}
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	fprintf(stderr, "%02d:%02d:%02d.%03ld %s: %s\n", tm.tm_hour, tm.tm_min, tm.tm_sec,
	        ts.tv_nsec / 1000000, name, line);
}

void log_line(void *user_data, int prio, const char *line)
{
	static struct log_limit limit;
	unsigned suppressed;
	if (prio == LOG_DEBUG && !debug)
		return;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	uint64_t now_ms = (uint64_t)now.tv_sec * 1000u + (uint64_t)now.tv_nsec / 1000000u;
	bool ok = log_limit_take(&limit, line, now_ms, &suppressed);
	if (suppressed) {
		char note[96];
		snprintf(note, sizeof(note), "log: %u lines suppressed in %u s (log-limit.h)",
		         suppressed, LOG_LIMIT_WINDOW_MS / 1000u);
		write_line(LOG_NOTICE, note);
	}
	if (ok)
		write_line(prio, line);
}

void log_msg(int prio, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	log_line(NULL, prio, line);
}
