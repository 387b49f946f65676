// SPDX-License-Identifier: GPL-2.0-or-later
/* The one-time password box (pwbox.h): ECDH P-256, HKDF-SHA256, AES-256-GCM. */
#include "pwbox.h"

#include <errno.h>
#include <string.h>

#include <mbedtls/ecdh.h>
#include <mbedtls/ecp.h>
#include <mbedtls/gcm.h>
#include <mbedtls/hkdf.h>
#include <mbedtls/md.h>
#include <mbedtls/platform_util.h>

#define INFO_LABEL "svcport pwbox v1"
#define KEY_LEN    32
#define IV_LEN     12
#define AAD_MAX    (1 + 255 + 1 + 255 + 64)

/* The keys and AAD of one box. */
struct box_keys {
	uint8_t okm[KEY_LEN + IV_LEN];
	uint8_t aad[AAD_MAX];
	size_t aad_len;
};

static int binding_aad(const struct pwbox_binding *b, uint8_t *aad, size_t *ret_len)
{
	size_t mt = strlen(b->machine_type), sn = strlen(b->serial_number), n = 0;

	if (mt > 255 || sn > 255 || b->nonce_len > 64)
		return -EINVAL;
	aad[n++] = (uint8_t)mt;
	memcpy(aad + n, b->machine_type, mt);
	n += mt;
	aad[n++] = (uint8_t)sn;
	memcpy(aad + n, b->serial_number, sn);
	n += sn;
	memcpy(aad + n, b->nonce, b->nonce_len);
	*ret_len = n + b->nonce_len;
	return 0;
}

/* Z, the box's key, IV and AAD. requester_pub and device_pub name the two sides in
 * the KDF's info, whichever side we are. On failure k is zeroized: callers that
 * return at once leave nothing of a partial key behind. */
static int kdf(const uint8_t z[PWBOX_SCALAR_LEN], const uint8_t requester_pub[PWBOX_POINT_LEN],
               const uint8_t device_pub[PWBOX_POINT_LEN], const struct pwbox_binding *bind,
               struct box_keys *k)
{
	uint8_t info[sizeof(INFO_LABEL) - 1 + 2 * PWBOX_POINT_LEN];
	int ret = 0;

	if (binding_aad(bind, k->aad, &k->aad_len) < 0)
		ret = -EINVAL;
	memcpy(info, INFO_LABEL, sizeof(INFO_LABEL) - 1);
	memcpy(info + sizeof(INFO_LABEL) - 1, requester_pub, PWBOX_POINT_LEN);
	memcpy(info + sizeof(INFO_LABEL) - 1 + PWBOX_POINT_LEN, device_pub, PWBOX_POINT_LEN);
	if (ret == 0 &&
	    mbedtls_hkdf(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), bind->nonce, bind->nonce_len,
	                 z, PWBOX_SCALAR_LEN, info, sizeof(info), k->okm, sizeof(k->okm)) != 0)
		ret = -EIO;
	if (ret < 0)
		mbedtls_platform_zeroize(k, sizeof(*k));
	return ret;
}

/* own_priv with peer_pub: Z, then kdf(). */
static int derive(const uint8_t own_priv[PWBOX_SCALAR_LEN], const uint8_t peer_pub[PWBOX_POINT_LEN],
                  const uint8_t requester_pub[PWBOX_POINT_LEN],
                  const uint8_t device_pub[PWBOX_POINT_LEN], const struct pwbox_binding *bind,
                  pwbox_rng rng, void *rng_ctx, struct box_keys *k)
{
	uint8_t z[PWBOX_SCALAR_LEN];
	mbedtls_ecp_group grp;
	mbedtls_ecp_point q;
	mbedtls_mpi d, s;
	int ret = -EINVAL;

	mbedtls_ecp_group_init(&grp);
	mbedtls_ecp_point_init(&q);
	mbedtls_mpi_init(&d);
	mbedtls_mpi_init(&s);
	if (mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1) != 0 ||
	    mbedtls_mpi_read_binary(&d, own_priv, PWBOX_SCALAR_LEN) != 0 ||
	    mbedtls_ecp_check_privkey(&grp, &d) != 0 ||
	    mbedtls_ecp_point_read_binary(&grp, &q, peer_pub, PWBOX_POINT_LEN) != 0 ||
	    mbedtls_ecp_check_pubkey(&grp, &q) != 0)
		goto out;
	ret = -EIO;
	if (mbedtls_ecdh_compute_shared(&grp, &s, &q, &d, rng, rng_ctx) != 0 ||
	    mbedtls_mpi_write_binary(&s, z, sizeof(z)) != 0)
		goto out;
	ret = kdf(z, requester_pub, device_pub, bind, k);
