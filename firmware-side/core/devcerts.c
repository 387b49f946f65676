// SPDX-License-Identifier: GPL-2.0-or-later
/* The device's internal CA and link certificates (devcerts.h). */
#include "devcerts.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>
#include <pb_encode.h>

#include "certwrite.h"
#include "hex.h"
#include "utc.h"
#include "x509-sigalg.h"
#include "x509check.h"

static void ca_subject(struct se *se, char *out, size_t cap)
{
	unsigned char h[32];
	char id[17];

	se_key_sha256(se, h);
	hex_encode(h, 8, id);
	snprintf(out, cap, "CN=svcport internal CA,serialNumber=%s", id);
}

static void link_subject(struct se *se, const svcport_v1_BmcState *st, char *out, size_t cap)
{
	unsigned char h[32];
	char id[17];

	if (st->has_identity) {
		snprintf(out, cap, "CN=%s-%s,serialNumber=%s-%s,OU=svcport link",
		         st->device.machine_type, st->device.serial_number, st->device.machine_type,
		         st->device.serial_number);
		return;
	}
	se_key_sha256(se, h);
	hex_encode(h, 8, id);
	snprintf(out, cap, "CN=unbound-%s,OU=svcport link", id);
}

/* pk (initialised, empty) as the P-256 key of scalar d, its point computed. */
static int key_from_scalar(const unsigned char d[SEALED_KEY_LEN], mbedtls_pk_context *pk,
                           const struct bmc_env *env)
{
	mbedtls_ecp_keypair *kp;

	if (mbedtls_pk_setup(pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) != 0)
		return -ENOMEM;
	kp = mbedtls_pk_ec(*pk);
	if (mbedtls_ecp_read_key(MBEDTLS_ECP_DP_SECP256R1, kp, d, SEALED_KEY_LEN) != 0 ||
	    mbedtls_ecp_mul(&kp->grp, &kp->Q, &kp->d, &kp->grp.G, env->rng, env->user_data) != 0)
		return -EINVAL;
	return 0;
}

int devcerts_key_load(struct se *se, const svcport_v1_BmcState *st, enum sealed_key which,
                      mbedtls_pk_context *pk, const struct bmc_env *env)
{
	unsigned char d[SEALED_KEY_LEN];
	int ret = sealed_key_get(se, st, which, d);

	if (ret == 0)
		ret = key_from_scalar(d, pk, env);
	mbedtls_platform_zeroize(d, sizeof(d));
	return ret;
}

/* A fresh key which into pk (initialised, empty), sealed into st. 0 or -errno. */
static int key_new(struct se *se, svcport_v1_BmcState *st, enum sealed_key which,
                   mbedtls_pk_context *pk, const struct bmc_env *env)
{
	unsigned char d[SEALED_KEY_LEN];
	int ret = -EINVAL;

	if (mbedtls_pk_setup(pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) != 0)
		return -ENOMEM;
	if (mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(*pk), env->rng,
	                        env->user_data) == 0 &&
	    mbedtls_mpi_write_binary(&mbedtls_pk_ec(*pk)->d, d, sizeof(d)) == 0)
		ret = sealed_key_set(se, st, which, d, env);
	mbedtls_platform_zeroize(d, sizeof(d));
	return ret;
}

/* st's key which into pk, or a new one if asked or there is none. */
static int key_get(struct se *se, svcport_v1_BmcState *st, enum sealed_key which, bool renew,
                   mbedtls_pk_context *pk, const struct bmc_env *env)
{
	if (renew || !sealed_has_key(st, which))
		return key_new(se, st, which, pk, env);
	return devcerts_key_load(se, st, which, pk, env);
}

static int issue_ca(svcport_v1_BmcState *st, mbedtls_pk_context *ca_key, const char *ca,
                    uint64_t now_s, const struct bmc_env *env)
{
	const struct certwrite w = {.subject_key = ca_key,
	                            .issuer_key = ca_key,
	                            .subject = ca,
	                            .issuer = ca,
	                            .ca = true,
	                            .now_s = now_s};
	int n = certwrite_crt(&w, st->internal_ca_certificate.bytes,
	                      sizeof(st->internal_ca_certificate.bytes), env);

	if (n < 0)
		return n;
	st->internal_ca_certificate.size = (pb_size_t)n;
	return 0;
}

