// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The phone flows (bench-flow.h): the same requests in the same order as
 * host-sim/app.c, with the portal of svcport-sim-core signing and checking receipts.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "bench-flow.h"
#include "bench-util.h"
#include "names.h"
#include "pwbox.h"
#include "pbio.h"
#include "utc.h"

/* What one flow works on; heap-allocated (the messages hold certificate chains). */
struct flow_work {
	svcport_v1_Request req;
	svcport_v1_Response resp;
	svcport_v1_DeviceInfo di;
	uint8_t chal[svcport_v1_Challenge_size];
	uint8_t cmd[svcport_v1_SignedCommand_size];
	uint8_t receipt[svcport_v1_DeviceReceipt_size];
};

static const struct {
	const char *name;
	svcport_v1_Action action;
	const char *user;
} flows[FLOW_COUNT] = {
    [FLOW_INFO] = {"info", svcport_v1_Action_ACTION_UNSPECIFIED, NULL},
    [FLOW_CLAIM] = {"claim", svcport_v1_Action_ACTION_CLAIM, "alice"},
    [FLOW_ACTIVATE] = {"activate", svcport_v1_Action_ACTION_ACTIVATE, "eddie"},
    [FLOW_EMERGENCY_RESET] = {"emergency-reset", svcport_v1_Action_ACTION_EMERGENCY_PASSWORD_RESET,
                              "mona"},
    [FLOW_KEY_UPDATE] = {"key-update", svcport_v1_Action_ACTION_DEVICE_KEY_UPDATE, "mona"},
};

const char *flow_name(enum bench_flow f)
{
	return f < FLOW_COUNT ? flows[f].name : "?";
}

const char *flow_step_name(enum flow_step s)
{
	static const char *const names[STEP_COUNT] = {
	    [STEP_CONNECT] = "connect + GATT set-up",
	    [STEP_INFO] = "INFO read",
	    [STEP_DEVICE_INFO] = "GetDeviceInfo",
	    [STEP_CHALLENGE] = "GetChallenge",
	    [STEP_SIGN] = "portal signs",
	    [STEP_SUBMIT] = "SubmitCommand",
	    [STEP_RECEIPT] = "portal checks the receipt",
	};

	return s < STEP_COUNT ? names[s] : "?";
}

/* Adds the time since *t to step and restarts *t. */
static void lap(struct flow_result *r, enum flow_step step, double *t)
{
	double now = bench_now();

	r->step_s[step] += now - *t;
	*t = now;
}

/* One request that must get an answer of kind want; the device's refusal is printed. */
static int call(struct phone *ph, struct flow_work *w, pb_size_t want, const char *what)
{
	int err = phone_call(ph, &w->req, &w->resp);

	if (err < 0) {
		fprintf(stderr, "bench: %s: link: %s\n", what, strerror(-err));
		return err;
	}
	if (w->resp.which_body == svcport_v1_Response_error_tag) {
		fprintf(stderr, "bench: %s refused: %s %s\n", what,
		        names_error(w->resp.body.error.code), w->resp.body.error.detail);
		return -EPERM;
	}
	return w->resp.which_body == want ? 0 : -EPROTO;
}

static int bench_getrandom(void *ctx, unsigned char *buf, size_t len)
{
	(void)ctx;
	return getrandom(buf, len, 0) == (ssize_t)len ? 0 : -1;
}

static int sign(struct portal *portal, enum bench_flow f, const struct flow_opts *o,
                struct flow_work *w, size_t chal_len, size_t *cmd_len, bool *chain_sent)
{
	struct portal_sign_req sr = {
	    .user = flows[f].user,
	    .action = flows[f].action,
	    .challenge = w->chal,
	    .challenge_len = chal_len,
	    .device_pubkey = w->di.device_public_key.bytes,
	    .device_pubkey_len = w->di.device_public_key.size,
	    .now = utc_now_s(),
	    .force_chain = o && o->force_chain,
	};
	struct portal_signed info = {0};
	static uint8_t req_priv[PWBOX_SCALAR_LEN], req_pub[PWBOX_POINT_LEN];
	int err = 0;

	/* The phone's one-time key: the reset's password comes back sealed to it. */
	if (flows[f].action == svcport_v1_Action_ACTION_EMERGENCY_PASSWORD_RESET) {
		err = pwbox_keygen(bench_getrandom, NULL, req_priv, req_pub);
		sr.ephemeral_pubkey = req_pub;
		sr.ephemeral_pubkey_len = sizeof(req_pub);
	}
	if (err == 0)
		err = portal_sign(portal, &sr, w->cmd, sizeof(w->cmd), cmd_len, &info);
	if (err < 0)
		fprintf(stderr, "bench: the portal refused to sign: %s\n", portal_why(portal));
	*chain_sent = !info.used_fingerprint;
	return err;
}

