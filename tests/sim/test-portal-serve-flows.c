// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The portal service's flows (transfers, ready marks, certificates) against a
 * real `portal serve`; see test-portal-serve.c for the rest. Originally:
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

#include "portal-acts.h"
#include "test-spawn.h"
#include "tls.h"

#include "serve-fixture.h"
#include "pki.h"

#include <mbedtls/asn1.h>
#include <mbedtls/base64.h>

/* acme claims 7D1X-S0001 on the portal (the operator, with the code). */
static int flows_setup(void **state)
{
	int rc = serve_setup(state);

	json_decref(portal_cli(0, "claim", "--org", "acme", "--mt", "7D1X", "--sn", "S0001",
	                       "--code", code, NULL));
	return rc;
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
	assert_int_equal(SPAWN_RUN(NULL, out, "openssl", "req", "-x509", "-newkey", "ec",
	                           "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
	                           (char *)path_in("other.key"), "-out",
	                           (char *)path_in("other.crt"), "-subj", "/CN=unrelated root",
	                           "-addext", "basicConstraints=critical,CA:TRUE"),
	                 0);
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

static void accept_as(const char *token, const char *csv, const char *phrase, int want,
                      const char *want_error)
{
	json_t *body = json_pack("{s:s, s:s}", "csv", csv, "passphrase", phrase);
	char *text = json_dumps(body, 0);

	expect(want, want_error, "POST", "/api/v1/orgs/beta/transfers/accept", token, NULL, text);
	free(text);
	json_decref(body);
}

/* acme owns 7D1X-S0001 on the portal (flows_setup). */
static void test_transfers(void **state)
{
	const char *alice = login("alice", 0), *zed = login("zed", 1);
	char csv[1024], phrase[64];
	json_t *j = NULL;

	(void)state;
	expect(403, "NOT_OWNER", "POST", "/api/v1/orgs/acme/transfers", zed, NULL,
	       "{\"devices\":[\"7D1X-S0001\"]}");
	expect(403, "NOT_OWNER", "POST", "/api/v1/orgs/beta/transfers", zed, NULL,
	       "{\"devices\":[\"7D1X-S0001\"]}");
	expect(400, "BAD_REQUEST", "POST", "/api/v1/orgs/acme/transfers", alice, NULL,
	       "{\"devices\":[]}");
	/* A passphrase lives 24 hours at most. */
	expect(400, "BAD_REQUEST", "POST", "/api/v1/orgs/acme/transfers", alice, NULL,
	       "{\"devices\":[\"7D1X-S0001\"],\"valid_for\":86401}");
	assert_int_equal(count_rows("SELECT count(*) FROM transfers;"), 0);
	assert_int_equal(api("POST", "/api/v1/orgs/acme/transfers", alice, NULL,
	                     "{\"devices\":[\"7D1X-S0001\"]}", &j),
	                 201);
	snprintf(csv, sizeof(csv), "%s", jstr(j, "csv"));
	snprintf(phrase, sizeof(phrase), "%s", jstr(j, "passphrase"));
	json_decref(j);
	/* Guessed: refused, nothing changed. */
	accept_as(zed, csv, "aaaa-bbbb-cccc-dddd-eeee", 403, "WRONG_CODE");
	assert_int_equal(count_rows("SELECT count(*) FROM transfers WHERE state='open';"), 1);
	assert_int_equal(count_rows("SELECT count(*) FROM devices WHERE transfer_to!='';"), 0);
	/* Only the receiving org's admin. */
	expect(403, "NOT_OWNER", "POST", "/api/v1/orgs/beta/transfers/accept", alice, NULL,
	       "{\"csv\":\"x\",\"passphrase\":\"y\"}");
	accept_as(zed, csv, phrase, 200, NULL);
	assert_int_equal(count_rows("SELECT count(*) FROM devices WHERE transfer_to='beta';"), 1);
	/* Reused. */
	accept_as(zed, csv, phrase, 409, "INVALID_STATE");
	/* Expired (its expiry moved into the past: no waiting). */
	assert_int_equal(api("POST", "/api/v1/orgs/acme/transfers", alice, NULL,
	                     "{\"devices\":[\"7D1X-S0001\"],\"valid_for\":600}", &j),
	                 201);
	snprintf(csv, sizeof(csv), "%s", jstr(j, "csv"));
	snprintf(phrase, sizeof(phrase), "%s", jstr(j, "passphrase"));
	json_decref(j);
	assert_int_equal(count_rows("UPDATE transfers SET expires_at=1 WHERE state='open'"
	                            " RETURNING 1;"),
	                 1);
	accept_as(zed, csv, phrase, 410, "EXPIRED");
	assert_int_equal(count_rows("SELECT count(*) FROM transfers WHERE state='open';"), 1);
}

static void test_ready_mark(void **state)
{
	const char *alice = login("alice", 0), *zed = login("zed", 1), *bob = login("bob", 2);
	char dirbuf[300];
	struct portal *p = NULL;

	(void)state;
	expect(409, "INVALID_STATE", "POST", "/api/v1/devices/7D1X/S0001/ready", alice, NULL, NULL);
	expect(404, "NOT_FOUND", "POST", "/api/v1/devices/7D1X/NOPE/ready", alice, NULL, NULL);
	assert_int_equal(count_rows("UPDATE devices SET status='ready' WHERE sn='S0001'"
	                            " RETURNING 1;"),
	                 1);
	expect(403, "NOT_OWNER", "POST", "/api/v1/devices/7D1X/S0001/ready", zed, NULL, NULL);
	expect(403, "ROLE_FORBIDDEN", "POST", "/api/v1/devices/7D1X/S0001/ready", bob, NULL, NULL);
	expect(400, "BAD_REQUEST", "POST", "/api/v1/devices/7D1X/S0001/ready", alice, NULL,
	       "{\"valid_for\":999999}");
	assert_int_equal(count_rows("SELECT count(*) FROM ready_marks;"), 0);
	expect(200, NULL, "POST", "/api/v1/devices/7D1X/S0001/ready", alice, NULL,
	       "{\"valid_for\":600}");
	/* The devices list and the operator's CLI say until when. */
	{
		json_t *j = NULL, *d;
		json_int_t until, shown;

		assert_int_equal(api("GET", "/api/v1/orgs/acme/devices", alice, NULL, NULL, &j),
		                 200);
		d = json_array_get(json_object_get(j, "devices"), 0);
		until = json_integer_value(json_object_get(d, "ready_until"));
		assert_true(until > (json_int_t)time(NULL) + 500 && until <= time(NULL) + 600);
		json_decref(j);
		j = portal_cli(0, "device", "show", "--mt", "7D1X", "--sn", "S0001", NULL);
		shown = json_integer_value(json_object_get(j, "ready_until"));
		json_decref(j);
		assert_int_equal(shown, until);
	}
	/* Single use: issue 16's online activation takes it once. */
	snprintf(dirbuf, sizeof(dirbuf), "%s", portal_dir);
	assert_int_equal(portal_open(dirbuf, false, &p), 0);
	assert_int_equal(portal_ready_is_marked(p, "7D1X", "S0001", time(NULL)), 1);
	assert_int_equal(portal_ready_take(p, "7D1X", "S0001", time(NULL)), 0);
	assert_int_equal(portal_ready_take(p, "7D1X", "S0001", time(NULL)), -ENOENT);
	portal_close(p);
	/* The operator marks it from the command line; refused past a day, nothing marked. */
	json_decref(portal_cli(1, "device", "ready", "--mt", "7D1X", "--sn", "S0001", "--valid-for",
	                       "90000", NULL));
	assert_int_equal(count_rows("SELECT count(*) FROM ready_marks;"), 0);
	json_decref(portal_cli(0, "device", "ready", "--mt", "7D1X", "--sn", "S0001", NULL));
	assert_int_equal(count_rows("SELECT count(*) FROM ready_marks WHERE expires > unixepoch()"
	                            " + 3500;"),
	                 1);
}

/* The board's QR code over the API: the maintenance role of the owner only; device list --org. */
static void test_key_update_and_lists(void **state)
{
	const char *mona = login("mona", 0), *eddie = login("eddie", 1), *mike;
	static const char hash[] =
	    "{\"new_key_sha256\":"
	    "\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"}";
	json_t *j;

	(void)state;
	/* Maintenance, of another organisation. */
	file_put("mike.pw", "mike-password-1\n", 16);
	json_decref(portal_cli(0, "user", "add", "mike", "--org", "beta", "--role", "maintenance",
	                       "--password-file", path_in("mike.pw"), NULL));
	mike = login("mike", 2);
	expect(403, "ROLE_FORBIDDEN", "POST", "/api/v1/devices/7D1X/S0001/key-update", eddie, NULL,
	       hash);
	expect(403, "NOT_OWNER", "POST", "/api/v1/devices/7D1X/S0001/key-update", mike, NULL, hash);
	expect(400, "BAD_REQUEST", "POST", "/api/v1/devices/7D1X/S0001/key-update", mona, NULL,
	       "{\"new_key_sha256\":\"not hex\"}");
	assert_int_equal(count_rows("SELECT count(*) FROM devices WHERE new_key_sha256!='';"), 0);
	expect(200, NULL, "POST", "/api/v1/devices/7D1X/S0001/key-update", mona, NULL, hash);
	assert_int_equal(
	    count_rows("SELECT count(*) FROM devices WHERE new_key_sha256="
	               "'0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';"),
	    1);
	/* The command line lists an organisation's devices only. */
	j = portal_cli(0, "device", "list", "--org", "beta", NULL);
	assert_int_equal(json_array_size(json_object_get(j, "devices")), 0);
	json_decref(j);
	j = portal_cli(0, "device", "list", "--org", "acme", NULL);
	assert_int_equal(json_array_size(json_object_get(j, "devices")), 1);
	json_decref(j);
}