/* The internal CA's certificate for the link key: st's identity and SANs. Its length or -errno. */
static int issue_link(struct se *se, const svcport_v1_BmcState *st, mbedtls_pk_context *ca_key,
                      mbedtls_pk_context *link_key, unsigned char *out, size_t cap, uint64_t now_s,
                      const struct bmc_env *env)
{
	char ca[96], link[160];
	const struct certwrite w = {.subject_key = link_key,
	                            .issuer_key = ca_key,
	                            .subject = link,
	                            .issuer = ca,
	                            .san = st->link_subject_alt_names.bytes,
	                            .san_len = st->link_subject_alt_names.size,
	                            .now_s = now_s};

	ca_subject(se, ca, sizeof(ca));
	link_subject(se, st, link, sizeof(link));
	return certwrite_crt(&w, out, cap, env);
}

int devcerts_issue(struct se *se, svcport_v1_BmcState *st, unsigned renew, uint64_t now_s,
                   const struct bmc_env *env)
{
	const bool new_ca =
	    (renew & DEVCERTS_NEW_CA) || !sealed_has_key(st, SEALED_KEY_INTERNAL_CA);
	mbedtls_pk_context ca_key, link_key;
	char ca[96];
	int n;

	ca_subject(se, ca, sizeof(ca));
	mbedtls_pk_init(&ca_key);
	mbedtls_pk_init(&link_key);
	n = key_get(se, st, SEALED_KEY_INTERNAL_CA, new_ca, &ca_key, env);
	if (n == 0 && new_ca)
		n = issue_ca(st, &ca_key, ca, now_s, env);
	if (n == 0)
		n = key_get(se, st, SEALED_KEY_LINK, renew & DEVCERTS_NEW_LINK_KEY, &link_key, env);
	if (n == 0)
		n = issue_link(se, st, &ca_key, &link_key, st->link_certificate.bytes,
		               sizeof(st->link_certificate.bytes), now_s, env);
	if (n > 0) {
		st->link_certificate.size = (pb_size_t)n;
		st->link_chain_count = 0;
		memset(st->link_chain, 0, sizeof(st->link_chain));
		/* Without an external chain the link certificate is the internal one. */
		memset(&st->link_internal_certificate, 0, sizeof(st->link_internal_certificate));
		n = 0;
	}
	mbedtls_pk_free(&link_key);
	mbedtls_pk_free(&ca_key);
	return n < 0 ? n : 0;
}

int devcerts_issue_internal(struct se *se, svcport_v1_BmcState *st, uint64_t now_s,
                            const struct bmc_env *env)
{
	mbedtls_pk_context ca_key, link_key;
	int n;

	mbedtls_pk_init(&ca_key);
	mbedtls_pk_init(&link_key);
	n = devcerts_key_load(se, st, SEALED_KEY_INTERNAL_CA, &ca_key, env);
	if (n == 0)
		n = devcerts_key_load(se, st, SEALED_KEY_LINK, &link_key, env);
	if (n == 0)
		n = issue_link(se, st, &ca_key, &link_key, st->link_internal_certificate.bytes,
		               sizeof(st->link_internal_certificate.bytes), now_s, env);
	if (n > 0) {
		st->link_internal_certificate.size = (pb_size_t)n;
		n = 0;
	}
	mbedtls_pk_free(&link_key);
	mbedtls_pk_free(&ca_key);
	return n < 0 ? n : 0;
}

/* der (its size *size, capacity cap) re-encoded in place, signed by ca_key. 0 or -errno. */
static int repair_one(unsigned char *der, pb_size_t *size, size_t cap, mbedtls_pk_context *ca_key,
                      const struct bmc_env *env)
{
	unsigned char out[X509_SIGALG_CRT_MAX];
	size_t len = 0;
	int err = x509_crt_sigalg_fix(der, *size, ca_key, env->rng, env->user_data, out,
	                              sizeof(out), &len);

	if (err == 0 && len > cap)
		err = -EMSGSIZE;
	if (err == 0) {
		memcpy(der, out, len);
		*size = (pb_size_t)len;
	}
	return err;
}

