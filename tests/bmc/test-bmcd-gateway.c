// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The compromised gateway (issue 11 item 3, issue 12 item 3): this process
 * has the gateway's uid and talks SOCK_SEQPACKET to the real svcport-bmcd.
 * It claims presence over BLE, invents link kinds, floods with rotating
 * session ids; bmcd confirms presence from the hardware (the sysfs back-end
 * of firmware-side/hw, here on a state file the test writes), holds the
 * flood back, and keeps a phone's pending challenge. Failed verifications
 * reach the audit log as one summary (issue 11 item 4).
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <pb_decode.h>

#include "gwclient.h"
#include "utc.h"

#define E(x)   svcport_v1_ErrorCode_##x
#define K(x)   svcport_v1_LinkKind_LINK_##x
#define REQ(x) svcport_v1_Request_##x##_tag

static struct tworld W;
static char gw_path[PATH_MAX], admin_path[PATH_MAX], udc[PATH_MAX], port[PATH_MAX];
static pid_t bmcd = -1;
static int gw = -1;
static svcport_v1_BmcRequest req;
static svcport_v1_BmcReply rep;
static uint32_t request_id;

static void udc_state(const char *state)
{
	FILE *f = fopen(udc, "w");

	assert_non_null(f);
	fprintf(f, "%s\n", state);
	fclose(f);
}

static void start(const char *const *extra)
{
	bmcd = proc_bmcd_start(W.state, gw_path, admin_path, extra, true);
	assert_true(bmcd > 0);
	gw = proc_gw_connect(gw_path);
	assert_true(gw >= 0);
}

/* The board's gadget port on a state file; the host-mode port on a folder. */
static int setup(void **state)
{
	const char *extra[] = {"--usb-udc", udc, "--usb-port", port, NULL};

	tworld_setup(&W, "portal");
	bmc_close(W.bmc);
	W.bmc = NULL;
	snprintf(gw_path, sizeof(gw_path), "%s/gw.sock", W.dir);
	snprintf(admin_path, sizeof(admin_path), "%s/admin.sock", W.dir);
	snprintf(udc, sizeof(udc), "%s/udc-state", W.dir);
	snprintf(port, sizeof(port), "%s/usb-1-1", W.dir);
	udc_state("configured");
	start(extra);
	return 0;
}

static int teardown(void **state)
{
	if (gw >= 0)
		close(gw);
	gw = -1;
	proc_stop(bmcd, SIGKILL);
	bmcd = -1;
	tworld_teardown(&W);
	return 0;
}

/* Sends req as it stands (ids filled); the reply's error code, or ERROR_NONE. */
static svcport_v1_ErrorCode call(uint32_t session, uint32_t link, bool presence, pb_size_t which)
{
	req.session_id = session;
	req.request_id = ++request_id;
	req.link = (svcport_v1_LinkKind)link;
	req.physical_presence = presence;
	req.has_request = true;
	req.request.which_body = which;
	assert_int_equal(proc_gw_send(gw, &req), 0);
	do
		assert_int_equal(proc_gw_recv(gw, &rep), 0);
	while (rep.which_msg != svcport_v1_BmcReply_response_tag); /* events */
	assert_int_equal(rep.request_id, request_id);
	if (rep.msg.response.which_body == svcport_v1_Response_error_tag)
		return rep.msg.response.body.error.code;
	return E(ERROR_NONE);
}

static svcport_v1_ErrorCode ask(uint32_t session, uint32_t link, bool presence, pb_size_t which)
{
	req = (svcport_v1_BmcRequest)svcport_v1_BmcRequest_init_zero;
	return call(session, link, presence, which);
}

