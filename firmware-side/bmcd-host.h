/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * svcport-bmcd's host interface socket (docs/bmc.md "Host interface"): a
 * unix SOCK_SEQPACKET socket of its own, mode 0666, where only the host
 * firmware's uid is served (SO_PEERCRED; any other peer is closed at once
 * and logged). At most BMCD_HOST_CONNS connections; one HostRequest per
 * packet, answered by the core (core/hostif.h). Every packet that may carry
 * the AK is zeroized once sent.
 */
#ifndef SVCPORT_BMCD_HOST_H
#define SVCPORT_BMCD_HOST_H

#include <stddef.h>
#include <sys/types.h>

#include "bmc.h"
#include "loop.h"

#define BMCD_HOST_CONNS 2

struct bmcd_host;

/*
 * The host socket's path into out (cap bytes): arg (--host-socket), or NULL:
 * host.sock in the folder of admin_path. 0 or -ENAMETOOLONG.
 */
int bmcd_host_path(char *out, size_t cap, const char *arg, const char *admin_path)
    __attribute__((warn_unused_result));

/*
 * Listens on path for peers of uid, on loop, answering from bmc (both
 * borrowed: they outlive the host interface). 0 or -errno (said on stderr).
 */
int bmcd_host_open(struct loop *loop, struct bmc *bmc, const char *path, uid_t uid,
                   struct bmcd_host **ret_host) __attribute__((warn_unused_result));
/* Closes the connections and the listening socket (the path stays). NULL: no-op. */
void bmcd_host_close(struct bmcd_host *h);

#endif