int devcerts_sigalg_repair(struct se *se, svcport_v1_BmcState *st, const struct bmc_env *env)
{
	const int ca = x509_crt_sigalg_has_null(st->internal_ca_certificate.bytes,
	                                        st->internal_ca_certificate.size);
	/* An installed external leaf is its CA's to sign, not ours. */
	const int link = st->link_chain_count ? 0
	                                      : x509_crt_sigalg_has_null(st->link_certificate.bytes,
	                                                                 st->link_certificate.size);
	mbedtls_pk_context ca_key;
	int err;

	if (ca <= 0 && link <= 0)
		return 0; /* also a certificate that does not parse: not this repair's to judge */
	mbedtls_pk_init(&ca_key);
	err = devcerts_key_load(se, st, SEALED_KEY_INTERNAL_CA, &ca_key, env);
	if (err == 0 && ca > 0)
		err =
		    repair_one(st->internal_ca_certificate.bytes, &st->internal_ca_certificate.size,
		               sizeof(st->internal_ca_certificate.bytes), &ca_key, env);
	if (err == 0 && link > 0)
		err = repair_one(st->link_certificate.bytes, &st->link_certificate.size,
		                 sizeof(st->link_certificate.bytes), &ca_key, env);
	mbedtls_pk_free(&ca_key);
	return err < 0 ? err : 1;
}

int devcerts_link_csr(struct se *se, const svcport_v1_BmcState *st, unsigned char *out, size_t cap,
                      const struct bmc_env *env)
{
	mbedtls_pk_context key;
	char subject[160];
	int n;

	link_subject(se, st, subject, sizeof(subject));
	mbedtls_pk_init(&key);
	n = devcerts_key_load(se, st, SEALED_KEY_LINK, &key, env);
	if (n == 0)
		n = certwrite_csr(&key, subject, st->link_subject_alt_names.bytes,
		                  st->link_subject_alt_names.size, out, cap, env);
	mbedtls_pk_free(&key);
	return n;
}

/* True if the public halves of a and b are the same P-256 point. */
static bool is_same_point(const mbedtls_pk_context *a, const mbedtls_pk_context *b)
{
	const mbedtls_ecp_keypair *ka, *kb;

	if (mbedtls_pk_get_type(a) != MBEDTLS_PK_ECKEY ||
	    mbedtls_pk_get_type(b) != MBEDTLS_PK_ECKEY)
		return false;
	ka = mbedtls_pk_ec(*a);
	kb = mbedtls_pk_ec(*b);
	return ka->grp.id == MBEDTLS_ECP_DP_SECP256R1 && kb->grp.id == MBEDTLS_ECP_DP_SECP256R1 &&
	       mbedtls_ecp_point_cmp(&ka->Q, &kb->Q) == 0;
}

/* The checks of devcerts_link_check() on parsed certificates. */
static const char *link_chain_why(mbedtls_x509_crt *chain, mbedtls_x509_crt *top,
                                  const mbedtls_pk_context *key, uint64_t now_s)
{
	if (!is_same_point(&chain->pk, key))
		return "the first certificate is not for the link key";
	if (chain->ca_istrue || !x509_is_profile_ok(chain) || !x509_is_valid_at(chain, now_s))
		return "link certificate: CA, not P-256/SHA-256, or not valid now";
	if (top && !x509_is_chain_to(chain, top, now_s))
		return "the certificates do not form a valid chain";
	return NULL;
}

const char *devcerts_link_check(struct se *se, const svcport_v1_BmcState *st,
                                const unsigned char *const *der, const size_t *len, size_t n,
                                uint64_t now_s, const struct bmc_env *env)
{
	mbedtls_x509_crt chain, top;
	mbedtls_pk_context key;
	const char *why = NULL;

	mbedtls_x509_crt_init(&chain);
	mbedtls_x509_crt_init(&top);
	mbedtls_pk_init(&key);
	if (n == 0)
		why = "no certificate";
	/* The leaf and the issuers below the last go into one list; the last anchors. */
	for (size_t i = 0; !why && (i + 1 < n || i == 0); i++)
		if (mbedtls_x509_crt_parse_der(&chain, der[i], len[i]) != 0)
			why = "a certificate does not parse";
	if (!why && n > 1 && mbedtls_x509_crt_parse_der(&top, der[n - 1], len[n - 1]) != 0)
		why = "a certificate does not parse";
	if (!why && devcerts_key_load(se, st, SEALED_KEY_LINK, &key, env) != 0)
		why = "no link key";
	if (!why)
		why = link_chain_why(&chain, n > 1 ? &top : NULL, &key, now_s);
	mbedtls_pk_free(&key);
	mbedtls_x509_crt_free(&top);
	mbedtls_x509_crt_free(&chain);
	return why;
}

