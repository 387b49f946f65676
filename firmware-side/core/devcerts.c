// SPDX-License-Identifier: GPL-2.0-or-later
/* The device's internal CA and link certificates (devcerts.h). */
#include "devcerts.h"

#include <stdio.h>
#include <string.h>

#include "hex.h"

static void ca_subject(struct se *se, char *out, size_t cap)
{
	unsigned char h[32];
	char id[17];

	se_key_sha256(se, h);
	hex_encode(h, 8, id);
	snprintf(out, cap, "CN=svcport internal CA,serialNumber=%s", id);
}

static void link_subject(struct se *se, const svcport_v1_BmcState *st, char *out, size_t cap)
{
	unsigned char h[32];
	char id[17];

	if (st->has_identity) {
		snprintf(out, cap, "CN=%s-%s,serialNumber=%s-%s,OU=svcport link",
		         st->device.machine_type, st->device.serial_number, st->device.machine_type,
		         st->device.serial_number);
		return;
	}
	se_key_sha256(se, h);
	hex_encode(h, 8, id);
	snprintf(out, cap, "CN=unbound-%s,OU=svcport link", id);
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

bool devcerts_is_device_key(const struct se *se, const mbedtls_x509_crt *crt)
{
	unsigned char pub[SE_PUBKEY_LEN], cert_pub[SE_PUBKEY_LEN];
	size_t olen = 0;

	se_public_key(se, pub);
	return mbedtls_pk_get_type(&crt->pk) == MBEDTLS_PK_ECKEY &&
	       mbedtls_ecp_point_write_binary(
	           &mbedtls_pk_ec(crt->pk)->grp, &mbedtls_pk_ec(crt->pk)->Q,
	           MBEDTLS_ECP_PF_UNCOMPRESSED, &olen, cert_pub, sizeof(cert_pub)) == 0 &&
	       olen == SE_PUBKEY_LEN && memcmp(pub, cert_pub, SE_PUBKEY_LEN) == 0;
}
