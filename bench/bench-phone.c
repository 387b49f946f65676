// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The counting phone (bench-phone.h), the link half. The minimum PDU count of a flow is
 * the number of PDUs its protobuf messages need with no protocol around them: each message
 * alone, split into full PDUs (GATT: ATT_MTU - 3 value bytes per write or notification,
 * ATT_MTU - 1 per read response; no acknowledgements, no discovery, no segment headers),
 * one frame per message on CDC.
 */
#include "bench-phone.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "app-link.h"
#include "bench-util.h"
#include "cdc-frame.h"
#include "gatt-client.h"
#include "pbio.h"

#define PHONE_MSG_MAX    8192 /* SEG_DEFAULT_MAX */
#define PHONE_TIMEOUT_MS 10000
#define PHONE_CDC_QUEUE  4

struct phone {
	int fd;
	uint16_t mtu;
	struct gatt_client *gatt; /* NULL on CDC */
	struct gattc_stats base;
	struct phone_stats setup, own; /* own: CDC counters, and the message counts of both */
	double link_s;
	uint64_t notify_events_1, notify_events_4; /* see phone_stats */
	uint32_t next_id;
	svcport_v1_Frame frame;
	uint8_t msg[PHONE_MSG_MAX];
	uint8_t tx[CDC_FRAME_ENCODED_MAX(PHONE_MSG_MAX)];
	/* CDC receive side */
	struct cdc_rx rx;
	uint8_t rx_buf[CDC_FRAME_ENCODED_MAX(PHONE_MSG_MAX)];
	struct {
		uint8_t msg[PHONE_MSG_MAX];
		size_t len;
	} q[PHONE_CDC_QUEUE];
	unsigned q_head, q_count;
};

static uint64_t div_up(uint64_t a, uint64_t b)
{
	return (a + b - 1) / b;
}

static void count_message(struct phone *p, size_t len, size_t per_pdu)
{
	p->own.messages++;
	p->own.pb_bytes += len;
	p->own.min_pdus += p->gatt ? div_up(len ? len : 1, per_pdu) : 1;
}

static int gatt_setup(struct phone *p, const struct phone_opts *o)
{
	struct gatt_client_config cfg = {.mtu = o->mtu,
	                                 .max_message = PHONE_MSG_MAX,
	                                 .write_without_response = o->write_command};
	int err = gatt_client_new(p->fd, &cfg, &p->gatt);

	if (err == 0)
		err = gatt_client_exchange_mtu(p->gatt);
	if (err == 0)
		err = gatt_client_discover(p->gatt);
	if (err == 0)
		err = gatt_client_enable_notifications(p->gatt);
	if (err < 0)
		return err;
	gatt_client_get_stats(p->gatt, &p->base);
	p->mtu = gatt_client_get_mtu(p->gatt);
	p->setup.pdus = p->base.tx_pdus + p->base.rx_pdus;
	p->setup.bytes = p->base.tx_bytes + p->base.rx_bytes;
	p->setup.exchanges = p->base.transactions;
	p->setup.ble_events_1 = p->setup.ble_events_4 = 2 * p->base.transactions;
	return 0;
}

int phone_open(const char *spec, const struct phone_opts *o, struct phone **ret)
{
	struct phone *p = calloc(1, sizeof(*p));
	double t0 = bench_now();
	int err;

	if (!p)
		return -ENOMEM;
	p->next_id = 1;
	if (strncmp(spec, "ble-sim:", 8) == 0) {
		p->fd = app_link_unix_connect(spec + 8, SOCK_SEQPACKET);
		err = p->fd < 0 ? p->fd : gatt_setup(p, o);
	} else if (strncmp(spec, "unix:", 5) == 0) {
		p->fd = app_link_unix_connect(spec + 5, SOCK_STREAM);
		err = p->fd < 0 ? p->fd : 0;
		cdc_rx_init(&p->rx, p->rx_buf, sizeof(p->rx_buf));
	} else {
		p->fd = -1;
		err = -EINVAL;
	}
	if (err < 0) {
		phone_close(p);
		return err;
	}
	p->link_s = bench_now() - t0;
	*ret = p;
	return 0;
}

void phone_close(struct phone *p)
{
	if (!p)
		return;
	gatt_client_free(p->gatt);
	if (p->fd >= 0)
		close(p->fd);
	free(p);
}

bool phone_is_gatt(const struct phone *p)
{
	return p->gatt != NULL;
}

uint16_t phone_mtu(const struct phone *p)
{
	return p->mtu;
}

void phone_get_stats(const struct phone *p, struct phone_stats *ret)
{
	*ret = p->own;
	if (p->gatt) {
		struct gattc_stats s;

		gatt_client_get_stats(p->gatt, &s);
		ret->pdus = s.tx_pdus + s.rx_pdus - p->base.tx_pdus - p->base.rx_pdus;
		ret->bytes = s.tx_bytes + s.rx_bytes - p->base.tx_bytes - p->base.rx_bytes;
		ret->exchanges = s.transactions - p->base.transactions;
		ret->ble_events_1 = 2 * ret->exchanges + p->notify_events_1;
		ret->ble_events_4 = 2 * ret->exchanges + p->notify_events_4;
	}
}

