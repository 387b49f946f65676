// SPDX-License-Identifier: GPL-2.0-or-later
/* The test bench of libsvcport-client (client-fixture.h). */
#include "client-fixture.h"

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

/* ---------------------------------------------------------------- the device */

static int srv_send(const uint8_t *pdu, size_t len, void *user_data)
{
	struct fx *f = user_data;

	assert_true(f->n_to_client < FX_MAX_PDUS);
	memcpy(f->to_client[f->n_to_client], pdu, len);
	f->to_client_len[f->n_to_client++] = len;
	return 0;
}

static void keep_message(struct fx *f, const uint8_t *msg, size_t len)
{
	if (f->msg_pos == f->n_msgs)
		f->msg_pos = f->n_msgs = 0; /* all taken: start over */
	assert_true(f->n_msgs < FX_MAX_MSGS);
	memcpy(f->msgs[f->n_msgs], msg, len);
	f->msg_len[f->n_msgs++] = len;
}

static int srv_rx(const uint8_t *value, size_t len, bool need_rsp, void *user_data)
{
	struct fx *f = user_data;
	const uint8_t *msg;
	size_t msg_len;
	int r = seg_rx_push(&f->dev_seg_rx, value, len, &msg, &msg_len);

	assert_true(r >= 0);
	if (r == 1)
		keep_message(f, msg, msg_len);
	return 0;
}

static int srv_info(uint8_t *buf, size_t cap, size_t *ret_len, void *user_data)
{
	struct fx *f = user_data;

	memcpy(buf, f->info_value, f->info_len);
	*ret_len = f->info_len;
	return 0;
}

static void make_info(struct fx *f)
{
	svcport_v1_LinkInfo li = svcport_v1_LinkInfo_init_zero;
	pb_ostream_t os = pb_ostream_from_buffer(f->info_value, sizeof(f->info_value));

	li.protocol_version = 1;
	li.min_protocol_version = 1;
	li.max_message_size = 8192;
	li.has_device = true;
	strcpy(li.device.machine_type, FX_MT);
	strcpy(li.device.serial_number, FX_SN);
	li.lockdown_state = svcport_v1_LockdownState_LOCKDOWN_LOCKED;
	assert_true(pb_encode(&os, svcport_v1_LinkInfo_fields, &li));
	f->info_len = os.bytes_written;
}

/* ---------------------------------------------------------------- the client's callbacks */

static int cb_att_send(const uint8_t *pdu, size_t len, void *user_data)
{
	struct fx *f = user_data;

	assert_true(f->n_pdu_log < FX_MAX_PDUS);
	assert_true(len >= 1 && len <= att_server_get_mtu(f->srv));
	memcpy(f->pdu_log[f->n_pdu_log], pdu, len);
	f->pdu_log_len[f->n_pdu_log++] = len;
	if (!f->mute)
		assert_int_equal(att_server_handle_pdu(f->srv, pdu, len), 0);
	return 0;
}

static int cb_gatt_write(const uint8_t *value, size_t len, void *user_data)
{
	struct fx *f = user_data;

	assert_false(f->gatt_write_pending); /* one write at a time */
	assert_true(len <= f->cfg.gatt_value_len);
	assert_int_equal(srv_rx(value, len, true, f), 0);
	f->gatt_write_pending = true;
	return 0;
}

static int cb_gatt_read_info(void *user_data)
{
	struct fx *f = user_data;

	f->gatt_info_pending = true;
	return 0;
}

static int on_cdc_message(const uint8_t *msg, size_t len, int drop, void *user_data)
{
	assert_non_null(msg); /* the client never sends a bad frame */
	keep_message(user_data, msg, len);
	return 0;
}

static int cb_cdc_write(const uint8_t *bytes, size_t len, void *user_data)
{
	struct fx *f = user_data;

	return cdc_rx_feed(&f->dev_cdc_rx, bytes, len, on_cdc_message, f);
}

static int64_t cb_now(void *user_data)
{
	return ((struct fx *)user_data)->now;
}

static int cb_random(uint8_t *buf, size_t len, void *user_data)
{
	struct fx *f = user_data;

	for (size_t i = 0; i < len; i++)
		buf[i] = f->rng_pos < f->rng_len ? f->rng[f->rng_pos++] : f->rng_ctr++;
	return 0;
}

