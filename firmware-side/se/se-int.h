/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What se.c (the interface's shared half) and the back-ends (se-file*.c,
 * se-pkcs11*.c) share: the front of every struct se, and the table of the
 * few operations a back-end implements. Everything else (sealing's binding,
 * the external signer, X.509 writing, the trust anchors in memory) is done
 * once, in se.c, se-signer.c and se-x509.c, for both.
 */
#ifndef SVCPORT_SE_INT_H
#define SVCPORT_SE_INT_H

#include <mbedtls/md.h>

#include "se.h"

#define SE_RS_LEN   64 /* raw ECDSA P-256 signature r | s, as CKM_ECDSA returns it */
#define SE_FILE_MAX 16384

struct se_ops {
	void (*close)(struct se *se);
	/* ECDSA P-256 over hash (a digest of md, any length up to 64), raw r|s. 0 or -EIO. */
	int (*sign)(struct se *se, enum se_key_id key, mbedtls_md_type_t md,
	            const unsigned char *hash, size_t hash_len, unsigned char rs[SE_RS_LEN],
	            int (*f_rng)(void *, unsigned char *, size_t), void *p_rng);
	/* AES-256-GCM with the wrap key: out = ciphertext (len) | tag (16). 0 or -EIO. */
	int (*gcm_seal)(struct se *se, const unsigned char nonce[SE_SEAL_NONCE_LEN],
	                const unsigned char *aad, size_t aad_len, const unsigned char *in,
	                size_t len, unsigned char *out);
	/* in = ciphertext (len) | tag (16); out len bytes. 0, -EBADMSG or -EIO. */
	int (*gcm_open)(struct se *se, const unsigned char nonce[SE_SEAL_NONCE_LEN],
	                const unsigned char *aad, size_t aad_len, const unsigned char *in,
	                size_t len, unsigned char *out);
	int (*mac)(struct se *se, const void *data, size_t len, unsigned char out[SE_MAC_LEN]);
	int (*mac_verify)(struct se *se, const void *data, size_t len,
	                  const unsigned char mac[SE_MAC_LEN]);
	int (*counter_get)(struct se *se, uint64_t *ret_value);
	int (*counter_raise)(struct se *se, uint64_t value);
	int (*latch_get)(struct se *se, struct se_latch *ret_latch);
	int (*latch_put)(struct se *se, const struct se_latch *latch);
	/* ECDH of the device key with peer (a checked P-256 point): the x-coordinate. */
	int (*ecdh)(struct se *se, const unsigned char peer[SE_PUBKEY_LEN], unsigned char z[32],
	            int (*f_rng)(void *, unsigned char *, size_t), void *p_rng);
};

/* The first member of each back-end's own struct. */
struct se {
	const struct se_ops *ops;
	unsigned char pub[SE_KEY_COUNT][SE_PUBKEY_LEN]; /* uncompressed points */
	unsigned char pub_sha256[32];                   /* of pub[SE_KEY_DEVICE] */
	mbedtls_x509_crt anchors;
};

/* What a back-end's provisioning gets, checked by se_provision(). */
struct se_factory {
	const mbedtls_pk_context *device_key; /* NULL: generate it inside */
	const unsigned char *anchors_pem;
	size_t anchors_len;
};

/* The little-endian 64-bit fields of the counter and latch records (both back-ends). */
static inline void se_put_le64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static inline uint64_t se_get_le64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* se.c: the shared half. */
/* Fills se's anchors from PEM (P-256 CAs only, all or nothing). 0 or -EINVAL/-ENOMEM. */
int se_anchors_parse(mbedtls_x509_crt *crt, const unsigned char *pem, size_t len)
    __attribute__((warn_unused_result));
/*
 * se->pub[key] from an uncompressed point, checked to be on P-256; also
 * pub_sha256 for the device key. 0 or -EINVAL.
 */
int se_pub_set_point(struct se *se, enum se_key_id key, const unsigned char pt[SE_PUBKEY_LEN])
    __attribute__((warn_unused_result));
/* The same from a key pair. 0 or -EINVAL. */
int se_pub_set(struct se *se, enum se_key_id key, const mbedtls_ecp_keypair *kp)
    __attribute__((warn_unused_result));
/* Records why for se_error() (printf format). */
void se_error_set(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Raw r|s (SE_RS_LEN) to the DER ECDSA-Sig-Value. 0 or -ENOSPC/-EIO. */
int se_rs_to_der(const unsigned char rs[SE_RS_LEN], unsigned char *der, size_t cap, size_t *ret_len)
    __attribute__((warn_unused_result));

/* se-file.c */
int se_file_open(const char *state_dir, struct se **ret_se) __attribute__((warn_unused_result));
int se_file_provision(const char *state_dir, const struct se_factory *f, const struct bmc_env *env)
    __attribute__((warn_unused_result));

/* se-pkcs11.c */
int se_p11_open(const struct se_config *cfg, struct se **ret_se)
    __attribute__((warn_unused_result));
int se_p11_provision(const struct se_config *cfg, const struct se_factory *f)
    __attribute__((warn_unused_result));

#endif
