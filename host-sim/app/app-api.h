/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The phone's side of the portal API: log in over HTTPS (common/ TLS glue,
 * the portal's certificate checked against a trust file), have a challenge
 * signed, hand in a receipt, log out. Synchronous: each call runs a private
 * event loop until its answer (the app is one command per process).
 */
#ifndef SVCPORT_SIM_APP_API_H
#define SVCPORT_SIM_APP_API_H

#include <stddef.h>
#include <stdint.h>

#include "portal.h"

struct app_api;

/* url: https://HOST[:PORT]; cacert: the PEM to trust; the password read from a file. */
int app_api_login(const char *url, const char *cacert, const char *user, const char *password_file,
                  struct app_api **ret) __attribute__((warn_unused_result));
/* Logs out (revokes the token) and frees. NULL is a no-op. */
void app_api_logout(struct app_api *api);

/* POST /api/v1/commands with the request's action, challenge, board key and sensors. */
int app_api_sign(struct app_api *api, const struct portal_sign_req *sr, uint8_t *cmd, size_t cap,
                 size_t *ret_len) __attribute__((warn_unused_result));
/* POST /api/v1/receipts; the device's new portal status into status. */
int app_api_receipt(struct app_api *api, const uint8_t *r, size_t len, char status[16])
    __attribute__((warn_unused_result));

/* The portal's error code and words for the last refusal ("" if none). */
const char *app_api_error(const struct app_api *api);
const char *app_api_why(const struct app_api *api);

#endif
