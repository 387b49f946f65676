// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The console's certificate commands (DESIGN §6): export the device
 * certificate and its issuers, make a CSR for the device key for an external
 * CA, and install the externally signed chain that comes back.
 */
#include <stdio.h>
#include <string.h>

#include <mbedtls/ecp.h>
#include <mbedtls/x509_crt.h>

#include "bmc-internal.h"
#include "x509check.h"

#define AE(x) svcport_admin_v1_AdminError_ADMIN_##x

/* The certificate byte arrays of the two schemas are copied into each other. */
_Static_assert(sizeof(((svcport_admin_v1_CertReply *)0)->certs[0]) ==
                   sizeof(((svcport_v1_BmcState *)0)->device_certificate),
               "same certificate bound");
_Static_assert(sizeof(((svcport_admin_v1_CertReply *)0)->certs[0]) ==
                       sizeof(((svcport_v1_BmcState *)0)->internal_ca_certificate) &&
                   sizeof(((svcport_admin_v1_CertReply *)0)->certs[0]) ==
                       sizeof(((svcport_v1_BmcState *)0)->link_certificate),
               "same certificate bound");
_Static_assert(sizeof(((svcport_v1_BmcState *)0)->device_chain[0]) ==
                   sizeof(((svcport_v1_BmcState *)0)->device_certificate),
               "same certificate bound");
_Static_assert(sizeof(((svcport_admin_v1_CertInstall *)0)->certs) /
                       sizeof(((svcport_admin_v1_CertInstall *)0)->certs[0]) ==
                   1 + sizeof(((svcport_v1_BmcState *)0)->device_chain) /
                           sizeof(((svcport_v1_BmcState *)0)->device_chain[0]),
               "an installed chain fits the state");

static bool is_device_key(struct bmc *b, const mbedtls_x509_crt *crt)
{
	unsigned char pub[SE_PUBKEY_LEN], cert_pub[SE_PUBKEY_LEN];
	size_t olen = 0;

	se_public_key(b->se, pub);
	return mbedtls_pk_get_type(&crt->pk) == MBEDTLS_PK_ECKEY &&
	       mbedtls_ecp_point_write_binary(
	           &mbedtls_pk_ec(crt->pk)->grp, &mbedtls_pk_ec(crt->pk)->Q,
	           MBEDTLS_ECP_PF_UNCOMPRESSED, &olen, cert_pub, sizeof(cert_pub)) == 0 &&
	       olen == SE_PUBKEY_LEN && memcmp(pub, cert_pub, SE_PUBKEY_LEN) == 0;
}

/* The checks of an installed chain; NULL if it is acceptable, else why not. */
static const char *check_install(struct bmc *b, const svcport_admin_v1_CertInstall *in)
{
	const uint64_t now = bmc_now_s(b);
	mbedtls_x509_crt leaf, top;
	const char *why = NULL;

	mbedtls_x509_crt_init(&leaf);
	mbedtls_x509_crt_init(&top);
	if (in->certs_count == 0) {
		why = "no certificate";
		goto out;
	}
	/* The issuers (all but the last) go with the leaf; the last one anchors. */
	for (pb_size_t i = 0; i + 1 < in->certs_count || i == 0; i++)
		if (mbedtls_x509_crt_parse_der(&leaf, in->certs[i].bytes, in->certs[i].size) != 0) {
			why = "a certificate does not parse";
			goto out;
		}
	if (!is_device_key(b, &leaf)) {
		why = "the first certificate is not for the device key";
		goto out;
	}
	if (leaf.ca_istrue || !x509_is_profile_ok(&leaf) || !x509_is_valid_at(&leaf, now)) {
		why = "device certificate: CA, not P-256/SHA-256, or not valid now";
		goto out;
	}
	if (in->certs_count > 1) {
		const pb_size_t last = in->certs_count - 1;

		if (mbedtls_x509_crt_parse_der(&top, in->certs[last].bytes, in->certs[last].size) !=
		    0) {
			why = "a certificate does not parse";
			goto out;
		}
		if (!x509_is_chain_to(&leaf, &top, now)) {
			why = "the certificates do not form a valid chain";
			goto out;
		}
	}
out:
	mbedtls_x509_crt_free(&top);
	mbedtls_x509_crt_free(&leaf);
	return why;
}

