// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Automatic online activation with real processes (docs/online.md): a
 * virtual server (svcport-bmcd + svcportd with a portal: link) reaching
 * `svcport-sim portal serve` over mutual TLS on loopback. The portal comes
 * up after the server; refusals (not marked, mark expired, mark used) leave
 * the server locked and the portal unchanged; an administrator's mark
 * activates the server once; an untrusted portal is refused and logged; the
 * device endpoints refuse forged, foreign and unproved requests (curl).
 * Every wait is on a ready fd or a log line (inotify), never a sleep.
 *
 * Environment (set by ctest): SVCPORT_SIM, SVCPORT_BMCD, SVCPORT_SVCPORTD,
 * SVCPORT_BMCCTL.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "online-fixture.h"
#include "out.h"
#include "portal.h"
#include "server.h"
#include "test-spawn.h"
#include "test-world.h"
#include "utc.h"

#define MT      "7D1A"
#define SN      "J900ONL"
#define SN2     "J901ONL"
#define WAIT_MS 60000
#define PW      "ext link pw 1"

struct world {
	char tmp[64];
	char portal[96], srv[96], fac[96], fac2[96], links[128], link2[96], trust[96], log[128];
	char gwlog[128], usb[128], admin[128], mode[128];
	char code[PORTAL_CODE_MAX], code2[PORTAL_CODE_MAX];
	int port;
	pid_t serve;
	bool up;
	bool admin_pw_set; /* the label's password changed to ADMIN_PW */
	bool https;        /* server_start adds an https: link (port 0: read from the log) */
};

#define ADMIN_PW "console pw 12"

static const char *sim(void)
{
	return getenv("SVCPORT_SIM");
}

/* svcport-sim ARGS... (NULL-terminated); its exit code, output into w->log. */
static int run_sim(struct world *w, ...)
{
	static char out[16384];
	char *argv[32] = {(char *)sim(), "--quiet"};
	va_list ap;
	int n = 2, rc;
	FILE *f;

	va_start(ap, w);
	while (n < 31 && (argv[n] = va_arg(ap, char *)))
		n++;
	va_end(ap);
	argv[n] = NULL;
	rc = spawn_run(NULL, out, sizeof(out), argv);
	f = fopen(w->log, "w");
	if (f) {
		fputs(out, f);
		fclose(f);
	}
	if (rc != 0)
		fprintf(stderr, "---- %s %s: exit %d\n%s\n", argv[2], argv[3], rc, out);
	return rc;
}

#define app_ok(w, ...)                                                                             \
	assert_int_equal(                                                                          \
	    run_sim(w, "app", "--link", (w)->usb, "--portal", (w)->portal, __VA_ARGS__, NULL), 0)
#define portal_ok(w, ...)                                                                          \
	assert_int_equal(run_sim(w, "portal", "--portal", (w)->portal, __VA_ARGS__, NULL), 0)

static void state_is(struct world *w, const char *state)
{
	app_ok(w, "info", "--expect-state", state, "--expect-owner", "acme");
}

static int sql_int(struct world *w, const char *sql)
{
	char db[160];
	sqlite3 *h = NULL;
	sqlite3_stmt *st = NULL;
	int n = -1;

	snprintf(db, sizeof(db), "%s/portal.db", w->portal);
	assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	sqlite3_busy_timeout(h, 10000);
	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	else
		assert_int_equal(rc, SQLITE_DONE);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return n;
}

/* What a refusal must leave as it was: statements, marks, spent marks, commands. */
static void portal_snapshot(struct world *w, int out[4])
{
	out[0] = sql_int(w, "SELECT count(*) FROM device_cas;");
	out[1] = sql_int(w, "SELECT count(*) FROM ready_marks;");
	out[2] = sql_int(w, "SELECT count(*) FROM ready_used;");
	out[3] = sql_int(w, "SELECT count(*) FROM commands;");
}

static void portal_unchanged(struct world *w, const int before[4])
{
	int now[4];

	portal_snapshot(w, now);
	for (int i = 0; i < 4; i++)
		assert_int_equal(now[i], before[i]);
}

/* The gateway tries again (at most every 400 ms here): one more refusal with needle after
 * a snapshot of the portal, and the portal as it was. */
static void refused_again_unchanged(struct world *w, const char *needle)
{
	int before[4];
	long at;

	portal_snapshot(w, before);
	at = online_log_mark(w->gwlog);
	online_log_wait(w->gwlog, at, needle, WAIT_MS);
	portal_unchanged(w, before);
}

