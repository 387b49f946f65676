// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Manual activation by phone call in bmcd's console (docs/manual-activation.md): the
 * challenge, the portal's response (computed here as the portal does, with common/
 * manual-code under the tests' master key), and every refusal: a mistyped group changes
 * nothing and keeps the challenge; forged, reused, expired, wrong-device, wrong-action and
 * wrong-organisation responses are audited, use the challenge up, and change nothing else.
 * Also run as test-bmc-manual-pkcs11 (K_dev sealed by a SoftHSM2 token).
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <mbedtls/ecp.h>
#include <mbedtls/sha256.h>
#include <pb_encode.h>

#include "admin-fixture.h"
#include "manual-code.h"
#include "pwbox.h"
#include "sealed.h"
#include "testpki.h"

#define ACTIVATE svcport_v1_Action_ACTION_ACTIVATE
#define LOCKED   svcport_v1_LockdownState_LOCKDOWN_LOCKED
#define ACTIVE   svcport_v1_LockdownState_LOCKDOWN_ACTIVE

/* A well-formed guess: zeros, whose check characters are zeros too. */
#define FORGED "000000-000000"

static struct manual_challenge chal;

/* The board bmcd runs on (NULL: device_key): K_dev is bound to its device key. */
static const mbedtls_pk_context *board;

/* A portal-managed server, claimed by TPKI_ORG, its password set: LOCKED. */
static int setup_claimed(void **state)
{
	svcport_v1_CommandBody body;

	board = NULL;
	setup_portal(state);
	tworld_body(&W, &body, svcport_v1_CommandBody_claim_tag, svcport_v1_Role_ROLE_ORG_ADMIN,
	            TPKI_ORG);
	assert_int_equal(tworld_do(&W, &body), svcport_v1_ErrorCode_ERROR_NONE);
	set_password();
	assert_int_equal(st()->lockdown_state, LOCKED);
	return 0;
}

/* `activation challenge`: 15 characters in 3 groups; chal := what it says. */
static void challenge(void)
{
	new_req();
	assert_int_equal(run(CMD(manual_challenge), PW), AE(OK));
	assert_int_equal(strlen(rep.body.manual_challenge.challenge), 17);
	assert_int_equal(manual_challenge_decode(rep.body.manual_challenge.challenge, &chal, NULL),
	                 0);
	assert_int_equal(rep.body.manual_challenge.expires_at, W.now_ms / 1000 / 60 * 60 + 16 * 60);
}

static const mbedtls_pk_context *board_key(void)
{
	return board ? board : &tpki_get()->device_key;
}

/* The portal's response to chal for (mt, sn, org, action), in out. */
static void response(const char *mt, const char *sn, const char *org, uint8_t action,
                     char out[MANUAL_TEXT_MAX])
{
	const struct manual_binding b = {
	    .action = action, .owner_org = org, .machine_type = mt, .serial_number = sn};
	uint8_t key[MANUAL_KEY_LEN];

	tpki_manual_key(mt, sn, board_key(), key);
	assert_int_equal(manual_response_make(key, &b, &chal, out, MANUAL_TEXT_MAX), 0);
}

static svcport_admin_v1_AdminError respond(const char *text)
{
	new_req();
	strcpy(req.cmd.manual_respond.response, text);
	return run(CMD(manual_respond), PW);
}

/* The state (memory and disk) and audit log as they were, but for one more audit record
 * `manual-activate-refused`: nothing else changed. */
static void expect_audited_refusal(const struct tsnap *s, const svcport_v1_BmcState *old)
{
	static uint8_t a[svcport_v1_BmcState_size], b[svcport_v1_BmcState_size];
	static svcport_v1_BmcState now;
	static struct tsnap after;
	pb_ostream_t oa = pb_ostream_from_buffer(a, sizeof(a));
	pb_ostream_t ob = pb_ostream_from_buffer(b, sizeof(b));

	assert_string_equal(last_record().event, "manual-activate-refused");
	assert_int_equal(st()->audit_count, old->audit_count + 1);
	now = *st();
	memcpy(now.audit_head_sha256.bytes, old->audit_head_sha256.bytes, 32);
	now.audit_count = old->audit_count;
	now.audit_bytes = old->audit_bytes;
	now.state_counter = old->state_counter;
	now.state_mac = old->state_mac;
	assert_true(pb_encode(&oa, svcport_v1_BmcState_fields, old));
	assert_true(pb_encode(&ob, svcport_v1_BmcState_fields, &now));
	assert_int_equal(oa.bytes_written, ob.bytes_written);
	assert_memory_equal(a, b, oa.bytes_written);
	tworld_snap(&W, &after);
	assert_true(after.audit_len > s->audit_len);
	assert_memory_equal(after.audit, s->audit, s->audit_len);
	tworld_reopen(&W); /* what is on disk is what memory holds */
	assert_int_equal(st()->lockdown_state, old->lockdown_state);
	assert_int_equal(st()->audit_count, old->audit_count + 1);
}

