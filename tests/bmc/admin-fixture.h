/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The administrator-console fixture shared by test-bmc-admin and
 * test-bmc-certs: one test world (testpki.h), one request and reply, and the
 * helpers every console test starts with.
 */
#ifndef SVCPORT_TEST_ADMIN_FIXTURE_H
#define SVCPORT_TEST_ADMIN_FIXTURE_H

#include "testpki.h"

#define AE(x)   svcport_admin_v1_AdminError_ADMIN_##x
#define CMD(x)  svcport_admin_v1_AdminRequest_##x##_tag
#define PW      "correct horse"
#define BK_PASS "backup pass 12" /* encrypts SED backups */

extern struct tworld W;
extern svcport_admin_v1_AdminRequest req;
extern svcport_admin_v1_AdminReply rep;
extern struct tsnap snap;

/* cmocka setups: a BMC-managed or a portal-managed server; teardown for both. */
int setup_bmc(void **state);
int setup_portal(void **state);
/* setup_bmc, then the password PW and the intrusion sensor on: ACTIVE, a tamper locks. */
int setup_bmc_intrusion(void **state);
int setup_blank(void **state); /* a blank replacement board (no identity) */
int teardown(void **state);

const svcport_v1_BmcState *st(void);
/* Runs req as command cmd with password pw (NULL: none). */
svcport_admin_v1_AdminError run(pb_size_t cmd, const char *pw);
/* Clears req. */
void new_req(void);
/* Sets the admin password to PW (from the default), then clears req. */
void set_password(void);
/* The last committed audit record (the chain checked first). */
svcport_v1_AuditRecord last_record(void);

#endif