static int free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	close(fd);
	return ntohs(a.sin_port);
}

static void serve_start(struct world *w)
{
	char listen[32], line[32], log[128];

	snprintf(listen, sizeof(listen), "127.0.0.1:%d", w->port);
	snprintf(log, sizeof(log), "%s/serve.log", w->tmp);
	w->serve =
	    spawn_ready((char *const[]){(char *)sim(), "portal", "--portal", w->portal, "serve",
	                                "--listen", listen, "--ready-fd", "3", NULL},
	                log, line, sizeof(line));
	assert_true(w->serve > 0);
	assert_int_equal(atoi(line), w->port);
}

static void portal_make(struct world *w)
{
	struct portal_manufactured m;
	int64_t now = utc_now_s();
	struct portal *p = test_world_portal(w->portal, MT, SN, w->fac, now, &m);

	memcpy(w->code, m.code, sizeof(w->code));
	assert_int_equal(portal_org_add(p, "beta", now), 0);
	assert_int_equal(portal_device_manufacture(p, MT, SN2,
	                                           svcport_v1_ControlMode_CONTROL_PORTAL_MANAGED,
	                                           w->fac2, false, now, &m),
	                 0);
	memcpy(w->code2, m.code, sizeof(w->code2));
	assert_int_equal(portal_claim(p, "acme", MT, SN, w->code, now), 0);
	portal_close(p);
	/* The portal's HTTPS CA, made before the service first starts: what a device trusts. */
	portal_ok(w, "https", "regen-ca");
	portal_ok(w, "https", "download", "--out", w->trust);
	chmod(w->trust, 0644);
}

static int world_make(void **state)
{
	struct world *w = calloc(1, sizeof(*w));
	char key[128];

	assert_non_null(w);
	assert_non_null(sim());
	test_world_tmp(w->tmp, sizeof(w->tmp), "onl");
	snprintf(w->portal, sizeof(w->portal), "%s/portal", w->tmp);
	snprintf(w->srv, sizeof(w->srv), "%s/server", w->tmp);
	snprintf(w->fac, sizeof(w->fac), "%s/factory", w->tmp);
	snprintf(w->fac2, sizeof(w->fac2), "%s/factory2", w->tmp);
	snprintf(w->links, sizeof(w->links), "%s/link", w->srv); /* bmcd --link-dir */
	snprintf(w->link2, sizeof(w->link2), "%s/link2", w->tmp);
	snprintf(w->trust, sizeof(w->trust), "%s/portal-ca.pem", w->tmp);
	snprintf(w->log, sizeof(w->log), "%s/cmd.log", w->tmp);
	snprintf(w->gwlog, sizeof(w->gwlog), "%s/svcportd.log", w->srv);
	snprintf(w->usb, sizeof(w->usb), "unix:%s/usb.sock", w->srv);
	snprintf(w->admin, sizeof(w->admin), "%s/admin.sock", w->srv);
	snprintf(w->mode, sizeof(w->mode), "%s/hostile-mode", w->tmp);
	w->port = free_port();
	portal_make(w);
	/* The server's link credentials are bmcd's export (server up passes --link-dir
	 * DIR/link); device 2 has no server: its are made here as bmcd makes them. */
	snprintf(key, sizeof(key), "%s/device.key", w->fac2);
	online_linkdir_make(w->link2, MT, SN2, key);
	*state = w;
	return 0;
}

