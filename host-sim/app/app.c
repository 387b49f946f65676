// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * svcport-sim app: the phone. Opens a link, reads INFO, asks the device for a
 * challenge, has the portal sign the command, submits it and hands the
 * device's receipt back to the portal. Requests that time out are repeated
 * with the same id (the gateway answers a repeat from its cache).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/platform_util.h>

#include "app-internal.h"
#include "app-link.h"
#include "cli-args.h"
#include "cli.h"
#include "names.h"
#include "out.h"
#include "pbio.h"
#include "pki.h"
#include "portal.h"
#include "utc.h"

#define APP_TIMEOUT_MS 5000
#define APP_RETRIES    2

static const char app_usage[] =
    "usage: svcport-sim app --link LINK [--user U] [--portal DIR] [options] ACTION\n"
    "       svcport-sim app --link LINK --portal-url https://HOST:PORT --cacert PEM\n"
    "                       --user U --password-file F [options] ACTION\n"
    "  With --portal-url the phone logs in to the portal service and has its\n"
    "  commands signed there; with --portal DIR (tests, the operator) in-process.\n"
    "  The phone. LINK: ble-sim:PATH | unix:PATH | tty:PATH | ble:hciN[/ADDR]\n"
    "  (usb:VID:PID, the phone as a USB host, is not simulated: use tty: for a cable).\n"
    "  ACTION: info | activation-code | claim | activate | emergency-reset | key-update\n"
    "          | promote | transfer | sensors\n"
    "  --mtu N            ATT MTU to offer (23..517, default 517)\n"
    "  --timeout MS       per attempt (default 5000); --retries N (default 2, same id)\n"
    "  --scan-timeout MS  ble: how long to scan; --no-scan: connect to ADDR directly\n"
    "  --sensors intrusion=on|off,motion=on|off,steps=N   for 'sensors'\n"
    "  --save-command FILE  keep the signed command; --replay FILE submits a saved one\n"
    "  --save-challenge FILE [--challenge-only]  keep the device's challenge (and\n"
    "                     FILE.pub, the board key) for 'portal sign'; stop there\n"
    "  --expect-error CODE  succeed only if the device refuses with CODE (tests)\n"
    "  info --expect-state ACTIVE|LOCKED --expect-led ON|OFF|BLINKING\n"
    "       --expect-owner ORG --expect-control bmc|portal   fail unless so (tests)\n"
    "  portal signing options passed through: --force-chain --validity S\n"
    "  --issued-offset S, TEST ONLY: --skip-policy --forge-untrusted --forge-signature\n"
    "  --forge-device MT/SN --forge-control bmc|portal --forge-org ORG --forge-role ROLE\n";

static void link_note(const char *msg, void *user_data)
{
	(void)user_data;
	out_progress("  %s", msg);
}

static int read_link_info(struct app *a)
{
	svcport_v1_LinkInfo li;
	size_t len = 0;
	int err = app_link_read_info(a->link, a->buf, sizeof(a->buf), &len);

	if (err == -EOPNOTSUPP)
		return 0; /* CDC has no INFO characteristic: GetDeviceInfo tells the rest */
	if (err < 0)
		return app_report_link_failure("reading INFO", err);
	if (pbio_decode(svcport_v1_LinkInfo_fields, &li, a->buf, len) < 0) {
		out_error("BAD_REQUEST", "INFO is not a LinkInfo");
		return -EPROTO;
	}
	out_progress("  INFO: %s-%s, %s, protocol %u..%u, messages up to %u bytes",
	             li.device.machine_type, li.device.serial_number,
	             names_lockdown(li.lockdown_state), li.min_protocol_version,
	             li.protocol_version, li.max_message_size);
	out_int("protocol_version", li.protocol_version);
	if (li.protocol_version < 1 || li.min_protocol_version > 1) {
		out_error("UNSUPPORTED_VERSION", "the server speaks protocol %u..%u, we speak 1",
		          li.min_protocol_version, li.protocol_version);
		return -EPROTONOSUPPORT;
	}
	return 0;
}

