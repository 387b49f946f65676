/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The local administrator's console (admin.proto), over the BMC core. */
#ifndef SVCPORT_CONSOLE_H
#define SVCPORT_CONSOLE_H

#include "admin.pb.h"
#include "bmc.h"

/* Answers one console request; reply is fully written (refusals included). */
void bmc_admin_handle(struct bmc *bmc, const svcport_admin_v1_AdminRequest *req,
                      svcport_admin_v1_AdminReply *reply, struct bmc_outcome *ret_outcome);

/* An AdminError in a word for the log: a failure or a change not stored is no refusal. */
const char *bmc_admin_outcome(svcport_admin_v1_AdminError error);

#endif