/* base64url without padding. */
static void b64url(const uint8_t *in, size_t len, char *out, size_t cap)
{
	size_t n = 0;

	assert_int_equal(mbedtls_base64_encode((unsigned char *)out, cap, &n, in, len), 0);
	for (size_t i = 0; i < n; i++)
		out[i] = out[i] == '+' ? '-' : out[i] == '/' ? '_' : out[i];
	while (n && out[n - 1] == '=')
		n--;
	out[n] = '\0';
}

/* An ES256 JWT over header and claims, signed by key (r||s, as RFC 7518 3.4 says). */
static void jwt_make(mbedtls_pk_context *key, struct pki_rng *rng, const char *header,
                     const char *claims, char *out, size_t cap)
{
	uint8_t der[PKI_SIG_DER_MAX], raw[64] = {0};
	unsigned char *p = der, *end;
	char h[512], c[1024], sig[128];
	size_t der_len = 0, len;
	mbedtls_mpi r, s;

	b64url((const uint8_t *)header, strlen(header), h, sizeof(h));
	b64url((const uint8_t *)claims, strlen(claims), c, sizeof(c));
	snprintf(out, cap, "%s.%s", h, c);
	assert_int_equal(pki_sign(key, rng, (const uint8_t *)out, strlen(out), der, &der_len), 0);
	end = der + der_len;
	mbedtls_mpi_init(&r);
	mbedtls_mpi_init(&s);
	assert_int_equal(
	    mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE),
	    0);
	assert_int_equal(mbedtls_asn1_get_mpi(&p, end, &r), 0);
	assert_int_equal(mbedtls_asn1_get_mpi(&p, end, &s), 0);
	assert_int_equal(mbedtls_mpi_write_binary(&r, raw, 32), 0);
	assert_int_equal(mbedtls_mpi_write_binary(&s, raw + 32, 32), 0);
	mbedtls_mpi_free(&r);
	mbedtls_mpi_free(&s);
	b64url(raw, sizeof(raw), sig, sizeof(sig));
	strncat(out, ".", cap - strlen(out) - 1);
	strncat(out, sig, cap - strlen(out) - 1);
}

