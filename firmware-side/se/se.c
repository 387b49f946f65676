// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The secure element interface's shared half (se.h): which back-end, the
 * configuration file, sealing's binding, signatures, the device key's hash
 * and the trust anchors in memory. The back-ends implement se-int.h's table.
 */
#include "se-int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/asn1write.h>
#include <mbedtls/ecp.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>

#define SE_SEAL_LABEL  "svcport-seal-v1"
#define SE_BINDING_MAX 64

static _Thread_local char se_why[160];

void se_error_set(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(se_why, sizeof(se_why), fmt, ap);
	va_end(ap);
}

const char *se_error(void)
{
	return se_why;
}

static bool is_pkcs11(const struct bmc_env *env)
{
	return env && env->se && env->se->module[0];
}

/* One key=value line of the configuration into cfg. 0 or -EINVAL. */
static int config_line(char *line, struct se_config *cfg, char *err, size_t err_len)
{
	char *eq = strchr(line, '=');
	size_t vl;

	if (!eq) {
		snprintf(err, err_len, "line without '=': %.40s", line);
		return -EINVAL;
	}
	*eq = 0;
	vl = strlen(eq + 1);
	if (strcmp(line, "module") == 0 && vl > 0 && vl < sizeof(cfg->module))
		memcpy(cfg->module, eq + 1, vl + 1);
	else if (strcmp(line, "token") == 0 && vl > 0 && vl < sizeof(cfg->token))
		memcpy(cfg->token, eq + 1, vl + 1);
	else if (strcmp(line, "pin-file") == 0 && vl > 0 && vl < sizeof(cfg->pin_file))
		memcpy(cfg->pin_file, eq + 1, vl + 1);
	else {
		snprintf(err, err_len, "bad or unknown entry '%.40s'", line);
		return -EINVAL;
	}
	return 0;
}

int se_config_load(const char *path, struct se_config *ret_cfg, char *err, size_t err_len)
{
	char text[2 * PATH_MAX + 128], scratch[8], *save = NULL;
	struct se_config cfg = {0};
	size_t len;
	FILE *f;
	int ret = 0;

	if (!err) {
		err = scratch;
		err_len = sizeof(scratch);
	}
	f = fopen(path, "re");
	if (!f) {
		ret = -errno;
		snprintf(err, err_len, "%s: %s", path, strerror(errno));
		return ret;
	}
	len = fread(text, 1, sizeof(text) - 1, f);
	if (ferror(f) || !feof(f)) {
		snprintf(err, err_len, "%s: unreadable or over %zu bytes", path, sizeof(text) - 1);
		ret = -EINVAL;
	}
	fclose(f);
	text[len] = 0;
	for (char *l = strtok_r(text, "\n", &save); ret == 0 && l; l = strtok_r(NULL, "\n", &save))
		if (l[0] != '#' && l[strspn(l, " \t\r")] != 0)
			ret = config_line(l, &cfg, err, err_len);
	if (ret == 0 && (!cfg.module[0] || !cfg.token[0] || !cfg.pin_file[0])) {
		snprintf(err, err_len, "%s: needs module=, token= and pin-file=", path);
		ret = -EINVAL;
	}
	if (ret == 0)
		*ret_cfg = cfg;
	return ret;
}

int se_open(const char *state_dir, const struct bmc_env *env, struct se **ret_se)
{
	se_why[0] = 0;
	return is_pkcs11(env) ? se_p11_open(env->se, ret_se) : se_file_open(state_dir, ret_se);
}

void se_close(struct se *se)
{
	if (se)
		se->ops->close(se);
}

static bool is_p256_key(const mbedtls_pk_context *pk)
{
	return mbedtls_pk_get_type(pk) == MBEDTLS_PK_ECKEY &&
	       mbedtls_pk_ec(*pk)->grp.id == MBEDTLS_ECP_DP_SECP256R1;
}

/* mbedTLS wants PEM NUL-terminated with the NUL counted: a copy with the NUL (or NULL). */
static unsigned char *pem_dup(const unsigned char *pem, size_t len)
{
	unsigned char *buf = malloc(len + 1);

	if (buf) {
		memcpy(buf, pem, len);
		buf[len] = 0;
	}
	return buf;
}

