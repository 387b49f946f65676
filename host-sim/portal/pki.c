// SPDX-License-Identifier: GPL-2.0-or-later
/* Portal PKI on mbedTLS 2.28 (see pki.h). */
#include "pki.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <mbedtls/asn1write.h>
#include <mbedtls/bignum.h>
#include <mbedtls/ecp.h>
#include <mbedtls/oid.h>
#include <mbedtls/pem.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>
#include <mbedtls/x509_crt.h>

#include "utc.h"
#include "x509-sigalg.h"

#define PEM_CRT_BEGIN "-----BEGIN CERTIFICATE-----\n"
#define PEM_CRT_END   "-----END CERTIFICATE-----\n"

int pki_rng_init(struct pki_rng *rng)
{
	static const char pers[] = "svcport-sim";

	mbedtls_entropy_init(&rng->entropy);
	mbedtls_ctr_drbg_init(&rng->drbg);
	if (mbedtls_ctr_drbg_seed(&rng->drbg, mbedtls_entropy_func, &rng->entropy,
	                          (const unsigned char *)pers, sizeof(pers) - 1) != 0) {
		pki_rng_free(rng);
		return -EIO;
	}
	return 0;
}

void pki_rng_free(struct pki_rng *rng)
{
	mbedtls_ctr_drbg_free(&rng->drbg);
	mbedtls_entropy_free(&rng->entropy);
}

int pki_rng_fill(void *p_rng, unsigned char *out, size_t len)
{
	struct pki_rng *rng = p_rng;

	return mbedtls_ctr_drbg_random(&rng->drbg, out, len);
}

/* Appends one OID arc (any size) in base 128, most significant group first. */
static int oid_put_arc(const mbedtls_mpi *arc, uint8_t *out, size_t cap, size_t *pos)
{
	size_t bits = mbedtls_mpi_bitlen(arc);
	size_t groups = bits == 0 ? 1 : (bits + 6) / 7;

	if (*pos + groups > cap)
		return -ENOSPC;
	for (size_t g = groups; g-- > 0;) {
		uint8_t v = 0;

		for (size_t b = 0; b < 7; b++)
			v |= (uint8_t)(mbedtls_mpi_get_bit(arc, g * 7 + b) << b);
		out[(*pos)++] = (uint8_t)(v | (g ? 0x80 : 0));
	}
	return 0;
}

int pki_eku_oid(uint8_t *out, size_t cap, size_t *ret_len)
{
	char dotted[] = PKI_EKU_CMD_SIGNING_DOTTED;
	mbedtls_mpi arc;
	size_t pos = 0;
	int ret = -EINVAL;
	char *save = NULL;
	char *tok;
	unsigned first = 0;
	int idx = 0;

	mbedtls_mpi_init(&arc);
	for (tok = strtok_r(dotted, ".", &save); tok; tok = strtok_r(NULL, ".", &save), idx++) {
		if (idx == 0) {
			first = (unsigned)strtoul(tok, NULL, 10);
			continue;
		}
		if (mbedtls_mpi_read_string(&arc, 10, tok) != 0)
			goto out;
		/* X.690 8.19.4: the first two arcs share one subidentifier 40*X+Y. */
		if (idx == 1 && mbedtls_mpi_add_int(&arc, &arc, 40 * first) != 0)
			goto out;
		ret = oid_put_arc(&arc, out, cap, &pos);
		if (ret < 0)
			goto out;
	}
	*ret_len = pos;
	ret = 0;
out:
	mbedtls_mpi_free(&arc);
	return ret;
}

int pki_key_generate(mbedtls_pk_context *key, struct pki_rng *rng)
{
	if (mbedtls_pk_setup(key, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) != 0)
		return -ENOMEM;
	if (mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(*key), pki_rng_fill, rng) !=
	    0)
		return -EIO;
	return 0;
}

static bool is_p256(const mbedtls_pk_context *key)
{
	return mbedtls_pk_get_type(key) == MBEDTLS_PK_ECKEY &&
	       mbedtls_pk_ec(*key)->grp.id == MBEDTLS_ECP_DP_SECP256R1;
}

int pki_pubkey_raw(const mbedtls_pk_context *key, uint8_t out[PKI_PUBKEY_LEN])
{
	mbedtls_ecp_keypair *ec;
	size_t olen = 0;

	if (!is_p256(key))
		return -EINVAL;
	ec = mbedtls_pk_ec(*key);
	if (mbedtls_ecp_point_write_binary(&ec->grp, &ec->Q, MBEDTLS_ECP_PF_UNCOMPRESSED, &olen,
	                                   out, PKI_PUBKEY_LEN) != 0 ||
	    olen != PKI_PUBKEY_LEN)
		return -EINVAL;
	return 0;
}

int pki_pubkey_sha256(const mbedtls_pk_context *key, uint8_t out[PKI_SHA256_LEN])
{
	uint8_t raw[PKI_PUBKEY_LEN];
	int ret = pki_pubkey_raw(key, raw);

	if (ret < 0)
		return ret;
	pki_sha256(raw, sizeof(raw), out);
	return 0;
}