static void fed_login(const char *jwt, int want, const char *want_error)
{
	json_t *b = json_pack("{s:s, s:s}", "org", "acme", "assertion", jwt);
	char *text = json_dumps(b, 0);

	expect(want, want_error, "POST", "/api/v1/login/federated", NULL, NULL, text);
	free(text);
	json_decref(b);
}

static void test_federation(void **state)
{
	const char *alice = login("alice", 0), *eddie = login("eddie", 1);
	static const char hdr[] = "{\"alg\":\"ES256\",\"typ\":\"JWT\"}";
	mbedtls_pk_context idp, rogue;
	struct pki_rng rng;
	unsigned char pem[512];
	char claims[256], jwt[2048], body[1024];
	json_t *j;
	long now = (long)time(NULL);
	int users;

	(void)state;
	assert_int_equal(pki_rng_init(&rng), 0);
	mbedtls_pk_init(&idp);
	mbedtls_pk_init(&rogue);
	assert_int_equal(pki_key_generate(&idp, &rng), 0);
	assert_int_equal(pki_key_generate(&rogue, &rng), 0);
	assert_int_equal(mbedtls_pk_write_pubkey_pem(&idp, pem, sizeof(pem)), 0);
	j = json_pack("{s:s, s:s, s:s}", "issuer", "https://adfs.acme.example", "audience",
	              "svcport-portal", "public_key", (const char *)pem);
	{
		char *t = json_dumps(j, 0);

		snprintf(body, sizeof(body), "%s", t);
		free(t);
	}
	json_decref(j);
	expect(403, "ROLE_FORBIDDEN", "POST", "/api/v1/orgs/acme/idp", eddie, NULL, body);
	expect(404, "NOT_FOUND", "GET", "/api/v1/orgs/acme/idp", alice, NULL, NULL);
	expect(200, NULL, "POST", "/api/v1/orgs/acme/idp", alice, NULL, body);
	/* Read back by its org admin only; the CLI (the operator) reads the same. */
	expect(403, "ROLE_FORBIDDEN", "GET", "/api/v1/orgs/acme/idp", eddie, NULL, NULL);
	expect(403, "NOT_OWNER", "GET", "/api/v1/orgs/acme/idp", login("zed", 2), NULL, NULL);
	assert_int_equal(api("GET", "/api/v1/orgs/acme/idp", alice, NULL, NULL, &j), 200);
	assert_string_equal(jstr(j, "issuer"), "https://adfs.acme.example");
	assert_string_equal(jstr(j, "public_key"), (const char *)pem);
	json_decref(j);
	j = portal_cli(0, "idp", "show", "--org", "acme", NULL);
	assert_string_equal(jstr(j, "audience"), "svcport-portal");
	json_decref(j);
	users = count_rows("SELECT count(*) FROM users;");
#define CLAIMS(sub, aud, exp)                                                                      \
	snprintf(claims, sizeof(claims),                                                           \
	         "{\"iss\":\"https://adfs.acme.example\",\"aud\":\"%s\",\"sub\":\"%s\","           \
	         "\"exp\":%ld}",                                                                   \
	         aud, sub, exp)
	/* Forged (another key), expired, wrong audience, alg none: refused, nobody registered. */
	CLAIMS("fred", "svcport-portal", now + 600);
	jwt_make(&rogue, &rng, hdr, claims, jwt, sizeof(jwt));
	fed_login(jwt, 401, "UNAUTHENTICATED");
	CLAIMS("fred", "svcport-portal", now - 3600);
	jwt_make(&idp, &rng, hdr, claims, jwt, sizeof(jwt));
	fed_login(jwt, 401, "EXPIRED");
	CLAIMS("fred", "another-service", now + 600);
	jwt_make(&idp, &rng, hdr, claims, jwt, sizeof(jwt));
	fed_login(jwt, 401, "UNAUTHENTICATED");
	/* Three failures: a forger now waits, like a password guesser. */
	CLAIMS("fred", "svcport-portal", now + 600);
	jwt_make(&idp, &rng, "{\"alg\":\"none\"}", claims, jwt, sizeof(jwt));
	fed_login(jwt, 429, "RATE_LIMITED");
	assert_true(count_rows("DELETE FROM login_failures RETURNING 1;") == 1);
	fed_login(jwt, 401, "UNAUTHENTICATED");
	fed_login("not.a-jwt", 401, "UNAUTHENTICATED");
	/* The subject is a user of another organisation. */
	CLAIMS("zed", "svcport-portal", now + 600);
	jwt_make(&idp, &rng, hdr, claims, jwt, sizeof(jwt));
	fed_login(jwt, 403, "NOT_OWNER");
	assert_int_equal(count_rows("SELECT count(*) FROM users;"), users);
	/* A valid assertion: fred is registered with the Base role, which can do nothing. */
	CLAIMS("fred", "svcport-portal", now + 600);
	jwt_make(&idp, &rng, hdr, claims, jwt, sizeof(jwt));
	fed_login(jwt, 200, NULL);
	assert_int_equal(count_rows("SELECT count(*) FROM users WHERE name='fred' AND org='acme'"
	                            " AND role=4;"),
	                 1);
	mbedtls_pk_free(&rogue);
	mbedtls_pk_free(&idp);
	pki_rng_free(&rng);
}

