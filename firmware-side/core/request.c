// SPDX-License-Identifier: GPL-2.0-or-later
/* The BMC core's top: opening the state, answering the gateway's requests, events. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>
#include <pb_decode.h>
#include <pb_encode.h>

#include "actions.h"
#include "audit.h"
#include "backoff.h"
#include "bmc.h"
#include "board.h"
#include "peer.h"
#include "sealed.h"
#include "sedak.h"
#include "state.h"
#include "summary.h"
#include "trust.h"
#include "verify.h"

#define E(x) svcport_v1_ErrorCode_##x

static const struct rl_config rl_defaults = {
    .session_free = 3, .link_free = 16, .base_ms = 1000, .max_ms = 60000};

static void rl_config_fill(struct rl_config *c, const struct rl_config *in)
{
	*c = rl_defaults;
	if (in && in->session_free)
		c->session_free = in->session_free;
	if (in && in->link_free)
		c->link_free = in->link_free;
	if (in && in->base_ms)
		c->base_ms = in->base_ms;
	if (in && in->max_ms)
		c->max_ms = in->max_ms;
}

/* The backup component's key store: the token, a folder given, or STATE_DIR/se. */
static int sed_keys_set(struct bmc *b, const struct bmc_options *opt)
{
	const char *dir = opt ? opt->sed_component_key : NULL;
	int n = dir ? snprintf(b->sed_component_key, sizeof(b->sed_component_key), "%s", dir)
	            : snprintf(b->sed_component_key, sizeof(b->sed_component_key), "%s/se", b->dir);

	if (n >= (int)sizeof(b->sed_component_key))
		return -ENAMETOOLONG;
	b->sed_keys.dir = b->sed_component_key;
	/* A key folder named (the component's chip) wins: it moves with the component. */
	b->sed_keys.token = !dir && b->env.se && b->env.se->module[0] ? b->env.se : NULL;
	return 0;
}

int bmc_open(const char *state_dir, const struct bmc_env *env, const struct bmc_options *opt,
             struct bmc **ret_bmc)
{
	static const struct rl_config admin_in = {.session_free = 3, .link_free = 3};
	struct rl_config rl, admin_rl;
	struct bmc *b;
	int ret;

	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	if (snprintf(b->dir, sizeof(b->dir), "%s", state_dir) >= (int)sizeof(b->dir)) {
		ret = -ENAMETOOLONG;
		goto fail;
	}
	b->env = *env;
	ret = se_open(state_dir, env, &b->se);
	if (ret == 0)
		ret = bmc_state_load(state_dir, b->se, &b->st);
	if (ret == 0)
		ret = bmc_trust_pin(b);
	if (ret == 0)
		ret = audit_discard_uncommitted(state_dir, &b->st);
	if (ret == 0)
		ret = audit_check_committed(state_dir, &b->st);
	if (ret < 0)
		goto fail;
	bmc_refresh_fingerprints(b);
	ret = bmc_latch_open(b);
	if (ret < 0)
		goto fail;
	challenge_table_init(&b->challenges, opt ? &opt->challenge : NULL);
	rl_config_fill(&rl, opt ? &opt->rl : NULL);
	ratelimit_init(&b->rl, &rl);
	rl_config_fill(&admin_rl, &admin_in);
	ratelimit_init(&b->admin_rl, &admin_rl);
	bmc_backoff_load(b); /* a restart keeps the console's back-offs */
	manual_table_init(&b->manual);
	if (opt)
		b->presence = opt->presence;
	if (opt && opt->sed_component &&
	    snprintf(b->sed_component, sizeof(b->sed_component), "%s", opt->sed_component) >=
	        (int)sizeof(b->sed_component)) {
		ret = -ENAMETOOLONG;
		goto fail;
	}
	ret = sed_keys_set(b, opt);
	if (ret < 0)
		goto fail;
	if (!opt || !opt->sed_component_sync_later)
		sedak_component_sync(b);
	*ret_bmc = b;
	return 0;
fail:
	bmc_close(b);
	return ret;
}

