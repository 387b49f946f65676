// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libsvcport-client, the signed actions: GetChallenge, the app's portal signs, then
 * SubmitCommand and the device's receipt. Two exchanges after the link's set-up; a key
 * update first asks GetDeviceInfo for the replacement board's key and certificate. An
 * emergency reset carries this phone's one-time public key in the command and opens the
 * one-time password bmcd seals to it (common/pwbox.h); the password is shown once.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <mbedtls/platform_util.h>
#include <pb_decode.h>
#include <pb_encode.h>

#include "svcport-client-int.h"

void sign_wipe(struct svcport_client *c)
{
	mbedtls_platform_zeroize(c->priv, sizeof(c->priv));
	mbedtls_platform_zeroize(c->pub, sizeof(c->pub));
	memset(&c->sign, 0, sizeof(c->sign));
	c->challenge_len = 0;
	c->asked_chain = false;
	c->board_key_len = 0;
	c->board_cert_len = 0;
	c->has_key = false;
	if (c->submit)
		memset(c->submit, 0, sizeof(*c->submit));
	if (c->body)
		memset(c->body, 0, sizeof(*c->body));
}

int sign_begin(struct svcport_client *c)
{
	int r;

	sign_wipe(c);
	if (c->flow == SVCPORT_CLIENT_FLOW_EMERGENCY_RESET) {
		r = pwbox_keygen(client_pwbox_rng, c, c->priv, c->pub);
		if (r < 0)
			return r;
		c->has_key = true;
	}
	if (c->flow == SVCPORT_CLIENT_FLOW_KEY_UPDATE) {
		/* The one case for GetDeviceInfo: the portal checks the board's key. */
		c->req.body.get_device_info.include_certificate = true;
		return client_call(c, STEP_DEVICE_INFO, svcport_v1_Request_get_device_info_tag);
	}
	return client_call(c, STEP_CHALLENGE, svcport_v1_Request_get_challenge_tag);
}

int sign_after_key_info(struct svcport_client *c, const svcport_v1_DeviceInfo *di)
{
	if (di->device_public_key.size != SVCPORT_CLIENT_KEY_LEN ||
	    di->device_certificate.size > 1024)
		return -EPROTO; /* asked for with include_certificate: bmcd always sends it */
	memcpy(c->board_key, di->device_public_key.bytes, SVCPORT_CLIENT_KEY_LEN);
	c->board_key_len = SVCPORT_CLIENT_KEY_LEN;
	memcpy(c->board_cert, di->device_certificate.bytes, di->device_certificate.size);
	c->board_cert_len = di->device_certificate.size;
	return client_call(c, STEP_CHALLENGE, svcport_v1_Request_get_challenge_tag);
}

/* Asks the app's portal (again, with want_chain, after UNTRUSTED_SIGNER). */
static void ask(struct svcport_client *c)
{
	c->step = STEP_SIGN;
	c->is_signing = true;
	c->cb.sign(c, &c->sign, c->cb.user_data);
}

void sign_challenge(struct svcport_client *c, const svcport_v1_Response *resp)
{
	const svcport_v1_Challenge *ch = &resp->body.challenge;
	svcport_v1_ChallengeBody chb;
	pb_ostream_t os = pb_ostream_from_buffer(c->challenge, sizeof(c->challenge));
	pb_istream_t is = pb_istream_from_buffer(ch->body.bytes, ch->body.size);
	struct svcport_client_sign_request *s = &c->sign;

	memset(&chb, 0, sizeof(chb));
	/* Body and signature are bytes: the re-encoding is the Challenge as sent. A Challenge
	 * without a body names no device and no nonce: nothing for the portal to sign. */
	if (ch->body.size == 0 || !pb_encode(&os, svcport_v1_Challenge_fields, ch) ||
	    !pb_decode(&is, svcport_v1_ChallengeBody_fields, &chb)) {
		client_end(c, -EPROTO);
		return;
	}
	c->challenge_len = os.bytes_written;
	memset(s, 0, sizeof(*s));
	s->flow = c->flow;
	s->challenge = c->challenge;
	s->challenge_len = c->challenge_len;
	snprintf(s->device.machine_type, sizeof(s->device.machine_type), "%s",
	         chb.device.machine_type);
	snprintf(s->device.serial_number, sizeof(s->device.serial_number), "%s",
	         chb.device.serial_number);
	s->lockdown = c->link_info.lockdown;
	for (pb_size_t i = 0; i < chb.known_signers_count && i < SVCPORT_CLIENT_SIGNERS; i++)
		if (chb.known_signers[i].size == SVCPORT_CLIENT_SHA256_LEN)
			memcpy(c->signers[s->n_known_signers++], chb.known_signers[i].bytes,
			       SVCPORT_CLIENT_SHA256_LEN);
	s->known_signers = (const uint8_t(*)[SVCPORT_CLIENT_SHA256_LEN])c->signers;
	if (c->flow == SVCPORT_CLIENT_FLOW_EMERGENCY_RESET)
		s->requester_public_key = c->pub;
	if (c->flow == SVCPORT_CLIENT_FLOW_KEY_UPDATE) {
		s->device_public_key = c->board_key;
		s->device_public_key_len = c->board_key_len;
		s->device_certificate = c->board_cert;
		s->device_certificate_len = c->board_cert_len;
	}
	ask(c);
}

