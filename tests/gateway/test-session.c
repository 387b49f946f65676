// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Session table and relay (gateway/session.h), driven without a loop: the
 * link and bmcd are recording doubles, time is a number.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <pb_decode.h>
#include <pb_encode.h>

#include "cdc-frame.h"
#include "cdc-peer.h"
#include "session.h"

#define MAX_SENT 64

struct fake_link {
	unsigned n_sent;
	size_t len[MAX_SENT];
	uint8_t sent[MAX_SENT][svcport_v1_Frame_size];
	bool expired;
	struct session *close_on_send; /* a link whose send fails and ends the session */
};

struct fake_bmc {
	bool down;
	unsigned n_req;
	svcport_v1_BmcRequest last;
};

static struct fake_bmc bmc;
static svcport_v1_Frame decoded;

static int link_send(void *link_data, const uint8_t *frame, size_t len)
{
	struct fake_link *l = link_data;
	assert_true(l->n_sent < MAX_SENT);
	assert_true(len <= sizeof(l->sent[0]));
	memcpy(l->sent[l->n_sent], frame, len);
	l->len[l->n_sent++] = len;
	if (l->close_on_send) {
		session_close(l->close_on_send);
		l->close_on_send = NULL;
		return -EPIPE;
	}
	return 0;
}

static void link_expire(void *link_data)
{
	struct fake_link *l = link_data;
	assert_non_null(l);
	l->expired = true;
}

static const struct session_link_ops link_ops = {.send = link_send, .expire = link_expire};

static int bmc_send(void *user_data, const uint8_t *req, size_t len)
{
	if (bmc.down)
		return -ENOTCONN;
	memset(&bmc.last, 0, sizeof(bmc.last));
	pb_istream_t is = pb_istream_from_buffer(req, len);
	assert_true(pb_decode(&is, svcport_v1_BmcRequest_fields, &bmc.last));
	bmc.n_req++;
	return 0;
}

static const struct session_env env = {.bmc_send = bmc_send};

struct fixture {
	struct session_table *t;
	struct fake_link la, lb;
	struct session *a, *b;
};

static int setup(void **state)
{
	static struct fixture fx;
	memset(&fx, 0, sizeof(fx));
	memset(&bmc, 0, sizeof(bmc));
	struct session_limits lim;
	session_limits_default(&lim);
	lim.max_sessions = 2;
	lim.idle_ms = 1000;
	lim.request_timeout_ms = 500;
	lim.rate_per_s = 10;
	lim.burst = 5;
	assert_int_equal(session_table_new(&lim, &env, &fx.t), 0);
	struct session_link usb = {.name = "tty:/dev/x",
	                           .kind = svcport_v1_LinkKind_LINK_USB,
	                           .physical_presence = true,
	                           .events = true,
	                           .ops = &link_ops};
	struct session_link ble = {.name = "ble-sim:/x",
	                           .kind = svcport_v1_LinkKind_LINK_BLE,
	                           .physical_presence = false,
	                           .events = false,
	                           .ops = &link_ops};
	assert_int_equal(session_open(fx.t, &usb, &fx.la, 0, &fx.a), 0);
	assert_int_equal(session_open(fx.t, &ble, &fx.lb, 0, &fx.b), 0);
	*state = &fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	session_table_free(fx->t);
	return 0;
}

static size_t encode_request(uint32_t id, pb_size_t which, uint8_t *buf, size_t cap)
{
	static svcport_v1_Frame f;
	memset(&f, 0, sizeof(f));
	f.id = id;
	f.which_msg = svcport_v1_Frame_request_tag;
	f.msg.request.which_body = which;
	if (which == svcport_v1_Request_ping_tag) {
		f.msg.request.body.ping.payload.size = 3;
		memcpy(f.msg.request.body.ping.payload.bytes, "abc", 3);
	}
	pb_ostream_t os = pb_ostream_from_buffer(buf, cap);
	assert_true(pb_encode(&os, svcport_v1_Frame_fields, &f));
	return os.bytes_written;
}

static void send_request(struct session *s, uint32_t id, pb_size_t which, uint64_t now)
{
	uint8_t buf[256];
	size_t n = encode_request(id, which, buf, sizeof(buf));
	session_rx_frame(s, buf, n, now);
}

/* Decodes the i-th frame the link sent into `decoded`. */
static const svcport_v1_Frame *sent(const struct fake_link *l, unsigned i)
{
	assert_true(i < l->n_sent);
	memset(&decoded, 0, sizeof(decoded));
	pb_istream_t is = pb_istream_from_buffer(l->sent[i], l->len[i]);
	assert_true(pb_decode(&is, svcport_v1_Frame_fields, &decoded));
	return &decoded;
}

static void assert_error(const struct fake_link *l, unsigned i, uint32_t id,
                         svcport_v1_ErrorCode code)
{
	const svcport_v1_Frame *f = sent(l, i);
	assert_int_equal(f->id, id);
	assert_int_equal(f->which_msg, svcport_v1_Frame_response_tag);
	assert_int_equal(f->msg.response.which_body, svcport_v1_Response_error_tag);
	assert_int_equal(f->msg.response.body.error.code, code);
}

static void bmc_answer(struct session_table *t, uint32_t session, uint32_t request,
                       const char *serial)
{
	static svcport_v1_BmcReply rep;
	memset(&rep, 0, sizeof(rep));
	rep.session_id = session;
	rep.request_id = request;
	rep.which_msg = svcport_v1_BmcReply_response_tag;
	rep.msg.response.which_body = svcport_v1_Response_device_info_tag;
	rep.msg.response.body.device_info.has_device = true;
	strcpy(rep.msg.response.body.device_info.device.machine_type, "7D1A");
	strcpy(rep.msg.response.body.device_info.device.serial_number, serial);
	rep.msg.response.body.device_info.lockdown_state = svcport_v1_LockdownState_LOCKDOWN_LOCKED;
	uint8_t buf[svcport_v1_BmcReply_size];
	pb_ostream_t os = pb_ostream_from_buffer(buf, sizeof(buf));
	assert_true(pb_encode(&os, svcport_v1_BmcReply_fields, &rep));
	session_table_bmc_reply(t, buf, os.bytes_written);
}

