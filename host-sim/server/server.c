// SPDX-License-Identifier: GPL-2.0-or-later
/* Starts and stops a virtual edge server (see server.h). */
#include "server.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "out.h"

#define READY_TIMEOUT_MS 15000
#define STOP_TIMEOUT_MS  10000

static bool is_exec(const char *path)
{
	return access(path, X_OK) == 0;
}

/* base + rel into out (PATH_MAX); -ENAMETOOLONG if it does not fit. */
static int join(char *out, const char *base, const char *rel)
{
	return snprintf(out, PATH_MAX, "%s%s", base, rel) < PATH_MAX ? 0 : -ENAMETOOLONG;
}

static void from_env(char *out, const char *name)
{
	const char *v = getenv(name);

	if (v && *v && strlen(v) < PATH_MAX)
		memcpy(out, v, strlen(v) + 1);
}

int server_bins_find(const char *bin_dir, struct server_bins *ret)
{
	char self[PATH_MAX], base[PATH_MAX];
	ssize_t n;

	if (bin_dir) {
		if (join(base, bin_dir, "") < 0)
			return -ENAMETOOLONG;
	} else {
		/* build/host-sim/svcport-sim -> build */
		n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n < 0)
			return -errno;
		self[n] = '\0';
		*strrchr(self, '/') = '\0';
		if (join(base, self, "/..") < 0)
			return -ENAMETOOLONG;
	}
	if (join(ret->bmcd, base, "/firmware-side/svcport-bmcd") < 0 ||
	    join(ret->bmcctl, base, "/firmware-side/svcport-bmcctl") < 0 ||
	    join(ret->gatewayd, base, "/gateway/svcportd") < 0)
		return -ENAMETOOLONG;
	from_env(ret->bmcd, "SVCPORT_BMCD");
	from_env(ret->bmcctl, "SVCPORT_BMCCTL");
	from_env(ret->gatewayd, "SVCPORT_SVCPORTD");
	if (!is_exec(ret->bmcd) || !is_exec(ret->gatewayd))
		return -ENOENT;
	return 0;
}

static void path_in(const char *dir, const char *name, char *out)
{
	if (snprintf(out, PATH_MAX, "%s/%s", dir, name) >= PATH_MAX)
		out[0] = '\0';
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/*
 * Forks argv as a daemon in its own session with stdio to log. If ready is
 * true, the child gets "--ready-fd N" appended and we wait until it writes
 * a line there (or closes it: it failed). Returns the pid or -errno.
 */
static pid_t spawn(char **argv, int argc, const char *log, bool ready, int timeout_ms)
{
	int pfd[2] = {-1, -1};
	char fdnum[16];
	pid_t pid;

	if (ready && pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int lfd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);

		setsid();
		if (nul >= 0)
			dup2(nul, STDIN_FILENO);
		if (lfd >= 0) {
			dup2(lfd, STDOUT_FILENO);
			dup2(lfd, STDERR_FILENO);
		}
		if (ready) {
			/* the write end survives exec (dup without CLOEXEC) */
			int w = dup(pfd[1]);

			snprintf(fdnum, sizeof(fdnum), "%d", w);
			argv[argc++] = "--ready-fd";
			argv[argc++] = fdnum;
		}
		argv[argc] = NULL;
		execv(argv[0], argv);
		_exit(127);
	}
	if (!ready)
		return pid;
	close(pfd[1]);
	{
		long deadline = now_ms() + timeout_ms;
		char c;
		ssize_t n = -1;

		for (;;) {
			struct pollfd p = {.fd = pfd[0], .events = POLLIN};
			long left = deadline - now_ms();
			int r = left > 0 ? poll(&p, 1, (int)left) : 0;

			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				n = -1;
				break;
			}
			n = read(pfd[0], &c, 1);
			if (n < 0 && errno == EINTR)
				continue;
			break;
		}
		close(pfd[0]);
		if (n != 1) {
			kill(pid, SIGTERM);
			waitpid(pid, NULL, 0);
			return n == 0 ? -ECHILD : -ETIMEDOUT;
		}
	}
	return pid;
}

