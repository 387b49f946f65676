// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Power cut: a driver applies signed commands to a real svcport-bmcd and
 * SIGKILLs it at pseudo-random moments (before the command, during it, after
 * the reply, during start-up). After every kill the state must load and be
 * exactly the old or the new one (the new one if the reply arrived), the
 * receipt counter must agree with it, and the audit log must verify.
 * 200 rounds by default; SVCPORT_LONG=1 runs 2000.
 *
 * Then faults (issue 11): the same daemon linked with tests/fault
 * (svcport-bmcd-fault) gets ENOSPC or EIO on its state, audit, latch or
 * counter writes or on the state directory's fsync during a tamper event,
 * an activation or a neutral change, and is killed after its reply. At the
 * restart the state loads as the old or the new one, never less locked than
 * before the fault (a lock the reply called stored or latched is there), and
 * the audit log verifies. 120 rounds (1200
 * with SVCPORT_LONG=1), the outcomes counted per fault kind.
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
#include "board.h"
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

static bool is_long(void)
{
	const char *lng = getenv("SVCPORT_LONG");

	return lng && *lng && strcmp(lng, "0") != 0;
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

	assert_int_equal(se_open(W.state, &W.env, &se), 0);
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
	int rounds = is_long() ? 2000 : 200;
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
		/* audit verify needs a login (re-attack on issue 13, F): the label's password
		 * must change first, which appends one record to the log it then verifies. */
		char out[512];
		const char *pw[] = {proc_bmcctl(), "--admin-socket", admin_path,
		                    "--password",  TPKI_LABEL_PW,    "password",
		                    "set",         "correct horse",  NULL};
		const char *argv[] = {proc_bmcctl(),   "--admin-socket", admin_path, "--password",
		                      "correct horse", "audit",          "verify",   NULL};

		assert_int_equal(proc_run(pw, out, sizeof(out)), 0);
		assert_int_equal(proc_run(argv, out, sizeof(out)), 0);
		assert_non_null(strstr(out, "audit log intact"));
	}
}

/* ---------------------------------------------------------------- faults */

enum transition {
	T_TAMPER,
	T_ACTIVATE,
	T_SENSORS
};
enum outcome {
	O_STORED,
	O_LATCHED,
	O_MEMORY,
	O_WRITTEN,
	O_NOTHING,
	O_COUNT
};

/*
 * The latch is written only when a store failed: it fails alongside one. The
 * SE's counter and the directory's fsync ("other") fail after the rename.
 */
static const char *const fault_targets[] = {"state",       "audit",   "state+latch",
                                            "audit+latch", "counter", "other"};
#define N_TARGETS (sizeof(fault_targets) / sizeof(fault_targets[0]))
static const char *const outcome_names[O_COUNT] = {"stored", "latched", "memory-only", "written",
                                                   "nothing changed"};

struct fault_tally {
	int rounds, outcome[O_COUNT], reconciled;
};

#define PW "correct horse"

/* One console command to the daemon: its AdminError, and the message in msg. */
static int console(pb_size_t tag, uint32_t threshold, char *msg, size_t cap)
{
	static svcport_admin_v1_AdminRequest req;
	static svcport_admin_v1_AdminReply rep;

	req = (svcport_admin_v1_AdminRequest)svcport_admin_v1_AdminRequest_init_zero;
	req.which_cmd = tag;
	snprintf(req.password, sizeof(req.password), "%s", PW);
	req.cmd.tamper.kind = svcport_admin_v1_TamperKind_TAMPER_INTRUSION;
	if (tag == svcport_admin_v1_AdminRequest_sensors_set_tag) {
		req.cmd.sensors_set.has_sensors = true;
		req.cmd.sensors_set.sensors.intrusion_enabled = true;
		req.cmd.sensors_set.sensors.motion_enabled = true;
		req.cmd.sensors_set.sensors.motion_step_threshold = threshold;
	}
	assert_int_equal(proc_admin_call(admin_path, &req, &rep), 0);
	snprintf(msg, cap, "%s", rep.message);
	return rep.error;
}

