/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Password hashing and constant-time comparison for the BMC core. */
#ifndef SVCPORT_BMC_PWHASH_H
#define SVCPORT_BMC_PWHASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BMC_PBKDF2_ITERATIONS 20000u

/* PBKDF2-HMAC-SHA256 of secret (NUL-terminated) into out. 0 or -EIO. */
int bmc_pbkdf2(const char *secret, const unsigned char *salt, size_t salt_len, unsigned char *out,
               size_t out_len) __attribute__((warn_unused_result));
/* The same with a chosen iteration count (the SED AK KDFs: sedak.h). */
int bmc_pbkdf2_iter(const char *secret, const unsigned char *salt, size_t salt_len,
                    uint32_t iterations, unsigned char *out, size_t out_len)
    __attribute__((warn_unused_result));
/* Compares len bytes in constant time. */
bool bmc_is_mem_equal(const void *a, const void *b, size_t len);

#endif
