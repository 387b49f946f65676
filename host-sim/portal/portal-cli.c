// SPDX-License-Identifier: GPL-2.0-or-later
/* svcport-sim portal ...: the simulated cloud portal's command line. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mbedtls/platform_util.h>

#include "hex.h"
#include "cli-args.h"
#include "cli.h"
#include "names.h"
#include "out.h"
#include "pki.h"
#include "portal.h"
#include "portal-acts.h"
#include "portal-cli-admin.h"
#include "portal-cli-manual.h"
#include "portal-cli-serve.h"
#include "utc.h"

static const char portal_usage[] =
    "usage: svcport-sim portal [--portal DIR] [--json] COMMAND ...\n"
    "  The simulated cloud portal (key vault). State: DIR/portal.db + PEM files\n"
    "  (DIR defaults to $SVCPORT_PORTAL or ./portal).\n"
    "\n"
    "  init                                 root CA, command-signing cert, device CA\n"
    "  org add ORG\n"
    "  user add USER --org ORG --role org-admin|edge-user|maintenance|base\n"
    "       [--password-file F]\n"
    "  device manufacture --mt MT --sn SN --out DIR [--control bmc|portal]\n"
    "  device manufacture --blank-board --out DIR    (replacement motherboard)\n"
    "  device key-update --mt MT --sn SN --new-key-hash HEX\n"
    "  device show --mt MT --sn SN | device list [--org ORG]\n"
    "  device ready --mt MT --sn SN [--valid-for S] [--as USER]   (online activation)\n"
    "  claim --org ORG --mt MT --sn SN --code CODE | claim --org ORG --csv FILE\n"
    "  transfer start --from ORG --devices MT-SN[,MT-SN...] --out CSV [--valid-for SECONDS]\n"
    "  transfer accept --to ORG --csv CSV --passphrase P\n"
    "  sign --user U --action ACTION --challenge FILE --out FILE [options]\n"
    "       ACTION: claim activate emergency-reset key-update promote transfer sensors\n"
    "       --device-pubkey FILE   key-update: the new board's public key (65 bytes)\n"
    "       --sensors intrusion=on,motion=off,steps=N\n"
    "       --force-chain          send the signer chain even if the device knows it\n"
    "       --validity S  --issued-offset S    command time window (tests: expired)\n"
    "       TEST ONLY: --skip-policy --forge-untrusted --forge-signature\n"
    "                  --forge-device MT/SN --forge-control bmc|portal\n"
    "                  --forge-org ORG --forge-role ROLE\n"
    "  receipt FILE                         verify a device receipt, update the "
    "device\n" PORTAL_CLI_SERVE_USAGE PORTAL_CLI_ADMIN_USAGE PORTAL_CLI_MANUAL_USAGE;

static const char *portal_dir(const struct cli_args *a)
{
	const char *env = getenv("SVCPORT_PORTAL");

	return cli_arg(a, "portal", env && *env ? env : "portal");
}

/* With file access to the portal directory, the CLI is the operator (docs/portal-api.md). */
static const struct portal_actor *op_actor(void)
{
	static struct portal_actor op;

	portal_actor_operator(&op);
	return &op;
}

static int refused(struct portal *p, int err)
{
	out_error(portal_err_name(err), "%s",
	          p && portal_why(p)[0] ? portal_why(p) : strerror(-err));
	return CLI_EXIT_REFUSED;
}

static int open_portal(const struct cli_args *a, bool create, struct portal **p)
{
	const char *dir = portal_dir(a);
	int err = portal_open(dir, create, p);

	if (err < 0) {
		out_error("NOT_FOUND", "cannot open portal %s: %s%s", dir, strerror(-err),
		          create ? "" : " (run 'svcport-sim portal init' first)");
		return CLI_EXIT_REFUSED;
	}
	return CLI_EXIT_OK;
}

static int cmd_init(struct portal *p, const struct cli_args *a)
{
	int err = portal_init(p, utc_now_s());

	if (err < 0)
		return refused(p, err);
	out_progress("portal initialised in %s: root CA, command-signing certificate (%d days), "
	             "device CA",
	             portal_dir(a), PORTAL_SIGNER_DAYS);
	out_str("portal", portal_dir(a));
	return CLI_EXIT_OK;
}

static int cmd_org(struct portal *p, const struct cli_args *a)
{
	int err;

	if (a->npos != 3 || strcmp(a->pos[1], "add") != 0) {
		fprintf(stderr, "usage: portal org add ORG\n");
		return CLI_EXIT_USAGE;
	}
	err = portal_act_org_add(p, op_actor(), a->pos[2]);
	if (err < 0)
		return refused(p, err);
	out_progress("organisation %s added", a->pos[2]);
	out_str("org", a->pos[2]);
	return CLI_EXIT_OK;
}

