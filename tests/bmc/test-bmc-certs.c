// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The console's certificate commands (DESIGN §6): the device certificate
 * (export, CSR, install), the internal CA and link certificate, and signed
 * trust-store updates.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <mbedtls/oid.h>
#include <mbedtls/sha256.h>
#include <mbedtls/x509_crt.h>
#include <mbedtls/x509_csr.h>
#include <pb_encode.h>

#include "audit.h"
#include "sealed.h"
#include "state.h"
#include "x509check.h"
#include "admin-fixture.h"
#include "testpki.h"

/* ---------------------------------------------------------------- certificates */

static void put_cert(int i, const unsigned char *der, size_t len)
{
	memcpy(req.cmd.cert_install.certs[i].bytes, der, len);
	req.cmd.cert_install.certs[i].size = (pb_size_t)len;
}

static void cert_export_csr_install(void **state)
{
	const struct tpki *p = tpki_get();

	/* Export is public; the factory certificate alone. */
	new_req();
	assert_int_equal(run(CMD(cert_export), NULL), AE(OK));
	assert_int_equal(rep.body.cert.certs_count, 1);
	assert_memory_equal(rep.body.cert.certs[0].bytes, p->device_crt, p->device_crt_len);
	assert_int_equal(run(CMD(cert_csr), NULL), AE(AUTH_FAILED));
	W.now_ms += 60000;
	set_password();
	assert_int_equal(run(CMD(cert_csr), PW), AE(OK));
	{
		mbedtls_x509_csr csr;

		mbedtls_x509_csr_init(&csr);
		assert_int_equal(mbedtls_x509_csr_parse_der(&csr, rep.body.cert.csr.bytes,
		                                            rep.body.cert.csr.size),
		                 0);
		assert_int_equal(csr.sig_md, MBEDTLS_MD_SHA256);
		mbedtls_x509_csr_free(&csr);
	}

	/* Refused, and nothing written: another key's certificate, a broken chain. */
	tworld_snap(&W, &snap);
	new_req();
	put_cert(0, p->devca, p->devca_len);
	req.cmd.cert_install.certs_count = 1;
	assert_int_equal(run(CMD(cert_install), PW), AE(INVALID_STATE));
	put_cert(0, p->device_crt, p->device_crt_len);
	put_cert(1, p->root, p->root_len); /* skips the device CA */
	req.cmd.cert_install.certs_count = 2;
	assert_int_equal(run(CMD(cert_install), PW), AE(INVALID_STATE));
	assert_true(tworld_is_unchanged(&W, &snap));

	/* The full chain goes in and comes back out. */
	put_cert(1, p->devca, p->devca_len);
	put_cert(2, p->root, p->root_len);
	req.cmd.cert_install.certs_count = 3;
	assert_int_equal(run(CMD(cert_install), PW), AE(OK));
	new_req();
	assert_int_equal(run(CMD(cert_export), NULL), AE(OK));
	assert_int_equal(rep.body.cert.certs_count, 3);
	assert_memory_equal(rep.body.cert.certs[2].bytes, p->root, p->root_len);
}

/* ---------------------------------------------------------------- internal CA */

static void parse_crt(mbedtls_x509_crt *crt, const unsigned char *der, size_t len)
{
	mbedtls_x509_crt_init(crt);
	assert_int_equal(mbedtls_x509_crt_parse_der(crt, der, len), 0);
}