/* GetLinkInfo and Ping never reach bmcd. */
static void test_local_answers(void **state)
{
	struct fixture *fx = *state;
	send_request(fx->a, 1, svcport_v1_Request_get_link_info_tag, 1);
	send_request(fx->a, 2, svcport_v1_Request_ping_tag, 2);
	assert_int_equal(bmc.n_req, 0);
	assert_int_equal(fx->la.n_sent, 2);
	const svcport_v1_Frame *f = sent(&fx->la, 0);
	assert_int_equal(f->id, 1);
	assert_int_equal(f->msg.response.which_body, svcport_v1_Response_link_info_tag);
	assert_int_equal(f->msg.response.body.link_info.protocol_version, 1);
	assert_int_equal(f->msg.response.body.link_info.max_message_size, 8192);
	f = sent(&fx->la, 1);
	assert_int_equal(f->id, 2);
	assert_int_equal(f->msg.response.which_body, svcport_v1_Response_pong_tag);
	assert_memory_equal(f->msg.response.body.pong.payload.bytes, "abc", 3);
}

/* Relay carries session id, request id, link kind and presence; reply routed back. */
static void test_relay_presence_per_link(void **state)
{
	struct fixture *fx = *state;
	send_request(fx->a, 7, svcport_v1_Request_get_device_info_tag, 1);
	assert_int_equal(bmc.n_req, 1);
	assert_int_equal(bmc.last.session_id, session_id(fx->a));
	assert_int_equal(bmc.last.request_id, 7);
	assert_int_equal(bmc.last.link, svcport_v1_LinkKind_LINK_USB);
	assert_true(bmc.last.physical_presence);
	assert_int_equal(bmc.last.request.which_body, svcport_v1_Request_get_device_info_tag);
	send_request(fx->b, 9, svcport_v1_Request_get_challenge_tag, 1);
	assert_int_equal(bmc.n_req, 2);
	assert_int_equal(bmc.last.link, svcport_v1_LinkKind_LINK_BLE);
	assert_false(bmc.last.physical_presence);

	bmc_answer(fx->t, session_id(fx->a), 7, "J900ABCD");
	assert_int_equal(fx->la.n_sent, 1);
	assert_int_equal(fx->lb.n_sent, 0);
	const svcport_v1_Frame *f = sent(&fx->la, 0);
	assert_int_equal(f->id, 7);
	assert_string_equal(f->msg.response.body.device_info.device.serial_number, "J900ABCD");

	/* The DeviceInfo seen in passing feeds GetLinkInfo. */
	send_request(fx->a, 8, svcport_v1_Request_get_link_info_tag, 2);
	f = sent(&fx->la, 1);
	assert_string_equal(f->msg.response.body.link_info.device.serial_number, "J900ABCD");
	assert_int_equal(f->msg.response.body.link_info.lockdown_state,
	                 svcport_v1_LockdownState_LOCKDOWN_LOCKED);
}

/* A repeated id gets the cached bytes; bmcd sees the request once. */
static void test_repeated_id_answered_from_cache(void **state)
{
	struct fixture *fx = *state;
	send_request(fx->a, 7, svcport_v1_Request_get_device_info_tag, 1);
	bmc_answer(fx->t, session_id(fx->a), 7, "J900ABCD");
	send_request(fx->a, 7, svcport_v1_Request_get_device_info_tag, 2);
	assert_int_equal(bmc.n_req, 1);
	assert_int_equal(fx->la.n_sent, 2);
	assert_int_equal(fx->la.len[0], fx->la.len[1]);
	assert_memory_equal(fx->la.sent[0], fx->la.sent[1], fx->la.len[0]);
	/* A new id goes to bmcd again. */
	send_request(fx->a, 8, svcport_v1_Request_get_device_info_tag, 3);
	assert_int_equal(bmc.n_req, 2);
}

/* One request in flight: another id is refused, the same id waits for its answer. */
static void test_one_request_in_flight(void **state)
{
	struct fixture *fx = *state;
	send_request(fx->a, 7, svcport_v1_Request_get_device_info_tag, 1);
	send_request(fx->a, 7, svcport_v1_Request_get_device_info_tag, 2);
	assert_int_equal(fx->la.n_sent, 0);
	send_request(fx->a, 8, svcport_v1_Request_get_challenge_tag, 3);
	assert_int_equal(bmc.n_req, 1);
	assert_int_equal(fx->la.n_sent, 1);
	assert_error(&fx->la, 0, 8, svcport_v1_ErrorCode_RATE_LIMITED);
	/* A reply for another id, or another session, is dropped. */
	bmc_answer(fx->t, session_id(fx->a), 8, "X");
	bmc_answer(fx->t, session_id(fx->b), 7, "X");
	bmc_answer(fx->t, 999, 7, "X");
	assert_int_equal(fx->la.n_sent, 1);
	assert_int_equal(fx->lb.n_sent, 0);
	bmc_answer(fx->t, session_id(fx->a), 7, "J900ABCD");
	assert_int_equal(fx->la.n_sent, 2);
	assert_int_equal(sent(&fx->la, 1)->id, 7);
}

/* bmcd unreachable: BMC_UNAVAILABLE at once, not cached, so a retry relays. */
static void test_bmc_unreachable(void **state)
{
	struct fixture *fx = *state;
	bmc.down = true;
	send_request(fx->a, 7, svcport_v1_Request_get_device_info_tag, 1);
	assert_int_equal(fx->la.n_sent, 1);
	assert_error(&fx->la, 0, 7, svcport_v1_ErrorCode_BMC_UNAVAILABLE);
	bmc.down = false;
	send_request(fx->a, 7, svcport_v1_Request_get_device_info_tag, 2);
	assert_int_equal(bmc.n_req, 1);
	assert_int_equal(fx->la.n_sent, 1);
}

