// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Figure 4 of issue 6: memory. Peak resident memory (VmHWM) and current (VmRSS) of svcportd
 * and svcport-bmcd idle, with 3 BLE sessions open at once (BLE's share of the gateway's
 * default table of 4: one link kind never takes every slot), and after M sequential sessions
 * over ble-sim (each, through libsvcport-client: GATT set-up and INFO, GetDeviceInfo, and a
 * GetChallenge for the sessions kept open, hang-up), with the growth over those sessions, which
 * must stay flat. The heap is counted by malloc-count.so preloaded into both daemons:
 * allocations per session and per request, and the blocks still live (allocated - freed)
 * before and after.
 *
 *   bench-memory [--smoke] [--long]    M = 2,000 by default (under a minute), 10,000 with --long
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench-flow.h"
#include "bench-util.h"
#include "bench-world.h"

static const char usage[] = "usage: bench-memory [--smoke] [--long]\n";

#define MTU      247
#define SESSIONS 3 /* BLE's share of svcportd's default --max-sessions 4 */

/* A phone that only looks: its signed flows stop at the challenge (no portal). */
static void stop_at_challenge(struct svcport_client *c,
                              const struct svcport_client_sign_request *req, void *user_data)
{
	(void)req;
	(void)user_data;
	(void)svcport_client_sign_failed(c, -ECANCELED);
}

static const struct phone_opts phone_opts = {.mtu = MTU, .sign = stop_at_challenge};

/* GetChallenge, the flow then stopped by the phone: 0 or the failure. */
static int look_at_challenge(struct phone *ph)
{
	int err = phone_run(ph, SVCPORT_CLIENT_FLOW_ACTIVATE);

	return err == -ECANCELED ? 0 : err < 0 ? err : -EPROTO;
}

struct snap {
	long hwm[2], rss[2];       /* KiB: [0] svcportd, [1] svcport-bmcd */
	struct world_heap heap[2]; /* zero when not counted */
	bool counted;
};

static const char *const who[2] = {"svcportd", "svcport-bmcd"};

static int snap_take(const struct world_server *s, struct snap *ret)
{
	const pid_t pids[2] = {s->gwd, s->bmcd};
	const char *heap[2] = {s->heap_gwd, s->heap_bmcd};
	int err = 0;

	memset(ret, 0, sizeof(*ret));
	ret->counted = heap[0][0] && heap[1][0];
	for (int i = 0; err == 0 && i < 2; i++) {
		err = bench_proc_mem(pids[i], &ret->hwm[i], &ret->rss[i]);
		if (err == 0 && ret->counted)
			err = world_heap_read(heap[i], &ret->heap[i]);
	}
	return err;
}

static void print_snap(const char *phase, const char *fig, const struct snap *sn)
{
	char name[96];

	for (int i = 0; i < 2; i++) {
		printf("%-28s %-13s %9ld %9ld\n", phase, who[i], sn->hwm[i], sn->rss[i]);
		snprintf(name, sizeof(name), "mem_%s_%s_hwm", i ? "bmcd" : "gateway", fig);
		bench_figure(name, (double)sn->hwm[i], "KiB");
	}
}

/*
 * One short session as a phone that only looks: INFO, GetDeviceInfo, and a
 * GetChallenge if the session is kept. A challenge nobody uses holds its slot
 * for its whole lifetime (bmcd refuses newcomers rather than evict it): the
 * long loops of sessions that hang up at once must not ask for one.
 */
static int session(const struct world_server *s, bool keep, struct phone **ret)
{
	struct phone *ph = NULL;
	int err = phone_open(s->ble, &phone_opts, &ph);

	if (err == 0)
		err = phone_run(ph, SVCPORT_CLIENT_FLOW_INFO);
	if (err == 0 && keep)
		err = look_at_challenge(ph);
	if (err == 0 && keep) {
		*ret = ph;
		return 0;
	}
	phone_close(ph);
	return err;
}

