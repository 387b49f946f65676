/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Dropping privileges after the links are open (DESIGN §1: the exposed
 * process runs unprivileged). Root drops to user (default "svcport"): no
 * supplementary groups, setgid, setuid, checked that root cannot be regained.
 * keep_net_raw keeps CAP_NET_RAW only (ble: needs it to send the HCI
 * advertising commands again after a disconnect). Everyone gets
 * PR_SET_NO_NEW_PRIVS.
 */
#ifndef SVCPORT_PRIVDROP_H
#define SVCPORT_PRIVDROP_H

#include <stdbool.h>

/* user: NULL or "" for the default. Returns 0 or a negative errno after logging why. */
int privdrop(const char *user, bool keep_net_raw) __attribute__((warn_unused_result));

#endif
