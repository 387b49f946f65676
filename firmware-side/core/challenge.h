/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Outstanding challenge nonces: 16 random bytes each, single use, valid
 * CHALLENGE_TTL_MS, at most CHALLENGE_MAX at once. Issuing one more evicts
 * the requester's own oldest (same session and link kind), else the oldest of
 * its link kind, else the oldest: a peer flooding GetChallenge (BLE needs no
 * presence) cannot evict the nonces of another link kind while its own remain.
 * Kept in memory only: a restart forgets every challenge.
 */
#ifndef SVCPORT_CHALLENGE_H
#define SVCPORT_CHALLENGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bmc-env.h"

#define CHALLENGE_NONCE_LEN 16
#define CHALLENGE_MAX       8
#define CHALLENGE_TTL_MS    (5u * 60u * 1000u)

struct challenge_slot {
	bool used;
	uint64_t issued_ms;
	uint32_t session, link; /* who asked: decides eviction only */
	unsigned char nonce[CHALLENGE_NONCE_LEN];
};

struct challenge_table {
	struct challenge_slot slot[CHALLENGE_MAX];
};

void challenge_table_init(struct challenge_table *t);

/*
 * Draws a fresh nonce from env->rng into ret_nonce and records it for the
 * requester (session, link kind). 0 or -EIO.
 */
int challenge_issue(struct challenge_table *t, const struct bmc_env *env, uint64_t now_ms,
                    uint32_t session, uint32_t link, unsigned char ret_nonce[CHALLENGE_NONCE_LEN])
    __attribute__((warn_unused_result));

/*
 * True if nonce is outstanding and unexpired at now_ms; the slot is freed in
 * either case once found (single use). Compared in constant time.
 */
bool challenge_consume(struct challenge_table *t, const unsigned char *nonce, size_t len,
                       uint64_t now_ms);

#endif