/* The operator adds a user, with the password read from a file if given. */
static int user_add(struct portal *p, const char *user, const char *org, svcport_v1_Role role,
                    const char *password_file)
{
	struct portal_actor op;
	char pw[PORTAL_PASSWORD_MAX + 2] = "";
	size_t len = 0;
	int err = 0;

	portal_actor_operator(&op);
	if (password_file) {
		err = portal_file_read(password_file, (uint8_t *)pw, sizeof(pw) - 1, &len);
		if (err < 0)
			return err; /* refused() names errno: no such file... */
		pw[len] = '\0';
		pw[strcspn(pw, "\r\n")] = '\0';
	}
	err = portal_act_user_add(p, &op, user, org, role, password_file ? pw : NULL);
	mbedtls_platform_zeroize(pw, sizeof(pw));
	return err;
}

static int cmd_user(struct portal *p, const struct cli_args *a)
{
	const char *org = cli_arg(a, "org", NULL);
	const char *role = cli_arg(a, "role", NULL);
	int err;

	if (a->npos != 3 || strcmp(a->pos[1], "add") != 0 || !org || !role) {
		fprintf(stderr, "usage: portal user add USER --org ORG --role ROLE\n");
		return CLI_EXIT_USAGE;
	}
	err =
	    user_add(p, a->pos[2], org, names_role_parse(role), cli_arg(a, "password-file", NULL));
	if (err < 0)
		return refused(p, err);
	out_progress("user %s added to %s as %s", a->pos[2], org, role);
	out_str("user", a->pos[2]);
	out_str("org", org);
	out_str("role", role);
	return CLI_EXIT_OK;
}

static int print_device(const struct portal_device *d, void *ud)
{
	(void)ud;
	out_item_begin();
	out_str("machine_type", d->mt);
	out_str("serial_number", d->sn);
	out_str("status", d->status);
	out_str("owner", d->owner[0] ? d->owner : "(unclaimed)");
	out_str("control", names_control(d->control));
	out_str("key_sha256", d->key_sha256);
	if (d->new_key_sha256[0])
		out_str("pending_key_sha256", d->new_key_sha256);
	if (d->transfer_to[0])
		out_str("transfer_to", d->transfer_to);
	out_item_end();
	return 0;
}

static int cmd_device(struct portal *p, const struct cli_args *a)
{
	const char *sub = a->npos >= 2 ? a->pos[1] : "";
	const char *mt = cli_arg(a, "mt", NULL), *sn = cli_arg(a, "sn", NULL);
	int err;

	if (strcmp(sub, "manufacture") == 0) {
		struct portal_manufactured m = {0};
		const char *outdir = cli_arg(a, "out", NULL);
		bool blank = cli_flag(a, "blank-board");
		svcport_v1_ControlMode ctl = names_control_parse(cli_arg(a, "control", "portal"));

		if (!outdir || (!blank && (!mt || !sn))) {
			fprintf(stderr,
			        "usage: portal device manufacture --mt MT --sn SN --out DIR "
			        "[--control bmc|portal] | --blank-board --out DIR\n");
			return CLI_EXIT_USAGE;
		}
		err = portal_device_manufacture(p, mt ? mt : "", sn ? sn : "", ctl, outdir, blank,
		                                utc_now_s(), &m);
		if (err < 0)
			return refused(p, err);
		out_progress("  label: BMC administrator password %s (must change at first login)",
		             m.label_password);
		out_str("label_password", m.label_password);
		if (blank) {
			out_progress("blank replacement board written to %s", outdir);
			out_progress("  QR code on the board (key SHA-256): %s",
			             m.board_key_sha256);
		} else {
			out_progress("manufactured %s-%s (%s-managed), factory state in %s", mt, sn,
			             names_control(ctl), outdir);
			out_progress("  pull-out tab: secure activation code %s", m.code);
			out_progress("  QR code on the board (key SHA-256): %s",
			             m.board_key_sha256);
			out_str("activation_code", m.code);
			out_str("control", names_control(ctl));
		}
		out_str("factory_dir", outdir);
		out_str("board_key_sha256", m.board_key_sha256);
		mbedtls_platform_zeroize(m.code, sizeof(m.code));
		return CLI_EXIT_OK;
	}
	if (strcmp(sub, "key-update") == 0) {
		const char *hash = cli_arg(a, "new-key-hash", NULL);

		if (!mt || !sn || !hash) {
			fprintf(stderr, "usage: portal device key-update --mt MT --sn SN "
			                "--new-key-hash HEX\n");
			return CLI_EXIT_USAGE;
		}
		err = portal_act_key_update(p, op_actor(), mt, sn, hash);
		if (err < 0)
			return refused(p, err);
		out_progress("%s-%s: replacement board key %s recorded; the next key-update "
		             "command binds the server to it",
		             mt, sn, hash);
		out_str("new_key_sha256", hash);
		return CLI_EXIT_OK;
	}
	if (strcmp(sub, "show") == 0 && mt && sn) {
		struct portal_device *d = calloc(1, sizeof(*d));

		if (!d)
			return CLI_EXIT_REFUSED;
		err = portal_db_device_get(portal_db(p), mt, sn, d);
		if (err == 0) {
			out_str("machine_type", d->mt);
			out_str("serial_number", d->sn);
			out_str("status", d->status);
			out_str("owner", d->owner);
			out_str("control", names_control(d->control));
			out_str("transfer_to", d->transfer_to);
			out_str("key_sha256", d->key_sha256);
			out_str("pending_key_sha256", d->new_key_sha256);
			out_int("ready_until", portal_ready_expires(p, mt, sn, utc_now_s()));
		}
		free(d);
		if (err < 0) {
			out_error("NOT_FOUND", "no device %s-%s", mt, sn);
			return CLI_EXIT_REFUSED;
		}
		return CLI_EXIT_OK;
	}
	if (strcmp(sub, "list") == 0) {
		struct portal_actor op;

		portal_actor_operator(&op);
		out_array_begin("devices");
		err = portal_act_devices_each(p, &op, cli_arg(a, "org", NULL), print_device, NULL);
		out_array_end();
		return err < 0 ? CLI_EXIT_REFUSED : CLI_EXIT_OK;
	}
	fprintf(stderr, "usage: portal device manufacture|key-update|show|list ...\n");
	return CLI_EXIT_USAGE;
}

