// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * svcport-bmcctl activation challenge | respond CODE: manual activation by phone call
 * (docs/manual-activation.md).
 */
#include <stdio.h>

#include "bmcctl.h"

#define T(x) svcport_admin_v1_AdminRequest_##x##_tag

const char ctl_manual_help[] =
    "Manual activation by phone call (Administrator or above). `activation challenge`\n"
    "shows 15 characters in 3 groups: read them to the portal administrator, who types\n"
    "them into the portal and reads back a response of 12 characters in 2 groups for\n"
    "`activation respond CODE`. A challenge is valid 15 minutes and for one response;\n"
    "a new challenge replaces the old one. A mistyped group is named and nothing is\n"
    "tried (type it again); any other wrong response uses the challenge up, is audited\n"
    "(manual-activate-refused) and counts toward a back-off (3 free, then 1 s doubling\n"
    "to 60 s). Success activates as the portal's Activate does (audited manual-activate)\n"
    "and shows a receipt the portal administrator may confirm.\n"
    "--json: {\"ok\":true,\"challenge\":\"...\",\"expires_at\":S} and\n"
    "{\"ok\":true,\"receipt\":\"...\",\"audit_seq\":N}";

int ctl_run_manual_challenge(struct ctl *c, int argc, char **argv)
{
	const svcport_admin_v1_ManualChallengeReply *m = &c->rep.body.manual_challenge;

	(void)argc;
	(void)argv;
	c->req.which_cmd = T(manual_challenge);
	if (ctl_transact(c, &c->req, &c->rep) != 0)
		return 1;
	if (c->json)
		printf("{\"ok\":true,\"challenge\":\"%s\",\"expires_at\":%llu}\n", m->challenge,
		       (unsigned long long)m->expires_at);
	else
		printf("challenge: %s\n(read it to the portal administrator; valid 15 minutes)\n",
		       m->challenge);
	return 0;
}

int ctl_run_manual_respond(struct ctl *c, int argc, char **argv)
{
	const svcport_admin_v1_ManualActivateReply *m = &c->rep.body.manual_activate;

	if (argc != 1)
		return ctl_die("activation respond CODE");
	c->req.which_cmd = T(manual_respond);
	if (ctl_copy_str(c->req.cmd.manual_respond.response,
	                 sizeof(c->req.cmd.manual_respond.response), argv[0], "response") != 0)
		return 1;
	if (ctl_transact(c, &c->req, &c->rep) != 0)
		return 1;
	if (c->json)
		printf("{\"ok\":true,\"receipt\":\"%s\",\"audit_seq\":%llu}\n", m->receipt,
		       (unsigned long long)m->audit_seq);
	else
		printf("activated; receipt for the portal administrator: %s\n", m->receipt);
	return 0;
}
