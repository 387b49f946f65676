// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Issue 11's figure: a tamper event (a change that reduces access) under each
 * kind of storage fault, 1,000 times each, and what a restart then finds.
 * The BMC core runs in this process; the faults come through the link-time
 * seam of tests/fault (fsio-fault.h): ENOSPC or EIO on the state, audit or
 * latch writes (the latch is written only when a store failed, so it fails
 * alongside the state), and a full disk. Each run: the board ACTIVE, a tamper
 * under the fault, a restart without faults, the checks (never less locked
 * than a stored or latched lock promised; the audit log verifies), an
 * activation to start again.
 *
 *   bench-faults [--smoke] [--long]   (10 / 1,000 / 5,000 runs per kind)
 * Prints a table and one machine-readable line per figure:
 *   figure name=<name> value=<v> unit=<unit>
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "bench-util.h"
#include "fsio-fault.h"
#include "testpki.h"

#define PW "correct horse"

enum outcome {
	O_STORED,
	O_LATCHED,
	O_MEMORY,
	O_COUNT
};

struct kind {
	const char *name, *targets;
	int err;        /* 0: the full disk */
	const char *id; /* figure names */
};

static const struct kind kinds[] = {
    {"ENOSPC on state", "state", ENOSPC, "enospc_state"},
    {"ENOSPC on audit", "audit", ENOSPC, "enospc_audit"},
    {"ENOSPC on latch", "state+latch", ENOSPC, "enospc_latch"},
    {"EIO on state", "state", EIO, "eio_state"},
    {"EIO on audit", "audit", EIO, "eio_audit"},
    {"EIO on latch", "state+latch", EIO, "eio_latch"},
    {"full disk", "all", 0, "full_disk"},
};

struct tally {
	int runs, outcome[O_COUNT], locked_after, lost, reconciled, audit_ok, broken;
};

static struct tworld W;
static uint32_t lcg = 4242;

static uint32_t rnd(uint32_t n)
{
	lcg = lcg * 1103515245u + 12345u;
	return (lcg >> 8) % n;
}

static svcport_admin_v1_AdminError admin(pb_size_t tag, const char *pw,
                                         svcport_admin_v1_AdminReply *rep)
{
	svcport_admin_v1_AdminRequest req = svcport_admin_v1_AdminRequest_init_zero;

	req.which_cmd = tag;
	if (tag == svcport_admin_v1_AdminRequest_tamper_tag) {
		req.cmd.tamper.kind = svcport_admin_v1_TamperKind_TAMPER_INTRUSION;
	} else if (tag == svcport_admin_v1_AdminRequest_sensors_set_tag) {
		req.cmd.sensors_set.has_sensors = true;
		req.cmd.sensors_set.sensors.intrusion_enabled = true;
	} else if (tag == svcport_admin_v1_AdminRequest_password_set_tag) {
		strcpy(req.cmd.password_set.new_password, PW);
	}
	return tworld_admin(&W, &req, pw, rep);
}

static void plan(const struct kind *k)
{
	static const unsigned counts[] = {0, 1, 2, 5};
	struct fsio_fault f = {.mode = FSIO_FAULT_FULL};
	char spec[64];

	if (k->err) {
		snprintf(spec, sizeof(spec), "fail:%s:%s:%u:%u", k->targets,
		         k->err == EIO ? "EIO" : "ENOSPC", rnd(4), counts[rnd(4)]);
		if (fsio_fault_parse(spec, &f) < 0)
			abort();
	} else {
		f.targets = FSIO_T_ALL;
	}
	fsio_fault_set(&f);
}

