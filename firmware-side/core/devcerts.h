/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The device's own certificates (DESIGN §6): an internal CA, made once at
 * provisioning, and a link certificate it issues for the gateway's future
 * secure link, issued again whenever the device identity changes. Both keys
 * stay in the secure element; the certificates are public and live in the
 * state record (internal_ca_certificate, link_certificate).
 */
#ifndef SVCPORT_BMC_DEVCERTS_H
#define SVCPORT_BMC_DEVCERTS_H

#include <stdbool.h>
#include <stdint.h>

#include <mbedtls/x509_crt.h>

#include "se.h"
#include "svcport.pb.h"

/*
 * Issues into st the link certificate for st's identity (subject
 * "CN=MT-SN,serialNumber=MT-SN,OU=svcport link", or "CN=unbound-K,OU=svcport
 * link" on a blank board, K = the first 8 bytes of the device key's SHA-256 in
 * hex) and, if with_ca, the internal CA certificate ("CN=svcport internal
 * CA,serialNumber=K"). 0 or -errno (st is then unspecified).
 */
int devcerts_issue(struct se *se, svcport_v1_BmcState *st, bool with_ca, uint64_t now_s,
                   const struct bmc_env *env) __attribute__((warn_unused_result));

/* True if crt certifies the secure element's device key (P-256, same point). */
bool devcerts_is_device_key(const struct se *se, const mbedtls_x509_crt *crt);

#endif
