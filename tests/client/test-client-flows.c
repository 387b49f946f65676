// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libsvcport-client's flows against a scripted device: every signed action in exactly
 * two exchanges after the set-up (GetChallenge, SubmitCommand; a key update adds
 * GetDeviceInfo for the board's key), over ATT, the OS's GATT API and CDC; what the portal
 * is given; the receipt; UNTRUSTED_SIGNER answered once with the chain; the emergency
 * reset's one-time password opened from WebCrypto's vector box and from a real pwbox,
 * and refused when the box is absent, altered or bound to another command; the
 * activation code; the device info; a command signed earlier, submitted alone.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pb_decode.h>
#include <pb_encode.h>

#include "client-fixture.h"
#include "hex.h"
#include "pwbox.h"

static const uint8_t nonce1[16] = {0x6b, 0x68, 0xee, 0xad, 0x13, 0x0b, 0x84, 0x2c,
                                   0xd8, 0x13, 0x4a, 0x17, 0x46, 0x7c, 0xbf, 0x5c};

/* The first vector of tests/vectors/pwbox-v1.txt (WebCrypto's). */
struct vector {
	uint8_t requester_priv[32], requester_pub[65], device_pub[65], nonce[16], ct[64];
	size_t ct_len;
	char secret[64];
};

static void read_vector(struct vector *v)
{
	const char *path = getenv("PWBOX_VECTORS");
	char line[512];
	FILE *in;

	assert_non_null(path);
	in = fopen(path, "r");
	assert_non_null(in);
	memset(v, 0, sizeof(*v));
	while (fgets(line, sizeof(line), in) && !v->ct_len) {
		char *eq = strstr(line, " = ");

		line[strcspn(line, "\n")] = 0;
		if (line[0] == '#' || !eq)
			continue;
		*eq = 0;
		eq += 3;
		if (strcmp(line, "requester_priv") == 0)
			assert_int_equal(hex_decode(eq, v->requester_priv, 32, 0), 0);
		else if (strcmp(line, "requester_pub") == 0)
			assert_int_equal(hex_decode(eq, v->requester_pub, 65, 0), 0);
		else if (strcmp(line, "device_pub") == 0)
			assert_int_equal(hex_decode(eq, v->device_pub, 65, 0), 0);
		else if (strcmp(line, "nonce") == 0)
			assert_int_equal(hex_decode(eq, v->nonce, 16, 0), 0);
		else if (strcmp(line, "secret") == 0)
			snprintf(v->secret, sizeof(v->secret), "%s", eq);
		else if (strcmp(line, "ciphertext") == 0) {
			v->ct_len = strlen(eq) / 2;
			assert_int_equal(hex_decode(eq, v->ct, v->ct_len, 0), 0);
		}
	}
	fclose(in);
	assert_true(v->ct_len > 16);
}

static struct fx *connected(enum svcport_client_link kind)
{
	struct fx *f = fx_new(kind);

	fx_client(f);
	fx_connect(f, 0);
	return f;
}

/* Starts flow and answers GetChallenge; the portal (the test) is asked to sign. */
static uint32_t to_sign(struct fx *f, enum svcport_client_flow flow, const uint8_t nonce[16])
{
	svcport_v1_Response resp;
	uint32_t id;
	int asked = f->n_sign;

	assert_int_equal(svcport_client_start(f->c, flow), 0);
	id = fx_request(f, svcport_v1_Request_get_challenge_tag);
	fx_challenge(&resp, nonce, 2);
	fx_respond(f, id, &resp);
	assert_int_equal(f->n_sign, asked + 1);
	return id;
}

/* The portal answers (from outside the callback); the command must reach the device as
 * the portal made it. Returns the SubmitCommand's id. */
static uint32_t submit(struct fx *f, bool by_chain)
{
	svcport_v1_SignedCommand *sc;
	uint32_t id;

	fx_make_command(f, by_chain);
	assert_int_equal(svcport_client_sign_done(f->c, f->command, f->command_len), 0);
	assert_int_equal(svcport_client_sign_done(f->c, f->command, f->command_len), -EALREADY);
	id = fx_request(f, svcport_v1_Request_submit_command_tag);
	assert_true(f->frame.msg.request.body.submit_command.has_command);
	sc = &f->frame.msg.request.body.submit_command.command;
	assert_int_equal(sc->which_signer, by_chain ? svcport_v1_SignedCommand_chain_tag
	                                            : svcport_v1_SignedCommand_signer_sha256_tag);
	assert_int_equal(sc->signature.size, 70);
	return id;
}

/* The device's receipt of a command that went well; the flow ends with status 0. */
static void receipt_ok(struct fx *f, uint32_t id, svcport_v1_Action action)
{
	svcport_v1_Response resp;

	fx_receipt(&resp, nonce1, action, svcport_v1_ErrorCode_ERROR_NONE);
	fx_respond(f, id, &resp);
	assert_int_equal(f->res.status, 0);
}

/* Every signed action over each link: two exchanges, the portal's inputs, the receipt. */
static void two_exchanges(enum svcport_client_link kind, enum svcport_client_flow flow)
{
	struct fx *f = connected(kind);
	struct svcport_client_stats before, after;
	svcport_v1_Response resp;
	uint32_t id;

	svcport_client_get_stats(f->c, &before);
	to_sign(f, flow, nonce1);
	assert_int_equal(f->sreq.flow, flow);
	assert_string_equal(f->sreq.device.machine_type, FX_MT);
	assert_string_equal(f->sreq.device.serial_number, FX_SN);
	assert_int_equal(f->sreq.lockdown, SVCPORT_CLIENT_LOCKDOWN_LOCKED);
	assert_int_equal(f->sreq.n_known_signers, 2);
	assert_int_equal(f->sreq.known_signers[1][0], 0xa1);
	assert_false(f->sreq.want_chain);
	assert_null(f->sreq.requester_public_key);
	assert_null(f->sreq.device_public_key);
	id = submit(f, false);
	fx_receipt(&resp, nonce1, (svcport_v1_Action)flow, svcport_v1_ErrorCode_ERROR_NONE);
	fx_respond(f, id, &resp);
	assert_int_equal(f->res.flow, flow);
	assert_int_equal(f->res.status, 0);
	assert_int_equal(f->res.receipt_result, SVCPORT_CLIENT_OK);
	assert_int_equal(f->res.new_lockdown, SVCPORT_CLIENT_LOCKDOWN_ACTIVE);
	assert_int_equal(f->res.new_control, SVCPORT_CLIENT_CONTROL_PORTAL);
	assert_string_equal(f->res.new_owner, "acme");
	assert_int_equal(f->res.receipt_counter, 7);
	assert_non_null(f->res.receipt);
	assert_true(f->res.receipt_len > 70);
	svcport_client_get_stats(f->c, &after);
	assert_int_equal(after.exchanges - before.exchanges, 2);
	assert_int_equal(after.frames - before.frames, 2);
	fx_free(f);
}

static void activate_over_att(void **state)
{
	two_exchanges(SVCPORT_CLIENT_LINK_ATT, SVCPORT_CLIENT_FLOW_ACTIVATE);
}

static void activate_over_gatt_api(void **state)
{
	two_exchanges(SVCPORT_CLIENT_LINK_GATT, SVCPORT_CLIENT_FLOW_ACTIVATE);
}

static void activate_over_cdc(void **state)
{
	two_exchanges(SVCPORT_CLIENT_LINK_CDC, SVCPORT_CLIENT_FLOW_ACTIVATE);
}

static void each_signed_action(void **state)
{
	const enum svcport_client_flow flows[] = {
	    SVCPORT_CLIENT_FLOW_CLAIM, SVCPORT_CLIENT_FLOW_PROMOTE, SVCPORT_CLIENT_FLOW_TRANSFER,
	    SVCPORT_CLIENT_FLOW_SENSORS};

	for (size_t i = 0; i < sizeof(flows) / sizeof(flows[0]); i++)
		two_exchanges(SVCPORT_CLIENT_LINK_ATT, flows[i]);
}

/* A portal that answers from inside the callback works the same. */
static void portal_answers_inside(void **state)
{
	struct fx *f = connected(SVCPORT_CLIENT_LINK_CDC);
	uint32_t id;

	f->sign_sync = true;
	to_sign(f, SVCPORT_CLIENT_FLOW_CLAIM, nonce1);
	id = fx_request(f, svcport_v1_Request_submit_command_tag);
	receipt_ok(f, id, svcport_v1_Action_ACTION_CLAIM);
	fx_free(f);
}

/* The device evicted the signer named by fingerprint: the portal is asked once more,
 * for the chain, and the command goes again; a second UNTRUSTED_SIGNER is the answer. */
static void untrusted_signer(void **state)
{
	struct fx *f = connected(SVCPORT_CLIENT_LINK_CDC);
	uint32_t id;

	to_sign(f, SVCPORT_CLIENT_FLOW_ACTIVATE, nonce1);
	id = submit(f, false);
	fx_respond_error(f, id, svcport_v1_ErrorCode_UNTRUSTED_SIGNER, 0, "unknown fingerprint");
	assert_int_equal(f->n_sign, 2);
	assert_true(f->sreq.want_chain);
	assert_int_equal(f->n_done, 1); /* only the connect */
	receipt_ok(f, submit(f, true), svcport_v1_Action_ACTION_ACTIVATE);

	to_sign(f, SVCPORT_CLIENT_FLOW_ACTIVATE, nonce1);
	id = submit(f, false);
	fx_respond_error(f, id, svcport_v1_ErrorCode_UNTRUSTED_SIGNER, 0, "");
	id = submit(f, true);
	fx_respond_error(f, id, svcport_v1_ErrorCode_UNTRUSTED_SIGNER, 0, "chain refused");
	assert_int_equal(f->n_sign, 4);
	assert_int_equal(f->res.status, -EREMOTEIO);
	assert_int_equal(f->res.error, SVCPORT_CLIENT_UNTRUSTED_SIGNER);
	assert_string_equal(f->res.detail, "chain refused");
	fx_free(f);
}

/* A command the device took but whose action failed: the receipt says so, and goes to
 * the portal all the same. */
static void receipt_with_failure(void **state)
{
	struct fx *f = connected(SVCPORT_CLIENT_LINK_CDC);
	svcport_v1_Response resp;
	uint32_t id;

	to_sign(f, SVCPORT_CLIENT_FLOW_ACTIVATE, nonce1);
	id = submit(f, false);
	fx_receipt(&resp, nonce1, svcport_v1_Action_ACTION_ACTIVATE,
	           svcport_v1_ErrorCode_INVALID_STATE);
	fx_respond(f, id, &resp);
	assert_int_equal(f->res.status, -EREMOTEIO);
	assert_int_equal(f->res.error, SVCPORT_CLIENT_INVALID_STATE);
	assert_int_equal(f->res.receipt_result, SVCPORT_CLIENT_INVALID_STATE);
	assert_non_null(f->res.receipt);
	fx_free(f);
}

/* The portal refuses or is not reachable; the portal answers with something that is not
 * a command (nothing goes to the device). */
static void portal_failures(void **state)
{
	struct fx *f = connected(SVCPORT_CLIENT_LINK_CDC);
	static const uint8_t junk[] = {0xff, 0xff, 0xff};

	to_sign(f, SVCPORT_CLIENT_FLOW_CLAIM, nonce1);
	assert_int_equal(svcport_client_sign_failed(f->c, -EACCES), 0);
	assert_int_equal(f->res.status, -EACCES);
	assert_int_equal(svcport_client_sign_failed(f->c, -EACCES), -EALREADY);
	to_sign(f, SVCPORT_CLIENT_FLOW_CLAIM, nonce1);
	assert_int_equal(svcport_client_sign_done(f->c, junk, sizeof(junk)), -EBADMSG);
	assert_int_equal(f->res.status, -EBADMSG);
	fx_no_request(f);
	fx_free(f);
}

/* A key update asks GetDeviceInfo with the certificate first: the portal needs the new
 * board's key (checked against its QR code). Three exchanges; the key is passed on. */
static void key_update(void **state)
{
	struct fx *f = connected(SVCPORT_CLIENT_LINK_ATT);
	struct svcport_client_stats before, after;
	svcport_v1_Response resp = svcport_v1_Response_init_zero;
	svcport_v1_DeviceInfo *di = &resp.body.device_info;
	uint32_t id;

	svcport_client_get_stats(f->c, &before);
	assert_int_equal(svcport_client_start(f->c, SVCPORT_CLIENT_FLOW_KEY_UPDATE), 0);
	id = fx_request(f, svcport_v1_Request_get_device_info_tag);
	assert_true(f->frame.msg.request.body.get_device_info.include_certificate);
	resp.which_body = svcport_v1_Response_device_info_tag;
	di->device_public_key.size = 65;
	memset(di->device_public_key.bytes, 0x04, 65);
	di->device_certificate.size = 400;
	memset(di->device_certificate.bytes, 0x30, 400);
	fx_respond(f, id, &resp);
	id = fx_request(f, svcport_v1_Request_get_challenge_tag);
	fx_challenge(&resp, nonce1, 0);
	fx_respond(f, id, &resp);
	assert_int_equal(f->n_sign, 1);
	assert_int_equal(f->sreq.device_public_key_len, 65);
	assert_int_equal(f->sreq.device_public_key[64], 0x04);
	assert_int_equal(f->sreq.device_certificate_len, 400);
	assert_int_equal(f->sreq.n_known_signers, 0);
	id = submit(f, true);
	fx_receipt(&resp, nonce1, svcport_v1_Action_ACTION_DEVICE_KEY_UPDATE,
	           svcport_v1_ErrorCode_ERROR_NONE);
	fx_respond(f, id, &resp);
	assert_int_equal(f->res.status, 0);
	svcport_client_get_stats(f->c, &after);
	assert_int_equal(after.exchanges - before.exchanges, 3);

	/* A board that did not send its key cannot be updated. */
	assert_int_equal(svcport_client_start(f->c, SVCPORT_CLIENT_FLOW_KEY_UPDATE), 0);
	id = fx_request(f, svcport_v1_Request_get_device_info_tag);
	memset(&resp, 0, sizeof(resp));
	resp.which_body = svcport_v1_Response_device_info_tag;
	fx_respond(f, id, &resp);
	assert_int_equal(f->res.status, -EPROTO);
	fx_no_request(f);
	fx_free(f);
}

/* ---------------------------------------------------------------- emergency reset */

/* The device's randomness when it seals (any will do: the box must open whatever key). */
static int device_rng(void *ctx, unsigned char *buf, size_t len)
{
	static uint64_t x = 0x9e3779b97f4a7c15ull;

	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		buf[i] = (unsigned char)x;
	}
	return 0;
}

