/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by app.c (flows, CLI) and app-rpc.c (exchanges) only. */
#ifndef SVCPORT_SIM_APP_INTERNAL_H
#define SVCPORT_SIM_APP_INTERNAL_H

#include <stdint.h>

#include "app-api.h"
#include "app-link.h"
#include "cli-args.h"
#include "portal.h"
#include "svcport.pb.h"

struct app {
	struct app_link *link;
	struct portal *portal;
	struct app_api *api; /* --portal-url: the portal service over HTTPS */
	const struct cli_args *args;
	uint32_t next_id;
	int timeout_ms;
	long retries;
	uint8_t buf[APP_LINK_MSG_MAX];
	svcport_v1_Frame frame;
	/* The last Error the device answered with (ERROR_NONE if none). */
	svcport_v1_ErrorCode error;
	/* The emergency reset's one-time key pair (app-otp.c), wiped once used. */
	uint8_t otp_priv[32], otp_pub[65];
	bool has_otp_key;
};

/*
 * One request/response exchange. Events that arrive meanwhile are shown;
 * responses to other ids are skipped. On a timeout the same bytes (same id)
 * are sent again, at most a->retries times. 0 or a negative errno (link).
 */
int app_call(struct app *a, const svcport_v1_Request *req, svcport_v1_Response *resp)
    __attribute__((warn_unused_result));
/* app_call that obeys short RATE_LIMITED back-offs (new id after waiting). */
int app_call_polite(struct app *a, const svcport_v1_Request *req, svcport_v1_Response *resp)
    __attribute__((warn_unused_result));
/* app_call_polite expecting a response of type want; errors are reported
 * (out_error) and returned negative; a->error keeps the device's ErrorCode. */
int app_call_expect(struct app *a, const svcport_v1_Request *req, svcport_v1_Response *resp,
                    pb_size_t want, const char *what) __attribute__((warn_unused_result));
/* Reports the device's Error (name + plain words) and returns -EPERM. */
int app_report_refusal(struct app *a, const svcport_v1_Error *e);
/* Reports a link failure and returns err. */
int app_report_link_failure(const char *what, int err);

/* app-portal.c: --portal-url, the portal service over HTTPS. */
bool app_is_api(const struct app *a);
int app_sign_api(struct app *a, const struct portal_sign_req *sr, uint8_t *cmd, size_t cap,
                 size_t *cmd_len) __attribute__((warn_unused_result));
int app_receipt_api(struct app *a, const uint8_t *r, size_t len)
    __attribute__((warn_unused_result));

/* app-otp.c: the emergency reset's key pair into sr; the box opened and shown once. */
int app_otp_prepare(struct app *a, struct portal_sign_req *sr) __attribute__((warn_unused_result));
int app_otp_show(struct app *a, const svcport_v1_SignedCommand *sc,
                 const svcport_v1_CommandResult *cr) __attribute__((warn_unused_result));

#endif