static int write_pid(const char *dir, const char *name, pid_t pid)
{
	char path[PATH_MAX], buf[32];
	FILE *f;

	snprintf(buf, sizeof(buf), "%s.pid", name);
	path_in(dir, buf, path);
	f = fopen(path, "we");
	if (!f)
		return -errno;
	fprintf(f, "%d\n", (int)pid);
	return fclose(f) == 0 ? 0 : -EIO;
}

pid_t server_pid(const char *dir, const char *name)
{
	char path[PATH_MAX], buf[32];
	FILE *f;
	int pid = 0;

	snprintf(buf, sizeof(buf), "%s.pid", name);
	path_in(dir, buf, path);
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (fscanf(f, "%d", &pid) != 1)
		pid = 0;
	fclose(f);
	if (pid <= 0 || kill(pid, 0) < 0)
		return 0;
	return pid;
}

static void show_log_tail(const char *log)
{
	char line[256];
	FILE *f = fopen(log, "re");
	long size;

	if (!f)
		return;
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fseek(f, size > 2000 ? size - 2000 : 0, SEEK_SET);
	fprintf(stderr, "---- %s (end)\n", log);
	while (fgets(line, sizeof(line), f))
		fputs(line, stderr);
	fclose(f);
}

/* bmcd --init ran once the state directory holds anything. */
static bool is_state_initialised(const char *state)
{
	DIR *d = opendir(state);
	struct dirent *e;
	bool found = false;

	if (!d)
		return false;
	while (!found && (e = readdir(d)))
		found = strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return found;
}

