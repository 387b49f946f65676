// SPDX-License-Identifier: GPL-2.0-or-later
/* File-backed secure element (se.h, se-int.h's back-end table): keys in STATE_DIR/se. */
#include "se-file-int.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/ecdh.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/gcm.h>
#include <mbedtls/platform_util.h>

#include "fsutil.h"

#define SE_WRAP_KEY_FILE "wrap.key"

/* Each key's file; the device key's comes from the factory (or is drawn here). */
static const char *const key_files[SE_KEY_COUNT] = {
    [SE_KEY_DEVICE] = "device.key",
};

/*
 * The internal CA and link keys an SE provisioned before issue 16 drew
 * (docs/certs.md): never read; a new provisioning removes them.
 */
static const char *const retired_key_files[] = {"internal-ca.key", "link.key"};

/* Removes dir/name; none is fine. 0 or -errno. */
static int retired_remove(const char *dir, const char *name)
{
	char path[PATH_MAX];
	int ret = fs_path(path, sizeof(path), dir, name);

	if (ret == 0 && unlink(path) < 0 && errno != ENOENT)
		ret = -errno;
	return ret;
}

/* Writes a P-256 key as PEM to dir/name (0600). */
static int write_key_file(const char *dir, const char *name, const mbedtls_pk_context *pk)
{
	unsigned char pem[512];
	int ret = -EIO;

	if (mbedtls_pk_write_key_pem((mbedtls_pk_context *)pk, pem, sizeof(pem)) == 0)
		ret = fs_atomic_write(dir, name, pem, strlen((const char *)pem), 0600);
	mbedtls_platform_zeroize(pem, sizeof(pem));
	return ret;
}

/* A new P-256 key from env->rng, written as PEM to dir/name (0600). */
static int gen_key_file(const char *dir, const char *name, const struct bmc_env *env)
{
	mbedtls_pk_context pk;
	int ret = -EIO;

	mbedtls_pk_init(&pk);
	if (mbedtls_pk_setup(&pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) == 0 &&
	    mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(pk), env->rng,
	                        env->user_data) == 0)
		ret = write_key_file(dir, name, &pk);
	mbedtls_pk_free(&pk);
	return ret;
}

static int load_key_file(const char *dir, const char *name, mbedtls_pk_context *pk,
                         unsigned char *buf)
{
	size_t len = 0;
	int ret = fs_read(dir, name, buf, SE_FILE_MAX - 1, &len);

	if (ret == 0) {
		buf[len] = 0; /* mbedTLS wants PEM NUL-terminated with the NUL counted */
		ret = mbedtls_pk_parse_key(pk, buf, len + 1, NULL, 0) == 0 &&
		              mbedtls_pk_get_type(pk) == MBEDTLS_PK_ECKEY
		          ? 0
		          : -EINVAL;
	}
	mbedtls_platform_zeroize(buf, SE_FILE_MAX);
	return ret;
}

int se_file_provision(const char *state_dir, const struct se_factory *f, const struct bmc_env *env)
{
	unsigned char wrap[SE_WRAP_KEY_LEN];
	char dir[PATH_MAX];
	int ret;

	ret = fs_path(dir, sizeof(dir), state_dir, "se");
	if (ret < 0)
		return ret;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	ret = f->device_key ? write_key_file(dir, key_files[SE_KEY_DEVICE], f->device_key)
	                    : gen_key_file(dir, key_files[SE_KEY_DEVICE], env);
	if (ret == 0)
		ret =
		    fs_atomic_write(dir, "trust-anchors.pem", f->anchors_pem, f->anchors_len, 0600);
	if (ret == 0 && env->rng(env->user_data, wrap, sizeof(wrap)) != 0)
		ret = -EIO;
	if (ret == 0)
		ret = fs_atomic_write(dir, SE_WRAP_KEY_FILE, wrap, sizeof(wrap), 0600);
	for (size_t i = 0; ret == 0 && i < sizeof(retired_key_files) / sizeof(retired_key_files[0]);
	     i++)
		ret = retired_remove(dir, retired_key_files[i]);
	if (ret == 0)
		ret = se_store_provision(dir, env);
	if (ret == 0)
		ret = fs_sync_dir(state_dir);
	mbedtls_platform_zeroize(wrap, sizeof(wrap));
	return ret;
}

static void file_close(struct se *se)
{
	struct se_file *f = (struct se_file *)se;

	for (int k = 0; k < SE_KEY_COUNT; k++)
		mbedtls_pk_free(&f->keys[k]);
	mbedtls_x509_crt_free(&se->anchors);
	mbedtls_platform_zeroize(f, sizeof(*f));
	free(f);
}

static int file_sign(struct se *se, enum se_key_id key, mbedtls_md_type_t md,
                     const unsigned char *hash, size_t hash_len, unsigned char rs[SE_RS_LEN],
                     int (*f_rng)(void *, unsigned char *, size_t), void *p_rng)
{
	mbedtls_ecp_keypair *kp = mbedtls_pk_ec(((struct se_file *)se)->keys[key]);
	mbedtls_mpi r, s;
	int ret;

	mbedtls_mpi_init(&r);
	mbedtls_mpi_init(&s);
	/* RFC 6979, as mbedtls_pk_sign() did here before: the same signatures. */
	ret = mbedtls_ecdsa_sign_det_ext(&kp->grp, &r, &s, &kp->d, hash, hash_len, md, f_rng,
	                                 p_rng) != 0 ||
	              mbedtls_mpi_write_binary(&r, rs, SE_RS_LEN / 2) != 0 ||
	              mbedtls_mpi_write_binary(&s, rs + SE_RS_LEN / 2, SE_RS_LEN / 2) != 0
	          ? -EIO
	          : 0;
	mbedtls_mpi_free(&r);
	mbedtls_mpi_free(&s);
	return ret;
}

