// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The command verifier of DESIGN §4.2: every rejection (its own ErrorCode,
 * nothing changed on disk) and every action's state change.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <mbedtls/sha256.h>
#include <mbedtls/x509_crt.h>
#include <pb_decode.h>

#include "state.h"
#include "sedak.h"
#include "testpki.h"
#include "x509check.h"

#define E(x)     svcport_v1_ErrorCode_##x
#define TAG(x)   svcport_v1_CommandBody_##x##_tag
#define ROLE(x)  svcport_v1_Role_ROLE_##x
#define LOCKED   svcport_v1_LockdownState_LOCKDOWN_LOCKED
#define ACTIVE   svcport_v1_LockdownState_LOCKDOWN_ACTIVE
#define ADMIN_PW "correct horse"

static struct tworld W;
static svcport_v1_CommandBody body;
static svcport_v1_SignedCommand cmd;
static struct tsnap snap;

static int setup_portal(void **state)
{
	tworld_setup(&W, "portal");
	return 0;
}

static int setup_bmc(void **state)
{
	tworld_setup(&W, "bmc");
	return 0;
}

static int setup_blank(void **state)
{
	tworld_setup(&W, NULL);
	return 0;
}

static int setup_portal_rl(void **state)
{
	tworld_setup(&W, "portal");
	W.real_rate_limits = true;
	tworld_reopen(&W);
	return 0;
}

static int teardown(void **state)
{
	tworld_teardown(&W);
	return 0;
}

static const svcport_v1_BmcState *st(void)
{
	return bmc_state(W.bmc);
}

static void claim(void)
{
	tworld_body(&W, &body, TAG(claim), ROLE(ORG_ADMIN), TPKI_ORG);
	assert_int_equal(tworld_do(&W, &body), E(ERROR_NONE));
}

/* Submits cmd expecting code and checks that state.pb and audit.log kept every byte. */
static void expect_rejected(svcport_v1_ErrorCode code, svcport_v1_LinkKind link, bool presence)
{
	tworld_snap(&W, &snap);
	assert_int_equal(tworld_submit(&W, &cmd, link, presence, NULL), code);
	assert_true(tworld_is_unchanged(&W, &snap));
}

static void expect_body_rejected(svcport_v1_ErrorCode code)
{
	tworld_sign(&body, NULL, NULL, NULL, 0, &cmd);
	expect_rejected(code, svcport_v1_LinkKind_LINK_USB, true);
}

/* ---------------------------------------------------------------- actions */

/*
 * Attack pass 16o F1, bmcd's half: the portal link carries only an activation. A claim and a
 * sensor change, validly signed, are refused over it and change nothing; the same commands
 * over the management network, and an activation over the portal link, are taken.
 */
static void portal_link_carries_only_activation(void **state)
{
	tworld_body(&W, &body, TAG(claim), ROLE(ORG_ADMIN), TPKI_ORG);
	tworld_sign(&body, NULL, NULL, NULL, 0, &cmd);
	expect_rejected(E(PRESENCE_REQUIRED), svcport_v1_LinkKind_LINK_PORTAL, false);
	assert_string_equal(tworld_last_detail, "the portal link carries only an activation");
	tworld_body(&W, &body, TAG(claim), ROLE(ORG_ADMIN), TPKI_ORG);
	tworld_sign(&body, NULL, NULL, NULL, 0, &cmd);
	assert_int_equal(tworld_submit(&W, &cmd, svcport_v1_LinkKind_LINK_NET, false, NULL),
	                 E(ERROR_NONE));

	tworld_body(&W, &body, TAG(configure_sensors), ROLE(ORG_ADMIN), TPKI_ORG);
	body.action.configure_sensors.has_sensors = true;
	tworld_sign(&body, NULL, NULL, NULL, 0, &cmd);
	expect_rejected(E(PRESENCE_REQUIRED), svcport_v1_LinkKind_LINK_PORTAL, false);

	tworld_body(&W, &body, TAG(activate), ROLE(ORG_ADMIN), TPKI_ORG);
	tworld_sign(&body, NULL, NULL, NULL, 0, &cmd);
	assert_int_equal(tworld_submit(&W, &cmd, svcport_v1_LinkKind_LINK_PORTAL, false, NULL),
	                 E(ERROR_NONE));
	assert_int_equal(st()->lockdown_state, ACTIVE);
}

static void claim_records_owner_and_signs_receipt(void **state)
{
	const struct tpki *p = tpki_get();
	svcport_v1_DeviceReceipt r;
	svcport_v1_ReceiptBody rb = svcport_v1_ReceiptBody_init_zero;
	unsigned char h[32];
	pb_istream_t is;

	tworld_body(&W, &body, TAG(claim), ROLE(EDGE_USER), TPKI_ORG);
	tworld_sign(&body, NULL, NULL, NULL, 0, &cmd);
	assert_int_equal(tworld_submit(&W, &cmd, svcport_v1_LinkKind_LINK_BLE, false, &r),
	                 E(ERROR_NONE));
	assert_string_equal(st()->owner_org, TPKI_ORG);

	/* The receipt: device key signature over the exact body bytes. */
	is = pb_istream_from_buffer(r.body.bytes, r.body.size);
	assert_true(pb_decode(&is, svcport_v1_ReceiptBody_fields, &rb));
	assert_int_equal(rb.counter, 1);
	assert_int_equal(rb.action, svcport_v1_Action_ACTION_CLAIM);
	assert_int_equal(rb.new_state, LOCKED);
	assert_memory_equal(rb.nonce.bytes, body.nonce.bytes, 16);
	assert_string_equal(rb.owner_org, TPKI_ORG);
	mbedtls_sha256_ret(r.body.bytes, r.body.size, h, 0);
	assert_int_equal(mbedtls_pk_verify((mbedtls_pk_context *)&p->device_key, MBEDTLS_MD_SHA256,
	                                   h, 32, r.signature.bytes, r.signature.size),
	                 0);

	/* Same org again: accepted (idempotent); another org: NOT_OWNER. */
	claim();
	tworld_body(&W, &body, TAG(claim), ROLE(ORG_ADMIN), "org-b");
	expect_body_rejected(E(NOT_OWNER));
	assert_string_equal(st()->owner_org, TPKI_ORG);
}

static void activate_unlocks_and_counter_survives_restart(void **state)
{
	claim();
	assert_int_equal(st()->lockdown_state, LOCKED);
	tworld_body(&W, &body, TAG(activate), ROLE(EDGE_USER), TPKI_ORG);
	assert_int_equal(tworld_do(&W, &body), E(ERROR_NONE));
	assert_int_equal(st()->lockdown_state, ACTIVE);
	assert_int_equal(st()->receipt_counter, 2);
	assert_int_equal(bmc_security_led(st()), svcport_v1_SecurityLed_LED_ON);

	tworld_reopen(&W);
	assert_int_equal(st()->lockdown_state, ACTIVE);
	assert_int_equal(st()->receipt_counter, 2);
	tworld_body(&W, &body, TAG(configure_sensors), ROLE(ORG_ADMIN), TPKI_ORG);
	body.action.configure_sensors.has_sensors = true;
	assert_int_equal(tworld_do(&W, &body), E(ERROR_NONE));
	assert_int_equal(st()->receipt_counter, 3);
}

