// SPDX-License-Identifier: GPL-2.0-or-later
/* File-backed secure element (se.h). */
#include "se.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <mbedtls/ecp.h>
#include <mbedtls/gcm.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>
#include <mbedtls/oid.h>
#include <mbedtls/x509_crt.h>
#include <mbedtls/x509_csr.h>

#include "fsutil.h"
#include "se-file-int.h"
#include "utc.h"

#define SE_FILE_MAX 16384

#define SE_SEAL_LABEL    "svcport-seal-v1"
#define SE_BINDING_MAX   64
#define SE_WRAP_KEY_FILE "wrap.key"
#define SE_CA_KEY_FILE   "internal-ca.key"
#define SE_LINK_KEY_FILE "link.key"

static bool is_p256_key(const mbedtls_pk_context *pk)
{
	return mbedtls_pk_get_type(pk) == MBEDTLS_PK_ECKEY &&
	       mbedtls_pk_ec(*pk)->grp.id == MBEDTLS_ECP_DP_SECP256R1;
}

static int parse_key(mbedtls_pk_context *pk, const unsigned char *pem, size_t len)
{
	/* mbedtls wants PEM NUL-terminated with the NUL counted. */
	unsigned char *buf = malloc(len + 1);
	int ret;

	if (!buf)
		return -ENOMEM;
	memcpy(buf, pem, len);
	buf[len] = 0;
	ret = mbedtls_pk_parse_key(pk, buf, len + 1, NULL, 0);
	mbedtls_platform_zeroize(buf, len + 1);
	free(buf);
	if (ret != 0 || !is_p256_key(pk))
		return -EINVAL;
	return 0;
}

static int parse_anchors(mbedtls_x509_crt *crt, const unsigned char *pem, size_t len)
{
	unsigned char *buf = malloc(len + 1);
	int ret;

	if (!buf)
		return -ENOMEM;
	memcpy(buf, pem, len);
	buf[len] = 0;
	ret = mbedtls_x509_crt_parse(crt, buf, len + 1);
	free(buf);
	/* >0: some certificates failed to parse; a trust store is all or nothing. */
	if (ret != 0 || crt->raw.len == 0)
		return -EINVAL;
	for (const mbedtls_x509_crt *c = crt; c; c = c->next)
		if (!is_p256_key(&c->pk) || !c->ca_istrue)
			return -EINVAL;
	return 0;
}

/* A new P-256 key from env->rng, written as PEM to dir/name (0600). */
static int gen_key_file(const char *dir, const char *name, const struct bmc_env *env)
{
	unsigned char pem[512];
	mbedtls_pk_context pk;
	int ret = -EIO;

	mbedtls_pk_init(&pk);
	if (mbedtls_pk_setup(&pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) == 0 &&
	    mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(pk), env->rng,
	                        env->user_data) == 0 &&
	    mbedtls_pk_write_key_pem(&pk, pem, sizeof(pem)) == 0)
		ret = fs_atomic_write(dir, name, pem, strlen((const char *)pem), 0600);
	mbedtls_platform_zeroize(pem, sizeof(pem));
	mbedtls_pk_free(&pk);
	return ret;
}

static int load_key_file(const char *dir, const char *name, mbedtls_pk_context *pk,
                         unsigned char *buf)
{
	size_t len = 0;
	int ret = fs_read(dir, name, buf, SE_FILE_MAX, &len);

	if (ret == 0)
		ret = parse_key(pk, buf, len);
	mbedtls_platform_zeroize(buf, SE_FILE_MAX);
	return ret;
}

int se_provision(const char *state_dir, const unsigned char *key_pem, size_t key_len,
                 const unsigned char *anchors_pem, size_t anchors_len, const struct bmc_env *env)
{
	unsigned char wrap[SE_WRAP_KEY_LEN];
	char dir[PATH_MAX];
	mbedtls_pk_context pk;
	mbedtls_x509_crt crt;
	int ret;

	mbedtls_pk_init(&pk);
	mbedtls_x509_crt_init(&crt);
	ret = parse_key(&pk, key_pem, key_len);
	if (ret == 0)
		ret = parse_anchors(&crt, anchors_pem, anchors_len);
	if (ret < 0)
		goto out;
	ret = fs_path(dir, sizeof(dir), state_dir, "se");
	if (ret < 0)
		goto out;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		ret = -errno;
		goto out;
	}
	ret = fs_atomic_write(dir, "device.key", key_pem, key_len, 0600);
	if (ret == 0)
		ret = fs_atomic_write(dir, "trust-anchors.pem", anchors_pem, anchors_len, 0600);
	if (ret == 0 && env->rng(env->user_data, wrap, sizeof(wrap)) != 0)
		ret = -EIO;
	if (ret == 0)
		ret = fs_atomic_write(dir, SE_WRAP_KEY_FILE, wrap, sizeof(wrap), 0600);
	if (ret == 0)
		ret = gen_key_file(dir, SE_CA_KEY_FILE, env);
	if (ret == 0)
		ret = gen_key_file(dir, SE_LINK_KEY_FILE, env);
	if (ret == 0)
		ret = se_store_provision(dir, env);
	if (ret == 0)
		ret = fs_sync_dir(state_dir);