static int get_device_info(struct app *a, bool with_cert, svcport_v1_DeviceInfo *di)
{
	svcport_v1_Request req = {.which_body = svcport_v1_Request_get_device_info_tag};
	svcport_v1_Response *resp = malloc(sizeof(*resp));
	int err;

	if (!resp)
		return -ENOMEM;
	req.body.get_device_info.include_certificate = with_cert;
	err = app_call_expect(a, &req, resp, svcport_v1_Response_device_info_tag, "GetDeviceInfo");
	if (err == 0)
		*di = resp->body.device_info;
	free(resp);
	return err;
}

static void print_device_info(const svcport_v1_DeviceInfo *di)
{
	out_progress("  device %s-%s: %s, LED %s, %s-managed, owner %s", di->device.machine_type,
	             di->device.serial_number, names_lockdown(di->lockdown_state),
	             names_led(di->security_led), names_control(di->control_mode),
	             di->owner_org[0] ? di->owner_org : "(none)");
	out_str("machine_type", di->device.machine_type);
	out_str("serial_number", di->device.serial_number);
	out_str("lockdown_state", names_lockdown(di->lockdown_state));
	out_str("security_led", names_led(di->security_led));
	out_str("control_mode", names_control(di->control_mode));
	out_str("owner_org", di->owner_org);
	out_bool("has_identity", di->has_identity);
	out_bool("sed_enabled", di->sed_enabled);
	out_bool("sed_ak_present", di->sed_ak_present);
	out_str("sed_backup_component", names_sed_component(di->sed_backup_component));
	if (di->sed_enabled && !di->sed_ak_present)
		out_progress(
		    "  SED enabled, AK ABSENT: the drives stay locked and the server cannot "
		    "be activated; restore the SED AK first");
	out_bool("intrusion_sensor", di->sensors.intrusion_enabled);
	out_bool("motion_sensor", di->sensors.motion_enabled);
	out_int("motion_steps", di->sensors.motion_step_threshold);
	out_bool("admin_password_must_change", di->admin_password_must_change);
	out_str("firmware_version", di->firmware_version);
	out_int("known_signers", di->known_signers_count);
}

/* info --expect-*: the demo and tests assert the device's state this way. */
static int check_expectations(struct app *a, const svcport_v1_DeviceInfo *di)
{
	const char *st = cli_arg(a->args, "expect-state", NULL);
	const char *led = cli_arg(a->args, "expect-led", NULL);
	const char *owner = cli_arg(a->args, "expect-owner", NULL);
	const char *ctl = cli_arg(a->args, "expect-control", NULL);
	int err = 0;

	if (st && strcmp(st, names_lockdown(di->lockdown_state)) != 0) {
		out_error("UNEXPECTED", "lockdown state is %s, expected %s",
		          names_lockdown(di->lockdown_state), st);
		err = -EINVAL;
	}
	if (led && strcmp(led, names_led(di->security_led)) != 0) {
		out_error("UNEXPECTED", "security LED is %s, expected %s",
		          names_led(di->security_led), led);
		err = -EINVAL;
	}
	if (owner && strcmp(owner, di->owner_org) != 0) {
		out_error("UNEXPECTED", "owner is '%s', expected '%s'", di->owner_org, owner);
		err = -EINVAL;
	}
	if (ctl && strcmp(ctl, names_control(di->control_mode)) != 0) {
		out_error("UNEXPECTED", "control is %s, expected %s",
		          names_control(di->control_mode), ctl);
		err = -EINVAL;
	}
	return err;
}

static int do_info(struct app *a)
{
	svcport_v1_DeviceInfo *di = malloc(sizeof(*di));
	int err;

	if (!di)
		return -ENOMEM;
	err = get_device_info(a, false, di);
	if (err == 0) {
		print_device_info(di);
		err = check_expectations(a, di);
	}
	free(di);
	return err;
}

