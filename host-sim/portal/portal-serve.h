/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `svcport-sim portal serve`: the portal as an HTTPS service. One libevent
 * loop, evhttp on the TLS glue of common/, a JSON API under /api/v1/
 * (portal-api*.c, docs/portal-api.md), the admin pages and the technician's
 * web app as static files from configurable roots. Limits are set once at
 * start (header and body size, timeouts, connections), after bitcoin's
 * httpserver.cpp; every request ends in exactly one reply.
 */
#ifndef SVCPORT_SIM_PORTAL_SERVE_H
#define SVCPORT_SIM_PORTAL_SERVE_H

#include <stdint.h>

#include "portal-https.h"

struct portal;

#define PORTAL_SERVE_PORT        8443
#define PORTAL_SERVE_HEADERS_MAX 8192
#define PORTAL_SERVE_BODY_MAX    (512 * 1024) /* a CSV upload of PORTAL_CSV_MAX, in JSON */
#define PORTAL_SERVE_TIMEOUT_S   10           /* per read/write: slow clients are dropped */
#define PORTAL_SERVE_CONNS       64
#define PORTAL_STATIC_MAX        (2 * 1024 * 1024)

struct portal_serve_opts {
	const char *addr;                /* default 127.0.0.1 */
	uint16_t port;                   /* default PORTAL_SERVE_PORT; 0: any free port */
	struct portal_https_names names; /* SANs; filled from addr if empty */
	const char *portal_root;         /* admin pages (web/portal), NULL: none */
	const char *phone_root;          /* the technician's web app (web/phone), NULL: none */
	int ready_fd;                    /* >= 0: "PORT\n" written once listening, then closed */
	unsigned handshake_ms;           /* TLS handshake limit; 0: the glue's default */
	unsigned io_timeout_s;           /* evhttp read/write timeout; 0: PORTAL_SERVE_TIMEOUT_S */
};

/* Runs until SIGINT/SIGTERM. Progress on stderr (it is the daemon's edge). */
int portal_serve(struct portal *p, struct portal_serve_opts *o) __attribute__((warn_unused_result));

#endif
