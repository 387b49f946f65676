// SPDX-License-Identifier: GPL-2.0-or-later
/* The byte-script runner for the ATT server tests (see att-script.h). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "att-script.h"

static const uint8_t default_info[] = {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9};

static int on_send(const uint8_t *pdu, size_t len, void *user_data)
{
	struct script_ctx *ctx = user_data;

	/* The server's own promise, checked on every PDU of every script. */
	assert_true(len >= 1);
	assert_true(len <= att_server_get_mtu(ctx->srv));
	if (ctx->sock[0] >= 0)
		return send(ctx->sock[0], pdu, len, MSG_DONTWAIT) == (ssize_t)len ? 0 : -errno;
	assert_true(ctx->n_out < SCRIPT_MAX_OUT);
	memcpy(ctx->out[ctx->n_out], pdu, len);
	ctx->out_len[ctx->n_out++] = len;
	return 0;
}

static int on_rx(const uint8_t *value, size_t len, bool need_rsp, void *user_data)
{
	struct script_ctx *ctx = user_data;

	assert_true(len <= ATT_MAX_VALUE_LEN);
	assert_true(ctx->n_rx < SCRIPT_MAX_OUT);
	memcpy(ctx->rx[ctx->n_rx], value, len);
	ctx->rx_len[ctx->n_rx++] = len;
	return ctx->rx_ret;
}

static int on_info(uint8_t *buf, size_t cap, size_t *ret_len, void *user_data)
{
	struct script_ctx *ctx = user_data;

	if (ctx->info_ret < 0)
		return ctx->info_ret;
	assert_true(ctx->info_len <= cap);
	memcpy(buf, ctx->info, ctx->info_len);
	*ret_len = ctx->info_len;
	return 0;
}

static void on_tx_ccc(uint16_t value, void *user_data)
{
	struct script_ctx *ctx = user_data;

	ctx->tx_ccc_seen = value;
}

int script_setup(void **state)
{
	const struct script *sc = *state;
	struct script_ctx *ctx = calloc(1, sizeof(*ctx));
	struct att_server_config cfg = {
	    .mtu = sc->server_mtu,
	    .required_security = sc->required_security,
	    .device_name = "svcport-test",
	    .appearance = 0x0080,
	};
	struct att_server_callbacks cb = {on_send, on_rx, on_info, on_tx_ccc, ctx};

	if (!ctx)
		return -1;
	ctx->sock[0] = ctx->sock[1] = -1;
	ctx->sc = sc;
	ctx->tx_ccc_seen = 0xffff;
	if (sc->info) {
		memcpy(ctx->info, sc->info, sc->info_len);
		ctx->info_len = sc->info_len;
	} else {
		memcpy(ctx->info, default_info, sizeof(default_info));
		ctx->info_len = sizeof(default_info);
	}
	if (att_server_new(&cfg, &cb, &ctx->srv) < 0) {
		free(ctx);
		return -1;
	}
	if (sc->link_security)
		att_server_set_security(ctx->srv, sc->link_security);
	*state = ctx;
	return 0;
}

int script_setup_socketpair(void **state)
{
	struct script_ctx *ctx;

	if (script_setup(state) < 0)
		return -1;
	ctx = *state;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ctx->sock) < 0) {
		ctx->sock[0] = ctx->sock[1] = -1;
		script_teardown(state);
		return -1;
	}
	return 0;
}

int script_teardown(void **state)
{
	struct script_ctx *ctx = *state;

	if (ctx->sock[0] >= 0) {
		close(ctx->sock[0]);
		close(ctx->sock[1]);
	}
	att_server_free(ctx->srv);
	free(ctx);
	return 0;
}

static void print_pdu(const char *what, size_t step, const uint8_t *b, size_t len)
{
	fprintf(stderr, "step %zu %s:", step, what);
	for (size_t i = 0; i < len; i++)
		fprintf(stderr, " %02x", b[i]);
	fprintf(stderr, "\n");
}

