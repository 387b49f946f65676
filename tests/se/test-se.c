// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The secure element through se.h, on the back-end SVCPORT_TEST_SE selects
 * (file, or pkcs11 on this process's SoftHSM2 token): a key generated inside
 * signs, a certificate and a CSR made with the external signer verify, a TLS
 * handshake signs with the SE's key, counter/latch/MAC keep their rules, the
 * retired internal CA and link keys are neither made nor needed; on the
 * token: no key can be read out, and bad PINs, PIN files, labels and
 * extractable keys are refused.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/entropy.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/sha256.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_csr.h>
#include <p11-kit/pkcs11.h>

#include "se.h"
#include "softhsm.h"

static char dir[PATH_MAX - 64], state[PATH_MAX];
static struct bmc_env env;
static mbedtls_ctr_drbg_context drbg;
static mbedtls_entropy_context entropy;
static unsigned char anchors[4096];
static size_t anchors_len;

static uint64_t now_ms(void *u)
{
	(void)u;
	return (uint64_t)time(NULL) * 1000u;
}

/* A P-256 self-signed CA certificate for k, PEM into pem. */
static void self_signed_pem(mbedtls_pk_context *k, const char *name, unsigned char *pem, size_t cap)
{
	mbedtls_x509write_cert w;
	mbedtls_mpi sn;

	mbedtls_mpi_init(&sn);
	mbedtls_x509write_crt_init(&w);
	assert_int_equal(mbedtls_mpi_lset(&sn, 1), 0);
	mbedtls_x509write_crt_set_md_alg(&w, MBEDTLS_MD_SHA256);
	mbedtls_x509write_crt_set_subject_key(&w, k);
	mbedtls_x509write_crt_set_issuer_key(&w, k);
	assert_int_equal(mbedtls_x509write_crt_set_serial(&w, &sn), 0);
	assert_int_equal(mbedtls_x509write_crt_set_subject_name(&w, name), 0);
	assert_int_equal(mbedtls_x509write_crt_set_issuer_name(&w, name), 0);
	assert_int_equal(mbedtls_x509write_crt_set_validity(&w, "20200101000000", "20991231000000"),
	                 0);
	assert_int_equal(mbedtls_x509write_crt_set_basic_constraints(&w, 1, 0), 0);
	assert_int_equal(mbedtls_x509write_crt_pem(&w, pem, cap, mbedtls_ctr_drbg_random, &drbg),
	                 0);
	mbedtls_x509write_crt_free(&w);
	mbedtls_mpi_free(&sn);
}

/* A P-256 self-signed CA as PEM: what se_provision() wants as trust anchors. */
static void make_anchors(void)
{
	mbedtls_pk_context k;

	mbedtls_pk_init(&k);
	assert_int_equal(mbedtls_pk_setup(&k, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)), 0);
	assert_int_equal(mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(k),
	                                     mbedtls_ctr_drbg_random, &drbg),
	                 0);
	self_signed_pem(&k, "CN=test root", anchors, sizeof(anchors));
	anchors_len = strlen((char *)anchors);
	mbedtls_pk_free(&k);
}

/* key (the external signer on the device key) and a certificate for it that it signed. */
static void device_cert(struct se *se, mbedtls_pk_context *key, mbedtls_x509_crt *crt)
{
	unsigned char pem[2048];

	assert_int_equal(se_pk_setup(se, SE_KEY_DEVICE, key), 0);
	self_signed_pem(key, "CN=MT-SN,serialNumber=MT-SN", pem, sizeof(pem));
	assert_int_equal(mbedtls_x509_crt_parse(crt, pem, strlen((char *)pem) + 1), 0);
}

static int setup(void **s)
{
	(void)s;
	snprintf(dir, sizeof(dir), "%s/svcport-se-XXXXXX",
	         getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(dir));
	snprintf(state, sizeof(state), "%s/state", dir);
	assert_int_equal(mkdir(state, 0700), 0);
	/* A key generated inside the SE: no device.key handed over. */
	assert_int_equal(se_provision(state, NULL, 0, anchors, anchors_len, &env), 0);
	return 0;
}