static void internal_ca_and_link_certificate(void **state)
{
	const struct tpki *p = tpki_get();
	const uint64_t now = W.now_ms / 1000u;
	static svcport_v1_BmcState before;
	mbedtls_x509_crt ca, link, dev;
	char name[256];

	before = *st();
	assert_true(before.internal_ca_certificate.size > 0);
	assert_true(before.link_certificate.size > 0);
	parse_crt(&ca, before.internal_ca_certificate.bytes, before.internal_ca_certificate.size);
	parse_crt(&link, before.link_certificate.bytes, before.link_certificate.size);
	parse_crt(&dev, p->device_crt, p->device_crt_len);
	/* The CA: self-signed P-256/SHA-256 CA that may sign certificates. */
	assert_true(ca.ca_istrue);
	assert_int_equal(ca.max_pathlen, 1); /* mbedTLS stores pathlen + 1 */
	assert_true(ca.key_usage & MBEDTLS_X509_KU_KEY_CERT_SIGN);
	assert_true(x509_is_profile_ok(&ca));
	assert_true(x509_is_chain_to(&ca, &ca, now));
	assert_true(mbedtls_x509_dn_gets(name, sizeof(name), &ca.subject) > 0);
	assert_non_null(strstr(name, "svcport internal CA"));
	/* The link certificate: issued by it, not a CA, serverAuth, names MT-SN. */
	assert_false(link.ca_istrue);
	assert_true(x509_is_profile_ok(&link));
	assert_true(x509_is_chain_to(&link, &ca, now));
	assert_false(x509_is_chain_to(&link, &dev, now));
	assert_true(link.ext_types & MBEDTLS_X509_EXT_EXTENDED_KEY_USAGE);
	assert_int_equal(
	    mbedtls_x509_crt_check_extended_key_usage(&link, MBEDTLS_OID_SERVER_AUTH,
	                                              MBEDTLS_OID_SIZE(MBEDTLS_OID_SERVER_AUTH)),
	    0);
	assert_true(mbedtls_x509_dn_gets(name, sizeof(name), &link.subject) > 0);
	assert_non_null(strstr(name, "CN=" TPKI_MT "-" TPKI_SN));
	/* Three different keys: device, CA, link. */
	assert_int_not_equal(mbedtls_pk_check_pair(&ca.pk, (mbedtls_pk_context *)&p->device_key),
	                     0);
	assert_int_not_equal(mbedtls_pk_check_pair(&link.pk, (mbedtls_pk_context *)&p->device_key),
	                     0);
	{
		unsigned char a[65], b[65];
		size_t al = 0, bl = 0;

		mbedtls_ecp_point_write_binary(&mbedtls_pk_ec(ca.pk)->grp, &mbedtls_pk_ec(ca.pk)->Q,
		                               MBEDTLS_ECP_PF_UNCOMPRESSED, &al, a, sizeof(a));
		mbedtls_ecp_point_write_binary(&mbedtls_pk_ec(link.pk)->grp,
		                               &mbedtls_pk_ec(link.pk)->Q,
		                               MBEDTLS_ECP_PF_UNCOMPRESSED, &bl, b, sizeof(b));
		assert_memory_not_equal(a, b, 65);
	}
	mbedtls_x509_crt_free(&link);

	/* Made once: a restart keeps both. */
	tworld_reopen(&W);
	assert_memory_equal(&st()->internal_ca_certificate, &before.internal_ca_certificate,
	                    sizeof(before.internal_ca_certificate));
	assert_memory_equal(&st()->link_certificate, &before.link_certificate,
	                    sizeof(before.link_certificate));

	/* Export: no password, each set as asked; an unknown one refused. */
	new_req();
	req.cmd.cert_export.which = svcport_admin_v1_CertWhich_CERT_INTERNAL_CA;
	assert_int_equal(run(CMD(cert_export), NULL), AE(OK));
	assert_int_equal(rep.body.cert.certs_count, 1);
	assert_memory_equal(rep.body.cert.certs[0].bytes, before.internal_ca_certificate.bytes,
	                    before.internal_ca_certificate.size);
	req.cmd.cert_export.which = svcport_admin_v1_CertWhich_CERT_LINK;
	assert_int_equal(run(CMD(cert_export), NULL), AE(OK));
	assert_int_equal(rep.body.cert.certs_count, 2);
	assert_memory_equal(rep.body.cert.certs[0].bytes, before.link_certificate.bytes,
	                    before.link_certificate.size);
	assert_memory_equal(rep.body.cert.certs[1].bytes, before.internal_ca_certificate.bytes,
	                    before.internal_ca_certificate.size);
	req.cmd.cert_export.which = svcport_admin_v1_CertWhich_CERT_DEVICE;
	assert_int_equal(run(CMD(cert_export), NULL), AE(OK));
	assert_memory_equal(rep.body.cert.certs[0].bytes, p->device_crt, p->device_crt_len);
	req.cmd.cert_export.which = (svcport_admin_v1_CertWhich)7;
	tworld_snap(&W, &snap);
	assert_int_equal(run(CMD(cert_export), NULL), AE(BAD_REQUEST));
	assert_true(tworld_is_unchanged(&W, &snap));

	/* A key update issues the link certificate again under the same CA. */
	{
		static svcport_v1_CommandBody body;
		unsigned char h[32];
		struct se *se = NULL;

		assert_int_equal(se_open(W.state, &W.env, &se), 0);
		se_key_sha256(se, h);
		se_close(se);
		tworld_body(&W, &body, svcport_v1_CommandBody_claim_tag,
		            svcport_v1_Role_ROLE_ORG_ADMIN, TPKI_ORG);
		assert_int_equal(tworld_do(&W, &body), svcport_v1_ErrorCode_ERROR_NONE);
		tworld_body(&W, &body, svcport_v1_CommandBody_device_key_update_tag,
		            svcport_v1_Role_ROLE_MAINTENANCE, TPKI_ORG);
		body.action.device_key_update.new_key_sha256.size = 32;
		memcpy(body.action.device_key_update.new_key_sha256.bytes, h, 32);
		strcpy(body.action.device_key_update.owner_org, TPKI_ORG);
		body.action.device_key_update.control_mode =
		    svcport_v1_ControlMode_CONTROL_PORTAL_MANAGED;
		assert_int_equal(tworld_do(&W, &body), svcport_v1_ErrorCode_ERROR_NONE);
	}
	assert_memory_equal(&st()->internal_ca_certificate, &before.internal_ca_certificate,
	                    sizeof(before.internal_ca_certificate));
	assert_memory_not_equal(&st()->link_certificate, &before.link_certificate,
	                        sizeof(before.link_certificate));
	parse_crt(&link, st()->link_certificate.bytes, st()->link_certificate.size);
	assert_true(x509_is_chain_to(&link, &ca, now));
	mbedtls_x509_crt_free(&link);
	mbedtls_x509_crt_free(&ca);
	mbedtls_x509_crt_free(&dev);
}

