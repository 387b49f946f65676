/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The benchmarks' phone flows: what `svcport-sim app` does, through libsvcport-client over
 * a new connection each (bench-phone.h counts the link), with the portal of host-sim's
 * svcport-portal signing commands and checking receipts in this process.
 */
#ifndef SVCPORT_BENCH_FLOW_H
#define SVCPORT_BENCH_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bench-phone.h"
#include "portal.h"

enum bench_flow {
	FLOW_INFO,
	FLOW_CLAIM,
	FLOW_ACTIVATE,
	FLOW_EMERGENCY_RESET,
	FLOW_KEY_UPDATE,
	FLOW_COUNT
};

const char *flow_name(enum bench_flow f);

/* Where a flow's wall time goes (an info flow has the first two steps). */
enum flow_step {
	STEP_CONNECT,   /* connect and the link's set-up (ATT: GATT and INFO; CDC: GetLinkInfo) */
	STEP_CHALLENGE, /* info: GetDeviceInfo; key update: GetDeviceInfo, then GetChallenge */
	STEP_SIGN,      /* the portal, in this process */
	STEP_SUBMIT,
	STEP_RECEIPT, /* the portal, in this process */
	STEP_COUNT
};

const char *flow_step_name(enum flow_step s);

struct flow_opts {
	bool force_chain;   /* the command carries the signer chain even if the device caches it */
	bool write_command; /* ATT: RX segments as Write Command instead of Write Request */
	/* ATT: a returning phone's cache (NULL: a first visit, which discovers). */
	const struct svcport_client_gatt_cache *cache;
	/* Filled in by flow_run when not NULL: the cache a discovery handed. */
	struct svcport_client_gatt_cache *cache_out;
	/* Filled in by flow_run for the CPU benchmark (may be NULL): the SignedCommand sent. */
	uint8_t *cmd_out;
	size_t cmd_cap;
	size_t *cmd_len;
};

struct flow_result {
	struct phone_stats st;     /* the flow, after the link's set-up */
	struct phone_stats setup;  /* the set-up */
	double wall_s;             /* whole flow incl. set-up and portal work */
	double link_s;             /* of which the phone and the daemons (the portal's left out) */
	double step_s[STEP_COUNT]; /* wall time of each step */
	bool chain_sent;
	bool used_cache; /* ATT: the set-up skipped discovery */
	uint16_t mtu;
};

/*
 * Plays flow f as the app does over a new connection: the set-up, then GetDeviceInfo for
 * info, or for the signed flows GetChallenge, the portal's signature (user by role: claim
 * alice, activate eddie, emergency reset and key update mona), SubmitCommand and the
 * portal's receipt check. Returns 0 when the device did it (an emergency reset whose bmcd
 * seals no password counts), -EPERM with the device's error printed otherwise.
 */
int flow_run(struct portal *portal, const char *spec, uint16_t mtu, enum bench_flow f,
             const struct flow_opts *o, struct flow_result *ret)
    __attribute__((warn_unused_result));

#endif
