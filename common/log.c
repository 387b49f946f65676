// SPDX-License-Identifier: GPL-2.0-or-later
#include "log.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "utc.h"

#include "log-limit.h"

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

static void write_line(int prio, const char *line)
{
	if (to_syslog) {
		syslog(prio, "%s", line);
		return;
	}
	if (to_journal) {
		/* sd-daemon(3): "<N>" carries the priority; the journal adds time and name. */
		fprintf(stderr, "<%d>%s\n", prio, line);
		return;
	}
	/* 64-bit time (docs/arm.md); an unreadable clock prints as 00:00:00.000. */
	int64_t sec = 0;
	uint32_t nsec = 0;
	struct utc_tm tm;
	if (utc_now(&sec, &nsec) < 0)
		sec = 0;
	utc_from_seconds(sec, &tm);
	fprintf(stderr, "%02d:%02d:%02d.%03u %s: %s\n", tm.hour, tm.min, tm.sec,
	        (unsigned)(nsec / 1000000u), name, line);
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
