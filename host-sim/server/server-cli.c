// SPDX-License-Identifier: GPL-2.0-or-later
/* svcport-sim server up|down|status */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <mbedtls/platform_util.h>

#include "cli-args.h"
#include "cli.h"
#include "names.h"
#include "out.h"
#include "portal.h"
#include "server.h"
#include "utc.h"

static const char server_usage[] =
    "usage: svcport-sim server COMMAND --dir DIR [options]\n"
    "  up --dir DIR (--factory FDIR | --portal PDIR --mt MT --sn SN [--control bmc|portal])\n"
    "     [--capture FILE] [--link SPEC]... [--bin-dir BUILD] [--se file|pkcs11]\n"
    "     Starts svcport-bmcd (--init from the factory directory on first start) and\n"
    "     svcportd with ble-sim:DIR/ble.sock and unix:DIR/usb.sock (plus --link SPECs).\n"
    "     Without --factory the portal manufactures the server into DIR/factory.\n"
    "     --usb-unplugged: the service port's cable is out at the first start.\n"
    "     The board's SED AK backup component is DIR/hw/sed-component, fitted at the\n"
    "     first start (--no-sed-component: none); --sed-component-from OLDDIR moves\n"
    "     a stopped server's component to this board (a motherboard replacement).\n"
    "     --se pkcs11: the secure element is a SoftHSM2 token of the server's own\n"
    "     (DIR/softhsm, DIR/se.conf), made at the first start; default: files.\n"
    "  down --dir DIR     stops both daemons\n"
    "  status --dir DIR   shows what runs and the link paths\n"
    "  hw --dir DIR [INPUT VALUE]\n"
    "     The virtual board's hardware inputs, read by svcport-bmcd at each request:\n"
    "     usb-gadget configured|'not attached'|powered (the service port's device\n"
    "     controller: \"configured\" is a cable in, physical presence),\n"
    "     usb-host attached|detached (host mode), chassis-lock engaged|released (the\n"
    "     anti-tampering keylock), cover open|closed (the intrusion switch),\n"
    "     handset-password-reset|handset-revert pressed|released (the diagnostics\n"
    "     handset). Without INPUT VALUE: shows them.\n";

static int up(const struct cli_args *a, const char *dir)
{
	struct server_bins bins;
	struct server_up_opts o = {.dir = dir};
	char factory[PATH_MAX];
	const char *mt = cli_arg(a, "mt", NULL), *sn = cli_arg(a, "sn", NULL);
	int err;

	err = server_bins_find(cli_arg(a, "bin-dir", NULL), &bins);
	if (err < 0) {
		out_error("NOT_FOUND", "svcport-bmcd or svcportd not found (build them, or pass "
		                       "--bin-dir BUILD)");
		return CLI_EXIT_REFUSED;
	}
	o.factory = cli_arg(a, "factory", NULL);
	o.without_ble_sim = cli_flag(a, "no-ble-sim");
	o.without_unix = cli_flag(a, "no-unix");
	o.usb_unplugged = cli_flag(a, "usb-unplugged");
	o.sed_component_from = cli_arg(a, "sed-component-from", NULL);
	o.without_sed_component = cli_flag(a, "no-sed-component");
	o.se_pkcs11 = strcmp(cli_arg(a, "se", "file"), "pkcs11") == 0;
	if (!o.se_pkcs11 && strcmp(cli_arg(a, "se", "file"), "file") != 0) {
		out_error("USAGE", "--se file|pkcs11");
		return CLI_EXIT_USAGE;
	}
	o.capture = cli_arg(a, "capture", NULL);
	for (int i = 0; i < a->n && o.n_extra_links < 4; i++)
		if (a->val[i] && strncmp(a->key[i], "link", 4) == 0)
			o.extra_links[o.n_extra_links++] = a->val[i];
	for (int i = 0; i < a->n && o.n_gateway_args <
	                                (int)(sizeof(o.gateway_args) / sizeof(o.gateway_args[0]));
	     i++)
		if (a->val[i] && strncmp(a->key[i], "gateway-arg", 11) == 0)
			o.gateway_args[o.n_gateway_args++] = a->val[i];
	if (!o.factory && cli_arg(a, "portal", NULL) && mt && sn) {
		struct portal *p = NULL;
		struct portal_manufactured m;

		snprintf(factory, sizeof(factory), "%s/factory", dir);
		if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
			out_error("INTERNAL", "cannot create %s: %s", dir, strerror(errno));
			return CLI_EXIT_REFUSED;
		}
		err = portal_open(cli_arg(a, "portal", NULL), false, &p);
		if (err == 0)
			err = portal_device_manufacture(
			    p, mt, sn, names_control_parse(cli_arg(a, "control", "portal")),
			    factory, false, utc_now_s(), &m);
		if (err < 0) {
			out_error(portal_err_name(err), "manufacturing %s-%s: %s", mt, sn,
			          p ? portal_why(p) : "no portal");
			portal_close(p);
			return CLI_EXIT_REFUSED;
		}
		portal_close(p);
		out_progress("  manufactured %s-%s; activation code on the pull-out tab: %s", mt,
		             sn, m.code);
		out_str("activation_code", m.code);
		mbedtls_platform_zeroize(m.code, sizeof(m.code));
		o.factory = factory;
	}
	out_progress("server up in %s", dir);
	err = server_up(&bins, &o, NULL);
	if (err == -EINVAL) {
		out_error("BAD_REQUEST", "first start needs --factory DIR or --portal/--mt/--sn");
		return CLI_EXIT_USAGE;
	}
	if (err < 0) {
		out_error(err == -EALREADY ? "INVALID_STATE" : "INTERNAL", "server up: %s",
		          err == -EALREADY ? "already running" : strerror(-err));
		return CLI_EXIT_REFUSED;
	}
	out_str("dir", dir);
	out_int("bmcd_pid", server_pid(dir, "bmcd"));
	out_int("svcportd_pid", server_pid(dir, "svcportd"));
	return CLI_EXIT_OK;
}

