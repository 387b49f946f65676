// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Issue 13, accounts and policies: the two administrator levels, the label
 * password, the UEFI setup password and the factory reset, the handset and
 * keylock hardware events, the LED rule, the activation code on the console.
 * Every refusal checks that nothing changed on disk.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "admin-fixture.h"
#include "audit.h"
#include "factory.h"
#include "testpki.h"

#define ROLE(x)   svcport_v1_ConsoleRole_CONSOLE_##x
#define LOCKED    svcport_v1_LockdownState_LOCKDOWN_LOCKED
#define ACTIVE    svcport_v1_LockdownState_LOCKDOWN_ACTIVE
#define BOB_PW    "bob's own pw"
#define UEFI_PW   "uefi setup 1"
#define ACCOUNT_N 8

/* The last audit record's event and detail. */
static const char *last_event(char *detail, size_t cap)
{
	static svcport_v1_AuditRecord rec;
	size_t n = 0;

	assert_int_equal(audit_read(W.state, st(), st()->audit_count - 1, &rec, 1, &n), 0);
	assert_int_equal(n, 1);
	if (detail)
		snprintf(detail, cap, "%s", rec.detail);
	return rec.event;
}

/* Runs cmd as user with pw and expects e with nothing changed on disk. */
static void refused(pb_size_t cmd, const char *user, const char *pw, svcport_admin_v1_AdminError e)
{
	tworld_snap(&W, &snap);
	snprintf(req.user, sizeof(req.user), "%s", user ? user : "");
	assert_int_equal(run(cmd, pw), e);
	assert_true(tworld_is_unchanged(&W, &snap));
	req.user[0] = 0;
}

static svcport_admin_v1_AdminError run_as(pb_size_t cmd, const char *user, const char *pw)
{
	svcport_admin_v1_AdminError e;

	snprintf(req.user, sizeof(req.user), "%s", user);
	e = run(cmd, pw);
	req.user[0] = 0;
	return e;
}

static void add_account(const char *name, svcport_v1_ConsoleRole role)
{
	new_req();
	strcpy(req.cmd.account_add.name, name);
	req.cmd.account_add.role = role;
	strcpy(req.cmd.account_add.password, "initial pw");
	assert_int_equal(run(CMD(account_add), PW), AE(OK));
	/* The account sets its own password at its first login. */
	new_req();
	strcpy(req.cmd.password_set.new_password, BOB_PW);
	assert_int_equal(run_as(CMD(sensors_show), name, "initial pw"), AE(PASSWORD_MUST_CHANGE));
	assert_int_equal(run_as(CMD(password_set), name, "initial pw"), AE(OK));
	new_req();
}

static void set_policy(const char *name, bool value, const char *user, const char *pw,
                       svcport_admin_v1_AdminError e)
{
	new_req();
	strcpy(req.cmd.policy_set.name, name);
	req.cmd.policy_set.value = value;
	if (e == AE(OK))
		assert_int_equal(run_as(CMD(policy_set), user, pw), AE(OK));
	else
		refused(CMD(policy_set), user, pw, e);
	new_req();
}

/* ------------------------------------------------ no universal default */