static int do_activation_code(struct app *a)
{
	svcport_v1_Request req = {.which_body = svcport_v1_Request_get_activation_code_tag};
	svcport_v1_Response *resp = malloc(sizeof(*resp));
	int err;

	if (!resp)
		return -ENOMEM;
	err = app_call_expect(a, &req, resp, svcport_v1_Response_activation_code_tag,
	                      "GetActivationCode");
	if (err == 0) {
		out_progress("  secure activation code: %s", resp->body.activation_code.code);
		out_str("activation_code", resp->body.activation_code.code);
	}
	mbedtls_platform_zeroize(resp, sizeof(*resp));
	free(resp);
	return err;
}

static int open_portal(struct app *a)
{
	const char *env = getenv("SVCPORT_PORTAL");
	const char *dir = cli_arg(a->args, "portal", env && *env ? env : "portal");
	int err = portal_open(dir, false, &a->portal);

	if (err < 0)
		out_error("NOT_FOUND", "cannot open the portal in %s", dir);
	return err;
}

/* --save-challenge FILE: the challenge, and FILE.pub the board's public key if sent. */
static int save_challenge(struct app *a, const uint8_t *chal, size_t len,
                          const svcport_v1_DeviceInfo *di)
{
	const char *path = cli_arg(a->args, "save-challenge", NULL);
	char pub[4096];

	if (!path)
		return 0;
	if (portal_file_write(path, chal, len) < 0)
		return app_report_link_failure("writing the challenge", -EIO);
	out_str("challenge", path);
	if (di->device_public_key.size) {
		snprintf(pub, sizeof(pub), "%s.pub", path);
		if (portal_file_write(pub, di->device_public_key.bytes,
		                      di->device_public_key.size) < 0)
			return app_report_link_failure("writing the public key", -EIO);
		out_str("device_pubkey", pub);
	}
	return 0;
}

/* Challenge -> portal signature -> SignedCommand bytes in cmd; 1: stop after the challenge. */
static int get_signed(struct app *a, svcport_v1_Action action, const svcport_v1_DeviceInfo *di,
                      uint8_t *cmd, size_t cap, size_t *cmd_len)
{
	const struct cli_args *args = a->args;
	svcport_v1_Request req = {.which_body = svcport_v1_Request_get_challenge_tag};
	svcport_v1_Response *resp = malloc(sizeof(*resp));
	uint8_t chal[svcport_v1_Challenge_size];
	struct portal_sign_req sr = {0};
	struct portal_signed info;
	const char *sensors = cli_arg(args, "sensors", NULL);
	size_t chal_len = 0;
	int err;

	if (!resp)
		return -ENOMEM;
	err = app_call_expect(a, &req, resp, svcport_v1_Response_challenge_tag, "GetChallenge");
	if (err < 0)
		goto out;
	err = pbio_encode(svcport_v1_Challenge_fields, &resp->body.challenge, chal, sizeof(chal),
	                  &chal_len);
	if (err < 0)
		goto out;
	if (save_challenge(a, chal, chal_len, di) < 0) {
		err = -EIO;
		goto out;
	}
	if (cli_flag(args, "challenge-only")) {
		out_progress("  challenge saved; sign it with 'svcport-sim portal sign --challenge "
		             "FILE' and submit the command with 'app --replay'");
		err = 1;
		goto out;
	}
	out_progress("  challenge received (%zu bytes); asking the portal to sign %s as %s",
	             chal_len, names_action(action), cli_arg(args, "user", "?"));
	sr.user = cli_arg(args, "user", NULL);
	sr.action = action;
	sr.challenge = chal;
	sr.challenge_len = chal_len;
	sr.device_pubkey = di->device_public_key.bytes;
	sr.device_pubkey_len = di->device_public_key.size;
	sr.now = utc_now_s();
	if (sensors && cli_sensors_parse(sensors, &sr.sensors) < 0) {
		out_error("BAD_REQUEST", "--sensors wants intrusion=on|off,motion=on|off,steps=N");
		err = -EINVAL;
		goto out;
	}
	if (cli_arg_long(args, "validity", 0, &sr.validity) < 0 ||
	    cli_arg_long(args, "issued-offset", 0, &sr.issued_offset) < 0) {
		err = -EINVAL;
		goto out;
	}
	sr.force_chain = cli_flag(args, "force-chain");
	if (action == svcport_v1_Action_ACTION_EMERGENCY_PASSWORD_RESET &&
	    app_otp_prepare(a, &sr) < 0) {
		err = -EIO;
		goto out;
	}
	sr.skip_policy = cli_flag(args, "skip-policy");
	sr.forge_untrusted = cli_flag(args, "forge-untrusted");
	sr.forge_signature = cli_flag(args, "forge-signature");
	sr.forge_device = cli_arg(args, "forge-device", NULL);
	sr.forge_control = names_control_parse(cli_arg(args, "forge-control", NULL));
	sr.forge_org = cli_arg(args, "forge-org", NULL);
	sr.forge_role = names_role_parse(cli_arg(args, "forge-role", NULL));
	if (app_is_api(a)) {
		err = app_sign_api(a, &sr, cmd, cap, cmd_len);
		goto out;
	}
	err = open_portal(a);
	if (err < 0)
		goto out;
	err = portal_sign(a->portal, &sr, cmd, cap, cmd_len, &info);
	if (err < 0) {
		out_error(portal_err_name(err), "the portal refused: %s", portal_why(a->portal));
		goto out;
	}
	if (info.test_only)
		out_progress("  *** TEST ONLY: the portal signed WITHOUT its policy checks ***");
	out_progress("  portal signed (%zu bytes, signer %s)", *cmd_len,
	             info.used_fingerprint ? "named by fingerprint" : "chain included");
out:
	free(resp);
	return err;
}

