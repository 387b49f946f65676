// SPDX-License-Identifier: GPL-2.0-or-later
/* PBKDF2-HMAC-SHA256 for the admin password and passphrase-derived SED AKs. */
#include <errno.h>
#include <string.h>

#include <mbedtls/md.h>
#include <mbedtls/pkcs5.h>

#include "pwhash.h"

int bmc_pbkdf2(const char *secret, const unsigned char *salt, size_t salt_len, unsigned char *out,
               size_t out_len)
{
	return bmc_pbkdf2_iter(secret, salt, salt_len, BMC_PBKDF2_ITERATIONS, out, out_len);
}

int bmc_pbkdf2_iter(const char *secret, const unsigned char *salt, size_t salt_len,
                    uint32_t iterations, unsigned char *out, size_t out_len)
{
	mbedtls_md_context_t md;
	int ret = -EIO;

	mbedtls_md_init(&md);
	if (mbedtls_md_setup(&md, mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), 1) != 0)
		goto out;
	if (mbedtls_pkcs5_pbkdf2_hmac(&md, (const unsigned char *)secret, strlen(secret), salt,
	                              salt_len, iterations, (uint32_t)out_len, out) != 0)
		goto out;
	ret = 0;
out:
	mbedtls_md_free(&md);
	return ret;
}

bool bmc_is_mem_equal(const void *a, const void *b, size_t len)
{
	const volatile unsigned char *x = a, *y = b;
	unsigned char diff = 0;

	for (size_t i = 0; i < len; i++)
		diff |= x[i] ^ y[i];
	return diff == 0;
}
