/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `svcport-sim portal manual-activate` (portal-cli-manual.c). */
#ifndef SVCPORT_SIM_PORTAL_CLI_MANUAL_H
#define SVCPORT_SIM_PORTAL_CLI_MANUAL_H

#include <stdbool.h>

#include "cli-args.h"

struct portal;

#define PORTAL_CLI_MANUAL_USAGE                                                                    \
	"  manual-activate --user U --mt MT --sn SN --challenge CODE   the response to a\n"        \
	"       server's challenge read over the phone (as user U: org admin or edge user\n"       \
	"       of the owning organisation); --receipt CODE confirms the server's receipt\n"

/* Runs manual-activate; false for any other command. */
bool cli_portal_manual(struct portal *p, const struct cli_args *a, int *ret_rc);

#endif
