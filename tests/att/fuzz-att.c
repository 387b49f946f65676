// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-att: arbitrary PDU sequences (and daemon actions between them) into one ATT server.
 *
 * Input: byte 0 configures the server (bits 0-1 required security, bits 2-3 the link's
 * security, bit 4 the RX callback defers its answer, bits 5-7 the server MTU); then
 * records: a byte k < 0xf0 followed by a k-byte PDU; 0xf0 LL HH + a PDU of up to 600
 * bytes; 0xf1 notify a TX value of the next byte's length; 0xf2 indicate Service Changed;
 * 0xf3 / 0xf4 answer a deferred write with success / an error; 0xf5 raise the link's
 * security; anything else is skipped.
 *
 * Invariants (abort on violation): every PDU sent is 1..ATT_MTU bytes; a request gets
 * exactly one PDU back, its response or an Error Response naming it, unless it breaks the
 * sequential protocol (-EPROTO, nothing sent) or is deferred; a command gets nothing.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "att-server.h"

struct fuzz {
	struct att_server *srv;
	size_t n_sent;
	uint8_t last[2];
	bool defer;
};

static void check_at(bool ok, int line)
{
	if (ok)
		return;
	fprintf(stderr, "fuzz-att: invariant of line %d broken\n", line);
	abort();
}
#define check(ok) check_at((ok), __LINE__)

static int fz_send(const uint8_t *pdu, size_t len, void *user_data)
{
	struct fuzz *f = user_data;

	check(len >= 1 && len <= att_server_get_mtu(f->srv) && len <= ATT_MTU_MAX);
	f->last[0] = pdu[0];
	f->last[1] = len > 1 ? pdu[1] : 0;
	f->n_sent++;
	return 0;
}

static int fz_rx(const uint8_t *value, size_t len, bool need_rsp, void *user_data)
{
	struct fuzz *f = user_data;

	check(len <= ATT_MAX_VALUE_LEN);
	if (len > 0 && value[0] == 0xee)
		return -EMSGSIZE;
	return f->defer && need_rsp ? ATT_SERVER_DEFER : 0;
}

static int fz_info(uint8_t *buf, size_t cap, size_t *ret_len, void *user_data)
{
	/* 300 bytes: long enough for Read Blob at every MTU but the largest. */
	check(cap >= 300);
	for (size_t i = 0; i < 300; i++)
		buf[i] = (uint8_t)i;
	*ret_len = 300;
	return 0;
}

static void feed(struct fuzz *f, const uint8_t *pdu, size_t len)
{
	bool was_pending = att_server_is_request_pending(f->srv);
	bool is_request =
	    len > 0 && !(pdu[0] & ATT_OP_CMD_FLAG) && pdu[0] != ATT_OP_HANDLE_VAL_CONF;
	size_t before = f->n_sent;
	int r = att_server_handle_pdu(f->srv, pdu, len);

	if (len == 0) {
		check(r == -EINVAL && f->n_sent == before);
		return;
	}
	if (!is_request) {
		/* A confirmation may release a held indication, nothing else. */
		check(f->n_sent == before ||
		      (pdu[0] == ATT_OP_HANDLE_VAL_CONF && f->n_sent == before + 1 &&
		       f->last[0] == ATT_OP_HANDLE_VAL_IND));
		return;
	}
	if (was_pending) {
		check(r == -EPROTO && f->n_sent == before);
		return;
	}
	check(r == 0);
	if (att_server_is_request_pending(f->srv)) {
		check(f->n_sent == before);
		return;
	}
	check(f->n_sent == before + 1);
	check(f->last[0] == pdu[0] + 1 || (f->last[0] == ATT_OP_ERROR_RSP && f->last[1] == pdu[0]));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t mtus[8] = {0, 23, 24, 64, 185, 247, 512, 517};
	struct fuzz f = {0};
	struct att_server_config cfg = {0};
	struct att_server_callbacks cb = {fz_send, fz_rx, fz_info, NULL, &f};
	uint8_t value[ATT_MTU_MAX] = {0};
	size_t pos = 1;

	if (size < 1)
		return 0;
	cfg.required_security = (enum att_security)(1 + (data[0] & 3) % 3);
	cfg.mtu = mtus[data[0] >> 5];
	f.defer = data[0] & 0x10;
	if (att_server_new(&cfg, &cb, &f.srv) < 0)
		abort();
	att_server_set_security(f.srv, (enum att_security)(1 + ((data[0] >> 2) & 3) % 3));
	while (pos < size) {
		uint8_t k = data[pos++];
		size_t len, before = f.n_sent;
		int r;

		if (k < 0xf0) {
			len = k < size - pos ? k : size - pos;
			feed(&f, data + pos, len);
			pos += len;
			continue;
		}
		switch (k) {
		case 0xf0:
			if (size - pos < 2)
				break;
			len = (size_t)data[pos] | (size_t)data[pos + 1] << 8;
			pos += 2;
			len = len % 601;
			len = len < size - pos ? len : size - pos;
			feed(&f, data + pos, len);
			pos += len;
			break;
		case 0xf1:
			len = pos < size ? data[pos++] : 0;
			r = att_server_notify_tx(f.srv, value, len);
			check(r == 0
			          ? f.n_sent == before + 1 && len <= att_server_max_value_len(f.srv)
			          : f.n_sent == before);
			break;
		case 0xf2:
			r = att_server_indicate_service_changed(f.srv, 1, 0xffff);
			check(f.n_sent <= before + 1 && (r == 0 || f.n_sent == before));
			break;
		case 0xf3:
		case 0xf4:
			r = att_server_write_done(f.srv, k == 0xf3 ? 0 : -EMSGSIZE);
			check(r == -EALREADY ? f.n_sent == before : f.n_sent == before + 1);
			check(!att_server_is_request_pending(f.srv));
			break;
		case 0xf5:
			att_server_set_security(f.srv, ATT_SECURITY_HIGH);
			break;
		default:
			break;
		}
	}
	att_server_free(f.srv);
	return 0;
}
