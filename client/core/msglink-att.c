// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The phone's ATT carrier (msglink.h, MSGLINK_KIND_ATT): the set-up that GATT needs before the
 * first message, and RX writes. Set-up, in order: Exchange MTU; the Database Hash; when a
 * cache is given and its hash is the server's, its handles, otherwise discovery (and the
 * new hash and handles go to ops.cache); TX's CCCD; INFO. A server without a hash (an
 * older gateway) is discovered every time. Database Out Of Sync at a cached handle means
 * the cache lied: it is forgotten and the service discovered (Vol 3 Part G 2.5.2.1).
 */
#include <errno.h>
#include <string.h>

#include "msglink-int.h"

static void arm(struct msglink *l)
{
	l->att_deadline = gattc_is_busy(l->g)
	                      ? l->ops.now_ms(l->ops.user_data) + (int64_t)l->cfg.att_timeout_ms
	                      : -1;
}

/* Starts the set-up step. 0 or a negative errno (the set-up then fails with it). */
static int start_step(struct msglink *l, enum msglink_att_step step)
{
	int r;

	l->att_step = step;
	switch (step) {
	case ATT_STEP_MTU:
		r = gattc_start_mtu(l->g);
		break;
	case ATT_STEP_HASH:
		r = gattc_start_hash(l->g);
		break;
	case ATT_STEP_DISCOVER:
		l->stats.used_cache = false;
		r = gattc_start_discover(l->g);
		break;
	case ATT_STEP_ENABLE_TX:
		r = gattc_start_enable_tx(l->g);
		break;
	default:
		r = gattc_start_read_info(l->g, l->info, sizeof(l->info));
		break;
	}
	arm(l);
	return r;
}

static void forget_cache(struct msglink *l)
{
	if (l->has_cache && l->ops.cache)
		l->ops.cache(NULL, l->ops.user_data);
	l->has_cache = false;
}

/* Which step follows the hash read: the cached handles if they still hold, else discovery. */
static enum msglink_att_step after_hash(struct msglink *l)
{
	uint8_t hash[GATTC_HASH_LEN];

	if (l->has_cache && gattc_get_hash(l->g, hash) &&
	    memcmp(hash, l->cache.hash, sizeof(hash)) == 0 &&
	    gattc_set_handles(l->g, &l->cache.handles) == 0) {
		l->stats.used_cache = true;
		return ATT_STEP_ENABLE_TX;
	}
	forget_cache(l);
	return ATT_STEP_DISCOVER;
}

static void store_cache(struct msglink *l)
{
	struct msglink_cache c;

	if (!gattc_get_hash(l->g, c.hash))
		return; /* nothing to check a cache against next time */
	gattc_get_handles(l->g, &c.handles);
	l->cache = c;
	l->has_cache = true;
	if (l->ops.cache)
		l->ops.cache(&c, l->ops.user_data);
}

/* What follows a step that ended with *err (which it may forgive). */
static enum msglink_att_step next_step(struct msglink *l, int *err)
{
	switch (l->att_step) {
	case ATT_STEP_MTU:
		/* A server that does not take Exchange MTU stays at 23 (3.4.2). */
		if (*err == -EOPNOTSUPP)
			*err = 0;
		return ATT_STEP_HASH;
	case ATT_STEP_HASH:
		if (*err == -ENOENT) { /* no hash on this server (an older gateway) */
			*err = 0;
			forget_cache(l);
			return ATT_STEP_DISCOVER;
		}
		return *err < 0 ? ATT_STEP_DONE : after_hash(l);
	case ATT_STEP_DISCOVER:
		if (*err == 0)
			store_cache(l);
		return ATT_STEP_ENABLE_TX;
	default:
		if (*err == -ESTALE && l->stats.used_cache) {
			*err = 0; /* the cache lied (Database Out Of Sync): discover */
			forget_cache(l);
			return ATT_STEP_DISCOVER;
		}
		return l->att_step == ATT_STEP_ENABLE_TX ? ATT_STEP_INFO : ATT_STEP_DONE;
	}
}

/* The step that ended with err; the next one, or the set-up's end. */
static void setup_step(struct msglink *l, int err)
{
	enum msglink_att_step next = next_step(l, &err);

	if (err == 0 && next == ATT_STEP_DONE) {
		msglink_setup_done(l, 0, l->info, gattc_info_len(l->g));
		return;
	}
	if (err == 0)
		err = start_step(l, next);
	if (err < 0)
		msglink_setup_done(l, err, NULL, 0);
}

static void att_done(enum gattc_proc proc, int err, void *user_data)
{
	struct msglink *l = user_data;

	if (l->state == MSGLINK_DOWN)
		return;
	arm(l);
	if (l->state == MSGLINK_SETTING_UP) {
		setup_step(l, err);
		return;
	}
	if (proc != GATTC_PROC_WRITE_RX)
		return;
	if (err == -ESTALE) {
		forget_cache(l); /* handles of another database: reconnect and discover */
		msglink_fail(l, err);
		return;
	}
	if (err < 0) {
		l->is_sending = false;
		l->ops.sent(err, l->ops.user_data);
		return;
	}
	msglink_send_next(l);
}

static int att_send(const uint8_t *pdu, size_t len, void *user_data)
{
	struct msglink *l = user_data;

	return l->ops.att_send(pdu, len, l->ops.user_data);
}

static void att_notification(const uint8_t *value, size_t len, void *user_data)
{
	struct msglink *l = user_data;

	if (l->state == MSGLINK_UP)
		msglink_segment(l, value, len);
}

int msglink_att_new(struct msglink *l)
{
	struct gattc_ops ops = {
	    .send = att_send, .notification = att_notification, .done = att_done, .user_data = l};

	return gattc_new(l->cfg.att_mtu, &ops, &l->g);
}

int msglink_att_connect(struct msglink *l)
{
	return start_step(l, ATT_STEP_MTU);
}

int msglink_att_input(struct msglink *l, const uint8_t *pdu, size_t len)
{
	struct gattc_stats before, after;
	int r;

	gattc_get_stats(l->g, &before);
	r = gattc_input(l->g, pdu, len);
	if (r == -EPROTO || r == -ENOTCONN) {
		if (l->state != MSGLINK_DOWN)
			msglink_fail(l, -EPROTO); /* the server broke ATT: this bearer is done */
		return -ENOTCONN;
	}
	gattc_get_stats(l->g, &after);
	/* An answer restarts the ATT timer of the request that follows it. */
	if (after.transactions != before.transactions && l->state != MSGLINK_DOWN)
		arm(l);
	return 0;
}

int msglink_att_write(struct msglink *l, const uint8_t *seg, size_t len)
{
	int r;

	if (l->cfg.att_write_cmd) {
		r = gattc_write_rx_cmd(l->g, seg, len);
		return r < 0 ? r : 1; /* no answer to wait for */
	}
	r = gattc_start_write_rx(l->g, seg, len);
	arm(l);
	return r;
}