static void cb_sign(struct svcport_client *c, const struct svcport_client_sign_request *req,
                    void *user_data)
{
	struct fx *f = user_data;

	f->n_sign++;
	f->sreq = *req;
	assert_true(req->challenge_len <= sizeof(f->challenge));
	memcpy(f->challenge, req->challenge, req->challenge_len);
	f->sreq.challenge = f->challenge;
	memcpy(f->signers, req->known_signers, req->n_known_signers * 32);
	f->sreq.known_signers = (const uint8_t(*)[32])f->signers;
	if (req->requester_public_key) {
		memcpy(f->req_key, req->requester_public_key, 65);
		f->sreq.requester_public_key = f->req_key;
	}
	if (req->device_public_key) {
		memcpy(f->board_key, req->device_public_key, req->device_public_key_len);
		f->sreq.device_public_key = f->board_key;
	}
	if (f->sign_sync) {
		fx_make_command(f, req->want_chain);
		assert_int_equal(svcport_client_sign_done(c, f->command, f->command_len), 0);
	}
}

static void cb_secret(struct svcport_client *c, enum svcport_client_secret kind, const char *text,
                      void *user_data)
{
	struct fx *f = user_data;

	f->n_secret++;
	f->secret_kind = kind;
	snprintf(f->secret, sizeof(f->secret), "%s", text);
}

static void cb_state(struct svcport_client *c, const struct svcport_client_state *st,
                     void *user_data)
{
	struct fx *f = user_data;

	f->n_state++;
	f->state = *st;
}

static void cb_cache(struct svcport_client *c, const struct svcport_client_gatt_cache *cache,
                     void *user_data)
{
	struct fx *f = user_data;

	f->n_cache++;
	f->cache_forgotten = !cache;
	if (cache)
		f->cache = *cache;
}

static void cb_done(struct svcport_client *c, const struct svcport_client_result *r,
                    void *user_data)
{
	struct fx *f = user_data;

	f->n_done++;
	f->res = *r;
	snprintf(f->detail, sizeof(f->detail), "%s", r->detail);
	f->res.detail = f->detail;
	snprintf(f->owner, sizeof(f->owner), "%s", r->new_owner);
	f->res.new_owner = f->owner;
	if (r->link) {
		f->link = *r->link;
		f->res.link = &f->link;
	}
	if (r->info) {
		f->info = *r->info;
		f->res.info = &f->info;
	}
	if (r->receipt) {
		assert_true(r->receipt_len <= sizeof(f->receipt));
		memcpy(f->receipt, r->receipt, r->receipt_len);
		f->res.receipt = f->receipt;
	}
}

/* ---------------------------------------------------------------- the bench */

struct fx *fx_new(enum svcport_client_link kind)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct att_server_config scfg = {.mtu = 517};
	struct att_server_callbacks scb = {srv_send, srv_rx, srv_info, NULL, NULL};

	assert_non_null(f);
	f->kind = kind;
	f->now = 1000000;
	f->chunk = 143;
	scb.user_data = f;
	make_info(f);
	assert_int_equal(att_server_new(&scfg, &scb, &f->srv), 0);
	seg_rx_init(&f->dev_seg_rx, f->dev_buf, 8192);
	seg_tx_reset(&f->dev_seg_tx);
	if (kind == SVCPORT_CLIENT_LINK_CDC)
		cdc_rx_init(&f->dev_cdc_rx, f->dev_buf, sizeof(f->dev_buf));
	svcport_client_config_init(&f->cfg, kind);
	f->cfg.att_mtu = 23;
	f->cb = (struct svcport_client_callbacks){
	    .att_send = kind == SVCPORT_CLIENT_LINK_ATT ? cb_att_send : NULL,
	    .gatt_write = kind == SVCPORT_CLIENT_LINK_GATT ? cb_gatt_write : NULL,
	    .gatt_read_info = kind == SVCPORT_CLIENT_LINK_GATT ? cb_gatt_read_info : NULL,
	    .cdc_write = kind == SVCPORT_CLIENT_LINK_CDC ? cb_cdc_write : NULL,
	    .now_ms = cb_now,
	    .random = cb_random,
	    .sign = cb_sign,
	    .secret = cb_secret,
	    .state_changed = cb_state,
	    .cache_update = cb_cache,
	    .done = cb_done,
	    .user_data = f,
	};
	return f;
}

void fx_client(struct fx *f)
{
	assert_int_equal(svcport_client_new(&f->cfg, &f->cb, &f->c), 0);
}

void fx_free(struct fx *f)
{
	svcport_client_free(f->c);
	att_server_free(f->srv);
	free(f);
}

