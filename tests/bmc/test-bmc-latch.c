// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fail closed (DESIGN §4.6, issue 11 item 1): a transition that reduces
 * access takes effect in memory at once and is stored after; when the store
 * fails (a full disk, EIO), the secure element's latch keeps it in force, also
 * across a restart, which reconciles the record with the latch and says so in
 * the audit log. Faults come through the link-time seam of tests/fault.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "audit.h"
#include "admin-fixture.h"
#include "board.h"
#include "fsio-fault.h"
#include "se.h"
#include "softhsm.h"
#include "testpki.h"
#include "verify.h"

#define LOCKED  svcport_v1_LockdownState_LOCKDOWN_LOCKED
#define ACTIVE  svcport_v1_LockdownState_LOCKDOWN_ACTIVE
#define TAG(x)  svcport_v1_CommandBody_##x##_tag
#define ROLE(x) svcport_v1_Role_ROLE_##x
#define E(x)    svcport_v1_ErrorCode_##x

static svcport_v1_CommandBody body;

static void fault(const char *spec)
{
	struct fsio_fault f;

	assert_int_equal(fsio_fault_parse(spec, &f), 0);
	fsio_fault_set(&f);
}

static int setup_active(void **state)
{
	fsio_fault_set(NULL);
	return setup_bmc_intrusion(state);
}

static int teardown_faults(void **state)
{
	fsio_fault_set(NULL);
	return teardown(state);
}

static svcport_admin_v1_AdminError tamper(void)
{
	new_req();
	req.cmd.tamper.kind = svcport_admin_v1_TamperKind_TAMPER_INTRUSION;
	return run(CMD(tamper), PW);
}

static struct se_latch latch_now(void)
{
	struct se_latch l;
	struct se *se = NULL;

	assert_int_equal(se_open(W.state, &W.env, &se), 0);
	assert_int_equal(se_latch_get(se, &l), 0);
	se_close(se);
	return l;
}

static bool is_sed_backup_refused(void)
{
	new_req();
	strcpy(req.cmd.sed_backup.backup_passphrase, "backup pass 12");
	return run(CMD(sed_backup), PW) != AE(OK) && rep.body.sed_backup.backup.size == 0;
}

/* The reproduction: `bmcctl tamper intrusion` on a full disk. */
static void tamper_on_full_disk_locks_now_and_after_restart(void **state)
{
	svcport_v1_AuditRecord rec;

	assert_false(is_sed_backup_refused());
	fault("full:all");
	assert_int_equal(tamper(), AE(NOT_STORED));
	assert_true(rep.body.tamper.locked);
	assert_non_null(strstr(rep.message, "latch"));
	/* In force at once: locked, and the AK refused to everyone. */
	assert_int_equal(st()->lockdown_state, LOCKED);
	assert_int_equal(bmc_security_led(st()), svcport_v1_SecurityLed_LED_BLINKING);
	assert_true(is_sed_backup_refused());
	new_req();
	assert_int_equal(run(CMD(activate), PW), AE(INTERNAL)); /* cannot be stored: no */
	assert_int_equal(st()->lockdown_state, LOCKED);
	new_req();
	assert_int_equal(run(CMD(status), NULL), AE(OK));
	assert_non_null(strstr(rep.message, "not stored"));
	assert_int_equal(latch_now().flags, BMC_LATCH_LOCKED);

	/* A restart, the disk still full: the record says ACTIVE, the latch wins. */
	tworld_reopen(&W);
	assert_int_equal(st()->lockdown_state, LOCKED);
	assert_true(is_sed_backup_refused());

	/* Room again: the restart stores the reconciliation and says why. */
	fsio_fault_set(NULL);
	tworld_reopen(&W);
	assert_int_equal(st()->lockdown_state, LOCKED);
	rec = last_record();
	assert_string_equal(rec.event, "latch-reconcile");
	assert_non_null(strstr(rec.detail, "was ACTIVE"));
	assert_non_null(strstr(rec.detail, "LOCKED"));
	assert_int_equal(latch_now().flags, 0);
	/* Stored now: another restart finds nothing to reconcile. */
	tworld_reopen(&W);
	assert_int_equal(st()->lockdown_state, LOCKED);
	assert_string_equal(last_record().event, "latch-reconcile");
	/* And the administrator activates as after any tamper event. */
	new_req();
	assert_int_equal(run(CMD(activate), PW), AE(OK));
	assert_int_equal(st()->lockdown_state, ACTIVE);
}

