/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The BMC's persistent state record: STATE_DIR/state.pb (mode 0600), replaced
 * atomically (fsutil.h), authenticated and protected against rollback by the
 * secure element (se.h "Integrity of the state record", DESIGN §4.6):
 *
 *   state.pb = encoded BmcState without state_mac | state_mac as the last field
 *
 * state_mac is se_mac() over every byte before it; the record carries the
 * audit log's committed end (count, head hash, length), so the MAC binds the
 * two. Counter rule: a store writes state_counter = N+1 (N: the SE's
 * counter), renames, then raises the SE's counter to N+1; a load accepts N
 * (the last commit) or N+1 (a commit cut before its raise, which the load
 * finishes) and refuses anything older.
 */
#ifndef SVCPORT_BMC_STATE_H
#define SVCPORT_BMC_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "se.h"
#include "svcport.pb.h"

/* 3: authenticated (state_mac, state_counter); 2: secrets sealed; 1: plain secrets. */
#define BMC_STATE_VERSION 3
#define BMC_STATE_FILE    "state.pb"

/*
 * Loads and checks the record: MAC, version, retired fields, enum ranges,
 * the counter rule. 0; -ENOENT (no state yet); -EBADMSG (fails a check:
 * edited, truncated, from another board, out of range, or ahead of the SE's
 * counter); -ESTALE (older than the SE's counter: rolled back); or -errno.
 */
int bmc_state_load(const char *state_dir, struct se *se, svcport_v1_BmcState *ret_state)
    __attribute__((warn_unused_result));
/*
 * Commits state by the counter rule (sets state->state_counter). Durable
 * before it returns. 0 or -errno: the file then holds the old record or this
 * one, and the SE's counter accepts either. *ret_landed (may be NULL) says
 * which: false, the old record (nothing was replaced); true, the failure came
 * after the rename (the directory's fsync or the counter's raise): the file
 * holds this record now, a restart finds it or the old one, and
 * bmc_state_finish() completes the commit.
 */
int bmc_state_store(const char *state_dir, struct se *se, svcport_v1_BmcState *state,
                    bool *ret_landed) __attribute__((warn_unused_result));
/*
 * Completes a store that failed after its rename: record `counter` (one above
 * the SE's counter) is made durable (fsync the directory) and the SE's
 * counter raised to it. 0 (also when the counter is there already) or -errno:
 * then nothing was written. Call before the next store: a store never reuses
 * a counter a record on disk may carry.
 */
int bmc_state_finish(const char *state_dir, struct se *se, uint64_t counter)
    __attribute__((warn_unused_result));

#endif
