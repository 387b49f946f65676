// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The device endpoints' gate for strangers (docs/portal-api.md "Strangers on
 * the device endpoints", attack 16o F4): the gate's table on its own, then the
 * portal core's online activation and receipt with an explicit clock: a flood
 * of requests that prove nothing writes a bounded number of audit records and
 * one summary, while a device that proves itself from the same address is
 * answered at once. Link credentials as bmcd exports them (openssl,
 * tests/sim/online-fixture.c). No sleeps: every time is a parameter.
 * The login endpoints' summaries share the table (docs/portal-api.md "Passwords,
 * sessions, back-off"): a guesser's flood writes a bounded number of audit
 * and login_failures records, and today's back-off is kept to the second.
 */
#include <errno.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "online-fixture.h"
#include "pbio.h"
#include "pki.h"
#include "portal-auth.h"
#include "portal-gate.h"
#include "portal-online.h"
#include "portal.h"
#include "test-world.h"
#include "utc.h"

#define MT    "7D1A"
#define SN    "J900GATE"
#define ADDR  "198.51.100.7"
#define FLOOD 200
/* The device endpoints' records: one per request, and the summaries. */
#define DEVICE_ROWS "(action LIKE 'device.online%' OR action='device.refused')"

/* ------------------------------------------------------------ the table alone */

static struct {
	int n;
	struct portal_gate_summary last;
} seen;

static void seen_cb(const struct portal_gate_summary *s, void *ud)
{
	(void)ud;
	seen.n++;
	seen.last = *s;
}

static void test_gate_free_refusals_then_a_wait_then_one_summary(void **state)
{
	static struct portal_gate g;
	const int64_t t0 = 1000000;
	int64_t t;
	long last = 0;

	(void)state;
	memset(&g, 0, sizeof(g));
	for (int i = 0; i < PORTAL_GATE_FREE; i++)
		assert_int_equal(portal_gate_refused(&g, ADDR, t0), 0); /* recorded one by one */
	assert_int_equal(portal_gate_wait(&g, ADDR, t0), PORTAL_GATE_WAIT);
	assert_int_equal(portal_gate_wait(&g, "198.51.100.8", t0), 0); /* its neighbour: free */
	for (int i = 0; i < FLOOD; i++) {
		last = portal_gate_refused(&g, ADDR, t0 + i % PORTAL_GATE_WAIT);
		assert_true(last > 0); /* counted, not recorded */
	}
	assert_int_equal(last, PORTAL_GATE_WAIT - (FLOOD - 1) % PORTAL_GATE_WAIT);
	/* Nothing is summarised before the wait ends; then once, with every refusal. */
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(portal_gate_flush(&g, t0 + PORTAL_GATE_WAIT - 1, false, seen_cb, NULL), 0);
	assert_int_equal(portal_gate_flush(&g, t0 + PORTAL_GATE_WAIT, false, seen_cb, NULL), 1);
	assert_int_equal(portal_gate_flush(&g, t0 + PORTAL_GATE_WAIT, false, seen_cb, NULL), 0);
	assert_int_equal(seen.n, 1);
	assert_string_equal(seen.last.key, ADDR);
	assert_int_equal(seen.last.refused, FLOOD);
	assert_int_equal(seen.last.from, t0);
	assert_int_equal(seen.last.until, t0 + PORTAL_GATE_WAIT);
	/* The next refusals are recorded again, and the next wait is twice as long ... */
	for (int i = 0; i < PORTAL_GATE_FREE; i++)
		assert_int_equal(portal_gate_refused(&g, ADDR, t0 + PORTAL_GATE_WAIT), 0);
	assert_int_equal(portal_gate_wait(&g, ADDR, t0 + PORTAL_GATE_WAIT), 2 * PORTAL_GATE_WAIT);
	/* ... up to the cap; each wait's refusals in a summary of its own. */
	t = t0 + 3 * PORTAL_GATE_WAIT;
	for (int w = 0; w < 8; w++) {
		assert_int_equal(portal_gate_flush(&g, t, false, seen_cb, NULL), w > 0);
		for (int i = 0; i < PORTAL_GATE_FREE; i++)
			assert_int_equal(portal_gate_refused(&g, ADDR, t), 0);
		assert_true(portal_gate_wait(&g, ADDR, t) <= PORTAL_GATE_WAIT_MAX);
		t += portal_gate_wait(&g, ADDR, t);
		assert_int_equal(portal_gate_refused(&g, ADDR, t - 1), 1);
	}
	assert_int_equal(seen.last.refused, 1);
	assert_int_equal(seen.last.until - seen.last.from, PORTAL_GATE_WAIT_MAX);
	/* Quiet for PORTAL_GATE_FORGET after its wait: forgotten, the first wait again. */
	t += PORTAL_GATE_FORGET;
	assert_int_equal(portal_gate_flush(&g, t, false, seen_cb, NULL), 1);
	for (int i = 0; i < PORTAL_GATE_FREE; i++)
		assert_int_equal(portal_gate_refused(&g, ADDR, t), 0);
	assert_int_equal(portal_gate_wait(&g, ADDR, t), PORTAL_GATE_WAIT);
}

