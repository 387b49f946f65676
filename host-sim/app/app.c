// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * svcport-sim app: the phone, a user of libsvcport-client. It opens the link (app-link.h)
 * and lets the library do the rest through a blocking session (app-session.h): the link's
 * set-up (ATT: MTU, Database Hash, discovery unless a --gatt-cache holds, notifications,
 * INFO; USB: GetLinkInfo), then one flow: info, the activation code, or a signed action
 * (GetChallenge, the portal's signature, SubmitCommand and the device's receipt, which goes
 * back to the portal). Repeats with the same id, RATE_LIMITED back-offs and the one-time
 * password of an emergency reset are the library's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app-internal.h"
#include "cli-args.h"
#include "cli.h"
#include "names.h"
#include "out.h"

#define APP_TIMEOUT_MS 5000
#define APP_RETRIES    2

static const char app_usage[] =
    "usage: svcport-sim app --link LINK [--user U] [--portal DIR] [options] ACTION\n"
    "       svcport-sim app --link LINK --portal-url https://HOST:PORT --cacert PEM\n"
    "                       --user U --password-file F [options] ACTION\n"
    "  With --portal-url the phone logs in to the portal service and has its\n"
    "  commands signed there; with --portal DIR (tests, the operator) in-process.\n"
    "  The phone. LINK: ble-sim:PATH | unix:PATH | tty:PATH | ble:hciN[/ADDR]\n"
    "  (usb:VID:PID, the phone as a USB host, is not simulated: use tty: for a cable),\n"
    "  or a laptop: https:HOST:PORT (svcportd's management-network link) trusting\n"
    "  --link-ca PEM (the BMC's internal CA) or --link-dir DIR (its link-chain.pem).\n"
    "  ACTION: info | activation-code | claim | activate | emergency-reset | key-update\n"
    "          | promote | transfer | sensors\n"
    "  --mtu N            ATT MTU to offer (23..517, default 517)\n"
    "  --timeout MS       per attempt (default 5000); --retries N (default 2, same id)\n"
    "  --scan-timeout MS  ble: how long to scan; --no-scan: connect to ADDR directly\n"
    "  --gatt-cache FILE  a returning phone: keep the GATT handles and Database Hash in\n"
    "                     FILE and skip discovery next time while the hash holds\n"
    "  --sensors intrusion=on|off,motion=on|off,steps=N   for 'sensors'\n"
    "  --save-command FILE  keep the signed command; --replay FILE submits a saved one\n"
    "  --save-receipt FILE  keep the device's receipt\n"
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

/* The action's flow; 0 for none. */
static enum svcport_client_flow parse_flow(const char *action)
{
	if (!action)
		return 0;
	if (strcmp(action, "info") == 0)
		return SVCPORT_CLIENT_FLOW_INFO;
	if (strcmp(action, "activation-code") == 0)
		return SVCPORT_CLIENT_FLOW_ACTIVATION_CODE;
	return (enum svcport_client_flow)names_action_parse(action);
}

static bool is_signed(enum svcport_client_flow flow)
{
	return flow >= SVCPORT_CLIENT_FLOW_CLAIM && flow <= SVCPORT_CLIENT_FLOW_SENSORS;
}

/* The command line into cfg and a; usage errors print and return -EINVAL. */
static int parse_options(const struct cli_args *args, struct app *a,
                         struct svcport_client_config *cfg)
{
	const char *sensors = cli_arg(args, "sensors", NULL);
	long mtu, timeout, retries, scan_ms;