static int teardown(void **s)
{
	char cmd[PATH_MAX + 16];

	(void)s;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void verify_with(const unsigned char pub[SE_PUBKEY_LEN], const unsigned char *hash,
                        const unsigned char *sig, size_t sig_len)
{
	mbedtls_ecdsa_context ec;

	mbedtls_ecdsa_init(&ec);
	assert_int_equal(mbedtls_ecp_group_load(&ec.grp, MBEDTLS_ECP_DP_SECP256R1), 0);
	assert_int_equal(mbedtls_ecp_point_read_binary(&ec.grp, &ec.Q, pub, SE_PUBKEY_LEN), 0);
	assert_int_equal(mbedtls_ecdsa_read_signature(&ec, hash, 32, sig, sig_len), 0);
	mbedtls_ecdsa_free(&ec);
}

static void generated_key_signs(void **s)
{
	unsigned char sig[SE_SIG_MAX], pub[SE_PUBKEY_LEN], h[32], kh[32];
	struct se *se = NULL;
	size_t len = 0;

	(void)s;
	assert_int_equal(se_open(state, &env, &se), 0);
	assert_int_equal(se_sign(se, "challenge", 9, sig, &len, &env), 0);
	se_public_key(se, pub);
	mbedtls_sha256_ret((const unsigned char *)"challenge", 9, h, 0);
	verify_with(pub, h, sig, len);
	/* The board's QR hash is the hash of that very key. */
	se_key_sha256(se, kh);
	mbedtls_sha256_ret(pub, sizeof(pub), h, 0);
	assert_memory_equal(kh, h, 32);
	se_close(se);
}

static void certificate_and_csr_verify(void **s)
{
	unsigned char csr_der[1024], pub[SE_PUBKEY_LEN], h[32];
	mbedtls_pk_context key;
	mbedtls_x509_crt crt;
	mbedtls_x509_csr csr;
	struct se *se = NULL;
	uint32_t flags = 0;
	int n_csr;

	(void)s;
	mbedtls_pk_init(&key);
	mbedtls_x509_crt_init(&crt);
	mbedtls_x509_csr_init(&csr);
	assert_int_equal(se_open(state, &env, &se), 0);
	/* A certificate x509write signed with the SE's key. */
	device_cert(se, &key, &crt);
	assert_int_equal(mbedtls_x509_crt_verify(&crt, &crt, NULL, NULL, &flags, NULL, NULL), 0);
	se_public_key(se, pub);
	assert_int_equal(mbedtls_ecp_point_cmp(&mbedtls_pk_ec(crt.pk)->Q, &mbedtls_pk_ec(key)->Q),
	                 0);
	/* The CSR: the device key's, signed by it. */
	n_csr = se_write_csr(se, "CN=MT-SN,serialNumber=MT-SN", csr_der, sizeof(csr_der), &env);
	assert_true(n_csr > 0);
	assert_int_equal(mbedtls_x509_csr_parse_der(&csr, csr_der, (size_t)n_csr), 0);
	mbedtls_sha256_ret(csr.cri.p, csr.cri.len, h, 0);
	verify_with(pub, h, csr.sig.p, csr.sig.len);
	/* Its signatureAlgorithm, right before the signature's BIT STRING (03 len 00) in the
	 * parsed copy (csr.raw):
	 * ecdsa-with-SHA256 without the NULL Debian's mbedTLS writes (RFC 5758 §3.2,
	 * common/x509-sigalg.h). */
	{
		static const unsigned char bare[] = {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86,
		                                     0x48, 0xce, 0x3d, 0x04, 0x03, 0x02};
		const unsigned char *bits = csr.sig.p - 3;

		assert_true(csr.sig.len < 127 && bits - csr.raw.p >= (ptrdiff_t)sizeof(bare));
		assert_int_equal(bits[0], 0x03);
		assert_memory_equal(bits - sizeof(bare), bare, sizeof(bare));
	}
	mbedtls_pk_free(&key);
	se_close(se);
	mbedtls_x509_csr_free(&csr);
	mbedtls_x509_crt_free(&crt);
}

/*
 * Both ends of a TLS 1.2 handshake in one thread over a non-blocking
 * socketpair, the server's key the external signer on the device key (the
 * mbedTLS use se_pk_setup() promises besides x509write).
 */
static void tls_handshake_signs_with_the_se_key(void **s)
{
	mbedtls_ssl_config sc, cc;
	mbedtls_ssl_context srv, cli;
	mbedtls_net_context sn, cn;
	mbedtls_x509_crt crt;
	mbedtls_pk_context key;
	struct se *se = NULL;
	int sv[2], rs = 1, rc = 1;

	(void)s;
	assert_int_equal(se_open(state, &env, &se), 0);
	mbedtls_x509_crt_init(&crt);
	mbedtls_pk_init(&key);
	device_cert(se, &key, &crt);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	sn.fd = sv[0];
	cn.fd = sv[1];
	mbedtls_ssl_config_init(&sc);
	mbedtls_ssl_config_init(&cc);
	mbedtls_ssl_init(&srv);
	mbedtls_ssl_init(&cli);
	assert_int_equal(mbedtls_ssl_config_defaults(&sc, MBEDTLS_SSL_IS_SERVER,
	                                             MBEDTLS_SSL_TRANSPORT_STREAM,
	                                             MBEDTLS_SSL_PRESET_DEFAULT),
	                 0);
	assert_int_equal(mbedtls_ssl_config_defaults(&cc, MBEDTLS_SSL_IS_CLIENT,
	                                             MBEDTLS_SSL_TRANSPORT_STREAM,
	                                             MBEDTLS_SSL_PRESET_DEFAULT),
	                 0);
	mbedtls_ssl_conf_rng(&sc, mbedtls_ctr_drbg_random, &drbg);
	mbedtls_ssl_conf_rng(&cc, mbedtls_ctr_drbg_random, &drbg);
	assert_int_equal(mbedtls_ssl_conf_own_cert(&sc, &crt, &key), 0);
	mbedtls_ssl_conf_ca_chain(&cc, &crt, NULL);
	mbedtls_ssl_conf_authmode(&cc, MBEDTLS_SSL_VERIFY_REQUIRED);
	assert_int_equal(mbedtls_ssl_setup(&srv, &sc), 0);
	assert_int_equal(mbedtls_ssl_setup(&cli, &cc), 0);
	mbedtls_ssl_set_bio(&srv, &sn, mbedtls_net_send, mbedtls_net_recv, NULL);
	mbedtls_ssl_set_bio(&cli, &cn, mbedtls_net_send, mbedtls_net_recv, NULL);
	/* Each step either progresses or wants the other side: bounded, no sleeps. */
	for (int i = 0; i < 200 && (rs != 0 || rc != 0); i++) {
		if (rc != 0)
			rc = mbedtls_ssl_handshake(&cli);
		if (rs != 0)
			rs = mbedtls_ssl_handshake(&srv);
		assert_true(rc == 0 || rc == MBEDTLS_ERR_SSL_WANT_READ ||
		            rc == MBEDTLS_ERR_SSL_WANT_WRITE);
		assert_true(rs == 0 || rs == MBEDTLS_ERR_SSL_WANT_READ ||
		            rs == MBEDTLS_ERR_SSL_WANT_WRITE);
	}
	assert_int_equal(rc, 0);
	assert_int_equal(rs, 0);
	assert_int_equal(mbedtls_ssl_get_verify_result(&cli), 0);
	/* An ECDHE-ECDSA suite: the server's key exchange was signed by the SE. */
	assert_non_null(strstr(mbedtls_ssl_get_ciphersuite(&cli), "ECDHE-ECDSA"));
	mbedtls_ssl_free(&cli);
	mbedtls_ssl_free(&srv);
	mbedtls_ssl_config_free(&cc);
	mbedtls_ssl_config_free(&sc);
	close(sv[0]);
	close(sv[1]);
	mbedtls_pk_free(&key);
	mbedtls_x509_crt_free(&crt);
	se_close(se);
}

static void counter_latch_and_mac_rules(void **s)
{
	const struct se_latch want = {.flags = 5, .counter = 1, .trust_sequence = 9};
	unsigned char mac[SE_MAC_LEN];
	struct se_latch got;
	struct se *se = NULL;
	uint64_t c = 99;

	(void)s;
	assert_int_equal(se_open(state, &env, &se), 0);
	assert_int_equal(se_counter_get(se, &c), 0);
	assert_int_equal(c, 0);
	assert_int_equal(se_counter_raise(se, 2), -ERANGE); /* only by one */
	assert_int_equal(se_counter_raise(se, 1), 0);
	assert_int_equal(se_counter_raise(se, 1), 0);       /* already there: nothing to do */
	assert_int_equal(se_counter_raise(se, 0), -ERANGE); /* never lowered */
	assert_int_equal(se_latch_put(se, &want), 0);
	assert_int_equal(se_mac(se, "record", 6, mac), 0);
	assert_int_equal(se_mac_verify(se, "record", 6, mac), 0);
	mac[3] ^= 1;
	assert_int_equal(se_mac_verify(se, "record", 6, mac), -EBADMSG);
	mac[3] ^= 1;
	se_close(se);
	/* All of it durable, across an open. */
	assert_int_equal(se_open(state, &env, &se), 0);
	assert_int_equal(se_counter_get(se, &c), 0);
	assert_int_equal(c, 1);
	assert_int_equal(se_latch_get(se, &got), 0);
	assert_int_equal(got.flags, want.flags);
	assert_int_equal(got.counter, want.counter);
	assert_int_equal(got.trust_sequence, want.trust_sequence);
	assert_int_equal(se_mac_verify(se, "record", 6, mac), 0);
	se_close(se);
}

/* ---- the token only ---- */

/* The module itself, not p11-kit's proxy (test-se-p11kit): these open sessions of their own. */
static bool is_token_direct(void)
{
	return tsofthsm_is_selected() && !getenv("SVCPORT_TEST_SE_PROXY");
}

static CK_FUNCTION_LIST_PTR p11_functions(void)
{
	CK_RV (*get)(CK_FUNCTION_LIST_PTR_PTR);
	CK_FUNCTION_LIST_PTR f = NULL;
	void *dl = dlopen(tsofthsm_get(NULL)->module, RTLD_NOW | RTLD_NOLOAD);

	assert_non_null(dl); /* se_open() loaded it */
	*(void **)&get = dlsym(dl, "C_GetFunctionList");
	assert_non_null(get);
	assert_int_equal(get(&f), CKR_OK);
	return f;
}

static CK_OBJECT_HANDLE p11_object(CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE h, CK_OBJECT_CLASS cls,
                                   const char *label)
{
	CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof(cls)},
	                    {CKA_LABEL, (void *)label, strlen(label)}};
	CK_OBJECT_HANDLE o = 0;
	CK_ULONG n = 0;

	assert_int_equal(f->C_FindObjectsInit(h, t, 2), CKR_OK);
	assert_int_equal(f->C_FindObjects(h, &o, 1, &n), CKR_OK);
	assert_int_equal(f->C_FindObjectsFinal(h), CKR_OK);
	assert_int_equal(n, 1);
	return o;
}

