// SPDX-License-Identifier: GPL-2.0-or-later
/* gatt-conn.h: ATT server + segmentation + session over a PDU-per-packet fd. */
#include "gatt-conn.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mbedtls/platform_util.h>

#include "att-server.h"
#include "capture.h"
#include "link.h"
#include "log.h"
#include "loop.h"
#include "seg.h"
#include "session.h"

#define PDU_MAX   517u          /* largest ATT_MTU we accept (DESIGN §2.1) */
#define OUT_QUEUE (64u * 1024u) /* queued notification bytes (2-byte length + PDU each) */
#define LOG_BURST 5u            /* lines per second a phone's PDUs may cause, per connection */

struct gatt_conn {
	const struct link_ctx *ctx;
	struct gatt_conn_config cfg;
	char name[112];
	char peer[64];
	int fd;
	struct loop_io *io;
	struct loop_timer *closer; /* calls cfg.closed from the loop */
	struct loop_timer *watch;  /* start_ms before the session, the progress rule after */
	uint64_t accepted_ms;
	uint64_t msg_start_ms; /* first segment of the message in reassembly */
	struct att_server *att;
	struct session *session;
	struct seg_rx seg_rx;
	struct seg_tx seg_tx;
	uint16_t cap_handle;
	bool cap_connected;
	bool closing;
	bool secret_out;        /* the Frame being segmented carries a secret: not captured */
	uint64_t log_window_ms; /* Write Commands come without flow control: bound their logs */
	unsigned log_lines;
	unsigned log_dropped;
	size_t q_len;
	uint8_t queue[OUT_QUEUE];
	uint8_t rx_msg[65536]; /* reassembly buffer, bounded by max_message */
};

static void conn_close_later(struct gatt_conn *c, const char *why)
{
	if (c->closing)
		return;
	c->closing = true;
	log_msg(LOG_INFO, "session %u %s: connection ends (%s; %u log lines suppressed)",
	        c->session ? session_id(c->session) : 0, c->name, why, c->log_dropped);
	if (loop_io_set_events(c->io, 0) < 0 || loop_timer_start(c->closer, 0) < 0)
		log_msg(LOG_ERR, "link %s: cannot schedule close", c->name);
}

/* At most LOG_BURST lines per second caused by the phone's PDUs, the rest counted. */
static bool conn_may_log(struct gatt_conn *c)
{
	uint64_t now = loop_now_ms();
	if (now - c->log_window_ms >= 1000u) {
		c->log_window_ms = now;
		c->log_lines = 0;
	}
	if (c->log_lines < LOG_BURST) {
		c->log_lines++;
		return true;
	}
	c->log_dropped++;
	return false;
}

static void on_closer(void *user_data)
{
	struct gatt_conn *c = user_data;
	c->cfg.closed(c, c->cfg.user_data);
}

static uint64_t conn_deadline(const struct gatt_conn *c)
{
	const struct session_limits *lim = c->ctx->limits;
	if (!c->session)
		return c->accepted_ms + lim->start_ms;
	if (c->seg_rx.in_msg)
		return session_progress_deadline(lim, c->msg_start_ms, c->seg_rx.len);
	return UINT64_MAX;
}

static void conn_watch_arm(struct gatt_conn *c)
{
	uint64_t deadline = conn_deadline(c), now = loop_now_ms();
	if (c->closing || deadline == UINT64_MAX) {
		loop_timer_stop(c->watch);
		return;
	}
	if (loop_timer_start(c->watch, deadline > now ? deadline - now : 0) < 0)
		conn_close_later(c, "cannot arm the progress timer");
}

/* No TX subscription in time, or a message in segments too slow. */
static void on_watch(void *user_data)
{
	struct gatt_conn *c = user_data;
	uint64_t now = loop_now_ms();
	if (now < conn_deadline(c)) {
		conn_watch_arm(c);
		return;
	}
	char why[96];
	if (!c->session)
		snprintf(why, sizeof(why), "no TX subscription in %u ms", c->ctx->limits->start_ms);
	else
		snprintf(why, sizeof(why), "a message too slow: %zu of %zu bytes in %llu ms",
		         c->seg_rx.len, c->seg_rx.total,
		         (unsigned long long)(now - c->msg_start_ms));
	conn_close_later(c, why);
}

