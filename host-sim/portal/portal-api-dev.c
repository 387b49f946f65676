// SPDX-License-Identifier: GPL-2.0-or-later
/* API: devices, claims, key updates, and the phone's challenge -> command -> receipt. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#include "hex.h"
#include "names.h"
#include "pki.h"
#include "portal-api.h"
#include "portal-internal.h"
#include "utc.h"

static const char *activation_state(const struct portal_device *d)
{
	if (!d->owner[0])
		return "unclaimed";
	if (strcmp(d->status, "activated") == 0)
		return "activated";
	if (strcmp(d->status, "ready") == 0)
		return "locked";
	return "claimed-on-portal";
}

struct device_rows {
	struct portal *p;
	int64_t now;
	json_t *list;
};

static int device_row(const struct portal_device *d, void *ud)
{
	struct device_rows *rows = ud;
	int64_t ready_until = portal_ready_expires(rows->p, d->mt, d->sn, rows->now);
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "machine_type", d->mt,
	                      "serial_number", d->sn, "owner", d->owner, "status", d->status,
	                      "activation", activation_state(d), "control",
	                      names_control(d->control), "key_sha256", d->key_sha256);

	if (d->transfer_to[0])
		json_object_set_new(o, "transfer_to", json_string(d->transfer_to));
	if (d->new_key_sha256[0])
		json_object_set_new(o, "pending_key_sha256", json_string(d->new_key_sha256));
	if (ready_until)
		json_object_set_new(o, "ready_until", json_integer((json_int_t)ready_until));
	return json_array_append_new(rows->list, o);
}

static int h_devices(struct api_req *r, json_t **ret)
{
	struct device_rows rows = {.p = r->p, .now = utc_now_s(), .list = json_array()};
	int err = portal_act_devices_each(r->p, &r->actor, r->seg[1], device_row, &rows);

	if (err < 0) {
		json_decref(rows.list);
		return api_error(r, ret, err);
	}
	*ret = json_pack("{s:s, s:o}", "org", r->seg[1], "devices", rows.list);
	return 200;
}

static int h_claim(struct api_req *r, json_t **ret)
{
	const char *mt = api_str(r, "machine_type"), *sn = api_str(r, "serial_number");
	const char *code = api_str(r, "activation_code");
	int err;

	if (!mt || !sn || !code)
		return api_bad(ret,
		               "send {\"machine_type\", \"serial_number\", \"activation_code\"}");
	err = portal_act_claim(r->p, &r->actor, r->seg[1], mt, sn, code, utc_now_s());
	if (err < 0)
		return api_error(r, ret, err);
	*ret = json_pack("{s:s, s:s, s:s, s:s}", "machine_type", mt, "serial_number", sn, "owner",
	                 r->seg[1], "status", "pending");
	return 200;
}

static void csv_row(size_t line, const char *key, int err, const char *why, void *ud)
{
	json_array_append_new(ud,
	                      json_pack("{s:I, s:s, s:s, s:s}", "line", (json_int_t)line, "device",
	                                key, "result", portal_err_name(err), "detail", why));
}

static int h_claim_csv(struct api_req *r, json_t **ret)
{
	json_t *rows = json_array();
	int failed = portal_act_claim_csv(r->p, &r->actor, r->seg[1], r->body, r->body_len,
	                                  utc_now_s(), csv_row, rows);

	if (failed < 0) {
		json_decref(rows);
		return api_error(r, ret, failed);
	}
	*ret = json_pack("{s:o, s:i, s:i}", "rows", rows, "claimed",
	                 (int)json_array_size(rows) - failed, "failed", failed);
	return 200;
}

static int h_key_update(struct api_req *r, json_t **ret)
{
	const char *hash = api_str(r, "new_key_sha256");
	int err;

	if (!hash)
		return api_bad(ret, "send {\"new_key_sha256\": 64 hex digits from the QR code}");
	err = portal_act_key_update(r->p, &r->actor, r->seg[1], r->seg[2], hash);
	if (err < 0)
		return api_error(r, ret, err);
	*ret = json_pack("{s:s, s:s, s:s}", "machine_type", r->seg[1], "serial_number", r->seg[2],
	                 "new_key_sha256", hash);
	return 200;
}

/* {"intrusion": bool, "motion": bool, "motion_steps": n} */
static int sensors_parse(struct api_req *r, svcport_v1_SensorSettings *s)
{
	json_t *o = json_object_get(r->json, "sensors");
	json_t *steps;

	if (!o)
		return 0;
	if (!json_is_object(o))
		return -EINVAL;
	s->intrusion_enabled = json_is_true(json_object_get(o, "intrusion"));
	s->motion_enabled = json_is_true(json_object_get(o, "motion"));
	steps = json_object_get(o, "motion_steps");
	if (steps && (!json_is_integer(steps) || json_integer_value(steps) < 0 ||
	              json_integer_value(steps) > 1000000))
		return -EINVAL;
	s->motion_step_threshold = steps ? (uint32_t)json_integer_value(steps) : 0;
	return 0;
}

/*
 * The phone's request: the device's challenge (base64 Challenge bytes), the
 * action, for key-update the new board's public key, for sensors the
 * settings. For the emergency reset, "ephemeral_pubkey" (base64, 65 bytes) is
 * accepted and checked here; issue 13 puts it into the signed body.
 * "force_chain": the signer's certificate goes with the command even where the
 * device lists the signer, as a phone asks after UNTRUSTED_SIGNER (the device
 * evicted the signer from its cache; DESIGN §4.2). Not a forgery: the chain is
 * the complete form of the same signature.
 */