static void label_password_is_the_only_initial_one(void **state)
{
	char err[256] = "", dir[PATH_MAX], path[PATH_MAX + 32];

	/* The old universal default opens nothing; the label's must change first. */
	new_req();
	refused(CMD(sensors_show), NULL, "PASSW0RD", AE(AUTH_FAILED));
	W.now_ms += 60000;
	refused(CMD(activate), NULL, TPKI_LABEL_PW, AE(PASSWORD_MUST_CHANGE));
	strcpy(req.cmd.password_set.new_password, TPKI_LABEL_PW);
	refused(CMD(password_set), NULL, TPKI_LABEL_PW, AE(INVALID_STATE));
	set_password();
	assert_false(tworld_file_contains(&W, "state.pb", TPKI_LABEL_PW, strlen(TPKI_LABEL_PW)));
	/* Nor the current password again (attack pass on issue 13, L2). */
	strcpy(req.cmd.password_set.new_password, PW);
	refused(CMD(password_set), NULL, PW, AE(INVALID_STATE));
	assert_non_null(strstr(rep.message, "the same as the current one"));
	add_account("bob", ROLE(ADMINISTRATOR));
	strcpy(req.cmd.password_set.new_password, BOB_PW);
	refused(CMD(password_set), "bob", BOB_PW, AE(INVALID_STATE));
	new_req();

	/* A factory dir without a label password makes no board. */
	snprintf(dir, sizeof(dir), "%s/nolabel", W.dir);
	assert_int_equal(tpki_write_factory(dir, "bmc", false), 0);
	snprintf(path, sizeof(path), "%s/admin-password", dir);
	assert_int_equal(unlink(path), 0);
	snprintf(path, sizeof(path), "%s/nolabel-state", W.dir);
	assert_int_equal(bmc_factory_init(dir, path, false, &W.env, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "admin-password"));
	assert_int_equal(access(path, F_OK), -1); /* nothing written */
	/* Nor one too short to be a password. */
	snprintf(path, sizeof(path), "%s/admin-password", dir);
	fclose(fopen(path, "w"));
	snprintf(path, sizeof(path), "%s/nolabel-state", W.dir);
	assert_int_equal(bmc_factory_init(dir, path, false, &W.env, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "admin-password"));
	assert_int_equal(access(path, F_OK), -1);
}

/* ------------------------------------------------ two levels */