out:
	mbedtls_platform_zeroize(wrap, sizeof(wrap));
	mbedtls_x509_crt_free(&crt);
	mbedtls_pk_free(&pk);
	return ret;
}

int se_open(const char *state_dir, struct se **ret_se)
{
	char dir[PATH_MAX];
	unsigned char *buf = NULL;
	struct se *se;
	size_t len, olen;
	int ret;

	ret = fs_path(dir, sizeof(dir), state_dir, "se");
	if (ret < 0)
		return ret;
	se = calloc(1, sizeof(*se));
	if (se)
		memcpy(se->dir, dir, sizeof(se->dir));
	buf = malloc(SE_FILE_MAX);
	if (!se || !buf) {
		free(se);
		free(buf);
		return -ENOMEM;
	}
	mbedtls_pk_init(&se->key);
	mbedtls_pk_init(&se->ca_key);
	mbedtls_pk_init(&se->link_key);
	mbedtls_x509_crt_init(&se->anchors);

	ret = load_key_file(dir, "device.key", &se->key, buf);
	if (ret == 0)
		ret = load_key_file(dir, SE_CA_KEY_FILE, &se->ca_key, buf);
	if (ret == 0)
		ret = load_key_file(dir, SE_LINK_KEY_FILE, &se->link_key, buf);
	if (ret < 0)
		goto fail;
	ret = fs_read(dir, "trust-anchors.pem", buf, SE_FILE_MAX, &len);
	if (ret == 0)
		ret = parse_anchors(&se->anchors, buf, len);
	if (ret < 0)
		goto fail;
	ret = fs_read(dir, SE_WRAP_KEY_FILE, buf, SE_FILE_MAX, &len);
	if (ret == 0 && len != SE_WRAP_KEY_LEN)
		ret = -EINVAL;
	if (ret == 0)
		memcpy(se->wrap_key, buf, SE_WRAP_KEY_LEN);
	mbedtls_platform_zeroize(buf, SE_FILE_MAX);
	if (ret < 0)
		goto fail;
	if (mbedtls_ecp_point_write_binary(&mbedtls_pk_ec(se->key)->grp, &mbedtls_pk_ec(se->key)->Q,
	                                   MBEDTLS_ECP_PF_UNCOMPRESSED, &olen, se->pub,
	                                   sizeof(se->pub)) != 0 ||
	    olen != SE_PUBKEY_LEN) {
		ret = -EINVAL;
		goto fail;
	}
	mbedtls_sha256_ret(se->pub, sizeof(se->pub), se->pub_sha256, 0);
	ret = se_store_open(se);
	if (ret < 0)
		goto fail;
	free(buf);
	*ret_se = se;
	return 0;

fail:
	free(buf);
	se_close(se);
	return ret;
}

void se_close(struct se *se)
{
	if (!se)
		return;
	mbedtls_pk_free(&se->key);
	mbedtls_pk_free(&se->ca_key);
	mbedtls_pk_free(&se->link_key);
	mbedtls_x509_crt_free(&se->anchors);
	mbedtls_platform_zeroize(se, sizeof(*se));
	free(se);
}

int se_sign(struct se *se, const void *data, size_t len, unsigned char *sig, size_t *ret_sig_len,
            const struct bmc_env *env)
{
	unsigned char hash[32], out[MBEDTLS_PK_SIGNATURE_MAX_SIZE];
	size_t sig_len = 0;

	mbedtls_sha256_ret(data, len, hash, 0);
	if (mbedtls_pk_sign(&se->key, MBEDTLS_MD_SHA256, hash, sizeof(hash), out, &sig_len,
	                    env->rng, env->user_data) != 0 ||
	    sig_len > SE_SIG_MAX)
		return -EIO;
	memcpy(sig, out, sig_len);
	*ret_sig_len = sig_len;
	return 0;
}

void se_public_key(const struct se *se, unsigned char out[SE_PUBKEY_LEN])
{
	memcpy(out, se->pub, SE_PUBKEY_LEN);
}

void se_key_sha256(const struct se *se, unsigned char out[32])
{
	memcpy(out, se->pub_sha256, 32);
}

mbedtls_x509_crt *se_trust_anchors(struct se *se)
{
	return &se->anchors;
}

