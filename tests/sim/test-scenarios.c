// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * End-to-end scenarios: real svcport-bmcd and svcportd processes, the phone
 * as `svcport-sim app` processes, over each simulated link (ble-sim, unix,
 * and tty through a pty pair). Every flow and every rejection reason of
 * DESIGN §4.2, each rejection followed by a check that nothing changed.
 * Start-up waits on the daemons' ready fds; nothing sleeps.
 *
 * Environment (set by ctest): SVCPORT_SIM, SVCPORT_BMCD, SVCPORT_SVCPORTD,
 * SVCPORT_BMCCTL.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "out.h"
#include "portal.h"
#include "server.h"
#include "test-world.h"
#include "utc.h"

#define MT "7D1A"
#define SN "J900SCEN"

enum link_kind {
	LINK_BLE_SIM,
	LINK_UNIX,
	LINK_TTY
};

struct world {
	enum link_kind kind;
	char tmp[64];
	char portal[96];
	char srv[96];
	char fac[96];
	char log[96];
	char link[128];
	char admin[128];
	char code[PORTAL_CODE_MAX];
	char key_hash[65];
	int pty_master;
	bool up;
	bool admin_pw_set; /* the label's password changed to ADMIN_PW */
};

#define ADMIN_PW "console pw 12"

static const char *sim_path(void)
{
	const char *p = getenv("SVCPORT_SIM");

	return p ? p : "svcport-sim";
}

static void dump_log(const struct world *w)
{
	char line[512];
	FILE *f = fopen(w->log, "r");

	if (!f)
		return;
	fprintf(stderr, "---- output of the failed command:\n");
	while (fgets(line, sizeof(line), f))
		fputs(line, stderr);
	fclose(f);
}

