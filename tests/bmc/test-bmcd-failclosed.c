// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fail closed, with the real svcport-bmcd and svcport-bmcctl (issue 11 items
 * 1 and 2): an edited, truncated or rolled-back state file keeps the daemon
 * from serving it (the board stays locked); a tamper event on a full disk
 * locks at once and after a restart. The state is made by `svcport-bmcd
 * --init`; the full disk comes from svcport-bmcd-fault (the daemon linked
 * with tests/fault) under SVCPORT_FSIO_FAULT.
 */
#include <errno.h>
#include <fcntl.h>
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

#include "gwclient.h"
#include "softhsm.h"

#define PW "correct horse"

static char dir[PATH_MAX], factory[PATH_MAX + 16], state_dir[PATH_MAX + 16];
static char gw_path[PATH_MAX + 16], admin_path[PATH_MAX + 16], log_path[PATH_MAX + 16];
static pid_t bmcd = -1;
static char real_bmcd[PATH_MAX];

static const char *bmcd_fault(void)
{
	const char *p = getenv("SVCPORT_BMCD_FAULT");

	return p ? p : "svcport-bmcd-fault";
}

static int run(char *out, size_t cap, const char *const *args)
{
	return proc_bmcctl_run(admin_path, out, cap, args);
}

#define CTL(out, ...) run(out, sizeof(out), (const char *const[]){__VA_ARGS__, NULL})

static pid_t start(void)
{
	return proc_bmcd_start_log(state_dir, gw_path, admin_path, NULL, true, log_path);
}

