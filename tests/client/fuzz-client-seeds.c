// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Writes the seed corpus of fuzz-client into DIR (tests/client/corpus): whole sessions
 * in fuzz-client's record format, so mutations start deep inside the protocol: over CDC
 * an activation, an emergency reset with a sealed password, a key update, info and the
 * activation code with an event and a back-off; over ATT the set-up at MTU 23 (discovery,
 * and with a cache) then an activation; over the OS's GATT API an activation. Run by hand
 * when the schema or the harness changes:
 *   build/tests/client/fuzz-client-seeds tests/client/corpus
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pb_encode.h>

#include "att.h"
#include "cdc-frame.h"
#include "gatt-db.h"
#include "seg.h"
#include "svcport.pb.h"

static const char *dir;
static uint8_t out[65536];
static size_t out_len;
static int kind; /* 0 ATT, 1 GATT, 2 CDC */
static struct seg_tx seg_tx;

static void put(const void *p, size_t len)
{
	if (out_len + len > sizeof(out))
		abort();
	memcpy(out + out_len, p, len);
	out_len += len;
}

static void op(uint8_t a)
{
	put(&a, 1);
}

static void input(const uint8_t *p, size_t len)
{
	while (len > 0) {
		size_t k = len < 0xef ? len : 0xef;
		op((uint8_t)k);
		put(p, k);
		p += k;
		len -= k;
	}
}

static void save(const char *name)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(out, 1, out_len, f) != out_len)
		abort();
	fclose(f);
	out_len = 0;
}

static int notify(const uint8_t *seg, size_t len, void *user_data)
{
	uint8_t pdu[3 + 512] = {ATT_OP_HANDLE_VAL_NOT, 0x0f, 0x00};

	if (kind == 1) {
		input(seg, len);
		return 0;
	}
	memcpy(pdu + 3, seg, len);
	input(pdu, 3 + len);
	return 0;
}

/* A message from the device over the session's link. */
static void device_says(const uint8_t *msg, size_t len)
{
	static uint8_t enc[CDC_FRAME_ENCODED_MAX(8192)];
	long n;

	if (kind == 2) {
		n = cdc_frame_encode(msg, len, enc, sizeof(enc));
		if (n < 0)
			abort();
		input(enc, (size_t)n);
		return;
	}
	if (seg_tx_split(&seg_tx, msg, len, 20, notify, NULL) < 0)
		abort();
}

static void respond(uint32_t id, const svcport_v1_Response *resp)
{
	static svcport_v1_Frame f;
	static uint8_t buf[svcport_v1_Frame_size];
	pb_ostream_t os = pb_ostream_from_buffer(buf, sizeof(buf));

	memset(&f, 0, sizeof(f));
	f.id = id;
	f.which_msg = svcport_v1_Frame_response_tag;
	f.msg.response = *resp;
	if (!pb_encode(&os, svcport_v1_Frame_fields, &f))
		abort();
	device_says(buf, os.bytes_written);
}

/* The answers to the RX writes of one request of len bytes (ATT: Write Responses; the
 * OS's API: its write-done). */
static void writes_done(size_t len)
{
	static const uint8_t wrsp = ATT_OP_WRITE_RSP;

	for (size_t i = 0; kind != 2 && i < seg_count(len, 20); i++) {
		if (kind == 0)
			input(&wrsp, 1);
		else
			op(0xf4);
	}
}

static size_t link_info(uint8_t *buf, size_t cap)
{
	svcport_v1_LinkInfo li = svcport_v1_LinkInfo_init_zero;
	pb_ostream_t os = pb_ostream_from_buffer(buf, cap);

	li.protocol_version = 1;
	li.min_protocol_version = 1;
	li.max_message_size = 8192;
	li.has_device = true;
	strcpy(li.device.machine_type, "7D1A");
	strcpy(li.device.serial_number, "J900SEED");
	li.lockdown_state = svcport_v1_LockdownState_LOCKDOWN_LOCKED;
	if (!pb_encode(&os, svcport_v1_LinkInfo_fields, &li))
		abort();
	return os.bytes_written;
}

