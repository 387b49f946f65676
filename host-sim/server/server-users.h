/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Who the simulated server's daemons run as (contracts.md, issue 12): as
 * root, the gateway as user svcport and bmcd as svcport-bmc, each falling
 * back to nobody where it does not exist, as on a real server; as anyone
 * else, both stay that user.
 */
#ifndef SVCPORT_SIM_SERVER_USERS_H
#define SVCPORT_SIM_SERVER_USERS_H

#include <stdbool.h>
#include <sys/types.h>

struct server_users {
	bool drop; /* started as root: the daemons change user */
	char gw[32], bmc[32];
	uid_t gw_uid, bmc_uid;
	gid_t bmc_gid, gw_gid;
	char gw_uid_text[16]; /* for bmcd --gateway-uid */
};

/* Picks the users (no change when not root). 0 or -ESRCH (not even nobody). */
int server_users_pick(struct server_users *ret) __attribute__((warn_unused_result));

/*
 * As root: makes dir searchable by others (0711; its folders above must be
 * already: -EACCES otherwise, said on stderr) so the gateway reaches
 * bmcd.sock, and gives state_dir and everything in it to bmcd's user, and
 * dir/hw/sed-component (the board's SED AK backup component) too.
 */
int server_users_prepare(const struct server_users *u, const char *dir, const char *state_dir)
    __attribute__((warn_unused_result));

/*
 * Makes link_dir (bmcd --link-dir, docs/certs.md) as a package does: bmcd's to
 * write, readable by the gateway's group, not writable by it (as root: owner
 * bmcd's user, group the gateway's, 02750 so the files bmcd writes get that
 * group; else 0750). An existing folder is set so too. 0 or -errno.
 */
int server_users_link_dir(const struct server_users *u, const char *link_dir)
    __attribute__((warn_unused_result));

#endif