/* A factory state (svcport-bmcd --init) with the administrator password PW. */
static void init_state(const char *control)
{
	char out[512];
	const char *argv[] = {proc_bmcd(), "--init",  "--factory", factory, "--state-dir",
	                      state_dir,   "--force", NULL,        NULL,    NULL};

	if (tsofthsm_is_selected()) {
		argv[7] = "--se-config";
		tsofthsm_get(&argv[8]);
	}

	assert_int_equal(tpki_write_factory(factory, control, false), 0);
	assert_int_equal(proc_run(argv, out, sizeof(out)), 0);
	bmcd = start();
	assert_true(bmcd > 0);
	assert_int_equal(CTL(out, "--password", TPKI_LABEL_PW, "password", "set", PW), 0);
	proc_stop(bmcd, SIGTERM);
	bmcd = -1;
}

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "%s/svcport-failclosed-XXXXXX",
	         getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir))
		return -1;
	snprintf(factory, sizeof(factory), "%s/factory", dir);
	snprintf(state_dir, sizeof(state_dir), "%s/state", dir);
	snprintf(gw_path, sizeof(gw_path), "%s/gw.sock", dir);
	snprintf(admin_path, sizeof(admin_path), "%s/admin.sock", dir);
	snprintf(log_path, sizeof(log_path), "%s/bmcd.log", dir);
	snprintf(real_bmcd, sizeof(real_bmcd), "%s", proc_bmcd());
	return 0;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	proc_stop(bmcd, SIGKILL);
	bmcd = -1;
	unsetenv("SVCPORT_FSIO_FAULT");
	setenv("SVCPORT_BMCD", real_bmcd, 1);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static bool is_in_log(const char *what)
{
	static char buf[16384];
	FILE *f = fopen(log_path, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

	if (f)
		fclose(f);
	buf[n] = 0;
	return strstr(buf, what) != NULL;
}

static size_t slurp(const char *name, unsigned char *buf, size_t cap)
{
	char path[PATH_MAX + 32];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", state_dir, name);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

static void spill(const char *name, const unsigned char *buf, size_t len)
{
	char path[PATH_MAX + 32];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", state_dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	fclose(f);
}

/* The console's view: "LOCKED" or "ACTIVE". */
static const char *lockdown(void)
{
	static char out[4096];

	assert_int_equal(CTL(out, "--json", "status"), 0);
	if (strstr(out, "\"lockdown_state\":\"LOCKED\""))
		return "LOCKED";
	if (strstr(out, "\"lockdown_state\":\"ACTIVE\""))
		return "ACTIVE";
	fail_msg("status: %s", out);
	return NULL;
}

static bool is_sed_backup_refused(void)
{
	char out[512], file[PATH_MAX + 16];

	snprintf(file, sizeof(file), "%s/ak-%d.bak", dir, rand());
	return CTL(out, "--password", PW, "sed", "backup", file, "--backup-passphrase",
	           "backup pass 12") != 0 &&
	       access(file, F_OK) != 0;
}

/* Never a default, never the edited value: the daemon does not serve. */
static void expect_refused(const char *why)
{
	bmcd = start();
	if (bmcd > 0 && strcmp(lockdown(), "ACTIVE") == 0 && !is_sed_backup_refused())
		fail_msg("an edited state (%s) was served ACTIVE and the SED AK exported", why);
	assert_true(bmcd < 0);
	assert_true(is_in_log("state refused"));
}

/* The attack of the issue: one byte turns a LOCKED record ACTIVE. */
static void state_edited_to_active_is_refused(void **state)
{
	static unsigned char buf[16384];
	size_t len;
	unsigned char *p;

	init_state("portal");
	len = slurp("state.pb", buf, sizeof(buf));
	p = memmem(buf, len, "\x28\x02", 2); /* lockdown_state (5) = LOCKED (2) */
	assert_non_null(p);
	p[1] = 1; /* ACTIVE */
	spill("state.pb", buf, len);
	expect_refused("LOCKED -> ACTIVE");
}

/* A cut after a whole field: before, it loaded with an empty audit head. */
static void state_truncated_is_refused(void **state)
{
	static unsigned char buf[16384];
	size_t len;
	unsigned char *p;

	init_state("bmc");
	len = slurp("state.pb", buf, sizeof(buf));
	p = memmem(buf, len, "\x82\x01\x20", 3); /* audit_head_sha256 (16), 32 bytes */
	assert_non_null(p);
	spill("state.pb", buf, (size_t)(p - buf));
	expect_refused("truncated before the audit head");
}

/* An older copy of the state and its log, put back: refused by the counter rule. */
static void state_rolled_back_is_refused(void **state)
{
	static unsigned char st0[16384], log0[65536];
	char out[512];
	size_t l0, a0;

	init_state("bmc");
	bmcd = start();
	assert_true(bmcd > 0);
	l0 = slurp("state.pb", st0, sizeof(st0));
	a0 = slurp("audit.log", log0, sizeof(log0));
	assert_int_equal(CTL(out, "--password", PW, "sensors", "set", "motion", "on"), 0);
	assert_int_equal(CTL(out, "--password", PW, "policy", "set", "ble-presence", "true"), 0);
	proc_stop(bmcd, SIGTERM);
	spill("state.pb", st0, l0);
	spill("audit.log", log0, a0);
	bmcd = start();
	assert_true(bmcd < 0);
	assert_true(is_in_log("rolled back"));
}

/* `bmcctl tamper intrusion` on a full disk: locked now and after a restart. */
static void tamper_on_full_disk_stays_locked(void **state)
{
	char out[2048];

	init_state("bmc");
	bmcd = start();
	assert_true(bmcd > 0);
	assert_int_equal(CTL(out, "--password", PW, "sensors", "set", "intrusion", "on"), 0);
	assert_false(is_sed_backup_refused());
	proc_stop(bmcd, SIGTERM);

	/* The same daemon, its writes failing as on a full disk. */
	setenv("SVCPORT_FSIO_FAULT", "full:all", 1);
	setenv("SVCPORT_BMCD", bmcd_fault(), 1);
	bmcd = start();
	assert_true(bmcd > 0);
	assert_int_equal(CTL(out, "--password", PW, "tamper", "intrusion"), 1);
	assert_string_equal(lockdown(), "LOCKED");
	assert_true(is_sed_backup_refused());
	proc_stop(bmcd, SIGKILL);
	/* Restarted, the disk still full. */
	bmcd = start();
	assert_true(bmcd > 0);
	assert_string_equal(lockdown(), "LOCKED");
	proc_stop(bmcd, SIGKILL);

	/* Room again, the real daemon: locked, and the log says why. */
	unsetenv("SVCPORT_FSIO_FAULT");
	setenv("SVCPORT_BMCD", real_bmcd, 1);
	bmcd = start();
	assert_true(bmcd > 0);
	assert_string_equal(lockdown(), "LOCKED");
	assert_int_equal(CTL(out, "--password", PW, "audit", "show"), 0);
	assert_non_null(strstr(out, "latch-reconcile"));
	assert_int_equal(CTL(out, "--password", PW, "audit", "verify"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(state_edited_to_active_is_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(state_truncated_is_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(state_rolled_back_is_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(tamper_on_full_disk_stays_locked, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
