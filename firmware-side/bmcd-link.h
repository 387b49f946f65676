/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bmcd's side of the link certificate (docs/certs.md): the management
 * addresses it names, read from --mgmt-addresses FILE and watched, and the
 * export of the link credentials to --link-dir DIR for the gateway's network
 * links: link.key (PEM P-256, 0640), ca-statement.pb (the internal CA's
 * CaStatement, 0640), link-internal-chain.pem (the internal CA's certificate
 * for the link key, then the internal CA: what the portal link presents; the
 * same bytes as link-chain.pem unless an external chain is installed, 0640) and
 * link-chain.pem (the link certificate, then its issuers, 0640), each replaced
 * atomically, in that order (the chain last: its change is what the gateway
 * watches). Exported at start and whenever
 * what they are made of changes.
 */
#ifndef SVCPORT_BMCD_LINK_H
#define SVCPORT_BMCD_LINK_H

#include "bmc.h"
#include "loop.h"

#define BMCD_LINK_KEY            "link.key"
#define BMCD_LINK_CHAIN          "link-chain.pem"
#define BMCD_LINK_STATEMENT      "ca-statement.pb"
#define BMCD_LINK_INTERNAL_CHAIN "link-internal-chain.pem"
#define BMCD_LINK_MODE           0640

struct bmcd_link;

/*
 * Reads the addresses (addr_path NULL: none kept) and exports to dir (NULL:
 * no export) now, then watches addr_path's folder on loop. Failures are
 * logged and retried at the next tick. *ret_link is NULL if both are NULL
 * (every call is then a no-op). 0 or -ENOMEM/-ENAMETOOLONG.
 */
int bmcd_link_open(struct loop *loop, struct bmc *bmc, const char *dir, const char *addr_path,
                   struct bmcd_link **ret_link) __attribute__((warn_unused_result));

/* Exports again if the credentials changed (or the last export failed). */
void bmcd_link_sync(struct bmcd_link *l);

/* Every tick: reads the addresses again (a lost watch event), then bmcd_link_sync(). */
void bmcd_link_tick(struct bmcd_link *l);

/* NULL is a no-op. */
void bmcd_link_close(struct bmcd_link *l);

#endif
