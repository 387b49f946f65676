// SPDX-License-Identifier: GPL-2.0-or-later
/* The outstanding manual activation challenges (manual.h). */
#include "manual.h"

#include <errno.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#define MINUTE_MS 60000u

void manual_table_init(struct manual_table *t)
{
	/* No shared ceiling: one account's wrong responses never block another's. */
	const struct rl_config cfg = {
	    .session_free = 3, .link_free = UINT32_MAX, .base_ms = 1000, .max_ms = 60000};

	mbedtls_platform_zeroize(t->slot, sizeof(t->slot));
	ratelimit_init(&t->rl, &cfg);
}

static struct manual_pending *slot_of(struct manual_table *t, const char *user)
{
	for (size_t i = 0; i < MANUAL_SLOTS; i++)
		if (t->slot[i].live && strcmp(t->slot[i].user, user) == 0)
			return &t->slot[i];
	return NULL;
}

/* user's slot, else a free one, else the one expiring first (an account since removed:
 * MANUAL_SLOTS covers every account there can be). */
static struct manual_pending *slot_for(struct manual_table *t, const char *user)
{
	struct manual_pending *p = slot_of(t, user), *victim = &t->slot[0];

	for (size_t i = 0; !p && i < MANUAL_SLOTS; i++) {
		if (!t->slot[i].live)
			return &t->slot[i];
		if (t->slot[i].expires_ms < victim->expires_ms)
			victim = &t->slot[i];
	}
	return p ? p : victim;
}

int manual_pending_new(struct manual_table *t, const char *user, const struct bmc_env *env,
                       const struct manual_pending **ret)
{
	const uint64_t minute = env->now_ms(env->user_data) / MINUTE_MS + MANUAL_TTL_MINUTES;
	struct manual_pending n = {.live = true}, *p;

	if (strlen(user) >= sizeof(n.user))
		return -EINVAL;
	if (env->rng(env->user_data, n.c.nonce, sizeof(n.c.nonce)) != 0)
		return -EIO;
	memcpy(n.user, user, strlen(user) + 1);
	n.c.expiry = manual_expiry_of(minute);
	n.expires_ms = (minute + 1) * MINUTE_MS;
	p = slot_for(t, user);
	*p = n;
	mbedtls_platform_zeroize(&n, sizeof(n));
	*ret = p;
	return 0;
}

enum manual_take manual_pending_take(struct manual_table *t, const char *user, uint64_t now_ms,
                                     struct manual_challenge *ret)
{
	struct manual_pending *p = slot_of(t, user);
	enum manual_take tk;

	if (!p)
		return MANUAL_TAKE_NONE;
	tk = now_ms >= p->expires_ms ? MANUAL_TAKE_EXPIRED : MANUAL_TAKE_LIVE;
	if (ret)
		*ret = p->c;
	mbedtls_platform_zeroize(p, sizeof(*p));
	return tk;
}