	if (cli_arg_long(args, "mtu", 0, &mtu) < 0 ||
	    cli_arg_long(args, "scan-timeout", 0, &scan_ms) < 0 || scan_ms < 0 ||
	    scan_ms > 3600000 || cli_arg_long(args, "timeout", APP_TIMEOUT_MS, &timeout) < 0 ||
	    cli_arg_long(args, "retries", APP_RETRIES, &retries) < 0 ||
	    (mtu && (mtu < 23 || mtu > 517)) || timeout < 1 || retries < 0 || retries > 100) {
		fputs(app_usage, stderr);
		return -EINVAL;
	}
	if (sensors && cli_sensors_parse(sensors, &a->sensors) < 0) {
		fprintf(stderr, "--sensors wants intrusion=on|off,motion=on|off,steps=N\n");
		return -EINVAL;
	}
	if (mtu)
		cfg->att_mtu = (uint16_t)mtu;
	cfg->timeout_ms = (uint32_t)timeout;
	cfg->retries = (uint32_t)retries;
	a->cache_path = cli_arg(args, "gatt-cache", NULL);
	a->scan_timeout_ms = (int)scan_ms;
	return 0;
}

static void print_link(const struct app *a, const struct app_link_info *li)
{
	const struct svcport_client_link_info *l = &a->link_info;

	out_progress("  INFO: %s-%s, %s, protocol %u..%u, messages up to %u bytes",
	             l->device.machine_type, l->device.serial_number,
	             names_lockdown((svcport_v1_LockdownState)l->lockdown), l->protocol_min,
	             l->protocol_max, l->max_message);
	out_int("protocol_version", l->protocol_max);
	if (!li->is_att)
		return;
	out_progress("  GATT: ATT_MTU %u, %s", l->att_mtu,
	             l->used_cache ? "the cached handles held (no discovery)" : "discovered");
	out_int("att_mtu", l->att_mtu);
	out_bool("gatt_cache_used", l->used_cache);
}

/* Opens the link and the library's session on it, and sets the link up. */
static int app_connect(struct app *a, const char *spec, struct svcport_client_config *cfg)
{
	static char chain[4096];
	const char *link_dir = cli_arg(a->args, "link-dir", NULL);
	if (link_dir)
		snprintf(chain, sizeof(chain), "%s/link-chain.pem", link_dir);
	const struct app_link_opts lo = {.scan_timeout_ms = a->scan_timeout_ms,
	                                 .no_scan = cli_flag(a->args, "no-scan"),
	                                 .ca_file =
	                                     cli_arg(a->args, "link-ca", link_dir ? chain : NULL),
	                                 .note = link_note,
	                                 .user_data = a};
	struct svcport_client_callbacks cb = {
	    .sign = app_on_sign,
	    .secret = app_on_secret,
	    .state_changed = app_on_state,
	    .cache_update = app_on_cache,
	    .done = app_on_done,
	    .user_data = a,
	};
	struct svcport_client_gatt_cache cache;
	const struct app_session_opts so = {.cfg = cfg, .cb = &cb};
	struct app_link_info li;
	int err;

	err = app_link_open(spec, &lo, &a->link);
	if (err < 0)
		return app_report_link_failure(
		    err == -EOPNOTSUPP
		        ? "usb: (the phone as a USB host) is not simulated; use a tty link"
		        : "opening the link",
		    err);
	app_link_get_info(a->link, &li);
	out_str("link", li.kind);
	if (li.is_att && a->cache_path && app_cache_load(a->cache_path, &cache))
		cfg->cache = &cache;
	err = app_session_new(a->link, &so, &a->session);
	if (err < 0)
		return app_report_link_failure("starting the client", err);
	err = app_session_connect(a->session);
	if (err < 0)
		return app_report(a, SVCPORT_CLIENT_FLOW_CONNECT, err);
	print_link(a, &li);
	return 0;
}

/* --replay FILE: a command signed earlier, submitted without a challenge. */
static int app_replay(struct app *a, enum svcport_client_flow flow, const char *path)
{
	static uint8_t cmd[svcport_v1_SignedCommand_size];
	size_t len = 0;

	if (portal_file_read(path, cmd, sizeof(cmd), &len) < 0) {
		out_error("BAD_REQUEST", "cannot read %s", path);
		a->is_reported = true;
		return -EINVAL;
	}
	out_progress("  replaying the saved command %s (%zu bytes)", path, len);
	return app_session_submit(a->session, flow, cmd, len);
}