/* A session of the test's own on the token, while se (logged in) is open. */
static CK_SESSION_HANDLE p11_session(CK_FUNCTION_LIST_PTR f)
{
	CK_SLOT_ID slots[8];
	CK_ULONG n = 8;
	CK_SESSION_HANDLE h;

	assert_int_equal(f->C_GetSlotList(CK_TRUE, slots, &n), CKR_OK);
	assert_true(n >= 1);
	assert_int_equal(
	    f->C_OpenSession(slots[0], CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &h),
	    CKR_OK);
	return h;
}

static void token_keys_never_leave(void **s)
{
	unsigned char buf[256];
	struct se *se = NULL;
	CK_FUNCTION_LIST_PTR f;
	CK_SESSION_HANDLE h;

	(void)s;
	if (!is_token_direct())
		skip();
	assert_int_equal(se_open(state, &env, &se), 0);
	f = p11_functions();
	h = p11_session(f);
	for (size_t i = 0; i < 3; i++) {
		CK_OBJECT_HANDLE o =
		    i == 0 ? p11_object(f, h, CKO_PRIVATE_KEY, "svcport-device")
		           : p11_object(f, h, CKO_SECRET_KEY,
		                        i == 1 ? "svcport-wrap" : "svcport-state-mac");
		CK_ATTRIBUTE a = {CKA_VALUE, buf, sizeof(buf)};
		CK_BBOOL extractable = CK_TRUE;
		CK_ATTRIBUTE e = {CKA_EXTRACTABLE, &extractable, 1};

		assert_int_equal(f->C_GetAttributeValue(h, o, &a, 1), CKR_ATTRIBUTE_SENSITIVE);
		assert_int_equal(f->C_GetAttributeValue(h, o, &e, 1), CKR_OK);
		assert_int_equal(extractable, CK_FALSE);
	}
	/* Nothing of the SE in the state folder. */
	{
		char path[PATH_MAX + 8];
		struct stat sb;

		snprintf(path, sizeof(path), "%s/se", state);
		assert_int_equal(stat(path, &sb), -1);
	}
	f->C_CloseSession(h);
	se_close(se);
}

