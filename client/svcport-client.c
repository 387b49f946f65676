// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libsvcport-client (svcport-client.h): the client object, the wiring of its I/O-free
 * parts (core/msglink.h carries messages, core/rpc.h exchanges them), the app's bytes,
 * clock and randomness, and the names. The flows are in svcport-client-flow.c and
 * svcport-client-sign.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#include "names.h"
#include "svcport-client-int.h"

/* ---------------------------------------------------------------- randomness */

static int drbg_setup(struct svcport_client *c)
{
	static const unsigned char pers[] = "svcport-client";

	mbedtls_entropy_init(&c->entropy);
	mbedtls_ctr_drbg_init(&c->drbg);
	if (mbedtls_ctr_drbg_seed(&c->drbg, mbedtls_entropy_func, &c->entropy, pers,
	                          sizeof(pers) - 1) != 0) {
		mbedtls_ctr_drbg_free(&c->drbg);
		mbedtls_entropy_free(&c->entropy);
		return -EIO;
	}
	c->has_drbg = true;
	return 0;
}

int client_random(struct svcport_client *c, uint8_t *buf, size_t len)
{
	int r;

	if (c->cb.random)
		return c->cb.random(buf, len, c->cb.user_data);
	if (!c->has_drbg && (r = drbg_setup(c)) < 0)
		return r;
	return mbedtls_ctr_drbg_random(&c->drbg, buf, len) == 0 ? 0 : -EIO;
}

int client_pwbox_rng(void *rng_ctx, unsigned char *buf, size_t len)
{
	/* mbedTLS f_rng convention: 0 or an mbedTLS error. */
	return client_random(rng_ctx, buf, len) == 0 ? 0
	                                             : MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
}

/* ---------------------------------------------------------------- link and rpc glue */

static int64_t clock_ms(void *user_data)
{
	struct svcport_client *c = user_data;

	return c->cb.now_ms(c->cb.user_data);
}

static int att_send(const uint8_t *pdu, size_t len, void *user_data)
{
	struct svcport_client *c = user_data;

	return c->cb.att_send(pdu, len, c->cb.user_data);
}

static int gatt_write(const uint8_t *value, size_t len, void *user_data)
{
	struct svcport_client *c = user_data;

	return c->cb.gatt_write(value, len, c->cb.user_data);
}

static int gatt_read_info(void *user_data)
{
	struct svcport_client *c = user_data;

	return c->cb.gatt_read_info(c->cb.user_data);
}

static int cdc_write(const uint8_t *bytes, size_t len, void *user_data)
{
	struct svcport_client *c = user_data;

	return c->cb.cdc_write(bytes, len, c->cb.user_data);
}

static void on_connected(int err, const uint8_t *info, size_t len, void *user_data)
{
	flow_connected(user_data, err, info, len);
}

static void on_message(const uint8_t *msg, size_t len, void *user_data)
{
	struct svcport_client *c = user_data;

	rpc_input(c->rpc, msg, len);
}

static void on_sent(int err, void *user_data)
{
	struct svcport_client *c = user_data;

	rpc_sent(c->rpc, err);
}

static void on_down(int err, void *user_data)
{
	struct svcport_client *c = user_data;

	c->is_lost = true;
	rpc_abort(c->rpc);
	if (c->flow)
		client_end(c, err);
}

static void on_cache(const struct msglink_cache *lc, void *user_data)
{
	struct svcport_client *c = user_data;
	struct svcport_client_gatt_cache gc;

	if (!c->cb.cache_update)
		return;
	if (!lc) {
		c->cb.cache_update(c, NULL, c->cb.user_data);
		return;
	}
	memcpy(gc.db_hash, lc->hash, sizeof(gc.db_hash));
	gc.svc_start = lc->handles.svc_start;
	gc.svc_end = lc->handles.svc_end;
	gc.rx = lc->handles.rx;
	gc.tx = lc->handles.tx;
	gc.tx_ccc = lc->handles.tx_ccc;
	gc.info = lc->handles.info;
	c->cb.cache_update(c, &gc, c->cb.user_data);
}

static int rpc_send(const uint8_t *frame, size_t len, void *user_data)
{
	struct svcport_client *c = user_data;

	return msglink_send(c->link, frame, len);
}

static void on_response(const svcport_v1_Response *resp, void *user_data)
{
	flow_response(user_data, resp);
}

static void on_failed(int err, void *user_data)
{
	struct svcport_client *c = user_data;

	if (c->flow)
		client_end(c, err);
}

static void on_event(const svcport_v1_Event *ev, void *user_data)
{
	struct svcport_client *c = user_data;
	struct svcport_client_state st;

	if (ev->which_body != svcport_v1_Event_state_changed_tag || !c->cb.state_changed)
		return;
	st.lockdown = (enum svcport_client_lockdown)ev->body.state_changed.lockdown_state;
	st.led = (enum svcport_client_led)ev->body.state_changed.security_led;
	st.control = (enum svcport_client_control)ev->body.state_changed.control_mode;
	c->cb.state_changed(c, &st, c->cb.user_data);
}

