/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Internals of libsvcport-client, shared by its svcport-client*.c files. Not an API. */
#ifndef SVCPORT_CLIENT_INT_H
#define SVCPORT_CLIENT_INT_H

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>

#include "msglink.h"
#include "pwbox.h"
#include "rpc.h"
#include "svcport-client.h"
#include "svcport.pb.h"

/* Where the running flow is. */
enum client_step {
	STEP_NONE,
	STEP_LINK,        /* CONNECT: the link's set-up */
	STEP_LINK_INFO,   /* CONNECT over CDC: GetLinkInfo */
	STEP_DEVICE_INFO, /* INFO, KEY_UPDATE: GetDeviceInfo */
	STEP_CODE,        /* ACTIVATION_CODE: GetActivationCode */
	STEP_CHALLENGE,   /* signed: GetChallenge */
	STEP_SIGN,        /* signed: waiting for the app's portal */
	STEP_SUBMIT,      /* signed: SubmitCommand */
};

struct svcport_client {
	struct svcport_client_config cfg;
	struct svcport_client_callbacks cb;
	struct msglink *link;
	struct rpc *rpc;
	bool is_connected; /* CONNECT ended well */
	bool is_lost;      /* the link failed or was lost: nothing more */
	struct svcport_client_link_info link_info;

	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
	bool has_drbg;

	/* The running flow (flow 0: none) and its outcome so far. */
	enum svcport_client_flow flow;
	enum client_step step;
	struct svcport_client_result res;
	char detail[sizeof(((svcport_v1_Error *)0)->detail)]; /* the refusal's words */
	svcport_v1_Request req;                               /* the request being built */

	/* Signed flows. */
	uint8_t challenge[svcport_v1_Challenge_size];
	size_t challenge_len;
	struct svcport_client_sign_request sign;
	uint8_t signers[SVCPORT_CLIENT_SIGNERS][SVCPORT_CLIENT_SHA256_LEN];
	bool is_signing;              /* callbacks.sign asked, not answered */
	bool asked_chain;             /* the second ask, with the chain, was made */
	svcport_v1_Request *submit;   /* SubmitCommand with the portal's command */
	svcport_v1_CommandBody *body; /* its body (EMERGENCY_RESET: the box's binding) */
	svcport_v1_ReceiptBody receipt_body;
	uint8_t receipt[svcport_v1_DeviceReceipt_size];

	/* KEY_UPDATE: the replacement board, from GetDeviceInfo. */
	struct svcport_client_device_info info;
	uint8_t board_key[SVCPORT_CLIENT_KEY_LEN + 1];
	size_t board_key_len;
	uint8_t *board_cert; /* 1024 bytes */
	size_t board_cert_len;

	/* EMERGENCY_RESET: this phone's one-time key pair, wiped when the flow ends. */
	uint8_t priv[PWBOX_SCALAR_LEN];
	uint8_t pub[PWBOX_POINT_LEN];
	bool has_key; /* made for this flow: false for a submitted command */
};

static inline bool client_is_signed_flow(enum svcport_client_flow flow)
{
	return flow >= SVCPORT_CLIENT_FLOW_CLAIM && flow <= SVCPORT_CLIENT_FLOW_SENSORS;
}

/* svcport-client.c */
int client_random(struct svcport_client *c, uint8_t *buf, size_t len);
/* pwbox_rng over client_random (rng_ctx is the client). */
int client_pwbox_rng(void *rng_ctx, unsigned char *buf, size_t len);
/* Ends the running flow with status: wipes its secrets, then callbacks.done. */
void client_end(struct svcport_client *c, int status);
/* Sends c->req (its body filled in) as a `which` request; the flow is then at step. */
int client_call(struct svcport_client *c, enum client_step step, pb_size_t which);
/* Ends the running flow with the device's refusal. */
void client_refused(struct svcport_client *c, const svcport_v1_Error *e);

/* svcport-client-flow.c: connect, info, activation code, and the dispatch. */
void flow_connected(struct svcport_client *c, int err, const uint8_t *info, size_t len);
int flow_begin(struct svcport_client *c, enum svcport_client_flow flow);
void flow_response(struct svcport_client *c, const svcport_v1_Response *resp);
void flow_device_info(struct svcport_client_device_info *out, const svcport_v1_DeviceInfo *di);

/* svcport-client-sign.c: the signed actions. */
int sign_begin(struct svcport_client *c);
void sign_challenge(struct svcport_client *c, const svcport_v1_Response *resp);
void sign_result(struct svcport_client *c, const svcport_v1_Response *resp);
int sign_after_key_info(struct svcport_client *c, const svcport_v1_DeviceInfo *di);
void sign_wipe(struct svcport_client *c);

#endif