void fx_pump(struct fx *f)
{
	for (;;) {
		if (f->to_client_pos < f->n_to_client) {
			size_t i = f->to_client_pos++;
			/* -ENOTCONN once the link failed: a real peer may go on talking. */
			int r = svcport_client_input(f->c, f->to_client[i], f->to_client_len[i]);
			assert_true(r == 0 || r == -ENOTCONN);
		} else if (f->gatt_info_pending) {
			f->gatt_info_pending = false;
			assert_int_equal(
			    svcport_client_gatt_info(f->c, 0, f->info_value, f->info_len), 0);
		} else if (f->gatt_write_pending) {
			f->gatt_write_pending = false;
			assert_int_equal(svcport_client_gatt_write_done(f->c, 0), 0);
		} else {
			return;
		}
	}
}

void fx_tick_to(struct fx *f, int64_t now)
{
	int64_t at = svcport_client_next_wakeup(f->c);

	f->now = now;
	if (at >= 0 && at <= now)
		svcport_client_tick(f->c);
	fx_pump(f);
}

void fx_connect(struct fx *f, int status)
{
	int done = f->n_done;

	assert_int_equal(svcport_client_connect(f->c), 0);
	fx_pump(f);
	if (f->kind == SVCPORT_CLIENT_LINK_CDC) {
		svcport_v1_Response resp = svcport_v1_Response_init_zero;
		pb_istream_t is = pb_istream_from_buffer(f->info_value, f->info_len);
		uint32_t id = fx_request(f, svcport_v1_Request_get_link_info_tag);

		resp.which_body = svcport_v1_Response_link_info_tag;
		assert_true(pb_decode(&is, svcport_v1_LinkInfo_fields, &resp.body.link_info));
		fx_respond(f, id, &resp);
	}
	assert_int_equal(f->n_done, done + 1);
	assert_int_equal(f->res.flow, SVCPORT_CLIENT_FLOW_CONNECT);
	assert_int_equal(f->res.status, status);
}

/* ---------------------------------------------------------------- messages */

size_t fx_message(struct fx *f, uint8_t *buf, size_t cap)
{
	size_t len;

	fx_pump(f);
	assert_true(f->msg_pos < f->n_msgs);
	len = f->msg_len[f->msg_pos];
	assert_true(len <= cap);
	memcpy(buf, f->msgs[f->msg_pos++], len);
	return len;
}

uint32_t fx_request(struct fx *f, pb_size_t which)
{
	static uint8_t buf[8192];
	size_t len = fx_message(f, buf, sizeof(buf));
	pb_istream_t is = pb_istream_from_buffer(buf, len);

	memset(&f->frame, 0, sizeof(f->frame));
	assert_true(pb_decode(&is, svcport_v1_Frame_fields, &f->frame));
	assert_int_equal(f->frame.which_msg, svcport_v1_Frame_request_tag);
	assert_int_equal(f->frame.msg.request.which_body, which);
	assert_true(f->frame.id != 0);
	return f->frame.id;
}

void fx_no_request(struct fx *f)
{
	fx_pump(f);
	assert_int_equal(f->msg_pos, f->n_msgs);
}

static int emit_notify(const uint8_t *seg, size_t len, void *user_data)
{
	struct fx *f = user_data;

	return att_server_notify_tx(f->srv, seg, len);
}

void fx_send_message(struct fx *f, const uint8_t *msg, size_t len)
{
	static uint8_t enc[CDC_FRAME_ENCODED_MAX(8192)];
	long n;

	switch (f->kind) {
	case SVCPORT_CLIENT_LINK_ATT:
		assert_int_equal(seg_tx_split(&f->dev_seg_tx, msg, len,
		                              att_server_max_value_len(f->srv), emit_notify, f),
		                 0);
		break;
	case SVCPORT_CLIENT_LINK_GATT:
		assert_int_equal(
		    seg_tx_split(&f->dev_seg_tx, msg, len, f->cfg.gatt_value_len, srv_send, f), 0);
		break;
	default:
		n = cdc_frame_encode(msg, len, enc, sizeof(enc));
		assert_true(n > 0);
		for (size_t pos = 0; pos < (size_t)n; pos += f->chunk) {
			size_t k = (size_t)n - pos < f->chunk ? (size_t)n - pos : f->chunk;
			assert_int_equal(svcport_client_input(f->c, enc + pos, k), 0);
		}
		break;
	}
	fx_pump(f);
}

static void send_frame(struct fx *f, const svcport_v1_Frame *fr)
{
	static uint8_t buf[svcport_v1_Frame_size];
	pb_ostream_t os = pb_ostream_from_buffer(buf, sizeof(buf));

	assert_true(pb_encode(&os, svcport_v1_Frame_fields, fr));
	fx_send_message(f, buf, os.bytes_written);
}