/* ---------------------------------------------------------------- life */

void svcport_client_config_init(struct svcport_client_config *cfg, enum svcport_client_link link)
{
	*cfg = (struct svcport_client_config){
	    .link = link,
	    .att_mtu = 517,
	    .att_timeout_ms = MSGLINK_ATT_TIMEOUT,
	    .gatt_value_len = 20,
	    .timeout_ms = 5000,
	    .retries = 2,
	    .backoff_max_ms = 3000,
	    .backoff_tries = 3,
	};
}

static int make_link(struct svcport_client *c)
{
	const struct svcport_client_gatt_cache *gc = c->cfg.cache;
	struct msglink_cache lc;
	struct msglink_config lcfg = {
	    .kind = (enum msglink_kind)c->cfg.link,
	    .att_mtu = c->cfg.att_mtu,
	    .att_write_cmd = c->cfg.att_write_without_response,
	    .att_timeout_ms = c->cfg.att_timeout_ms,
	    .gatt_value_len = c->cfg.gatt_value_len,
	};
	struct msglink_ops ops = {
	    .att_send = c->cb.att_send ? att_send : NULL,
	    .gatt_write = c->cb.gatt_write ? gatt_write : NULL,
	    .gatt_read_info = c->cb.gatt_read_info ? gatt_read_info : NULL,
	    .cdc_write = c->cb.cdc_write ? cdc_write : NULL,
	    .now_ms = clock_ms,
	    .connected = on_connected,
	    .message = on_message,
	    .sent = on_sent,
	    .down = on_down,
	    .cache = on_cache,
	    .user_data = c,
	};

	if (gc) {
		memcpy(lc.hash, gc->db_hash, sizeof(lc.hash));
		lc.handles = (struct gattc_handles){gc->svc_start, gc->svc_end, gc->rx,
		                                    gc->tx,        gc->tx_ccc,  gc->info};
		lcfg.cache = &lc;
	}
	return msglink_new(&lcfg, &ops, &c->link);
}

static int make_rpc(struct svcport_client *c)
{
	struct rpc_config rcfg = {c->cfg.timeout_ms, c->cfg.retries, c->cfg.backoff_max_ms,
	                          c->cfg.backoff_tries};
	struct rpc_ops ops = {
	    .send = rpc_send,
	    .response = on_response,
	    .failed = on_failed,
	    .event = on_event,
	    .now_ms = clock_ms,
	    .user_data = c,
	};
	uint32_t first = 0;
	int r;

	/* Ids start anywhere: a new phone session never meets an id the gateway cached. */
	r = client_random(c, (uint8_t *)&first, sizeof(first));
	if (r < 0)
		return r;
	return rpc_new(&rcfg, &ops, first % 0x7fff0000u + 1, &c->rpc);
}

int svcport_client_new(const struct svcport_client_config *cfg,
                       const struct svcport_client_callbacks *cb, struct svcport_client **ret)
{
	struct svcport_client *c;
	int r = -ENOMEM;

	if (!cb->now_ms || !cb->done || cfg->timeout_ms == 0)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->cfg = *cfg;
	c->cfg.cache = NULL;
	c->cb = *cb;
	c->submit = calloc(1, sizeof(*c->submit));
	c->body = calloc(1, sizeof(*c->body));
	c->board_cert = malloc(1024);
	if (!c->submit || !c->body || !c->board_cert)
		goto fail;
	c->cfg.cache = cfg->cache;
	r = make_link(c);
	c->cfg.cache = NULL;
	if (r == 0)
		r = make_rpc(c);
	if (r < 0)
		goto fail;
	*ret = c;
	return 0;
fail:
	svcport_client_free(c);
	return r;
}

void svcport_client_free(struct svcport_client *c)
{
	if (!c)
		return;
	sign_wipe(c);
	msglink_free(c->link);
	rpc_free(c->rpc);
	if (c->has_drbg) {
		mbedtls_ctr_drbg_free(&c->drbg);
		mbedtls_entropy_free(&c->entropy);
	}
	free(c->submit);
	free(c->body);
	free(c->board_cert);
	mbedtls_platform_zeroize(c, sizeof(*c));
	free(c);
}

/* ---------------------------------------------------------------- flows: start and end */

void client_end(struct svcport_client *c, int status)
{
	struct svcport_client_result res = c->res;

	res.flow = c->flow;
	res.status = status;
	if (!res.detail)
		res.detail = "";
	if (!res.new_owner)
		res.new_owner = "";
	c->flow = 0;
	c->step = STEP_NONE;
	c->is_signing = false;
	sign_wipe(c);
	memset(&c->res, 0, sizeof(c->res));
	c->cb.done(c, &res, c->cb.user_data);
}

