/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Failed verifications in the audit log, bounded (issue 11 item 4): the
 * back-off counts each failure and each refusal while backing off, per
 * ceiling (ratelimit.h); once per SUMMARY_INTERVAL_MS at most, one record
 * `verify-failures` sums them up. An attacker's failures cost one record per
 * interval however fast they come: never one write per failure.
 */
#ifndef SVCPORT_BMC_SUMMARY_H
#define SVCPORT_BMC_SUMMARY_H

#include <stdbool.h>

#include "board.h"

#define SUMMARY_INTERVAL_MS (10u * 60u * 1000u)

/*
 * Writes the summary if its interval is over (or force and there is
 * anything). A summary that cannot be stored is dropped: it reduces no access.
 */
void bmc_summary_flush(struct bmc *b, bool force);

#endif
