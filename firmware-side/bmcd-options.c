// SPDX-License-Identifier: GPL-2.0-or-later
/* svcport-bmcd's command line: usage, options, the --se-config file loaded. */
#include "bmcd-options.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bmcd-host.h"
#include "privdrop.h"
#include "version.h"

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: svcport-bmcd --state-dir DIR --gateway-socket PATH --admin-socket PATH\n"
	        "                    [--gateway-uid UID | --gateway-user NAME] [--user NAME]\n"
	        "                    [--log stderr|syslog] [--ready-fd N] [--foreground]\n"
	        "                    [--usb-udc UDC|PATH] [--usb-port PATH] [--hw-sim DIR]\n"
	        "                    [--host-socket PATH] [--host-uid UID] [--se-config FILE]\n"
	        "                    [--link-dir DIR] [--mgmt-addresses FILE]\n"
	        "                    [--intrusion-alarm PATH] [--sed-component DIR]\n"
	        "                    [--sed-component-key DIR]\n"
	        "       svcport-bmcd --init --factory DIR --state-dir DIR [--force]\n"
	        "                    [--se-config FILE]\n"
	        "       svcport-bmcd --help | --version\n\n"
	        "The BMC half of svcport: verifies portal-signed commands, keeps the keys and\n"
	        "lockdown state in DIR; foreground, stderr unless --log syslog; --ready-fd N:\n"
	        "\"ready\\n\" once listening (and READY=1 to $NOTIFY_SOCKET). Root drops every\n"
	        "capability (--user NAME: runs as NAME). Hardware inputs: --usb-udc, --usb-port\n"
	        "or --hw-sim. --host-socket (default: host.sock beside the admin socket) serves\n"
	        "the host firmware of uid --host-uid. --se-config FILE: the secure element is\n"
	        "the PKCS#11 token it names (docs/deploy.md); none: files in DIR/se.\n"
	        "--link-dir DIR: the link credentials for the gateway's network links\n"
	        "(link.key, link-chain.pem, link-internal-chain.pem, ca-statement.pb;\n"
	        "docs/certs.md);\n"
	        "--mgmt-addresses FILE: the BMC's management addresses, one a line, which\n"
	        "the link certificate names (watched).\n"
	        "--intrusion-alarm PATH: the chassis-intrusion latch (hwmon intrusionN_alarm).\n"
	        "--sed-component DIR: the SED AK's automatic backup component (a store apart\n"
	        "from the board's; default with --hw-sim: DIR/sed-component of its folder);\n"
	        "only its sealed box is there. Its key: the PKCS#11 token, or the file store\n"
	        "--sed-component-key DIR (the component's chip; with --hw-sim\n"
	        "DIR/sed-component-key; else DIR/se of the state: a board swap leaves it).\n"
	        "See svcport-bmcd(8) and docs/bmc.md.\n");
}

static const struct option bmcd_opts[] = {
    {"state-dir", required_argument, NULL, 's'},
    {"gateway-socket", required_argument, NULL, 'g'},
    {"admin-socket", required_argument, NULL, 'a'},
    {"gateway-uid", required_argument, NULL, 'u'},
    {"gateway-user", required_argument, NULL, 'U'},
    {"user", required_argument, NULL, 'n'},
    {"foreground", no_argument, NULL, 'f'},
    {"log", required_argument, NULL, 'l'},
    {"ready-fd", required_argument, NULL, 'r'},
    {"init", no_argument, NULL, 'i'},
    {"factory", required_argument, NULL, 'F'},
    {"force", no_argument, NULL, 'x'},
    {"usb-udc", required_argument, NULL, 'D'},
    {"usb-port", required_argument, NULL, 'P'},
    {"hw-sim", required_argument, NULL, 'S'},
    {"host-socket", required_argument, NULL, 'H'},
    {"host-uid", required_argument, NULL, 'O'},
    {"se-config", required_argument, NULL, 'C'},
    {"link-dir", required_argument, NULL, 'L'},
    {"intrusion-alarm", required_argument, NULL, 'I'},
    {"sed-component", required_argument, NULL, 'K'},
    {"sed-component-key", required_argument, NULL, 'J'},
    {"mgmt-addresses", required_argument, NULL, 'M'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {0},
};

/* A decimal number up to max into *ret. 0, or 2 (said on stderr). */
static int parse_number(const char *arg, const char *option, unsigned long max, unsigned long *ret)
{
	char *end;

	errno = 0;
	*ret = strtoul(arg, &end, 10);
	if (errno || *end || !*arg || *arg == '-' || *ret > max) {
		fprintf(stderr, "svcport-bmcd: --%s: not a number\n", option);
		return 2;
	}
	return 0;
}

/* --gateway-uid/--host-uid: a number into *ret_uid. 0, or 2 (said on stderr). */
static int parse_uid(const char *arg, const char *option, uid_t *ret_uid)
{
	unsigned long v;
	int ret = parse_number(arg, option, (uid_t)-2, &v); /* (uid_t)-1: no user */

	if (ret == 0)
		*ret_uid = (uid_t)v;
	return ret;
}

/* o->host_path (bmcd-host.h). 0, or 2 if it is too long. */
static int host_path_set(struct options *o)
{
	if (bmcd_host_path(o->host_path, sizeof(o->host_path), o->host_arg, o->admin_path) < 0) {
		fprintf(stderr, "svcport-bmcd: the host socket's path is too long\n");
		return 2;
	}
	return 0;
}

/* --se-config FILE: the secure element's configuration, loaded now. 0 or -1. */
static int se_config_set(struct options *o, const char *path)
{
	char err[256];

	if (se_config_load(path, &o->se, err, sizeof(err)) < 0) {
		fprintf(stderr, "svcport-bmcd: --se-config: %s\n", err);
		return -1;
	}
	o->has_se = true;
	return 0;
}

/* The options that only name a file, folder or user: true if opt is one (set). */
static bool path_option_set(int opt, struct options *o)
{
	const struct {
		int opt;
		const char **dst;
	} paths[] = {
	    {'s', &o->state_dir},
	    {'g', &o->gw_path},
	    {'a', &o->admin_path},
	    {'H', &o->host_arg},
	    {'n', &o->user},
	    {'F', &o->factory},
	    {'D', &o->presence.usb_udc},
	    {'P', &o->presence.usb_port},
	    {'S', &o->presence.hw_sim},
	    {'I', &o->presence.intrusion_alarm},
	    {'K', &o->sed_component},
	    {'J', &o->sed_component_key},
	    {'L', &o->link_dir},
	    {'M', &o->mgmt_addresses},
	};

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		if (paths[i].opt == opt) {
			*paths[i].dst = optarg;
			return true;
		}
	}
	return false;
}