static int parse_key(mbedtls_pk_context *pk, const unsigned char *pem, size_t len)
{
	unsigned char *buf = pem_dup(pem, len);
	int ret;

	if (!buf)
		return -ENOMEM;
	ret = mbedtls_pk_parse_key(pk, buf, len + 1, NULL, 0);
	mbedtls_platform_zeroize(buf, len + 1);
	free(buf);
	if (ret != 0 || !is_p256_key(pk))
		return -EINVAL;
	return 0;
}

int se_anchors_parse(mbedtls_x509_crt *crt, const unsigned char *pem, size_t len)
{
	unsigned char *buf = pem_dup(pem, len);
	int ret;

	if (!buf)
		return -ENOMEM;
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

int se_provision(const char *state_dir, const unsigned char *key_pem, size_t key_len,
                 const unsigned char *anchors_pem, size_t anchors_len, const struct bmc_env *env)
{
	struct se_factory f = {.anchors_pem = anchors_pem, .anchors_len = anchors_len};
	mbedtls_pk_context pk;
	mbedtls_x509_crt crt;
	int ret = 0;

	se_why[0] = 0;
	mbedtls_pk_init(&pk);
	mbedtls_x509_crt_init(&crt);
	if (key_pem) {
		ret = parse_key(&pk, key_pem, key_len);
		f.device_key = &pk;
	}
	if (ret == 0)
		ret = se_anchors_parse(&crt, anchors_pem, anchors_len);
	if (ret == 0)
		ret = is_pkcs11(env) ? se_p11_provision(env->se, &f)
		                     : se_file_provision(state_dir, &f, env);
	mbedtls_x509_crt_free(&crt);
	mbedtls_pk_free(&pk);
	return ret;
}

int se_pub_set_point(struct se *se, enum se_key_id key, const unsigned char pt[SE_PUBKEY_LEN])
{
	mbedtls_ecp_keypair kp;
	int ret = -EINVAL;

	mbedtls_ecp_keypair_init(&kp);
	if (mbedtls_ecp_group_load(&kp.grp, MBEDTLS_ECP_DP_SECP256R1) == 0 &&
	    mbedtls_ecp_point_read_binary(&kp.grp, &kp.Q, pt, SE_PUBKEY_LEN) == 0 &&
	    mbedtls_ecp_check_pubkey(&kp.grp, &kp.Q) == 0) {
		memcpy(se->pub[key], pt, SE_PUBKEY_LEN);
		if (key == SE_KEY_DEVICE)
			mbedtls_sha256_ret(pt, SE_PUBKEY_LEN, se->pub_sha256, 0);
		ret = 0;
	}
	mbedtls_ecp_keypair_free(&kp);
	return ret;
}

int se_pub_set(struct se *se, enum se_key_id key, const mbedtls_ecp_keypair *kp)
{
	unsigned char pt[SE_PUBKEY_LEN];
	size_t olen = 0;

	if (kp->grp.id != MBEDTLS_ECP_DP_SECP256R1 ||
	    mbedtls_ecp_point_write_binary(&kp->grp, &kp->Q, MBEDTLS_ECP_PF_UNCOMPRESSED, &olen, pt,
	                                   sizeof(pt)) != 0 ||
	    olen != SE_PUBKEY_LEN)
		return -EINVAL;
	return se_pub_set_point(se, key, pt);
}

void se_public_key(const struct se *se, unsigned char out[SE_PUBKEY_LEN])
{
	memcpy(out, se->pub[SE_KEY_DEVICE], SE_PUBKEY_LEN);
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

int se_rs_to_der(const unsigned char rs[SE_RS_LEN], unsigned char *der, size_t cap, size_t *ret_len)
{
	/* ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } (RFC 5480), written backwards. */
	unsigned char buf[SE_SIG_MAX], *p = buf + sizeof(buf);
	mbedtls_mpi r, s;
	int len = 0, n;

	mbedtls_mpi_init(&r);
	mbedtls_mpi_init(&s);
	if (mbedtls_mpi_read_binary(&r, rs, SE_RS_LEN / 2) != 0 ||
	    mbedtls_mpi_read_binary(&s, rs + SE_RS_LEN / 2, SE_RS_LEN / 2) != 0)
		len = -EIO;
	if (len == 0 && (n = mbedtls_asn1_write_mpi(&p, buf, &s)) > 0)
		len += n;
	if (len > 0 && (n = mbedtls_asn1_write_mpi(&p, buf, &r)) > 0)
		len += n;
	if (len > 0 && (n = mbedtls_asn1_write_len(&p, buf, (size_t)len)) > 0)
		len += n;
	if (len > 0 && (n = mbedtls_asn1_write_tag(
	                    &p, buf, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE)) > 0)
		len += n;
	mbedtls_mpi_free(&r);
	mbedtls_mpi_free(&s);
	if (len <= 0 || p != buf + sizeof(buf) - len)
		return -EIO;
	if ((size_t)len > cap)
		return -ENOSPC;
	memcpy(der, p, (size_t)len);
	*ret_len = (size_t)len;
	return 0;
}

int se_sign(struct se *se, const void *data, size_t len, unsigned char *sig, size_t *ret_sig_len,
            const struct bmc_env *env)
{
	unsigned char hash[32], rs[SE_RS_LEN];
	int ret;

	mbedtls_sha256_ret(data, len, hash, 0);
	ret = se->ops->sign(se, SE_KEY_DEVICE, MBEDTLS_MD_SHA256, hash, sizeof(hash), rs, env->rng,
	                    env->user_data);
	if (ret == 0)
		ret = se_rs_to_der(rs, sig, SE_SIG_MAX, ret_sig_len) < 0 ? -EIO : 0;
	return ret;
}

int se_ecdh(struct se *se, const unsigned char peer[SE_PUBKEY_LEN], unsigned char z[32],
            const struct bmc_env *env)
{
	mbedtls_ecp_group grp;
	mbedtls_ecp_point q;
	int ret = 0;

	mbedtls_ecp_group_init(&grp);
	mbedtls_ecp_point_init(&q);
	if (mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1) != 0 ||
	    mbedtls_ecp_point_read_binary(&grp, &q, peer, SE_PUBKEY_LEN) != 0 ||
	    mbedtls_ecp_check_pubkey(&grp, &q) != 0)
		ret = -EINVAL;
	mbedtls_ecp_point_free(&q);
	mbedtls_ecp_group_free(&grp);
	if (ret == 0)
		ret = se->ops->ecdh(se, peer, z, env->rng, env->user_data);
	if (ret < 0)
		mbedtls_platform_zeroize(z, 32);
	return ret;
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
	size_t aad_len;
	int ret;

	if (len > cap || cap - len < SE_SEAL_OVERHEAD)
		return -ENOSPC;
	ret = binding_encode(bind, aad, sizeof(aad), &aad_len);
	if (ret < 0)
		return ret;
	if (env->rng(env->user_data, out, SE_SEAL_NONCE_LEN) != 0)
		return -EIO;
	ret = se->ops->gcm_seal(se, out, aad, aad_len, in, len, out + SE_SEAL_NONCE_LEN);
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
	ret = se->ops->gcm_open(se, in, aad, aad_len, in + SE_SEAL_NONCE_LEN, plain_len, out);
	if (ret < 0) {
		mbedtls_platform_zeroize(out, cap);
		return ret;
	}
	*ret_len = plain_len;
	return 0;
}

int se_mac(struct se *se, const void *data, size_t len, unsigned char out[SE_MAC_LEN])
{
	return se->ops->mac(se, data, len, out);
}

int se_mac_verify(struct se *se, const void *data, size_t len, const unsigned char mac[SE_MAC_LEN])
{
	return se->ops->mac_verify(se, data, len, mac);
}

int se_counter_get(struct se *se, uint64_t *ret_value)
{
	return se->ops->counter_get(se, ret_value);
}

int se_counter_raise(struct se *se, uint64_t value)
{
	return se->ops->counter_raise(se, value);
}

int se_latch_get(struct se *se, struct se_latch *ret_latch)
{
	return se->ops->latch_get(se, ret_latch);
}

int se_latch_put(struct se *se, const struct se_latch *latch)
{
	return se->ops->latch_put(se, latch);
}
