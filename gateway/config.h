/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * svcportd configuration: a key=value file (--config) and the command line,
 * with the same names (file "idle-timeout = 30s" is "--idle-timeout 30s").
 * The command line wins; links given there replace the file's links.
 * Durations take a unit: "250ms", "30s" (no unit: seconds).
 */
#ifndef SVCPORT_GW_CONFIG_H
#define SVCPORT_GW_CONFIG_H

#include <stdbool.h>
#include <stdio.h>

#include "paths.h"
#include "sysfilter.h"
#include "session.h"

#define GW_LINKS_MAX 16
#define GW_PATH_MAX  256

struct gw_config {
	char links[GW_LINKS_MAX][GW_PATH_MAX];
	unsigned n_links;
	char bmc_socket[GW_PATH_MAX];
	char capture[GW_PATH_MAX]; /* empty: no capture */
	uint64_t capture_max;      /* bytes per capture file (two files rotate) */
	char user[64];             /* empty: root keeps "svcport", others stay as they are */
	char ble_name[30];
	char link_dir[GW_PATH_MAX];           /* https:, portal: bmcd's exported link credentials */
	char https_allow_origin[GW_PATH_MAX]; /* https: the web app's origin for CORS ("": none) */
	int ble_security;                     /* 1 low, 2 medium, 3 high (BT_SECURITY_*) */
	struct session_limits limits;
	bool use_syslog;
	bool verbose;
	int ready_fd; /* -1: none */
	/* The portal: link's trust list and back-off (docs/online.md); link_dir above. */
	char portal_trust[GW_PATH_MAX]; /* empty: none (a portal: link then refuses to start) */
	uint32_t portal_retry_min_ms;   /* first wait after a failed attempt, default 5 s */
	uint32_t portal_retry_max_ms;   /* the longest wait, and the idle re-check, default 300 s */
	enum gw_seccomp seccomp;
};

/* The sanitizer build runs without the filter by default (LeakSanitizer needs
 * ptrace at exit); CMake sets GW_SECCOMP_DEFAULT there. */
#ifndef GW_SECCOMP_DEFAULT
#define GW_SECCOMP_DEFAULT GW_SECCOMP_KILL
#endif

#define GW_DEFAULT_BMC_SOCKET "/run/svcport/bmcd.sock"
#define GW_DEFAULT_USER       "svcport"
/* Read when it exists and no --config is given; --config /dev/null reads none. */
#define GW_DEFAULT_CONFIG SVCPORT_CONF_DIR "/svcportd.conf"

void gw_config_default(struct gw_config *cfg);

/*
 * Parses argv (with --config FILE read first, wherever it appears, or else
 * GW_DEFAULT_CONFIG if that file exists). Returns
 * 0, 1 when --help was printed to out, or -EINVAL after printing a clear
 * message to err.
 */
int gw_config_parse(struct gw_config *cfg, int argc, char **argv, FILE *out, FILE *err)
    __attribute__((warn_unused_result));

#endif
