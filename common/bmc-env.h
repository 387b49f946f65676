/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the BMC cores take from the outside world: the clock and random bytes.
 * Injected so tests control time and randomness; the daemon passes the real
 * clock and an mbedTLS CTR-DRBG.
 */
#ifndef SVCPORT_BMC_ENV_H
#define SVCPORT_BMC_ENV_H

#include <stddef.h>
#include <stdint.h>

struct bmc_env {
	/* Wall clock, milliseconds since the Unix epoch (certificate validity and
	 * command time windows are wall-clock facts). */
	uint64_t (*now_ms)(void *user_data);
	/* mbedTLS f_rng signature: fill buf with len random bytes, 0 or an
	 * mbedTLS error. Used for nonces, salts, keys and ECDSA signing. */
	int (*rng)(void *user_data, unsigned char *buf, size_t len);
	void *user_data;
};

#endif
