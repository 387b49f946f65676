/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The benchmarks' phone link: whole messages over a link, counting what crosses it (the
 * flows on top are in bench-flow.h).
 *   ble-sim:PATH  GATT client of gateway/gatt-client.h: ATT PDUs and bytes (opcode and
 *                 handle included), ATT request/response transactions
 *   unix:PATH     CDC frames (COBS + CRC-32 + the 0x00 delimiter), counted here
 * Blocking, one request at a time, like the app.
 */
#ifndef SVCPORT_BENCH_PHONE_H
#define SVCPORT_BENCH_PHONE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "svcport.pb.h"

struct phone_stats {
	uint64_t pdus;        /* ATT PDUs or CDC frames, both directions */
	uint64_t bytes;       /* their bytes on the link */
	uint64_t exchanges;   /* ATT request/response transactions, or CDC message round trips */
	uint64_t messages;    /* protobuf messages moved (Frames, and the INFO LinkInfo value) */
	uint64_t pb_bytes;    /* their encoded bytes */
	uint64_t min_pdus;    /* the fewest PDUs that could carry those messages (see .c) */
	uint64_t round_trips; /* Frame request/response round trips */
	/*
	 * GATT: BLE connection events the traffic needs, with 1 and with 4 PDUs per direction
	 * per event: an ATT request and its response never share an event (the server answers
	 * in the next one), so each transaction costs 2 events; the notifications of one
	 * message go back to back, k per event.
	 */
	uint64_t ble_events_1, ble_events_4;
};

struct phone;

struct phone_opts {
	uint16_t mtu;       /* GATT: ATT MTU offered, 23..517 */
	bool write_command; /* GATT: RX segments as Write Command (no Write Response) */
};

/* Opens spec (ble-sim:PATH or unix:PATH); GATT: MTU exchange, discovery, TX notifications.
 * The set-up traffic is counted apart (phone_get_setup). */
int phone_open(const char *spec, const struct phone_opts *o, struct phone **ret)
    __attribute__((warn_unused_result));
void phone_close(struct phone *p);
bool phone_is_gatt(const struct phone *p);
uint16_t phone_mtu(const struct phone *p);

/* Traffic since the link was ready, and of the set-up itself. */
void phone_get_stats(const struct phone *p, struct phone_stats *ret);
void phone_get_setup(const struct phone *p, struct phone_stats *ret);

/* Seconds spent waiting on the link (sending and receiving) since phone_open. */
double phone_link_seconds(const struct phone *p);

/* GATT: reads INFO (a LinkInfo); CDC has none: 0 without traffic. */
int phone_read_info(struct phone *p) __attribute__((warn_unused_result));

/* One request, its response into *resp (events that arrive meanwhile are counted, skipped). */
int phone_call(struct phone *p, const svcport_v1_Request *req, svcport_v1_Response *resp)
    __attribute__((warn_unused_result));

#endif
