// SPDX-License-Identifier: GPL-2.0-or-later
/* Link credentials and log waits for the online activation tests (see online-fixture.h). */
#include "online-fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/sha256.h>
#include <mbedtls/x509_crt.h>

#include "pbio.h"
#include "server.h"
#include "svcport.pb.h"
#include "test-spawn.h"

#define PREFIX "svcport ca-statement v1"

static void openssl_ok(char *const argv[])
{
	static char out[8192];

	if (spawn_run(NULL, out, sizeof(out), argv) != 0)
		fail_msg("openssl %s failed: %s", argv[1], out);
}

static const char *in(const char *dir, const char *name, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s/%s", dir, name);
	return buf;
}

void online_ca_make(const char *dir)
{
	char key[300], pem[300];

	mkdir(dir, 0755);
	openssl_ok((char *const[]){"openssl",
	                           "req",
	                           "-x509",
	                           "-newkey",
	                           "ec",
	                           "-pkeyopt",
	                           "ec_paramgen_curve:P-256",
	                           "-nodes",
	                           "-keyout",
	                           (char *)in(dir, "ca.key", key, sizeof(key)),
	                           "-out",
	                           (char *)in(dir, "ca.pem", pem, sizeof(pem)),
	                           "-days",
	                           "30",
	                           "-subj",
	                           "/CN=svcport internal CA",
	                           "-addext",
	                           "basicConstraints=critical,CA:TRUE",
	                           "-addext",
	                           "keyUsage=critical,keyCertSign,cRLSign",
	                           NULL});
}

static void file_cat(const char *out, const char *a, const char *b)
{
	FILE *o = fopen(out, "w");
	char buf[4096];

	assert_non_null(o);
	for (const char *p = a; p; p = p == a ? b : NULL) {
		FILE *f = fopen(p, "r");
		size_t n;

		assert_non_null(f);
		while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
			assert_int_equal(fwrite(buf, 1, n, o), n);
		fclose(f);
	}
	fclose(o);
}

void online_leaf_make(const char *dir, const char *ca_dir, const char *serial)
{
	char key[300], csr[300], pem[300], chain[300], cakey[300], capem[300], subj[160];

	mkdir(dir, 0755);
	snprintf(subj, sizeof(subj), "/CN=%s/serialNumber=%s/OU=svcport link", serial, serial);
	openssl_ok((char *const[]){
	    "openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
	    "-nodes", "-keyout", (char *)in(dir, "link.key", key, sizeof(key)), "-out",
	    (char *)in(dir, "link.csr", csr, sizeof(csr)), "-subj", subj, NULL});
	openssl_ok((char *const[]){"openssl", "x509", "-req", "-in", csr, "-CA",
	                           (char *)in(ca_dir, "ca.pem", capem, sizeof(capem)), "-CAkey",
	                           (char *)in(ca_dir, "ca.key", cakey, sizeof(cakey)),
	                           "-set_serial", "4242", "-days", "30", "-out",
	                           (char *)in(dir, "link.pem", pem, sizeof(pem)), NULL});
	/* As bmcd exports without an external chain: the portal link's chain the same, first. */
	file_cat(in(dir, "link-internal-chain.pem", chain, sizeof(chain)), pem, capem);
	file_cat(in(dir, "link-chain.pem", chain, sizeof(chain)), pem, capem);
	/* The gateway runs as another user in these tests (bmcd's export: 0640, group svcport). */
	chmod(key, 0644);
}

static void sign(const char *key_path, const uint8_t *msg, size_t len, uint8_t *sig,
                 size_t *sig_len)
{
	mbedtls_pk_context key;
	mbedtls_entropy_context ent;
	mbedtls_ctr_drbg_context drbg;
	uint8_t hash[32];

	mbedtls_pk_init(&key);
	mbedtls_entropy_init(&ent);
	mbedtls_ctr_drbg_init(&drbg);
	assert_int_equal(mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &ent, NULL, 0), 0);
	assert_int_equal(mbedtls_pk_parse_keyfile(&key, key_path, NULL), 0);
	assert_int_equal(mbedtls_sha256_ret(msg, len, hash, 0), 0);
	assert_int_equal(mbedtls_pk_sign(&key, MBEDTLS_MD_SHA256, hash, 0, sig, sig_len,
	                                 mbedtls_ctr_drbg_random, &drbg),
	                 0);
	mbedtls_pk_free(&key);
	mbedtls_ctr_drbg_free(&drbg);
	mbedtls_entropy_free(&ent);
}

static void file_write(const char *path, const uint8_t *buf, size_t len)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	fclose(f);
	chmod(path, 0644);
}

