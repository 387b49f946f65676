// SPDX-License-Identifier: GPL-2.0-or-later
/* The device endpoints' gate for strangers (see portal-gate.h). */
#include "portal-gate.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

_Static_assert(PORTAL_GATE_WAIT > 0 && PORTAL_GATE_WAIT <= PORTAL_GATE_WAIT_MAX,
               "the first wait is within the cap");
_Static_assert(PORTAL_GATE_FREE >= 1, "a wait starts at a recorded refusal");

void portal_gate_key(const char *addr, char out[PORTAL_GATE_KEY_MAX])
{
	struct in6_addr a6;
	char text[INET6_ADDRSTRLEN];

	if (inet_pton(AF_INET6, addr, &a6) == 1 && IN6_IS_ADDR_V4MAPPED(&a6)) {
		inet_ntop(AF_INET, &a6.s6_addr[12], text, sizeof(text));
		snprintf(out, PORTAL_GATE_KEY_MAX, "%s", text);
	} else if (inet_pton(AF_INET6, addr, &a6) == 1) {
		memset(&a6.s6_addr[8], 0, 8); /* one subscriber holds the whole /64 */
		inet_ntop(AF_INET6, &a6, text, sizeof(text));
		snprintf(out, PORTAL_GATE_KEY_MAX, "%s/64", text);
	} else {
		snprintf(out, PORTAL_GATE_KEY_MAX, "%s", addr);
	}
}

static struct portal_gate_entry *entry_find(const struct portal_gate *g, const char *key)
{
	for (size_t i = 0; i < PORTAL_GATE_ADDRS; i++)
		if (strcmp(g->e[i].key, key) == 0)
			return (struct portal_gate_entry *)&g->e[i];
	return NULL;
}

/* The entry of key, a free one for it, or the shared one of a full table. */
static struct portal_gate_entry *entry_get(struct portal_gate *g, const char *key)
{
	struct portal_gate_entry *e = entry_find(g, key);

	if (e)
		return e;
	e = entry_find(g, "");
	if (!e) {
		e = &g->e[PORTAL_GATE_ADDRS];
		if (!e->key[0])
			snprintf(e->key, sizeof(e->key), "%s", PORTAL_GATE_OTHERS);
		return e;
	}
	memset(e, 0, sizeof(*e));
	snprintf(e->key, sizeof(e->key), "%s", key);
	return e;
}

static long wait_left(const struct portal_gate_entry *e, int64_t now)
{
	return e && e->until > now ? (long)(e->until - now) : 0;
}

long portal_gate_wait(const struct portal_gate *g, const char *addr, int64_t now)
{
	char key[PORTAL_GATE_KEY_MAX];
	const struct portal_gate_entry *e;

	portal_gate_key(addr, key);
	e = entry_find(g, key);
	if (!e && !entry_find(g, ""))
		e = &g->e[PORTAL_GATE_ADDRS];
	return wait_left(e, now);
}

long portal_gate_refused(struct portal_gate *g, const char *addr, int64_t now)
{
	char key[PORTAL_GATE_KEY_MAX];
	struct portal_gate_entry *e;
	long left;

	portal_gate_key(addr, key);
	e = entry_get(g, key);
	e->last = now;
	left = wait_left(e, now);
	if (left > 0) {
		e->refused++;
		return left;
	}
	if (++e->fails >= PORTAL_GATE_FREE) {
		long wait = (long)PORTAL_GATE_WAIT << (e->waits < 5 ? e->waits : 5);

		e->fails = 0;
		e->waits++;
		e->from = now;
		e->until = now + (wait < PORTAL_GATE_WAIT_MAX ? wait : PORTAL_GATE_WAIT_MAX);
	}
	return 0;
}

void portal_gate_count(struct portal_gate *g, const char *addr, int64_t now, long left)
{
	char key[PORTAL_GATE_KEY_MAX];
	struct portal_gate_entry *e;

	portal_gate_key(addr, key);
	e = entry_get(g, key);
	e->last = now;
	if (e->until <= now) { /* a new wait */
		e->waits++;
		e->from = now;
	}
	if (left > 0 && now + left > e->until)
		e->until = now + left;
	e->refused++;
}

int portal_gate_flush(struct portal_gate *g, int64_t now, bool final,
                      void (*cb)(const struct portal_gate_summary *s, void *ud), void *ud)
{
	int n = 0;

	for (size_t i = 0; i <= PORTAL_GATE_ADDRS; i++) {
		struct portal_gate_entry *e = &g->e[i];

		if (!e->key[0] || (!final && e->until > now))
			continue;
		if (e->refused > 0) {
			struct portal_gate_summary s = {.key = e->key,
			                                .refused = e->refused,
			                                .from = e->from,
			                                .until = e->until > now ? now : e->until};

			cb(&s, ud);
			e->refused = 0;
			n++;
		}
		if (now - e->last >= PORTAL_GATE_FORGET && e->until <= now)
			memset(e, 0, sizeof(*e));
	}
	return n;
}
