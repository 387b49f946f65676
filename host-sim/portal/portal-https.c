// SPDX-License-Identifier: GPL-2.0-or-later
/* The portal service's HTTPS certificates, management-hub model (see portal-https.h). */
#include "portal-https.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/asn1write.h>
#include <mbedtls/oid.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/x509_csr.h>

#include "portal-internal.h"

#define YEAR_SECONDS   (365L * 24 * 3600)
#define CA_SUBJECT     "CN=svcport portal HTTPS CA,O=svcport portal"
#define SERVER_SUBJECT "CN=svcport portal,O=svcport portal"
#define SERVER_DAYS    397 /* what browsers accept for a server certificate */
#define SAN_DER_MAX    (PORTAL_HTTPS_NAMES_MAX * (PORTAL_HTTPS_NAME_MAX + 4) + 8)
#define NAMES_TEXT_MAX (PORTAL_HTTPS_NAMES_MAX * (PORTAL_HTTPS_NAME_MAX + 1) + 1)

static bool is_dns_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= PORTAL_HTTPS_NAME_MAX || s[0] == '-' || s[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '.')
			return false;
	return true;
}

/* 4 or 16 address bytes into out; 0 if s is not an IP literal. */
static size_t ip_parse(const char *s, uint8_t out[16])
{
	if (inet_pton(AF_INET, s, out) == 1)
		return 4;
	if (inet_pton(AF_INET6, s, out) == 1)
		return 16;
	return 0;
}

int portal_https_names_add(struct portal_https_names *n, const char *name)
{
	uint8_t ip[16];

	if (!ip_parse(name, ip) && !is_dns_name(name))
		return -EINVAL;
	for (size_t i = 0; i < n->n; i++)
		if (strcasecmp(n->name[i], name) == 0)
			return 0;
	if (n->n == PORTAL_HTTPS_NAMES_MAX)
		return -ENOSPC;
	snprintf(n->name[n->n++], PORTAL_HTTPS_NAME_MAX, "%s", name);
	return 0;
}

static void https_path(const struct portal *p, const char *name, char out[PATH_MAX])
{
	char rel[64];

	snprintf(rel, sizeof(rel), "https/%s", name);
	portal_path(p, rel, out);
}

void portal_https_chain_path(const struct portal *p, char out[PATH_MAX])
{
	https_path(p, "server.crt", out);
}

void portal_https_key_path(const struct portal *p, char out[PATH_MAX])
{
	https_path(p, "server.key", out);
}

bool portal_https_is_external(const struct portal *p)
{
	char path[PATH_MAX];

	https_path(p, "external", path);
	return access(path, F_OK) == 0;
}

void portal_https_anchor_path(const struct portal *p, char out[PATH_MAX])
{
	https_path(p, portal_https_is_external(p) ? "anchor.crt" : "ca.crt", out);
}

/* GeneralNames ::= SEQUENCE OF GeneralName; dNSName [2] IA5String, iPAddress [7]. */
static int san_der(const struct portal_https_names *n, uint8_t *buf, size_t cap,
                   const uint8_t **ret_p, size_t *ret_len)
{
	unsigned char *p = buf + cap;
	size_t len = 0;
	int r;

	for (size_t i = n->n; i-- > 0;) {
		uint8_t ip[16];
		size_t iplen = ip_parse(n->name[i], ip);
		const uint8_t *v = iplen ? ip : (const uint8_t *)n->name[i];
		size_t vlen = iplen ? iplen : strlen(n->name[i]);
		int tag = MBEDTLS_ASN1_CONTEXT_SPECIFIC | (iplen ? 7 : 2);
		size_t one = 0;

		if ((r = mbedtls_asn1_write_raw_buffer(&p, buf, v, vlen)) < 0)
			return -ENOSPC;
		one += (size_t)r;
		if ((r = mbedtls_asn1_write_len(&p, buf, one)) < 0)
			return -ENOSPC;
		one += (size_t)r;
		if ((r = mbedtls_asn1_write_tag(&p, buf, (unsigned char)tag)) < 0)
			return -ENOSPC;
		len += one + (size_t)r;
	}
	if ((r = mbedtls_asn1_write_len(&p, buf, len)) < 0)
		return -ENOSPC;
	len += (size_t)r;
	if ((r = mbedtls_asn1_write_tag(&p, buf,
	                                MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE)) < 0)
		return -ENOSPC;
	*ret_p = p;
	*ret_len = len + (size_t)r;
	return 0;
}

