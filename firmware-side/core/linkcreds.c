// SPDX-License-Identifier: GPL-2.0-or-later
/* The link credentials, the management addresses, the keys' upgrade (linkcreds.h). */
#include "linkcreds.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <mbedtls/pem.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>

#include "board.h"
#include "devcerts.h"

#define PEM_CRT_BEGIN "-----BEGIN CERTIFICATE-----\n"
#define PEM_CRT_END   "-----END CERTIFICATE-----\n"

void bmc_link_digest(const struct bmc *b, unsigned char out[32])
{
	const svcport_v1_BmcState *st = &b->st;
	mbedtls_sha256_context h;

	mbedtls_sha256_init(&h);
	mbedtls_sha256_starts_ret(&h, 0);
	mbedtls_sha256_update_ret(&h, st->link_certificate.bytes, st->link_certificate.size);
	for (pb_size_t i = 0; i < st->link_chain_count; i++)
		mbedtls_sha256_update_ret(&h, st->link_chain[i].bytes, st->link_chain[i].size);
	mbedtls_sha256_update_ret(&h, st->internal_ca_certificate.bytes,
	                          st->internal_ca_certificate.size);
	mbedtls_sha256_update_ret(&h, st->link_internal_certificate.bytes,
	                          st->link_internal_certificate.size);
	mbedtls_sha256_update_ret(&h, st->link_key_sealed.bytes, st->link_key_sealed.size);
	/* The identity is in the statement: length-prefixed by the NULs. */
	mbedtls_sha256_update_ret(&h, (const unsigned char *)st->device.machine_type,
	                          strlen(st->device.machine_type) + 1);
	mbedtls_sha256_update_ret(&h, (const unsigned char *)st->device.serial_number,
	                          strlen(st->device.serial_number) + 1);
	mbedtls_sha256_finish_ret(&h, out);
	mbedtls_sha256_free(&h);
}

