// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libsvcport-client's exchange rules against a scripted device (CDC and ATT): a request
 * that gets no answer goes again as the same bytes under the same id, then fails; both
 * RATE_LIMITED back-offs (the gateway's id-0 refusal and bmcd's) wait what they are told
 * and ask again, within bounds; every ErrorCode comes back as the device's refusal,
 * at each step; late and foreign answers are ignored; events arrive at any time; cancel,
 * link loss and misuse end or refuse cleanly. Time moves only by fx_tick_to.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "client-fixture.h"

static const uint8_t nonce1[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

static struct fx *connected(enum svcport_client_link kind)
{
	struct fx *f = fx_new(kind);

	fx_client(f);
	fx_connect(f, 0);
	return f;
}

static void answer_info(struct fx *f, uint32_t id)
{
	svcport_v1_Response resp = svcport_v1_Response_init_zero;

	resp.which_body = svcport_v1_Response_device_info_tag;
	strcpy(resp.body.device_info.owner_org, "acme");
	fx_respond(f, id, &resp);
}

/* DESIGN §2.1: no answer within the timeout, the same bytes again (same id: the gateway
 * answers a repeat from its cache); the answer to any attempt ends it. */
static void repeat_same_id(void **state)
{
	static uint8_t first[512], again[512];
	struct fx *f = connected(SVCPORT_CLIENT_LINK_CDC);
	struct svcport_client_stats st;
	int64_t t = f->now;
	size_t n1, n2;

	assert_int_equal(svcport_client_start(f->c, SVCPORT_CLIENT_FLOW_INFO), 0);
	n1 = fx_message(f, first, sizeof(first));
	assert_int_equal(svcport_client_next_wakeup(f->c), t + 5000);
	fx_tick_to(f, t + 4999);
	fx_no_request(f);
	fx_tick_to(f, t + 5000);
	n2 = fx_message(f, again, sizeof(again));
	assert_int_equal(n1, n2);
	assert_memory_equal(first, again, n1);
	assert_int_equal(svcport_client_next_wakeup(f->c), t + 10000);
	f->msg_pos--; /* read it as a request to learn its id */
	answer_info(f, fx_request(f, svcport_v1_Request_get_device_info_tag));
	assert_int_equal(f->res.status, 0);
	assert_string_equal(f->info.owner_org, "acme");
	svcport_client_get_stats(f->c, &st);
	assert_int_equal(st.repeats, 1);
	assert_int_equal(st.exchanges, 2); /* GetLinkInfo, GetDeviceInfo */
	assert_int_equal(st.frames, 3);
	assert_int_equal(svcport_client_next_wakeup(f->c), -1);
	fx_free(f);
}

/* After `retries` repeats, -ETIMEDOUT; a late answer then changes nothing. */
static void repeats_exhausted(void **state)
{
	struct fx *f = connected(SVCPORT_CLIENT_LINK_ATT);
	int64_t t = f->now;
	uint32_t id;

	assert_int_equal(svcport_client_start(f->c, SVCPORT_CLIENT_FLOW_INFO), 0);
	id = fx_request(f, svcport_v1_Request_get_device_info_tag);
	fx_tick_to(f, t + 5000);
	assert_int_equal(fx_request(f, svcport_v1_Request_get_device_info_tag), id);
	fx_tick_to(f, t + 10000);
	assert_int_equal(fx_request(f, svcport_v1_Request_get_device_info_tag), id);
	assert_int_equal(f->n_done, 1);
	fx_tick_to(f, t + 15000);
	assert_int_equal(f->n_done, 2);
	assert_int_equal(f->res.status, -ETIMEDOUT);
	fx_no_request(f);
	answer_info(f, id);
	assert_int_equal(f->n_done, 2);
	/* The client goes on: the next flow works. */
	assert_int_equal(svcport_client_start(f->c, SVCPORT_CLIENT_FLOW_INFO), 0);
	answer_info(f, fx_request(f, svcport_v1_Request_get_device_info_tag));
	assert_int_equal(f->res.status, 0);
	fx_free(f);
}

/* RATE_LIMITED from the gateway (id 0: it dropped a frame over its rate unread) and from
 * bmcd (our id: the back-off after failed verifications): the exchange waits exactly the
 * time it was told, then sends the same bytes again. */
static void rate_limited_backoffs(void **state)
{
	struct fx *f = connected(SVCPORT_CLIENT_LINK_CDC);
	struct svcport_client_stats st;
	svcport_v1_Response resp;
	int64_t t = f->now;
	uint32_t id;

	assert_int_equal(svcport_client_start(f->c, SVCPORT_CLIENT_FLOW_ACTIVATE), 0);
	id = fx_request(f, svcport_v1_Request_get_challenge_tag);
	fx_respond_error(f, 0, svcport_v1_ErrorCode_RATE_LIMITED, 200, "too many frames");
	assert_int_equal(svcport_client_next_wakeup(f->c), t + 200);
	fx_tick_to(f, t + 199);
	fx_no_request(f);
	fx_tick_to(f, t + 200);
	assert_int_equal(fx_request(f, svcport_v1_Request_get_challenge_tag), id);
	fx_challenge(&resp, nonce1, 0);
	fx_respond(f, id, &resp);
	assert_int_equal(f->n_sign, 1);
	fx_make_command(f, false);
	assert_int_equal(svcport_client_sign_done(f->c, f->command, f->command_len), 0);
	id = fx_request(f, svcport_v1_Request_submit_command_tag);
	fx_respond_error(f, id, svcport_v1_ErrorCode_RATE_LIMITED, 1500, "back-off");
	assert_int_equal(svcport_client_next_wakeup(f->c), t + 200 + 1500);
	fx_tick_to(f, t + 1699);
	fx_no_request(f);
	fx_tick_to(f, t + 1700);
	assert_int_equal(fx_request(f, svcport_v1_Request_submit_command_tag), id);
	fx_receipt(&resp, nonce1, svcport_v1_Action_ACTION_ACTIVATE,
	           svcport_v1_ErrorCode_ERROR_NONE);
	fx_respond(f, id, &resp);
	assert_int_equal(f->res.status, 0);
	svcport_client_get_stats(f->c, &st);
	assert_int_equal(st.backoffs, 2);
	assert_int_equal(st.exchanges, 3);
	fx_free(f);
}

/* A wait longer than backoff_max_ms is for a person to decide: it is the answer, with
 * retry_after_ms; so is the wait after backoff_tries of them. */
static void rate_limited_bounds(void **state)
{
	struct fx *f = connected(SVCPORT_CLIENT_LINK_CDC);
	uint32_t id;

	assert_int_equal(svcport_client_start(f->c, SVCPORT_CLIENT_FLOW_INFO), 0);
	id = fx_request(f, svcport_v1_Request_get_device_info_tag);
	fx_respond_error(f, id, svcport_v1_ErrorCode_RATE_LIMITED, 60000, "locked out");
	assert_int_equal(f->res.status, -EREMOTEIO);
	assert_int_equal(f->res.error, SVCPORT_CLIENT_RATE_LIMITED);
	assert_int_equal(f->res.retry_after_ms, 60000);
	assert_string_equal(f->res.detail, "locked out");

	assert_int_equal(svcport_client_start(f->c, SVCPORT_CLIENT_FLOW_INFO), 0);
	id = fx_request(f, svcport_v1_Request_get_device_info_tag);
	for (int i = 0; i < 3; i++) {
		fx_respond_error(f, 0, svcport_v1_ErrorCode_RATE_LIMITED, 100, "");
		fx_tick_to(f, f->now + 100);
		assert_int_equal(fx_request(f, svcport_v1_Request_get_device_info_tag), id);
	}
	fx_respond_error(f, 0, svcport_v1_ErrorCode_RATE_LIMITED, 100, "");
	assert_int_equal(f->res.status, -EREMOTEIO);
	assert_int_equal(f->res.error, SVCPORT_CLIENT_RATE_LIMITED);
	assert_int_equal(f->res.retry_after_ms, 100);
	fx_free(f);
}

/* Every ErrorCode, at every request of a signed flow and of the others: the device's
 * refusal ends the flow with its code and words; RATE_LIMITED without a wait too. */
static void every_error_code(void **state)
{
	struct fx *f = connected(SVCPORT_CLIENT_LINK_CDC);
	svcport_v1_Response resp;

	for (int code = 1; code <= 16; code++) {
		uint32_t id;

		assert_int_equal(svcport_client_start(f->c, SVCPORT_CLIENT_FLOW_CLAIM), 0);
		id = fx_request(f, svcport_v1_Request_get_challenge_tag);
		fx_respond_error(f, id, (svcport_v1_ErrorCode)code, 0, "at the challenge");
		assert_int_equal(f->res.flow, SVCPORT_CLIENT_FLOW_CLAIM);
		assert_int_equal(f->res.status, -EREMOTEIO);
		assert_int_equal(f->res.error, code);
		assert_string_equal(f->res.detail, "at the challenge");
		assert_int_equal(f->n_sign, code - 1);

		assert_int_equal(svcport_client_start(f->c, SVCPORT_CLIENT_FLOW_ACTIVATE), 0);
		id = fx_request(f, svcport_v1_Request_get_challenge_tag);
		fx_challenge(&resp, nonce1, 1);
		fx_respond(f, id, &resp);
		fx_make_command(f, true); /* by chain: UNTRUSTED_SIGNER is final too */
		assert_int_equal(svcport_client_sign_done(f->c, f->command, f->command_len), 0);
		id = fx_request(f, svcport_v1_Request_submit_command_tag);
		fx_respond_error(f, id, (svcport_v1_ErrorCode)code, 0, "at the command");
		assert_int_equal(f->res.status, -EREMOTEIO);
		assert_int_equal(f->res.error, code);
		assert_string_equal(f->res.detail, "at the command");
		assert_null(f->res.receipt);

		assert_int_equal(svcport_client_start(f->c, SVCPORT_CLIENT_FLOW_INFO), 0);
		id = fx_request(f, svcport_v1_Request_get_device_info_tag);
		fx_respond_error(f, id, (svcport_v1_ErrorCode)code, 0, "");
		assert_int_equal(f->res.error, code);
		assert_string_equal(svcport_client_error_name((enum svcport_client_error)code),
		                    svcport_client_error_name(f->res.error));
		assert_true(strlen(svcport_client_error_text(f->res.error)) > 5);
	}
	assert_string_equal(svcport_client_error_name(SVCPORT_CLIENT_NOT_OWNER), "NOT_OWNER");
	assert_string_equal(svcport_client_error_name((enum svcport_client_error)99), "UNKNOWN");
	assert_string_equal(svcport_client_flow_name(SVCPORT_CLIENT_FLOW_EMERGENCY_RESET),
	                    "emergency-reset");
	fx_free(f);
}

/* The answer to an earlier attempt (another id) is not this one's; an answer of another
 * kind breaks the protocol; the device's requests and undecodable frames are ignored. */
static void foreign_answers(void **state)
{
	static const uint8_t junk[] = {0xff, 0xff, 0xff, 0xff};
	struct fx *f = connected(SVCPORT_CLIENT_LINK_CDC);
	svcport_v1_Response resp = svcport_v1_Response_init_zero;
	struct svcport_client_stats st;
	uint32_t id;

	assert_int_equal(svcport_client_start(f->c, SVCPORT_CLIENT_FLOW_INFO), 0);
	id = fx_request(f, svcport_v1_Request_get_device_info_tag);
	answer_info(f, id + 1000);
	fx_send_message(f, junk, sizeof(junk));
	fx_send_message(f, (const uint8_t[]){0x08, 0x05, 0x12, 0x02, 0x1a, 0x00}, 6);
	assert_int_equal(f->n_done, 1);
	resp.which_body = svcport_v1_Response_pong_tag;
	fx_respond(f, id, &resp);
	assert_int_equal(f->res.status, -EPROTO);
	svcport_client_get_stats(f->c, &st);
	assert_int_equal(st.ignored, 3);
	fx_free(f);
}

/* StateChanged (id 0) at any time: idle, or while a flow waits. */
static void events(void **state)
{
	struct fx *f = connected(SVCPORT_CLIENT_LINK_ATT);
	uint32_t id;

	fx_event(f, svcport_v1_LockdownState_LOCKDOWN_LOCKED, svcport_v1_SecurityLed_LED_BLINKING);
	assert_int_equal(f->n_state, 1);
	assert_int_equal(f->state.lockdown, SVCPORT_CLIENT_LOCKDOWN_LOCKED);
	assert_int_equal(f->state.led, SVCPORT_CLIENT_LED_BLINKING);
	assert_int_equal(f->state.control, SVCPORT_CLIENT_CONTROL_PORTAL);
	assert_int_equal(svcport_client_start(f->c, SVCPORT_CLIENT_FLOW_INFO), 0);
	id = fx_request(f, svcport_v1_Request_get_device_info_tag);
	fx_event(f, svcport_v1_LockdownState_LOCKDOWN_ACTIVE, svcport_v1_SecurityLed_LED_ON);
	assert_int_equal(f->n_state, 2);
	assert_int_equal(f->state.led, SVCPORT_CLIENT_LED_ON);
	assert_int_equal(f->n_done, 1);
	answer_info(f, id);
	assert_int_equal(f->res.status, 0);
	fx_free(f);
}

/* Cancel while the portal signs or while the device answers: -ECANCELED now, and what
 * comes later belongs to nobody. */
static void cancel(void **state)
{
	struct fx *f = connected(SVCPORT_CLIENT_LINK_CDC);
	svcport_v1_Response resp;
	uint32_t id;

	assert_int_equal(svcport_client_cancel(f->c), -EALREADY);
	assert_int_equal(svcport_client_start(f->c, SVCPORT_CLIENT_FLOW_EMERGENCY_RESET), 0);
	id = fx_request(f, svcport_v1_Request_get_challenge_tag);
	fx_challenge(&resp, nonce1, 0);
	fx_respond(f, id, &resp);
	assert_int_equal(svcport_client_cancel(f->c), 0);
	assert_int_equal(f->res.status, -ECANCELED);
	fx_make_command(f, false);
	assert_int_equal(svcport_client_sign_done(f->c, f->command, f->command_len), -EALREADY);
	fx_no_request(f);

	assert_int_equal(svcport_client_start(f->c, SVCPORT_CLIENT_FLOW_INFO), 0);
	id = fx_request(f, svcport_v1_Request_get_device_info_tag);
	assert_int_equal(svcport_client_cancel(f->c), 0);
	assert_int_equal(svcport_client_next_wakeup(f->c), -1);
	answer_info(f, id);
	assert_int_equal(f->n_done, 3);
	fx_free(f);

	/* A cancelled set-up is no link to go on with. */
	f = fx_new(SVCPORT_CLIENT_LINK_ATT);
	f->mute = true;
	fx_client(f);
	assert_int_equal(svcport_client_connect(f->c), 0);
	assert_int_equal(svcport_client_cancel(f->c), 0);
	assert_int_equal(f->res.status, -ECANCELED);
	assert_int_equal(svcport_client_connect(f->c), -EALREADY);
	assert_int_equal(svcport_client_start(f->c, SVCPORT_CLIENT_FLOW_INFO), -ENOTCONN);
	fx_free(f);
}

/* Over CDC a refused GetLinkInfo (a full gateway says RATE_LIMITED) may be asked again. */
static void connect_again(void **state)
{
	struct fx *f = fx_new(SVCPORT_CLIENT_LINK_CDC);
	uint32_t id;

	fx_client(f);
	assert_int_equal(svcport_client_connect(f->c), 0);
	assert_int_equal(svcport_client_connect(f->c), -EALREADY);
	id = fx_request(f, svcport_v1_Request_get_link_info_tag);
	fx_respond_error(f, id, svcport_v1_ErrorCode_RATE_LIMITED, 10000, "no free session");
	assert_int_equal(f->res.flow, SVCPORT_CLIENT_FLOW_CONNECT);
	assert_int_equal(f->res.status, -EREMOTEIO);
	assert_int_equal(f->res.retry_after_ms, 10000);
	assert_int_equal(svcport_client_start(f->c, SVCPORT_CLIENT_FLOW_INFO), -ENOTCONN);
	fx_connect(f, 0);
	assert_int_equal(svcport_client_connect(f->c), -EALREADY);
	fx_free(f);
}

/* Misuse is refused without a sound: before the connect, twice, busy, unknown flows. */
static void misuse(void **state)
{
	struct fx *f = fx_new(SVCPORT_CLIENT_LINK_CDC);
	struct svcport_client_config bad;
	struct svcport_client *c = NULL;

	fx_client(f);
	assert_int_equal(svcport_client_start(f->c, SVCPORT_CLIENT_FLOW_INFO), -ENOTCONN);
	assert_int_equal(svcport_client_sign_done(f->c, (const uint8_t *)"x", 1), -EALREADY);
	assert_int_equal(svcport_client_gatt_write_done(f->c, 0), -EALREADY);
	fx_connect(f, 0);
	assert_int_equal(svcport_client_connect(f->c), -EALREADY);
	assert_int_equal(svcport_client_start(f->c, (enum svcport_client_flow)42), -EINVAL);
	assert_int_equal(svcport_client_start(f->c, SVCPORT_CLIENT_FLOW_CONNECT), -EINVAL);
	assert_int_equal(svcport_client_start(f->c, SVCPORT_CLIENT_FLOW_INFO), 0);
	assert_int_equal(svcport_client_start(f->c, SVCPORT_CLIENT_FLOW_CLAIM), -EBUSY);
	(void)fx_request(f, svcport_v1_Request_get_device_info_tag);
	fx_no_request(f); /* the busy start sent nothing */
	fx_free(f);

	svcport_client_config_init(&bad, SVCPORT_CLIENT_LINK_ATT);
	f = fx_new(SVCPORT_CLIENT_LINK_CDC); /* its callbacks have no att_send */
	assert_int_equal(svcport_client_new(&bad, &f->cb, &c), -EINVAL);
	bad.link = SVCPORT_CLIENT_LINK_CDC;
	bad.timeout_ms = 0;
	assert_int_equal(svcport_client_new(&bad, &f->cb, &c), -EINVAL);
	f->cb.now_ms = NULL;
	svcport_client_config_init(&bad, SVCPORT_CLIENT_LINK_CDC);
	assert_int_equal(svcport_client_new(&bad, &f->cb, &c), -EINVAL);
	assert_null(c);
	svcport_client_free(NULL);
	fx_free(f);
}

/* The link goes down in the middle of a flow: -ECONNRESET, and the client is done. */
static void link_lost(void **state)
{
	struct fx *f = connected(SVCPORT_CLIENT_LINK_ATT);

	assert_int_equal(svcport_client_start(f->c, SVCPORT_CLIENT_FLOW_INFO), 0);
	(void)fx_request(f, svcport_v1_Request_get_device_info_tag);
	svcport_client_link_lost(f->c);
	assert_int_equal(f->res.status, -ECONNRESET);
	assert_int_equal(f->n_done, 2);
	assert_int_equal(svcport_client_next_wakeup(f->c), -1);
	assert_int_equal(svcport_client_start(f->c, SVCPORT_CLIENT_FLOW_INFO), -ENOTCONN);
	svcport_client_link_lost(f->c);
	assert_int_equal(f->n_done, 2);
	fx_free(f);

	/* ... or during the set-up. */
	f = fx_new(SVCPORT_CLIENT_LINK_ATT);
	f->mute = true;
	fx_client(f);
	assert_int_equal(svcport_client_connect(f->c), 0);
	svcport_client_link_lost(f->c);
	assert_int_equal(f->n_done, 1);
	assert_int_equal(f->res.status, -ECONNRESET);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(repeat_same_id),
	    cmocka_unit_test(repeats_exhausted),
	    cmocka_unit_test(rate_limited_backoffs),
	    cmocka_unit_test(rate_limited_bounds),
	    cmocka_unit_test(every_error_code),
	    cmocka_unit_test(foreign_answers),
	    cmocka_unit_test(events),
	    cmocka_unit_test(cancel),
	    cmocka_unit_test(connect_again),
	    cmocka_unit_test(misuse),
	    cmocka_unit_test(link_lost),
	};

	return cmocka_run_group_tests_name("client-rpc", tests, NULL, NULL);
}