static void names_text(const struct portal_https_names *n, char *out, size_t cap)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n->n && used < cap; i++)
		used += (size_t)snprintf(out + used, cap - used, "%s\n", n->name[i]);
}

static int text_write(const char *path, const char *text)
{
	return portal_file_write(path, (const uint8_t *)text, strlen(text));
}

static int dir_make(struct portal *p)
{
	char path[PATH_MAX];

	portal_path(p, "https", path);
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return portal_refuse(p, -errno, "cannot create %s: %s", path, strerror(errno));
	return 0;
}

static int ca_make(struct portal *p, int64_t now)
{
	mbedtls_pk_context key;
	struct pki_issue req = {
	    .profile = PKI_PROFILE_ROOT,
	    .subject = CA_SUBJECT,
	    .subject_key = &key,
	    .issuer_key = &key,
	    .not_before = now,
	    .not_after = now + 10 * YEAR_SECONDS,
	};
	uint8_t der[PKI_CERT_DER_MAX];
	size_t len = 0;
	char path[PATH_MAX];
	int err;

	mbedtls_pk_init(&key);
	err = pki_key_generate(&key, &p->rng);
	if (err == 0)
		err = pki_cert_issue(&req, &p->rng, der, sizeof(der), &len);
	https_path(p, "ca.key", path);
	if (err == 0)
		err = pki_key_write_pem(&key, path);
	https_path(p, "ca.crt", path);
	if (err == 0)
		err = pki_cert_write_pem(der, len, path, false);
	mbedtls_pk_free(&key);
	return err < 0 ? portal_refuse(p, err, "cannot make the HTTPS CA: %s", strerror(-err)) : 0;
}

/* A new key and server certificate from the internal CA, written over server.*. */
static int server_make(struct portal *p, const struct portal_https_names *names, int64_t now)
{
	mbedtls_pk_context key, ca;
	static uint8_t san[SAN_DER_MAX];
	struct pki_issue req = {
	    .profile = PKI_PROFILE_TLS_SERVER,
	    .subject = SERVER_SUBJECT,
	    .subject_key = &key,
	    .issuer = CA_SUBJECT,
	    .issuer_key = &ca,
	    .not_before = now,
	    .not_after = now + SERVER_DAYS * 24L * 3600,
	};
	uint8_t der[PKI_CERT_DER_MAX * 4], ca_der[PKI_CERT_DER_MAX];
	size_t len = 0, ca_len = 0;
	char path[PATH_MAX], text[NAMES_TEXT_MAX];
	int err;

	if (names->n == 0)
		return portal_refuse(p, -EINVAL, "the server certificate needs at least one name");
	mbedtls_pk_init(&key);
	mbedtls_pk_init(&ca);
	https_path(p, "ca.key", path);
	err = pki_key_read_pem(&ca, path);
	https_path(p, "ca.crt", path);
	if (err == 0)
		err = pki_cert_read_der(path, ca_der, sizeof(ca_der), &ca_len);
	if (err == 0)
		err = san_der(names, san, sizeof(san), &req.san_der, &req.san_len);
	if (err == 0)
		err = pki_key_generate(&key, &p->rng);
	if (err == 0)
		err = pki_cert_issue(&req, &p->rng, der, sizeof(der), &len);
	https_path(p, "server.key", path);
	if (err == 0)
		err = pki_key_write_pem(&key, path);
	https_path(p, "server.crt", path);
	if (err == 0)
		err = pki_cert_write_pem(der, len, path, false);
	if (err == 0)
		err = pki_cert_write_pem(ca_der, ca_len, path, true);
	names_text(names, text, sizeof(text));
	https_path(p, "names", path);
	if (err == 0)
		err = text_write(path, text);
	https_path(p, "external", path);
	if (err == 0)
		(void)unlink(path);
	mbedtls_pk_free(&ca);
	mbedtls_pk_free(&key);
	return err < 0
	           ? portal_refuse(p, err, "cannot make the server certificate: %s", strerror(-err))
	           : 0;
}

