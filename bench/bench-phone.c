// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The counting phone (bench-phone.h): libsvcport-client does the protocol; this file
 * counts. PDUs, bytes and ATT transactions are the library's counters; a tap on the link
 * reads what only the wire shows: each message's length (the FIRST segment's header on
 * ATT, the deframed message on CDC, with the gateway's own cdc-frame.c), the CDC frames,
 * and how many notifications each message took.
 *
 * The minimum PDU count of a flow is the number of PDUs its protobuf messages need with no
 * protocol around them: each message alone, split into full PDUs (ATT: ATT_MTU - 3 value
 * bytes per write or notification, ATT_MTU - 1 per read response; no acknowledgements, no
 * discovery, no segment headers), one frame per message on CDC.
 */
#include "bench-phone.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "app-link.h"
#include "app-session.h"
#include "att.h"
#include "cdc-frame.h"
#include "seg.h"

#define PHONE_MSG_MAX SEG_DEFAULT_MAX

struct phone {
	struct app_link *link;
	struct app_session *s;
	struct phone_opts o;
	bool is_att, is_setup; /* is_setup: the set-up is over */
	uint16_t mtu;
	bool used_cache, has_cache;
	struct svcport_client_gatt_cache cache;
	struct svcport_client_stats base; /* the library's counters when the set-up ended */
	struct phone_stats setup, own;    /* own: the tap's counters since the set-up ended */
	uint64_t notifications;           /* of the message being received */
	size_t info_len;                  /* ATT: the INFO value read at the set-up */
	struct cdc_rx rx[2];              /* CDC: [0] from the device, [1] to it */
	uint8_t rx_buf[2][CDC_FRAME_ENCODED_MAX(PHONE_MSG_MAX)];
};

static uint64_t div_up(uint64_t a, uint64_t b)
{
	return (a + b - 1) / b;
}

static void count_message(struct phone *p, size_t len, size_t per_pdu)
{
	p->own.messages++;
	p->own.pb_bytes += len;
	p->own.min_pdus += p->is_att ? div_up(len ? len : 1, per_pdu) : 1;
}

/* ---------------------------------------------------------------- the tap */

static void tap_att(struct phone *p, bool to_device, const uint8_t *pdu, size_t len)
{
	const uint8_t *seg = pdu + 3;
	bool is_segment =
	    len > 3 && (to_device ? pdu[0] == ATT_OP_WRITE_REQ || pdu[0] == ATT_OP_WRITE_CMD
	                          : pdu[0] == ATT_OP_HANDLE_VAL_NOT);

	if (!p->is_setup) { /* the set-up carries one message: INFO, read */
		if (!to_device && len > 0 &&
		    (pdu[0] == ATT_OP_READ_RSP || pdu[0] == ATT_OP_READ_BLOB_RSP))
			p->info_len += len - 1;
		return;
	}
	if (!is_segment)
		return;
	if (!to_device)
		p->notifications++;
	if ((seg[0] & SEG_FIRST) && len >= 3 + SEG_FIRST_HDR_LEN)
		count_message(p, (size_t)seg[1] | (size_t)seg[2] << 8, (size_t)p->mtu - 3);
	if (!to_device && (seg[0] & SEG_LAST)) { /* one burst per message */
		p->own.ble_events_1 += p->notifications;
		p->own.ble_events_4 += div_up(p->notifications, 4);
		p->notifications = 0;
	}
}

static int on_cdc_frame(const uint8_t *msg, size_t len, int drop, void *user_data)
{
	struct phone *p = user_data;

	(void)drop;
	p->own.pdus++;
	if (msg)
		count_message(p, len, 0);
	return 0;
}

static void tap(bool to_device, const uint8_t *data, size_t len, void *user_data)
{
	struct phone *p = user_data;
	int r = 0;

	if (p->is_att)
		tap_att(p, to_device, data, len);
	else
		r = cdc_rx_feed(&p->rx[to_device], data, len, on_cdc_frame, p);
	(void)r; /* on_cdc_frame never stops the feed */
}

/* ---------------------------------------------------------------- the client's callbacks */

static void on_sign(struct svcport_client *c, const struct svcport_client_sign_request *req,
                    void *user_data)
{
	struct phone *p = user_data;

	p->o.sign(c, req, p->o.user_data);
}

/* Secrets are not the benchmark's business: the library shows them, we look away. */
static void on_secret(struct svcport_client *c, enum svcport_client_secret kind, const char *text,
                      void *user_data)
{
	(void)c;
	(void)kind;
	(void)text;
	(void)user_data;
}

static void on_cache(struct svcport_client *c, const struct svcport_client_gatt_cache *cache,
                     void *user_data)
{
	struct phone *p = user_data;

	(void)c;
	p->has_cache = cache != NULL;
	if (cache)
		p->cache = *cache;
}

