// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * svcport-sim portal manual-activate: the portal administrator's side of a manual
 * activation by phone call (docs/manual-activation.md), as the user --user.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "out.h"
#include "portal-acts.h"
#include "portal-cli-manual.h"
#include "portal-cli-serve.h"
#include "utc.h"

static int manual_activate(struct portal *p, const struct portal_actor *who, const char *mt,
                           const char *sn, const char *challenge)
{
	struct portal_manual_response r;
	int err = portal_act_manual_activate(p, who, mt, sn, challenge, utc_now_s(), &r);

	if (err < 0)
		return portal_cli_refused(p, err);
	out_progress("response for %s-%s: %s  (read it to the local administrator)", mt, sn,
	             r.response);
	out_str("response", r.response);
	out_int("expires_at", r.expires_at);
	return CLI_EXIT_OK;
}

static int manual_receipt(struct portal *p, const struct portal_actor *who, const char *mt,
                          const char *sn, const char *challenge, const char *receipt)
{
	int err = portal_act_manual_receipt(p, who, mt, sn, challenge, receipt, utc_now_s());

	if (err < 0)
		return portal_cli_refused(p, err);
	out_progress("receipt of %s-%s confirmed: activated", mt, sn);
	out_str("status", "activated");
	return CLI_EXIT_OK;
}

bool cli_portal_manual(struct portal *p, const struct cli_args *a, int *ret_rc)
{
	const char *user = cli_arg(a, "user", NULL), *challenge = cli_arg(a, "challenge", NULL);
	const char *mt = cli_arg(a, "mt", NULL), *sn = cli_arg(a, "sn", NULL);
	const char *receipt = cli_arg(a, "receipt", NULL);
	struct portal_actor who;
	int err;

	if (strcmp(a->pos[0], "manual-activate") != 0)
		return false;
	if (a->npos != 1 || !user || !mt || !sn || !challenge) {
		fputs("usage: portal manual-activate --user U --mt MT --sn SN --challenge CODE "
		      "[--receipt CODE]\n",
		      stderr);
		*ret_rc = CLI_EXIT_USAGE;
		return true;
	}
	err = portal_actor_load(p, user, &who);
	if (err < 0) {
		*ret_rc = portal_cli_refused(p, err);
		return true;
	}
	*ret_rc = receipt ? manual_receipt(p, &who, mt, sn, challenge, receipt)
	                  : manual_activate(p, &who, mt, sn, challenge);
	return true;
}
