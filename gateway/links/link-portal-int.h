/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared by link-portal.c (the link: attempts, back-off, the session it
 * relays through) and link-portal-http.c (the link credentials, TLS and the
 * two HTTPS posts). Not an API.
 */
#ifndef SVCPORT_LINK_PORTAL_INT_H
#define SVCPORT_LINK_PORTAL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "link.h"
#include "svcport.pb.h"

struct https_client;
struct tls_config;
struct loop_timer;
struct session;

/* Where an attempt is. */
enum portal_step {
	PORTAL_IDLE,      /* waiting for the next attempt */
	PORTAL_INFO,      /* GetDeviceInfo sent to bmcd */
	PORTAL_CHALLENGE, /* GetChallenge sent to bmcd */
	PORTAL_SIGN,      /* the challenge posted to the portal */
	PORTAL_SUBMIT,    /* the signed command sent to bmcd */
	PORTAL_RECEIPT,   /* the receipt posted to the portal */
};

/* How an attempt ended: the next one comes after a back-off or the idle re-check. */
enum portal_end {
	PORTAL_END_FAILED, /* back-off: min, doubling, up to max, jittered */
	PORTAL_END_IDLE,   /* nothing to do, or done: the re-check (max, jittered) */
};

struct portal_link {
	struct link base;
	const struct link_ctx *ctx;
	char name[320];
	char host[64]; /* an IP literal: the gateway resolves no names */
	uint16_t port;
	char dir[256];   /* the link credentials (--link-dir) */
	char trust[256]; /* --portal-trust */

	/* The credentials in use: link-chain.pem as it was when they were read. */
	struct tls_config *tls;
	struct https_client *http;
	dev_t chain_dev;
	ino_t chain_ino;
	struct timespec chain_mtime;
	off_t chain_size;

	enum portal_step step;
	unsigned failures; /* failed attempts in a row */
	struct loop_timer *retry;
	struct loop_timer *kick; /* a reply of bmcd or the portal, handled from the loop */
	struct session *session;
	uint32_t frame_id; /* of the request in flight at bmcd */
	/* The last challenge, used again by later attempts while bmcd still holds it: a
	 * refused or unreachable portal costs bmcd no new challenge slot (docs/online.md). */
	svcport_v1_Challenge challenge;
	uint64_t challenge_until_ms; /* 0: none */

	/* The reply waiting for kick (bmcd's Frame or the portal's body). */
	uint8_t rx[svcport_v1_Frame_size];
	size_t rx_len;
	bool rx_http;   /* rx is the portal's answer, http_status its status */
	bool http_busy; /* a post is in flight: ending the attempt cancels it */
	int http_err;
	int http_status;
	char why[256];          /* the HTTPS client's reason when http_err */
	svcport_v1_Frame frame; /* scratch for encoding and decoding */
	svcport_v1_OnlineActivationRequest oar;
	svcport_v1_CommandBody cmd;   /* the portal's command, checked before it is relayed */
	svcport_v1_ChallengeBody chb; /* the challenge it must answer */
	uint8_t out[svcport_v1_Frame_size];
};

/* The largest answer the link takes from the portal: a Frame, the largest thing it relays. */
#define PORTAL_BODY_MAX svcport_v1_Frame_size

/* link-portal-http.c */
/* Loads or reloads the credentials when link-chain.pem changed. 0 or -errno (logged). */
int portal_creds_refresh(struct portal_link *l) __attribute__((warn_unused_result));
/* Posts the challenge with the CA statement (ca-statement.pb) to /api/v1/device/activation. */
int portal_post_activation(struct portal_link *l, const svcport_v1_Challenge *ch)
    __attribute__((warn_unused_result));
/* Posts the receipt to /api/v1/device/receipt. */
int portal_post_receipt(struct portal_link *l, const svcport_v1_DeviceReceipt *r)
    __attribute__((warn_unused_result));
void portal_creds_free(struct portal_link *l);
/* Cancels a post in flight (its answer never comes); the credentials are read again. */
void portal_post_cancel(struct portal_link *l);
/* A printable, bounded copy of an untrusted body for the log. */
void portal_body_words(const uint8_t *body, size_t len, char *out, size_t cap);

/* link-portal.c: a reply is waiting in rx; it is handled from the loop, not from inside
 * the callback that delivered it. */
void portal_kick(struct portal_link *l);

#endif
