/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The device's own certificates (DESIGN §6, docs/certs.md): an internal CA,
 * made at provisioning and on demand, and the link certificate it issues for
 * the gateway's network links (https:, portal:), issued again whenever the
 * device identity or the management addresses change, or on demand; or, once
 * installed, an externally signed link certificate and its chain.
 *
 * Both keys are P-256 keys drawn by bmcd and kept in the state record sealed
 * by the secure element (sealed.h), not inside it: the gateway may hold the
 * link key (DESIGN §4.5), so it must be exportable on both back-ends, and a
 * regenerated key is committed in the same atomic write as its certificate.
 * The certificates are public and live in the state record
 * (internal_ca_certificate, link_certificate, link_chain).
 */
#ifndef SVCPORT_BMC_DEVCERTS_H
#define SVCPORT_BMC_DEVCERTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include "se.h"
#include "sealed.h"
#include "svcport.pb.h"

/* What devcerts_issue() draws anew (a key missing from st is always drawn). */
#define DEVCERTS_NEW_LINK_KEY (1u << 0)
#define DEVCERTS_NEW_CA       (1u << 1) /* a new internal CA key and certificate */

/*
 * Issues into st the link certificate for st's identity (subject
 * "CN=MT-SN,serialNumber=MT-SN,OU=svcport link", or "CN=unbound-K,OU=svcport
 * link" on a blank board, K = the first 8 bytes of the device key's SHA-256 in
 * hex), its SANs st->link_subject_alt_names, issued by the internal CA
 * ("CN=svcport internal CA,serialNumber=K"), made first if renew asks or it has
 * no key. An installed external chain is dropped (and with it
 * link_internal_certificate: the link certificate is the internal one). 0 or -errno (st is then
 * unspecified: the caller discards it).
 */
int devcerts_issue(struct se *se, svcport_v1_BmcState *st, unsigned renew, uint64_t now_s,
                   const struct bmc_env *env) __attribute__((warn_unused_result));

/*
 * Certificates bmcd wrote before it repaired mbedTLS 2.28.3's NULL after
 * ecdsa-with-SHA256 (certwrite.c, common/x509-sigalg.h; Chromium refuses
 * them): the internal CA and, unless an external chain is installed, the link
 * certificate are re-encoded without it and signed again by the internal CA
 * key, their content (serial, names, validity, keys, extensions) unchanged.
 * 1 if st changed, 0 if there was nothing to repair, -errno (st is then
 * unspecified: the caller discards it).
 */
int devcerts_sigalg_repair(struct se *se, svcport_v1_BmcState *st, const struct bmc_env *env)
    __attribute__((warn_unused_result));

/*
 * While an external chain is installed (docs/certs.md): issues into
 * st->link_internal_certificate the internal CA's certificate for st's link
 * key, subject and SANs as devcerts_issue()'s, which the portal link presents
 * (the portal trusts the device's client certificate through the internal CA
 * its CaStatement names). Both keys must be in st. 0 or -errno (st is then
 * unspecified: the caller discards it).
 */
int devcerts_issue_internal(struct se *se, svcport_v1_BmcState *st, uint64_t now_s,
                            const struct bmc_env *env) __attribute__((warn_unused_result));

/*
 * Sets up pk (initialised, empty) as st's private key which, unsealed.
 * Free it with mbedtls_pk_free() (it zeroizes). 0, -ENOENT (none) or -errno.
 */
int devcerts_key_load(struct se *se, const svcport_v1_BmcState *st, enum sealed_key which,
                      mbedtls_pk_context *pk, const struct bmc_env *env)
    __attribute__((warn_unused_result));

/*
 * A PKCS#10 request for the link key, subject as the link certificate's, with
 * its SANs. DER into out; its length or -errno.
 */
int devcerts_link_csr(struct se *se, const svcport_v1_BmcState *st, unsigned char *out, size_t cap,
                      const struct bmc_env *env) __attribute__((warn_unused_result));

/*
 * Checks an externally signed link chain (DER, leaf first, n >= 1): every
 * certificate parses, the leaf certifies st's link key, is no CA, and with
 * its issuers verifies (P-256, ecdsa-with-SHA256, valid at now_s) up to the
 * last one. NULL if acceptable, else why not.
 */
const char *devcerts_link_check(struct se *se, const svcport_v1_BmcState *st,
                                const unsigned char *const *der, const size_t *len, size_t n,
                                uint64_t now_s, const struct bmc_env *env);

/*
 * The CaStatement for st's internal CA (svcport.proto): its certificate, the
 * device identity (none on a blank board) and when the CA was issued, signed
 * by the device key over SHA-256("svcport ca-statement v1" || 0x00 || body).
 * Encoded into out (svcport_v1_CaStatement_size). 0 or -errno.
 */
int devcerts_ca_statement(struct se *se, const svcport_v1_BmcState *st, unsigned char *out,
                          size_t cap, size_t *ret_len, const struct bmc_env *env)
    __attribute__((warn_unused_result));
#define DEVCERTS_CA_STATEMENT_LABEL "svcport ca-statement v1"

/* True if crt certifies the secure element's device key (P-256, same point). */
bool devcerts_is_device_key(const struct se *se, const mbedtls_x509_crt *crt);

#endif
