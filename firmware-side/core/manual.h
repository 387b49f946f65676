/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The BMC's outstanding manual activation challenge (docs/manual-activation.md): one at a
 * time for the console, in memory only (a restart forgets it), valid until the end of its
 * expiry minute (MANUAL_TTL_MINUTES after it was shown). Any response, right or wrong,
 * consumes it; a new challenge replaces the old one. The codes are common/manual-code's.
 */
#ifndef SVCPORT_BMC_MANUAL_H
#define SVCPORT_BMC_MANUAL_H

#include <stdbool.h>
#include <stdint.h>

#include "bmc-env.h"
#include "manual-code.h"

struct manual_pending {
	bool live;
	struct manual_challenge c;
	uint64_t expires_ms; /* refused from this instant on: the end of the expiry minute */
};

/* A new challenge in p (replacing any), expiring MANUAL_TTL_MINUTES from now. 0 or -EIO. */
int manual_pending_new(struct manual_pending *p, const struct bmc_env *env)
    __attribute__((warn_unused_result));

enum manual_take {
	MANUAL_TAKE_NONE,    /* nothing outstanding (used, or bmcd restarted) */
	MANUAL_TAKE_EXPIRED, /* it was outstanding but has expired */
	MANUAL_TAKE_LIVE,    /* *ret holds it */
};
/* Consumes the outstanding challenge, whatever comes of the response. */
enum manual_take manual_pending_take(struct manual_pending *p, uint64_t now_ms,
                                     struct manual_challenge *ret);

#endif
