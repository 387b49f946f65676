// SPDX-License-Identifier: GPL-2.0-or-later
/* The phone's HTTPS client of the portal API (see app-api.h). */
#include "app-api.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <jansson.h>
#include <mbedtls/base64.h>
#include <mbedtls/platform_util.h>

#include "https-client.h"
#include "names.h"

#define TOKEN_MAX 64

struct app_api {
	struct event_base *base;
	struct tls_config *tls;
	struct https_client *http;
	char token[TOKEN_MAX];
	char error[32];
	char why[400];
	/* The answer of the request in flight. */
	int err;
	int status;
	json_t *body;
};

static void done_cb(int err, const struct https_response *r, void *ud)
{
	struct app_api *api = ud;
	json_error_t jerr;

	api->err = err;
	api->status = r ? r->status : 0;
	api->body = r ? json_loadb((const char *)r->body, r->body_len, 0, &jerr) : NULL;
	event_base_loopbreak(api->base);
}

/* One JSON exchange; 0 with api->body (an object) for a 2xx, else -errno with why. */
static int call(struct app_api *api, const char *method, const char *path, json_t *req)
{
	char auth[TOKEN_MAX + 32];
	const char *headers[3] = {"Content-Type: application/json", NULL, NULL};
	char *text = req ? json_dumps(req, JSON_COMPACT) : NULL;
	struct https_request hr = {.method = method,
	                           .path = path,
	                           .headers = headers,
	                           .body = text,
	                           .body_len = text ? strlen(text) : 0};
	int err;

	json_decref(api->body);
	api->body = NULL;
	api->error[0] = api->why[0] = '\0';
	if (api->token[0]) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", api->token);
		headers[1] = auth;
	}
	err = https_client_request(api->http, &hr, done_cb, api);
	if (err == 0) {
		event_base_dispatch(api->base);
		err = api->err;
	}
	if (text) {
		mbedtls_platform_zeroize(text, strlen(text)); /* passwords */
		free(text);
	}
	mbedtls_platform_zeroize(auth, sizeof(auth));
	if (err < 0) {
		snprintf(api->error, sizeof(api->error), "PORTAL_UNREACHABLE");
		snprintf(api->why, sizeof(api->why), "%s", https_client_why(api->http));
		return err;
	}
	if (!json_is_object(api->body)) {
		snprintf(api->error, sizeof(api->error), "INTERNAL");
		snprintf(api->why, sizeof(api->why), "HTTP %d without a JSON answer", api->status);
		return -EPROTO;
	}
	if (api->status / 100 != 2) {
		snprintf(api->error, sizeof(api->error), "%s",
		         json_string_value(json_object_get(api->body, "error")) ?: "REFUSED");
		snprintf(api->why, sizeof(api->why), "%s",
		         json_string_value(json_object_get(api->body, "detail")) ?: "");
		return -EPERM;
	}
	return 0;
}

/* https://HOST[:PORT][/] into host and port. */
static int url_parse(const char *url, char host[TLS_NAME_MAX], uint16_t *port)
{
	const char *h = url, *end;
	long p = 443;

	if (strncmp(h, "https://", 8) != 0)
		return -EINVAL;
	h += 8;
	end = h[0] == '[' ? strchr(h, ']') : h + strcspn(h, ":/");
	if (!end || end == h || (size_t)(end - h) >= TLS_NAME_MAX)
		return -EINVAL;
	snprintf(host, TLS_NAME_MAX, "%.*s", (int)(end - h - (h[0] == '[')), h + (h[0] == '['));
	end += *end == ']';
	if (*end == ':') {
		char *e = NULL;

		p = strtol(end + 1, &e, 10);
		if (!e || (*e && *e != '/') || p < 1 || p > 65535)
			return -EINVAL;
	}
	*port = (uint16_t)p;
	return 0;
}

static int password_read(const char *path, char *out, size_t cap)
{
	FILE *f = fopen(path, "re");
	int err = 0;

	if (!f)
		return -errno;
	if (!fgets(out, (int)cap, f))
		err = -EINVAL;
	fclose(f);
	out[strcspn(out, "\r\n")] = '\0';
	return err;
}

int app_api_login(const char *url, const char *cacert, const char *user, const char *password_file,
                  struct app_api **ret)
{
	struct app_api *api = calloc(1, sizeof(*api));
	char host[TLS_NAME_MAX], pw[160];
	uint16_t port = 0;
	json_t *req;
	int err;

