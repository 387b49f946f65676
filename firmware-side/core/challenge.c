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

/* How willingly a full table gives up s for this requester: higher first. */
static int evict_rank(const struct challenge_slot *s, uint32_t session, uint32_t link)
{
	if (s->link != link)
		return 0;
	return s->session == session ? 2 : 1;
}

int challenge_issue(struct challenge_table *t, const struct bmc_env *env, uint64_t now_ms,
                    uint32_t session, uint32_t link, unsigned char ret_nonce[CHALLENGE_NONCE_LEN])
{
	struct challenge_slot *pick = NULL;

	for (size_t i = 0; i < CHALLENGE_MAX; i++) {
		struct challenge_slot *s = &t->slot[i];
		int rank, best;

		if (s->used && now_ms - s->issued_ms >= CHALLENGE_TTL_MS)
			s->used = false;
		if (!s->used) {
			if (!pick || pick->used)
				pick = s;
			continue;
		}
		if (pick && !pick->used)
			continue;
		/* Table full so far: the requester's own oldest, see challenge.h. */
		rank = evict_rank(s, session, link);
		best = pick ? evict_rank(pick, session, link) : -1;
		if (rank > best || (rank == best && s->issued_ms < pick->issued_ms))
			pick = s;
	}
	if (env->rng(env->user_data, pick->nonce, CHALLENGE_NONCE_LEN) != 0) {
		pick->used = false;
		return -EIO;
	}
	pick->used = true;
	pick->issued_ms = now_ms;
	pick->session = session;
	pick->link = link;
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