/* Swaps a fingerprint for the chain after UNTRUSTED_SIGNER (the device evicted it). */
static int resend_with_chain(struct app *a, svcport_v1_SignedCommand *sc)
{
	if (sc->which_signer != svcport_v1_SignedCommand_signer_sha256_tag || !a->portal)
		return -ENOENT;
	if (portal_signer_chain(a->portal, &sc->signer.chain) < 0)
		return -ENOENT;
	sc->which_signer = svcport_v1_SignedCommand_chain_tag;
	out_progress("  the device does not know the signer any more: sending the chain");
	return 0;
}

static int submit(struct app *a, const uint8_t *cmd, size_t cmd_len)
{
	svcport_v1_Request *req = calloc(1, sizeof(*req));
	svcport_v1_Response *resp = malloc(sizeof(*resp));
	const char *save = cli_arg(a->args, "save-receipt", NULL);
	struct portal_receipt_info info;
	svcport_v1_DeviceReceipt *r;
	uint8_t rbytes[svcport_v1_DeviceReceipt_size];
	size_t rlen = 0;
	int err = -ENOMEM;

	if (!req || !resp)
		goto out;
	req->which_body = svcport_v1_Request_submit_command_tag;
	req->body.submit_command.has_command = true;
	err = pbio_decode(svcport_v1_SignedCommand_fields, &req->body.submit_command.command, cmd,
	                  cmd_len);
	if (err < 0) {
		out_error("BAD_REQUEST", "not a signed command");
		goto out;
	}
	err = app_call_polite(a, req, resp);
	if (err == 0 && resp->which_body == svcport_v1_Response_error_tag &&
	    resp->body.error.code == svcport_v1_ErrorCode_UNTRUSTED_SIGNER &&
	    resend_with_chain(a, &req->body.submit_command.command) == 0)
		err = app_call(a, req, resp);
	if (err < 0) {
		app_report_link_failure("SubmitCommand", err);
		goto out;
	}
	if (resp->which_body == svcport_v1_Response_error_tag) {
		err = app_report_refusal(a, &resp->body.error);
		goto out;
	}
	if (resp->which_body != svcport_v1_Response_command_result_tag ||
	    !resp->body.command_result.has_receipt) {
		out_error("BAD_REQUEST", "SubmitCommand: unexpected answer");
		err = -EPROTO;
		goto out;
	}
	r = &resp->body.command_result.receipt;
	if (app_otp_show(a, &req->body.submit_command.command, &resp->body.command_result) < 0)
		out_progress("  (no one-time password could be shown)");
	err = pbio_encode(svcport_v1_DeviceReceipt_fields, r, rbytes, sizeof(rbytes), &rlen);
	if (err < 0)
		goto out;
	if (save && portal_file_write(save, rbytes, rlen) < 0)
		out_progress("  (cannot write %s)", save);
	if (app_is_api(a)) {
		err = app_receipt_api(a, rbytes, rlen);
		goto out;
	}
	if (!a->portal && open_portal(a) < 0) {
		err = -ENOENT;
		goto out;
	}
	err = portal_receipt(a->portal, rbytes, rlen, &info);
	if (err < 0) {
		out_error(portal_err_name(err), "the portal rejected the receipt: %s",
		          portal_why(a->portal));
		goto out;
	}
	out_progress("  done: %s -> %s; device now %s, %s-managed, owner %s; portal status %s",
	             names_action(info.body.action), names_error(info.body.result),
	             names_lockdown(info.body.new_state), names_control(info.body.control_mode),
	             info.body.owner_org[0] ? info.body.owner_org : "(none)", info.status);
	out_str("result", names_error(info.body.result));
	out_str("lockdown_state", names_lockdown(info.body.new_state));
	out_str("control_mode", names_control(info.body.control_mode));
	out_str("owner_org", info.body.owner_org);
	out_str("portal_status", info.status);
	out_int("receipt_counter", (long long)info.body.counter);
	err = info.body.result == svcport_v1_ErrorCode_ERROR_NONE ? 0 : -EPERM;
out:
	free(resp);
	free(req);
	return err;
}

