/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The console's back-offs across restarts (re-attack on issue 13, E): the
 * wrong console logins, UEFI passwords and activation-code reads are counted
 * in b->admin_rl (ratelimit.h), in memory; STATE_DIR/backoff.pb keeps a
 * bounded copy (svcport.proto ConsoleBackoffs), so killing and restarting
 * bmcd does not reset the wait. docs/bmc.md "Back-off across restarts".
 */
#ifndef SVCPORT_BMC_BACKOFF_H
#define SVCPORT_BMC_BACKOFF_H

#include "board.h"

#define BMC_BACKOFF_MAX  12 /* entries kept: svcport.options ConsoleBackoffs.entries */
#define BMC_BACKOFF_FILE "backoff.pb"

/*
 * Writes admin_rl's entries with failures (the ceilings first, then the most
 * recent keys, at most BMC_BACKOFF_MAX) to BMC_BACKOFF_FILE, durably and
 * atomically, unless the file already holds them. A write that fails is tried
 * again at the next store; the back-off holds in memory all the same.
 */
void bmc_backoff_store(struct bmc *b);

/*
 * At open: admin_rl from BMC_BACKOFF_FILE (none: nothing; one unreadable or
 * not decoding: every ceiling blocked for the maximum wait, since it may have
 * held a guesser's). The clock rules: an entry quiet for RL_FORGET_MS and no longer
 * blocked is forgotten; one whose last failure lies ahead of the clock (the
 * clock went back) restarts its last wait from now; no wait is ever longer
 * than the configured maximum from now.
 */
void bmc_backoff_load(struct bmc *b);

#endif
