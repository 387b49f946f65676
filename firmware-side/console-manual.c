// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Manual activation by phone call (docs/manual-activation.md): `activation challenge`
 * shows a challenge the local administrator reads to the portal administrator;
 * `activation respond CODE` checks the portal's response under K_dev (sealed in the
 * state) and activates as a portal-signed Activate does. Each account has its own
 * challenge and back-off (core/manual.h). A mistyped group is named and nothing is tried;
 * a response without a challenge of the account outstanding is refused and nothing is
 * counted; any other response consumes the challenge, and a wrong one is audited and
 * counts for the account's back-off.
 */
#include <string.h>

#include <mbedtls/platform_util.h>

#include "actions.h"
#include "console-cmd.h"
#include "manual.h"
#include "sealed.h"

_Static_assert(sizeof(((svcport_v1_BmcState *)0)->accounts) /
                           sizeof(((svcport_v1_BmcState *)0)->accounts[0]) +
                       1 <=
                   MANUAL_SLOTS,
               "a manual activation challenge for every account and the Administrator+");

/* Wrong responses back off per account, on the manual table's own limiter (manual.h). */
static struct rl_key rl_key_of(const struct console_step *step)
{
	return (struct rl_key){.session = (uint32_t)(step->account - CONSOLE_ACCOUNT_NONE + 1)};
}

static const char *user_of(const svcport_v1_BmcState *st, const struct console_step *step)
{
	return step->account >= 0 ? st->accounts[step->account].name : CONSOLE_DEFAULT_USER;
}

static struct manual_binding binding_of(const svcport_v1_BmcState *st)
{
	return (struct manual_binding){.action = svcport_v1_Action_ACTION_ACTIVATE,
	                               .owner_org = st->owner_org,
	                               .machine_type = st->device.machine_type,
	                               .serial_number = st->device.serial_number};
}

/* The board can take part: an identity, an owner, a key, and Activate can succeed. */
static const char *why_not_ready(const svcport_v1_BmcState *st)
{
	if (!st->has_identity)
		return "a blank board: its DeviceKeyUpdate brings the identity first";
	if (!st->owner_org[0])
		return "not claimed: the portal activates only a device its organisation claimed";
	if (!sealed_has_manual_key(st))
		return "this board holds no manual activation key (the factory's manual.key, or a "
		       "DeviceKeyUpdate that carries it)";
	return bmc_activate_blocker(st);
}

CONSOLE_HANDLER(console_manual_challenge)
{
	const struct rl_key k = rl_key_of(step);
	const uint32_t wait = ratelimit_check(&b->manual.rl, &k, b->env.now_ms(b->env.user_data));
	svcport_admin_v1_ManualChallengeReply *out = &r->body.manual_challenge;
	const char *why = why_not_ready(next);
	const struct manual_pending *p = NULL;

	(void)req;
	if (why)
		return console_fail(r, AE(INVALID_STATE), why);
	if (wait) {
		r->retry_after_ms = wait;
		return console_fail(r, AE(RATE_LIMITED),
		                    "back-off after wrong responses; retry later");
	}
	if (manual_pending_new(&b->manual, user_of(next, step), &b->env, &p) < 0 ||
	    manual_challenge_encode(&p->c, out->challenge, sizeof(out->challenge)) < 0) {
		(void)manual_pending_take(&b->manual, user_of(next, step), 0, NULL);
		return console_fail(r, AE(INTERNAL), "no random bytes for a challenge");
	}
	out->expires_at = p->expires_ms / 1000u;
	r->which_body = svcport_admin_v1_AdminReply_manual_challenge_tag;
	return AE(OK);
}

/* "challenge=CODE" of c, as the portal's audit names it (attack16a L2). */
static void challenge_text(const struct manual_challenge *c, char out[MANUAL_TEXT_MAX])
{
	if (manual_challenge_encode(c, out, MANUAL_TEXT_MAX) < 0)
		snprintf(out, MANUAL_TEXT_MAX, "?");
}

/* A refusal that used the challenge c up: audited, nothing else changes. */
static svcport_admin_v1_AdminError refuse(svcport_admin_v1_AdminReply *r,
                                          const svcport_v1_BmcState *st, struct console_step *step,
                                          const struct manual_challenge *c,
                                          svcport_admin_v1_AdminError e, const char *msg,
                                          const char *why)
{
	char code[MANUAL_TEXT_MAX];

	challenge_text(c, code);
	step->event = "manual-activate-refused";
	step->audit_refusal = true;
	snprintf(step->detail, sizeof(step->detail), "challenge=%s user=%s: %s", code,
	         user_of(st, step), why);
	return console_fail(r, e, msg);
}

