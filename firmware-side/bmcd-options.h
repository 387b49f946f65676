/* SPDX-License-Identifier: GPL-2.0-or-later */
/* svcport-bmcd's command line (bmcd-options.c): what it asks for. */
#ifndef SVCPORT_BMCD_OPTIONS_H
#define SVCPORT_BMCD_OPTIONS_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include "presence.h"
#include "se.h"

/* What the command line asks for. */
struct options {
	const char *state_dir, *gw_path, *admin_path, *factory, *log_kind, *user;
	const char *host_arg;            /* --host-socket */
	const char *link_dir;            /* --link-dir: the link credentials' export */
	const char *sed_component;       /* --sed-component: the SED AK backup component */
	const char *sed_component_key;   /* --sed-component-key: its key's file store */
	const char *mgmt_addresses;      /* --mgmt-addresses: the link certificate's SANs */
	char host_path[PATH_MAX];        /* it, or host.sock beside the admin socket */
	struct presence_config presence; /* --usb-udc, --usb-port, --hw-sim */
	struct se_config se;             /* --se-config FILE, loaded */
	bool has_se;
	bool init, force, foreground;
	int ready_fd;
	uid_t gateway_uid, host_uid;
};

/* Parses argv into o. 0, or the exit code (2: usage; -1: --help or --version printed, exit 0). */
int bmcd_options_parse(int argc, char **argv, struct options *o)
    __attribute__((warn_unused_result));
/*
 * The component's key folder may not be the component's folder, nor lie inside it
 * (or hold it): box and key on one medium are readable offline by whoever takes the
 * component (re-attack 13c, M3). NULL paths pass. 0, or -1 (said on stderr).
 */
int bmcd_component_paths_check(const char *component, const char *key);

#endif