void bmc_sed_component_sync(struct bmc *b)
{
	sedak_component_sync(b);
}

void bmc_close(struct bmc *b)
{
	if (!b)
		return;
	se_close(b->se);
	mbedtls_platform_zeroize(b, sizeof(*b));
	free(b);
}

void bmc_tick(struct bmc *b)
{
	bmc_store_retry(b);
	bmc_summary_flush(b, false);
}

void bmc_flush(struct bmc *b)
{
	bmc_store_retry(b);
	bmc_summary_flush(b, true);
}

bool bmc_take_state_event(struct bmc *b, svcport_v1_BmcReply *ret_event)
{
	svcport_v1_StateChanged now = {
	    .lockdown_state = b->st.lockdown_state,
	    .security_led = bmc_security_led(&b->st),
	    .control_mode = b->st.control_mode,
	};

	if (b->event_valid && memcmp(&now, &b->last_event, sizeof(now)) == 0)
		return false;
	b->event_valid = true;
	b->last_event = now;
	*ret_event = (svcport_v1_BmcReply)svcport_v1_BmcReply_init_zero;
	ret_event->which_msg = svcport_v1_BmcReply_event_tag;
	ret_event->msg.event.which_body = svcport_v1_Event_state_changed_tag;
	ret_event->msg.event.body.state_changed = now;
	return true;
}

/*
 * limited: for a requester without presence (re-attack on issue 13: a stranger in radio
 * range read it before any authentication). Kept: what the phone's flows read before a
 * claim or an activation and what the server shows anyway (model, serial, LED, lock state,
 * control, owner, protocol, known signers, the public device key and certificate). Left
 * out, and never worked out: what tells an attacker which way to go (SED, its AK and backup
 * component, sensors, firmware, the password's state; docs/interfaces.md "DeviceInfo
 * without presence"). A field added later is left out until it is added here.
 */
void bmc_device_info(struct bmc *b, bool with_cert, bool limited, svcport_v1_DeviceInfo *di)
{
	const svcport_v1_BmcState *st = &b->st;
	char detail[96];

	*di = (svcport_v1_DeviceInfo)svcport_v1_DeviceInfo_init_zero;
	di->has_device = st->has_identity;
	di->device = st->device;
	di->has_identity = st->has_identity;
	di->lockdown_state = st->lockdown_state;
	di->control_mode = st->control_mode;
	memcpy(di->owner_org, st->owner_org, sizeof(di->owner_org));
	di->security_led = bmc_security_led(st);
	di->protocol_version = BMC_PROTOCOL_VERSION;
	di->known_signers_count = st->signer_cache_count;
	for (pb_size_t i = 0; i < st->signer_cache_count; i++) {
		di->known_signers[i].size = 32;
		memcpy(di->known_signers[i].bytes, b->signer_fp[i], 32);
	}
	if (with_cert) {
		memcpy(&di->device_certificate, &st->device_certificate,
		       sizeof(di->device_certificate));
		di->device_public_key.size = SE_PUBKEY_LEN;
		se_public_key(b->se, di->device_public_key.bytes);
	}
	di->limited = limited;
	if (limited)
		return; /* the component is not even probed: no AK unsealed for a stranger */
	di->sed_enabled = st->sed_enabled;
	di->has_sensors = true;
	di->sensors = st->sensors;
	snprintf(di->firmware_version, sizeof(di->firmware_version), "%s", BMC_FIRMWARE_VERSION);
	di->admin_password_must_change = st->admin_password_must_change;
	di->sed_ak_present = st->sed_ak_present;
	di->sed_backup_component = sedak_component_status(b, detail, sizeof(detail));
}

