/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The actions of a signed command: which roles may do each (DESIGN §4.3),
 * their preconditions and the change each makes to a copy of the state.
 */
#ifndef SVCPORT_BMC_ACTIONS_H
#define SVCPORT_BMC_ACTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "board.h"
#include "svcport.pb.h"

/* Who sent a request: the gateway's session and link. */
struct bmc_cmd_ctx {
	uint32_t session_id;
	svcport_v1_LinkKind link;
	bool physical_presence;
};

svcport_v1_Action bmc_action_of(const svcport_v1_CommandBody *body);
bool bmc_is_role_allowed(svcport_v1_Action a, svcport_v1_Role role);
bool bmc_is_presence_ok(const svcport_v1_BmcState *st, const struct bmc_cmd_ctx *ctx);
/* Why an SED-enabled server without its AK is not activated (DeviceInfo says so). */
#define BMC_SED_AK_ABSENT "SED is enabled but the SED AK is absent: restore the SED AK first"
/* Why Activate cannot succeed in st (BMC_SED_AK_ABSENT), or NULL: asked before a manual
 * activation challenge too, so a correct response is never wasted (attack16a L3). */
const char *bmc_activate_blocker(const svcport_v1_BmcState *st);

/* Checks the action's preconditions and applies it to next (a copy of the
 * current state); on failure *detail says why and next is to be dropped.
 * result gets what the action returns besides the receipt (the emergency
 * reset's sealed one-time password), to be dropped with next on failure. */
svcport_v1_ErrorCode bmc_action_apply(struct bmc *b, const svcport_v1_CommandBody *body,
                                      const struct bmc_cmd_ctx *ctx, svcport_v1_BmcState *next,
                                      svcport_v1_CommandResult *result, const char **detail);

#endif