/* Answers the reset's SubmitCommand with a receipt and, if given, the sealed password. */
static void reset_answer(struct fx *f, uint32_t id, const uint8_t *device_pub, const uint8_t *ct,
                         size_t ct_len)
{
	svcport_v1_Response resp;
	svcport_v1_SealedPassword *sp = &resp.body.command_result.one_time_password;

	fx_receipt(&resp, nonce1, svcport_v1_Action_ACTION_EMERGENCY_PASSWORD_RESET,
	           svcport_v1_ErrorCode_ERROR_NONE);
	if (device_pub) {
		resp.body.command_result.has_one_time_password = true;
		memcpy(sp->device_public_key.bytes, device_pub, 65);
		sp->device_public_key.size = 65;
		memcpy(sp->ciphertext.bytes, ct, ct_len);
		sp->ciphertext.size = (pb_size_t)ct_len;
	}
	fx_respond(f, id, &resp);
}

/* The library's one-time key is the vector's requester key (the randomness it asked for
 * is the vector's scalar), the device answers with the box WebCrypto made: the password
 * is the vector's, shown once, and the key went to the portal. */
static void reset_vector_box(void **state)
{
	struct vector v;
	struct fx *f = fx_new(SVCPORT_CLIENT_LINK_CDC);
	uint32_t id;

	read_vector(&v);
	memset(f->rng, 0x01, 4); /* the first request id */
	memcpy(f->rng + 4, v.requester_priv, 32);
	f->rng_len = 36;
	fx_client(f);
	fx_connect(f, 0);
	to_sign(f, SVCPORT_CLIENT_FLOW_EMERGENCY_RESET, v.nonce);
	assert_non_null(f->sreq.requester_public_key);
	assert_memory_equal(f->req_key, v.requester_pub, 65);
	id = submit(f, false);
	reset_answer(f, id, v.device_pub, v.ct, v.ct_len);
	assert_int_equal(f->res.status, 0);
	assert_true(f->res.password_shown);
	assert_int_equal(f->n_secret, 1);
	assert_int_equal(f->secret_kind, SVCPORT_CLIENT_SECRET_PASSWORD);
	assert_string_equal(f->secret, v.secret);
	fx_free(f);
}

