// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The BMC past 2038 (docs/arm.md). On Debian armhf time_t is 32-bit: these
 * tests run there under qemu (scripts/test-armhf) as well as natively, with
 * the BMC's clock at 2040 and 2100, certificates valid 2039-2060 or to 9999,
 * device certificates issued in 2040 and 2100, and state files, sockets and
 * audit log last changed in 2040, which fstat()/lstat() cannot describe with
 * a 32-bit time_t.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <mbedtls/sha256.h>
#include <mbedtls/x509_crt.h>

#include "certwrite.h"
#include "gwclient.h"
#include "se.h"
#include "state.h"
#include "x509check.h"

#define E(x)   svcport_v1_ErrorCode_##x
#define TAG(x) svcport_v1_CommandBody_##x##_tag

/* Seconds since the epoch (UTC). */
#define T_2038_06_01 2158963200ll
#define T_2040_01_01 2208988800ll
#define T_2060_LAST  2871763199ll /* 2060-12-31T23:59:59 */
#define T_2061_01_01 2871763200ll
#define T_2100_01_01 4102444800ll
#define T_2106_02_07 4294967296ll /* 2^32: 1970 again in 32 unsigned bits */

static struct tworld W;
static svcport_v1_CommandBody body;
static svcport_v1_SignedCommand cmd;
static struct tsnap snap;

static int setup(void **state)
{
	tworld_setup(&W, "portal");
	return 0;
}

static int teardown(void **state)
{
	tworld_teardown(&W);
	return 0;
}

static size_t cert(const struct tpki_cert *c, unsigned char der[1024])
{
	int n = tpki_cert_der(c, der, 1024);

	assert_true(n > 0);
	return (size_t)n;
}

/* A command signer under the factory's root, valid 2039-01-01 to 2060-12-31. */
static size_t signer_2039_2060(unsigned char der[1024])
{
	const struct tpki *p = tpki_get();

	return cert(&(struct tpki_cert){.subject = "CN=svcport signer 2039-2060",
	                                .key = (mbedtls_pk_context *)&p->signer_key,
	                                .issuer = "CN=svcport test root",
	                                .issuer_key = (mbedtls_pk_context *)&p->root_key,
	                                .key_usage = MBEDTLS_X509_KU_DIGITAL_SIGNATURE,
	                                .eku_cmd = true,
	                                .not_before = "20390101000000",
	                                .not_after = "20601231235959"},
	            der);
}

static svcport_v1_ErrorCode submit_at(int64_t now_s, pb_size_t tag, const unsigned char *der,
                                      size_t len)
{
	const unsigned char *certs[1] = {der};

	W.now_ms = (uint64_t)now_s * 1000u;
	tworld_body(&W, &body, tag, svcport_v1_Role_ROLE_ORG_ADMIN, TPKI_ORG);
	tworld_sign(&body, NULL, certs, &len, 1, &cmd);
	return tworld_submit(&W, &cmd, svcport_v1_LinkKind_LINK_USB, true, NULL);
}

static void expect_untrusted_at(int64_t now_s, pb_size_t tag, const unsigned char *der, size_t len)
{
	tworld_snap(&W, &snap);
	assert_int_equal(submit_at(now_s, tag, der, len), E(UNTRUSTED_SIGNER));
	assert_true(tworld_is_unchanged(&W, &snap));
}

/* The BMC's clock decides, in 64 bits: before 2039 not yet, 2040 and the
 * last second of 2060 yes, 2061 no (the cached fingerprint neither). */
static void signer_valid_2039_to_2060(void **state)
{
	unsigned char der[1024];
	const size_t len = signer_2039_2060(der);

	expect_untrusted_at(T_2038_06_01, TAG(claim), der, len);
	assert_int_equal(submit_at(T_2040_01_01, TAG(claim), der, len), E(ERROR_NONE));
	assert_string_equal(bmc_state(W.bmc)->owner_org, TPKI_ORG);
	assert_int_equal(submit_at(T_2060_LAST, TAG(activate), der, len), E(ERROR_NONE));
	expect_untrusted_at(T_2061_01_01, TAG(claim), der, len);
	cmd.which_signer = svcport_v1_SignedCommand_signer_sha256_tag;
	mbedtls_sha256_ret(der, len, cmd.signer.signer_sha256.bytes, 0);
	cmd.signer.signer_sha256.size = 32;
	tworld_snap(&W, &snap);
	assert_int_equal(tworld_submit(&W, &cmd, svcport_v1_LinkKind_LINK_USB, true, NULL),
	                 E(UNTRUSTED_SIGNER));
	assert_true(tworld_is_unchanged(&W, &snap));
}