static void administrator_and_read_only(void **state)
{
	set_password();
	add_account("bob", ROLE(ADMINISTRATOR));
	add_account("rita", ROLE(READ_ONLY));
	assert_string_equal(last_event(NULL, 0), "admin-password-set");

	/* Exactly one Administrator+; names, duplicates, passwords, the bound. */
	strcpy(req.cmd.account_add.name, "eve");
	strcpy(req.cmd.account_add.password, "long enough");
	req.cmd.account_add.role = ROLE(ADMINISTRATOR_PLUS);
	refused(CMD(account_add), NULL, PW, AE(INVALID_STATE));
	req.cmd.account_add.role = ROLE(ADMINISTRATOR);
	refused(CMD(account_add), "bob", BOB_PW, AE(ROLE_FORBIDDEN));
	strcpy(req.cmd.account_add.name, "Eve;rm");
	refused(CMD(account_add), NULL, PW, AE(BAD_REQUEST));
	strcpy(req.cmd.account_add.name, "bob");
	refused(CMD(account_add), NULL, PW, AE(INVALID_STATE));
	strcpy(req.cmd.account_add.name, "admin");
	refused(CMD(account_add), NULL, PW, AE(INVALID_STATE));
	strcpy(req.cmd.account_add.name, "eve");
	strcpy(req.cmd.account_add.password, "short");
	refused(CMD(account_add), NULL, PW, AE(INVALID_STATE));
	for (int i = 2; i < ACCOUNT_N; i++) {
		new_req();
		snprintf(req.cmd.account_add.name, sizeof(req.cmd.account_add.name), "u%d", i);
		strcpy(req.cmd.account_add.password, "long enough");
		req.cmd.account_add.role = ROLE(READ_ONLY);
		assert_int_equal(run(CMD(account_add), PW), AE(OK));
	}
	strcpy(req.cmd.account_add.name, "ninth");
	refused(CMD(account_add), NULL, PW, AE(INVALID_STATE));

	/* An Administrator: the console's work, never the SED AK, the UEFI password,
	 * the accounts, or a weaker policy or sensor. */
	new_req();
	assert_int_equal(run_as(CMD(account_list), "bob", BOB_PW), AE(OK));
	assert_int_equal(rep.body.accounts.accounts_count, ACCOUNT_N + 1);
	assert_string_equal(rep.body.accounts.accounts[0].name, "admin");
	assert_int_equal(rep.body.accounts.accounts[0].role, ROLE(ADMINISTRATOR_PLUS));
	assert_int_equal(rep.body.accounts.accounts[1].role, ROLE(ADMINISTRATOR));
	new_req();
	refused(CMD(sed_backup), "bob", BOB_PW, AE(ROLE_FORBIDDEN));
	refused(CMD(sed_enable), "bob", BOB_PW, AE(ROLE_FORBIDDEN));
	strcpy(req.cmd.uefi_password_set.new_password, UEFI_PW);
	refused(CMD(uefi_password_set), "bob", BOB_PW, AE(ROLE_FORBIDDEN));
	strcpy(req.cmd.account_delete.name, "rita");
	refused(CMD(account_delete), "bob", BOB_PW, AE(ROLE_FORBIDDEN));
	set_policy("ble-presence", true, "bob", BOB_PW, AE(ROLE_FORBIDDEN));
	set_policy("password-reset-clears-sed-ak", false, "bob", BOB_PW, AE(ROLE_FORBIDDEN));
	set_policy("password-reset-clears-sed-ak", true, "bob", BOB_PW, AE(OK));
	req.cmd.sensors_set.has_sensors = true;
	req.cmd.sensors_set.sensors.intrusion_enabled = true;
	assert_int_equal(run_as(CMD(sensors_set), "bob", BOB_PW), AE(OK));
	req.cmd.sensors_set.sensors.intrusion_enabled = false;
	refused(CMD(sensors_set), "bob", BOB_PW, AE(ROLE_FORBIDDEN));

	/* Read-only: reads only. A wrong password is a wrong password. */
	new_req();
	assert_int_equal(run_as(CMD(sensors_show), "rita", BOB_PW), AE(OK));
	refused(CMD(activate), "rita", BOB_PW, AE(ROLE_FORBIDDEN));
	refused(CMD(activation_code_get), "rita", BOB_PW, AE(ROLE_FORBIDDEN));
	refused(CMD(account_list), "rita", BOB_PW, AE(ROLE_FORBIDDEN));
	refused(CMD(sensors_show), "nobody", BOB_PW, AE(AUTH_FAILED));

	/* The Administrator+ deletes; never the default user. */
	strcpy(req.cmd.account_delete.name, "admin");
	refused(CMD(account_delete), NULL, PW, AE(INVALID_STATE));
	strcpy(req.cmd.account_delete.name, "zed");
	refused(CMD(account_delete), NULL, PW, AE(INVALID_STATE));
	strcpy(req.cmd.account_delete.name, "bob");
	assert_int_equal(run(CMD(account_delete), PW), AE(OK));
	assert_string_equal(last_event(NULL, 0), "account-delete");
	assert_int_equal(st()->accounts_count, ACCOUNT_N - 1);
	W.now_ms += 60000;
	refused(CMD(sensors_show), "bob", BOB_PW, AE(AUTH_FAILED));
	/* Accounts survive a restart. */
	tworld_reopen(&W);
	assert_int_equal(run_as(CMD(sensors_show), "rita", BOB_PW), AE(OK));
}

/* ------------------------------------------------ UEFI password, factory reset */

/* A correct login of one account does not clear another's back-off: the read-only
 * account's password between guesses at the Administrator+'s buys the guesser nothing
 * (attack pass on issue 13, M1). */
static void login_back_off_is_per_account(void **state)
{
	int limited = 0;

	set_password();
	add_account("rita", ROLE(READ_ONLY));
	for (int i = 0; i < 8 && !limited; i++) {
		svcport_admin_v1_AdminError e = run_as(CMD(sensors_show), "admin", "guess guess");

		limited = e == AE(RATE_LIMITED);
		if (!limited)
			assert_int_equal(e, AE(AUTH_FAILED));
		new_req();
		assert_int_equal(run_as(CMD(sensors_show), "rita", BOB_PW), AE(OK));
		new_req();
	}
	assert_true(limited);
	/* rita's own logins are not held back by the guesses at another account */
	assert_int_equal(run_as(CMD(sensors_show), "rita", BOB_PW), AE(OK));
}