void bmc_admin_cert(struct bmc *b, const svcport_admin_v1_AdminRequest *req,
                    svcport_admin_v1_AdminReply *r, svcport_v1_BmcState *next,
                    struct bmc_outcome *o)
{
	svcport_admin_v1_CertReply *c = &r->body.cert;
	const char *why;
	char subject[128];
	int n;

	switch (req->which_cmd) {
	case svcport_admin_v1_AdminRequest_cert_export_tag:
		/* Public material: no password. */
		o->request = "admin cert export";
		if (req->cmd.cert_export.which == svcport_admin_v1_CertWhich_CERT_INTERNAL_CA ||
		    req->cmd.cert_export.which == svcport_admin_v1_CertWhich_CERT_LINK) {
			const bool link =
			    req->cmd.cert_export.which == svcport_admin_v1_CertWhich_CERT_LINK;

			if (next->internal_ca_certificate.size == 0 ||
			    next->link_certificate.size == 0) {
				bmc_admin_reply_error(r, AE(INVALID_STATE), "no internal CA");
				return;
			}
			r->which_body = svcport_admin_v1_AdminReply_cert_tag;
			c->certs_count = 0;
			if (link)
				memcpy(&c->certs[c->certs_count++], &next->link_certificate,
				       sizeof(c->certs[0]));
			memcpy(&c->certs[c->certs_count++], &next->internal_ca_certificate,
			       sizeof(c->certs[0]));
			return;
		}
		if (req->cmd.cert_export.which != svcport_admin_v1_CertWhich_CERT_DEVICE) {
			bmc_admin_reply_error(r, AE(BAD_REQUEST), "unknown certificate");
			return;
		}
		if (next->device_certificate.size == 0) {
			bmc_admin_reply_error(r, AE(INVALID_STATE), "no device certificate");
			return;
		}
		r->which_body = svcport_admin_v1_AdminReply_cert_tag;
		memcpy(&c->certs[0], &next->device_certificate, sizeof(c->certs[0]));
		for (pb_size_t i = 0; i < next->device_chain_count; i++)
			memcpy(&c->certs[i + 1], &next->device_chain[i], sizeof(c->certs[0]));
		c->certs_count = (pb_size_t)(1 + next->device_chain_count);
		return;
	case svcport_admin_v1_AdminRequest_cert_csr_tag:
		o->request = "admin cert csr";
		if (!bmc_admin_auth(b, req, r, false))
			return;
		if (!next->has_identity) {
			bmc_admin_reply_error(r, AE(INVALID_STATE), "no identity to name in a CSR");
			return;
		}
		snprintf(subject, sizeof(subject), "CN=%s-%s,serialNumber=%s-%s",
		         next->device.machine_type, next->device.serial_number,
		         next->device.machine_type, next->device.serial_number);
		n = se_write_csr(b->se, subject, c->csr.bytes, sizeof(c->csr.bytes), &b->env);
		if (n < 0) {
			bmc_admin_reply_error(r, AE(INTERNAL), "the CSR could not be made");
			return;
		}
		r->which_body = svcport_admin_v1_AdminReply_cert_tag;
		c->csr.size = (pb_size_t)n;
		return;
	case svcport_admin_v1_AdminRequest_cert_install_tag:
		o->request = "admin cert install";
		if (!bmc_admin_auth(b, req, r, false))
			return;
		why = check_install(b, &req->cmd.cert_install);
		if (why) {
			bmc_admin_reply_error(r, AE(INVALID_STATE), why);
			return;
		}
		memcpy(&next->device_certificate, &req->cmd.cert_install.certs[0],
		       sizeof(next->device_certificate));
		next->device_chain_count = (pb_size_t)(req->cmd.cert_install.certs_count - 1);
		for (pb_size_t i = 0; i < next->device_chain_count; i++)
			memcpy(&next->device_chain[i], &req->cmd.cert_install.certs[i + 1],
			       sizeof(next->device_chain[0]));
		bmc_admin_commit(b, next, "cert-install", NULL, r);
		return;
	default:
		bmc_admin_reply_error(r, AE(BAD_REQUEST), "unknown command");
		return;
	}
}
