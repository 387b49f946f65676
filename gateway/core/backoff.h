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
 *
 * Network peers (LINK_NET) have a share of their own (net[]): however many
 * addresses fail, they only ever reuse each other's entries, never a radio
 * or cable peer's (attack 16h L2). Their key is the address's prefix (/24,
 * /64: the link computes it), and each prefix's free failures also count in one
 * pool with BACKOFF_POOL_FREE free failures, fewer than bmcd's ceiling for
 * LINK_NET allows: a peer hopping prefixes is throttled by the gateway
 * before bmcd's ceiling is reached (attack 16h M3, docs/gateway.md); past its
 * free failures a prefix is slowed by its own entry alone, so one prefix never
 * blocks the others through the pool (re-attack 16h F3).
 */
#ifndef SVCPORT_BACKOFF_H
#define SVCPORT_BACKOFF_H

#include <stdbool.h>
#include <stdint.h>

#define BACKOFF_PEERS     32 /* radio and cable peers */
#define BACKOFF_NET_PEERS 32 /* network prefixes, their own share */
#define BACKOFF_KEY_MAX   96
#define BACKOFF_POOL_FREE 8 /* bmcd's ceiling frees 16 a link kind (docs/bmc.md) */

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

struct backoff_entry {
	char key[BACKOFF_KEY_MAX];
	struct backoff b;
};

struct backoff_peers {
	struct backoff_entry e[BACKOFF_PEERS];       /* radio and cable peers */
	struct backoff_entry net[BACKOFF_NET_PEERS]; /* network prefixes */
	struct backoff pool;                         /* every network failure */
};

/*
 * The entry of key (truncated to BACKOFF_KEY_MAX - 1 bytes) in the share of
 * its kind (net: the network's). create: make one when there is none
 * (reusing a free or the stalest entry of that share); otherwise NULL when
 * there is none.
 */
struct backoff *backoff_peer(struct backoff_peers *peers, bool net, const char *key, bool create);
/* The pool's rule: rule with BACKOFF_POOL_FREE free failures. */
struct backoff_rule backoff_pool_rule(const struct backoff_rule *rule);

#endif