/* bmcd lost with a request in flight: answered now; its late reply is dropped. */
static void test_bmc_lost_in_flight(void **state)
{
	struct fixture *fx = *state;
	send_request(fx->a, 7, svcport_v1_Request_submit_command_tag, 1);
	session_table_bmc_down(fx->t);
	assert_int_equal(fx->la.n_sent, 1);
	assert_error(&fx->la, 0, 7, svcport_v1_ErrorCode_BMC_UNAVAILABLE);
	bmc_answer(fx->t, session_id(fx->a), 7, "LATE");
	assert_int_equal(fx->la.n_sent, 1);
}

/* bmcd silent past the request timeout: BMC_UNAVAILABLE from the tick. */
static void test_request_timeout(void **state)
{
	struct fixture *fx = *state;
	send_request(fx->a, 7, svcport_v1_Request_get_challenge_tag, 100);
	assert_int_equal(session_table_tick(fx->t, 300), 300);
	assert_int_equal(fx->la.n_sent, 0);
	session_table_tick(fx->t, 600);
	assert_int_equal(fx->la.n_sent, 1);
	assert_error(&fx->la, 0, 7, svcport_v1_ErrorCode_BMC_UNAVAILABLE);
}

/*
 * The timeout answer's send ends the session (a USB link whose transfer cannot be
 * submitted closes the device) while the session is also idle: the tick must not go on
 * to expire the session it no longer has, with no link left to tell.
 */
static void test_session_ended_by_timeout_answer(void **state)
{
	struct fixture *fx = *state;
	send_request(fx->a, 7, svcport_v1_Request_get_challenge_tag, 100);
	session_close(fx->b);
	fx->la.close_on_send = fx->a;
	/* A late tick: the request timed out (600) and the session is idle (1100). */
	assert_int_equal(session_table_tick(fx->t, 1200), UINT32_MAX);
	assert_int_equal(fx->la.n_sent, 1);
	assert_error(&fx->la, 0, 7, svcport_v1_ErrorCode_BMC_UNAVAILABLE);
	assert_false(fx->la.expired);
	assert_int_equal(session_table_count(fx->t), 0);
}

static unsigned n_log_lines, n_peer_writes;

static void count_log(void *user_data, int prio, const char *line)
{
	n_log_lines++;
}

static int count_write(void *user_data, const uint8_t *data, size_t len)
{
	n_peer_writes++;
	return 0;
}

static void ignore_expired(void *user_data)
{
}

/*
 * A CDC peer that finds no slot (every USB session has a request in flight, so none can
 * be taken over) is refused with one RATE_LIMITED frame, and the table asked again, at
 * most once per retry_after_ms: a cable peer's flood of frames must not become a flood
 * of refusals and log lines.
 */
static void test_cdc_refusals_bounded(void **state)
{
	struct session_table *t;
	struct session_limits lim;
	session_limits_default(&lim);
	lim.max_sessions = 2; /* one slot per kind */
	struct session_env log_env = {.log = count_log, .bmc_send = bmc_send};
	assert_int_equal(session_table_new(&lim, &log_env, &t), 0);
	struct fake_link held = {0};
	struct session *s;
	struct session_link usb = {.name = "unix:/x",
	                           .kind = svcport_v1_LinkKind_LINK_USB,
	                           .physical_presence = true,
	                           .ops = &link_ops};
	assert_int_equal(session_open(t, &usb, &held, 0, &s), 0);
	send_request(s, 1, svcport_v1_Request_get_challenge_tag, 0); /* in flight: kept */

	static const struct cdc_peer_ops ops = {.write = count_write, .expired = ignore_expired};
	struct cdc_peer_config pc = {.name = "tty:/dev/x",
	                             .kind = svcport_v1_LinkKind_LINK_USB,
	                             .physical_presence = true,
	                             .max_message = 8192,
	                             .sessions = t};
	struct cdc_peer *p;
	assert_int_equal(cdc_peer_new(&pc, &ops, NULL, &p), 0);
	uint8_t msg[256], wire[CDC_FRAME_ENCODED_MAX(256)];
	size_t n = encode_request(1, svcport_v1_Request_ping_tag, msg, sizeof(msg));
	long w = cdc_frame_encode(msg, n, wire, sizeof(wire));
	assert_true(w > 0);
	n_log_lines = n_peer_writes = 0;
	for (unsigned i = 0; i < 100; i++)
		assert_int_equal(cdc_peer_feed(p, wire, (size_t)w, 10 + i), -EBUSY);
	assert_int_equal(n_peer_writes, 1);
	assert_true(n_log_lines <= 1);
	/* The retry interval later the peer hears again; once a slot is free it is served. */
	assert_int_equal(cdc_peer_feed(p, wire, (size_t)w, 1010), -EBUSY);
	assert_int_equal(n_peer_writes, 2);
	assert_int_equal(held.n_sent, 0); /* the held session heard nothing */
	session_close(s);
	assert_int_equal(cdc_peer_feed(p, wire, (size_t)w, 2010), 0);
	assert_int_equal(n_peer_writes, 3); /* the Pong */
	assert_true(cdc_peer_has_session(p));
	cdc_peer_free(p);
	session_table_free(t);
}

/* A session without frames for idle_ms ends; the link is told; a new one can open. */
static void test_idle_timeout(void **state)
{
	struct fixture *fx = *state;
	send_request(fx->a, 1, svcport_v1_Request_ping_tag, 900);
	session_table_tick(fx->t, 1000);
	assert_true(fx->lb.expired);
	assert_false(fx->la.expired);
	assert_int_equal(session_table_count(fx->t), 1);
	session_table_tick(fx->t, 1900);
	assert_true(fx->la.expired);
	assert_int_equal(session_table_count(fx->t), 0);
}