/* The tick stores what memory holds once the disk has room. */
static void retry_stores_the_held_lock(void **state)
{
	const uint64_t n = st()->audit_count;
	svcport_v1_AuditRecord rec;

	fault("full:all");
	assert_int_equal(tamper(), AE(NOT_STORED));
	bmc_tick(W.bmc); /* still full */
	assert_int_equal(st()->audit_count, n);
	fsio_fault_set(NULL);
	bmc_tick(W.bmc);
	assert_int_equal(st()->audit_count, n + 1);
	rec = last_record();
	assert_string_equal(rec.event, "tamper-intrusion");
	assert_non_null(strstr(rec.detail, "stored late"));
	assert_int_equal(latch_now().flags, 0);
	new_req();
	assert_int_equal(run(CMD(status), NULL), AE(OK));
	assert_null(strstr(rep.message, "not stored"));
	tworld_reopen(&W);
	assert_int_equal(st()->lockdown_state, LOCKED);
	assert_string_equal(last_record().event, "tamper-intrusion");
}

/* EIO on each file the store writes, for good: locked after a restart. */
static void eio_on_each_write_is_held(void **state)
{
	static const char *const specs[] = {"fail:state:EIO:0:0",    "fail:audit:EIO:0:0",
	                                    "fail:counter:EIO:0:0",  "fail:state:ENOSPC:0:0",
	                                    "fail:audit:ENOSPC:0:0", "fail:state:EIO:1:0"};

	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		/* On a token the counter is not a file: no file fault reaches it. */
		if (tsofthsm_is_selected() && strstr(specs[i], "counter"))
			continue;
		fault(specs[i]);
		assert_int_equal(tamper(), AE(NOT_STORED));
		assert_int_equal(st()->lockdown_state, LOCKED);
		fsio_fault_set(NULL);
		tworld_reopen(&W);
		assert_int_equal(st()->lockdown_state, LOCKED);
		new_req();
		assert_int_equal(run(CMD(activate), PW), AE(OK));
		assert_int_equal(st()->lockdown_state, ACTIVE);
	}
}

/* One failed write among the tries: stored after all, no latch. */
static void transient_fault_is_retried(void **state)
{
	fault("fail:state:EIO:0:1");
	assert_int_equal(tamper(), AE(OK));
	assert_int_equal(latch_now().flags, 0);
	fsio_fault_set(NULL);
	tworld_reopen(&W);
	assert_int_equal(st()->lockdown_state, LOCKED);
	assert_string_equal(last_record().event, "tamper-intrusion");
}

/* The latch's own write fails too: the reply says the lock holds in memory only. */
static void latch_failure_is_told(void **state)
{
	/* The file back-end's latch file fails here; a token's latch is not a file. */
	if (tsofthsm_is_selected())
		skip();
	fault("fail:state+latch:EIO:0:0");
	assert_int_equal(tamper(), AE(NOT_STORED));
	assert_non_null(strstr(rep.message, "memory only"));
	assert_int_equal(st()->lockdown_state, LOCKED);
	assert_true(is_sed_backup_refused());
}

/* A change that takes nothing away changes nothing when it cannot be stored. */
static void other_changes_stay_all_or_nothing(void **state)
{
	fault("full:all");
	tworld_snap(&W, &snap);
	new_req();
	strcpy(req.cmd.policy_set.name, "ble-presence");
	req.cmd.policy_set.value = true;
	assert_int_equal(run(CMD(policy_set), PW), AE(INTERNAL));
	assert_false(st()->ble_presence_allowed);
	fsio_fault_set(NULL);
	assert_true(tworld_is_unchanged(&W, &snap));
	assert_int_equal(latch_now().flags, 0);
}

static void portal_active(void)
{
	fsio_fault_set(NULL);
	tworld_body(&W, &body, TAG(claim), ROLE(ORG_ADMIN), TPKI_ORG);
	assert_int_equal(tworld_do(&W, &body), E(ERROR_NONE));
	tworld_body(&W, &body, TAG(activate), ROLE(ORG_ADMIN), TPKI_ORG);
	assert_int_equal(tworld_do(&W, &body), E(ERROR_NONE));
	set_password();
	assert_int_equal(st()->lockdown_state, ACTIVE);
}

/*
 * A signed emergency reset on a full disk: AK cleared and locked, held. The
 * password stays what it was: its one-time successor went to nobody (no
 * receipt, no box), so putting it in force would lock everyone out.
 */