static void happy_path(void **state)
{
	char r[MANUAL_TEXT_MAX];
	uint8_t key[MANUAL_KEY_LEN];
	const struct manual_binding b = {.action = ACTIVATE,
	                                 .owner_org = TPKI_ORG,
	                                 .machine_type = TPKI_MT,
	                                 .serial_number = TPKI_SN};

	challenge();
	response(TPKI_MT, TPKI_SN, TPKI_ORG, ACTIVATE, r);
	assert_int_equal(respond(r), AE(OK));
	assert_int_equal(st()->lockdown_state, ACTIVE);
	assert_string_equal(last_record().event, "manual-activate");
	assert_non_null(strstr(last_record().detail, " org=" TPKI_ORG " user=admin"));
	assert_int_equal(strncmp(last_record().detail, "challenge=", 10), 0);
	assert_int_equal(rep.body.manual_activate.audit_seq, st()->audit_count);
	tpki_manual_key(TPKI_MT, TPKI_SN, board_key(), key);
	assert_int_equal(
	    manual_receipt_check(key, &b, &chal, rep.body.manual_activate.receipt, NULL), 0);
	/* K_dev is sealed: never in the clear on disk, and --init removed the factory
	 * folder's copy (attack16a M1). */
	char path[PATH_MAX + 16];
	snprintf(path, sizeof(path), "%s/manual.key", W.factory);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(errno, ENOENT);
	assert_false(tworld_file_contains(&W, "state.pb", key, sizeof(key)));
	assert_false(tworld_file_contains(&W, "audit.log", key, sizeof(key)));
	/* Used: the same response again finds no challenge: refused, nothing counted or
	 * written (attack16a L1). */
	tworld_snap(&W, &snap);
	assert_int_equal(respond(r), AE(INVALID_STATE));
	assert_true(tworld_is_unchanged(&W, &snap));
}

/* One wrong character: its group is named, nothing is tried or written, the challenge
 * stands and the right response still activates. */
static void mistyped_keeps_the_challenge(void **state)
{
	char r[MANUAL_TEXT_MAX];

	challenge();
	response(TPKI_MT, TPKI_SN, TPKI_ORG, ACTIVATE, r);
	tworld_snap(&W, &snap);
	r[7] = r[7] == 'Q' ? 'R' : 'Q';
	assert_int_equal(respond(r), AE(MISTYPED));
	assert_non_null(strstr(rep.message, "group 2"));
	assert_int_equal(respond("ABCD"), AE(BAD_REQUEST));
	assert_true(tworld_is_unchanged(&W, &snap));
	response(TPKI_MT, TPKI_SN, TPKI_ORG, ACTIVATE, r);
	assert_int_equal(respond(r), AE(OK));
	assert_int_equal(st()->lockdown_state, ACTIVE);
}

/* Each wrong response: audited, the challenge used up, nothing else changed; the right
 * response to the used challenge is refused too (no challenge: nothing written). */
