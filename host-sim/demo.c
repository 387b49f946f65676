// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * svcport-sim demo: the whole story in a temporary folder, with numbered
 * steps (demo-story.c) and a summary. Every step runs the same commands a person
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
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli-args.h"
#include "cli.h"
#include "demo.h"
#include "out.h"
#include "server.h"

int run_v(struct demo *d, char *const argv[], const char *capture_key, char *capture, size_t cap)
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
		execvp(argv[0], argv); /* by name (PATH) */
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

int sim(struct demo *d, char *const argv[])
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

void set_links(struct demo *d, const char *dir)
{
	snprintf(d->cur, sizeof(d->cur), "%s", dir);
	snprintf(d->ble, sizeof(d->ble), "ble-sim:%s/ble.sock", dir);
	snprintf(d->usb, sizeof(d->usb), "unix:%s/usb.sock", dir);
	snprintf(d->admin, sizeof(d->admin), "%s/admin.sock", dir);
}

bool bmcctl(struct demo *d, char *const argv[])
{
	return run_v(d, argv, NULL, NULL, 0) == 0;
}

/* A user's password file (written on first use; the demo's own, never reused elsewhere). */
char *pwf(struct demo *d, const char *user)
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

bool service_start(struct demo *d)
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

static void play(struct demo *d)
{
	for (size_t i = 0; i < demo_story_len && !d->failed; i++) {
		if (step(d, demo_story[i].title))
			done(d, demo_story[i].run(d));
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
	    "usage: svcport-sim demo [--bin-dir BUILD] [--se file|pkcs11] [--keep] [--json]\n"
	    "  Plays the whole story in a temporary folder: portal, users, a portal-managed\n"
	    "  server, claim and activation over BLE, tamper, reactivation over USB and from a\n"
	    "  laptop over the management network (https:), emergency reset, SED AK restore,\n"
	    "  motherboard replacement, key update, transfer, a replayed command, and a\n"
	    "  second server activated online by itself; the server's host unlocks its\n"
	    "  self-encrypting drive only while the server is active and the AK present.\n"
	    "  Exit 0 only if every step behaved as expected.\n"
	    "  --se pkcs11: each server's secure element is a SoftHSM2 token of its own.\n";
	struct cli_args a;
	struct demo *d;
	int passed = 0;
	ssize_t n;
	int rc;

	if (cli_args_parse(&a, argc - 1, argv + 1, "bin-dir= keep se=") < 0)
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
	d->se = cli_arg(&a, "se", "file");
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
	/* 0711: as root the gateway runs as svcport or nobody and must reach bmcd.sock. */
	if (!mkdtemp(d->tmp) || chmod(d->tmp, 0711) < 0) {
		free(d);
		return CLI_EXIT_REFUSED;
	}
	snprintf(d->portal, sizeof(d->portal), "%s/portal", d->tmp);
	snprintf(d->srv, sizeof(d->srv), "%s/server", d->tmp);
	snprintf(d->srv2, sizeof(d->srv2), "%s/server-new-board", d->tmp);
	snprintf(d->srv3, sizeof(d->srv3), "%s/server-online", d->tmp);
	snprintf(d->fac, sizeof(d->fac), "%s/factory", d->tmp);
	snprintf(d->blank, sizeof(d->blank), "%s/new-board", d->tmp);
	snprintf(d->csv, sizeof(d->csv), "%s/transfer.csv", d->tmp);
	snprintf(d->old_cmd, sizeof(d->old_cmd), "%s/activate.cmd", d->tmp);
	snprintf(d->backup, sizeof(d->backup), "%s/sed-ak.backup", d->tmp);
	fprintf(d->human, "svcport demo in %s\n", d->tmp);

	play(d);
	service_stop(d);

	if (server_down(d->srv) < 0 || server_down(d->srv2) < 0 || server_down(d->srv3) < 0)
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

/* nftw walks with no user data: the secret it looks for, and what it found. */
static const char *walk_secret;
static bool walk_found;

static int walk_file(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	static char buf[1 << 20];
	FILE *f;
	size_t n;

	(void)ftw;
	if (type != FTW_F || !S_ISREG(sb->st_mode) || !(f = fopen(path, "rb")))
		return 0;
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if (memmem(buf, n, walk_secret, strlen(walk_secret))) {
		fprintf(stderr, "demo: %s reveals the one-time password\n", path);
		walk_found = true;
	}
	return 0;
}

bool is_secret_in_no_file(const char *dir, const char *secret)
{
	walk_secret = secret;
	walk_found = false;
	return secret[0] && nftw(dir, walk_file, 8, FTW_PHYS) == 0 && !walk_found;
}
