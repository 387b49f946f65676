// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Figure 1 of issue 6: link efficiency. Each flow (info, claim, activate, emergency reset,
 * key update) played by libsvcport-client (the counting phone of bench-phone.h) against
 * real svcport-bmcd + svcportd, over ble-sim: at ATT MTU 23, 185, 247 and 517 and over the
 * CDC framing (unix:). For each: PDUs and bytes on the link (ATT PDUs with their headers,
 * or CDC frames with COBS, CRC and delimiter), request/response exchanges, bytes on the
 * link / protobuf bytes, and the theoretical minimum PDU count for the same protobuf
 * payloads (bench-phone.c says how it is counted). The link's set-up (ATT: Exchange MTU,
 * the Database Hash, discovery, CCCD, INFO; CDC: GetLinkInfo) is shown apart, for a first
 * visit and for a returning phone whose cached handles hold (Robust Caching: no discovery).
 *
 *   bench-links [--smoke] [--long]     (the counts do not depend on the run length)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench-flow.h"
#include "bench-util.h"
#include "bench-world.h"

static const char usage[] = "usage: bench-links [--smoke] [--long]\n";

struct link_cfg {
	const char *name; /* figure name part */
	bool cdc;
	uint16_t mtu;
	bool write_command; /* RX segments as Write Command: what the PDU count could be */
};

static const struct link_cfg cfgs[] = {
    {"mtu23", false, 23, false},    {"mtu185", false, 185, false}, {"mtu247", false, 247, false},
    {"mtu517", false, 517, false},  {"cdc", true, 0, false},       {"mtu23wc", false, 23, true},
    {"mtu247wc", false, 247, true},
};

static void print_row(const struct link_cfg *c, enum bench_flow f, const struct flow_result *r)
{
	const struct phone_stats *s = &r->st;
	double ratio = s->pb_bytes ? (double)s->bytes / (double)s->pb_bytes : 0;
	char name[96];

	printf("%-16s %-8s %6lu %7lu %6lu %7lu %7lu %6.2f %6lu %6.2f  %s\n", flow_name(f), c->name,
	       (unsigned long)s->round_trips, (unsigned long)s->exchanges, (unsigned long)s->pdus,
	       (unsigned long)s->bytes, (unsigned long)s->pb_bytes, ratio,
	       (unsigned long)s->min_pdus, s->min_pdus ? (double)s->pdus / (double)s->min_pdus : 0,
	       f == FLOW_INFO  ? ""
	       : r->chain_sent ? "chain"
	                       : "fingerprint");
#define FIG(what, v, unit)                                                                         \
	do {                                                                                       \
		snprintf(name, sizeof(name), "link_%s_%s_%s", flow_name(f), c->name, what);        \
		bench_figure(name, v, unit);                                                       \
	} while (0)
	FIG("pdus", (double)s->pdus, "pdus");
	FIG("bytes", (double)s->bytes, "bytes");
	FIG("exchanges", (double)s->exchanges, "exchanges");
	FIG("round_trips", (double)s->round_trips, "round_trips");
	FIG("pb_bytes", (double)s->pb_bytes, "bytes");
	FIG("ratio", ratio, "ratio");
	FIG("min_pdus", (double)s->min_pdus, "pdus");
#undef FIG
}

static void print_setup(const struct link_cfg *c, const struct flow_result *r, bool returning)
{
	const char *who = returning ? "returning" : "first";
	char name[96];

	printf("%-16s %-8s %6lu %7lu %6lu %7lu   (%s)\n", returning ? "set-up, cached" : "set-up",
	       c->name, (unsigned long)r->setup.round_trips, (unsigned long)r->setup.exchanges,
	       (unsigned long)r->setup.pdus, (unsigned long)r->setup.bytes,
	       c->cdc          ? "GetLinkInfo"
	       : r->used_cache ? "MTU, hash, CCCD, INFO: the cache held, no discovery"
	                       : "MTU, hash, discovery, CCCD, INFO");
	snprintf(name, sizeof(name), "link_setup_%s_%s_pdus", who, c->name);
	bench_figure(name, (double)r->setup.pdus, "pdus");
	snprintf(name, sizeof(name), "link_setup_%s_%s_bytes", who, c->name);
	bench_figure(name, (double)r->setup.bytes, "bytes");
	snprintf(name, sizeof(name), "link_setup_%s_%s_exchanges", who, c->name);
	bench_figure(name, (double)r->setup.exchanges, "exchanges");
}

