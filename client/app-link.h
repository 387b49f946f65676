/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The phone's side of a link for svcport-sim app, the benchmarks and the tests: opens the
 * transport and hands its fd to libsvcport-client (app-session.h), which does the rest.
 *   ble-sim:PATH    unix SOCK_SEQPACKET carrying ATT PDUs           (SVCPORT_CLIENT_LINK_ATT)
 *   ble:hciN[/ADDR] L2CAP LE ATT channel; the peer found by scanning
 *                   for the svcport service UUID (and ADDR if given) (SVCPORT_CLIENT_LINK_ATT)
 *   unix:PATH       unix stream carrying the USB-CDC byte stream     (SVCPORT_CLIENT_LINK_CDC)
 *   tty:PATH        a tty (pty or /dev/ttyACM0), raw                  (SVCPORT_CLIENT_LINK_CDC)
 *   fd:N            the CDC stream on an inherited fd (a test's pty master)
 *   https:HOST:PORT svcportd's management-network link: the CDC stream through a
 *                   bridge process that carries each Frame in an HTTPS POST
 *                   (app-link-https.c)                               (SVCPORT_CLIENT_LINK_CDC)
 */
#ifndef SVCPORT_SIM_APP_LINK_H
#define SVCPORT_SIM_APP_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct app_link_opts {
	int scan_timeout_ms; /* ble: how long to scan */
	bool no_scan;        /* ble: connect to ADDR without scanning */
	const char *ca_file; /* https: the PEM bundle to trust (the BMC's internal CA) */
	/* Progress for people (may be NULL). */
	void (*note)(const char *msg, void *user_data);
	void *user_data;
};

struct app_link_info {
	const char *kind; /* "ble-sim", "ble", "unix", "tty", "fd", "https" */
	bool is_att;      /* one ATT PDU per read and write; else a byte stream (CDC) */
	char peer[32];    /* ble: the address connected to */
};

struct app_link {
	struct app_link_info info;
	int fd;
	int bridge_pid; /* https: the bridge process, waited for by app_link_close; 0: none */
};

/* Opens the transport of spec; -EOPNOTSUPP for usb: (the phone as a USB host is not
 * simulated), -EINVAL for an unknown kind. */
int app_link_open(const char *spec, const struct app_link_opts *opts, struct app_link **ret)
    __attribute__((warn_unused_result));
/* Closes the fd and frees; NULL is a no-op. */
void app_link_close(struct app_link *l);
void app_link_get_info(const struct app_link *l, struct app_link_info *ret);

/* Progress for people through opts->note (a no-op without one). */
void app_link_note(const struct app_link_opts *opts, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Connects a unix socket of type (SOCK_STREAM, SOCK_SEQPACKET) to path;
 * returns the fd or -errno. */
int app_link_unix_connect(const char *path, int type) __attribute__((warn_unused_result));
/* unix:, tty:, fd: (kind "unix", "tty", "fd"): the CDC stream's fd into l. */
int app_link_cdc_open(struct app_link *l, const char *kind, const char *path)
    __attribute__((warn_unused_result));
/* https:HOST:PORT: starts the bridge; l->fd is the app's end of the CDC stream. */
int app_link_https_open(struct app_link *l, const char *arg, const struct app_link_opts *o)
    __attribute__((warn_unused_result));
/* ble:hciN[/ADDR]: scans and connects, returns the connected ATT fd. */
int app_link_ble_connect(const char *arg, const struct app_link_opts *opts, char peer[32],
                         int *ret_fd) __attribute__((warn_unused_result));

#endif
