// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `svcport-sim portal serve` as a real process, driven by curl (an independent
 * HTTPS client trusting the downloaded CA) and, for slow clients, by raw
 * sockets and the TLS glue. Every refusal is checked for its code and for
 * changing nothing. Waits on the service's ready fd, never sleeps.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <sqlite3.h>

#include "test-spawn.h"
#include "tls.h"

static char dir[] = "/tmp/svcport-serve-XXXXXX";
static char portal_dir[256], ca[256], url[64], code[64];
static const char *sim;
static pid_t server;
static int port;

static const char *path_in(const char *name)
{
	static char buf[4][256];
	static int slot;

	slot = (slot + 1) % 4;
	snprintf(buf[slot], sizeof(buf[slot]), "%s/%s", dir, name);
	return buf[slot];
}

static void file_put(const char *name, const char *text, size_t len)
{
	FILE *f = fopen(path_in(name), "w");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	fclose(f);
}

/* svcport-sim portal --portal DIR --json ARGS...; the JSON result. */
static json_t *portal_cli(int want_rc, ...)
{
	char *argv[32] = {(char *)sim, "portal", "--portal", portal_dir, "--json"};
	static char out[65536];
	size_t n = 5;
	va_list ap;
	json_t *j;

	va_start(ap, want_rc);
	while (n < 31 && (argv[n] = va_arg(ap, char *)))
		n++;
	va_end(ap);
	argv[n] = NULL;
	assert_int_equal(spawn_run(NULL, out, sizeof(out), argv), want_rc);
	j = json_loads(strchr(out, '{') ? strchr(out, '{') : out, JSON_DISABLE_EOF_CHECK, NULL);
	assert_non_null(j);
	return j;
}

/* One HTTPS request by curl; the status, and the body parsed into *ret (may be NULL). */
static int api(const char *method, const char *path, const char *token, const char *ctype,
               const char *body, json_t **ret)
{
	static char out[65536];
	char full[256], auth[128], type[64];
	char *argv[24] = {"curl", "-sS",          "--cacert", ca,
	                  "-X",   (char *)method, "-w",       "\n%{http_code}"};
	size_t n = 8;
	char *nl;
	int rc;

	snprintf(full, sizeof(full), "%s%s", url, path);
	if (token) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
		argv[n++] = "-H";
		argv[n++] = auth;
	}
	if (body) {
		snprintf(type, sizeof(type), "Content-Type: %s",
		         ctype ? ctype : "application/json");
		argv[n++] = "-H";
		argv[n++] = type;
		argv[n++] = "--data-binary";
		argv[n++] = "@-";
	}
	argv[n++] = full;
	argv[n] = NULL;
	rc = spawn_run(body, out, sizeof(out), argv);
	assert_int_equal(rc, 0);
	nl = strrchr(out, '\n');
	assert_non_null(nl);
	*nl = '\0';
	if (ret)
		*ret = json_loads(out, 0, NULL);
	return atoi(nl + 1);
}

static const char *jstr(json_t *j, const char *key)
{
	const char *s = json_string_value(json_object_get(j, key));

	return s ? s : "";
}

/* Logs in; the token (static storage, one per slot). */
static const char *login(const char *user, int slot)
{
	static char tokens[4][64];
	char body[160];
	json_t *j = NULL;

	snprintf(body, sizeof(body), "{\"user\":\"%s\",\"password\":\"%s-password-1\"}", user,
	         user);
	assert_int_equal(api("POST", "/api/v1/login", NULL, NULL, body, &j), 200);
	snprintf(tokens[slot], sizeof(tokens[slot]), "%s", jstr(j, "token"));
	json_decref(j);
	return tokens[slot];
}

static void expect(int want_status, const char *want_error, const char *method, const char *path,
                   const char *token, const char *ctype, const char *body)
{
	json_t *j = NULL;
	int status = api(method, path, token, ctype, body, &j);

	if (status != want_status || (want_error && strcmp(jstr(j, "error"), want_error) != 0))
		fail_msg("%s %s: %d %s (%s), want %d %s", method, path, status, jstr(j, "error"),
		         jstr(j, "detail"), want_status, want_error ? want_error : "");
	json_decref(j);
}