/*
 * Not writable yet: EAGAIN, or ENOTCONN while the kernel completes the security
 * asked for with BT_SECURITY (the socket stays in BT_CONFIG, refusing sends,
 * until the link is encrypted, then signals POLLOUT; REAL-STACKS). A link that
 * is really gone is seen by recv() and closes the connection there.
 */
static bool is_not_writable_yet(int err)
{
	return err == EAGAIN || err == ENOTCONN;
}

/* Writes queued PDUs; true when the queue is empty. */
static bool queue_flush(struct gatt_conn *c)
{
	size_t off = 0;
	while (off < c->q_len) {
		size_t len = (size_t)c->queue[off] | (size_t)c->queue[off + 1] << 8;
		ssize_t n = send(c->fd, c->queue + off + 2, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && is_not_writable_yet(errno))
			break;
		if (n < 0) {
			conn_close_later(c, strerror(errno));
			mbedtls_platform_zeroize(c->queue, c->q_len);
			c->q_len = 0;
			return true;
		}
		off += 2 + len;
	}
	memmove(c->queue, c->queue + off, c->q_len - off);
	c->q_len -= off;
	/* What was sent leaves no copy (notifications may carry a secret). */
	mbedtls_platform_zeroize(c->queue + c->q_len, off);
	return c->q_len == 0;
}

static int att_send(const uint8_t *pdu, size_t len, void *user_data)
{
	struct gatt_conn *c = user_data;
	if (c->closing)
		return -EPIPE;
	if (c->secret_out && len > 3 && len <= PDU_MAX) {
		/* The notification's header is captured, its value as zeros. */
		uint8_t red[PDU_MAX] = {0};
		memcpy(red, pdu, 3);
		capture_att(c->ctx->capture, c->cap_handle, false, red, len);
	} else {
		capture_att(c->ctx->capture, c->cap_handle, false, pdu, len);
	}
	if (c->q_len == 0) {
		ssize_t n = send(c->fd, pdu, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n == (ssize_t)len)
			return 0;
		if (n < 0 && !is_not_writable_yet(errno)) {
			int e = errno;
			conn_close_later(c, strerror(e));
			return -e;
		}
	}
	if (len + 2 > OUT_QUEUE - c->q_len) {
		/* A phone that does not take its notifications: drop it rather than
		 * lose a segment silently in the middle of a message. */
		conn_close_later(c, "peer does not read");
		return -ENOBUFS;
	}
	c->queue[c->q_len] = (uint8_t)len;
	c->queue[c->q_len + 1] = (uint8_t)(len >> 8);
	memcpy(c->queue + c->q_len + 2, pdu, len);
	c->q_len += 2 + len;
	if (loop_io_set_events(c->io, LOOP_READ | LOOP_WRITE) < 0)
		return -EIO;
	return 0;
}

static int emit_segment(const uint8_t *seg, size_t len, void *user_data)
{
	struct gatt_conn *c = user_data;
	return att_server_notify_tx(c->att, seg, len);
}

/* Session -> phone: one Frame as TX notifications. */
static int session_send(void *link_data, const uint8_t *frame, size_t len)
{
	struct gatt_conn *c = link_data;
	if (!att_server_is_tx_enabled(c->att))
		return -EPERM; /* the phone has not subscribed to TX */
	/* ATT_MTU - 3, but never over 512: an attribute value's maximum (gatt.md). */
	c->secret_out = session_is_sending_secret(c->session);
	int r =
	    seg_tx_split(&c->seg_tx, frame, len, att_server_max_value_len(c->att), emit_segment, c);
	c->secret_out = false;
	return r;
}

static void session_expire(void *link_data)
{
	struct gatt_conn *c = link_data;
	c->session = NULL; /* the table frees it */
	conn_close_later(c, "idle timeout");
}

static const struct session_link_ops gatt_session_ops = {
    .send = session_send,
    .expire = session_expire,
};

