// SPDX-License-Identifier: GPL-2.0-or-later
/* ECDSA AlgorithmIdentifiers without parameters (RFC 5758 §3.2): see x509-sigalg.h. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <mbedtls/asn1.h>
#include <mbedtls/asn1write.h>
#include <mbedtls/md.h>
#include <mbedtls/oid.h>

#include "x509-sigalg.h"

#define SEQ (MBEDTLS_ASN1_SEQUENCE | MBEDTLS_ASN1_CONSTRUCTED)

/* Where the pieces of the TBSCertificate are (RFC 5280 §4.1), pointing into the input. */
struct tbs_parts {
	const unsigned char *head; /* version [0] and serialNumber, as written */
	size_t head_len;
	const unsigned char *oid; /* the signature field's algorithm OID (value) */
	size_t oid_len;
	bool has_null;             /* its parameters are exactly NULL */
	const unsigned char *tail; /* issuer .. extensions, as written */
	size_t tail_len;
};

/* An AlgorithmIdentifier at *p: t's OID and whether its parameters are exactly NULL. */
static int alg_read(unsigned char **p, const unsigned char *end, struct tbs_parts *t)
{
	unsigned char *alg_end;
	size_t n;

	if (mbedtls_asn1_get_tag(p, end, &n, SEQ) != 0)
		return -EINVAL;
	alg_end = *p + n;
	if (mbedtls_asn1_get_tag(p, alg_end, &t->oid_len, MBEDTLS_ASN1_OID) != 0)
		return -EINVAL;
	t->oid = *p;
	*p += t->oid_len;
	t->has_null = alg_end - *p == 2 && (*p)[0] == MBEDTLS_ASN1_NULL && (*p)[1] == 0;
	if (*p != alg_end && !t->has_null)
		return -EINVAL;
	*p = alg_end;
	return 0;
}

/* Steps over version and serialNumber to the signature field, reads its OID and parameters. */
static int tbs_split(unsigned char *p, const unsigned char *end, struct tbs_parts *t)
{
	size_t n;

	t->head = p;
	if (mbedtls_asn1_get_tag(&p, end, &n,
	                         MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 0) != 0)
		return -EINVAL;
	p += n;
	if (mbedtls_asn1_get_tag(&p, end, &n, MBEDTLS_ASN1_INTEGER) != 0)
		return -EINVAL;
	p += n;
	t->head_len = (size_t)(p - t->head);
	if (alg_read(&p, end, t) < 0)
		return -EINVAL;
	t->tail = p;
	t->tail_len = (size_t)(end - p);
	return 0;
}

/* SEQUENCE { OID } backwards at *c: an AlgorithmIdentifier without parameters. */
static int alg_write(unsigned char **c, unsigned char *start, const struct tbs_parts *t)
{
	int n = mbedtls_asn1_write_oid(c, start, (const char *)t->oid, t->oid_len);
	int l, g;

	if (n < 0 || (l = mbedtls_asn1_write_len(c, start, (size_t)n)) < 0 ||
	    (g = mbedtls_asn1_write_tag(c, start, SEQ)) < 0)
		return -EMSGSIZE;
	return n + l + g;
}

/* The new TBSCertificate, written backwards from the end of buf: its length, or -errno. */
static int tbs_write(unsigned char *buf, size_t cap, const struct tbs_parts *t)
{
	unsigned char *c = buf + cap;
	int a, b, h, l, g;

	if ((a = mbedtls_asn1_write_raw_buffer(&c, buf, t->tail, t->tail_len)) < 0 ||
	    (b = alg_write(&c, buf, t)) < 0 ||
	    (h = mbedtls_asn1_write_raw_buffer(&c, buf, t->head, t->head_len)) < 0 ||
	    (l = mbedtls_asn1_write_len(&c, buf, (size_t)(a + b + h))) < 0 ||
	    (g = mbedtls_asn1_write_tag(&c, buf, SEQ)) < 0)
		return -EMSGSIZE;
	return a + b + h + l + g;
}

/* Signs tbs with the hash the OID names; ECDSA only (its OIDs sit under id-ecSigType). */
static int tbs_sign(const struct tbs_parts *t, const unsigned char *tbs, size_t tbs_len,
                    mbedtls_pk_context *key, int (*f_rng)(void *, unsigned char *, size_t),
                    void *p_rng, unsigned char *sig, size_t *sig_len)
{
	const mbedtls_asn1_buf oid = {
	    .tag = MBEDTLS_ASN1_OID, .len = t->oid_len, .p = (unsigned char *)t->oid};
	unsigned char hash[MBEDTLS_MD_MAX_SIZE];
	mbedtls_md_type_t md;
	mbedtls_pk_type_t pk;
	const mbedtls_md_info_t *info;

	if (mbedtls_oid_get_sig_alg(&oid, &md, &pk) != 0 || pk != MBEDTLS_PK_ECDSA ||
	    !mbedtls_pk_can_do(key, MBEDTLS_PK_ECDSA) || !(info = mbedtls_md_info_from_type(md)))
		return -EINVAL;
	if (mbedtls_md(info, tbs, tbs_len, hash) != 0 ||
	    mbedtls_pk_sign(key, md, hash, mbedtls_md_get_size(info), sig, sig_len, f_rng, p_rng) !=
	        0)
		return -EIO;
	return 0;
}

