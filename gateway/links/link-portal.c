// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * portal:https://IP:PORT — automatic online activation (DESIGN §2.4,
 * docs/online.md). An outbound link: no peer connects to it; it is the peer.
 * Each attempt opens a session of kind LINK_PORTAL (never presence) in the
 * session table and speaks through it exactly as a phone does: GetDeviceInfo;
 * if the server is claimed and locked, GetChallenge, the challenge to the
 * portal, the portal's SignedCommand back as SubmitCommand, the receipt to
 * the portal. bmcd verifies as always; the gateway adds nothing but relays.
 * Attempts repeat with a bounded, jittered back-off, so a portal that comes
 * up late or a cable plugged in later is reached on a later try, never
 * needing a power cycle.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "link-portal-int.h"
#include "log.h"
#include "loop.h"
#include "pbio.h"
#include "session.h"
#include "tls.h"

#define CHALLENGE_MARGIN_S 60 /* a kept challenge is not used in its last minute */

static const char *const step_names[] = {"idle",   "device info", "challenge",
                                         "portal", "submit",      "receipt"};

void portal_kick(struct portal_link *l)
{
	if (loop_timer_start(l->kick, 0) < 0)
		log_msg(LOG_ERR, "link %s: cannot arm its timer", l->name);
}

/* The wait before the next attempt: min * 2^(failures-1) up to max, then a uniform
 * draw in [wait/2, wait] so that many servers behind one outage do not return at once. */
static uint32_t next_wait_ms(const struct portal_link *l, enum portal_end end)
{
	uint64_t wait = l->ctx->portal_retry_max_ms;
	uint32_t r = 0;

	if (end == PORTAL_END_FAILED) {
		wait = l->ctx->portal_retry_min_ms;
		for (unsigned i = 1; i < l->failures && wait < l->ctx->portal_retry_max_ms; i++)
			wait *= 2;
		if (wait > l->ctx->portal_retry_max_ms)
			wait = l->ctx->portal_retry_max_ms;
	}
	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
		r = (uint32_t)loop_now_ms();
	return (uint32_t)(wait / 2 + (wait / 2 + 1) * (uint64_t)r / UINT32_MAX);
}

/* Ends the attempt: the session closes, the next attempt is scheduled. */
static void attempt_end(struct portal_link *l, enum portal_end end)
{
	uint32_t wait;

	/* A post still in flight belongs to this attempt: its late answer must not be taken
	 * for the next one's (attack 16o F6). An answer waiting for kick is dropped too. */
	portal_post_cancel(l);
	l->rx_http = false;
	l->rx_len = 0;
	if (l->session)
		session_close(l->session);
	l->session = NULL;
	l->step = PORTAL_IDLE;
	l->failures = end == PORTAL_END_FAILED ? l->failures + 1 : 0;
	wait = next_wait_ms(l, end);
	if (end == PORTAL_END_FAILED)
		log_msg(LOG_INFO, "link %s: next try in %u ms", l->name, wait);
	if (loop_timer_start(l->retry, wait) < 0)
		log_msg(LOG_ERR, "link %s: cannot arm its timer", l->name);
}

static int send_request(struct portal_link *l, pb_size_t which, enum portal_step step)
{
	size_t len = 0;
	int r;

	if (!l->session)
		return -ENOTCONN;
	l->frame.id = ++l->frame_id;
	l->frame.which_msg = svcport_v1_Frame_request_tag;
	l->frame.msg.request.which_body = which;
	r = pbio_encode(svcport_v1_Frame_fields, &l->frame, l->out, sizeof(l->out), &len);
	if (r < 0)
		return r;
	l->step = step;
	session_rx_frame(l->session, l->out, len, loop_now_ms());
	return 0;
}

static void on_challenge(struct portal_link *l, const svcport_v1_Challenge *ch);

static void on_device_info(struct portal_link *l, const svcport_v1_DeviceInfo *di)
{
	if (!di->has_identity || !di->owner_org[0]) {
		log_msg(LOG_DEBUG, "link %s: not claimed: nothing to activate", l->name);
		attempt_end(l, PORTAL_END_IDLE);
		return;
	}
	if (di->lockdown_state != svcport_v1_LockdownState_LOCKDOWN_LOCKED) {
		log_msg(LOG_DEBUG, "link %s: not locked: nothing to activate", l->name);
		attempt_end(l, PORTAL_END_IDLE);
		return;
	}
	log_msg(LOG_INFO, "link %s: claimed by %s and locked: asking the portal", l->name,
	        di->owner_org);
	if (l->challenge_until_ms > loop_now_ms()) {
		l->step = PORTAL_CHALLENGE;
		on_challenge(l, &l->challenge);
		return;
	}
	if (send_request(l, svcport_v1_Request_get_challenge_tag, PORTAL_CHALLENGE) < 0)
		attempt_end(l, PORTAL_END_FAILED);
}