/*
 * Re-attack on issue 13, F (rest): `tamper` answered anyone at the console
 * whether the sensors were on, where the motion threshold lay and whether the
 * keylock held (binary search on STEPS, nothing changed until it fired). Now
 * it needs a login, a read-only one suffices; without one: no body, nothing
 * changed, whatever the sensors say.
 */
static void tamper_needs_a_login(void **state)
{
	set_password();
	add_account("rita", ROLE(READ_ONLY));
	new_req();
	req.cmd.sensors_set.has_sensors = true;
	req.cmd.sensors_set.sensors.motion_enabled = true;
	req.cmd.sensors_set.sensors.motion_step_threshold = 7;
	assert_int_equal(run(CMD(sensors_set), PW), AE(OK));
	for (uint32_t steps = 1; steps <= 8; steps++) {
		new_req();
		req.cmd.tamper.kind = svcport_admin_v1_TamperKind_TAMPER_MOTION;
		req.cmd.tamper.steps = steps;
		refused(CMD(tamper), NULL, NULL, AE(AUTH_FAILED));
		assert_int_equal(rep.which_body, 0);
		assert_false(rep.body.tamper.locked);
		assert_int_equal(st()->lockdown_state, ACTIVE);
		W.now_ms += 60000; /* past the login's back-off */
	}
	new_req();
	req.cmd.tamper.kind = svcport_admin_v1_TamperKind_TAMPER_INTRUSION;
	refused(CMD(tamper), "rita", "not rita's", AE(AUTH_FAILED));
	W.now_ms += 60000;
	/* A read-only account may: the sensor is off, nothing happens. */
	assert_int_equal(run_as(CMD(tamper), "rita", BOB_PW), AE(OK));
	assert_false(rep.body.tamper.locked);
	new_req();
	req.cmd.tamper.kind = svcport_admin_v1_TamperKind_TAMPER_MOTION;
	req.cmd.tamper.steps = 7;
	assert_int_equal(run_as(CMD(tamper), "rita", BOB_PW), AE(OK));
	assert_true(rep.body.tamper.locked);
	assert_int_equal(st()->lockdown_state, LOCKED);
}

static void set_uefi(const char *current, svcport_admin_v1_AdminError e)
{
	new_req();
	strcpy(req.cmd.uefi_password_set.new_password, UEFI_PW);
	if (current)
		strcpy(req.cmd.uefi_password_set.current, current);
	if (e == AE(OK))
		assert_int_equal(run(CMD(uefi_password_set), PW), AE(OK));
	else
		refused(CMD(uefi_password_set), NULL, PW, e);
	new_req();
}

/* Wrong guesses at the Administrator+ until the back-off holds; its wait. */
static uint32_t guess_until_held(void)
{
	for (int i = 0; i < 8; i++) {
		new_req();
		if (run(CMD(sensors_show), "guess guess") == AE(RATE_LIMITED))
			return rep.retry_after_ms;
	}
	fail_msg("no back-off after 8 wrong passwords");
	return 0;
}

/*
 * Re-attack on issue 13, E: the console's back-offs were in memory only, so a
 * thief who restarts bmcd (a power cycle) guessed again at once, 3 free tries
 * each time. A restart keeps the wait and the count (the next wrong one waits
 * longer); a clock set back neither resets it nor makes it longer than 60 s.
 */
