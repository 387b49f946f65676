/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Byte scripts for the ATT server, after BlueZ unit/test-gatt.c: each test is a list of
 * PDUs the client sends (C), PDUs the server must send in answer (S), RX values the
 * server must hand to the daemon (RX), and actions of the daemon (ACT). The runner feeds
 * the C steps to att_server_handle_pdu and checks that the server sent exactly the S
 * steps, in order, nothing more, and never a PDU longer than ATT_MTU.
 */
#ifndef SVCPORT_TEST_ATT_SCRIPT_H
#define SVCPORT_TEST_ATT_SCRIPT_H

#include <stddef.h>
#include <stdint.h>

#include "att-server.h"

enum step_kind {
	STEP_C,   /* client -> server PDU; att_server_handle_pdu must return rc */
	STEP_S,   /* server -> client PDU expected next */
	STEP_RX,  /* value expected next at the RX callback */
	STEP_ACT, /* a daemon action; must return rc */
};

struct script_ctx;

struct step {
	enum step_kind kind;
	const uint8_t *b;
	size_t len;
	int (*act)(struct script_ctx *ctx);
	int rc;
};

struct script {
	const struct step *steps;
	size_t n_steps;
	uint16_t server_mtu;                 /* 0: 517 */
	enum att_security required_security; /* 0: LOW */
	enum att_security link_security;     /* 0: LOW */
	const uint8_t *info;                 /* INFO value; NULL: the default 10 bytes */
	size_t info_len;
};

#define BYTES(...) (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__})
#define C(...)                                                                                     \
	{                                                                                          \
		STEP_C, BYTES(__VA_ARGS__), NULL, 0                                                \
	}
#define C_RC(rc, ...)                                                                              \
	{                                                                                          \
		STEP_C, BYTES(__VA_ARGS__), NULL, rc                                               \
	}
#define S(...)                                                                                     \
	{                                                                                          \
		STEP_S, BYTES(__VA_ARGS__), NULL, 0                                                \
	}
#define RX(...)                                                                                    \
	{                                                                                          \
		STEP_RX, BYTES(__VA_ARGS__), NULL, 0                                               \
	}
#define ACT(fn, rc)                                                                                \
	{                                                                                          \
		STEP_ACT, NULL, 0, fn, rc                                                          \
	}

#define S_STR(s)                                                                                   \
	{                                                                                          \
		STEP_S, (const uint8_t *)(s), sizeof(s) - 1, NULL, 0                               \
	}

/* The steps of a struct script: {STEPS(x_steps), .server_mtu = ...}. */
#define STEPS(a) .steps = (a), .n_steps = sizeof(a) / sizeof((a)[0])

/* Our service UUID abd1xxxx-ebf7-4797-8f14-2b70edecfe4a in wire order. */
#define UUID_SVC(x)                                                                                \
	0x4a, 0xfe, 0xec, 0xed, 0x70, 0x2b, 0x14, 0x8f, 0x97, 0x47, 0xf7, 0xeb, x, 0x00, 0xd1, 0xab

#define SCRIPT_MAX_OUT 64

/* What a running script sees: the server, what it sent, what it handed to RX. */
struct script_ctx {
	struct att_server *srv;
	const struct script *sc;
	uint8_t out[SCRIPT_MAX_OUT][ATT_MTU_MAX];
	size_t out_len[SCRIPT_MAX_OUT];
	size_t n_out, out_pos;
	uint8_t rx[SCRIPT_MAX_OUT][ATT_MAX_VALUE_LEN];
	size_t rx_len[SCRIPT_MAX_OUT];
	size_t n_rx, rx_pos;
	int rx_ret;   /* what the RX callback returns */
	int info_ret; /* what the INFO callback returns */
	uint8_t info[ATT_MAX_VALUE_LEN];
	size_t info_len;
	uint16_t tx_ccc_seen; /* last value given to tx_ccc_change, 0xffff if none */
	/* Socketpair mode: the PDUs travel over socketpair(AF_UNIX, SOCK_SEQPACKET) as on
	 * ble-sim: sock[0] is the server's end, sock[1] the scripted client's; -1 if unused. */
	int sock[2];
};

/* cmocka setup/teardown: *state is the struct script, then the struct script_ctx.
 * script_setup_socketpair runs the same script with every PDU crossing a socketpair. */
int script_setup(void **state);
int script_setup_socketpair(void **state);
int script_teardown(void **state);
/* cmocka test: runs the script in *state. */
void script_run(void **state);

/* A cmocka test entry named after the spec rule it checks. */
#define SCRIPT_TEST(name, script)                                                                  \
	{                                                                                          \
		name, script_run, script_setup, script_teardown, (void *)&(script)                 \
	}

#define SCRIPT_TEST_SOCKETPAIR(name, script)                                                       \
	{                                                                                          \
		name " [socketpair]", script_run, script_setup_socketpair, script_teardown,        \
		    (void *)&(script)                                                              \
	}

#endif
