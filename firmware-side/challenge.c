// SPDX-License-Identifier: GPL-2.0-or-later
#include "challenge.h"

#include <errno.h>
#include <string.h>

#include <mbedtls/platform_util.h>

_Static_assert(CHALLENGE_MAX ==
                   sizeof(((struct challenge_table *)0)->slot) / sizeof(struct challenge_slot),
               "challenge table size");

void challenge_table_init(struct challenge_table *t)
{
	mbedtls_platform_zeroize(t, sizeof(*t));
}

static bool is_same_nonce(const unsigned char *a, const unsigned char *b)
{
	unsigned char diff = 0;

	for (size_t i = 0; i < CHALLENGE_NONCE_LEN; i++)
		diff |= a[i] ^ b[i];
	return diff == 0;
}

int challenge_issue(struct challenge_table *t, const struct bmc_env *env, uint64_t now_ms,
                    unsigned char ret_nonce[CHALLENGE_NONCE_LEN])
{
	struct challenge_slot *pick = NULL;

	for (size_t i = 0; i < CHALLENGE_MAX; i++) {
		struct challenge_slot *s = &t->slot[i];

		if (s->used && now_ms - s->issued_ms >= CHALLENGE_TTL_MS)
			s->used = false;
		if (!s->used) {
			if (!pick || pick->used)
				pick = s;
		} else if (!pick || (pick->used && s->issued_ms < pick->issued_ms)) {
			pick = s; /* oldest outstanding: evicted if the table is full */
		}
	}
	if (env->rng(env->user_data, pick->nonce, CHALLENGE_NONCE_LEN) != 0) {
		pick->used = false;
		return -EIO;
	}
	pick->used = true;
	pick->issued_ms = now_ms;
	memcpy(ret_nonce, pick->nonce, CHALLENGE_NONCE_LEN);
	return 0;
}

bool challenge_consume(struct challenge_table *t, const unsigned char *nonce, size_t len,
                       uint64_t now_ms)
{
	if (len != CHALLENGE_NONCE_LEN)
		return false;
	for (size_t i = 0; i < CHALLENGE_MAX; i++) {
		struct challenge_slot *s = &t->slot[i];

		if (!s->used || !is_same_nonce(s->nonce, nonce))
			continue;
		s->used = false;
		return now_ms >= s->issued_ms && now_ms - s->issued_ms < CHALLENGE_TTL_MS;
	}
	return false;
}
