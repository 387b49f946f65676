// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The phone's message link (msglink.h): messages to segments or frames and back, one
 * message leaving at a time, the GATT (OS API) and CDC carriers. The ATT carrier's
 * set-up and writes are in msglink-att.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#include "msglink-int.h"

static bool has_ops_for(const struct msglink_config *cfg, const struct msglink_ops *o)
{
	if (!o->connected || !o->message || !o->sent || !o->now_ms)
		return false;
	switch (cfg->kind) {
	case MSGLINK_KIND_ATT:
		return o->att_send && cfg->att_mtu >= 23 && cfg->att_mtu <= 517;
	case MSGLINK_KIND_GATT:
		return o->gatt_write && o->gatt_read_info && cfg->gatt_value_len >= 20 &&
		       cfg->gatt_value_len <= SEG_MAX_SEGMENT;
	case MSGLINK_KIND_CDC:
		return o->cdc_write;
	default:
		return false;
	}
}

int msglink_new(const struct msglink_config *cfg, const struct msglink_ops *ops,
                struct msglink **ret)
{
	size_t rx_cap = cfg->kind == MSGLINK_KIND_CDC ? MSGLINK_CDC_CAP : MSGLINK_MSG_MAX;
	size_t q_cap = cfg->kind == MSGLINK_KIND_CDC ? MSGLINK_CDC_CAP : MSGLINK_SEGQ_CAP;
	struct msglink *l;

	if (!has_ops_for(cfg, ops))
		return -EINVAL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->cfg = *cfg;
	l->cfg.cache = NULL;
	l->ops = *ops;
	l->att_deadline = -1;
	if (!l->cfg.att_timeout_ms)
		l->cfg.att_timeout_ms = MSGLINK_ATT_TIMEOUT;
	if (cfg->cache) {
		l->cache = *cfg->cache;
		l->has_cache = true;
	}
	l->rx_buf = malloc(rx_cap);
	l->q = malloc(q_cap);
	if (!l->rx_buf || !l->q || (cfg->kind == MSGLINK_KIND_ATT && msglink_att_new(l) < 0)) {
		msglink_free(l);
		return -ENOMEM;
	}
	if (cfg->kind == MSGLINK_KIND_CDC)
		cdc_rx_init(&l->cdc_rx, l->rx_buf, rx_cap);
	else
		seg_rx_init(&l->seg_rx, l->rx_buf, rx_cap);
	seg_tx_reset(&l->seg_tx);
	*ret = l;
	return 0;
}

void msglink_free(struct msglink *l)
{
	if (!l)
		return;
	gattc_free(l->g);
	if (l->rx_buf)
		mbedtls_platform_zeroize(
		    l->rx_buf, l->cfg.kind == MSGLINK_KIND_CDC ? MSGLINK_CDC_CAP : MSGLINK_MSG_MAX);
	free(l->rx_buf);
	free(l->q);
	free(l);
}

int msglink_connect(struct msglink *l)
{
	int r;

	if (l->state != MSGLINK_IDLE)
		return -EALREADY;
	l->state = MSGLINK_SETTING_UP;
	switch (l->cfg.kind) {
	case MSGLINK_KIND_ATT:
		r = msglink_att_connect(l);
		break;
	case MSGLINK_KIND_GATT:
		l->gatt_info_pending = true;
		r = l->ops.gatt_read_info(l->ops.user_data);
		break;
	default:
		l->state = MSGLINK_UP; /* a byte stream needs no set-up */
		l->ops.connected(0, NULL, 0, l->ops.user_data);
		return 0;
	}
	if (r < 0) {
		l->state = MSGLINK_DOWN;
		l->gatt_info_pending = false;
	}
	return r;
}

void msglink_setup_done(struct msglink *l, int err, const uint8_t *info, size_t len)
{
	if (l->state != MSGLINK_SETTING_UP)
		return;
	l->state = err < 0 ? MSGLINK_DOWN : MSGLINK_UP;
	l->ops.connected(err, info, len, l->ops.user_data);
}

void msglink_fail(struct msglink *l, int err)
{
	enum msglink_state was = l->state;
	bool was_sending = l->is_sending;

	l->state = MSGLINK_DOWN;
	l->is_sending = false;
	l->att_deadline = -1;
	if (l->g)
		gattc_fail(l->g, err);
	if (was == MSGLINK_SETTING_UP)
		l->ops.connected(err, NULL, 0, l->ops.user_data);
	else if (was_sending)
		l->ops.sent(err, l->ops.user_data);
	if (was == MSGLINK_UP && l->ops.down)
		l->ops.down(err, l->ops.user_data);
}

void msglink_lost(struct msglink *l)
{
	if (l->state != MSGLINK_DOWN)
		msglink_fail(l, -ECONNRESET);
}

static int queue_segment(const uint8_t *seg, size_t len, void *user_data)
{
	struct msglink *l = user_data;

	if (MSGLINK_SEGQ_CAP - l->q_len < len + 2)
		return -ENOSPC; /* cannot happen: MSGLINK_SEGQ_CAP is the worst case */
	l->q[l->q_len] = (uint8_t)len;
	l->q[l->q_len + 1] = (uint8_t)(len >> 8);
	memcpy(l->q + l->q_len + 2, seg, len);
	l->q_len += 2 + len;
	return 0;
}

static size_t segment_size(const struct msglink *l)
{
	if (l->cfg.kind == MSGLINK_KIND_GATT)
		return l->cfg.gatt_value_len;
	return gattc_max_value_len(l->g);
}