/*
 * Keeps a fresh challenge for the attempts to come: until a minute before bmcd lets it
 * expire (its own validity, issued_at..expires_at), so that the portal's command still
 * fits. A command consumes it (challenge_forget).
 */
static void challenge_keep(struct portal_link *l, const svcport_v1_Challenge *ch)
{
	svcport_v1_ChallengeBody b;

	l->challenge_until_ms = 0;
	if (pbio_decode(svcport_v1_ChallengeBody_fields, &b, ch->body.bytes, ch->body.size) < 0 ||
	    b.expires_at < b.issued_at + 2 * CHALLENGE_MARGIN_S)
		return;
	l->challenge = *ch;
	l->challenge_until_ms =
	    loop_now_ms() + (b.expires_at - b.issued_at - CHALLENGE_MARGIN_S) * 1000u;
}

static void on_challenge(struct portal_link *l, const svcport_v1_Challenge *ch)
{
	int r;

	if (ch != &l->challenge)
		challenge_keep(l, ch);
	r = portal_creds_refresh(l);

	if (r == 0)
		r = portal_post_activation(l, ch);
	if (r < 0) {
		if (r != -ENOENT && r != -EINVAL)
			log_msg(LOG_WARNING, "link %s: cannot post to the portal: %s", l->name,
			        strerror(-r));
		attempt_end(l, PORTAL_END_FAILED);
		return;
	}
	l->step = PORTAL_SIGN;
}

static void on_command_result(struct portal_link *l, const svcport_v1_CommandResult *cr)
{
	if (!cr->has_receipt || portal_post_receipt(l, &cr->receipt) < 0) {
		log_msg(LOG_WARNING, "link %s: activated, but the receipt could not be posted",
		        l->name);
		attempt_end(l, PORTAL_END_IDLE);
		return;
	}
	log_msg(LOG_NOTICE, "link %s: bmcd accepted the portal's command: activated", l->name);
	l->step = PORTAL_RECEIPT;
}

/* One Frame from bmcd, through the session, for the request in flight. */
static void on_bmc_frame(struct portal_link *l)
{
	const svcport_v1_Response *rsp = &l->frame.msg.response;
	pb_size_t want[] = {0, svcport_v1_Response_device_info_tag,
	                    svcport_v1_Response_challenge_tag, 0,
	                    svcport_v1_Response_command_result_tag};

	if (pbio_decode(svcport_v1_Frame_fields, &l->frame, l->rx, l->rx_len) < 0 ||
	    l->frame.which_msg != svcport_v1_Frame_response_tag || l->frame.id != l->frame_id)
		return; /* an event, or a stale answer: not ours to act on */
	if (rsp->which_body == svcport_v1_Response_error_tag || l->step > PORTAL_SUBMIT ||
	    rsp->which_body != want[l->step]) {
		log_msg(LOG_WARNING, "link %s: bmcd refused the %s step: %s %s", l->name,
		        step_names[l->step],
		        rsp->which_body == svcport_v1_Response_error_tag ? "error" : "answer",
		        rsp->which_body == svcport_v1_Response_error_tag ? rsp->body.error.detail
		                                                         : "unexpected");
		attempt_end(l, PORTAL_END_FAILED);
		return;
	}
	if (l->step == PORTAL_INFO)
		on_device_info(l, &rsp->body.device_info);
	else if (l->step == PORTAL_CHALLENGE)
		on_challenge(l, &rsp->body.challenge);
	else
		on_command_result(l, &rsp->body.command_result);
}

/*
 * The portal's command must be what the link asked for: an activation of this device for
 * the challenge it posted. Anything else (a sensor change, a transfer...) is refused here,
 * never relayed: the link reaches bmcd from anywhere, a phone only from beside the server,
 * so a portal TLS key in the wrong hands must not buy more than an activation (attack 16o
 * F1). bmcd still verifies the signature, role and owner as always.
 */
