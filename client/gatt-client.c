// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * GATT client: the ATT bearer (one PDU per read/write, poll() timeouts), the sequential
 * request/response rule, the notification queue and whole messages over segments.
 * Discovery and the attribute operations are in gatt-client-ops.c.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gatt-client-int.h"

int gatt_client_new(int fd, const struct gatt_client_config *cfg, struct gatt_client **ret_client)
{
	uint16_t mtu = cfg->mtu ? cfg->mtu : ATT_MTU_MAX;
	size_t max_msg = cfg->max_message ? cfg->max_message : SEG_DEFAULT_MAX;
	struct gatt_client *c;

	if (fd < 0 || mtu < ATT_MTU_DEFAULT || mtu > ATT_MTU_MAX || cfg->timeout_ms < 0 ||
	    max_msg > 0xffff)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->msg_buf = malloc(max_msg);
	if (!c->msg_buf)
		goto err_free_client;
	c->fd = fd;
	c->cfg = *cfg;
	c->cfg.mtu = mtu;
	c->cfg.max_message = max_msg;
	if (!c->cfg.timeout_ms)
		c->cfg.timeout_ms = GATT_CLIENT_TIMEOUT_MS;
	c->mtu = ATT_MTU_DEFAULT;
	seg_rx_init(&c->seg_rx, c->msg_buf, max_msg);
	seg_tx_reset(&c->seg_tx);
	*ret_client = c;
	return 0;

err_free_client:
	free(c);
	return -ENOMEM;
}

void gatt_client_free(struct gatt_client *c)
{
	if (!c)
		return;
	free(c->msg_buf);
	free(c);
}

uint16_t gatt_client_get_mtu(const struct gatt_client *c)
{
	return c->mtu;
}

size_t gatt_client_max_value_len(const struct gatt_client *c)
{
	return c->mtu - 3u < ATT_MAX_VALUE_LEN ? c->mtu - 3u : ATT_MAX_VALUE_LEN;
}

uint8_t gatt_client_last_att_error(const struct gatt_client *c)
{
	return c->last_ecode;
}

bool gatt_client_has_service_changed(const struct gatt_client *c)
{
	return c->service_changed;
}

void gatt_client_get_stats(const struct gatt_client *c, struct gatt_client_stats *ret_stats)
{
	*ret_stats = c->stats;
}

void gatt_client_get_handles(const struct gatt_client *c, struct gatt_client_handles *ret_handles)
{
	*ret_handles = c->handles;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until fd is ready for events or the deadline passes. */
static int wait_fd(struct gatt_client *c, short events, int64_t deadline)
{
	for (;;) {
		struct pollfd p = {.fd = c->fd, .events = events};
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

int gatt_client_send_pdu(struct gatt_client *c, const uint8_t *pdu, size_t len)
{
	ssize_t n;
	int r;

	if (c->is_broken)
		return -ENOTCONN;
	if (len > c->mtu)
		return -EMSGSIZE;
	r = wait_fd(c, POLLOUT, now_ms() + c->cfg.timeout_ms);
	if (r < 0)
		return r;
	do {
		n = write(c->fd, pdu, len);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if ((size_t)n != len)
		return -EIO; /* a datagram fd never writes half a PDU */
	c->stats.tx_pdus++;
	c->stats.tx_bytes += len;
	return 0;
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

static int queue_notification(struct gatt_client *c, const uint8_t *v, size_t len)
{
	uint8_t hdr[2];

	c->stats.notifications++;
	if (GATT_CLIENT_NOTIFY_BYTES - c->nq_used < len + sizeof(hdr)) {
		c->stats.dropped++;
		return -ENOBUFS;
	}
	att_put_le16(hdr, (uint16_t)len);
	ring_put(c, hdr, sizeof(hdr));
	ring_put(c, v, len);
	return 0;
}

/*
 * Reads one PDU into c->pdu before the deadline and handles what the server may send at
 * any time: a TX notification is queued, an indication confirmed. Returns 1 when the PDU
 * is something else (left in c->pdu/c->pdu_len for the caller), 0 when it was handled.
 */
static int read_pdu(struct gatt_client *c, int64_t deadline)
{
	ssize_t n;
	int r;

	r = wait_fd(c, POLLIN, deadline);
	if (r < 0)
		return r;
	do {
		n = read(c->fd, c->pdu, sizeof(c->pdu));
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -ECONNRESET;
	c->stats.rx_pdus++;
	c->stats.rx_bytes += (size_t)n;
	c->pdu_len = (size_t)n;
	if (c->pdu_len > c->mtu)
		return -EPROTO; /* a server never sends more than ATT_MTU */
	if (c->pdu[0] == ATT_OP_HANDLE_VAL_NOT && n >= 3) {
		if (att_get_le16(c->pdu + 1) == c->handles.tx && c->handles.tx)
			(void)queue_notification(c, c->pdu + 3, c->pdu_len - 3);
		return 0;
	}
	if (c->pdu[0] == ATT_OP_HANDLE_VAL_IND && n >= 3) {
		static const uint8_t conf = ATT_OP_HANDLE_VAL_CONF;
		/* The only indicated characteristic we know of is Service Changed. */
		c->service_changed = true;
		return gatt_client_send_pdu(c, &conf, 1);
	}
	return 1;
}

static int errno_from_ecode(uint8_t ecode)
{
	switch (ecode) {
	case ATT_ECODE_AUTHENTICATION:
	case ATT_ECODE_INSUFF_ENCRYPTION:
		return -EACCES;
	case ATT_ECODE_READ_NOT_PERMITTED:
	case ATT_ECODE_WRITE_NOT_PERMITTED:
		return -EPERM;
	case ATT_ECODE_ATTR_NOT_FOUND:
		return -ENOENT;
	case ATT_ECODE_REQ_NOT_SUPP:
		return -EOPNOTSUPP;
	case ATT_ECODE_INVALID_VALUE_LEN:
		return -EMSGSIZE;
	default:
		return -EREMOTEIO;
	}
}

int gatt_client_request(struct gatt_client *c, const uint8_t *req, size_t len, uint8_t rsp_op)
{
	int64_t deadline = now_ms() + c->cfg.timeout_ms;
	int r;

	r = gatt_client_send_pdu(c, req, len);
	if (r < 0)
		return r;
	for (;;) {
		r = read_pdu(c, deadline);
		if (r == -ETIMEDOUT || r == -EPROTO)
			c->is_broken = true; /* 3.3.3: no more requests on this bearer */
		if (r < 0)
			return r;
		if (r == 0)
			continue;
		if (c->pdu[0] == rsp_op) {
			c->stats.transactions++;
			return 0;
		}
		if (c->pdu[0] == ATT_OP_ERROR_RSP && c->pdu_len == 5 && c->pdu[1] == req[0]) {
			c->stats.transactions++;
			c->last_ecode = c->pdu[4];
			return errno_from_ecode(c->pdu[4]);
		}
		c->is_broken = true;
		return -EPROTO; /* a response to nothing we asked */
	}
}

int gatt_client_wait_notification(struct gatt_client *c, uint8_t *buf, size_t cap, size_t *ret_len,
                                  int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	uint8_t hdr[2];
	size_t len;

	while (c->nq_used == 0) {
		int r = read_pdu(c, deadline);
		if (r < 0)
			return r;
		if (r == 1)
			return -EPROTO; /* a response while no request is outstanding */
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
	if (!c->handles.rx)
		return -ENOENT;
	return seg_tx_split(&c->seg_tx, msg, len, gatt_client_max_value_len(c), emit_segment, c);
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
