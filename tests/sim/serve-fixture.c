// SPDX-License-Identifier: GPL-2.0-or-later
/* The portal service fixture of the test-sim-portal-serve* programs (see serve-fixture.h). */
#include "serve-fixture.h"

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "test-spawn.h"

char dir[] = "/tmp/svcport-serve-XXXXXX";
char portal_dir[256], ca[256], url[64], code[64];
const char *sim;
static pid_t server;
int port;
char console_socket[320], console_out[65536];

const char *path_in(const char *name)
{
	static char buf[4][256];
	static int slot;

	slot = (slot + 1) % 4;
	snprintf(buf[slot], sizeof(buf[slot]), "%s/%s", dir, name);
	return buf[slot];
}

void file_put(const char *name, const char *text, size_t len)
{
	FILE *f = fopen(path_in(name), "w");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	fclose(f);
}

/* svcport-sim portal --portal DIR --json ARGS...; the JSON result. */
json_t *portal_cli(int want_rc, ...)
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
int api(const char *method, const char *path, const char *token, const char *ctype,
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

const char *jstr(json_t *j, const char *key)
{
	const char *s = json_string_value(json_object_get(j, key));

	return s ? s : "";
}

/* Logs in; the token (static storage, one per slot). */
const char *login(const char *user, int slot)
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

void expect(int want_status, const char *want_error, const char *method, const char *path,
            const char *token, const char *ctype, const char *body)
{
	json_t *j = NULL;
	int status = api(method, path, token, ctype, body, &j);

	if (status != want_status || (want_error && strcmp(jstr(j, "error"), want_error) != 0))
		fail_msg("%s %s: %d %s (%s), want %d %s", method, path, status, jstr(j, "error"),
		         jstr(j, "detail"), want_status, want_error ? want_error : "");
	json_decref(j);
}

void user_make(const char *user, const char *org, const char *role)
{
	char pw[64];

	snprintf(pw, sizeof(pw), "%s-password-1\n", user);
	file_put("pw", pw, strlen(pw));
	json_decref(portal_cli(0, "user", "add", user, "--org", org, "--role", role,
	                       "--password-file", path_in("pw"), NULL));
}

int serve_setup(void **state)
{
	char line[32], log[300];
	json_t *j;

	(void)state;
	signal(SIGPIPE, SIG_IGN);
	sim = getenv("SVCPORT_SIM");
	assert_non_null(sim);
	assert_non_null(mkdtemp(dir));
	/* As root the gateway runs as svcport or nobody: it must reach DIR/bmcd.sock. */
	assert_int_equal(chmod(dir, 0711), 0);
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
	                                     "--handshake-ms", "3000", "--io-timeout", "3", NULL},
	                     log, line, sizeof(line));
	assert_true(server > 0);
	port = atoi(line);
	snprintf(url, sizeof(url), "https://127.0.0.1:%d", port);
	/* The operator downloads the certificate to trust; curl then trusts only it. */
	json_decref(portal_cli(0, "https", "download", "--out", ca, NULL));
	return 0;
}

int serve_teardown(void **state)
{
	char out[64];
	int status = spawn_stop(server);

	(void)state;
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return SPAWN_RUN(NULL, out, "rm", "-rf", dir);
}

int count_rows(const char *sql)
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

void first_line(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	assert_non_null(fgets(buf, (int)cap, f));
	fclose(f);
	buf[strcspn(buf, "\r\n")] = 0;
}

int sim_server_up(const char *name, const char *factory, const char *sed_from)
{
	char *argv[16] = {(char *)sim,
	                  "--quiet",
	                  "server",
	                  "up",
	                  "--dir",
	                  (char *)path_in(name),
	                  "--factory",
	                  (char *)factory,
	                  "--no-ble-sim",
	                  "--bin-dir",
	                  getenv("SVCPORT_BIN_DIR")};
	size_t n = 11;

	if (sed_from) {
		argv[n++] = "--sed-component-from";
		argv[n++] = (char *)sed_from;
	}
	argv[n] = NULL;
	return spawn_run(NULL, console_out, sizeof(console_out), argv);
}

void sim_server_claimed(const char *pw)
{
	char label[64], usb[320];

	snprintf(console_socket, sizeof(console_socket), "%s/srv/admin.sock", dir);
	snprintf(usb, sizeof(usb), "unix:%s/srv/usb.sock", dir);
	assert_int_equal(sim_server_up("srv", path_in("factory"), NULL), 0);
	json_decref(portal_cli(0, "claim", "--org", "acme", "--mt", "7D1X", "--sn", "S0001",
	                       "--code", code, NULL));
	file_put("pw-alice", "alice-password-1\n", 17);
	assert_int_equal(SPAWN_RUN(NULL, console_out, (char *)sim, "--quiet", "app", "--link", usb,
	                           "--portal-url", url, "--cacert", ca, "--user", "alice",
	                           "--password-file", (char *)path_in("pw-alice"), "claim"),
	                 0);
	/* The local administrator's first login: the label's password changes. */
	first_line(path_in("factory/admin-password"), label, sizeof(label));
	assert_int_equal(bmcctl(label, "password", "set", pw, NULL), 0);
}

int bmcctl(const char *pw, ...)
{
	char *argv[16] = {getenv("SVCPORT_BMCCTL"), "--admin-socket", console_socket, "--json"};
	size_t n = 4;
	va_list ap;

	if (pw) {
		argv[n++] = "--password";
		argv[n++] = (char *)pw;
	}
	va_start(ap, pw);
	while (n < 15 && (argv[n] = va_arg(ap, char *)))
		n++;
	va_end(ap);
	argv[n] = NULL;
	return spawn_run(NULL, console_out, sizeof(console_out), argv);
}

const char *console_field(const char *key)
{
	static char v[128];
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\":\"", key);
	p = strstr(console_out, pat);
	v[0] = 0;
	if (p)
		sscanf(p + strlen(pat), "%127[^\"]", v);
	return v;
}
