// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * svcport-bmcd's command line (bmcd-args.h).
 */
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bmcd-args.h"
#include "version.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: svcport-bmcd --state-dir DIR --gateway-socket PATH --admin-socket PATH\n"
	           "                    [--gateway-uid UID | --gateway-user NAME]\n"
	           "                    [--log stderr|syslog] [--ready-fd N] [--foreground]\n"
	           "                    [--usb-udc UDC|PATH] [--usb-port PATH] [--hw-sim DIR]\n"
	           "       svcport-bmcd --init --factory DIR --state-dir DIR [--force]\n"
	           "       svcport-bmcd --help | --version\n"
	           "\n"
	           "The BMC half of svcport: verifies portal-signed commands and keeps the\n"
	           "device's keys and lockdown state in DIR. --ready-fd N writes \"ready\\n\" to\n"
	           "fd N once both sockets listen (and $NOTIFY_SOCKET gets READY=1). bmcd stays\n"
	           "in the foreground (--foreground is accepted, for older scripts) and logs\n"
	           "to stderr unless --log syslog. USB presence is confirmed from the hardware:\n"
	           "--usb-udc (the gadget port's /sys/class/udc/UDC/state reads \"configured\"),\n"
	           "--usb-port (host mode: the port's device, e.g. /sys/bus/usb/devices/1-1,\n"
	           "exists); none given: never. --hw-sim DIR: the simulator's virtual hardware\n"
	           "(its simulated links accepted). See svcport-bmcd(8).\n");
}

/* --gateway-user NAME: the uid the unit cannot know in advance (sysusers
 * allocates it at install time). */
static int resolve_gateway_user(const char *name, uid_t *ret_uid)
{
	struct passwd *pw = getpwnam(name);

	if (!pw) {
		fprintf(stderr, "svcport-bmcd: --gateway-user: no user '%s'\n", name);
		return -ESRCH;
	}
	*ret_uid = pw->pw_uid;
	return 0;
}

int bmcd_parse_options(int argc, char **argv, struct options *o)
{
	static const struct option opts[] = {
	    {"state-dir", required_argument, NULL, 's'},
	    {"gateway-socket", required_argument, NULL, 'g'},
	    {"admin-socket", required_argument, NULL, 'a'},
	    {"gateway-uid", required_argument, NULL, 'u'},
	    {"gateway-user", required_argument, NULL, 'U'},
	    {"foreground", no_argument, NULL, 'f'},
	    {"log", required_argument, NULL, 'l'},
	    {"ready-fd", required_argument, NULL, 'r'},
	    {"init", no_argument, NULL, 'i'},
	    {"factory", required_argument, NULL, 'F'},
	    {"force", no_argument, NULL, 'x'},
	    {"usb-udc", required_argument, NULL, 'D'},
	    {"usb-port", required_argument, NULL, 'P'},
	    {"hw-sim", required_argument, NULL, 'S'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {0},
	};
	char *end;
	int opt;

	*o = (struct options){.ready_fd = -1, .gateway_uid = getuid()};
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			o->state_dir = optarg;
			break;
		case 'g':
			o->gw_path = optarg;
			break;
		case 'a':
			o->admin_path = optarg;
			break;
		case 'u':
			errno = 0;
			o->gateway_uid = (uid_t)strtoul(optarg, &end, 10);
			if (errno || *end || !*optarg) {
				fprintf(stderr, "svcport-bmcd: --gateway-uid: not a number\n");
				return 2;
			}
			break;
		case 'U':
			if (resolve_gateway_user(optarg, &o->gateway_uid) < 0)
				return 2;
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
		case 'r':
			o->ready_fd = atoi(optarg);
			break;
		case 'i':
			o->init = true;
			break;
		case 'F':
			o->factory = optarg;
			break;
		case 'x':
			o->force = true;
			break;
		case 'D':
			o->usb_udc = optarg;
			break;
		case 'P':
			o->usb_port = optarg;
			break;
		case 'S':
			o->hw_sim = optarg;
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
	    (o->hw_sim && (o->usb_udc || o->usb_port))) {
		usage(stderr);
		return 2;
	}
	return 0;
}
