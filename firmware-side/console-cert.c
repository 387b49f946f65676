// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The console's certificate commands (DESIGN §6): export the device
 * certificate and its issuers, make a CSR for the device key for an external
 * CA, and install the externally signed chain that comes back; and the
 * signed update of the pinned portal roots.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <mbedtls/ecp.h>
#include <mbedtls/x509_crt.h>

#include "console-cmd.h"
#include "devcerts.h"
#include "trust.h"
#include "x509check.h"

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
	if (!devcerts_is_device_key(b->se, &leaf)) {
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

CONSOLE_HANDLER(console_cert_export)
{
	const svcport_admin_v1_CertWhich which = req->cmd.cert_export.which;
	svcport_admin_v1_CertReply *c = &r->body.cert;

	/* Public material, sent to every TLS client anyway: no password and no audit
	 * record (the dispatch table says so; docs/certs.md "Download"). */
	if (which == svcport_admin_v1_CertWhich_CERT_INTERNAL_CA ||
	    which == svcport_admin_v1_CertWhich_CERT_LINK) {
		if (next->internal_ca_certificate.size == 0 || next->link_certificate.size == 0)
			return console_fail(r, AE(INVALID_STATE), "no internal CA");
		r->which_body = svcport_admin_v1_AdminReply_cert_tag;
		c->certs_count = 0;
		if (which == svcport_admin_v1_CertWhich_CERT_LINK) {
			memcpy(&c->certs[c->certs_count++], &next->link_certificate,
			       sizeof(c->certs[0]));
			/* The link chain: the installed external issuers, else the internal CA. */
			for (pb_size_t i = 0; i < next->link_chain_count; i++)
				memcpy(&c->certs[c->certs_count++], &next->link_chain[i],
				       sizeof(c->certs[0]));
			if (next->link_chain_count)
				return AE(OK);
		}
		memcpy(&c->certs[c->certs_count++], &next->internal_ca_certificate,
		       sizeof(c->certs[0]));
		return AE(OK);
	}
	if (which != svcport_admin_v1_CertWhich_CERT_DEVICE)
		return console_fail(r, AE(BAD_REQUEST), "unknown certificate");
	if (next->device_certificate.size == 0)
		return console_fail(r, AE(INVALID_STATE), "no device certificate");
	r->which_body = svcport_admin_v1_AdminReply_cert_tag;
	memcpy(&c->certs[0], &next->device_certificate, sizeof(c->certs[0]));
	for (pb_size_t i = 0; i < next->device_chain_count; i++)
		memcpy(&c->certs[i + 1], &next->device_chain[i], sizeof(c->certs[0]));
	c->certs_count = (pb_size_t)(1 + next->device_chain_count);
	return AE(OK);
}

CONSOLE_HANDLER(console_cert_csr)
{
	svcport_admin_v1_CertReply *c = &r->body.cert;
	char subject[128];
	int n;

	if (req->cmd.cert_csr.which == svcport_admin_v1_CertWhich_CERT_LINK)
		return console_link_csr(b, r, next, step);
	if (req->cmd.cert_csr.which != svcport_admin_v1_CertWhich_CERT_DEVICE)
		return console_fail(r, AE(BAD_REQUEST), "a CSR for the device or the link key");
	if (!next->has_identity)
		return console_fail(r, AE(INVALID_STATE), "no identity to name in a CSR");
	snprintf(subject, sizeof(subject), "CN=%s-%s,serialNumber=%s-%s", next->device.machine_type,
	         next->device.serial_number, next->device.machine_type, next->device.serial_number);
	n = se_write_csr(b->se, subject, c->csr.bytes, sizeof(c->csr.bytes), &b->env);
	if (n < 0)
		return console_fail(r, AE(INTERNAL), "the CSR could not be made");
	r->which_body = svcport_admin_v1_AdminReply_cert_tag;
	c->csr.size = (pb_size_t)n;
	return AE(OK);
}

CONSOLE_HANDLER(console_cert_install)
{
	const svcport_admin_v1_CertInstall *in = &req->cmd.cert_install;
	const char *why;

	if (in->which == svcport_admin_v1_CertWhich_CERT_LINK)
		return console_link_install(b, in, r, next, step);
	why = in->which == svcport_admin_v1_CertWhich_CERT_DEVICE
	          ? check_install(b, in)
	          : "the device or the link certificate only";
	if (why)
		return console_fail(r, AE(INVALID_STATE), why);
	memcpy(&next->device_certificate, &in->certs[0], sizeof(next->device_certificate));
	next->device_chain_count = (pb_size_t)(in->certs_count - 1);
	for (pb_size_t i = 0; i < next->device_chain_count; i++)
		memcpy(&next->device_chain[i], &in->certs[i + 1], sizeof(next->device_chain[0]));
	step->event = "cert-install";
	return AE(OK);
}

CONSOLE_HANDLER(console_trust_update)
{
	const char *why;
	int ret = bmc_trust_update_apply(b, &req->cmd.trust_update, next, &why);

	if (ret == -EPERM)
		return console_fail(r, AE(BAD_SIGNATURE), why);
	if (ret == -EBADMSG)
		return console_fail(r, AE(BAD_REQUEST), why);
	if (ret < 0)
		return console_fail(r, AE(INVALID_STATE), why);
	step->event = "trust-update";
	snprintf(step->detail, sizeof(step->detail), "sequence=%llu anchors=%u",
	         (unsigned long long)next->trust_sequence, (unsigned)next->trust_anchors_count);
	/* Committed: the SE pins the new set (it parsed above, so this holds). */
	step->after_commit = bmc_trust_pin;
	return AE(OK);
}