/* A box sealed by common/pwbox the way bmcd seals it; then the refusals: a changed byte,
 * a box bound to another command, no box. The receipt comes back every time. */
static void reset_real_box(void **state)
{
	static const uint8_t other_nonce[16] = {9};
	struct fx *f = connected(SVCPORT_CLIENT_LINK_ATT);
	struct pwbox_binding bind = {FX_MT, FX_SN, nonce1, 16};
	uint8_t dev_pub[65], ct[64];
	size_t ct_len = 0;
	uint32_t id;

	for (int round = 0; round < 4; round++) {
		f->n_secret = 0;
		to_sign(f, SVCPORT_CLIENT_FLOW_EMERGENCY_RESET, nonce1);
		bind.nonce = round == 2 ? other_nonce : nonce1;
		assert_int_equal(pwbox_seal(f->req_key, &bind, "Q8RT-ZZ4M-W2", 12, device_rng, NULL,
		                            dev_pub, ct, sizeof(ct), &ct_len),
		                 0);
		if (round == 1)
			ct[3] ^= 0x20;
		id = submit(f, false);
		reset_answer(f, id, round == 3 ? NULL : dev_pub, ct, ct_len);
		assert_non_null(f->res.receipt);
		if (round == 0) {
			assert_int_equal(f->res.status, 0);
			assert_string_equal(f->secret, "Q8RT-ZZ4M-W2");
			assert_int_equal(f->n_secret, 1);
			continue;
		}
		assert_int_equal(f->res.status, round == 3 ? -ENODATA : -EBADMSG);
		assert_false(f->res.password_shown);
		assert_int_equal(f->n_secret, 0);
	}
	fx_free(f);
}

