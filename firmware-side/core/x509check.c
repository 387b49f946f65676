// SPDX-License-Identifier: GPL-2.0-or-later
#include "x509check.h"

#include <string.h>

#include <mbedtls/ecp.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>

#include "utc.h"

bool x509_is_profile_ok(const mbedtls_x509_crt *crt)
{
	return mbedtls_pk_get_type(&crt->pk) == MBEDTLS_PK_ECKEY &&
	       mbedtls_pk_ec(crt->pk)->grp.id == MBEDTLS_ECP_DP_SECP256R1 &&
	       crt->sig_md == MBEDTLS_MD_SHA256 && crt->sig_pk == MBEDTLS_PK_ECDSA;
}

/* A certificate's time as seconds since the epoch: compared with the BMC's
 * 64-bit clock, never through the platform's time_t (32-bit on armhf,
 * docs/arm.md). */
static int x509_time_to_seconds(const mbedtls_x509_time *t, int64_t *ret)
{
	const struct utc_tm tm = {t->year, t->mon, t->day, t->hour, t->min, t->sec};

	return utc_to_seconds(&tm, ret);
}

bool x509_is_valid_at(const mbedtls_x509_crt *crt, uint64_t now_s)
{
	int64_t from, to;

	if (now_s > INT64_MAX || x509_time_to_seconds(&crt->valid_from, &from) < 0 ||
	    x509_time_to_seconds(&crt->valid_to, &to) < 0)
		return false;
	return from <= (int64_t)now_s && (int64_t)now_s <= to;
}

static bool has_cmd_signing_eku(const mbedtls_x509_crt *crt)
{
	const size_t len = sizeof(SVCPORT_EKU_CMD_SIGNING_OID) - 1;

	if (!(crt->ext_types & MBEDTLS_X509_EXT_EXTENDED_KEY_USAGE))
		return false;
	/* Exact OID only: anyExtendedKeyUsage does not grant command signing. */
	for (const mbedtls_x509_sequence *s = &crt->ext_key_usage; s; s = s->next)
		if (s->buf.len == len && memcmp(s->buf.p, SVCPORT_EKU_CMD_SIGNING_OID, len) == 0)
			return true;
	return false;
}

bool x509_is_command_signer(const mbedtls_x509_crt *crt, uint64_t now_s)
{
	return x509_is_profile_ok(crt) && x509_is_valid_at(crt, now_s) && !crt->ca_istrue &&
	       (crt->ext_types & MBEDTLS_X509_EXT_KEY_USAGE) &&
	       (crt->key_usage & MBEDTLS_X509_KU_DIGITAL_SIGNATURE) && has_cmd_signing_eku(crt);
}

struct vrfy_ctx {
	uint64_t now_s;
	const mbedtls_x509_crt *leaf; /* NULL: nobody asks */
	bool issuer_expires_first;
};

static int x509_time_cmp(const mbedtls_x509_time *x, const mbedtls_x509_time *y)
{
	const int a[6] = {x->year, x->mon, x->day, x->hour, x->min, x->sec};
	const int b[6] = {y->year, y->mon, y->day, y->hour, y->min, y->sec};

	for (int i = 0; i < 6; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return 0;
}

/* Called by mbedTLS for every certificate of the built chain, anchor included. */
static int vrfy_cb(void *p, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
	struct vrfy_ctx *c = p;

	/* mbedTLS judged validity by the system clock; the BMC clock decides. */
	*flags &= ~(uint32_t)(MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE);
	if (!x509_is_valid_at(crt, c->now_s))
		*flags |= MBEDTLS_X509_BADCERT_EXPIRED;
	if (!x509_is_profile_ok(crt))
		*flags |= MBEDTLS_X509_BADCERT_BAD_KEY;
	if (depth > 0 && c->leaf && x509_time_cmp(&crt->valid_to, &c->leaf->valid_to) < 0)
		c->issuer_expires_first = true;
	return 0;
}

static const mbedtls_x509_crt_profile svcport_profile = {
    .allowed_mds = MBEDTLS_X509_ID_FLAG(MBEDTLS_MD_SHA256),
    .allowed_pks = MBEDTLS_X509_ID_FLAG(MBEDTLS_PK_ECDSA) | MBEDTLS_X509_ID_FLAG(MBEDTLS_PK_ECKEY),
    .allowed_curves = MBEDTLS_X509_ID_FLAG(MBEDTLS_ECP_DP_SECP256R1),
    .rsa_min_bitlen = 0xffffffffu, /* no RSA */
};

static bool chain_verify(mbedtls_x509_crt *chain, mbedtls_x509_crt *anchors, struct vrfy_ctx *c)
{
	uint32_t flags = 0;

	if (mbedtls_x509_crt_verify_with_profile(chain, anchors, NULL, &svcport_profile, NULL,
	                                         &flags, vrfy_cb, c) != 0)
		return false;
	return flags == 0;
}

bool x509_is_chain_to(mbedtls_x509_crt *chain, mbedtls_x509_crt *anchors, uint64_t now_s)
{
	struct vrfy_ctx c = {.now_s = now_s};

	return chain_verify(chain, anchors, &c);
}

bool x509_check_signer_chain(mbedtls_x509_crt *chain, mbedtls_x509_crt *anchors, uint64_t now_s,
                             bool *ret_cacheable)
{
	struct vrfy_ctx c = {.now_s = now_s, .leaf = chain};

	if (!x509_is_command_signer(chain, now_s) || !chain_verify(chain, anchors, &c))
		return false;
	if (ret_cacheable)
		*ret_cacheable = !c.issuer_expires_first;
	return true;
}

bool x509_is_trusted_signer_chain(mbedtls_x509_crt *chain, mbedtls_x509_crt *anchors,
                                  uint64_t now_s)
{
	return x509_check_signer_chain(chain, anchors, now_s, NULL);
}