static void challenge(uint32_t id)
{
	static svcport_v1_Response r;
	svcport_v1_ChallengeBody b = svcport_v1_ChallengeBody_init_zero;
	pb_ostream_t os;

	memset(&r, 0, sizeof(r));
	r.which_body = svcport_v1_Response_challenge_tag;
	os = pb_ostream_from_buffer(r.body.challenge.body.bytes,
	                            sizeof(r.body.challenge.body.bytes));
	memset(b.nonce.bytes, 0x5a, 16);
	b.nonce.size = 16;
	b.has_device = true;
	strcpy(b.device.machine_type, "7D1A");
	strcpy(b.device.serial_number, "J900SEED");
	b.known_signers_count = 1;
	b.known_signers[0].size = 32;
	memset(b.known_signers[0].bytes, 0xab, 32);
	if (!pb_encode(&os, svcport_v1_ChallengeBody_fields, &b))
		abort();
	r.body.challenge.body.size = (pb_size_t)os.bytes_written;
	r.body.challenge.signature.size = 70;
	memset(r.body.challenge.signature.bytes, 0x30, 70);
	respond(id, &r);
}

/* The portal's command (0xf1 record), or with flow a command signed earlier (0xf9 flow);
 * returns its length as the client frames it. */
static size_t command_as(pb_size_t action, uint8_t flow)
{
	static svcport_v1_SignedCommand sc;
	svcport_v1_CommandBody b = svcport_v1_CommandBody_init_zero;
	static uint8_t buf[svcport_v1_SignedCommand_size];
	pb_ostream_t os = pb_ostream_from_buffer(sc.body.bytes, sizeof(sc.body.bytes));

	memset(&sc, 0, sizeof(sc));
	b.version = 1;
	b.has_device = true;
	strcpy(b.device.machine_type, "7D1A");
	strcpy(b.device.serial_number, "J900SEED");
	memset(b.nonce.bytes, 0x5a, 16);
	b.nonce.size = 16;
	b.which_action = action;
	if (!pb_encode(&os, svcport_v1_CommandBody_fields, &b))
		abort();
	sc.body.size = (pb_size_t)os.bytes_written;
	sc.signature.size = 70;
	memset(sc.signature.bytes, 0x30, 70);
	sc.which_signer = svcport_v1_SignedCommand_signer_sha256_tag;
	sc.signer.signer_sha256.size = 32;
	memset(sc.signer.signer_sha256.bytes, 0xab, 32);
	static svcport_v1_Frame fr;
	size_t frame_len = 0;

	os = pb_ostream_from_buffer(buf, sizeof(buf));
	if (!pb_encode(&os, svcport_v1_SignedCommand_fields, &sc) || os.bytes_written > 0xff)
		abort();
	op(flow ? 0xf9 : 0xf1);
	if (flow)
		op(flow);
	op((uint8_t)os.bytes_written);
	put(buf, os.bytes_written);
	/* What the client will send: Frame{id, SubmitCommand{sc}} (ids stay one byte). */
	memset(&fr, 0, sizeof(fr));
	fr.id = 1;
	fr.which_msg = svcport_v1_Frame_request_tag;
	fr.msg.request.which_body = svcport_v1_Request_submit_command_tag;
	fr.msg.request.body.submit_command.has_command = true;
	fr.msg.request.body.submit_command.command = sc;
	if (!pb_get_encoded_size(&frame_len, svcport_v1_Frame_fields, &fr))
		abort();
	return frame_len;
}

static size_t command(pb_size_t action)
{
	return command_as(action, 0);
}

