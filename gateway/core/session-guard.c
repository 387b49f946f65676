// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What the session table refuses before bmcd is asked (session-int.h): the
 * back-off after failed verifications (per session, per peer, and for the
 * network per prefix and in one pool; backoff.h), and actions a link may
 * never carry.
 */
#include <string.h>

#include <pb_decode.h>

#include "session-int.h"

static bool is_net(const struct session *s)
{
	return s->kind == svcport_v1_LinkKind_LINK_NET;
}

bool session_backoff_refuse(struct session *s, uint32_t id, uint64_t now_ms)
{
	struct session_table *t = s->table;
	const struct backoff_rule *rule = &t->limits.backoff;
	const struct backoff_rule pool = backoff_pool_rule(rule);
	uint32_t wait = backoff_wait(&s->backoff, rule, now_ms);
	uint32_t w =
	    backoff_wait(backoff_peer(&t->peers, is_net(s), s->peer_key, false), rule, now_ms);

	if (w > wait)
		wait = w;
	if (is_net(s) && (w = backoff_wait(&t->peers.pool, &pool, now_ms)) > wait)
		wait = w;
	if (!wait)
		return false;
	session_send_error(s, id, svcport_v1_ErrorCode_RATE_LIMITED, wait,
	                   "back-off after failed verifications");
	return true;
}

void session_backoff_note(struct session *s, const svcport_v1_Response *resp)
{
	struct session_table *t = s->table;
	const uint64_t at = s->flight_deadline_ms - t->limits.request_timeout_ms;
	const struct backoff_rule pool = backoff_pool_rule(&t->limits.backoff);

	if (resp->which_body == svcport_v1_Response_error_tag) {
		if (session_is_transient(resp))
			return;
		struct backoff *peer = backoff_peer(&t->peers, is_net(s), s->peer_key, true);
		backoff_fail(&s->backoff, &t->limits.backoff, at);
		backoff_fail(peer, &t->limits.backoff, at);
		/* Only a prefix's free failures: past them its own entry slows it, and one
		 * prefix never blocks the others (re-attack 16h F3). */
		if (is_net(s) && peer->failures <= t->limits.backoff.free)
			backoff_fail(&t->peers.pool, &pool, at);
		return;
	}
	/* Reading the activation code proves nothing (bmcd's rule too). */
	if (s->flight_which != svcport_v1_Request_submit_command_tag)
		return;
	backoff_clear(&s->backoff);
	struct backoff *p = backoff_peer(&t->peers, is_net(s), s->peer_key, false);
	if (p)
		backoff_clear(p);
	/* Only a command signed for this device verifies: never the attacker's. */
	if (is_net(s))
		backoff_clear(&t->peers.pool);
}

/*
 * An EmergencyPasswordReset over the network is refused here, as bmcd refuses it
 * (it needs presence): defence in depth, bmcd never sees it. A body that does not
 * decode goes on to bmcd, which refuses it with its own reason.
 */
bool session_action_refuse(struct session *s, uint32_t id, const svcport_v1_Request *req)
{
	static svcport_v1_CommandBody body; /* one loop, one thread: no reentry */
	const svcport_v1_SignedCommand *c = &req->body.submit_command.command;

	if (!is_net(s) || req->which_body != svcport_v1_Request_submit_command_tag)
		return false;
	memset(&body, 0, sizeof(body));
	pb_istream_t is = pb_istream_from_buffer(c->body.bytes, c->body.size);
	bool reset = pb_decode(&is, svcport_v1_CommandBody_fields, &body) &&
	             body.which_action == svcport_v1_CommandBody_emergency_password_reset_tag;
	memset(&body, 0, sizeof(body));
	if (!reset)
		return false;
	session_send_error(s, id, svcport_v1_ErrorCode_PRESENCE_REQUIRED, 0,
	                   "an emergency password reset is never taken over the network");
	return true;
}