static void emergency_reset_on_full_disk_is_held(void **state)
{
	uint8_t hash[32];
	uint64_t receipts;

	portal_active();
	receipts = st()->receipt_counter;
	assert_true(st()->sed_ak_present);
	tworld_body(&W, &body, TAG(emergency_password_reset), ROLE(MAINTENANCE), TPKI_ORG);
	assert_int_equal(st()->admin_password_hash.size, 32);
	memcpy(hash, st()->admin_password_hash.bytes, 32);
	fault("full:all");
	/* Not stored: no receipt (its counter could be handed out again). */
	assert_int_equal(tworld_do(&W, &body), E(INTERNAL));
	assert_false(st()->sed_ak_present);
	assert_memory_equal(st()->admin_password_hash.bytes, hash, 32);
	assert_int_equal(st()->lockdown_state, LOCKED);
	assert_int_equal(st()->receipt_counter, receipts);
	fsio_fault_set(NULL);
	tworld_reopen(&W);
	assert_false(st()->sed_ak_present);
	assert_memory_equal(st()->admin_password_hash.bytes, hash, 32);
	assert_int_equal(st()->lockdown_state, LOCKED);
	assert_string_equal(last_record().event, "latch-reconcile");
}

/* Promotion to portal control on a full disk: one-way also across a restart. */
static void promotion_on_full_disk_is_held(void **state)
{
	fsio_fault_set(NULL);
	set_password();
	tworld_body(&W, &body, TAG(claim), ROLE(ORG_ADMIN), TPKI_ORG);
	assert_int_equal(tworld_do(&W, &body), E(ERROR_NONE));
	tworld_body(&W, &body, TAG(promote_to_portal_control), ROLE(ORG_ADMIN), TPKI_ORG);
	fault("full:all");
	assert_int_equal(tworld_do(&W, &body), E(INTERNAL));
	assert_int_equal(st()->control_mode, svcport_v1_ControlMode_CONTROL_PORTAL_MANAGED);
	new_req();
	assert_int_equal(run(CMD(activate), PW), AE(INVALID_STATE)); /* portal control now */
	fsio_fault_set(NULL);
	tworld_reopen(&W);
	assert_int_equal(st()->control_mode, svcport_v1_ControlMode_CONTROL_PORTAL_MANAGED);
	assert_string_equal(last_record().event, "latch-reconcile");
}

/*
 * A trust update on a full disk: the new roots are in force at once; after a
 * restart the record still has the old ones, so nothing is verified until
 * the administrator applies the update again.
 */
static void trust_update_on_full_disk_is_held(void **state)
{
	static svcport_admin_v1_TrustUpdateBody tb;
	const struct tpki *p = tpki_get();

	tworld_body(&W, &body, TAG(claim), ROLE(ORG_ADMIN), TPKI_ORG);
	assert_int_equal(tworld_do(&W, &body), E(ERROR_NONE));
	set_password();
	tb = (svcport_admin_v1_TrustUpdateBody)svcport_admin_v1_TrustUpdateBody_init_zero;
	tb.version = 1;
	tb.sequence = 5;
	tb.anchors_count = 1;
	memcpy(tb.anchors[0].bytes, p->root, p->root_len);
	tb.anchors[0].size = (pb_size_t)p->root_len;
	new_req();
	tworld_trust_update(&tb, (mbedtls_pk_context *)&p->root_key, &req.cmd.trust_update);
	fault("full:all");
	assert_int_equal(run(CMD(trust_update), PW), AE(NOT_STORED));
	assert_int_equal(st()->trust_sequence, 5);
	fsio_fault_set(NULL);
	tworld_reopen(&W);
	assert_int_equal(st()->trust_sequence, 0);
	assert_int_equal(st()->trust_sequence_required, 5);
	assert_string_equal(last_record().event, "latch-reconcile");
	tworld_body(&W, &body, TAG(claim), ROLE(ORG_ADMIN), TPKI_ORG);
	assert_int_equal(tworld_do(&W, &body), E(INVALID_STATE));
	/* The administrator applies the same update again: signed commands verify. */
	new_req();
	tworld_trust_update(&tb, (mbedtls_pk_context *)&p->root_key, &req.cmd.trust_update);
	assert_int_equal(run(CMD(trust_update), PW), AE(OK));
	tworld_reopen(&W);
	tworld_body(&W, &body, TAG(claim), ROLE(ORG_ADMIN), TPKI_ORG);
	assert_int_equal(tworld_do(&W, &body), E(ERROR_NONE));
}