static int app_run(struct app *a, enum svcport_client_flow flow)
{
	const char *replay = cli_arg(a->args, "replay", NULL);
	int status;

	a->is_reported = false;
	memset(&a->res, 0, sizeof(a->res));
	status = replay ? app_replay(a, flow, replay) : app_session_run(a->session, flow);
	if (!a->res.is_done && !a->is_reported) { /* refused before anything went out */
		if (status == -EBADMSG)
			out_error("BAD_REQUEST", "%s is not a signed %s command", replay,
			          svcport_client_flow_name(flow));
		else
			app_report_link_failure(svcport_client_flow_name(flow), status);
		return status;
	}
	return app_report(a, flow, status);
}

/* With --expect-error, success is the device refusing with that code. */
static int exit_code(const struct app *a, int err, const char *expect)
{
	enum svcport_client_error got =
	    err < 0 && a->res.status == -EREMOTEIO ? a->res.error : SVCPORT_CLIENT_OK;
	bool as_expected;

	if (!expect)
		return err < 0 ? CLI_EXIT_REFUSED : CLI_EXIT_OK;
	as_expected = got && strcmp(svcport_client_error_name(got), expect) == 0;
	out_bool("as_expected", as_expected);
	out_progress("  %s: expected %s, got %s", as_expected ? "as expected" : "NOT as expected",
	             expect,
	             got       ? svcport_client_error_name(got)
	             : err < 0 ? "another failure"
	                       : "success");
	return as_expected ? CLI_EXIT_OK : CLI_EXIT_REFUSED;
}

int cli_app(int argc, char **argv)
{
	static const char spec[] =
	    "link= user= portal= mtu= timeout= retries= scan-timeout= no-scan sensors= "
	    "save-command= save-receipt= save-challenge= challenge-only replay= expect-error= "
	    "force-chain validity= gatt-cache= "
	    "issued-offset= skip-policy forge-untrusted forge-signature forge-device= "
	    "forge-control= forge-org= forge-role= expect-state= expect-led= expect-owner= "
	    "expect-control= portal-url= cacert= password-file= link-ca= link-dir=";
	struct svcport_client_config cfg;
	struct cli_args args;
	struct app *a;
	const char *link, *action;
	enum svcport_client_flow flow;
	int err, rc;

	if (cli_args_parse(&args, argc - 1, argv + 1, spec) < 0)
		return CLI_EXIT_USAGE;
	if (args.help) {
		fputs(app_usage, stdout);
		return CLI_EXIT_OK;
	}
	link = cli_arg(&args, "link", NULL);
	action = args.npos == 1 ? args.pos[0] : NULL;
	flow = parse_flow(action);
	if (!link || !flow) {
		fputs(app_usage, stderr);
		return CLI_EXIT_USAGE;
	}
	if (is_signed(flow) && !cli_arg(&args, "user", NULL) && !cli_arg(&args, "replay", NULL)) {
		fprintf(stderr, "app %s needs --user (who asks the portal to sign)\n", action);
		return CLI_EXIT_USAGE;
	}
	if (cli_arg(&args, "replay", NULL) && !is_signed(flow)) {
		fprintf(stderr, "app --replay submits a signed action, not %s\n", action);
		return CLI_EXIT_USAGE;
	}
	a = calloc(1, sizeof(*a));
	if (!a)
		return CLI_EXIT_REFUSED;
	a->args = &args;
	svcport_client_config_init(&cfg, SVCPORT_CLIENT_LINK_ATT); /* the kind: the link's */
	if (parse_options(&args, a, &cfg) < 0) {
		free(a);
		return CLI_EXIT_USAGE;
	}
	out_init(args.json);
	out_set_quiet(args.quiet);
	out_progress("app: %s over %s", action, link);
	out_str("action", action);
	err = app_connect(a, link, &cfg);
	if (err == 0)
		err = app_run(a, flow);
	rc = exit_code(a, err, cli_arg(&args, "expect-error", NULL));
	app_session_free(a->session);
	app_link_close(a->link);
	portal_close(a->portal);
	app_api_logout(a->api);
	free(a);
	return out_finish(rc);
}