/*
 * The gateway frees a session slot once its loop has seen the hang-up; until then a new
 * connection is refused (closed at once). After the 3 sessions, knock until one is taken:
 * what a phone does when the server is busy.
 */
static int wait_for_slot(const struct world_server *s)
{
	const struct timespec ms = {.tv_nsec = 1000000};
	int err = -ECONNRESET;

	for (int i = 0; i < 1000 && (err == -ECONNRESET || err == -EPIPE); i++) {
		struct phone *ph = NULL;

		err = phone_open(s->ble, &phone_opts, &ph);
		phone_close(ph);
		if (err == -ECONNRESET || err == -EPIPE)
			nanosleep(&ms, NULL);
	}
	return err;
}

/* Allocations per operation of each daemon, from the heap counters around n runs of op. */
struct op {
	const char *name;
	int (*run)(struct world *w, const struct world_server *s, struct phone *ph);
};

static int op_connect(struct world *w, const struct world_server *s, struct phone *ph)
{
	struct phone *p = NULL;
	int err = phone_open(s->ble, &phone_opts, &p);

	(void)w;
	(void)ph;
	phone_close(p);
	return err;
}

static int op_info(struct world *w, const struct world_server *s, struct phone *ph)
{
	(void)w;
	(void)s;
	return phone_run(ph, SVCPORT_CLIENT_FLOW_INFO);
}

static int op_challenge(struct world *w, const struct world_server *s, struct phone *ph)
{
	(void)w;
	(void)s;
	return look_at_challenge(ph);
}

static int op_activate(struct world *w, const struct world_server *s, struct phone *ph)
{
	struct flow_result r;

	(void)ph;
	return flow_run(w->portal, s->ble, MTU, FLOW_ACTIVATE, NULL, &r);
}

static const struct op ops[] = {
    {"session (connect, GATT set-up, INFO, hang-up)", op_connect},
    {"GetDeviceInfo", op_info},
    {"GetChallenge", op_challenge},
    {"activation (whole flow, new session)", op_activate},
};

static int heap_per_op(struct world *w, const struct world_server *s, int n)
{
	struct phone *ph = NULL;
	int err = phone_open(s->ble, &phone_opts, &ph);

	printf("\n%-42s %14s %14s\n", "heap allocations per operation", "svcportd", "svcport-bmcd");
	for (size_t k = 0; err == 0 && k < sizeof(ops) / sizeof(ops[0]); k++) {
		struct snap a, b;
		char name[96];

		err = snap_take(s, &a);
		for (int i = 0; err == 0 && i < n; i++)
			err = ops[k].run(w, s, ph);
		if (err == 0)
			err = snap_take(s, &b);
		if (err < 0)
			break;
		printf("%-42s %14.1f %14.1f\n", ops[k].name,
		       (double)(b.heap[0].allocs - a.heap[0].allocs) / n,
		       (double)(b.heap[1].allocs - a.heap[1].allocs) / n);
		for (int i = 0; i < 2; i++) {
			snprintf(name, sizeof(name), "heap_%s_allocs_per_%s",
			         i ? "bmcd" : "gateway",
			         k == 0   ? "session"
			         : k == 1 ? "get_device_info"
			         : k == 2 ? "get_challenge"
			                  : "activation");
			bench_figure(name, (double)(b.heap[i].allocs - a.heap[i].allocs) / n,
			             "allocs");
		}
	}
	phone_close(ph);
	return err;
}

