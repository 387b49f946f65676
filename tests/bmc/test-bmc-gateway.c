// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What bmcd makes of the gateway's word (DESIGN §4.4, issue 11 items 3 and 4,
 * issue 12 item 3), on the core with the tests' clock: link kinds, presence
 * from the hardware, the back-off ceilings (rotating session ids included),
 * the challenge table's bounds, and failed verifications summed up in the
 * audit log.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <pb_decode.h>

#include "admin-fixture.h"
#include "audit.h"
#include "challenge.h"
#include "summary.h"
#include "testpki.h"

#define E(x)    svcport_v1_ErrorCode_##x
#define TAG(x)  svcport_v1_CommandBody_##x##_tag
#define ROLE(x) svcport_v1_Role_ROLE_##x
#define K(x)    svcport_v1_LinkKind_LINK_##x
#define REQ(x)  svcport_v1_Request_##x##_tag

static svcport_v1_BmcRequest breq;
static svcport_v1_BmcReply brep;
static svcport_v1_CommandBody body;
static svcport_v1_SignedCommand cmd;
static svcport_v1_SignedCommand forged; /* submit_forged() */
static bool have_forged;

static int setup(void **state)
{
	have_forged = false;
	tworld_setup(&W, "portal");
	W.real_rate_limits = true;
	W.real_challenge_limits = true;
	tworld_reopen(&W);
	tworld_body(&W, &body, TAG(claim), ROLE(ORG_ADMIN), TPKI_ORG);
	assert_int_equal(tworld_do(&W, &body), E(ERROR_NONE));
	return 0;
}

static int setup_sim(void **state)
{
	have_forged = false;
	tworld_setup(&W, "portal");
	W.simulator = true;
	W.real_rate_limits = true;
	W.real_challenge_limits = true;
	tworld_reopen(&W);
	return 0;
}

/* One request as the gateway sends it; the error code, or ERROR_NONE. */
static svcport_v1_ErrorCode send_req(uint32_t session, uint32_t link, bool presence,
                                     pb_size_t which)
{
	struct bmc_outcome o;

	breq.session_id = session;
	breq.request_id++;
	breq.link = (svcport_v1_LinkKind)link;
	breq.physical_presence = presence;
	breq.has_request = true;
	breq.request.which_body = which;
	bmc_handle_request(W.bmc, &breq, &brep, &o);
	if (brep.msg.response.which_body == svcport_v1_Response_error_tag)
		return brep.msg.response.body.error.code;
	return E(ERROR_NONE);
}

static svcport_v1_ErrorCode ask(uint32_t session, uint32_t link, bool presence, pb_size_t which)
{
	breq = (svcport_v1_BmcRequest)svcport_v1_BmcRequest_init_zero;
	return send_req(session, link, presence, which);
}

/* A challenge for (session, link) into body (activate, org admin). */
static svcport_v1_ErrorCode challenge_for(uint32_t session, uint32_t link, bool presence)
{
	svcport_v1_ChallengeBody cb = svcport_v1_ChallengeBody_init_zero;
	svcport_v1_ErrorCode rc = ask(session, link, presence, REQ(get_challenge));
	pb_istream_t is;

	if (rc != E(ERROR_NONE))
		return rc;
	is = pb_istream_from_buffer(brep.msg.response.body.challenge.body.bytes,
	                            brep.msg.response.body.challenge.body.size);
	assert_true(pb_decode(&is, svcport_v1_ChallengeBody_fields, &cb));
	tworld_body(&W, &body, TAG(activate), ROLE(ORG_ADMIN), TPKI_ORG);
	memcpy(body.nonce.bytes, cb.nonce.bytes, 16);
	return rc;
}

static svcport_v1_ErrorCode submit(uint32_t session, uint32_t link, bool presence)
{
	tworld_sign(&body, NULL, NULL, NULL, 0, &cmd);
	breq = (svcport_v1_BmcRequest)svcport_v1_BmcRequest_init_zero;
	breq.request.body.submit_command.has_command = true;
	breq.request.body.submit_command.command = cmd;
	return send_req(session, link, presence, REQ(submit_command));
}

/*
 * A command whose signature does not verify: a failure for the back-off.
 * Signed once per test (floods send thousands).
 */