/* The table is bounded. */
static void test_table_full(void **state)
{
	struct fixture *fx = *state;
	struct fake_link lc = {0};
	struct session *c;
	struct session_link l = {.name = "unix:/x", .ops = &link_ops};
	assert_int_equal(session_open(fx->t, &l, &lc, 0, &c), -EBUSY);
	uint32_t old = session_id(fx->b);
	session_close(fx->b);
	assert_int_equal(session_open(fx->t, &l, &lc, 0, &c), 0);
	assert_int_not_equal(session_id(c), old); /* ids are never reused */
}

/* Every malformed frame gets BAD_REQUEST / TOO_LARGE and changes nothing. */
static void test_bad_frames(void **state)
{
	struct fixture *fx = *state;
	static const uint8_t garbage[] = {0xff, 0xff, 0xff, 0xff};
	session_rx_frame(fx->a, garbage, sizeof(garbage), 200);
	assert_error(&fx->la, 0, 0, svcport_v1_ErrorCode_BAD_REQUEST);

	uint8_t buf[256];
	size_t n = encode_request(0, svcport_v1_Request_get_device_info_tag, buf, sizeof(buf));
	session_rx_frame(fx->a, buf, n, 400);
	assert_error(&fx->la, 1, 0, svcport_v1_ErrorCode_BAD_REQUEST);

	n = encode_request(5, 0, buf, sizeof(buf)); /* empty Request: no body */
	session_rx_frame(fx->a, buf, n, 600);
	assert_error(&fx->la, 2, 5, svcport_v1_ErrorCode_BAD_REQUEST);

	/* A Response from the phone. */
	static svcport_v1_Frame f;
	memset(&f, 0, sizeof(f));
	f.id = 6;
	f.which_msg = svcport_v1_Frame_response_tag;
	f.msg.response.which_body = svcport_v1_Response_pong_tag;
	pb_ostream_t os = pb_ostream_from_buffer(buf, sizeof(buf));
	assert_true(pb_encode(&os, svcport_v1_Frame_fields, &f));
	session_rx_frame(fx->a, buf, os.bytes_written, 800);
	assert_error(&fx->la, 3, 6, svcport_v1_ErrorCode_BAD_REQUEST);

	static uint8_t big[8193];
	session_rx_frame(fx->a, big, sizeof(big), 1000);
	assert_error(&fx->la, 4, 0, svcport_v1_ErrorCode_TOO_LARGE);

	session_rx_link_error(fx->a, svcport_v1_ErrorCode_LINK_PROTOCOL, "bad segment", 2000);
	assert_error(&fx->la, 5, 0, svcport_v1_ErrorCode_LINK_PROTOCOL);
	assert_int_equal(bmc.n_req, 0);
	/* The session still works. */
	send_request(fx->a, 9, svcport_v1_Request_get_device_info_tag, 2200);
	assert_int_equal(bmc.n_req, 1);
}

/* A flood is throttled (one RATE_LIMITED, the rest dropped); the other session is untouched. */
static void test_flood_throttled(void **state)
{
	struct fixture *fx = *state;
	for (uint32_t i = 0; i < 50; i++)
		send_request(fx->a, 100 + i, svcport_v1_Request_ping_tag, 10);
	/* burst 5 answered, then one RATE_LIMITED */
	assert_int_equal(fx->la.n_sent, 6);
	const svcport_v1_Frame *f = sent(&fx->la, 5);
	assert_int_equal(f->msg.response.body.error.code, svcport_v1_ErrorCode_RATE_LIMITED);
	assert_true(f->msg.response.body.error.retry_after_ms > 0);
	send_request(fx->b, 1, svcport_v1_Request_ping_tag, 10);
	assert_int_equal(fx->lb.n_sent, 1);
	assert_int_equal(sent(&fx->lb, 0)->msg.response.which_body, svcport_v1_Response_pong_tag);
	/* After a refill the flooder is served again. */
	send_request(fx->a, 200, svcport_v1_Request_ping_tag, 10 + 100);
	assert_int_equal(fx->la.n_sent, 7);
	assert_int_equal(sent(&fx->la, 6)->msg.response.which_body, svcport_v1_Response_pong_tag);
}

/* StateChanged goes to sessions with events enabled, as an Event frame with id 0. */
static void test_event_forwarded(void **state)
{
	struct fixture *fx = *state;
	static svcport_v1_BmcReply rep;
	memset(&rep, 0, sizeof(rep));
	rep.which_msg = svcport_v1_BmcReply_event_tag;
	rep.msg.event.which_body = svcport_v1_Event_state_changed_tag;
	rep.msg.event.body.state_changed.lockdown_state = svcport_v1_LockdownState_LOCKDOWN_ACTIVE;
	uint8_t buf[64];
	pb_ostream_t os = pb_ostream_from_buffer(buf, sizeof(buf));
	assert_true(pb_encode(&os, svcport_v1_BmcReply_fields, &rep));
	session_table_bmc_reply(fx->t, buf, os.bytes_written);
	assert_int_equal(fx->la.n_sent, 1);
	assert_int_equal(fx->lb.n_sent, 0); /* BLE: TX notifications not enabled */
	const svcport_v1_Frame *f = sent(&fx->la, 0);
	assert_int_equal(f->id, 0);
	assert_int_equal(f->which_msg, svcport_v1_Frame_event_tag);
	assert_int_equal(f->msg.event.body.state_changed.lockdown_state,
	                 svcport_v1_LockdownState_LOCKDOWN_ACTIVE);
	/* The gateway refreshes its DeviceInfo (session 0). */
	assert_int_equal(bmc.n_req, 1);
	assert_int_equal(bmc.last.session_id, 0);
	assert_int_equal(bmc.last.request.which_body, svcport_v1_Request_get_device_info_tag);
	session_set_events(fx->b, true);
	session_table_bmc_reply(fx->t, buf, os.bytes_written);
	assert_int_equal(fx->lb.n_sent, 1);
	/* Garbage from bmcd is dropped. */
	static const uint8_t junk[] = {0x08};
	session_table_bmc_reply(fx->t, junk, sizeof(junk));
	assert_int_equal(fx->la.n_sent, 2);
}