static void test_gate_keys_ipv4_and_ipv6_slash_64(void **state)
{
	static struct portal_gate g;
	char key[PORTAL_GATE_KEY_MAX];

	(void)state;
	memset(&g, 0, sizeof(g));
	portal_gate_key("2001:db8:1:2:aaaa::1", key);
	assert_string_equal(key, "2001:db8:1:2::/64");
	portal_gate_key("::ffff:192.0.2.1", key);
	assert_string_equal(key, "192.0.2.1");
	portal_gate_key("192.0.2.1", key);
	assert_string_equal(key, "192.0.2.1");
	/* A subscriber's /64 is one address: another interface id does not buy a new count. */
	for (int i = 0; i < PORTAL_GATE_FREE; i++) {
		char a[64];

		snprintf(a, sizeof(a), "2001:db8:1:2::%x", i + 1);
		assert_int_equal(portal_gate_refused(&g, a, 100), 0);
	}
	assert_int_equal(portal_gate_refused(&g, "2001:db8:1:2:ffff::9", 100), PORTAL_GATE_WAIT);
	assert_int_equal(portal_gate_wait(&g, "2001:db8:1:3::1", 100), 0); /* another /64 */
}

static void count_cb(const struct portal_gate_summary *s, void *ud)
{
	(void)s;
	(*(int *)ud)++;
}

static void test_gate_table_is_bounded(void **state)
{
	static struct portal_gate g;
	char a[64];
	int recorded = 0, n = 0;

	(void)state;
	memset(&g, 0, sizeof(g));
	/* Twice as many addresses as the table holds, each trying its free refusals. */
	for (int i = 0; i < 2 * PORTAL_GATE_ADDRS; i++) {
		snprintf(a, sizeof(a), "10.%d.%d.1", i / 256, i % 256);
		for (int k = 0; k < PORTAL_GATE_FREE + 3; k++)
			recorded += portal_gate_refused(&g, a, 500) == 0;
	}
	/* Each tracked address its free refusals; every other one shares the last entry. */
	assert_int_equal(recorded, (PORTAL_GATE_ADDRS + 1) * PORTAL_GATE_FREE);
	assert_int_equal(portal_gate_flush(&g, 500 + PORTAL_GATE_WAIT, false, count_cb, &n),
	                 PORTAL_GATE_ADDRS + 1);
	/* Entries quiet long enough are freed: a new address is tracked on its own again. */
	assert_int_equal(portal_gate_flush(&g, 500 + PORTAL_GATE_FORGET, false, count_cb, &n), 0);
	assert_int_equal(portal_gate_refused(&g, "203.0.113.1", 500 + PORTAL_GATE_FORGET), 0);
	assert_int_equal(portal_gate_wait(&g, "203.0.113.2", 500 + PORTAL_GATE_FORGET), 0);
}

/* ------------------------------------------------------------ the portal core */

