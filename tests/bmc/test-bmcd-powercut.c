// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Power cut: a driver applies signed commands to a real svcport-bmcd and
 * SIGKILLs it at pseudo-random moments (before the command, during it, after
 * the reply, during start-up). After every kill the state must load and be
 * exactly the old or the new one (the new one if the reply arrived), the
 * receipt counter must agree with it, and the audit log must verify.
 * 200 rounds by default; SVCPORT_LONG=1 runs 2000.
 */
#include <errno.h>
#include <poll.h>
#include <time.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "audit.h"
#include "gwclient.h"
#include "state.h"

static struct tworld W; /* only its dirs, env and factory are used */
static char gw_path[PATH_MAX], admin_path[PATH_MAX];
static pid_t bmcd = -1;

static int setup(void **state)
{
	tworld_setup(&W, "portal");
	bmc_close(W.bmc); /* the daemon owns the state from here */
	W.bmc = NULL;
	snprintf(gw_path, sizeof(gw_path), "%s/gw.sock", W.dir);
	snprintf(admin_path, sizeof(admin_path), "%s/admin.sock", W.dir);
	return 0;
}

static int teardown(void **state)
{
	proc_stop(bmcd, SIGKILL);
	bmcd = -1;
	tworld_teardown(&W);
	return 0;
}

static uint32_t lcg = 12345;

static uint32_t rnd(uint32_t n)
{
	lcg = lcg * 1103515245u + 12345u;
	return (lcg >> 8) % n;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * The fault injection's delay (not a synchronisation): wait up to ns for fd
 * to become readable. True if the reply is there.
 */
static bool wait_reply_up_to(int fd, uint64_t ns)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	struct timespec ts = {.tv_sec = (time_t)(ns / 1000000000u),
	                      .tv_nsec = (long)(ns % 1000000000u)};

	return ppoll(&pfd, 1, &ts, NULL) == 1;
}

static uint64_t apply_ns = 1000000; /* measured: one command from send to reply */

static int torn; /* kills that left an audit record without its state write */

static void load(svcport_v1_BmcState *st, bool count)
{
	struct audit_report r;
	struct se *se = NULL;

	assert_int_equal(se_open(W.state, &se), 0);
	assert_int_equal(bmc_state_load(W.state, se, st), 0);
	se_close(se);
	assert_int_equal(audit_verify(W.state, st, &r), 0);
	if (!r.ok)
		fail_msg("audit log broken: %s", r.detail);
	if (count && r.uncommitted > 0)
		torn++;
}

static void powercut(void **state)
{
	static svcport_v1_BmcState before, after;
	const char *lng = getenv("SVCPORT_LONG");
	int rounds = lng && *lng && strcmp(lng, "0") != 0 ? 2000 : 200;
	svcport_v1_CommandBody body;
	int fd, applied = 0, replies = 0;

	/* Claim once so ConfigureSensors is allowed. */
	bmcd = proc_bmcd_start(W.state, gw_path, admin_path, NULL, true);
	assert_true(bmcd > 0);
	fd = proc_gw_connect(gw_path);
	assert_true(fd >= 0);
	assert_int_equal(gw_body(fd, &body, svcport_v1_CommandBody_claim_tag,
	                         svcport_v1_Role_ROLE_ORG_ADMIN, TPKI_ORG),
	                 0);
	{
		uint64_t t0 = now_ns();

		assert_int_equal(gw_submit_send(fd, &body, svcport_v1_LinkKind_LINK_USB, true), 0);
		assert_int_equal(gw_submit_wait(fd), svcport_v1_ErrorCode_ERROR_NONE);
		apply_ns = now_ns() - t0;
	}
	close(fd);
	proc_stop(bmcd, SIGKILL);
	bmcd = -1;

	for (int i = 0; i < rounds; i++) {
		uint32_t mode = rnd(8);
		bool got_reply = false;
		uint64_t t0;

		load(&before, false);
		if (mode == 0) {
			/* Killed while starting (possibly while dropping an uncommitted tail). */
			bmcd = proc_bmcd_start(W.state, gw_path, admin_path, NULL, false);
			assert_true(bmcd > 0);
			{
				struct timespec ts = {.tv_nsec = (long)rnd(20000000)};

				/* The kill instant, not a synchronisation. */
				nanosleep(&ts, NULL);
			}
			proc_stop(bmcd, SIGKILL);
			bmcd = -1;
			load(&after, true);
			assert_int_equal(after.receipt_counter, before.receipt_counter);
			continue;
		}
		bmcd = proc_bmcd_start(W.state, gw_path, admin_path, NULL, true);
		assert_true(bmcd > 0);
		fd = proc_gw_connect(gw_path);
		assert_true(fd >= 0);
		assert_int_equal(gw_body(fd, &body, svcport_v1_CommandBody_configure_sensors_tag,
		                         svcport_v1_Role_ROLE_ORG_ADMIN, TPKI_ORG),
		                 0);
		body.action.configure_sensors.has_sensors = true;
		body.action.configure_sensors.sensors.motion_enabled = true;
		body.action.configure_sensors.sensors.motion_step_threshold =
		    before.sensors.motion_step_threshold + 1;
		t0 = now_ns();
		assert_int_equal(gw_submit_send(fd, &body, svcport_v1_LinkKind_LINK_USB, true), 0);
		if (mode == 7) {
			got_reply = gw_submit_wait(fd) == svcport_v1_ErrorCode_ERROR_NONE;
			assert_true(got_reply);
			if (now_ns() - t0 > apply_ns)
				apply_ns = now_ns() - t0;
			replies++;
		} else if (wait_reply_up_to(fd, rnd((uint32_t)(apply_ns * 3 / 2 / 1000)) * 1000u)) {
			/* A random instant of the apply: checks, audit append, fsyncs. */
			got_reply = gw_submit_wait(fd) == svcport_v1_ErrorCode_ERROR_NONE;
			assert_true(got_reply);
		}
		proc_stop(bmcd, SIGKILL);
		bmcd = -1;
		close(fd);

		load(&after, true);
		if (after.sensors.motion_step_threshold == before.sensors.motion_step_threshold) {
			assert_false(got_reply);
			assert_int_equal(after.receipt_counter, before.receipt_counter);
			assert_int_equal(after.audit_count, before.audit_count);
		} else {
			assert_int_equal(after.sensors.motion_step_threshold,
			                 before.sensors.motion_step_threshold + 1);
			assert_int_equal(after.receipt_counter, before.receipt_counter + 1);
			assert_int_equal(after.audit_count, before.audit_count + 1);
			applied++;
		}
	}
	/* Kills before, during and after the apply must all have happened. */
	assert_true(applied > replies);
	assert_true(applied < rounds - rounds / 8);
	fprintf(stderr,
	        "powercut: %d rounds, %d applied (%d with the reply seen), %d torn between "
	        "audit and state\n",
	        rounds, applied, replies, torn);

	/* The daemon starts on the survivor and its console verifies the log. */
	bmcd = proc_bmcd_start(W.state, gw_path, admin_path, NULL, true);
	assert_true(bmcd > 0);
	{
		char out[512];
		const char *argv[] = {proc_bmcctl(), "--admin-socket", admin_path,
		                      "audit",       "verify",         NULL};

		assert_int_equal(proc_run(argv, out, sizeof(out)), 0);
		assert_non_null(strstr(out, "audit log intact"));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(powercut, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
