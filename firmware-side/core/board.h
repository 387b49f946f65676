/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The board: the BMC core's in-memory state and the one place that changes
 * it durably, bmc_commit(). Every other module of the core sits above this
 * one and changes the state only through it: a module works on a copy
 * (`next`) and hands it here.
 */
#ifndef SVCPORT_BMC_BOARD_H
#define SVCPORT_BMC_BOARD_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "audit.h"
#include "bmc-env.h"
#include "challenge.h"
#include "ratelimit.h"
#include "se.h"
#include "svcport.pb.h"

#define BMC_SIGNER_CACHE_MAX 4

_Static_assert(BMC_SIGNER_CACHE_MAX == sizeof(((svcport_v1_BmcState *)0)->signer_cache) /
                                           sizeof(((svcport_v1_BmcState *)0)->signer_cache[0]),
               "signer cache bound matches svcport.options");
_Static_assert(BMC_SIGNER_CACHE_MAX == sizeof(((svcport_v1_DeviceInfo *)0)->known_signers) /
                                           sizeof(((svcport_v1_DeviceInfo *)0)->known_signers[0]),
               "known_signers bound matches the cache");

struct bmc {
	char dir[PATH_MAX];
	struct bmc_env env;
	struct se *se;
	svcport_v1_BmcState st;
	/* SHA-256 of each st.signer_cache entry, kept in step by bmc_commit(). */
	unsigned char signer_fp[BMC_SIGNER_CACHE_MAX][32];
	struct challenge_table challenges;
	struct ratelimit rl;
	struct ratelimit admin_rl;
	bool event_valid;
	svcport_v1_StateChanged last_event;
};

static inline uint64_t bmc_now_s(const struct bmc *b)
{
	return b->env.now_ms(b->env.user_data) / 1000u;
}

/*
 * Makes next the board's state: appends e to the audit log, writes the state
 * record durably, then takes next in memory (with the derived signer
 * fingerprints). On failure nothing changed, in memory or on disk (the
 * audit tail is discarded at the next open). 0 or -errno.
 */
int bmc_commit(struct bmc *b, svcport_v1_BmcState *next, const struct audit_entry *e)
    __attribute__((warn_unused_result));

/* Recomputes signer_fp from st.signer_cache (after a load). */
void bmc_refresh_fingerprints(struct bmc *b);

#endif