void client_refused(struct svcport_client *c, const svcport_v1_Error *e)
{
	c->res.error = (enum svcport_client_error)e->code;
	c->res.retry_after_ms = e->retry_after_ms;
	snprintf(c->detail, sizeof(c->detail), "%s", e->detail);
	c->res.detail = c->detail;
	client_end(c, -EREMOTEIO);
}

int client_call(struct svcport_client *c, enum client_step step, pb_size_t which)
{
	int r;

	c->req.which_body = which;
	c->step = step;
	r = rpc_call(c->rpc, &c->req);
	memset(&c->req, 0, sizeof(c->req));
	return r;
}

int svcport_client_connect(struct svcport_client *c)
{
	int r;

	if (c->flow || c->is_connected || c->is_lost)
		return -EALREADY;
	c->flow = SVCPORT_CLIENT_FLOW_CONNECT;
	c->step = STEP_LINK;
	if (c->cfg.link == SVCPORT_CLIENT_LINK_CDC && msglink_is_up(c->link)) {
		/* GetLinkInfo was refused (RATE_LIMITED, say): ask again. */
		flow_connected(c, 0, NULL, 0);
		return 0;
	}
	r = msglink_connect(c->link);
	if (r < 0 && c->flow) {
		c->flow = 0;
		c->step = STEP_NONE;
	}
	return r;
}

int svcport_client_start(struct svcport_client *c, enum svcport_client_flow flow)
{
	if (c->is_lost || !c->is_connected)
		return -ENOTCONN;
	if (c->flow)
		return -EBUSY;
	return flow_begin(c, flow);
}

int svcport_client_cancel(struct svcport_client *c)
{
	if (!c->flow)
		return -EALREADY;
	if (c->flow == SVCPORT_CLIENT_FLOW_CONNECT)
		c->is_lost = true; /* a set-up half done is no link to go on with */
	rpc_abort(c->rpc);
	client_end(c, -ECANCELED);
	return 0;
}

/* ---------------------------------------------------------------- the app's bytes and time */

int svcport_client_input(struct svcport_client *c, const uint8_t *data, size_t len)
{
	return msglink_input(c->link, data, len);
}

int svcport_client_gatt_write_done(struct svcport_client *c, int err)
{
	return msglink_gatt_write_done(c->link, err);
}

int svcport_client_gatt_info(struct svcport_client *c, int err, const uint8_t *value, size_t len)
{
	return msglink_gatt_info(c->link, err, value, len);
}

void svcport_client_link_lost(struct svcport_client *c)
{
	bool was_up = msglink_is_up(c->link);

	msglink_lost(c->link);
	c->is_lost = true;
	if (!was_up && c->flow) /* the set-up ended through on_connected already */
		client_end(c, -ECONNRESET);
}

int64_t svcport_client_next_wakeup(const struct svcport_client *c)
{
	int64_t a = msglink_deadline(c->link), b = rpc_deadline(c->rpc);

	if (a < 0)
		return b;
	return b < 0 || a < b ? a : b;
}

void svcport_client_tick(struct svcport_client *c)
{
	msglink_tick(c->link);
	rpc_tick(c->rpc);
}

void svcport_client_get_stats(const struct svcport_client *c, struct svcport_client_stats *ret)
{
	struct rpc_stats rs;
	struct msglink_stats ls;

	rpc_get_stats(c->rpc, &rs);
	msglink_get_stats(c->link, &ls);
	*ret = (struct svcport_client_stats){
	    .exchanges = rs.exchanges,
	    .frames = rs.frames,
	    .repeats = rs.repeats,
	    .backoffs = rs.backoffs,
	    .ignored = rs.ignored,
	    .link_tx_bytes = ls.tx_bytes,
	    .link_rx_bytes = ls.rx_bytes,
	    .bad_input = ls.bad_input,
	    .att_transactions = ls.att.transactions,
	    .att_tx_pdus = ls.att.tx_pdus,
	    .att_tx_bytes = ls.att.tx_bytes,
	    .att_rx_pdus = ls.att.rx_pdus,
	    .att_rx_bytes = ls.att.rx_bytes,
	};
}

/* ---------------------------------------------------------------- names */

const char *svcport_client_error_name(enum svcport_client_error e)
{
	return names_error((svcport_v1_ErrorCode)e);
}

const char *svcport_client_error_text(enum svcport_client_error e)
{
	return names_error_words((svcport_v1_ErrorCode)e);
}

const char *svcport_client_flow_name(enum svcport_client_flow f)
{
	switch (f) {
	case SVCPORT_CLIENT_FLOW_CONNECT:
		return "connect";
	case SVCPORT_CLIENT_FLOW_INFO:
		return "info";
	case SVCPORT_CLIENT_FLOW_ACTIVATION_CODE:
		return "activation-code";
	default:
		return names_action((svcport_v1_Action)f);
	}
}
