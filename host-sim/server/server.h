/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A virtual edge server: svcport-bmcd (initialised from a factory directory)
 * and svcportd with a ble-sim and a unix link, all under one directory:
 *   DIR/state/  bmcd state      DIR/bmcd.sock   gateway <-> bmcd
 *   DIR/admin.sock  bmcctl      DIR/ble.sock    ble-sim link
 *   DIR/usb.sock    unix link (the USB-CDC stream)
 *   DIR/host.sock   bmcd's host interface (the host firmware: svcport-sim host)
 *   DIR/hw/     the board's hardware inputs (bmcd --hw-sim), e.g. usb-gadget
 *   DIR/bmcd.pid DIR/svcportd.pid  DIR/bmcd.log DIR/svcportd.log
 * Start-up is synchronised on each daemon's --ready-fd, never on a sleep.
 */
#ifndef SVCPORT_SIM_SERVER_H
#define SVCPORT_SIM_SERVER_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct server_bins {
	char bmcd[PATH_MAX];
	char bmcctl[PATH_MAX];
	char gatewayd[PATH_MAX];
};

/* Finds the binaries under bin_dir (a build tree), or next to this program,
 * or else those of the install svcport-sim belongs to (sbindir, bindir). */
int server_bins_find(const char *bin_dir, struct server_bins *ret)
    __attribute__((warn_unused_result));

struct server_up_opts {
	const char *dir;
	const char *factory;        /* factory directory for bmcd --init */
	const char *capture;        /* btsnoop file, or NULL */
	const char *extra_links[4]; /* more svcportd --link specs (e.g. tty:/dev/pts/N) */
	int n_extra_links;
	bool without_ble_sim;           /* leave out the default ble-sim:DIR/ble.sock link */
	bool without_unix;              /* leave out the default unix:DIR/usb.sock link */
	const char *sed_component_from; /* move that server's SED AK backup component here */
	bool without_sed_component;     /* no component fitted (first start) */
	const char *gateway_args[12];   /* passed to svcportd as they are (e.g. --rate 100) */
	int n_gateway_args;
	int ready_timeout_ms;
	/* NAME=value set in both daemons' environment (e.g. LD_PRELOAD), NULL-ended. */
	const char *const *env;
	/* The daemons die with this process (PR_SET_PDEATHSIG) instead of
	 * living on in their own session: for benchmarks and tests. */
	bool die_with_parent;
	/* The service port's cable is out at the first start (DIR/hw/usb-gadget
	 * "not attached"); by default it is in ("configured"). */
	bool usb_unplugged;
	/* The secure element is a SoftHSM2 token of the server's own (made at the
	 * first start; a server folder keeps its back-end). */
	bool se_pkcs11;
};

/* server-token.c: the server's token (DIR/softhsm, DIR/se.conf). */
bool server_token_is_used(const char *dir);
/* Makes it once. 0, -ENOENT (softhsm2 not installed) or -errno. */
int server_token_make(const char *dir) __attribute__((warn_unused_result));
/* DIR/se.conf (PATH_MAX + 16) and "SOFTHSM2_CONF=..." (PATH_MAX + 48). */
void server_token_paths(const char *dir, char *conf, char *softhsm_env);

/* What server_up started. */
struct server_pids {
	pid_t bmcd, gatewayd;
};

/* Initialises DIR/state from the factory folder the first time, then starts
 * bmcd and svcportd and waits until both are ready. ret_pids may be NULL.
 * 0, -EALREADY (running), -EINVAL (not initialised and no factory), -EIO
 * (--init failed), -ETIMEDOUT, -ECHILD (a daemon exited) or -errno. */
int server_up(const struct server_bins *bins, const struct server_up_opts *o,
              struct server_pids *ret_pids) __attribute__((warn_unused_result));
/* Stops both daemons (SIGTERM, waits for each to exit). */
int server_down(const char *dir) __attribute__((warn_unused_result));
/* pid of "bmcd" or "svcportd" if running, else 0. */
pid_t server_pid(const char *dir, const char *name);

/*
 * A daemon's log (DIR/svcportd.log, DIR/bmcd.log): its size now, where a wait
 * for what comes next starts; and waiting, with inotify and at most timeout_ms,
 * until a line past offset from holds needle: 0 and the offset after that line
 * in *ret_at (may be NULL), -ETIMEDOUT, or -errno.
 */
long server_log_size(const char *path);
int server_log_wait(const char *path, long from, const char *needle, int timeout_ms, long *ret_at)
    __attribute__((warn_unused_result));

/*
 * The virtual board's hardware inputs (firmware-side/hw/hwin.h), which bmcd
 * reads at each request: what a technician's hands do (plugging the cable)
 * is set here, never through a console command. server_hw_dir: DIR/hw into
 * out (PATH_MAX), created. server_hw_set: one input ("usb-gadget",
 * "usb-host") to a value its real counterpart shows ("configured", "not
 * attached", ...; "attached", "detached"): 0, -EINVAL (unknown input or
 * value) or -errno. server_hw_get: the value, "(none)" if never set.
 */
int server_hw_dir(const char *dir, char *out) __attribute__((warn_unused_result));
/* hw/sed-component, the board's automatic SED AK backup component (bmcd's --hw-sim
 * folder): fitted at the first start unless none; from_dir: moved from that (stopped)
 * server's board, as a technician moves the module to a replacement board. 0 or
 * -errno (-EEXIST: this board already has one; -ENOENT: the old one has none). */
/* DIR/hw/latch: where the cover's latch is kept (bmcd's to clear). 0 or -errno. */
int server_hw_latch_dir(const char *hw) __attribute__((warn_unused_result));
int server_hw_sed_component(const char *hw, const char *from_dir, bool none)
    __attribute__((warn_unused_result));
int server_hw_set(const char *dir, const char *input, const char *value)
    __attribute__((warn_unused_result));
/* The board's management addresses as its network configuration keeps them (bmcd
 * --mgmt-addresses, docs/certs.md): DIR/net/mgmt-addresses into out (PATH_MAX), made
 * the first time with the loopback's (127.0.0.1, ::1, localhost: the https: link of
 * the simulator listens there). Edit the file and bmcd issues the link certificate
 * again. 0 or -errno. */
int server_hw_mgmt_addresses(const char *dir, char *out) __attribute__((warn_unused_result));
int server_hw_get(const char *dir, const char *input, char *value, size_t cap)
    __attribute__((warn_unused_result));

#endif