static void emergency_reset_clears_ak_by_policy(void **state)
{
	svcport_admin_v1_AdminRequest req = svcport_admin_v1_AdminRequest_init_zero;
	svcport_admin_v1_AdminReply rep;

	claim();
	tworld_body(&W, &body, TAG(activate), ROLE(ORG_ADMIN), TPKI_ORG);
	assert_int_equal(tworld_do(&W, &body), E(ERROR_NONE));
	/* A password was set; the reset brings back the default, must change. */
	req.which_cmd = svcport_admin_v1_AdminRequest_password_set_tag;
	strcpy(req.cmd.password_set.new_password, "correct horse");
	assert_int_equal(tworld_admin(&W, &req, TPKI_LABEL_PW, &rep), 0);
	assert_false(st()->admin_password_must_change);

	/* Maintenance over BLE without presence: refused, nothing changed. */
	tworld_body(&W, &body, TAG(emergency_password_reset), ROLE(MAINTENANCE), TPKI_ORG);
	tworld_sign(&body, NULL, NULL, NULL, 0, &cmd);
	expect_rejected(E(PRESENCE_REQUIRED), svcport_v1_LinkKind_LINK_BLE, false);
	/* An edge user may not. */
	tworld_body(&W, &body, TAG(emergency_password_reset), ROLE(EDGE_USER), TPKI_ORG);
	expect_body_rejected(E(ROLE_FORBIDDEN));

	tworld_body(&W, &body, TAG(emergency_password_reset), ROLE(MAINTENANCE), TPKI_ORG);
	assert_int_equal(tworld_do(&W, &body), E(ERROR_NONE));
	assert_true(st()->admin_password_must_change);
	assert_int_equal(st()->admin_password_hash.size, 32); /* a one-time password */
	assert_false(st()->sed_ak_present);
	assert_int_equal(st()->sed_ak_sealed.size, 0);
	assert_int_equal(st()->lockdown_state, LOCKED);
	/* No AK: activation refused until it is restored. */
	tworld_body(&W, &body, TAG(activate), ROLE(ORG_ADMIN), TPKI_ORG);
	expect_body_rejected(E(INVALID_STATE));
}

static void emergency_reset_keeps_ak_when_policy_off(void **state)
{
	svcport_admin_v1_AdminRequest req = svcport_admin_v1_AdminRequest_init_zero;
	svcport_admin_v1_AdminReply rep;

	claim();
	req.which_cmd = svcport_admin_v1_AdminRequest_password_set_tag;
	strcpy(req.cmd.password_set.new_password, "correct horse");
	assert_int_equal(tworld_admin(&W, &req, TPKI_LABEL_PW, &rep), 0);
	req = (svcport_admin_v1_AdminRequest)svcport_admin_v1_AdminRequest_init_zero;
	req.which_cmd = svcport_admin_v1_AdminRequest_policy_set_tag;
	strcpy(req.cmd.policy_set.name, "emergency-reset-clears-sed-ak");
	req.cmd.policy_set.value = false;
	assert_int_equal(tworld_admin(&W, &req, "correct horse", &rep), 0);
	/* BLE presence policy lets the reset run over BLE. */
	strcpy(req.cmd.policy_set.name, "ble-presence");
	req.cmd.policy_set.value = true;
	assert_int_equal(tworld_admin(&W, &req, "correct horse", &rep), 0);

	tworld_body(&W, &body, TAG(emergency_password_reset), ROLE(MAINTENANCE), TPKI_ORG);
	tworld_sign(&body, NULL, NULL, NULL, 0, &cmd);
	assert_int_equal(tworld_submit(&W, &cmd, svcport_v1_LinkKind_LINK_BLE, false, NULL),
	                 E(ERROR_NONE));
	assert_true(st()->sed_ak_present);
	assert_true(st()->admin_password_must_change);
}

/* The link certificate's subject contains s, and it chains to the internal CA. */
static bool link_subject_has(const char *s)
{
	mbedtls_x509_crt ca, link;
	char name[256] = "";
	bool ok;

	mbedtls_x509_crt_init(&ca);
	mbedtls_x509_crt_init(&link);
	ok = mbedtls_x509_crt_parse_der(&ca, st()->internal_ca_certificate.bytes,
	                                st()->internal_ca_certificate.size) == 0 &&
	     mbedtls_x509_crt_parse_der(&link, st()->link_certificate.bytes,
	                                st()->link_certificate.size) == 0 &&
	     mbedtls_x509_dn_gets(name, sizeof(name), &link.subject) > 0 && strstr(name, s) &&
	     x509_is_chain_to(&link, &ca, W.now_ms / 1000u);
	mbedtls_x509_crt_free(&link);
	mbedtls_x509_crt_free(&ca);
	return ok;
}