static void receipt(uint32_t id, svcport_v1_Action action, bool sealed)
{
	static svcport_v1_Response r;
	svcport_v1_ReceiptBody b = svcport_v1_ReceiptBody_init_zero;
	svcport_v1_CommandResult *cr = &r.body.command_result;
	pb_ostream_t os;

	memset(&r, 0, sizeof(r));
	r.which_body = svcport_v1_Response_command_result_tag;
	cr->has_receipt = true;
	os = pb_ostream_from_buffer(cr->receipt.body.bytes, sizeof(cr->receipt.body.bytes));
	b.action = action;
	b.new_state = svcport_v1_LockdownState_LOCKDOWN_ACTIVE;
	b.counter = 3;
	strcpy(b.owner_org, "acme");
	if (!pb_encode(&os, svcport_v1_ReceiptBody_fields, &b))
		abort();
	cr->receipt.body.size = (pb_size_t)os.bytes_written;
	cr->receipt.signature.size = 70;
	memset(cr->receipt.signature.bytes, 0x30, 70);
	if (sealed) {
		cr->has_one_time_password = true;
		cr->one_time_password.device_public_key.size = 65;
		memset(cr->one_time_password.device_public_key.bytes, 0x04, 65);
		cr->one_time_password.ciphertext.size = 30;
		memset(cr->one_time_password.ciphertext.bytes, 0x77, 30);
	}
	respond(id, &r);
}

/* A signed action from its start record; ids first..first+1. */
static void signed_flow(uint8_t flow_index, pb_size_t action_tag, svcport_v1_Action action,
                        uint32_t first, bool sealed)
{
	op(0xf0);
	op(flow_index);
	writes_done(6); /* Frame{id, GetChallenge} */
	challenge(first);
	writes_done(command(action_tag));
	receipt(first + 1, action, sealed);
}

static void cdc_sessions(void)
{
	static svcport_v1_Response r;

	kind = 2;
	memset(&r, 0, sizeof(r));
	r.which_body = svcport_v1_Response_link_info_tag;
	r.body.link_info.protocol_version = 1;
	r.body.link_info.min_protocol_version = 1;
	r.body.link_info.has_device = true;
	strcpy(r.body.link_info.device.machine_type, "7D1A");
	strcpy(r.body.link_info.device.serial_number, "J900SEED");

	op(0x02);
	respond(1, &r);
	signed_flow(3, svcport_v1_CommandBody_activate_tag, svcport_v1_Action_ACTION_ACTIVATE, 2,
	            false);
	save("cdc-activate");

	op(0x02);
	respond(1, &r);
	signed_flow(4, svcport_v1_CommandBody_emergency_password_reset_tag,
	            svcport_v1_Action_ACTION_EMERGENCY_PASSWORD_RESET, 2, true);
	save("cdc-reset");

	/* An activation signed earlier, submitted alone (svcport_client_submit). */
	op(0x02);
	respond(1, &r);
	command_as(svcport_v1_CommandBody_activate_tag, 2 /* SVCPORT_CLIENT_FLOW_ACTIVATE */);
	receipt(2, svcport_v1_Action_ACTION_ACTIVATE, false);
	save("cdc-submit");

	op(0x02);
	respond(1, &r);
	op(0xf0);
	op(5);
	memset(&r, 0, sizeof(r));
	r.which_body = svcport_v1_Response_device_info_tag;
	r.body.device_info.device_public_key.size = 65;
	memset(r.body.device_info.device_public_key.bytes, 0x04, 65);
	r.body.device_info.device_certificate.size = 300;
	r.body.device_info.known_signers_count = 1;
	r.body.device_info.known_signers[0].size = 32;
	respond(2, &r);
	challenge(3);
	command(svcport_v1_CommandBody_device_key_update_tag);
	receipt(4, svcport_v1_Action_ACTION_DEVICE_KEY_UPDATE, false);
	save("cdc-key-update");
}

static void cdc_small_things(void)
{
	static svcport_v1_Response r;
	static svcport_v1_Frame ev;
	static uint8_t buf[64];
	pb_ostream_t os = pb_ostream_from_buffer(buf, sizeof(buf));

	kind = 2;
	memset(&r, 0, sizeof(r));
	r.which_body = svcport_v1_Response_link_info_tag;
	r.body.link_info.protocol_version = 1;
	op(0x02);
	respond(1, &r);
	op(0xf0);
	op(0);
	r.which_body = svcport_v1_Response_device_info_tag;
	strcpy(r.body.device_info.owner_org, "acme");
	respond(2, &r);
	ev.which_msg = svcport_v1_Frame_event_tag;
	ev.msg.event.which_body = svcport_v1_Event_state_changed_tag;
	ev.msg.event.body.state_changed.lockdown_state = svcport_v1_LockdownState_LOCKDOWN_ACTIVE;
	if (!pb_encode(&os, svcport_v1_Frame_fields, &ev))
		abort();
	device_says(buf, os.bytes_written);
	op(0xf0);
	op(1);
	memset(&r, 0, sizeof(r));
	r.which_body = svcport_v1_Response_error_tag;
	r.body.error.code = svcport_v1_ErrorCode_RATE_LIMITED;
	r.body.error.retry_after_ms = 200;
	respond(0, &r);
	op(0xf3);
	op(2);
	memset(&r, 0, sizeof(r));
	r.which_body = svcport_v1_Response_activation_code_tag;
	strcpy(r.body.activation_code.code, "HX4Q-29PD-KM7T");
	respond(3, &r);
	op(0xf3);
	op(60);
	save("cdc-info-code");
}

