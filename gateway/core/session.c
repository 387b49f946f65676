// SPDX-License-Identifier: GPL-2.0-or-later
/* Session table and relay (session.h): admission, requests, bmcd's replies, timers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pb_decode.h>
#include <pb_encode.h>

#include "session-int.h"

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
	    .start_ms = 10000,
	    .message_ms = 10000,
	    .min_rate = 100,
	};
	backoff_rule_default(&limits->backoff);
}

uint64_t session_progress_deadline(const struct session_limits *limits, uint64_t start_ms,
                                   uint64_t bytes)
{
	uint32_t rate = limits->min_rate ? limits->min_rate : 1;
	return start_ms + limits->message_ms + bytes * 1000u / rate;
}

int session_table_new(const struct session_limits *limits, const struct session_env *env,
                      struct session_table **ret_table)
{
	struct session_table *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->limits = *limits;
	if (t->limits.max_sessions < 2) /* with one slot, one kind would take every slot */
		t->limits.max_sessions = 2;
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

static unsigned kind_count(const struct session_table *t, svcport_v1_LinkKind kind)
{
	unsigned n = 0;
	for (size_t i = 0; i < SESSION_MAX; i++)
		n += t->sessions[i].used && t->sessions[i].kind == kind;
	return n;
}

/* The slots the other kinds keep: R = max(1, N/4). */
static unsigned kind_reserve(const struct session_table *t)
{
	return t->limits.max_sessions / 4 ? t->limits.max_sessions / 4 : 1;
}

/* Ends a session from the table's side (idle, or its slot given away). */
static void session_end(struct session *s)
{
	if (s->addr[0])
		slog(s, LOG_INFO, "ended, from %s", s->addr);
	s->ops->expire(s->link_data);
	s->used = false;
	s->link_data = NULL;
}

/*
 * A presence peer's slot when none is free for its kind: the longest-quiet
 * session with nothing in flight, of its own kind when that kind has its
 * share, otherwise of a kind holding more than its reserve. NULL: none.
 */
static struct session *slot_take_over(struct session_table *t, svcport_v1_LinkKind kind)
{
	const unsigned share = t->limits.max_sessions - kind_reserve(t);
	const bool own = kind_count(t, kind) >= share;
	struct session *victim = NULL;

	for (size_t i = 0; i < SESSION_MAX; i++) {
		struct session *s = &t->sessions[i];
		if (!s->used || s->in_flight)
			continue;
		if (own ? s->kind != kind
		        : s->kind == kind || kind_count(t, s->kind) <= kind_reserve(t))
			continue;
		if (!victim || s->last_rx_ms < victim->last_rx_ms)
			victim = s;
	}
	return victim;
}

static unsigned addr_count(const struct session_table *t, svcport_v1_LinkKind kind,
                           const char *addr)
{
	unsigned n = 0;
	for (size_t i = 0; i < SESSION_MAX; i++)
		n += t->sessions[i].used && t->sessions[i].kind == kind &&
		     !strcmp(t->sessions[i].addr, addr);
	return n;
}

/*
 * A network peer's slot when none is free (re-attack 16h F2): of the address holding
 * the most sessions of the kind, at least two more than the newcomer's address holds,
 * the longest-quiet session with nothing in flight. NULL: none (the newcomer is refused).
 */
static struct session *slot_fair_share(struct session_table *t, const struct session_link *link)
{
	const unsigned have = addr_count(t, link->kind, link->addr);
	struct session *victim = NULL;
	unsigned v_count = have + 1;

	for (size_t i = 0; i < SESSION_MAX; i++) {
		struct session *s = &t->sessions[i];
		if (!s->used || s->in_flight || s->kind != link->kind || !s->addr[0] ||
		    !strcmp(s->addr, link->addr))
			continue;
		unsigned n = addr_count(t, s->kind, s->addr);
		if (n > v_count || (victim && n == v_count && s->last_rx_ms < victim->last_rx_ms)) {
			victim = s;
			v_count = n;
		}
	}
	return victim;
}

static struct session *slot_find(struct session_table *t, const struct session_link *link)
{
	const unsigned share = t->limits.max_sessions - kind_reserve(t);
	if (session_table_count(t) < t->limits.max_sessions && kind_count(t, link->kind) < share) {
		for (size_t i = 0; i < SESSION_MAX; i++)
			if (!t->sessions[i].used)
				return &t->sessions[i];
	}
	struct session *victim = NULL;
	if (link->physical_presence)
		victim = slot_take_over(t, link->kind);
	else if (link->addr && link->addr[0])
		victim = slot_fair_share(t, link);
	if (victim) {
		slog(victim, LOG_NOTICE, "ending: its slot goes to a new %s on %s",
		     link->physical_presence ? "presence peer"
		                             : "peer (its address holds the most sessions)",
		     link->name);
		session_end(victim);
	}
	return victim;
}

