// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Issue 13 with the real svcport-bmcd and svcport-bmcctl: the hardware inputs
 * (the keylock, the cover, the handset) through the simulator's hardware
 * folder, never a console command; the new console commands' --help, --json
 * and refusals (nothing changed on disk). bmcd reads the inputs before every
 * request, so a console request after writing an input sees its effect: no
 * sleep.
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
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cmocka.h>

#include "gwclient.h"
#include "procworld.h"

#define PW      "correct horse"
#define BOB_PW  "bob's password"
#define UEFI_PW "setup screen"

static char dir[PATH_MAX], factory[PATH_MAX + 16], state_dir[PATH_MAX + 16];
static char gw_path[PATH_MAX + 16], admin_path[PATH_MAX + 16];
static pid_t bmcd = -1;

/* The Administrator+'s password now: the status's details need a login (L3). */
static const char *login = PW;

static int run(char *out, size_t cap, const char *const *args)
{
	return proc_bmcctl_run(admin_path, out, cap, args);
}

#define CTL(out, ...) run(out, sizeof(out), (const char *const[]){__VA_ARGS__, NULL})

/* The whole of path into buf (for "nothing changed"). */
static size_t slurp(const char *name, char *buf, size_t cap)
{
	char path[PATH_MAX + 32];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", state_dir, name);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	n = read(fd, buf, cap);
	close(fd);
	assert_true(n > 0 && (size_t)n < cap);
	return (size_t)n;
}

static char snap_state[16384], snap_audit[65536];
static size_t snap_state_len, snap_audit_len;

static void snap(void)
{
	snap_state_len = slurp("state.pb", snap_state, sizeof(snap_state));
	snap_audit_len = slurp("audit.log", snap_audit, sizeof(snap_audit));
}

static void assert_unchanged(void)
{
	static char now[65536];

	assert_int_equal(slurp("state.pb", now, sizeof(now)), snap_state_len);
	assert_memory_equal(now, snap_state, snap_state_len);
	assert_int_equal(slurp("audit.log", now, sizeof(now)), snap_audit_len);
	assert_memory_equal(now, snap_audit, snap_audit_len);
}

static int setup(void **state)
{
	const char *init[] = {proc_bmcd(),   "--init",  "--factory", factory,
	                      "--state-dir", state_dir, NULL};
	char out[512];

	snprintf(dir, sizeof(dir), "%s/svcport-accounts-XXXXXX",
	         getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir))
		return -1;
	snprintf(factory, sizeof(factory), "%s/factory", dir);
	snprintf(state_dir, sizeof(state_dir), "%s/state", dir);
	snprintf(gw_path, sizeof(gw_path), "%s/gw.sock", dir);
	snprintf(admin_path, sizeof(admin_path), "%s/admin.sock", dir);
	if (tpki_write_factory(factory, "bmc", false) < 0 || proc_run(init, out, sizeof(out)) != 0)
		return -1;
	bmcd = proc_bmcd_start(state_dir, gw_path, admin_path, NULL, true);
	if (bmcd <= 0)
		return -1;
	unsetenv("SVCPORT_ADMIN_PASSWORD");
	unsetenv("SVCPORT_UEFI_PASSWORD");
	login = PW;
	return CTL(out, "--password", TPKI_LABEL_PW, "password", "set", PW) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	proc_stop(bmcd, SIGKILL);
	bmcd = -1;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static bool is_status(const char *what)
{
	char out[4096];

	assert_int_equal(CTL(out, "--password", login, "--json", "status"), 0);
	return strstr(out, what) != NULL;
}

/* The keylock and the cover are hardware: the sim folder, read by bmcd. */
static void keylock_and_cover_are_hardware(void **state)
{
	char out[4096];

	assert_int_equal(CTL(out, "--password", PW, "sensors", "set", "intrusion", "on"), 0);
	assert_int_equal(CTL(out, "--password", PW, "policy", "set", "keylock", "true"), 0);
	assert_int_equal(proc_hw_set(state_dir, "chassis-lock", "released"), 0);
	assert_true(is_status("\"chassis_locked\":false"));
	/* Released: the cover opens for service, nothing locks. */
	assert_int_equal(proc_hw_set(state_dir, "cover", "open"), 0);
	assert_true(is_status("\"lockdown_state\":\"ACTIVE\""));
	assert_int_equal(proc_hw_set(state_dir, "cover", "closed"), 0);
	assert_true(is_status("\"lockdown_state\":\"ACTIVE\""));
	/* Engaged: the same opening locks. */
	assert_int_equal(proc_hw_set(state_dir, "chassis-lock", "engaged"), 0);
	assert_int_equal(proc_hw_set(state_dir, "cover", "open"), 0);
	assert_true(is_status("\"lockdown_state\":\"LOCKED\""));
	assert_true(is_status("\"security_led\":\"BLINKING\""));
	/* The console has no command that releases the lock or presses the handset. */
	assert_int_not_equal(CTL(out, "--password", PW, "chassis-lock", "release"), 0);
	assert_int_not_equal(CTL(out, "--password", PW, "handset", "password-reset"), 0);
}

