// SPDX-License-Identifier: GPL-2.0-or-later
/* The administrator-console test fixture: see admin-fixture.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "admin-fixture.h"
#include "audit.h"

struct tworld W;
svcport_admin_v1_AdminRequest req;
svcport_admin_v1_AdminReply rep;
struct tsnap snap;

int setup_bmc(void **state)
{
	tworld_setup(&W, "bmc");
	return 0;
}

int setup_portal(void **state)
{
	tworld_setup(&W, "portal");
	return 0;
}

int setup_blank(void **state)
{
	tworld_setup(&W, NULL);
	return 0;
}

int teardown(void **state)
{
	tworld_teardown(&W);
	return 0;
}

const svcport_v1_BmcState *st(void)
{
	return bmc_state(W.bmc);
}

svcport_admin_v1_AdminError run(pb_size_t cmd, const char *pw)
{
	req.which_cmd = cmd;
	return tworld_admin(&W, &req, pw, &rep);
}

void new_req(void)
{
	req = (svcport_admin_v1_AdminRequest)svcport_admin_v1_AdminRequest_init_zero;
}

void set_password(void)
{
	new_req();
	strcpy(req.cmd.password_set.new_password, PW);
	assert_int_equal(run(CMD(password_set), TPKI_LABEL_PW), AE(OK));
	new_req();
}

svcport_v1_AuditRecord last_record(void)
{
	static svcport_v1_AuditRecord recs[1];
	struct audit_report r;
	size_t n = 0;

	assert_int_equal(audit_verify(W.state, st(), &r), 0);
	assert_true(r.ok);
	assert_int_equal(audit_read(W.state, st(), st()->audit_count - 1, recs, 1, &n), 0);
	assert_int_equal(n, 1);
	return recs[0];
}

int setup_bmc_intrusion(void **state)
{
	setup_bmc(state);
	set_password();
	req.cmd.sensors_set.has_sensors = true;
	req.cmd.sensors_set.sensors.intrusion_enabled = true;
	assert_int_equal(run(CMD(sensors_set), PW), AE(OK));
	assert_int_equal(st()->lockdown_state, svcport_v1_LockdownState_LOCKDOWN_ACTIVE);
	return 0;
}
