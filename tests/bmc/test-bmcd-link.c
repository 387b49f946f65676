// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The link credentials the real svcport-bmcd exports with --link-dir
 * (docs/certs.md), on both secure-element back-ends (also run as
 * test-bmcd-link-pkcs11): the four files, their modes, the key that matches
 * the chain's leaf (openssl), the chain that verifies (openssl verify), the
 * CA statement that verifies with the device key; a restart exports again.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <mbedtls/asn1write.h>
#include <mbedtls/pk.h>
#include <mbedtls/sha256.h>
#include <mbedtls/x509_crt.h>
#include <pb_decode.h>

#include "linktest.h"
#include "proc.h"
#include "procworld.h"
#include "testpki.h"

static struct tworld W;
static struct linktest L;

static int setup(void **state)
{
	tworld_setup(&W, "bmc");
	bmc_close(W.bmc);
	W.bmc = NULL;
	return linktest_start(&L, W.dir, W.state, NULL, NULL);
}

static int teardown(void **state)
{
	linktest_stop(&L);
	tworld_teardown(&W);
	return 0;
}

/* The directory holds the four files and nothing else (no temporary file left). */
static void only_the_four_files(void)
{
	int n = 0;
	DIR *d = opendir(L.link);
	struct dirent *e;

	assert_non_null(d);
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		assert_true(strcmp(e->d_name, "link.key") == 0 ||
		            strcmp(e->d_name, "link-chain.pem") == 0 ||
		            strcmp(e->d_name, "link-internal-chain.pem") == 0 ||
		            strcmp(e->d_name, "ca-statement.pb") == 0);
		n++;
	}
	closedir(d);
	assert_int_equal(n, 4);
}

static void files_exported(void **state)
{
	const char *names[] = {"link.key", "link-chain.pem", "link-internal-chain.pem",
	                       "ca-statement.pb"};
	char path[PATH_MAX + 32];
	struct stat sb;

	only_the_four_files();
	for (size_t i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s", L.link, names[i]);
		assert_int_equal(stat(path, &sb), 0);
		assert_true(S_ISREG(sb.st_mode));
		assert_int_equal(sb.st_mode & 07777, 0640);
	}
	linktest_check(&L, TPKI_T0_MS / 1000u + 60u);
}

/* The statement is the device key's word for the CA the chain ends in. */
static void statement_verifies(void **state)
{
	svcport_v1_CaStatement s;
	svcport_v1_CaStatementBody body;
	const svcport_v1_BmcState *st;

	linktest_statement(&L, &tpki_get()->device_key, true, &s, &body);
	/* No external chain: the portal link's chain is link-chain.pem's bytes. */
	linktest_check_internal(&L, TPKI_T0_MS / 1000u + 60u, &body, true);
	assert_true(body.has_device);
	assert_string_equal(body.device.machine_type, "7D1A");
	assert_int_equal(body.issued_at, TPKI_T0_MS / 1000u);
	/* The same CA as the state's. */
	tworld_reopen(&W);
	st = bmc_state(W.bmc);
	assert_int_equal(body.internal_ca_certificate.size, st->internal_ca_certificate.size);
	assert_memory_equal(body.internal_ca_certificate.bytes, st->internal_ca_certificate.bytes,
	                    st->internal_ca_certificate.size);
	bmc_close(W.bmc);
	W.bmc = NULL;
}

/* Gone files come back at the next start; the key stays the same (sealed in the state). */
static void restart_exports_again(void **state)
{
	char key1[1024], key2[1024];
	char path[PATH_MAX + 32];
	long n1, n2;

	snprintf(path, sizeof(path), "%s/link.key", L.link);
	n1 = proc_slurp(path, key1, sizeof(key1));
	assert_true(n1 > 0);
	linktest_stop(&L);
	assert_int_equal(unlink(path), 0);
	snprintf(path, sizeof(path), "%s/link-chain.pem", L.link);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(linktest_start(&L, W.dir, W.state, NULL, NULL), 0);
	only_the_four_files();
	snprintf(path, sizeof(path), "%s/link.key", L.link);
	n2 = proc_slurp(path, key2, sizeof(key2));
	assert_int_equal(n1, n2);
	assert_memory_equal(key1, key2, (size_t)n1);
	linktest_check(&L, TPKI_T0_MS / 1000u + 60u);
}

