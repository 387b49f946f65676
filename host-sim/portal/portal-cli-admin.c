// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * svcport-sim portal org list | idp show | device ready: what the admin pages
 * show and do, on the command line (the operator), through the same acts.
 */
#include "portal-cli-admin.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "out.h"
#include "portal-acts.h"
#include "portal-cli-serve.h"
#include "portal-fed.h"
#include "portal-internal.h"
#include "utc.h"

static int print_org(const struct portal_org_info *o, void *ud)
{
	(void)ud;
	out_item_begin();
	out_str("org", o->name);
	out_int("created", o->created);
	out_int("users", o->users);
	out_int("devices", o->devices);
	out_str("idp_issuer", o->idp_issuer);
	out_item_end();
	return 0;
}

static int org_list(struct portal *p, const struct portal_actor *op)
{
	int err;

	out_array_begin("orgs");
	err = portal_act_orgs_each(p, op, print_org, NULL);
	out_array_end();
	return err < 0 ? portal_cli_refused(p, err) : CLI_EXIT_OK;
}

static int idp_show(struct portal *p, const struct portal_actor *op, const char *org)
{
	struct portal_idp *idp = calloc(1, sizeof(*idp));
	int err = idp ? portal_act_idp_get(p, op, org, idp) : -ENOMEM;

	if (err == 0) {
		out_progress("%s: issuer %s, audience %s", org, idp->issuer, idp->audience);
		out_str("org", org);
		out_str("issuer", idp->issuer);
		out_str("audience", idp->audience);
		out_str("public_key", idp->pem);
	}
	free(idp);
	return err < 0 ? portal_cli_refused(p, err) : CLI_EXIT_OK;
}

static int device_ready(struct portal *p, const struct portal_actor *op, const char *mt,
                        const char *sn, long valid_for)
{
	int64_t now = utc_now_s();
	int err = portal_act_ready_mark(p, op, mt, sn, valid_for, now);

	if (err < 0)
		return portal_cli_refused(p, err);
	out_progress("%s-%s may activate online once within %ld s", mt, sn, valid_for);
	out_int("ready_until", portal_ready_expires(p, mt, sn, now));
	return CLI_EXIT_OK;
}

/* --as USER: in that user's name and with its rights, as the API would; an online
 * activation signs for whoever marked (docs/online.md). */
static int device_ready_cmd(struct portal *p, const struct cli_args *a, struct portal_actor *op,
                            const char *mt, const char *sn)
{
	const char *as = cli_arg(a, "as", NULL);
	long valid_for = 3600;

	if (!mt || !sn || cli_arg_long(a, "valid-for", 3600, &valid_for) < 0)
		return CLI_EXIT_USAGE;
	if (as && portal_actor_load(p, as, op) < 0)
		return portal_cli_refused(p, portal_refuse(p, -ENOENT, "no user %s", as));
	snprintf(op->addr, sizeof(op->addr), "local");
	return device_ready(p, op, mt, sn, valid_for);
}

bool cli_portal_admin(struct portal *p, const struct cli_args *a, int *ret_rc)
{
	const char *cmd = a->pos[0], *sub = a->npos >= 2 ? a->pos[1] : "";
	const char *org = cli_arg(a, "org", NULL);
	const char *mt = cli_arg(a, "mt", NULL), *sn = cli_arg(a, "sn", NULL);
	struct portal_actor op;

	portal_actor_operator(&op);
	if (strcmp(cmd, "org") == 0 && strcmp(sub, "list") == 0) {
		*ret_rc = org_list(p, &op);
	} else if (strcmp(cmd, "idp") == 0 && strcmp(sub, "show") == 0) {
		*ret_rc = org ? idp_show(p, &op, org) : CLI_EXIT_USAGE;
	} else if (strcmp(cmd, "device") == 0 && strcmp(sub, "ready") == 0) {
		*ret_rc = device_ready_cmd(p, a, &op, mt, sn);
	} else {
		return false;
	}
	if (*ret_rc == CLI_EXIT_USAGE)
		fputs("usage: portal org list | idp show --org O"
		      " | device ready --mt MT --sn SN [--valid-for S] [--as USER]\n",
		      stderr);
	return true;
}