static int cmd_claim(struct portal *p, const struct cli_args *a)
{
	const char *org = cli_arg(a, "org", NULL);
	const char *mt = cli_arg(a, "mt", NULL), *sn = cli_arg(a, "sn", NULL);
	const char *code = cli_arg(a, "code", NULL);
	int err;

	/* --csv: portal-cli-serve.c, through portal_act_claim_csv. */
	if (!org || !mt || !sn || !code) {
		fprintf(stderr, "usage: portal claim --org ORG (--mt MT --sn SN --code CODE | "
		                "--csv FILE)\n");
		return CLI_EXIT_USAGE;
	}
	err = portal_act_claim(p, op_actor(), org, mt, sn, code, utc_now_s());
	if (err < 0)
		return refused(p, err);
	out_progress("%s-%s claimed on the portal by %s; the server learns it with the next "
	             "'claim' over its service port",
	             mt, sn, org);
	out_str("org", org);
	out_str("device", mt);
	out_str("serial_number", sn);
	return CLI_EXIT_OK;
}

static int cmd_transfer(struct portal *p, const struct cli_args *a)
{
	const char *sub = a->npos >= 2 ? a->pos[1] : "";
	struct portal_actor op;
	int err;

	if (strcmp(sub, "start") == 0) {
		const char *from = cli_arg(a, "from", NULL), *csv = cli_arg(a, "out", NULL);
		const char *devs = cli_arg(a, "devices", NULL);
		const char *list[32];
		char buf[1024], phrase[PORTAL_PASSPHRASE_MAX], id[33];
		char *save = NULL;
		size_t n = 0;
		long valid;

		if (!from || !csv || !devs ||
		    cli_arg_long(a, "valid-for", PORTAL_TRANSFER_VALID, &valid) < 0) {
			fprintf(stderr, "usage: portal transfer start --from ORG --devices "
			                "MT-SN[,MT-SN] --out CSV [--valid-for S]\n");
			return CLI_EXIT_USAGE;
		}
		snprintf(buf, sizeof(buf), "%s", devs);
		for (char *t = strtok_r(buf, ", ", &save); t && n < 32;
		     t = strtok_r(NULL, ", ", &save))
			list[n++] = t;
		for (int i = 2; i < a->npos && n < 32; i++)
			list[n++] = a->pos[i];
		portal_actor_operator(&op);
		err = portal_act_transfer_start(p, &op, from, list, n, csv, valid, utc_now_s(),
		                                phrase, id);
		if (err < 0)
			return refused(p, err);
		out_progress("transfer %s of %zu device(s) from %s: give %s and the passphrase "
		             "to the receiving organisation",
		             id, n, from, csv);
		out_progress("  passphrase: %s (valid %ld h)", phrase, valid / 3600);
		out_str("transfer_id", id);
		out_str("csv", csv);
		out_str("passphrase", phrase);
		out_int("valid_for", valid);
		mbedtls_platform_zeroize(phrase, sizeof(phrase));
		return CLI_EXIT_OK;
	}
	if (strcmp(sub, "accept") == 0) {
		const char *to = cli_arg(a, "to", NULL), *csv = cli_arg(a, "csv", NULL);
		const char *phrase = cli_arg(a, "passphrase", NULL);

		if (!to || !csv || !phrase) {
			fprintf(stderr, "usage: portal transfer accept --to ORG --csv CSV "
			                "--passphrase P\n");
			return CLI_EXIT_USAGE;
		}
		portal_actor_operator(&op);
		err = portal_act_transfer_accept(p, &op, to, csv, phrase, utc_now_s());
		if (err < 0)
			return refused(p, err);
		out_progress("transfer accepted by %s; the current owner's org-admin now signs "
		             "'transfer' for each server",
		             to);
		out_str("to", to);
		return CLI_EXIT_OK;
	}
	fprintf(stderr, "usage: portal transfer start|accept ...\n");
	return CLI_EXIT_USAGE;
}

