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

#include "hex.h"
#include "pki.h"
#include "portal-acts.h"
#include "test-spawn.h"
#include "tls.h"

#include "serve-fixture.h"
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
	/* The portal keeps only the token's SHA-256: its database cannot be replayed. */
	{
		uint8_t h[PKI_SHA256_LEN];
		char sql[256], hex[2 * PKI_SHA256_LEN + 1];

		pki_sha256((const uint8_t *)eddie, strlen(eddie), h);
		hex_encode(h, sizeof(h), hex);
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM sessions WHERE token_sha256='%s';",
		         hex);
		assert_int_equal(count_rows(sql), 1);
		snprintf(sql, sizeof(sql),
		         "SELECT count(*) FROM sessions WHERE instr(token_sha256, '%s') > 0;",
		         eddie);
		assert_int_equal(count_rows(sql), 0);
	}
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
	json_t *j = NULL;
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
	/* The phone's requests: a challenge that is none, an ephemeral key that is none. */
	expect(400, "BAD_REQUEST", "POST", "/api/v1/commands", alice, NULL,
	       "{\"action\":\"activate\",\"challenge\":\"AAAA\"}");
	expect(400, "BAD_REQUEST", "POST", "/api/v1/commands", alice, NULL,
	       "{\"action\":\"emergency-reset\",\"challenge\":\"AAAA\","
	       "\"ephemeral_pubkey\":\"AAAA\"}");
	expect(400, "BAD_REQUEST", "POST", "/api/v1/commands", alice, NULL,
	       "{\"action\":\"fly\",\"challenge\":\"AAAA\"}");
	/* force_chain must be a boolean: refused for that, before the challenge is looked at. */
	assert_int_equal(api("POST", "/api/v1/commands", alice, NULL,
	                     "{\"action\":\"activate\",\"challenge\":\"AAAA\",\"force_chain\":1}",
	                     &j),
	                 400);
	assert_non_null(strstr(jstr(j, "detail"), "force_chain"));
	json_decref(j);
	expect(400, "BAD_REQUEST", "POST", "/api/v1/receipts", alice, NULL,
	       "{\"receipt\":\"AAAA\"}");
	assert_int_equal(count_rows("SELECT count(*) FROM commands;"), 0);
	expect(405, "BAD_REQUEST", "DELETE", "/api/v1/orgs/acme/devices", alice, NULL, NULL);
	/* A JSON body over the service's 512 KiB: refused before it is parsed. */
	{
		static char big[600 * 1024];
		size_t n = (size_t)snprintf(big, sizeof(big),
		                            "{\"user\":\"x4\",\"role\":\"base\","
		                            "\"password\":\"");

		memset(big + n, 'p', sizeof(big) - n - 3);
		memcpy(big + sizeof(big) - 3, "\"}", 3);
		expect(413, NULL, "POST", "/api/v1/orgs/acme/users", alice, NULL, big);
	}
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