/* When the internal CA was issued: its notBefore. 0 or -EINVAL. */
static int ca_issued_at(const svcport_v1_BmcState *st, uint64_t *ret)
{
	mbedtls_x509_crt crt;
	int64_t t = -1;

	mbedtls_x509_crt_init(&crt);
	if (mbedtls_x509_crt_parse_der(&crt, st->internal_ca_certificate.bytes,
	                               st->internal_ca_certificate.size) == 0) {
		const mbedtls_x509_time *f = &crt.valid_from;
		const struct utc_tm tm = {f->year, f->mon, f->day, f->hour, f->min, f->sec};

		if (utc_to_seconds(&tm, &t) < 0)
			t = -1;
	}
	mbedtls_x509_crt_free(&crt);
	if (t < 0)
		return -EINVAL;
	*ret = (uint64_t)t;
	return 0;
}

/* The signed bytes: label, NUL, body. */
static int ca_statement_sign(struct se *se, svcport_v1_CaStatement *s, const struct bmc_env *env)
{
	static const char label[] = DEVCERTS_CA_STATEMENT_LABEL; /* its NUL is the separator */
	unsigned char msg[sizeof(label) + sizeof(s->body.bytes)];
	size_t sig_len = 0;

	_Static_assert(sizeof(s->signature.bytes) >= SE_SIG_MAX, "a device signature fits");
	memcpy(msg, label, sizeof(label));
	memcpy(msg + sizeof(label), s->body.bytes, s->body.size);
	if (se_sign(se, msg, sizeof(label) + s->body.size, s->signature.bytes, &sig_len, env) < 0)
		return -EIO;
	s->signature.size = (pb_size_t)sig_len;
	return 0;
}

int devcerts_ca_statement(struct se *se, const svcport_v1_BmcState *st, unsigned char *out,
                          size_t cap, size_t *ret_len, const struct bmc_env *env)
{
	static svcport_v1_CaStatementBody body;
	static svcport_v1_CaStatement s;
	pb_ostream_t os;
	int ret;

	_Static_assert(sizeof(body.internal_ca_certificate) == sizeof(st->internal_ca_certificate),
	               "same certificate bound");
	body = (svcport_v1_CaStatementBody)svcport_v1_CaStatementBody_init_zero;
	s = (svcport_v1_CaStatement)svcport_v1_CaStatement_init_zero;
	if (st->internal_ca_certificate.size == 0)
		return -ENOENT;
	ret = ca_issued_at(st, &body.issued_at);
	if (ret < 0)
		return ret;
	body.has_device = st->has_identity;
	if (st->has_identity)
		body.device = st->device;
	memcpy(&body.internal_ca_certificate, &st->internal_ca_certificate,
	       sizeof(body.internal_ca_certificate));
	os = pb_ostream_from_buffer(s.body.bytes, sizeof(s.body.bytes));
	if (!pb_encode(&os, svcport_v1_CaStatementBody_fields, &body))
		return -ENOSPC;
	s.body.size = (pb_size_t)os.bytes_written;
	ret = ca_statement_sign(se, &s, env);
	if (ret < 0)
		return ret;
	os = pb_ostream_from_buffer(out, cap);
	if (!pb_encode(&os, svcport_v1_CaStatement_fields, &s))
		return -ENOSPC;
	*ret_len = os.bytes_written;
	return 0;
}

bool devcerts_is_device_key(const struct se *se, const mbedtls_x509_crt *crt)
{
	unsigned char pub[SE_PUBKEY_LEN], cert_pub[SE_PUBKEY_LEN];
	size_t olen = 0;

	se_public_key(se, pub);
	return mbedtls_pk_get_type(&crt->pk) == MBEDTLS_PK_ECKEY &&
	       mbedtls_ecp_point_write_binary(
	           &mbedtls_pk_ec(crt->pk)->grp, &mbedtls_pk_ec(crt->pk)->Q,
	           MBEDTLS_ECP_PF_UNCOMPRESSED, &olen, cert_pub, sizeof(cert_pub)) == 0 &&
	       olen == SE_PUBKEY_LEN && memcmp(pub, cert_pub, SE_PUBKEY_LEN) == 0;
}