int pki_pubkey_from_raw(mbedtls_pk_context *key, const uint8_t *raw, size_t len)
{
	mbedtls_ecp_keypair *ec;

	if (len != PKI_PUBKEY_LEN)
		return -EINVAL;
	if (mbedtls_pk_setup(key, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) != 0)
		return -ENOMEM;
	ec = mbedtls_pk_ec(*key);
	if (mbedtls_ecp_group_load(&ec->grp, MBEDTLS_ECP_DP_SECP256R1) != 0 ||
	    mbedtls_ecp_point_read_binary(&ec->grp, &ec->Q, raw, len) != 0 ||
	    mbedtls_ecp_check_pubkey(&ec->grp, &ec->Q) != 0)
		return -EINVAL;
	return 0;
}

/* extendedKeyUsage ::= SEQUENCE SIZE (1..MAX) OF KeyPurposeId */
static int set_eku(mbedtls_x509write_cert *crt, bool server_auth)
{
	uint8_t oid[PKI_OID_DER_MAX];
	uint8_t der[PKI_OID_DER_MAX + 8];
	unsigned char *p = der + sizeof(der);
	size_t oid_len = 0;
	int len = 0;
	int r;

	if (server_auth) {
		oid_len = MBEDTLS_OID_SIZE(MBEDTLS_OID_SERVER_AUTH);
		memcpy(oid, MBEDTLS_OID_SERVER_AUTH, oid_len);
	} else if (pki_eku_oid(oid, sizeof(oid), &oid_len) < 0) {
		return -EINVAL;
	}
	r = mbedtls_asn1_write_oid(&p, der, (const char *)oid, oid_len);
	if (r < 0)
		return -EINVAL;
	len += r;
	r = mbedtls_asn1_write_len(&p, der, (size_t)len);
	if (r < 0)
		return -EINVAL;
	len += r;
	r = mbedtls_asn1_write_tag(&p, der, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE);
	if (r < 0)
		return -EINVAL;
	len += r;
	if (mbedtls_x509write_crt_set_extension(crt, MBEDTLS_OID_EXTENDED_KEY_USAGE,
	                                        MBEDTLS_OID_SIZE(MBEDTLS_OID_EXTENDED_KEY_USAGE), 0,
	                                        p, (size_t)len) != 0)
		return -EINVAL;
	return 0;
}

static int set_profile(mbedtls_x509write_cert *crt, const struct pki_issue *req)
{
	enum pki_profile profile = req->profile;
	int is_ca = profile == PKI_PROFILE_ROOT || profile == PKI_PROFILE_DEVICE_CA;
	int pathlen = profile == PKI_PROFILE_DEVICE_CA ? 0 : -1;
	unsigned ku = is_ca ? MBEDTLS_X509_KU_KEY_CERT_SIGN | MBEDTLS_X509_KU_CRL_SIGN
	                    : MBEDTLS_X509_KU_DIGITAL_SIGNATURE;

	if (mbedtls_x509write_crt_set_basic_constraints(crt, is_ca, pathlen) != 0 ||
	    mbedtls_x509write_crt_set_key_usage(crt, ku) != 0 ||
	    mbedtls_x509write_crt_set_subject_key_identifier(crt) != 0 ||
	    mbedtls_x509write_crt_set_authority_key_identifier(crt) != 0)
		return -EINVAL;
	if (req->san_len &&
	    mbedtls_x509write_crt_set_extension(crt, MBEDTLS_OID_SUBJECT_ALT_NAME,
	                                        MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME), 0,
	                                        req->san_der, req->san_len) != 0)
		return -EINVAL;
	if (profile == PKI_PROFILE_CMD_SIGNER || profile == PKI_PROFILE_TLS_SERVER)
		return set_eku(crt, profile == PKI_PROFILE_TLS_SERVER);
	return 0;
}