static svcport_v1_ErrorCode submit_forged(uint32_t session, uint32_t link, bool presence)
{
	if (!have_forged) {
		tworld_body(&W, &body, TAG(activate), ROLE(ORG_ADMIN), TPKI_ORG);
		tworld_sign(&body, NULL, NULL, NULL, 0, &forged);
		forged.signature.bytes[10] ^= 1;
		have_forged = true;
	}
	breq = (svcport_v1_BmcRequest)svcport_v1_BmcRequest_init_zero;
	breq.request.body.submit_command.has_command = true;
	breq.request.body.submit_command.command = forged;
	return send_req(session, link, presence, REQ(submit_command));
}

/* ---------------------------------------------------------------- link kinds */

static void unknown_link_kinds_are_refused(void **state)
{
	static const uint32_t kinds[] = {99, 6, 7, K(SIM)}; /* SIM: not the simulator */

	tworld_snap(&W, &snap);
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		assert_int_equal(ask(1, kinds[i], false, REQ(get_challenge)), E(BAD_REQUEST));
		assert_int_equal(ask(1, kinds[i], true, REQ(get_activation_code)), E(BAD_REQUEST));
		assert_int_equal(submit_forged(1, kinds[i], true), E(BAD_REQUEST));
	}
	/* No link kind: the gateway's own GetDeviceInfo and Ping only. */
	assert_int_equal(ask(0, 0, false, REQ(get_device_info)), E(ERROR_NONE));
	assert_int_equal(ask(0, 0, false, REQ(ping)), E(ERROR_NONE));
	assert_int_equal(ask(0, 0, false, REQ(get_challenge)), E(BAD_REQUEST));
	assert_int_equal(ask(0, 0, true, REQ(get_device_info)), E(BAD_REQUEST));
	assert_true(tworld_is_unchanged(&W, &snap));
}

/* The network links (issue 16) are known kinds that never carry presence. */
static void network_links_never_claim_presence(void **state)
{
	static const uint32_t kinds[] = {K(NET), K(PORTAL)};

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		assert_int_equal(ask(1, kinds[i], false, REQ(get_challenge)), E(ERROR_NONE));
		assert_int_equal(ask(1, kinds[i], true, REQ(get_challenge)), E(BAD_REQUEST));
		assert_int_equal(ask(1, kinds[i], false, REQ(get_activation_code)),
		                 E(PRESENCE_REQUIRED));
	}
}

/*
 * Attack pass 16n: the `ble-presence` policy lets a BLE phone act as if present; it must not
 * make the management network (or the portal link) presence: "no physical presence is ever
 * granted to it" (issue 16 part 3, DESIGN 4.4). Fails today: bmc_is_presence_ok ignores the kind.
 */
static void ble_policy_gives_no_presence_to_network_links(void **state)
{
	static const uint32_t kinds[] = {K(NET), K(PORTAL)};

	set_password();
	strcpy(req.cmd.policy_set.name, "ble-presence");
	req.cmd.policy_set.value = true;
	assert_int_equal(run(CMD(policy_set), PW), AE(OK));
	assert_true(st()->ble_presence_allowed);
	assert_int_equal(ask(1, K(BLE), false, REQ(get_activation_code)), E(ERROR_NONE));
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		assert_int_equal(ask(2, kinds[i], false, REQ(get_activation_code)),
		                 E(PRESENCE_REQUIRED));
		tworld_body(&W, &body, TAG(emergency_password_reset), ROLE(MAINTENANCE), TPKI_ORG);
		tworld_sign(&body, NULL, NULL, NULL, 0, &cmd);
		assert_int_equal(tworld_submit(&W, &cmd, kinds[i], false, NULL),
		                 E(PRESENCE_REQUIRED));
	}
}

/* GetDeviceInfo over link, with presence claimed or not: the DeviceInfo. */
static const svcport_v1_DeviceInfo *info_over(uint32_t session, uint32_t link, bool presence)
{
	assert_int_equal(ask(session, link, presence, REQ(get_device_info)), E(ERROR_NONE));
	assert_int_equal(brep.msg.response.which_body, svcport_v1_Response_device_info_tag);
	return &brep.msg.response.body.device_info;
}

