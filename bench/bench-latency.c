// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Figure 5 of issue 6: activation latency. End-to-end wall time of an activation over
 * ble-sim on loopback (a new connection, GATT set-up, INFO, GetDeviceInfo, GetChallenge, the
 * portal's signature, SubmitCommand, the portal's receipt check), median and p99 of N runs,
 * and the part spent waiting on the link (the daemons' share, without the portal's).
 * Then a modelled BLE time for the same PDUs: connection events x connection interval
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

/* One row per (PDUs per event) of the model for an activation at r->mtu. */
static void model(const struct flow_result *r)
{
	static const double ci_ms[] = {7.5, 30};
	const uint64_t ev[2] = {r->st.ble_events_1 + r->setup.ble_events_1,
	                        r->st.ble_events_4 + r->setup.ble_events_4};
	const int per_event[2] = {1, 4};
	char name[80];

	for (int k = 0; k < 2; k++) {
		printf("%7u %6lu %6lu %8d %8lu %9.1f ms %9.1f ms\n", r->mtu,
		       (unsigned long)(r->st.pdus + r->setup.pdus),
		       (unsigned long)(r->st.exchanges + r->setup.exchanges), per_event[k],
		       (unsigned long)ev[k], (double)ev[k] * ci_ms[0], (double)ev[k] * ci_ms[1]);
		for (int c = 0; c < 2; c++) {
			snprintf(name, sizeof(name), "latency_model_mtu%u_ci%s_%dper_event", r->mtu,
			         c ? "30" : "7.5", per_event[k]);
			bench_figure(name, (double)ev[k] * ci_ms[c], "ms");
		}
	}
}

static int run(struct world *w, int n)
{
	const struct world_server_opts so = {0};
	double *wall = calloc((size_t)n, sizeof(double)), *link = calloc((size_t)n, sizeof(double));
	double *steps = calloc((size_t)n * STEP_COUNT, sizeof(double));
	struct world_device dev;
	struct world_server *s = NULL;
	struct flow_result r;
	int err = wall && link && steps ? 0 : -ENOMEM;

	if (err == 0)
		err = world_device_new(w, false, true, &dev);
	if (err == 0)
		err = world_server_up(w, &dev, &so, &s);
	if (err == 0)
		err = flow_run(w->portal, s->ble, MTU, FLOW_CLAIM, NULL, &r);
	/* one activation to warm up (page cache, the signer in bmcd's cache) */
	if (err == 0)
		err = flow_run(w->portal, s->ble, MTU, FLOW_ACTIVATE, NULL, &r);
	for (int i = 0; err == 0 && i < n; i++) {
		err = flow_run(w->portal, s->ble, MTU, FLOW_ACTIVATE, NULL, &r);
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
	quantiles("waiting on the link (daemons)", "latency_activation_link", link, n);
	printf("end to end, step by step (the portal runs in this process):\n");
	for (int k = 0; k < STEP_COUNT; k++) {
		static const char *const fig[STEP_COUNT] = {
		    "connect",     "info_read",      "get_device_info", "get_challenge",
		    "portal_sign", "submit_command", "portal_receipt",
		};
		char what[64], name[64];

		snprintf(what, sizeof(what), "  %s", flow_step_name((enum flow_step)k));
		snprintf(name, sizeof(name), "latency_step_%s", fig[k]);
		quantiles(what, name, steps + k * n, n);
	}
	printf("\nmodelled BLE time of one activation, GATT set-up included: connection events x "
	       "interval\n");
	printf("%7s %6s %6s %8s %8s %12s %12s\n", "ATT_MTU", "PDUs", "trans", "PDUs/ev", "events",
	       "CI 7.5 ms", "CI 30 ms");
	model(&r);
	err = flow_run(w->portal, s->ble, 23, FLOW_ACTIVATE, NULL, &r);
	if (err == 0)
		model(&r);
	printf("trans: ATT request/response transactions (2 events each); PDUs/ev: PDUs per "
	       "direction per event.\nThe portal round trip over the phone's internet connection "
	       "comes on top.\n");
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
