// SPDX-License-Identifier: GPL-2.0-or-later
/* The device's internal CA and link certificates (devcerts.h). */
#include "devcerts.h"

#include <stdio.h>

static void ca_subject(struct se *se, char *out, size_t cap)
{
	unsigned char h[32];

	se_key_sha256(se, h);
	snprintf(out, cap, "CN=svcport internal CA,serialNumber=%02x%02x%02x%02x%02x%02x%02x%02x",
	         h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]);
}

static void link_subject(struct se *se, const svcport_v1_BmcState *st, char *out, size_t cap)
{
	unsigned char h[32];

	if (st->has_identity) {
		snprintf(out, cap, "CN=%s-%s,serialNumber=%s-%s,OU=svcport link",
		         st->device.machine_type, st->device.serial_number, st->device.machine_type,
		         st->device.serial_number);
		return;
	}
	se_key_sha256(se, h);
	snprintf(out, cap, "CN=unbound-%02x%02x%02x%02x%02x%02x%02x%02x,OU=svcport link", h[0],
	         h[1], h[2], h[3], h[4], h[5], h[6], h[7]);
}

int devcerts_issue(struct se *se, svcport_v1_BmcState *st, bool with_ca, uint64_t now_s,
                   const struct bmc_env *env)
{
	char ca[96], link[160];
	int n;

	ca_subject(se, ca, sizeof(ca));
	link_subject(se, st, link, sizeof(link));
	if (with_ca) {
		n = se_issue_cert(se, SE_CERT_INTERNAL_CA, ca, ca, now_s,
		                  st->internal_ca_certificate.bytes,
		                  sizeof(st->internal_ca_certificate.bytes), env);
		if (n < 0)
			return n;
		st->internal_ca_certificate.size = (pb_size_t)n;
	}
	n = se_issue_cert(se, SE_CERT_LINK, link, ca, now_s, st->link_certificate.bytes,
	                  sizeof(st->link_certificate.bytes), env);
	if (n < 0)
		return n;
	st->link_certificate.size = (pb_size_t)n;
	return 0;
}
