// SPDX-License-Identifier: GPL-2.0-or-later
/* AES-256-GCM boxes (aead.h) on mbedTLS. */
#include <errno.h>

#include <mbedtls/gcm.h>
#include <mbedtls/platform_util.h>

#include "aead.h"

int aead_seal(const uint8_t key[AEAD_KEY_LEN], const uint8_t iv[AEAD_IV_LEN], const uint8_t *aad,
              size_t aad_len, const uint8_t *in, size_t len, uint8_t *out)
{
	mbedtls_gcm_context gcm;
	int ret;

	mbedtls_gcm_init(&gcm);
	ret = mbedtls_gcm_setkey(&gcm, MBEDTLS_CIPHER_ID_AES, key, 8 * AEAD_KEY_LEN) ||
	              mbedtls_gcm_crypt_and_tag(&gcm, MBEDTLS_GCM_ENCRYPT, len, iv, AEAD_IV_LEN,
	                                        aad, aad_len, in, out, AEAD_TAG_LEN, out + len)
	          ? -EIO
	          : 0;
	mbedtls_gcm_free(&gcm);
	return ret;
}

int aead_open(const uint8_t key[AEAD_KEY_LEN], const uint8_t iv[AEAD_IV_LEN], const uint8_t *aad,
              size_t aad_len, const uint8_t *ct, size_t ct_len, uint8_t *out)
{
	mbedtls_gcm_context gcm;
	size_t len;
	int ret;

	if (ct_len < AEAD_TAG_LEN)
		return -EINVAL;
	len = ct_len - AEAD_TAG_LEN;
	mbedtls_gcm_init(&gcm);
	ret = mbedtls_gcm_setkey(&gcm, MBEDTLS_CIPHER_ID_AES, key, 8 * AEAD_KEY_LEN) ||
	              mbedtls_gcm_auth_decrypt(&gcm, len, iv, AEAD_IV_LEN, aad, aad_len, ct + len,
	                                       AEAD_TAG_LEN, ct, out)
	          ? -EBADMSG
	          : 0;
	mbedtls_gcm_free(&gcm);
	if (ret < 0)
		mbedtls_platform_zeroize(out, len);
	return ret;
}