/* The reply in one word: stored, held (latched, in memory only, written), or nothing. */
static enum outcome outcome_of(int error, const char *msg)
{
	if (error == svcport_admin_v1_AdminError_ADMIN_OK)
		return O_STORED;
	if (error == svcport_admin_v1_AdminError_ADMIN_NOT_STORED)
		return strstr(msg, "memory only") ? O_MEMORY
		       : strstr(msg, "latch")     ? O_LATCHED
		                                  : O_WRITTEN;
	assert_int_equal(error, svcport_admin_v1_AdminError_ADMIN_INTERNAL);
	return O_NOTHING;
}

/* The administrator activates, in this process, without faults. */
static void activate_here(void)
{
	svcport_admin_v1_AdminRequest req = svcport_admin_v1_AdminRequest_init_zero;
	svcport_admin_v1_AdminReply rep;

	tworld_reopen(&W);
	req.which_cmd = svcport_admin_v1_AdminRequest_activate_tag;
	assert_int_equal(tworld_admin(&W, &req, PW, &rep), svcport_admin_v1_AdminError_ADMIN_OK);
	bmc_close(W.bmc);
	W.bmc = NULL;
}

/* A restart: what the board is when bmcd opens the state again (no faults here). */
static void restart_check(svcport_v1_BmcState *ret, bool *ret_reconciled)
{
	static svcport_v1_AuditRecord last;
	struct audit_report r;
	struct bmc *b = NULL;
	size_t n = 0;

	assert_int_equal(bmc_open(W.state, &W.env, NULL, &b), 0);
	*ret = *bmc_state(b);
	assert_int_equal(audit_verify(W.state, ret, &r), 0);
	if (!r.ok)
		fail_msg("audit log broken after a fault: %s", r.detail);
	assert_int_equal(audit_read(W.state, ret, ret->audit_count - 1, &last, 1, &n), 0);
	*ret_reconciled = n == 1 && strcmp(last.event, "latch-reconcile") == 0;
	bmc_close(b);
}

/* One round: the transition under the fault, a kill, a restart; the rules checked. */
static enum outcome fault_round(const char *spec, enum transition t,
                                const svcport_v1_BmcState *before, svcport_v1_BmcState *after,
                                bool *reconciled)
{
	static const pb_size_t tags[] = {
	    [T_TAMPER] = svcport_admin_v1_AdminRequest_tamper_tag,
	    [T_ACTIVATE] = svcport_admin_v1_AdminRequest_activate_tag,
	    [T_SENSORS] = svcport_admin_v1_AdminRequest_sensors_set_tag,
	};
	const bool was_locked = before->lockdown_state == svcport_v1_LockdownState_LOCKDOWN_LOCKED;
	const uint32_t threshold = before->sensors.motion_step_threshold + 1;
	char msg[256];
	enum outcome o;

	setenv("SVCPORT_FSIO_FAULT", spec, 1);
	bmcd = proc_bmcd_start(W.state, gw_path, admin_path, NULL, true);
	unsetenv("SVCPORT_FSIO_FAULT");
	assert_true(bmcd > 0);
	o = outcome_of(console(tags[t], threshold, msg, sizeof(msg)), msg);
	proc_stop(bmcd, SIGKILL); /* the power goes, right after the reply */
	bmcd = -1;
	restart_check(after, reconciled);
	*reconciled = *reconciled && after->audit_count > before->audit_count;

	/* Never less locked than before the fault: only an activation unlocks. */
	if (was_locked && t != T_ACTIVATE)
		assert_int_equal(after->lockdown_state, svcport_v1_LockdownState_LOCKDOWN_LOCKED);
	/* A lock the reply called stored or latched holds across the restart. */
	if (t == T_TAMPER && (o == O_STORED || o == O_LATCHED))
		assert_int_equal(after->lockdown_state, svcport_v1_LockdownState_LOCKDOWN_LOCKED);
	if (t == T_TAMPER)
		assert_true(o != O_NOTHING); /* a lock is never refused for want of a disk */
	/* The old state or the new one; a reply that said stored means the new one. */
	if (t == T_ACTIVATE && o == O_STORED)
		assert_int_equal(after->lockdown_state, svcport_v1_LockdownState_LOCKDOWN_ACTIVE);
	if (t == T_SENSORS) {
		assert_true(after->sensors.motion_step_threshold == threshold - 1 ||
		            after->sensors.motion_step_threshold == threshold);
		if (o == O_STORED)
			assert_int_equal(after->sensors.motion_step_threshold, threshold);
		assert_int_equal(after->lockdown_state, before->lockdown_state);
	}
	return o;
}

