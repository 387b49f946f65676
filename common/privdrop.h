/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Dropping privileges once start-up needs them no more (DESIGN §1: the
 * exposed process runs unprivileged; the BMC keeps only what it needs).
 * Shared by svcportd and svcport-bmcd.
 *
 * As root, to a user: the capability bounding set is emptied (all but
 * CAP_NET_RAW when kept), no supplementary groups, setgid, setuid, then
 * checked that root cannot be regained; keep_net_raw keeps CAP_NET_RAW
 * (svcportd's ble: sends HCI advertising commands after a disconnect). As
 * root with no user (bmcd without --user): uid 0 stays, but every capability
 * goes (bounding, permitted, effective, inheritable, ambient). Not root: a
 * user other than itself is refused. Everyone gets PR_SET_NO_NEW_PRIVS.
 */
#ifndef SVCPORT_PRIVDROP_H
#define SVCPORT_PRIVDROP_H

#include <stdbool.h>
#include <sys/types.h>

struct privdrop_opts {
	const char *user;         /* NULL or "": default_user */
	const char *default_user; /* as root without user; NULL: stay uid 0, no capabilities */
	bool keep_net_raw;
};

/* 0, or a negative errno after logging why (a missing user says how to create it). */
int privdrop(const struct privdrop_opts *o) __attribute__((warn_unused_result));

/* The uid of user name: 0, or -ESRCH (no such user; nothing logged). */
int privdrop_uid_of(const char *name, uid_t *ret_uid) __attribute__((warn_unused_result));

/*
 * Before privdrop: path is a socket that only the user peer_uid may use (its
 * server checks SO_PEERCRED too). As root it becomes user's (NULL: root's) and
 * peer_uid's primary group's, mode 0660, so the two can talk after both
 * dropped privileges and a stranger cannot even connect. Not root: 0600 when
 * the peer is this uid, else 0666 (SO_PEERCRED alone decides). 0 or a negative
 * errno after logging why.
 */
int privdrop_socket_share(const char *path, const char *user, uid_t peer_uid)
    __attribute__((warn_unused_result));

#endif
