// SPDX-License-Identifier: GPL-2.0-or-later
/* Starts and stops a virtual edge server (see server.h). */
#include "server.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "out.h"
#include "paths.h"
#include "server-users.h"

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

/* An installed svcport-sim (not in a build tree): the daemons of its install. */
static void server_bins_installed(struct server_bins *ret)
{
	snprintf(ret->bmcd, PATH_MAX, "%s", SVCPORT_SBIN_DIR "/svcport-bmcd");
	snprintf(ret->bmcctl, PATH_MAX, "%s", SVCPORT_BIN_DIR "/svcport-bmcctl");
	snprintf(ret->gatewayd, PATH_MAX, "%s", SVCPORT_SBIN_DIR "/svcportd");
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
	if (!bin_dir && !is_exec(ret->bmcd) && !is_exec(ret->gatewayd))
		server_bins_installed(ret);
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

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* In the child: stdio to log, the daemon's session or our life, env. */
static void child_setup(const char *log, const struct server_up_opts *o, pid_t parent)
{
	int lfd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (o && o->die_with_parent) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
	} else {
		setsid();
	}
	if (nul >= 0)
		dup2(nul, STDIN_FILENO);
	if (lfd >= 0) {
		dup2(lfd, STDOUT_FILENO);
		dup2(lfd, STDERR_FILENO);
	}
	for (const char *const *e = o && o->env ? o->env : NULL; e && *e; e++)
		putenv((char *)*e);
}

/* Waits for the ready line on fd (or its close: the child failed). */
static int wait_ready(int fd, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	char c;
	ssize_t n = -1;

	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int64_t left = deadline - now_ms();
		int r = left > 0 ? poll(&p, 1, (int)left) : 0;

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -ETIMEDOUT;
		n = read(fd, &c, 1);
		if (n < 0 && errno == EINTR)
			continue;
		return n == 1 ? 0 : -ECHILD;
	}
}

/*
 * Forks argv with stdio to log (a daemon in its own session unless
 * o->die_with_parent). If ready is true, the child gets "--ready-fd N"
 * appended and we wait until it writes a line there (or closes it: it
 * failed). Returns the pid or -errno.
 */
