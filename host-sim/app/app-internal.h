/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared by the files of svcport-sim app: app.c (the command line, the run), app-flows.c
 * (what libsvcport-client asks and tells), app-report.c (what a flow did), app-portal.c (the portal
 * service over HTTPS), app-cache.c (the GATT cache file of a returning phone).
 */
#ifndef SVCPORT_SIM_APP_INTERNAL_H
#define SVCPORT_SIM_APP_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "app-api.h"
#include "app-link.h"
#include "app-session.h"
#include "cli-args.h"
#include "portal.h"
#include "svcport-client.h"
#include "svcport.pb.h"

/* What a flow's done told, copied out of the callback. */
struct app_result {
	bool is_done; /* done was called */
	int status;
	enum svcport_client_error error;
	uint32_t retry_after_ms;
	char detail[128];
	bool has_info;
	struct svcport_client_device_info info;
	uint8_t receipt[svcport_v1_DeviceReceipt_size];
	size_t receipt_len;
	enum svcport_client_error receipt_result;
	bool password_shown;
};

struct app {
	struct app_link *link;
	struct app_session *session;
	struct portal *portal;
	struct app_api *api; /* --portal-url: the portal service over HTTPS */
	const struct cli_args *args;
	svcport_v1_SensorSettings sensors; /* --sensors */
	const char *cache_path;            /* --gatt-cache */
	int scan_timeout_ms;               /* --scan-timeout */
	struct svcport_client_link_info link_info;
	struct app_result res;
	bool stopped;     /* --challenge-only: stopped after the challenge, as asked */
	bool is_reported; /* the flow's failure was reported where it happened */
};

/* app-flows.c: the client's callbacks (user_data: the app). */
void app_on_sign(struct svcport_client *c, const struct svcport_client_sign_request *req,
                 void *user_data);
void app_on_secret(struct svcport_client *c, enum svcport_client_secret kind, const char *text,
                   void *user_data);
void app_on_state(struct svcport_client *c, const struct svcport_client_state *st, void *user_data);
void app_on_done(struct svcport_client *c, const struct svcport_client_result *r, void *user_data);
/* The in-process portal (--portal DIR, $SVCPORT_PORTAL), opened once. */
int app_open_portal(struct app *a) __attribute__((warn_unused_result));

/* app-report.c. After a flow: the receipt to the portal, what happened; 0 or -errno
 * (reported). */
int app_report(struct app *a, enum svcport_client_flow flow, int status);
/* Reports a link failure and returns err. */
int app_report_link_failure(const char *what, int err);

/* app-portal.c: --portal-url, the portal service over HTTPS. */
bool app_is_api(const struct app *a);
int app_sign_api(struct app *a, const struct portal_sign_req *sr, uint8_t *cmd, size_t cap,
                 size_t *cmd_len) __attribute__((warn_unused_result));
int app_receipt_api(struct app *a, const uint8_t *r, size_t len)
    __attribute__((warn_unused_result));

/* app-cache.c: --gatt-cache FILE. Loads it into ret (false: none usable). */
bool app_cache_load(const char *path, struct svcport_client_gatt_cache *ret);
/* callbacks.cache_update: stores the cache in a->cache_path, or removes the file. */
void app_on_cache(struct svcport_client *c, const struct svcport_client_gatt_cache *cache,
                  void *user_data);

#endif