static void expect_bytes(const char *what, size_t step, const uint8_t *want, size_t want_len,
                         const uint8_t *got, size_t got_len)
{
	if (want_len == got_len && memcmp(want, got, got_len) == 0)
		return;
	print_pdu("expected", step, want, want_len);
	print_pdu(what, step, got, got_len);
	fail_msg("step %zu: %s differs", step, what);
}

/*
 * Socketpair mode: moves what the server sent to the recorded list (the client's end
 * reads packet by packet, so a PDU's boundaries are checked too), and hands a client PDU
 * to the server the way svcportd does: one recv() on the server's end, one
 * att_server_handle_pdu.
 */
static void sock_collect(struct script_ctx *ctx)
{
	if (ctx->sock[1] < 0)
		return;
	for (;;) {
		ssize_t n;
		assert_true(ctx->n_out < SCRIPT_MAX_OUT);
		n = recv(ctx->sock[1], ctx->out[ctx->n_out], ATT_MTU_MAX, MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0) {
			assert_int_equal(errno, EAGAIN);
			return;
		}
		assert_true(n >= 1 && n <= ATT_MTU_MAX);
		ctx->out_len[ctx->n_out++] = (size_t)n;
	}
}

static int feed_pdu(struct script_ctx *ctx, const uint8_t *pdu, size_t len)
{
	uint8_t buf[ATT_MTU_MAX + 16];
	ssize_t n;
	int r;

	if (ctx->sock[0] < 0 || len == 0)
		return att_server_handle_pdu(ctx->srv, pdu, len);
	assert_int_equal(send(ctx->sock[1], pdu, len, MSG_DONTWAIT), (ssize_t)len);
	n = recv(ctx->sock[0], buf, sizeof(buf), MSG_DONTWAIT);
	assert_int_equal(n, (ssize_t)len);
	r = att_server_handle_pdu(ctx->srv, buf, (size_t)n);
	sock_collect(ctx);
	return r;
}

void script_run(void **state)
{
	struct script_ctx *ctx = *state;
	const struct script *sc = ctx->sc;

	for (size_t i = 0; i < sc->n_steps; i++) {
		const struct step *st = &sc->steps[i];
		int r;

		switch (st->kind) {
		case STEP_C:
			/* Everything the server sent so far must have been expected. */
			if (ctx->out_pos != ctx->n_out)
				print_pdu("unexpected", i, ctx->out[ctx->out_pos],
				          ctx->out_len[ctx->out_pos]);
			assert_int_equal(ctx->out_pos, ctx->n_out);
			assert_int_equal(ctx->rx_pos, ctx->n_rx);
			r = feed_pdu(ctx, st->b, st->len);
			if (r != st->rc)
				fail_msg("step %zu: handle_pdu returned %d, expected %d", i, r,
				         st->rc);
			break;
		case STEP_S:
			if (ctx->out_pos == ctx->n_out)
				fail_msg("step %zu: the server sent nothing", i);
			expect_bytes("sent", i, st->b, st->len, ctx->out[ctx->out_pos],
			             ctx->out_len[ctx->out_pos]);
			ctx->out_pos++;
			break;
		case STEP_RX:
			if (ctx->rx_pos == ctx->n_rx)
				fail_msg("step %zu: RX got nothing", i);
			expect_bytes("RX value", i, st->b, st->len, ctx->rx[ctx->rx_pos],
			             ctx->rx_len[ctx->rx_pos]);
			ctx->rx_pos++;
			break;
		case STEP_ACT:
			r = st->act(ctx);
			sock_collect(ctx);
			if (r != st->rc)
				fail_msg("step %zu: action returned %d, expected %d", i, r, st->rc);
			break;
		}
	}
	if (ctx->out_pos != ctx->n_out)
		print_pdu("unexpected", sc->n_steps, ctx->out[ctx->out_pos],
		          ctx->out_len[ctx->out_pos]);
	assert_int_equal(ctx->out_pos, ctx->n_out);
	assert_int_equal(ctx->rx_pos, ctx->n_rx);
}