void online_statement_make(const char *out, const char *ca_dir, const char *mt, const char *sn,
                           const char *key_path, uint64_t issued_at)
{
	static svcport_v1_CaStatementBody b;
	static svcport_v1_CaStatement s;
	uint8_t msg[sizeof(PREFIX) + sizeof(s.body.bytes)], enc[svcport_v1_CaStatement_size];
	mbedtls_x509_crt ca;
	char capem[300];
	size_t len = 0, sig_len = 0;

	memset(&b, 0, sizeof(b));
	memset(&s, 0, sizeof(s));
	mbedtls_x509_crt_init(&ca);
	assert_int_equal(
	    mbedtls_x509_crt_parse_file(&ca, in(ca_dir, "ca.pem", capem, sizeof(capem))), 0);
	assert_true(ca.raw.len <= sizeof(b.internal_ca_certificate.bytes));
	memcpy(b.internal_ca_certificate.bytes, ca.raw.p, ca.raw.len);
	b.internal_ca_certificate.size = (pb_size_t)ca.raw.len;
	mbedtls_x509_crt_free(&ca);
	b.has_device = true;
	snprintf(b.device.machine_type, sizeof(b.device.machine_type), "%s", mt);
	snprintf(b.device.serial_number, sizeof(b.device.serial_number), "%s", sn);
	b.issued_at = issued_at;
	assert_int_equal(pbio_encode(svcport_v1_CaStatementBody_fields, &b, s.body.bytes,
	                             sizeof(s.body.bytes), &len),
	                 0);
	s.body.size = (pb_size_t)len;
	memcpy(msg, PREFIX, sizeof(PREFIX));
	memcpy(msg + sizeof(PREFIX), s.body.bytes, len);
	sign(key_path, msg, sizeof(PREFIX) + len, s.signature.bytes, &sig_len);
	s.signature.size = (pb_size_t)sig_len;
	assert_int_equal(pbio_encode(svcport_v1_CaStatement_fields, &s, enc, sizeof(enc), &len), 0);
	file_write(out, enc, len);
}

void online_linkdir_make(const char *dir, const char *mt, const char *sn, const char *key_path)
{
	char serial[64], st[300];

	snprintf(serial, sizeof(serial), "%s-%s", mt, sn);
	online_ca_make(dir);
	online_leaf_make(dir, dir, serial);
	online_statement_make(in(dir, "ca-statement.pb", st, sizeof(st)), dir, mt, sn, key_path,
	                      (uint64_t)time(NULL));
}

void online_request_make(const char *out, const char *statement_path, const char *mt,
                         const char *sn)
{
	static svcport_v1_OnlineActivationRequest r;
	static svcport_v1_ChallengeBody cb;
	static uint8_t buf[svcport_v1_CaStatement_size + 1], enc[4096];
	FILE *f = fopen(statement_path, "r");
	size_t n, len = 0;

	memset(&r, 0, sizeof(r));
	memset(&cb, 0, sizeof(cb));
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	assert_int_equal(pbio_decode(svcport_v1_CaStatement_fields, &r.statement, buf, n), 0);
	r.has_statement = r.has_challenge = true;
	cb.nonce.size = 16;
	cb.has_device = true;
	snprintf(cb.device.machine_type, sizeof(cb.device.machine_type), "%s", mt);
	snprintf(cb.device.serial_number, sizeof(cb.device.serial_number), "%s", sn);
	cb.issued_at = (uint64_t)time(NULL);
	cb.expires_at = cb.issued_at + 300;
	assert_int_equal(pbio_encode(svcport_v1_ChallengeBody_fields, &cb, r.challenge.body.bytes,
	                             sizeof(r.challenge.body.bytes), &len),
	                 0);
	r.challenge.body.size = (pb_size_t)len;
	r.challenge.signature.size = 8; /* not a signature: never reached in these tests */
	assert_int_equal(
	    pbio_encode(svcport_v1_OnlineActivationRequest_fields, &r, enc, sizeof(enc), &len), 0);
	file_write(out, enc, len);
}

long online_log_mark(const char *path)
{
	return server_log_size(path);
}

long online_log_wait(const char *path, long from, const char *needle, int timeout_ms)
{
	long at = -1;

	if (server_log_wait(path, from, needle, timeout_ms, &at) < 0) {
		char line[1024];
		FILE *f = fopen(path, "r");

		/* What the link said (its own lines; the sessions' are many). */
		fprintf(stderr, "---- %s, the link's lines:\n", path);
		while (f && fgets(line, sizeof(line), f))
			if (strstr(line, ": link ") || strstr(line, "suppressed"))
				fputs(line, stderr);
		if (f)
			fclose(f);
		fail_msg("no \"%s\" in %s within %d ms", needle, path, timeout_ms);
	}
	return at;
}