/* ---- retired keys (both back-ends) ---- */

static const char *const retired[] = {"internal-ca.key", "link.key"};                /* file */
static const char *const retired_labels[] = {"svcport-internal-ca", "svcport-link"}; /* token */

/* How many of the retired keys the SE holds (se open: the token's module loaded, logged in). */
static size_t retired_count(void)
{
	size_t n = 0;

	for (size_t i = 0; i < 2; i++) {
		if (tsofthsm_is_selected()) {
			CK_FUNCTION_LIST_PTR f = p11_functions();
			CK_SESSION_HANDLE h = p11_session(f);
			CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
			CK_ATTRIBUTE t[] = {
			    {CKA_CLASS, &cls, sizeof(cls)},
			    {CKA_LABEL, (void *)retired_labels[i], strlen(retired_labels[i])}};
			CK_OBJECT_HANDLE o[4];
			CK_ULONG k = 0;

			assert_int_equal(f->C_FindObjectsInit(h, t, 2), CKR_OK);
			assert_int_equal(f->C_FindObjects(h, o, 4, &k), CKR_OK);
			assert_int_equal(f->C_FindObjectsFinal(h), CKR_OK);
			f->C_CloseSession(h);
			n += k;
		} else {
			char path[PATH_MAX + 32];

			snprintf(path, sizeof(path), "%s/se/%s", state, retired[i]);
			n += access(path, F_OK) == 0;
		}
	}
	return n;
}