/* The certificates on demand over the API, and the running service picks them up. */
static void test_https_api(void **state)
{
	const char *alice = login("alice", 0), *ops;
	char u[128], out[8192];
	json_t *j = NULL;

	(void)state;
	expect(403, "ROLE_FORBIDDEN", "POST", "/api/v1/https/ca", alice, NULL, NULL);
	file_put("pw", "ops-password-1\n", 15);
	json_decref(portal_cli(0, "user", "add", "ops", "--org", "acme", "--role", "base",
	                       "--password-file", path_in("pw"), NULL));
	json_decref(portal_cli(0, "user", "admin", "ops", NULL));
	ops = login("ops", 1);
	/* The organisations: portal administrators only; the list says who has what. */
	expect(403, "ROLE_FORBIDDEN", "GET", "/api/v1/orgs", alice, NULL, NULL);
	assert_int_equal(api("GET", "/api/v1/orgs", ops, NULL, NULL, &j), 200);
	{
		json_t *acme = json_array_get(json_object_get(j, "orgs"), 0);

		assert_int_equal(json_array_size(json_object_get(j, "orgs")), 2);
		assert_string_equal(jstr(acme, "org"), "acme");
		assert_int_equal(json_integer_value(json_object_get(acme, "users")),
		                 count_rows("SELECT count(*) FROM users WHERE org='acme';"));
		assert_int_equal(json_integer_value(json_object_get(acme, "devices")), 1);
		assert_string_equal(jstr(acme, "idp_issuer"), "https://adfs.acme.example");
	}
	json_decref(j);
	j = portal_cli(0, "org", "list", NULL);
	assert_int_equal(json_array_size(json_object_get(j, "orgs")), 2);
	json_decref(j);
	expect(201, NULL, "POST", "/api/v1/orgs", ops, NULL, "{\"org\":\"gamma\"}");
	expect(409, "EXISTS", "POST", "/api/v1/orgs", ops, NULL, "{\"org\":\"gamma\"}");
	assert_int_equal(count_rows("SELECT count(*) FROM orgs;"), 3);
	assert_int_equal(api("POST", "/api/v1/https/csr", ops, NULL, NULL, &j), 200);
	assert_non_null(strstr(jstr(j, "csr"), "BEGIN CERTIFICATE REQUEST"));
	json_decref(j);
	expect(400, "BAD_REQUEST", "POST", "/api/v1/https/chain", ops, NULL,
	       "{\"chain\":\"not a chain\"}");
	expect(200, NULL, "POST", "/api/v1/https/ca", ops, NULL, NULL);
	/* New connections get the new chain: the old anchor no longer works, the new one does. */
	snprintf(u, sizeof(u), "%s/api/v1/certificate.pem", url);
	assert_int_equal(SPAWN_RUN(NULL, out, "curl", "-sS", "--cacert", ca, u), 60);
	json_decref(portal_cli(0, "https", "download", "--out", ca, NULL));
	assert_int_equal(SPAWN_RUN(NULL, out, "curl", "-sS", "--cacert", ca, u), 0);
	assert_true(count_rows("SELECT count(*) FROM audit WHERE action='https.regen_ca'"
	                       " AND result='OK';") == 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_transfers),
	    cmocka_unit_test(test_ready_mark),
	    cmocka_unit_test(test_key_update_and_lists),
	    cmocka_unit_test(test_https_lifecycle),
	    cmocka_unit_test(test_federation),
	    cmocka_unit_test(test_https_api),
	};

	return cmocka_run_group_tests(tests, flows_setup, serve_teardown);
}