int bmcd_options_parse(int argc, char **argv, struct options *o)
{
	int opt;

	*o = (struct options){.ready_fd = -1, .gateway_uid = getuid(), .host_uid = getuid()};
	while ((opt = getopt_long(argc, argv, "h", bmcd_opts, NULL)) != -1) {
		if (path_option_set(opt, o))
			continue;
		switch (opt) {
		case 'u':
		case 'O':
			if (parse_uid(optarg, opt == 'u' ? "gateway-uid" : "host-uid",
			              opt == 'u' ? &o->gateway_uid : &o->host_uid))
				return 2;
			break;
		case 'U':
			if (privdrop_uid_of(optarg, &o->gateway_uid) < 0) {
				fprintf(stderr, "svcport-bmcd: --gateway-user: no user '%s'\n",
				        optarg);
				return 2;
			}
			break;
		case 'f':
			o->foreground = true;
			break;
		case 'l':
			o->log_kind = optarg;
			if (strcmp(optarg, "stderr") != 0 && strcmp(optarg, "syslog") != 0) {
				fprintf(stderr, "svcport-bmcd: --log stderr|syslog\n");
				return 2;
			}
			break;
		case 'r': {
			unsigned long fd;

			/* Not atoi: a typo would be fd 0, and "ready" written to stdin. */
			if (parse_number(optarg, "ready-fd", INT_MAX, &fd))
				return 2;
			o->ready_fd = (int)fd;
			break;
		}
		case 'i':
			o->init = true;
			break;
		case 'x':
			o->force = true;
			break;
		case 'C':
			if (se_config_set(o, optarg) < 0)
				return 2;
			break;
		case 'h':
			usage(stdout);
			return -1;
		case 'V':
			puts("svcport-bmcd " SVCPORT_VERSION);
			return -1;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc || !o->state_dir || (o->init && !o->factory) ||
	    (!o->init && (!o->gw_path || !o->admin_path)) ||
	    (o->presence.hw_sim &&
	     (o->presence.usb_udc || o->presence.usb_port || o->presence.intrusion_alarm))) {
		usage(stderr);
		return 2;
	}
	return o->init ? 0 : host_path_set(o);
}

/* path made absolute and resolved where it exists (a folder not made yet: as given). */
static void resolved(const char *path, char out[PATH_MAX])
{
	if (!realpath(path, out))
		snprintf(out, PATH_MAX, "%s", path);
}

/* True if a is b or a folder under b. */
static bool is_within(const char *a, const char *b)
{
	size_t n = strlen(b);

	while (n > 1 && b[n - 1] == '/')
		n--;
	return strncmp(a, b, n) == 0 && (a[n] == 0 || a[n] == '/' || (n == 1 && b[0] == '/'));
}

int bmcd_component_paths_check(const char *component, const char *key)
{
	char c[PATH_MAX], k[PATH_MAX];

	if (!component || !key)
		return 0;
	resolved(component, c);
	resolved(key, k);
	if (!is_within(k, c) && !is_within(c, k))
		return 0;
	fprintf(stderr,
	        "svcport-bmcd: --sed-component-key %s: the component's key may not be in its "
	        "folder %s (whoever takes the component would read the AK): give the key "
	        "store of the component's chip\n",
	        key, component);
	return -1;
}
