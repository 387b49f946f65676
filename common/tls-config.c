// SPDX-License-Identifier: GPL-2.0-or-later
/* TLS configurations: TLS 1.2 only, ECDHE-ECDSA AEAD suites (see tls.h, docs/tls.md). */
#include "tls-internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/asn1.h>
#include <mbedtls/oid.h>

#define HANDSHAKE_MS_DEFAULT 10000
#define LINGER_MS_DEFAULT    2000
#define MAX_CONNS_DEFAULT    64

/* Forward secrecy and AEAD only; every key in the house is P-256 ECDSA. */
static const int suites[] = {
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    0,
};
static const mbedtls_ecp_group_id curves[] = {
    MBEDTLS_ECP_DP_SECP256R1,
    MBEDTLS_ECP_DP_CURVE25519,
    MBEDTLS_ECP_DP_SECP384R1,
    MBEDTLS_ECP_DP_NONE,
};
static const int sig_hashes[] = {MBEDTLS_MD_SHA256, MBEDTLS_MD_SHA384, MBEDTLS_MD_NONE};

const char *tls_config_error(int err)
{
	switch (err) {
	case -ENOENT:
		return "certificate or key file missing or unreadable";
	case -EINVAL:
		return "certificate, key or trust list is not valid PEM, or key and certificate "
		       "differ";
	case -ENOMEM:
		return "out of memory";
	default:
		return "TLS setup failed";
	}
}

static struct tls_config *config_alloc(bool server, const struct tls_limits *lim)
{
	struct tls_config *cfg = calloc(1, sizeof(*cfg));

	if (!cfg)
		return NULL;
	cfg->refs = 1;
	cfg->is_server = server;
	cfg->lim.handshake_ms = lim && lim->handshake_ms ? lim->handshake_ms : HANDSHAKE_MS_DEFAULT;
	cfg->lim.linger_ms = lim && lim->linger_ms ? lim->linger_ms : LINGER_MS_DEFAULT;
	cfg->lim.max_conns = lim && lim->max_conns ? lim->max_conns : MAX_CONNS_DEFAULT;
	cfg->lim.max_per_addr = lim ? lim->max_per_addr : 0;
	mbedtls_entropy_init(&cfg->entropy);
	mbedtls_ctr_drbg_init(&cfg->drbg);
	mbedtls_ssl_config_init(&cfg->conf);
	mbedtls_x509_crt_init(&cfg->certs);
	mbedtls_pk_init(&cfg->key);
	mbedtls_x509_crt_init(&cfg->own);
	return cfg;
}

static void config_free(struct tls_config *cfg)
{
	mbedtls_x509_crt_free(&cfg->own);
	mbedtls_pk_free(&cfg->key);
	mbedtls_x509_crt_free(&cfg->certs);
	mbedtls_ssl_config_free(&cfg->conf);
	mbedtls_ctr_drbg_free(&cfg->drbg);
	mbedtls_entropy_free(&cfg->entropy);
	free(cfg);
}

static int config_common(struct tls_config *cfg)
{
	static const char pers[] = "svcport-tls";
	int endpoint = cfg->is_server ? MBEDTLS_SSL_IS_SERVER : MBEDTLS_SSL_IS_CLIENT;

	if (mbedtls_ctr_drbg_seed(&cfg->drbg, mbedtls_entropy_func, &cfg->entropy,
	                          (const unsigned char *)pers, sizeof(pers) - 1) != 0 ||
	    mbedtls_ssl_config_defaults(&cfg->conf, endpoint, MBEDTLS_SSL_TRANSPORT_STREAM,
	                                MBEDTLS_SSL_PRESET_DEFAULT) != 0)
		return -EIO;
	mbedtls_ssl_conf_rng(&cfg->conf, mbedtls_ctr_drbg_random, &cfg->drbg);
	mbedtls_ssl_conf_min_version(&cfg->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
	                             MBEDTLS_SSL_MINOR_VERSION_3);
	mbedtls_ssl_conf_max_version(&cfg->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
	                             MBEDTLS_SSL_MINOR_VERSION_3);
	mbedtls_ssl_conf_ciphersuites(&cfg->conf, suites);
	mbedtls_ssl_conf_curves(&cfg->conf, curves);
	mbedtls_ssl_conf_sig_hashes(&cfg->conf, sig_hashes);
	mbedtls_ssl_conf_renegotiation(&cfg->conf, MBEDTLS_SSL_RENEGOTIATION_DISABLED);
	return 0;
}

/* A configuration with the common settings, or NULL (*err set). */
static struct tls_config *config_new(bool server, const struct tls_limits *lim, int *err)
{
	struct tls_config *cfg = config_alloc(server, lim);