static bool is_same_names(struct portal *p, const struct portal_https_names *names)
{
	char want[NAMES_TEXT_MAX], have[NAMES_TEXT_MAX];
	char path[PATH_MAX];
	size_t len = 0;

	names_text(names, want, sizeof(want));
	https_path(p, "names", path);
	if (portal_file_read(path, (uint8_t *)have, sizeof(have) - 1, &len) < 0)
		return false;
	have[len] = '\0';
	return strcmp(want, have) == 0;
}

int portal_https_ensure(struct portal *p, const struct portal_https_names *names, int64_t now,
                        bool *ret_made)
{
	char path[PATH_MAX];
	int err = dir_make(p);

	*ret_made = false;
	if (err < 0)
		return err;
	https_path(p, "ca.crt", path);
	if (access(path, F_OK) != 0) {
		err = ca_make(p, now);
		if (err < 0)
			return err;
	}
	if (portal_https_is_external(p))
		return 0;
	https_path(p, "server.crt", path);
	if (access(path, F_OK) == 0 && is_same_names(p, names))
		return 0;
	*ret_made = true;
	return server_make(p, names, now);
}

int portal_https_regen_server(struct portal *p, const struct portal_https_names *names, int64_t now)
{
	int err = dir_make(p);

	return err < 0 ? err : server_make(p, names, now);
}

int portal_https_regen_ca(struct portal *p, const struct portal_https_names *names, int64_t now)
{
	int err = dir_make(p);

	if (err == 0)
		err = ca_make(p, now);
	return err < 0 ? err : server_make(p, names, now);
}

int portal_https_csr(struct portal *p, const struct portal_https_names *names, const char *out_path)
{
	mbedtls_x509write_csr csr;
	mbedtls_pk_context key;
	static uint8_t san[SAN_DER_MAX];
	const uint8_t *san_p = NULL;
	size_t san_len = 0;
	unsigned char pem[4096];
	char path[PATH_MAX];
	int err = dir_make(p);

	if (err < 0)
		return err;
	if (names->n == 0)
		return portal_refuse(p, -EINVAL, "the request needs at least one name");
	mbedtls_x509write_csr_init(&csr);
	mbedtls_pk_init(&key);
	err = san_der(names, san, sizeof(san), &san_p, &san_len);
	if (err == 0)
		err = pki_key_generate(&key, &p->rng);
	if (err == 0) {
		mbedtls_x509write_csr_set_key(&csr, &key);
		mbedtls_x509write_csr_set_md_alg(&csr, MBEDTLS_MD_SHA256);
		if (mbedtls_x509write_csr_set_subject_name(&csr, SERVER_SUBJECT) != 0 ||
		    mbedtls_x509write_csr_set_key_usage(&csr, MBEDTLS_X509_KU_DIGITAL_SIGNATURE) !=
		        0 ||
		    mbedtls_x509write_csr_set_extension(
		        &csr, MBEDTLS_OID_SUBJECT_ALT_NAME,
		        MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME), san_p, san_len) != 0 ||
		    mbedtls_x509write_csr_pem(&csr, pem, sizeof(pem), pki_rng_fill, &p->rng) != 0)
			err = -EIO;
	}
	https_path(p, "pending.key", path);
	if (err == 0)
		err = pki_key_write_pem(&key, path);
	if (err == 0)
		err = text_write(out_path, (const char *)pem);
	mbedtls_pk_free(&key);
	mbedtls_x509write_csr_free(&csr);
	return err < 0 ? portal_refuse(p, err, "cannot make the CSR: %s", strerror(-err)) : 0;
}

