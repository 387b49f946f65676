/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the BMC cores take from the outside world: the clock, random bytes and
 * which secure element to use. Injected so tests control time and randomness;
 * the daemon passes the real clock, an mbedTLS CTR-DRBG and its --se-config.
 */
#ifndef SVCPORT_BMC_ENV_H
#define SVCPORT_BMC_ENV_H

#include <stddef.h>
#include <stdint.h>

struct se_config; /* firmware-side/se/se.h */

struct bmc_env {
	/* Wall clock, milliseconds since the Unix epoch (certificate validity and
	 * command time windows are wall-clock facts). */
	uint64_t (*now_ms)(void *user_data);
	/* mbedTLS f_rng signature: fill buf with len random bytes, 0 or an
	 * mbedTLS error. Used for nonces, salts, keys and ECDSA signing. */
	int (*rng)(void *user_data, unsigned char *buf, size_t len);
	void *user_data;
	/* The secure element (se_open, se_provision); NULL: the file back-end. */
	const struct se_config *se;
};

#endif
