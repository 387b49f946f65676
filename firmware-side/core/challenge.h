/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Outstanding challenge nonces: 16 random bytes each, single use, valid
 * CHALLENGE_TTL_MS, kept in memory only (a restart forgets every challenge).
 *
 * A stranger never evicts another session's pending challenge (DESIGN §4.4):
 * - a session (id and link kind) holds at most CHALLENGE_PER_SESSION; asking
 *   for one more replaces its own oldest;
 * - requesters without confirmed presence together hold at most
 *   CHALLENGE_MAX - CHALLENGE_PRESENT_RESERVED slots; the rest is kept for
 *   the technician at the service port (hardware-confirmed USB);
 * - of those, each link kind is guaranteed a share no other kind can take
 *   (BLE CHALLENGE_BLE_RESERVED; USB without presence, the management
 *   network and the portal link CHALLENGE_KIND_RESERVED each); the rest is
 *   shared, so a kind holds at most its share plus the shared slots;
 * - each back-off ceiling (ratelimit.h: per link kind, and USB with presence)
 *   may take `burst` new slots at once, then one per `refill_ms` (a session
 *   replacing its own challenge takes no new slot; a challenge a command
 *   consumes gives its token back, so only unused asking is throttled);
 * otherwise the newcomer is refused (-EBUSY) with the time after which asking
 * again can succeed. Nothing of another session's is ever given up early.
 */
#ifndef SVCPORT_CHALLENGE_H
#define SVCPORT_CHALLENGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bmc-env.h"
#include "ratelimit.h"

#define CHALLENGE_NONCE_LEN        16
#define CHALLENGE_MAX              32
#define CHALLENGE_PRESENT_RESERVED 8
#define CHALLENGE_BLE_RESERVED     8 /* of the slots without presence */
#define CHALLENGE_KIND_RESERVED    4 /* USB without presence, NET, PORTAL */
#define CHALLENGE_PER_SESSION      4
#define CHALLENGE_TTL_MS           (5u * 60u * 1000u)

struct challenge_config {
	uint32_t burst;     /* default 8 */
	uint32_t refill_ms; /* default 2000 */
};

struct challenge_slot {
	bool used;
	uint64_t issued_ms;
	uint64_t seq;      /* issue order: "oldest" even within one millisecond */
	struct rl_key who; /* decides bounds and quotas only */
	unsigned char nonce[CHALLENGE_NONCE_LEN];
};

struct challenge_bucket {
	uint32_t tokens;
	uint64_t last_ms;
};

struct challenge_table {
	struct challenge_config cfg;
	struct challenge_slot slot[CHALLENGE_MAX];
	struct challenge_bucket bucket[RL_CEILINGS];
	uint64_t next_seq;
};

/* cfg: zeroes take the defaults. */
void challenge_table_init(struct challenge_table *t, const struct challenge_config *cfg);

/*
 * Draws a fresh nonce from env->rng into ret_nonce and records it for who.
 * 0, -EBUSY (refused: *ret_retry_ms says when to ask again) or -EIO.
 */
int challenge_issue(struct challenge_table *t, const struct bmc_env *env, uint64_t now_ms,
                    const struct rl_key *who, unsigned char ret_nonce[CHALLENGE_NONCE_LEN],
                    uint32_t *ret_retry_ms) __attribute__((warn_unused_result));

/*
 * True if nonce is outstanding and unexpired at now_ms; the slot is freed in
 * either case once found (single use), and if true its token goes back to its
 * requester's ceiling. Compared in constant time. Call it only for a command
 * whose signature verified (verify.c, step 5).
 */
bool challenge_consume(struct challenge_table *t, const unsigned char *nonce, size_t len,
                       uint64_t now_ms);

#endif
