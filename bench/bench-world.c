// SPDX-License-Identifier: GPL-2.0-or-later
#include "bench-world.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "malloc-count.h"
#include "utc.h"

#define BENCH_ADMIN_PW "Bench-Secret-1"

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
	int64_t now = utc_now_s();
	int err;

	memset(w, 0, sizeof(*w));
	err = server_bins_find(NULL, &w->bins);
	if (err < 0) {
		fprintf(stderr, "bench: svcport-bmcd or svcportd not found in the build tree\n");
		return err;
	}
	snprintf(w->tmp, sizeof(w->tmp), "%s/svcport-bench.XXXXXX", tmpdir ? tmpdir : "/tmp");
	/* 0711: as root the gateway runs as svcport or nobody and must reach bmcd.sock. */
	if (!mkdtemp(w->tmp) || chmod(w->tmp, 0711) < 0)
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
	int64_t now = utc_now_s();
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
	memcpy(ret->label_password, m.label_password, sizeof(ret->label_password));
	memcpy(ret->key_sha256, m.board_key_sha256, sizeof(ret->key_sha256));
	return 0;
}

/* Runs argv to its end with stdio to log; 0 if it exited 0. */
static int run_wait(const char **argv, const char *log)
{
	posix_spawn_file_actions_t fa;
	int status = 0, err;
	pid_t pid;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, log, O_WRONLY | O_CREAT | O_APPEND,
	                                 0600);
	posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO);
	err = posix_spawn(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (err)
		return -err;
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

int world_bmcctl(struct world *w, struct world_server *s, const char *const *args)
{
	const char *argv[16];
	char log[PATH_MAX];
	int argc = 0;

	argv[argc++] = w->bins.bmcctl;
	argv[argc++] = "--admin-socket";
	argv[argc++] = s->admin;
	for (; *args && argc < 15; args++)
		argv[argc++] = *args;
	argv[argc] = NULL;
	join(log, s->dir, "bmcctl.log");
	return run_wait(argv, log);
}

static struct world_server *free_slot(struct world *w)
{
	for (int i = 0; i < WORLD_SERVER_MAX; i++)
		if (!w->servers[i].up)
			return &w->servers[i];
	return NULL;
}

/* The heap counter's environment for both daemons: LD_PRELOAD and its folder. */
static const char *const *heap_env(const struct world *w, struct world_server *s)
{
	char buf[sizeof(s->env_heap_dir)];

	/* Through buf: the source and the destination are fields of one object. */
	snprintf(buf, sizeof(buf), "LD_PRELOAD=%s", w->heap_preload);
	memcpy(s->env_preload, buf, sizeof(s->env_preload));
	snprintf(buf, sizeof(buf), "%s=%s", MALLOC_COUNT_ENV, s->dir);
	memcpy(s->env_heap_dir, buf, sizeof(s->env_heap_dir));
	s->env[0] = s->env_preload;
	s->env[1] = s->env_heap_dir;
	s->env[2] = NULL;
	return s->env;
}

/* The policy that lets BLE do what needs presence (the link benchmarks' flows). */
static int allow_ble_presence(struct world *w, struct world_server *s)
{
	/* the label's password must be changed before any other admin command */
	const char *set_pw[] = {"--password", s->label_password, "password",
	                        "set",        BENCH_ADMIN_PW,    NULL};
	const char *policy[] = {"--password",   BENCH_ADMIN_PW, "policy", "set",
	                        "ble-presence", "true",         NULL};
	int err = world_bmcctl(w, s, set_pw);

	if (err == 0)
		err = world_bmcctl(w, s, policy);
	if (err < 0)
		fprintf(stderr, "bench: svcport-bmcctl policy set ble-presence failed\n");
	return err;
}

int world_server_up(struct world *w, const struct world_device *d,
                    const struct world_server_opts *o, struct world_server **ret)
{
	struct world_server *s = free_slot(w);
	struct server_up_opts so = {
	    .factory = d->factory,
	    .gateway_args = {"--rate", GW_RATE, "--burst", GW_RATE},
	    .n_gateway_args = 4,
	    .die_with_parent = true,
	};
	struct server_pids pids;
	char name[48];
	int err;

	if (!s)
		return -EBUSY;
	memset(s, 0, sizeof(*s));
	memcpy(s->label_password, d->label_password, sizeof(s->label_password));
	snprintf(name, sizeof(name), "server-%s", d->sn);
	join(s->dir, w->tmp, name);
	join(s->admin, s->dir, "admin.sock");
	memcpy(s->ble, "ble-sim:", 8);
	join(s->ble + 8, s->dir, "ble.sock");
	memcpy(s->usb, "unix:", 5);
	join(s->usb + 5, s->dir, "usb.sock");
	so.dir = s->dir;
	if (o->heap_count && w->heap_preload[0])
		so.env = heap_env(w, s);
	err = server_up(&w->bins, &so, &pids);
	if (err < 0) {
		fprintf(stderr, "bench: the server did not start: %s\n", strerror(-err));
		return err;
	}
	s->bmcd = pids.bmcd;
	s->gwd = pids.gatewayd;
	s->up = true;
	if (so.env) {
		char hb[32], hg[32];

		snprintf(hb, sizeof(hb), "heap.%d", (int)s->bmcd);
		snprintf(hg, sizeof(hg), "heap.%d", (int)s->gwd);
		join(s->heap_bmcd, s->dir, hb);
		join(s->heap_gwd, s->dir, hg);
	}
	if (o->ble_presence && (err = allow_ble_presence(w, s)) < 0) {
		world_server_down(s);
		return err;
	}
	*ret = s;
	return 0;
}

void world_server_down(struct world_server *s)
{
	if (!s->up)
		return;
	if (server_down(s->dir) < 0)
		fprintf(stderr, "bench: a daemon of %s did not stop\n", s->dir);
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
