/* SPDX-License-Identifier: GPL-2.0-or-later */
/* svcport-bmcd's unix sockets: listening, and who the peer is (SO_PEERCRED). */
#ifndef SVCPORT_BMCD_SOCK_H
#define SVCPORT_BMCD_SOCK_H

#include <stdbool.h>
#include <sys/types.h>

/*
 * A SOCK_SEQPACKET socket listening on path with mode (non-blocking,
 * close-on-exec); a stale socket there is replaced, anything else is not.
 * The fd (the caller closes it) or -errno, said on stderr.
 */
int bmcd_listen(const char *path, mode_t mode) __attribute__((warn_unused_result));

/* True if fd's peer is uid want (or root, if or_root); *ret_uid: the peer's uid. */
bool bmcd_is_peer_allowed(int fd, uid_t want, bool or_root, uid_t *ret_uid);

#endif