static void key_update_binds_blank_board(void **state)
{
	const struct tpki *p = tpki_get();
	unsigned char pub[65], h[32];
	size_t olen;

	assert_false(st()->has_identity);
	assert_true(link_subject_has("CN=unbound-"));
	mbedtls_ecp_point_write_binary(&mbedtls_pk_ec(p->device2_key)->grp,
	                               &mbedtls_pk_ec(p->device2_key)->Q,
	                               MBEDTLS_ECP_PF_UNCOMPRESSED, &olen, pub, sizeof(pub));
	mbedtls_sha256_ret(pub, 65, h, 0);

	/* A claim cannot name a board that has no identity. */
	tworld_body(&W, &body, TAG(claim), ROLE(ORG_ADMIN), TPKI_ORG);
	expect_body_rejected(E(WRONG_DEVICE));

	/* Key update for another board's key. */
	tworld_body(&W, &body, TAG(device_key_update), ROLE(MAINTENANCE), TPKI_ORG);
	body.action.device_key_update.new_key_sha256.size = 32;
	memset(body.action.device_key_update.new_key_sha256.bytes, 0xab, 32);
	strcpy(body.action.device_key_update.owner_org, TPKI_ORG);
	body.action.device_key_update.control_mode = svcport_v1_ControlMode_CONTROL_PORTAL_MANAGED;
	expect_body_rejected(E(WRONG_DEVICE));

	/* Org binding another org. */
	tworld_body(&W, &body, TAG(device_key_update), ROLE(MAINTENANCE), TPKI_ORG);
	body.action.device_key_update.new_key_sha256.size = 32;
	memcpy(body.action.device_key_update.new_key_sha256.bytes, h, 32);
	strcpy(body.action.device_key_update.owner_org, "org-b");
	body.action.device_key_update.control_mode = svcport_v1_ControlMode_CONTROL_PORTAL_MANAGED;
	expect_body_rejected(E(NOT_OWNER));

	/* A device certificate of another key. */
	strcpy(body.action.device_key_update.owner_org, TPKI_ORG);
	tworld_body(&W, &body, TAG(device_key_update), ROLE(MAINTENANCE), TPKI_ORG);
	body.action.device_key_update.new_key_sha256.size = 32;
	memcpy(body.action.device_key_update.new_key_sha256.bytes, h, 32);
	strcpy(body.action.device_key_update.owner_org, TPKI_ORG);
	body.action.device_key_update.control_mode = svcport_v1_ControlMode_CONTROL_PORTAL_MANAGED;
	memcpy(body.action.device_key_update.device_certificate.bytes, p->device_crt,
	       p->device_crt_len);
	body.action.device_key_update.device_certificate.size = (pb_size_t)p->device_crt_len;
	expect_body_rejected(E(INVALID_STATE));

	/* The drive's AK restored from a backup before the board has an identity: sealed
	 * to the blank identity, it must follow the key update. */
	{
		static svcport_admin_v1_AdminRequest req;
		static svcport_admin_v1_AdminReply rep;
		unsigned char *bk = req.cmd.sed_restore.backup.bytes;
		unsigned char ak[32];
		size_t len = 0;

		req = (svcport_admin_v1_AdminRequest)svcport_admin_v1_AdminRequest_init_zero;
		req.which_cmd = svcport_admin_v1_AdminRequest_password_set_tag;
		strcpy(req.cmd.password_set.new_password, "correct horse");
		assert_int_equal(tworld_admin(&W, &req, TPKI_LABEL_PW, &rep), 0);
		req = (svcport_admin_v1_AdminRequest)svcport_admin_v1_AdminRequest_init_zero;
		req.which_cmd = svcport_admin_v1_AdminRequest_sed_restore_tag;
		/* Taken on the old board, whose identity the blank one does not have yet. */
		memset(ak, 0xa7, sizeof(ak));
		assert_int_equal(sedak_backup_encode(W.bmc, st(), ak, "backup pass 12", bk,
		                                     sizeof(req.cmd.sed_restore.backup.bytes),
		                                     &len),
		                 0);
		req.cmd.sed_restore.backup.size = (pb_size_t)len;
		strcpy(req.cmd.sed_restore.backup_passphrase, "backup pass 12");
		req.cmd.sed_restore.other_server = true;
		assert_int_equal(tworld_admin(&W, &req, "correct horse", &rep), 0);
		assert_true(st()->sed_ak_present);
	}

	/* The right one. */
	tworld_body(&W, &body, TAG(device_key_update), ROLE(MAINTENANCE), TPKI_ORG);
	body.action.device_key_update.new_key_sha256.size = 32;
	memcpy(body.action.device_key_update.new_key_sha256.bytes, h, 32);
	strcpy(body.action.device_key_update.owner_org, TPKI_ORG);
	strcpy(body.action.device_key_update.activation_code, "NEW-CODE");
	body.action.device_key_update.control_mode = svcport_v1_ControlMode_CONTROL_PORTAL_MANAGED;
	assert_int_equal(tworld_do(&W, &body), E(ERROR_NONE));
	assert_true(st()->has_identity);
	assert_string_equal(st()->device.serial_number, TPKI_SN);
	assert_string_equal(st()->owner_org, TPKI_ORG);
	/* The link certificate follows the identity. */
	assert_true(link_subject_has("CN=" TPKI_MT "-" TPKI_SN));
	{
		char code[33];

		/* Sealed to the new identity, never in plain text on disk. */
		assert_int_equal(tworld_activation_code(&W, code), 0);
		assert_string_equal(code, "NEW-CODE");
		assert_false(tworld_file_contains(&W, "state.pb", "NEW-CODE", 8));
	}
	{
		unsigned char ak[32], want[32];

		memset(want, 0xa7, 32);
		assert_int_equal(tworld_sed_ak(&W, ak), 0);
		assert_memory_equal(ak, want, 32);
		assert_false(tworld_file_contains(&W, "state.pb", want, 32));
	}
	assert_int_equal(st()->control_mode, svcport_v1_ControlMode_CONTROL_PORTAL_MANAGED);
	assert_int_equal(st()->lockdown_state, LOCKED);

	/* Then activation works (the restored AK unseals under the new identity). */
	tworld_body(&W, &body, TAG(activate), ROLE(EDGE_USER), TPKI_ORG);
	assert_int_equal(tworld_do(&W, &body), E(ERROR_NONE));
	assert_int_equal(st()->lockdown_state, ACTIVE);

	/* Demotion through a key update: refused. */
	tworld_body(&W, &body, TAG(device_key_update), ROLE(MAINTENANCE), TPKI_ORG);
	body.action.device_key_update.new_key_sha256.size = 32;
	memcpy(body.action.device_key_update.new_key_sha256.bytes, h, 32);
	strcpy(body.action.device_key_update.owner_org, TPKI_ORG);
	body.action.device_key_update.control_mode = svcport_v1_ControlMode_CONTROL_BMC_MANAGED;
	expect_body_rejected(E(INVALID_STATE));
}

static void promote_is_one_way(void **state)
{
	assert_int_equal(st()->control_mode, svcport_v1_ControlMode_CONTROL_BMC_MANAGED);
	assert_int_equal(st()->lockdown_state, ACTIVE);
	/* SED is enabled (the factory's AK): the LED is ON (issue 13, the guide's rule). */
	assert_true(st()->sed_enabled);
	assert_int_equal(bmc_security_led(st()), svcport_v1_SecurityLed_LED_ON);
	claim();
	tworld_body(&W, &body, TAG(promote_to_portal_control), ROLE(EDGE_USER), TPKI_ORG);
	expect_body_rejected(E(ROLE_FORBIDDEN));
	tworld_body(&W, &body, TAG(promote_to_portal_control), ROLE(ORG_ADMIN), TPKI_ORG);
	assert_int_equal(tworld_do(&W, &body), E(ERROR_NONE));
	assert_int_equal(st()->control_mode, svcport_v1_ControlMode_CONTROL_PORTAL_MANAGED);
	assert_int_equal(bmc_security_led(st()), svcport_v1_SecurityLed_LED_ON);
	tworld_body(&W, &body, TAG(promote_to_portal_control), ROLE(ORG_ADMIN), TPKI_ORG);
	expect_body_rejected(E(INVALID_STATE));
}

static void transfer_and_sensors(void **state)
{
	claim();
	tworld_body(&W, &body, TAG(transfer_ownership), ROLE(ORG_ADMIN), TPKI_ORG);
	strcpy(body.action.transfer_ownership.new_owner_org, TPKI_ORG);
	expect_body_rejected(E(INVALID_STATE));
	tworld_body(&W, &body, TAG(transfer_ownership), ROLE(ORG_ADMIN), "org-b");
	strcpy(body.action.transfer_ownership.new_owner_org, "org-b");
	expect_body_rejected(E(NOT_OWNER));
	tworld_body(&W, &body, TAG(transfer_ownership), ROLE(ORG_ADMIN), TPKI_ORG);
	strcpy(body.action.transfer_ownership.new_owner_org, "org-b");
	assert_int_equal(tworld_do(&W, &body), E(ERROR_NONE));
	assert_string_equal(st()->owner_org, "org-b");

	/* The old owner is no longer the owner. */
	tworld_body(&W, &body, TAG(configure_sensors), ROLE(ORG_ADMIN), TPKI_ORG);
	body.action.configure_sensors.has_sensors = true;
	expect_body_rejected(E(NOT_OWNER));
	tworld_body(&W, &body, TAG(configure_sensors), ROLE(ORG_ADMIN), "org-b");
	body.action.configure_sensors.has_sensors = true;
	body.action.configure_sensors.sensors.motion_enabled = true;
	body.action.configure_sensors.sensors.motion_step_threshold = 5;
	assert_int_equal(tworld_do(&W, &body), E(ERROR_NONE));
	assert_true(st()->sensors.motion_enabled);
	assert_int_equal(st()->sensors.motion_step_threshold, 5);
}

/* ---------------------------------------------------------------- rejections */

