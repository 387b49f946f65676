// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The phone flows (bench-flow.h): libsvcport-client runs them as for svcport-sim app; the
 * portal of svcport-portal signs and checks the receipts in this process.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app-sign.h"
#include "bench-flow.h"
#include "bench-util.h"
#include "utc.h"

/* What one flow works on; heap-allocated (the command may hold a certificate chain). */
struct flow_work {
	struct portal *portal;
	enum bench_flow f;
	const struct flow_opts *o;
	struct flow_result *r;
	double t; /* the current step's start */
	int sign_err;
	uint8_t cmd[svcport_v1_SignedCommand_size];
	size_t cmd_len;
	uint8_t receipt[svcport_v1_DeviceReceipt_size];
	size_t receipt_len;
	enum svcport_client_error error, receipt_result;
	char detail[128];
};

static const struct {
	const char *name;
	enum svcport_client_flow flow;
	const char *user;
} flows[FLOW_COUNT] = {
    [FLOW_INFO] = {"info", SVCPORT_CLIENT_FLOW_INFO, NULL},
    [FLOW_CLAIM] = {"claim", SVCPORT_CLIENT_FLOW_CLAIM, "alice"},
    [FLOW_ACTIVATE] = {"activate", SVCPORT_CLIENT_FLOW_ACTIVATE, "eddie"},
    [FLOW_EMERGENCY_RESET] = {"emergency-reset", SVCPORT_CLIENT_FLOW_EMERGENCY_RESET, "mona"},
    [FLOW_KEY_UPDATE] = {"key-update", SVCPORT_CLIENT_FLOW_KEY_UPDATE, "mona"},
};

const char *flow_name(enum bench_flow f)
{
	return f < FLOW_COUNT ? flows[f].name : "?";
}

const char *flow_step_name(enum flow_step s)
{
	static const char *const names[STEP_COUNT] = {
	    [STEP_CONNECT] = "connect + set-up (GATT, INFO)",
	    [STEP_CHALLENGE] = "GetChallenge",
	    [STEP_SIGN] = "portal signs",
	    [STEP_SUBMIT] = "SubmitCommand",
	    [STEP_RECEIPT] = "portal checks the receipt",
	};

	return s < STEP_COUNT ? names[s] : "?";
}

/* Adds the time since w->t to step and restarts the clock. */
static void lap(struct flow_work *w, enum flow_step step)
{
	double now = bench_now();

	w->r->step_s[step] += now - w->t;
	w->t = now;
}

static void on_sign(struct svcport_client *c, const struct svcport_client_sign_request *req,
                    void *user_data)
{
	struct flow_work *w = user_data;
	struct portal_sign_req sr;
	struct portal_signed info = {0};

	app_sign_req_init(&sr, req, flows[w->f].user, utc_now_s());
	sr.force_chain = sr.force_chain || (w->o && w->o->force_chain);
	lap(w, STEP_CHALLENGE);
	w->sign_err = portal_sign(w->portal, &sr, w->cmd, sizeof(w->cmd), &w->cmd_len, &info);
	w->r->chain_sent = !info.used_fingerprint;
	lap(w, STEP_SIGN);
	if (w->sign_err < 0) {
		fprintf(stderr, "bench: the portal refused to sign: %s\n", portal_why(w->portal));
		(void)svcport_client_sign_failed(c, w->sign_err);
		return;
	}
	(void)svcport_client_sign_done(c, w->cmd, w->cmd_len); /* a failure: done says */
}

static void on_done(struct svcport_client *c, const struct svcport_client_result *r,
                    void *user_data)
{
	struct flow_work *w = user_data;

	(void)c;
	if (r->flow == SVCPORT_CLIENT_FLOW_CONNECT)
		return;
	lap(w, w->f == FLOW_INFO ? STEP_CHALLENGE : STEP_SUBMIT);
	w->error = r->error;
	w->receipt_result = r->receipt_result;
	snprintf(w->detail, sizeof(w->detail), "%s", r->detail);
	if (r->receipt && r->receipt_len <= sizeof(w->receipt)) {
		memcpy(w->receipt, r->receipt, r->receipt_len);
		w->receipt_len = r->receipt_len;
	}
}

/* The receipt to the portal, and what the flow's status means for the benchmark. */
static int finish(struct flow_work *w, int status)
{
	struct portal_receipt_info info;
	int err = 0;

	if (w->receipt_len) {
		err = portal_receipt(w->portal, w->receipt, w->receipt_len, &info);
		lap(w, STEP_RECEIPT);
		if (err < 0) {
			fprintf(stderr, "bench: the portal rejected the receipt: %s\n",
			        portal_why(w->portal));
			return err;
		}
	}
	/* A bmcd that seals no one-time password yet still did the reset. */
	if (status == -ENODATA && w->f == FLOW_EMERGENCY_RESET && w->receipt_len &&
	    w->receipt_result == SVCPORT_CLIENT_OK)
		return 0;
	if (status == -EREMOTEIO) {
		fprintf(stderr, "bench: %s refused: %s %s\n", flow_name(w->f),
		        svcport_client_error_name(w->error), w->detail);
		return -EPERM;
	}
	if (status < 0 && w->sign_err == 0)
		fprintf(stderr, "bench: %s: %s\n", flow_name(w->f), strerror(-status));
	return status;
}

int flow_run(struct portal *portal, const char *spec, uint16_t mtu, enum bench_flow f,
             const struct flow_opts *o, struct flow_result *ret)
{
	struct flow_work *w = calloc(1, sizeof(*w));
	struct phone *ph = NULL;
	struct phone_opts po = {.mtu = mtu, .sign = on_sign, .done = on_done};
	double t0 = bench_now();
	int err;

	if (!w)
		return -ENOMEM;
	memset(ret, 0, sizeof(*ret));
	*w = (struct flow_work){.portal = portal, .f = f, .o = o, .r = ret};
	po.user_data = w;
	po.write_command = o && o->write_command;
	po.cache = o ? o->cache : NULL;
	err = phone_open(spec, &po, &ph);
	w->t = bench_now();
	ret->step_s[STEP_CONNECT] = w->t - t0;
	if (err < 0) {
		fprintf(stderr, "bench: cannot set up %s: %s\n", spec, strerror(-err));
		goto out;
	}
	err = finish(w, phone_run(ph, flows[f].flow));
	ret->wall_s = bench_now() - t0;
	ret->link_s = ret->wall_s - ret->step_s[STEP_SIGN] - ret->step_s[STEP_RECEIPT];
	ret->mtu = phone_mtu(ph);
	ret->used_cache = phone_used_cache(ph);
	phone_get_stats(ph, &ret->st);
	phone_get_setup(ph, &ret->setup);
	if (o && o->cache_out)
		(void)phone_get_cache(ph, o->cache_out);
	if (err == 0 && o && o->cmd_out && w->cmd_len <= o->cmd_cap) {
		memcpy(o->cmd_out, w->cmd, w->cmd_len);
		*o->cmd_len = w->cmd_len;
	}
out:
	phone_close(ph);
	free(w);
	return err;
}