/* ---------------------------------------------------------------- trust update */

static svcport_admin_v1_TrustUpdateBody tbody;

static void tbody_new(uint64_t sequence)
{
	tbody = (svcport_admin_v1_TrustUpdateBody)svcport_admin_v1_TrustUpdateBody_init_zero;
	tbody.version = 1;
	tbody.sequence = sequence;
}

static void tbody_add(const unsigned char *der, size_t len)
{
	memcpy(tbody.anchors[tbody.anchors_count].bytes, der, len);
	tbody.anchors[tbody.anchors_count++].size = (pb_size_t)len;
}

/* req := trust update of tbody signed by key. */
static void trust_req(mbedtls_pk_context *key)
{
	new_req();
	tworld_trust_update(&tbody, key, &req.cmd.trust_update);
}

static void expect_trust_refused(mbedtls_pk_context *key, svcport_admin_v1_AdminError e,
                                 const char *pw)
{
	trust_req(key);
	tworld_snap(&W, &snap);
	assert_int_equal(run(CMD(trust_update), pw), e);
	assert_true(tworld_is_unchanged(&W, &snap));
}

static size_t make_root(const char *subject, mbedtls_pk_context *key, const char *not_after,
                        unsigned char *der)
{
	int n = tpki_cert_der(&(struct tpki_cert){.subject = subject,
	                                          .key = key,
	                                          .issuer_key = key,
	                                          .ca = true,
	                                          .key_usage = MBEDTLS_X509_KU_KEY_CERT_SIGN,
	                                          .not_after = not_after},
	                      der, 1024);

	assert_true(n > 0);
	return (size_t)n;
}

static svcport_v1_ErrorCode portal_claim(void)
{
	static svcport_v1_CommandBody body;

	tworld_body(&W, &body, svcport_v1_CommandBody_claim_tag, svcport_v1_Role_ROLE_ORG_ADMIN,
	            TPKI_ORG);
	return tworld_do(&W, &body);
}