/* A command the portal signed for an earlier challenge, kept: the test's copy. */
static size_t signed_earlier(struct fx *f, enum svcport_client_flow flow, uint8_t *cmd)
{
	to_sign(f, flow, nonce1);
	fx_make_command(f, false);
	memcpy(cmd, f->command, f->command_len);
	assert_int_equal(svcport_client_cancel(f->c), 0);
	assert_int_equal(f->res.status, -ECANCELED);
	fx_no_request(f);
	return f->command_len;
}

/* svcport_client_submit: one exchange, SubmitCommand with the very bytes, no challenge,
 * no portal; the receipt as for a started flow. */
static void submit_signed_earlier(void **state)
{
	static uint8_t cmd[4800];
	struct fx *f = connected(SVCPORT_CLIENT_LINK_ATT);
	struct svcport_client_stats before, after;
	uint8_t sent[4800];
	size_t len = signed_earlier(f, SVCPORT_CLIENT_FLOW_ACTIVATE, cmd), sent_len;
	int signs = f->n_sign, dones = f->n_done;
	uint32_t id;

	svcport_client_get_stats(f->c, &before);
	assert_int_equal(svcport_client_submit(f->c, SVCPORT_CLIENT_FLOW_ACTIVATE, cmd, len), 0);
	assert_int_equal(svcport_client_submit(f->c, SVCPORT_CLIENT_FLOW_ACTIVATE, cmd, len),
	                 -EBUSY);
	id = fx_request(f, svcport_v1_Request_submit_command_tag);
	{
		pb_ostream_t os = pb_ostream_from_buffer(sent, sizeof(sent));

		assert_true(pb_encode(&os, svcport_v1_SignedCommand_fields,
		                      &f->frame.msg.request.body.submit_command.command));
		sent_len = os.bytes_written;
	}
	assert_int_equal(sent_len, len);
	assert_memory_equal(sent, cmd, len);
	receipt_ok(f, id, svcport_v1_Action_ACTION_ACTIVATE);
	assert_int_equal(f->res.flow, SVCPORT_CLIENT_FLOW_ACTIVATE);
	assert_non_null(f->res.receipt);
	assert_int_equal(f->n_sign, signs);
	assert_int_equal(f->n_done, dones + 1);
	svcport_client_get_stats(f->c, &after);
	assert_int_equal(after.exchanges - before.exchanges, 1);
	fx_free(f);
}

