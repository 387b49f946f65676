/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The BMC's outstanding manual activation challenges (docs/manual-activation.md): one per
 * console account (the Administrator+ and each account: MANUAL_SLOTS), in memory only (a
 * restart forgets them), each valid until the end of its expiry minute
 * (MANUAL_TTL_MINUTES after it was shown). Any response of that account, right or wrong,
 * consumes its challenge; its new challenge replaces its old one. Another account's
 * challenge or response never touches it, and wrong responses back off per account
 * (rl: one session per account, no shared ceiling), so one Administrator cannot block
 * another (attack16a L1). The codes are common/manual-code's.
 */
#ifndef SVCPORT_BMC_MANUAL_H
#define SVCPORT_BMC_MANUAL_H

#include <stdbool.h>
#include <stdint.h>

#include "bmc-env.h"
#include "manual-code.h"
#include "ratelimit.h"

#define MANUAL_SLOTS    9  /* the Administrator+ and BmcState.accounts' max_count (8) */
#define MANUAL_USER_MAX 33 /* ConsoleAccount.name */

struct manual_pending {
	bool live;
	char user[MANUAL_USER_MAX]; /* the account that asked */
	struct manual_challenge c;
	uint64_t expires_ms; /* refused from this instant on: the end of the expiry minute */
};

struct manual_table {
	struct manual_pending slot[MANUAL_SLOTS];
	struct ratelimit rl; /* wrong responses, session = the account's key (console-manual.c) */
};

/* An empty table, its back-off 3 free failures, then 1 s doubling to 60 s per account. */
void manual_table_init(struct manual_table *t);

/* A new challenge for user (replacing that user's), expiring MANUAL_TTL_MINUTES from
 * now; *ret points into t. 0, -EINVAL (user too long) or -EIO. */
int manual_pending_new(struct manual_table *t, const char *user, const struct bmc_env *env,
                       const struct manual_pending **ret) __attribute__((warn_unused_result));

enum manual_take {
	MANUAL_TAKE_NONE,    /* nothing outstanding for user (used, or bmcd restarted) */
	MANUAL_TAKE_EXPIRED, /* it was outstanding but has expired (*ret holds it) */
	MANUAL_TAKE_LIVE,    /* *ret holds it */
};
/* Consumes user's outstanding challenge, whatever comes of the response (ret may be NULL:
 * dropped). */
enum manual_take manual_pending_take(struct manual_table *t, const char *user, uint64_t now_ms,
                                     struct manual_challenge *ret);

#endif
