/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The pinned portal roots (DESIGN §6): a new set is accepted only when the
 * key of a currently pinned root signed it and its sequence is newer than
 * the last one applied (docs/bmc.md).
 */
#ifndef SVCPORT_BMC_TRUST_H
#define SVCPORT_BMC_TRUST_H

#include "admin.pb.h"
#include "board.h"

/* Hands the state's anchors (if an update set them) to the secure element,
 * at open and after a committed update. 0 or -EINVAL. */
int bmc_trust_pin(struct bmc *b) __attribute__((warn_unused_result));

/*
 * Checks a signed trust update and, if it holds, applies it to next (the
 * anchors and sequence; the signer cache emptied, as its entries chained to
 * the old roots). 0, -EPERM (not signed by a pinned root's key), -EBADMSG
 * (the body does not decode) or -EINVAL (the new set is refused); *ret_why
 * (static) says why.
 */
int bmc_trust_update_apply(struct bmc *b, const svcport_admin_v1_TrustUpdate *u,
                           svcport_v1_BmcState *next, const char **ret_why)
    __attribute__((warn_unused_result));

#endif
