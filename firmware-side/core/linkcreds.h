/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The link credentials (docs/certs.md): what bmcd exports for the gateway's
 * network links (the link key, the link certificate's chain, the internal
 * CA's statement), the management addresses the link certificate names, and
 * their regeneration. The daemon writes the files (bmcd-link.c); this is
 * I/O-free apart from the state directory's commit.
 */
#ifndef SVCPORT_BMC_LINKCREDS_H
#define SVCPORT_BMC_LINKCREDS_H

#include <stdbool.h>
#include <stddef.h>

#include "bmc.h"
#include "svcport.pb.h"

#define LINKCREDS_KEY_PEM_MAX   512
#define LINKCREDS_CHAIN_PEM_MAX 6144 /* three 1024-byte DER certificates in base64 */
#define LINKCREDS_SAN_MAX       sizeof(((svcport_v1_BmcState *)0)->link_subject_alt_names.bytes)

struct bmc_link_creds {
	char key_pem[LINKCREDS_KEY_PEM_MAX]; /* secret: the caller zeroizes it */
	size_t key_len;
	char chain_pem[LINKCREDS_CHAIN_PEM_MAX]; /* the link certificate, then its issuers */
	size_t chain_len;
	/* What the portal link presents: the internal CA's certificate for the link key, then
	 * the internal CA (chain_pem's bytes unless an external chain is installed). */
	char internal_chain_pem[LINKCREDS_CHAIN_PEM_MAX];
	size_t internal_chain_len;
	unsigned char statement[svcport_v1_CaStatement_size];
	size_t statement_len;
};

/*
 * SHA-256 of what the credentials are made of (the link certificate, its
 * chain, the internal CA, the internal certificate kept for the portal link,
 * the identity): the daemon exports again when it
 * changes.
 */
void bmc_link_digest(const struct bmc *b, unsigned char out[32]);

/* The credentials now. 0 or -errno (c is then zeroized). */
int bmc_link_credentials(struct bmc *b, struct bmc_link_creds *c)
    __attribute__((warn_unused_result));

/*
 * The board's management addresses as DER GeneralNames (san, len <=
 * LINKCREDS_SAN_MAX; len 0: none), described for the audit record by what
 * (e.g. "10.0.0.5 bmc.example"). If they differ from the recorded ones, they
 * are recorded and the link certificate is issued again for them (an
 * installed external chain is kept: the administrator chose it), committed
 * under the audit event `link-addresses`. 0 (also: nothing to do; *ret_changed
 * says which) or -errno, nothing changed.
 */
int bmc_link_addresses_set(struct bmc *b, const unsigned char *san, size_t len, const char *what,
                           bool *ret_changed) __attribute__((warn_unused_result));

/*
 * A state made before the keys moved out of the secure element (no sealed
 * link or CA key): a new internal CA and link certificate, committed under
 * `link-cert-regenerate`. A state with an external chain installed before
 * link_internal_certificate existed: that certificate issued; certificates
 * written with mbedTLS's NULL after ecdsa-with-SHA256 repaired
 * (devcerts_sigalg_repair); each committed under the same event. 0 (also when
 * nothing was to do) or -errno.
 */
int bmc_link_keys_ensure(struct bmc *b) __attribute__((warn_unused_result));

#endif