static bool is_same_pubkey(mbedtls_pk_context *a, mbedtls_pk_context *b)
{
	uint8_t ra[PKI_PUBKEY_LEN], rb[PKI_PUBKEY_LEN];

	return pki_pubkey_raw(a, ra) == 0 && pki_pubkey_raw(b, rb) == 0 &&
	       memcmp(ra, rb, sizeof(ra)) == 0;
}

/* The chain's last certificate must be a self-signed CA; everything verifies up to it. */
static int chain_check(struct portal *p, mbedtls_x509_crt *chain, mbedtls_x509_crt **ret_anchor)
{
	mbedtls_x509_crt *last = chain;
	uint32_t flags = 0;
	char info[128];

	while (last->next && last->next->raw.len)
		last = last->next;
	if (last == chain || !last->ca_istrue || last->issuer_raw.len != last->subject_raw.len ||
	    memcmp(last->issuer_raw.p, last->subject_raw.p, last->subject_raw.len) != 0)
		return portal_refuse(p, -EINVAL,
		                     "the chain must end with the external CA's self-signed root");
	if (mbedtls_x509_crt_verify(chain, last, NULL, NULL, &flags, NULL, NULL) != 0) {
		mbedtls_x509_crt_verify_info(info, sizeof(info), "", flags);
		info[strcspn(info, "\n")] = '\0';
		return portal_refuse(p, -EINVAL, "the chain does not verify: %s", info);
	}
	*ret_anchor = last;
	return 0;
}

int portal_https_install(struct portal *p, const char *chain_path, int64_t now)
{
	mbedtls_x509_crt chain, *anchor = NULL;
	mbedtls_pk_context key;
	char path[PATH_MAX], dst[PATH_MAX];
	int err = 0;

	(void)now;
	mbedtls_x509_crt_init(&chain);
	mbedtls_pk_init(&key);
	https_path(p, "pending.key", path);
	if (pki_key_read_pem(&key, path) < 0) {
		err = portal_refuse(p, -ENOENT, "no CSR in progress: make one first");
		goto out;
	}
	if (mbedtls_x509_crt_parse_file(&chain, chain_path) != 0) {
		err = portal_refuse(p, -EINVAL, "%s is not a PEM certificate chain", chain_path);
		goto out;
	}
	if (!is_same_pubkey(&chain.pk, &key)) {
		err = portal_refuse(p, -EINVAL,
		                    "the first certificate is not for the key of the pending CSR");
		goto out;
	}
	err = chain_check(p, &chain, &anchor);
	if (err < 0)
		goto out;
	/* Commit: anchor, chain, then the key; each file is written whole. */
	https_path(p, "anchor.crt", dst);
	err = pki_cert_write_pem(anchor->raw.p, anchor->raw.len, dst, false);
	portal_https_chain_path(p, dst);
	for (mbedtls_x509_crt *c = &chain; err == 0 && c && c->raw.len; c = c->next)
		err = pki_cert_write_pem(c->raw.p, c->raw.len, dst, c != &chain);
	portal_https_key_path(p, dst);
	if (err == 0 && rename(path, dst) < 0)
		err = -errno;
	https_path(p, "external", path);
	if (err == 0)
		err = text_write(path, "external chain installed\n");
	if (err < 0)
		portal_refuse(p, err, "cannot install the chain: %s", strerror(-err));
out:
	mbedtls_pk_free(&key);
	mbedtls_x509_crt_free(&chain);
	return err;
}