static int file_gcm_seal(struct se *se, const unsigned char nonce[SE_SEAL_NONCE_LEN],
                         const unsigned char *aad, size_t aad_len, const unsigned char *in,
                         size_t len, unsigned char *out)
{
	mbedtls_gcm_context gcm;
	int ret;

	mbedtls_gcm_init(&gcm);
	ret = mbedtls_gcm_setkey(&gcm, MBEDTLS_CIPHER_ID_AES, ((struct se_file *)se)->wrap_key,
	                         8 * SE_WRAP_KEY_LEN) ||
	              mbedtls_gcm_crypt_and_tag(&gcm, MBEDTLS_GCM_ENCRYPT, len, nonce,
	                                        SE_SEAL_NONCE_LEN, aad, aad_len, in, out,
	                                        SE_SEAL_TAG_LEN, out + len)
	          ? -EIO
	          : 0;
	mbedtls_gcm_free(&gcm);
	return ret;
}

static int file_gcm_open(struct se *se, const unsigned char nonce[SE_SEAL_NONCE_LEN],
                         const unsigned char *aad, size_t aad_len, const unsigned char *in,
                         size_t len, unsigned char *out)
{
	mbedtls_gcm_context gcm;
	int ret;

	mbedtls_gcm_init(&gcm);
	ret = mbedtls_gcm_setkey(&gcm, MBEDTLS_CIPHER_ID_AES, ((struct se_file *)se)->wrap_key,
	                         8 * SE_WRAP_KEY_LEN)
	          ? -EIO
	      : mbedtls_gcm_auth_decrypt(&gcm, len, nonce, SE_SEAL_NONCE_LEN, aad, aad_len,
	                                 in + len, SE_SEAL_TAG_LEN, in, out)
	          ? -EBADMSG
	          : 0;
	mbedtls_gcm_free(&gcm);
	return ret;
}

static int file_ecdh(struct se *se, const unsigned char peer[SE_PUBKEY_LEN], unsigned char z[32],
                     int (*f_rng)(void *, unsigned char *, size_t), void *p_rng)
{
	mbedtls_ecp_keypair *kp = mbedtls_pk_ec(((struct se_file *)se)->keys[SE_KEY_DEVICE]);
	mbedtls_ecp_point q;
	mbedtls_mpi x;
	int ret;

	mbedtls_ecp_point_init(&q);
	mbedtls_mpi_init(&x);
	ret = mbedtls_ecp_point_read_binary(&kp->grp, &q, peer, SE_PUBKEY_LEN) != 0 ||
	              mbedtls_ecdh_compute_shared(&kp->grp, &x, &q, &kp->d, f_rng, p_rng) != 0 ||
	              mbedtls_mpi_write_binary(&x, z, 32) != 0
	          ? -EIO
	          : 0;
	mbedtls_mpi_free(&x);
	mbedtls_ecp_point_free(&q);
	return ret;
}

static const struct se_ops file_ops = {
    .close = file_close,
    .sign = file_sign,
    .gcm_seal = file_gcm_seal,
    .gcm_open = file_gcm_open,
    .mac = se_file_mac,
    .mac_verify = se_file_mac_verify,
    .counter_get = se_file_counter_get,
    .counter_raise = se_file_counter_raise,
    .latch_get = se_file_latch_get,
    .latch_put = se_file_latch_put,
    .ecdh = file_ecdh,
};

/* The keys, anchors and wrap key from f->dir. 0 or -errno/-EINVAL. */
static int file_load(struct se_file *f, unsigned char *buf)
{
	size_t len;
	int ret = 0;

	for (int k = 0; ret == 0 && k < SE_KEY_COUNT; k++) {
		ret = load_key_file(f->dir, key_files[k], &f->keys[k], buf);
		if (ret == 0)
			ret = se_pub_set(&f->se, (enum se_key_id)k, mbedtls_pk_ec(f->keys[k]));
	}
	if (ret == 0)
		ret = fs_read(f->dir, "trust-anchors.pem", buf, SE_FILE_MAX, &len);
	if (ret == 0)
		ret = se_anchors_parse(&f->se.anchors, buf, len);
	if (ret == 0)
		ret = fs_read(f->dir, SE_WRAP_KEY_FILE, buf, SE_FILE_MAX, &len);
	if (ret == 0 && len != SE_WRAP_KEY_LEN)
		ret = -EINVAL;
	if (ret == 0)
		memcpy(f->wrap_key, buf, SE_WRAP_KEY_LEN);
	mbedtls_platform_zeroize(buf, SE_FILE_MAX);
	return ret;
}

int se_file_open(const char *state_dir, struct se **ret_se)
{
	char dir[PATH_MAX];
	unsigned char *buf;
	struct se_file *f;
	int ret;

	ret = fs_path(dir, sizeof(dir), state_dir, "se");
	if (ret < 0)
		return ret;
	f = calloc(1, sizeof(*f));
	buf = malloc(SE_FILE_MAX);
	if (!f || !buf) {
		free(f);
		free(buf);
		return -ENOMEM;
	}
	f->se.ops = &file_ops;
	memcpy(f->dir, dir, sizeof(f->dir));
	for (int k = 0; k < SE_KEY_COUNT; k++)
		mbedtls_pk_init(&f->keys[k]);
	mbedtls_x509_crt_init(&f->se.anchors);
	ret = file_load(f, buf);
	if (ret == 0)
		ret = se_store_open(f);
	free(buf);
	if (ret < 0) {
		file_close(&f->se);
		return ret;
	}
	*ret_se = &f->se;
	return 0;
}
