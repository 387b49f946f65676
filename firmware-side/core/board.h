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
#include "bmc.h"
#include "sedcomp.h"
#include "challenge.h"
#include "manual.h"
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

/*
 * What a transition that reduces access (DESIGN §4.6) keeps in force when it
 * cannot be stored: the se_latch flags.
 */
#define BMC_LATCH_LOCKED   (1u << 0) /* lockdown LOCKED: the SED AK is refused */
#define BMC_LATCH_SED_AK   (1u << 1) /* the SED AK cleared (emergency reset) */
#define BMC_LATCH_PASSWORD (1u << 2) /* the administrator password back to the default */
#define BMC_LATCH_PORTAL   (1u << 3) /* portal control (promotion) */
#define BMC_LATCH_TRUST    (1u << 4) /* a trust update (se_latch.trust_sequence) */
#define BMC_LATCH_ALL      ((1u << 5) - 1)

/* Tries of a store that reduces access before it falls back on the latch. */
#define BMC_STORE_TRIES 3

/* How much of a change that could not be stored is in force anyway. */
enum bmc_hold {
	BMC_HOLD_NONE,    /* nothing: the change did not reduce access, nothing changed */
	BMC_HOLD_WRITTEN, /* all of it, in memory and in state.pb, not durable yet */
	BMC_HOLD_LATCHED, /* its access-reducing part, in memory and in the SE's latch */
	BMC_HOLD_MEMORY,  /* its access-reducing part, in memory only: the latch failed too */
};

struct bmc {
	char dir[PATH_MAX];
	char sed_component[PATH_MAX]; /* the automatic SED AK backup component; "": none */
	/* Where the component's key lives (sedcomp.h): the token, or sed_component_key. */
	char sed_component_key[PATH_MAX];
	struct sedcomp_keys sed_keys;
	struct bmc_env env;
	struct se *se;
	/* In memory: the truth. On disk: the last stored record, or less locked
	 * than memory while `unstored` (then the latch holds the difference). */
	svcport_v1_BmcState st;
	struct se_latch latch; /* as the SE holds it; flags 0: clear */
	bool unstored;
	/* Memory is the record in state.pb, cut after its rename: bmc_state_finish()
	 * is all that is missing (else memory holds more than any record). */
	bool unstored_written;
	char unstored_event[33];   /* the audit event stored late, when the retry lands */
	char unstored_detail[112]; /* its detail (AuditRecord.detail, less "stored late: ") */
	/* SHA-256 of each st.signer_cache entry, kept in step by bmc_commit(). */
	unsigned char signer_fp[BMC_SIGNER_CACHE_MAX][32];
	struct challenge_table challenges;
	struct manual_table manual; /* the console's manual activation challenges */
	struct ratelimit rl;
	struct ratelimit admin_rl;
	/* backoff.pb as last written (backoff.h): a store that would write the same skips. */
	unsigned char backoff_saved[svcport_v1_ConsoleBackoffs_size];
	size_t backoff_saved_len;
	struct bmc_presence presence;
	char hw_fault[80]; /* an input the daemon cannot read (bmc_hardware_fault); "": none */
	bool event_valid;
	svcport_v1_StateChanged last_event;
};

static inline uint64_t bmc_now_s(const struct bmc *b)
{
	return b->env.now_ms(b->env.user_data) / 1000u;
}

/*
 * Makes next the board's state: finishes a record an earlier commit left
 * not durable, appends e to the audit log, writes the state record by the
 * counter rule (state.h), then takes next in memory (with the derived signer
 * fingerprints) and clears a latch that is no longer needed. 0, or -errno if
 * it could not be stored; *ret_hold (may be NULL) then says what is in force:
 * - BMC_HOLD_WRITTEN: the store failed after the rename (state.h): state.pb
 *   holds next now, so memory takes it (memory never lags the disk) and
 *   bmc_tick() finishes it; a restart finds it or the record before.
 * - BMC_HOLD_LATCHED/MEMORY: next reduced access (bmc_latch_flags); the store
 *   was tried BMC_STORE_TRIES times and the access-reducing part of next is
 *   in force anyway: in memory at once (all of next if it was written) and in
 *   the SE's latch (or not: MEMORY), and bmc_tick() tries the store again.
 * - BMC_HOLD_NONE: nothing changed in memory or in the committed state (the
 *   audit tail is discarded at the next store or open).
 */
int bmc_commit(struct bmc *b, svcport_v1_BmcState *next, const struct audit_entry *e,
               enum bmc_hold *ret_hold) __attribute__((warn_unused_result));

/* The BMC_LATCH_* bits of what going from cur to next takes away. */
uint32_t bmc_latch_flags(const svcport_v1_BmcState *cur, const svcport_v1_BmcState *next);

/*
 * At open, after the record loaded: a latch set before the record's counter
 * was reached is reconciled into it (LOCKED, AK cleared, ...) and committed
 * with an audit record `latch-reconcile`; a latch the record already covers
 * is cleared. 0 or -errno (the SE cannot be read); a reconciliation that
 * cannot be stored is held like any other (bmc_commit).
 */
int bmc_latch_open(struct bmc *b) __attribute__((warn_unused_result));

/* Stores what memory holds and the disk does not yet (see bmc_commit). */
void bmc_store_retry(struct bmc *b);

/* Recomputes signer_fp from st.signer_cache (after a load). */
void bmc_refresh_fingerprints(struct bmc *b);

#endif