static void backoff_survives_a_restart(void **state)
{
	uint32_t wait, again;

	set_password();
	wait = guess_until_held();
	assert_true(wait > 0);
	W.now_ms += 100;
	tworld_reopen(&W);
	new_req();
	assert_int_equal(run(CMD(sensors_show), PW), AE(RATE_LIMITED));
	assert_int_equal(rep.retry_after_ms, wait - 100);
	/* The count too: the next wrong one doubles the wait, no free tries again. */
	W.now_ms += rep.retry_after_ms;
	assert_int_equal(run(CMD(sensors_show), "guess guess"), AE(AUTH_FAILED));
	tworld_reopen(&W);
	assert_int_equal(run(CMD(sensors_show), PW), AE(RATE_LIMITED));
	assert_int_equal(rep.retry_after_ms, 2 * wait);
	/* The clock set back a day: the last wait again from now, not a day of it. */
	W.now_ms -= 86400000;
	tworld_reopen(&W);
	assert_int_equal(run(CMD(sensors_show), PW), AE(RATE_LIMITED));
	again = rep.retry_after_ms;
	assert_true(again > 0 && again <= 60000);
	W.now_ms += again;
	assert_int_equal(run(CMD(sensors_show), PW), AE(OK));
	/* The right password cleared it, across a restart too. */
	tworld_reopen(&W);
	assert_int_equal(run(CMD(sensors_show), PW), AE(OK));

	/* The UEFI password's back-off too. */
	set_uefi(NULL, AE(OK));
	strcpy(req.cmd.uefi_password_verify.password, "wrong one");
	for (int i = 0; i < 4; i++)
		assert_int_equal(run(CMD(uefi_password_verify), PW), AE(UEFI_AUTH_FAILED));
	assert_int_equal(run(CMD(uefi_password_verify), PW), AE(RATE_LIMITED));
	wait = rep.retry_after_ms;
	tworld_reopen(&W);
	strcpy(req.cmd.uefi_password_verify.password, UEFI_PW);
	assert_int_equal(run(CMD(uefi_password_verify), PW), AE(RATE_LIMITED));
	assert_int_equal(rep.retry_after_ms, wait);
	W.now_ms += wait;
	assert_int_equal(run(CMD(uefi_password_verify), PW), AE(OK));
}

/*
 * An unreadable or damaged backoff.pb could have held a guesser's wait: bmcd starts with
 * every ceiling blocked for one longest wait, never with free tries (review of the
 * change: a damaged file used to give them back). A missing file is no failure at all.
 */
static void damaged_backoff_file_starts_blocked(void **state)
{
	char path[sizeof(W.state) + 16];
	FILE *f;

	set_password();
	tworld_reopen(&W); /* no backoff.pb yet: nothing held */
	new_req();
	assert_int_equal(run(CMD(sensors_show), PW), AE(OK));
	snprintf(path, sizeof(path), "%s/backoff.pb", W.state);
	assert_non_null(f = fopen(path, "wb"));
	fputs("\xff\xff\xff not a protobuf", f);
	fclose(f);
	tworld_reopen(&W);
	new_req();
	assert_int_equal(run(CMD(sensors_show), PW), AE(RATE_LIMITED));
	assert_true(rep.retry_after_ms > 0 && rep.retry_after_ms <= 60000);
	W.now_ms += rep.retry_after_ms;
	new_req();
	assert_int_equal(run(CMD(sensors_show), PW), AE(OK));
}