int server_up(const struct server_bins *bins, const struct server_up_opts *o)
{
	char state[PATH_MAX], gw_sock[PATH_MAX], admin[PATH_MAX], ble[PATH_MAX], usb[PATH_MAX];
	char blog[PATH_MAX], glog[PATH_MAX], l1[PATH_MAX + 16], l2[PATH_MAX + 16];
	char cap[PATH_MAX + 16], user[64] = "";
	char *argv[32];
	int timeout = o->ready_timeout_ms ? o->ready_timeout_ms : READY_TIMEOUT_MS;
	int argc = 0, status = 0;
	pid_t bmcd, gwd;
	int err;

	if (server_pid(o->dir, "bmcd") || server_pid(o->dir, "svcportd"))
		return -EALREADY;
	if (mkdir(o->dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	path_in(o->dir, "state", state);
	path_in(o->dir, "bmcd.sock", gw_sock);
	path_in(o->dir, "admin.sock", admin);
	path_in(o->dir, "ble.sock", ble);
	path_in(o->dir, "usb.sock", usb);
	path_in(o->dir, "bmcd.log", blog);
	path_in(o->dir, "svcportd.log", glog);

	if (!is_state_initialised(state)) {
		if (!o->factory)
			return -EINVAL;
		if (mkdir(state, 0700) < 0 && errno != EEXIST)
			return -errno;
		argv[argc++] = (char *)bins->bmcd;
		argv[argc++] = "--init";
		argv[argc++] = "--factory";
		argv[argc++] = (char *)o->factory;
		argv[argc++] = "--state-dir";
		argv[argc++] = state;
		bmcd = spawn(argv, argc, blog, false, 0);
		if (bmcd < 0)
			return (int)bmcd;
		if (waitpid(bmcd, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
			show_log_tail(blog);
			return -EIO;
		}
		out_progress("  svcport-bmcd --init: factory state loaded from %s", o->factory);
	}

	argc = 0;
	argv[argc++] = (char *)bins->bmcd;
	argv[argc++] = "--state-dir";
	argv[argc++] = state;
	argv[argc++] = "--gateway-socket";
	argv[argc++] = gw_sock;
	argv[argc++] = "--admin-socket";
	argv[argc++] = admin;
	/* we keep the pid: no daemon() fork; the log file is its stderr */
	argv[argc++] = "--foreground";
	argv[argc++] = "--log";
	argv[argc++] = "stderr";
	bmcd = spawn(argv, argc, blog, true, timeout);
	if (bmcd < 0) {
		show_log_tail(blog);
		return (int)bmcd;
	}
	err = write_pid(o->dir, "bmcd", bmcd);
	if (err < 0)
		goto fail_bmcd;
	out_progress("  svcport-bmcd ready (pid %d)", (int)bmcd);

	argc = 0;
	argv[argc++] = (char *)bins->gatewayd;
	snprintf(l1, sizeof(l1), "ble-sim:%s", ble);
	snprintf(l2, sizeof(l2), "unix:%s", usb);
	if (!o->without_ble_sim) {
		argv[argc++] = "--link";
		argv[argc++] = l1;
	}
	if (!o->without_unix) {
		argv[argc++] = "--link";
		argv[argc++] = l2;
	}
	for (int i = 0; i < o->n_extra_links; i++) {
		argv[argc++] = "--link";
		argv[argc++] = (char *)o->extra_links[i];
	}
	for (int i = 0; i < o->n_gateway_args; i++)
		argv[argc++] = (char *)o->gateway_args[i];
	argv[argc++] = "--bmc-socket";
	argv[argc++] = gw_sock;
	if (o->capture) {
		snprintf(cap, sizeof(cap), "%s", o->capture);
		argv[argc++] = "--capture";
		argv[argc++] = cap;
	}
	if (geteuid() == 0) {
		/* bmcd accepts its own uid only: keep the gateway as this user. */
		struct passwd *pw = getpwuid(geteuid());

		snprintf(user, sizeof(user), "%s", pw ? pw->pw_name : "root");
		argv[argc++] = "--user";
		argv[argc++] = user;
	}
	gwd = spawn(argv, argc, glog, true, timeout);
	if (gwd < 0) {
		err = (int)gwd;
		show_log_tail(glog);
		goto fail_bmcd;
	}
	err = write_pid(o->dir, "svcportd", gwd);
	if (err < 0) {
		kill(gwd, SIGTERM);
		goto fail_bmcd;
	}
	out_progress("  svcportd ready (pid %d)%s%s%s%s", (int)gwd, o->without_ble_sim ? "" : ", ",
	             o->without_ble_sim ? "" : l1, o->without_unix ? "" : ", ",
	             o->without_unix ? "" : l2);
	return 0;

fail_bmcd:
	kill(bmcd, SIGTERM);
	waitpid(bmcd, NULL, 0);
	return err;
}

/* Waits for pid to exit without polling its state on a timer: pidfd. */
static int stop(pid_t pid)
{
	int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
	struct pollfd p;
	int r;

	if (kill(pid, SIGTERM) < 0)
		return errno == ESRCH ? 0 : -errno;
	if (pfd < 0)
		return 0;
	p.fd = pfd;
	p.events = POLLIN;
	r = poll(&p, 1, STOP_TIMEOUT_MS);
	if (r == 0) {
		kill(pid, SIGKILL);
		r = poll(&p, 1, STOP_TIMEOUT_MS);
	}
	close(pfd);
	waitpid(pid, NULL, WNOHANG); /* reaps it if it was our child */
	return r > 0 ? 0 : -ETIMEDOUT;
}

int server_down(const char *dir)
{
	static const char *const names[] = {"svcportd", "bmcd"};
	int ret = 0;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char path[PATH_MAX], buf[32];
		pid_t pid = server_pid(dir, names[i]);

		if (pid) {
			int err = stop(pid);

			if (err < 0)
				ret = err;
			else
				out_progress("  %s (pid %d) stopped", names[i], (int)pid);
		}
		snprintf(buf, sizeof(buf), "%s.pid", names[i]);
		path_in(dir, buf, path);
		unlink(path);
	}
	return ret;
}
