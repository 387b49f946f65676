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
/* Checks the action's preconditions and applies it to next (a copy of the
 * current state); on failure *detail says why and next is to be dropped. */
svcport_v1_ErrorCode bmc_action_apply(struct bmc *b, const svcport_v1_CommandBody *body,
                                      const struct bmc_cmd_ctx *ctx, svcport_v1_BmcState *next,
                                      const char **detail);

#endif
