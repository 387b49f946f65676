// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Soak (issue 12): a radio attacker slows himself, never the technician. A child process
 * (bench-attacker.h) holds 64 hostile ble-sim: connections at once and opens N in all,
 * idle, junk, held half messages, mid-message hang-ups and bad messages in turn; meanwhile
 * this process is the USB technician on unix:, playing activation flows one after the
 * other, each followed by a bad USB session (a garbage frame; a half frame and hang-up).
 * Printed as ratios: technician flows answered / attempted; their median and p99 under
 * attack / quiet; svcportd's and bmcd's VmRSS and open fds after / before.
 *
 *   bench-soak [--smoke] [--long]    N = 2,000 hostile sessions (default), 10,000 (--long)
 */
#include <errno.h>
#include <dirent.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench-attacker.h"
#include "bench-flow.h"
#include "bench-util.h"
#include "bench-world.h"

static const char usage[] = "usage: bench-soak [--smoke] [--long]\n";

#define CONCURRENT 64
#define MAX_FLOWS  4096

struct snap {
	long rss[2], hwm[2]; /* KiB: [0] svcportd, [1] svcport-bmcd */
	int fds[2];
};

static int count_fds(pid_t pid)
{
	char path[64];
	struct dirent *e;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static int snap_take(const struct world_server *s, struct snap *ret)
{
	const pid_t pids[2] = {s->gwd, s->bmcd};
	int err = 0;

	for (int i = 0; err == 0 && i < 2; i++) {
		err = bench_proc_mem(pids[i], &ret->hwm[i], &ret->rss[i]);
		ret->fds[i] = count_fds(pids[i]);
		if (err == 0 && ret->fds[i] < 0)
			err = ret->fds[i];
	}
	return err;
}

/* A bad USB session: a garbage frame (odd: a half frame, then hang-up). */
static void bad_usb(const char *spec, int n)
{
	static const unsigned char garbage[] = {0x05, 0x11, 0x22, 0x33, 0x44, 0x00};
	static const unsigned char half[] = {0x09, 0x01, 0x02, 0x03};
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", spec + strlen("unix:"));
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		if (n % 2 == 0) {
			struct pollfd p = {.fd = fd, .events = POLLIN};
			char b[256];

			(void)!send(fd, garbage, sizeof(garbage), MSG_NOSIGNAL);
			if (poll(&p, 1, 1000) == 1)
				(void)!recv(fd, b, sizeof(b), MSG_DONTWAIT); /* its error answer */
		} else {
			(void)!send(fd, half, sizeof(half), MSG_NOSIGNAL);
		}
	}
	if (fd >= 0)
		close(fd);
}

struct tech {
	double t[MAX_FLOWS];
	int n, ok;
};

static void tech_flow(struct world *w, const struct world_server *s, struct tech *t)
{
	struct flow_result r;
	double t0 = bench_now();

	if (flow_run(w->portal, s->usb, 0, FLOW_ACTIVATE, NULL, &r) == 0) {
		t->ok++;
		if (t->n < MAX_FLOWS)
			t->t[t->n++] = bench_now() - t0;
	}
}

static pid_t attacker_start(const struct world_server *s, int sessions, int *ret_fd)
{
	int p[2];
	pid_t pid;

	if (pipe(p) < 0)
		return -errno;
	pid = fork();
	if (pid == 0) {
		struct attack_result r;
		int err = attack_run(s->ble + strlen("ble-sim:"), CONCURRENT, sessions, &r);

		(void)!write(p[1], &r, sizeof(r));
		_exit(err < 0 ? 1 : 0);
	}
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return -errno;
	}
	*ret_fd = p[0];
	return pid;
}

/* The gateway notices the attacker's last hang-ups in its own time: wait (bounded) until
 * its fd count is back to before's. */
static void settle(const struct world_server *s, int fds_before)
{
	const struct timespec ms = {.tv_nsec = 1000000};

	for (int i = 0; i < 5000 && count_fds(s->gwd) > fds_before; i++)
		nanosleep(&ms, NULL);
}

static void ratio(const char *what, const char *fig, double num, double den)
{
	double r = den > 0 ? num / den : 0;

	printf("  %-52s %10.3f   (%g / %g)\n", what, r, num, den);
	bench_figure(fig, r, "ratio");
}

