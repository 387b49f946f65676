/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SubmitCommand: the verification pipeline of DESIGN §4.2, then the commit. */
#ifndef SVCPORT_BMC_VERIFY_H
#define SVCPORT_BMC_VERIFY_H

#include "actions.h"
#include "board.h"
#include "svcport.pb.h"

/*
 * Verifies cmd in the order of DESIGN §4.2, stopping at the first failure
 * with its own code; on success the action is committed and ret_result's
 * receipt signed (with, for an emergency reset, the sealed one-time password;
 * never on failure). ret_action is set as soon as the body decodes; ret_detail (a
 * static string) says why on failure.
 */
svcport_v1_ErrorCode bmc_cmd_submit(struct bmc *b, const svcport_v1_SignedCommand *cmd,
                                    const struct bmc_cmd_ctx *ctx, svcport_v1_Action *ret_action,
                                    svcport_v1_CommandResult *ret_result, const char **ret_detail);

#endif