static int do_signed_action(struct app *a, svcport_v1_Action action)
{
	static uint8_t cmd[svcport_v1_SignedCommand_size];
	svcport_v1_DeviceInfo *di = calloc(1, sizeof(*di));
	const char *replay = cli_arg(a->args, "replay", NULL);
	const char *save = cli_arg(a->args, "save-command", NULL);
	size_t cmd_len = 0;
	int err;

	if (!di)
		return -ENOMEM;
	if (replay) {
		err = portal_file_read(replay, cmd, sizeof(cmd), &cmd_len);
		if (err < 0) {
			out_error("BAD_REQUEST", "cannot read %s", replay);
			goto out;
		}
		out_progress("  replaying the saved command %s (%zu bytes)", replay, cmd_len);
		err = submit(a, cmd, cmd_len);
		goto out;
	}
	err = get_device_info(a, action == svcport_v1_Action_ACTION_DEVICE_KEY_UPDATE, di);
	if (err < 0)
		goto out;
	if (di->has_identity)
		out_progress("  device %s-%s is %s (%s-managed, owner %s)", di->device.machine_type,
		             di->device.serial_number, names_lockdown(di->lockdown_state),
		             names_control(di->control_mode),
		             di->owner_org[0] ? di->owner_org : "(none)");
	else
		out_progress("  a blank board (no identity yet), %s",
		             names_lockdown(di->lockdown_state));
	err = get_signed(a, action, di, cmd, sizeof(cmd), &cmd_len);
	if (err != 0) {
		err = err > 0 ? 0 : err; /* --challenge-only stops here */
		goto out;
	}
	if (save && portal_file_write(save, cmd, cmd_len) < 0)
		out_progress("  (cannot write %s)", save);
	err = submit(a, cmd, cmd_len);
out:
	free(di);
	return err;
}

/* With --expect-error, success is the device refusing with that code. */
static int exit_code(const struct app *a, int err, const char *expect)
{
	bool as_expected;

	if (!expect)
		return err < 0 ? CLI_EXIT_REFUSED : CLI_EXIT_OK;
	as_expected = err < 0 && strcmp(names_error(a->error), expect) == 0;
	out_bool("as_expected", as_expected);
	out_progress("  %s: expected %s, got %s", as_expected ? "as expected" : "NOT as expected",
	             expect,
	             a->error ? names_error(a->error) : (err < 0 ? "another failure" : "success"));
	return as_expected ? CLI_EXIT_OK : CLI_EXIT_REFUSED;
}