struct fx {
	char tmp[64], portal[96], fac[96], link[96], stranger[96];
	struct portal *p;
	struct pki_rng rng;
	uint8_t cert[PKI_CERT_DER_MAX], foreign[PKI_CERT_DER_MAX];
	size_t cert_len, foreign_len;
	int64_t now;
};

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct portal_manufactured m;
	char key[160], pem[160], sql[256];

	assert_non_null(f);
	test_world_tmp(f->tmp, sizeof(f->tmp), "gate");
	snprintf(f->portal, sizeof(f->portal), "%s/portal", f->tmp);
	snprintf(f->fac, sizeof(f->fac), "%s/factory", f->tmp);
	snprintf(f->link, sizeof(f->link), "%s/link", f->tmp);
	snprintf(f->stranger, sizeof(f->stranger), "%s/stranger", f->tmp);
	f->now = utc_now_s();
	f->p = test_world_portal(f->portal, MT, SN, f->fac, f->now, &m);
	assert_int_equal(portal_claim(f->p, "acme", MT, SN, m.code, f->now), 0);
	snprintf(sql, sizeof(sql),
	         "INSERT INTO ready_marks(mt, sn, org, expires, by) VALUES('" MT "', '" SN
	         "', 'acme', %lld, 'alice');",
	         (long long)f->now + 3600);
	assert_int_equal(sqlite3_exec(portal_db(f->p), sql, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(pki_rng_init(&f->rng), 0);
	/* The device's link credentials (bmcd's export) and a stranger's, naming the device. */
	snprintf(key, sizeof(key), "%s/device.key", f->fac);
	online_linkdir_make(f->link, MT, SN, key);
	online_ca_make(f->stranger);
	online_leaf_make(f->stranger, f->stranger, MT "-" SN);
	snprintf(pem, sizeof(pem), "%s/link.pem", f->link);
	assert_int_equal(pki_cert_read_der(pem, f->cert, sizeof(f->cert), &f->cert_len), 0);
	snprintf(pem, sizeof(pem), "%s/link.pem", f->stranger);
	assert_int_equal(pki_cert_read_der(pem, f->foreign, sizeof(f->foreign), &f->foreign_len),
	                 0);
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;

	portal_close(f->p);
	pki_rng_free(&f->rng);
	nftw(f->tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

/* The device's OnlineActivationRequest: its statement and a challenge its key signed. */
static size_t request_make(struct fx *f, uint8_t *out, size_t cap)
{
	static svcport_v1_OnlineActivationRequest r;
	static svcport_v1_ChallengeBody b;
	static uint8_t buf[svcport_v1_CaStatement_size + 1];
	mbedtls_pk_context key;
	char path[160];
	size_t n, len = 0;
	FILE *fp;

	memset(&r, 0, sizeof(r));
	memset(&b, 0, sizeof(b));
	snprintf(path, sizeof(path), "%s/ca-statement.pb", f->link);
	fp = fopen(path, "r");
	assert_non_null(fp);
	n = fread(buf, 1, sizeof(buf), fp);
	fclose(fp);
	assert_int_equal(pbio_decode(svcport_v1_CaStatement_fields, &r.statement, buf, n), 0);
	r.has_statement = r.has_challenge = true;
	b.nonce.size = 16;
	assert_int_equal(pki_rng_fill(&f->rng, b.nonce.bytes, 16), 0);
	b.has_device = true;
	snprintf(b.device.machine_type, sizeof(b.device.machine_type), MT);
	snprintf(b.device.serial_number, sizeof(b.device.serial_number), SN);
	b.issued_at = (uint64_t)f->now;
	b.expires_at = b.issued_at + 300;
	assert_int_equal(pbio_encode(svcport_v1_ChallengeBody_fields, &b, r.challenge.body.bytes,
	                             sizeof(r.challenge.body.bytes), &len),
	                 0);
	r.challenge.body.size = (pb_size_t)len;
	mbedtls_pk_init(&key);
	snprintf(path, sizeof(path), "%s/device.key", f->fac);
	assert_int_equal(pki_key_read_pem(&key, path), 0);
	assert_int_equal(pki_sign(&key, &f->rng, r.challenge.body.bytes, r.challenge.body.size,
	                          r.challenge.signature.bytes, &len),
	                 0);
	mbedtls_pk_free(&key);
	r.challenge.signature.size = (pb_size_t)len;
	assert_int_equal(pbio_encode(svcport_v1_OnlineActivationRequest_fields, &r, out, cap, &len),
	                 0);
	return len;
}

static int audit_count(struct fx *f, const char *where)
{
	char sql[256];
	sqlite3_stmt *st = NULL;
	int n = -1;

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM audit WHERE %s;", where);
	assert_int_equal(sqlite3_prepare_v2(portal_db(f->p), sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

static int activate(struct fx *f, const uint8_t *cert, size_t cert_len, const uint8_t *req,
                    size_t len, int64_t now, long *ret_retry)
{
	static uint8_t out[svcport_v1_SignedCommand_size];
	struct portal_peer peer = {.cert = cert, .cert_len = cert_len};
	size_t out_len = 0;

	snprintf(peer.addr, sizeof(peer.addr), ADDR);
	return portal_online_activate(f->p, &peer, req, len, now, out, sizeof(out), &out_len,
	                              ret_retry);
}

static void test_stranger_flood_is_bounded_and_the_device_activates_at_once(void **state)
{
	struct fx *f = *state;
	static uint8_t req[svcport_v1_OnlineActivationRequest_size];
	size_t len = request_make(f, req, sizeof(req));
	int refused = 0, limited = 0;
	long retry = 0;

	/* FLOOD strangers from one address within a second: no certificate, or one of a CA the
	 * device never signed (naming the device), with the device's own statement. */
	for (int i = 0; i < FLOOD; i++) {
		int err = i % 2 ? activate(f, NULL, 0, req, len, f->now, &retry)
		                : activate(f, f->foreign, f->foreign_len, req, len, f->now, &retry);

		if (err == -EBUSY) {
			limited++;
			assert_int_equal(retry, PORTAL_GATE_WAIT);
		} else {
			assert_int_equal(err, -ENOKEY);
			assert_int_equal(retry, 0);
			refused++;
		}
	}
	assert_int_equal(refused, PORTAL_GATE_FREE);
	assert_int_equal(limited, FLOOD - PORTAL_GATE_FREE);
	assert_int_equal(audit_count(f, DEVICE_ROWS), PORTAL_GATE_FREE);
	assert_int_equal(audit_count(f, DEVICE_ROWS " AND org<>''"), 0);
	/* The device at the same address, at the same second: activated, in its owner's audit. */
	assert_int_equal(activate(f, f->cert, f->cert_len, req, len, f->now, &retry), 0);
	assert_int_equal(retry, 0);
	assert_int_equal(audit_count(f, "action='device.online_activate' AND result='OK' AND "
	                                "org='acme' AND actor='device " MT "-" SN "@" ADDR "'"),
	                 1);
	/* Its refusals after proof are its own (the mark is spent now), never the gate's. */
	assert_int_equal(activate(f, f->cert, f->cert_len, req, len, f->now + 1, &retry),
	                 -EALREADY);
	assert_int_equal(audit_count(f, "action='device.online_activate' AND result="
	                                "'INVALID_STATE' AND org='acme'"),
	                 1);
	/* The flood's summary: nothing while the wait lasts, then one record with the count. */
	assert_int_equal(portal_online_flush(f->p, f->now + PORTAL_GATE_WAIT - 1, false), 0);
	assert_int_equal(audit_count(f, "action='device.refused'"), 0);
	assert_int_equal(portal_online_flush(f->p, f->now + PORTAL_GATE_WAIT, false), 1);
	assert_int_equal(audit_count(f, "action='device.refused' AND org='' AND result="
	                                "'RATE_LIMITED' AND actor='device ?@" ADDR
	                                "' AND detail LIKE '195 refused requests from " ADDR
	                                " in the last 60 s%'"),
	                 1);
	assert_int_equal(audit_count(f, DEVICE_ROWS), PORTAL_GATE_FREE + 3);
}

static void test_receipt_strangers_share_the_wait(void **state)
{
	struct fx *f = *state;
	static uint8_t req[svcport_v1_OnlineActivationRequest_size];
	struct portal_peer peer = {.cert = NULL};
	struct portal_receipt_info info;
	size_t len = request_make(f, req, sizeof(req));
	long retry = 0;

	snprintf(peer.addr, sizeof(peer.addr), ADDR);
	for (int i = 0; i < PORTAL_GATE_FREE; i++)
		assert_int_equal(
		    portal_online_receipt(f->p, &peer, req, len, f->now, &info, &retry), -ENOKEY);
	/* The address waits on both device endpoints; the answer says how long. */
	assert_int_equal(portal_online_receipt(f->p, &peer, req, len, f->now + 10, &info, &retry),
	                 -EBUSY);
	assert_int_equal(retry, PORTAL_GATE_WAIT - 10);
	assert_int_equal(activate(f, NULL, 0, req, len, f->now + 20, &retry), -EBUSY);
	assert_int_equal(retry, PORTAL_GATE_WAIT - 20);
	assert_int_equal(audit_count(f, DEVICE_ROWS), PORTAL_GATE_FREE);
	/* A stop writes what was counted, even before the wait ends. */
	assert_int_equal(portal_online_flush(f->p, f->now + 30, true), 1);
	assert_int_equal(audit_count(f, "action='device.refused' AND detail LIKE "
	                                "'2 refused requests from " ADDR " in the last 30 s%'"),
	                 1);
	/* Then the device proves itself while its address still waits: answered at once. */
	assert_int_equal(activate(f, f->cert, f->cert_len, req, len, f->now + 40, &retry), 0);
}

/*
 * A statement is public (the device sends it at every try): one older than the portal's
 * replayed with a certificate the device never vouched for is a stranger's (refused
 * UNAUTHENTICATED, gated), not the owner's record; the holder of the old CA's key (the
 * certificate chains to the statement's CA) is named in the owner's audit.
 */
static void test_old_statement_replayed_by_a_stranger_is_gated(void **state)
{
	struct fx *f = *state;
	static uint8_t req[svcport_v1_OnlineActivationRequest_size];
	size_t len = request_make(f, req, sizeof(req));
	long retry = 0;

	assert_int_equal(sqlite3_exec(portal_db(f->p),
	                              "INSERT INTO device_cas(mt, sn, issued_at, ca) VALUES('" MT
	                              "', '" SN "', 4000000000, x'00');",
	                              NULL, NULL, NULL),
	                 SQLITE_OK);
	for (int i = 0; i < PORTAL_GATE_FREE; i++)
		assert_int_equal(activate(f, f->foreign, f->foreign_len, req, len, f->now, &retry),
		                 -ENOKEY);
	assert_int_equal(activate(f, f->foreign, f->foreign_len, req, len, f->now, &retry), -EBUSY);
	assert_int_equal(audit_count(f, DEVICE_ROWS " AND org<>''"), 0);
	assert_int_equal(activate(f, f->cert, f->cert_len, req, len, f->now, &retry), -EALREADY);
	assert_int_equal(audit_count(f, "action='device.online_activate' AND org='acme' AND "
	                                "result='INVALID_STATE'"),
	                 1);
}

/* ------------------------------------------------------------ the login endpoints */

#define USER     "mona"
#define PASSWORD "mona-password-1"

static int login(struct fx *f, const char *password, int64_t now, long *ret_retry)
{
	char token[PORTAL_TOKEN_LEN + 1];
	struct portal_actor a;
	int64_t expires = 0;

	return portal_login(f->p, USER, password, ADDR, now, token, &expires, &a, ret_retry);
}

static int rows(struct fx *f, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int n = -1;

	assert_int_equal(sqlite3_prepare_v2(portal_db(f->p), sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

static void user_add(struct fx *f)
{
	assert_int_equal(portal_user_add(f->p, USER, "acme", svcport_v1_Role_ROLE_EDGE_USER), 0);
	assert_int_equal(portal_password_set(f->p, USER, PASSWORD), 0);
}

/* The login records: one per login outside a back-off, and the summaries. */
#define LOGIN_ROWS "(action='login' OR action='login.refused')"

static void test_login_flood_writes_a_bounded_audit_and_the_user_logs_in_after(void **state)
{
	struct fx *f = *state;
	int refused = 0, limited = 0;
	long retry = 0;

	user_add(f);
	/* FLOOD wrong passwords from one address within a second: the free failures are
	 * recorded one by one, each refusal of the back-off is only counted. */
	for (int i = 0; i < FLOOD; i++) {
		int err = login(f, "wrong-password", f->now, &retry);

		if (err == -EBUSY) {
			limited++;
			assert_int_equal(retry, 2); /* 2 s after the 3rd failure */
		} else {
			assert_int_equal(err, -ENOKEY);
			refused++;
		}
	}
	assert_int_equal(refused, PORTAL_LOGIN_FREE);
	assert_int_equal(limited, FLOOD - PORTAL_LOGIN_FREE);
	assert_int_equal(audit_count(f, LOGIN_ROWS), PORTAL_LOGIN_FREE);
	assert_int_equal(audit_count(f, "action='login' AND result='UNAUTHENTICATED' AND "
	                                "actor='" USER "@" ADDR "'"),
	                 PORTAL_LOGIN_FREE);
	assert_int_equal(rows(f, "SELECT count(*) FROM login_failures;"), 2 * PORTAL_LOGIN_FREE);
	/* The right password waits as long as today's rule says, and is counted too ... */
	assert_int_equal(login(f, PASSWORD, f->now + 1, &retry), -EBUSY);
	assert_int_equal(retry, 1);
	assert_int_equal(portal_login_flush(f->p, f->now + 1, false), 0);
	/* ... then logs in; the wait's refusals are one record, written first. */
	assert_int_equal(login(f, PASSWORD, f->now + 2, &retry), 0);
	assert_int_equal(retry, 0);
	assert_int_equal(audit_count(f, "action='login.refused' AND org='' AND result="
	                                "'RATE_LIMITED' AND actor='?@" ADDR "' AND detail LIKE '"
	                                "198 refused logins from " ADDR " in the last 2 s%'"),
	                 1);
	assert_int_equal(audit_count(f, "action='login' AND result='OK' AND org='acme'"), 1);
	assert_int_equal(audit_count(f, LOGIN_ROWS), PORTAL_LOGIN_FREE + 2);
	assert_int_equal(rows(f, "SELECT count(*) FROM login_failures;"), 0);
}

/* Today's rule on every failure ever noted (none pruned): the seconds key must wait. */
static long rule_wait(const int64_t *fails, int n, long cap, int64_t now)
{
	int in = 0;
	int64_t last = 0;
	long delay;

	for (int i = 0; i < n; i++)
		if (fails[i] >= now - PORTAL_LOGIN_WINDOW) {
			in++;
			last = fails[i] > last ? fails[i] : last;
		}
	if (in < PORTAL_LOGIN_FREE)
		return 0;
	delay = in - PORTAL_LOGIN_FREE >= 20 ? cap : 2L << (in - PORTAL_LOGIN_FREE);
	delay = delay > cap ? cap : delay;
	return last + delay - now > 0 ? (long)(last + delay - now) : 0;
}

/*
 * A sustained guesser: FLOOD wrong passwords from one address, each as soon as the back-off
 * lets it (hours): login_failures stays within KEEP rows per key, every answer is
 * today's rule's to the second, and the right password after the last wait logs in.
 */
static void test_sustained_guesser_keeps_login_failures_bounded(void **state)
{
	struct fx *f = *state;
	static int64_t fails[FLOOD];
	int n = 0, waits = 0;
	int64_t t = f->now;
	long retry = 0, want;

	user_add(f);
	for (int i = 0; i < FLOOD; i++) {
		long u = rule_wait(fails, n, PORTAL_BACKOFF_USER_MAX, t);
		long a = rule_wait(fails, n, PORTAL_BACKOFF_ADDR_MAX, t);
		int err = login(f, "wrong-password", t, &retry);

		want = u > a ? u : a;
		assert_int_equal(retry, want);
		if (want > 0) {
			assert_int_equal(err, -EBUSY);
			t += retry;
			waits++;
		} else {
			assert_int_equal(err, -ENOKEY);
			fails[n++] = t;
		}
		assert_in_range(
		    rows(f, "SELECT count(*) FROM login_failures WHERE key='addr:" ADDR "';"), 1,
		    PORTAL_LOGIN_KEEP);
		assert_in_range(
		    rows(f, "SELECT count(*) FROM login_failures WHERE key='user:" USER "';"), 1,
		    PORTAL_LOGIN_KEEP);
	}
	assert_true(t - f->now > 3 * 3600); /* hours, many windows */
	assert_true(n > 2 * PORTAL_LOGIN_KEEP);
	assert_in_range(rows(f, "SELECT count(*) FROM login_failures;"), 2, 2 * PORTAL_LOGIN_KEEP);
	/* Each wrong password recorded, each wait one summary; no refusal of a wait one by one. */
	assert_int_equal(audit_count(f, "action='login' AND result='RATE_LIMITED'"), 0);
	assert_int_equal(audit_count(f, "action='login' AND result='UNAUTHENTICATED'"), n);
	(void)portal_login_flush(f->p, t + PORTAL_BACKOFF_ADDR_MAX, false);
	assert_int_equal(audit_count(f, "action='login.refused'"), waits);
	/* The right password when today's rule lets it: logged in. */
	want = rule_wait(fails, n, PORTAL_BACKOFF_ADDR_MAX, t);
	assert_int_equal(login(f, PASSWORD, t + want, &retry), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_gate_free_refusals_then_a_wait_then_one_summary),
	    cmocka_unit_test(test_gate_keys_ipv4_and_ipv6_slash_64),
	    cmocka_unit_test(test_gate_table_is_bounded),
	    cmocka_unit_test_setup_teardown(
	        test_stranger_flood_is_bounded_and_the_device_activates_at_once, fx_setup,
	        fx_teardown),
	    cmocka_unit_test_setup_teardown(test_receipt_strangers_share_the_wait, fx_setup,
	                                    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_old_statement_replayed_by_a_stranger_is_gated,
	                                    fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_login_flood_writes_a_bounded_audit_and_the_user_logs_in_after, fx_setup,
	        fx_teardown),
	    cmocka_unit_test_setup_teardown(test_sustained_guesser_keeps_login_failures_bounded,
	                                    fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