/* idle: svcportd's --idle-timeout, or NULL for its default. */
static void server_start(struct world *w, const char *trust, const char *idle)
{
	struct server_bins bins;
	struct server_up_opts o = {.dir = w->srv, .factory = w->fac, .without_ble_sim = true};
	static char link[64], retry_min[] = "50ms", retry_max[] = "400ms";

	snprintf(link, sizeof(link), "portal:https://127.0.0.1:%d", w->port);
	o.extra_links[o.n_extra_links++] = link;
	if (w->https)
		o.extra_links[o.n_extra_links++] = "https:127.0.0.1:0";
	o.gateway_args[o.n_gateway_args++] = "--link-dir";
	o.gateway_args[o.n_gateway_args++] = w->links;
	o.gateway_args[o.n_gateway_args++] = "--portal-trust";
	o.gateway_args[o.n_gateway_args++] = (char *)trust;
	o.gateway_args[o.n_gateway_args++] = "--portal-retry-min";
	o.gateway_args[o.n_gateway_args++] = retry_min;
	o.gateway_args[o.n_gateway_args++] = "--portal-retry-max";
	o.gateway_args[o.n_gateway_args++] = retry_max;
	if (idle) {
		o.gateway_args[o.n_gateway_args++] = "--idle-timeout";
		o.gateway_args[o.n_gateway_args++] = idle;
	}
	assert_int_equal(server_bins_find(NULL, &bins), 0);
	out_init(false);
	out_set_quiet(true);
	assert_int_equal(server_up(&bins, &o, NULL), 0);
	w->up = true;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int world_free(void **state)
{
	struct world *w = *state;

	if (w->up && server_down(w->srv) < 0)
		fprintf(stderr, "online: a daemon did not stop in %s\n", w->srv);
	if (w->serve > 0)
		spawn_stop(w->serve);
	nftw(w->tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(w);
	return 0;
}

/* svcport-sim portal device ready ... --as alice: the administrator's mark. */
static void mark_ready(struct world *w, const char *sn)
{
	portal_ok(w, "device", "ready", "--mt", MT, "--sn", sn, "--as", "alice");
}

/*
 * svcport-bmcctl A B, logged in: `tamper` needs a login (re-attack on issue
 * 13, F). The first time, the label's password changes to ADMIN_PW, as the
 * administrator's first login must.
 */
static void bmcctl_ok(struct world *w, const char *a, const char *b)
{
	char *ctl = getenv("SVCPORT_BMCCTL");
	char out[4096], label[80];

	assert_non_null(ctl);
	if (!w->admin_pw_set) {
		test_world_label(w->fac, label, sizeof(label));
		assert_int_equal(SPAWN_RUN(NULL, out, ctl, "--admin-socket", w->admin, "--password",
		                           label, "password", "set", ADMIN_PW),
		                 0);
		w->admin_pw_set = true;
	}
	assert_int_equal(SPAWN_RUN(NULL, out, ctl, "--admin-socket", w->admin, "--password",
	                           ADMIN_PW, (char *)a, (char *)b),
	                 0);
}

/*
 * A regenerated internal CA: new CA, new link certificate, a newer statement, written
 * over bmcd's export as bmcd will write them once `svcport-bmcctl cert regenerate`
 * lands (cert16; refused until then), signed with the factory's device key.
 */
static void linkdir_regenerate(struct world *w, uint64_t issued_at)
{
	char key[128], st[160], serial[32];

	snprintf(key, sizeof(key), "%s/device.key", w->fac);
	snprintf(st, sizeof(st), "%s/ca-statement.pb", w->links);
	snprintf(serial, sizeof(serial), "%s-%s", MT, SN);
	online_ca_make(w->links);
	online_leaf_make(w->links, w->links, serial);
	online_statement_make(st, w->links, MT, SN, key, issued_at);
}

static void test_online_activation(void **state)
{
	struct world *w = *state;
	long at;
	char sql[256];
	uint64_t issued;

	/* The server first, its portal not up yet (late, or the cable plugged in later). */
	server_start(w, w->trust, NULL);
	app_ok(w, "--user", "alice", "claim");
	state_is(w, "LOCKED");
	at = online_log_wait(w->gwlog, 0, "cannot reach the portal", WAIT_MS);
	/* The portal comes up; no restart of anything. Not marked: refused, nothing changed. */
	serve_start(w);
	at = online_log_wait(w->gwlog, at, "refused the activation (404)", WAIT_MS);
	refused_again_unchanged(w, "refused the activation (404)");
	state_is(w, "LOCKED");
	/* A mark that expired: refused, nothing changed. */
	snprintf(sql, sizeof(sql),
	         "INSERT INTO ready_marks(mt, sn, org, expires, by) VALUES('%s', '%s', 'acme', "
	         "%lld, 'alice') RETURNING 1;",
	         MT, SN, (long long)utc_now_s() - 60);
	assert_int_equal(sql_int(w, sql), 1);
	refused_again_unchanged(w, "refused the activation (410)");
	state_is(w, "LOCKED");
	/* The administrator marks it: the server activates itself, once. */
	at = online_log_mark(w->gwlog);
	mark_ready(w, SN);
	at = online_log_wait(w->gwlog, at, "online activation done", WAIT_MS);
	state_is(w, "ACTIVE");
	assert_int_equal(sql_int(w, "SELECT count(*) FROM ready_marks;"), 0);
	assert_int_equal(sql_int(w, "SELECT count(*) FROM ready_used WHERE by='alice';"), 1);
	assert_int_equal(sql_int(w, "SELECT count(*) FROM devices WHERE status='activated';"), 1);
	assert_int_equal(sql_int(w, "SELECT count(*) FROM audit WHERE action="
	                            "'device.online_activate' AND result='OK';"),
	                 1);
	assert_int_equal(sql_int(w, "SELECT count(*) FROM audit WHERE action="
	                            "'device.online_receipt' AND result='OK';"),
	                 1);
	/* Tampered with later: locked, and the spent mark never activates it again. */
	app_ok(w, "--user", "alice", "sensors", "--sensors", "intrusion=on");
	bmcctl_ok(w, "tamper", "intrusion");
	state_is(w, "LOCKED");
	refused_again_unchanged(w, "refused the activation (409)");
	state_is(w, "LOCKED");
	/* A regenerated internal CA reaches the portal in a newer statement: marked again,
	 * the server activates with it. */
	issued = (uint64_t)utc_now_s() + 5;
	at = online_log_mark(w->gwlog);
	linkdir_regenerate(w, issued);
	/* The gateway takes the new credentials; refused (mark used) with them, which it
	 * could not be with a certificate and a statement of different CAs. */
	at = online_log_wait(w->gwlog, at, "link certificate loaded", WAIT_MS);
	at = online_log_wait(w->gwlog, at, "was used", WAIT_MS);
	mark_ready(w, SN);
	at = online_log_wait(w->gwlog, at, "online activation done", WAIT_MS);
	state_is(w, "ACTIVE");
	/* What signed it was the new statement (with the old one's certificate it would not). */
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM device_cas WHERE issued_at=%llu;",
	         (unsigned long long)issued);
	assert_int_equal(sql_int(w, sql), 1);
	/* An older statement (an old CA's key in a thief's hands) is refused, the mark kept. */
	app_ok(w, "--user", "alice", "sensors", "--sensors", "intrusion=on");
	bmcctl_ok(w, "tamper", "intrusion");
	state_is(w, "LOCKED");
	at = online_log_mark(w->gwlog);
	linkdir_regenerate(w, 1000);
	/* Refused before any mark is looked at; then marked, still refused, mark kept. */
	online_log_wait(w->gwlog, at, "holds a newer CA statement", WAIT_MS);
	mark_ready(w, SN);
	refused_again_unchanged(w, "holds a newer CA statement");
	assert_int_equal(sql_int(w, "SELECT count(*) FROM ready_marks;"), 1);
	state_is(w, "LOCKED");
}

static void test_untrusted_portal(void **state)
{
	struct world *w = *state;
	char other[128], other_pem[160];

	/* The gateway trusts another CA than the portal's: refused and logged. */
	snprintf(other, sizeof(other), "%s/other-ca", w->tmp);
	online_ca_make(other);
	snprintf(other_pem, sizeof(other_pem), "%s/ca.pem", other);
	chmod(other_pem, 0644);
	serve_start(w);
	server_start(w, other_pem, NULL);
	app_ok(w, "--user", "alice", "claim");
	mark_ready(w, SN);
	refused_again_unchanged(w, "peer certificate refused");
	state_is(w, "LOCKED");
	assert_int_equal(sql_int(w, "SELECT count(*) FROM ready_marks;"), 1);
	assert_int_equal(
	    sql_int(w, "SELECT count(*) FROM audit WHERE action LIKE 'device.online%';"), 0);
}

/* curl POSTs body_file to the device endpoint; cert_dir's link credentials, or none. */
static int post_device(struct world *w, const char *body_file, const char *cert_dir,
                       const char *want_error)
{
	static char out[8192];
	char url[96], data[160], chain[160], key[160];
	char *argv[24] = {"curl",
	                  "-sSi",
	                  "--cacert",
	                  w->trust,
	                  "-w",
	                  "\n%{http_code}",
	                  "-H",
	                  "Content-Type: application/x-protobuf",
	                  "--data-binary",
	                  data};
	int n = 10;
	char *nl;

	snprintf(url, sizeof(url), "https://127.0.0.1:%d/api/v1/device/activation", w->port);
	snprintf(data, sizeof(data), "@%s", body_file);
	if (cert_dir) {
		snprintf(chain, sizeof(chain), "%s/link-chain.pem", cert_dir);
		snprintf(key, sizeof(key), "%s/link.key", cert_dir);
		argv[n++] = "--cert";
		argv[n++] = chain;
		argv[n++] = "--key";
		argv[n++] = key;
	}
	argv[n++] = url;
	argv[n] = NULL;
	assert_int_equal(spawn_run(NULL, out, sizeof(out), argv), 0);
	nl = strrchr(out, '\n');
	assert_non_null(nl);
	if (!strstr(out, want_error))
		fail_msg("want %s, got: %s", want_error, out);
	return atoi(nl + 1);
}

static void test_device_endpoint_refusals(void **state)
{
	struct world *w = *state;
	char body[128], st[128], key1[128], key2[128], other[128], serial[32];
	int before[4];
	struct portal *p = NULL;

	serve_start(w);
	/* Device 2: claimed, its server's claim receipt recorded, marked ready. */
	assert_int_equal(portal_open(w->portal, false, &p), 0);
	assert_int_equal(portal_claim(p, "acme", MT, SN2, w->code2, utc_now_s()), 0);
	portal_close(p);
	assert_int_equal(
	    sql_int(w, "UPDATE devices SET status='ready' WHERE sn='" SN2 "' RETURNING 1;"), 1);
	mark_ready(w, SN2);
	portal_snapshot(w, before);
	snprintf(key1, sizeof(key1), "%s/device.key", w->fac);
	snprintf(key2, sizeof(key2), "%s/device.key", w->fac2);
	snprintf(st, sizeof(st), "%s/ca-statement.pb", w->link2);
	snprintf(body, sizeof(body), "%s/request.pb", w->tmp);
	online_request_make(body, st, MT, SN2);
	/* No client certificate. */
	assert_int_equal(post_device(w, body, NULL, "UNAUTHENTICATED"), 401);
	/* Another device's link certificate: it does not chain to device 2's CA. */
	snprintf(other, sizeof(other), "%s/link1", w->tmp);
	online_linkdir_make(other, MT, SN, key1);
	assert_int_equal(post_device(w, body, other, "UNAUTHENTICATED"), 401);
	/* A certificate of device 2's CA naming another device. */
	snprintf(other, sizeof(other), "%s/leaf-other", w->tmp);
	snprintf(serial, sizeof(serial), "%s-%s", MT, SN);
	online_leaf_make(other, w->link2, serial);
	assert_int_equal(post_device(w, body, other, "WRONG_DEVICE"), 400);
	/* A statement for device 2 signed by device 1's key: forged. */
	snprintf(st, sizeof(st), "%s/forged.pb", w->tmp);
	online_statement_make(st, w->link2, MT, SN2, key1, (uint64_t)utc_now_s());
	online_request_make(body, st, MT, SN2);
	assert_int_equal(post_device(w, body, w->link2, "BAD_SIGNATURE"), 400);
	/* A device the portal does not know. */
	online_statement_make(st, w->link2, MT, "NOPE1", key2, (uint64_t)utc_now_s());
	online_request_make(body, st, MT, "NOPE1");
	assert_int_equal(post_device(w, body, w->link2, "WRONG_DEVICE"), 400);
	/* Everything right but the challenge's device signature: the signing path refuses. */
	snprintf(st, sizeof(st), "%s/ca-statement.pb", w->link2);
	online_request_make(body, st, MT, SN2);
	assert_int_equal(post_device(w, body, w->link2, "BAD_SIGNATURE"), 400);
	/* Nothing changed, the mark is still there; every refusal audited. */
	portal_unchanged(w, before);
	assert_int_equal(sql_int(w, "SELECT count(*) FROM ready_marks WHERE sn='" SN2 "';"), 1);
	assert_int_equal(sql_int(w, "SELECT count(*) FROM audit WHERE action="
	                            "'device.online_activate' AND result<>'OK';"),
	                 6);
	/* Only a device that proved itself (its certificate chains to the CA its key signed)
	 * writes in its owner's audit: five strangers' records name no device, no org. */
	assert_int_equal(sql_int(w, "SELECT count(*) FROM audit WHERE action="
	                            "'device.online_activate' AND org='' AND actor LIKE "
	                            "'device ?@%';"),
	                 5);
	assert_int_equal(sql_int(w, "SELECT count(*) FROM audit WHERE action="
	                            "'device.online_activate' AND org='acme' AND actor LIKE "
	                            "'device " MT "-" SN2 "@%';"),
	                 1);
	/* Five strangers' refusals were the address' free ones (the device's, after them, was
	 * not gated): the next stranger waits, with no record of its own (portal-gate.h). */
	assert_int_equal(post_device(w, body, NULL, "Retry-After: "), 429);
	assert_int_equal(sql_int(w, "SELECT count(*) FROM audit WHERE action LIKE "
	                            "'device.online%' OR action='device.refused';"),
	                 6);
}

/* The hostile portal's next answers (hostile-portal.py reads the file at each connection). */
static void hostile_mode(struct world *w, const char *mode)
{
	FILE *f = fopen(w->mode, "w");

	assert_non_null(f);
	fputs(mode, f);
	assert_int_equal(fclose(f), 0);
}

/* tests/sim/hostile-portal.py on w->port with the portal's own HTTPS certificate (a stolen
 * TLS key, a proxy): the gateway trusts it. It answers as w->mode says. */
static void hostile_start(struct world *w, const char *mode)
{
	char port[16], cert[160], key[160], log[128], line[32];
	const char *script = getenv("SVCPORT_HOSTILE_PORTAL");

	assert_non_null(script);
	hostile_mode(w, mode);
	snprintf(port, sizeof(port), "%d", w->port);
	snprintf(cert, sizeof(cert), "%s/https/server.crt", w->portal);
	snprintf(key, sizeof(key), "%s/https/server.key", w->portal);
	snprintf(log, sizeof(log), "%s/hostile.log", w->tmp);
	w->serve =
	    spawn_ready((char *const[]){"/usr/bin/python3", (char *)script, port, cert, key,
	                                w->mode, (char *)sim(), w->portal, "alice", "3", NULL},
	                log, line, sizeof(line));
	assert_true(w->serve > 0);
	assert_int_equal(atoi(line), w->port);
}

static bool is_intrusion_sensor_on(struct world *w)
{
	static char out[8192];

	assert_int_equal(SPAWN_RUN(NULL, out, (char *)sim(), "app", "--link", w->usb, "info"), 0);
	return strstr(out, "intrusion_sensor: yes") != NULL;
}

/* What the log says from offset from to offset to (malloc'd). */
static char *log_between(const char *path, long from, long to)
{
	char *text = calloc(1, (size_t)(to - from) + 1);
	FILE *f = fopen(path, "r");

	assert_non_null(text);
	assert_non_null(f);
	assert_int_equal(fseek(f, from, SEEK_SET), 0);
	assert_int_equal(fread(text, 1, (size_t)(to - from), f), (size_t)(to - from));
	fclose(f);
	return text;
}

/*
 * A portal the gateway trusts but which is not the portal (attack 16o F1) answers the
 * challenge with a command of the real portal for another action (a sensor change, signed
 * for an org admin): the link relays only an activation of its challenge, so the sensor
 * stays on. From beside the server a phone could; from the network nothing but an
 * activation may reach bmcd through this link.
 */
static void test_hostile_portal_command(void **state)
{
	struct world *w = *state;

	server_start(w, w->trust, NULL);
	app_ok(w, "--user", "alice", "claim");
	app_ok(w, "--user", "alice", "sensors", "--sensors", "intrusion=on");
	assert_true(is_intrusion_sensor_on(w));
	hostile_start(w, "relay-sensors");
	online_log_wait(
	    w->gwlog, 0,
	    "refused the portal's command, not relayed to bmcd: it is not an activation", WAIT_MS);
	assert_true(is_intrusion_sensor_on(w));
	state_is(w, "LOCKED");
}

/* Odd answers of a trusted portal (attack 16o F2, F3): a 302 without a body is a refusal
 * (it crashed svcportd: memcpy from a NULL body), a 200 larger than any command is refused
 * (it was relayed to bmcd as an empty command). svcportd keeps serving the phone. */
static void test_hostile_portal_answers(void **state)
{
	struct world *w = *state;
	long at;

	hostile_start(w, "empty-302");
	server_start(w, w->trust, NULL);
	app_ok(w, "--user", "alice", "claim");
	at = online_log_wait(w->gwlog, 0, "the portal refused the activation (302)", WAIT_MS);
	hostile_mode(w, "big-200");
	online_log_wait(w->gwlog, at, "bad HTTP response: body too large", WAIT_MS);
	state_is(w, "LOCKED");
}

/*
 * The session table ends the link's session while the portal holds its answer (an idle
 * timeout shorter than the portal exchange; attack 16o F6): the attempt's post is cancelled
 * with it, so the next attempt posts afresh (no "busy" post), and no late answer is taken
 * for a later step ("online activation done").
 */
static void test_late_portal_answer(void **state)
{
	struct world *w = *state;
	const char *needle = "session ended during the portal step";
	long at, next;
	char *between;

	hostile_start(w, "hold");
	server_start(w, w->trust, "2s");
	app_ok(w, "--user", "alice", "claim");
	at = online_log_wait(w->gwlog, 0, needle, WAIT_MS);
	next = online_log_wait(w->gwlog, at, needle, WAIT_MS);
	between = log_between(w->gwlog, at, next);
	if (strstr(between, "busy") || strstr(between, "online activation done") ||
	    !strstr(between, "link certificate loaded"))
		fail_msg("the attempt after the cut:\n%s", between);
	free(between);
}

/*
 * A receipt is taken once (attack 16o F7): the server's old Activate receipt handed in
 * again after a tamper locked it would spend the administrator's fresh mark (and could put
 * back an old owner). Refused, nothing changed.
 */
static void test_receipt_replay(void **state)
{
	struct world *w = *state;
	char receipt[128];
	int before[4], results;

	snprintf(receipt, sizeof(receipt), "%s/activate-receipt.pb", w->tmp);
	server_start(w, w->trust, NULL); /* no portal service: the link reaches none */
	app_ok(w, "--user", "alice", "claim");
	app_ok(w, "--user", "alice", "activate", "--save-receipt", receipt);
	state_is(w, "ACTIVE");
	app_ok(w, "--user", "alice", "sensors", "--sensors", "intrusion=on");
	bmcctl_ok(w, "tamper", "intrusion");
	state_is(w, "LOCKED");
	mark_ready(w, SN);
	portal_snapshot(w, before);
	results = sql_int(w, "SELECT count(*) FROM commands WHERE result<>'';");
	assert_int_not_equal(run_sim(w, "portal", "--portal", w->portal, "receipt", receipt, NULL),
	                     0);
	portal_unchanged(w, before);
	assert_int_equal(sql_int(w, "SELECT count(*) FROM ready_marks;"), 1);
	assert_int_equal(sql_int(w, "SELECT count(*) FROM commands WHERE result<>'';"), results);
	assert_int_equal(sql_int(w, "SELECT count(*) FROM audit WHERE action='command.receipt' "
	                            "AND result='INVALID_STATE' AND detail LIKE "
	                            "'%handed in already%';"),
	                 1);
}

/* sh -c (the command formatted): its exit status. */
static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* svcport-bmcctl --admin-socket ADMIN --password PW ARGS... (NULL-ended) succeeds. */
static void bmcctl_pw_ok(struct world *w, const char *pw, ...)
{
	static char out[8192];
	char *argv[16] = {getenv("SVCPORT_BMCCTL"), "--admin-socket", w->admin, "--password",
	                  (char *)pw};
	va_list ap;
	int n = 5;

	assert_non_null(argv[0]);
	va_start(ap, pw);
	while (n < 15 && (argv[n] = va_arg(ap, char *)))
		n++;
	va_end(ap);
	argv[n] = NULL;
	if (spawn_run(NULL, out, sizeof(out), argv) != 0)
		fail_msg("svcport-bmcctl %s %s: %s", argv[5], argv[6], out);
}

/* The https: link's port, from svcportd's log ("listening on 127.0.0.1 port N"). */
static int https_port(struct world *w)
{
	static const char needle[] = "listening on 127.0.0.1 port ";
	char line[1024];
	int port = 0;
	FILE *f;

	online_log_wait(w->gwlog, 0, needle, WAIT_MS);
	f = fopen(w->gwlog, "r");
	assert_non_null(f);
	while (port == 0 && fgets(line, sizeof(line), f))
		if (strstr(line, "link https:") && strstr(line, needle))
			port = atoi(strstr(line, needle) + strlen(needle));
	fclose(f);
	assert_true(port > 0);
	return port;
}

/*
 * An administrator installs an externally signed link chain (a company CA made
 * by openssl), so laptops' browsers trust the BMC: the https: link serves it,
 * and online activation keeps working, the portal link presenting bmcd's
 * internal CA certificate for the same key (docs/certs.md, docs/online.md).
 */
static void test_external_link_chain(void **state)
{
	struct world *w = *state;
	char label[160] = "", ext[160], chain[192];
	FILE *f;
	long at;
	int port;

	snprintf(ext, sizeof(ext), "%s/ext", w->tmp);
	snprintf(label, sizeof(label), "%s/admin-password", w->fac);
	f = fopen(label, "r");
	assert_non_null(f);
	assert_non_null(fgets(label, sizeof(label), f));
	fclose(f);
	label[strcspn(label, "\n")] = 0;
	w->https = true;
	server_start(w, w->trust, NULL);
	port = https_port(w);
	app_ok(w, "--user", "alice", "claim");
	serve_start(w);
	online_log_wait(w->gwlog, 0, "refused the activation (404)", WAIT_MS);
	/* The company CA signs the link key's CSR (the board's addresses as SANs). */
	bmcctl_pw_ok(w, label, "password", "set", PW, NULL);
	assert_int_equal(
	    sh("mkdir -p '%s' && cd '%s' && openssl req -x509 -newkey ec -pkeyopt "
	       "ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem -subj /CN=company-ca "
	       "-days 30 -addext basicConstraints=critical,CA:TRUE -addext "
	       "keyUsage=keyCertSign,cRLSign 2>/dev/null && printf 'basicConstraints=CA:FALSE\n"
	       "keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n' > ext.cnf",
	       ext, ext),
	    0);
	assert_int_equal(
	    sh("cd '%s' && '%s' --admin-socket '%s' --password '%s' cert csr --which "
	       "link link.csr && openssl x509 -req -in link.csr -CA ca.pem -CAkey "
	       "ca.key -CAcreateserial -days 30 -copy_extensions copy -extfile ext.cnf "
	       "-out leaf.pem 2>/dev/null && cat leaf.pem ca.pem > chain.pem && '%s' "
	       "--admin-socket '%s' cert export --which internal-ca > int-ca.pem",
	       ext, getenv("SVCPORT_BMCCTL"), w->admin, PW, getenv("SVCPORT_BMCCTL"), w->admin),
	    0);
	snprintf(chain, sizeof(chain), "%s/chain.pem", ext);
	bmcctl_pw_ok(w, PW, "cert", "install", "--which", "link", chain, NULL);
	/* (1) The https: link serves the company's chain: trusting that CA alone verifies it
	 * and its address; trusting the internal CA alone does not. */
	assert_int_equal(sh("openssl s_client -connect 127.0.0.1:%d -CAfile '%s/ca.pem' "
	                    "-verify_return_error -verify_ip 127.0.0.1 -brief </dev/null "
	                    ">/dev/null 2>&1",
	                    port, ext),
	                 0);
	assert_int_not_equal(sh("openssl s_client -connect 127.0.0.1:%d -CAfile '%s/int-ca.pem' "
	                        "-verify_return_error -brief </dev/null >/dev/null 2>&1",
	                        port, ext),
	                     0);
	/* (2) Marked by alice: the server activates itself online all the same. */
	at = online_log_mark(w->gwlog);
	mark_ready(w, SN);
	online_log_wait(w->gwlog, at, "online activation done", WAIT_MS);
	state_is(w, "ACTIVE");
	assert_int_equal(sql_int(w, "SELECT count(*) FROM ready_used WHERE by='alice';"), 1);
	/* (3) What the portal link presented: the internal CA's certificate for link.key. */
	assert_int_equal(sh("cd '%s' && openssl x509 -in '%s/link-internal-chain.pem' -out "
	                    "int-leaf.pem && openssl verify -purpose sslclient -CAfile int-ca.pem "
	                    "int-leaf.pem >/dev/null && [ \"$(openssl pkey -in '%s/link.key' "
	                    "-pubout)\" = \"$(openssl x509 -in int-leaf.pem -pubkey -noout)\" ] && "
	                    "! openssl verify -CAfile ca.pem int-leaf.pem >/dev/null 2>&1",
	                    ext, w->links, w->links),
	                 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_online_activation, world_make, world_free),
	    cmocka_unit_test_setup_teardown(test_untrusted_portal, world_make, world_free),
	    cmocka_unit_test_setup_teardown(test_device_endpoint_refusals, world_make, world_free),
	    cmocka_unit_test_setup_teardown(test_hostile_portal_command, world_make, world_free),
	    cmocka_unit_test_setup_teardown(test_hostile_portal_answers, world_make, world_free),
	    cmocka_unit_test_setup_teardown(test_late_portal_answer, world_make, world_free),
	    cmocka_unit_test_setup_teardown(test_receipt_replay, world_make, world_free),
	    cmocka_unit_test_setup_teardown(test_external_link_chain, world_make, world_free),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