static void wrong_device(void **state)
{
	claim();
	tworld_body(&W, &body, TAG(activate), ROLE(ORG_ADMIN), TPKI_ORG);
	strcpy(body.device.serial_number, "J900OTHER");
	expect_body_rejected(E(WRONG_DEVICE));
}

static void replayed_and_unknown_nonce(void **state)
{
	claim();
	tworld_body(&W, &body, TAG(activate), ROLE(ORG_ADMIN), TPKI_ORG);
	tworld_sign(&body, NULL, NULL, NULL, 0, &cmd);
	assert_int_equal(tworld_submit(&W, &cmd, svcport_v1_LinkKind_LINK_USB, true, NULL),
	                 E(ERROR_NONE));
	expect_rejected(E(NONCE_UNKNOWN), svcport_v1_LinkKind_LINK_USB, true);

	tworld_body(&W, &body, TAG(activate), ROLE(ORG_ADMIN), TPKI_ORG);
	memset(body.nonce.bytes, 0x55, 16);
	expect_body_rejected(E(NONCE_UNKNOWN));
}

static void nonce_consumed_whatever_follows(void **state)
{
	claim();
	tworld_body(&W, &body, TAG(activate), ROLE(BASE), TPKI_ORG);
	expect_body_rejected(E(ROLE_FORBIDDEN));
	body.role = ROLE(ORG_ADMIN);
	expect_body_rejected(E(NONCE_UNKNOWN));
}

static void challenge_expiry_and_eviction(void **state)
{
	svcport_v1_CommandBody first;

	claim();
	tworld_body(&W, &first, TAG(activate), ROLE(ORG_ADMIN), TPKI_ORG);
	for (int i = 0; i < 8; i++)
		tworld_body(&W, &body, TAG(activate), ROLE(ORG_ADMIN), TPKI_ORG);
	body = first; /* evicted by the 9th challenge */
	expect_body_rejected(E(NONCE_UNKNOWN));

	tworld_body(&W, &body, TAG(activate), ROLE(ORG_ADMIN), TPKI_ORG);
	W.now_ms += 5 * 60 * 1000; /* challenge lifetime over */
	body.issued_at = W.now_ms / 1000;
	body.expires_at = body.issued_at + 600;
	expect_body_rejected(E(NONCE_UNKNOWN));
}

static void challenge_on(svcport_v1_LinkKind link, uint32_t session, unsigned char nonce[16])
{
	static svcport_v1_BmcRequest req;
	static svcport_v1_BmcReply rep;
	svcport_v1_ChallengeBody cb = svcport_v1_ChallengeBody_init_zero;
	struct bmc_outcome o;
	pb_istream_t is;

	W.now_ms += 1000; /* eviction goes by age: each one younger */
	req = (svcport_v1_BmcRequest)svcport_v1_BmcRequest_init_zero;
	req.session_id = session;
	req.link = link;
	req.has_request = true;
	req.request.which_body = svcport_v1_Request_get_challenge_tag;
	bmc_handle_request(W.bmc, &req, &rep, &o);
	assert_int_equal(rep.msg.response.which_body, svcport_v1_Response_challenge_tag);
	is = pb_istream_from_buffer(rep.msg.response.body.challenge.body.bytes,
	                            rep.msg.response.body.challenge.body.size);
	assert_true(pb_decode(&is, svcport_v1_ChallengeBody_fields, &cb));
	assert_int_equal(cb.nonce.size, 16);
	memcpy(nonce, cb.nonce.bytes, 16);
}

/* A BLE peer flooding GetChallenge evicts its own nonces, not the USB technician's. */
static void challenge_flood_spares_other_links(void **state)
{
	unsigned char usb[16], ble[16];

	claim();
	tworld_body(&W, &body, TAG(activate), ROLE(ORG_ADMIN), TPKI_ORG);
	challenge_on(svcport_v1_LinkKind_LINK_USB, 7, usb);
	memcpy(body.nonce.bytes, usb, 16);
	for (uint32_t i = 0; i < 8; i++)
		challenge_on(svcport_v1_LinkKind_LINK_BLE, 100, ble);
	for (uint32_t i = 0; i < 8; i++)
		challenge_on(svcport_v1_LinkKind_LINK_BLE, 200 + i, ble);
	tworld_sign(&body, NULL, NULL, NULL, 0, &cmd);
	assert_int_equal(tworld_submit(&W, &cmd, svcport_v1_LinkKind_LINK_USB, true, NULL),
	                 E(ERROR_NONE));
	assert_int_equal(st()->lockdown_state, ACTIVE);
}

static void expired_and_future_commands(void **state)
{
	claim();
	tworld_body(&W, &body, TAG(activate), ROLE(ORG_ADMIN), TPKI_ORG);
	body.issued_at -= 700;
	body.expires_at -= 700;
	expect_body_rejected(E(EXPIRED));
	tworld_body(&W, &body, TAG(activate), ROLE(ORG_ADMIN), TPKI_ORG);
	body.issued_at += 3600;
	body.expires_at += 3600;
	expect_body_rejected(E(EXPIRED));
	tworld_body(&W, &body, TAG(activate), ROLE(ORG_ADMIN), TPKI_ORG);
	body.expires_at = body.issued_at + 3 * 24 * 3600; /* window too long */
	expect_body_rejected(E(EXPIRED));
}

static void roles_and_org(void **state)
{
	claim();
	tworld_body(&W, &body, TAG(activate), ROLE(BASE), TPKI_ORG);
	expect_body_rejected(E(ROLE_FORBIDDEN));
	tworld_body(&W, &body, TAG(activate), ROLE(MAINTENANCE), TPKI_ORG);
	expect_body_rejected(E(ROLE_FORBIDDEN));
	tworld_body(&W, &body, TAG(activate), ROLE(UNSPECIFIED), TPKI_ORG);
	expect_body_rejected(E(ROLE_FORBIDDEN));
	tworld_body(&W, &body, TAG(configure_sensors), ROLE(EDGE_USER), TPKI_ORG);
	expect_body_rejected(E(ROLE_FORBIDDEN));
	tworld_body(&W, &body, TAG(device_key_update), ROLE(ORG_ADMIN), TPKI_ORG);
	expect_body_rejected(E(WRONG_DEVICE)); /* device step precedes the role */
	tworld_body(&W, &body, TAG(activate), ROLE(ORG_ADMIN), "org-b");
	expect_body_rejected(E(NOT_OWNER));
}

static void unclaimed_device_has_no_owner(void **state)
{
	tworld_body(&W, &body, TAG(activate), ROLE(ORG_ADMIN), TPKI_ORG);
	expect_body_rejected(E(NOT_OWNER));
}

static void bad_signature_and_version(void **state)
{
	claim();
	tworld_body(&W, &body, TAG(activate), ROLE(ORG_ADMIN), TPKI_ORG);
	tworld_sign(&body, NULL, NULL, NULL, 0, &cmd);
	cmd.signature.bytes[cmd.signature.size / 2] ^= 0x01;
	expect_rejected(E(BAD_SIGNATURE), svcport_v1_LinkKind_LINK_USB, true);
	tworld_sign(&body, NULL, NULL, NULL, 0, &cmd);
	cmd.body.bytes[cmd.body.size - 1] ^= 0x80;
	expect_rejected(E(BAD_SIGNATURE), svcport_v1_LinkKind_LINK_USB, true);
	/* Signed by the device key, not the signer's. */
	tworld_sign(&body, (mbedtls_pk_context *)&tpki_get()->device_key, NULL, NULL, 0, &cmd);
	expect_rejected(E(BAD_SIGNATURE), svcport_v1_LinkKind_LINK_USB, true);
	tworld_body(&W, &body, TAG(activate), ROLE(ORG_ADMIN), TPKI_ORG);
	body.version = 2;
	expect_body_rejected(E(UNSUPPORTED_VERSION));
}

