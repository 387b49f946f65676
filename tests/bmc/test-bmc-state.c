// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * State record integrity (DESIGN §4.6, issue 11 item 2): the record is
 * authenticated by the secure element, bound to the audit log, its enums are
 * checked, and the counter rule refuses rollback. Every refusal keeps the
 * board from opening (it stays locked); none falls back to a default.
 * Also the file-backed SE's counter and latch (se.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <pb_decode.h>

#include "audit.h"
#include "admin-fixture.h"
#include "se.h"
#include "state.h"
#include "softhsm.h"
#include "testpki.h"

#define STATE_MAX 16384

static size_t file_get(const char *dir, const char *name, unsigned char *buf, size_t cap)
{
	char path[PATH_MAX + 64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	n = read(fd, buf, cap);
	close(fd);
	assert_true(n >= 0 && (size_t)n < cap);
	return (size_t)n;
}

static void file_put(const char *dir, const char *name, const unsigned char *buf, size_t len)
{
	char path[PATH_MAX + 64];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	close(fd);
}

/* A restart: bmc_open on the state dir as it is. 0 or its error. */
static int open_as_is(void)
{
	struct bmc *b = NULL;
	int ret;

	bmc_close(W.bmc);
	W.bmc = NULL;
	ret = bmc_open(W.state, &W.env, NULL, &b);
	if (ret == 0)
		W.bmc = b;
	return ret;
}

static void policy_flip(void)
{
	new_req();
	strcpy(req.cmd.policy_set.name, "ble-presence");
	req.cmd.policy_set.value = !st()->ble_presence_allowed;
	assert_int_equal(run(CMD(policy_set), PW), AE(OK));
}

/* A portal-managed board: LOCKED at the factory, the console cannot unlock it. */
static int setup_locked(void **state)
{
	setup_portal(state);
	set_password();
	return 0;
}

static void truncated_record_is_refused(void **state)
{
	static unsigned char good[STATE_MAX];
	size_t len = file_get(W.state, BMC_STATE_FILE, good, sizeof(good));

	/* Every length, field boundaries included: before, a cut after a whole
	 * field loaded, emptied the audit log's head and reset the receipt counter. */
	for (size_t cut = 0; cut < len; cut++) {
		file_put(W.state, BMC_STATE_FILE, good, cut);
		assert_int_equal(open_as_is(), -EBADMSG);
	}
	file_put(W.state, BMC_STATE_FILE, good, len);
	assert_int_equal(open_as_is(), 0);
}

static void any_changed_byte_is_refused(void **state)
{
	static unsigned char good[STATE_MAX], bad[STATE_MAX];
	size_t len = file_get(W.state, BMC_STATE_FILE, good, sizeof(good));

	for (size_t i = 0; i < len; i++) {
		memcpy(bad, good, len);
		bad[i] ^= 0x01;
		file_put(W.state, BMC_STATE_FILE, bad, len);
		assert_int_equal(open_as_is(), -EBADMSG);
	}
	/* A byte more at the end. */
	memcpy(bad, good, len);
	bad[len] = 0;
	file_put(W.state, BMC_STATE_FILE, bad, len + 1);
	assert_int_equal(open_as_is(), -EBADMSG);
	file_put(W.state, BMC_STATE_FILE, good, len);
	assert_int_equal(open_as_is(), 0);
}

/* The attack of the issue: the lockdown field edited from LOCKED to ACTIVE. */
static void locked_edited_to_active_is_refused(void **state)
{
	static unsigned char buf[STATE_MAX];
	size_t len = file_get(W.state, BMC_STATE_FILE, buf, sizeof(buf));
	/* lockdown_state = 5, varint: key 0x28, value 2 (LOCKED) */
	unsigned char *p = memmem(buf, len, "\x28\x02", 2);

	assert_int_equal(st()->lockdown_state, svcport_v1_LockdownState_LOCKDOWN_LOCKED);
	assert_non_null(p);
	p[1] = svcport_v1_LockdownState_LOCKDOWN_ACTIVE;
	file_put(W.state, BMC_STATE_FILE, buf, len);
	assert_int_equal(open_as_is(), -EBADMSG);
}

struct enum_edit {
	int lockdown, mode;
	bool identity;
};

/* An out-of-range value under a valid MAC (a writer's bug, not an attacker). */
static void out_of_range_enums_are_refused(void **state)
{
	static const struct enum_edit edits[] = {
	    {.lockdown = 0, .mode = 2, .identity = true},
	    {.lockdown = 3, .mode = 2, .identity = true},
	    {.lockdown = 99, .mode = 2, .identity = true},
	    {.lockdown = 2, .mode = 3, .identity = true},
	    {.lockdown = 2, .mode = 0, .identity = true}, /* only a blank board has no mode */
	};
	static svcport_v1_BmcState s, keep;
	struct se *se = NULL;

	bmc_close(W.bmc);
	W.bmc = NULL;
	assert_int_equal(se_open(W.state, &W.env, &se), 0);
	assert_int_equal(bmc_state_load(W.state, se, &keep), 0);
	for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		s = keep;
		s.lockdown_state = edits[i].lockdown;
		s.control_mode = edits[i].mode;
		s.has_identity = edits[i].identity;
		assert_int_equal(bmc_state_store(W.state, se, &s, NULL), 0);
		assert_int_equal(bmc_state_load(W.state, se, &s), -EBADMSG);
	}
	s = keep;
	assert_int_equal(bmc_state_store(W.state, se, &s, NULL), 0);
	se_close(se);
	assert_int_equal(open_as_is(), 0);
}

