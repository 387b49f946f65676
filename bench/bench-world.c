// SPDX-License-Identifier: GPL-2.0-or-later
#include "bench-world.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
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

#include "malloc-count.h"

#define READY_TIMEOUT_MS 15000
#define STOP_TIMEOUT_MS  10000
#define BENCH_ADMIN_PW   "Bench-Secret-1"

/* The gateway's flood limit is not what the benchmarks measure: lift it. */
#define GW_RATE "1000"

static struct world *the_world; /* for atexit and the signal handler */

static void on_signal(int sig)
{
	/* async-signal-safe only: stop the daemons; the folder stays (its name was printed) */
	if (the_world)
		for (int i = 0; i < WORLD_SERVER_MAX; i++)
			if (the_world->servers[i].up) {
				kill(the_world->servers[i].gwd, SIGKILL);
				kill(the_world->servers[i].bmcd, SIGKILL);
			}
	_exit(128 + sig);
}

static void at_exit(void)
{
	if (the_world)
		world_fini(the_world);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* dir/name into out (PATH_MAX), "" if too long; out and dir may be fields of one struct. */
static void join(char *out, const char *dir, const char *name)
{
	size_t d = strlen(dir), n = strlen(name);

	if (d + 1 + n >= PATH_MAX) {
		out[0] = '\0';
		return;
	}
	memmove(out, dir, d);
	out[d] = '/';
	memcpy(out + d + 1, name, n + 1);
}

static void find_preload(struct world *w)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	w->heap_preload[0] = '\0';
	if (n <= 0)
		return;
	self[n] = '\0';
	*strrchr(self, '/') = '\0';
	join(w->heap_preload, self, "malloc-count.so");
	if (access(w->heap_preload, R_OK) < 0)
		w->heap_preload[0] = '\0';
}

int world_init(struct world *w)
{
	const char *tmpdir = getenv("TMPDIR");
	static const struct {
		const char *name;
		svcport_v1_Role role;
	} users[] = {
	    {WORLD_ADMIN, svcport_v1_Role_ROLE_ORG_ADMIN},
	    {WORLD_EDGE, svcport_v1_Role_ROLE_EDGE_USER},
	    {WORLD_MAINT, svcport_v1_Role_ROLE_MAINTENANCE},
	};
	time_t now = time(NULL);
	int err;

	memset(w, 0, sizeof(*w));
	err = server_bins_find(NULL, &w->bins);
	if (err < 0) {
		fprintf(stderr, "bench: svcport-bmcd or svcportd not found in the build tree\n");
		return err;
	}
	snprintf(w->tmp, sizeof(w->tmp), "%s/svcport-bench.XXXXXX", tmpdir ? tmpdir : "/tmp");
	if (!mkdtemp(w->tmp))
		return -errno;
	the_world = w;
	atexit(at_exit);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	find_preload(w);
	join(w->portal_dir, w->tmp, "portal");
	err = portal_open(w->portal_dir, true, &w->portal);
	if (err == 0)
		err = portal_init(w->portal, now);
	if (err == 0)
		err = portal_org_add(w->portal, WORLD_ORG, now);
	for (size_t i = 0; err == 0 && i < sizeof(users) / sizeof(users[0]); i++)
		err = portal_user_add(w->portal, users[i].name, WORLD_ORG, users[i].role);
	if (err < 0)
		fprintf(stderr, "bench: portal set-up failed: %s\n",
		        w->portal ? portal_why(w->portal) : strerror(-err));
	return err;
}