/* A chain of one certificate made with the given variation, signing with key. */
static void expect_chain_rejected(const struct tpki_cert *c, mbedtls_pk_context *key)
{
	unsigned char der[1024];
	const unsigned char *certs[1] = {der};
	size_t lens[1];
	int n = tpki_cert_der(c, der, sizeof(der));

	assert_true(n > 0);
	lens[0] = (size_t)n;
	tworld_body(&W, &body, TAG(activate), ROLE(ORG_ADMIN), TPKI_ORG);
	tworld_sign(&body, key, certs, lens, 1, &cmd);
	expect_rejected(E(UNTRUSTED_SIGNER), svcport_v1_LinkKind_LINK_USB, true);
}

static void untrusted_chains(void **state)
{
	const struct tpki *p = tpki_get();
	mbedtls_pk_context *root = (mbedtls_pk_context *)&p->root_key;
	mbedtls_pk_context *signer = (mbedtls_pk_context *)&p->signer_key;
	const struct tpki_cert good = {.subject = "CN=svcport test command signing",
	                               .key = signer,
	                               .issuer = "CN=svcport test root",
	                               .issuer_key = root,
	                               .key_usage = MBEDTLS_X509_KU_DIGITAL_SIGNATURE,
	                               .eku_cmd = true};
	struct tpki_cert c;

	claim();
	/* Issued by a root the BMC does not pin (same name, other key). */
	c = good;
	c.issuer_key = (mbedtls_pk_context *)&p->other_root_key;
	expect_chain_rejected(&c, signer);
	/* Self-signed signer. */
	c = good;
	c.issuer = NULL;
	c.issuer_key = NULL;
	expect_chain_rejected(&c, signer);
	/* Wrong curve: a P-384 signer key. */
	c = good;
	c.key = (mbedtls_pk_context *)&p->p384_key;
	expect_chain_rejected(&c, (mbedtls_pk_context *)&p->p384_key);
	/* Wrong hash: SHA-384 and SHA-1 signed certificates. */
	c = good;
	c.md = MBEDTLS_MD_SHA384;
	expect_chain_rejected(&c, signer);
	c.md = MBEDTLS_MD_SHA1;
	expect_chain_rejected(&c, signer);
	/* Without the command-signing EKU; without key usage; a CA. */
	c = good;
	c.eku_cmd = false;
	expect_chain_rejected(&c, signer);
	c = good;
	c.key_usage = 0;
	expect_chain_rejected(&c, signer);
	c = good;
	c.key_usage = MBEDTLS_X509_KU_KEY_CERT_SIGN;
	expect_chain_rejected(&c, signer);
	c = good;
	c.ca = true;
	expect_chain_rejected(&c, signer);
	/* Expired and not yet valid at the BMC clock. */
	c = good;
	c.not_after = "20261231235959";
	expect_chain_rejected(&c, signer);
	c = good;
	c.not_before = "20280101000000";
	expect_chain_rejected(&c, signer);
	/* Garbage instead of a certificate, and an empty chain. */
	tworld_body(&W, &body, TAG(activate), ROLE(ORG_ADMIN), TPKI_ORG);
	tworld_sign(&body, NULL, NULL, NULL, 0, &cmd);
	cmd.signer.chain.certs[0].bytes[10] ^= 0xff;
	expect_rejected(E(UNTRUSTED_SIGNER), svcport_v1_LinkKind_LINK_USB, true);
	cmd.signer.chain.certs_count = 0;
	expect_rejected(E(UNTRUSTED_SIGNER), svcport_v1_LinkKind_LINK_USB, true);

	/* The good one still works: a signer under an intermediate too. */
	c = good;
	{
		unsigned char der[1024];
		const unsigned char *certs[1] = {der};
		size_t lens[1];

		lens[0] = (size_t)tpki_cert_der(&c, der, sizeof(der));
		tworld_body(&W, &body, TAG(activate), ROLE(ORG_ADMIN), TPKI_ORG);
		tworld_sign(&body, signer, certs, lens, 1, &cmd);
		assert_int_equal(tworld_submit(&W, &cmd, svcport_v1_LinkKind_LINK_USB, true, NULL),
		                 E(ERROR_NONE));
	}
}

static void intermediate_chain_verifies(void **state)
{
	const struct tpki *p = tpki_get();
	unsigned char inter[1024], leaf[1024];
	const unsigned char *certs[2] = {leaf, inter};
	size_t lens[2];

	lens[1] = (size_t)tpki_cert_der(
	    &(struct tpki_cert){.subject = "CN=svcport test issuing CA",
	                        .key = (mbedtls_pk_context *)&p->other_root_key,
	                        .issuer = "CN=svcport test root",
	                        .issuer_key = (mbedtls_pk_context *)&p->root_key,
	                        .ca = true,
	                        .key_usage = MBEDTLS_X509_KU_KEY_CERT_SIGN},
	    inter, sizeof(inter));
	lens[0] = (size_t)tpki_cert_der(
	    &(struct tpki_cert){.subject = "CN=svcport test command signing 2",
	                        .key = (mbedtls_pk_context *)&p->signer_key,
	                        .issuer = "CN=svcport test issuing CA",
	                        .issuer_key = (mbedtls_pk_context *)&p->other_root_key,
	                        .key_usage = MBEDTLS_X509_KU_DIGITAL_SIGNATURE,
	                        .eku_cmd = true},
	    leaf, sizeof(leaf));
	tworld_body(&W, &body, TAG(claim), ROLE(ORG_ADMIN), TPKI_ORG);
	tworld_sign(&body, NULL, certs, lens, 2, &cmd);
	assert_int_equal(tworld_submit(&W, &cmd, svcport_v1_LinkKind_LINK_USB, true, NULL),
	                 E(ERROR_NONE));
	/* Without the intermediate it does not chain. */
	tworld_body(&W, &body, TAG(claim), ROLE(ORG_ADMIN), TPKI_ORG);
	tworld_sign(&body, NULL, certs, lens, 1, &cmd);
	expect_rejected(E(UNTRUSTED_SIGNER), svcport_v1_LinkKind_LINK_USB, true);
}

/*
 * A cached signer is checked again for its own validity only: one whose issuer
 * expires first must not be cached, or its fingerprint would outlive the chain.
 */