/* What is not a signed command of the flow named goes nowhere, and starts nothing; a
 * portal's answer for another action neither. */
static void submit_refusals(void **state)
{
	static uint8_t cmd[4800];
	static const uint8_t junk[] = {0xff, 0xff, 0xff};
	struct fx *f = fx_new(SVCPORT_CLIENT_LINK_CDC);
	size_t len;
	int dones;

	fx_client(f);
	assert_int_equal(svcport_client_submit(f->c, SVCPORT_CLIENT_FLOW_ACTIVATE, junk, 3),
	                 -ENOTCONN);
	fx_connect(f, 0);
	len = signed_earlier(f, SVCPORT_CLIENT_FLOW_ACTIVATE, cmd);
	dones = f->n_done;
	assert_int_equal(svcport_client_submit(f->c, SVCPORT_CLIENT_FLOW_CLAIM, cmd, len),
	                 -EBADMSG);
	assert_int_equal(svcport_client_submit(f->c, SVCPORT_CLIENT_FLOW_INFO, cmd, len), -EINVAL);
	assert_int_equal(svcport_client_submit(f->c, SVCPORT_CLIENT_FLOW_ACTIVATE, junk, 3),
	                 -EBADMSG);
	assert_int_equal(svcport_client_submit(f->c, SVCPORT_CLIENT_FLOW_ACTIVATE, cmd, len / 2),
	                 -EBADMSG);
	assert_int_equal(f->n_done, dones);
	fx_no_request(f);

	/* The portal signed another action than the one asked for. */
	to_sign(f, SVCPORT_CLIENT_FLOW_CLAIM, nonce1);
	f->sreq.flow = SVCPORT_CLIENT_FLOW_TRANSFER;
	fx_make_command(f, false);
	assert_int_equal(svcport_client_sign_done(f->c, f->command, f->command_len), -EBADMSG);
	assert_int_equal(f->res.status, -EBADMSG);
	fx_no_request(f);
	fx_free(f);
}