int session_open(struct session_table *t, const struct session_link *link, void *link_data,
                 uint64_t now_ms, struct session **ret_session)
{
	struct session *s = slot_find(t, link);
	if (!s) {
		session_tlog(t, LOG_WARNING,
		             "session - %s: refused, no free slot for its kind (%u)", link->name,
		             t->limits.max_sessions);
		return -EBUSY;
	}
	memset(s, 0, sizeof(*s));
	s->table = t;
	s->used = true;
	s->id = t->next_id++;
	if (t->next_id == 0) /* 0 addresses the gateway itself at bmcd */
		t->next_id = 1;
	snprintf(s->link_name, sizeof(s->link_name), "%s", link->name);
	snprintf(s->peer_key, sizeof(s->peer_key), "%s %s", link->name,
	         link->peer ? link->peer : "");
	s->kind = link->kind;
	s->presence = link->physical_presence;
	s->events = link->events;
	s->ops = link->ops;
	s->link_data = link_data;
	snprintf(s->addr, sizeof(s->addr), "%s", link->addr ? link->addr : "");
	s->last_rx_ms = now_ms;
	s->tokens_milli = (uint64_t)t->limits.burst * 1000u;
	s->bucket_ms = now_ms;
	slog(s, LOG_INFO, "open (presence %s)%s%s", s->presence ? "yes" : "no",
	     s->addr[0] ? " from " : "", s->addr);
	*ret_session = s;
	return 0;
}

void session_close(struct session *s)
{
	if (!s)
		return;
	slog(s, LOG_INFO, "closed%s%s", s->addr[0] ? ", from " : "", s->addr);
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

/* The requests bmcd verifies: their failures count for the back-off (as in bmcd). */
static bool is_verified_request(pb_size_t which)
{
	return which == svcport_v1_Request_submit_command_tag ||
	       which == svcport_v1_Request_get_activation_code_tag;
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
		session_send_error(s, id, svcport_v1_ErrorCode_INTERNAL, 0,
		                   "request does not re-encode");
		return;
	}
	int r = t->env.bmc_send ? t->env.bmc_send(t->env.user_data, t->out, os.bytes_written)
	                        : -ENOTCONN;
	if (r < 0) {
		session_send_error(s, id, svcport_v1_ErrorCode_BMC_UNAVAILABLE, 1000,
		                   "bmcd unreachable");
		return;
	}
	s->in_flight = true;
	s->flight_id = id;
	s->flight_which = req->request.which_body;
	s->flight_limited = is_verified_request(req->request.which_body);
	s->flight_deadline_ms = now_ms + t->limits.request_timeout_ms;
	slog(s, LOG_INFO, "id %u: %s relayed", id, session_request_name(req->request.which_body));
}

/* A decoded request with its id: answered here, refused, or relayed. */
static void handle_request(struct session *s, uint32_t id, uint64_t now_ms)
{
	svcport_v1_Frame *f = &s->table->frame;
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
		session_send_error(s, id, svcport_v1_ErrorCode_RATE_LIMITED, 100,
		                   "one request at a time");
		return;
	}
	switch (f->msg.request.which_body) {
	case svcport_v1_Request_get_link_info_tag:
		slog(s, LOG_INFO, "id %u: GetLinkInfo answered locally", id);
		session_answer_link_info(s, id);
		break;
	case svcport_v1_Request_ping_tag: {
		svcport_v1_Ping ping = f->msg.request.body.ping;
		slog(s, LOG_INFO, "id %u: Ping answered locally", id);
		session_answer_pong(s, id, &ping);
		break;
	}
	case svcport_v1_Request_submit_command_tag:
	case svcport_v1_Request_get_activation_code_tag:
		if (session_action_refuse(s, id, &f->msg.request) ||
		    session_backoff_refuse(s, id, now_ms))
			break;
		/* fall through */
	case svcport_v1_Request_get_device_info_tag:
	case svcport_v1_Request_get_challenge_tag:
		relay(s, id, now_ms);
		break;
	default:
		session_send_error(s, id, svcport_v1_ErrorCode_BAD_REQUEST, 0, "unknown request");
		break;
	}
}