out:
	mbedtls_platform_zeroize(z, sizeof(z));
	mbedtls_mpi_free(&s);
	mbedtls_mpi_free(&d);
	mbedtls_ecp_point_free(&q);
	mbedtls_ecp_group_free(&grp);
	return ret;
}

/* The public point of priv, uncompressed. */
static int public_of(const uint8_t priv[PWBOX_SCALAR_LEN], pwbox_rng rng, void *rng_ctx,
                     uint8_t pub[PWBOX_POINT_LEN])
{
	mbedtls_ecp_group grp;
	mbedtls_ecp_point q;
	mbedtls_mpi d;
	size_t olen = 0;
	int ret = -EINVAL;

	mbedtls_ecp_group_init(&grp);
	mbedtls_ecp_point_init(&q);
	mbedtls_mpi_init(&d);
	if (mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1) == 0 &&
	    mbedtls_mpi_read_binary(&d, priv, PWBOX_SCALAR_LEN) == 0 &&
	    mbedtls_ecp_check_privkey(&grp, &d) == 0 &&
	    mbedtls_ecp_mul(&grp, &q, &d, &grp.G, rng, rng_ctx) == 0 &&
	    mbedtls_ecp_point_write_binary(&grp, &q, MBEDTLS_ECP_PF_UNCOMPRESSED, &olen, pub,
	                                   PWBOX_POINT_LEN) == 0 &&
	    olen == PWBOX_POINT_LEN)
		ret = 0;
	mbedtls_mpi_free(&d);
	mbedtls_ecp_point_free(&q);
	mbedtls_ecp_group_free(&grp);
	return ret;
}

int pwbox_keygen(pwbox_rng rng, void *rng_ctx, uint8_t ret_priv[PWBOX_SCALAR_LEN],
                 uint8_t ret_pub[PWBOX_POINT_LEN])
{
	uint8_t priv[PWBOX_SCALAR_LEN];
	mbedtls_ecp_group grp;
	mbedtls_mpi d;
	int ret = -EIO;

	mbedtls_ecp_group_init(&grp);
	mbedtls_mpi_init(&d);
	if (mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1) == 0 &&
	    mbedtls_ecp_gen_privkey(&grp, &d, rng, rng_ctx) == 0 &&
	    mbedtls_mpi_write_binary(&d, priv, PWBOX_SCALAR_LEN) == 0 &&
	    public_of(priv, rng, rng_ctx, ret_pub) == 0) {
		memcpy(ret_priv, priv, PWBOX_SCALAR_LEN);
		ret = 0;
	}
	mbedtls_platform_zeroize(priv, sizeof(priv));
	mbedtls_mpi_free(&d);
	mbedtls_ecp_group_free(&grp);
	return ret;
}

int pwbox_seal_with_key(const uint8_t requester_pub[PWBOX_POINT_LEN],
                        const struct pwbox_binding *bind, const char *secret, size_t len,
                        const uint8_t device_priv[PWBOX_SCALAR_LEN], pwbox_rng rng, void *rng_ctx,
                        uint8_t ret_device_pub[PWBOX_POINT_LEN], uint8_t *ret_ct, size_t cap,
                        size_t *ret_ct_len)
{
	uint8_t device_pub[PWBOX_POINT_LEN];
	struct box_keys k;
	mbedtls_gcm_context gcm;
	int ret;

	if (len > PWBOX_SECRET_MAX)
		return -EINVAL;
	if (cap < len + PWBOX_TAG_LEN)
		return -ENOSPC;
	ret = public_of(device_priv, rng, rng_ctx, device_pub);
	if (ret == 0)
		ret = derive(device_priv, requester_pub, requester_pub, device_pub, bind, rng,
		             rng_ctx, &k);
	if (ret < 0)
		return ret;
	mbedtls_gcm_init(&gcm);
	ret = -EIO;
	if (mbedtls_gcm_setkey(&gcm, MBEDTLS_CIPHER_ID_AES, k.okm, KEY_LEN * 8) == 0 &&
	    mbedtls_gcm_crypt_and_tag(&gcm, MBEDTLS_GCM_ENCRYPT, len, k.okm + KEY_LEN, IV_LEN,
	                              k.aad, k.aad_len, (const uint8_t *)secret, ret_ct,
	                              PWBOX_TAG_LEN, ret_ct + len) == 0) {
		memcpy(ret_device_pub, device_pub, PWBOX_POINT_LEN);
		*ret_ct_len = len + PWBOX_TAG_LEN;
		ret = 0;
	}
	mbedtls_gcm_free(&gcm);
	mbedtls_platform_zeroize(&k, sizeof(k));
	return ret;
}