/*
 * Attack pass on issue 13, M2: a cover opened and closed between two polls was
 * never counted. It latches now, as chassis-intrusion hardware does, until
 * bmcd takes it (the simulator: DIR/hw/latch/cover).
 */
static void brief_opening_is_latched(void **state)
{
	char out[8192], hw[PATH_MAX], latch[PATH_MAX + 32];

	assert_int_equal(CTL(out, "--password", PW, "sensors", "set", "intrusion", "on"), 0);
	assert_true(is_status("\"lockdown_state\":\"ACTIVE\""));
	/* Opened and closed again before bmcd looks at the cover. */
	assert_int_equal(proc_hw_set(state_dir, "cover", "open"), 0);
	assert_int_equal(proc_hw_set(state_dir, "cover", "closed"), 0);
	assert_true(is_status("\"lockdown_state\":\"LOCKED\""));
	assert_int_equal(CTL(out, "--password", PW, "audit", "show"), 0);
	assert_non_null(strstr(out, "tamper-intrusion"));
	assert_non_null(strstr(out, "cover opened"));
	/* Taken and cleared: the next look finds no new opening, nothing is written. */
	proc_hw_dir(state_dir, hw);
	snprintf(latch, sizeof(latch), "%s/latch/cover", hw);
	assert_int_equal(access(latch, F_OK), -1);
	snap();
	assert_true(is_status("\"lockdown_state\":\"LOCKED\""));
	assert_unchanged();
}

/*
 * Re-attack on issue 13, D: the keylock of a latched opening was read at the
 * poll, not at the opening. The simulator's latch records it now: released at
 * the opening and engaged again before bmcd looks is no intrusion; engaged at
 * the opening and released before bmcd looks is one.
 */
static void keylock_of_the_opening_counts(void **state)
{
	char out[4096];

	assert_int_equal(CTL(out, "--password", PW, "sensors", "set", "intrusion", "on"), 0);
	assert_int_equal(CTL(out, "--password", PW, "policy", "set", "keylock", "true"), 0);
	assert_int_equal(proc_hw_set(state_dir, "chassis-lock", "released"), 0);
	assert_true(is_status("\"lockdown_state\":\"ACTIVE\""));
	/* All between two polls: released, opened, closed, engaged. */
	assert_int_equal(proc_hw_set(state_dir, "cover", "open"), 0);
	assert_int_equal(proc_hw_set(state_dir, "cover", "closed"), 0);
	assert_int_equal(proc_hw_set(state_dir, "chassis-lock", "engaged"), 0);
	assert_true(is_status("\"lockdown_state\":\"ACTIVE\""));
	/* Engaged, opened, closed, released. */
	assert_int_equal(proc_hw_set(state_dir, "cover", "open"), 0);
	assert_int_equal(proc_hw_set(state_dir, "cover", "closed"), 0);
	assert_int_equal(proc_hw_set(state_dir, "chassis-lock", "released"), 0);
	assert_true(is_status("\"lockdown_state\":\"LOCKED\""));
	assert_int_equal(CTL(out, "--password", PW, "audit", "show"), 0);
	assert_non_null(strstr(out, "cover opened with the keylock engaged (latched)"));
}

/*
 * Re-attack on issue 13, D: a cover open at one poll, then closed and opened
 * again before the next, was lost while it read open. Its latch says so now.
 */
static void reopening_between_polls_counts(void **state)
{
	char out[4096];

	assert_int_equal(CTL(out, "--password", PW, "sensors", "set", "intrusion", "on"), 0);
	assert_int_equal(proc_hw_set(state_dir, "cover", "open"), 0);
	assert_true(is_status("\"lockdown_state\":\"LOCKED\""));
	/* The owner activates with the cover still open (service); bmcd sees no new opening. */
	assert_int_equal(CTL(out, "--password", PW, "activate"), 0);
	assert_true(is_status("\"lockdown_state\":\"ACTIVE\""));
	assert_true(is_status("\"lockdown_state\":\"ACTIVE\""));
	/* Closed and opened again between two polls. */
	assert_int_equal(proc_hw_set(state_dir, "cover", "closed"), 0);
	assert_int_equal(proc_hw_set(state_dir, "cover", "open"), 0);
	assert_true(is_status("\"lockdown_state\":\"LOCKED\""));
}