static int att_rx_write(const uint8_t *value, size_t len, bool need_rsp, void *user_data)
{
	struct gatt_conn *c = user_data;
	const uint8_t *msg;
	size_t mlen;
	uint64_t now = loop_now_ms();
	if (!c->session)
		return 0; /* not subscribed: no conversation yet (see gatt-conn.h) */
	bool was_in_msg = c->seg_rx.in_msg;
	int r = seg_rx_push(&c->seg_rx, value, len, &msg, &mlen);
	if (!was_in_msg && c->seg_rx.in_msg)
		c->msg_start_ms = now;
	conn_watch_arm(c);
	if (r == 0 && len > 0 && (value[0] & SEG_FIRST) && conn_may_log(c))
		log_msg(LOG_INFO, "session %u %s: receiving a %zu-byte message in segments",
		        session_id(c->session), c->name, c->seg_rx.total);
	if (r == 1)
		session_rx_frame(c->session, msg, mlen, now);
	else if (r == -EMSGSIZE)
		session_rx_link_error(c->session, svcport_v1_ErrorCode_TOO_LARGE,
		                      "message over the maximum", now);
	else if (r < 0)
		session_rx_link_error(c->session, svcport_v1_ErrorCode_LINK_PROTOCOL,
		                      "bad segment (counter, flags or length)", now);
	return 0; /* the segment itself was received: Write Response */
}

static int att_info_read(uint8_t *buf, size_t cap, size_t *ret_len, void *user_data)
{
	struct gatt_conn *c = user_data;
	long n = session_table_link_info(c->ctx->sessions, buf, cap);
	if (n < 0)
		return (int)n;
	*ret_len = (size_t)n;
	return 0;
}

/* A new session for the connection: fresh ids, no cached response, nothing in flight. */
static int conn_session_open(struct gatt_conn *c)
{
	struct session_link link = {
	    .name = c->name,
	    .kind = c->cfg.kind,
	    .physical_presence = false, /* radio: never presence (DESIGN §4.4) */
	    .events = false,            /* until the phone enables TX notifications */
	    .peer = c->peer[0] ? c->peer : NULL,
	    .ops = &gatt_session_ops,
	};
	return session_open(c->ctx->sessions, &link, c, loop_now_ms(), &c->session);
}

/*
 * Enabling TX notifications starts a phone's conversation: both segment
 * counters restart at 0 and a partial message is dropped. The LE link is not
 * a conversation: a phone's OS keeps it up for a while after an app closes
 * its GATT client and hands it to the next one, whose counters start at 0
 * (the kernel reuses the ACL; this side sees no disconnect and no new accept).
 * The next app's ids start again too, so a session that holds an answer (cached
 * or in flight) is replaced by a new one:
 * the old conversation's answers must never reach the new one.
 */
static void att_ccc(uint16_t value, void *user_data)
{
	struct gatt_conn *c = user_data;
	bool on = value & 0x0001;
	if (on) {
		seg_rx_reset(&c->seg_rx);
		seg_tx_reset(&c->seg_tx);
		if (!c->session && conn_session_open(c) < 0) {
			conn_close_later(c, "no free session for BLE");
			return;
		}
		if (!session_is_fresh(c->session)) {
			session_close(c->session);
			c->session = NULL;
			/* The slot just freed is ours again: this cannot find the table full. */
			if (conn_session_open(c) < 0) {
				conn_close_later(c, "no session for the new conversation");
				return;
			}
		}
	}
	conn_watch_arm(c);
	if (c->session) {
		session_set_events(c->session, on);
		if (conn_may_log(c))
			log_msg(LOG_INFO, "session %u %s: TX notifications %s",
			        session_id(c->session), c->name, on ? "enabled" : "disabled");
	}
}

static void on_conn_event(int fd, unsigned events, void *user_data)
{
	struct gatt_conn *c = user_data;
	if ((events & LOOP_WRITE) && queue_flush(c) && !c->closing) {
		if (loop_io_set_events(c->io, LOOP_READ) < 0)
			conn_close_later(c, "cannot watch");
	}
	if (!(events & LOOP_READ) || c->closing)
		return;
	uint8_t pdu[PDU_MAX + 1];
	ssize_t n = recv(fd, pdu, sizeof(pdu), MSG_DONTWAIT | MSG_TRUNC);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		conn_close_later(c, n == 0 ? "disconnected" : strerror(errno));
		return;
	}
	if ((size_t)n > PDU_MAX) {
		capture_att(c->ctx->capture, c->cap_handle, true, pdu, PDU_MAX);
		conn_close_later(c, "ATT PDU over 517 bytes");
		return;
	}
	capture_att(c->ctx->capture, c->cap_handle, true, pdu, (size_t)n);
	if (c->cfg.security_now)
		att_server_set_security(c->att, (enum att_security)c->cfg.security_now(fd));
	int r = att_server_handle_pdu(c->att, pdu, (size_t)n);
	if (r == -EPROTO)
		conn_close_later(c, "ATT sequential protocol violated");
}

