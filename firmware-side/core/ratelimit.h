/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Back-off after failed verifications, per session and per link kind.
 *
 * A key (session or link kind) may fail `free_failures` times without
 * penalty; each failure after that blocks the key for base_ms * 2^(k-1)
 * (k = failures beyond the free ones), capped at max_ms. A success clears the
 * key; a key quiet for RL_FORGET_MS is forgotten. Sessions live in a small
 * table (least recently used entry reused when full), keyed by session id and
 * link kind: the ids are the gateways', and two gateways (or a restarted one)
 * may hand out the same id, so a BLE peer must not block a USB session.
 */
#ifndef SVCPORT_RATELIMIT_H
#define SVCPORT_RATELIMIT_H

#include <stdint.h>

#define RL_SESSIONS  16
#define RL_LINKS     4 /* LinkKind values 0..3 */
#define RL_FORGET_MS (10u * 60u * 1000u)

struct rl_entry {
	uint32_t key;
	uint32_t link; /* session entries: the session's link kind */
	uint32_t failures;
	uint64_t last_ms;
	uint64_t blocked_until_ms;
};

struct rl_config {
	uint32_t session_free; /* default 3 */
	uint32_t link_free;    /* default 16 */
	uint32_t base_ms;      /* default 1000 */
	uint32_t max_ms;       /* default 60000 */
};

struct ratelimit {
	struct rl_config cfg;
	struct rl_entry session[RL_SESSIONS];
	struct rl_entry link[RL_LINKS];
};

void ratelimit_init(struct ratelimit *rl, const struct rl_config *cfg);
/* 0 if the request may proceed, else the milliseconds to wait. */
uint32_t ratelimit_check(struct ratelimit *rl, uint32_t session, uint32_t link, uint64_t now_ms);
void ratelimit_fail(struct ratelimit *rl, uint32_t session, uint32_t link, uint64_t now_ms);
void ratelimit_success(struct ratelimit *rl, uint32_t session, uint32_t link);

#endif