void world_fini(struct world *w)
{
	for (int i = 0; i < WORLD_SERVER_MAX; i++)
		world_server_down(&w->servers[i]);
	portal_close(w->portal);
	w->portal = NULL;
	if (w->tmp[0])
		nftw(w->tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	w->tmp[0] = '\0';
	the_world = NULL;
}

int world_device_new(struct world *w, bool blank, bool claim, struct world_device *ret)
{
	struct portal_manufactured m;
	char name[32];
	time_t now = time(NULL);
	int err;

	memset(ret, 0, sizeof(*ret));
	w->n_devices++;
	snprintf(ret->sn, sizeof(ret->sn), "BENCH%04d", w->n_devices);
	snprintf(name, sizeof(name), "factory-%d", w->n_devices);
	join(ret->factory, w->tmp, name);
	err = portal_device_manufacture(w->portal, WORLD_MT, ret->sn,
	                                svcport_v1_ControlMode_CONTROL_PORTAL_MANAGED, ret->factory,
	                                blank, now, &m);
	if (err == 0 && claim && !blank)
		err = portal_claim(w->portal, WORLD_ORG, WORLD_MT, ret->sn, m.code, now);
	if (err < 0) {
		fprintf(stderr, "bench: manufacturing failed: %s\n", portal_why(w->portal));
		return err;
	}
	memcpy(ret->code, m.code, sizeof(ret->code));
	memcpy(ret->key_sha256, m.board_key_sha256, sizeof(ret->key_sha256));
	return 0;
}

/*
 * Forks argv with stdio to log (and the heap counter preloaded if preload). With ready,
 * appends --ready-fd N and waits for the child's line. Returns the pid or -errno.
 */
static pid_t spawn(const char **argv, int argc, const char *log, const char *preload,
                   const char *heap_dir, bool ready)
{
	int pfd[2] = {-1, -1};
	char fdnum[16];
	pid_t parent = getpid(), pid;

	if (ready && pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		int err = -errno;

		if (ready) {
			close(pfd[0]);
			close(pfd[1]);
		}
		return err;
	}
	if (pid == 0) {
		int lfd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);

		/* a benchmark that dies takes its daemons with it */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
		if (nul >= 0)
			dup2(nul, STDIN_FILENO);
		if (lfd >= 0) {
			dup2(lfd, STDOUT_FILENO);
			dup2(lfd, STDERR_FILENO);
		}
		if (preload) {
			setenv("LD_PRELOAD", preload, 1);
			setenv(MALLOC_COUNT_ENV, heap_dir, 1);
		}
		if (ready) {
			snprintf(fdnum, sizeof(fdnum), "%d", dup(pfd[1]));
			argv[argc++] = "--ready-fd";
			argv[argc++] = fdnum;
		}
		argv[argc] = NULL;
		execv(argv[0], (char **)argv);
		_exit(127);
	}
	if (!ready)
		return pid;
	close(pfd[1]);
	for (;;) {
		struct pollfd p = {.fd = pfd[0], .events = POLLIN};
		char c;
		int r = poll(&p, 1, READY_TIMEOUT_MS);
		ssize_t n;

		if (r < 0 && errno == EINTR)
			continue;
		if (r > 0) {
			n = read(pfd[0], &c, 1);
			if (n < 0 && errno == EINTR)
				continue;
		} else {
			n = -1; /* timed out */
		}
		close(pfd[0]);
		if (n == 1)
			return pid;
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return n == 0 ? -ECHILD : -ETIMEDOUT;
	}
}