/* A challenge for (session, link) made into an Activate body for the test org. */
static svcport_v1_ErrorCode challenge_body(uint32_t session, uint32_t link,
                                           svcport_v1_CommandBody *body)
{
	svcport_v1_ErrorCode rc = ask(session, link, false, REQ(get_challenge));

	if (rc == E(ERROR_NONE))
		assert_int_equal(tpki_body_from_challenge(&rep.msg.response.body.challenge,
		                                          svcport_v1_CommandBody_activate_tag,
		                                          svcport_v1_Role_ROLE_ORG_ADMIN, TPKI_ORG,
		                                          (uint64_t)utc_now_s(), body),
		                 0);
	return rc;
}

static svcport_v1_ErrorCode submit(uint32_t session, uint32_t link, bool presence,
                                   const svcport_v1_CommandBody *body, bool forge)
{
	req = (svcport_v1_BmcRequest)svcport_v1_BmcRequest_init_zero;
	req.request.body.submit_command.has_command = true;
	tworld_sign(body, NULL, NULL, NULL, 0, &req.request.body.submit_command.command);
	if (forge)
		req.request.body.submit_command.command.signature.bytes[8] ^= 1;
	return call(session, link, presence, REQ(submit_command));
}

static void claim(void)
{
	svcport_v1_CommandBody body;

	assert_int_equal(challenge_body(7, K(USB), &body), E(ERROR_NONE));
	body.which_action = svcport_v1_CommandBody_claim_tag;
	assert_int_equal(submit(7, K(USB), true, &body, false), E(ERROR_NONE));
}

/* The attack: BLE, presence claimed, GetActivationCode -> the claim secret. */
static void radio_claiming_presence_reads_no_code(void **state)
{
	assert_int_equal(ask(1, K(BLE), true, REQ(get_activation_code)), E(BAD_REQUEST));
	assert_int_equal(ask(1, K(BLE), false, REQ(get_activation_code)), E(PRESENCE_REQUIRED));
}

static void unknown_link_kinds_are_refused(void **state)
{
	static const uint32_t kinds[] = {99, 6, 7, 1000000};

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		assert_int_equal(ask(1, kinds[i], false, REQ(get_challenge)), E(BAD_REQUEST));
		assert_int_equal(ask(1, kinds[i], true, REQ(get_activation_code)), E(BAD_REQUEST));
		assert_int_equal(ask(1, kinds[i], false, REQ(get_device_info)), E(BAD_REQUEST));
	}
	/* LINK_SIM: this bmcd is not the simulator's. */
	assert_int_equal(ask(1, K(SIM), false, REQ(get_device_info)), E(BAD_REQUEST));
	assert_int_equal(ask(1, K(SIM), true, REQ(get_activation_code)), E(BAD_REQUEST));
	/* The gateway's own question, no link kind: still answered. */
	assert_int_equal(ask(0, 0, false, REQ(get_device_info)), E(ERROR_NONE));
}

/* USB presence is the hardware's word: the gadget's UDC state, or the host-mode port. */
static void usb_presence_comes_from_the_hardware(void **state)
{
	udc_state("not attached");
	assert_int_equal(ask(2, K(USB), true, REQ(get_activation_code)), E(PRESENCE_REQUIRED));
	udc_state("powered");
	assert_int_equal(ask(3, K(USB), true, REQ(get_activation_code)), E(PRESENCE_REQUIRED));
	udc_state("configured");
	assert_int_equal(ask(4, K(USB), true, REQ(get_activation_code)), E(ERROR_NONE));
	assert_string_equal(rep.msg.response.body.activation_code.code, TPKI_CODE);
	/* Host mode: a device on the service port's port. */
	udc_state("not attached");
	assert_int_equal(mkdir(port, 0700), 0);
	assert_int_equal(ask(5, K(USB), true, REQ(get_activation_code)), E(ERROR_NONE));
	assert_int_equal(rmdir(port), 0);
	assert_int_equal(ask(6, K(USB), true, REQ(get_activation_code)), E(PRESENCE_REQUIRED));
	/* The gadget's state file gone: inactive, never an error that grants. */
	assert_int_equal(unlink(udc), 0);
	assert_int_equal(ask(8, K(USB), true, REQ(get_activation_code)), E(PRESENCE_REQUIRED));
}