static void user_make(const char *user, const char *org, const char *role)
{
	char pw[64];

	snprintf(pw, sizeof(pw), "%s-password-1\n", user);
	file_put("pw", pw, strlen(pw));
	json_decref(portal_cli(0, "user", "add", user, "--org", org, "--role", role,
	                       "--password-file", path_in("pw"), NULL));
}

static int setup(void **state)
{
	char line[32], log[300];
	json_t *j;

	(void)state;
	signal(SIGPIPE, SIG_IGN);
	sim = getenv("SVCPORT_SIM");
	assert_non_null(sim);
	assert_non_null(mkdtemp(dir));
	snprintf(portal_dir, sizeof(portal_dir), "%s/portal", dir);
	snprintf(ca, sizeof(ca), "%s/ca.pem", dir);
	json_decref(portal_cli(0, "init", NULL));
	json_decref(portal_cli(0, "org", "add", "acme", NULL));
	json_decref(portal_cli(0, "org", "add", "beta", NULL));
	user_make("alice", "acme", "org-admin");
	user_make("eddie", "acme", "edge-user");
	user_make("mona", "acme", "maintenance");
	user_make("bob", "acme", "base");
	user_make("zed", "beta", "org-admin");
	j = portal_cli(0, "device", "manufacture", "--mt", "7D1X", "--sn", "S0001", "--out",
	               path_in("factory"), NULL);
	snprintf(code, sizeof(code), "%s", jstr(j, "activation_code"));
	json_decref(j);
	snprintf(log, sizeof(log), "%s/serve.log", dir);
	server = spawn_ready((char *const[]){(char *)sim, "portal", "--portal", portal_dir, "serve",
	                                     "--listen", "127.0.0.1:0", "--ready-fd", "3",
	                                     "--handshake-ms", "500", "--io-timeout", "1", NULL},
	                     log, line, sizeof(line));
	assert_true(server > 0);
	port = atoi(line);
	snprintf(url, sizeof(url), "https://127.0.0.1:%d", port);
	/* The operator downloads the certificate to trust; curl then trusts only it. */
	json_decref(portal_cli(0, "https", "download", "--out", ca, NULL));
	return 0;
}

static int teardown(void **state)
{
	char out[64];
	int status = spawn_stop(server);

	(void)state;
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return SPAWN_RUN(NULL, out, "rm", "-rf", dir);
}

static int count_rows(const char *sql)
{
	char db[300];
	sqlite3 *h = NULL;
	sqlite3_stmt *st = NULL;
	int n = -1;

	snprintf(db, sizeof(db), "%s/portal.db", portal_dir);
	assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	sqlite3_busy_timeout(h, 5000);
	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return n;
}