static void trust_update_needs_a_pinned_root(void **state)
{
	const struct tpki *p = tpki_get();
	mbedtls_pk_context *root = (mbedtls_pk_context *)&p->root_key;
	mbedtls_pk_context *nroot = (mbedtls_pk_context *)&p->other_root_key;
	static unsigned char nder[1024], bad[1024], p384[1024], old[1024];
	size_t nlen, plen, olen;

	set_password();
	assert_int_equal(portal_claim(), svcport_v1_ErrorCode_ERROR_NONE);
	assert_int_equal(st()->signer_cache_count, 1);
	nlen = make_root("CN=svcport test new root", nroot, NULL, nder);

	/* Not signed by a pinned root: another key, the command signer (chains to the
	 * root, is not one), a flipped bit of body or signature. */
	tbody_new(1);
	tbody_add(nder, nlen);
	expect_trust_refused(nroot, AE(BAD_SIGNATURE), PW);
	expect_trust_refused((mbedtls_pk_context *)&p->signer_key, AE(BAD_SIGNATURE), PW);
	trust_req(root);
	req.cmd.trust_update.body.bytes[10] ^= 0x10;
	tworld_snap(&W, &snap);
	assert_int_equal(run(CMD(trust_update), PW), AE(BAD_SIGNATURE));
	trust_req(root);
	req.cmd.trust_update.signature.bytes[req.cmd.trust_update.signature.size - 1] ^= 1;
	assert_int_equal(run(CMD(trust_update), PW), AE(BAD_SIGNATURE));
	req.cmd.trust_update.signature.size = 0;
	assert_int_equal(run(CMD(trust_update), PW), AE(BAD_SIGNATURE));
	assert_true(tworld_is_unchanged(&W, &snap));
	/* Without the administrator password nothing is looked at. */
	expect_trust_refused(root, AE(AUTH_FAILED), "wrong password");
	W.now_ms += 60000;

	/* Signed by the root, but wrong inside. */
	{
		svcport_admin_v1_TrustUpdate *u = &req.cmd.trust_update;
		unsigned char h[32];
		size_t sig_len = 0;

		new_req();
		memset(u->body.bytes, 0xff, 16);
		u->body.size = 16;
		mbedtls_sha256_ret(u->body.bytes, 16, h, 0);
		assert_int_equal(mbedtls_pk_sign(root, MBEDTLS_MD_SHA256, h, 32, u->signature.bytes,
		                                 &sig_len, tpki_rng, NULL),
		                 0);
		u->signature.size = (pb_size_t)sig_len;
		tworld_snap(&W, &snap);
		assert_int_equal(run(CMD(trust_update), PW), AE(BAD_REQUEST));
		assert_true(tworld_is_unchanged(&W, &snap));
	}
	tbody.version = 2;
	expect_trust_refused(root, AE(INVALID_STATE), PW);
	tbody_new(0); /* not newer than the factory set (sequence 0) */
	tbody_add(nder, nlen);
	expect_trust_refused(root, AE(INVALID_STATE), PW);
	tbody_new(1); /* no anchor */
	expect_trust_refused(root, AE(INVALID_STATE), PW);
	tbody_add(p->signer, p->signer_len); /* not a CA */
	expect_trust_refused(root, AE(INVALID_STATE), PW);
	tbody_new(1);
	tbody_add(p->devca, p->devca_len); /* a CA, but not self-signed */
	expect_trust_refused(root, AE(INVALID_STATE), PW);
	tbody_new(1);
	plen =
	    make_root("CN=svcport test p384 root", (mbedtls_pk_context *)&p->p384_key, NULL, p384);
	tbody_add(p384, plen);
	expect_trust_refused(root, AE(INVALID_STATE), PW);
	tbody_new(1);
	olen = make_root("CN=svcport test old root", nroot, "20261231000000", old);
	tbody_add(old, olen); /* expired at the BMC clock */
	expect_trust_refused(root, AE(INVALID_STATE), PW);
	tbody_new(1);
	memcpy(bad, nder, nlen);
	bad[nlen - 3] ^= 0x01; /* its self-signature broken */
	tbody_add(bad, nlen);
	expect_trust_refused(root, AE(INVALID_STATE), PW);
	tbody_new(1);
	tbody_add(nder, nlen);
	tbody_add(bad, nlen); /* one bad anchor spoils the set */
	expect_trust_refused(root, AE(INVALID_STATE), PW);

	/* Good: the new root next to the old one, signed by the old. */
	tbody_new(1);
	tbody_add(nder, nlen);
	tbody_add(p->root, p->root_len);
	trust_req(root);
	assert_int_equal(run(CMD(trust_update), PW), AE(OK));
	assert_int_equal(st()->trust_sequence, 1);
	assert_int_equal(st()->trust_anchors_count, 2);
	assert_int_equal(st()->signer_cache_count, 0); /* cached signers must chain again */
	/* The same update again: a replay. */
	expect_trust_refused(root, AE(INVALID_STATE), PW);
	tworld_reopen(&W);
	assert_int_equal(portal_claim(), svcport_v1_ErrorCode_ERROR_NONE);

	/* The new root alone, signed by the new root (pinned now): the old root's
	 * command signer is no longer trusted, also after a restart. */
	tbody_new(7);
	tbody_add(nder, nlen);
	trust_req(nroot);
	assert_int_equal(run(CMD(trust_update), PW), AE(OK));
	assert_int_equal(portal_claim(), svcport_v1_ErrorCode_UNTRUSTED_SIGNER);
	tworld_reopen(&W);
	assert_int_equal(portal_claim(), svcport_v1_ErrorCode_UNTRUSTED_SIGNER);
	/* The old root signs no more. */
	tbody_new(8);
	tbody_add(p->root, p->root_len);
	expect_trust_refused(root, AE(BAD_SIGNATURE), PW);
	assert_int_equal(st()->trust_sequence, 7);
	new_req();
	assert_int_equal(run(CMD(audit_verify), PW), AE(OK));
	assert_true(rep.body.audit_verify.ok);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(cert_export_csr_install, setup_bmc, teardown),
	    cmocka_unit_test_setup_teardown(internal_ca_and_link_certificate, setup_portal,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(trust_update_needs_a_pinned_root, setup_bmc, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