/*
 * Issue 12 item 3, as the issue puts it: a phone holds a challenge; ten fresh
 * BLE sessions ask one each; the phone's signed command still succeeds.
 */
static void ten_ble_sessions_keep_the_phone_challenge(void **state)
{
	svcport_v1_CommandBody phone;

	claim();
	assert_int_equal(challenge_body(1, K(BLE), &phone), E(ERROR_NONE));
	for (uint32_t i = 0; i < 10; i++) {
		svcport_v1_ErrorCode rc = ask(100 + i, K(BLE), false, REQ(get_challenge));

		assert_true(rc == E(ERROR_NONE) || rc == E(RATE_LIMITED));
	}
	assert_int_equal(submit(1, K(BLE), false, &phone, false), E(ERROR_NONE));
}

/*
 * The flood with rotating session ids: challenges, then forged commands, a
 * new session id each time. The phone's pending challenge survives; bmcd
 * holds the forgeries back by link kind; the technician at the port is not
 * slowed; and the audit log gets one summary, not a record per failure.
 */
static void rotating_session_flood(void **state)
{
	svcport_v1_CommandBody phone, forged, tech;
	int bad_sig = 0, limited = 0, records = 0;
	char out[16384];
	const char *pw[] = {proc_bmcctl(), "--admin-socket", admin_path,
	                    "--password",  TPKI_LABEL_PW,    "password",
	                    "set",         "correct horse",  NULL};
	const char *show[] = {proc_bmcctl(),   "--admin-socket", admin_path, "--password",
	                      "correct horse", "audit",          "show",     NULL};

	assert_int_equal(proc_run(pw, out, sizeof(out)), 0);
	claim();
	assert_int_equal(challenge_body(1, K(BLE), &phone), E(ERROR_NONE));
	for (uint32_t i = 0; i < 300; i++) {
		svcport_v1_ErrorCode rc = ask(5000 + i, K(BLE), false, REQ(get_challenge));

		assert_true(rc == E(ERROR_NONE) || rc == E(RATE_LIMITED));
	}
	assert_int_equal(submit(1, K(BLE), false, &phone, false), E(ERROR_NONE));

	forged = phone; /* refused at its signature: its nonce does not matter */
	for (uint32_t i = 0; i < 300; i++) {
		svcport_v1_ErrorCode rc = submit(1000 + i, K(BLE), false, &forged, true);

		bad_sig += rc == E(BAD_SIGNATURE);
		limited += rc == E(RATE_LIMITED);
	}
	/* Without the ceiling each forgery would have been checked. */
	assert_true(bad_sig <= 20);
	assert_int_equal(bad_sig + limited, 300);
	/* The technician, cable in: reads the code and gets his command through at once. */
	assert_int_equal(ask(7, K(USB), true, REQ(get_activation_code)), E(ERROR_NONE));
	assert_int_equal(challenge_body(7, K(USB), &tech), E(ERROR_NONE));
	assert_int_equal(submit(7, K(USB), true, &tech, false), E(ERROR_NONE));

	/* A clean stop writes what the summary counted: one record for the flood. */
	proc_stop(bmcd, SIGTERM);
	close(gw);
	start((const char *const[]){"--usb-udc", udc, NULL});
	assert_int_equal(proc_run(show, out, sizeof(out)), 0);
	for (const char *p = out; (p = strstr(p, "verify-failures")); p++)
		records++;
	assert_int_equal(records, 1);
	assert_non_null(strstr(out, "backed off ble="));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(radio_claiming_presence_reads_no_code, setup, teardown),
	    cmocka_unit_test_setup_teardown(unknown_link_kinds_are_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(usb_presence_comes_from_the_hardware, setup, teardown),
	    cmocka_unit_test_setup_teardown(ten_ble_sessions_keep_the_phone_challenge, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(rotating_session_flood, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