/* 2100: the factory's root (to 2099-12-31) has expired; nothing passes. */
static void clock_at_2100_outlives_the_root(void **state)
{
	const struct tpki *p = tpki_get();

	expect_untrusted_at(T_2100_01_01, TAG(claim), p->signer, p->signer_len);
}

/* Chains judged at 2100 and at 2^32 seconds, with a root valid to 9999. */
static void chains_at_2100_and_2106(void **state)
{
	const struct tpki *p = tpki_get();
	unsigned char root_der[1024], leaf_der[1024];
	mbedtls_x509_crt root, leaf;
	bool cacheable = false;

	mbedtls_x509_crt_init(&root);
	mbedtls_x509_crt_init(&leaf);
	assert_int_equal(
	    mbedtls_x509_crt_parse_der(
	        &root, root_der,
	        cert(&(struct tpki_cert){.subject = "CN=root 2039-9999",
	                                 .key = (mbedtls_pk_context *)&p->other_root_key,
	                                 .ca = true,
	                                 .key_usage = MBEDTLS_X509_KU_KEY_CERT_SIGN,
	                                 .not_before = "20390101000000",
	                                 .not_after = "99991231235959"},
	             root_der)),
	    0);
	assert_int_equal(
	    mbedtls_x509_crt_parse_der(
	        &leaf, leaf_der,
	        cert(&(struct tpki_cert){.subject = "CN=signer 2090-2110",
	                                 .key = (mbedtls_pk_context *)&p->signer_key,
	                                 .issuer = "CN=root 2039-9999",
	                                 .issuer_key = (mbedtls_pk_context *)&p->other_root_key,
	                                 .key_usage = MBEDTLS_X509_KU_DIGITAL_SIGNATURE,
	                                 .eku_cmd = true,
	                                 .not_before = "20900101000000",
	                                 .not_after = "21100101000000"},
	             leaf_der)),
	    0);
	assert_int_equal(leaf.valid_to.year, 2110);

	assert_true(x509_check_signer_chain(&leaf, &root, T_2100_01_01, &cacheable));
	assert_true(cacheable);
	assert_true(x509_is_trusted_signer_chain(&leaf, &root, T_2106_02_07));
	assert_false(x509_is_trusted_signer_chain(&leaf, &root, T_2040_01_01));
	assert_false(x509_is_trusted_signer_chain(&leaf, &root, 4417977601ll)); /* 2110 + 1 s */
	assert_true(x509_is_valid_at(&root, T_2040_01_01));
	assert_true(x509_is_valid_at(&root, 253402300799ll)); /* 9999-12-31T23:59:59 */
	assert_false(x509_is_valid_at(&root, 253402300800ll));
	assert_false(x509_is_valid_at(&root, UINT64_MAX));
	assert_false(x509_is_valid_at(&root, T_2038_06_01));
	mbedtls_x509_crt_free(&leaf);
	mbedtls_x509_crt_free(&root);
}

/* A self-signed CA for key dated now_s: how devcerts.c issues the internal CA. */
static int issue_at(mbedtls_pk_context *key, uint64_t now_s, unsigned char *der, size_t cap)
{
	const struct certwrite w = {.subject_key = key,
	                            .issuer_key = key,
	                            .subject = "CN=ca",
	                            .issuer = "CN=ca",
	                            .ca = true,
	                            .now_s = now_s};

	return certwrite_crt(&w, der, cap, &W.env);
}

static void expect_issued_at(mbedtls_pk_context *key, int64_t now_s, int year)
{
	unsigned char der[1024];
	mbedtls_x509_crt crt;
	int n = issue_at(key, (uint64_t)now_s, der, sizeof(der));

	assert_true(n > 0);
	mbedtls_x509_crt_init(&crt);
	assert_int_equal(mbedtls_x509_crt_parse_der(&crt, der, (size_t)n), 0);
	assert_int_equal(crt.valid_from.year, year);
	assert_int_equal(crt.valid_from.mon, 1);
	assert_int_equal(crt.valid_from.day, 1);
	assert_int_equal(crt.valid_from.hour, 0);
	assert_int_equal(crt.valid_to.year, 9999);
	assert_true(x509_is_valid_at(&crt, (uint64_t)now_s));
	assert_false(x509_is_valid_at(&crt, (uint64_t)now_s - 1));
	mbedtls_x509_crt_free(&crt);
}