static const char *command_mismatch(struct portal_link *l, const svcport_v1_SignedCommand *c)
{
	const svcport_v1_Challenge *ch = &l->oar.challenge;

	if (pbio_decode(svcport_v1_CommandBody_fields, &l->cmd, c->body.bytes, c->body.size) < 0)
		return "its body is not a command";
	if (pbio_decode(svcport_v1_ChallengeBody_fields, &l->chb, ch->body.bytes, ch->body.size) <
	    0)
		return "the challenge it answers is unreadable";
	if (l->cmd.which_action != svcport_v1_CommandBody_activate_tag)
		return "it is not an activation";
	if (!l->cmd.has_device || !l->chb.has_device ||
	    strcmp(l->cmd.device.machine_type, l->chb.device.machine_type) != 0 ||
	    strcmp(l->cmd.device.serial_number, l->chb.device.serial_number) != 0)
		return "it names another device";
	if (l->cmd.nonce.size != l->chb.nonce.size ||
	    memcmp(l->cmd.nonce.bytes, l->chb.nonce.bytes, l->chb.nonce.size) != 0)
		return "it answers another challenge";
	return NULL;
}

static void on_signed_command(struct portal_link *l)
{
	svcport_v1_SubmitCommand *sc = &l->frame.msg.request.body.submit_command;
	const char *why;

	memset(&l->frame, 0, sizeof(l->frame));
	if (pbio_decode(svcport_v1_SignedCommand_fields, &sc->command, l->rx, l->rx_len) < 0) {
		log_msg(LOG_WARNING, "link %s: the portal's answer is not a signed command",
		        l->name);
		attempt_end(l, PORTAL_END_FAILED);
		return;
	}
	why = command_mismatch(l, &sc->command);
	if (why) {
		log_msg(LOG_WARNING,
		        "link %s: refused the portal's command, not relayed to bmcd: %s", l->name,
		        why);
		attempt_end(l, PORTAL_END_FAILED);
		return;
	}
	sc->has_command = true;
	l->challenge_until_ms = 0; /* the command consumes it, whatever bmcd answers */
	log_msg(LOG_INFO, "link %s: the portal signed an activation: relaying it to bmcd", l->name);
	if (send_request(l, svcport_v1_Request_submit_command_tag, PORTAL_SUBMIT) < 0)
		attempt_end(l, PORTAL_END_FAILED);
}

/* The portal's answer to the step in flight. */
static void on_http(struct portal_link *l)
{
	char words[200];

	l->rx_http = false;
	if (l->step != PORTAL_SIGN && l->step != PORTAL_RECEIPT)
		return; /* the answer of an attempt that already ended */
	if (l->http_err < 0) {
		log_msg(LOG_WARNING, "link %s: cannot reach the portal: %s", l->name, l->why);
		attempt_end(l, l->step == PORTAL_RECEIPT ? PORTAL_END_IDLE : PORTAL_END_FAILED);
		return;
	}
	if (l->http_status != 200) {
		portal_body_words(l->rx, l->rx_len, words, sizeof(words));
		log_msg(LOG_WARNING, "link %s: the portal refused the %s (%d): %s", l->name,
		        l->step == PORTAL_SIGN ? "activation" : "receipt", l->http_status, words);
		attempt_end(l, l->step == PORTAL_RECEIPT ? PORTAL_END_IDLE : PORTAL_END_FAILED);
		return;
	}
	if (l->step == PORTAL_SIGN) {
		on_signed_command(l);
		return;
	}
	log_msg(LOG_NOTICE, "link %s: online activation done, receipt handed in", l->name);
	attempt_end(l, PORTAL_END_IDLE);
}

static void kick_cb(void *user_data)
{
	struct portal_link *l = user_data;

	if (l->rx_http)
		on_http(l);
	else if (l->rx_len && l->session)
		on_bmc_frame(l);
	l->rx_len = 0;
}

/* session_link_ops.send: bmcd's answer (or an event) as a Frame; handled from the loop. */
static int portal_session_send(void *link_data, const uint8_t *frame, size_t len)
{
	struct portal_link *l = link_data;

	if (len > sizeof(l->rx) || l->rx_http)
		return -EMSGSIZE;
	memcpy(l->rx, frame, len);
	l->rx_len = len;
	portal_kick(l);
	return 0;
}