static void answer_device_info(struct bmc *b, const svcport_v1_Request *rq,
                               const struct bmc_peer *peer, svcport_v1_Response *rs)
{
	/* Presence as the activation code takes it: the cable, or BLE under ble-presence. */
	const struct bmc_cmd_ctx ctx = {.link = peer->link, .physical_presence = peer->present};

	rs->which_body = svcport_v1_Response_device_info_tag;
	bmc_device_info(b, rq->body.get_device_info.include_certificate,
	                !bmc_is_presence_ok(&b->st, &ctx), &rs->body.device_info);
}

static svcport_v1_ErrorCode make_challenge(struct bmc *b, const struct bmc_peer *peer,
                                           svcport_v1_Challenge *c, uint32_t *ret_retry_ms,
                                           const char **detail)
{
	svcport_v1_ChallengeBody cb = svcport_v1_ChallengeBody_init_zero;
	pb_ostream_t os = pb_ostream_from_buffer(c->body.bytes, sizeof(c->body.bytes));
	uint64_t now_ms = b->env.now_ms(b->env.user_data);
	size_t sig_len;
	int ret = challenge_issue(&b->challenges, &b->env, now_ms, &peer->key, cb.nonce.bytes,
	                          ret_retry_ms);

	if (ret == -EBUSY) {
		/* Refuse the newcomer: never evict another session's challenge. */
		*detail = "too many challenges: ask again later";
		return E(RATE_LIMITED);
	}
	*detail = "challenge could not be made";
	if (ret < 0)
		return E(INTERNAL);
	cb.nonce.size = CHALLENGE_NONCE_LEN;
	cb.has_device = b->st.has_identity;
	cb.device = b->st.device;
	cb.known_signers_count = b->st.signer_cache_count;
	for (pb_size_t i = 0; i < b->st.signer_cache_count; i++) {
		cb.known_signers[i].size = 32;
		memcpy(cb.known_signers[i].bytes, b->signer_fp[i], 32);
	}
	cb.issued_at = now_ms / 1000u;
	cb.expires_at = (now_ms + CHALLENGE_TTL_MS) / 1000u;
	if (!pb_encode(&os, svcport_v1_ChallengeBody_fields, &cb))
		return E(INTERNAL);
	c->body.size = (pb_size_t)os.bytes_written;
	if (se_sign(b->se, c->body.bytes, c->body.size, c->signature.bytes, &sig_len, &b->env) < 0)
		return E(INTERNAL);
	c->signature.size = (pb_size_t)sig_len;
	return E(ERROR_NONE);
}

static void set_error(svcport_v1_Response *r, svcport_v1_ErrorCode code, const char *detail,
                      uint32_t retry_after_ms)
{
	r->which_body = svcport_v1_Response_error_tag;
	r->body.error.code = code;
	snprintf(r->body.error.detail, sizeof(r->body.error.detail), "%s", detail ? detail : "");
	r->body.error.retry_after_ms = retry_after_ms;
}

/* Requests that count failures for the back-off. */
static bool is_rate_limited_request(pb_size_t which)
{
	return which == svcport_v1_Request_submit_command_tag ||
	       which == svcport_v1_Request_get_activation_code_tag;
}

static svcport_v1_ErrorCode answer_submit(struct bmc *b, const svcport_v1_BmcRequest *req,
                                          const struct bmc_peer *peer, svcport_v1_Response *rs,
                                          struct bmc_outcome *out, const char **detail)
{
	const struct bmc_cmd_ctx ctx = {
	    .session_id = peer->session, .link = peer->link, .physical_presence = peer->present};
	const svcport_v1_SubmitCommand *sc = &req->request.body.submit_command;

	if (!sc->has_command) {
		*detail = "no command";
		return E(BAD_REQUEST);
	}
	rs->which_body = svcport_v1_Response_command_result_tag;
	rs->body.command_result.has_receipt = true;
	return bmc_cmd_submit(b, &sc->command, &ctx, &out->action, &rs->body.command_result,
	                      detail);
}

