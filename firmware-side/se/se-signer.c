// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The external signer (se.h se_pk_setup): one mbedtls_pk_context that any
 * mbedTLS user of a private key can take, whose signatures the SE makes.
 *
 * Debian's mbedTLS 2.28 has neither MBEDTLS_USE_PSA_CRYPTO (opaque keys) nor
 * MBEDTLS_SSL_ASYNC_PRIVATE, and its RSA-alt hook is RSA only. What it does
 * have is the pk layer's table of operations, mbedtls_pk_info_t, declared in
 * the installed <mbedtls/pk_internal.h>: mbedtls_pk_setup() takes any table.
 * Ours says "ECKEY" so that x509write picks ecdsa-with-SHA256 and writes the
 * SubjectPublicKeyInfo, and its context starts with an mbedtls_ecp_keypair
 * holding the public point only, so mbedtls_pk_ec() works on it; the sign
 * entry calls the back-end (se-int.h sign: raw r|s, as CKM_ECDSA gives it)
 * and writes the DER ECDSA-Sig-Value mbedTLS expects. docs/bmc.md records the
 * alternatives and why this one.
 *
 * The table is built with designated initialisers from the very header the
 * library was compiled with, so fields that depend on the library's
 * configuration (the restartable ones) are left zero when present.
 */
#include "se-int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/ecdsa.h>
#include <mbedtls/pk_internal.h>

struct se_signer {
	mbedtls_ecp_keypair kp; /* first: mbedtls_pk_ec() casts the context to it */
	struct se *se;
	enum se_key_id key;
};

static size_t signer_bitlen(const void *ctx)
{
	return ((const struct se_signer *)ctx)->kp.grp.pbits;
}

static int signer_can_do(mbedtls_pk_type_t type)
{
	return type == MBEDTLS_PK_ECKEY || type == MBEDTLS_PK_ECDSA;
}

static int signer_verify(void *ctx, mbedtls_md_type_t md_alg, const unsigned char *hash,
                         size_t hash_len, const unsigned char *sig, size_t sig_len)
{
	int ret;

	(void)md_alg;
	ret = mbedtls_ecdsa_read_signature(&((struct se_signer *)ctx)->kp, hash, hash_len, sig,
	                                   sig_len);
	/* Like mbedTLS's own ECKEY: a valid signature followed by bytes is a mismatch. */
	return ret == MBEDTLS_ERR_ECP_SIG_LEN_MISMATCH ? MBEDTLS_ERR_PK_SIG_LEN_MISMATCH : ret;
}

static int signer_sign(void *ctx, mbedtls_md_type_t md_alg, const unsigned char *hash,
                       size_t hash_len, unsigned char *sig, size_t *sig_len,
                       int (*f_rng)(void *, unsigned char *, size_t), void *p_rng)
{
	struct se_signer *s = ctx;
	unsigned char rs[SE_RS_LEN];

	if (hash_len == 0 || hash_len > 64)
		return MBEDTLS_ERR_PK_BAD_INPUT_DATA;
	if (s->se->ops->sign(s->se, s->key, md_alg, hash, hash_len, rs, f_rng, p_rng) < 0)
		return MBEDTLS_ERR_PK_HW_ACCEL_FAILED;
	/* Callers give MBEDTLS_PK_SIGNATURE_MAX_SIZE bytes (pk.h). */
	if (se_rs_to_der(rs, sig, MBEDTLS_PK_SIGNATURE_MAX_SIZE, sig_len) < 0)
		return MBEDTLS_ERR_PK_BAD_INPUT_DATA;
	return 0;
}

static void *signer_alloc(void)
{
	struct se_signer *s = calloc(1, sizeof(*s));

	if (s)
		mbedtls_ecp_keypair_init(&s->kp);
	return s;
}

static void signer_free(void *ctx)
{
	struct se_signer *s = ctx;

	mbedtls_ecp_keypair_free(&s->kp);
	free(s);
}

static const mbedtls_pk_info_t signer_info = {
    .type = MBEDTLS_PK_ECKEY,
    .name = "svcport-se",
    .get_bitlen = signer_bitlen,
    .can_do = signer_can_do,
    .verify_func = signer_verify,
    .sign_func = signer_sign,
    .ctx_alloc_func = signer_alloc,
    .ctx_free_func = signer_free,
};

int se_pk_setup(struct se *se, enum se_key_id key, mbedtls_pk_context *pk)
{
	struct se_signer *s;

	if ((unsigned)key >= SE_KEY_COUNT)
		return -EINVAL;
	if (mbedtls_pk_setup(pk, &signer_info) != 0)
		return -ENOMEM;
	s = pk->pk_ctx;
	s->se = se;
	s->key = key;
	if (mbedtls_ecp_group_load(&s->kp.grp, MBEDTLS_ECP_DP_SECP256R1) != 0 ||
	    mbedtls_ecp_point_read_binary(&s->kp.grp, &s->kp.Q, se->pub[key], SE_PUBKEY_LEN) != 0) {
		mbedtls_pk_free(pk);
		return -EINVAL;
	}
	return 0;
}