/* A real board's latch (sysfs): a hwmon intrusionN_alarm reads "1" once latched;
 * bmcd counts it and clears it by writing "0". */
static void hwmon_intrusion_alarm_is_taken(void **state)
{
	char out[8192], udc[PATH_MAX + 32], alarm[PATH_MAX + 32];
	const char *extra[] = {"--usb-udc", udc, "--intrusion-alarm", alarm, NULL};
	FILE *f;

	assert_int_equal(CTL(out, "--password", PW, "sensors", "set", "intrusion", "on"), 0);
	proc_stop(bmcd, SIGKILL);
	snprintf(udc, sizeof(udc), "%s/udc-state", dir);
	snprintf(alarm, sizeof(alarm), "%s/intrusion0_alarm", dir);
	f = fopen(alarm, "w");
	assert_non_null(f);
	fputs("0\n", f);
	fclose(f);
	bmcd = proc_bmcd_start(state_dir, gw_path, admin_path, extra, true);
	assert_true(bmcd > 0);
	assert_true(is_status("\"lockdown_state\":\"ACTIVE\""));
	/* The chip latched an opening that is over by now. */
	f = fopen(alarm, "w");
	fputs("1\n", f);
	fclose(f);
	assert_true(is_status("\"lockdown_state\":\"LOCKED\""));
	assert_true(proc_slurp(alarm, out, sizeof(out)) >= 1);
	assert_int_equal(out[0], '0');
}

/* A cover input that cannot be read counts as open (fail closed, as the keylock)
 * and is reported as a fault, in the status and the intrusion's audit record. */
static void unreadable_cover_fails_closed(void **state)
{
	char out[8192];

	assert_int_equal(CTL(out, "--password", PW, "sensors", "set", "intrusion", "on"), 0);
	assert_int_equal(proc_hw_set(state_dir, "cover", "garbage"), 0);
	assert_true(is_status("\"lockdown_state\":\"LOCKED\""));
	assert_true(is_status("\"hardware_fault\":\"cover input unreadable"));
	assert_int_equal(CTL(out, "--password", PW, "audit", "show"), 0);
	assert_non_null(strstr(out, "cover input unreadable"));
	assert_non_null(strstr(out, "counted as open"));
	assert_int_equal(CTL(out, "--password", PW, "status"), 0);
	assert_non_null(strstr(out, "hardware fault:  cover input unreadable"));
	/* Readable again: the fault is gone, the lock stays. */
	assert_int_equal(proc_hw_set(state_dir, "cover", "closed"), 0);
	assert_true(is_status("\"hardware_fault\":\"\""));
	assert_true(is_status("\"lockdown_state\":\"LOCKED\""));
}

static void handset_password_reset(void **state)
{
	char out[4096];

	/* Released, then pressed: one reset. */
	assert_int_equal(proc_hw_set(state_dir, "handset-password-reset", "released"), 0);
	assert_true(is_status("\"admin_password_must_change\":false"));
	assert_int_equal(proc_hw_set(state_dir, "handset-password-reset", "pressed"), 0);
	login = TPKI_LABEL_PW;
	assert_true(is_status("\"admin_password_must_change\":true"));
	/* password-reset-clears-sed-ak (default): the AK is gone, the server locked. */
	assert_true(is_status("\"sed_ak_present\":false"));
	assert_true(is_status("\"lockdown_state\":\"LOCKED\""));
	assert_int_not_equal(CTL(out, "--password", PW, "sensors", "show"), 0);
	assert_int_equal(CTL(out, "--password", TPKI_LABEL_PW, "password", "set", PW), 0);
	login = PW;
	assert_int_equal(CTL(out, "--password", PW, "audit", "show"), 0);
	assert_non_null(strstr(out, "handset-password-reset"));
}

/*
 * Attack pass on issue 13, L3: `status` without a login told an intruder
 * which way to go ("SED AK backup: RESTORABLE", "admin password: the label's").
 * Without a login it shows what the server shows anyway; with one, the rest.
 */