static void test_login_roles_orgs(void **state)
{
	const char *alice, *zed, *bob, *eddie;
	int users = count_rows("SELECT count(*) FROM users;");

	(void)state;
	alice = login("alice", 0);
	expect(200, NULL, "GET", "/api/v1/me", alice, NULL, NULL);
	expect(200, NULL, "GET", "/api/v1/orgs/acme/devices", alice, NULL, NULL);
	expect(401, "UNAUTHENTICATED", "POST", "/api/v1/login", NULL, NULL,
	       "{\"user\":\"alice\",\"password\":\"wrong-password\"}");
	expect(401, "UNAUTHENTICATED", "POST", "/api/v1/login", NULL, NULL,
	       "{\"user\":\"nobody\",\"password\":\"wrong-password\"}");
	/* Another organisation's administrator. */
	zed = login("zed", 1);
	expect(403, "NOT_OWNER", "GET", "/api/v1/orgs/acme/devices", zed, NULL, NULL);
	expect(403, "NOT_OWNER", "POST", "/api/v1/orgs/acme/users", zed, NULL,
	       "{\"user\":\"mallory\",\"role\":\"org-admin\",\"password\":\"mallory-pass\"}");
	/* A role without the right. */
	bob = login("bob", 2);
	expect(403, "ROLE_FORBIDDEN", "GET", "/api/v1/orgs/acme/devices", bob, NULL, NULL);
	eddie = login("eddie", 3);
	expect(403, "ROLE_FORBIDDEN", "GET", "/api/v1/orgs/acme/users", eddie, NULL, NULL);
	expect(403, "ROLE_FORBIDDEN", "POST", "/api/v1/orgs", alice, NULL, "{\"org\":\"gamma\"}");
	/* No token, a forged one. */
	expect(401, "UNAUTHENTICATED", "GET", "/api/v1/me", NULL, NULL, NULL);
	expect(401, "UNAUTHENTICATED", "GET", "/api/v1/me",
	       "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL, NULL);
	assert_int_equal(count_rows("SELECT count(*) FROM users;"), users);
	/* The org admin manages the org's users. */
	expect(201, NULL, "POST", "/api/v1/orgs/acme/users", alice, NULL,
	       "{\"user\":\"carol\",\"role\":\"base\"}");
	expect(200, NULL, "PATCH", "/api/v1/users/carol", alice, NULL, "{\"role\":\"edge-user\"}");
	expect(403, "NOT_OWNER", "DELETE", "/api/v1/users/carol", zed, NULL, NULL);
	expect(200, NULL, "DELETE", "/api/v1/users/carol", alice, NULL, NULL);
	/* Logout revokes. */
	expect(200, NULL, "POST", "/api/v1/logout", eddie, NULL, NULL);
	expect(401, "UNAUTHENTICATED", "GET", "/api/v1/me", eddie, NULL, NULL);
	/* Every act is in the audit, refusals included. */
	assert_true(count_rows("SELECT count(*) FROM audit WHERE action='device.list'"
	                       " AND result='NOT_OWNER';") >= 1);
	assert_true(count_rows("SELECT count(*) FROM audit WHERE action='login'"
	                       " AND result='UNAUTHENTICATED';") >= 2);
}

static void test_expired_token(void **state)
{
	const char *t;

	(void)state;
	t = login("eddie", 0);
	assert_int_equal(count_rows("UPDATE sessions SET expires=1 RETURNING 1;"), 1);
	expect(401, "EXPIRED", "GET", "/api/v1/me", t, NULL, NULL);
}

static void test_bad_json(void **state)
{
	const char *alice;
	int users = count_rows("SELECT count(*) FROM users;");

	(void)state;
	alice = login("alice", 0);
	expect(400, "BAD_REQUEST", "POST", "/api/v1/orgs/acme/users", alice, NULL, "{\"user\":");
	expect(400, "BAD_REQUEST", "POST", "/api/v1/orgs/acme/users", alice, NULL, "[1,2]");
	expect(400, "BAD_REQUEST", "POST", "/api/v1/orgs/acme/users", alice, NULL,
	       "{\"user\":\"x1\",\"user\":\"x2\",\"role\":\"base\"}");
	expect(400, "BAD_REQUEST", "POST", "/api/v1/orgs/acme/users", alice, "text/plain", "x");
	expect(400, "BAD_REQUEST", "POST", "/api/v1/orgs/acme/users", alice, NULL,
	       "{\"user\":\"x3\",\"role\":\"king\"}");
	expect(404, "NOT_FOUND", "GET", "/api/v1/nothing", alice, NULL, NULL);
	expect(405, "BAD_REQUEST", "DELETE", "/api/v1/orgs/acme/devices", alice, NULL, NULL);
	assert_int_equal(count_rows("SELECT count(*) FROM users;"), users);
}

static void test_claims_and_csv(void **state)
{
	static char big[600 * 1024];
	const char *alice;
	char body[256];
	int attempts = count_rows("SELECT count(*) FROM claim_attempts;");

	(void)state;
	alice = login("alice", 0);
	/* Format errors are refused whole and never count as failed guesses. */
	for (int i = 0; i < 6; i++)
		expect(400, "BAD_REQUEST", "POST", "/api/v1/orgs/acme/claims.csv", alice,
		       "text/csv", "MT,SN\n7D1X,S0001\n");
	expect(400, "BAD_REQUEST", "POST", "/api/v1/orgs/acme/claims.csv", alice, "text/csv",
	       "MT,SN,CODE\n\"7D1X\",S0001,X\n");
	expect(400, "BAD_REQUEST", "POST", "/api/v1/orgs/acme/claims.csv", alice, "text/csv",
	       "\xef\xbb\xbfMT,SN,CODE\n7D1X,S0001,X\n");
	expect(400, "BAD_REQUEST", "POST", "/api/v1/orgs/acme/claims.csv", alice, "text/csv",
	       "MT,SN,CODE\n7D1X,S0001,\xe9\n");
	expect(400, "BAD_REQUEST", "POST", "/api/v1/orgs/acme/claims.csv", alice, "text/csv",
	       "MT,SN,CODE\n7D1X,S0001\n");
	memset(big, 'A', sizeof(big) - 1);
	expect(413, NULL, "POST", "/api/v1/orgs/acme/claims.csv", alice, "text/csv", big);
	assert_int_equal(count_rows("SELECT count(*) FROM claim_attempts;"), attempts);
	/* A wrong code row counts; the file's good rows still claim. */
	snprintf(body, sizeof(body),
	         "machine_type,serial_number,activation_code\n# comment\n7D1X,NOPE,AAAA\n"
	         "7D1X,S0001,%s\n",
	         code);
	expect(200, NULL, "POST", "/api/v1/orgs/acme/claims.csv", alice, "text/csv", body);
	assert_int_equal(count_rows("SELECT count(*) FROM claim_attempts WHERE ok=0;"), 1);
	assert_int_equal(count_rows("SELECT count(*) FROM devices WHERE owner='acme';"), 1);
	/* Another org cannot see it. */
	expect(200, NULL, "GET", "/api/v1/orgs/acme/devices", alice, NULL, NULL);
}

/* A client that connects and never speaks TLS, and one that stalls mid-request. */
static int tcp_connect(void)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	return fd;
}

