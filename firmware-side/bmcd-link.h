/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bmcd's export of the link credentials (docs/certs.md) to --link-dir DIR,
 * for the gateway's network links: link.key (PEM P-256, 0640), link-chain.pem
 * (the link certificate, then its issuers, 0640) and ca-statement.pb (the
 * internal CA's CaStatement, 0640), each replaced atomically, in that order
 * (the chain last: its change is what the gateway watches). Exported at start
 * and whenever what they are made of changes.
 */
#ifndef SVCPORT_BMCD_LINK_H
#define SVCPORT_BMCD_LINK_H

#include "bmc.h"

#define BMCD_LINK_KEY       "link.key"
#define BMCD_LINK_CHAIN     "link-chain.pem"
#define BMCD_LINK_STATEMENT "ca-statement.pb"
#define BMCD_LINK_MODE      0640

struct bmcd_link;

/*
 * Exports to dir (which must exist) now, and keeps bmc to export again.
 * dir NULL: no export (*ret_link is then NULL and every call a no-op).
 * 0 or -errno (the first export failed: said in the log; retried by
 * bmcd_link_sync()).
 */
int bmcd_link_open(struct bmc *bmc, const char *dir, struct bmcd_link **ret_link);

/* Exports again if the credentials changed (or the last export failed). */
void bmcd_link_sync(struct bmcd_link *l);

/* NULL is a no-op. */
void bmcd_link_close(struct bmcd_link *l);

#endif
