// SPDX-License-Identifier: GPL-2.0-or-later
/* log-limit.h: per-shape and total line budgets per window. */
#include "log-limit.h"

#include <string.h>

/* FNV-1a over the line without its digits. */
static uint32_t shape_of(const char *line)
{
	uint32_t h = 2166136261u;
	for (const unsigned char *p = (const unsigned char *)line; *p; p++) {
		if (*p >= '0' && *p <= '9')
			continue;
		h = (h ^ *p) * 16777619u;
	}
	return h;
}

bool log_limit_take(struct log_limit *l, const char *line, uint64_t now_ms,
                    unsigned *ret_suppressed)
{
	*ret_suppressed = 0;
	if (!l->started || now_ms - l->window_start_ms >= LOG_LIMIT_WINDOW_MS) {
		*ret_suppressed = l->started ? l->suppressed : 0;
		memset(l, 0, sizeof(*l));
		l->started = true;
		l->window_start_ms = now_ms;
	}
	unsigned *n = &l->shape_lines[shape_of(line) % LOG_LIMIT_SHAPES];
	if (*n >= LOG_LIMIT_PER_SHAPE || l->total >= LOG_LIMIT_TOTAL) {
		l->suppressed++;
		return false;
	}
	(*n)++;
	l->total++;
	return true;
}