struct stall {
	struct event_base *base;
	short what;
};

static void stall_event(struct bufferevent *bev, short what, void *ud)
{
	struct stall *st = ud;

	(void)bev;
	if (what & BEV_EVENT_CONNECTED)
		return;
	st->what = what;
	event_base_loopbreak(st->base);
}

static void stall_give_up(evutil_socket_t fd, short what, void *ud)
{
	(void)fd;
	(void)what;
	event_base_loopbreak(((struct stall *)ud)->base);
}

static void stall_mid_request(void)
{
	static const char half[] = "GET /api/v1/me HTTP/1.1\r\nHost: x\r\n";
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	struct stall st = {.base = event_base_new()};
	struct timeval net = {10, 0};
	struct tls_config *cfg = NULL;
	struct tls_conn *c;
	struct event *guard;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(tls_config_client_new(ca, NULL, &cfg), 0);
	c = tls_conn_new(st.base, cfg, -1, "127.0.0.1");
	assert_non_null(c);
	bufferevent_setcb(tls_conn_bev(c), NULL, NULL, stall_event, &st);
	bufferevent_enable(tls_conn_bev(c), EV_READ | EV_WRITE);
	bufferevent_write(tls_conn_bev(c), half, sizeof(half) - 1);
	assert_int_equal(tls_conn_connect(c, (struct sockaddr *)&sin, sizeof(sin)), 0);
	/* A safety net only: the server's close ends the loop long before. */
	guard = evtimer_new(st.base, stall_give_up, &st);
	evtimer_add(guard, &net);
	event_base_dispatch(st.base);
	assert_true(tls_conn_is_established(c));
	assert_true(st.what & (BEV_EVENT_EOF | BEV_EVENT_ERROR));
	bufferevent_free(tls_conn_bev(c));
	event_free(guard);
	tls_config_shutdown(cfg);
	event_base_loop(st.base, EVLOOP_NONBLOCK);
	tls_config_unref(cfg);
	event_base_free(st.base);
}