static int read_small(const char *path, uint8_t *buf, size_t cap, size_t *len)
{
	int err = portal_file_read(path, buf, cap, len);

	if (err < 0)
		out_error("BAD_REQUEST", "cannot read %s: %s", path, strerror(-err));
	return err;
}

static int cmd_sign(struct portal *p, const struct cli_args *a)
{
	static uint8_t out[svcport_v1_SignedCommand_size];
	uint8_t chal[svcport_v1_Challenge_size], pub[PKI_PUBKEY_LEN + 1];
	struct portal_sign_req req = {0};
	struct portal_signed info;
	const char *chal_path = cli_arg(a, "challenge", NULL);
	const char *out_path = cli_arg(a, "out", NULL);
	const char *pub_path = cli_arg(a, "device-pubkey", NULL);
	const char *sensors = cli_arg(a, "sensors", NULL);
	size_t chal_len = 0, pub_len = 0, out_len = 0;
	char hex[33];
	int err;

	req.user = cli_arg(a, "user", NULL);
	req.action = names_action_parse(cli_arg(a, "action", NULL));
	if (!req.user || !req.action || !chal_path || !out_path ||
	    cli_arg_long(a, "validity", 0, &req.validity) < 0 ||
	    cli_arg_long(a, "issued-offset", 0, &req.issued_offset) < 0) {
		fprintf(stderr, "usage: portal sign --user U --action ACTION --challenge FILE "
		                "--out FILE [...] (see --help)\n");
		return CLI_EXIT_USAGE;
	}
	if (sensors && cli_sensors_parse(sensors, &req.sensors) < 0) {
		fprintf(stderr, "--sensors wants intrusion=on|off,motion=on|off,steps=N\n");
		return CLI_EXIT_USAGE;
	}
	if (read_small(chal_path, chal, sizeof(chal), &chal_len) < 0)
		return CLI_EXIT_REFUSED;
	if (pub_path) {
		if (read_small(pub_path, pub, sizeof(pub), &pub_len) < 0)
			return CLI_EXIT_REFUSED;
		req.device_pubkey = pub;
		req.device_pubkey_len = pub_len;
	}
	req.challenge = chal;
	req.challenge_len = chal_len;
	req.now = utc_now_s();
	req.force_chain = cli_flag(a, "force-chain");
	req.skip_policy = cli_flag(a, "skip-policy");
	req.forge_untrusted = cli_flag(a, "forge-untrusted");
	req.forge_signature = cli_flag(a, "forge-signature");
	req.forge_device = cli_arg(a, "forge-device", NULL);
	req.forge_control = names_control_parse(cli_arg(a, "forge-control", NULL));
	req.forge_org = cli_arg(a, "forge-org", NULL);
	req.forge_role = names_role_parse(cli_arg(a, "forge-role", NULL));
	if (req.skip_policy || req.forge_untrusted || req.forge_signature || req.forge_device ||
	    req.forge_control || req.forge_org || req.forge_role)
		fprintf(stderr, "*** TEST ONLY: signing WITHOUT the portal's policy checks "
		                "(--skip-policy/--forge-*); a real portal never does this ***\n");
	err = portal_sign(p, &req, out, sizeof(out), &out_len, &info);
	if (err < 0)
		return refused(p, err);
	err = portal_file_write(out_path, out, out_len);
	if (err < 0) {
		out_error("INTERNAL", "cannot write %s: %s", out_path, strerror(-err));
		return CLI_EXIT_REFUSED;
	}
	hex_encode(info.nonce, sizeof(info.nonce), hex);
	out_progress("signed %s for %s-%s by %s (%zu bytes, signer %s)", names_action(req.action),
	             info.device.machine_type, info.device.serial_number, req.user, out_len,
	             info.used_fingerprint ? "named by fingerprint" : "chain included");
	out_str("command", out_path);
	out_str("nonce", hex);
	out_int("bytes", (long long)out_len);
	out_bool("signer_by_fingerprint", info.used_fingerprint);
	out_bool("test_only", info.test_only);
	return CLI_EXIT_OK;
}