/* A change that takes nothing away: ble-presence flipped. Returns the new value. */
static bool policy_flip(svcport_admin_v1_AdminError want)
{
	const bool v = !st()->ble_presence_allowed;

	new_req();
	strcpy(req.cmd.policy_set.name, "ble-presence");
	req.cmd.policy_set.value = v;
	assert_int_equal(run(CMD(policy_set), PW), want);
	return v;
}

static void assert_audit_ok(void)
{
	struct audit_report r;

	assert_int_equal(audit_verify(W.state, st(), &r), 0);
	if (!r.ok)
		fail_msg("audit log: %s", r.detail);
}

/*
 * Attack pass F1: a store that fails after its rename (EIO on the SE's
 * counter, on the directory's fsync) left state.pb one record ahead of
 * memory; a tamper held after it was latched against the older record and
 * lost at the restart (ACTIVE), or the next store cut the audit record
 * state.pb binds (the board never started). Memory takes the written record;
 * the restart is LOCKED, the log verifies, the board works.
 */
static void write_cut_after_rename_then_tamper(void **state)
{
	static const char *const specs[] = {"fail:counter:EIO:0:1", "fail:other:EIO:0:1",
	                                    "fail:counter:EIO:0:0"};

	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		/* a token's counter is not a file: only the folder's fsync fails there */
		if (tsofthsm_is_selected() && strstr(specs[i], ":counter:"))
			continue;
		const uint64_t n = st()->state_counter;
		bool v;

		fault(specs[i]);
		v = policy_flip(AE(NOT_STORED));
		assert_non_null(strstr(rep.message, "not durable"));
		assert_int_equal(st()->ble_presence_allowed, v);
		assert_int_equal(st()->state_counter, n + 1);
		/* The disk full now (or the counter still failing): the tamper is held. */
		if (i < 2)
			fault("full:state+audit");
		assert_int_equal(tamper(), AE(NOT_STORED));
		assert_non_null(strstr(rep.message, "latch"));
		assert_int_equal(latch_now().counter, n + 1);
		fsio_fault_set(NULL);
		tworld_reopen(&W);
		assert_int_equal(st()->lockdown_state, LOCKED);
		assert_int_equal(st()->ble_presence_allowed, v);
		assert_audit_ok();
		assert_string_equal(last_record().event, "latch-reconcile");
		assert_int_equal(latch_now().flags, 0);
		new_req();
		assert_int_equal(run(CMD(activate), PW), AE(OK));
		tworld_reopen(&W);
		assert_int_equal(st()->lockdown_state, ACTIVE);
		assert_audit_ok();
	}
}

/* A written record is finished by the tick: no second audit record for it. */
static void written_change_is_finished_by_the_tick(void **state)
{
	uint64_t count;
	bool v;

	/* The file back-end's counter or latch file fails here; a token's is not a file. */
	if (tsofthsm_is_selected())
		skip();
	fault("fail:counter:EIO:0:1");
	v = policy_flip(AE(NOT_STORED));
	count = st()->audit_count;
	new_req();
	assert_int_equal(run(CMD(status), NULL), AE(OK));
	assert_non_null(strstr(rep.message, "not stored"));
	fsio_fault_set(NULL);
	bmc_tick(W.bmc);
	new_req();
	assert_int_equal(run(CMD(status), NULL), AE(OK));
	assert_null(strstr(rep.message, "not stored"));
	assert_int_equal(st()->audit_count, count);
	tworld_reopen(&W);
	assert_int_equal(st()->ble_presence_allowed, v);
	assert_string_equal(last_record().event, "policy-set");
	assert_audit_ok();
}

/*
 * A tamper whose record is written but whose counter cannot be raised: a
 * transient fault is finished among the tries (stored); a lasting one is
 * latched against the record before, so the written record alone covers it.
 */