int pwbox_seal(const uint8_t requester_pub[PWBOX_POINT_LEN], const struct pwbox_binding *bind,
               const char *secret, size_t len, pwbox_rng rng, void *rng_ctx,
               uint8_t ret_device_pub[PWBOX_POINT_LEN], uint8_t *ret_ct, size_t cap,
               size_t *ret_ct_len)
{
	uint8_t priv[PWBOX_SCALAR_LEN], pub[PWBOX_POINT_LEN];
	int ret = pwbox_keygen(rng, rng_ctx, priv, pub);

	if (ret == 0)
		ret = pwbox_seal_with_key(requester_pub, bind, secret, len, priv, rng, rng_ctx,
		                          ret_device_pub, ret_ct, cap, ret_ct_len);
	mbedtls_platform_zeroize(priv, sizeof(priv));
	return ret;
}

/* A box of ct_len bytes holds a secret, and out (cap) takes it and a NUL. */
static int box_len_check(size_t ct_len, size_t cap)
{
	if (ct_len < PWBOX_TAG_LEN || ct_len - PWBOX_TAG_LEN > PWBOX_SECRET_MAX)
		return -EINVAL;
	return cap <= ct_len - PWBOX_TAG_LEN ? -ENOSPC : 0;
}

/* Decrypts ct with the keys of k into out (and a NUL). */
static int open_with(struct box_keys *k, const uint8_t *ct, size_t ct_len, char *out, size_t cap)
{
	const size_t len = ct_len - PWBOX_TAG_LEN;
	mbedtls_gcm_context gcm;
	int ret;

	mbedtls_gcm_init(&gcm);
	ret = mbedtls_gcm_setkey(&gcm, MBEDTLS_CIPHER_ID_AES, k->okm, KEY_LEN * 8) != 0 ? -EIO
	      : mbedtls_gcm_auth_decrypt(&gcm, len, k->okm + KEY_LEN, IV_LEN, k->aad, k->aad_len,
	                                 ct + len, PWBOX_TAG_LEN, ct, (uint8_t *)out) != 0
	          ? -EBADMSG
	          : 0;
	mbedtls_gcm_free(&gcm);
	mbedtls_platform_zeroize(k, sizeof(*k));
	if (ret < 0) {
		mbedtls_platform_zeroize(out, cap);
		return ret;
	}
	out[len] = '\0';
	return 0;
}

int pwbox_open(const uint8_t requester_priv[PWBOX_SCALAR_LEN],
               const uint8_t device_pub[PWBOX_POINT_LEN], const struct pwbox_binding *bind,
               const uint8_t *ct, size_t ct_len, pwbox_rng rng, void *rng_ctx, char *out,
               size_t cap)
{
	uint8_t requester_pub[PWBOX_POINT_LEN];
	struct box_keys k;
	int ret;

	ret = box_len_check(ct_len, cap);
	if (ret < 0)
		return ret;
	ret = public_of(requester_priv, rng, rng_ctx, requester_pub);
	if (ret == 0)
		ret = derive(requester_priv, device_pub, requester_pub, device_pub, bind, rng,
		             rng_ctx, &k);
	if (ret < 0)
		return ret;
	return open_with(&k, ct, ct_len, out, cap);
}

int pwbox_open_shared(const uint8_t z[PWBOX_SCALAR_LEN],
                      const uint8_t requester_pub[PWBOX_POINT_LEN],
                      const uint8_t device_pub[PWBOX_POINT_LEN], const struct pwbox_binding *bind,
                      const uint8_t *ct, size_t ct_len, char *out, size_t cap)
{
	struct box_keys k;
	int ret;

	ret = box_len_check(ct_len, cap);
	if (ret < 0)
		return ret;
	ret = kdf(z, requester_pub, device_pub, bind, &k);
	if (ret < 0)
		return ret;
	return open_with(&k, ct, ct_len, out, cap);
}
