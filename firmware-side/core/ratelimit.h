/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Back-off after failed verifications, per session and per ceiling.
 *
 * A key (session or ceiling) may fail `free_failures` times without penalty;
 * each failure after that blocks the key for base_ms * 2^(k-1) (k = failures
 * beyond the free ones), capped at max_ms. A success clears the key; a key
 * quiet for RL_FORGET_MS is forgotten. Sessions live in a small table (least
 * recently used entry reused when full), keyed by session id and link kind:
 * the ids are the gateways', and two gateways (or a restarted one) may hand
 * out the same id, so a BLE peer must not block a USB session.
 *
 * Ceilings are what a peer cannot escape by taking a new session id: one per
 * link kind (BLE, unconfirmed USB, simulated, management network, portal), and one of its own for
 * USB whose presence the hardware confirmed (RL_CEILING_PRESENT), so no failure over the radio ever
 * counts against the technician at the service port (DESIGN §4.4).
 */
#ifndef SVCPORT_RATELIMIT_H
#define SVCPORT_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

#define RL_SESSIONS        16
#define RL_CEILINGS        7 /* LinkKind values 0..5, then: */
#define RL_CEILING_PRESENT 6 /* USB with presence confirmed by the hardware */
#define RL_FORGET_MS       (10u * 60u * 1000u)

/* Who failed: a session of a link kind, under one ceiling (< RL_CEILINGS). */
struct rl_key {
	uint32_t session, link, ceiling;
};

struct rl_entry {
	uint32_t key;
	uint32_t link; /* session entries: the session's link kind */
	uint32_t failures;
	uint64_t last_ms;
	uint64_t blocked_until_ms;
};

struct rl_config {
	uint32_t session_free; /* default 3 */
	uint32_t link_free;    /* default 16: per ceiling */
	uint32_t base_ms;      /* default 1000 */
	uint32_t max_ms;       /* default 60000 */
};

/*
 * What failed in one window, per ceiling, for the audit log's summary
 * (issue 11: bounded, never one record per failure). Counts saturate.
 */
struct rl_window {
	uint64_t start_ms; /* the window's first failure; 0: nothing counted */
	uint32_t failed[RL_CEILINGS];
	uint32_t backed_off[RL_CEILINGS]; /* refused while the back-off held */
};

struct ratelimit {
	struct rl_config cfg;
	struct rl_entry session[RL_SESSIONS];
	struct rl_entry ceiling[RL_CEILINGS];
	struct rl_window window;
};

void ratelimit_init(struct ratelimit *rl, const struct rl_config *cfg);
/* 0 if the request may proceed, else the milliseconds to wait. */
uint32_t ratelimit_check(struct ratelimit *rl, const struct rl_key *k, uint64_t now_ms);
void ratelimit_fail(struct ratelimit *rl, const struct rl_key *k, uint64_t now_ms);
void ratelimit_success(struct ratelimit *rl, const struct rl_key *k);
/* Counts a request refused because ratelimit_check() said wait. */
void ratelimit_note_backed_off(struct ratelimit *rl, const struct rl_key *k, uint64_t now_ms);
/*
 * Hands out the window (and starts a new one) once interval_ms passed since
 * its first count, or at once if force. False if there is nothing to hand out.
 */
bool ratelimit_window_take(struct ratelimit *rl, uint64_t now_ms, uint64_t interval_ms, bool force,
                           struct rl_window *ret_window);

#endif
