/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A test bench for libsvcport-client: the client on one side, a scripted device on the
 * other, the clock and the randomness in the test's hands.
 *  - ATT links: the gateway's real ATT server (gateway/core/att-server.h) answers GATT; the
 *    PDUs the client sends are logged for byte-exact checks; the server's PDUs are queued
 *    and delivered after the client's call returns, as a real transport would.
 *  - GATT links (the OS's API): RX writes and INFO reads are answered after the call too.
 *  - CDC links: the bytes are deframed as the gateway does; answers are fed in chunks of
 *    `chunk` bytes (1, 143, ...) so the client meets broken-up input.
 * The "device" works at the message level: fx_request takes the next Frame the client
 * sent, fx_respond answers it. Nothing sleeps: time moves with fx_tick_to.
 */
#ifndef SVCPORT_TEST_CLIENT_FIXTURE_H
#define SVCPORT_TEST_CLIENT_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "att-server.h"
#include "cdc-frame.h"
#include "seg.h"
#include "svcport-client.h"
#include "svcport.pb.h"

#define FX_MT       "7D1A"
#define FX_SN       "J900DEMO"
#define FX_MAX_PDUS 256
#define FX_MAX_MSGS 8

struct fx {
	struct svcport_client *c;
	struct svcport_client_config cfg;
	struct svcport_client_callbacks cb;
	enum svcport_client_link kind;
	int64_t now;
	size_t chunk; /* CDC: bytes per svcport_client_input */

	/* Randomness: rng bytes first, then a counter. */
	uint8_t rng[64];
	size_t rng_len, rng_pos;
	uint8_t rng_ctr;

	/* What the client reported. */
	int n_done;
	struct svcport_client_result res; /* pointers re-aimed at the copies below */
	uint8_t receipt[512];
	struct svcport_client_link_info link;
	struct svcport_client_device_info info;
	char detail[128], owner[80];
	int n_sign;
	struct svcport_client_sign_request sreq; /* pointers re-aimed at the copies below */
	uint8_t challenge[512], req_key[65], board_key[66];
	uint8_t signers[SVCPORT_CLIENT_SIGNERS][32];
	bool sign_sync;        /* answer from inside callbacks.sign */
	uint8_t command[4800]; /* what the test's portal answers */
	size_t command_len;
	int n_secret;
	enum svcport_client_secret secret_kind;
	char secret[64];
	int n_cache;
	bool cache_forgotten;
	struct svcport_client_gatt_cache cache;
	int n_state;
	struct svcport_client_state state;

	/* The device. */
	struct att_server *srv;
	uint8_t info_value[128]; /* INFO: an encoded LinkInfo */
	size_t info_len;
	uint8_t pdu_log[FX_MAX_PDUS][ATT_MTU_MAX]; /* client -> server, ATT */
	size_t pdu_log_len[FX_MAX_PDUS];
	size_t n_pdu_log;
	uint8_t to_client[FX_MAX_PDUS][ATT_MTU_MAX]; /* server -> client, queued */
	size_t to_client_len[FX_MAX_PDUS];
	size_t n_to_client, to_client_pos;
	bool mute; /* the device does not answer GATT (timeouts) */
	bool gatt_write_pending;
	bool gatt_info_pending;
	struct seg_rx dev_seg_rx;
	struct seg_tx dev_seg_tx;
	struct cdc_rx dev_cdc_rx;
	uint8_t dev_buf[CDC_FRAME_ENCODED_MAX(8192)];
	uint8_t msgs[FX_MAX_MSGS][8192]; /* messages the client sent */
	size_t msg_len[FX_MAX_MSGS];
	size_t n_msgs, msg_pos;
	svcport_v1_Frame frame; /* the last one taken by fx_request */
};

/* A bench of that link kind with cfg's defaults (a cache may be set before fx_client). */
struct fx *fx_new(enum svcport_client_link kind);
/* Creates the client from f->cfg. */
void fx_client(struct fx *f);
void fx_free(struct fx *f);
/* Connects (and answers GetLinkInfo over CDC): the CONNECT flow must end with status. */
void fx_connect(struct fx *f, int status);

/* Delivers what the device queued for the client until nothing moves. */
void fx_pump(struct fx *f);
/* Sets the clock and ticks the client if it asked to be woken by then. */
void fx_tick_to(struct fx *f, int64_t now);

/* The next message the client sent: a request of type which (its id returned). */
uint32_t fx_request(struct fx *f, pb_size_t which);
/* The raw bytes of the next message the client sent (consumed). */
size_t fx_message(struct fx *f, uint8_t *buf, size_t cap);
void fx_no_request(struct fx *f);
/* Answers with a Frame{id, resp}. */
void fx_respond(struct fx *f, uint32_t id, const svcport_v1_Response *resp);
void fx_respond_error(struct fx *f, uint32_t id, svcport_v1_ErrorCode code, uint32_t retry_ms,
                      const char *detail);
/* Any encoded message from the device. */
void fx_send_message(struct fx *f, const uint8_t *msg, size_t len);
void fx_event(struct fx *f, svcport_v1_LockdownState st, svcport_v1_SecurityLed led);

/* Device-side makers. */
void fx_challenge(svcport_v1_Response *resp, const uint8_t nonce[16], int n_signers);
/* A SignedCommand for the last sign request: action from its flow, nonce from its
 * challenge; signer by fingerprint (or a chain when by_chain). Into f->command. */
void fx_make_command(struct fx *f, bool by_chain);
/* A CommandResult whose receipt says result, new state, owner. */
void fx_receipt(svcport_v1_Response *resp, const uint8_t nonce[16], svcport_v1_Action action,
                svcport_v1_ErrorCode result);

/* The n-th PDU the client sent (ATT) must be these bytes. */
void fx_pdu_is(struct fx *f, size_t n, const uint8_t *pdu, size_t len);
#define FX_PDU(f, n, ...)                                                                          \
	fx_pdu_is(f, n, (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}))

#endif