static void tamper_written_not_raised(void **state)
{
	uint64_t n;

	/* The file back-end's counter or latch file fails here; a token's is not a file. */
	if (tsofthsm_is_selected())
		skip();
	fault("fail:counter:EIO:0:1");
	assert_int_equal(tamper(), AE(OK));
	assert_int_equal(latch_now().flags, 0);
	fsio_fault_set(NULL);
	new_req();
	assert_int_equal(run(CMD(activate), PW), AE(OK));
	n = st()->state_counter;
	fault("fail:counter:EIO:0:0");
	assert_int_equal(tamper(), AE(NOT_STORED));
	assert_int_equal(st()->state_counter, n + 1);
	assert_int_equal(latch_now().counter, n);
	fsio_fault_set(NULL);
	tworld_reopen(&W);
	assert_int_equal(st()->lockdown_state, LOCKED);
	assert_string_equal(last_record().event, "tamper-intrusion");
	assert_int_equal(latch_now().flags, 0);
	assert_audit_ok();
}

/* Attack pass F3: a reconciliation stored late still says what it reconciled. */
static void late_reconcile_keeps_its_detail(void **state)
{
	svcport_v1_AuditRecord rec;

	fault("full:all");
	assert_int_equal(tamper(), AE(NOT_STORED));
	tworld_reopen(&W); /* still full: reconciled in memory only */
	assert_int_equal(st()->lockdown_state, LOCKED);
	fsio_fault_set(NULL);
	bmc_tick(W.bmc);
	rec = last_record();
	assert_string_equal(rec.event, "latch-reconcile");
	assert_non_null(strstr(rec.detail, "stored late"));
	assert_non_null(strstr(rec.detail, "was ACTIVE"));
	assert_int_equal(latch_now().flags, 0);
}

/* Attack pass F2: a signed command whose latch failed too is not called latched. */
static void signed_command_tells_memory_only(void **state)
{
	static svcport_v1_SignedCommand cmd;
	const struct bmc_cmd_ctx ctx = {.link = svcport_v1_LinkKind_LINK_USB,
	                                .physical_presence = true};
	static svcport_v1_CommandResult result;
	svcport_v1_Action a;
	const char *detail = NULL;

	/* The file back-end's counter or latch file fails here; a token's is not a file. */
	if (tsofthsm_is_selected())
		skip();
	portal_active();
	tworld_body(&W, &body, TAG(emergency_password_reset), ROLE(MAINTENANCE), TPKI_ORG);
	tworld_sign(&body, NULL, NULL, NULL, 0, &cmd);
	fault("fail:state+audit+latch:EIO:0:0");
	assert_int_equal(bmc_cmd_submit(W.bmc, &cmd, &ctx, &a, &result, &detail), E(INTERNAL));
	assert_false(result.has_one_time_password); /* a reset that did not land sends none */
	assert_non_null(strstr(detail, "memory only"));
	assert_null(strstr(detail, "latched"));
	assert_int_equal(st()->lockdown_state, LOCKED);
	assert_false(st()->sed_ak_present);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(tamper_on_full_disk_locks_now_and_after_restart,
	                                    setup_active, teardown_faults),
	    cmocka_unit_test_setup_teardown(retry_stores_the_held_lock, setup_active,
	                                    teardown_faults),
	    cmocka_unit_test_setup_teardown(eio_on_each_write_is_held, setup_active,
	                                    teardown_faults),
	    cmocka_unit_test_setup_teardown(transient_fault_is_retried, setup_active,
	                                    teardown_faults),
	    cmocka_unit_test_setup_teardown(latch_failure_is_told, setup_active, teardown_faults),
	    cmocka_unit_test_setup_teardown(other_changes_stay_all_or_nothing, setup_active,
	                                    teardown_faults),
	    cmocka_unit_test_setup_teardown(emergency_reset_on_full_disk_is_held, setup_portal,
	                                    teardown_faults),
	    cmocka_unit_test_setup_teardown(promotion_on_full_disk_is_held, setup_bmc,
	                                    teardown_faults),
	    cmocka_unit_test_setup_teardown(trust_update_on_full_disk_is_held, setup_portal,
	                                    teardown_faults),
	    cmocka_unit_test_setup_teardown(write_cut_after_rename_then_tamper, setup_active,
	                                    teardown_faults),
	    cmocka_unit_test_setup_teardown(written_change_is_finished_by_the_tick, setup_active,
	                                    teardown_faults),
	    cmocka_unit_test_setup_teardown(tamper_written_not_raised, setup_active,
	                                    teardown_faults),
	    cmocka_unit_test_setup_teardown(late_reconcile_keeps_its_detail, setup_active,
	                                    teardown_faults),
	    cmocka_unit_test_setup_teardown(signed_command_tells_memory_only, setup_portal,
	                                    teardown_faults),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