static void status_without_login_is_minimal(void **state)
{
	char out[8192];

	assert_int_equal(CTL(out, "status"), 0);
	assert_non_null(strstr(out, "lockdown:        ACTIVE"));
	assert_non_null(strstr(out, "security LED:    ON"));
	assert_non_null(strstr(out, "device:          " TPKI_MT "-" TPKI_SN));
	assert_null(strstr(out, "SED"));
	assert_null(strstr(out, "admin password"));
	assert_null(strstr(out, "policies"));
	assert_null(strstr(out, "UEFI"));
	assert_int_equal(CTL(out, "--json", "status"), 0);
	assert_non_null(strstr(out, "\"details\":false"));
	assert_null(strstr(out, "sed_"));
	assert_null(strstr(out, "owner_org"));
	/* A wrong password is a wrong password, not the public view; nothing is written. */
	snap();
	assert_int_equal(CTL(out, "--password", "not mine!", "--json", "status"), 1);
	assert_non_null(strstr(out, "\"error\":\"authentication failed\""));
	assert_unchanged();
	assert_int_equal(CTL(out, "--password", PW, "status"), 0);
	assert_non_null(strstr(out, "SED AK backup:"));
	assert_non_null(strstr(out, "admin password:"));
}

/* Attack pass on issue 13, M3, with the real console: after the handset's reset
 * and the label's password, `activate` needs the UEFI password
 * ($SVCPORT_UEFI_PASSWORD). The policy keeps the AK, as a server without SED. */
static void reset_then_activate_needs_uefi(void **state)
{
	char out[8192];

	assert_int_equal(
	    CTL(out, "--password", PW, "policy", "set", "password-reset-clears-sed-ak", "false"),
	    0);
	assert_int_equal(CTL(out, "--password", PW, "sensors", "set", "intrusion", "on"), 0);
	assert_int_equal(CTL(out, "--password", PW, "uefi-password", "set", UEFI_PW), 0);
	assert_int_equal(proc_hw_set(state_dir, "cover", "open"), 0);
	assert_int_equal(proc_hw_set(state_dir, "handset-password-reset", "released"), 0);
	assert_true(is_status("\"lockdown_state\":\"LOCKED\""));
	assert_int_equal(proc_hw_set(state_dir, "handset-password-reset", "pressed"), 0);
	assert_int_equal(CTL(out, "--password", TPKI_LABEL_PW, "password", "set", PW), 0);
	assert_true(is_status("\"reset_since_activation\":true"));
	assert_true(is_status("\"reset_gives\":\"the Administrator+; `activate` then needs"));
	assert_true(is_status("\"reset_unconfirmed\":true"));
	snap();
	/* No account made in the reset's window (re-attack A). */
	assert_int_equal(CTL(out, "--password", PW, "--json", "account", "add", "thief",
	                     "administrator", "thief's own"),
	                 1);
	assert_non_null(strstr(out, "before adding accounts"));
	assert_int_equal(CTL(out, "--password", PW, "--json", "activate"), 1);
	assert_non_null(strstr(out, "\"error\":\"wrong UEFI password\""));
	assert_unchanged();
	assert_true(is_status("\"lockdown_state\":\"LOCKED\""));
	setenv("SVCPORT_UEFI_PASSWORD", UEFI_PW, 1);
	assert_int_equal(CTL(out, "--password", PW, "activate"), 0);
	unsetenv("SVCPORT_UEFI_PASSWORD");
	assert_true(is_status("\"lockdown_state\":\"ACTIVE\""));
	assert_true(is_status("\"reset_since_activation\":false"));
	assert_true(is_status("\"reset_unconfirmed\":false"));
}

