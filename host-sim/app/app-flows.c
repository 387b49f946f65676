// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * svcport-sim app, what libsvcport-client asks and tells: the portal signs (in process
 * with --portal DIR, or the portal service with --portal-url), secrets are shown once,
 * events and results printed, every receipt handed to the portal.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app-internal.h"
#include "app-sign.h"
#include "names.h"
#include "out.h"
#include "utc.h"

int app_open_portal(struct app *a)
{
	const char *env = getenv("SVCPORT_PORTAL");
	const char *dir = cli_arg(a->args, "portal", env && *env ? env : "portal");
	int err = a->portal ? 0 : portal_open(dir, false, &a->portal);

	if (err < 0)
		out_error("NOT_FOUND", "cannot open the portal in %s", dir);
	return err;
}

/* --save-challenge FILE: the challenge, and FILE.pub the board's public key if sent. */
static int save_challenge(const struct app *a, const struct svcport_client_sign_request *req)
{
	const char *path = cli_arg(a->args, "save-challenge", NULL);
	char pub[4096];

	if (!path)
		return 0;
	if (portal_file_write(path, req->challenge, req->challenge_len) < 0)
		return app_report_link_failure("writing the challenge", -EIO);
	out_str("challenge", path);
	if (req->device_public_key_len) {
		snprintf(pub, sizeof(pub), "%s.pub", path);
		if (portal_file_write(pub, req->device_public_key, req->device_public_key_len) < 0)
			return app_report_link_failure("writing the public key", -EIO);
		out_str("device_pubkey", pub);
	}
	return 0;
}

void app_sign_req_init(struct portal_sign_req *sr, const struct svcport_client_sign_request *req,
                       const char *user, int64_t now)
{
	*sr = (struct portal_sign_req){
	    .user = user,
	    .action = (svcport_v1_Action)req->flow, /* the library's flows are the Actions */
	    .challenge = req->challenge,
	    .challenge_len = req->challenge_len,
	    .device_pubkey = req->device_public_key,
	    .device_pubkey_len = req->device_public_key_len,
	    .ephemeral_pubkey = req->requester_public_key,
	    .ephemeral_pubkey_len = req->requester_public_key ? SVCPORT_CLIENT_KEY_LEN : 0,
	    .now = now,
	    .force_chain = req->want_chain,
	};
}

/* The portal's request from what the device and the command line say. */
static int sign_req(const struct app *a, const struct svcport_client_sign_request *req,
                    struct portal_sign_req *sr)
{
	const struct cli_args *args = a->args;

	app_sign_req_init(sr, req, cli_arg(args, "user", NULL), utc_now_s());
	sr->sensors = a->sensors;
	sr->force_chain = sr->force_chain || cli_flag(args, "force-chain");
	sr->skip_policy = cli_flag(args, "skip-policy");
	sr->forge_untrusted = cli_flag(args, "forge-untrusted");
	sr->forge_signature = cli_flag(args, "forge-signature");
	sr->forge_device = cli_arg(args, "forge-device", NULL);
	sr->forge_control = names_control_parse(cli_arg(args, "forge-control", NULL));
	sr->forge_org = cli_arg(args, "forge-org", NULL);
	sr->forge_role = names_role_parse(cli_arg(args, "forge-role", NULL));
	if (cli_arg_long(args, "validity", 0, &sr->validity) < 0 ||
	    cli_arg_long(args, "issued-offset", 0, &sr->issued_offset) < 0) {
		out_error("BAD_REQUEST", "--validity and --issued-offset want seconds");
		return -EINVAL;
	}
	return 0;
}

static int sign(struct app *a, const struct svcport_client_sign_request *req, uint8_t *cmd,
                size_t cap, size_t *cmd_len)
{
	struct portal_sign_req sr;
	struct portal_signed info;
	int err = sign_req(a, req, &sr);

	if (err < 0)
		return err;
	if (req->want_chain)
		out_progress(
		    "  the device does not know the signer any more: signing with the chain");
	out_progress("  challenge received (%zu bytes); asking the portal to sign %s as %s",
	             req->challenge_len, svcport_client_flow_name(req->flow),
	             sr.user ? sr.user : "?");
	if (app_is_api(a))
		return app_sign_api(a, &sr, cmd, cap, cmd_len);
	err = app_open_portal(a);
	if (err < 0)
		return err;
	err = portal_sign(a->portal, &sr, cmd, cap, cmd_len, &info);
	if (err < 0) {
		out_error(portal_err_name(err), "the portal refused: %s", portal_why(a->portal));
		return err;
	}
	if (info.test_only)
		out_progress("  *** TEST ONLY: the portal signed WITHOUT its policy checks ***");
	out_progress("  portal signed (%zu bytes, signer %s)", *cmd_len,
	             info.used_fingerprint ? "named by fingerprint" : "chain included");
	return 0;
}

void app_on_sign(struct svcport_client *c, const struct svcport_client_sign_request *req,
                 void *user_data)
{
	static uint8_t cmd[svcport_v1_SignedCommand_size];
	struct app *a = user_data;
	const char *save = cli_arg(a->args, "save-command", NULL);
	size_t len = 0;
	int err = save_challenge(a, req);

	if (err == 0 && cli_flag(a->args, "challenge-only")) {
		out_progress("  challenge saved; sign it with 'svcport-sim portal sign --challenge "
		             "FILE' and submit the command with 'app --replay'");
		a->stopped = true;
		err = -ECANCELED;
	}
	if (err == 0)
		err = sign(a, req, cmd, sizeof(cmd), &len);
	if (err < 0) {
		a->is_reported = true; /* said above, or stopped as asked */
		(void)svcport_client_sign_failed(c, err);
		return;
	}
	if (save && portal_file_write(save, cmd, len) < 0)
		out_progress("  (cannot write %s)", save);
	(void)svcport_client_sign_done(c, cmd, len); /* a failure ends the flow: done says */
}

void app_on_secret(struct svcport_client *c, enum svcport_client_secret kind, const char *text,
                   void *user_data)
{
	(void)c;
	(void)user_data;
	if (kind == SVCPORT_CLIENT_SECRET_ACTIVATION_CODE) {
		out_progress("  secure activation code: %s", text);
		out_str("activation_code", text);
		return;
	}
	out_progress("  one-time BMC administrator password (shown once; change it at the first "
	             "login): %s",
	             text);
	out_str("one_time_password", text);
}

void app_on_state(struct svcport_client *c, const struct svcport_client_state *st, void *user_data)
{
	(void)c;
	(void)user_data;
	out_progress("  event: lockdown %s, security LED %s, control %s",
	             names_lockdown((svcport_v1_LockdownState)st->lockdown),
	             names_led((svcport_v1_SecurityLed)st->led),
	             names_control((svcport_v1_ControlMode)st->control));
}

void app_on_done(struct svcport_client *c, const struct svcport_client_result *r, void *user_data)
{
	struct app *a = user_data;
	struct app_result *res = &a->res;

	(void)c;
	if (r->link)
		a->link_info = *r->link;
	memset(res, 0, sizeof(*res));
	res->is_done = true;
	res->status = r->status;
	res->error = r->error;
	res->retry_after_ms = r->retry_after_ms;
	snprintf(res->detail, sizeof(res->detail), "%s", r->detail);
	if (r->info) {
		res->has_info = true;
		res->info = *r->info;
	}
	if (r->receipt && r->receipt_len <= sizeof(res->receipt)) {
		memcpy(res->receipt, r->receipt, r->receipt_len);
		res->receipt_len = r->receipt_len;
	}
	res->receipt_result = r->receipt_result;
	res->password_shown = r->password_shown;
}