static int cmd_receipt(struct portal *p, const struct cli_args *a)
{
	uint8_t buf[svcport_v1_DeviceReceipt_size];
	struct portal_receipt_info info;
	size_t len = 0;
	int err;

	if (a->npos != 2) {
		fprintf(stderr, "usage: portal receipt FILE\n");
		return CLI_EXIT_USAGE;
	}
	if (read_small(a->pos[1], buf, sizeof(buf), &len) < 0)
		return CLI_EXIT_REFUSED;
	err = portal_act_receipt(p, op_actor(), buf, len, &info);
	if (err < 0)
		return refused(p, err);
	out_progress("receipt from %s-%s verified: %s -> %s, device %s, portal status %s",
	             info.body.device.machine_type, info.body.device.serial_number,
	             names_action(info.body.action), names_error(info.body.result),
	             names_lockdown(info.body.new_state), info.status);
	out_str("action", names_action(info.body.action));
	out_str("result", names_error(info.body.result));
	out_str("lockdown_state", names_lockdown(info.body.new_state));
	out_str("status", info.status);
	out_int("counter", (long long)info.body.counter);
	return CLI_EXIT_OK;
}

int cli_portal(int argc, char **argv)
{
	static const char spec[] =
	    "portal= org= role= mt= sn= out= control= blank-board new-key-hash= code= csv= "
	    "from= to= devices= valid-for= passphrase= user= action= challenge= "
	    "device-pubkey= sensors= force-chain validity= issued-offset= skip-policy "
	    "forge-untrusted forge-signature forge-device= forge-control= forge-org= "
	    "forge-role= as= receipt= " PORTAL_CLI_SERVE_OPTS;
	struct cli_args a;
	struct portal *p = NULL;
	const char *cmd;
	int rc;

	if (cli_args_parse(&a, argc - 1, argv + 1, spec) < 0)
		return CLI_EXIT_USAGE;
	if (a.help || a.npos == 0) {
		fputs(portal_usage, a.help ? stdout : stderr);
		return a.help ? CLI_EXIT_OK : CLI_EXIT_USAGE;
	}
	out_init(a.json);
	out_set_quiet(a.quiet);
	cmd = a.pos[0];
	if (out_is_json())
		out_str("command", cmd);
	rc = open_portal(&a, strcmp(cmd, "init") == 0, &p);
	if (rc != CLI_EXIT_OK)
		return out_finish(rc);
	if (cli_portal_admin(p, &a, &rc))
		; /* org list, idp show, device ready */
	else if (cli_portal_manual(p, &a, &rc))
		; /* manual-activate */
	else if (cli_portal_service(p, &a, &rc))
		; /* serve, https, user list/..., claim --csv, audit */
	else if (strcmp(cmd, "init") == 0)
		rc = cmd_init(p, &a);
	else if (strcmp(cmd, "org") == 0)
		rc = cmd_org(p, &a);
	else if (strcmp(cmd, "user") == 0)
		rc = cmd_user(p, &a);
	else if (strcmp(cmd, "device") == 0)
		rc = cmd_device(p, &a);
	else if (strcmp(cmd, "claim") == 0)
		rc = cmd_claim(p, &a);
	else if (strcmp(cmd, "transfer") == 0)
		rc = cmd_transfer(p, &a);
	else if (strcmp(cmd, "sign") == 0)
		rc = cmd_sign(p, &a);
	else if (strcmp(cmd, "receipt") == 0)
		rc = cmd_receipt(p, &a);
	else {
		fprintf(stderr, "unknown portal command '%s'\n%s", cmd, portal_usage);
		rc = CLI_EXIT_USAGE;
	}
	portal_close(p);
	return out_finish(rc);
}