/* The flow a command's action is, 0 for none this library knows. */
static enum svcport_client_flow body_flow(const svcport_v1_CommandBody *b)
{
	switch (b->which_action) {
	case svcport_v1_CommandBody_claim_tag:
		return SVCPORT_CLIENT_FLOW_CLAIM;
	case svcport_v1_CommandBody_activate_tag:
		return SVCPORT_CLIENT_FLOW_ACTIVATE;
	case svcport_v1_CommandBody_emergency_password_reset_tag:
		return SVCPORT_CLIENT_FLOW_EMERGENCY_RESET;
	case svcport_v1_CommandBody_device_key_update_tag:
		return SVCPORT_CLIENT_FLOW_KEY_UPDATE;
	case svcport_v1_CommandBody_promote_to_portal_control_tag:
		return SVCPORT_CLIENT_FLOW_PROMOTE;
	case svcport_v1_CommandBody_transfer_ownership_tag:
		return SVCPORT_CLIENT_FLOW_TRANSFER;
	case svcport_v1_CommandBody_configure_sensors_tag:
		return SVCPORT_CLIENT_FLOW_SENSORS;
	default:
		return 0;
	}
}

/*
 * The portal's answer (or a saved command), checked before it goes to the device: a
 * SignedCommand whose body is the running flow's action (an emergency reset's box is
 * bound to that body's device and nonce). 0 or -EBADMSG.
 */
static int take_command(struct svcport_client *c, const uint8_t *cmd, size_t len)
{
	svcport_v1_SignedCommand *sc = &c->submit->body.submit_command.command;
	pb_istream_t is = pb_istream_from_buffer(cmd, len);
	pb_istream_t bs;

	memset(c->submit, 0, sizeof(*c->submit));
	memset(c->body, 0, sizeof(*c->body));
	if (!pb_decode(&is, svcport_v1_SignedCommand_fields, sc))
		return -EBADMSG;
	bs = pb_istream_from_buffer(sc->body.bytes, sc->body.size);
	if (!pb_decode(&bs, svcport_v1_CommandBody_fields, c->body))
		return -EBADMSG;
	if (body_flow(c->body) != c->flow)
		return -EBADMSG; /* the device would do what the technician did not ask */
	c->submit->which_body = svcport_v1_Request_submit_command_tag;
	c->submit->body.submit_command.has_command = true;
	return 0;
}

int svcport_client_sign_done(struct svcport_client *c, const uint8_t *signed_command, size_t len)
{
	int r;

	if (!c->is_signing)
		return -EALREADY;
	c->is_signing = false;
	r = take_command(c, signed_command, len);
	if (r == 0) {
		c->step = STEP_SUBMIT;
		r = rpc_call(c->rpc, c->submit);
	}
	if (r < 0)
		client_end(c, r);
	return r;
}

int svcport_client_submit(struct svcport_client *c, enum svcport_client_flow flow,
                          const uint8_t *signed_command, size_t len)
{
	int r;

	if (c->is_lost || !c->is_connected)
		return -ENOTCONN;
	if (c->flow)
		return -EBUSY;
	if (!client_is_signed_flow(flow))
		return -EINVAL;
	sign_wipe(c);
	c->flow = flow;
	r = take_command(c, signed_command, len);
	if (r == 0) {
		c->step = STEP_SUBMIT;
		r = rpc_call(c->rpc, c->submit);
	}
	if (r < 0) {
		/* Nothing went out: no flow, no done. */
		c->flow = 0;
		c->step = STEP_NONE;
		sign_wipe(c);
	}
	return r;
}