static void wrong_responses_are_refused(void **state)
{
	static const struct {
		const char *mt, *sn, *org;
		uint8_t action;
	} wrong[] = {
	    {TPKI_MT, "J900ABCE", TPKI_ORG, ACTIVATE},                    /* another device */
	    {"7D1B", TPKI_SN, TPKI_ORG, ACTIVATE},                        /* another machine type */
	    {TPKI_MT, TPKI_SN, "org-b", ACTIVATE},                        /* another organisation */
	    {TPKI_MT, TPKI_SN, TPKI_ORG, svcport_v1_Action_ACTION_CLAIM}, /* another action */
	};
	static svcport_v1_BmcState old;
	static struct tsnap s;
	char r[MANUAL_TEXT_MAX], good[MANUAL_TEXT_MAX];

	for (size_t i = 0; i <= sizeof(wrong) / sizeof(wrong[0]); i++) {
		challenge();
		if (i < sizeof(wrong) / sizeof(wrong[0]))
			response(wrong[i].mt, wrong[i].sn, wrong[i].org, wrong[i].action, r);
		else
			strcpy(r, FORGED);
		response(TPKI_MT, TPKI_SN, TPKI_ORG, ACTIVATE, good);
		old = *st();
		tworld_snap(&W, &s);
		W.now_ms += 60000; /* past the back-off of the earlier ones */
		assert_int_equal(respond(r), AE(WRONG_RESPONSE));
		expect_audited_refusal(&s, &old);
		/* Used up: the right response now finds no challenge. */
		tworld_snap(&W, &s);
		assert_int_equal(respond(good), AE(INVALID_STATE));
		assert_true(tworld_is_unchanged(&W, &s));
	}
	assert_int_equal(st()->lockdown_state, LOCKED);
}

static void expired_is_refused(void **state)
{
	static svcport_v1_BmcState old;
	static struct tsnap s;
	char r[MANUAL_TEXT_MAX];

	challenge();
	response(TPKI_MT, TPKI_SN, TPKI_ORG, ACTIVATE, r);
	W.now_ms = rep.body.manual_challenge.expires_at * 1000 - 1; /* still in time */
	old = *st();
	tworld_snap(&W, &s);
	W.now_ms += 1;
	assert_int_equal(respond(r), AE(EXPIRED));
	expect_audited_refusal(&s, &old);
	/* A new challenge replaces an old one: the old response is refused. */
	challenge();
	response(TPKI_MT, TPKI_SN, TPKI_ORG, ACTIVATE, r);
	challenge();
	assert_int_equal(respond(r), AE(WRONG_RESPONSE));
	assert_int_equal(st()->lockdown_state, LOCKED);
}

/* Three wrong responses are free, then each waits (1 s doubling): the attacker slows
 * himself; a restart forgets the challenge. */
static void wrong_responses_back_off(void **state)
{
	char r[MANUAL_TEXT_MAX];

	for (int i = 0; i < 4; i++) {
		challenge();
		assert_int_equal(respond(FORGED), AE(WRONG_RESPONSE));
	}
	new_req();
	assert_int_equal(run(CMD(manual_challenge), PW), AE(RATE_LIMITED));
	assert_true(rep.retry_after_ms > 0);
	W.now_ms += rep.retry_after_ms;
	challenge();
	tworld_reopen(&W);
	response(TPKI_MT, TPKI_SN, TPKI_ORG, ACTIVATE, r);
	assert_int_equal(respond(r), AE(INVALID_STATE));
	assert_int_equal(st()->lockdown_state, LOCKED);
}

/* Who may ask: an Administrator (not read-only), of a claimed board with a key. */
static void who_may_ask(void **state)
{
	new_req();
	assert_int_equal(run(CMD(manual_challenge), "wrong"), AE(AUTH_FAILED));
	new_req();
	strcpy(req.cmd.account_add.name, "viewer");
	req.cmd.account_add.role = svcport_v1_ConsoleRole_CONSOLE_READ_ONLY;
	strcpy(req.cmd.account_add.password, "viewer-pass-1");
	W.now_ms += 60000;
	assert_int_equal(run(CMD(account_add), PW), AE(OK));
	new_req();
	strcpy(req.user, "viewer");
	strcpy(req.cmd.password_set.new_password, "viewer-pass-2");
	assert_int_equal(run(CMD(password_set), "viewer-pass-1"), AE(OK));
	new_req();
	strcpy(req.user, "viewer");
	assert_int_equal(run(CMD(manual_challenge), "viewer-pass-2"), AE(ROLE_FORBIDDEN));
	strcpy(req.user, "viewer");
	strcpy(req.cmd.manual_respond.response, FORGED);
	assert_int_equal(run(CMD(manual_respond), "viewer-pass-2"), AE(ROLE_FORBIDDEN));
	assert_int_equal(st()->lockdown_state, LOCKED);
}

