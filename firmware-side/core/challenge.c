// SPDX-License-Identifier: GPL-2.0-or-later
#include "challenge.h"

#include <errno.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#include "svcport.pb.h"

#define DEFAULT_BURST     8
#define DEFAULT_REFILL_MS 2000

_Static_assert(CHALLENGE_MAX ==
                   sizeof(((struct challenge_table *)0)->slot) / sizeof(struct challenge_slot),
               "challenge table size");
_Static_assert(CHALLENGE_PRESENT_RESERVED < CHALLENGE_MAX, "room for the radio too");

#define K(x) svcport_v1_LinkKind_LINK_##x

/*
 * Each link kind's guaranteed share of the slots without presence (a ceiling
 * other than RL_CEILING_PRESENT is the link kind): no other kind can take it.
 * The radio is the technician's everyday link, so it keeps the most; the
 * simulated kind (the simulator only) keeps none. The rest is shared.
 */
static const uint32_t kind_reserved[RL_CEILINGS] = {
    [K(BLE)] = CHALLENGE_BLE_RESERVED,
    [K(USB)] = CHALLENGE_KIND_RESERVED,
    [K(NET)] = CHALLENGE_KIND_RESERVED,
    [K(PORTAL)] = CHALLENGE_KIND_RESERVED,
};

_Static_assert(K(PORTAL) < RL_CEILING_PRESENT, "each link kind is a ceiling");
_Static_assert(CHALLENGE_BLE_RESERVED + 3 * CHALLENGE_KIND_RESERVED <
                   CHALLENGE_MAX - CHALLENGE_PRESENT_RESERVED,
               "some slots shared by every kind without presence");

void challenge_table_init(struct challenge_table *t, const struct challenge_config *cfg)
{
	mbedtls_platform_zeroize(t, sizeof(*t));
	t->cfg.burst = cfg && cfg->burst ? cfg->burst : DEFAULT_BURST;
	t->cfg.refill_ms = cfg && cfg->refill_ms ? cfg->refill_ms : DEFAULT_REFILL_MS;
	for (size_t i = 0; i < RL_CEILINGS; i++)
		t->bucket[i].tokens = t->cfg.burst;
}

static bool is_same_nonce(const unsigned char *a, const unsigned char *b)
{
	unsigned char diff = 0;

	for (size_t i = 0; i < CHALLENGE_NONCE_LEN; i++)
		diff |= a[i] ^ b[i];
	return diff == 0;
}

static bool is_same_session(const struct rl_key *a, const struct rl_key *b)
{
	return a->session == b->session && a->link == b->link;
}

static uint64_t expiry(const struct challenge_slot *s)
{
	return s->issued_ms + CHALLENGE_TTL_MS;
}

/* Refills the ceiling's bucket; 0 if a token is there, else the wait for one. */
static uint32_t bucket_wait(struct challenge_table *t, uint32_t ceiling, uint64_t now_ms)
{
	struct challenge_bucket *b = &t->bucket[ceiling < RL_CEILINGS ? ceiling : 0];
	uint64_t n = now_ms > b->last_ms ? (now_ms - b->last_ms) / t->cfg.refill_ms : 0;

	if (b->tokens >= t->cfg.burst || n >= t->cfg.burst) {
		b->tokens = t->cfg.burst;
		b->last_ms = now_ms;
	} else if (n > 0) {
		b->tokens += (uint32_t)n;
		if (b->tokens > t->cfg.burst)
			b->tokens = t->cfg.burst;
		b->last_ms += n * t->cfg.refill_ms;
	}
	if (b->tokens > 0)
		return 0;
	return (uint32_t)(b->last_ms + t->cfg.refill_ms - now_ms);
}

/*
 * A challenge used by a command (consumed: step 5, after the portal's
 * signature over our device verified) gives its token back: who uses what he
 * asks for is never throttled; only unused asking is.
 */
static void bucket_refund(struct challenge_table *t, uint32_t ceiling)
{
	struct challenge_bucket *b = &t->bucket[ceiling < RL_CEILINGS ? ceiling : 0];

	if (b->tokens < t->cfg.burst)
		b->tokens++;
}

