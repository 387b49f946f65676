// SPDX-License-Identifier: GPL-2.0-or-later
/* backoff.h: exponential back-off per session and per peer. */
#include "backoff.h"

#include <stdio.h>
#include <string.h>

void backoff_rule_default(struct backoff_rule *rule)
{
	*rule =
	    (struct backoff_rule){.free = 3, .base_ms = 1000, .max_ms = 60000, .forget_ms = 600000};
}

static void forget_if_quiet(struct backoff *b, const struct backoff_rule *rule, uint64_t now_ms)
{
	if (b->failures && now_ms >= b->blocked_until_ms && now_ms - b->last_ms >= rule->forget_ms)
		backoff_clear(b);
}

uint32_t backoff_wait(struct backoff *b, const struct backoff_rule *rule, uint64_t now_ms)
{
	if (!b)
		return 0;
	forget_if_quiet(b, rule, now_ms);
	if (now_ms >= b->blocked_until_ms)
		return 0;
	uint64_t wait = b->blocked_until_ms - now_ms;
	return wait > UINT32_MAX ? UINT32_MAX : (uint32_t)wait;
}

void backoff_fail(struct backoff *b, const struct backoff_rule *rule, uint64_t now_ms)
{
	forget_if_quiet(b, rule, now_ms);
	if (b->failures < UINT32_MAX)
		b->failures++;
	b->last_ms = now_ms;
	if (b->failures <= rule->free)
		return;
	uint32_t k = b->failures - rule->free;
	uint64_t delay = k > 20 ? rule->max_ms : (uint64_t)rule->base_ms << (k - 1);
	if (delay > rule->max_ms)
		delay = rule->max_ms;
	b->blocked_until_ms = now_ms + delay;
}

void backoff_clear(struct backoff *b)
{
	memset(b, 0, sizeof(*b));
}

struct backoff *backoff_peer(struct backoff_peers *peers, bool net, const char *key, bool create)
{
	char k[BACKOFF_KEY_MAX];
	struct backoff_entry *e = net ? peers->net : peers->e;
	const size_t n = net ? BACKOFF_NET_PEERS : BACKOFF_PEERS;
	size_t victim = n;

	snprintf(k, sizeof(k), "%s", key);
	for (size_t i = 0; i < n; i++)
		if (e[i].b.failures && !strcmp(e[i].key, k))
			return &e[i].b;
	if (!create)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (!e[i].b.failures) {
			victim = i;
			break;
		}
		if (victim == n || e[i].b.last_ms < e[victim].b.last_ms)
			victim = i;
	}
	memcpy(e[victim].key, k, sizeof(k));
	backoff_clear(&e[victim].b);
	return &e[victim].b;
}

struct backoff_rule backoff_pool_rule(const struct backoff_rule *rule)
{
	struct backoff_rule r = *rule;

	r.free = BACKOFF_POOL_FREE;
	return r;
}