static int run_flow(struct world *w, const struct link_cfg *c, struct world_server *s,
                    enum bench_flow f, const struct flow_opts *o, struct flow_result *r)
{
	int err = flow_run(w->portal, c->cdc ? s->usb : s->ble, c->mtu, f, o, r);

	if (err < 0)
		fprintf(stderr, "bench-links: %s over %s failed\n", flow_name(f), c->name);
	else
		print_row(c, f, r);
	return err;
}

/*
 * One link configuration: a claimed portal-managed server for info, claim, activate and
 * emergency reset (BLE presence allowed by its administrator, so the reset is accepted over
 * ble-sim too), then a replacement board for the key update. The first info is a first
 * visit (discovery); the phone keeps the cache it was handed and comes back with it for
 * the rest, as an app does; the flows' own rows do not depend on it.
 */
static int run_cfg(struct world *w, const struct link_cfg *c)
{
	static const enum bench_flow first[] = {FLOW_INFO, FLOW_CLAIM, FLOW_ACTIVATE,
	                                        FLOW_EMERGENCY_RESET};
	const struct world_server_opts so = {.ble_presence = true};
	struct svcport_client_gatt_cache cache;
	struct flow_opts o = {.write_command = c->write_command, .cache_out = &cache};
	struct world_device dev, board;
	struct world_server *s = NULL, *s2 = NULL;
	struct flow_result r;
	bool show = !c->write_command;
	int err;

	err = world_device_new(w, false, true, &dev);
	if (err == 0)
		err = world_server_up(w, &dev, &so, &s);
	for (size_t i = 0; err == 0 && i < sizeof(first) / sizeof(first[0]); i++) {
		err = run_flow(w, c, s, first[i], &o, &r);
		if (err == 0 && i == 0 && show)
			print_setup(c, &r, false);
		if (err == 0 && i == 1 && show && !c->cdc)
			print_setup(c, &r, true);
		if (!c->cdc) {
			o.cache = &cache; /* the phone returns */
			o.cache_out = NULL;
		}
	}
	if (s)
		world_server_down(s);
	if (err == 0)
		err = world_device_new(w, true, false, &board);
	if (err == 0)
		err = portal_device_key_update(w->portal, WORLD_MT, dev.sn, board.key_sha256);
	if (err == 0)
		err = world_server_up(w, &board, &so, &s2);
	if (err == 0)
		err = run_flow(w, c, s2, FLOW_KEY_UPDATE, &o, &r);
	if (s2)
		world_server_down(s2);
	return err;
}

int main(int argc, char **argv)
{
	struct world *w = calloc(1, sizeof(*w));
	enum bench_mode mode;
	size_t n_cfgs = sizeof(cfgs) / sizeof(cfgs[0]);
	bool printed_wc = false;
	int err;

	if (!w || bench_parse_mode(argc, argv, usage, &mode) < 0)
		return 2;
	bench_print_machine();
	err = world_init(w);
	if (err < 0)
		return 1;
	printf("link efficiency per flow, through libsvcport-client (one fresh connection each, "
	       "counted after the link's set-up;\nchain/fingerprint: how the command named its "
	       "signer)\n\n");
	printf("%-16s %-8s %6s %7s %6s %7s %7s %6s %6s %6s\n", "flow", "link", "rtrips", "exchg",
	       "PDUs", "bytes", "pbytes", "ratio", "minPDU", "x min");
	for (size_t i = 0; err == 0 && i < n_cfgs; i++) {
		/* smoke: the smallest MTU and CDC keep both code paths working */
		if (mode == BENCH_SMOKE && i != 0 && !cfgs[i].cdc)
			continue;
		if (cfgs[i].write_command && !printed_wc) {
			printf("with Write Command (no Write Response) for the RX segments, as the "
			       "gateway also accepts:\n");
			printed_wc = true;
		}
		err = run_cfg(w, &cfgs[i]);
	}
	printf("\nrtrips: Frame request/response exchanges; exchg: ATT request/response "
	       "transactions (CDC: round trips);\nratio: bytes on the link / protobuf bytes; "
	       "minPDU: fewest PDUs for the same protobuf messages;\nset-up: once per "
	       "connection; cached: a returning phone whose handles still hold.\n");
	world_fini(w);
	free(w);
	return err < 0 ? 1 : 0;
}
