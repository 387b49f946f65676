/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The start of a test world with real daemons (test-sim-scenarios,
 * test-sim-online, test-client-daemons): a private folder, and a portal in
 * it with organisation acme, its users alice (org-admin) and eddie
 * (edge-user), and one portal-managed device manufactured. Each test adds
 * what else it needs (users, organisations, devices, the claim) and closes
 * the portal. Failures fail the test (cmocka).
 */
#ifndef SVCPORT_TEST_WORLD_H
#define SVCPORT_TEST_WORLD_H

#include <stddef.h>
#include <stdint.h>

#include "portal.h"

/* dir := a new /tmp/svcport-NAME-XXXXXX, mode 0711 (as root the gateway runs as
 * svcport or nobody: it must reach the world's sockets and files). */
void test_world_tmp(char *dir, size_t cap, const char *name);

/* The board's label password: fac/admin-password's first line (asserts it reads). */
void test_world_label(const char *fac, char *buf, size_t cap);

/*
 * A new portal in dir, at now: acme, alice, eddie, and the device mt-sn
 * manufactured into fac (m: its activation code and key hash). The portal
 * stays open for the caller.
 */
struct portal *test_world_portal(const char *dir, const char *mt, const char *sn, const char *fac,
                                 int64_t now, struct portal_manufactured *m);

#endif