void fx_respond(struct fx *f, uint32_t id, const svcport_v1_Response *resp)
{
	static svcport_v1_Frame fr;

	memset(&fr, 0, sizeof(fr));
	fr.id = id;
	fr.which_msg = svcport_v1_Frame_response_tag;
	fr.msg.response = *resp;
	send_frame(f, &fr);
}

void fx_respond_error(struct fx *f, uint32_t id, svcport_v1_ErrorCode code, uint32_t retry_ms,
                      const char *detail)
{
	svcport_v1_Response resp = svcport_v1_Response_init_zero;

	resp.which_body = svcport_v1_Response_error_tag;
	resp.body.error.code = code;
	resp.body.error.retry_after_ms = retry_ms;
	snprintf(resp.body.error.detail, sizeof(resp.body.error.detail), "%s", detail);
	fx_respond(f, id, &resp);
}

void fx_event(struct fx *f, svcport_v1_LockdownState st, svcport_v1_SecurityLed led)
{
	static svcport_v1_Frame fr;

	memset(&fr, 0, sizeof(fr));
	fr.which_msg = svcport_v1_Frame_event_tag;
	fr.msg.event.which_body = svcport_v1_Event_state_changed_tag;
	fr.msg.event.body.state_changed.lockdown_state = st;
	fr.msg.event.body.state_changed.security_led = led;
	fr.msg.event.body.state_changed.control_mode =
	    svcport_v1_ControlMode_CONTROL_PORTAL_MANAGED;
	send_frame(f, &fr);
}

/* ---------------------------------------------------------------- device-side makers */

static void set_device(svcport_v1_DeviceId *id)
{
	strcpy(id->machine_type, FX_MT);
	strcpy(id->serial_number, FX_SN);
}

void fx_challenge(svcport_v1_Response *resp, const uint8_t nonce[16], int n_signers)
{
	svcport_v1_ChallengeBody b = svcport_v1_ChallengeBody_init_zero;
	svcport_v1_Challenge *ch = &resp->body.challenge;
	pb_ostream_t os = pb_ostream_from_buffer(ch->body.bytes, sizeof(ch->body.bytes));

	memset(resp, 0, sizeof(*resp));
	resp->which_body = svcport_v1_Response_challenge_tag;
	memcpy(b.nonce.bytes, nonce, 16);
	b.nonce.size = 16;
	b.has_device = true;
	set_device(&b.device);
	for (int i = 0; i < n_signers; i++) {
		memset(b.known_signers[i].bytes, 0xa0 + i, 32);
		b.known_signers[i].size = 32;
	}
	b.known_signers_count = (pb_size_t)n_signers;
	b.issued_at = 1700000000;
	b.expires_at = 1700000300;
	assert_true(pb_encode(&os, svcport_v1_ChallengeBody_fields, &b));
	ch->body.size = (pb_size_t)os.bytes_written;
	memset(ch->signature.bytes, 0x30, 70);
	ch->signature.size = 70;
}

/* The nonce of the challenge the last sign request carried. */
static void challenge_nonce(struct fx *f, uint8_t nonce[16])
{
	svcport_v1_Challenge ch = svcport_v1_Challenge_init_zero;
	svcport_v1_ChallengeBody b = svcport_v1_ChallengeBody_init_zero;
	pb_istream_t is = pb_istream_from_buffer(f->challenge, f->sreq.challenge_len);

	assert_true(pb_decode(&is, svcport_v1_Challenge_fields, &ch));
	is = pb_istream_from_buffer(ch.body.bytes, ch.body.size);
	assert_true(pb_decode(&is, svcport_v1_ChallengeBody_fields, &b));
	assert_int_equal(b.nonce.size, 16);
	memcpy(nonce, b.nonce.bytes, 16);
}