/* The CSV bulk registration of users: refused files change nothing, good rows register. */
static void test_users_csv(void **state)
{
	const char *alice, *eddie, *bob;
	const char *bad[] = {
	    "name,role\ndan,base\n",             /* wrong header */
	    "user,role,password\ndan,base,x\n",  /* a column too many */
	    "user,role\n\"dan\",base\n",         /* quotes */
	    "\xef\xbb\xbfuser,role\ndan,base\n", /* a UTF-8 byte-order mark */
	    "user,role\nren\xe9,base\n",         /* Latin-1 */
	    "user,role\ndan,base\nerin\n",       /* a short row */
	    "user,role\ndan,king\n",             /* no such role */
	};
	json_t *j = NULL;
	int users = count_rows("SELECT count(*) FROM users;");

	(void)state;
	alice = login("alice", 0);
	eddie = login("eddie", 1);
	bob = login("bob", 2);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect(400, "BAD_REQUEST", "POST", "/api/v1/orgs/acme/users.csv", alice, "text/csv",
		       bad[i]);
	/* Without the right (and the service lives on: it once freed what it never parsed). */
	expect(403, "ROLE_FORBIDDEN", "POST", "/api/v1/orgs/acme/users.csv", eddie, "text/csv",
	       "user,role\nmallory,org-admin\n");
	expect(403, "ROLE_FORBIDDEN", "POST", "/api/v1/orgs/acme/claims.csv", bob, "text/csv",
	       "MT,SN,CODE\n7D1X,S0001,AAAA\n");
	expect(403, "NOT_OWNER", "POST", "/api/v1/orgs/beta/users.csv", alice, "text/csv",
	       "user,role\nmallory,org-admin\n");
	assert_int_equal(count_rows("SELECT count(*) FROM users;"), users);
	/* Per row: two registered, one that exists refused. */
	assert_int_equal(api("POST", "/api/v1/orgs/acme/users.csv", alice, "text/csv",
	                     "user,role\r\n# new staff\r\ndan,edge-user\r\nerin,maintenance\r\n"
	                     "alice,base\r\n",
	                     &j),
	                 200);
	assert_int_equal(json_integer_value(json_object_get(j, "failed")), 1);
	assert_string_equal(jstr(json_array_get(json_object_get(j, "rows"), 2), "result"),
	                    "EXISTS");
	json_decref(j);
	assert_int_equal(count_rows("SELECT count(*) FROM users WHERE org='acme' AND"
	                            " ((name='dan' AND role=2) OR (name='erin' AND role=3)"
	                            " OR (name='alice' AND role=1));"),
	                 3);
}

/* SQLite's answer to sql on portal.db: the audit's triggers refuse to rewrite it. */
static int sql_rc(const char *sql)
{
	char db[300];
	sqlite3 *h = NULL;
	int rc;

	snprintf(db, sizeof(db), "%s/portal.db", portal_dir);
	assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	sqlite3_busy_timeout(h, 5000);
	rc = sqlite3_exec(h, sql, NULL, NULL, NULL);
	sqlite3_close(h);
	return rc;
}