/* Runs argv with stdout+stderr into w->log; returns the exit code. */
static int run(struct world *w, char **argv)
{
	pid_t pid;
	int status = 0;

	fflush(stdout);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(w->log, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		if (w->pty_master >= 0)
			fcntl(w->pty_master, F_SETFD, 0); /* the app's fd: link */
		execv(argv[0], argv);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* svcport-sim --quiet app --link L --portal P ARGS... ; NULL-terminated. */
static int app_v(struct world *w, va_list ap)
{
	char *argv[40];
	int n = 0;
	const char *s;

	argv[n++] = (char *)sim_path();
	argv[n++] = "--quiet";
	argv[n++] = "app";
	argv[n++] = "--link";
	argv[n++] = w->link;
	argv[n++] = "--portal";
	argv[n++] = w->portal;
	while ((s = va_arg(ap, const char *)) && n < 39)
		argv[n++] = (char *)s;
	argv[n] = NULL;
	return run(w, argv);
}

static void app_ok(struct world *w, ...)
{
	va_list ap;
	int rc;

	va_start(ap, w);
	rc = app_v(w, ap);
	va_end(ap);
	if (rc != 0) {
		dump_log(w);
		fail_msg("app command failed (exit %d)", rc);
	}
}

/* The same, but the device must refuse with code (--expect-error). */
#define app_refused(w, code, ...) app_ok(w, "--expect-error", code, __VA_ARGS__)

static void app_fails(struct world *w, ...)
{
	va_list ap;
	int rc;

	va_start(ap, w);
	rc = app_v(w, ap);
	va_end(ap);
	if (rc == 0) {
		dump_log(w);
		fail_msg("app command succeeded but should not have");
	}
}

/* svcport-sim --quiet portal --portal P ARGS... ; NULL-terminated; must succeed. */
static int portal_cli_v(struct world *w, va_list ap)
{
	char *argv[32];
	const char *arg;
	int n = 0;

	argv[n++] = (char *)sim_path();
	argv[n++] = "--quiet";
	argv[n++] = "portal";
	argv[n++] = "--portal";
	argv[n++] = w->portal;
	while ((arg = va_arg(ap, const char *)) && n < 31)
		argv[n++] = (char *)arg;
	argv[n] = NULL;
	return run(w, argv);
}

static void portal_cli_ok(struct world *w, ...)
{
	va_list ap;
	int rc;

	va_start(ap, w);
	rc = portal_cli_v(w, ap);
	va_end(ap);
	if (rc != 0) {
		dump_log(w);
		fail_msg("portal command failed (exit %d)", rc);
	}
}

static void portal_cli_refused(struct world *w, ...)
{
	va_list ap;
	int rc;

	va_start(ap, w);
	rc = portal_cli_v(w, ap);
	va_end(ap);
	if (rc == 0)
		fail_msg("the portal command was not refused");
}

static void state_is(struct world *w, const char *state, const char *owner)
{
	app_ok(w, "info", "--expect-state", state, "--expect-owner", owner, NULL);
}

/*
 * svcport-bmcctl A B, logged in: `tamper` needs a login (re-attack on issue
 * 13, F). The first time, the label's password changes to ADMIN_PW, as the
 * administrator's first login must.
 */
static bool bmcctl(struct world *w, const char *a, const char *b)
{
	char label[80];
	char *set[] = {getenv("SVCPORT_BMCCTL"),
	               "--admin-socket",
	               w->admin,
	               "--password",
	               label,
	               "password",
	               "set",
	               ADMIN_PW,
	               NULL};
	char *argv[] = {getenv("SVCPORT_BMCCTL"),
	                "--admin-socket",
	                w->admin,
	                "--password",
	                ADMIN_PW,
	                (char *)a,
	                (char *)b,
	                NULL};

	if (!argv[0])
		return false;
	if (!w->admin_pw_set) {
		test_world_label(w->fac, label, sizeof(label));
		if (run(w, set) != 0)
			return false;
		w->admin_pw_set = true;
	}
	return run(w, argv) == 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* A portal with acme (alice org-admin, eddie edge-user, mona maintenance,
 * bob base), beta (zed org-admin), and a portal-managed server running. */
/* The real uid of a running process, from /proc/PID/status. */
static uid_t proc_uid(pid_t pid)
{
	char path[64], line[256];
	unsigned uid = 0;
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	assert_non_null(f = fopen(path, "r"));
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "Uid: %u", &uid) == 1;
	fclose(f);
	assert_true(found);
	return (uid_t)uid;
}

/* bmcd --link-dir DIR/link (docs/certs.md): the gateway's group may read, not write. */
static void link_credentials_are_there(const struct world *w)
{
	char path[PATH_MAX + 32];
	struct stat dir, key;

	snprintf(path, sizeof(path), "%s/link", w->srv);
	assert_int_equal(stat(path, &dir), 0);
	assert_int_equal(dir.st_mode & 07777, geteuid() == 0 ? 02750 : 0750);
	snprintf(path, sizeof(path), "%s/link/link.key", w->srv);
	assert_int_equal(stat(path, &key), 0);
	assert_int_equal(key.st_mode & 07777, 0640);
	assert_int_equal(key.st_gid, dir.st_gid);
	snprintf(path, sizeof(path), "%s/link/link-chain.pem", w->srv);
	assert_int_equal(access(path, R_OK), 0);
}

static int world_up(void **state, enum link_kind kind)
{
	struct world *w = calloc(1, sizeof(*w));
	struct portal *p = NULL;
	struct portal_manufactured m;
	struct server_bins bins;
	struct server_up_opts o = {0};
	struct server_pids pids;
	char tty_link[64];
	int64_t now = utc_now_s();

	assert_non_null(w);
	w->kind = kind;
	w->pty_master = -1;
	test_world_tmp(w->tmp, sizeof(w->tmp), "scen");
	snprintf(w->portal, sizeof(w->portal), "%s/portal", w->tmp);
	snprintf(w->srv, sizeof(w->srv), "%s/server", w->tmp);
	snprintf(w->fac, sizeof(w->fac), "%s/factory", w->tmp);
	snprintf(w->log, sizeof(w->log), "%s/cmd.log", w->tmp);
	snprintf(w->admin, sizeof(w->admin), "%s/admin.sock", w->srv);
	*state = w;

	p = test_world_portal(w->portal, MT, SN, w->fac, now, &m);
	assert_int_equal(portal_org_add(p, "beta", now), 0);
	assert_int_equal(portal_user_add(p, "mona", "acme", svcport_v1_Role_ROLE_MAINTENANCE), 0);
	assert_int_equal(portal_user_add(p, "bob", "acme", svcport_v1_Role_ROLE_BASE), 0);
	assert_int_equal(portal_user_add(p, "zed", "beta", svcport_v1_Role_ROLE_ORG_ADMIN), 0);
	memcpy(w->code, m.code, sizeof(w->code));
	memcpy(w->key_hash, m.board_key_sha256, sizeof(w->key_hash));
	portal_close(p);

	assert_int_equal(server_bins_find(NULL, &bins), 0);
	o.dir = w->srv;
	o.factory = w->fac;
	/* One tty session lives through every app run: lift the gateway's
	 * per-session frame rate (its own tests cover the limit). */
	o.gateway_args[o.n_gateway_args++] = "--rate";
	o.gateway_args[o.n_gateway_args++] = "1000";
	o.gateway_args[o.n_gateway_args++] = "--burst";
	o.gateway_args[o.n_gateway_args++] = "1000";
	if (kind == LINK_TTY) {
		/* The service port's CDC-ACM tty: svcportd gets the pty's slave, the
		 * phone its master (handed down as fd:N). */
		w->pty_master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
		assert_true(w->pty_master >= 0);
		assert_int_equal(grantpt(w->pty_master), 0);
		assert_int_equal(unlockpt(w->pty_master), 0);
		snprintf(tty_link, sizeof(tty_link), "tty:%s", ptsname(w->pty_master));
		o.extra_links[o.n_extra_links++] = tty_link;
		snprintf(w->link, sizeof(w->link), "fd:%d", w->pty_master);
		o.without_ble_sim = true;
		o.without_unix = true;
	} else if (kind == LINK_UNIX) {
		snprintf(w->link, sizeof(w->link), "unix:%s/usb.sock", w->srv);
		o.without_ble_sim = true;
	} else {
		snprintf(w->link, sizeof(w->link), "ble-sim:%s/ble.sock", w->srv);
		o.without_unix = true;
	}
	out_init(false);
	out_set_quiet(true);
	assert_int_equal(server_up(&bins, &o, &pids), 0);
	w->up = true;
	if (geteuid() == 0) {
		/* As on a real server (issue 12): never root, not the same user. */
		uid_t gw_uid = proc_uid(pids.gatewayd), bmc_uid = proc_uid(pids.bmcd);

		assert_int_not_equal(gw_uid, 0);
		assert_int_not_equal(bmc_uid, 0);
		assert_true(gw_uid != bmc_uid || !getpwnam("svcport-bmc") || !getpwnam("svcport"));
	}
	link_credentials_are_there(w);
	return 0;
}

static int world_down(void **state)
{
	struct world *w = *state;

	if (w->up && server_down(w->srv) < 0)
		fprintf(stderr, "scenario: a daemon did not stop in %s\n", w->srv);
	if (w->pty_master >= 0)
		close(w->pty_master);
	nftw(w->tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(w);
	return 0;
}

static int up_ble_sim(void **state)
{
	return world_up(state, LINK_BLE_SIM);
}

static int up_unix(void **state)
{
	return world_up(state, LINK_UNIX);
}

static int up_tty(void **state)
{
	return world_up(state, LINK_TTY);
}

static bool is_usb(const struct world *w)
{
	return w->kind != LINK_BLE_SIM;
}

static void portal_claim_ok(struct world *w)
{
	struct portal *p = NULL;

	assert_int_equal(portal_open(w->portal, false, &p), 0);
	assert_int_equal(portal_claim(p, "acme", MT, SN, w->code, utc_now_s()), 0);
	portal_close(p);
}

/* ------------------------------------------------------------------ flows */

static void test_claim_then_activate(void **state)
{
	struct world *w = *state;

	state_is(w, "LOCKED", "");
	/* Not claimed on the portal yet: the portal refuses to sign. */
	app_fails(w, "--user", "alice", "claim", NULL);
	state_is(w, "LOCKED", "");
	portal_claim_ok(w);
	app_ok(w, "--user", "alice", "claim", NULL);
	state_is(w, "LOCKED", "acme");
	app_ok(w, "--user", "eddie", "activate", NULL);
	/* the SED is enabled at manufacture: protected and active */
	app_ok(w, "info", "--expect-state", "ACTIVE", "--expect-led", "ON", NULL);
}

static void test_sensors_tamper_reactivate(void **state)
{
	struct world *w = *state;

	app_ok(w, "--user", "alice", "sensors", "--sensors", "intrusion=on,motion=on,steps=5",
	       NULL);
	app_ok(w, "info", "--expect-state", "ACTIVE", "--expect-led", "ON", NULL);
	assert_true(bmcctl(w, "tamper", "intrusion"));
	app_ok(w, "info", "--expect-state", "LOCKED", "--expect-led", "BLINKING", NULL);
	app_ok(w, "--user", "eddie", "activate", NULL);
	app_ok(w, "info", "--expect-state", "ACTIVE", "--expect-led", "ON", NULL);
}

/* The same flow by hand: the challenge in a file, `portal sign`, `--replay`,
 * `portal receipt` (what a person would do with the portal's CLI). */
static void test_portal_cli_sign_and_receipt(void **state)
{
	struct world *w = *state;
	char chal[128], cmd[128], rcpt[128];

	snprintf(chal, sizeof(chal), "%s/challenge.bin", w->tmp);
	snprintf(cmd, sizeof(cmd), "%s/sensors.cmd", w->tmp);
	snprintf(rcpt, sizeof(rcpt), "%s/receipt.bin", w->tmp);
	app_ok(w, "--user", "alice", "sensors", "--save-challenge", chal, "--challenge-only", NULL);
	portal_cli_ok(w, "sign", "--user", "alice", "--action", "sensors", "--challenge", chal,
	              "--out", cmd, "--sensors", "intrusion=on,motion=on,steps=7", NULL);
	app_ok(w, "--replay", cmd, "--save-receipt", rcpt, "sensors", NULL);
	/* The app handed the receipt in; the portal takes it once (attack 16o F7). */
	portal_cli_refused(w, "receipt", rcpt, NULL);
	app_ok(w, "info", "--expect-state", "ACTIVE", "--expect-led", "ON", NULL);
}

/* ------------------------------------------------------------------ DESIGN §4.2 rejections */

/*
 * bmcd backs off after 10 failed verifications per link kind (DESIGN §4.4);
 * a verified command clears that. Each rejection test starts with one, so
 * the rejections it provokes are judged on their own.
 */
static void clear_backoff(struct world *w)
{
	app_ok(w, "--user", "alice", "sensors", "--sensors", "intrusion=on,motion=on,steps=5",
	       NULL);
}

static void test_forged_signature(void **state)
{
	struct world *w = *state;

	assert_true(bmcctl(w, "tamper", "intrusion"));
	state_is(w, "LOCKED", "acme");
	app_refused(w, "BAD_SIGNATURE", "--user", "eddie", "activate", "--forge-signature", NULL);
	state_is(w, "LOCKED", "acme");
	app_refused(w, "UNTRUSTED_SIGNER", "--user", "eddie", "activate", "--forge-untrusted",
	            NULL);
	state_is(w, "LOCKED", "acme");
}

static void test_wrong_device(void **state)
{
	struct world *w = *state;

	clear_backoff(w);

	app_refused(w, "WRONG_DEVICE", "--user", "eddie", "activate", "--forge-device",
	            MT "/J900OTHR", NULL);
	state_is(w, "LOCKED", "acme");
}

static void test_expired(void **state)
{
	struct world *w = *state;

	clear_backoff(w);

	app_refused(w, "EXPIRED", "--user", "eddie", "activate", "--issued-offset", "-3600",
	            "--validity", "60", NULL);
	state_is(w, "LOCKED", "acme");
}

static void test_replay(void **state)
{
	struct world *w = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "%s/activate.cmd", w->tmp);
	app_ok(w, "--user", "eddie", "activate", "--save-command", cmd, NULL);
	state_is(w, "ACTIVE", "acme");
	assert_true(bmcctl(w, "tamper", "intrusion"));
	/* The exact bytes that activated it a moment ago: the nonce is spent. */
	app_refused(w, "NONCE_UNKNOWN", "--replay", cmd, "activate", NULL);
	state_is(w, "LOCKED", "acme");
}

static void test_wrong_role(void **state)
{
	struct world *w = *state;

	clear_backoff(w);

	/* The portal refuses by itself; signed anyway, the BMC refuses too. */
	app_fails(w, "--user", "bob", "activate", NULL);
	app_refused(w, "ROLE_FORBIDDEN", "--user", "bob", "activate", "--skip-policy", NULL);
	app_refused(w, "ROLE_FORBIDDEN", "--user", "eddie", "emergency-reset", "--skip-policy",
	            NULL);
	app_refused(w, "ROLE_FORBIDDEN", "--user", "mona", "activate", "--skip-policy", NULL);
	state_is(w, "LOCKED", "acme");
}

static void test_wrong_org(void **state)
{
	struct world *w = *state;

	clear_backoff(w);

	app_fails(w, "--user", "zed", "activate", NULL);
	app_refused(w, "NOT_OWNER", "--user", "zed", "activate", "--skip-policy", NULL);
	app_refused(w, "NOT_OWNER", "--user", "eddie", "activate", "--forge-org", "beta", NULL);
	state_is(w, "LOCKED", "acme");
}

static void test_demotion(void **state)
{
	struct world *w = *state;
	struct portal *p = NULL;

	clear_backoff(w);
	/* Portal control is one-way: promote again, or a key update back to BMC control. */
	app_refused(w, "INVALID_STATE", "--user", "alice", "promote", NULL);
	assert_int_equal(portal_open(w->portal, false, &p), 0);
	assert_int_equal(portal_device_key_update(p, MT, SN, w->key_hash), 0);
	portal_close(p);
	app_refused(w, "INVALID_STATE", "--user", "mona", "key-update", "--forge-control", "bmc",
	            NULL);
	app_ok(w, "info", "--expect-state", "LOCKED", "--expect-owner", "acme", "--expect-control",
	       "portal", NULL);
}

/* svcport-sim server hw --dir SRV INPUT VALUE: the virtual board's hardware. Exit code. */
static int server_hw(struct world *w, const char *input, const char *value)
{
	char *argv[] = {(char *)sim_path(), "--quiet",     "server", "hw", "--dir", w->srv,
	                (char *)input,      (char *)value, NULL};

	return run(w, argv);
}

static void test_activation_code_needs_presence(void **state)
{
	struct world *w = *state;

	clear_backoff(w);

	if (is_usb(w)) {
		app_ok(w, "activation-code", NULL);
		/* The cable out, as the board's hardware says: no presence, whatever
		 * the gateway claims for the link (DESIGN §4.4). */
		assert_int_equal(server_hw(w, "usb-gadget", "not attached"), 0);
		app_refused(w, "PRESENCE_REQUIRED", "activation-code", NULL);
		assert_int_equal(server_hw(w, "usb-gadget", "configured"), 0);
		app_ok(w, "activation-code", NULL);
		/* Only what the real input can show. */
		assert_int_equal(server_hw(w, "usb-gadget", "plugged"), 2);
		assert_int_equal(server_hw(w, "keyboard", "configured"), 2);
	} else {
		app_refused(w, "PRESENCE_REQUIRED", "activation-code", NULL);
		app_refused(w, "PRESENCE_REQUIRED", "--user", "mona", "emergency-reset", NULL);
	}
	state_is(w, "LOCKED", "acme");
}

static void test_emergency_reset_then_transfer(void **state)
{
	struct world *w = *state;
	char csv[128], phrase[PORTAL_PASSPHRASE_MAX], id[33];
	const char *devs[] = {MT "-" SN};
	struct portal *p = NULL;

	if (is_usb(w)) {
		app_ok(w, "--user", "mona", "emergency-reset", NULL);
		/* the SED AK went with it: activation waits for a restore */
		app_refused(w, "INVALID_STATE", "--user", "eddie", "activate", NULL);
	}
	snprintf(csv, sizeof(csv), "%s/transfer.csv", w->tmp);
	assert_int_equal(portal_open(w->portal, false, &p), 0);
	assert_int_equal(
	    portal_transfer_start(p, "acme", devs, 1, csv, 86400, utc_now_s(), phrase, id), 0);
	assert_int_equal(portal_transfer_accept(p, "beta", csv, phrase, utc_now_s()), 0);
	portal_close(p);
	/* Only an org admin of the owner may hand it over. */
	app_refused(w, "ROLE_FORBIDDEN", "--user", "eddie", "transfer", "--skip-policy", NULL);
	app_ok(w, "--user", "alice", "transfer", NULL);
	state_is(w, "LOCKED", "beta");
	/* acme is no longer the owner. */
	app_refused(w, "NOT_OWNER", "--user", "eddie", "activate", "--skip-policy", NULL);
}

static void test_small_mtu(void **state)
{
	struct world *w = *state;

	/* ATT_MTU 23: a chain-carrying command becomes dozens of segments. */
	app_ok(w, "--mtu", "23", "--user", "zed", "sensors", "--sensors", "intrusion=off",
	       "--force-chain", NULL);
	app_ok(w, "--mtu", "23", "info", "--expect-owner", "beta", NULL);
}

/* clang-format off */
#define SCENARIOS                                               \
	cmocka_unit_test(test_claim_then_activate),             \
	cmocka_unit_test(test_sensors_tamper_reactivate),       \
	cmocka_unit_test(test_portal_cli_sign_and_receipt),     \
	cmocka_unit_test(test_forged_signature),                \
	cmocka_unit_test(test_wrong_device),                    \
	cmocka_unit_test(test_expired),                         \
	cmocka_unit_test(test_replay),                          \
	cmocka_unit_test(test_wrong_role),                      \
	cmocka_unit_test(test_wrong_org),                       \
	cmocka_unit_test(test_demotion),                        \
	cmocka_unit_test(test_activation_code_needs_presence),  \
	cmocka_unit_test(test_emergency_reset_then_transfer)
/* clang-format on */

int main(int argc, char **argv)
{
	const struct CMUnitTest ble[] = {SCENARIOS, cmocka_unit_test(test_small_mtu)};
	const struct CMUnitTest usb[] = {SCENARIOS};
	const char *which = argc > 1 ? argv[1] : "all";
	int failed = 0;

	if (!strcmp(which, "all") || !strcmp(which, "ble-sim"))
		failed += _cmocka_run_group_tests("ble-sim", ble, sizeof(ble) / sizeof(ble[0]),
		                                  up_ble_sim, world_down);
	if (!strcmp(which, "all") || !strcmp(which, "unix"))
		failed += _cmocka_run_group_tests("unix", usb, sizeof(usb) / sizeof(usb[0]),
		                                  up_unix, world_down);
	if (!strcmp(which, "all") || !strcmp(which, "tty"))
		failed += _cmocka_run_group_tests("tty", usb, sizeof(usb) / sizeof(usb[0]), up_tty,
		                                  world_down);
	return failed;
}