int se_trust_anchors_set(struct se *se, const unsigned char *const *der, const size_t *len,
                         size_t n)
{
	mbedtls_x509_crt crt;
	bool ok = n > 0;

	mbedtls_x509_crt_init(&crt);
	for (size_t i = 0; ok && i < n; i++)
		ok = mbedtls_x509_crt_parse_der(&crt, der[i], len[i]) == 0;
	for (const mbedtls_x509_crt *c = &crt; ok && c; c = c->next)
		ok = is_p256_key(&c->pk) && c->ca_istrue;
	if (!ok) {
		mbedtls_x509_crt_free(&crt);
		return -EINVAL;
	}
	mbedtls_x509_crt_free(&se->anchors);
	/* The list head is a struct: move it, the rest of the list follows. */
	se->anchors = crt;
	return 0;
}

int se_write_csr(struct se *se, const char *subject, unsigned char *out, size_t cap,
                 const struct bmc_env *env)
{
	unsigned char buf[1024];
	mbedtls_x509write_csr w;
	int n;

	mbedtls_x509write_csr_init(&w);
	mbedtls_x509write_csr_set_md_alg(&w, MBEDTLS_MD_SHA256);
	mbedtls_x509write_csr_set_key(&w, &se->key);
	n = mbedtls_x509write_csr_set_subject_name(&w, subject) != 0 ||
	            mbedtls_x509write_csr_set_key_usage(&w, MBEDTLS_X509_KU_DIGITAL_SIGNATURE) != 0
	        ? -EINVAL
	        : mbedtls_x509write_csr_der(&w, buf, sizeof(buf), env->rng, env->user_data);
	mbedtls_x509write_csr_free(&w);
	if (n <= 0)
		return -EINVAL;
	if ((size_t)n > cap)
		return -ENOSPC;
	/* mbedTLS writes DER at the end of the buffer. */
	memcpy(out, buf + sizeof(buf) - n, (size_t)n);
	return n;
}

/* aad = label NUL purpose NUL MT NUL SN: no string holds a NUL, so it is unambiguous. */
static int binding_encode(const struct se_binding *bind, unsigned char *out, size_t cap,
                          size_t *ret_len)
{
	const char *parts[] = {SE_SEAL_LABEL, bind->purpose, bind->machine_type,
	                       bind->serial_number};
	size_t n = 0;

	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		size_t l = strnlen(parts[i], SE_BINDING_MAX + 1);

		if (l > SE_BINDING_MAX || n + l + 1 > cap)
			return -EINVAL;
		memcpy(out + n, parts[i], l);
		out[n + l] = 0;
		n += l + 1;
	}
	*ret_len = n;
	return 0;
}

int se_seal(struct se *se, const struct se_binding *bind, const void *in, size_t len,
            unsigned char *out, size_t cap, size_t *ret_len, const struct bmc_env *env)
{
	unsigned char aad[4 * (SE_BINDING_MAX + 1)];
	mbedtls_gcm_context gcm;
	size_t aad_len;
	int ret;

	if (len > cap || cap - len < SE_SEAL_OVERHEAD)
		return -ENOSPC;
	ret = binding_encode(bind, aad, sizeof(aad), &aad_len);
	if (ret < 0)
		return ret;
	if (env->rng(env->user_data, out, SE_SEAL_NONCE_LEN) != 0)
		return -EIO;
	mbedtls_gcm_init(&gcm);
	ret = mbedtls_gcm_setkey(&gcm, MBEDTLS_CIPHER_ID_AES, se->wrap_key, 8 * SE_WRAP_KEY_LEN) ||
	              mbedtls_gcm_crypt_and_tag(
	                  &gcm, MBEDTLS_GCM_ENCRYPT, len, out, SE_SEAL_NONCE_LEN, aad, aad_len, in,
	                  out + SE_SEAL_NONCE_LEN, SE_SEAL_TAG_LEN, out + SE_SEAL_NONCE_LEN + len)
	          ? -EIO
	          : 0;
	mbedtls_gcm_free(&gcm);
	if (ret < 0) {
		mbedtls_platform_zeroize(out, cap);
		return ret;
	}
	*ret_len = len + SE_SEAL_OVERHEAD;
	return 0;
}