static void signer_outliving_its_issuer_is_not_cached(void **state)
{
	const struct tpki *p = tpki_get();
	unsigned char inter[1024], leaf[1024], fp[32];
	const unsigned char *certs[2] = {leaf, inter};
	size_t lens[2];

	lens[1] = (size_t)tpki_cert_der(
	    &(struct tpki_cert){.subject = "CN=svcport test issuing CA",
	                        .key = (mbedtls_pk_context *)&p->other_root_key,
	                        .issuer = "CN=svcport test root",
	                        .issuer_key = (mbedtls_pk_context *)&p->root_key,
	                        .ca = true,
	                        .key_usage = MBEDTLS_X509_KU_KEY_CERT_SIGN,
	                        .not_after = "20280101000000"},
	    inter, sizeof(inter));
	lens[0] = (size_t)tpki_cert_der(
	    &(struct tpki_cert){.subject = "CN=svcport test command signing 2",
	                        .key = (mbedtls_pk_context *)&p->signer_key,
	                        .issuer = "CN=svcport test issuing CA",
	                        .issuer_key = (mbedtls_pk_context *)&p->other_root_key,
	                        .key_usage = MBEDTLS_X509_KU_DIGITAL_SIGNATURE,
	                        .eku_cmd = true},
	    leaf, sizeof(leaf));
	mbedtls_sha256_ret(leaf, lens[0], fp, 0);
	tworld_body(&W, &body, TAG(claim), ROLE(ORG_ADMIN), TPKI_ORG);
	tworld_sign(&body, NULL, certs, lens, 2, &cmd);
	assert_int_equal(tworld_submit(&W, &cmd, svcport_v1_LinkKind_LINK_USB, true, NULL),
	                 E(ERROR_NONE));
	assert_int_equal(st()->signer_cache_count, 0);

	/* 2029: the issuing CA has expired; neither the chain nor the fingerprint passes. */
	W.now_ms = 1861920000ull * 1000;
	tworld_body(&W, &body, TAG(activate), ROLE(ORG_ADMIN), TPKI_ORG);
	tworld_sign(&body, NULL, certs, lens, 2, &cmd);
	expect_rejected(E(UNTRUSTED_SIGNER), svcport_v1_LinkKind_LINK_USB, true);
	cmd.which_signer = svcport_v1_SignedCommand_signer_sha256_tag;
	cmd.signer.signer_sha256.size = 32;
	memcpy(cmd.signer.signer_sha256.bytes, fp, 32);
	expect_rejected(E(UNTRUSTED_SIGNER), svcport_v1_LinkKind_LINK_USB, true);
	assert_int_equal(st()->lockdown_state, LOCKED);
}

static void signer_cache_by_fingerprint(void **state)
{
	const struct tpki *p = tpki_get();
	unsigned char fp[32];

	mbedtls_sha256_ret(p->signer, p->signer_len, fp, 0);
	/* Unknown before any command carried the chain. */
	tworld_body(&W, &body, TAG(claim), ROLE(ORG_ADMIN), TPKI_ORG);
	tworld_sign(&body, NULL, NULL, NULL, 0, &cmd);
	cmd.which_signer = svcport_v1_SignedCommand_signer_sha256_tag;
	cmd.signer.signer_sha256.size = 32;
	memcpy(cmd.signer.signer_sha256.bytes, fp, 32);
	expect_rejected(E(UNTRUSTED_SIGNER), svcport_v1_LinkKind_LINK_BLE, false);

	claim(); /* carries the chain: cached with the change */
	assert_int_equal(st()->signer_cache_count, 1);
	tworld_reopen(&W); /* persisted */
	tworld_body(&W, &body, TAG(activate), ROLE(ORG_ADMIN), TPKI_ORG);
	tworld_sign(&body, NULL, NULL, NULL, 0, &cmd);
	cmd.which_signer = svcport_v1_SignedCommand_signer_sha256_tag;
	cmd.signer.signer_sha256.size = 32;
	memcpy(cmd.signer.signer_sha256.bytes, fp, 32);
	assert_int_equal(tworld_submit(&W, &cmd, svcport_v1_LinkKind_LINK_BLE, false, NULL),
	                 E(ERROR_NONE));
	/* Once the cached certificate expires at the BMC clock, it is refused. */
	W.now_ms = 4200000000ull * 1000; /* 2103 */
	tworld_body(&W, &body, TAG(activate), ROLE(ORG_ADMIN), TPKI_ORG);
	tworld_sign(&body, NULL, NULL, NULL, 0, &cmd);
	cmd.which_signer = svcport_v1_SignedCommand_signer_sha256_tag;
	cmd.signer.signer_sha256.size = 32;
	memcpy(cmd.signer.signer_sha256.bytes, fp, 32);
	expect_rejected(E(UNTRUSTED_SIGNER), svcport_v1_LinkKind_LINK_BLE, false);
}

static void rate_limit_backs_off(void **state)
{
	uint32_t session = W.session;

	claim();
	/* Three free failures in a session, then back-off. */
	for (int i = 0; i < 3; i++) {
		tworld_body(&W, &body, TAG(activate), ROLE(BASE), TPKI_ORG);
		expect_body_rejected(E(ROLE_FORBIDDEN));
	}
	tworld_body(&W, &body, TAG(activate), ROLE(BASE), TPKI_ORG);
	expect_body_rejected(E(ROLE_FORBIDDEN)); /* the 4th failure starts the back-off */
	tworld_body(&W, &body, TAG(activate), ROLE(ORG_ADMIN), TPKI_ORG);
	expect_body_rejected(E(RATE_LIMITED));
	/* Another session on the same link kind is not affected (yet). */
	W.session = session + 1;
	tworld_body(&W, &body, TAG(activate), ROLE(ORG_ADMIN), TPKI_ORG);
	assert_int_equal(tworld_do(&W, &body), E(ERROR_NONE));
	/* After the wait, the first session may try again. */
	W.session = session;
	W.now_ms += 1000;
	tworld_body(&W, &body, TAG(activate), ROLE(ORG_ADMIN), TPKI_ORG);
	assert_int_equal(tworld_do(&W, &body), E(ERROR_NONE));
}

static void rate_limit_per_link_kind(void **state)
{
	claim();
	/* Seventeen failures over USB from many sessions: USB backs off, BLE not. */
	for (int i = 0; i < 17; i++) {
		W.session = 100 + (uint32_t)i;
		tworld_body(&W, &body, TAG(activate), ROLE(BASE), TPKI_ORG);
		expect_body_rejected(E(ROLE_FORBIDDEN));
	}
	W.session = 200;
	tworld_body(&W, &body, TAG(activate), ROLE(ORG_ADMIN), TPKI_ORG);
	expect_body_rejected(E(RATE_LIMITED));
	tworld_sign(&body, NULL, NULL, NULL, 0, &cmd);
	assert_int_equal(tworld_submit(&W, &cmd, svcport_v1_LinkKind_LINK_BLE, false, NULL),
	                 E(ERROR_NONE));
}

/*
 * Session ids are the gateway's: two gateways (or one restarted) may both hand
 * out session 1. A BLE peer's failures must not block a USB session that
 * happens to carry the same id.
 */
static void rate_limit_session_is_per_link_kind(void **state)
{
	claim();
	for (int i = 0; i < 4; i++) {
		tworld_body(&W, &body, TAG(activate), ROLE(BASE), TPKI_ORG);
		tworld_sign(&body, NULL, NULL, NULL, 0, &cmd);
		expect_rejected(E(ROLE_FORBIDDEN), svcport_v1_LinkKind_LINK_BLE, false);
	}
	tworld_body(&W, &body, TAG(activate), ROLE(ORG_ADMIN), TPKI_ORG);
	tworld_sign(&body, NULL, NULL, NULL, 0, &cmd);
	expect_rejected(E(RATE_LIMITED), svcport_v1_LinkKind_LINK_BLE, false);
	/* Same session id, over USB: not blocked. */
	assert_int_equal(tworld_submit(&W, &cmd, svcport_v1_LinkKind_LINK_USB, true, NULL),
	                 E(ERROR_NONE));
}

