// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * API: the device-facing endpoints of online activation (docs/portal-api.md,
 * docs/online.md). No session: the device is who its TLS client certificate
 * and its device-signed CA statement say. Bodies are protobuf, so the
 * gateway needs no JSON; refusals are the API's JSON errors.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "names.h"
#include "portal-api.h"
#include "portal-online.h"
#include "utc.h"

/* The certificate the client proved in the TLS handshake (either config in use). */
static void peer_of(struct api_req *r, struct portal_peer *peer)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(r->req);
	struct tls_conn *c = tls_evhttp_conn(evcon, r->srv->tls);

	if (!c && r->srv->tls_prev)
		c = tls_evhttp_conn(evcon, r->srv->tls_prev);
	peer->cert = c ? tls_conn_peer_cert(c, 0, &peer->cert_len) : NULL;
	snprintf(peer->addr, sizeof(peer->addr), "%s", r->actor.addr);
}

/* A refusal; RATE_LIMITED says how long to wait, in the body and in Retry-After. */
static int refused(struct api_req *r, json_t **ret, int err, long retry_after)
{
	int status = api_error(r, ret, err);

	if (retry_after > 0) {
		json_object_set_new(*ret, "retry_after", json_integer(retry_after));
		r->retry_after = retry_after;
	}
	return status;
}

static int h_activation(struct api_req *r, json_t **ret)
{
	struct portal_peer peer = {0};
	size_t len = 0;
	long retry = 0;
	int err;

	if (!r->is_protobuf)
		return api_bad(ret, "send application/x-protobuf: an OnlineActivationRequest");
	r->raw = malloc(svcport_v1_SignedCommand_size);
	if (!r->raw)
		return api_error(r, ret, -ENOMEM);
	peer_of(r, &peer);
	err =
	    portal_online_activate(r->p, &peer, (const uint8_t *)r->body, r->body_len, utc_now_s(),
	                           r->raw, svcport_v1_SignedCommand_size, &len, &retry);
	if (err < 0) {
		free(r->raw);
		r->raw = NULL;
		return refused(r, ret, err, retry);
	}
	r->raw_len = len;
	return 200;
}

static int h_receipt(struct api_req *r, json_t **ret)
{
	struct portal_peer peer = {0};
	struct portal_receipt_info info;
	long retry = 0;
	int err;

	if (!r->is_protobuf)
		return api_bad(ret, "send application/x-protobuf: a DeviceReceipt");
	peer_of(r, &peer);
	err = portal_online_receipt(r->p, &peer, (const uint8_t *)r->body, r->body_len, utc_now_s(),
	                            &info, &retry);
	if (err < 0)
		return refused(r, ret, err, retry);
	*ret = json_pack("{s:s, s:s, s:s, s:s}", "action", names_action(info.body.action), "result",
	                 names_error(info.body.result), "state",
	                 names_lockdown(info.body.new_state), "status", info.status);
	return 200;
}

const struct api_route api_routes_online[] = {
    {EVHTTP_REQ_POST, "device/activation", false, h_activation},
    {EVHTTP_REQ_POST, "device/receipt", false, h_receipt},
    {0, NULL, false, NULL},
};