/* The INFO value is an encoded LinkInfo, from the DeviceInfo bmcd gave at connect. */
static void test_link_info_value(void **state)
{
	struct fixture *fx = *state;
	session_table_bmc_up(fx->t);
	assert_int_equal(bmc.n_req, 1);
	bmc_answer(fx->t, 0, bmc.last.request_id, "SN123");
	uint8_t buf[svcport_v1_LinkInfo_size];
	long n = session_table_link_info(fx->t, buf, sizeof(buf));
	assert_true(n > 0);
	svcport_v1_LinkInfo li = svcport_v1_LinkInfo_init_zero;
	pb_istream_t is = pb_istream_from_buffer(buf, (size_t)n);
	assert_true(pb_decode(&is, svcport_v1_LinkInfo_fields, &li));
	assert_string_equal(li.device.serial_number, "SN123");
	assert_int_equal(li.max_message_size, 8192);
	assert_int_equal(session_table_link_info(fx->t, buf, 2), -EMSGSIZE);
}

static struct session_link link_of(const char *name, svcport_v1_LinkKind kind, const char *peer)
{
	struct session_link l = {.name = name,
	                         .kind = kind,
	                         .physical_presence = kind == svcport_v1_LinkKind_LINK_USB,
	                         .events = true,
	                         .peer = peer,
	                         .ops = &link_ops};
	return l;
}

/*
 * Issue 12 item 1: one link kind never takes every slot (N = 4: a kind holds at most 3),
 * and a presence peer always finds a session: from a kind above its reserve (the
 * longest-quiet session), or from its own kind once that kind has its share.
 */
static void test_slots_per_kind(void **state)
{
	struct session_table *t;
	struct session_limits lim;
	session_limits_default(&lim);
	assert_int_equal(lim.max_sessions, 4);
	assert_int_equal(session_table_new(&lim, &env, &t), 0);
	static struct fake_link ble[5], usb[5];
	struct session *sb[5], *su[5];
	memset(ble, 0, sizeof(ble));
	memset(usb, 0, sizeof(usb));
	struct session_link lb = link_of("ble-sim:/x", svcport_v1_LinkKind_LINK_BLE, "pid 1");
	struct session_link lu = link_of("tty:/x", svcport_v1_LinkKind_LINK_USB, NULL);
	for (int i = 0; i < 3; i++)
		assert_int_equal(session_open(t, &lb, &ble[i], 10 + i, &sb[i]), 0);
	/* A fourth BLE connection finds no slot: the last one stays for USB. */
	assert_int_equal(session_open(t, &lb, &ble[3], 20, &sb[3]), -EBUSY);
	assert_int_equal(session_open(t, &lu, &usb[0], 30, &su[0]), 0);
	assert_int_equal(session_table_count(t), 4);
	/* A second presence peer: the longest-quiet BLE session gives its slot. */
	send_request(sb[0], 1, svcport_v1_Request_ping_tag, 40); /* sb[1] is now the quietest */
	assert_int_equal(session_open(t, &lu, &usb[1], 50, &su[1]), 0);
	assert_true(ble[1].expired);
	assert_false(ble[0].expired || ble[2].expired || usb[0].expired);
	/* A third: BLE holds 2 > its reserve of 1, so BLE again (sb[2], quieter than sb[0]). */
	assert_int_equal(session_open(t, &lu, &usb[2], 60, &su[2]), 0);
	assert_true(ble[2].expired);
	assert_false(ble[0].expired);
	/* USB has its share (3): a fourth presence peer takes its own kind's quietest slot,
	 * never BLE's last one; a USB session with a request in flight is never taken. */
	send_request(su[0], 1, svcport_v1_Request_get_challenge_tag, 70);
	assert_int_equal(session_open(t, &lu, &usb[3], 80, &su[3]), 0);
	assert_true(usb[1].expired);
	assert_false(usb[0].expired || ble[0].expired);
	assert_int_equal(session_table_count(t), 4);
	/* BLE cannot take a USB slot back. */
	assert_int_equal(session_open(t, &lb, &ble[4], 90, &sb[4]), -EBUSY);
	session_table_free(t);
}

/* With N = 8 a kind keeps a reserve of 2: BLE holds at most 6. */
static void test_slots_reserve_scales(void **state)
{
	struct session_table *t;
	struct session_limits lim;
	session_limits_default(&lim);
	lim.max_sessions = 8;
	assert_int_equal(session_table_new(&lim, &env, &t), 0);
	static struct fake_link l[8];
	struct session *s;
	struct session_link lb = link_of("ble:hci0", svcport_v1_LinkKind_LINK_BLE, "AA");
	for (int i = 0; i < 6; i++)
		assert_int_equal(session_open(t, &lb, &l[i], 1, &s), 0);
	assert_int_equal(session_open(t, &lb, &l[6], 1, &s), -EBUSY);
	session_table_free(t);
}

static void bmc_fail(struct session_table *t, uint32_t session, uint32_t request,
                     svcport_v1_ErrorCode code)
{
	static svcport_v1_BmcReply rep;
	memset(&rep, 0, sizeof(rep));
	rep.session_id = session;
	rep.request_id = request;
	rep.which_msg = svcport_v1_BmcReply_response_tag;
	rep.msg.response.which_body = svcport_v1_Response_error_tag;
	rep.msg.response.body.error.code = code;
	uint8_t buf[64];
	pb_ostream_t os = pb_ostream_from_buffer(buf, sizeof(buf));
	assert_true(pb_encode(&os, svcport_v1_BmcReply_fields, &rep));
	session_table_bmc_reply(t, buf, os.bytes_written);
}

/*
 * Issue 12 item 2: failed verifications are counted per session and per peer in the
 * gateway. After 3 free failures a peer's SubmitCommand gets RATE_LIMITED here (bmcd not
 * asked), in a new session of the same peer too; another BLE peer and a USB peer are not
 * slowed; transient answers do not count; after the wait the peer is relayed again.
 */