/* The device dates its certificates from the 64-bit clock (the SE's key signs here). */
static void device_certificates_issued_in_2040_and_2100(void **state)
{
	struct se *se = NULL;
	unsigned char der[1024];
	mbedtls_pk_context key;

	mbedtls_pk_init(&key);
	assert_int_equal(se_open(W.state, &W.env, &se), 0);
	assert_int_equal(se_pk_setup(se, SE_KEY_DEVICE, &key), 0);
	expect_issued_at(&key, T_2040_01_01, 2040);
	expect_issued_at(&key, T_2100_01_01, 2100);
	/* A clock X.509 cannot write is refused, not wrapped. */
	assert_int_equal(issue_at(&key, 253402300800ull, der, sizeof(der)), -EINVAL);
	mbedtls_pk_free(&key);
	se_close(se);
}

/* Sets every file under dir (sockets included, symlinks themselves) to
 * 2040-01-01 with the build machine's touch: a 32-bit time_t program cannot
 * name that time (on armhf the test runs under qemu; touch runs natively). */
static void touch_tree_2040(const char *dir)
{
	const char *argv[] = {"/usr/bin/find",
	                      dir,
	                      "-exec",
	                      "/usr/bin/touch",
	                      "-h",
	                      "-d",
	                      "@2208988800",
	                      "{}",
	                      "+",
	                      NULL};
	char out[64];

	assert_int_equal(proc_run(argv, out, sizeof(out)), 0);
}

/* The store, read and appended to when its files were last changed in 2040. */
static void state_files_changed_in_2040(void **state)
{
	unsigned char der[1024];
	const size_t len = signer_2039_2060(der);
	const uint64_t audit_before = bmc_state(W.bmc)->audit_count;

	touch_tree_2040(W.dir);
	tworld_reopen(&W);
	assert_non_null(W.bmc);
	assert_int_equal(submit_at(T_2040_01_01, TAG(claim), der, len), E(ERROR_NONE));
	assert_int_equal(bmc_state(W.bmc)->audit_count, audit_before + 1);
	touch_tree_2040(W.dir);
	tworld_reopen(&W);
	assert_int_equal(bmc_state(W.bmc)->audit_count, audit_before + 1);
	assert_string_equal(bmc_state(W.bmc)->owner_org, TPKI_ORG);
}

/* svcport-bmcd restarts over its stale sockets and state from 2040, and works. */
static void bmcd_restarts_on_files_from_2040(void **state)
{
	char gw[PATH_MAX], admin[PATH_MAX];
	static svcport_v1_CommandBody b;
	pid_t pid;
	int fd;

	bmc_close(W.bmc);
	W.bmc = NULL;
	snprintf(gw, sizeof(gw), "%s/gw.sock", W.dir);
	snprintf(admin, sizeof(admin), "%s/admin.sock", W.dir);
	pid = proc_bmcd_start(W.state, gw, admin, NULL, true);
	assert_true(pid > 0);
	proc_stop(pid, SIGKILL); /* leaves both socket files behind */
	touch_tree_2040(W.dir);

	pid = proc_bmcd_start(W.state, gw, admin, NULL, true);
	assert_true(pid > 0);
	fd = proc_gw_connect(gw);
	assert_true(fd >= 0);
	assert_int_equal(gw_body(fd, &b, TAG(claim), svcport_v1_Role_ROLE_ORG_ADMIN, TPKI_ORG), 0);
	assert_int_equal(gw_submit_send(fd, &b, svcport_v1_LinkKind_LINK_USB, true), 0);
	assert_int_equal(gw_submit_wait(fd), E(ERROR_NONE));
	close(fd);
	assert_int_equal(WTERMSIG(proc_stop(pid, SIGKILL)), SIGKILL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(signer_valid_2039_to_2060, setup, teardown),
	    cmocka_unit_test_setup_teardown(clock_at_2100_outlives_the_root, setup, teardown),
	    cmocka_unit_test(chains_at_2100_and_2106),
	    cmocka_unit_test_setup_teardown(device_certificates_issued_in_2040_and_2100, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(state_files_changed_in_2040, setup, teardown),
	    cmocka_unit_test_setup_teardown(bmcd_restarts_on_files_from_2040, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