int se_unseal(struct se *se, const struct se_binding *bind, const unsigned char *in, size_t len,
              void *out, size_t cap, size_t *ret_len)
{
	unsigned char aad[4 * (SE_BINDING_MAX + 1)];
	mbedtls_gcm_context gcm;
	size_t aad_len, plain_len;
	int ret;

	if (len < SE_SEAL_OVERHEAD)
		return -EBADMSG;
	plain_len = len - SE_SEAL_OVERHEAD;
	if (plain_len > cap)
		return -ENOSPC;
	ret = binding_encode(bind, aad, sizeof(aad), &aad_len);
	if (ret < 0)
		return ret;
	mbedtls_gcm_init(&gcm);
	ret = mbedtls_gcm_setkey(&gcm, MBEDTLS_CIPHER_ID_AES, se->wrap_key, 8 * SE_WRAP_KEY_LEN)
	          ? -EIO
	      : mbedtls_gcm_auth_decrypt(&gcm, plain_len, in, SE_SEAL_NONCE_LEN, aad, aad_len,
	                                 in + SE_SEAL_NONCE_LEN + plain_len, SE_SEAL_TAG_LEN,
	                                 in + SE_SEAL_NONCE_LEN, out)
	          ? -EBADMSG
	          : 0;
	mbedtls_gcm_free(&gcm);
	if (ret < 0) {
		mbedtls_platform_zeroize(out, cap);
		return ret;
	}
	*ret_len = plain_len;
	return 0;
}

int se_issue_cert(struct se *se, enum se_cert_kind kind, const char *subject,
                  const char *ca_subject, uint64_t now_s, unsigned char *out, size_t cap,
                  const struct bmc_env *env)
{
	/* extendedKeyUsage: SEQUENCE { OID id-kp-serverAuth } (mbedTLS 2.28 has no setter). */
	static const unsigned char eku[] = {0x30, 0x0a, 0x06, 0x08, 0x2b, 0x06,
	                                    0x01, 0x05, 0x05, 0x07, 0x03, 0x01};
	const bool ca = kind == SE_CERT_INTERNAL_CA;
	unsigned char buf[1024], serial[16];
	mbedtls_x509write_cert w;
	char not_before[UTC_X509_LEN + 1];
	mbedtls_mpi sn;
	int n = -EINVAL;

	_Static_assert(sizeof(MBEDTLS_OID_SERVER_AUTH) - 1 == 8, "the EKU bytes above");

	/* From the 64-bit clock, never through time_t (32-bit on armhf, docs/arm.md). */
	if (now_s > INT64_MAX || utc_format_x509((int64_t)now_s, not_before) < 0)
		return -EINVAL;
	mbedtls_x509write_crt_init(&w);
	mbedtls_mpi_init(&sn);
	if (env->rng(env->user_data, serial, sizeof(serial)) != 0)
		goto out;
	serial[0] &= 0x7f; /* positive */
	serial[0] |= 0x01; /* and not zero */
	mbedtls_x509write_crt_set_version(&w, MBEDTLS_X509_CRT_VERSION_3);
	mbedtls_x509write_crt_set_md_alg(&w, MBEDTLS_MD_SHA256);
	mbedtls_x509write_crt_set_subject_key(&w, ca ? &se->ca_key : &se->link_key);
	mbedtls_x509write_crt_set_issuer_key(&w, &se->ca_key);
	if (mbedtls_mpi_read_binary(&sn, serial, sizeof(serial)) != 0 ||
	    mbedtls_x509write_crt_set_serial(&w, &sn) != 0 ||
	    mbedtls_x509write_crt_set_subject_name(&w, ca ? ca_subject : subject) != 0 ||
	    mbedtls_x509write_crt_set_issuer_name(&w, ca_subject) != 0 ||
	    mbedtls_x509write_crt_set_validity(&w, not_before, "99991231235959") != 0 ||
	    mbedtls_x509write_crt_set_basic_constraints(&w, ca, ca ? 0 : -1) != 0 ||
	    mbedtls_x509write_crt_set_key_usage(&w, ca ? MBEDTLS_X509_KU_KEY_CERT_SIGN |
	                                                     MBEDTLS_X509_KU_CRL_SIGN
	                                               : MBEDTLS_X509_KU_DIGITAL_SIGNATURE) != 0 ||
	    mbedtls_x509write_crt_set_subject_key_identifier(&w) != 0 ||
	    mbedtls_x509write_crt_set_authority_key_identifier(&w) != 0 ||
	    (!ca &&
	     mbedtls_x509write_crt_set_extension(&w, MBEDTLS_OID_EXTENDED_KEY_USAGE,
	                                         MBEDTLS_OID_SIZE(MBEDTLS_OID_EXTENDED_KEY_USAGE),
	                                         0, eku, sizeof(eku)) != 0))
		goto out;
	n = mbedtls_x509write_crt_der(&w, buf, sizeof(buf), env->rng, env->user_data);
	if (n <= 0) {
		n = -EINVAL;
		goto out;
	}
	if ((size_t)n > cap) {
		n = -ENOSPC;
		goto out;
	}
	/* mbedTLS writes DER at the end of the buffer. */
	memcpy(out, buf + sizeof(buf) - n, (size_t)n);
out:
	mbedtls_mpi_free(&sn);
	mbedtls_x509write_crt_free(&w);
	return n;
}
