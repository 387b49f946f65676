/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The soak's radio attacker (bench-soak.c): one process holding up to `concurrent` hostile
 * connections on a ble-sim: link at once, raw ATT PDUs, until it has opened `sessions` in
 * all. Each new connection takes the next behaviour in turn:
 *   idle      connects and says nothing (never subscribes)
 *   junk      ATT PDUs of random bytes
 *   hold      subscribes to TX, then announces a 4,000-byte message and sends 10 bytes of it
 *   hangup    subscribes, sends the first segment of a message and hangs up at once
 *   bad       subscribes, sends a whole message that is no Frame, waits for the answer
 * A connection ends when the gateway closes it, when its behaviour is done, or after 30 s.
 */
#ifndef SVCPORT_BENCH_ATTACKER_H
#define SVCPORT_BENCH_ATTACKER_H

#include <stdint.h>

enum attack {
	ATTACK_IDLE,
	ATTACK_JUNK,
	ATTACK_HOLD,
	ATTACK_HANGUP,
	ATTACK_BAD,
	ATTACK_COUNT
};

struct attack_result {
	uint64_t opened[ATTACK_COUNT]; /* connections the gateway accepted */
	uint64_t closed_by_gateway[ATTACK_COUNT];
	uint64_t refused; /* connect() failed (backlog full) */
	uint64_t answers; /* ATT PDUs the gateway sent back */
	int max_open;     /* most connections open at once */
};

const char *attack_name(enum attack a);

/* Runs the attack against the socket at path (ble-sim:'s, without the prefix) in this
 * process; returns when every connection is closed. 0 or a negative errno. */
int attack_run(const char *path, int concurrent, int sessions, struct attack_result *ret)
    __attribute__((warn_unused_result));

#endif
