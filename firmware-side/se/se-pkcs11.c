// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * PKCS#11 secure element (se.h, se-int.h's back-end table): every key and
 * every record-protecting value is an object of the token (docs/bmc.md
 * "PKCS#11 back-end"), found by its label at open:
 *
 *   svcport-device, -internal-ca, -link  EC P-256 key pairs: CKM_ECDSA (C_Sign)
 *   svcport-wrap                         AES-256: CKM_AES_GCM (C_Encrypt/C_Decrypt)
 *   svcport-state-mac                    generic secret: CKM_SHA256_HMAC (C_Sign/C_Verify)
 *   svcport-counter, svcport-latch       CKO_DATA records, replaced (se-pkcs11-int.h)
 *   svcport-trust-anchors                CKO_DATA, the factory's PEM roots
 *
 * Every secret key is CKA_SENSITIVE and not CKA_EXTRACTABLE; open refuses a
 * token where one is not (fails closed: a key that can leave is not ours).
 */
#include "se-pkcs11-int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/platform_util.h>

struct se_p11 {
	struct se se; /* first: the interface's half */
	struct p11 p;
	CK_OBJECT_HANDLE keys[SE_KEY_COUNT], wrap, mac;
};

static struct p11 *p11_of(struct se *se)
{
	return &((struct se_p11 *)se)->p;
}

static void p11_close(struct se *se)
{
	struct se_p11 *s = (struct se_p11 *)se;

	p11_session_close(&s->p);
	mbedtls_x509_crt_free(&se->anchors);
	mbedtls_platform_zeroize(s, sizeof(*s));
	free(s);
}

static int p11_sign(struct se *se, enum se_key_id key, mbedtls_md_type_t md,
                    const unsigned char *hash, size_t hash_len, unsigned char rs[SE_RS_LEN],
                    int (*f_rng)(void *, unsigned char *, size_t), void *p_rng)
{
	CK_MECHANISM mech = {CKM_ECDSA, NULL, 0};
	struct p11 *p = p11_of(se);
	CK_ULONG len = SE_RS_LEN;
	CK_RV rv;

	(void)md, (void)f_rng, (void)p_rng; /* the token hashes nothing and draws its own k */
	rv = p->f->C_SignInit(p->session, &mech, ((struct se_p11 *)se)->keys[key]);
	if (rv != CKR_OK)
		return p11_fail("C_SignInit", rv);
	rv = p->f->C_Sign(p->session, (CK_BYTE_PTR)hash, hash_len, rs, &len);
	if (rv != CKR_OK)
		return p11_fail("C_Sign", rv);
	return len == SE_RS_LEN ? 0 : p11_fail("C_Sign (length)", CKR_GENERAL_ERROR);
}

/* One AES-GCM operation with the wrap key; out gets *ret_len bytes (at most cap). */
static int gcm_run(struct se *se, bool seal, const unsigned char *nonce, const unsigned char *aad,
                   size_t aad_len, const unsigned char *in, size_t in_len, unsigned char *out,
                   size_t cap, size_t *ret_len)
{
	_Static_assert(SE_SEAL_NONCE_LEN == P11_GCM_IV_LEN && SE_SEAL_TAG_LEN == P11_GCM_TAG_LEN,
	               "the sealed blob's GCM is the token's");
	return p11_gcm(p11_of(se), ((struct se_p11 *)se)->wrap, seal, nonce, aad, aad_len, in,
	               in_len, out, cap, ret_len);
}

static int p11_gcm_seal(struct se *se, const unsigned char nonce[SE_SEAL_NONCE_LEN],
                        const unsigned char *aad, size_t aad_len, const unsigned char *in,
                        size_t len, unsigned char *out)
{
	size_t n = 0;
	int ret = gcm_run(se, true, nonce, aad, aad_len, in, len, out, len + SE_SEAL_TAG_LEN, &n);

	return ret == 0 && n != len + SE_SEAL_TAG_LEN ? -EIO : ret;
}