/* A submitted emergency reset: the device sealed the password to the key of the client
 * that asked for the challenge, not to this one: -ENOKEY, nothing shown, the receipt. */
static void submit_reset_has_no_key(void **state)
{
	static uint8_t cmd[4800];
	struct fx *f = connected(SVCPORT_CLIENT_LINK_CDC);
	struct pwbox_binding bind = {FX_MT, FX_SN, nonce1, 16};
	uint8_t dev_pub[65], ct[64], req_key[65];
	size_t ct_len = 0, len = signed_earlier(f, SVCPORT_CLIENT_FLOW_EMERGENCY_RESET, cmd);

	memcpy(req_key, f->req_key, sizeof(req_key));
	assert_int_equal(pwbox_seal(req_key, &bind, "Q8RT-ZZ4M-W2", 12, device_rng, NULL, dev_pub,
	                            ct, sizeof(ct), &ct_len),
	                 0);
	f->n_secret = 0;
	assert_int_equal(svcport_client_submit(f->c, SVCPORT_CLIENT_FLOW_EMERGENCY_RESET, cmd, len),
	                 0);
	reset_answer(f, fx_request(f, svcport_v1_Request_submit_command_tag), dev_pub, ct, ct_len);
	assert_int_equal(f->res.status, -ENOKEY);
	assert_non_null(f->res.receipt);
	assert_false(f->res.password_shown);
	assert_int_equal(f->n_secret, 0);
	fx_free(f);
}

