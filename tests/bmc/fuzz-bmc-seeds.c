// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Writes the seed corpus of fuzz-bmc-request into DIR (tests/bmc/corpus):
 * one valid packet of each request kind, and signed commands bound to the
 * harness's nonce. Run by hand when the schema or the harness changes:
 *   build/tests/bmc/fuzz-bmc-seeds tests/bmc/corpus
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/sha256.h>
#include <pb_encode.h>

#include "fuzz-bmc-common.h"

static const char *dir;

static void put(const char *name, const svcport_v1_BmcRequest *req)
{
	static uint8_t buf[svcport_v1_BmcRequest_size];
	pb_ostream_t os = pb_ostream_from_buffer(buf, sizeof(buf));
	char path[4096];
	FILE *f;

	if (!pb_encode(&os, svcport_v1_BmcRequest_fields, req))
		abort();
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(buf, 1, os.bytes_written, f) != os.bytes_written)
		abort();
	fclose(f);
}

static void command(const char *name, pb_size_t tag, svcport_v1_Role role, bool by_fingerprint)
{
	static svcport_v1_BmcRequest req;
	svcport_v1_CommandBody body = svcport_v1_CommandBody_init_zero;
	svcport_v1_SignedCommand *cmd;

	body.version = 1;
	body.has_device = true;
	strcpy(body.device.machine_type, TPKI_MT);
	strcpy(body.device.serial_number, TPKI_SN);
	body.nonce.size = 16;
	body.issued_at = TPKI_T0_MS / 1000;
	body.expires_at = body.issued_at + 600;
	strcpy(body.org_id, TPKI_ORG);
	strcpy(body.operator_id, "fuzz");
	body.role = role;
	body.which_action = tag;
	if (tag == svcport_v1_CommandBody_configure_sensors_tag) {
		body.action.configure_sensors.has_sensors = true;
		body.action.configure_sensors.sensors.motion_enabled = true;
		body.action.configure_sensors.sensors.motion_step_threshold = 3;
	}
	if (tag == svcport_v1_CommandBody_transfer_ownership_tag)
		strcpy(body.action.transfer_ownership.new_owner_org, "org-b");
	fuzz_nonce(body.nonce.bytes);
	req = (svcport_v1_BmcRequest)svcport_v1_BmcRequest_init_zero;
	req.session_id = 5;
	req.request_id = 6;
	req.link = svcport_v1_LinkKind_LINK_USB;
	req.physical_presence = true;
	req.has_request = true;
	req.request.which_body = svcport_v1_Request_submit_command_tag;
	req.request.body.submit_command.has_command = true;
	cmd = &req.request.body.submit_command.command;
	tworld_sign(&body, NULL, NULL, NULL, 0, cmd);
	if (by_fingerprint) {
		cmd->which_signer = svcport_v1_SignedCommand_signer_sha256_tag;
		cmd->signer.signer_sha256.size = 32;
		mbedtls_sha256_ret(tpki_get()->signer, tpki_get()->signer_len,
		                   cmd->signer.signer_sha256.bytes, 0);
	}
	put(name, &req);
}

int main(int argc, char **argv)
{
	static svcport_v1_BmcRequest req;

	if (argc != 2) {
		fprintf(stderr, "usage: fuzz-bmc-seeds DIR\n");
		return 2;
	}
	dir = argv[1];
	tpki_get();
	req = (svcport_v1_BmcRequest)svcport_v1_BmcRequest_init_zero;
	req.session_id = 1;
	req.request_id = 2;
	req.link = svcport_v1_LinkKind_LINK_BLE;
	req.has_request = true;
	req.request.which_body = svcport_v1_Request_get_device_info_tag;
	req.request.body.get_device_info.include_certificate = true;
	put("get-device-info", &req);
	req.request.which_body = svcport_v1_Request_get_challenge_tag;
	put("get-challenge", &req);
	req.request.which_body = svcport_v1_Request_get_activation_code_tag;
	req.physical_presence = true;
	put("get-activation-code", &req);
	req.request.which_body = svcport_v1_Request_ping_tag;
	req.request.body.ping.payload.size = 4;
	memcpy(req.request.body.ping.payload.bytes, "ping", 4);
	put("ping", &req);
	command("claim-chain", svcport_v1_CommandBody_claim_tag, svcport_v1_Role_ROLE_ORG_ADMIN,
	        false);
	command("activate-fingerprint", svcport_v1_CommandBody_activate_tag,
	        svcport_v1_Role_ROLE_EDGE_USER, true);
	command("sensors-chain", svcport_v1_CommandBody_configure_sensors_tag,
	        svcport_v1_Role_ROLE_ORG_ADMIN, false);
	command("transfer-chain", svcport_v1_CommandBody_transfer_ownership_tag,
	        svcport_v1_Role_ROLE_ORG_ADMIN, false);
	command("reset-base-role", svcport_v1_CommandBody_emergency_password_reset_tag,
	        svcport_v1_Role_ROLE_BASE, false);
	return 0;
}
