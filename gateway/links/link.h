/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The gateway's links behind one interface (STYLE: transports side by side,
 * like Zephyr's smp_bt.c / smp_uart.c). A link spec is "scheme:argument":
 *   ble:hciN        BLE GATT server on an adapter        (link-ble.c)
 *   ble-sim:PATH    raw ATT PDUs over unix SOCK_SEQPACKET (link-sim.c)
 *   tty:PATH        USB-CDC byte stream on a tty         (link-cdc.c)
 *   unix:PATH       the same stream on a unix listener   (link-cdc.c)
 *   usb:VID:PID     libusb host mode, CDC-ACM device     (link-usbhost.c)
 *   https:ADDR:PORT Frames over HTTPS, management network (link-https.c)
 *   portal:https://IP:PORT  outbound online activation   (link-portal*.c)
 * Every link opens its device or socket in open() (before the privilege
 * drop), creates one session per connection in ctx->sessions, and logs one
 * line per event.
 */
#ifndef SVCPORT_LINK_H
#define SVCPORT_LINK_H

#include <stdbool.h>
#include <stdint.h>

struct loop;
struct capture;
struct session_table;
struct session_limits;
struct link;

/* What every link gets from the daemon; everything outlives the links. */
struct link_ctx {
	struct loop *loop;
	struct session_table *sessions;
	struct capture *capture; /* NULL: no capture */
	uint32_t max_message;    /* largest Frame accepted */
	/* start_ms and the progress rule (session_progress_deadline) */
	const struct session_limits *limits;
	int ble_security;               /* BT_SECURITY_* for ble: */
	const char *ble_name;           /* advertised short name / GAP device name */
	const char *link_dir;           /* https:, portal: bmcd's link credentials ("": none) */
	const char *https_allow_origin; /* https: the one cross origin allowed ("": none) */
	/* portal: (docs/online.md): the anchors it trusts ("": none), its back-off. */
	const char *portal_trust;
	uint32_t portal_retry_min_ms;
	uint32_t portal_retry_max_ms;
};

struct link_ops {
	const char *scheme;
	/* arg is the text after "scheme:". Returns 0 or a negative errno after
	 * logging a clear, explanatory message. */
	int (*open)(const struct link_ctx *ctx, const char *arg, struct link **ret_link);
	void (*free)(struct link *link);
};

/* Every link object starts with this. */
struct link {
	const struct link_ops *ops;
};

extern const struct link_ops link_ble_ops;
extern const struct link_ops link_ble_sim_ops;
extern const struct link_ops link_tty_ops;
extern const struct link_ops link_unix_ops;
extern const struct link_ops link_usb_ops;
extern const struct link_ops link_https_ops;
extern const struct link_ops link_portal_ops;

/* Parses spec and opens the link; -EINVAL (logged) for an unknown scheme. */
int link_open(const struct link_ctx *ctx, const char *spec, struct link **ret_link)
    __attribute__((warn_unused_result));
/* NULL: no-op. */
void link_free(struct link *link);

/* For links: binds and listens on a unix socket of type (SOCK_STREAM or
 * SOCK_SEQPACKET) at path, replacing a stale socket file but never another
 * kind of file. Non-blocking, close-on-exec. */
int link_unix_listen(const char *path, int type, int *ret_fd) __attribute__((warn_unused_result));

#endif
