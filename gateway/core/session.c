// SPDX-License-Identifier: GPL-2.0-or-later
/* Session table and relay (session.h). */
#include "session.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <pb_decode.h>
#include <pb_encode.h>

#define PROTOCOL_VERSION     1
#define MIN_PROTOCOL_VERSION 1
#define LINK_NAME_MAX        112
/* A Frame carrying a Response is far below svcport_v1_Frame_size; size the
 * cache and output buffers from the generated bound anyway. */
#define FRAME_OUT_MAX svcport_v1_Frame_size

struct session {
	struct session_table *table;
	bool used;
	uint32_t id;
	char link_name[LINK_NAME_MAX];
	svcport_v1_LinkKind kind;
	bool presence;
	bool events;
	const struct session_link_ops *ops;
	void *link_data;

	uint64_t last_rx_ms;
	/* One request in flight. */
	bool in_flight;
	uint32_t flight_id;
	uint64_t flight_deadline_ms;
	/* Last cached response, by request id. */
	bool cached;
	uint32_t cached_id;
	size_t cached_len;
	uint8_t cached_frame[FRAME_OUT_MAX];
	/* Token bucket, in thousandths of a token. */
	uint64_t tokens_milli;
	uint64_t bucket_ms;
	uint64_t last_limited_ms;
	bool limited_once;
};

struct session_table {
	struct session_limits limits;
	struct session_env env;
	uint32_t next_id;
	uint32_t next_internal_id;
	uint32_t devinfo_request_id;
	/* Cached from bmcd's DeviceInfo, for LinkInfo. */
	bool has_device;
	svcport_v1_DeviceId device;
	svcport_v1_LockdownState lockdown;
	/* Scratch for decoding (large structs stay off the stack). */
	svcport_v1_Frame frame;
	svcport_v1_BmcRequest bmc_req;
	svcport_v1_BmcReply bmc_reply;
	uint8_t out[FRAME_OUT_MAX > svcport_v1_BmcRequest_size ? FRAME_OUT_MAX
	                                                       : svcport_v1_BmcRequest_size];
	struct session sessions[SESSION_MAX];
};

_Static_assert(SESSION_MAX <= 256, "session table is scanned linearly");
_Static_assert(svcport_v1_Response_size + 16 <= FRAME_OUT_MAX, "cache holds any response frame");

void session_limits_default(struct session_limits *limits)
{
	*limits = (struct session_limits){
	    .max_sessions = 4,
	    .idle_ms = 120000,
	    .request_timeout_ms = 10000,
	    .max_message = 8192,
	    .rate_per_s = 10,
	    .burst = 20,
	};
}