static void test_backoff_per_peer(void **state)
{
	struct session_table *t;
	struct session_limits lim;
	session_limits_default(&lim);
	lim.max_sessions = 8;
	lim.idle_ms = 1000000;
	assert_int_equal(session_table_new(&lim, &env, &t), 0);
	memset(&bmc, 0, sizeof(bmc));
	static struct fake_link la, la2, lo, lu;
	memset(&la, 0, sizeof(la));
	memset(&la2, 0, sizeof(la2));
	memset(&lo, 0, sizeof(lo));
	memset(&lu, 0, sizeof(lu));
	struct session *a, *a2, *o, *u;
	struct session_link attacker = link_of("ble-sim:/x", svcport_v1_LinkKind_LINK_BLE, "pid 7");
	struct session_link other = link_of("ble-sim:/x", svcport_v1_LinkKind_LINK_BLE, "pid 8");
	struct session_link tech = link_of("unix:/y", svcport_v1_LinkKind_LINK_USB, "pid 9");
	assert_int_equal(session_open(t, &attacker, &la, 0, &a), 0);
	assert_int_equal(session_open(t, &other, &lo, 0, &o), 0);
	assert_int_equal(session_open(t, &tech, &lu, 0, &u), 0);
	uint32_t id = 1;
	/* A transient answer (bmcd busy) is no failure. */
	send_request(a, id, svcport_v1_Request_submit_command_tag, 100);
	bmc_fail(t, session_id(a), id++, svcport_v1_ErrorCode_RATE_LIMITED);
	for (int i = 0; i < 4; i++) {
		send_request(a, id, svcport_v1_Request_submit_command_tag, 100 + i);
		bmc_fail(t, session_id(a), id++, svcport_v1_ErrorCode_BAD_SIGNATURE);
	}
	unsigned n = bmc.n_req;
	send_request(a, id, svcport_v1_Request_submit_command_tag, 200);
	assert_int_equal(bmc.n_req, n);
	assert_error(&la, la.n_sent - 1, id++, svcport_v1_ErrorCode_RATE_LIMITED);
	assert_true(sent(&la, la.n_sent - 1)->msg.response.body.error.retry_after_ms > 0);
	send_request(a, id, svcport_v1_Request_get_activation_code_tag, 210);
	assert_int_equal(bmc.n_req, n);
	id++;
	/* Other requests still pass (bmcd has its own rules for them). */
	send_request(a, id++, svcport_v1_Request_get_device_info_tag, 220);
	assert_int_equal(bmc.n_req, n + 1);
	bmc_answer(t, session_id(a), id - 1, "SN");
	/* The same peer in a new session: still backed off. */
	session_close(a);
	assert_int_equal(session_open(t, &attacker, &la2, 230, &a2), 0);
	send_request(a2, 1, svcport_v1_Request_submit_command_tag, 240);
	assert_int_equal(bmc.n_req, n + 1);
	assert_error(&la2, 0, 1, svcport_v1_ErrorCode_RATE_LIMITED);
	/* Another BLE peer and the USB technician are relayed. */
	send_request(o, 1, svcport_v1_Request_submit_command_tag, 250);
	assert_int_equal(bmc.n_req, n + 2);
	send_request(u, 1, svcport_v1_Request_submit_command_tag, 260);
	assert_int_equal(bmc.n_req, n + 3);
	assert_int_equal(bmc.last.link, svcport_v1_LinkKind_LINK_USB);
	/* After the wait (1 s for the first penalty) the peer is heard again. */
	send_request(a2, 2, svcport_v1_Request_submit_command_tag, 1300);
	assert_int_equal(bmc.n_req, n + 4);
	session_table_free(t);
}

/* A session's own failures count even when its peer is shared by nobody. */
static void test_backoff_per_session(void **state)
{
	struct fixture *fx = *state;
	uint32_t id = 1;
	for (int i = 0; i < 4; i++) {
		send_request(fx->b, id, svcport_v1_Request_get_activation_code_tag, 10 + i);
		bmc_fail(fx->t, session_id(fx->b), id++, svcport_v1_ErrorCode_PRESENCE_REQUIRED);
	}
	unsigned n = bmc.n_req;
	send_request(fx->b, id, svcport_v1_Request_get_activation_code_tag, 20);
	assert_int_equal(bmc.n_req, n);
	/* A verified command clears it (bmcd's rule). */
	send_request(fx->b, ++id, svcport_v1_Request_submit_command_tag, 2000);
	assert_int_equal(bmc.n_req, n + 1);
	static svcport_v1_BmcReply rep;
	memset(&rep, 0, sizeof(rep));
	rep.session_id = session_id(fx->b);
	rep.request_id = id;
	rep.which_msg = svcport_v1_BmcReply_response_tag;
	rep.msg.response.which_body = svcport_v1_Response_command_result_tag;
	uint8_t buf[64];
	pb_ostream_t os = pb_ostream_from_buffer(buf, sizeof(buf));
	assert_true(pb_encode(&os, svcport_v1_BmcReply_fields, &rep));
	session_table_bmc_reply(fx->t, buf, os.bytes_written);
	send_request(fx->b, ++id, svcport_v1_Request_get_activation_code_tag, 2010);
	assert_int_equal(bmc.n_req, n + 2);
}

/* A SubmitCommand frame whose (unsigned) CommandBody carries the action `action`. */
static size_t encode_command(uint32_t id, pb_size_t action, uint8_t *buf, size_t cap)
{
	static svcport_v1_Frame f;
	static svcport_v1_CommandBody body;
	memset(&f, 0, sizeof(f));
	memset(&body, 0, sizeof(body));
	body.version = 1;
	body.which_action = action;
	f.id = id;
	f.which_msg = svcport_v1_Frame_request_tag;
	f.msg.request.which_body = svcport_v1_Request_submit_command_tag;
	f.msg.request.body.submit_command.has_command = true;
	svcport_v1_SignedCommand *c = &f.msg.request.body.submit_command.command;
	pb_ostream_t bs = pb_ostream_from_buffer(c->body.bytes, sizeof(c->body.bytes));
	assert_true(pb_encode(&bs, svcport_v1_CommandBody_fields, &body));
	c->body.size = (pb_size_t)bs.bytes_written;
	pb_ostream_t os = pb_ostream_from_buffer(buf, cap);
	assert_true(pb_encode(&os, svcport_v1_Frame_fields, &f));
	return os.bytes_written;
}

