// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Frame decoding and session dispatch (gateway/session.h). The input is a
 * script of records [op][len lo][len hi][bytes]: op 0 a Frame from the phone
 * on session A, 1 on session B, 2 a packet from bmcd, 3 a link error, 4 bmcd
 * lost, 5 bmcd up, 6 time passes. Invariants: every frame the gateway sends
 * decodes as a Frame carrying a Response or an Event; every request it
 * relays decodes and carries the sending session's id; nothing crashes.
 *
 * The table (a few hundred KiB: SESSION_MAX slots with their response caches) is made
 * once; before every input the bytes it had right after session_table_new are copied
 * back over it, at the same address, so every input starts from a fresh table exactly
 * as if it had just been made. Allocating and faulting it in per input held this target
 * at ~640 exec/s.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <pb_decode.h>

#include "session-int.h" /* sizeof(struct session_table), for the copy */
#include "session.h"

static uint32_t expect_session;
static svcport_v1_Frame out_frame;
static svcport_v1_BmcRequest out_req;

static int link_send(void *link_data, const uint8_t *frame, size_t len)
{
	pb_istream_t is = pb_istream_from_buffer(frame, len);
	if (!pb_decode(&is, svcport_v1_Frame_fields, &out_frame))
		abort();
	if (out_frame.which_msg != svcport_v1_Frame_response_tag &&
	    out_frame.which_msg != svcport_v1_Frame_event_tag)
		abort();
	return 0;
}

static void link_expire(void *link_data)
{
	*(struct session **)link_data = NULL;
}

static int bmc_send(void *user_data, const uint8_t *req, size_t len)
{
	pb_istream_t is = pb_istream_from_buffer(req, len);
	if (!pb_decode(&is, svcport_v1_BmcRequest_fields, &out_req))
		abort();
	if (out_req.session_id != 0 && out_req.session_id != expect_session)
		abort();
	return *(int *)user_data;
}

static const struct session_link_ops ops = {.send = link_send, .expire = link_expire};

static int bmc_result;

/* The table, and its bytes as session_table_new left them. */
static struct session_table *table;
static struct session_table fresh;

static struct session_table *table_fresh(void)
{
	if (!table) {
		struct session_env env = {.bmc_send = bmc_send, .user_data = &bmc_result};
		struct session_limits lim;
		session_limits_default(&lim);
		lim.max_sessions = 2;
		lim.idle_ms = 5000;
		lim.request_timeout_ms = 1000;
		if (session_table_new(&lim, &env, &table) < 0)
			abort();
		memcpy(&fresh, table, sizeof(fresh));
	}
	memcpy(table, &fresh, sizeof(fresh));
	return table;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bmc_result = 0;
	expect_session = 0;
	struct session_table *t = table_fresh();
	struct session *a = NULL, *b = NULL;
	struct session_link la = {.name = "tty:fuzz",
	                          .kind = svcport_v1_LinkKind_LINK_USB,
	                          .physical_presence = true,
	                          .events = true,
	                          .ops = &ops};
	struct session_link lb = {
	    .name = "ble-sim:fuzz", .kind = svcport_v1_LinkKind_LINK_BLE, .ops = &ops};
	uint64_t now = 0;
	if (session_open(t, &la, &a, now, &a) < 0 || session_open(t, &lb, &b, now, &b) < 0)
		abort();
	size_t i = 0;
	while (i + 3 <= size) {
		uint8_t op = data[i] % 7;
		size_t len = (size_t)data[i + 1] | (size_t)data[i + 2] << 8;
		i += 3;
		if (len > size - i)
			len = size - i;
		const uint8_t *p = data + i;
		i += len;
		switch (op) {
		case 0:
		case 1: {
			struct session *s = op == 0 ? a : b;
			if (!s)
				break;
			expect_session = session_id(s);
			session_rx_frame(s, p, len, now);
			break;
		}
		case 2:
			session_table_bmc_reply(t, p, len);
			break;
		case 3:
			if (a)
				session_rx_link_error(a, svcport_v1_ErrorCode_LINK_PROTOCOL, "fuzz",
				                      now);
			break;
		case 4:
			session_table_bmc_down(t);
			bmc_result = -107; /* -ENOTCONN */
			break;
		case 5:
			bmc_result = 0;
			expect_session = 0;
			session_table_bmc_up(t);
			break;
		default:
			now += len ? p[0] * 50u : 1000u;
			session_table_tick(t, now);
			break;
		}
	}
	return 0;
}
