// SPDX-License-Identifier: GPL-2.0-or-later
/* The start of a test world (test-world.h). */
#include "test-world.h"

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

void test_world_tmp(char *dir, size_t cap, const char *name)
{
	const int n = snprintf(dir, cap, "/tmp/svcport-%s-XXXXXX", name);

	assert_true(n > 0 && (size_t)n < cap);
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chmod(dir, 0711), 0);
}

void test_world_label(const char *fac, char *buf, size_t cap)
{
	char path[PATH_MAX];
	FILE *f;

	assert_true(snprintf(path, sizeof(path), "%s/admin-password", fac) < (int)sizeof(path));
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, (int)cap, f));
	fclose(f);
	buf[strcspn(buf, "\r\n")] = 0;
}

struct portal *test_world_portal(const char *dir, const char *mt, const char *sn, const char *fac,
                                 int64_t now, struct portal_manufactured *m)
{
	struct portal *p = NULL;

	assert_int_equal(portal_open(dir, true, &p), 0);
	assert_int_equal(portal_init(p, now), 0);
	assert_int_equal(portal_org_add(p, "acme", now), 0);
	assert_int_equal(portal_user_add(p, "alice", "acme", svcport_v1_Role_ROLE_ORG_ADMIN), 0);
	assert_int_equal(portal_user_add(p, "eddie", "acme", svcport_v1_Role_ROLE_EDGE_USER), 0);
	assert_int_equal(portal_device_manufacture(p, mt, sn,
	                                           svcport_v1_ControlMode_CONTROL_PORTAL_MANAGED,
	                                           fac, false, now, m),
	                 0);
	return p;
}