/*
 * The gateway refuses an EmergencyPasswordReset on the network link itself
 * (PRESENCE_REQUIRED, bmcd not asked), as bmcd does: other actions over the
 * network and the reset over USB go to bmcd, which decides.
 */
static void test_net_emergency_reset_refused(void **state)
{
	struct session_table *t;
	struct session_limits lim;
	session_limits_default(&lim);
	assert_int_equal(session_table_new(&lim, &env, &t), 0);
	memset(&bmc, 0, sizeof(bmc));
	static struct fake_link ln, lu;
	memset(&ln, 0, sizeof(ln));
	memset(&lu, 0, sizeof(lu));
	struct session *n, *u;
	struct session_link net = link_of("https:x", svcport_v1_LinkKind_LINK_NET, "10.0.0.0/24");
	struct session_link usb = link_of("unix:/y", svcport_v1_LinkKind_LINK_USB, "pid 9");
	assert_int_equal(session_open(t, &net, &ln, 0, &n), 0);
	assert_int_equal(session_open(t, &usb, &lu, 0, &u), 0);
	static uint8_t buf[svcport_v1_Frame_size];
	size_t len = encode_command(1, svcport_v1_CommandBody_emergency_password_reset_tag, buf,
	                            sizeof(buf));
	session_rx_frame(n, buf, len, 10);
	assert_int_equal(bmc.n_req, 0);
	assert_error(&ln, 0, 1, svcport_v1_ErrorCode_PRESENCE_REQUIRED);
	len = encode_command(2, svcport_v1_CommandBody_claim_tag, buf, sizeof(buf));
	session_rx_frame(n, buf, len, 20);
	assert_int_equal(bmc.n_req, 1);
	len = encode_command(1, svcport_v1_CommandBody_emergency_password_reset_tag, buf,
	                     sizeof(buf));
	session_rx_frame(u, buf, len, 30);
	assert_int_equal(bmc.n_req, 2);
	assert_int_equal(bmc.last.link, svcport_v1_LinkKind_LINK_USB);
	session_table_free(t);
}

/* One failed SubmitCommand of session s (id), answered BAD_SIGNATURE by bmcd. */
static void fail_once(struct session_table *t, struct session *s, uint32_t id, uint64_t now)
{
	send_request(s, id, svcport_v1_Request_submit_command_tag, now);
	bmc_fail(t, session_id(s), id, svcport_v1_ErrorCode_BAD_SIGNATURE);
}

static struct session_table *backoff_table(uint32_t max_ms)
{
	struct session_table *t;
	struct session_limits lim;
	session_limits_default(&lim);
	lim.max_sessions = 8;
	lim.idle_ms = 1000000;
	lim.backoff.max_ms = max_ms;
	assert_int_equal(session_table_new(&lim, &env, &t), 0);
	memset(&bmc, 0, sizeof(bmc));
	return t;
}

/* A one-shot network session from prefix 10.0.i.0/24 fails once; 1: bmcd was asked. */
static unsigned net_fail_once(struct session_table *t, int i, uint64_t now)
{
	static struct fake_link ln;
	char prefix[32];
	struct session *n;
	snprintf(prefix, sizeof(prefix), "10.0.%d.0/24", i);
	struct session_link net = link_of("https:x", svcport_v1_LinkKind_LINK_NET, prefix);
	memset(&ln, 0, sizeof(ln));
	assert_int_equal(session_open(t, &net, &ln, now, &n), 0);
	unsigned before = bmc.n_req;
	fail_once(t, n, 1, now);
	if (bmc.n_req == before)
		assert_error(&ln, 0, 1, svcport_v1_ErrorCode_RATE_LIMITED);
	session_close(n);
	return bmc.n_req - before;
}

/*
 * Attack 16h L2: network peers fail in a share of their own. A BLE peer with 3 free
 * failures stays counted while forty network prefixes fail (all relayed: blocks of at
 * most 5 s, 10 s apart): its fourth failure blocks it.
 */
static void test_backoff_net_share(void **state)
{
	struct session_table *t = backoff_table(5000);
	static struct fake_link lb;
	memset(&lb, 0, sizeof(lb));
	struct session *b;
	struct session_link ble = link_of("ble-sim:/x", svcport_v1_LinkKind_LINK_BLE, "pid 7");
	assert_int_equal(session_open(t, &ble, &lb, 0, &b), 0);
	for (uint32_t id = 1; id <= 3; id++)
		fail_once(t, b, id, id);
	session_close(b);
	uint64_t now = 10000;
	for (int i = 0; i < 40; i++, now += 10000)
		assert_int_equal(net_fail_once(t, i, now), 1);
	memset(&lb, 0, sizeof(lb));
	assert_int_equal(session_open(t, &ble, &lb, now, &b), 0);
	fail_once(t, b, 1, now);
	unsigned before = bmc.n_req;
	send_request(b, 2, svcport_v1_Request_submit_command_tag, now + 1);
	assert_int_equal(bmc.n_req, before);
	assert_error(&lb, lb.n_sent - 1, 2, svcport_v1_ErrorCode_RATE_LIMITED);
	session_table_free(t);
}

/*
 * Attack 16h M3: a peer hopping prefixes is throttled by the gateway's network pool
 * (8 free failures, fewer than bmcd's 16 for LINK_NET) before bmcd's ceiling: from a
 * new prefix, SubmitCommand is RATE_LIMITED here. BLE is not touched by the pool.
 */