static void test_slow_clients(void **state)
{
	struct pollfd p;
	char buf[64];
	int fd;

	(void)state;
	fd = tcp_connect();
	p = (struct pollfd){.fd = fd, .events = POLLIN};
	assert_int_equal(poll(&p, 1, 5000), 1);
	assert_int_equal(read(fd, buf, sizeof(buf)), 0);
	close(fd);
	/* TLS done, then half a request and silence: evhttp's 1 s timeout in this test. */
	stall_mid_request();
}

static void test_certificates(void **state)
{
	char out[8192], other[300];

	(void)state;
	/* curl trusts only the downloaded anchor; another CA is refused. */
	snprintf(other, sizeof(other), "%s/other.crt", dir);
	assert_int_equal(SPAWN_RUN(NULL, out, "openssl", "req", "-x509", "-newkey", "ec",
	                           "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
	                           (char *)path_in("other.key"), "-out", other, "-subj", "/CN=o"),
	                 0);
	snprintf(out, sizeof(out), "%s/api/v1/certificate.pem", url);
	assert_int_equal(SPAWN_RUN(NULL, out, "curl", "-sS", "--cacert", other, out), 60);
	/* Downloaded over HTTPS it is the same anchor. */
	{
		char u[128], got[8192], want[8192];

		snprintf(u, sizeof(u), "%s/api/v1/certificate.pem", url);
		assert_int_equal(SPAWN_RUN(NULL, got, "curl", "-sS", "--cacert", ca, u), 0);
		assert_int_equal(SPAWN_RUN(NULL, want, "cat", ca), 0);
		assert_string_equal(got, want);
	}
}

static void file_slurp(const char *path, char *out, size_t cap)
{
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(out, 1, cap - 1, f);
	out[n] = '\0';
	fclose(f);
}

static void chain_make(const char *name, const char *leaf, const char *root)
{
	char a[8192], b[8192], both[16384];

	file_slurp(path_in(leaf), a, sizeof(a));
	if (root)
		file_slurp(path_in(root), b, sizeof(b));
	snprintf(both, sizeof(both), "%s%s", a, root ? b : "");
	file_put(name, both, strlen(both));
}

/* An external CA signs a CSR with openssl, SANs copied from the request. */
static void ext_sign(const char *csr, const char *ca_name, const char *out_name)
{
	char out[8192];

	assert_int_equal(SPAWN_RUN(NULL, out, "openssl", "x509", "-req", "-in",
	                           (char *)path_in(csr), "-CA", (char *)path_in(ca_name), "-CAkey",
	                           (char *)path_in("ext.key"), "-CAcreateserial", "-days", "2",
	                           "-copy_extensions", "copy", "-out", (char *)path_in(out_name)),
	                 0);
}

