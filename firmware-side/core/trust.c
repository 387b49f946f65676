// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Signed trust-store updates (DESIGN §6): a new set of pinned portal roots is
 * accepted only when the key of a currently pinned root signed it and its
 * sequence is newer than the last one applied (docs/bmc.md).
 */
#include <errno.h>
#include <string.h>

#include <mbedtls/oid.h>
#include <mbedtls/sha256.h>
#include <mbedtls/x509_crt.h>
#include <pb_decode.h>

#include "board.h"
#include "trust.h"
#include "x509check.h"

#define TRUST_UPDATE_VERSION 1

_Static_assert(sizeof(((svcport_admin_v1_TrustUpdateBody *)0)->anchors) ==
                   sizeof(((svcport_v1_BmcState *)0)->trust_anchors),
               "an update's anchors fit the state record");

/* True if the key of one of the pinned roots signed body. */
static bool is_signed_by_anchor(struct bmc *b, const svcport_admin_v1_TrustUpdate *u)
{
	unsigned char hash[32];

	mbedtls_sha256_ret(u->body.bytes, u->body.size, hash, 0);
	for (mbedtls_x509_crt *c = se_trust_anchors(b->se); c && c->raw.len; c = c->next)
		if (mbedtls_pk_verify(&c->pk, MBEDTLS_MD_SHA256, hash, sizeof(hash),
		                      u->signature.bytes, u->signature.size) == 0)
			return true;
	return false;
}

/* mbedTLS does not check the signature of a root that is its own trusted parent: do. */
static bool is_self_signed(const mbedtls_x509_crt *crt)
{
	unsigned char hash[32];

	if (crt->subject_raw.len != crt->issuer_raw.len ||
	    memcmp(crt->subject_raw.p, crt->issuer_raw.p, crt->issuer_raw.len) != 0)
		return false;
	mbedtls_sha256_ret(crt->tbs.p, crt->tbs.len, hash, 0);
	return mbedtls_pk_verify((mbedtls_pk_context *)&crt->pk, MBEDTLS_MD_SHA256, hash,
	                         sizeof(hash), crt->sig.p, crt->sig.len) == 0;
}

/* A root the BMC may pin: self-signed P-256/SHA-256 CA, valid now, may sign certificates. */
static const char *check_anchor(const unsigned char *der, size_t len, uint64_t now)
{
	mbedtls_x509_crt crt;
	const char *why = NULL;

	mbedtls_x509_crt_init(&crt);
	if (mbedtls_x509_crt_parse_der(&crt, der, len) != 0)
		why = "an anchor does not parse";
	else if (!crt.ca_istrue || !x509_is_profile_ok(&crt))
		why = "an anchor is not a P-256/SHA-256 CA";
	else if ((crt.ext_types & MBEDTLS_X509_EXT_KEY_USAGE) &&
	         !(crt.key_usage & MBEDTLS_X509_KU_KEY_CERT_SIGN))
		why = "an anchor may not sign certificates";
	else if (!is_self_signed(&crt) || !x509_is_chain_to(&crt, &crt, now))
		why = "an anchor is not self-signed or not valid now";
	mbedtls_x509_crt_free(&crt);
	return why;
}

static const char *check_update(struct bmc *b, const svcport_v1_BmcState *next,
                                const svcport_admin_v1_TrustUpdateBody *body)
{
	const char *why;

	if (body->version != TRUST_UPDATE_VERSION)
		return "trust update: unsupported version";
	if (body->sequence <= next->trust_sequence)
		return "trust update: not newer than the trust store (replayed or rolled back)";
	if (body->anchors_count == 0)
		return "trust update: no anchor";
	for (pb_size_t i = 0; i < body->anchors_count; i++) {
		why = check_anchor(body->anchors[i].bytes, body->anchors[i].size, bmc_now_s(b));
		if (why)
			return why;
	}
	return NULL;
}

static int anchors_load(struct bmc *b, const svcport_v1_BmcState *st)
{
	const unsigned char *der[sizeof(st->trust_anchors) / sizeof(st->trust_anchors[0])];
	size_t len[sizeof(der) / sizeof(der[0])];

	for (pb_size_t i = 0; i < st->trust_anchors_count; i++) {
		der[i] = st->trust_anchors[i].bytes;
		len[i] = st->trust_anchors[i].size;
	}
	return se_trust_anchors_set(b->se, der, len, st->trust_anchors_count);
}

int bmc_trust_pin(struct bmc *b)
{
	return b->st.trust_anchors_count ? anchors_load(b, &b->st) : 0;
}

int bmc_trust_update_apply(struct bmc *b, const svcport_admin_v1_TrustUpdate *u,
                           svcport_v1_BmcState *next, const char **ret_why)
{
	static svcport_admin_v1_TrustUpdateBody body;
	pb_istream_t is;
	const char *why;

	/* The signature first: nothing of an unsigned body is looked at. */
	if (!is_signed_by_anchor(b, u)) {
		*ret_why = "trust update: not signed by a pinned root's key";
		return -EPERM;
	}
	body = (svcport_admin_v1_TrustUpdateBody)svcport_admin_v1_TrustUpdateBody_init_zero;
	is = pb_istream_from_buffer(u->body.bytes, u->body.size);
	if (!pb_decode(&is, svcport_admin_v1_TrustUpdateBody_fields, &body)) {
		*ret_why = "trust update: body does not decode";
		return -EBADMSG;
	}
	why = check_update(b, next, &body);
	if (why) {
		*ret_why = why;
		return -EINVAL;
	}
	next->trust_anchors_count = body.anchors_count;
	memcpy(next->trust_anchors, body.anchors, sizeof(next->trust_anchors));
	next->trust_sequence = body.sequence;
	/* Cached signers were verified against the old roots: each must chain again. */
	next->signer_cache_count = 0;
	return 0;
}