static int run(struct world *w, int m)
{
	const struct world_server_opts so = {.heap_count = true};
	struct phone *open[SESSIONS] = {0};
	struct world_device dev;
	struct world_server *s = NULL;
	struct flow_result r;
	struct snap idle, four, warm, after;
	double t0;
	int err = world_device_new(w, false, true, &dev);

	if (err == 0)
		err = world_server_up(w, &dev, &so, &s);
	if (err == 0)
		err = snap_take(s, &idle);
	for (int i = 0; err == 0 && i < SESSIONS; i++)
		err = session(s, true, &open[i]);
	if (err == 0)
		err = snap_take(s, &four);
	for (int i = 0; i < SESSIONS; i++)
		phone_close(open[i]);
	if (err == 0)
		err = wait_for_slot(s);
	/* the claim and one activation, so every code path has run once before the count */
	if (err == 0)
		err = flow_run(w->portal, s->ble, MTU, FLOW_CLAIM, NULL, &r);
	if (err == 0)
		err = flow_run(w->portal, s->ble, MTU, FLOW_ACTIVATE, NULL, &r);
	for (int i = 0; err == 0 && i < 100; i++)
		err = session(s, false, NULL);
	if (err == 0)
		err = snap_take(s, &warm);
	t0 = bench_now();
	for (int i = 0; err == 0 && i < m; i++)
		err = session(s, false, NULL);
	if (err == 0)
		err = snap_take(s, &after);
	if (err < 0) {
		fprintf(stderr, "bench-memory: failed (%s)\n", strerror(-err));
		goto out;
	}
	printf("%-28s %-13s %9s %9s\n", "phase", "daemon", "VmHWM KiB", "VmRSS KiB");
	print_snap("idle", "idle", &idle);
	print_snap("3 BLE sessions open", "ble_sessions", &four);
	print_snap("after 100 sessions (warm)", "warm", &warm);
	print_snap("after the sequential ones", "after_sessions", &after);
	printf("\n%d sequential sessions in %.1f s; growth from warm to after:\n", m,
	       bench_now() - t0);
	for (int i = 0; i < 2; i++) {
		char name[64];
		printf("  %-13s VmHWM %+ld KiB, VmRSS %+ld KiB\n", who[i],
		       after.hwm[i] - warm.hwm[i], after.rss[i] - warm.rss[i]);
		snprintf(name, sizeof(name), "mem_%s_hwm_growth", i ? "bmcd" : "gateway");
		bench_figure(name, (double)(after.hwm[i] - warm.hwm[i]), "KiB");
		snprintf(name, sizeof(name), "mem_%s_rss_growth", i ? "bmcd" : "gateway");
		bench_figure(name, (double)(after.rss[i] - warm.rss[i]), "KiB");
	}
	for (int i = 0; after.counted && i < 2; i++) {
		long long lw = (long long)(warm.heap[i].allocs - warm.heap[i].frees);
		long long la = (long long)(after.heap[i].allocs - after.heap[i].frees);
		char name[64];

		printf("  %-13s heap blocks live: %lld after warm-up, %lld after (%+lld)\n", who[i],
		       lw, la, la - lw);
		snprintf(name, sizeof(name), "heap_%s_live_blocks_growth", i ? "bmcd" : "gateway");
		bench_figure(name, (double)(la - lw), "blocks");
	}
	if (!after.counted) {
		printf("\nheap allocations not counted (no malloc-count.so: sanitizer build?)\n");
		goto out;
	}
	err = heap_per_op(w, s, m < 20 ? m : 20);
out:
	if (s)
		world_server_down(s);
	return err;
}

int main(int argc, char **argv)
{
	struct world *w = calloc(1, sizeof(*w));
	enum bench_mode mode;
	int m, err;

	if (!w || bench_parse_mode(argc, argv, usage, &mode) < 0)
		return 2;
	m = mode == BENCH_SMOKE ? 5 : mode == BENCH_LONG ? 10000 : 2000;
	bench_print_machine();
	printf("memory of svcportd and svcport-bmcd over ble-sim (ATT MTU %d); %d sequential "
	       "sessions%s\n\n",
	       MTU, m, mode == BENCH_DEFAULT ? " (the issue's 10,000 with --long)" : "");
	err = world_init(w);
	if (err == 0)
		err = run(w, m);
	world_fini(w);
	free(w);
	return err < 0 ? 1 : 0;
}