static pid_t spawn(char **argv, int argc, const char *log, bool ready, int timeout_ms,
                   const struct server_up_opts *o)
{
	int pfd[2] = {-1, -1};
	pid_t parent = getpid(), pid;
	char fdnum[16];
	int err;

	if (ready && pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		err = -errno;
		if (ready) {
			close(pfd[0]);
			close(pfd[1]);
		}
		return err;
	}
	if (pid == 0) {
		child_setup(log, o, parent);
		if (ready) {
			/* the write end survives exec (dup without CLOEXEC) */
			snprintf(fdnum, sizeof(fdnum), "%d", dup(pfd[1]));
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
	err = wait_ready(pfd[0], timeout_ms);
	close(pfd[0]);
	if (err < 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
		return err;
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

/* The paths of one server's folder. */
struct server_paths {
	char state[PATH_MAX], gw_sock[PATH_MAX], admin[PATH_MAX], ble[PATH_MAX], usb[PATH_MAX];
	char hw[PATH_MAX], host[PATH_MAX], link[PATH_MAX];
	char se_conf[PATH_MAX + 16], softhsm_env[PATH_MAX + 48]; /* "": the file SE */
	char blog[PATH_MAX], glog[PATH_MAX];
	char l1[PATH_MAX + 16], l2[PATH_MAX + 16], cap[PATH_MAX + 16];
};

static void paths_fill(const char *dir, struct server_paths *p)
{
	path_in(dir, "state", p->state);
	path_in(dir, "bmcd.sock", p->gw_sock);
	path_in(dir, "admin.sock", p->admin);
	path_in(dir, "host.sock", p->host);
	path_in(dir, "link", p->link); /* bmcd --link-dir (docs/certs.md) */
	path_in(dir, "ble.sock", p->ble);
	path_in(dir, "usb.sock", p->usb);
	path_in(dir, "bmcd.log", p->blog);
	path_in(dir, "svcportd.log", p->glog);
	snprintf(p->l1, sizeof(p->l1), "ble-sim:%s", p->ble);
	snprintf(p->l2, sizeof(p->l2), "unix:%s", p->usb);
}

/* bmcd --init from the factory folder, once. */
static int init_state(const struct server_bins *bins, const struct server_up_opts *o,
                      const struct server_paths *p)
{
	char *argv[10] = {(char *)bins->bmcd, "--init",         "--factory", (char *)o->factory,
	                  "--state-dir",      (char *)p->state, NULL};
	int status = 0, argc = 6;
	pid_t pid;

	if (is_state_initialised(p->state))
		return 0;
	if (p->se_conf[0]) {
		argv[argc++] = "--se-config";
		argv[argc++] = (char *)p->se_conf;
	}
	if (!o->factory)
		return -EINVAL;
	if (mkdir(p->state, 0700) < 0 && errno != EEXIST)
		return -errno;
	pid = spawn(argv, argc, p->blog, false, 0, o);
	if (pid < 0)
		return (int)pid;
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		show_log_tail(p->blog);
		return -EIO;
	}
	out_progress("  svcport-bmcd --init: factory state loaded from %s", o->factory);
	return 0;
}

/* DIR/hw with the service port's cable in (or out), the first time. */
static int hw_init(const struct server_up_opts *o, struct server_paths *p)
{
	char gadget[PATH_MAX + 16];
	int err = server_hw_dir(o->dir, p->hw);

	if (err == 0)
		err =
		    server_hw_sed_component(p->hw, o->sed_component_from, o->without_sed_component);
	if (err == 0)
		err = server_hw_latch_dir(p->hw);
	snprintf(gadget, sizeof(gadget), "%s/usb-gadget", p->hw);
	if (err < 0 || access(gadget, F_OK) == 0)
		return err;
	return server_hw_set(o->dir, "usb-gadget",
	                     o->usb_unplugged ? "not attached" : "configured");
}

static pid_t start_bmcd(const struct server_bins *bins, const struct server_up_opts *o,
                        const struct server_paths *p, const struct server_users *u, int timeout)
{
	/* --foreground: we keep the pid (no daemon() fork); the log file is its stderr.
	 * 16 + 2 (--se-config) + 4 (--user, --gateway-uid) + 2 (spawn's --ready-fd) + NULL */
	char *argv[25] = {
	    (char *)bins->bmcd, "--state-dir",      (char *)p->state,
	    "--gateway-socket", (char *)p->gw_sock, "--admin-socket",
	    (char *)p->admin,   "--foreground",     "--log",
	    "stderr",           "--hw-sim", /* presence from DIR/hw, simulated links accepted */
	    (char *)p->hw,      "--host-socket", /* the host firmware (svcport-sim host) */
	    (char *)p->host,    "--link-dir",       (char *)p->link};
	int argc = 16;
	if (p->se_conf[0]) {
		argv[argc++] = "--se-config";
		argv[argc++] = (char *)p->se_conf;
	}
	if (u->drop) {
		argv[argc++] = "--user";
		argv[argc++] = (char *)u->bmc;
		argv[argc++] = "--gateway-uid";
		argv[argc++] = (char *)u->gw_uid_text;
	}
	pid_t pid = spawn(argv, argc, p->blog, true, timeout, o);

	if (pid < 0)
		show_log_tail(p->blog);
	return pid;
}

static pid_t start_gateway(const struct server_bins *bins, const struct server_up_opts *o,
                           struct server_paths *p, const struct server_users *u, int timeout)
{
	char *argv[48];
	int argc = 0;
	pid_t pid;

	argv[argc++] = (char *)bins->gatewayd;
	if (!o->without_ble_sim) {
		argv[argc++] = "--link";
		argv[argc++] = p->l1;
	}
	if (!o->without_unix) {
		argv[argc++] = "--link";
		argv[argc++] = p->l2;
	}
	for (int i = 0; i < o->n_extra_links; i++) {
		argv[argc++] = "--link";
		argv[argc++] = (char *)o->extra_links[i];
	}
	for (int i = 0; i < o->n_gateway_args; i++)
		argv[argc++] = (char *)o->gateway_args[i];
	argv[argc++] = "--bmc-socket";
	argv[argc++] = p->gw_sock;
	if (o->capture) {
		snprintf(p->cap, sizeof(p->cap), "%s", o->capture);
		argv[argc++] = "--capture";
		argv[argc++] = p->cap;
	}
	if (u->drop) {
		/* As on a real server: never root (bmcd is told this uid). */
		argv[argc++] = "--user";
		argv[argc++] = (char *)u->gw;
	}
	pid = spawn(argv, argc, p->glog, true, timeout, o);
	if (pid < 0)
		show_log_tail(p->glog);
	return pid;
}

int server_up(const struct server_bins *bins, const struct server_up_opts *o,
              struct server_pids *ret_pids)
{
	const int timeout = o->ready_timeout_ms ? o->ready_timeout_ms : READY_TIMEOUT_MS;
	struct server_paths *p;
	struct server_users u;
	pid_t bmcd, gwd;
	int err;

	if (server_pid(o->dir, "bmcd") || server_pid(o->dir, "svcportd"))
		return -EALREADY;
	if (mkdir(o->dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	paths_fill(o->dir, p);
	/* The server's own token (server-token.c): bmcd --se-config, its SOFTHSM2_CONF. */
	err = o->se_pkcs11 ? server_token_make(o->dir) : 0;
	if (err == 0 && server_token_is_used(o->dir)) {
		server_token_paths(o->dir, p->se_conf, p->softhsm_env);
		setenv("SOFTHSM2_CONF", strchr(p->softhsm_env, '=') + 1, 1);
	}
	if (err == 0)
		err = init_state(bins, o, p);
	if (err == 0)
		err = server_users_pick(&u);
	if (err == 0)
		err = hw_init(o, p);
	if (err == 0)
		err = server_users_prepare(&u, o->dir, p->state);
	if (err == 0)
		err = server_users_link_dir(&u, p->link);
	if (err < 0)
		goto out;
	bmcd = start_bmcd(bins, o, p, &u, timeout);
	if (bmcd < 0) {
		err = (int)bmcd;
		goto out;
	}
	err = write_pid(o->dir, "bmcd", bmcd);
	if (err < 0)
		goto fail_bmcd;
	out_progress("  svcport-bmcd ready (pid %d)", (int)bmcd);
	gwd = start_gateway(bins, o, p, &u, timeout);
	if (gwd < 0) {
		err = (int)gwd;
		goto fail_bmcd;
	}
	err = write_pid(o->dir, "svcportd", gwd);
	if (err < 0) {
		kill(gwd, SIGTERM);
		goto fail_bmcd;
	}
	out_progress("  svcportd ready (pid %d)%s%s%s%s", (int)gwd, o->without_ble_sim ? "" : ", ",
	             o->without_ble_sim ? "" : p->l1, o->without_unix ? "" : ", ",
	             o->without_unix ? "" : p->l2);
	if (ret_pids)
		*ret_pids = (struct server_pids){.bmcd = bmcd, .gatewayd = gwd};
	goto out;
fail_bmcd:
	kill(bmcd, SIGTERM);
	waitpid(bmcd, NULL, 0);
out:
	free(p);
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