static void report(const struct tech *quiet, struct tech *attacked, int attempted,
                   const struct snap *a, const struct snap *b, const struct attack_result *ar)
{
	static const char *const who[2] = {"svcportd", "svcport-bmcd"};
	static const char *const fig[2] = {"gateway", "bmcd"};
	double qm = bench_quantile((double *)quiet->t, (size_t)quiet->n, 0.5);
	double q99 = bench_quantile((double *)quiet->t, (size_t)quiet->n, 0.99);
	double am = bench_quantile(attacked->t, (size_t)attacked->n, 0.5);
	double a99 = bench_quantile(attacked->t, (size_t)attacked->n, 0.99);
	uint64_t opened = 0, closed = 0;
	char name[96];

	printf("\nattacker: %-8s %10s %18s\n", "kind", "opened", "closed by gateway");
	for (int k = 0; k < ATTACK_COUNT; k++) {
		printf("          %-8s %10llu %18llu\n", attack_name((enum attack)k),
		       (unsigned long long)ar->opened[k],
		       (unsigned long long)ar->closed_by_gateway[k]);
		opened += ar->opened[k];
		closed += ar->closed_by_gateway[k];
	}
	printf("          refused at connect %llu, answers %llu, at most %d open at once\n\n",
	       (unsigned long long)ar->refused, (unsigned long long)ar->answers, ar->max_open);
	bench_figure("soak_hostile_sessions", (double)opened, "sessions");
	ratio("technician activations answered / attempted", "soak_tech_answered", attacked->ok,
	      attempted);
	ratio("technician median, under attack / quiet", "soak_tech_median_ratio", am * 1e3,
	      qm * 1e3);
	ratio("technician p99, under attack / quiet", "soak_tech_p99_ratio", a99 * 1e3, q99 * 1e3);
	ratio("hostile connections closed by the gateway / opened", "soak_hostile_closed", closed,
	      opened);
	for (int i = 0; i < 2; i++) {
		char what[96];

		snprintf(what, sizeof(what), "%s VmRSS after / before (KiB)", who[i]);
		snprintf(name, sizeof(name), "soak_%s_rss_ratio", fig[i]);
		ratio(what, name, b->rss[i], a->rss[i]);
		snprintf(what, sizeof(what), "%s open fds after / before", who[i]);
		snprintf(name, sizeof(name), "soak_%s_fds_ratio", fig[i]);
		ratio(what, name, b->fds[i], a->fds[i]);
	}
}

static int run(struct world *w, int sessions, int quiet_flows)
{
	static struct tech quiet, attacked;
	struct world_device dev;
	struct world_server *s = NULL;
	struct attack_result ar = {0};
	struct snap before, after;
	struct flow_result r;
	int attempted = 0, afd = -1, status = 0;
	pid_t apid = -1;
	int err = world_device_new(w, false, true, &dev);

	if (err == 0)
		err = world_server_up(w, &dev, &(struct world_server_opts){0}, &s);
	if (err == 0)
		err = flow_run(w->portal, s->usb, 0, FLOW_CLAIM, NULL, &r);
	for (int i = 0; err == 0 && i < quiet_flows; i++)
		tech_flow(w, s, &quiet);
	if (err == 0 && quiet.ok < quiet_flows)
		err = -EPROTO; /* the technician fails without an attacker: not a soak */
	if (err == 0)
		err = snap_take(s, &before);
	if (err == 0) {
		apid = attacker_start(s, sessions, &afd);
		err = apid < 0 ? (int)apid : 0;
	}
	for (struct pollfd p = {.fd = afd, .events = POLLIN}; err == 0 && poll(&p, 1, 0) == 0;) {
		attempted++;
		tech_flow(w, s, &attacked);
		bad_usb(s->usb, attempted);
	}
	if (apid > 0) {
		if (read(afd, &ar, sizeof(ar)) != sizeof(ar) || waitpid(apid, &status, 0) != apid ||
		    !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			err = err ? err : -ECHILD;
		close(afd);
	}
	if (err == 0) {
		/* one more after the attack: the technician is still served */
		attempted++;
		tech_flow(w, s, &attacked);
		settle(s, before.fds[0]);
		err = snap_take(s, &after);
	}
	if (err < 0)
		fprintf(stderr, "bench-soak: failed (%s)\n", strerror(-err));
	else
		report(&quiet, &attacked, attempted, &before, &after, &ar);
	if (s)
		world_server_down(s);
	return err;
}

int main(int argc, char **argv)
{
	struct world *w = calloc(1, sizeof(*w));
	enum bench_mode mode;
	int n, err;

	if (!w || bench_parse_mode(argc, argv, usage, &mode) < 0)
		return 2;
	n = mode == BENCH_SMOKE ? 100 : mode == BENCH_LONG ? 10000 : 2000;
	bench_print_machine();
	printf("soak: %d hostile ble-sim: sessions, %d at once, against a USB technician "
	       "activating over unix:\n",
	       n, CONCURRENT);
	err = world_init(w);
	if (err == 0)
		err = run(w, n, mode == BENCH_SMOKE ? 3 : 20);
	world_fini(w);
	free(w);
	return err < 0 ? 1 : 0;
}