int cli_app(int argc, char **argv)
{
	static const char spec[] =
	    "link= user= portal= mtu= timeout= retries= scan-timeout= no-scan sensors= "
	    "save-command= save-receipt= save-challenge= challenge-only replay= expect-error= "
	    "force-chain validity= "
	    "issued-offset= skip-policy forge-untrusted forge-signature forge-device= "
	    "forge-control= forge-org= forge-role= expect-state= expect-led= expect-owner= "
	    "expect-control= portal-url= cacert= password-file=";
	struct cli_args args;
	struct app *a;
	struct app_link_opts lo = {.note = link_note};
	struct app_link_info li;
	const char *link, *action, *expect;
	long mtu, timeout, scan_ms;
	svcport_v1_Action act = svcport_v1_Action_ACTION_UNSPECIFIED;
	uint32_t seed = 0;
	int err, rc;

	if (cli_args_parse(&args, argc - 1, argv + 1, spec) < 0)
		return CLI_EXIT_USAGE;
	if (args.help) {
		fputs(app_usage, stdout);
		return CLI_EXIT_OK;
	}
	link = cli_arg(&args, "link", NULL);
	action = args.npos == 1 ? args.pos[0] : NULL;
	expect = cli_arg(&args, "expect-error", NULL);
	if (action && strcmp(action, "info") != 0 && strcmp(action, "activation-code") != 0) {
		act = names_action_parse(action);
		if (!act)
			action = NULL;
	}
	if (!link || !action || cli_arg_long(&args, "mtu", 0, &mtu) < 0 ||
	    cli_arg_long(&args, "timeout", APP_TIMEOUT_MS, &timeout) < 0 ||
	    cli_arg_long(&args, "scan-timeout", 0, &scan_ms) < 0 ||
	    (mtu && (mtu < 23 || mtu > 517))) {
		fputs(app_usage, stderr);
		return CLI_EXIT_USAGE;
	}
	if (act && !cli_arg(&args, "user", NULL) && !cli_arg(&args, "replay", NULL)) {
		fprintf(stderr, "app %s needs --user (who asks the portal to sign)\n", action);
		return CLI_EXIT_USAGE;
	}
	a = calloc(1, sizeof(*a));
	if (!a)
		return CLI_EXIT_REFUSED;
	out_init(args.json);
	out_set_quiet(args.quiet);
	a->args = &args;
	a->timeout_ms = (int)timeout;
	if (cli_arg_long(&args, "retries", APP_RETRIES, &a->retries) < 0)
		a->retries = APP_RETRIES;
	/* Frame ids start anywhere: a new app run never collides with a cached id.
	 * Without entropy (never on Linux >= 3.17) the pid and clock still differ. */
	if (getentropy(&seed, sizeof(seed)) < 0)
		seed = (uint32_t)getpid() ^ (uint32_t)utc_now_s();
	a->next_id = (seed % 0x7fff0000u) + 1;
	lo.mtu = (uint16_t)mtu;
	lo.scan_timeout_ms = (int)scan_ms;
	lo.no_scan = cli_flag(&args, "no-scan");
	out_progress("app: %s over %s", action, link);
	out_str("action", action);
	err = app_link_open(link, &lo, &a->link);
	if (err < 0) {
		app_report_link_failure(
		    err == -EOPNOTSUPP
		        ? "usb: (the phone as a USB host) is not simulated; use a tty link"
		        : "opening the link",
		    err);
		rc = CLI_EXIT_REFUSED;
		goto out;
	}
	app_link_get_info(a->link, &li);
	out_str("link", li.kind);
	if (li.is_gatt)
		out_int("att_mtu", li.mtu);
	err = read_link_info(a);
	if (err == 0) {
		if (strcmp(action, "info") == 0)
			err = do_info(a);
		else if (strcmp(action, "activation-code") == 0)
			err = do_activation_code(a);
		else
			err = do_signed_action(a, act);
	}
	rc = exit_code(a, err, expect);
out:
	app_link_close(a->link);
	portal_close(a->portal);
	app_api_logout(a->api);
	free(a);
	return out_finish(rc);
}
