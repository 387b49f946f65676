// SPDX-License-Identifier: GPL-2.0-or-later
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *name = "svcport";
static bool to_syslog;
static bool debug;
static bool to_journal;

/* stderr is the journal's stream when $JOURNAL_STREAM names its device and
 * inode (systemd.exec(5)): a redirection by the service keeps plain lines. */
static bool is_stderr_journal(void)
{
	const char *v = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!v || sscanf(v, "%llu:%llu", &dev, &ino) != 2 || fstat(STDERR_FILENO, &st) < 0)
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void log_setup(const char *ident, bool use_syslog, bool verbose)
{
	name = ident;
	to_syslog = use_syslog;
	debug = verbose;
	to_journal = !use_syslog && is_stderr_journal();
	if (to_syslog)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void log_line(void *user_data, int prio, const char *line)
{
	if (prio == LOG_DEBUG && !debug)
		return;
	if (to_syslog) {
		syslog(prio, "%s", line);
		return;
	}
	if (to_journal) {
		/* sd-daemon(3): "<N>" carries the priority; the journal adds time and name. */
		fprintf(stderr, "<%d>%s\n", prio, line);
		return;
	}
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	fprintf(stderr, "%02d:%02d:%02d.%03ld %s: %s\n", tm.tm_hour, tm.tm_min, tm.tm_sec,
	        ts.tv_nsec / 1000000, name, line);
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
