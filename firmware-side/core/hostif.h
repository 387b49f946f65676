/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The host interface (proto/host.proto): the server's host firmware asks
 * whether it may boot and for the SED AK that unlocks its drives. I/O-free:
 * a packet in, a packet out. bmcd owns the socket and has checked the peer's
 * uid before a packet gets here.
 *
 * The rules (docs/bmc.md "Host interface"):
 * - While the board is LOCKED both answers are HOST_LOCKED with exactly
 *   HOSTIF_LOCKED_MESSAGE and no key. The lockdown state is the one in
 *   memory: a lock that could not be stored is in force from the moment it
 *   happened (board.h, DESIGN §4.6), so the AK is refused from then on.
 * - GetSedAk is rate limited: at most cfg.releases requests per window of
 *   cfg.window_ms, released or refused alike; beyond that HOST_RATE_LIMITED
 *   with retry_after_ms (the window's end), counted and named in the next
 *   audit record. Boot is neither limited nor audited (it gives nothing).
 * - Every GetSedAk within the limit is audited before it is answered:
 *   `host-sed-ak-release` or `host-sed-ak-refused` (detail: why). A release
 *   whose record cannot be stored is not made (HOST_INTERNAL, no key).
 * - The AK exists only in the reply: hostif_handle_packet() zeroizes its own
 *   copies; the caller zeroizes the encoded packet once it is sent.
 */
#ifndef SVCPORT_BMC_HOSTIF_H
#define SVCPORT_BMC_HOSTIF_H

#include <stddef.h>
#include <stdint.h>

#include "bmc.h"
#include "host.pb.h"

#define HOSTIF_PROTOCOL_VERSION 1
#define HOSTIF_LOCKED_MESSAGE                                                                      \
	"System is locked down and must be activated in order to complete booting"
#define HOSTIF_RELEASES  4     /* default cfg.releases */
#define HOSTIF_WINDOW_MS 60000 /* default cfg.window_ms */

_Static_assert(sizeof(HOSTIF_LOCKED_MESSAGE) <= sizeof(((svcport_host_v1_HostReply *)0)->message),
               "the locked sentence fits HostReply.message (host.options)");

struct hostif_config {
	uint32_t releases;  /* GetSedAk requests per window; 0: HOSTIF_RELEASES */
	uint32_t window_ms; /* 0: HOSTIF_WINDOW_MS */
};

/* One host interface over a board; bmcd owns it (no allocation). */
struct hostif {
	struct bmc *bmc;
	struct hostif_config cfg;
	uint64_t window_start_ms;
	uint32_t in_window; /* GetSedAk requests answered in this window */
	uint32_t limited;   /* refused by the limit since the last audit record */
};

/* What happened, for the daemon's log line. Strings are static. */
struct hostif_outcome {
	const char *request; /* "boot", "get-sed-ak", "undecodable", ... */
	uint32_t request_id;
	svcport_host_v1_HostStatus status;
	const char *detail; /* why, on a refusal; NULL otherwise */
};

/* bmc is borrowed: it must outlive h. cfg may be NULL (the defaults). */
void hostif_init(struct hostif *h, struct bmc *bmc, const struct hostif_config *cfg);

/* Answers one decoded request; rep is fully written (ids echoed). */
void hostif_handle(struct hostif *h, const svcport_host_v1_HostRequest *req,
                   svcport_host_v1_HostReply *rep, struct hostif_outcome *ret_outcome);

/*
 * Answers one raw packet: over svcport_host_v1_HostRequest_size or
 * undecodable is HOST_BAD_REQUEST with request id 0. Encodes the reply into
 * out (at least svcport_host_v1_HostReply_size bytes); out may hold the AK:
 * the caller zeroizes it after sending. 0, or -EINVAL if the reply does not
 * encode (a bug; out is then zeroized).
 */
int hostif_handle_packet(struct hostif *h, const uint8_t *in, size_t in_len, uint8_t *out,
                         size_t out_cap, size_t *ret_len, struct hostif_outcome *ret_outcome)
    __attribute__((warn_unused_result));

/* "OK", "LOCKED", "NO_SED_AK", "RATE_LIMITED", "BAD_REQUEST", "INTERNAL", "?". */
const char *hostif_status_name(svcport_host_v1_HostStatus s);

#endif