static void uefi_password(void **state)
{
	set_password();
	new_req();
	strcpy(req.cmd.uefi_password_verify.password, UEFI_PW);
	refused(CMD(uefi_password_verify), NULL, PW, AE(INVALID_STATE));
	strcpy(req.cmd.uefi_password_set.new_password, "short");
	refused(CMD(uefi_password_set), NULL, PW, AE(INVALID_STATE));
	set_uefi(NULL, AE(OK));
	assert_string_equal(last_event(NULL, 0), "uefi-password-set");
	assert_int_equal(st()->uefi_password_hash.size, 32);
	assert_false(tworld_file_contains(&W, "state.pb", UEFI_PW, strlen(UEFI_PW)));
	assert_false(tworld_file_contains(&W, "audit.log", UEFI_PW, strlen(UEFI_PW)));

	/* Replacing it needs it; wrong guesses back off (3 free). */
	set_uefi(NULL, AE(UEFI_AUTH_FAILED));
	set_uefi("wrong one", AE(UEFI_AUTH_FAILED));
	strcpy(req.cmd.uefi_password_verify.password, "wrong two");
	refused(CMD(uefi_password_verify), NULL, PW, AE(UEFI_AUTH_FAILED));
	refused(CMD(uefi_password_verify), NULL, PW, AE(UEFI_AUTH_FAILED));
	strcpy(req.cmd.uefi_password_verify.password, UEFI_PW);
	refused(CMD(uefi_password_verify), NULL, PW, AE(RATE_LIMITED));
	assert_true(rep.retry_after_ms > 0);
	W.now_ms += rep.retry_after_ms;
	assert_int_equal(run(CMD(uefi_password_verify), PW), AE(OK));
	/* Re-attack F: without a login it is no oracle (nor is `audit verify` a report). */
	refused(CMD(uefi_password_verify), NULL, NULL, AE(AUTH_FAILED));
	assert_int_equal(rep.which_body, 0);
	new_req();
	refused(CMD(audit_verify), NULL, NULL, AE(AUTH_FAILED));
	assert_int_equal(rep.which_body, 0);
	refused(CMD(audit_verify), "ro", NULL, AE(AUTH_FAILED));
	assert_int_equal(run(CMD(audit_verify), PW), AE(OK));
	assert_true(rep.body.audit_verify.ok);
	new_req();
	/* The console's login has its own back-off: it was not touched. */
	set_uefi(UEFI_PW, AE(OK));

	/* Clearing it needs it too. */
	new_req();
	strcpy(req.cmd.uefi_password_clear.current, "wrong");
	refused(CMD(uefi_password_clear), NULL, PW, AE(UEFI_AUTH_FAILED));
	strcpy(req.cmd.uefi_password_clear.current, UEFI_PW);
	assert_int_equal(run(CMD(uefi_password_clear), PW), AE(OK));
	assert_string_equal(last_event(NULL, 0), "uefi-password-clear");
	assert_int_equal(st()->uefi_password_hash.size, 0);
}

static void tamper(void)
{
	new_req();
	req.cmd.sensors_set.has_sensors = true;
	req.cmd.sensors_set.sensors.intrusion_enabled = true;
	assert_int_equal(run(CMD(sensors_set), PW), AE(OK));
	new_req();
	req.cmd.tamper.kind = svcport_admin_v1_TamperKind_TAMPER_INTRUSION;
	assert_int_equal(run(CMD(tamper), PW), AE(OK));
	assert_int_equal(st()->lockdown_state, LOCKED);
	new_req();
}

/*
 * Issue 13 defect 4: on a tampered BMC-managed server, `factory-reset --yes`,
 * a new password and `activate` reopened the data. Now the reset needs the
 * UEFI password, keeps the lock, and clears the AK: activation is refused.
 */
static void factory_reset_never_reopens(void **state)
{
	char detail[160];

	set_password();
	tamper();
	set_uefi(NULL, AE(OK));
	refused(CMD(factory_reset), NULL, NULL, AE(UEFI_AUTH_FAILED));
	strcpy(req.cmd.factory_reset.uefi_password, "not it!!");
	refused(CMD(factory_reset), NULL, NULL, AE(UEFI_AUTH_FAILED));
	strcpy(req.cmd.factory_reset.uefi_password, UEFI_PW);
	assert_int_equal(run(CMD(factory_reset), NULL), AE(OK));
	assert_string_equal(last_event(detail, sizeof(detail)), "factory-reset");
	assert_non_null(strstr(detail, "uefi=checked sed-ak=cleared"));
	assert_int_equal(st()->lockdown_state, LOCKED);
	assert_false(st()->sed_ak_present);
	assert_int_equal(st()->uefi_password_hash.size, 32); /* the host's, kept */

	/* The thief's next steps: the label's password, a new one, activate. */
	W.now_ms += 60000;
	set_password();
	refused(CMD(activate), NULL, PW, AE(INVALID_STATE));
	assert_int_equal(st()->lockdown_state, LOCKED);
	assert_int_equal(bmc_security_led(st()), svcport_v1_SecurityLed_LED_BLINKING);
}