/* The link key is not in state.pb in the clear: only sealed. */
static void key_only_sealed_in_state(void **state)
{
	mbedtls_pk_context key;
	unsigned char d[32];
	char path[PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/link.key", L.link);
	mbedtls_pk_init(&key);
	assert_int_equal(mbedtls_pk_parse_keyfile(&key, path, NULL), 0);
	assert_int_equal(mbedtls_mpi_write_binary(&mbedtls_pk_ec(key)->d, d, sizeof(d)), 0);
	assert_false(tworld_file_contains(&W, "state.pb", d, sizeof(d)));
	mbedtls_pk_free(&key);
}

/* No --link-dir: nothing is written; a missing folder does not stop bmcd serving. */
static void missing_folder_is_not_fatal(void **state)
{
	char out[4096];

	linktest_stop(&L);
	assert_int_equal(linktest_start(&L, W.dir, W.state, "/nonexistent/svcport-link", NULL), 0);
	assert_int_equal(
	    proc_bmcctl_run(L.admin, out, sizeof(out), (const char *const[]){"status", NULL}), 0);
}

static void keys_forget(svcport_v1_BmcState *st, void *arg)
{
	st->link_key_sealed.size = 0;
	st->internal_ca_key_sealed.size = 0;
}

/* A state from before issue 16 (no sealed keys): a new CA and link key at start, audited. */
static void old_state_gets_keys(void **state)
{
	static const char what[] = "keys moved out of the secure element";
	static char log[65536];
	char key1[1024], key2[1024], path[PATH_MAX + 32], audit[PATH_MAX + 32];
	long n1, n2;

	snprintf(path, sizeof(path), "%s/link.key", L.link);
	n1 = proc_slurp(path, key1, sizeof(key1));
	linktest_stop(&L);
	tworld_edit_state(&W, keys_forget, NULL);
	bmc_close(W.bmc);
	W.bmc = NULL;
	assert_int_equal(linktest_start(&L, W.dir, W.state, NULL, NULL), 0);
	n2 = proc_slurp(path, key2, sizeof(key2));
	assert_true(n1 > 0 && n2 > 0);
	assert_true(n1 != n2 || memcmp(key1, key2, (size_t)n1) != 0);
	linktest_check(&L, (uint64_t)time(NULL) + 60u);
	snprintf(audit, sizeof(audit), "%s/audit.log", W.state);
	n1 = proc_slurp(audit, log, sizeof(log));
	assert_true(n1 > 0);
	assert_non_null(memmem(log, (size_t)n1, what, strlen(what)));
}

/*
 * der (its size *size) as bmcd wrote it before the repair (Debian's mbedTLS 2.28.3): a NULL
 * after ecdsa-with-SHA256 in both AlgorithmIdentifiers. The signature no longer matches;
 * the repair signs again anyway.
 */
static void null_put_back(unsigned char *der, pb_size_t *size)
{
	const unsigned char seq = MBEDTLS_ASN1_SEQUENCE | MBEDTLS_ASN1_CONSTRUCTED;
	unsigned char *p = der, *end = der + *size, *tbs, *head, *oid, *tail, *sig;
	unsigned char out[2048], *c = out + sizeof(out);
	size_t n, oid_len, head_len, tail_len, sig_len;
	int t = 0, a = 0;

	assert_int_equal(mbedtls_asn1_get_tag(&p, end, &n, seq), 0);
	assert_int_equal(mbedtls_asn1_get_tag(&p, end, &n, seq), 0);
	tbs = p + n;
	head = p;
	assert_int_equal(mbedtls_asn1_get_tag(
	                     &p, end, &n, MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED),
	                 0);
	p += n;
	assert_int_equal(mbedtls_asn1_get_tag(&p, end, &n, MBEDTLS_ASN1_INTEGER), 0);
	p += n;
	head_len = (size_t)(p - head);
	assert_int_equal(mbedtls_asn1_get_tag(&p, end, &n, seq), 0);
	assert_int_equal(n, 10); /* SEQUENCE { ecdsa-with-SHA256 }: no NULL yet */
	assert_int_equal(mbedtls_asn1_get_tag(&p, end, &oid_len, MBEDTLS_ASN1_OID), 0);
	oid = p;
	tail = p + oid_len;
	tail_len = (size_t)(tbs - tail);
	p = tbs;
	assert_int_equal(mbedtls_asn1_get_tag(&p, end, &n, seq), 0);
	sig = p + n;
	sig_len = (size_t)(end - sig);
	/* Backwards: signature, algorithm, then the TBSCertificate, each wrapped. */
	assert_true(mbedtls_asn1_write_raw_buffer(&c, out, sig, sig_len) > 0);
	a = mbedtls_asn1_write_algorithm_identifier(&c, out, (const char *)oid, oid_len, 0);
	assert_true(a > 0);
	t += mbedtls_asn1_write_raw_buffer(&c, out, tail, tail_len);
	t += mbedtls_asn1_write_algorithm_identifier(&c, out, (const char *)oid, oid_len, 0);
	t += mbedtls_asn1_write_raw_buffer(&c, out, head, head_len);
	t += mbedtls_asn1_write_len(&c, out, (size_t)t);
	t += mbedtls_asn1_write_tag(&c, out, seq);
	n = (size_t)t + (size_t)a + sig_len;
	n += (size_t)mbedtls_asn1_write_len(&c, out, n);
	n += (size_t)mbedtls_asn1_write_tag(&c, out, seq);
	assert_true(n <= 1024);
	memcpy(der, c, n);
	*size = (pb_size_t)n;
}

static void nulls_put_back(svcport_v1_BmcState *st, void *arg)
{
	null_put_back(st->internal_ca_certificate.bytes, &st->internal_ca_certificate.size);
	null_put_back(st->link_certificate.bytes, &st->link_certificate.size);
}

/* A state whose certificates carry mbedTLS 2.28.3's NULL (written before the repair): bmcd
 * re-encodes them at start, same content and keys, audited once. */
static void old_state_certificates_repaired(void **state)
{
	static const char what[] = "signature algorithm as RFC 5758";
	static char log[65536];
	char key1[1024], key2[1024], path[PATH_MAX + 32], audit[PATH_MAX + 32];
	long n1, n2;

	snprintf(path, sizeof(path), "%s/link.key", L.link);
	n1 = proc_slurp(path, key1, sizeof(key1));
	linktest_check(&L, TPKI_T0_MS / 1000u + 60u);
	assert_int_equal(linktest_sh("cd '%s' && openssl x509 -in leaf.pem -noout -serial > s1 && "
	                             "openssl x509 -in anchor.pem -noout -serial >> s1",
	                             W.dir),
	                 0);
	linktest_stop(&L);
	tworld_edit_state(&W, nulls_put_back, NULL);
	bmc_close(W.bmc);
	W.bmc = NULL;
	assert_int_equal(linktest_start(&L, W.dir, W.state, NULL, NULL), 0);
	/* The export has no NULL and verifies (linktest_check); the same key and serials. */
	linktest_check(&L, TPKI_T0_MS / 1000u + 60u);
	n2 = proc_slurp(path, key2, sizeof(key2));
	assert_true(n1 > 0 && n1 == n2 && memcmp(key1, key2, (size_t)n1) == 0);
	assert_int_equal(
	    linktest_sh("cd '%s' && openssl x509 -in leaf.pem -noout -serial > s2 && "
	                "openssl x509 -in anchor.pem -noout -serial >> s2 && cmp -s s1 s2",
	                W.dir),
	    0);
	snprintf(audit, sizeof(audit), "%s/audit.log", W.state);
	n1 = proc_slurp(audit, log, sizeof(log));
	assert_true(n1 > 0);
	assert_non_null(memmem(log, (size_t)n1, what, strlen(what)));
	/* Once: a restart finds nothing to repair. */
	linktest_stop(&L);
	assert_int_equal(linktest_start(&L, W.dir, W.state, NULL, NULL), 0);
	n2 = proc_slurp(audit, log, sizeof(log));
	assert_int_equal(n1, n2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(files_exported, setup, teardown),
	    cmocka_unit_test_setup_teardown(statement_verifies, setup, teardown),
	    cmocka_unit_test_setup_teardown(restart_exports_again, setup, teardown),
	    cmocka_unit_test_setup_teardown(key_only_sealed_in_state, setup, teardown),
	    cmocka_unit_test_setup_teardown(missing_folder_is_not_fatal, setup, teardown),
	    cmocka_unit_test_setup_teardown(old_state_gets_keys, setup, teardown),
	    cmocka_unit_test_setup_teardown(old_state_certificates_repaired, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