/* What every requester sees: the server's label, its LED and lock, its owner, the protocol. */
static void is_public_part(const svcport_v1_DeviceInfo *di)
{
	assert_true(di->has_device && di->has_identity);
	assert_string_equal(di->device.serial_number, TPKI_SN);
	assert_int_equal(di->lockdown_state, st()->lockdown_state);
	assert_int_equal(di->control_mode, svcport_v1_ControlMode_CONTROL_PORTAL_MANAGED);
	assert_int_equal(di->security_led, bmc_security_led(st()));
	assert_string_equal(di->owner_org, TPKI_ORG);
	assert_int_equal(di->protocol_version, 1);
	assert_int_equal(di->known_signers_count, st()->signer_cache_count);
}

/* Nothing of what tells an attacker which way to go. */
static void is_limited(const svcport_v1_DeviceInfo *di)
{
	is_public_part(di);
	assert_true(di->limited);
	assert_false(di->sed_enabled);
	assert_false(di->sed_ak_present);
	assert_int_equal(di->sed_backup_component, 0);
	assert_false(di->has_sensors);
	assert_false(di->sensors.intrusion_enabled || di->sensors.motion_enabled);
	assert_int_equal(di->sensors.motion_step_threshold, 0);
	assert_string_equal(di->firmware_version, "");
	assert_false(di->admin_password_must_change);
}

static void is_full(const svcport_v1_DeviceInfo *di)
{
	is_public_part(di);
	assert_false(di->limited);
	assert_true(di->sed_enabled);
	assert_true(di->sed_ak_present);
	assert_true(di->has_sensors);
	assert_true(di->sensors.intrusion_enabled && di->sensors.motion_enabled);
	assert_int_equal(di->sensors.motion_step_threshold, 5);
	assert_true(di->firmware_version[0] != 0);
	assert_true(di->admin_password_must_change);
}

/*
 * Re-attack on issue 13: a stranger in radio range read DeviceInfo before any
 * authentication: SED and its AK, the backup component, the sensors and their
 * threshold, whether the console still has its label password, the firmware.
 * Without presence it gets the public part only; with the cable all of it.
 */
static void device_info_without_presence_is_limited(void **state)
{
	static const uint32_t strangers[] = {K(BLE), K(NET), K(PORTAL), K(USB)};

	tworld_body(&W, &body, TAG(configure_sensors), ROLE(ORG_ADMIN), TPKI_ORG);
	body.action.configure_sensors.has_sensors = true;
	body.action.configure_sensors.sensors.intrusion_enabled = true;
	body.action.configure_sensors.sensors.motion_enabled = true;
	body.action.configure_sensors.sensors.motion_step_threshold = 5;
	assert_int_equal(tworld_do(&W, &body), E(ERROR_NONE));
	for (size_t i = 0; i < sizeof(strangers) / sizeof(strangers[0]); i++)
		is_limited(info_over(1, strangers[i], false));
	is_limited(info_over(0, 0, false)); /* the gateway's own question */
	/* A cable claimed but not in: no presence. */
	W.usb_unplugged = true;
	is_limited(info_over(2, K(USB), true));
	W.usb_unplugged = false;
	is_full(info_over(3, K(USB), true));
	/* The key update's flow over BLE still gets the board's public key and certificate. */
	breq = (svcport_v1_BmcRequest)svcport_v1_BmcRequest_init_zero;
	breq.request.body.get_device_info.include_certificate = true;
	assert_int_equal(send_req(4, K(BLE), false, REQ(get_device_info)), E(ERROR_NONE));
	is_limited(&brep.msg.response.body.device_info);
	assert_int_equal(brep.msg.response.body.device_info.device_public_key.size, 65);
	assert_int_equal(brep.msg.response.body.device_info.device_certificate.size,
	                 tpki_get()->device_crt_len);
	/* The console sees all, without presence. */
	new_req();
	assert_int_equal(run(CMD(status), TPKI_LABEL_PW), AE(OK));
	is_full(&rep.body.status.info);
}

/* The attack: BLE claiming presence reads the claim secret. */
static void radio_link_cannot_claim_presence(void **state)
{
	assert_int_equal(ask(1, K(BLE), true, REQ(get_activation_code)), E(BAD_REQUEST));
	assert_int_equal(brep.msg.response.which_body, svcport_v1_Response_error_tag);
	assert_int_equal(ask(1, K(BLE), false, REQ(get_activation_code)), E(PRESENCE_REQUIRED));
}