/* The TBSCertificate's pieces of the certificate der/len. */
static int crt_split(const uint8_t *der, size_t len, struct tbs_parts *t)
{
	unsigned char *p = (unsigned char *)der, *end = p + len;
	size_t n;

	/* Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue } */
	if (mbedtls_asn1_get_tag(&p, end, &n, SEQ) != 0 || p + n != end ||
	    mbedtls_asn1_get_tag(&p, end, &n, SEQ) != 0)
		return -EINVAL;
	return tbs_split(p, p + n, t);
}

int x509_crt_sigalg_has_null(const uint8_t *der, size_t len)
{
	struct tbs_parts t;

	if (crt_split(der, len, &t) < 0)
		return -EINVAL;
	return t.has_null ? 1 : 0;
}

int x509_crt_sigalg_fix(const uint8_t *der, size_t len, mbedtls_pk_context *issuer_key,
                        int (*f_rng)(void *, unsigned char *, size_t), void *p_rng, uint8_t *out,
                        size_t cap, size_t *ret_len)
{
	unsigned char tbs[X509_SIGALG_CRT_MAX], sig[MBEDTLS_PK_SIGNATURE_MAX_SIZE];
	unsigned char *c = out + cap;
	struct tbs_parts t;
	size_t sig_len = 0;
	int tbs_len, s, a, l, g, err;

	if (crt_split(der, len, &t) < 0)
		return -EINVAL;
	if (!t.has_null) {
		if (len > cap)
			return -EMSGSIZE;
		memcpy(out, der, len);
		*ret_len = len;
		return 0;
	}
	tbs_len = tbs_write(tbs, sizeof(tbs), &t);
	if (tbs_len < 0)
		return tbs_len;
	err = tbs_sign(&t, tbs + sizeof(tbs) - tbs_len, (size_t)tbs_len, issuer_key, f_rng, p_rng,
	               sig, &sig_len);
	if (err < 0)
		return err;
	if ((s = mbedtls_asn1_write_bitstring(&c, out, sig, sig_len * 8)) < 0 ||
	    (a = alg_write(&c, out, &t)) < 0 ||
	    mbedtls_asn1_write_raw_buffer(&c, out, tbs + sizeof(tbs) - tbs_len, (size_t)tbs_len) <
	        0 ||
	    (l = mbedtls_asn1_write_len(&c, out, (size_t)(s + a + tbs_len))) < 0 ||
	    (g = mbedtls_asn1_write_tag(&c, out, SEQ)) < 0)
		return -EMSGSIZE;
	*ret_len = (size_t)(s + a + tbs_len + l + g);
	memmove(out, c, *ret_len);
	return 0;
}

int x509_csr_sigalg_fix(const uint8_t *der, size_t len, uint8_t *out, size_t cap, size_t *ret_len)
{
	unsigned char *p = (unsigned char *)der, *end = p + len, *c = out + cap, *info, *sig;
	struct tbs_parts t;
	mbedtls_md_type_t md;
	mbedtls_pk_type_t pk;
	size_t n, info_len, sig_len;
	int s, a, i, l, g;

	/* CertificationRequest ::= SEQUENCE { certificationRequestInfo, signatureAlgorithm,
	 * signature BIT STRING } */
	if (mbedtls_asn1_get_tag(&p, end, &n, SEQ) != 0 || p + n != end)
		return -EINVAL;
	info = p;
	if (mbedtls_asn1_get_tag(&p, end, &n, SEQ) != 0)
		return -EINVAL;
	p += n;
	info_len = (size_t)(p - info);
	if (alg_read(&p, end, &t) < 0)
		return -EINVAL;
	sig = p;
	if (mbedtls_asn1_get_tag(&p, end, &n, MBEDTLS_ASN1_BIT_STRING) != 0 || p + n != end)
		return -EINVAL;
	sig_len = (size_t)(end - sig);
	if (!t.has_null) {
		if (len > cap)
			return -EMSGSIZE;
		memcpy(out, der, len);
		*ret_len = len;
		return 0;
	}
	{
		const mbedtls_asn1_buf oid = {
		    .tag = MBEDTLS_ASN1_OID, .len = t.oid_len, .p = (unsigned char *)t.oid};

		if (mbedtls_oid_get_sig_alg(&oid, &md, &pk) != 0 || pk != MBEDTLS_PK_ECDSA)
			return -EINVAL;
	}
	if ((s = mbedtls_asn1_write_raw_buffer(&c, out, sig, sig_len)) < 0 ||
	    (a = alg_write(&c, out, &t)) < 0 ||
	    (i = mbedtls_asn1_write_raw_buffer(&c, out, info, info_len)) < 0 ||
	    (l = mbedtls_asn1_write_len(&c, out, (size_t)(s + a + i))) < 0 ||
	    (g = mbedtls_asn1_write_tag(&c, out, SEQ)) < 0)
		return -EMSGSIZE;
	*ret_len = (size_t)(s + a + i + l + g);
	memmove(out, c, *ret_len);
	return 0;
}