static svcport_v1_ErrorCode answer_activation_code(struct bmc *b, const struct bmc_peer *peer,
                                                   svcport_v1_Response *rs, const char **detail)
{
	const struct bmc_cmd_ctx ctx = {.link = peer->link, .physical_presence = peer->present};

	if (!bmc_is_presence_ok(&b->st, &ctx)) {
		*detail = "the activation code needs the service port";
		return E(PRESENCE_REQUIRED);
	}
	if (!b->st.has_identity || !sealed_has_code(&b->st)) {
		*detail = "no activation code on this board";
		return E(INVALID_STATE);
	}
	if (sealed_code_get(b->se, &b->st, rs->body.activation_code.code) < 0) {
		*detail = "the sealed activation code does not unseal";
		return E(INTERNAL);
	}
	rs->which_body = svcport_v1_Response_activation_code_tag;
	return E(ERROR_NONE);
}

/* One request, by type: the response in rs, or an error code and *detail. */
static svcport_v1_ErrorCode answer(struct bmc *b, const svcport_v1_BmcRequest *req,
                                   const struct bmc_peer *peer, svcport_v1_Response *rs,
                                   struct bmc_outcome *out, uint32_t *retry_ms, const char **detail)
{
	const svcport_v1_Request *rq = &req->request;

	switch (rq->which_body) {
	case svcport_v1_Request_get_device_info_tag:
		out->request = "GetDeviceInfo";
		answer_device_info(b, rq, peer, rs);
		return E(ERROR_NONE);
	case svcport_v1_Request_get_challenge_tag:
		out->request = "GetChallenge";
		rs->which_body = svcport_v1_Response_challenge_tag;
		return make_challenge(b, peer, &rs->body.challenge, retry_ms, detail);
	case svcport_v1_Request_submit_command_tag:
		out->request = "SubmitCommand";
		return answer_submit(b, req, peer, rs, out, detail);
	case svcport_v1_Request_get_activation_code_tag:
		out->request = "GetActivationCode";
		return answer_activation_code(b, peer, rs, detail);
	case svcport_v1_Request_ping_tag:
		out->request = "Ping";
		rs->which_body = svcport_v1_Response_pong_tag;
		memcpy(&rs->body.pong.payload, &rq->body.ping.payload,
		       sizeof(rs->body.pong.payload));
		return E(ERROR_NONE);
	case svcport_v1_Request_get_link_info_tag:
		out->request = "GetLinkInfo";
		*detail = "GetLinkInfo is answered by the gateway";
		return E(BAD_REQUEST);
	default:
		*detail = "unknown request";
		return E(BAD_REQUEST);
	}
}

void bmc_handle_request(struct bmc *b, const svcport_v1_BmcRequest *req, svcport_v1_BmcReply *reply,
                        struct bmc_outcome *out)
{
	const svcport_v1_Request *rq = &req->request;
	svcport_v1_Response *rs = &reply->msg.response;
	const uint64_t now_ms = b->env.now_ms(b->env.user_data);
	const bool limited = req->has_request && is_rate_limited_request(rq->which_body);
	svcport_v1_ErrorCode rc;
	const char *detail = NULL;
	struct bmc_peer peer;
	uint32_t wait = 0;

	*reply = (svcport_v1_BmcReply)svcport_v1_BmcReply_init_zero;
	reply->session_id = req->session_id;
	reply->request_id = req->request_id;
	reply->which_msg = svcport_v1_BmcReply_response_tag;
	*out = (struct bmc_outcome){.request = "?"};