/* One queued segment down: 1 to go on at once, 0 when its answer continues, or -errno. */
static int write_segment(struct msglink *l)
{
	size_t len = (size_t)l->q[l->q_pos] | (size_t)l->q[l->q_pos + 1] << 8;
	const uint8_t *seg = l->q + l->q_pos + 2;
	int r;

	l->q_pos += 2 + len;
	l->stats.tx_bytes += len;
	if (l->cfg.kind == MSGLINK_KIND_ATT)
		return msglink_att_write(l, seg, len);
	l->gatt_write_pending = true;
	r = l->ops.gatt_write(seg, len, l->ops.user_data);
	if (r < 0)
		l->gatt_write_pending = false;
	return r;
}

void msglink_send_next(struct msglink *l)
{
	int r = 1;

	while (l->is_sending && r == 1) {
		if (l->q_pos == l->q_len) {
			l->is_sending = false;
			l->ops.sent(0, l->ops.user_data);
			return;
		}
		r = write_segment(l);
	}
	if (r < 0 && l->is_sending) {
		l->is_sending = false;
		l->ops.sent(r, l->ops.user_data);
	}
}

static int send_frame(struct msglink *l, const uint8_t *msg, size_t len)
{
	long n = cdc_frame_encode(msg, len, l->q, MSGLINK_CDC_CAP);
	int r;

	if (n < 0)
		return (int)n;
	l->stats.tx_bytes += (uint64_t)n;
	r = l->ops.cdc_write(l->q, (size_t)n, l->ops.user_data);
	if (r == 0)
		l->ops.sent(0, l->ops.user_data);
	return r;
}

int msglink_send(struct msglink *l, const uint8_t *msg, size_t len)
{
	int r;

	if (l->state != MSGLINK_UP)
		return -ENOTCONN;
	if (l->is_sending)
		return -EBUSY;
	if (len == 0 || len > MSGLINK_MSG_MAX)
		return -EMSGSIZE;
	if (l->cfg.kind == MSGLINK_KIND_CDC)
		return send_frame(l, msg, len);
	l->q_len = 0;
	l->q_pos = 0;
	r = seg_tx_split(&l->seg_tx, msg, len, segment_size(l), queue_segment, l);
	if (r < 0)
		return r;
	l->is_sending = true;
	msglink_send_next(l);
	return 0;
}

/* Whole messages are delivered, then wiped: an activation code travels in clear. */
void msglink_segment(struct msglink *l, const uint8_t *seg, size_t len)
{
	const uint8_t *msg;
	size_t msg_len;
	int r = seg_rx_push(&l->seg_rx, seg, len, &msg, &msg_len);

	if (r < 0) {
		l->stats.bad_input++; /* the gateway resynchronises the same way (links.md) */
		return;
	}
	if (r == 1) {
		l->ops.message(msg, msg_len, l->ops.user_data);
		mbedtls_platform_zeroize(l->rx_buf, msg_len);
	}
}

static int on_frame(const uint8_t *msg, size_t len, int drop, void *user_data)
{
	struct msglink *l = user_data;

	if (!msg) {
		l->stats.bad_input++;
		return 0;
	}
	l->ops.message(msg, len, l->ops.user_data);
	mbedtls_platform_zeroize((uint8_t *)msg, len);
	return 0;
}

int msglink_input(struct msglink *l, const uint8_t *data, size_t len)
{
	if (l->state == MSGLINK_DOWN)
		return -ENOTCONN;
	l->stats.rx_bytes += len;
	switch (l->cfg.kind) {
	case MSGLINK_KIND_ATT:
		return msglink_att_input(l, data, len);
	case MSGLINK_KIND_GATT:
		if (l->state == MSGLINK_UP)
			msglink_segment(l, data, len);
		return 0;
	default:
		if (l->state != MSGLINK_UP)
			return 0;
		return cdc_rx_feed(&l->cdc_rx, data, len, on_frame, l);
	}
}

int msglink_gatt_write_done(struct msglink *l, int err)
{
	if (l->cfg.kind != MSGLINK_KIND_GATT || !l->gatt_write_pending)
		return -EALREADY;
	l->gatt_write_pending = false;
	if (err < 0) {
		l->is_sending = false;
		l->ops.sent(err, l->ops.user_data);
		return 0;
	}
	msglink_send_next(l);
	return 0;
}

int msglink_gatt_info(struct msglink *l, int err, const uint8_t *value, size_t len)
{
	if (l->cfg.kind != MSGLINK_KIND_GATT || !l->gatt_info_pending)
		return -EALREADY;
	l->gatt_info_pending = false;
	if (err == 0 && len > sizeof(l->info))
		err = -EMSGSIZE;
	msglink_setup_done(l, err, value, err < 0 ? 0 : len);
	return 0;
}

int64_t msglink_deadline(const struct msglink *l)
{
	return l->att_deadline;
}

void msglink_tick(struct msglink *l)
{
	if (l->att_deadline >= 0 && l->ops.now_ms(l->ops.user_data) >= l->att_deadline)
		msglink_fail(l, -ETIMEDOUT);
}

bool msglink_is_up(const struct msglink *l)
{
	return l->state == MSGLINK_UP;
}

uint16_t msglink_att_mtu(const struct msglink *l)
{
	return l->g ? gattc_mtu(l->g) : 0;
}

void msglink_get_stats(const struct msglink *l, struct msglink_stats *ret)
{
	*ret = l->stats;
	if (l->g)
		gattc_get_stats(l->g, &ret->att);
}