/* Reading the activation code (presence, nothing verified) does not wipe the back-off. */
static void rate_limit_not_reset_by_activation_code(void **state)
{
	static svcport_v1_BmcRequest req;
	static svcport_v1_BmcReply rep;
	struct bmc_outcome o;

	claim();
	for (int i = 0; i < 3; i++) {
		tworld_body(&W, &body, TAG(activate), ROLE(BASE), TPKI_ORG);
		expect_body_rejected(E(ROLE_FORBIDDEN));
	}
	req = (svcport_v1_BmcRequest)svcport_v1_BmcRequest_init_zero;
	req.has_request = true;
	req.session_id = W.session;
	req.link = svcport_v1_LinkKind_LINK_USB;
	req.physical_presence = true;
	req.request.which_body = svcport_v1_Request_get_activation_code_tag;
	bmc_handle_request(W.bmc, &req, &rep, &o);
	assert_int_equal(rep.msg.response.which_body, svcport_v1_Response_activation_code_tag);
	tworld_body(&W, &body, TAG(activate), ROLE(BASE), TPKI_ORG);
	expect_body_rejected(E(ROLE_FORBIDDEN)); /* the 4th failure starts the back-off */
	tworld_body(&W, &body, TAG(activate), ROLE(ORG_ADMIN), TPKI_ORG);
	expect_body_rejected(E(RATE_LIMITED));
}

/* ---------------------------------------------------------------- packets */

static void packet(const uint8_t *in, size_t len, svcport_v1_BmcReply *rep)
{
	static uint8_t out[svcport_v1_BmcReply_size];
	struct bmc_outcome o;
	size_t out_len;
	pb_istream_t is;

	assert_int_equal(bmc_handle_packet(W.bmc, in, len, out, sizeof(out), &out_len, &o), 0);
	is = pb_istream_from_buffer(out, out_len);
	*rep = (svcport_v1_BmcReply)svcport_v1_BmcReply_init_zero;
	assert_true(pb_decode(&is, svcport_v1_BmcReply_fields, rep));
}

static void bad_packets(void **state)
{
	static uint8_t big[svcport_v1_BmcRequest_size + 10];
	const uint8_t garbage[] = {0xff, 0xff, 0xff, 0xff, 0x0f};
	const uint8_t truncated[] = {0x2a, 0x10, 0x22}; /* request, length 16, 1 byte */
	const uint8_t empty_request[] = {0x08, 0x01};
	svcport_v1_BmcReply rep;

	tworld_snap(&W, &snap);
	packet(garbage, sizeof(garbage), &rep);
	assert_int_equal(rep.msg.response.body.error.code, E(BAD_REQUEST));
	packet(truncated, sizeof(truncated), &rep);
	assert_int_equal(rep.msg.response.body.error.code, E(BAD_REQUEST));
	packet(empty_request, sizeof(empty_request), &rep);
	assert_int_equal(rep.session_id, 1);
	assert_int_equal(rep.msg.response.body.error.code, E(BAD_REQUEST));
	memset(big, 0, sizeof(big));
	packet(big, sizeof(big), &rep);
	assert_int_equal(rep.msg.response.body.error.code, E(TOO_LARGE));
	assert_true(tworld_is_unchanged(&W, &snap));
}

static void activation_code_needs_presence(void **state)
{
	static svcport_v1_BmcRequest req;
	static svcport_v1_BmcReply rep;
	struct bmc_outcome o;

	req = (svcport_v1_BmcRequest)svcport_v1_BmcRequest_init_zero;
	req.has_request = true;
	req.session_id = 3;
	req.request_id = 9;
	req.link = svcport_v1_LinkKind_LINK_BLE;
	req.request.which_body = svcport_v1_Request_get_activation_code_tag;
	bmc_handle_request(W.bmc, &req, &rep, &o);
	assert_int_equal(rep.request_id, 9);
	assert_int_equal(rep.msg.response.which_body, svcport_v1_Response_error_tag);
	assert_int_equal(rep.msg.response.body.error.code, E(PRESENCE_REQUIRED));
	req.link = svcport_v1_LinkKind_LINK_USB;
	req.physical_presence = true;
	bmc_handle_request(W.bmc, &req, &rep, &o);
	assert_int_equal(rep.msg.response.which_body, svcport_v1_Response_activation_code_tag);
	assert_string_equal(rep.msg.response.body.activation_code.code, TPKI_CODE);
}

static void flip_code_bit(svcport_v1_BmcState *s, void *arg)
{
	s->activation_code_sealed.bytes[20] ^= 0x80;
}

static void flip_ak_bit(svcport_v1_BmcState *s, void *arg)
{
	s->sed_ak_sealed.bytes[40] ^= 0x04;
}

static void swap_blobs(svcport_v1_BmcState *s, void *arg)
{
	/* Same SE, same identity, the other purpose's blob: the binding refuses it. */
	svcport_v1_BmcState_sed_ak_sealed_t t = s->sed_ak_sealed;

	memcpy(&s->sed_ak_sealed, &s->activation_code_sealed, sizeof(t));
	memcpy(&s->activation_code_sealed, &t, sizeof(t));
}

/* A sealed secret that does not unseal: INTERNAL, nothing changed, nothing leaked. */
static void damaged_sealed_secrets_are_refused(void **state)
{
	static svcport_v1_BmcRequest req;
	static svcport_v1_BmcReply rep;
	struct bmc_outcome o;
	char code[33];

	claim();
	tworld_edit_state(&W, flip_code_bit, NULL);
	assert_int_equal(tworld_activation_code(&W, code), -EBADMSG);
	req = (svcport_v1_BmcRequest)svcport_v1_BmcRequest_init_zero;
	req.has_request = true;
	req.link = svcport_v1_LinkKind_LINK_USB;
	req.physical_presence = true;
	req.request.which_body = svcport_v1_Request_get_activation_code_tag;
	tworld_snap(&W, &snap);
	bmc_handle_request(W.bmc, &req, &rep, &o);
	assert_int_equal(rep.msg.response.which_body, svcport_v1_Response_error_tag);
	assert_int_equal(rep.msg.response.body.error.code, E(INTERNAL));
	assert_true(tworld_is_unchanged(&W, &snap));
	tworld_edit_state(&W, flip_code_bit, NULL);

	/* Activate releases the AK: a damaged one refuses it. */
	tworld_edit_state(&W, flip_ak_bit, NULL);
	tworld_body(&W, &body, TAG(activate), ROLE(ORG_ADMIN), TPKI_ORG);
	expect_body_rejected(E(INTERNAL));
	assert_int_equal(st()->lockdown_state, LOCKED);
	tworld_edit_state(&W, flip_ak_bit, NULL);

	/* Blobs swapped between fields: each is bound to its purpose. */
	tworld_edit_state(&W, swap_blobs, NULL);
	tworld_body(&W, &body, TAG(activate), ROLE(ORG_ADMIN), TPKI_ORG);
	expect_body_rejected(E(INTERNAL));
	tworld_snap(&W, &snap);
	bmc_handle_request(W.bmc, &req, &rep, &o);
	assert_int_equal(rep.msg.response.body.error.code, E(INTERNAL));
	assert_true(tworld_is_unchanged(&W, &snap));
	tworld_edit_state(&W, swap_blobs, NULL);

	/* Restored: both work again. */
	tworld_body(&W, &body, TAG(activate), ROLE(ORG_ADMIN), TPKI_ORG);
	assert_int_equal(tworld_do(&W, &body), E(ERROR_NONE));
	bmc_handle_request(W.bmc, &req, &rep, &o);
	assert_string_equal(rep.msg.response.body.activation_code.code, TPKI_CODE);
}