/* The hub model on the command line: names change, CSR, chain install, regeneration. */
static void test_https_lifecycle(void **state)
{
	char out[16384], before[8192], after[8192], crt[300], anchor[8192];
	json_t *j;

	(void)state;
	snprintf(crt, sizeof(crt), "%s/https/server.crt", portal_dir);
	/* Other names: a new server certificate carrying them. */
	json_decref(portal_cli(0, "https", "ensure", "--names", "portal.example,127.0.0.2", NULL));
	assert_int_equal(
	    SPAWN_RUN(NULL, out, "openssl", "x509", "-in", crt, "-noout", "-ext", "subjectAltName"),
	    0);
	assert_non_null(strstr(out, "DNS:portal.example"));
	assert_non_null(strstr(out, "IP Address:127.0.0.2"));
	/* A CSR for an external CA; openssl checks its signature. */
	json_decref(portal_cli(0, "https", "csr", "--out", path_in("req.csr"), "--names",
	                       "portal.example", NULL));
	assert_int_equal(SPAWN_RUN(NULL, out, "openssl", "req", "-in", (char *)path_in("req.csr"),
	                           "-verify", "-noout"),
	                 0);
	assert_int_equal(SPAWN_RUN(NULL, out, "openssl", "req", "-x509", "-newkey", "ec",
	                           "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
	                           (char *)path_in("ext.key"), "-out", (char *)path_in("ext.crt"),
	                           "-subj", "/CN=external CA", "-addext",
	                           "basicConstraints=critical,CA:TRUE"),
	                 0);
	ext_sign("req.csr", "ext.crt", "leaf.crt");
	/* A certificate for another key, a chain without its root, one that does not chain. */
	assert_int_equal(SPAWN_RUN(NULL, out, "openssl", "req", "-newkey", "ec", "-pkeyopt",
	                           "ec_paramgen_curve:P-256", "-nodes", "-keyout",
	                           (char *)path_in("x.key"), "-out", (char *)path_in("x.csr"),
	                           "-subj", "/CN=x"),
	                 0);
	ext_sign("x.csr", "ext.crt", "xleaf.crt");
	chain_make("wrongkey.pem", "xleaf.crt", "ext.crt");
	chain_make("noroot.pem", "leaf.crt", NULL);
	chain_make("otherroot.pem", "leaf.crt", "other.crt");
	chain_make("good.pem", "leaf.crt", "ext.crt");
	file_slurp(crt, before, sizeof(before));
	json_decref(portal_cli(1, "https", "install", "--chain", path_in("wrongkey.pem"), NULL));
	json_decref(portal_cli(1, "https", "install", "--chain", path_in("noroot.pem"), NULL));
	json_decref(portal_cli(1, "https", "install", "--chain", path_in("otherroot.pem"), NULL));
	file_slurp(crt, after, sizeof(after));
	assert_string_equal(before, after);
	j = portal_cli(0, "https", "install", "--chain", path_in("good.pem"), NULL);
	assert_true(json_is_true(json_object_get(j, "external")));
	json_decref(j);
	json_decref(portal_cli(0, "https", "download", "--out", path_in("anchor.pem"), NULL));
	file_slurp(path_in("anchor.pem"), anchor, sizeof(anchor));
	file_slurp(path_in("ext.crt"), out, sizeof(out));
	assert_string_equal(anchor, out);
	/* Back to the internal CA on demand. */
	j = portal_cli(0, "https", "regen-server", NULL);
	assert_true(json_is_false(json_object_get(j, "external")));
	json_decref(j);
}

/* Last: it leaves 127.0.0.1 backed off. */
static void test_backoff(void **state)
{
	json_t *j = NULL;

	(void)state;
	for (int i = 0; i < 3; i++)
		expect(401, "UNAUTHENTICATED", "POST", "/api/v1/login", NULL, NULL,
		       "{\"user\":\"mona\",\"password\":\"wrong-password\"}");
	assert_int_equal(api("POST", "/api/v1/login", NULL, NULL,
	                     "{\"user\":\"mona\",\"password\":\"mona-password-1\"}", &j),
	                 429);
	assert_string_equal(jstr(j, "error"), "RATE_LIMITED");
	assert_true(json_integer_value(json_object_get(j, "retry_after")) >= 1);
	json_decref(j);
	assert_int_equal(count_rows("SELECT count(*) FROM sessions s JOIN users u"
	                            " ON s.user=u.name WHERE u.name='mona';"),
	                 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_login_roles_orgs), cmocka_unit_test(test_expired_token),
	    cmocka_unit_test(test_bad_json),         cmocka_unit_test(test_claims_and_csv),
	    cmocka_unit_test(test_slow_clients),     cmocka_unit_test(test_certificates),
	    cmocka_unit_test(test_https_lifecycle),  cmocka_unit_test(test_backoff),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