/* Slots the other kinds without presence are guaranteed but do not hold. */
static size_t others_reserve(const size_t held[RL_CEILINGS], uint32_t kind)
{
	size_t n = 0;

	for (uint32_t k = 0; k < RL_CEILING_PRESENT; k++)
		if (k != kind && held[k] < kind_reserved[k])
			n += kind_reserved[k] - held[k];
	return n;
}

/*
 * The slot for who: its own oldest at its bound, else a free one within its
 * class's quota and, without presence, leaving every other kind its reserve.
 * NULL if refused; *wait then says when a slot this requester may take frees.
 */
static struct challenge_slot *slot_pick(struct challenge_table *t, const struct rl_key *who,
                                        uint64_t now_ms, uint32_t *wait)
{
	const bool present = who->ceiling == RL_CEILING_PRESENT;
	const uint32_t kind = who->ceiling < RL_CEILING_PRESENT ? who->ceiling : 0;
	struct challenge_slot *free_slot = NULL, *own_oldest = NULL;
	uint64_t first_expiry = UINT64_MAX;
	size_t own = 0, radio = 0, held[RL_CEILINGS] = {0};

	for (size_t i = 0; i < CHALLENGE_MAX; i++) {
		struct challenge_slot *s = &t->slot[i];

		if (s->used && now_ms >= expiry(s))
			s->used = false;
		if (!s->used) {
			if (!free_slot)
				free_slot = s;
			continue;
		}
		if (is_same_session(&s->who, who)) {
			own++;
			if (!own_oldest || s->seq < own_oldest->seq)
				own_oldest = s;
		}
		if (s->who.ceiling != RL_CEILING_PRESENT) {
			radio++;
			held[s->who.ceiling < RL_CEILING_PRESENT ? s->who.ceiling : 0]++;
		}
	}
	if (own >= CHALLENGE_PER_SESSION)
		return own_oldest; /* the session's own: nobody else's */
	if (free_slot && (present || radio + others_reserve(held, kind) <
	                                 CHALLENGE_MAX - CHALLENGE_PRESENT_RESERVED))
		return free_slot;
	/* What frees room: a slot of the class, and without presence of this kind or of a kind
	 * above its reserve (a slot within its reserve goes back to that reserve). */
	for (size_t i = 0; i < CHALLENGE_MAX; i++) {
		const struct challenge_slot *s = &t->slot[i];
		const uint32_t k = s->who.ceiling < RL_CEILING_PRESENT ? s->who.ceiling : 0;

		if (!s->used || (s->who.ceiling == RL_CEILING_PRESENT) != present)
			continue;
		if ((present || k == kind || held[k] > kind_reserved[k]) &&
		    expiry(s) < first_expiry)
			first_expiry = expiry(s);
	}
	*wait = first_expiry == UINT64_MAX ? CHALLENGE_TTL_MS : (uint32_t)(first_expiry - now_ms);
	return NULL;
}

int challenge_issue(struct challenge_table *t, const struct bmc_env *env, uint64_t now_ms,
                    const struct rl_key *who, unsigned char ret_nonce[CHALLENGE_NONCE_LEN],
                    uint32_t *ret_retry_ms)
{
	uint32_t wait = 0;
	struct challenge_slot *pick = slot_pick(t, who, now_ms, &wait);
	/* A session replacing its own takes nothing from anyone: no token. */
	const bool fresh = pick && !(pick->used && is_same_session(&pick->who, who));

	if (pick && fresh)
		wait = bucket_wait(t, who->ceiling, now_ms);
	if (!pick || wait) {
		*ret_retry_ms = wait ? wait : 1;
		return -EBUSY;
	}
	if (env->rng(env->user_data, pick->nonce, CHALLENGE_NONCE_LEN) != 0) {
		pick->used = false;
		return -EIO;
	}
	if (fresh)
		t->bucket[who->ceiling < RL_CEILINGS ? who->ceiling : 0].tokens--;
	pick->used = true;
	pick->issued_ms = now_ms;
	pick->seq = t->next_seq++;
	pick->who = *who;
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
		if (now_ms < s->issued_ms || now_ms - s->issued_ms >= CHALLENGE_TTL_MS)
			return false;
		bucket_refund(t, s->who.ceiling);
		return true;
	}
	return false;
}
