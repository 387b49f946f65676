// SPDX-License-Identifier: GPL-2.0-or-later
/* The Frames the session table sends: responses, errors, local answers (session.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <mbedtls/platform_util.h>
#include <pb_encode.h>

#include "session-int.h"

void session_tlog(struct session_table *t, int prio, const char *fmt, ...)
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

const char *session_request_name(pb_size_t which)
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

bool session_is_transient(const svcport_v1_Response *r)
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

void session_send_response(struct session *s, uint32_t id, const svcport_v1_Response *resp)
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
	/* The activation code is never cached: a retry asks bmcd again (a read changes
	 * nothing), so no copy of it outlives this call (issue 12 item 5). */
	bool secret = resp->which_body == svcport_v1_Response_activation_code_tag;
	if (id != 0 && !session_is_transient(resp) && !secret) {
		s->cached = true;
		s->cached_id = id;
		s->cached_len = os.bytes_written;
		memcpy(s->cached_frame, t->out, os.bytes_written);
	}
	t->sending_secret = secret;
	int r = s->ops->send(s->link_data, t->out, os.bytes_written);
	t->sending_secret = false;
	if (secret)
		session_wipe_scratch(t);
	if (r < 0)
		slog(s, LOG_WARNING, "id %u: send failed: %s", id, strerror(-r));
}

bool session_is_sending_secret(const struct session *s)
{
	return s->table->sending_secret;
}

void session_wipe_scratch(struct session_table *t)
{
	mbedtls_platform_zeroize(&t->frame, sizeof(t->frame));
	mbedtls_platform_zeroize(&t->bmc_reply, sizeof(t->bmc_reply));
	mbedtls_platform_zeroize(t->out, sizeof(t->out));
}

void session_send_error(struct session *s, uint32_t id, svcport_v1_ErrorCode code,
                        uint32_t retry_after_ms, const char *detail)
{
	svcport_v1_Response resp = svcport_v1_Response_init_zero;
	resp.which_body = svcport_v1_Response_error_tag;
	resp.body.error.code = code;
	resp.body.error.retry_after_ms = retry_after_ms;
	snprintf(resp.body.error.detail, sizeof(resp.body.error.detail), "%s", detail);
	slog(s, LOG_NOTICE, "id %u: error %d (%s)", id, (int)code, detail);
	session_send_response(s, id, &resp);
}

static void link_info_fill(const struct session_table *t, svcport_v1_LinkInfo *li)
{
	li->protocol_version = PROTOCOL_VERSION;
	li->min_protocol_version = MIN_PROTOCOL_VERSION;
	li->max_message_size = t->limits.max_message;
	li->has_device = t->has_device;
	li->device = t->device;
	li->lockdown_state = t->lockdown;
}

void session_answer_link_info(struct session *s, uint32_t id)
{
	svcport_v1_Response resp = svcport_v1_Response_init_zero;
	resp.which_body = svcport_v1_Response_link_info_tag;
	link_info_fill(s->table, &resp.body.link_info);
	session_send_response(s, id, &resp);
}

void session_answer_pong(struct session *s, uint32_t id, const svcport_v1_Ping *ping)
{
	svcport_v1_Response resp = svcport_v1_Response_init_zero;
	resp.which_body = svcport_v1_Response_pong_tag;
	_Static_assert(sizeof(resp.body.pong.payload.bytes) == sizeof(ping->payload.bytes),
	               "Pong echoes Ping");
	resp.body.pong.payload.size = ping->payload.size;
	memcpy(resp.body.pong.payload.bytes, ping->payload.bytes, ping->payload.size);
	session_send_response(s, id, &resp);
}

long session_table_link_info(const struct session_table *t, uint8_t *buf, size_t cap)
{
	svcport_v1_LinkInfo li = svcport_v1_LinkInfo_init_zero;
	link_info_fill(t, &li);
	pb_ostream_t os = pb_ostream_from_buffer(buf, cap);
	if (!pb_encode(&os, svcport_v1_LinkInfo_fields, &li))
		return -EMSGSIZE;
	return (long)os.bytes_written;
}
