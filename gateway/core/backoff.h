/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The gateway's back-off after failed verifications (DESIGN §4.4): the
 * gateway sees peers, so it slows the peer that fails, per session and per
 * peer, before bmcd's per-link-kind ceiling is ever reached. I/O-free.
 *
 * A key may fail rule.free times without penalty; the k-th failure after
 * that blocks it for base_ms * 2^(k-1), at most max_ms. A success clears
 * it; a key with no failure for forget_ms is forgotten.
 *
 * Peers live in a bounded table keyed by a string (the link's name and the
 * peer's address); when it is full the entry that failed longest ago is
 * reused, so the table never grows and a newcomer is always counted.
 */
#ifndef SVCPORT_BACKOFF_H
#define SVCPORT_BACKOFF_H

#include <stdbool.h>
#include <stdint.h>

#define BACKOFF_PEERS   32
#define BACKOFF_KEY_MAX 96

struct backoff_rule {
	uint32_t free;      /* failures without penalty, default 3 */
	uint32_t base_ms;   /* first block, default 1000 */
	uint32_t max_ms;    /* longest block, default 60000 */
	uint32_t forget_ms; /* quiet this long: forgotten, default 600000 */
};

struct backoff {
	uint32_t failures;
	uint64_t last_ms;
	uint64_t blocked_until_ms;
};

void backoff_rule_default(struct backoff_rule *rule);

/* 0: may proceed; otherwise the milliseconds to wait. */
uint32_t backoff_wait(struct backoff *b, const struct backoff_rule *rule, uint64_t now_ms);
void backoff_fail(struct backoff *b, const struct backoff_rule *rule, uint64_t now_ms);
void backoff_clear(struct backoff *b);

struct backoff_peers {
	struct {
		char key[BACKOFF_KEY_MAX];
		struct backoff b;
	} e[BACKOFF_PEERS];
};

/*
 * The entry of key (truncated to BACKOFF_KEY_MAX - 1 bytes). create: make
 * one when there is none (reusing a free or the stalest entry); otherwise
 * NULL when there is none.
 */
struct backoff *backoff_peer(struct backoff_peers *peers, const char *key, bool create);

#endif