static void tlog(struct session_table *t, int prio, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void tlog(struct session_table *t, int prio, const char *fmt, ...)
{
	char line[256];
	va_list ap;
	if (!t->env.log)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	t->env.log(t->env.user_data, prio, line);
}

#define slog(s, prio, fmt, ...)                                                                    \
	tlog((s)->table, prio, "session %u %s: " fmt, (s)->id, (s)->link_name, ##__VA_ARGS__)

int session_table_new(const struct session_limits *limits, const struct session_env *env,
                      struct session_table **ret_table)
{
	struct session_table *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->limits = *limits;
	if (t->limits.max_sessions < 1)
		t->limits.max_sessions = 1;
	if (t->limits.max_sessions > SESSION_MAX)
		t->limits.max_sessions = SESSION_MAX;
	if (t->limits.rate_per_s < 1)
		t->limits.rate_per_s = 1;
	if (t->limits.burst < 1)
		t->limits.burst = 1;
	if (t->limits.max_message < 16)
		t->limits.max_message = 16;
	t->env = *env;
	t->next_id = 1;
	t->next_internal_id = 1;
	for (size_t i = 0; i < SESSION_MAX; i++)
		t->sessions[i].table = t;
	*ret_table = t;
	return 0;
}

void session_table_free(struct session_table *t)
{
	free(t);
}

unsigned session_table_count(const struct session_table *t)
{
	unsigned n = 0;
	for (size_t i = 0; i < SESSION_MAX; i++)
		n += t->sessions[i].used;
	return n;
}

int session_open(struct session_table *t, const struct session_link *link, void *link_data,
                 uint64_t now_ms, struct session **ret_session)
{
	if (session_table_count(t) >= t->limits.max_sessions) {
		tlog(t, LOG_WARNING, "session - %s: refused, table full (%u)", link->name,
		     t->limits.max_sessions);
		return -EBUSY;
	}
	struct session *s = NULL;
	for (size_t i = 0; i < SESSION_MAX && !s; i++)
		if (!t->sessions[i].used)
			s = &t->sessions[i];
	memset(s, 0, sizeof(*s));
	s->table = t;
	s->used = true;
	s->id = t->next_id++;
	if (t->next_id == 0) /* 0 addresses the gateway itself at bmcd */
		t->next_id = 1;
	snprintf(s->link_name, sizeof(s->link_name), "%s", link->name);
	s->kind = link->kind;
	s->presence = link->physical_presence;
	s->events = link->events;
	s->ops = link->ops;
	s->link_data = link_data;
	s->last_rx_ms = now_ms;
	s->tokens_milli = (uint64_t)t->limits.burst * 1000u;
	s->bucket_ms = now_ms;
	slog(s, LOG_INFO, "open (presence %s)", s->presence ? "yes" : "no");
	*ret_session = s;
	return 0;
}

void session_close(struct session *s)
{
	if (!s)
		return;
	slog(s, LOG_INFO, "closed");
	s->used = false;
	s->link_data = NULL;
}

uint32_t session_id(const struct session *s)
{
	return s->id;
}

const char *session_link_name(const struct session *s)
{
	return s->link_name;
}

bool session_is_fresh(const struct session *s)
{
	return !s->cached && !s->in_flight;
}

void session_set_events(struct session *s, bool enabled)
{
	s->events = enabled;
}

static const char *request_name(pb_size_t which)
{
	switch (which) {
	case svcport_v1_Request_get_link_info_tag:
		return "GetLinkInfo";
	case svcport_v1_Request_get_device_info_tag:
		return "GetDeviceInfo";
	case svcport_v1_Request_get_challenge_tag:
		return "GetChallenge";
	case svcport_v1_Request_submit_command_tag:
		return "SubmitCommand";
	case svcport_v1_Request_get_activation_code_tag:
		return "GetActivationCode";
	case svcport_v1_Request_ping_tag:
		return "Ping";
	default:
		return "unknown";
	}
}

static bool is_transient(const svcport_v1_Response *r)
{
	if (r->which_body != svcport_v1_Response_error_tag)
		return false;
	switch (r->body.error.code) {
	case svcport_v1_ErrorCode_BMC_UNAVAILABLE:
	case svcport_v1_ErrorCode_RATE_LIMITED:
	case svcport_v1_ErrorCode_INTERNAL:
		return true;
	default:
		return false;
	}
}

/* Encodes Frame{id, response} into t->out and sends it; caches it unless transient. */
static void send_response(struct session *s, uint32_t id, const svcport_v1_Response *resp)
{
	struct session_table *t = s->table;
	svcport_v1_Frame *f = &t->frame;
	memset(f, 0, sizeof(*f));
	f->id = id;
	f->which_msg = svcport_v1_Frame_response_tag;
	f->msg.response = *resp;
	pb_ostream_t os = pb_ostream_from_buffer(t->out, sizeof(t->out));
	if (!pb_encode(&os, svcport_v1_Frame_fields, f)) {
		slog(s, LOG_ERR, "id %u: response does not encode: %s", id, PB_GET_ERROR(&os));
		return;
	}
	if (id != 0 && !is_transient(resp)) {
		s->cached = true;
		s->cached_id = id;
		s->cached_len = os.bytes_written;
		memcpy(s->cached_frame, t->out, os.bytes_written);
	}
	int r = s->ops->send(s->link_data, t->out, os.bytes_written);
	if (r < 0)
		slog(s, LOG_WARNING, "id %u: send failed: %s", id, strerror(-r));
}

static void send_error(struct session *s, uint32_t id, svcport_v1_ErrorCode code,
                       uint32_t retry_after_ms, const char *detail)
{
	svcport_v1_Response resp = svcport_v1_Response_init_zero;
	resp.which_body = svcport_v1_Response_error_tag;
	resp.body.error.code = code;
	resp.body.error.retry_after_ms = retry_after_ms;
	snprintf(resp.body.error.detail, sizeof(resp.body.error.detail), "%s", detail);
	slog(s, LOG_NOTICE, "id %u: error %d (%s)", id, (int)code, detail);
	send_response(s, id, &resp);
}

static uint32_t refill_interval_ms(const struct session_table *t)
{
	uint32_t ms = 1000u / t->limits.rate_per_s;
	return ms ? ms : 1;
}

/*
 * Token bucket. Returns true when the frame may be handled. When not, *answer
 * says whether this is the one RATE_LIMITED answer of the interval.
 */
static bool rate_take(struct session *s, uint64_t now_ms, bool *answer)
{
	const struct session_table *t = s->table;
	uint64_t cap = (uint64_t)t->limits.burst * 1000u;
	if (now_ms > s->bucket_ms) {
		s->tokens_milli += (now_ms - s->bucket_ms) * t->limits.rate_per_s;
		if (s->tokens_milli > cap)
			s->tokens_milli = cap;
		s->bucket_ms = now_ms;
	}
	if (s->tokens_milli >= 1000u) {
		s->tokens_milli -= 1000u;
		return true;
	}
	*answer = !s->limited_once || now_ms - s->last_limited_ms >= refill_interval_ms(t);
	if (*answer) {
		s->limited_once = true;
		s->last_limited_ms = now_ms;
	}
	return false;
}

static void answer_link_info(struct session *s, uint32_t id)
{
	const struct session_table *t = s->table;
	svcport_v1_Response resp = svcport_v1_Response_init_zero;
	resp.which_body = svcport_v1_Response_link_info_tag;
	svcport_v1_LinkInfo *li = &resp.body.link_info;
	li->protocol_version = PROTOCOL_VERSION;
	li->min_protocol_version = MIN_PROTOCOL_VERSION;
	li->max_message_size = t->limits.max_message;
	li->has_device = t->has_device;
	li->device = t->device;
	li->lockdown_state = t->lockdown;
	send_response(s, id, &resp);
}

static void answer_pong(struct session *s, uint32_t id, const svcport_v1_Ping *ping)
{
	svcport_v1_Response resp = svcport_v1_Response_init_zero;
	resp.which_body = svcport_v1_Response_pong_tag;
	_Static_assert(sizeof(resp.body.pong.payload.bytes) == sizeof(ping->payload.bytes),
	               "Pong echoes Ping");
	resp.body.pong.payload.size = ping->payload.size;
	memcpy(resp.body.pong.payload.bytes, ping->payload.bytes, ping->payload.size);
	send_response(s, id, &resp);
}

static void relay(struct session *s, uint32_t id, uint64_t now_ms)
{
	struct session_table *t = s->table;
	svcport_v1_BmcRequest *req = &t->bmc_req;
	memset(req, 0, sizeof(*req));
	req->session_id = s->id;
	req->request_id = id;
	req->link = s->kind;
	req->physical_presence = s->presence;
	req->has_request = true;
	req->request = t->frame.msg.request;
	pb_ostream_t os = pb_ostream_from_buffer(t->out, sizeof(t->out));
	if (!pb_encode(&os, svcport_v1_BmcRequest_fields, req)) {
		send_error(s, id, svcport_v1_ErrorCode_INTERNAL, 0, "request does not re-encode");
		return;
	}
	int r = t->env.bmc_send ? t->env.bmc_send(t->env.user_data, t->out, os.bytes_written)
	                        : -ENOTCONN;
	if (r < 0) {
		send_error(s, id, svcport_v1_ErrorCode_BMC_UNAVAILABLE, 1000, "bmcd unreachable");
		return;
	}
	s->in_flight = true;
	s->flight_id = id;
	s->flight_deadline_ms = now_ms + t->limits.request_timeout_ms;
	slog(s, LOG_INFO, "id %u: %s relayed", id, request_name(req->request.which_body));
}

void session_rx_frame(struct session *s, const uint8_t *msg, size_t len, uint64_t now_ms)
{
	struct session_table *t = s->table;
	bool answer = false;
	s->last_rx_ms = now_ms;
	if (!rate_take(s, now_ms, &answer)) {
		if (answer)
			send_error(s, 0, svcport_v1_ErrorCode_RATE_LIMITED, refill_interval_ms(t),
			           "too many frames");
		return;
	}
	if (len > t->limits.max_message) {
		send_error(s, 0, svcport_v1_ErrorCode_TOO_LARGE, 0, "frame over the maximum");
		return;
	}
	svcport_v1_Frame *f = &t->frame;
	memset(f, 0, sizeof(*f));
	pb_istream_t is = pb_istream_from_buffer(msg, len);
	if (!pb_decode(&is, svcport_v1_Frame_fields, f)) {
		send_error(s, 0, svcport_v1_ErrorCode_BAD_REQUEST, 0, "frame does not decode");
		return;
	}
	uint32_t id = f->id;
	if (f->which_msg != svcport_v1_Frame_request_tag) {
		send_error(s, id, svcport_v1_ErrorCode_BAD_REQUEST, 0, "not a request");
		return;
	}
	if (id == 0) {
		send_error(s, 0, svcport_v1_ErrorCode_BAD_REQUEST, 0,
		           "id 0 is reserved for events");
		return;
	}
	if (s->cached && s->cached_id == id) {
		slog(s, LOG_INFO, "id %u: repeated, cached response", id);
		int r = s->ops->send(s->link_data, s->cached_frame, s->cached_len);
		if (r < 0)
			slog(s, LOG_WARNING, "id %u: send failed: %s", id, strerror(-r));
		return;
	}
	if (s->in_flight) {
		if (s->flight_id == id) {
			slog(s, LOG_INFO, "id %u: repeated while in flight, answer follows", id);
			return;
		}
		send_error(s, id, svcport_v1_ErrorCode_RATE_LIMITED, 100, "one request at a time");
		return;
	}
	switch (f->msg.request.which_body) {
	case svcport_v1_Request_get_link_info_tag:
		slog(s, LOG_INFO, "id %u: GetLinkInfo answered locally", id);
		answer_link_info(s, id);
		break;
	case svcport_v1_Request_ping_tag: {
		svcport_v1_Ping ping = f->msg.request.body.ping;
		slog(s, LOG_INFO, "id %u: Ping answered locally", id);
		answer_pong(s, id, &ping);
		break;
	}
	case svcport_v1_Request_get_device_info_tag:
	case svcport_v1_Request_get_challenge_tag:
	case svcport_v1_Request_submit_command_tag:
	case svcport_v1_Request_get_activation_code_tag:
		relay(s, id, now_ms);
		break;
	default:
		send_error(s, id, svcport_v1_ErrorCode_BAD_REQUEST, 0, "unknown request");
		break;
	}
}

void session_rx_link_error(struct session *s, svcport_v1_ErrorCode code, const char *detail,
                           uint64_t now_ms)
{
	bool answer = false;
	s->last_rx_ms = now_ms;
	if (!rate_take(s, now_ms, &answer)) {
		if (answer)
			send_error(s, 0, svcport_v1_ErrorCode_RATE_LIMITED,
			           refill_interval_ms(s->table), "too many frames");
		return;
	}
	send_error(s, 0, code, 0, detail);
}

static struct session *session_find(struct session_table *t, uint32_t id)
{
	for (size_t i = 0; i < SESSION_MAX; i++)
		if (t->sessions[i].used && t->sessions[i].id == id)
			return &t->sessions[i];
	return NULL;
}

void session_table_bmc_up(struct session_table *t)
{
	svcport_v1_BmcRequest *req = &t->bmc_req;
	memset(req, 0, sizeof(*req));
	req->session_id = 0;
	req->request_id = t->next_internal_id++;
	if (t->next_internal_id == 0)
		t->next_internal_id = 1;
	req->link = svcport_v1_LinkKind_LINK_KIND_UNSPECIFIED;
	req->has_request = true;
	req->request.which_body = svcport_v1_Request_get_device_info_tag;
	pb_ostream_t os = pb_ostream_from_buffer(t->out, sizeof(t->out));
	if (!pb_encode(&os, svcport_v1_BmcRequest_fields, req))
		return;
	t->devinfo_request_id = req->request_id;
	if (t->env.bmc_send && t->env.bmc_send(t->env.user_data, t->out, os.bytes_written) < 0)
		tlog(t, LOG_WARNING, "session 0: GetDeviceInfo to bmcd failed");
}

void session_table_bmc_down(struct session_table *t)
{
	for (size_t i = 0; i < SESSION_MAX; i++) {
		struct session *s = &t->sessions[i];
		if (!s->used || !s->in_flight)
			continue;
		s->in_flight = false;
		send_error(s, s->flight_id, svcport_v1_ErrorCode_BMC_UNAVAILABLE, 1000,
		           "bmcd connection lost");
	}
}

static void cache_device(struct session_table *t, const svcport_v1_DeviceInfo *di)
{
	t->has_device = di->has_device;
	t->device = di->device;
	t->lockdown = di->lockdown_state;
}

static void broadcast_event(struct session_table *t, const svcport_v1_Event *ev)
{
	svcport_v1_Frame *f = &t->frame;
	memset(f, 0, sizeof(*f));
	f->id = 0;
	f->which_msg = svcport_v1_Frame_event_tag;
	f->msg.event = *ev;
	pb_ostream_t os = pb_ostream_from_buffer(t->out, sizeof(t->out));
	if (!pb_encode(&os, svcport_v1_Frame_fields, f))
		return;
	for (size_t i = 0; i < SESSION_MAX; i++) {
		struct session *s = &t->sessions[i];
		if (!s->used || !s->events)
			continue;
		slog(s, LOG_INFO, "event StateChanged forwarded");
		int r = s->ops->send(s->link_data, t->out, os.bytes_written);
		if (r < 0)
			slog(s, LOG_WARNING, "event send failed: %s", strerror(-r));
	}
}

void session_table_bmc_reply(struct session_table *t, const uint8_t *pkt, size_t len)
{
	svcport_v1_BmcReply *rep = &t->bmc_reply;
	memset(rep, 0, sizeof(*rep));
	pb_istream_t is = pb_istream_from_buffer(pkt, len);
	if (!pb_decode(&is, svcport_v1_BmcReply_fields, rep)) {
		tlog(t, LOG_WARNING, "session 0: bmcd reply does not decode (%zu bytes): %s", len,
		     PB_GET_ERROR(&is));
		return;
	}
	if (rep->session_id == 0) {
		if (rep->which_msg == svcport_v1_BmcReply_event_tag &&
		    rep->msg.event.which_body == svcport_v1_Event_state_changed_tag) {
			t->lockdown = rep->msg.event.body.state_changed.lockdown_state;
			tlog(t, LOG_INFO, "session 0: bmcd StateChanged (lockdown %d)",
			     (int)t->lockdown);
			svcport_v1_Event ev = rep->msg.event;
			broadcast_event(t, &ev);
			session_table_bmc_up(t); /* refresh the cached DeviceInfo */
		} else if (rep->which_msg == svcport_v1_BmcReply_response_tag &&
		           rep->request_id == t->devinfo_request_id &&
		           rep->msg.response.which_body == svcport_v1_Response_device_info_tag) {
			cache_device(t, &rep->msg.response.body.device_info);
			tlog(t, LOG_INFO, "session 0: DeviceInfo cached (%s %s)",
			     t->device.machine_type, t->device.serial_number);
		}
		return;
	}
	struct session *s = session_find(t, rep->session_id);
	if (!s || !s->in_flight || s->flight_id != rep->request_id ||
	    rep->which_msg != svcport_v1_BmcReply_response_tag) {
		tlog(t, LOG_NOTICE, "session %u: unmatched bmcd reply to id %u dropped",
		     rep->session_id, rep->request_id);
		return;
	}
	s->in_flight = false;
	if (rep->msg.response.which_body == svcport_v1_Response_device_info_tag)
		cache_device(t, &rep->msg.response.body.device_info);
	slog(s, LOG_INFO, "id %u: bmcd answered (response %u)", rep->request_id,
	     (unsigned)rep->msg.response.which_body);
	svcport_v1_Response resp = rep->msg.response;
	send_response(s, rep->request_id, &resp);
}

uint32_t session_table_tick(struct session_table *t, uint64_t now_ms)
{
	uint64_t next = UINT64_MAX;
	for (size_t i = 0; i < SESSION_MAX; i++) {
		struct session *s = &t->sessions[i];
		if (!s->used)
			continue;
		if (s->in_flight) {
			if (now_ms >= s->flight_deadline_ms) {
				s->in_flight = false;
				send_error(s, s->flight_id, svcport_v1_ErrorCode_BMC_UNAVAILABLE,
				           1000, "bmcd did not answer");
				/* A link that failed to send may have ended the session. */
				if (!s->used)
					continue;
			} else if (s->flight_deadline_ms - now_ms < next) {
				next = s->flight_deadline_ms - now_ms;
			}
		}
		uint64_t idle_end = s->last_rx_ms + t->limits.idle_ms;
		if (!s->in_flight && now_ms >= idle_end) {
			slog(s, LOG_INFO, "idle for %u ms, ending", t->limits.idle_ms);
			s->ops->expire(s->link_data);
			s->used = false;
			s->link_data = NULL;
			continue;
		}
		if (now_ms < idle_end && idle_end - now_ms < next)
			next = idle_end - now_ms;
	}
	return next > UINT32_MAX ? UINT32_MAX : (uint32_t)next;
}

long session_table_link_info(const struct session_table *t, uint8_t *buf, size_t cap)
{
	svcport_v1_LinkInfo li = svcport_v1_LinkInfo_init_zero;
	li.protocol_version = PROTOCOL_VERSION;
	li.min_protocol_version = MIN_PROTOCOL_VERSION;
	li.max_message_size = t->limits.max_message;
	li.has_device = t->has_device;
	li.device = t->device;
	li.lockdown_state = t->lockdown;
	pb_ostream_t os = pb_ostream_from_buffer(buf, cap);
	if (!pb_encode(&os, svcport_v1_LinkInfo_fields, &li))
		return -EMSGSIZE;
	return (long)os.bytes_written;
}
