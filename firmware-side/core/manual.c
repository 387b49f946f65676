// SPDX-License-Identifier: GPL-2.0-or-later
/* The outstanding manual activation challenge (manual.h). */
#include "manual.h"

#include <errno.h>

#include <mbedtls/platform_util.h>

#define MINUTE_MS 60000u

int manual_pending_new(struct manual_pending *p, const struct bmc_env *env)
{
	const uint64_t minute = env->now_ms(env->user_data) / MINUTE_MS + MANUAL_TTL_MINUTES;
	struct manual_pending n = {.live = true};

	if (env->rng(env->user_data, n.c.nonce, sizeof(n.c.nonce)) != 0)
		return -EIO;
	n.c.expiry = manual_expiry_of(minute);
	n.expires_ms = (minute + 1) * MINUTE_MS;
	*p = n;
	mbedtls_platform_zeroize(&n, sizeof(n));
	return 0;
}

enum manual_take manual_pending_take(struct manual_pending *p, uint64_t now_ms,
                                     struct manual_challenge *ret)
{
	enum manual_take t = MANUAL_TAKE_NONE;

	if (p->live)
		t = now_ms >= p->expires_ms ? MANUAL_TAKE_EXPIRED : MANUAL_TAKE_LIVE;
	if (t == MANUAL_TAKE_LIVE)
		*ret = p->c;
	mbedtls_platform_zeroize(p, sizeof(*p));
	return t;
}