static void unclaimed_or_blank_refused(void **state)
{
	set_password();
	tworld_snap(&W, &snap);
	new_req();
	assert_int_equal(run(CMD(manual_challenge), PW), AE(INVALID_STATE));
	new_req();
	strcpy(req.cmd.manual_respond.response, FORGED);
	assert_int_equal(run(CMD(manual_respond), PW), AE(INVALID_STATE));
	assert_true(tworld_is_unchanged(&W, &snap));
	(void)state;
}

/* A key update for the blank replacement board, K_dev sealed to the key of `to`. */
static svcport_v1_ErrorCode key_update(const mbedtls_pk_context *to, bool sed)
{
	const struct tpki *p = tpki_get();
	static svcport_v1_CommandBody body;
	svcport_v1_DeviceKeyUpdate *u = &body.action.device_key_update;
	unsigned char pub[65], own[65], h[32];
	uint8_t key[MANUAL_KEY_LEN];
	size_t olen, len = 0;

	mbedtls_ecp_point_write_binary(&mbedtls_pk_ec(p->device2_key)->grp,
	                               &mbedtls_pk_ec(p->device2_key)->Q,
	                               MBEDTLS_ECP_PF_UNCOMPRESSED, &olen, own, sizeof(own));
	mbedtls_ecp_point_write_binary(&mbedtls_pk_ec(*to)->grp, &mbedtls_pk_ec(*to)->Q,
	                               MBEDTLS_ECP_PF_UNCOMPRESSED, &olen, pub, sizeof(pub));
	mbedtls_sha256_ret(own, 65, h, 0);
	tworld_body(&W, &body, svcport_v1_CommandBody_device_key_update_tag,
	            svcport_v1_Role_ROLE_MAINTENANCE, TPKI_ORG);
	u->new_key_sha256.size = 32;
	memcpy(u->new_key_sha256.bytes, h, 32);
	strcpy(u->owner_org, TPKI_ORG);
	u->control_mode = svcport_v1_ControlMode_CONTROL_PORTAL_MANAGED;
	u->sed_enabled = sed;
	tpki_manual_key(TPKI_MT, TPKI_SN, to, key);
	const struct pwbox_binding bind = {.machine_type = TPKI_MT,
	                                   .serial_number = TPKI_SN,
	                                   .nonce = body.nonce.bytes,
	                                   .nonce_len = body.nonce.size};
	assert_int_equal(pwbox_seal(pub, &bind, (const char *)key, sizeof(key), tpki_rng, NULL,
	                            u->manual_key_point.bytes, u->manual_key_box.bytes,
	                            sizeof(u->manual_key_box.bytes), &len),
	                 0);
	u->manual_key_point.size = 65;
	u->manual_key_box.size = (pb_size_t)len;
	return tworld_do(&W, &body);
}

/* The replacement board gets K_dev inside the signed DeviceKeyUpdate, sealed to its own
 * device key (opened by the SE's ECDH); one sealed to another board's key is refused. */
static void board_swap_carries_the_key(void **state)
{
	char r[MANUAL_TEXT_MAX];

	set_password();
	assert_false(sealed_has_manual_key(st()));
	tworld_snap(&W, &snap);
	assert_int_equal(key_update(&tpki_get()->device_key, false),
	                 svcport_v1_ErrorCode_INVALID_STATE);
	assert_false(st()->has_identity);
	assert_true(tworld_is_unchanged(&W, &snap));
	assert_int_equal(key_update(&tpki_get()->device2_key, false),
	                 svcport_v1_ErrorCode_ERROR_NONE);
	assert_true(sealed_has_manual_key(st()));
	/* The removed board's K_dev (bound to its key) no longer answers for the server. */
	challenge();
	response(TPKI_MT, TPKI_SN, TPKI_ORG, ACTIVATE, r);
	assert_int_equal(respond(r), AE(WRONG_RESPONSE));
	board = &tpki_get()->device2_key;
	challenge();
	response(TPKI_MT, TPKI_SN, TPKI_ORG, ACTIVATE, r);
	assert_int_equal(respond(r), AE(OK));
	assert_int_equal(st()->lockdown_state, ACTIVE);
}