/* No way to show a secret, no emergency reset nor activation code. */
static void reset_needs_secret_callback(void **state)
{
	struct fx *f = fx_new(SVCPORT_CLIENT_LINK_CDC);

	f->cb.secret = NULL;
	fx_client(f);
	fx_connect(f, 0);
	assert_int_equal(svcport_client_start(f->c, SVCPORT_CLIENT_FLOW_EMERGENCY_RESET), -EINVAL);
	assert_int_equal(svcport_client_start(f->c, SVCPORT_CLIENT_FLOW_ACTIVATION_CODE), -EINVAL);
	fx_no_request(f);
	fx_free(f);
}

/* ---------------------------------------------------------------- activation code */

static void activation_code(void **state)
{
	struct fx *f = connected(SVCPORT_CLIENT_LINK_CDC);
	svcport_v1_Response resp = svcport_v1_Response_init_zero;
	uint32_t id;

	assert_int_equal(svcport_client_start(f->c, SVCPORT_CLIENT_FLOW_ACTIVATION_CODE), 0);
	id = fx_request(f, svcport_v1_Request_get_activation_code_tag);
	resp.which_body = svcport_v1_Response_activation_code_tag;
	strcpy(resp.body.activation_code.code, "HX4Q-29PD-KM7T");
	fx_respond(f, id, &resp);
	assert_int_equal(f->res.status, 0);
	assert_int_equal(f->n_secret, 1);
	assert_int_equal(f->secret_kind, SVCPORT_CLIENT_SECRET_ACTIVATION_CODE);
	assert_string_equal(f->secret, "HX4Q-29PD-KM7T");
	/* Over BLE bmcd wants presence: its refusal comes back as it is. */
	assert_int_equal(svcport_client_start(f->c, SVCPORT_CLIENT_FLOW_ACTIVATION_CODE), 0);
	id = fx_request(f, svcport_v1_Request_get_activation_code_tag);
	fx_respond_error(f, id, svcport_v1_ErrorCode_PRESENCE_REQUIRED, 0, "needs the port");
	assert_int_equal(f->res.status, -EREMOTEIO);
	assert_int_equal(f->res.error, SVCPORT_CLIENT_PRESENCE_REQUIRED);
	assert_int_equal(f->n_secret, 1);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(activate_over_att),
	    cmocka_unit_test(activate_over_gatt_api),
	    cmocka_unit_test(activate_over_cdc),
	    cmocka_unit_test(each_signed_action),
	    cmocka_unit_test(portal_answers_inside),
	    cmocka_unit_test(untrusted_signer),
	    cmocka_unit_test(receipt_with_failure),
	    cmocka_unit_test(portal_failures),
	    cmocka_unit_test(key_update),
	    cmocka_unit_test(reset_vector_box),
	    cmocka_unit_test(reset_real_box),
	    cmocka_unit_test(reset_needs_secret_callback),
	    cmocka_unit_test(activation_code),
	    cmocka_unit_test(submit_signed_earlier),
	    cmocka_unit_test(submit_refusals),
	    cmocka_unit_test(submit_reset_has_no_key),
	};

	return cmocka_run_group_tests_name("client-flows", tests, NULL, NULL);
}