static void usb_presence_comes_from_the_hardware(void **state)
{
	W.usb_unplugged = true;
	assert_int_equal(ask(2, K(USB), true, REQ(get_activation_code)), E(PRESENCE_REQUIRED));
	tworld_body(&W, &body, TAG(emergency_password_reset), ROLE(MAINTENANCE), TPKI_ORG);
	tworld_sign(&body, NULL, NULL, NULL, 0, &cmd);
	assert_int_equal(tworld_submit(&W, &cmd, K(USB), true, NULL), E(PRESENCE_REQUIRED));
	W.usb_unplugged = false;
	assert_int_equal(ask(3, K(USB), true, REQ(get_activation_code)), E(ERROR_NONE));
	assert_string_equal(brep.msg.response.body.activation_code.code, TPKI_CODE);
}

static void simulated_links_in_the_simulator(void **state)
{
	/* Accepted; presence only with a claim, and only while the cable is in. */
	assert_int_equal(ask(1, K(SIM), false, REQ(get_activation_code)), E(PRESENCE_REQUIRED));
	assert_int_equal(ask(2, K(SIM), true, REQ(get_activation_code)), E(ERROR_NONE));
	W.usb_unplugged = true;
	assert_int_equal(ask(3, K(SIM), true, REQ(get_activation_code)), E(PRESENCE_REQUIRED));
	assert_int_equal(ask(4, 99, false, REQ(get_device_info)), E(BAD_REQUEST));
}

/* ---------------------------------------------------------------- back-off */

/*
 * The compromised gateway floods forged commands with a new session id each
 * time: the ceiling of its link kind holds it back (rotation does not
 * escape), and none of it counts against the technician at the service port.
 */
static void rotating_sessions_do_not_escape_the_back_off(void **state)
{
	int limited = 0;

	for (uint32_t i = 0; i < 200; i++) {
		svcport_v1_ErrorCode rc = submit_forged(1000 + i, K(BLE), false);

		assert_true(rc == E(BAD_SIGNATURE) || rc == E(RATE_LIMITED));
		if (i >= 17)
			assert_int_equal(rc, E(RATE_LIMITED)); /* 16 free, then the ceiling */
		limited += rc == E(RATE_LIMITED);
	}
	assert_true(limited >= 183);
	/* The same flood labelled USB, with no cable in: the USB ceiling. */
	W.usb_unplugged = true;
	for (uint32_t i = 0; i < 40; i++)
		(void)submit_forged(5000 + i, K(USB), true);
	assert_int_equal(submit_forged(6000, K(USB), true), E(RATE_LIMITED));
	/* The technician, cable in: his own ceiling, untouched by both floods. */
	W.usb_unplugged = false;
	assert_int_equal(challenge_for(7, K(USB), true), E(ERROR_NONE));
	assert_int_equal(submit(7, K(USB), true), E(ERROR_NONE));
	assert_int_equal(st()->lockdown_state, svcport_v1_LockdownState_LOCKDOWN_ACTIVE);
	/* ... and rotating ids on that ceiling are held back as well. */
	for (uint32_t i = 0; i < 17; i++)
		(void)submit_forged(8000 + i, K(USB), true);
	assert_int_equal(submit_forged(9000, K(USB), true), E(RATE_LIMITED));
}

/* In the simulator both links are LINK_SIM: a radio flood still spares the cable. */
static void simulated_radio_flood_spares_the_cable(void **state)
{
	tworld_body(&W, &body, TAG(claim), ROLE(ORG_ADMIN), TPKI_ORG);
	assert_int_equal(tworld_do(&W, &body), E(ERROR_NONE));
	for (uint32_t i = 0; i < 60; i++)
		(void)submit_forged(100 + i, K(SIM), false);
	assert_int_equal(submit_forged(200, K(SIM), false), E(RATE_LIMITED));
	assert_int_equal(challenge_for(7, K(SIM), true), E(ERROR_NONE));
	assert_int_equal(submit(7, K(SIM), true), E(ERROR_NONE));
}

/* ---------------------------------------------------------------- challenges */

