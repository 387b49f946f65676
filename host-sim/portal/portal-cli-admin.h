/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The admin pages' own subcommands of `svcport-sim portal` (portal-cli-admin.c). */
#ifndef SVCPORT_SIM_PORTAL_CLI_ADMIN_H
#define SVCPORT_SIM_PORTAL_CLI_ADMIN_H

#include <stdbool.h>

#include "cli-args.h"

struct portal;

#define PORTAL_CLI_ADMIN_USAGE                                                                     \
	"  org list                                  organisations, users, devices, providers\n"   \
	"  idp show --org O                          the org's identity provider\n"                \
	"  device ready --mt MT --sn SN [--valid-for S]   ready for activation (<= 86400 s)\n"

/* Runs org list, idp show or device ready; false for any other command. */
bool cli_portal_admin(struct portal *p, const struct cli_args *a, int *ret_rc);

#endif