static int h_sign(struct api_req *r, json_t **ret)
{
	static uint8_t out[svcport_v1_SignedCommand_size];
	uint8_t chal[svcport_v1_Challenge_size], pub[PKI_PUBKEY_LEN], eph[PKI_PUBKEY_LEN + 1];
	struct portal_sign_req req = {.now = utc_now_s()};
	struct portal_signed info;
	size_t chal_len = 0, pub_len = 0, eph_len = 0, out_len = 0;
	json_t *force;
	char nonce[33];
	int err;

	req.action = names_action_parse(api_str(r, "action"));
	if (!req.action || api_b64(r, "challenge", chal, sizeof(chal), &chal_len) < 0)
		return api_bad(ret, "send {\"action\": claim|activate|emergency-reset|key-update|"
		                    "promote|transfer|sensors, \"challenge\": base64}");
	if (api_str(r, "device_pubkey")) {
		if (api_b64(r, "device_pubkey", pub, sizeof(pub), &pub_len) < 0)
			return api_bad(ret, "device_pubkey: base64 of a 65-byte P-256 point");
		req.device_pubkey = pub;
		req.device_pubkey_len = pub_len;
	}
	if (api_str(r, "ephemeral_pubkey")) {
		if (api_b64(r, "ephemeral_pubkey", eph, sizeof(eph), &eph_len) < 0 ||
		    eph_len != PKI_PUBKEY_LEN)
			return api_bad(ret, "ephemeral_pubkey: base64 of a 65-byte P-256 point");
		req.ephemeral_pubkey = eph;
		req.ephemeral_pubkey_len = eph_len;
	}
	force = json_object_get(r->json, "force_chain");
	if (force && !json_is_boolean(force))
		return api_bad(ret, "force_chain: true or false");
	req.force_chain = json_is_true(force);
	if (sensors_parse(r, &req.sensors) < 0)
		return api_bad(ret, "sensors: {\"intrusion\": bool, \"motion\": bool, "
		                    "\"motion_steps\": n}");
	req.challenge = chal;
	req.challenge_len = chal_len;
	err = portal_act_sign(r->p, &r->actor, &req, out, sizeof(out), &out_len, &info);
	if (err < 0)
		return api_error(r, ret, err);
	hex_encode(info.nonce, sizeof(info.nonce), nonce);
	*ret = json_pack("{s:o, s:s, s:s, s:s, s:b}", "command", api_b64_json(out, out_len),
	                 "nonce", nonce, "machine_type", info.device.machine_type, "serial_number",
	                 info.device.serial_number, "signer_by_fingerprint", info.used_fingerprint);
	return 200;
}

static int h_receipt(struct api_req *r, json_t **ret)
{
	uint8_t buf[svcport_v1_DeviceReceipt_size];
	struct portal_receipt_info info;
	size_t len = 0;
	int err;

	if (api_b64(r, "receipt", buf, sizeof(buf), &len) < 0)
		return api_bad(ret, "send {\"receipt\": base64 of the device's DeviceReceipt}");
	err = portal_act_receipt(r->p, &r->actor, buf, len, &info);
	if (err < 0)
		return api_error(r, ret, err);
	*ret = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I}", "machine_type",
	                 info.body.device.machine_type, "serial_number",
	                 info.body.device.serial_number, "action", names_action(info.body.action),
	                 "result", names_error(info.body.result), "status", info.status, "counter",
	                 (json_int_t)info.body.counter);
	return 200;
}

/* Manual activation by phone call (docs/manual-activation.md): {"challenge"} -> the
 * response; with {"challenge", "receipt"} the server's receipt is confirmed. */
static int h_manual(struct api_req *r, json_t **ret)
{
	const char *challenge = api_str(r, "challenge"), *receipt = api_str(r, "receipt");
	struct portal_manual_response m;
	int err;

	if (!challenge)
		return api_bad(ret, "send {\"challenge\": the 15 characters the server shows}");
	if (receipt) {
		err = portal_act_manual_receipt(r->p, &r->actor, r->seg[1], r->seg[2], challenge,
		                                receipt, utc_now_s());
		if (err < 0)
			return api_error(r, ret, err);
		*ret = json_pack("{s:s, s:s, s:s}", "machine_type", r->seg[1], "serial_number",
		                 r->seg[2], "status", "activated");
		return 200;
	}
	err = portal_act_manual_activate(r->p, &r->actor, r->seg[1], r->seg[2], challenge,
	                                 utc_now_s(), &m);
	if (err < 0)
		return api_error(r, ret, err);
	*ret = json_pack("{s:s, s:s, s:s, s:I}", "machine_type", r->seg[1], "serial_number",
	                 r->seg[2], "response", m.response, "expires_at", (json_int_t)m.expires_at);
	return 200;
}

const struct api_route api_routes_dev[] = {
    {EVHTTP_REQ_GET, "orgs/*/devices", true, h_devices},
    {EVHTTP_REQ_POST, "orgs/*/claims", true, h_claim},
    {EVHTTP_REQ_POST, "orgs/*/claims.csv", true, h_claim_csv},
    {EVHTTP_REQ_POST, "devices/*/*/key-update", true, h_key_update},
    {EVHTTP_REQ_POST, "devices/*/*/manual-activation", true, h_manual},
    {EVHTTP_REQ_POST, "commands", true, h_sign},
    {EVHTTP_REQ_POST, "receipts", true, h_receipt},
    {0, NULL, false, NULL},
};