static int p11_gcm_open(struct se *se, const unsigned char nonce[SE_SEAL_NONCE_LEN],
                        const unsigned char *aad, size_t aad_len, const unsigned char *in,
                        size_t len, unsigned char *out)
{
	/* Some tokens want room for the whole input: decrypt into a buffer of that size. */
	unsigned char *buf = malloc(len + SE_SEAL_TAG_LEN);
	size_t n = 0;
	int ret;

	if (!buf)
		return -ENOMEM;
	ret = gcm_run(se, false, nonce, aad, aad_len, in, len + SE_SEAL_TAG_LEN, buf,
	              len + SE_SEAL_TAG_LEN, &n);
	if (ret == 0 && n != len)
		ret = -EIO;
	if (ret == 0)
		memcpy(out, buf, len);
	mbedtls_platform_zeroize(buf, len + SE_SEAL_TAG_LEN);
	free(buf);
	return ret;
}

static int p11_mac(struct se *se, const void *data, size_t len, unsigned char out[SE_MAC_LEN])
{
	CK_MECHANISM mech = {CKM_SHA256_HMAC, NULL, 0};
	struct p11 *p = p11_of(se);
	CK_ULONG n = SE_MAC_LEN;
	CK_RV rv = p->f->C_SignInit(p->session, &mech, ((struct se_p11 *)se)->mac);

	if (rv != CKR_OK)
		return p11_fail("C_SignInit", rv);
	rv = p->f->C_Sign(p->session, (CK_BYTE_PTR)data, len, out, &n);
	if (rv != CKR_OK)
		return p11_fail("C_Sign", rv);
	return n == SE_MAC_LEN ? 0 : -EIO;
}

static int p11_mac_verify(struct se *se, const void *data, size_t len,
                          const unsigned char mac[SE_MAC_LEN])
{
	CK_MECHANISM mech = {CKM_SHA256_HMAC, NULL, 0};
	struct p11 *p = p11_of(se);
	CK_RV rv = p->f->C_VerifyInit(p->session, &mech, ((struct se_p11 *)se)->mac);

	if (rv != CKR_OK)
		return p11_fail("C_VerifyInit", rv);
	rv = p->f->C_Verify(p->session, (CK_BYTE_PTR)data, len, (CK_BYTE_PTR)mac, SE_MAC_LEN);
	if (rv == CKR_SIGNATURE_INVALID || rv == CKR_SIGNATURE_LEN_RANGE)
		return -EBADMSG;
	return rv == CKR_OK ? 0 : p11_fail("C_Verify", rv);
}

/* Reads after open: a record that went missing or bad is a fault of the token (-EIO). */
static int record_get(struct se *se, const char *label, unsigned char *v, size_t len)
{
	uint64_t gen;
	int ret = p11_record_read(p11_of(se), label, v, len, &gen);

	return ret < 0 ? -EIO : 0;
}

static int p11_counter_get(struct se *se, uint64_t *ret_value)
{
	unsigned char v[P11_COUNTER_LEN];
	int ret = record_get(se, P11_LABEL_COUNTER, v, sizeof(v));

	if (ret == 0)
		*ret_value = se_get_le64(v);
	return ret;
}

static int p11_counter_raise(struct se *se, uint64_t value)
{
	unsigned char v[P11_COUNTER_LEN];
	uint64_t now = 0;
	int ret = p11_counter_get(se, &now);

	if (ret < 0 || value == now)
		return ret;
	if (value != now + 1)
		return -ERANGE;
	se_put_le64(v, value);
	return p11_record_write(p11_of(se), P11_LABEL_COUNTER, v, sizeof(v));
}