	*err = cfg ? config_common(cfg) : -ENOMEM;
	if (cfg && *err < 0) {
		config_free(cfg);
		cfg = NULL;
	}
	return cfg;
}

int tls_config_server_new(const char *chain_pem_path, const char *key_pem_path,
                          const struct tls_limits *lim, struct tls_config **ret)
{
	int err;
	struct tls_config *cfg = config_new(true, lim, &err);

	if (!cfg)
		return err;
	if (mbedtls_x509_crt_parse_file(&cfg->certs, chain_pem_path) != 0 ||
	    mbedtls_pk_parse_keyfile(&cfg->key, key_pem_path, NULL) != 0) {
		err = -ENOENT;
		goto fail;
	}
	if (mbedtls_pk_check_pair(&cfg->certs.pk, &cfg->key) != 0 ||
	    mbedtls_ssl_conf_own_cert(&cfg->conf, &cfg->certs, &cfg->key) != 0) {
		err = -EINVAL;
		goto fail;
	}
	/* No client certificates unless asked for (tls-peer.c). */
	mbedtls_ssl_conf_authmode(&cfg->conf, MBEDTLS_SSL_VERIFY_NONE);
	*ret = cfg;
	return 0;
fail:
	config_free(cfg);
	return err;
}

int tls_config_client_new(const char *trust_pem_path, const struct tls_limits *lim,
                          struct tls_config **ret)
{
	int err;
	struct tls_config *cfg = config_new(false, lim, &err);

	if (!cfg)
		return err;
	/* parse_file returns >0 when some certificates of the bundle were skipped. */
	if (mbedtls_x509_crt_parse_file(&cfg->certs, trust_pem_path) != 0) {
		err = -EINVAL;
		goto fail;
	}
	mbedtls_ssl_conf_authmode(&cfg->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
	mbedtls_ssl_conf_ca_chain(&cfg->conf, &cfg->certs, NULL);
	*ret = cfg;
	return 0;
fail:
	config_free(cfg);
	return err;
}

struct tls_config *tls_config_ref(struct tls_config *cfg)
{
	cfg->refs++;
	return cfg;
}

void tls_config_unref(struct tls_config *cfg)
{
	if (!cfg || --cfg->refs > 0)
		return;
	config_free(cfg);
}

void tls_config_shutdown(struct tls_config *cfg)
{
	cfg->shutting_down = true;
	tls_config_ref(cfg);
	while (cfg->lingering)
		tls_conn_linger_end(cfg->lingering);
	tls_config_unref(cfg);
}

/* Does the SubjectAltName extension inside v3_ext list the address? */
static bool has_ip_san(const mbedtls_x509_buf *v3, const uint8_t *ip, size_t ip_len)
{
	unsigned char *p = v3->p, *end = v3->p + v3->len, *ext_end, *names_end;
	size_t len;

	if (!p || mbedtls_asn1_get_tag(&p, end, &len,
	                               MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0)
		return false;
	end = p + len;
	while (p < end) {
		mbedtls_x509_buf oid;
		int critical = 0;

		if (mbedtls_asn1_get_tag(&p, end, &len,
		                         MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0)
			return false;
		ext_end = p + len;
		if (mbedtls_asn1_get_tag(&p, ext_end, &oid.len, MBEDTLS_ASN1_OID) != 0)
			return false;
		oid.p = p;
		p += oid.len;
		(void)mbedtls_asn1_get_bool(&p, ext_end, &critical);
		if (mbedtls_asn1_get_tag(&p, ext_end, &len, MBEDTLS_ASN1_OCTET_STRING) != 0)
			return false;
		if (MBEDTLS_OID_CMP(MBEDTLS_OID_SUBJECT_ALT_NAME, &oid) != 0) {
			p = ext_end;
			continue;
		}
		if (mbedtls_asn1_get_tag(&p, ext_end, &len,
		                         MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0)
			return false;
		names_end = p + len;
		while (p < names_end) {
			int tag = *p++;

			if (mbedtls_asn1_get_len(&p, names_end, &len) != 0)
				return false;
			/* GeneralName iPAddress [7] IMPLICIT OCTET STRING */
			if (tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7) && len == ip_len &&
			    memcmp(p, ip, ip_len) == 0)
				return true;
			p += len;
		}
		return false;
	}
	return false;
}

int tls_verify_ip_san(void *p_vrfy, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
	const uint8_t *ip = p_vrfy;

	if (depth == 0 && !has_ip_san(&crt->v3_ext, ip + 1, ip[0]))
		*flags |= MBEDTLS_X509_BADCERT_CN_MISMATCH;
	return 0;
}