int gatt_conn_new(const struct link_ctx *ctx, int fd, const struct gatt_conn_config *cfg,
                  struct gatt_conn **ret_conn)
{
	int r = -ENOMEM;
	struct gatt_conn *c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return -ENOMEM;
	}
	c->ctx = ctx;
	c->cfg = *cfg;
	c->fd = fd;
	c->accepted_ms = loop_now_ms();
	snprintf(c->name, sizeof(c->name), "%s", cfg->name);
	snprintf(c->peer, sizeof(c->peer), "%s", cfg->peer ? cfg->peer : "");
	size_t cap = ctx->max_message < sizeof(c->rx_msg) ? ctx->max_message : sizeof(c->rx_msg);
	seg_rx_init(&c->seg_rx, c->rx_msg, cap);
	seg_tx_reset(&c->seg_tx);
	struct att_server_config acfg = {
	    .mtu = PDU_MAX,
	    .required_security = (enum att_security)cfg->required_security,
	    .device_name = ctx->ble_name,
	};
	struct att_server_callbacks cb = {
	    .send = att_send,
	    .rx_write = att_rx_write,
	    .info_read = att_info_read,
	    .tx_ccc_change = att_ccc,
	    .user_data = c,
	};
	r = att_server_new(&acfg, &cb, &c->att);
	if (r < 0)
		goto fail;
	att_server_set_security(c->att, (enum att_security)cfg->link_security);
	r = loop_timer_new(ctx->loop, on_closer, c, &c->closer);
	if (r < 0)
		goto fail;
	r = loop_timer_new(ctx->loop, on_watch, c, &c->watch);
	if (r < 0)
		goto fail;
	r = loop_io_new(ctx->loop, fd, LOOP_READ, on_conn_event, c, &c->io);
	if (r < 0)
		goto fail;
	conn_watch_arm(c);
	static uint32_t conn_serial; /* capture handles per connection (it has no session yet) */
	c->cap_handle = capture_handle(++conn_serial);
	capture_le_connect(ctx->capture, c->cap_handle);
	c->cap_connected = true;
	*ret_conn = c;
	return 0;

fail:
	gatt_conn_free(c);
	return r;
}

void gatt_conn_free(struct gatt_conn *c)
{
	if (!c)
		return;
	if (c->session && c->seg_rx.in_msg)
		log_msg(LOG_INFO, "session %u %s: partial message dropped (%zu of %zu bytes)",
		        session_id(c->session), c->name, c->seg_rx.len, c->seg_rx.total);
	if (c->cap_connected)
		capture_le_disconnect(c->ctx->capture, c->cap_handle);
	session_close(c->session);
	loop_io_free(c->io);
	loop_timer_free(c->closer);
	loop_timer_free(c->watch);
	att_server_free(c->att);
	close(c->fd);
	mbedtls_platform_zeroize(c->queue, c->q_len);
	free(c);
}

bool gatt_conn_has_session(const struct gatt_conn *c)
{
	return c->session != NULL;
}

unsigned gatt_conn_admit(struct gatt_conn *const *conns, unsigned n)
{
	unsigned free_at = n, pending = 0;
	struct gatt_conn *oldest = NULL;
	for (unsigned i = 0; i < n; i++) {
		struct gatt_conn *c = conns[i];
		if (!c) {
			if (free_at == n)
				free_at = i;
			continue;
		}
		if (c->session || c->closing)
			continue;
		pending++;
		if (!oldest || c->accepted_ms < oldest->accepted_ms)
			oldest = c;
	}
	if (pending >= GATT_CONN_PENDING_MAX && oldest)
		conn_close_later(oldest, "not subscribed, replaced by a newer connection");
	return free_at;
}