static void on_done(struct svcport_client *c, const struct svcport_client_result *r,
                    void *user_data)
{
	struct phone *p = user_data;

	if (r->link) {
		p->mtu = r->link->att_mtu;
		p->used_cache = r->link->used_cache;
	}
	if (p->o.done)
		p->o.done(c, r, p->o.user_data);
}

/* ---------------------------------------------------------------- life */

/* What the set-up cost, from the library's counters and the tap. */
static void setup_done(struct phone *p)
{
	struct svcport_client_stats *b = &p->base;

	svcport_client_get_stats(app_session_client(p->s), b);
	p->setup = p->own;
	p->setup.round_trips = b->exchanges;
	if (p->is_att) {
		p->setup.pdus = b->att_tx_pdus + b->att_rx_pdus;
		p->setup.bytes = b->att_tx_bytes + b->att_rx_bytes;
		p->setup.exchanges = b->att_transactions;
		p->setup.messages = 1; /* INFO */
		p->setup.pb_bytes = p->info_len;
		p->setup.min_pdus = div_up(p->info_len ? p->info_len : 1, (size_t)p->mtu - 1);
		p->setup.ble_events_1 = p->setup.ble_events_4 = 2 * b->att_transactions;
	} else {
		p->setup.bytes = b->link_tx_bytes + b->link_rx_bytes;
		p->setup.exchanges = b->exchanges;
	}
	memset(&p->own, 0, sizeof(p->own));
	p->is_setup = true;
}

int phone_open(const char *spec, const struct phone_opts *o, struct phone **ret)
{
	struct phone *p = calloc(1, sizeof(*p));
	struct svcport_client_config cfg;
	const struct svcport_client_callbacks cb = {
	    .sign = o->sign ? on_sign : NULL,
	    .secret = on_secret,
	    .cache_update = on_cache,
	    .done = on_done,
	    .user_data = p,
	};
	const struct app_session_opts so = {.cfg = &cfg, .cb = &cb, .tap = tap};
	const struct app_link_opts lo = {0};
	int err;

	if (!p)
		return -ENOMEM;
	p->o = *o;
	for (int i = 0; i < 2; i++)
		cdc_rx_init(&p->rx[i], p->rx_buf[i], sizeof(p->rx_buf[i]));
	err = app_link_open(spec, &lo, &p->link);
	if (err < 0)
		goto fail;
	p->is_att = p->link->info.is_att;
	svcport_client_config_init(&cfg,
	                           p->is_att ? SVCPORT_CLIENT_LINK_ATT : SVCPORT_CLIENT_LINK_CDC);
	if (o->mtu)
		cfg.att_mtu = o->mtu;
	cfg.att_write_without_response = o->write_command;
	cfg.cache = o->cache;
	/* Loopback is slow under load, never lossy: a repeat would only blur the counts. */
	cfg.timeout_ms = 10000;
	cfg.retries = 0;
	err = app_session_new(p->link, &so, &p->s);
	if (err == 0)
		err = app_session_connect(p->s);
	if (err < 0)
		goto fail;
	setup_done(p);
	*ret = p;
	return 0;
fail:
	phone_close(p);
	return err;
}

void phone_close(struct phone *p)
{
	if (!p)
		return;
	app_session_free(p->s);
	app_link_close(p->link);
	free(p);
}

bool phone_is_att(const struct phone *p)
{
	return p->is_att;
}

uint16_t phone_mtu(const struct phone *p)
{
	return p->mtu;
}

bool phone_used_cache(const struct phone *p)
{
	return p->used_cache;
}

bool phone_get_cache(const struct phone *p, struct svcport_client_gatt_cache *ret)
{
	if (p->has_cache)
		*ret = p->cache;
	return p->has_cache;
}

int phone_run(struct phone *p, enum svcport_client_flow flow)
{
	return app_session_run(p->s, flow);
}

void phone_get_stats(const struct phone *p, struct phone_stats *ret)
{
	struct svcport_client_stats s;

	svcport_client_get_stats(app_session_client(p->s), &s);
	*ret = p->own;
	ret->round_trips = s.exchanges - p->base.exchanges;
	if (p->is_att) {
		ret->pdus =
		    s.att_tx_pdus + s.att_rx_pdus - p->base.att_tx_pdus - p->base.att_rx_pdus;
		ret->bytes =
		    s.att_tx_bytes + s.att_rx_bytes - p->base.att_tx_bytes - p->base.att_rx_bytes;
		ret->exchanges = s.att_transactions - p->base.att_transactions;
		ret->ble_events_1 += 2 * ret->exchanges;
		ret->ble_events_4 += 2 * ret->exchanges;
	} else {
		ret->bytes = s.link_tx_bytes + s.link_rx_bytes - p->base.link_tx_bytes -
		             p->base.link_rx_bytes;
		ret->exchanges = ret->round_trips;
	}
}

void phone_get_setup(const struct phone *p, struct phone_stats *ret)
{
	*ret = p->setup;
}