void session_rx_frame(struct session *s, const uint8_t *msg, size_t len, uint64_t now_ms)
{
	struct session_table *t = s->table;
	bool answer = false;
	if (!rate_take(s, now_ms, &answer)) {
		if (answer)
			session_send_error(s, 0, svcport_v1_ErrorCode_RATE_LIMITED,
			                   refill_interval_ms(t), "too many frames");
		return;
	}
	if (len > t->limits.max_message) {
		session_send_error(s, 0, svcport_v1_ErrorCode_TOO_LARGE, 0,
		                   "frame over the maximum");
		return;
	}
	svcport_v1_Frame *f = &t->frame;
	memset(f, 0, sizeof(*f));
	pb_istream_t is = pb_istream_from_buffer(msg, len);
	if (!pb_decode(&is, svcport_v1_Frame_fields, f)) {
		session_send_error(s, 0, svcport_v1_ErrorCode_BAD_REQUEST, 0,
		                   "frame does not decode");
		return;
	}
	uint32_t id = f->id;
	if (f->which_msg != svcport_v1_Frame_request_tag) {
		session_send_error(s, id, svcport_v1_ErrorCode_BAD_REQUEST, 0, "not a request");
		return;
	}
	if (id == 0) {
		session_send_error(s, 0, svcport_v1_ErrorCode_BAD_REQUEST, 0,
		                   "id 0 is reserved for events");
		return;
	}
	/* Only a request keeps a session alive: junk and link errors never do. */
	s->last_rx_ms = now_ms;
	handle_request(s, id, now_ms);
}

void session_rx_link_error(struct session *s, svcport_v1_ErrorCode code, const char *detail,
                           uint64_t now_ms)
{
	bool answer = false;
	if (!rate_take(s, now_ms, &answer)) {
		if (answer)
			session_send_error(s, 0, svcport_v1_ErrorCode_RATE_LIMITED,
			                   refill_interval_ms(s->table), "too many frames");
		return;
	}
	session_send_error(s, 0, code, 0, detail);
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
		session_tlog(t, LOG_WARNING, "session 0: GetDeviceInfo to bmcd failed");
}

void session_table_bmc_down(struct session_table *t)
{
	for (size_t i = 0; i < SESSION_MAX; i++) {
		struct session *s = &t->sessions[i];
		if (!s->used || !s->in_flight)
			continue;
		s->in_flight = false;
		session_send_error(s, s->flight_id, svcport_v1_ErrorCode_BMC_UNAVAILABLE, 1000,
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

/* A reply for session 0: the gateway's own DeviceInfo, or an event to forward. */
static void bmc_reply_gateway(struct session_table *t, const svcport_v1_BmcReply *rep)
{
	if (rep->which_msg == svcport_v1_BmcReply_event_tag &&
	    rep->msg.event.which_body == svcport_v1_Event_state_changed_tag) {
		t->lockdown = rep->msg.event.body.state_changed.lockdown_state;
		session_tlog(t, LOG_INFO, "session 0: bmcd StateChanged (lockdown %d)",
		             (int)t->lockdown);
		svcport_v1_Event ev = rep->msg.event;
		broadcast_event(t, &ev);
		session_table_bmc_up(t); /* refresh the cached DeviceInfo */
	} else if (rep->which_msg == svcport_v1_BmcReply_response_tag &&
	           rep->request_id == t->devinfo_request_id &&
	           rep->msg.response.which_body == svcport_v1_Response_device_info_tag) {
		cache_device(t, &rep->msg.response.body.device_info);
		session_tlog(t, LOG_INFO, "session 0: DeviceInfo cached (%s %s)",
		             t->device.machine_type, t->device.serial_number);
	}
}

void session_table_bmc_reply(struct session_table *t, const uint8_t *pkt, size_t len)
{
	svcport_v1_BmcReply *rep = &t->bmc_reply;
	memset(rep, 0, sizeof(*rep));
	pb_istream_t is = pb_istream_from_buffer(pkt, len);
	if (!pb_decode(&is, svcport_v1_BmcReply_fields, rep)) {
		session_tlog(t, LOG_WARNING,
		             "session 0: bmcd reply does not decode (%zu bytes): %s", len,
		             PB_GET_ERROR(&is));
		return;
	}
	if (rep->session_id == 0) {
		bmc_reply_gateway(t, rep);
		return;
	}
	struct session *s = session_find(t, rep->session_id);
	if (!s || !s->in_flight || s->flight_id != rep->request_id ||
	    rep->which_msg != svcport_v1_BmcReply_response_tag) {
		session_tlog(t, LOG_NOTICE, "session %u: unmatched bmcd reply to id %u dropped",
		             rep->session_id, rep->request_id);
		return;
	}
	s->in_flight = false;
	if (rep->msg.response.which_body == svcport_v1_Response_device_info_tag)
		cache_device(t, &rep->msg.response.body.device_info);
	if (s->flight_limited)
		session_backoff_note(s, &rep->msg.response);
	slog(s, LOG_INFO, "id %u: bmcd answered (response %u)", rep->request_id,
	     (unsigned)rep->msg.response.which_body);
	session_send_response(s, rep->request_id, &rep->msg.response);
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
				session_send_error(s, s->flight_id,
				                   svcport_v1_ErrorCode_BMC_UNAVAILABLE, 1000,
				                   "bmcd did not answer");
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
			session_end(s);
			continue;
		}
		if (now_ms < idle_end && idle_end - now_ms < next)
			next = idle_end - now_ms;
	}
	return next > UINT32_MAX ? UINT32_MAX : (uint32_t)next;
}