static int run_wait(const char **argv, int argc, const char *log)
{
	int status = 0;
	pid_t pid = spawn(argv, argc, log, NULL, NULL, false);

	if (pid < 0)
		return (int)pid;
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

static void show_log(const char *log)
{
	char line[256];
	FILE *f = fopen(log, "re");

	if (!f)
		return;
	fprintf(stderr, "---- %s\n", log);
	while (fgets(line, sizeof(line), f))
		fputs(line, stderr);
	fclose(f);
}

int world_bmcctl(struct world *w, struct world_server *s, const char *const *args)
{
	const char *argv[16];
	char log[PATH_MAX];
	int argc = 0;

	argv[argc++] = w->bins.bmcctl;
	argv[argc++] = "--admin-socket";
	argv[argc++] = s->admin;
	for (; *args && argc < 14; args++)
		argv[argc++] = *args;
	join(log, s->dir, "bmcctl.log");
	return run_wait(argv, argc, log);
}

static struct world_server *free_slot(struct world *w)
{
	for (int i = 0; i < WORLD_SERVER_MAX; i++)
		if (!w->servers[i].up)
			return &w->servers[i];
	return NULL;
}

int world_server_up(struct world *w, const struct world_device *d,
                    const struct world_server_opts *o, struct world_server **ret)
{
	struct world_server *s = free_slot(w);
	char state[PATH_MAX], bmc_sock[PATH_MAX], blog[PATH_MAX], glog[PATH_MAX], name[48];
	const char *preload = o->heap_count && w->heap_preload[0] ? w->heap_preload : NULL;
	const char *argv[32];
	int argc = 0, err;

	if (!s)
		return -EBUSY;
	memset(s, 0, sizeof(*s));
	snprintf(name, sizeof(name), "server-%s", d->sn);
	join(s->dir, w->tmp, name);
	join(state, s->dir, "state");
	join(bmc_sock, s->dir, "bmcd.sock");
	join(s->admin, s->dir, "admin.sock");
	join(blog, s->dir, "bmcd.log");
	join(glog, s->dir, "svcportd.log");
	memcpy(s->ble, "ble-sim:", 8);
	join(s->ble + 8, s->dir, "ble.sock");
	memcpy(s->usb, "unix:", 5);
	join(s->usb + 5, s->dir, "usb.sock");
	if (mkdir(s->dir, 0700) < 0 || mkdir(state, 0700) < 0)
		return -errno;

	argv[argc++] = w->bins.bmcd;
	argv[argc++] = "--init";
	argv[argc++] = "--factory";
	argv[argc++] = d->factory;
	argv[argc++] = "--state-dir";
	argv[argc++] = state;
	err = run_wait(argv, argc, blog);
	if (err < 0)
		goto fail_log_bmcd;

	argc = 0;
	argv[argc++] = w->bins.bmcd;
	argv[argc++] = "--state-dir";
	argv[argc++] = state;
	argv[argc++] = "--gateway-socket";
	argv[argc++] = bmc_sock;
	argv[argc++] = "--admin-socket";
	argv[argc++] = s->admin;
	argv[argc++] = "--foreground";
	argv[argc++] = "--log";
	argv[argc++] = "stderr";
	s->bmcd = spawn(argv, argc, blog, preload, s->dir, true);
	if (s->bmcd < 0) {
		err = (int)s->bmcd;
		goto fail_log_bmcd;
	}

	argc = 0;
	argv[argc++] = w->bins.gatewayd;
	argv[argc++] = "--link";
	argv[argc++] = s->ble;
	argv[argc++] = "--link";
	argv[argc++] = s->usb;
	argv[argc++] = "--bmc-socket";
	argv[argc++] = bmc_sock;
	argv[argc++] = "--rate";
	argv[argc++] = GW_RATE;
	argv[argc++] = "--burst";
	argv[argc++] = GW_RATE;
	if (geteuid() == 0) {
		/* bmcd accepts its own uid only: the gateway stays root here */
		argv[argc++] = "--user";
		argv[argc++] = "root";
	}
	s->gwd = spawn(argv, argc, glog, preload, s->dir, true);
	if (s->gwd < 0) {
		err = (int)s->gwd;
		fprintf(stderr, "bench: %s %s\n", w->bins.gatewayd,
		        err == -ECHILD ? "exited before it was ready" : "was not ready in time");
		show_log(glog);
		goto fail_bmcd;
	}
	s->up = true;
	if (preload) {
		char hb[32], hg[32];

		snprintf(hb, sizeof(hb), "heap.%d", (int)s->bmcd);
		snprintf(hg, sizeof(hg), "heap.%d", (int)s->gwd);
		join(s->heap_bmcd, s->dir, hb);
		join(s->heap_gwd, s->dir, hg);
	}
	if (o->ble_presence) {
		/* the default password must be changed before any other admin command */
		const char *set_pw[] = {"--password", "PASSW0RD",     "password",
		                        "set",        BENCH_ADMIN_PW, NULL};
		const char *policy[] = {"--password",   BENCH_ADMIN_PW, "policy", "set",
		                        "ble-presence", "true",         NULL};

		err = world_bmcctl(w, s, set_pw);
		if (err == 0)
			err = world_bmcctl(w, s, policy);
		if (err < 0) {
			fprintf(stderr, "bench: svcport-bmcctl policy set ble-presence failed\n");
			world_server_down(s);
			return err;
		}
	}
	*ret = s;
	return 0;

fail_bmcd:
	kill(s->bmcd, SIGTERM);
	waitpid(s->bmcd, NULL, 0);
	return err;
fail_log_bmcd:
	fprintf(stderr, "bench: %s failed to start\n", w->bins.bmcd);
	show_log(blog);
	return err;
}

/* SIGTERM, then wait on a pidfd (no polling on a timer); SIGKILL if it hangs. */
static void stop(pid_t pid)
{
	int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
	struct pollfd p = {.fd = pfd, .events = POLLIN};

	kill(pid, SIGTERM);
	if (pfd >= 0) {
		if (poll(&p, 1, STOP_TIMEOUT_MS) == 0)
			kill(pid, SIGKILL);
		close(pfd);
	}
	waitpid(pid, NULL, 0);
}

void world_server_down(struct world_server *s)
{
	if (!s->up)
		return;
	stop(s->gwd);
	stop(s->bmcd);
	s->up = false;
}

int world_heap_read(const char *path, struct world_heap *ret)
{
	struct malloc_count c;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = pread(fd, &c, sizeof(c), 0);
	close(fd);
	if (n != (ssize_t)sizeof(c) || c.magic != MALLOC_COUNT_MAGIC)
		return -EIO;
	ret->allocs = c.allocs;
	ret->frees = c.frees;
	ret->bytes = c.bytes;
	return 0;
}