/* Issue 12 item 3: ten fresh BLE sessions do not evict a phone's pending challenge. */
static void strangers_never_evict_a_pending_challenge(void **state)
{
	svcport_v1_CommandBody phone;

	assert_int_equal(challenge_for(1, K(BLE), false), E(ERROR_NONE));
	phone = body;
	for (uint32_t i = 0; i < 10; i++) {
		svcport_v1_ErrorCode rc = ask(100 + i, K(BLE), false, REQ(get_challenge));

		assert_true(rc == E(ERROR_NONE) || rc == E(RATE_LIMITED));
		if (rc == E(RATE_LIMITED))
			assert_true(brep.msg.response.body.error.retry_after_ms > 0);
	}
	/* A whole flood of them, with time to refill the throttle. */
	for (uint32_t i = 0; i < 400; i++) {
		W.now_ms += 500;
		(void)ask(1000 + i, K(BLE), false, REQ(get_challenge));
	}
	body = phone;
	assert_int_equal(submit(1, K(BLE), false), E(ERROR_NONE));
}

/*
 * Attack pass 16n: the management network fills the pool every radio phone shares. One NET
 * peer, one one-shot session per GetChallenge (a new id each), at the NET ceiling's refill
 * rate, keeps all CHALLENGE_MAX - CHALLENGE_PRESENT_RESERVED slots; then a BLE phone (and the
 * portal link) is refused for up to CHALLENGE_TTL_MS. A network attacker must slow himself,
 * never the BLE technician (issue 12). Fails today: no quota per link kind in the pool.
 */
static void network_challenges_leave_room_for_the_radio(void **state)
{
	for (uint32_t i = 0; i < 40; i++) {
		W.now_ms += 2000;
		(void)ask(300 + i, K(NET), false, REQ(get_challenge));
	}
	W.now_ms += 2000;
	assert_int_equal(ask(400, K(BLE), false, REQ(get_challenge)), E(ERROR_NONE));
	assert_int_equal(ask(401, K(PORTAL), false, REQ(get_challenge)), E(ERROR_NONE));
}

static void challenge_bounds(void **state)
{
	svcport_v1_CommandBody first;
	int granted = 0;

	/* One session: CHALLENGE_PER_SESSION, then its own oldest goes. */
	assert_int_equal(challenge_for(1, K(USB), true), E(ERROR_NONE));
	first = body;
	for (int i = 0; i < CHALLENGE_PER_SESSION; i++) {
		W.now_ms += 10;
		assert_int_equal(challenge_for(1, K(USB), true), E(ERROR_NONE));
	}
	body = first;
	assert_int_equal(submit(1, K(USB), true), E(NONCE_UNKNOWN));

	/* The throttle: a burst, then one per refill period, with retry_after_ms. */
	for (uint32_t i = 0; i < 20; i++)
		granted += ask(10 + i, K(BLE), false, REQ(get_challenge)) == E(ERROR_NONE);
	assert_int_equal(granted, 8);
	assert_int_equal(ask(40, K(BLE), false, REQ(get_challenge)), E(RATE_LIMITED));
	assert_true(brep.msg.response.body.error.retry_after_ms <= 2000);
	W.now_ms += brep.msg.response.body.error.retry_after_ms;
	assert_int_equal(ask(41, K(BLE), false, REQ(get_challenge)), E(ERROR_NONE));

	/* The radio's quota full of unexpired challenges: newcomers wait for the first to expire.
	 */
	for (uint32_t i = 0; i < 40; i++) {
		W.now_ms += 2000;
		(void)ask(100 + i, K(BLE), false, REQ(get_challenge));
	}
	W.now_ms += 2000;
	assert_int_equal(ask(200, K(BLE), false, REQ(get_challenge)), E(RATE_LIMITED));
	assert_true(brep.msg.response.body.error.retry_after_ms > 2000);
	/* The technician at the port still has his reserved slots. */
	assert_int_equal(challenge_for(7, K(USB), true), E(ERROR_NONE));
	assert_int_equal(submit(7, K(USB), true), E(ERROR_NONE));
	/* When the radio's challenges expire, the radio may ask again. */
	W.now_ms += CHALLENGE_TTL_MS;
	assert_int_equal(ask(201, K(BLE), false, REQ(get_challenge)), E(ERROR_NONE));
}

/*
 * The throttle slows unused asking only: a technician who uses each challenge
 * (a portal-signed command consumes it) is never refused one, at any pace.
 */