int svcport_client_sign_failed(struct svcport_client *c, int err)
{
	if (!c->is_signing)
		return -EALREADY;
	client_end(c, err < 0 ? err : -EINVAL);
	return 0;
}

/* EMERGENCY_RESET: opens the sealed one-time password and shows it once. */
static int show_password(struct svcport_client *c, const svcport_v1_CommandResult *cr)
{
	const svcport_v1_SealedPassword *sp = &cr->one_time_password;
	struct pwbox_binding bind = {
	    .machine_type = c->body->device.machine_type,
	    .serial_number = c->body->device.serial_number,
	    .nonce = c->body->nonce.bytes,
	    .nonce_len = c->body->nonce.size,
	};
	char pw[PWBOX_SECRET_MAX + 1];
	int r;

	if (!cr->has_one_time_password)
		return -ENODATA;
	if (!c->has_key)
		return -ENOKEY; /* submitted: sealed to the key of the client that asked */
	if (sp->device_public_key.size != PWBOX_POINT_LEN)
		return -EBADMSG;
	r = pwbox_open(c->priv, sp->device_public_key.bytes, &bind, sp->ciphertext.bytes,
	               sp->ciphertext.size, client_pwbox_rng, c, pw, sizeof(pw));
	if (r < 0)
		return r == -EINVAL || r == -ENOSPC ? -EBADMSG : r;
	c->cb.secret(c, SVCPORT_CLIENT_SECRET_PASSWORD, pw, c->cb.user_data);
	mbedtls_platform_zeroize(pw, sizeof(pw));
	c->res.password_shown = true;
	return 0;
}

/* The receipt, for the portal, and what it says happened. 0 or -EPROTO. */
static int take_receipt(struct svcport_client *c, const svcport_v1_DeviceReceipt *rc)
{
	svcport_v1_ReceiptBody *rb = &c->receipt_body;
	pb_ostream_t os = pb_ostream_from_buffer(c->receipt, sizeof(c->receipt));
	pb_istream_t is = pb_istream_from_buffer(rc->body.bytes, rc->body.size);

	if (!pb_encode(&os, svcport_v1_DeviceReceipt_fields, rc))
		return -EPROTO;
	c->res.receipt = c->receipt;
	c->res.receipt_len = os.bytes_written;
	memset(rb, 0, sizeof(*rb));
	if (!pb_decode(&is, svcport_v1_ReceiptBody_fields, rb))
		return -EPROTO;
	c->res.receipt_result = (enum svcport_client_error)rb->result;
	c->res.new_lockdown = (enum svcport_client_lockdown)rb->new_state;
	c->res.new_control = (enum svcport_client_control)rb->control_mode;
	c->res.new_owner = rb->owner_org;
	c->res.receipt_counter = rb->counter;
	return 0;
}

void sign_result(struct svcport_client *c, const svcport_v1_Response *resp)
{
	const svcport_v1_CommandResult *cr = &resp->body.command_result;
	int r;

	if (resp->which_body == svcport_v1_Response_error_tag) {
		/* The device evicted the signer we named by fingerprint (its cache is
		 * bounded): the same command with the chain, once. */
		if (resp->body.error.code == svcport_v1_ErrorCode_UNTRUSTED_SIGNER &&
		    !c->asked_chain && c->challenge_len > 0 &&
		    c->submit->body.submit_command.command.which_signer ==
		        svcport_v1_SignedCommand_signer_sha256_tag) {
			c->asked_chain = true;
			c->sign.want_chain = true;
			ask(c);
			return;
		}
		client_refused(c, &resp->body.error);
		return;
	}
	if (!cr->has_receipt || (r = take_receipt(c, &cr->receipt)) < 0) {
		client_end(c, -EPROTO);
		return;
	}
	if (c->res.receipt_result != SVCPORT_CLIENT_OK) {
		c->res.error = c->res.receipt_result;
		client_end(c, -EREMOTEIO);
		return;
	}
	r = c->flow == SVCPORT_CLIENT_FLOW_EMERGENCY_RESET ? show_password(c, cr) : 0;
	client_end(c, r);
}