/* The audit: read by the org's admin only, and append-only even to the database's owner. */
static void test_audit(void **state)
{
	const char *alice = login("alice", 0), *eddie = login("eddie", 1), *zed = login("zed", 2);
	json_t *j = NULL, *first;
	int n, refused;

	(void)state;
	expect(403, "ROLE_FORBIDDEN", "GET", "/api/v1/orgs/acme/audit", eddie, NULL, NULL);
	expect(403, "NOT_OWNER", "GET", "/api/v1/orgs/acme/audit", zed, NULL, NULL);
	assert_int_equal(api("GET", "/api/v1/orgs/acme/audit", alice, NULL, NULL, &j), 200);
	/* Newest first: acme's own user refused (zed's attempt is in beta's audit), who, where. */
	first = json_array_get(json_object_get(j, "records"), 0);
	assert_string_equal(jstr(first, "action"), "audit.read");
	assert_string_equal(jstr(first, "actor"), "eddie@127.0.0.1");
	assert_string_equal(jstr(first, "result"), "ROLE_FORBIDDEN");
	json_decref(j);
	n = count_rows("SELECT count(*) FROM audit;");
	refused = count_rows("SELECT count(*) FROM audit WHERE result!='OK';");
	assert_true(refused >= 2);
	assert_int_equal(sql_rc("UPDATE audit SET result='OK';"), SQLITE_CONSTRAINT);
	assert_int_equal(sql_rc("DELETE FROM audit;"), SQLITE_CONSTRAINT);
	assert_int_equal(count_rows("SELECT count(*) FROM audit WHERE result!='OK';"), refused);
	assert_int_equal(count_rows("SELECT count(*) FROM audit;"), n);
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
	/* TLS done, then half a request and silence: evhttp's 3 s timeout in this test (a loaded CI
	 * machine must not trip it for curl). */
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

/* Last: it leaves 127.0.0.1 backed off. */
/*
 * The back-off grows with the failures of an account or an address. Three are
 * free and made over HTTP here; a sustained guesser's further failures are
 * added to the portal's own record (rows like those the three wrote), so that
 * the refusal does not depend on how fast this machine runs the next request.
 */
static void test_backoff(void **state)
{
	json_t *j = NULL;
	int bob_sessions;

	(void)state;
	for (int i = 0; i < 3; i++)
		expect(401, "UNAUTHENTICATED", "POST", "/api/v1/login", NULL, NULL,
		       "{\"user\":\"mona\",\"password\":\"wrong-password\"}");
	assert_int_equal(count_rows("SELECT count(*) FROM login_failures WHERE key='user:mona';"),
	                 3);
	assert_int_equal(count_rows("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n"
	                            " WHERE i < 7) INSERT INTO login_failures(key, at)"
	                            " SELECT 'user:mona', (SELECT max(at) FROM login_failures"
	                            " WHERE key = 'user:mona') FROM n RETURNING 1;"),
	                 1);
	/* Even the right password is refused while the account backs off. */
	assert_int_equal(api("POST", "/api/v1/login", NULL, NULL,
	                     "{\"user\":\"mona\",\"password\":\"mona-password-1\"}", &j),
	                 429);
	assert_string_equal(jstr(j, "error"), "RATE_LIMITED");
	assert_true(json_integer_value(json_object_get(j, "retry_after")) >= 20);
	json_decref(j);
	assert_int_equal(count_rows("SELECT count(*) FROM sessions s JOIN users u"
	                            " ON s.user=u.name WHERE u.name='mona';"),
	                 0);
	/*
	 * Per address too: a guesser trying many accounts from one address. bob has no failure
	 * of his own, yet his right password from this address waits (and no session opens).
	 */
	assert_int_equal(count_rows("SELECT count(*) FROM login_failures WHERE key='user:bob';"),
	                 0);
	assert_int_equal(count_rows("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n"
	                            " WHERE i < 7) INSERT INTO login_failures(key, at)"
	                            " SELECT 'addr:127.0.0.1', (SELECT max(at) FROM login_failures"
	                            " WHERE key = 'addr:127.0.0.1') FROM n RETURNING 1;"),
	                 1);
	bob_sessions = count_rows("SELECT count(*) FROM sessions WHERE user='bob';");
	assert_int_equal(api("POST", "/api/v1/login", NULL, NULL,
	                     "{\"user\":\"bob\",\"password\":\"bob-password-1\"}", &j),
	                 429);
	assert_string_equal(jstr(j, "error"), "RATE_LIMITED");
	assert_true(json_integer_value(json_object_get(j, "retry_after")) >= 200);
	json_decref(j);
	assert_int_equal(count_rows("SELECT count(*) FROM sessions WHERE user='bob';"),
	                 bob_sessions);
	/* A refusal of the back-off writes no record of its own: it is counted for the
	 * address' summary ("login.refused", once the wait ends), so a flood costs no disk. */
	for (int i = 0; i < 20; i++)
		expect(429, "RATE_LIMITED", "POST", "/api/v1/login", NULL, NULL,
		       "{\"user\":\"mona\",\"password\":\"wrong-password\"}");
	assert_int_equal(count_rows("SELECT count(*) FROM audit WHERE action='login'"
	                            " AND result='RATE_LIMITED';"),
	                 0);
	assert_int_equal(count_rows("SELECT count(*) FROM login_failures WHERE key='user:mona';"),
	                 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_login_roles_orgs), cmocka_unit_test(test_expired_token),
	    cmocka_unit_test(test_bad_json),         cmocka_unit_test(test_claims_and_csv),
	    cmocka_unit_test(test_users_csv),        cmocka_unit_test(test_audit),
	    cmocka_unit_test(test_slow_clients),     cmocka_unit_test(test_certificates),
	    cmocka_unit_test(test_backoff),
	};

	return cmocka_run_group_tests(tests, serve_setup, serve_teardown);
}