static void used_challenges_are_never_throttled(void **state)
{
	for (uint32_t i = 0; i < 40; i++) {
		assert_int_equal(challenge_for(300 + i, K(BLE), false), E(ERROR_NONE));
		assert_int_not_equal(submit(300 + i, K(BLE), false), E(NONCE_UNKNOWN));
	}
	/* Asking without using still runs the bucket dry. */
	for (uint32_t i = 0; i < 8; i++)
		assert_int_equal(ask(400 + i, K(BLE), false, REQ(get_challenge)), E(ERROR_NONE));
	assert_int_equal(ask(410, K(BLE), false, REQ(get_challenge)), E(RATE_LIMITED));
}

/* ---------------------------------------------------------------- audit summaries */

static uint64_t count_events(const char *event, char *last_detail, size_t cap)
{
	static svcport_v1_AuditRecord recs[64];
	size_t n = 0;
	uint64_t found = 0;

	assert_int_equal(audit_read(W.state, st(), 0, recs, 64, &n), 0);
	for (size_t i = 0; i < n; i++)
		if (strcmp(recs[i].event, event) == 0) {
			found++;
			snprintf(last_detail, cap, "%s", recs[i].detail);
		}
	return found;
}

/* Issue 11 item 4: failures are summed up, one record per interval at most. */
static void failures_are_summed_up_not_logged_one_by_one(void **state)
{
	const uint64_t before = st()->audit_count;
	char detail[160] = "";

	for (uint32_t i = 0; i < 1000; i++)
		(void)submit_forged(100 + i, K(BLE), false);
	W.usb_unplugged = true;
	for (uint32_t i = 0; i < 5; i++)
		(void)ask(7, K(USB), true, REQ(get_activation_code)); /* PRESENCE_REQUIRED */
	assert_int_equal(st()->audit_count, before); /* within the interval: nothing yet */
	W.now_ms += SUMMARY_INTERVAL_MS;
	bmc_tick(W.bmc);
	assert_int_equal(st()->audit_count, before + 1);
	assert_int_equal(count_events("verify-failures", detail, sizeof(detail)), 1);
	/* 16 free failures, the 17th starts the back-off; the rest are refused. */
	assert_non_null(strstr(detail, "failed ble=17"));
	assert_non_null(strstr(detail, "backed off ble=983")); /* counted, not written */
	/* The session's three free failures, the 4th backs it off, the 5th waits. */
	assert_non_null(strstr(detail, "failed ble=17 usb=4 sim=0 usb+presence=0 net=0 portal=0"));
	assert_non_null(strstr(detail, "usb=1 sim=0 usb+presence=0"));
	/* A flood over three quarters of an hour: a record per interval at most. */
	for (uint32_t i = 0; i < 4500; i++) {
		W.now_ms += 600;
		(void)submit_forged(10000 + i, K(BLE), false);
	}
	bmc_tick(W.bmc);
	assert_true(st()->audit_count <= before + 1 + 5);
	assert_true(count_events("verify-failures", detail, sizeof(detail)) >= 4);
	/* Nothing failed since: nothing more is written. */
	W.now_ms += 3 * SUMMARY_INTERVAL_MS;
	bmc_tick(W.bmc);
	{
		const uint64_t n = st()->audit_count;

		W.now_ms += 3 * SUMMARY_INTERVAL_MS;
		bmc_tick(W.bmc);
		assert_int_equal(st()->audit_count, n);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(unknown_link_kinds_are_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(network_links_never_claim_presence, setup, teardown),
	    cmocka_unit_test_setup_teardown(ble_policy_gives_no_presence_to_network_links, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(radio_link_cannot_claim_presence, setup, teardown),
	    cmocka_unit_test_setup_teardown(device_info_without_presence_is_limited, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(usb_presence_comes_from_the_hardware, setup, teardown),
	    cmocka_unit_test_setup_teardown(simulated_links_in_the_simulator, setup_sim, teardown),
	    cmocka_unit_test_setup_teardown(rotating_sessions_do_not_escape_the_back_off, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(simulated_radio_flood_spares_the_cable, setup_sim,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(strangers_never_evict_a_pending_challenge, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(network_challenges_leave_room_for_the_radio, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(challenge_bounds, setup, teardown),
	    cmocka_unit_test_setup_teardown(used_challenges_are_never_throttled, setup, teardown),
	    cmocka_unit_test_setup_teardown(failures_are_summed_up_not_logged_one_by_one, setup,
	                                    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