void phone_get_setup(const struct phone *p, struct phone_stats *ret)
{
	*ret = p->setup;
}

double phone_link_seconds(const struct phone *p)
{
	return p->link_s;
}

int phone_read_info(struct phone *p)
{
	double t0 = bench_now();
	size_t len = 0;
	int err;

	if (!p->gatt)
		return 0;
	err = gatt_client_read_info(p->gatt, p->msg, sizeof(p->msg), &len);
	p->link_s += bench_now() - t0;
	if (err == 0)
		count_message(p, len, (size_t)p->mtu - 1);
	return err;
}

static int write_all(int fd, const uint8_t *b, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, b, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		b += n;
		len -= (size_t)n;
	}
	return 0;
}

static int send_message(struct phone *p, const uint8_t *msg, size_t len)
{
	long n;

	count_message(p, len, (size_t)p->mtu - 3);
	if (p->gatt)
		return gatt_client_send_message(p->gatt, msg, len);
	n = cdc_frame_encode(msg, len, p->tx, sizeof(p->tx));
	if (n < 0)
		return (int)n;
	p->own.pdus++;
	p->own.bytes += (uint64_t)n;
	return write_all(p->fd, p->tx, (size_t)n);
}

static int on_cdc_msg(const uint8_t *msg, size_t len, int drop, void *user_data)
{
	struct phone *p = user_data;
	unsigned slot;

	(void)drop;
	p->own.pdus++;
	if (!msg)
		return 0;
	/* counted on arrival: an event read in the same chunk as the last answer counts too */
	count_message(p, len, 0);
	if (len > PHONE_MSG_MAX || p->q_count == PHONE_CDC_QUEUE)
		return 0;
	slot = (p->q_head + p->q_count) % PHONE_CDC_QUEUE;
	memcpy(p->q[slot].msg, msg, len);
	p->q[slot].len = len;
	p->q_count++;
	return 0;
}

static int cdc_recv(struct phone *p, size_t *ret_len)
{
	while (p->q_count == 0) {
		struct pollfd pfd = {.fd = p->fd, .events = POLLIN};
		uint8_t chunk[1024];
		ssize_t n;
		int r = poll(&pfd, 1, PHONE_TIMEOUT_MS);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : -ETIMEDOUT;
		n = read(p->fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -ECONNRESET;
		p->own.bytes += (uint64_t)n;
		r = cdc_rx_feed(&p->rx, chunk, (size_t)n, on_cdc_msg, p);
		if (r < 0)
			return r;
	}
	memcpy(p->msg, p->q[p->q_head].msg, p->q[p->q_head].len);
	*ret_len = p->q[p->q_head].len;
	p->q_head = (p->q_head + 1) % PHONE_CDC_QUEUE;
	p->q_count--;
	return 0;
}

static int recv_message(struct phone *p, size_t *ret_len)
{
	int err = p->gatt ? gatt_client_recv_message(p->gatt, p->msg, sizeof(p->msg), ret_len,
	                                             PHONE_TIMEOUT_MS)
	                  : cdc_recv(p, ret_len);

	if (err == 0 && p->gatt)
		count_message(p, *ret_len, (size_t)p->mtu - 3);
	return err;
}

int phone_call(struct phone *p, const svcport_v1_Request *req, svcport_v1_Response *resp)
{
	uint32_t id = p->next_id++;
	double t0 = bench_now();
	struct gattc_stats before, after;
	size_t len = 0;
	int err;

	if (p->gatt)
		gatt_client_get_stats(p->gatt, &before);

	memset(&p->frame, 0, sizeof(p->frame));
	p->frame.id = id;
	p->frame.which_msg = svcport_v1_Frame_request_tag;
	p->frame.msg.request = *req;
	err = pbio_encode(svcport_v1_Frame_fields, &p->frame, p->msg, sizeof(p->msg), &len);
	if (err == 0)
		err = send_message(p, p->msg, len);
	while (err == 0) {
		err = recv_message(p, &len);
		if (err < 0)
			break;
		if (pbio_decode(svcport_v1_Frame_fields, &p->frame, p->msg, len) < 0)
			continue;
		/* events (StateChanged) are counted and skipped, as the app shows and skips them */
		if (p->frame.which_msg != svcport_v1_Frame_response_tag ||
		    (p->frame.id != id && p->frame.id != 0))
			continue;
		*resp = p->frame.msg.response;
		p->own.round_trips++;
		if (!p->gatt)
			p->own.exchanges++;
		break;
	}
	p->link_s += bench_now() - t0;
	if (p->gatt) {
		/* every notification of this call answers it: one burst */
		uint64_t n;

		gatt_client_get_stats(p->gatt, &after);
		n = after.notifications - before.notifications;
		p->notify_events_1 += n;
		p->notify_events_4 += div_up(n, 4);
	}
	return err;
}