static int p11_latch_get(struct se *se, struct se_latch *ret_latch)
{
	unsigned char v[SE_LATCH_LEN];
	int ret = record_get(se, P11_LABEL_LATCH, v, sizeof(v));

	if (ret < 0)
		return ret;
	*ret_latch = (struct se_latch){
	    .flags = (uint32_t)(se_get_le64(v) & 0xffffffffu),
	    .counter = se_get_le64(v + 8),
	    .trust_sequence = se_get_le64(v + 16),
	};
	return 0;
}

static int p11_latch_put(struct se *se, const struct se_latch *latch)
{
	unsigned char v[SE_LATCH_LEN];

	se_put_le64(v, latch->flags);
	se_put_le64(v + 8, latch->counter);
	se_put_le64(v + 16, latch->trust_sequence);
	return p11_record_write(p11_of(se), P11_LABEL_LATCH, v, sizeof(v));
}

/* CKM_ECDH1_DERIVE into a session object, read once and destroyed. */
static int p11_ecdh(struct se *se, const unsigned char peer[SE_PUBKEY_LEN], unsigned char z[32],
                    int (*f_rng)(void *, unsigned char *, size_t), void *p_rng)
{
	static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ECDH1_DERIVE_PARAMS prm = {CKD_NULL, 0, NULL, SE_PUBKEY_LEN, (CK_BYTE_PTR)peer};
	CK_MECHANISM mech = {CKM_ECDH1_DERIVE, &prm, sizeof(prm)};
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE type = CKK_GENERIC_SECRET;
	CK_ULONG len = 32;
	CK_ATTRIBUTE tmpl[] = {
	    {CKA_CLASS, &cls, sizeof(cls)},
	    {CKA_KEY_TYPE, &type, sizeof(type)},
	    {CKA_TOKEN, &no, 1},
	    {CKA_SENSITIVE, &no, 1},
	    {CKA_EXTRACTABLE, &yes, 1},
	    {CKA_VALUE_LEN, &len, sizeof(len)},
	};
	CK_ATTRIBUTE value = {CKA_VALUE, z, 32};
	struct p11 *p = p11_of(se);
	CK_OBJECT_HANDLE h;
	CK_RV rv;

	(void)f_rng, (void)p_rng;
	rv = p->f->C_DeriveKey(p->session, &mech, ((struct se_p11 *)se)->keys[SE_KEY_DEVICE], tmpl,
	                       sizeof(tmpl) / sizeof(tmpl[0]), &h);
	if (rv != CKR_OK)
		return p11_fail("C_DeriveKey (ECDH)", rv);
	rv = p->f->C_GetAttributeValue(p->session, h, &value, 1);
	p->f->C_DestroyObject(p->session, h);
	if (rv != CKR_OK || value.ulValueLen != 32)
		return p11_fail("C_GetAttributeValue (ECDH)",
		                rv != CKR_OK ? rv : CKR_GENERAL_ERROR);
	return 0;
}

static const struct se_ops p11_ops = {
    .close = p11_close,
    .sign = p11_sign,
    .gcm_seal = p11_gcm_seal,
    .gcm_open = p11_gcm_open,
    .mac = p11_mac,
    .mac_verify = p11_mac_verify,
    .counter_get = p11_counter_get,
    .counter_raise = p11_counter_raise,
    .latch_get = p11_latch_get,
    .latch_put = p11_latch_put,
    .ecdh = p11_ecdh,
};

/* A secret key of ours must not be able to leave the token. 0 or -EBADMSG. */
static int key_check(struct p11 *p, CK_OBJECT_HANDLE obj, const char *label)
{
	CK_BBOOL sensitive = CK_FALSE, extractable = CK_TRUE;
	CK_ATTRIBUTE a[] = {
	    {CKA_SENSITIVE, &sensitive, sizeof(sensitive)},
	    {CKA_EXTRACTABLE, &extractable, sizeof(extractable)},
	};
	CK_RV rv = p->f->C_GetAttributeValue(p->session, obj, a, 2);

	if (rv != CKR_OK)
		return p11_fail("C_GetAttributeValue", rv);
	if (sensitive != CK_TRUE || extractable != CK_FALSE) {
		se_error_set("token key %s is not sensitive or is extractable: refused", label);
		return -EBADMSG;
	}
	return 0;
}