/* What an SE provisioned before issue 16 also holds: the internal CA and link keys. */
static void retired_add(void)
{
	for (size_t i = 0; i < 2; i++) {
		if (tsofthsm_is_selected()) {
			static const unsigned char p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48,
			                                     0xce, 0x3d, 0x03, 0x01, 0x07};
			CK_FUNCTION_LIST_PTR f = p11_functions();
			CK_SESSION_HANDLE h = p11_session(f);
			CK_MECHANISM mech = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
			CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
			CK_ULONG len = strlen(retired_labels[i]);
			CK_ATTRIBUTE pub[] = {{CKA_TOKEN, &yes, 1},
			                      {CKA_PRIVATE, &yes, 1},
			                      {CKA_EC_PARAMS, (void *)p256, sizeof(p256)},
			                      {CKA_LABEL, (void *)retired_labels[i], len}};
			CK_ATTRIBUTE prv[] = {
			    {CKA_TOKEN, &yes, 1},     {CKA_PRIVATE, &yes, 1},
			    {CKA_SENSITIVE, &yes, 1}, {CKA_EXTRACTABLE, &no, 1},
			    {CKA_SIGN, &yes, 1},      {CKA_LABEL, (void *)retired_labels[i], len}};
			CK_OBJECT_HANDLE hpub, hprv;

			assert_int_equal(
			    f->C_GenerateKeyPair(h, &mech, pub, 4, prv, 6, &hpub, &hprv), CKR_OK);
			f->C_CloseSession(h);
		} else {
			static const char pem[] = "-----BEGIN EC PRIVATE KEY-----\nold\n";
			char path[PATH_MAX + 32];
			FILE *fp;

			snprintf(path, sizeof(path), "%s/se/%s", state, retired[i]);
			assert_non_null(fp = fopen(path, "w"));
			assert_int_equal(fputs(pem, fp) >= 0, 1);
			assert_int_equal(fclose(fp), 0);
		}
	}
}

/*
 * The internal CA and link keys are bmcd's, sealed in the state (docs/certs.md):
 * provisioning draws none; an SE provisioned before that, holding them, opens
 * and signs as before; a new provisioning removes them.
 */
static void retired_keys_neither_made_nor_needed(void **s)
{
	unsigned char sig[SE_SIG_MAX];
	struct se *se = NULL;
	size_t len = 0;

	(void)s;
	if (tsofthsm_is_selected() && !is_token_direct())
		skip();
	assert_int_equal(se_open(state, &env, &se), 0);
	assert_int_equal(retired_count(), 0);
	retired_add();
	assert_int_equal(retired_count(), 2);
	se_close(se);
	assert_int_equal(se_open(state, &env, &se), 0);
	assert_int_equal(se_sign(se, "challenge", 9, sig, &len, &env), 0);
	se_close(se);
	assert_int_equal(se_provision(state, NULL, 0, anchors, anchors_len, &env), 0);
	assert_int_equal(se_open(state, &env, &se), 0);
	assert_int_equal(retired_count(), 0);
	se_close(se);
}

static void write_pin(const char *path, const char *pin, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, pin, strlen(pin)), (ssize_t)strlen(pin));
	close(fd);
	assert_int_equal(chmod(path, mode), 0);
}