/* One run; false if a rule broke (then it says which). */
static bool run_one(const struct kind *k, struct tally *t)
{
	static svcport_admin_v1_AdminReply rep;
	static svcport_v1_AuditRecord last;
	svcport_admin_v1_AdminError e;
	struct audit_report r;
	enum outcome o;
	size_t n = 0;
	bool ok = true;

	plan(k);
	e = admin(svcport_admin_v1_AdminRequest_tamper_tag, PW, &rep); /* a login: re-attack F */
	if (e != svcport_admin_v1_AdminError_ADMIN_OK &&
	    e != svcport_admin_v1_AdminError_ADMIN_NOT_STORED) {
		fprintf(stderr, "bench-faults: %s: tamper refused: %s\n", k->name, rep.message);
		abort();
	}
	o = e == svcport_admin_v1_AdminError_ADMIN_OK ? O_STORED
	    : strstr(rep.message, "memory only")      ? O_MEMORY
	                                              : O_LATCHED;
	fsio_fault_set(NULL);
	tworld_reopen(&W); /* the restart */
	t->runs++;
	t->outcome[o]++;
	if (bmc_state(W.bmc)->lockdown_state == svcport_v1_LockdownState_LOCKDOWN_LOCKED)
		t->locked_after++;
	else if (o != O_MEMORY) {
		fprintf(stderr, "bench-faults: %s: a %s lock was lost\n", k->name,
		        o == O_STORED ? "stored" : "latched");
		t->lost++;
		ok = false;
	}
	if (audit_verify(W.state, bmc_state(W.bmc), &r) == 0 && r.ok)
		t->audit_ok++;
	else
		ok = false;
	if (audit_read(W.state, bmc_state(W.bmc), bmc_state(W.bmc)->audit_count - 1, &last, 1,
	               &n) == 0 &&
	    n == 1 && strcmp(last.event, "latch-reconcile") == 0)
		t->reconciled++;
	if (bmc_state(W.bmc)->lockdown_state == svcport_v1_LockdownState_LOCKDOWN_LOCKED &&
	    admin(svcport_admin_v1_AdminRequest_activate_tag, PW, &rep) !=
	        svcport_admin_v1_AdminError_ADMIN_OK)
		ok = false;
	if (!ok)
		t->broken++;
	return ok;
}

int main(int argc, char **argv)
{
	static struct tally tally[sizeof(kinds) / sizeof(kinds[0])];
	static svcport_admin_v1_AdminReply rep;
	enum bench_mode mode;
	int per_kind, broken = 0;
	double t0;

	if (bench_parse_mode(argc, argv, "bench-faults [--smoke] [--long]", &mode) < 0)
		return 2;
	per_kind = mode == BENCH_SMOKE ? 10 : mode == BENCH_LONG ? 5000 : 1000;
	bench_print_machine();
	tworld_setup(&W, "bmc"); /* BMC-managed: the console activates between runs */
	if (admin(svcport_admin_v1_AdminRequest_password_set_tag, TPKI_LABEL_PW, &rep) != 0 ||
	    admin(svcport_admin_v1_AdminRequest_sensors_set_tag, PW, &rep) != 0) {
		fprintf(stderr, "bench-faults: set-up failed\n");
		return 1;
	}
	printf("\ntamper under a storage fault, then a restart: %d runs per kind (state in %s)\n",
	       per_kind, W.dir);
	printf("%-16s %7s %8s %8s %12s %13s %11s %9s\n", "fault", "runs", "stored", "latched",
	       "memory-only", "locked after", "reconciled", "audit ok");
	t0 = bench_now();
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		struct tally *t = &tally[i];
		char name[96];

		for (int j = 0; j < per_kind; j++)
			run_one(&kinds[i], t);
		broken += t->broken;
		printf("%-16s %7d %8d %8d %12d %13d %11d %9d\n", kinds[i].name, t->runs,
		       t->outcome[O_STORED], t->outcome[O_LATCHED], t->outcome[O_MEMORY],
		       t->locked_after, t->reconciled, t->audit_ok);
		snprintf(name, sizeof(name), "faults_%s_lost_locks", kinds[i].id);
		bench_figure(name, t->lost, "runs");
		snprintf(name, sizeof(name), "faults_%s_latched", kinds[i].id);
		bench_figure(name, t->outcome[O_LATCHED], "runs");
	}
	printf("%.1f s; rules broken: %d\n", bench_now() - t0, broken);
	tworld_teardown(&W);
	return broken ? 1 : 0;
}