static int submit(struct portal *portal, struct phone *ph, struct flow_work *w, size_t cmd_len,
                  struct flow_result *r, double *t)
{
	struct portal_receipt_info info;
	size_t rlen = 0;
	int err;

	memset(&w->req, 0, sizeof(w->req));
	w->req.which_body = svcport_v1_Request_submit_command_tag;
	w->req.body.submit_command.has_command = true;
	err = pbio_decode(svcport_v1_SignedCommand_fields, &w->req.body.submit_command.command,
	                  w->cmd, cmd_len);
	if (err == 0)
		err = call(ph, w, svcport_v1_Response_command_result_tag, "SubmitCommand");
	lap(r, STEP_SUBMIT, t);
	if (err < 0)
		return err;
	if (!w->resp.body.command_result.has_receipt)
		return -EPROTO;
	err = pbio_encode(svcport_v1_DeviceReceipt_fields, &w->resp.body.command_result.receipt,
	                  w->receipt, sizeof(w->receipt), &rlen);
	if (err == 0)
		err = portal_receipt(portal, w->receipt, rlen, &info);
	lap(r, STEP_RECEIPT, t);
	if (err < 0) {
		fprintf(stderr, "bench: the portal rejected the receipt: %s\n", portal_why(portal));
		return err;
	}
	if (info.body.result != svcport_v1_ErrorCode_ERROR_NONE) {
		fprintf(stderr, "bench: the device answered %s\n", names_error(info.body.result));
		return -EPERM;
	}
	return 0;
}

static int play(struct portal *portal, struct phone *ph, enum bench_flow f,
                const struct flow_opts *o, struct flow_work *w, struct flow_result *r)
{
	size_t chal_len = 0, cmd_len = 0;
	double t = bench_now();
	int err = phone_read_info(ph);

	lap(r, STEP_INFO, &t);
	if (err < 0)
		return err;
	w->req.which_body = svcport_v1_Request_get_device_info_tag;
	w->req.body.get_device_info.include_certificate = f == FLOW_KEY_UPDATE;
	err = call(ph, w, svcport_v1_Response_device_info_tag, "GetDeviceInfo");
	lap(r, STEP_DEVICE_INFO, &t);
	if (err < 0 || f == FLOW_INFO)
		return err;
	w->di = w->resp.body.device_info;

	memset(&w->req, 0, sizeof(w->req));
	w->req.which_body = svcport_v1_Request_get_challenge_tag;
	err = call(ph, w, svcport_v1_Response_challenge_tag, "GetChallenge");
	lap(r, STEP_CHALLENGE, &t);
	if (err == 0)
		err = pbio_encode(svcport_v1_Challenge_fields, &w->resp.body.challenge, w->chal,
		                  sizeof(w->chal), &chal_len);
	if (err == 0)
		err = sign(portal, f, o, w, chal_len, &cmd_len, &r->chain_sent);
	lap(r, STEP_SIGN, &t);
	if (err == 0)
		err = submit(portal, ph, w, cmd_len, r, &t);
	if (err == 0 && o && o->cmd_out && cmd_len <= o->cmd_cap) {
		memcpy(o->cmd_out, w->cmd, cmd_len);
		*o->cmd_len = cmd_len;
	}
	return err;
}

int flow_run(struct portal *portal, const char *spec, uint16_t mtu, enum bench_flow f,
             const struct flow_opts *o, struct flow_result *ret)
{
	struct flow_work *w = calloc(1, sizeof(*w));
	const struct phone_opts po = {.mtu = mtu, .write_command = o && o->write_command};
	struct phone *ph = NULL;
	double t0 = bench_now();
	int err;

	if (!w)
		return -ENOMEM;
	memset(ret, 0, sizeof(*ret));
	err = phone_open(spec, &po, &ph);
	ret->step_s[STEP_CONNECT] = bench_now() - t0;
	if (err < 0) {
		fprintf(stderr, "bench: cannot open %s: %s\n", spec, strerror(-err));
		goto out;
	}
	err = play(portal, ph, f, o, w, ret);
	ret->wall_s = bench_now() - t0;
	ret->link_s = phone_link_seconds(ph);
	ret->mtu = phone_mtu(ph);
	phone_get_stats(ph, &ret->st);
	phone_get_setup(ph, &ret->setup);
out:
	phone_close(ph);
	free(w);
	return err;
}