static void factory_reset_policy_keeps_ak_but_not_the_lock(void **state)
{
	set_password();
	add_account("bob", ROLE(ADMINISTRATOR));
	/* Keeping the AK weakens: Administrator+ only. */
	set_policy("factory-reset-clears-sed-ak", false, "bob", BOB_PW, AE(ROLE_FORBIDDEN));
	set_policy("factory-reset-clears-sed-ak", false, "", PW, AE(OK));
	assert_true(st()->factory_reset_keeps_sed_ak);
	tamper();
	assert_int_equal(run(CMD(factory_reset), NULL), AE(OK));
	assert_true(st()->sed_ak_present);
	assert_int_equal(st()->lockdown_state, LOCKED);
	/* Accounts removed, policies back to their protective defaults. */
	assert_int_equal(st()->accounts_count, 0);
	assert_false(st()->factory_reset_keeps_sed_ak);
	W.now_ms += 60000;
	refused(CMD(sensors_show), "bob", BOB_PW, AE(AUTH_FAILED));
}

/* ------------------------------------------------ LED, hardware, code */

/* Issue 13 defect 3: the guide's rule, every case. */
static void led_rule(void **state)
{
	svcport_v1_BmcState s = svcport_v1_BmcState_init_zero;

	s.lockdown_state = ACTIVE;
	assert_int_equal(bmc_security_led(&s), svcport_v1_SecurityLed_LED_OFF);
	s.sed_enabled = true;
	assert_int_equal(bmc_security_led(&s), svcport_v1_SecurityLed_LED_ON);
	s.sed_enabled = false;
	s.sensors.motion_enabled = true;
	assert_int_equal(bmc_security_led(&s), svcport_v1_SecurityLed_LED_ON);
	s.sensors.motion_enabled = false;
	s.control_mode = svcport_v1_ControlMode_CONTROL_PORTAL_MANAGED;
	assert_int_equal(bmc_security_led(&s), svcport_v1_SecurityLed_LED_ON);
	s.lockdown_state = LOCKED;
	assert_int_equal(bmc_security_led(&s), svcport_v1_SecurityLed_LED_BLINKING);
	/* The factory's BMC-managed server: SED enabled, active: ON. */
	assert_int_equal(bmc_security_led(st()), svcport_v1_SecurityLed_LED_ON);
}

static void hw(enum bmc_hw_event ev)
{
	struct bmc_outcome o;

	assert_int_equal(bmc_hardware_event(W.bmc, ev, &o), 0);
}

static void keylock_counts_only_while_engaged(void **state)
{
	set_password();
	add_account("bob", ROLE(ADMINISTRATOR));
	new_req();
	req.cmd.sensors_set.has_sensors = true;
	req.cmd.sensors_set.sensors.intrusion_enabled = true;
	assert_int_equal(run(CMD(sensors_set), PW), AE(OK));
	set_policy("keylock", true, "bob", BOB_PW, AE(ROLE_FORBIDDEN));
	set_policy("keylock", true, "", PW, AE(OK));

	/* Released: the cover may open (hardware or the console's simulation). */
	W.chassis_locked = false;
	tworld_snap(&W, &snap);
	hw(BMC_HW_COVER_OPENED);
	req.cmd.tamper.kind = svcport_admin_v1_TamperKind_TAMPER_INTRUSION;
	assert_int_equal(run(CMD(tamper), PW), AE(OK));
	assert_false(rep.body.tamper.locked);
	assert_true(tworld_is_unchanged(&W, &snap));
	assert_int_equal(st()->lockdown_state, ACTIVE);
	/* Engaged: it counts. */
	W.chassis_locked = true;
	hw(BMC_HW_COVER_OPENED);
	assert_int_equal(st()->lockdown_state, LOCKED);
	assert_string_equal(last_event(NULL, 0), "tamper-intrusion");
	/* Tightening again (keylock off) is any Administrator's. */
	set_policy("keylock", false, "bob", BOB_PW, AE(OK));
}