/* The gateway's answers to the ATT set-up at MTU 23 (docs/gatt.md handles). */
static void att_setup(bool cached)
{
	static const uint8_t mtu[] = {0x03, 0x17, 0x00};
	static const uint8_t svc[] = {0x07, 0x0a, 0x00, 0x14, 0x00};
	static const uint8_t nf[] = {0x01, 0x08, 0x13, 0x00, 0x0a};
	static const uint8_t fi[] = {0x05, 0x01, 0x10, 0x00, 0x02, 0x29, 0x11,
	                             0x00, 0x01, 0x29, 0x12, 0x00, 0x03, 0x28};
	static const uint8_t wrsp[] = {0x13};
	uint8_t hash[2 + 2 + 16] = {0x09, 0x12, 0x1c, 0x00}, chr[2 + 21] = {0x09, 0x15};
	uint8_t info[1 + 128] = {0x0b};
	const uint16_t decl[3] = {0x0b, 0x0e, 0x12};
	const uint8_t props[3] = {0x0c, 0x10, 0x02};
	size_t n = link_info(info + 1, sizeof(info) - 1);

	kind = 0;
	op(cached ? 0x08 : 0x00);
	input(mtu, sizeof(mtu));
	if (gatt_db_hash(hash + 4) < 0)
		abort();
	input(hash, sizeof(hash));
	if (!cached) {
		struct att_uuid u;
		input(svc, sizeof(svc));
		for (int i = 0; i < 3; i++) {
			att_uuid_svcport(&u, (uint16_t)(2 + i));
			att_put_le16(chr + 2, decl[i]);
			chr[4] = props[i];
			att_put_le16(chr + 5, (uint16_t)(decl[i] + 1));
			memcpy(chr + 7, u.b, 16);
			input(chr, sizeof(chr));
		}
		input(nf, sizeof(nf));
		input(fi, sizeof(fi));
	}
	input(wrsp, sizeof(wrsp));
	input(info, 1 + (n < 22 ? n : 22));
	info[0] = 0x0d;
	memmove(info + 1, info + 23, n - 22);
	input(info, 1 + n - 22);
}

int main(int argc, char **argv)
{
	uint8_t info[128];
	size_t n;

	if (argc != 2) {
		fprintf(stderr, "usage: fuzz-client-seeds DIR\n");
		return 2;
	}
	dir = argv[1];
	cdc_sessions();
	cdc_small_things();

	att_setup(false);
	seg_tx_reset(&seg_tx);
	signed_flow(3, svcport_v1_CommandBody_activate_tag, svcport_v1_Action_ACTION_ACTIVATE, 1,
	            false);
	save("att-activate");
	att_setup(true);
	seg_tx_reset(&seg_tx);
	signed_flow(2, svcport_v1_CommandBody_claim_tag, svcport_v1_Action_ACTION_CLAIM, 1, false);
	save("att-cached-claim");

	kind = 1;
	seg_tx_reset(&seg_tx);
	op(0x01);
	n = link_info(info, sizeof(info));
	op(0xf6);
	op((uint8_t)n);
	put(info, n);
	signed_flow(3, svcport_v1_CommandBody_activate_tag, svcport_v1_Action_ACTION_ACTIVATE, 1,
	            false);
	save("gatt-activate");
	return 0;
}