/* The activation itself, as a portal-signed Activate (actions.c), and its receipt. */
static svcport_admin_v1_AdminError activate(struct bmc *b, const struct manual_challenge *c,
                                            const uint8_t key[MANUAL_KEY_LEN],
                                            svcport_admin_v1_AdminReply *r,
                                            svcport_v1_BmcState *next, struct console_step *step)
{
	svcport_v1_CommandBody body = {.which_action = svcport_v1_CommandBody_activate_tag};
	const struct bmc_cmd_ctx ctx = {.link = svcport_v1_LinkKind_LINK_KIND_UNSPECIFIED};
	static svcport_v1_CommandResult result;
	const struct manual_binding bind = binding_of(next);
	svcport_admin_v1_ManualActivateReply *out = &r->body.manual_activate;
	const char *detail = "refused";
	char code[MANUAL_TEXT_MAX];
	svcport_v1_ErrorCode rc;

	body.device = next->device;
	body.has_device = true;
	rc = bmc_action_apply(b, &body, &ctx, next, &result, &detail);
	mbedtls_platform_zeroize(&result, sizeof(result));
	if (rc != svcport_v1_ErrorCode_ERROR_NONE) {
		*next = b->st;
		return refuse(r, next, step, c,
		              rc == svcport_v1_ErrorCode_INTERNAL ? AE(INTERNAL)
		                                                  : AE(INVALID_STATE),
		              detail, detail);
	}
	if (manual_receipt_make(key, &bind, c, out->receipt, sizeof(out->receipt)) < 0)
		out->receipt[0] = 0; /* activated all the same: the receipt is a courtesy */
	out->audit_seq = next->audit_count + 1;
	r->which_body = svcport_admin_v1_AdminReply_manual_activate_tag;
	step->event = "manual-activate";
	challenge_text(c, code);
	/* The challenge first: a long organisation name may be cut, never the challenge. */
	if (snprintf(step->detail, sizeof(step->detail), "challenge=%s org=%s user=%s", code,
	             next->owner_org, user_of(next, step)) >= (int)sizeof(step->detail))
		step->detail[sizeof(step->detail) - 2] = '~';
	return AE(OK);
}

CONSOLE_HANDLER(console_manual_respond)
{
	const uint64_t now = b->env.now_ms(b->env.user_data);
	const struct rl_key k = rl_key_of(step);
	const uint32_t wait = ratelimit_check(&b->manual.rl, &k, now);
	const struct manual_binding bind = binding_of(next);
	uint8_t bits[7], key[MANUAL_KEY_LEN];
	struct manual_challenge c;
	size_t group = 0;
	char msg[96];
	int ret = manual_response_read(req->cmd.manual_respond.response, bits, &group);

	if (ret == -EBADMSG) {
		snprintf(msg, sizeof(msg),
		         "group %zu of the response is mistyped: nothing was tried, type it again",
		         group);
		return console_fail(r, AE(MISTYPED), msg);
	}
	if (ret < 0)
		return console_fail(
		    r, AE(BAD_REQUEST),
		    "a response is 12 characters in 2 groups (0-9 A-Z, no I L O U)");
	if (wait) {
		r->retry_after_ms = wait;
		return console_fail(r, AE(RATE_LIMITED),
		                    "back-off after wrong responses; retry later");
	}
	switch (manual_pending_take(&b->manual, user_of(next, step), now, &c)) {
	case MANUAL_TAKE_NONE: /* nothing tried: not a guess, not counted (attack16a L1) */
		return console_fail(
		    r, AE(INVALID_STATE),
		    "you have no challenge outstanding (used, or bmcd restarted): ask "
		    "for a new one");
	case MANUAL_TAKE_EXPIRED:
		return refuse(r, next, step, &c, AE(EXPIRED),
		              "the challenge expired (15 minutes): ask for a new one", "expired");
	case MANUAL_TAKE_LIVE:
		break;
	}
	if (why_not_ready(next))
		return console_fail(r, AE(INVALID_STATE), why_not_ready(next));
	ret = sealed_manual_key_get(b->se, next, key);
	if (ret == 0)
		ret = manual_response_check(key, &bind, &c, bits);
	if (ret == -EACCES) {
		ratelimit_fail(&b->manual.rl, &k, now);
		mbedtls_platform_zeroize(key, sizeof(key));
		return refuse(r, next, step, &c, AE(WRONG_RESPONSE),
		              "not the portal's response to this challenge for this device: ask "
		              "for a new challenge",
		              "wrong response");
	}
	if (ret < 0) {
		mbedtls_platform_zeroize(key, sizeof(key));
		return console_fail(r, AE(INTERNAL), "the manual activation key does not unseal");
	}
	ratelimit_success(&b->manual.rl, &k);
	ret = activate(b, &c, key, r, next, step);
	mbedtls_platform_zeroize(key, sizeof(key));
	mbedtls_platform_zeroize(&c, sizeof(c));
	return ret;
}