	if (!req->has_request || rq->which_body == 0) {
		out->request = "none";
		rc = E(BAD_REQUEST);
		detail = "no request";
		goto error;
	}
	detail = bmc_peer_check(&b->presence, req, &peer);
	if (detail) {
		out->request = "refused";
		rc = E(BAD_REQUEST);
		goto error;
	}
	wait = limited ? ratelimit_check(&b->rl, &peer.key, now_ms) : 0;
	if (wait) {
		out->request = rq->which_body == svcport_v1_Request_submit_command_tag
		                   ? "SubmitCommand"
		                   : "GetActivationCode";
		rc = E(RATE_LIMITED);
		detail = "back-off after failed verifications";
		ratelimit_note_backed_off(&b->rl, &peer.key, now_ms);
		goto error;
	}
	rc = answer(b, req, &peer, rs, out, &wait, &detail);
	if (rc == E(ERROR_NONE)) {
		/* Only a verified command clears the back-off: reading the code
		 * proves nothing, and would let a peer with presence (or over BLE
		 * with ble-presence) reset its failures between tries. */
		if (rq->which_body == svcport_v1_Request_submit_command_tag)
			ratelimit_success(&b->rl, &peer.key);
		goto done;
	}
	if (limited && rc != E(INTERNAL))
		ratelimit_fail(&b->rl, &peer.key, now_ms);
error:
	*rs = (svcport_v1_Response)svcport_v1_Response_init_zero;
	set_error(rs, rc, detail, rc == E(RATE_LIMITED) ? wait : 0);
	out->result = rc;
	out->detail = detail;
done:
	bmc_summary_flush(b, false);
}

int bmc_handle_packet(struct bmc *b, const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap,
                      size_t *ret_len, struct bmc_outcome *ret_outcome)
{
	static svcport_v1_BmcRequest req;
	static svcport_v1_BmcReply reply;
	pb_ostream_t os = pb_ostream_from_buffer(out, out_cap);
	pb_istream_t is = pb_istream_from_buffer(in, in_len);
	int ret;

	memset(&req, 0, sizeof(req));
	if (in_len > svcport_v1_BmcRequest_size ||
	    !pb_decode(&is, svcport_v1_BmcRequest_fields, &req)) {
		const bool too_large = in_len > svcport_v1_BmcRequest_size;
		const svcport_v1_ErrorCode code = too_large ? E(TOO_LARGE) : E(BAD_REQUEST);
		const char *what = too_large ? "packet over the maximum" : "packet does not decode";

		reply = (svcport_v1_BmcReply)svcport_v1_BmcReply_init_zero;
		reply.which_msg = svcport_v1_BmcReply_response_tag;
		set_error(&reply.msg.response, code, what, 0);
		*ret_outcome =
		    (struct bmc_outcome){.request = "undecodable", .result = code, .detail = what};
	} else {
		bmc_handle_request(b, &req, &reply, ret_outcome);
	}
	ret = pb_encode(&os, svcport_v1_BmcReply_fields, &reply) ? 0 : -EINVAL;
	if (ret == 0)
		*ret_len = os.bytes_written;
	/* A request may carry an activation code (DeviceKeyUpdate), a reply the
	 * board's (GetActivationCode): out is the only copy left. */
	mbedtls_platform_zeroize(&req, sizeof(req));
	mbedtls_platform_zeroize(&reply, sizeof(reply));
	return ret;
}

const char *bmc_error_name(svcport_v1_ErrorCode code)
{
	static const char *const names[] = {
	    "OK",
	    "BAD_REQUEST",
	    "UNSUPPORTED_VERSION",
	    "TOO_LARGE",
	    "LINK_PROTOCOL",
	    "RATE_LIMITED",
	    "BMC_UNAVAILABLE",
	    "BAD_SIGNATURE",
	    "UNTRUSTED_SIGNER",
	    "WRONG_DEVICE",
	    "NONCE_UNKNOWN",
	    "EXPIRED",
	    "ROLE_FORBIDDEN",
	    "NOT_OWNER",
	    "INVALID_STATE",
	    "PRESENCE_REQUIRED",
	    "INTERNAL",
	};
	_Static_assert(sizeof(names) / sizeof(names[0]) == svcport_v1_ErrorCode_INTERNAL + 1,
	               "one name per ErrorCode");

	if ((unsigned)code < sizeof(names) / sizeof(names[0]))
		return names[code];
	return "?";
}