static void set_action(svcport_v1_CommandBody *b, struct fx *f)
{
	switch (f->sreq.flow) {
	case SVCPORT_CLIENT_FLOW_CLAIM:
		b->which_action = svcport_v1_CommandBody_claim_tag;
		break;
	case SVCPORT_CLIENT_FLOW_EMERGENCY_RESET:
		b->which_action = svcport_v1_CommandBody_emergency_password_reset_tag;
		memcpy(b->action.emergency_password_reset.requester_public_key.bytes, f->req_key,
		       65);
		b->action.emergency_password_reset.requester_public_key.size = 65;
		break;
	case SVCPORT_CLIENT_FLOW_KEY_UPDATE:
		b->which_action = svcport_v1_CommandBody_device_key_update_tag;
		break;
	case SVCPORT_CLIENT_FLOW_TRANSFER:
		b->which_action = svcport_v1_CommandBody_transfer_ownership_tag;
		strcpy(b->action.transfer_ownership.new_owner_org, "beta");
		break;
	case SVCPORT_CLIENT_FLOW_SENSORS:
		b->which_action = svcport_v1_CommandBody_configure_sensors_tag;
		b->action.configure_sensors.has_sensors = true;
		b->action.configure_sensors.sensors.intrusion_enabled = true;
		break;
	case SVCPORT_CLIENT_FLOW_PROMOTE:
		b->which_action = svcport_v1_CommandBody_promote_to_portal_control_tag;
		break;
	default:
		b->which_action = svcport_v1_CommandBody_activate_tag;
		break;
	}
}

void fx_make_command(struct fx *f, bool by_chain)
{
	static svcport_v1_SignedCommand sc;
	static svcport_v1_CommandBody b;
	pb_ostream_t os = pb_ostream_from_buffer(sc.body.bytes, sizeof(sc.body.bytes));

	memset(&sc, 0, sizeof(sc));
	memset(&b, 0, sizeof(b));
	b.version = 1;
	b.has_device = true;
	set_device(&b.device);
	challenge_nonce(f, b.nonce.bytes);
	b.nonce.size = 16;
	b.issued_at = 1700000000;
	b.expires_at = 1700000600;
	strcpy(b.org_id, "acme");
	strcpy(b.operator_id, "alice");
	b.role = svcport_v1_Role_ROLE_ORG_ADMIN;
	set_action(&b, f);
	assert_true(pb_encode(&os, svcport_v1_CommandBody_fields, &b));
	sc.body.size = (pb_size_t)os.bytes_written;
	memset(sc.signature.bytes, 0x30, 70);
	sc.signature.size = 70;
	if (by_chain) {
		sc.which_signer = svcport_v1_SignedCommand_chain_tag;
		sc.signer.chain.certs_count = 1;
		memset(sc.signer.chain.certs[0].bytes, 0x30, 300);
		sc.signer.chain.certs[0].size = 300;
	} else {
		sc.which_signer = svcport_v1_SignedCommand_signer_sha256_tag;
		memset(sc.signer.signer_sha256.bytes, 0xa0, 32);
		sc.signer.signer_sha256.size = 32;
	}
	os = pb_ostream_from_buffer(f->command, sizeof(f->command));
	assert_true(pb_encode(&os, svcport_v1_SignedCommand_fields, &sc));
	f->command_len = os.bytes_written;
}

void fx_receipt(svcport_v1_Response *resp, const uint8_t nonce[16], svcport_v1_Action action,
                svcport_v1_ErrorCode result)
{
	svcport_v1_ReceiptBody b = svcport_v1_ReceiptBody_init_zero;
	svcport_v1_DeviceReceipt *r = &resp->body.command_result.receipt;
	pb_ostream_t os = pb_ostream_from_buffer(r->body.bytes, sizeof(r->body.bytes));

	memset(resp, 0, sizeof(*resp));
	resp->which_body = svcport_v1_Response_command_result_tag;
	resp->body.command_result.has_receipt = true;
	b.has_device = true;
	set_device(&b.device);
	memcpy(b.nonce.bytes, nonce, 16);
	b.nonce.size = 16;
	b.action = action;
	b.result = result;
	b.new_state = svcport_v1_LockdownState_LOCKDOWN_ACTIVE;
	b.counter = 7;
	b.control_mode = svcport_v1_ControlMode_CONTROL_PORTAL_MANAGED;
	strcpy(b.owner_org, "acme");
	assert_true(pb_encode(&os, svcport_v1_ReceiptBody_fields, &b));
	r->body.size = (pb_size_t)os.bytes_written;
	memset(r->signature.bytes, 0x30, 70);
	r->signature.size = 70;
}

void fx_pdu_is(struct fx *f, size_t n, const uint8_t *pdu, size_t len)
{
	assert_true(n < f->n_pdu_log);
	if (f->pdu_log_len[n] != len || memcmp(f->pdu_log[n], pdu, len) != 0) {
		fprintf(stderr, "PDU %zu:", n);
		for (size_t i = 0; i < f->pdu_log_len[n]; i++)
			fprintf(stderr, " %02x", f->pdu_log[n][i]);
		fprintf(stderr, "\n");
		fail_msg("PDU %zu differs", n);
	}
}