static int setup_faults(void **state)
{
	svcport_admin_v1_AdminRequest req = svcport_admin_v1_AdminRequest_init_zero;
	svcport_admin_v1_AdminReply rep;

	/* BMC-managed: the console activates; the intrusion sensor on. */
	tworld_setup(&W, "bmc");
	req.which_cmd = svcport_admin_v1_AdminRequest_password_set_tag;
	strcpy(req.cmd.password_set.new_password, PW);
	assert_int_equal(tworld_admin(&W, &req, TPKI_LABEL_PW, &rep), 0);
	req = (svcport_admin_v1_AdminRequest)svcport_admin_v1_AdminRequest_init_zero;
	req.which_cmd = svcport_admin_v1_AdminRequest_sensors_set_tag;
	req.cmd.sensors_set.has_sensors = true;
	req.cmd.sensors_set.sensors.intrusion_enabled = true;
	assert_int_equal(tworld_admin(&W, &req, PW, &rep), 0);
	bmc_close(W.bmc);
	W.bmc = NULL;
	snprintf(gw_path, sizeof(gw_path), "%s/gw.sock", W.dir);
	snprintf(admin_path, sizeof(admin_path), "%s/admin.sock", W.dir);
	return 0;
}

static void faults(void **state)
{
	static svcport_v1_BmcState before, after;
	static struct fault_tally tally[2][N_TARGETS];
	static const unsigned counts[] = {0, 1, 2, 5};
	const char *fault_bmcd = getenv("SVCPORT_BMCD_FAULT");
	const int rounds = is_long() ? 1200 : 120;
	char real[PATH_MAX], spec[96];
	bool reconciled;

	assert_non_null(fault_bmcd);
	snprintf(real, sizeof(real), "%s", proc_bmcd());
	restart_check(&before, &reconciled);
	setenv("SVCPORT_BMCD", fault_bmcd, 1);
	for (int i = 0; i < rounds; i++) {
		const int err = i % 2, target = (i / 2) % N_TARGETS;
		struct fault_tally *ft = &tally[err][target];
		enum transition t = T_TAMPER;
		enum outcome o;

		if (before.lockdown_state == svcport_v1_LockdownState_LOCKDOWN_LOCKED) {
			if (rnd(2) == 0) {
				activate_here();
				restart_check(&before, &reconciled);
			} else {
				t = T_ACTIVATE;
			}
		}
		if (t == T_TAMPER && rnd(4) == 0)
			t = T_SENSORS;
		snprintf(spec, sizeof(spec), "fail:%s:%s:%u:%u", fault_targets[target],
		         err ? "EIO" : "ENOSPC", rnd(4), counts[rnd(4)]);
		o = fault_round(spec, t, &before, &after, &reconciled);
		ft->rounds++;
		ft->outcome[o]++;
		ft->reconciled += reconciled;
		before = after;
	}
	setenv("SVCPORT_BMCD", real, 1);
	for (int e = 0; e < 2; e++)
		for (size_t t = 0; t < N_TARGETS; t++) {
			const struct fault_tally *ft = &tally[e][t];

			fprintf(stderr, "faults %-6s on %-11s: %3d rounds:", e ? "EIO" : "ENOSPC",
			        fault_targets[t], ft->rounds);
			for (int o = 0; o < O_COUNT; o++)
				fprintf(stderr, " %s %d,", outcome_names[o], ft->outcome[o]);
			fprintf(stderr, " reconciled at restart %d\n", ft->reconciled);
		}
	/* Each way the store can go has happened. */
	assert_true(tally[0][0].outcome[O_LATCHED] + tally[1][0].outcome[O_LATCHED] > 0);
	assert_true(tally[0][2].outcome[O_MEMORY] + tally[1][2].outcome[O_MEMORY] > 0);
	assert_true(tally[0][4].outcome[O_WRITTEN] + tally[1][4].outcome[O_WRITTEN] > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(powercut, setup, teardown),
	    cmocka_unit_test_setup_teardown(faults, setup_faults, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
