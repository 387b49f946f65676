/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared by the BmcRequest fuzz target and its seed generator: before every
 * input the harness reseeds the test RNG and issues one challenge, so the
 * outstanding nonce is always fuzz_nonce() and seed commands bound to it get
 * through every check (the fuzzer then mutates from deep inside the verifier).
 */
#ifndef SVCPORT_FUZZ_BMC_COMMON_H
#define SVCPORT_FUZZ_BMC_COMMON_H

#include <string.h>

#include "testpki.h"

#define FUZZ_RNG_SEED 7

static inline void fuzz_nonce(unsigned char nonce[16])
{
	tpki_rng_reset(FUZZ_RNG_SEED);
	tpki_rng(NULL, nonce, 16);
}

#endif