	if (!api)
		return -ENOMEM;
	api->base = event_base_new();
	err = api->base ? url_parse(url, host, &port) : -ENOMEM;
	if (err == 0)
		err = tls_config_client_new(cacert, NULL, &api->tls);
	if (err == 0)
		err = https_client_new(api->base, api->tls, host, port, &api->http);
	if (err == 0)
		err = password_read(password_file, pw, sizeof(pw));
	if (err < 0) {
		snprintf(api->error, sizeof(api->error), "BAD_REQUEST");
		snprintf(api->why, sizeof(api->why), "portal %s, trust %s, password file %s: %s",
		         url, cacert, password_file, strerror(-err));
		*ret = api;
		return err;
	}
	req = json_pack("{s:s, s:s}", "user", user, "password", pw);
	mbedtls_platform_zeroize(pw, sizeof(pw));
	err = call(api, "POST", "/api/v1/login", req);
	json_decref(req);
	if (err == 0)
		snprintf(api->token, sizeof(api->token), "%s",
		         json_string_value(json_object_get(api->body, "token")) ?: "");
	*ret = api;
	return err;
}

void app_api_logout(struct app_api *api)
{
	if (!api)
		return;
	if (api->token[0] && api->http)
		(void)call(api, "POST", "/api/v1/logout", NULL);
	mbedtls_platform_zeroize(api->token, sizeof(api->token));
	json_decref(api->body);
	https_client_free(api->http);
	if (api->tls)
		tls_config_shutdown(api->tls);
	if (api->base)
		event_base_loop(api->base, EVLOOP_NONBLOCK);
	tls_config_unref(api->tls);
	if (api->base)
		event_base_free(api->base);
	free(api);
}

static json_t *b64(const uint8_t *data, size_t len)
{
	unsigned char out[4096];
	size_t olen = 0;

	if (mbedtls_base64_encode(out, sizeof(out), &olen, data, len) != 0)
		return NULL;
	return json_stringn((const char *)out, olen);
}

int app_api_sign(struct app_api *api, const struct portal_sign_req *sr, uint8_t *cmd, size_t cap,
                 size_t *ret_len)
{
	json_t *req = json_pack("{s:s, s:o}", "action", names_action(sr->action), "challenge",
	                        b64(sr->challenge, sr->challenge_len));
	const char *c;
	int err;

	if (sr->device_pubkey_len)
		json_object_set_new(req, "device_pubkey",
		                    b64(sr->device_pubkey, sr->device_pubkey_len));
	if (sr->force_chain) /* the device evicted the signer: the chain this time */
		json_object_set_new(req, "force_chain", json_true());
	if (sr->ephemeral_pubkey_len)
		json_object_set_new(req, "ephemeral_pubkey",
		                    b64(sr->ephemeral_pubkey, sr->ephemeral_pubkey_len));
	if (sr->action == svcport_v1_Action_ACTION_CONFIGURE_SENSORS)
		json_object_set_new(req, "sensors",
		                    json_pack("{s:b, s:b, s:i}", "intrusion",
		                              sr->sensors.intrusion_enabled, "motion",
		                              sr->sensors.motion_enabled, "motion_steps",
		                              (int)sr->sensors.motion_step_threshold));
	err = call(api, "POST", "/api/v1/commands", req);
	json_decref(req);
	if (err < 0)
		return err;
	c = json_string_value(json_object_get(api->body, "command"));
	if (!c ||
	    mbedtls_base64_decode(cmd, cap, ret_len, (const unsigned char *)c, strlen(c)) != 0) {
		snprintf(api->error, sizeof(api->error), "INTERNAL");
		snprintf(api->why, sizeof(api->why), "the portal's answer has no command");
		return -EPROTO;
	}
	return 0;
}

int app_api_receipt(struct app_api *api, const uint8_t *r, size_t len, char status[16])
{
	json_t *req = json_pack("{s:o}", "receipt", b64(r, len));
	int err = call(api, "POST", "/api/v1/receipts", req);

	json_decref(req);
	if (err == 0)
		snprintf(status, 16, "%s",
		         json_string_value(json_object_get(api->body, "status")) ?: "");
	return err;
}

const char *app_api_error(const struct app_api *api)
{
	return api->error;
}

const char *app_api_why(const struct app_api *api)
{
	return api->why;
}