int pki_cert_issue(const struct pki_issue *req, struct pki_rng *rng, uint8_t *out, size_t cap,
                   size_t *ret_len)
{
	mbedtls_x509write_cert crt;
	mbedtls_mpi serial;
	uint8_t serial_raw[16];
	uint8_t buf[2048];
	char nb[UTC_X509_LEN + 1], na[UTC_X509_LEN + 1];
	const char *issuer = req->profile == PKI_PROFILE_ROOT ? req->subject : req->issuer;
	int ret = -EINVAL;
	int len;

	mbedtls_x509write_crt_init(&crt);
	mbedtls_mpi_init(&serial);
	/* From 64-bit time, never through time_t (32-bit on armhf, docs/arm.md). */
	if (utc_format_x509(req->not_before, nb) < 0 || utc_format_x509(req->not_after, na) < 0)
		goto out;
	/* RFC 5280 4.1.2.2: positive, at most 20 octets. */
	if (pki_rng_fill(rng, serial_raw, sizeof(serial_raw)) != 0)
		goto out;
	serial_raw[0] = (uint8_t)((serial_raw[0] & 0x7f) | 0x40);
	if (mbedtls_mpi_read_binary(&serial, serial_raw, sizeof(serial_raw)) != 0)
		goto out;

	mbedtls_x509write_crt_set_version(&crt, MBEDTLS_X509_CRT_VERSION_3);
	mbedtls_x509write_crt_set_md_alg(&crt, MBEDTLS_MD_SHA256);
	mbedtls_x509write_crt_set_subject_key(&crt, req->subject_key);
	mbedtls_x509write_crt_set_issuer_key(&crt, req->issuer_key);
	if (mbedtls_x509write_crt_set_subject_name(&crt, req->subject) != 0 ||
	    mbedtls_x509write_crt_set_issuer_name(&crt, issuer) != 0 ||
	    mbedtls_x509write_crt_set_serial(&crt, &serial) != 0 ||
	    mbedtls_x509write_crt_set_validity(&crt, nb, na) != 0)
		goto out;
	ret = set_profile(&crt, req);
	if (ret < 0)
		goto out;
	/* mbedtls writes the DER at the end of buf. */
	len = mbedtls_x509write_crt_der(&crt, buf, sizeof(buf), pki_rng_fill, rng);
	if (len <= 0) {
		ret = -EIO;
		goto out;
	}
	/* Without the NULL after ecdsa-with-SHA256 that Debian's mbedTLS writes, which browsers
	 * refuse (common/x509-sigalg.h). */
	ret = x509_crt_sigalg_fix(buf + sizeof(buf) - (size_t)len, (size_t)len, req->issuer_key,
	                          pki_rng_fill, rng, out, cap, ret_len);
out:
	mbedtls_mpi_free(&serial);
	mbedtls_x509write_crt_free(&crt);
	return ret;
}

void pki_sha256(const uint8_t *data, size_t len, uint8_t out[PKI_SHA256_LEN])
{
	mbedtls_sha256_ret(data, len, out, 0);
}

int pki_sign(mbedtls_pk_context *key, struct pki_rng *rng, const uint8_t *data, size_t len,
             uint8_t *sig, size_t *ret_sig_len)
{
	uint8_t hash[PKI_SHA256_LEN];
	uint8_t tmp[MBEDTLS_PK_SIGNATURE_MAX_SIZE];
	size_t tmp_len = 0;

	pki_sha256(data, len, hash);
	if (mbedtls_pk_sign(key, MBEDTLS_MD_SHA256, hash, sizeof(hash), tmp, &tmp_len, pki_rng_fill,
	                    rng) != 0)
		return -EIO;
	if (tmp_len > PKI_SIG_DER_MAX)
		return -EMSGSIZE;
	memcpy(sig, tmp, tmp_len);
	*ret_sig_len = tmp_len;
	return 0;
}

bool pki_is_signature_valid(mbedtls_pk_context *key, const uint8_t *data, size_t len,
                            const uint8_t *sig, size_t sig_len)
{
	uint8_t hash[PKI_SHA256_LEN];

	if (!is_p256(key))
		return false;
	pki_sha256(data, len, hash);
	return mbedtls_pk_verify(key, MBEDTLS_MD_SHA256, hash, sizeof(hash), sig, sig_len) == 0;
}

static int write_file(const char *path, const void *data, size_t len, mode_t mode, bool append)
{
	int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC);
	int fd = open(path, flags, mode);
	const uint8_t *p = data;
	int ret = 0;

	if (fd < 0)
		return -errno;
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			break;
		}
		p += n;
		len -= (size_t)n;
	}
	if (ret == 0 && fsync(fd) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

int pki_key_write_pem(mbedtls_pk_context *key, const char *path)
{
	uint8_t pem[1024];
	int ret;

	if (mbedtls_pk_write_key_pem(key, pem, sizeof(pem)) != 0)
		return -EIO;
	ret = write_file(path, pem, strlen((char *)pem), 0600, false);
	mbedtls_platform_zeroize(pem, sizeof(pem));
	return ret;
}

int pki_key_read_pem(mbedtls_pk_context *key, const char *path)
{
	if (mbedtls_pk_parse_keyfile(key, path, NULL) != 0)
		return -EINVAL;
	return is_p256(key) ? 0 : -EINVAL;
}

int pki_cert_write_pem(const uint8_t *der, size_t len, const char *path, bool append)
{
	uint8_t pem[2048];
	size_t olen = 0;

	if (mbedtls_pem_write_buffer(PEM_CRT_BEGIN, PEM_CRT_END, der, len, pem, sizeof(pem),
	                             &olen) != 0)
		return -EMSGSIZE;
	/* olen counts the terminating NUL. */
	return write_file(path, pem, olen - 1, 0644, append);
}

int pki_cert_read_der(const char *path, uint8_t *out, size_t cap, size_t *ret_len)
{
	mbedtls_x509_crt crt;
	int ret = -EINVAL;

	mbedtls_x509_crt_init(&crt);
	if (mbedtls_x509_crt_parse_file(&crt, path) != 0)
		goto out;
	if (crt.raw.len > cap) {
		ret = -EMSGSIZE;
		goto out;
	}
	memcpy(out, crt.raw.p, crt.raw.len);
	*ret_len = crt.raw.len;
	ret = 0;
out:
	mbedtls_x509_crt_free(&crt);
	return ret;
}