/* Each bad configuration refused with its own code; nothing logged in (no se open). */
static void token_refusals(void **s)
{
	struct se_config bad;
	struct bmc_env e = env;
	struct se *se = NULL;

	(void)s;
	if (!is_token_direct())
		skip();
	bad = *tsofthsm_get(NULL);
	e.se = &bad;
	snprintf(bad.pin_file, sizeof(bad.pin_file), "%s/pin.wrong", dir);
	write_pin(bad.pin_file, "999999\n", 0600);
	assert_int_equal(se_open(state, &e, &se), -EACCES);
	assert_non_null(strstr(se_error(), "C_Login"));
	write_pin(bad.pin_file, TSOFTHSM_PIN, 0644); /* the right PIN, readable by others */
	assert_int_equal(se_open(state, &e, &se), -EACCES);
	assert_non_null(strstr(se_error(), "mode"));
	bad = *tsofthsm_get(NULL);
	snprintf(bad.token, sizeof(bad.token), "no-such-token");
	assert_int_equal(se_open(state, &e, &se), -ENODEV);
	bad = *tsofthsm_get(NULL);
	snprintf(bad.module, sizeof(bad.module), "%s/missing.so", dir);
	assert_int_equal(se_open(state, &e, &se), -ENOENT);
	assert_null(se);
	/* And the real one still opens. */
	assert_int_equal(se_open(state, &env, &se), 0);
	se_close(se);
}

/* A wrap key that could leave the token: the SE refuses to open (fails closed). */
static void token_extractable_key_is_refused(void **s)
{
	static const char label[] = "svcport-wrap";
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE type = CKK_AES;
	CK_BBOOL yes = CK_TRUE;
	CK_ULONG len = 32;
	CK_ATTRIBUTE t[] = {
	    {CKA_CLASS, &cls, sizeof(cls)},
	    {CKA_KEY_TYPE, &type, sizeof(type)},
	    {CKA_VALUE_LEN, &len, sizeof(len)},
	    {CKA_TOKEN, &yes, 1},
	    {CKA_PRIVATE, &yes, 1},
	    {CKA_EXTRACTABLE, &yes, 1},
	    {CKA_ENCRYPT, &yes, 1},
	    {CKA_DECRYPT, &yes, 1},
	    {CKA_LABEL, (void *)label, sizeof(label) - 1},
	};
	CK_MECHANISM mech = {CKM_AES_KEY_GEN, NULL, 0};
	CK_OBJECT_HANDLE o;
	struct se *se = NULL, *se2 = NULL;
	CK_FUNCTION_LIST_PTR f;
	CK_SESSION_HANDLE h;

	(void)s;
	if (!is_token_direct())
		skip();
	assert_int_equal(se_open(state, &env, &se), 0);
	f = p11_functions();
	h = p11_session(f);
	assert_int_equal(f->C_DestroyObject(h, p11_object(f, h, CKO_SECRET_KEY, label)), CKR_OK);
	assert_int_equal(f->C_GenerateKey(h, &mech, t, sizeof(t) / sizeof(t[0]), &o), CKR_OK);
	assert_int_equal(se_open(state, &env, &se2), -EBADMSG);
	assert_non_null(strstr(se_error(), "extractable"));
	f->C_CloseSession(h);
	se_close(se);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(generated_key_signs, setup, teardown),
	    cmocka_unit_test_setup_teardown(certificate_and_csr_verify, setup, teardown),
	    cmocka_unit_test_setup_teardown(tls_handshake_signs_with_the_se_key, setup, teardown),
	    cmocka_unit_test_setup_teardown(retired_keys_neither_made_nor_needed, setup, teardown),
	    cmocka_unit_test_setup_teardown(counter_latch_and_mac_rules, setup, teardown),
	    cmocka_unit_test_setup_teardown(token_keys_never_leave, setup, teardown),
	    cmocka_unit_test_setup_teardown(token_refusals, setup, teardown),
	    cmocka_unit_test_setup_teardown(token_extractable_key_is_refused, setup, teardown),
	};
	int ret;

	mbedtls_entropy_init(&entropy);
	mbedtls_ctr_drbg_init(&drbg);
	if (mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, NULL, 0) != 0)
		return 1;
	env = (struct bmc_env){.now_ms = now_ms,
	                       .rng = mbedtls_ctr_drbg_random,
	                       .user_data = &drbg,
	                       .se = tsofthsm_is_selected() ? tsofthsm_get(NULL) : NULL};
	make_anchors();
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	mbedtls_ctr_drbg_free(&drbg);
	mbedtls_entropy_free(&entropy);
	return ret;
}
