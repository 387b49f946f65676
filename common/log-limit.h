/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemons' log is bounded (issue 12: ~360 bytes per BLE connection,
 * 6.2 MB in 16 s under a connection flood, and a BMC logs to flash). Lines
 * are grouped by shape — the text with its digits left out, so "session 7
 * ... id 3" and "session 9 ... id 4" are one shape — and per window of
 * LOG_LIMIT_WINDOW_MS at most LOG_LIMIT_PER_SHAPE lines of one shape and
 * LOG_LIMIT_TOTAL lines in all are written. What is suppressed is counted and
 * reported by the first line of the next window. I/O-free: time is passed in.
 */
#ifndef SVCPORT_LOG_LIMIT_H
#define SVCPORT_LOG_LIMIT_H

#include <stdbool.h>
#include <stdint.h>

#define LOG_LIMIT_WINDOW_MS 10000u
#define LOG_LIMIT_PER_SHAPE 10u
#define LOG_LIMIT_TOTAL     100u
#define LOG_LIMIT_SHAPES    64u /* shapes counted apart; more share counters */

struct log_limit {
	uint64_t window_start_ms;
	bool started;
	unsigned total;      /* lines written in this window */
	unsigned suppressed; /* lines suppressed in this window */
	unsigned shape_lines[LOG_LIMIT_SHAPES];
};

/*
 * May line be written at now_ms? When a window with suppressed lines has
 * just ended, *ret_suppressed is set to their count (otherwise 0): the
 * caller writes that first.
 */
bool log_limit_take(struct log_limit *l, const char *line, uint64_t now_ms,
                    unsigned *ret_suppressed);

#endif