static void rollback_is_refused(void **state)
{
	static unsigned char n0[STATE_MAX], n1[STATE_MAX], a0[65536], a1[65536];
	size_t l0, l1, al0, al1;

	l0 = file_get(W.state, BMC_STATE_FILE, n0, sizeof(n0));
	al0 = file_get(W.state, AUDIT_FILE, a0, sizeof(a0));
	policy_flip();
	l1 = file_get(W.state, BMC_STATE_FILE, n1, sizeof(n1));
	al1 = file_get(W.state, AUDIT_FILE, a1, sizeof(a1));
	policy_flip();
	/* Two commits back, with its own audit log: the SE's counter is ahead. */
	file_put(W.state, BMC_STATE_FILE, n0, l0);
	file_put(W.state, AUDIT_FILE, a0, al0);
	assert_int_equal(open_as_is(), -ESTALE);
	/* One back is older than N too (N is the last commit's). */
	file_put(W.state, BMC_STATE_FILE, n1, l1);
	file_put(W.state, AUDIT_FILE, a1, al1);
	assert_int_equal(open_as_is(), -ESTALE);
}

/*
 * The power cut between the rename and the counter's raise: the record is
 * N+1, the counter N. The load accepts it and finishes the raise; after that,
 * record N is a rollback.
 */
static void interrupted_commit_is_finished(void **state)
{
	static unsigned char n0[STATE_MAX], a0[65536];
	static svcport_v1_BmcState s;
	struct se *se = NULL;
	uint64_t c0, c1;
	size_t l0, al0;

	/* File back-end only: a token's counter cannot be put back to simulate the cut. */
	if (tsofthsm_is_selected())
		skip();
	bmc_close(W.bmc);
	W.bmc = NULL;
	l0 = file_get(W.state, BMC_STATE_FILE, n0, sizeof(n0));
	al0 = file_get(W.state, AUDIT_FILE, a0, sizeof(a0));
	assert_int_equal(se_open(W.state, &W.env, &se), 0);
	assert_int_equal(se_counter_get(se, &c0), 0);
	assert_int_equal(bmc_state_load(W.state, se, &s), 0);
	assert_int_equal(s.state_counter, c0);
	se_close(se);
	/* Commit N+1 by hand, up to the rename: the same bytes a cut commit leaves. */
	{
		struct se *scratch = NULL;
		char cmd[3 * PATH_MAX];

		snprintf(cmd, sizeof(cmd), "cp -a '%s/se' '%s/se.keep'", W.state, W.dir);
		assert_int_equal(system(cmd), 0);
		assert_int_equal(se_open(W.state, &W.env, &scratch), 0);
		s.ble_presence_allowed = !s.ble_presence_allowed;
		assert_int_equal(bmc_state_store(W.state, scratch, &s, NULL), 0);
		se_close(scratch);
		/* The SE as it was before the raise. */
		snprintf(cmd, sizeof(cmd), "rm -rf '%s/se' && mv '%s/se.keep' '%s/se'", W.state,
		         W.dir, W.state);
		assert_int_equal(system(cmd), 0);
	}
	assert_int_equal(open_as_is(), 0);
	assert_int_equal(st()->state_counter, c0 + 1);
	bmc_close(W.bmc);
	W.bmc = NULL;
	assert_int_equal(se_open(W.state, &W.env, &se), 0);
	assert_int_equal(se_counter_get(se, &c1), 0);
	se_close(se);
	assert_int_equal(c1, c0 + 1);
	file_put(W.state, BMC_STATE_FILE, n0, l0);
	file_put(W.state, AUDIT_FILE, a0, al0);
	assert_int_equal(open_as_is(), -ESTALE);
}

static void record_of_another_board_is_refused(void **state)
{
	static unsigned char other[STATE_MAX];
	struct tworld w2;
	size_t len;

	/* File back-end only: one token per test process: no second board's SE. */
	if (tsofthsm_is_selected())
		skip();
	tworld_setup(&w2, "portal"); /* same device key and identity, its own SE */
	len = file_get(w2.state, BMC_STATE_FILE, other, sizeof(other));
	tworld_teardown(&w2);
	file_put(W.state, BMC_STATE_FILE, other, len);
	assert_int_equal(open_as_is(), -EBADMSG);
}

