/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The phone's side of a link: whole messages (encoded Frames) in and out.
 *   ble-sim:PATH    unix SOCK_SEQPACKET carrying ATT PDUs, GATT client on top
 *   ble:hciN[/ADDR] L2CAP LE ATT channel; the peer found by scanning for the
 *                   svcport service UUID (and ADDR if given)
 *   unix:PATH       unix stream carrying the USB-CDC framing (COBS + CRC-32)
 *   tty:PATH        a tty (pty or /dev/ttyACM0) carrying the same framing
 *   fd:N            the same framing on an inherited fd (a test's pty master)
 * Blocking, one message at a time: a command-line client.
 */
#ifndef SVCPORT_SIM_APP_LINK_H
#define SVCPORT_SIM_APP_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define APP_LINK_MSG_MAX 8192 /* SEG_DEFAULT_MAX: largest message either side sends */

struct app_link_opts {
	uint16_t mtu;        /* GATT: ATT MTU offered (23..517), 0: 517 */
	int scan_timeout_ms; /* ble: how long to scan */
	bool no_scan;        /* ble: connect to ADDR without scanning */
	/* Progress for people (may be NULL). */
	void (*note)(const char *msg, void *user_data);
	void *user_data;
};

struct app_link_info {
	const char *kind; /* "ble-sim", "ble", "unix", "tty" */
	bool is_gatt;
	uint16_t mtu;  /* GATT: the negotiated ATT_MTU */
	char peer[32]; /* ble: the address connected to */
};

struct app_link;

/* Opens and prepares the link (GATT: MTU exchange, discovery, CCCD). */
int app_link_open(const char *spec, const struct app_link_opts *opts, struct app_link **ret)
    __attribute__((warn_unused_result));
void app_link_close(struct app_link *l);
void app_link_get_info(const struct app_link *l, struct app_link_info *ret);

int app_link_send(struct app_link *l, const uint8_t *msg, size_t len)
    __attribute__((warn_unused_result));
/* -ETIMEDOUT when nothing whole arrived in timeout_ms; -ECONNRESET on hang-up. */
int app_link_recv(struct app_link *l, uint8_t *buf, size_t cap, size_t *ret_len, int timeout_ms)
    __attribute__((warn_unused_result));
/* GATT only: the INFO characteristic (encoded LinkInfo); -EOPNOTSUPP otherwise. */
int app_link_read_info(struct app_link *l, uint8_t *buf, size_t cap, size_t *ret_len)
    __attribute__((warn_unused_result));

/* Per-transport back ends (app-link-*.c). */
struct app_link_ops {
	int (*send)(struct app_link *l, const uint8_t *msg, size_t len);
	int (*recv)(struct app_link *l, uint8_t *buf, size_t cap, size_t *ret_len, int timeout_ms);
	int (*read_info)(struct app_link *l, uint8_t *buf, size_t cap, size_t *ret_len);
	void (*close)(struct app_link *l);
};

struct app_link {
	const struct app_link_ops *ops;
	struct app_link_info info;
	int fd;
	void *priv;
};

/* Progress for people through opts->note (a no-op without one). */
void app_link_note(const struct app_link_opts *opts, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Connects a unix socket of type (SOCK_STREAM, SOCK_SEQPACKET) to path;
 * returns the fd or -errno. */
int app_link_unix_connect(const char *path, int type) __attribute__((warn_unused_result));
int app_link_cdc_open(struct app_link *l, const char *kind, const char *path)
    __attribute__((warn_unused_result));
/* Takes a connected ATT fd (ownership passes to l, closed by app_link_close). */
int app_link_gatt_open(struct app_link *l, int fd, const struct app_link_opts *opts)
    __attribute__((warn_unused_result));
/* ble:hciN[/ADDR]: scans and connects, returns the connected ATT fd. */
int app_link_ble_connect(const char *arg, const struct app_link_opts *opts, char peer[32],
                         int *ret_fd) __attribute__((warn_unused_result));

#endif