/* A file in the test's folder holding text; its path in path. */
static void secret_file(char *path, size_t cap, const char *name, const char *text)
{
	FILE *f;

	snprintf(path, cap, "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* bmcctl with args and stdin from the file at in; its exit code. */
static int ctl_stdin(const char *in, const char *const *args)
{
	const char *argv[16] = {proc_bmcctl(), "--admin-socket", admin_path};
	int n = 3, status;
	pid_t pid;

	for (int i = 0; args[i] && n < 15; i++)
		argv[n++] = args[i];
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(in, O_RDONLY);

		if (fd < 0 || dup2(fd, 0) < 0)
			_exit(127);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/*
 * Attack pass on issue 13, L4: a password on bmcctl's command line is in
 * /proc/PID/cmdline for every user. Files and stdin keep them out: the
 * session's (--password-file), new ones (--new-password-file) and the current
 * UEFI one (--uefi-password-file); "-" reads stdin (no echo on a terminal).
 */
static void passwords_from_files_and_stdin(void **state)
{
	char out[8192], pw[PATH_MAX + 32], bob0[PATH_MAX + 32], bob[PATH_MAX + 32];
	char uefi[PATH_MAX + 32], empty[PATH_MAX + 32], next[PATH_MAX + 32];

	secret_file(pw, sizeof(pw), "pw", PW "\n");
	secret_file(bob0, sizeof(bob0), "bob0", "first pw!\n");
	secret_file(bob, sizeof(bob), "bob", BOB_PW "\r\n");
	secret_file(uefi, sizeof(uefi), "uefi", UEFI_PW);
	secret_file(empty, sizeof(empty), "empty", "\n");
	secret_file(next, sizeof(next), "next", "the next one\n");
	assert_int_equal(
	    CTL(out, "--password-file", pw, "uefi-password", "set", "--new-password-file", uefi),
	    0);
	assert_int_equal(CTL(out, "--password-file", pw, "uefi-password", "verify",
	                     "--uefi-password-file", uefi),
	                 0);
	assert_int_equal(CTL(out, "--password-file", pw, "account", "add", "bob", "administrator",
	                     "--new-password-file", bob0),
	                 0);
	assert_int_equal(ctl_stdin(bob, (const char *const[]){"--user", "bob", "--password-file",
	                                                      bob0, "password", "set",
	                                                      "--new-password-file", "-", NULL}),
	                 0);
	assert_int_equal(ctl_stdin(bob, (const char *const[]){"--user", "bob", "--password-file",
	                                                      "-", "account", "list", NULL}),
	                 0);
	assert_int_equal(
	    CTL(out, "--password-file", pw, "password", "set", "--new-password-file", next), 0);
	assert_int_equal(CTL(out, "--password-file", next, "sensors", "show"), 0);

	/* Refusals before anything is sent: no file, an empty one, no FILE. */
	snap();
	assert_int_equal(CTL(out, "--password-file", "/nonexistent/pw", "sensors", "show"), 2);
	assert_int_equal(
	    CTL(out, "--password-file", next, "password", "set", "--new-password-file", empty), 1);
	assert_int_equal(
	    CTL(out, "--password-file", next, "password", "set", "--new-password-file"), 2);
	assert_int_equal(CTL(out, "uefi-password", "verify", "--uefi-password-file", empty), 1);
	assert_unchanged();
}

/* bmcctl's stderr for args (after --admin-socket), run by the shell. */
static void ctl_stderr(char *err, size_t cap, const char *args)
{
	char cmd[4 * PATH_MAX], path[PATH_MAX + 32];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/stderr", dir);
	snprintf(cmd, sizeof(cmd), "'%s' --admin-socket '%s' %s >/dev/null 2>'%s'", proc_bmcctl(),
	         admin_path, args, path);
	(void)system(cmd);
	assert_non_null(f = fopen(path, "r"));
	n = fread(err, 1, cap - 1, f);
	err[n] = 0;
	fclose(f);
}

/*
 * Re-attack on issue 13, G: the limit of a secret from a file is an argument's
 * (64 characters; a 64-character password with its newline was "too long"), a
 * NUL byte inside is refused (it cut the password short), a file others may read
 * is said, and Ctrl-C at the prompt gives the terminal its echo back.
 */
static void password_file_edges(void **state)
{
	char out[8192], err[4096], pw[PATH_MAX + 32], p64[PATH_MAX + 32], p65[PATH_MAX + 32];
	char nul[PATH_MAX + 32], args[3 * PATH_MAX];
	char long64[66], long65[67];
	FILE *f;

	memset(long64, 'x', 64);
	strcpy(long64 + 64, "\n");
	memset(long65, 'y', 65);
	strcpy(long65 + 65, "\n");
	secret_file(pw, sizeof(pw), "pw", PW "\n");
	secret_file(p64, sizeof(p64), "p64", long64);
	secret_file(p65, sizeof(p65), "p65", long65);
	snprintf(nul, sizeof(nul), "%s/nul", dir);
	assert_non_null(f = fopen(nul, "w"));
	fwrite(PW "\0tail\n", 1, sizeof(PW "\0tail\n") - 1, f);
	fclose(f);
	assert_int_equal(chmod(pw, 0600), 0);
	assert_int_equal(chmod(p64, 0600), 0);
	assert_int_equal(chmod(p65, 0600), 0);
	assert_int_equal(chmod(nul, 0600), 0);

	assert_int_equal(
	    CTL(out, "--password-file", pw, "password", "set", "--new-password-file", p64), 0);
	assert_int_equal(CTL(out, "--password-file", p64, "sensors", "show"), 0);
	snap();
	assert_int_not_equal(
	    CTL(out, "--password-file", p64, "password", "set", "--new-password-file", p65), 0);
	/* A NUL byte inside: refused, never cut short at it. */
	assert_int_not_equal(CTL(out, "--password-file", nul, "sensors", "show"), 0);
	assert_unchanged();
	snprintf(args, sizeof(args), "--password-file '%s' sensors show", nul);
	ctl_stderr(err, sizeof(err), args);
	assert_non_null(strstr(err, "NUL byte"));
	snprintf(args, sizeof(args), "--password-file '%s' sensors show", p65);
	ctl_stderr(err, sizeof(err), args);
	assert_non_null(strstr(err, "too long"));

	/* Open to others: said, still used. */
	snprintf(args, sizeof(args), "--password-file '%s' sensors show", p64);
	ctl_stderr(err, sizeof(err), args);
	assert_null(strstr(err, "warning"));
	assert_int_equal(chmod(p64, 0644), 0);
	ctl_stderr(err, sizeof(err), args);
	assert_non_null(strstr(err, "readable by everyone"));
	assert_int_equal(CTL(out, "--password-file", p64, "sensors", "show"), 0);
}

/* SED passphrases from a file or stdin like the passwords; the argument is deprecated. */
static void sed_passphrases_from_files(void **state)
{
	char out[8192], err[4096], pw[PATH_MAX + 32], pass[PATH_MAX + 32], bpass[PATH_MAX + 32];
	char bk[PATH_MAX + 32], args[4 * PATH_MAX];

	secret_file(pw, sizeof(pw), "pw", PW "\n");
	secret_file(pass, sizeof(pass), "pass", "sixteen chars ok\n");
	secret_file(bpass, sizeof(bpass), "bpass", "a backup passphrase\n");
	assert_int_equal(chmod(pw, 0600) | chmod(pass, 0600) | chmod(bpass, 0600), 0);
	snprintf(bk, sizeof(bk), "%s/ak.backup", dir);
	assert_int_equal(CTL(out, "--password-file", pw, "sed", "passphrase", "--drive-set",
	                     "rack-7", "--passphrase-file", pass),
	                 0);
	assert_true(is_status("\"sed_drive_set\":\"rack-7\""));
	assert_int_equal(
	    CTL(out, "--password-file", pw, "sed", "backup", bk, "--backup-passphrase-file", bpass),
	    0);
	assert_int_equal(
	    ctl_stdin(bpass, (const char *const[]){"--password-file", pw, "sed", "restore", bk,
	                                           "--backup-passphrase-file", "-", NULL}),
	    0);
	/* The argument still works, and says it is seen by every user. */
	snprintf(args, sizeof(args),
	         "--password-file '%s' sed passphrase --drive-set rack-7 'sixteen chars ok'", pw);
	ctl_stderr(err, sizeof(err), args);
	assert_non_null(strstr(err, "visible to every user"));
	/* A missing file is refused before anything is sent. */
	snap();
	assert_int_not_equal(CTL(out, "--password-file", pw, "sed", "passphrase", "--drive-set",
	                         "rack-8", "--passphrase-file", "/nonexistent"),
	                     0);
	assert_unchanged();
}

/* Ctrl-C while bmcctl asks on a terminal: the echo comes back. */
static void password_prompt_interrupted(void **state)
{
	struct termios t;
	char buf[256];
	size_t got = 0;
	int master = posix_openpt(O_RDWR | O_NOCTTY), slave, status;
	pid_t pid;

	assert_true(master >= 0);
	assert_int_equal(grantpt(master), 0);
	assert_int_equal(unlockpt(master), 0);
	slave = open(ptsname(master), O_RDWR | O_NOCTTY);
	assert_true(slave >= 0);
	assert_int_equal(tcgetattr(slave, &t), 0);
	assert_true(t.c_lflag & ECHO);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(slave, 0);
		dup2(slave, 2);
		execl(proc_bmcctl(), proc_bmcctl(), "--admin-socket", admin_path, "--password-file",
		      "-", "sensors", "show", (char *)NULL);
		_exit(127);
	}
	/* The prompt comes once echo is off. */
	while (!memmem(buf, got, "password: ", 10)) {
		ssize_t n = read(master, buf + got, sizeof(buf) - got);

		assert_true(n > 0);
		got += (size_t)n;
	}
	assert_int_equal(tcgetattr(slave, &t), 0);
	assert_false(t.c_lflag & ECHO);
	assert_int_equal(kill(pid, SIGINT), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGINT);
	assert_int_equal(tcgetattr(slave, &t), 0);
	assert_true(t.c_lflag & ECHO);
	close(slave);
	close(master);
}

static void accounts_uefi_and_code_from_the_console(void **state)
{
	char out[4096];

	/* --help for each new command, without a daemon round trip. */
	assert_int_equal(CTL(out, "account", "add", "--help"), 0);
	assert_non_null(strstr(out, "Administrator+"));
	assert_int_equal(CTL(out, "uefi-password", "verify", "--help"), 0);
	assert_non_null(strstr(out, "PBKDF2"));
	assert_int_equal(CTL(out, "activation-code", "--help"), 0);
	assert_non_null(strstr(out, "audited"));

	assert_int_equal(CTL(out, "--password", PW, "--json", "account", "add", "bob",
	                     "administrator", "first pw!"),
	                 0);
	assert_non_null(strstr(out, "\"ok\":true"));
	assert_int_equal(
	    CTL(out, "--user", "bob", "--password", "first pw!", "password", "set", BOB_PW), 0);
	assert_int_equal(
	    CTL(out, "--user", "bob", "--password", BOB_PW, "--json", "account", "list"), 0);
	assert_non_null(strstr(out, "{\"name\":\"admin\",\"role\":\"administrator+\""));
	assert_non_null(strstr(out, "{\"name\":\"bob\",\"role\":\"administrator\""));
	assert_int_equal(
	    CTL(out, "--user", "bob", "--password", BOB_PW, "--json", "activation-code"), 0);
	assert_non_null(strstr(out, "\"activation_code\":\"" TPKI_CODE "\""));

	/* Refusals: a JSON answer, an exit code, nothing on disk. */
	snap();
	assert_int_equal(CTL(out, "--user", "bob", "--password", BOB_PW, "--json", "uefi-password",
	                     "set", UEFI_PW),
	                 1);
	assert_non_null(strstr(out, "\"error\":\"role forbidden\""));
	assert_int_equal(CTL(out, "--user", "bob", "--password", BOB_PW, "--json", "sed", "enable"),
	                 1);
	assert_int_equal(CTL(out, "--password", PW, "account", "add", "bob", "superuser", "x"), 1);
	assert_unchanged();

	/* The UEFI password gates the factory reset. */
	assert_int_equal(CTL(out, "--password", PW, "uefi-password", "set", UEFI_PW), 0);
	snap();
	assert_int_equal(CTL(out, "--json", "factory-reset", "--yes"), 1);
	assert_non_null(strstr(out, "\"error\":\"wrong UEFI password\""));
	assert_unchanged();
	setenv("SVCPORT_UEFI_PASSWORD", UEFI_PW, 1);
	assert_int_equal(CTL(out, "uefi-password", "verify"), 1); /* re-attack F: a login */
	assert_int_equal(CTL(out, "--password", PW, "uefi-password", "verify"), 0);
	assert_int_equal(CTL(out, "factory-reset", "--yes"), 0);
	unsetenv("SVCPORT_UEFI_PASSWORD");
	login = TPKI_LABEL_PW;
	assert_true(is_status("\"sed_ak_present\":false"));
	assert_true(is_status("\"lockdown_state\":\"LOCKED\""));
	/* The other accounts went with it. */
	assert_int_equal(CTL(out, "--user", "bob", "--password", BOB_PW, "sensors", "show"), 1);
}

/* True if dir holds no entry but . and .. */
static bool is_empty_dir(const char *folder)
{
	char cmd[PATH_MAX + 64];

	snprintf(cmd, sizeof(cmd), "test -z \"$(ls -A '%s')\"", folder);
	return system(cmd) == 0;
}

/*
 * Re-attack 13c, H1, with the real bmcd and a power cut: a thief opens the cover
 * (LOCKED), fits an empty backup component (its flash and its chip) and cuts the
 * power. At the start bmcd drew a key into his chip and sealed the AK under it.
 * A locked board gives the component nothing; the owner's activation copies.
 */
static void locked_board_fills_no_component(void **state)
{
	char out[8192], hw[PATH_MAX], comp[PATH_MAX + 32], chip[PATH_MAX + 32];

	assert_int_equal(CTL(out, "--password", PW, "sensors", "set", "intrusion", "on"), 0);
	assert_int_equal(proc_hw_set(state_dir, "cover", "open"), 0);
	assert_true(is_status("\"lockdown_state\":\"LOCKED\""));
	assert_true(is_status("\"sed_ak_present\":true"));
	proc_stop(bmcd, SIGKILL);
	proc_hw_dir(state_dir, hw);
	snprintf(comp, sizeof(comp), "%s/sed-component", hw);
	snprintf(chip, sizeof(chip), "%s/sed-component-key", hw);
	assert_int_equal(mkdir(comp, 0700), 0);
	assert_int_equal(mkdir(chip, 0700), 0);
	bmcd = proc_bmcd_start(state_dir, gw_path, admin_path, NULL, true);
	assert_true(bmcd > 0);
	assert_true(is_status("\"sed_backup_component\":\"EMPTY\""));
	assert_true(is_empty_dir(comp));
	assert_true(is_empty_dir(chip));
	/* The owner activates: now the component gets its copy. */
	assert_int_equal(CTL(out, "--password", PW, "activate"), 0);
	assert_true(is_status("\"sed_backup_component\":\"CURRENT\""));
	assert_false(is_empty_dir(comp));
}

/*
 * Re-attack 13c, M5, with the real bmcd: the board's component is paired; the
 * thief (cover open, power cut) swaps in his own blank component; the owner's
 * activation gives it nothing and status says so; `sed component adopt` pairs it.
 */
static void swapped_component_waits_for_adopt(void **state)
{
	char out[8192], hw[PATH_MAX], comp[PATH_MAX + 32], chip[PATH_MAX + 32],
	    cmd[4 * (PATH_MAX + 32) + 64];

	assert_int_equal(CTL(out, "--password", PW, "sensors", "set", "intrusion", "on"), 0);
	proc_stop(bmcd, SIGKILL);
	proc_hw_dir(state_dir, hw);
	snprintf(comp, sizeof(comp), "%s/sed-component", hw);
	snprintf(chip, sizeof(chip), "%s/sed-component-key", hw);
	assert_int_equal(mkdir(comp, 0700), 0);
	assert_int_equal(mkdir(chip, 0700), 0);
	bmcd = proc_bmcd_start(state_dir, gw_path, admin_path, NULL, true);
	assert_true(bmcd > 0);
	assert_true(is_status("\"sed_backup_component\":\"CURRENT\"")); /* filled, paired */
	/* The thief: cover open, his blank component in place of the real one. */
	assert_int_equal(proc_hw_set(state_dir, "cover", "open"), 0);
	assert_true(is_status("\"lockdown_state\":\"LOCKED\""));
	proc_stop(bmcd, SIGKILL);
	snprintf(cmd, sizeof(cmd), "mv '%s' '%s.real' && mv '%s' '%s.real'", comp, comp, chip,
	         chip);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(mkdir(comp, 0700), 0);
	assert_int_equal(mkdir(chip, 0700), 0);
	bmcd = proc_bmcd_start(state_dir, gw_path, admin_path, NULL, true);
	assert_true(bmcd > 0);
	assert_int_equal(CTL(out, "--password", PW, "activate"), 0);
	assert_true(is_status("\"lockdown_state\":\"ACTIVE\""));
	assert_true(is_empty_dir(comp));
	assert_true(is_empty_dir(chip));
	assert_true(is_status("a different component is fitted"));
	/* The Administrator+ adopts it: audited, and it gets the AK. */
	assert_int_equal(CTL(out, "--password", PW, "sed", "component", "adopt"), 0);
	assert_false(is_empty_dir(comp));
	assert_true(is_status("\"sed_backup_component\":\"CURRENT\""));
	assert_int_equal(CTL(out, "--password", PW, "audit", "show"), 0);
	assert_non_null(strstr(out, "sed-component-adopt"));
	assert_non_null(strstr(out, "sed-component-write"));
	assert_int_not_equal(CTL(out, "--password", PW, "sed", "component", "adopt", "now"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(keylock_and_cover_are_hardware, setup, teardown),
	    cmocka_unit_test_setup_teardown(locked_board_fills_no_component, setup, teardown),
	    cmocka_unit_test_setup_teardown(swapped_component_waits_for_adopt, setup, teardown),
	    cmocka_unit_test_setup_teardown(brief_opening_is_latched, setup, teardown),
	    cmocka_unit_test_setup_teardown(keylock_of_the_opening_counts, setup, teardown),
	    cmocka_unit_test_setup_teardown(reopening_between_polls_counts, setup, teardown),
	    cmocka_unit_test_setup_teardown(unreadable_cover_fails_closed, setup, teardown),
	    cmocka_unit_test_setup_teardown(hwmon_intrusion_alarm_is_taken, setup, teardown),
	    cmocka_unit_test_setup_teardown(handset_password_reset, setup, teardown),
	    cmocka_unit_test_setup_teardown(reset_then_activate_needs_uefi, setup, teardown),
	    cmocka_unit_test_setup_teardown(status_without_login_is_minimal, setup, teardown),
	    cmocka_unit_test_setup_teardown(passwords_from_files_and_stdin, setup, teardown),
	    cmocka_unit_test_setup_teardown(password_file_edges, setup, teardown),
	    cmocka_unit_test_setup_teardown(password_prompt_interrupted, setup, teardown),
	    cmocka_unit_test_setup_teardown(sed_passphrases_from_files, setup, teardown),
	    cmocka_unit_test_setup_teardown(accounts_uefi_and_code_from_the_console, setup,
	                                    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