/* A new board of a SED server has no AK until `sed restore`: Activate would fail, so the
 * challenge is refused first with Activate's sentence and no response is wasted
 * (attack16a L3). */
static void sed_ak_absent_refuses_the_challenge(void **state)
{
	set_password();
	assert_int_equal(key_update(&tpki_get()->device2_key, true),
	                 svcport_v1_ErrorCode_ERROR_NONE);
	assert_true(st()->sed_enabled);
	assert_false(st()->sed_ak_present);
	tworld_snap(&W, &snap);
	new_req();
	assert_int_equal(run(CMD(manual_challenge), PW), AE(INVALID_STATE));
	assert_non_null(strstr(rep.message, "restore the SED AK first"));
	assert_true(tworld_is_unchanged(&W, &snap));
	(void)state;
}

/* A second Administrator, bob (password bob-pass-2). */
static void bob_add(void)
{
	new_req();
	strcpy(req.cmd.account_add.name, "bob");
	req.cmd.account_add.role = svcport_v1_ConsoleRole_CONSOLE_ADMINISTRATOR;
	strcpy(req.cmd.account_add.password, "bob-pass-1");
	assert_int_equal(run(CMD(account_add), PW), AE(OK));
	new_req();
	strcpy(req.user, "bob");
	strcpy(req.cmd.password_set.new_password, "bob-pass-2");
	assert_int_equal(run(CMD(password_set), "bob-pass-1"), AE(OK));
}

static svcport_admin_v1_AdminError bob(pb_size_t cmd, const char *response)
{
	new_req();
	strcpy(req.user, "bob");
	if (response)
		strcpy(req.cmd.manual_respond.response, response);
	return run(cmd, "bob-pass-2");
}

/* One Administrator cannot block another: responses without a challenge are not guesses,
 * wrong ones back off only their account, and a challenge of one never replaces another's
 * (attack16a L1). */
static void accounts_do_not_block_each_other(void **state)
{
	char r[MANUAL_TEXT_MAX];

	bob_add();
	tworld_snap(&W, &snap);
	for (int i = 0; i < 10; i++)
		assert_int_equal(bob(CMD(manual_respond), FORGED), AE(INVALID_STATE));
	assert_true(tworld_is_unchanged(&W, &snap));
	for (int i = 0; i < 4; i++) {
		assert_int_equal(bob(CMD(manual_challenge), NULL), AE(OK));
		assert_int_equal(bob(CMD(manual_respond), FORGED), AE(WRONG_RESPONSE));
		assert_non_null(strstr(last_record().detail, " user=bob: wrong response"));
	}
	assert_int_equal(bob(CMD(manual_challenge), NULL), AE(RATE_LIMITED));
	challenge(); /* the Administrator+ is not backed off by bob */
	response(TPKI_MT, TPKI_SN, TPKI_ORG, ACTIVATE, r);
	W.now_ms += 61000;                                          /* past bob's back-off */
	assert_int_equal(bob(CMD(manual_challenge), NULL), AE(OK)); /* bob's own */
	assert_int_equal(respond(r), AE(OK));
	assert_int_equal(st()->lockdown_state, ACTIVE);
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(happy_path, setup_claimed, teardown),
	    cmocka_unit_test_setup_teardown(mistyped_keeps_the_challenge, setup_claimed, teardown),
	    cmocka_unit_test_setup_teardown(wrong_responses_are_refused, setup_claimed, teardown),
	    cmocka_unit_test_setup_teardown(expired_is_refused, setup_claimed, teardown),
	    cmocka_unit_test_setup_teardown(wrong_responses_back_off, setup_claimed, teardown),
	    cmocka_unit_test_setup_teardown(who_may_ask, setup_claimed, teardown),
	    cmocka_unit_test_setup_teardown(unclaimed_or_blank_refused, setup_portal, teardown),
	    cmocka_unit_test_setup_teardown(unclaimed_or_blank_refused, setup_blank, teardown),
	    cmocka_unit_test_setup_teardown(board_swap_carries_the_key, setup_blank, teardown),
	    cmocka_unit_test_setup_teardown(sed_ak_absent_refuses_the_challenge, setup_blank,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(accounts_do_not_block_each_other, setup_claimed,
	                                    teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