/* One DER certificate appended to a PEM buffer (pem, cap, *len). 0 or -ENOSPC. */
static int chain_add(char *pem, size_t cap, size_t *len, const unsigned char *der, size_t der_len)
{
	size_t olen = 0;

	if (mbedtls_pem_write_buffer(PEM_CRT_BEGIN, PEM_CRT_END, der, der_len,
	                             (unsigned char *)pem + *len, cap - *len, &olen) != 0 ||
	    olen == 0)
		return -ENOSPC;
	*len += olen - 1; /* olen counts the NUL */
	return 0;
}
#define CHAIN_ADD(c, f, der)                                                                       \
	chain_add((c)->f##_pem, sizeof((c)->f##_pem), &(c)->f##_len, (der).bytes, (der).size)

/*
 * chain: the link certificate, then its issuers; internal_chain: the internal
 * CA's certificate for the link key (with an external chain installed, the one
 * kept for the portal link; otherwise the link certificate), then the internal CA.
 */
static int chain_fill(const svcport_v1_BmcState *st, struct bmc_link_creds *c)
{
	int ret = CHAIN_ADD(c, chain, st->link_certificate);

	for (pb_size_t i = 0; ret == 0 && i < st->link_chain_count; i++)
		ret = CHAIN_ADD(c, chain, st->link_chain[i]);
	if (ret == 0 && st->link_chain_count == 0)
		ret = CHAIN_ADD(c, chain, st->internal_ca_certificate);
	if (ret == 0 && st->link_chain_count && st->link_internal_certificate.size == 0)
		ret = -ENOENT; /* bmc_link_keys_ensure() issues it at start */
	if (ret == 0 && st->link_chain_count)
		ret = CHAIN_ADD(c, internal_chain, st->link_internal_certificate);
	else if (ret == 0)
		ret = CHAIN_ADD(c, internal_chain, st->link_certificate);
	if (ret == 0)
		ret = CHAIN_ADD(c, internal_chain, st->internal_ca_certificate);
	return ret;
}

int bmc_link_credentials(struct bmc *b, struct bmc_link_creds *c)
{
	mbedtls_pk_context key;
	int ret;

	memset(c, 0, sizeof(*c));
	if (b->st.link_certificate.size == 0 || b->st.internal_ca_certificate.size == 0)
		return -ENOENT;
	mbedtls_pk_init(&key);
	ret = devcerts_key_load(b->se, &b->st, SEALED_KEY_LINK, &key, &b->env);
	if (ret == 0 &&
	    mbedtls_pk_write_key_pem(&key, (unsigned char *)c->key_pem, sizeof(c->key_pem)) != 0)
		ret = -ENOSPC;
	mbedtls_pk_free(&key);
	c->key_len = strnlen(c->key_pem, sizeof(c->key_pem));
	if (ret == 0)
		ret = chain_fill(&b->st, c);
	if (ret == 0)
		ret = devcerts_ca_statement(b->se, &b->st, c->statement, sizeof(c->statement),
		                            &c->statement_len, &b->env);
	if (ret < 0)
		mbedtls_platform_zeroize(c, sizeof(*c));
	return ret;
}

/* Commits next under event with detail. 0 or -errno. */
static int link_commit(struct bmc *b, svcport_v1_BmcState *next, const char *event,
                       const char *detail)
{
	const struct audit_entry e = {.time = bmc_now_s(b),
	                              .event = event,
	                              .detail = detail,
	                              .result = svcport_v1_ErrorCode_ERROR_NONE};

	return bmc_commit(b, next, &e, NULL);
}

int bmc_link_addresses_set(struct bmc *b, const unsigned char *san, size_t len, const char *what,
                           bool *ret_changed)
{
	static svcport_v1_BmcState next;
	char detail[96];
	int ret;

	*ret_changed = false;
	if (len > LINKCREDS_SAN_MAX)
		return -EINVAL;
	if (len == b->st.link_subject_alt_names.size &&
	    memcmp(san, b->st.link_subject_alt_names.bytes, len) == 0)
		return 0;
	next = b->st;
	memcpy(next.link_subject_alt_names.bytes, san, len);
	next.link_subject_alt_names.size = (pb_size_t)len;
	/* An installed external chain stays: the administrator chose it (docs/certs.md). */
	/* The internal certificate the portal link presents names them all the same. */
	ret = next.link_chain_count ? devcerts_issue_internal(b->se, &next, bmc_now_s(b), &b->env)
	                            : devcerts_issue(b->se, &next, 0, bmc_now_s(b), &b->env);
	snprintf(detail, sizeof(detail), "%s%s",
	         next.link_chain_count ? "external chain kept: " : "",
	         what && what[0] ? what : "none");
	if (ret == 0)
		ret = link_commit(b, &next, "link-addresses", detail);
	if (ret == 0)
		*ret_changed = true;
	mbedtls_platform_zeroize(&next, sizeof(next));
	return ret;
}

/* An external chain installed before the portal link had its own certificate. */
static int internal_ensure(struct bmc *b)
{
	static svcport_v1_BmcState next;
	int ret;

	if (b->st.link_chain_count == 0 || b->st.link_internal_certificate.size)
		return 0;
	next = b->st;
	ret = devcerts_issue_internal(b->se, &next, bmc_now_s(b), &b->env);
	if (ret == 0)
		ret = link_commit(b, &next, "link-cert-regenerate",
		                  "internal certificate for the portal link; external chain kept");
	mbedtls_platform_zeroize(&next, sizeof(next));
	return ret;
}

int bmc_link_keys_ensure(struct bmc *b)
{
	static svcport_v1_BmcState next;
	int ret;

	next = b->st;
	if (sealed_has_key(&b->st, SEALED_KEY_LINK) &&
	    sealed_has_key(&b->st, SEALED_KEY_INTERNAL_CA)) {
		ret = devcerts_sigalg_repair(b->se, &next, &b->env);
		if (ret > 0)
			ret = link_commit(b, &next, "link-cert-regenerate",
			                  "signature algorithm as RFC 5758 (docs/certs.md)");
		mbedtls_platform_zeroize(&next, sizeof(next));
		return ret < 0 ? ret : internal_ensure(b);
	}
	ret = devcerts_issue(b->se, &next, DEVCERTS_NEW_CA | DEVCERTS_NEW_LINK_KEY, bmc_now_s(b),
	                     &b->env);
	if (ret == 0)
		ret = link_commit(b, &next, "link-cert-regenerate",
		                  "keys moved out of the secure element (docs/certs.md)");
	mbedtls_platform_zeroize(&next, sizeof(next));
	return ret;
}