static void test_backoff_net_pool(void **state)
{
	struct session_table *t = backoff_table(60000);
	unsigned relayed = 0;
	uint64_t now = 100;
	for (int i = 0; i < 40; i++, now += 100) {
		unsigned r = net_fail_once(t, i, now);
		if (i < 8)
			assert_int_equal(r, 1);
		relayed += r;
	}
	assert_true(relayed < 12);
	static struct fake_link lb;
	memset(&lb, 0, sizeof(lb));
	struct session *b;
	struct session_link ble = link_of("ble-sim:/x", svcport_v1_LinkKind_LINK_BLE, "pid 8");
	assert_int_equal(session_open(t, &ble, &lb, now, &b), 0);
	unsigned before = bmc.n_req;
	send_request(b, 1, svcport_v1_Request_submit_command_tag, now);
	assert_int_equal(bmc.n_req, before + 1);
	session_table_free(t);
}

/*
 * Re-attack 16h F2: one address held the network's whole share (3 sessions kept alive by
 * a Ping each) and every laptop got 503. When no slot is free, a network peer takes the
 * longest-quiet session of an address holding at least two more than its own; a session
 * with a request in flight is never taken, and equal holders keep theirs.
 */
static void test_net_fair_share(void **state)
{
	struct session_table *t;
	struct session_limits lim;
	session_limits_default(&lim);
	assert_int_equal(session_table_new(&lim, &env, &t), 0);
	static struct fake_link nl[8];
	struct session *ns[8];
	memset(nl, 0, sizeof(nl));
	struct session_link a = link_of("https:x", svcport_v1_LinkKind_LINK_NET, "192.0.2.0/24");
	struct session_link b = a, c = a, d = a;
	a.addr = "192.0.2.5";
	b.addr = "192.0.2.6";
	c.addr = "192.0.2.7";
	d.addr = "192.0.2.8";
	for (int i = 0; i < 3; i++)
		assert_int_equal(session_open(t, &a, &nl[i], 10 + i, &ns[i]), 0);
	send_request(ns[0], 1, svcport_v1_Request_ping_tag, 20); /* ns[1] is the quietest */
	send_request(ns[2], 1, svcport_v1_Request_get_challenge_tag, 21); /* in flight */
	/* The share is full: .5 holds 3, more than 0 + 1: its quietest idle one goes. */
	assert_int_equal(session_open(t, &b, &nl[3], 30, &ns[3]), 0);
	assert_true(nl[1].expired);
	assert_false(nl[0].expired || nl[2].expired);
	/* .5 (2) tries again: nobody holds 2 more than it. */
	assert_int_equal(session_open(t, &a, &nl[4], 40, &ns[4]), -EBUSY);
	/* .7 (0): .5 holds 2 > 1, but its idle one is ns[0] only (ns[2] in flight). */
	assert_int_equal(session_open(t, &c, &nl[5], 50, &ns[5]), 0);
	assert_true(nl[0].expired);
	assert_false(nl[2].expired || nl[3].expired);
	/* One each: .8 is refused, nobody gives up a slot to an equal. */
	assert_int_equal(session_open(t, &d, &nl[6], 60, &ns[6]), -EBUSY);
	assert_false(nl[2].expired || nl[3].expired || nl[5].expired);
	session_table_free(t);
}

/*
 * Re-attack 16h F3: one prefix failing once at each expiry of its own block (one request
 * a minute) filled the pool, whose blocks then hit every laptop of every prefix. The pool
 * counts only a prefix's free failures: past them the prefix slows itself alone.
 */
static void test_backoff_net_pool_one_prefix(void **state)
{
	struct session_table *t = backoff_table(60000);
	uint64_t now = 100;
	for (int k = 0; k < 20; k++, now += 60001)
		assert_int_equal(net_fail_once(t, 1, now), 1);
	assert_int_equal(net_fail_once(t, 1, now), 1);
	assert_int_equal(net_fail_once(t, 1, now + 1), 0); /* the prefix itself waits */
	assert_int_equal(net_fail_once(t, 2, now + 1), 1); /* another prefix is asked */
	session_table_free(t);
}

/* Link errors (a byte of junk every so often) never keep a session alive. */
static void test_link_errors_do_not_keep_alive(void **state)
{
	struct fixture *fx = *state;
	for (uint64_t now = 100; now < 1000; now += 100)
		session_rx_link_error(fx->a, svcport_v1_ErrorCode_LINK_PROTOCOL, "junk", now);
	session_table_tick(fx->t, 1000);
	assert_true(fx->la.expired);
}

/* The progress rule: 8 KiB at ATT_MTU 23 with Write Requests (~205 B/s, ~40 s) passes;
 * a trickle does not. */
static void test_progress_rule(void **state)
{
	struct session_limits lim;
	session_limits_default(&lim);
	assert_true(session_progress_deadline(&lim, 1000, 8192) >= 1000 + 8192 * 1000 / 205);
	/* A byte every 10 s: 100 bytes due after 11 s, not after 1000 s. */
	assert_true(session_progress_deadline(&lim, 0, 100) < 100 * 10000);
	assert_int_equal(session_progress_deadline(&lim, 0, 0), lim.message_ms);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_local_answers, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_relay_presence_per_link, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_repeated_id_answered_from_cache, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_one_request_in_flight, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bmc_unreachable, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bmc_lost_in_flight, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_request_timeout, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_session_ended_by_timeout_answer, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cdc_refusals_bounded, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_idle_timeout, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_table_full, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_frames, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_flood_throttled, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_event_forwarded, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_link_info_value, setup, teardown),
	    cmocka_unit_test(test_slots_per_kind),
	    cmocka_unit_test(test_slots_reserve_scales),
	    cmocka_unit_test(test_backoff_per_peer),
	    cmocka_unit_test_setup_teardown(test_backoff_per_session, setup, teardown),
	    cmocka_unit_test(test_net_emergency_reset_refused),
	    cmocka_unit_test(test_backoff_net_share),
	    cmocka_unit_test(test_backoff_net_pool),
	    cmocka_unit_test(test_backoff_net_pool_one_prefix),
	    cmocka_unit_test(test_net_fair_share),
	    cmocka_unit_test_setup_teardown(test_link_errors_do_not_keep_alive, setup, teardown),
	    cmocka_unit_test(test_progress_rule),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
