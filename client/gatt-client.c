// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The blocking GATT client over an fd (gatt-client.h): the I/O-free core (core/gattc.h)
 * does the ATT work; this file reads and writes the fd with poll() timeouts, queues the
 * notifications that arrive while a request waits, and carries whole messages over
 * segments (gateway/core/seg.h).
 */
#include "gatt-client.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "att.h"
#include "gattc.h"
#include "seg.h"

struct gatt_client {
	int fd;
	struct gatt_client_config cfg;
	struct gattc *g;

	/* TX notification values received while a request waited: a byte ring of
	 * (2-byte length, value) records. */
	uint8_t nq[GATT_CLIENT_NOTIFY_BYTES];
	size_t nq_head, nq_used;

	struct seg_tx seg_tx;
	struct seg_rx seg_rx;
	uint8_t *msg_buf; /* reassembly, cfg.max_message bytes */

	uint8_t pdu[ATT_MTU_MAX + 1]; /* last PDU received; one spare byte shows an oversize */
	uint8_t info[ATT_MAX_VALUE_LEN];
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until fd is ready for events or the deadline passes. */
static int wait_fd(int fd, short events, int64_t deadline)
{
	for (;;) {
		struct pollfd p = {.fd = fd, .events = events};
		int64_t left = deadline - now_ms();
		int r;

		if (left < 0)
			left = 0;
		r = poll(&p, 1, (int)(left > 1000000 ? 1000000 : left));
		if (r > 0)
			return 0;
		if (r == 0 && left == 0)
			return -ETIMEDOUT;
		if (r < 0 && errno != EINTR)
			return -errno;
	}
}

static int fd_send(const uint8_t *pdu, size_t len, void *user_data)
{
	struct gatt_client *c = user_data;
	ssize_t n;
	int r = wait_fd(c->fd, POLLOUT, now_ms() + c->cfg.timeout_ms);

	if (r < 0)
		return r;
	do {
		n = write(c->fd, pdu, len);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO; /* a datagram fd never writes half a PDU */
}

static void ring_put(struct gatt_client *c, const uint8_t *src, size_t len)
{
	for (size_t i = 0; i < len; i++)
		c->nq[(c->nq_head + c->nq_used + i) % GATT_CLIENT_NOTIFY_BYTES] = src[i];
	c->nq_used += len;
}

static void ring_get(struct gatt_client *c, uint8_t *dst, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		uint8_t b = c->nq[(c->nq_head + i) % GATT_CLIENT_NOTIFY_BYTES];
		if (dst)
			dst[i] = b;
	}
	c->nq_head = (c->nq_head + len) % GATT_CLIENT_NOTIFY_BYTES;
	c->nq_used -= len;
}

static void on_notification(const uint8_t *v, size_t len, void *user_data)
{
	struct gatt_client *c = user_data;
	uint8_t hdr[2];

	if (GATT_CLIENT_NOTIFY_BYTES - c->nq_used < len + sizeof(hdr)) {
		gattc_count_drop(c->g);
		return;
	}
	att_put_le16(hdr, (uint16_t)len);
	ring_put(c, hdr, sizeof(hdr));
	ring_put(c, v, len);
}

int gatt_client_new(int fd, const struct gatt_client_config *cfg, struct gatt_client **ret_client)
{
	uint16_t mtu = cfg->mtu ? cfg->mtu : ATT_MTU_MAX;
	size_t max_msg = cfg->max_message ? cfg->max_message : SEG_DEFAULT_MAX;
	struct gattc_ops ops = {.send = fd_send, .notification = on_notification};
	struct gatt_client *c;

	if (fd < 0 || mtu < ATT_MTU_DEFAULT || mtu > ATT_MTU_MAX || cfg->timeout_ms < 0 ||
	    max_msg > 0xffff)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->msg_buf = malloc(max_msg);
	ops.user_data = c;
	if (!c->msg_buf || gattc_new(mtu, &ops, &c->g) < 0)
		goto err_free;
	c->fd = fd;
	c->cfg = *cfg;
	c->cfg.mtu = mtu;
	c->cfg.max_message = max_msg;
	if (!c->cfg.timeout_ms)
		c->cfg.timeout_ms = GATT_CLIENT_TIMEOUT_MS;
	seg_rx_init(&c->seg_rx, c->msg_buf, max_msg);
	seg_tx_reset(&c->seg_tx);
	*ret_client = c;
	return 0;

err_free:
	free(c->msg_buf);
	free(c);
	return -ENOMEM;
}

void gatt_client_free(struct gatt_client *c)
{
	if (!c)
		return;
	gattc_free(c->g);
	free(c->msg_buf);
	free(c);
}

/* Reads one PDU before the deadline and hands it to the core. */
static int read_one(struct gatt_client *c, int64_t deadline)
{
	ssize_t n;
	int r = wait_fd(c->fd, POLLIN, deadline);

	if (r < 0)
		return r;
	do {
		n = read(c->fd, c->pdu, sizeof(c->pdu));
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -ECONNRESET;
	return gattc_input(c->g, c->pdu, (size_t)n);
}

/* Runs a started procedure to its end: each request has timeout_ms to be answered. */
static int run(struct gatt_client *c, int started)
{
	struct gattc_stats s;
	uint64_t answered;
	int64_t deadline = now_ms() + c->cfg.timeout_ms;
	int r;

	if (started < 0)
		return started;
	gattc_get_stats(c->g, &s);
	answered = s.transactions;
	while (gattc_is_busy(c->g)) {
		r = read_one(c, deadline);
		if (r < 0 && r != -EINVAL)
			gattc_fail(c->g, r); /* timed out (3.3.3), gone, or broken: dead */
		gattc_get_stats(c->g, &s);
		if (s.transactions != answered) {
			answered = s.transactions;
			deadline = now_ms() + c->cfg.timeout_ms;
		}
	}
	return gattc_result(c->g);
}

int gatt_client_exchange_mtu(struct gatt_client *c)
{
	return run(c, gattc_start_mtu(c->g));
}

int gatt_client_discover(struct gatt_client *c)
{
	return run(c, gattc_start_discover(c->g));
}

int gatt_client_read_hash(struct gatt_client *c, uint8_t ret_hash[GATT_CLIENT_HASH_LEN])
{
	int r = run(c, gattc_start_hash(c->g));

	if (r == 0 && !gattc_get_hash(c->g, ret_hash))
		r = -EPROTO;
	return r;
}

int gatt_client_enable_notifications(struct gatt_client *c)
{
	return run(c, gattc_start_enable_tx(c->g));
}

int gatt_client_read_info(struct gatt_client *c, uint8_t *buf, size_t cap, size_t *ret_len)
{
	int r = run(c, gattc_start_read_info(c->g, c->info, sizeof(c->info)));
	size_t len = gattc_info_len(c->g);

	if (r < 0)
		return r;
	if (len > cap)
		return -EMSGSIZE;
	memcpy(buf, c->info, len);
	*ret_len = len;
	return 0;
}

int gatt_client_write_rx(struct gatt_client *c, const uint8_t *value, size_t len)
{
	if (c->cfg.write_without_response)
		return gattc_write_rx_cmd(c->g, value, len);
	return run(c, gattc_start_write_rx(c->g, value, len));
}

int gatt_client_wait_notification(struct gatt_client *c, uint8_t *buf, size_t cap, size_t *ret_len,
                                  int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	uint8_t hdr[2];
	size_t len;

	while (c->nq_used == 0) {
		int r = read_one(c, deadline);
		if (r < 0 && r != -EINVAL)
			return r;
	}
	ring_get(c, hdr, sizeof(hdr));
	len = att_get_le16(hdr);
	if (len > cap) {
		ring_get(c, NULL, len);
		return -EMSGSIZE;
	}
	ring_get(c, buf, len);
	*ret_len = len;
	return 0;
}

static int emit_segment(const uint8_t *seg, size_t len, void *user_data)
{
	return gatt_client_write_rx(user_data, seg, len);
}

int gatt_client_send_message(struct gatt_client *c, const uint8_t *msg, size_t len)
{
	struct gattc_handles h;

	gattc_get_handles(c->g, &h);
	if (!h.rx)
		return -ENOENT;
	return seg_tx_split(&c->seg_tx, msg, len, gattc_max_value_len(c->g), emit_segment, c);
}

int gatt_client_recv_message(struct gatt_client *c, uint8_t *buf, size_t cap, size_t *ret_len,
                             int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	uint8_t seg[ATT_MTU_MAX];

	for (;;) {
		const uint8_t *msg;
		size_t seg_len, msg_len;
		int64_t left = deadline - now_ms();
		int r;

		r = gatt_client_wait_notification(c, seg, sizeof(seg), &seg_len,
		                                  (int)(left < 0 ? 0 : left));
		if (r < 0)
			return r;
		r = seg_rx_push(&c->seg_rx, seg, seg_len, &msg, &msg_len);
		if (r < 0)
			return r;
		if (r == 0)
			continue;
		if (msg_len > cap)
			return -EMSGSIZE;
		memcpy(buf, msg, msg_len);
		*ret_len = msg_len;
		return 0;
	}
}

uint16_t gatt_client_get_mtu(const struct gatt_client *c)
{
	return gattc_mtu(c->g);
}

size_t gatt_client_max_value_len(const struct gatt_client *c)
{
	return gattc_max_value_len(c->g);
}

uint8_t gatt_client_last_att_error(const struct gatt_client *c)
{
	return gattc_last_att_error(c->g);
}

bool gatt_client_has_service_changed(const struct gatt_client *c)
{
	return gattc_has_service_changed(c->g);
}

void gatt_client_get_stats(const struct gatt_client *c, struct gattc_stats *ret_stats)
{
	gattc_get_stats(c->g, ret_stats);
}

void gatt_client_get_handles(const struct gatt_client *c, struct gattc_handles *ret_handles)
{
	gattc_get_handles(c->g, ret_handles);
}