static void device_info_and_events(void **state)
{
	static svcport_v1_BmcRequest req;
	static svcport_v1_BmcReply rep;
	struct bmc_outcome o;
	svcport_admin_v1_AdminRequest a = svcport_admin_v1_AdminRequest_init_zero;
	svcport_admin_v1_AdminReply ar;

	assert_true(bmc_take_state_event(W.bmc, &rep)); /* first call: the baseline */
	assert_false(bmc_take_state_event(W.bmc, &rep));
	req = (svcport_v1_BmcRequest)svcport_v1_BmcRequest_init_zero;
	req.has_request = true;
	req.request.which_body = svcport_v1_Request_get_device_info_tag;
	req.request.body.get_device_info.include_certificate = true;
	bmc_handle_request(W.bmc, &req, &rep, &o);
	assert_int_equal(rep.msg.response.which_body, svcport_v1_Response_device_info_tag);
	assert_string_equal(rep.msg.response.body.device_info.device.serial_number, TPKI_SN);
	assert_int_equal(rep.msg.response.body.device_info.device_certificate.size,
	                 tpki_get()->device_crt_len);
	assert_int_equal(rep.msg.response.body.device_info.device_public_key.size, 65);
	assert_int_equal(rep.msg.response.body.device_info.security_led,
	                 svcport_v1_SecurityLed_LED_BLINKING);

	/* Tamper: a disabled sensor does nothing, an enabled one locks. */
	claim();
	tworld_body(&W, &body, TAG(activate), ROLE(ORG_ADMIN), TPKI_ORG);
	assert_int_equal(tworld_do(&W, &body), E(ERROR_NONE));
	assert_true(bmc_take_state_event(W.bmc, &rep));
	assert_int_equal(rep.msg.event.body.state_changed.lockdown_state, ACTIVE);
	/* `tamper` needs a login (re-attack on issue 13, F): the label's first changes. */
	a.which_cmd = svcport_admin_v1_AdminRequest_password_set_tag;
	strcpy(a.cmd.password_set.new_password, ADMIN_PW);
	assert_int_equal(tworld_admin(&W, &a, TPKI_LABEL_PW, &ar), 0);
	assert_false(bmc_take_state_event(W.bmc, &rep));
	a = (svcport_admin_v1_AdminRequest)svcport_admin_v1_AdminRequest_init_zero;
	a.which_cmd = svcport_admin_v1_AdminRequest_tamper_tag;
	a.cmd.tamper.kind = svcport_admin_v1_TamperKind_TAMPER_INTRUSION;
	tworld_snap(&W, &snap);
	assert_int_equal(tworld_admin(&W, &a, ADMIN_PW, &ar), 0);
	assert_false(ar.body.tamper.locked);
	assert_true(tworld_is_unchanged(&W, &snap));
	assert_false(bmc_take_state_event(W.bmc, &rep));

	tworld_body(&W, &body, TAG(configure_sensors), ROLE(ORG_ADMIN), TPKI_ORG);
	body.action.configure_sensors.has_sensors = true;
	body.action.configure_sensors.sensors.intrusion_enabled = true;
	body.action.configure_sensors.sensors.motion_enabled = true;
	body.action.configure_sensors.sensors.motion_step_threshold = 10;
	assert_int_equal(tworld_do(&W, &body), E(ERROR_NONE));
	a.cmd.tamper.kind = svcport_admin_v1_TamperKind_TAMPER_MOTION;
	a.cmd.tamper.steps = 9;
	assert_int_equal(tworld_admin(&W, &a, ADMIN_PW, &ar), 0);
	assert_false(ar.body.tamper.locked);
	a.cmd.tamper.steps = 10;
	assert_int_equal(tworld_admin(&W, &a, ADMIN_PW, &ar), 0);
	assert_true(ar.body.tamper.locked);
	assert_int_equal(st()->lockdown_state, LOCKED);
	assert_true(bmc_take_state_event(W.bmc, &rep));
	assert_int_equal(rep.session_id, 0);
	assert_int_equal(rep.msg.event.body.state_changed.security_led,
	                 svcport_v1_SecurityLed_LED_BLINKING);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(claim_records_owner_and_signs_receipt, setup_portal,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(activate_unlocks_and_counter_survives_restart,
	                                    setup_portal, teardown),
	    cmocka_unit_test_setup_teardown(emergency_reset_clears_ak_by_policy, setup_portal,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(emergency_reset_keeps_ak_when_policy_off, setup_portal,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(key_update_binds_blank_board, setup_blank, teardown),
	    cmocka_unit_test_setup_teardown(promote_is_one_way, setup_bmc, teardown),
	    cmocka_unit_test_setup_teardown(transfer_and_sensors, setup_portal, teardown),
	    cmocka_unit_test_setup_teardown(wrong_device, setup_portal, teardown),
	    cmocka_unit_test_setup_teardown(replayed_and_unknown_nonce, setup_portal, teardown),
	    cmocka_unit_test_setup_teardown(nonce_consumed_whatever_follows, setup_portal,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(challenge_expiry_and_eviction, setup_portal, teardown),
	    cmocka_unit_test_setup_teardown(challenge_flood_spares_other_links, setup_portal,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(expired_and_future_commands, setup_portal, teardown),
	    cmocka_unit_test_setup_teardown(roles_and_org, setup_portal, teardown),
	    cmocka_unit_test_setup_teardown(unclaimed_device_has_no_owner, setup_portal, teardown),
	    cmocka_unit_test_setup_teardown(bad_signature_and_version, setup_portal, teardown),
	    cmocka_unit_test_setup_teardown(untrusted_chains, setup_portal, teardown),
	    cmocka_unit_test_setup_teardown(intermediate_chain_verifies, setup_portal, teardown),
	    cmocka_unit_test_setup_teardown(signer_cache_by_fingerprint, setup_portal, teardown),
	    cmocka_unit_test_setup_teardown(signer_outliving_its_issuer_is_not_cached, setup_portal,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(rate_limit_backs_off, setup_portal_rl, teardown),
	    cmocka_unit_test_setup_teardown(rate_limit_per_link_kind, setup_portal_rl, teardown),
	    cmocka_unit_test_setup_teardown(rate_limit_session_is_per_link_kind, setup_portal_rl,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(rate_limit_not_reset_by_activation_code,
	                                    setup_portal_rl, teardown),
	    cmocka_unit_test_setup_teardown(bad_packets, setup_portal, teardown),
	    cmocka_unit_test_setup_teardown(activation_code_needs_presence, setup_portal, teardown),
	    cmocka_unit_test_setup_teardown(damaged_sealed_secrets_are_refused, setup_portal,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(device_info_and_events, setup_portal, teardown),
	    cmocka_unit_test_setup_teardown(portal_link_carries_only_activation, setup_portal,
	                                    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