static void handset_password_reset_and_revert(void **state)
{
	char detail[160];

	set_password();
	add_account("bob", ROLE(ADMINISTRATOR));
	/* Revert: accounts gone, the password kept (default policy). */
	hw(BMC_HW_HANDSET_REVERT);
	assert_string_equal(last_event(detail, sizeof(detail)), "handset-revert");
	assert_int_equal(st()->accounts_count, 0);
	assert_false(st()->admin_password_must_change);
	assert_int_equal(st()->lockdown_state, ACTIVE);
	/* With handset-revert-resets-password (Administrator+), the password and,
	 * by password-reset-clears-sed-ak, the AK go. */
	set_policy("handset-revert-resets-password", true, "", PW, AE(OK));
	hw(BMC_HW_HANDSET_REVERT);
	assert_true(st()->admin_password_must_change);
	assert_false(st()->sed_ak_present);
	assert_int_equal(st()->lockdown_state, LOCKED);
	assert_false(st()->handset_revert_resets_password);
}

static void handset_password_reset_clears_ak_by_policy(void **state)
{
	set_password();
	set_policy("password-reset-clears-sed-ak", false, "", PW, AE(OK));
	hw(BMC_HW_HANDSET_PASSWORD_RESET);
	assert_string_equal(last_event(NULL, 0), "handset-password-reset");
	assert_true(st()->admin_password_must_change);
	assert_true(st()->sed_ak_present);
	assert_int_equal(st()->lockdown_state, ACTIVE);
	W.now_ms += 60000;
	set_password();
	set_policy("password-reset-clears-sed-ak", true, "", PW, AE(OK));
	hw(BMC_HW_HANDSET_PASSWORD_RESET);
	assert_false(st()->sed_ak_present);
	assert_int_equal(st()->lockdown_state, LOCKED);
}

static void activation_code_on_the_console(void **state)
{
	char detail[160];

	set_password();
	add_account("bob", ROLE(ADMINISTRATOR));
	/* Each read counts like a failure of the USB path: 3 free, the 4th blocks after. */
	for (int i = 0; i < 4; i++) {
		new_req();
		assert_int_equal(run_as(CMD(activation_code_get), "bob", BOB_PW), AE(OK));
		assert_string_equal(rep.body.activation_code.code, TPKI_CODE);
		assert_string_equal(last_event(detail, sizeof(detail)), "activation-code-read");
		assert_string_equal(detail, "user=bob");
	}
	assert_false(tworld_file_contains(&W, "audit.log", TPKI_CODE, strlen(TPKI_CODE)));
	/* Rate limited: the fifth read waits. */
	new_req();
	refused(CMD(activation_code_get), NULL, PW, AE(RATE_LIMITED));
	assert_int_equal(rep.body.activation_code.code[0], 0);
	W.now_ms += rep.retry_after_ms;
	assert_int_equal(run(CMD(activation_code_get), PW), AE(OK));
}

static void blank_board_has_no_code(void **state)
{
	set_password();
	refused(CMD(activation_code_get), NULL, PW, AE(INVALID_STATE));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(label_password_is_the_only_initial_one, setup_bmc,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(administrator_and_read_only, setup_bmc, teardown),
	    cmocka_unit_test_setup_teardown(login_back_off_is_per_account, setup_bmc, teardown),
	    cmocka_unit_test_setup_teardown(uefi_password, setup_bmc, teardown),
	    cmocka_unit_test_setup_teardown(tamper_needs_a_login, setup_bmc, teardown),
	    cmocka_unit_test_setup_teardown(backoff_survives_a_restart, setup_bmc, teardown),
	    cmocka_unit_test_setup_teardown(damaged_backoff_file_starts_blocked, setup_bmc,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(factory_reset_never_reopens, setup_bmc, teardown),
	    cmocka_unit_test_setup_teardown(factory_reset_policy_keeps_ak_but_not_the_lock,
	                                    setup_bmc, teardown),
	    cmocka_unit_test_setup_teardown(led_rule, setup_bmc, teardown),
	    cmocka_unit_test_setup_teardown(keylock_counts_only_while_engaged, setup_bmc, teardown),
	    cmocka_unit_test_setup_teardown(handset_password_reset_and_revert, setup_bmc, teardown),
	    cmocka_unit_test_setup_teardown(handset_password_reset_clears_ak_by_policy, setup_bmc,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(activation_code_on_the_console, setup_bmc, teardown),
	    cmocka_unit_test_setup_teardown(blank_board_has_no_code, setup_blank, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