/* A key pair's private handle, checked, and its public point into se->pub. */
static int key_pair_load(struct se_p11 *s, enum se_key_id k)
{
	unsigned char der[SE_PUBKEY_LEN + 2], *pt = der;
	CK_OBJECT_HANDLE pub;
	size_t n = 0;
	int ret = p11_find_one(&s->p, CKO_PRIVATE_KEY, p11_key_labels[k], &s->keys[k]);

	if (ret == 0)
		ret = key_check(&s->p, s->keys[k], p11_key_labels[k]);
	if (ret == 0)
		ret = p11_find_one(&s->p, CKO_PUBLIC_KEY, p11_key_labels[k], &pub);
	if (ret == 0)
		ret = p11_attr_get(&s->p, pub, CKA_EC_POINT, der, sizeof(der), &n);
	if (ret < 0)
		return ret;
	/* CKA_EC_POINT is DER OCTET STRING { point } (v2.40); some tokens give the point bare. */
	if (n == SE_PUBKEY_LEN + 2 && der[0] == 0x04 && der[1] == SE_PUBKEY_LEN)
		pt = der + 2;
	else if (n != SE_PUBKEY_LEN)
		return -EINVAL;
	return se_pub_set_point(&s->se, k, pt);
}

/* Every object at open; the public parts into se. 0, -ENOENT, -EBADMSG or -EIO. */
static int objects_load(struct se_p11 *s)
{
	unsigned char *pem = NULL;
	CK_OBJECT_HANDLE anchors;
	size_t len = 0;
	int ret = 0;

	for (int k = 0; ret == 0 && k < SE_KEY_COUNT; k++)
		ret = key_pair_load(s, (enum se_key_id)k);
	if (ret == 0)
		ret = p11_find_one(&s->p, CKO_SECRET_KEY, P11_LABEL_WRAP, &s->wrap);
	if (ret == 0)
		ret = key_check(&s->p, s->wrap, P11_LABEL_WRAP);
	if (ret == 0)
		ret = p11_find_one(&s->p, CKO_SECRET_KEY, P11_LABEL_MAC, &s->mac);
	if (ret == 0)
		ret = key_check(&s->p, s->mac, P11_LABEL_MAC);
	if (ret == 0)
		ret = p11_find_one(&s->p, CKO_DATA, P11_LABEL_ANCHORS, &anchors);
	if (ret == 0 && !(pem = malloc(SE_FILE_MAX)))
		ret = -ENOMEM;
	if (ret == 0)
		ret = p11_attr_get(&s->p, anchors, CKA_VALUE, pem, SE_FILE_MAX, &len);
	if (ret == 0)
		ret = se_anchors_parse(&s->se.anchors, pem, len);
	free(pem);
	return ret;
}

int se_p11_open(const struct se_config *cfg, struct se **ret_se)
{
	struct se_p11 *s = calloc(1, sizeof(*s));
	unsigned char probe[SE_LATCH_LEN];
	uint64_t gen;
	int ret;

	if (!s)
		return -ENOMEM;
	s->se.ops = &p11_ops;
	mbedtls_x509_crt_init(&s->se.anchors);
	ret = p11_session_open(cfg, &s->p);
	if (ret == 0)
		ret = objects_load(s);
	/* Counter and latch there and readable, as the file back-end checks its slots. */
	if (ret == 0)
		ret = p11_record_read(&s->p, P11_LABEL_COUNTER, probe, P11_COUNTER_LEN, &gen);
	if (ret == 0)
		ret = p11_record_read(&s->p, P11_LABEL_LATCH, probe, SE_LATCH_LEN, &gen);
	if (ret < 0) {
		p11_close(&s->se);
		return ret;
	}
	*ret_se = &s->se;
	return 0;
}
