// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The backup component's key (sedcomp.h "The component's key"): never in the
 * component's folder, but in a secure element's store: a file of the file
 * back-end's store (the simulation's chip) or an AES-256 key generated inside
 * a PKCS#11 token (sensitive, not extractable), used there with CKM_AES_GCM.
 */
#include <errno.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#include "aead.h"
#include "fsutil.h"
#include "se-pkcs11-int.h"
#include "sedcomp.h"

#define KEY_FILE  "sed-component.key"
#define P11_LABEL "svcport-sed-component"

_Static_assert(AEAD_IV_LEN == P11_GCM_IV_LEN && AEAD_TAG_LEN == P11_GCM_TAG_LEN,
               "the component's box is the token's GCM");

static bool is_token(const struct sedcomp_keys *k)
{
	return k->token && k->token->module[0];
}

/* ---------------------------------------------------------------- file store */

static int file_key(const struct sedcomp_keys *k, uint8_t key[AEAD_KEY_LEN])
{
	size_t len = 0;
	int ret;

	if (!k->dir)
		return -ENOENT;
	ret = fs_read(k->dir, KEY_FILE, key, AEAD_KEY_LEN + 1, &len);
	if (ret == 0 && len != AEAD_KEY_LEN)
		ret = -EBADMSG;
	if (ret < 0)
		mbedtls_platform_zeroize(key, AEAD_KEY_LEN);
	return ret == -EFBIG ? -EBADMSG : ret;
}

static int file_key_make(const struct sedcomp_keys *k, const struct bmc_env *env)
{
	uint8_t key[AEAD_KEY_LEN];
	int ret = env->rng(env->user_data, key, sizeof(key)) != 0 ? -EIO : 0;

	if (ret == 0)
		ret = fs_atomic_write(k->dir, KEY_FILE, key, sizeof(key), 0600);
	mbedtls_platform_zeroize(key, sizeof(key));
	return ret;
}

/* ------------------------------------------------------------------- token */

static int p11_key(struct p11 *p, CK_OBJECT_HANDLE *ret_key)
{
	int ret = p11_find_one(p, CKO_SECRET_KEY, P11_LABEL, ret_key);

	return ret == -EIO ? -EBADMSG : ret; /* two of them: not a token we keep */
}

static int p11_run(const struct sedcomp_keys *k, bool seal, bool may_create, const uint8_t *aad,
                   size_t aad_len, const uint8_t *in, size_t in_len, uint8_t *iv, uint8_t *out,
                   size_t cap)
{
	struct p11 p;
	CK_OBJECT_HANDLE key;
	int ret = p11_session_open(k->token, &p);

	if (ret < 0)
		return ret == -EACCES ? -EACCES : -EIO;
	ret = p11_key(&p, &key);
	if (ret == -ENOENT && may_create) {
		ret = p11_secret_generate(&p, true, P11_LABEL);
		if (ret == 0)
			ret = p11_key(&p, &key);
	}
	if (ret == 0 && in)
		ret = p11_gcm(&p, key, seal, iv, aad, aad_len, in, in_len, out, cap, NULL);
	p11_session_close(&p);
	return ret;
}

/* --------------------------------------------------------------------- API */

int sedcomp_key_check(const struct sedcomp_keys *k)
{
	uint8_t key[AEAD_KEY_LEN];
	int ret;

	if (is_token(k))
		return p11_run(k, false, false, NULL, 0, NULL, 0, NULL, NULL, 0);
	ret = file_key(k, key);
	mbedtls_platform_zeroize(key, sizeof(key));
	return ret;
}

int sedcomp_key_make(const struct sedcomp_keys *k, const struct bmc_env *env)
{
	if (is_token(k))
		return p11_run(k, true, true, NULL, 0, NULL, 0, NULL, NULL, 0);
	return k->dir ? file_key_make(k, env) : -ENOENT;
}

int sedcomp_key_seal(const struct sedcomp_keys *k, const uint8_t *aad, size_t aad_len,
                     const uint8_t *in, size_t len, uint8_t *box, const struct bmc_env *env)
{
	uint8_t key[AEAD_KEY_LEN];
	int ret;

	if (env->rng(env->user_data, box, AEAD_IV_LEN) != 0)
		return -EIO;
	if (is_token(k))
		return p11_run(k, true, false, aad, aad_len, in, len, box, box + AEAD_IV_LEN,
		               len + AEAD_TAG_LEN);
	ret = file_key(k, key);
	if (ret == 0)
		ret = aead_seal(key, box, aad, aad_len, in, len, box + AEAD_IV_LEN);
	mbedtls_platform_zeroize(key, sizeof(key));
	return ret;
}

int sedcomp_key_open(const struct sedcomp_keys *k, const uint8_t *aad, size_t aad_len,
                     const uint8_t *box, size_t box_len, uint8_t *out)
{
	uint8_t key[AEAD_KEY_LEN], iv[AEAD_IV_LEN];
	int ret;

	if (box_len < AEAD_IV_LEN + AEAD_TAG_LEN)
		return -EBADMSG;
	memcpy(iv, box, sizeof(iv));
	if (is_token(k)) {
		/* The token may want room for the tag too: the plain text goes through tmp. */
		uint8_t tmp[SEDCOMP_BOX_MAX];

		if (box_len - AEAD_IV_LEN > sizeof(tmp))
			return -EBADMSG;
		ret = p11_run(k, false, false, aad, aad_len, box + AEAD_IV_LEN,
		              box_len - AEAD_IV_LEN, iv, tmp, sizeof(tmp));
		if (ret == 0)
			memcpy(out, tmp, box_len - AEAD_IV_LEN - AEAD_TAG_LEN);
		mbedtls_platform_zeroize(tmp, sizeof(tmp));
		return ret;
	}
	ret = file_key(k, key);
	if (ret == 0)
		ret = aead_open(key, box, aad, aad_len, box + AEAD_IV_LEN, box_len - AEAD_IV_LEN,
		                out);
	mbedtls_platform_zeroize(key, sizeof(key));
	return ret;
}