/* The record binds the log: another log, or one record less, is refused. */
static void record_binds_the_audit_log(void **state)
{
	static unsigned char log[65536];
	size_t len;
	char path[PATH_MAX + 32];

	policy_flip();
	policy_flip();
	len = file_get(W.state, AUDIT_FILE, log, sizeof(log));
	snprintf(path, sizeof(path), "%s/%s", W.state, AUDIT_FILE);
	/* The last record cut off: the committed end is gone. */
	assert_int_equal(truncate(path, (off_t)(len - 5)), 0);
	assert_int_equal(open_as_is(), -EBADMSG);
	/* One byte of an early record changed: the chain breaks. */
	log[10] ^= 0x20;
	file_put(W.state, AUDIT_FILE, log, len);
	assert_int_equal(open_as_is(), -EBADMSG);
	log[10] ^= 0x20;
	file_put(W.state, AUDIT_FILE, log, len);
	assert_int_equal(open_as_is(), 0);
}

static void se_counter_moves_by_one(void **state)
{
	struct se *se = NULL;
	uint64_t v;

	bmc_close(W.bmc);
	W.bmc = NULL;
	assert_int_equal(se_open(W.state, &W.env, &se), 0);
	assert_int_equal(se_counter_get(se, &v), 0);
	assert_int_equal(se_counter_raise(se, v), 0);
	assert_int_equal(se_counter_raise(se, v + 2), -ERANGE);
	assert_int_equal(v > 0 ? se_counter_raise(se, v - 1) : -ERANGE, -ERANGE);
	assert_int_equal(se_counter_raise(se, v + 1), 0);
	assert_int_equal(se_counter_raise(se, v + 2), 0);
	se_close(se);
	assert_int_equal(se_open(W.state, &W.env, &se), 0);
	assert_int_equal(se_counter_get(se, &v), 0);
	se_close(se);
	assert_int_equal(open_as_is(), -ESTALE); /* the record is two behind now */
}

static void assert_latch(const struct se_latch *got, const struct se_latch *want)
{
	assert_int_equal(got->flags, want->flags);
	assert_int_equal(got->counter, want->counter);
	assert_int_equal(got->trust_sequence, want->trust_sequence);
}

static void se_latch_survives_a_torn_slot(void **state)
{
	static unsigned char buf[2048];
	const struct se_latch want = {.flags = 0x5, .counter = 42, .trust_sequence = 7};
	struct se_latch got;
	struct se *se = NULL;
	size_t len;

	/* File back-end only: the file back-end's slots; test-se covers the token's records. */
	if (tsofthsm_is_selected())
		skip();
	bmc_close(W.bmc);
	W.bmc = NULL;
	assert_int_equal(se_open(W.state, &W.env, &se), 0);
	assert_int_equal(se_latch_get(se, &got), 0);
	assert_int_equal(got.flags, 0);
	assert_int_equal(se_latch_put(se, &want), 0);
	se_close(se);
	len = file_get(W.state, "se/latch", buf, sizeof(buf));
	assert_int_equal(len, 1024); /* allocated at provisioning, never grown */
	assert_int_equal(se_open(W.state, &W.env, &se), 0);
	assert_int_equal(se_latch_get(se, &got), 0);
	assert_latch(&got, &want);
	assert_int_equal(se_latch_put(se, &(struct se_latch){.flags = 1, .counter = 43}), 0);
	se_close(se);
	/* The newest slot torn by a power cut: the one before stands. */
	len = file_get(W.state, "se/latch", buf, sizeof(buf));
	/* The first put after provisioning went to slot 1, the second to slot 0. */
	buf[0 * 512 + 20] ^= 0xff;
	file_put(W.state, "se/latch", buf, len);
	assert_int_equal(se_open(W.state, &W.env, &se), 0);
	assert_int_equal(se_latch_get(se, &got), 0);
	assert_latch(&got, &want);
	se_close(se);
	/* Both slots damaged: the SE refuses to open (fails closed). */
	buf[1 * 512 + 20] ^= 0xff;
	file_put(W.state, "se/latch", buf, len);
	assert_int_equal(se_open(W.state, &W.env, &se), -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(truncated_record_is_refused, setup_locked, teardown),
	    cmocka_unit_test_setup_teardown(any_changed_byte_is_refused, setup_locked, teardown),
	    cmocka_unit_test_setup_teardown(locked_edited_to_active_is_refused, setup_locked,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(out_of_range_enums_are_refused, setup_locked, teardown),
	    cmocka_unit_test_setup_teardown(rollback_is_refused, setup_locked, teardown),
	    cmocka_unit_test_setup_teardown(interrupted_commit_is_finished, setup_locked, teardown),
	    cmocka_unit_test_setup_teardown(record_of_another_board_is_refused, setup_locked,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(record_binds_the_audit_log, setup_locked, teardown),
	    cmocka_unit_test_setup_teardown(se_counter_moves_by_one, setup_locked, teardown),
	    cmocka_unit_test_setup_teardown(se_latch_survives_a_torn_slot, setup_locked, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
