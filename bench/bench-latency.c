// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Figure 5 of issue 6: activation latency. End-to-end wall time of an activation through
 * libsvcport-client over ble-sim on loopback (a new connection of a returning phone: its
 * GATT set-up with the cached handles and INFO, GetChallenge, the portal's signature,
 * SubmitCommand, the portal's receipt check), median and p99 of N runs, and the part spent
 * on the link (the phone and the daemons, without the portal), also as a share of the
 * whole, which the machine's speed does not move as much. Then a modelled BLE time for the
 * same PDUs, first visit and returning phone: connection events x connection interval
 * (7.5 ms and 30 ms), with 1 and with 4 PDUs per direction per event (bench-phone.h: an
 * ATT request and its response never share an event; notifications go back to back).
 *
 *   bench-latency [--smoke] [--long]    N = 300 by default (under a minute), 1000 with --long
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench-flow.h"
#include "bench-util.h"
#include "bench-world.h"

static const char usage[] = "usage: bench-latency [--smoke] [--long]\n";

#define MTU 247

static void quantiles(const char *what, const char *fig, double *v, int n)
{
	double sum = 0, med, p99;
	char name[64];

	for (int i = 0; i < n; i++)
		sum += v[i];
	med = bench_quantile(v, (size_t)n, 0.5);
	p99 = bench_quantile(v, (size_t)n, 0.99);
	printf("%-34s %9.2f %9.2f %9.2f %9.2f\n", what, med * 1e3, p99 * 1e3, sum / n * 1e3,
	       v[n - 1] * 1e3);
	snprintf(name, sizeof(name), "%s_median", fig);
	bench_figure(name, med * 1e3, "ms");
	snprintf(name, sizeof(name), "%s_p99", fig);
	bench_figure(name, p99 * 1e3, "ms");
}

/* One row per (PDUs per event) of the model for an activation at r->mtu, set-up included. */
static void model(const struct flow_result *r)
{
	static const double ci_ms[] = {7.5, 30};
	const uint64_t ev[2] = {r->st.ble_events_1 + r->setup.ble_events_1,
	                        r->st.ble_events_4 + r->setup.ble_events_4};
	const int per_event[2] = {1, 4};
	const char *visit = r->used_cache ? "returning" : "first";
	char name[96];

	for (int k = 0; k < 2; k++) {
		printf("%7u %-10s %6lu %6lu %6lu %8d %8lu %9.1f ms %9.1f ms\n", r->mtu, visit,
		       (unsigned long)r->st.round_trips,
		       (unsigned long)(r->st.pdus + r->setup.pdus),
		       (unsigned long)(r->st.exchanges + r->setup.exchanges), per_event[k],
		       (unsigned long)ev[k], (double)ev[k] * ci_ms[0], (double)ev[k] * ci_ms[1]);
		for (int c = 0; c < 2; c++) {
			snprintf(name, sizeof(name), "latency_model_mtu%u_%s_ci%s_%dper_event",
			         r->mtu, visit, c ? "30" : "7.5", per_event[k]);
			bench_figure(name, (double)ev[k] * ci_ms[c], "ms");
		}
	}
	snprintf(name, sizeof(name), "latency_model_mtu%u_%s_att_exchanges", r->mtu, visit);
	bench_figure(name, (double)(r->st.exchanges + r->setup.exchanges), "exchanges");
	snprintf(name, sizeof(name), "latency_model_mtu%u_round_trips", r->mtu);
	bench_figure(name, (double)r->st.round_trips, "round_trips");
}

/* An activation at mtu, first visit then returning, for the model. */
static int model_mtu(struct world *w, const struct world_server *s, uint16_t mtu)
{
	struct svcport_client_gatt_cache cache;
	struct flow_opts o = {.cache_out = &cache};
	struct flow_result r;
	int err = flow_run(w->portal, s->ble, mtu, FLOW_ACTIVATE, &o, &r);

	if (err == 0)
		model(&r);
	o.cache = &cache;
	o.cache_out = NULL;
	if (err == 0)
		err = flow_run(w->portal, s->ble, mtu, FLOW_ACTIVATE, &o, &r);
	if (err == 0)
		model(&r);
	return err;
}

/* What the machine's speed moves less: the link's share of the whole, run by run. */
static void shares(const double *wall, const double *link, int n)
{
	double *share = calloc((size_t)n, sizeof(double));

	if (!share)
		return;
	for (int i = 0; i < n; i++)
		share[i] = wall[i] > 0 ? link[i] / wall[i] : 0;
	printf("%-34s %9.2f %9.2f\n", "link / end to end (ratio)",
	       bench_quantile(share, (size_t)n, 0.5), bench_quantile(share, (size_t)n, 0.99));
	bench_figure("latency_activation_link_share_median", bench_quantile(share, (size_t)n, 0.5),
	             "ratio");
	free(share);
}

static int run(struct world *w, int n)
{
	const struct world_server_opts so = {0};
	double *wall = calloc((size_t)n, sizeof(double)), *link = calloc((size_t)n, sizeof(double));
	double *steps = calloc((size_t)n * STEP_COUNT, sizeof(double));
	struct svcport_client_gatt_cache cache;
	struct flow_opts o = {.cache_out = &cache};
	struct world_device dev;
	struct world_server *s = NULL;
	struct flow_result r;
	int err = wall && link && steps ? 0 : -ENOMEM;

	if (err == 0)
		err = world_device_new(w, false, true, &dev);
	if (err == 0)
		err = world_server_up(w, &dev, &so, &s);
	/* the claim, a first visit: the phone keeps the cache it is handed */
	if (err == 0)
		err = flow_run(w->portal, s->ble, MTU, FLOW_CLAIM, &o, &r);
	o.cache = &cache;
	o.cache_out = NULL;
	/* one activation to warm up (page cache, the signer in bmcd's cache) */
	if (err == 0)
		err = flow_run(w->portal, s->ble, MTU, FLOW_ACTIVATE, &o, &r);
	for (int i = 0; err == 0 && i < n; i++) {
		err = flow_run(w->portal, s->ble, MTU, FLOW_ACTIVATE, &o, &r);
		wall[i] = r.wall_s;
		link[i] = r.link_s;
		for (int k = 0; k < STEP_COUNT; k++)
			steps[k * n + i] = r.step_s[k];
	}
	if (err < 0) {
		fprintf(stderr, "bench-latency: failed (%s)\n", strerror(-err));
		goto out;
	}
	printf("%-34s %9s %9s %9s %9s\n", "activation over ble-sim (ms)", "median", "p99", "mean",
	       "max");
	quantiles("end to end (phone + portal)", "latency_activation", wall, n);
	quantiles("on the link (phone + daemons)", "latency_activation_link", link, n);
	printf("end to end, step by step (the portal runs in this process):\n");
	for (int k = 0; k < STEP_COUNT; k++) {
		static const char *const fig[STEP_COUNT] = {
		    "connect", "get_challenge", "portal_sign", "submit_command", "portal_receipt",
		};
		char what[64], name[64];

		snprintf(what, sizeof(what), "  %s", flow_step_name((enum flow_step)k));
		snprintf(name, sizeof(name), "latency_step_%s", fig[k]);
		quantiles(what, name, steps + k * n, n);
	}
	shares(wall, link, n);
	printf("\nmodelled BLE time of one activation, set-up included: connection events x "
	       "interval\n");
	printf("%7s %-10s %6s %6s %6s %8s %8s %12s %12s\n", "ATT_MTU", "phone", "rtrips", "PDUs",
	       "trans", "PDUs/ev", "events", "CI 7.5 ms", "CI 30 ms");
	err = model_mtu(w, s, MTU);
	if (err == 0)
		err = model_mtu(w, s, 23);
	printf("rtrips: request/response exchanges after the set-up; trans: ATT request/response "
	       "transactions, set-up\nincluded (2 events each); PDUs/ev: PDUs per direction per "
	       "event. The portal round trip over the\nphone's internet connection comes on "
	       "top.\n");
out:
	if (s)
		world_server_down(s);
	free(wall);
	free(link);
	free(steps);
	return err;
}

int main(int argc, char **argv)
{
	struct world *w = calloc(1, sizeof(*w));
	enum bench_mode mode;
	int n, err;

	if (!w || bench_parse_mode(argc, argv, usage, &mode) < 0)
		return 2;
	n = mode == BENCH_SMOKE ? 3 : mode == BENCH_LONG ? 1000 : 300;
	bench_print_machine();
	printf("activation latency over ble-sim on loopback (ATT MTU %d), %d runs%s\n\n", MTU, n,
	       mode == BENCH_DEFAULT ? " (the issue's 1,000 with --long)" : "");
	err = world_init(w);
	if (err == 0)
		err = run(w, n);
	world_fini(w);
	free(w);
	return err < 0 ? 1 : 0;
}
