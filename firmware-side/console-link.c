// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The console's commands for the link certificate and the internal CA
 * (docs/certs.md, issue 16): regenerate either on demand, a CSR for the link
 * key, installation of an externally signed link chain. Export (download) is
 * console_cert_export's. Each changes a copy of the state that the dispatcher
 * commits under its own audit event; a refusal changes nothing.
 */
#include <stdio.h>
#include <string.h>

#include "console-cmd.h"
#include "devcerts.h"

#define W(x) svcport_admin_v1_CertWhich_CERT_##x

_Static_assert(sizeof(((svcport_v1_BmcState *)0)->link_chain[0]) ==
                       sizeof(((svcport_admin_v1_CertInstall *)0)->certs[0]) &&
                   sizeof(((svcport_v1_BmcState *)0)->link_chain) /
                               sizeof(((svcport_v1_BmcState *)0)->link_chain[0]) +
                           1 ==
                       sizeof(((svcport_admin_v1_CertInstall *)0)->certs) /
                           sizeof(((svcport_admin_v1_CertInstall *)0)->certs[0]),
               "an installed link chain fits the state");

CONSOLE_HANDLER(console_cert_regenerate)
{
	const svcport_admin_v1_CertWhich which = req->cmd.cert_regenerate.which;
	const bool ca = which == W(INTERNAL_CA);

	if (!ca && which != W(LINK))
		return console_fail(r, AE(BAD_REQUEST), "regenerate: link or internal-ca");
	if (devcerts_issue(b->se, next, ca ? DEVCERTS_NEW_CA : DEVCERTS_NEW_LINK_KEY, bmc_now_s(b),
	                   &b->env) < 0)
		return console_fail(r, AE(INTERNAL), "the certificate could not be issued");
	step->event = ca ? "internal-ca-regenerate" : "link-cert-regenerate";
	snprintf(step->detail, sizeof(step->detail), "%s%s",
	         ca ? "new internal CA key; link certificate issued by it"
	            : "new link key and certificate",
	         b->st.link_chain_count ? "; external chain dropped" : "");
	return AE(OK);
}

/* cert csr --which link: the link key's request (audited: the key is asked to sign). */
svcport_admin_v1_AdminError console_link_csr(struct bmc *b, svcport_admin_v1_AdminReply *r,
                                             svcport_v1_BmcState *next, struct console_step *step)
{
	svcport_admin_v1_CertReply *c = &r->body.cert;
	int n = devcerts_link_csr(b->se, next, c->csr.bytes, sizeof(c->csr.bytes), &b->env);

	if (n < 0)
		return console_fail(r, AE(INTERNAL), "the CSR could not be made");
	r->which_body = svcport_admin_v1_AdminReply_cert_tag;
	c->csr.size = (pb_size_t)n;
	step->event = "link-csr";
	return AE(OK);
}

/* cert install --which link: an externally signed chain for the link key. */
svcport_admin_v1_AdminError console_link_install(struct bmc *b,
                                                 const svcport_admin_v1_CertInstall *in,
                                                 svcport_admin_v1_AdminReply *r,
                                                 svcport_v1_BmcState *next,
                                                 struct console_step *step)
{
	const unsigned char *der[sizeof(in->certs) / sizeof(in->certs[0])];
	size_t len[sizeof(in->certs) / sizeof(in->certs[0])];
	const char *why;

	if (in->certs_count < 2)
		return console_fail(r, AE(CERT_REFUSED),
		                    "the full chain: the link certificate, then its issuers");
	for (pb_size_t i = 0; i < in->certs_count; i++) {
		der[i] = in->certs[i].bytes;
		len[i] = in->certs[i].size;
	}
	why = devcerts_link_check(b->se, next, der, len, in->certs_count, bmc_now_s(b), &b->env);
	if (why)
		return console_fail(r, AE(CERT_REFUSED), why);
	/* The portal link keeps presenting an internal CA certificate for the key (docs/certs.md).
	 */
	if (devcerts_issue_internal(b->se, next, bmc_now_s(b), &b->env) < 0)
		return console_fail(r, AE(INTERNAL),
		                    "the internal certificate could not be issued");
	memcpy(&next->link_certificate, &in->certs[0], sizeof(next->link_certificate));
	next->link_chain_count = (pb_size_t)(in->certs_count - 1);
	for (pb_size_t i = 0; i < next->link_chain_count; i++)
		memcpy(&next->link_chain[i], &in->certs[i + 1], sizeof(next->link_chain[0]));
	step->event = "link-cert-install";
	snprintf(step->detail, sizeof(step->detail), "external chain of %u certificates",
	         (unsigned)in->certs_count);
	return AE(OK);
}
