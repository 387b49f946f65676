/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The device endpoints' gate for strangers (docs/portal-api.md "Strangers on
 * the device endpoints"): per address, the requests that failed to prove a
 * device's identity. The first PORTAL_GATE_FREE refusals of an address are
 * recorded one by one; then the address waits (60 s, doubling to 15 min) and
 * each refusal meanwhile is only counted, to be written as one summary when
 * the wait ends. A device that proves itself never reaches the gate, so
 * strangers behind its address cannot hold it back.
 *
 * Pure bookkeeping: no I/O, no clock (every call takes now), a fixed table.
 * Addresses are keyed as IPv4 addresses and IPv6 /64 prefixes (one subscriber
 * has a whole /64); when the table is full, every new address shares one
 * last entry, so the table bounds what any number of addresses can write.
 *
 * The login endpoints use a table of their own for their summaries only
 * (portal_gate_count): there the wait is the login back-off's (portal-auth.h).
 */
#ifndef SVCPORT_SIM_PORTAL_GATE_H
#define SVCPORT_SIM_PORTAL_GATE_H

#include <stdbool.h>
#include <stdint.h>

#define PORTAL_GATE_ADDRS    256 /* addresses tracked one by one; then one shared entry */
#define PORTAL_GATE_FREE     5   /* refusals recorded one by one before a wait */
#define PORTAL_GATE_WAIT     60  /* seconds: the first wait, doubling ... */
#define PORTAL_GATE_WAIT_MAX 900 /* ... up to 15 minutes */
#define PORTAL_GATE_FORGET   900 /* an address without refusals this long starts afresh */
#define PORTAL_GATE_KEY_MAX  64
#define PORTAL_GATE_OTHERS   "(other addresses)" /* the shared entry of a full table */

struct portal_gate_entry {
	char key[PORTAL_GATE_KEY_MAX]; /* "" when free */
	int fails;                     /* refusals recorded since the last wait */
	int waits;                     /* waits so far: the next lasts WAIT << waits */
	int64_t from, until;           /* the current (or last) wait; until 0: none yet */
	long refused;                  /* refusals counted, not yet summarised */
	int64_t last;                  /* the last refusal */
};

struct portal_gate {
	struct portal_gate_entry e[PORTAL_GATE_ADDRS + 1]; /* the last: PORTAL_GATE_OTHERS */
};

/* The key of an address: an IPv4 address as is, an IPv6 one as its /64
 * ("2001:db8:1:2::/64"), an IPv4-mapped IPv6 one as the IPv4 address;
 * anything else as given (bounded). */
void portal_gate_key(const char *addr, char out[PORTAL_GATE_KEY_MAX]);

/*
 * A request from addr failed to prove a device's identity. 0: record it (one
 * of the address' free refusals; the last of them starts a wait); otherwise
 * the seconds the address must still wait: the refusal was counted for the
 * summary and must not be recorded (answer RATE_LIMITED, Retry-After).
 * Flush first (portal_online_flush does), so that a summary covers one wait.
 */
long portal_gate_refused(struct portal_gate *g, const char *addr, int64_t now);

/*
 * A request from addr refused for a wait decided elsewhere (the login back-off: left > 0
 * seconds from now): only counted for the summary of the wait, which ends at the latest
 * now + left. Flush first, as for portal_gate_refused.
 */
void portal_gate_count(struct portal_gate *g, const char *addr, int64_t now, long left);

/* The seconds addr must still wait (0: none); changes nothing. */
long portal_gate_wait(const struct portal_gate *g, const char *addr, int64_t now);

/* What a summary says: refused requests of key counted from..until. */
struct portal_gate_summary {
	const char *key;
	long refused;
	int64_t from, until;
};

/*
 * Hands each wait that ended by now (all of them if final) with requests
 * counted to cb once, and frees the entries quiet for PORTAL_GATE_FORGET.
 * Returns the number of summaries.
 */
int portal_gate_flush(struct portal_gate *g, int64_t now, bool final,
                      void (*cb)(const struct portal_gate_summary *s, void *ud), void *ud);

#endif