/* The table ended the session (idle or bmcd silent past its timeout). */
static void portal_session_expire(void *link_data)
{
	struct portal_link *l = link_data;

	l->session = NULL;
	if (l->step != PORTAL_IDLE) {
		log_msg(LOG_WARNING, "link %s: session ended during the %s step", l->name,
		        step_names[l->step]);
		attempt_end(l, PORTAL_END_FAILED);
	}
}

static const struct session_link_ops portal_session_ops = {
    .send = portal_session_send,
    .expire = portal_session_expire,
};

static void attempt_start(void *user_data)
{
	struct portal_link *l = user_data;
	struct session_link sl = {.name = l->name,
	                          .kind = svcport_v1_LinkKind_LINK_PORTAL,
	                          .physical_presence = false,
	                          .events = false,
	                          .peer = "portal",
	                          .ops = &portal_session_ops};
	int r = session_open(l->ctx->sessions, &sl, l, loop_now_ms(), &l->session);

	if (r < 0) {
		l->session = NULL;
		attempt_end(l, PORTAL_END_FAILED);
		return;
	}
	memset(&l->frame, 0, sizeof(l->frame));
	if (send_request(l, svcport_v1_Request_get_device_info_tag, PORTAL_INFO) < 0)
		attempt_end(l, PORTAL_END_FAILED);
}

static void portal_link_free(struct link *base)
{
	struct portal_link *l = (struct portal_link *)base;

	if (l->session)
		session_close(l->session);
	loop_timer_free(l->retry);
	loop_timer_free(l->kick);
	portal_creds_free(l);
	free(l);
}

/* "https://IP:PORT" or "https://[IPv6]:PORT", optional trailing "/". */
static int target_parse(struct portal_link *l, const char *arg)
{
	const char *h = arg + 8, *end, *colon;
	unsigned char addr[16];
	unsigned long port;
	char *pend;

	if (strncmp(arg, "https://", 8) != 0)
		return -EINVAL;
	end = *h == '[' ? strchr(h, ']') : strchr(h, ':');
	colon = end && *h == '[' ? end + 1 : end;
	if (!end || !colon || *colon != ':' || (size_t)(end - h) >= sizeof(l->host))
		return -EINVAL;
	snprintf(l->host, sizeof(l->host), "%.*s", (int)(end - h - (*h == '[')), h + (*h == '['));
	port = strtoul(colon + 1, &pend, 10);
	if (port == 0 || port > 65535 || (*pend && strcmp(pend, "/") != 0))
		return -EINVAL;
	l->port = (uint16_t)port;
	return inet_pton(AF_INET, l->host, addr) == 1 || inet_pton(AF_INET6, l->host, addr) == 1
	           ? 0
	           : -EINVAL;
}

static int portal_link_open(const struct link_ctx *ctx, const char *arg, struct link **ret_link)
{
	struct portal_link *l = calloc(1, sizeof(*l));
	int r = -EINVAL;

	if (!l)
		return -ENOMEM;
	l->base.ops = &link_portal_ops;
	l->ctx = ctx;
	snprintf(l->name, sizeof(l->name), "portal:%s", arg);
	if (target_parse(l, arg) < 0) {
		log_msg(LOG_ERR,
		        "link %s: expected portal:https://IP:PORT (an address: svcportd "
		        "resolves no names)",
		        l->name);
		goto fail;
	}
	if (!ctx->link_dir[0] || !ctx->portal_trust[0] ||
	    snprintf(l->dir, sizeof(l->dir), "%s", ctx->link_dir) >= (int)sizeof(l->dir) ||
	    snprintf(l->trust, sizeof(l->trust), "%s", ctx->portal_trust) >=
	        (int)sizeof(l->trust)) {
		log_msg(LOG_ERR,
		        "link %s: needs --link-dir (the link certificate) and "
		        "--portal-trust (the portal's CA)",
		        l->name);
		goto fail;
	}
	r = loop_timer_new(ctx->loop, attempt_start, l, &l->retry);
	if (r == 0)
		r = loop_timer_new(ctx->loop, kick_cb, l, &l->kick);
	if (r == 0)
		r = loop_timer_start(l->retry, 0);
	if (r < 0)
		goto fail;
	log_msg(LOG_INFO, "link %s: online activation to %s port %u, trusting %s", l->name, l->host,
	        l->port, l->trust);
	*ret_link = &l->base;
	return 0;
fail:
	portal_link_free(&l->base);
	return r;
}

const struct link_ops link_portal_ops = {
    .scheme = "portal",
    .open = portal_link_open,
    .free = portal_link_free,
};
