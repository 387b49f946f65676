/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The benchmarks' world: a temporary folder with a simulated portal (host-sim's
 * svcport-sim-core: PKI, organisation "acme" with a user per role, manufacturing, claims)
 * and virtual servers, each a real svcport-bmcd + svcportd pair on a ble-sim: and a unix:
 * link, started by host-sim's server_up() (with the daemons' pids, the lifted flood limit,
 * the heap counter's environment, and dying with the benchmark).
 * Start-up waits on each daemon's --ready-fd, never on a sleep.
 *
 * Cleanup: world_fini() stops every server still up and removes the folder; it is also
 * registered with atexit() and run on SIGINT/SIGTERM, so a failed run leaves nothing behind.
 */
#ifndef SVCPORT_BENCH_WORLD_H
#define SVCPORT_BENCH_WORLD_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include "portal.h"
#include "server.h"

#define WORLD_MT         "7X21"
#define WORLD_ORG        "acme"
#define WORLD_ADMIN      "alice" /* org-admin: claim, promote, transfer, sensors */
#define WORLD_EDGE       "eddie" /* edge-user: claim, activate */
#define WORLD_MAINT      "mona"  /* maintenance: emergency reset, key update */
#define WORLD_SERVER_MAX 4

struct world_server {
	bool up;
	pid_t bmcd, gwd;
	char dir[PATH_MAX];
	char ble[PATH_MAX + 16]; /* "ble-sim:DIR/ble.sock" */
	char usb[PATH_MAX + 16]; /* "unix:DIR/usb.sock" */
	char admin[PATH_MAX];    /* bmcd's admin socket */
	/* Heap counters (malloc-count.so) of each daemon, or "" when not counted. */
	char heap_bmcd[PATH_MAX], heap_gwd[PATH_MAX];
	char env_preload[PATH_MAX + 32], env_heap_dir[PATH_MAX + 32];
	const char *env[3];
	char label_password[PORTAL_LABEL_PW_MAX]; /* the board's initial admin password */
};

struct world_device {
	char sn[32];
	char factory[PATH_MAX];
	char label_password[PORTAL_LABEL_PW_MAX]; /* printed on the board's label */
	char code[PORTAL_CODE_MAX]; /* secure activation code (not for a blank board) */
	char key_sha256[65];        /* the board's QR code */
};

struct world {
	char tmp[PATH_MAX];
	char portal_dir[PATH_MAX];
	struct portal *portal;
	struct server_bins bins;
	char heap_preload[PATH_MAX]; /* malloc-count.so, "" when not available */
	int n_devices;
	struct world_server servers[WORLD_SERVER_MAX];
};

/*
 * Makes the folder and the portal (init, org, users). Binaries are found as
 * svcport-sim finds them ($SVCPORT_BMCD, $SVCPORT_SVCPORTD, $SVCPORT_BMCCTL override).
 */
int world_init(struct world *w) __attribute__((warn_unused_result));
void world_fini(struct world *w);

/*
 * Manufactures a portal-managed server (claimed by acme at the portal when claim is true)
 * or, with blank, a replacement board (key only).
 */
int world_device_new(struct world *w, bool blank, bool claim, struct world_device *ret)
    __attribute__((warn_unused_result));

struct world_server_opts {
	bool heap_count;   /* LD_PRELOAD malloc-count.so into both daemons */
	bool ble_presence; /* bmcctl: password set + policy ble-presence true */
};

/* bmcd --init from the factory folder, then both daemons; *ret points into w. */
int world_server_up(struct world *w, const struct world_device *d,
                    const struct world_server_opts *o, struct world_server **ret)
    __attribute__((warn_unused_result));
void world_server_down(struct world_server *s);

/* Runs svcport-bmcctl against s with the given arguments (NULL-terminated). */
int world_bmcctl(struct world *w, struct world_server *s, const char *const *args)
    __attribute__((warn_unused_result));

struct world_heap {
	unsigned long long allocs; /* malloc, calloc, realloc, aligned allocations */
	unsigned long long frees;  /* of non-NULL pointers */
	unsigned long long bytes;  /* requested by those allocations */
};

/* Reads a daemon's heap counter file (malloc-count.h). */
int world_heap_read(const char *path, struct world_heap *ret) __attribute__((warn_unused_result));

#endif