static int hw(const struct cli_args *a, const char *dir)
{
	static const char *const inputs[] = {"usb-gadget", "usb-host"};
	char value[64];
	int err;

	if (a->npos == 3) {
		err = server_hw_set(dir, a->pos[1], a->pos[2]);
		if (err == -EINVAL) {
			out_error("BAD_REQUEST", "unknown input or value: %s %s (see --help)",
			          a->pos[1], a->pos[2]);
			return CLI_EXIT_USAGE;
		}
		if (err < 0) {
			out_error("INTERNAL", "hw %s: %s", a->pos[1], strerror(-err));
			return CLI_EXIT_REFUSED;
		}
		out_progress("  %s: %s", a->pos[1], a->pos[2]);
	}
	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		if (server_hw_get(dir, inputs[i], value, sizeof(value)) < 0)
			snprintf(value, sizeof(value), "(unreadable)");
		out_progress("  %s = %s", inputs[i], value);
		out_str(inputs[i], value);
	}
	return CLI_EXIT_OK;
}

int cli_server(int argc, char **argv)
{
	static const char spec[] = "dir= factory= portal= mt= sn= control= capture= link= bin-dir= "
	                           "gateway-arg= no-ble-sim no-unix usb-unplugged se= "
	                           "sed-component-from= no-sed-component";
	struct cli_args a;
	const char *dir;
	char path[PATH_MAX];
	int rc;

	if (cli_args_parse(&a, argc - 1, argv + 1, spec) < 0)
		return CLI_EXIT_USAGE;
	if (a.help) {
		fputs(server_usage, stdout);
		return CLI_EXIT_OK;
	}
	dir = cli_arg(&a, "dir", NULL);
	if (!dir || a.npos < 1 ||
	    (strcmp(a.pos[0], "hw") == 0 ? a.npos != 1 && a.npos != 3 : a.npos != 1)) {
		fputs(server_usage, stderr);
		return CLI_EXIT_USAGE;
	}
	out_init(a.json);
	out_set_quiet(a.quiet);
	if (strcmp(a.pos[0], "up") == 0) {
		rc = up(&a, dir);
	} else if (strcmp(a.pos[0], "down") == 0) {
		out_progress("server down in %s", dir);
		rc = server_down(dir) < 0 ? CLI_EXIT_REFUSED : CLI_EXIT_OK;
	} else if (strcmp(a.pos[0], "hw") == 0) {
		rc = hw(&a, dir);
	} else if (strcmp(a.pos[0], "status") == 0) {
		pid_t b = server_pid(dir, "bmcd"), g = server_pid(dir, "svcportd");

		out_progress("server in %s: svcport-bmcd %s, svcportd %s", dir,
		             b ? "running" : "stopped", g ? "running" : "stopped");
		out_int("bmcd_pid", b);
		out_int("svcportd_pid", g);
		snprintf(path, sizeof(path), "ble-sim:%s/ble.sock", dir);
		out_str("ble_link", path);
		snprintf(path, sizeof(path), "unix:%s/usb.sock", dir);
		out_str("usb_link", path);
		snprintf(path, sizeof(path), "%s/admin.sock", dir);
		out_str("admin_socket", path);
		rc = b && g ? CLI_EXIT_OK : CLI_EXIT_REFUSED;
	} else {
		fputs(server_usage, stderr);
		rc = CLI_EXIT_USAGE;
	}
	return out_finish(rc);
}
