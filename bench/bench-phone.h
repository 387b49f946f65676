/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The benchmarks' phone: libsvcport-client over an app link (client/app-session.h), as
 * svcport-sim app runs it, with what crosses the link counted (the flows on top are in
 * bench-flow.h).
 *   ble-sim:PATH  ATT PDUs and their bytes (opcode and handle included), ATT request/response
 *                 transactions: the library's own counters
 *   unix:PATH     CDC frames (COBS + CRC-32 + the 0x00 delimiter), counted from a tap
 * The set-up (ATT: Exchange MTU, the Database Hash, discovery unless the cache holds, the
 * CCCD, INFO; CDC: GetLinkInfo) is counted apart from what follows.
 */
#ifndef SVCPORT_BENCH_PHONE_H
#define SVCPORT_BENCH_PHONE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "svcport-client.h"

struct phone_stats {
	uint64_t pdus;        /* ATT PDUs or CDC frames, both directions */
	uint64_t bytes;       /* their bytes on the link */
	uint64_t exchanges;   /* ATT request/response transactions, or CDC message round trips */
	uint64_t messages;    /* protobuf messages moved (Frames, and the INFO LinkInfo value) */
	uint64_t pb_bytes;    /* their encoded bytes */
	uint64_t min_pdus;    /* the fewest PDUs that could carry those messages (see .c) */
	uint64_t round_trips; /* Frame request/response exchanges (the library's count) */
	/*
	 * ATT: BLE connection events the traffic needs, with 1 and with 4 PDUs per direction
	 * per event: an ATT request and its response never share an event (the server answers
	 * in the next one), so each transaction costs 2 events; the notifications of one
	 * message go back to back, k per event.
	 */
	uint64_t ble_events_1, ble_events_4;
};

struct phone;

struct phone_opts {
	uint16_t mtu;       /* ATT: ATT MTU offered, 23..517 (0: 517) */
	bool write_command; /* ATT: RX segments as Write Command (no Write Response) */
	const struct svcport_client_gatt_cache *cache; /* ATT: a returning phone's, or NULL */
	/* Signed flows: the portal (callbacks.sign of svcport-client.h), and each flow's end;
	 * both optional, called with user_data. */
	void (*sign)(struct svcport_client *c, const struct svcport_client_sign_request *req,
	             void *user_data);
	void (*done)(struct svcport_client *c, const struct svcport_client_result *r,
	             void *user_data);
	void *user_data;
};

/* Opens spec (ble-sim:PATH or unix:PATH) and sets the link up. 0 or -errno. */
int phone_open(const char *spec, const struct phone_opts *o, struct phone **ret)
    __attribute__((warn_unused_result));
void phone_close(struct phone *p);
bool phone_is_att(const struct phone *p);
uint16_t phone_mtu(const struct phone *p);
/* ATT: whether the set-up used the cache (no discovery). */
bool phone_used_cache(const struct phone *p);
/* ATT: the cache the library handed after a discovery; false if none. */
bool phone_get_cache(const struct phone *p, struct svcport_client_gatt_cache *ret);

/* One flow to its end (svcport_client_start): its status. */
int phone_run(struct phone *p, enum svcport_client_flow flow) __attribute__((warn_unused_result));

/* Traffic since the set-up ended, and of the set-up itself. */
void phone_get_stats(const struct phone *p, struct phone_stats *ret);
void phone_get_setup(const struct phone *p, struct phone_stats *ret);

#endif
