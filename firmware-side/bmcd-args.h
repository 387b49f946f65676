/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * svcport-bmcd's command line: the options and their parser (bmcd.c runs them).
 */
#ifndef SVCPORT_BMCD_ARGS_H
#define SVCPORT_BMCD_ARGS_H

#include <stdbool.h>
#include <sys/types.h>

/* What the command line asks for. */
struct options {
	const char *state_dir, *gw_path, *admin_path, *factory, *log_kind;
	const char *usb_udc, *usb_port, *hw_sim; /* presence sources (hwin.h) */
	bool init, force, foreground;
	int ready_fd;
	uid_t gateway_uid;
};

/* Fills o from argv. 0, or the exit code (2: usage printed to stderr; -1:
 * --help or --version printed, exit 0). */
int bmcd_parse_options(int argc, char **argv, struct options *o);

#endif
