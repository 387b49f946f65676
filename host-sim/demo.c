// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * svcport-sim demo: the whole story of issue 5 in a temporary folder, with
 * numbered steps and a summary. Every step runs the same commands a person
 * would type (this program's own subcommands and svcport-bmcctl) and checks
 * that each behaved as expected; the exit code is 0 only if all did.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli-args.h"
#include "cli.h"
#include "out.h"
#include "server.h"

#define MT        "7D1A"
#define SN        "J900DEMO"
#define MAX_STEPS 24

struct demo {
	char self[PATH_MAX];
	char tmp[PATH_MAX];
	char portal[PATH_MAX + 8];
	char srv[PATH_MAX + 8];   /* the server before the motherboard swap */
	char srv2[PATH_MAX + 32]; /* the same server with the new board */
	char cur[PATH_MAX + 32];  /* the one running */
	char ble[PATH_MAX + 64], usb[PATH_MAX + 64], admin[PATH_MAX + 64];
	char file[PATH_MAX + 64]; /* scratch for paths */
	struct server_bins bins;
	const char *bin_dir;
	char code[64];
	char phrase[64];
	char keyhash[80];
	char url[64];           /* the portal service */
	char ca[PATH_MAX + 16]; /* its certificate, downloaded, the phone's trust */
	char pw[4][PATH_MAX + 32];
	int pw_slot;
	pid_t serve;
	bool verbose;
	int n;
	struct {
		char title[128];
		bool ok;
	} steps[MAX_STEPS];
	bool failed;
	FILE *human; /* stdout, or stderr with --json */
};

/* Runs argv (NULL-terminated), shows its output indented, returns its exit code.
 * If capture is given, the line starting with key= ... is not used; instead the
 * first output line containing capture_key is copied after the key. */
static int run_v(struct demo *d, char *const argv[], const char *capture_key, char *capture,
                 size_t cap)
{
	int pfd[2];
	pid_t pid;
	int status = 0;
	FILE *f;
	char line[512];

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -1;
	fflush(d->human);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(pfd[1], STDOUT_FILENO);
		dup2(pfd[1], STDERR_FILENO);
		execv(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	f = fdopen(pfd[0], "r");
	while (f && fgets(line, sizeof(line), f)) {
		const char *hit = capture_key ? strstr(line, capture_key) : NULL;

		if (hit && capture && !capture[0]) {
			snprintf(capture, cap, "%s", hit + strlen(capture_key));
			capture[strcspn(capture, " \r\n")] = '\0';
		}
		fprintf(d->human, "      | %s", line);
	}
	if (f)
		fclose(f);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

#define ARGV(...) ((char *const[]){__VA_ARGS__, NULL})

static int sim(struct demo *d, char *const argv[])
{
	return run_v(d, argv, NULL, NULL, 0);
}

static bool step(struct demo *d, const char *title)
{
	if (d->failed)
		return false;
	snprintf(d->steps[d->n].title, sizeof(d->steps[d->n].title), "%s", title);
	fprintf(d->human, "\n[%2d] %s\n", d->n + 1, title);
	fflush(d->human);
	return true;
}

static void done(struct demo *d, bool ok)
{
	d->steps[d->n].ok = ok;
	fprintf(d->human, "     -> %s\n", ok ? "as expected" : "NOT as expected");
	if (!ok)
		d->failed = true;
	d->n++;
}

/* Shorthands for the commands of the story. */
#define S d->self, "--quiet"
#define P "--portal", d->portal

static void set_links(struct demo *d, const char *dir)
{
	snprintf(d->cur, sizeof(d->cur), "%s", dir);
	snprintf(d->ble, sizeof(d->ble), "ble-sim:%s/ble.sock", dir);
	snprintf(d->usb, sizeof(d->usb), "unix:%s/usb.sock", dir);
	snprintf(d->admin, sizeof(d->admin), "%s/admin.sock", dir);
}

static bool bmcctl(struct demo *d, char *const argv[])
{
	return run_v(d, argv, NULL, NULL, 0) == 0;
}

/* A user's password file (written on first use; the demo's own, never reused elsewhere). */
static char *pwf(struct demo *d, const char *user)
{
	char *path = d->pw[d->pw_slot++ % 4];
	FILE *f;

	snprintf(path, sizeof(d->pw[0]), "%s/password-%s", d->tmp, user);
	f = fopen(path, "wxe");
	if (f) {
		fprintf(f, "demo-%s-%s\n", user, d->tmp + strlen(d->tmp) - 6);
		fclose(f);
	}
	return path;
}

/* The phone logs in to the portal service as user. */
#define API(u) "--portal-url", d->url, "--cacert", d->ca, "--user", u, "--password-file", pwf(d, u)

/* `portal serve` on a free loopback port, waited for on its ready fd. */
static bool service_start(struct demo *d)
{
	char port[16] = "", log[PATH_MAX + 32];
	int rp[2];
	ssize_t n;

	snprintf(log, sizeof(log), "%s/portal-serve.log", d->tmp);
	if (pipe(rp) < 0)
		return false;
	d->serve = fork();
	if (d->serve == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

		dup2(rp[1], 3);
		if (fd >= 0)
			dup2(fd, STDERR_FILENO);
		execv(d->self, ARGV(d->self, "portal", P, "serve", "--listen", "127.0.0.1:0",
		                    "--ready-fd", "3"));
		_exit(127);
	}
	close(rp[1]);
	n = d->serve > 0 ? read(rp[0], port, sizeof(port) - 1) : -1;
	close(rp[0]);
	if (n <= 0)
		return false;
	port[strcspn(port, "\n")] = '\0';
	snprintf(d->url, sizeof(d->url), "https://127.0.0.1:%s", port);
	fprintf(d->human, "      | portal service at %s/ (log %s)\n", d->url, log);
	return true;
}

static void service_stop(struct demo *d)
{
	if (d->serve <= 0)
		return;
	kill(d->serve, SIGTERM);
	waitpid(d->serve, NULL, 0);
	d->serve = 0;
}

static void story(struct demo *d)
{
	char fac[PATH_MAX + 16], blank[PATH_MAX + 16], csv[PATH_MAX + 16], old_cmd[PATH_MAX + 16];
	char backup[PATH_MAX + 16];
	bool ok;

	snprintf(fac, sizeof(fac), "%s/factory", d->tmp);
	snprintf(blank, sizeof(blank), "%s/new-board", d->tmp);
	snprintf(csv, sizeof(csv), "%s/transfer.csv", d->tmp);
	snprintf(old_cmd, sizeof(old_cmd), "%s/activate.cmd", d->tmp);
	snprintf(backup, sizeof(backup), "%s/sed-ak.backup", d->tmp);

	if (step(d,
	         "Portal: create the root CA, the command-signing certificate and the device CA"))
		done(d, sim(d, ARGV(S, "portal", P, "init")) == 0);

	if (step(d, "Portal: organisation acme with a user of each role")) {
		ok = sim(d, ARGV(S, "portal", P, "org", "add", "acme")) == 0;
		ok = ok &&
		     sim(d, ARGV(S, "portal", P, "user", "add", "alice", "--org", "acme", "--role",
		                 "org-admin", "--password-file", pwf(d, "alice"))) == 0;
		ok = ok &&
		     sim(d, ARGV(S, "portal", P, "user", "add", "eddie", "--org", "acme", "--role",
		                 "edge-user", "--password-file", pwf(d, "eddie"))) == 0;
		ok = ok &&
		     sim(d, ARGV(S, "portal", P, "user", "add", "mona", "--org", "acme", "--role",
		                 "maintenance", "--password-file", pwf(d, "mona"))) == 0;
		ok = ok && sim(d, ARGV(S, "portal", P, "user", "add", "bob", "--org", "acme",
		                       "--role", "base", "--password-file", pwf(d, "bob"))) == 0;
		done(d, ok);
	}

	if (step(d, "Portal service: HTTPS on 127.0.0.1 with its internal CA; the phone "
	            "trusts the downloaded certificate")) {
		snprintf(d->ca, sizeof(d->ca), "%s/portal-ca.pem", d->tmp);
		ok = service_start(d);
		ok = ok && sim(d, ARGV(S, "portal", P, "https", "download", "--out", d->ca)) == 0;
		done(d, ok);
	}

	if (step(d, "Factory: manufacture a portal-managed server " MT "-" SN)) {
		ok = run_v(d,
		           ARGV(S, "portal", P, "device", "manufacture", "--mt", MT, "--sn", SN,
		                "--out", fac, "--control", "portal"),
		           "secure activation code ", d->code, sizeof(d->code)) == 0;
		done(d, ok && d->code[0]);
	}

	if (step(d, "Data centre: the server is racked and powered (svcport-bmcd + svcportd)")) {
		set_links(d, d->srv);
		ok = sim(d, ARGV(S, "server", "up", "--dir", d->srv, "--factory", fac, "--bin-dir",
		                 (char *)d->bin_dir)) == 0;
		ok = ok && sim(d, ARGV(S, "app", "--link", d->ble, "info", "--expect-state",
		                       "LOCKED", "--expect-owner", "")) == 0;
		done(d, ok);
	}

	if (step(d,
	         "Claim over BLE: the portal checks the activation code, the server its owner")) {
		ok = sim(d, ARGV(S, "portal", P, "claim", "--org", "acme", "--mt", MT, "--sn", SN,
		                 "--code", d->code)) == 0;
		ok = ok && sim(d, ARGV(S, "app", "--link", d->ble, API("alice"), "claim")) == 0;
		done(d, ok);
	}

	if (step(d, "Activate over BLE (LOCKED -> ACTIVE)")) {
		ok = sim(d, ARGV(S, "app", "--link", d->ble, API("eddie"), "activate")) == 0;
		ok = ok && sim(d, ARGV(S, "app", "--link", d->ble, "info", "--expect-state",
		                       "ACTIVE")) == 0;
		done(d, ok);
	}

	if (step(d, "Enable the intrusion sensor (org admin, ConfigureSensors over BLE)")) {
		ok = sim(d, ARGV(S, "app", "--link", d->ble, API("alice"), "sensors", "--sensors",
		                 "intrusion=on")) == 0;
		ok = ok &&
		     sim(d, ARGV(S, "app", "--link", d->ble, "info", "--expect-led", "ON")) == 0;
		done(d, ok);
	}

	if (step(d, "Tamper: the case is opened (-> LOCKED, security LED blinking)")) {
		ok = bmcctl(
		    d, ARGV(d->bins.bmcctl, "--admin-socket", d->admin, "tamper", "intrusion"));
		ok = ok && sim(d, ARGV(S, "app", "--link", d->ble, "info", "--expect-state",
		                       "LOCKED", "--expect-led", "BLINKING")) == 0;
		done(d, ok);
	}

	if (step(d, "Reactivate over USB (service-port cable)")) {
		ok = sim(d, ARGV(S, "app", "--link", d->usb, API("eddie"), "activate")) == 0;
		ok = ok && sim(d, ARGV(S, "app", "--link", d->usb, "info", "--expect-state",
		                       "ACTIVE")) == 0;
		done(d, ok);
	}

	if (step(d, "An edge user's emergency reset is refused (ROLE_FORBIDDEN), by the portal "
	            "and by the BMC")) {
		ok = sim(d, ARGV(S, "app", "--link", d->usb, API("eddie"), "emergency-reset")) != 0;
		ok = ok && sim(d, ARGV(S, "app", "--link", d->usb, "--user", "eddie", P,
		                       "emergency-reset", "--skip-policy", "--expect-error",
		                       "ROLE_FORBIDDEN")) == 0;
		done(d, ok);
	}

	if (step(d,
	         "Maintenance emergency reset over USB (admin password reset, SED AK cleared)")) {
		/* The local administrator sets a password and backs the SED AK up first. */
		ok = bmcctl(d, ARGV(d->bins.bmcctl, "--admin-socket", d->admin, "--password",
		                    "PASSW0RD", "password", "set", "Adm1n-Secret"));
		ok = ok && bmcctl(d, ARGV(d->bins.bmcctl, "--admin-socket", d->admin, "--password",
		                          "Adm1n-Secret", "sed", "backup", backup));
		ok = ok &&
		     sim(d, ARGV(S, "app", "--link", d->usb, API("mona"), "emergency-reset")) == 0;
		/* The administrator password is the default again, and the SED AK is gone. */
		ok = ok && !bmcctl(d, ARGV(d->bins.bmcctl, "--admin-socket", d->admin, "--password",
		                           "Adm1n-Secret", "sed", "backup", backup));
		ok = ok && sim(d, ARGV(S, "app", "--link", d->usb, "info", "--expect-state",
		                       "LOCKED")) == 0;
		ok = ok && sim(d, ARGV(S, "app", "--link", d->usb, API("eddie"), "activate",
		                       "--expect-error", "INVALID_STATE")) == 0;
		done(d, ok);
	}

	if (step(d, "SED AK restored from the backup, server activated again")) {
		ok = bmcctl(d, ARGV(d->bins.bmcctl, "--admin-socket", d->admin, "--password",
		                    "PASSW0RD", "password", "set", "N3w-Secret"));
		ok = ok && bmcctl(d, ARGV(d->bins.bmcctl, "--admin-socket", d->admin, "--password",
		                          "N3w-Secret", "sed", "restore", backup));
		ok = ok && sim(d, ARGV(S, "app", "--link", d->usb, API("eddie"), "activate")) == 0;
		ok = ok && sim(d, ARGV(S, "app", "--link", d->usb, "info", "--expect-state",
		                       "ACTIVE")) == 0;
		done(d, ok);
	}

	if (step(d, "Motherboard replacement: a blank board with a new device key")) {
		ok = sim(d, ARGV(S, "server", "down", "--dir", d->srv)) == 0;
		ok = ok && run_v(d,
		                 ARGV(S, "portal", P, "device", "manufacture", "--blank-board",
		                      "--out", blank),
		                 "(key SHA-256): ", d->keyhash, sizeof(d->keyhash)) == 0;
		set_links(d, d->srv2);
		ok = ok && sim(d, ARGV(S, "server", "up", "--dir", d->srv2, "--factory", blank,
		                       "--bin-dir", (char *)d->bin_dir)) == 0;
		done(d, ok && d->keyhash[0]);
	}

	if (step(d, "Key update: the maintenance user records the QR code, the portal binds " MT
	            "-" SN " to the new key")) {
		ok = sim(d, ARGV(S, "portal", P, "device", "key-update", "--mt", MT, "--sn", SN,
		                 "--new-key-hash", d->keyhash)) == 0;
		ok = ok && sim(d, ARGV(S, "app", "--link", d->usb, API("mona"), "key-update")) == 0;
		ok = ok && sim(d, ARGV(S, "app", "--link", d->ble, "info", "--expect-state",
		                       "LOCKED", "--expect-owner", "acme")) == 0;
		done(d, ok);
	}

	if (step(d, "Activate the repaired server over BLE")) {
		ok = sim(d, ARGV(S, "app", "--link", d->ble, API("eddie"), "activate",
		                 "--save-command", old_cmd)) == 0;
		ok = ok && sim(d, ARGV(S, "app", "--link", d->ble, "info", "--expect-state",
		                       "ACTIVE")) == 0;
		done(d, ok);
	}

	if (step(d, "Transfer ownership to a second organisation, globex")) {
		ok = sim(d, ARGV(S, "portal", P, "org", "add", "globex")) == 0;
		ok = ok && sim(d, ARGV(S, "portal", P, "user", "add", "gina", "--org", "globex",
		                       "--role", "org-admin")) == 0;
		ok = ok && run_v(d,
		                 ARGV(S, "portal", P, "transfer", "start", "--from", "acme",
		                      "--devices", MT "-" SN, "--out", csv),
		                 "passphrase: ", d->phrase, sizeof(d->phrase)) == 0;
		ok = ok && sim(d, ARGV(S, "portal", P, "transfer", "accept", "--to", "globex",
		                       "--csv", csv, "--passphrase", d->phrase)) == 0;
		ok = ok && sim(d, ARGV(S, "app", "--link", d->ble, API("alice"), "transfer")) == 0;
		ok = ok && sim(d, ARGV(S, "app", "--link", d->ble, "info", "--expect-owner",
		                       "globex")) == 0;
		done(d, ok);
	}

	if (step(d, "A replayed old command is refused (NONCE_UNKNOWN)")) {
		ok = sim(d, ARGV(S, "app", "--link", d->ble, "--replay", old_cmd, "activate",
		                 "--expect-error", "NONCE_UNKNOWN")) == 0;
		done(d, ok);
	}
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int cli_demo(int argc, char **argv)
{
	static const char usage[] =
	    "usage: svcport-sim demo [--bin-dir BUILD] [--keep] [--json]\n"
	    "  Plays the whole story in a temporary folder: portal, users, a portal-managed\n"
	    "  server, claim and activation over BLE, tamper, reactivation over USB, emergency\n"
	    "  reset, SED AK restore, motherboard replacement, key update, transfer and a\n"
	    "  replayed command. Exit 0 only if every step behaved as expected.\n";
	struct cli_args a;
	struct demo *d;
	int passed = 0;
	ssize_t n;
	int rc;

	if (cli_args_parse(&a, argc - 1, argv + 1, "bin-dir= keep") < 0)
		return CLI_EXIT_USAGE;
	if (a.help) {
		fputs(usage, stdout);
		return CLI_EXIT_OK;
	}
	d = calloc(1, sizeof(*d));
	if (!d)
		return CLI_EXIT_REFUSED;
	n = readlink("/proc/self/exe", d->self, sizeof(d->self) - 1);
	if (n < 0) {
		free(d);
		return CLI_EXIT_REFUSED;
	}
	d->self[n] = '\0';
	d->human = a.json ? stderr : stdout;
	out_set_progress_stream(d->human);
	d->bin_dir = cli_arg(&a, "bin-dir", NULL);
	if (!d->bin_dir) {
		static char def[PATH_MAX];

		snprintf(def, sizeof(def), "%s", d->self);
		*strrchr(def, '/') = '\0';
		strncat(def, "/..", sizeof(def) - strlen(def) - 1);
		d->bin_dir = def;
	}
	if (server_bins_find(d->bin_dir, &d->bins) < 0 || access(d->bins.bmcctl, X_OK) < 0) {
		fprintf(stderr,
		        "demo: svcport-bmcd, svcport-bmcctl or svcportd not found under %s\n",
		        d->bin_dir);
		free(d);
		return CLI_EXIT_REFUSED;
	}
	snprintf(d->tmp, sizeof(d->tmp), "%s/svcport-demo-XXXXXX",
	         getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(d->tmp)) {
		free(d);
		return CLI_EXIT_REFUSED;
	}
	snprintf(d->portal, sizeof(d->portal), "%s/portal", d->tmp);
	snprintf(d->srv, sizeof(d->srv), "%s/server", d->tmp);
	snprintf(d->srv2, sizeof(d->srv2), "%s/server-new-board", d->tmp);
	fprintf(d->human, "svcport demo in %s\n", d->tmp);

	story(d);
	service_stop(d);

	if (server_down(d->srv) < 0 || server_down(d->srv2) < 0)
		fprintf(d->human, "demo: a daemon did not stop; see %s\n", d->tmp);
	fprintf(d->human, "\n==== summary ====\n");
	for (int i = 0; i < d->n; i++) {
		fprintf(d->human, "  [%2d] %-4s %s\n", i + 1, d->steps[i].ok ? "ok" : "FAIL",
		        d->steps[i].title);
		passed += d->steps[i].ok;
	}
	fprintf(d->human, "%d of %d steps behaved as expected%s\n", passed, d->n,
	        d->failed ? " (stopped at the first failure)" : "");
	rc = !d->failed && d->n > 0 ? CLI_EXIT_OK : CLI_EXIT_REFUSED;
	if (cli_flag(&a, "keep") || rc != CLI_EXIT_OK)
		fprintf(d->human, "files kept in %s\n", d->tmp);
	else
		nftw(d->tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	if (a.json)
		printf("{\"steps\":%d,\"passed\":%d,\"ok\":%s}\n", d->n, passed,
		       rc == 0 ? "true" : "false");
	free(d);
	return rc;
}
