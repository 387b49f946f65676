// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The link certificate after the management-hub model (docs/certs.md), with
 * the real svcport-bmcd and svcport-bmcctl, checked with openssl (also run as
 * test-bmcd-linkcerts-pkcs11): SANs from --mgmt-addresses, issued again when
 * the file changes; regeneration of the link certificate and of the internal
 * CA on demand (a new CA statement); a CSR for the link key that an external
 * CA (openssl) signs and whose chain goes back in; every refusal with
 * state.pb, audit.log and the exported files unchanged; who may; download;
 * openssl s_client against the exported credentials.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "linktest.h"
#include "proc.h"
#include "procworld.h"
#include "testpki.h"

#define PW    "link test pw 1"
#define RO_PW "read only pw 1"

static struct tworld W;
static struct linktest L;
static char addrs[PATH_MAX + 48];

/* The bytes of the files a refusal must leave alone. */
struct snap {
	char state[16384], audit[65536], chain[8192], key[1024], stmt[4096];
	long state_len, audit_len, chain_len, key_len, stmt_len;
};
static struct snap S;

static long slurp_in(const char *dir, const char *name, char *buf, size_t cap)
{
	char path[PATH_MAX + 48];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return proc_slurp(path, buf, cap);
}

static void snap_take(struct snap *s)
{
	s->state_len = slurp_in(W.state, "state.pb", s->state, sizeof(s->state));
	s->audit_len = slurp_in(W.state, "audit.log", s->audit, sizeof(s->audit));
	s->chain_len = slurp_in(L.link, "link-chain.pem", s->chain, sizeof(s->chain));
	s->key_len = slurp_in(L.link, "link.key", s->key, sizeof(s->key));
	s->stmt_len = slurp_in(L.link, "ca-statement.pb", s->stmt, sizeof(s->stmt));
	assert_true(s->state_len > 0 && s->audit_len > 0 && s->chain_len > 0 && s->key_len > 0 &&
	            s->stmt_len > 0);
}

static void assert_unchanged(const struct snap *s)
{
	static struct snap now;

	snap_take(&now);
	assert_int_equal(now.state_len, s->state_len);
	assert_memory_equal(now.state, s->state, (size_t)s->state_len);
	assert_int_equal(now.audit_len, s->audit_len);
	assert_memory_equal(now.audit, s->audit, (size_t)s->audit_len);
	assert_int_equal(now.chain_len, s->chain_len);
	assert_memory_equal(now.chain, s->chain, (size_t)s->chain_len);
	assert_int_equal(now.key_len, s->key_len);
	assert_memory_equal(now.key, s->key, (size_t)s->key_len);
}

static int ctl_v(char *out, size_t cap, const char *const *args)
{
	return proc_bmcctl_run(L.admin, out, cap, args);
}
#define CTL(out, ...) ctl_v(out, sizeof(out), (const char *const[]){__VA_ARGS__, NULL})

/* The address file := len bytes of text, replaced at once (as a network tool would). */
static void addrs_write_n(const char *text, size_t len)
{
	char tmp[sizeof(addrs) + 8];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", addrs);
	f = fopen(tmp, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(rename(tmp, addrs), 0);
}

static void addrs_write(const char *text)
{
	addrs_write_n(text, strlen(text));
}

static int setup(void **state)
{
	const char *extra[] = {"--mgmt-addresses", addrs, NULL};
	char net[PATH_MAX + 16], out[512];

	tworld_setup(&W, "bmc");
	bmc_close(W.bmc);
	W.bmc = NULL;
	snprintf(net, sizeof(net), "%s/net", W.dir);
	snprintf(addrs, sizeof(addrs), "%s/mgmt-addresses", net);
	if (mkdir(net, 0755) < 0)
		return -1;
	addrs_write("# the board's addresses\n192.0.2.10\nbmc-1.example.com\n");
	if (linktest_start(&L, W.dir, W.state, NULL, extra) < 0)
		return -1;
	unsetenv("SVCPORT_ADMIN_PASSWORD");
	unsetenv("SVCPORT_ADMIN_USER");
	return CTL(out, "--password", TPKI_LABEL_PW, "password", "set", PW) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	linktest_stop(&L);
	tworld_teardown(&W);
	return 0;
}

/* DIR/ext/name (one at a time). */
static const char *ext_path(const char *name)
{
	static char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/ext/%s", W.dir, name);
	return path;
}

static const char *chain_path(void)
{
	static char path[PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/link-chain.pem", L.link);
	return path;
}

/* The SANs of link-chain.pem's first certificate, as openssl prints them, hold what. */
static bool has_san(const char *what)
{
	return linktest_sh("openssl x509 -in '%s/link-chain.pem' -noout -ext subjectAltName | "
	                   "grep -qF '%s'",
	                   L.link, what) == 0;
}

static bool audit_has(const char *event)
{
	static char out[65536];

	assert_int_equal(CTL(out, "--password", PW, "audit", "show"), 0);
	return strstr(out, event) != NULL;
}

static void addresses_become_sans(void **state)
{
	/* At start: the file's addresses, the key the factory's. */
	assert_true(has_san("IP Address:192.0.2.10"));
	assert_true(has_san("DNS:bmc-1.example.com"));
	linktest_check(&L, TPKI_T0_MS / 1000u + 60u);
	snap_take(&S);
	/* The board's network changes: a new certificate, the same key, audited. */
	addrs_write("198.51.100.7\n2001:db8::7\nBMC-2.example.com\n");
	assert_int_equal(linktest_wait_change(chain_path(), S.chain, S.chain_len), 0);
	assert_true(has_san("IP Address:198.51.100.7"));
	assert_true(has_san("IP Address:2001:DB8:0:0:0:0:0:7"));
	assert_true(has_san("DNS:bmc-2.example.com"));
	assert_false(has_san("192.0.2.10"));
	linktest_check(&L, TPKI_T0_MS / 1000u + 60u);
	{
		char key[1024];
		long n = slurp_in(L.link, "link.key", key, sizeof(key));

		assert_int_equal(n, S.key_len);
		assert_memory_equal(key, S.key, (size_t)n);
	}
	assert_true(audit_has("link-addresses"));
}

/* A file that is not addresses changes nothing: the certificate keeps its names. */
static void bad_addresses_change_nothing(void **state)
{
	snap_take(&S);
	addrs_write("192.0.2.10\nnot an address!\n");
	assert_int_equal(linktest_wait_text(L.log, "not an IP address or DNS name"), 0);
	assert_unchanged(&S);
	addrs_write("192.0.2.1\n192.0.2.2\n192.0.2.3\n192.0.2.4\n192.0.2.5\n192.0.2.6\n"
	            "192.0.2.7\n192.0.2.8\n192.0.2.9\n");
	assert_int_equal(linktest_wait_text(L.log, "more than 8 addresses"), 0);
	assert_unchanged(&S);
	/* A mistyped IPv4 address is no DNS name (its last label all digits). */
	addrs_write("192.0.2.10\n192.0.2.300\n");
	assert_int_equal(linktest_wait_text(L.log, "not an IP address or DNS name: 192.0.2.300"),
	                 0);
	assert_unchanged(&S);
	/* A NUL byte would hide the lines after it. */
	{
		static const char nul[] = "192.0.2.10\n\0"
		                          "192.0.2.11\n";

		addrs_write_n(nul, sizeof(nul) - 1);
	}
	assert_int_equal(linktest_wait_text(L.log, "a NUL byte"), 0);
	assert_unchanged(&S);
	assert_true(has_san("IP Address:192.0.2.10"));
}

/* A time when the factory's internal CA (from the factory's clock) and what bmcd issued since
 * (from the host's) are both valid. */
static uint64_t after_both(void)
{
	const uint64_t now = (uint64_t)time(NULL), t0 = TPKI_T0_MS / 1000u;

	return (now > t0 ? now : t0) + 60u;
}

/* The statement now, decoded and verified with the device key. */
static void statement(bool internal_chain, svcport_v1_CaStatementBody *body)
{
	static svcport_v1_CaStatement st;

	linktest_statement(&L, &tpki_get()->device_key, internal_chain, &st, body);
}

static void regenerate_link_and_ca(void **state)
{
	static svcport_v1_CaStatementBody before, after;
	char out[4096];

	statement(true, &before);
	snap_take(&S);
	/* The link certificate: a new key, the same CA, the same statement's CA. */
	assert_int_equal(CTL(out, "--password", PW, "cert", "regenerate", "--which", "link"), 0);
	assert_int_equal(linktest_wait_change(chain_path(), S.chain, S.chain_len), 0);
	{
		char key[1024];
		long n = slurp_in(L.link, "link.key", key, sizeof(key));

		assert_true(n != S.key_len || memcmp(key, S.key, (size_t)n) != 0);
	}
	linktest_check(&L, TPKI_T0_MS / 1000u + 60u);
	assert_true(has_san("DNS:bmc-1.example.com"));
	statement(true, &after);
	assert_memory_equal(after.internal_ca_certificate.bytes,
	                    before.internal_ca_certificate.bytes,
	                    before.internal_ca_certificate.size);
	assert_true(audit_has("link-cert-regenerate"));

	/* The internal CA: a new CA (valid from bmcd's clock), a new statement for it; the
	 * link key stays, its certificate is issued by the new CA. The old CA no longer
	 * verifies it. */
	assert_int_equal(linktest_sh("cp '%s/anchor.pem' '%s/old-ca.pem'", W.dir, W.dir), 0);
	snap_take(&S);
	assert_int_equal(CTL(out, "--password", PW, "cert", "regenerate", "--which", "internal-ca"),
	                 0);
	linktest_check(&L, (uint64_t)time(NULL) + 60u);
	statement(true, &after);
	assert_true(after.internal_ca_certificate.size != before.internal_ca_certificate.size ||
	            memcmp(after.internal_ca_certificate.bytes,
	                   before.internal_ca_certificate.bytes,
	                   before.internal_ca_certificate.size) != 0);
	assert_true(after.issued_at >= (uint64_t)time(NULL) - 600);
	linktest_check_internal(&L, (uint64_t)time(NULL) + 60u, &after, true);
	{
		char key[1024];
		long n = slurp_in(L.link, "link.key", key, sizeof(key));

		assert_int_equal(n, S.key_len);
		assert_memory_equal(key, S.key, (size_t)n);
	}
	assert_int_not_equal(linktest_sh("cd '%s' && openssl verify -CAfile old-ca.pem leaf.pem "
	                                 ">/dev/null 2>&1",
	                                 W.dir),
	                     0);
	assert_true(audit_has("internal-ca-regenerate"));
	/* Download: the chain and the CA, for a client's trust list, without a login. */
	assert_int_equal(CTL(out, "cert", "export", "--which", "internal-ca"), 0);
	assert_int_equal(
	    linktest_sh("cd '%s' && [ \"$(openssl x509 -in anchor.pem -outform DER | "
	                "sha256sum)\" = \"$('%s' --admin-socket '%s' cert export "
	                "--which internal-ca | openssl x509 -outform DER | sha256sum)\" ]",
	                W.dir, proc_bmcctl(), L.admin),
	    0);
}

/* An external CA made by openssl in DIR/ext: ca.pem/ca.key, and other.pem (another CA). */
static void ext_ca_make(void)
{
	assert_int_equal(
	    linktest_sh(
	        "mkdir -p '%s/ext' && cd '%s/ext' && for ca in ca other; do "
	        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
	        "-keyout $ca.key -out $ca.pem -subj /CN=ext-$ca -days 3650 "
	        "-addext basicConstraints=critical,CA:TRUE -addext keyUsage=keyCertSign,cRLSign "
	        "2>/dev/null || exit 1; done; printf 'basicConstraints=CA:FALSE\n"
	        "keyUsage=digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\n' > ext.cnf",
	        W.dir, W.dir),
	    0);
}

/* openssl x509 -req: csr signed by ca (ext/ca or ext/other) into out. */
static void ext_sign(const char *csr, const char *ca, const char *out)
{
	assert_int_equal(linktest_sh("cd '%s/ext' && openssl x509 -req -in %s -CA %s.pem -CAkey "
	                             "%s.key -CAcreateserial -days 365 -copy_extensions copy "
	                             "-extfile ext.cnf -out %s 2>/dev/null",
	                             W.dir, csr, ca, ca, out),
	                 0);
}

static void csr_and_external_chain(void **state)
{
	static svcport_v1_CaStatementBody body;
	static char int_chain[8192];
	char out[8192], csr[PATH_MAX + 32], int_path[PATH_MAX + 48];
	long int_len;

	snprintf(csr, sizeof(csr), "%s/ext/link.csr", W.dir);
	snprintf(int_path, sizeof(int_path), "%s/link-internal-chain.pem", L.link);
	ext_ca_make();
	assert_int_equal(CTL(out, "--password", PW, "cert", "csr", "--which", "link", csr), 0);
	/* openssl checks its signature; it is for the link key, names the board and its SANs. */
	assert_int_equal(linktest_sh("openssl req -verify -noout -in '%s' 2>/dev/null", csr), 0);
	linktest_sigalg_bare(csr, 1);
	assert_int_equal(linktest_sh("[ \"$(openssl req -in '%s' -pubkey -noout)\" = "
	                             "\"$(openssl pkey -in '%s/link.key' -pubout)\" ]",
	                             csr, L.link),
	                 0);
	assert_int_equal(linktest_sh("openssl req -in '%s' -noout -text | grep -q "
	                             "'DNS:bmc-1.example.com' && openssl req -in '%s' -noout "
	                             "-subject | grep -q 'CN = 7D1A-'",
	                             csr, csr),
	                 0);
	assert_true(audit_has("link-csr"));
	ext_sign("link.csr", "ca", "leaf.pem");
	assert_int_equal(linktest_sh("cd '%s/ext' && cat leaf.pem ca.pem > chain.pem", W.dir), 0);
	snap_take(&S);
	assert_int_equal(
	    CTL(out, "--password", PW, "cert", "install", "--which", "link", ext_path("chain.pem")),
	    0);
	/* Exported: the external leaf, then its CA; the statement stays the internal CA's. */
	assert_int_equal(linktest_wait_change(chain_path(), S.chain, S.chain_len), 0);
	linktest_check(&L, (uint64_t)time(NULL) + 60u);
	assert_int_equal(linktest_sh("cmp -s '%s/anchor.pem' '%s/ext/ca.pem'", W.dir, W.dir), 0);
	statement(false, &body);
	assert_true(audit_has("link-cert-install"));
	/* The portal link's chain stays the internal CA's, for the same key (docs/certs.md);
	 * the external CA does not verify it. */
	linktest_check_internal(&L, after_both(), &body, false);
	assert_int_not_equal(linktest_sh("cd '%s' && openssl verify -CAfile ext/ca.pem "
	                                 "int-leaf.pem >/dev/null 2>&1",
	                                 W.dir),
	                     0);
	/* Download gives the installed chain. */
	assert_int_equal(linktest_sh("'%s' --admin-socket '%s' cert export --which link | "
	                             "openssl x509 -noout -issuer | grep -q ext-ca",
	                             proc_bmcctl(), L.admin),
	                 0);
	/* New addresses are recorded (audited) but keep the administrator's chain;
	 * regenerate drops it and names them. */
	snap_take(&S);
	int_len = slurp_in(L.link, "link-internal-chain.pem", int_chain, sizeof(int_chain));
	assert_true(int_len > 0);
	addrs_write("192.0.2.99\n");
	assert_int_equal(linktest_wait_text(L.log, "management addresses now 192.0.2.99"), 0);
	{
		static struct snap now;

		snap_take(&now);
		assert_int_equal(now.chain_len, S.chain_len);
		assert_memory_equal(now.chain, S.chain, (size_t)S.chain_len);
	}
	assert_true(audit_has("external chain kept: 192.0.2.99"));
	/* The internal certificate names them (issued again, the same key). */
	assert_int_equal(linktest_wait_change(int_path, int_chain, int_len), 0);
	linktest_check_internal(&L, after_both(), &body, false);
	assert_int_equal(linktest_sh("cd '%s' && openssl x509 -in int-leaf.pem -noout -ext "
	                             "subjectAltName | grep -qF 'IP Address:192.0.2.99'",
	                             W.dir),
	                 0);
	assert_int_equal(CTL(out, "--password", PW, "cert", "regenerate", "--which", "link"), 0);
	assert_true(has_san("IP Address:192.0.2.99"));
	statement(true, &body);
	/* Dropped with the external chain: the portal link's chain is the link chain again. */
	linktest_check_internal(&L, after_both(), &body, true);
}

static void internal_forget(svcport_v1_BmcState *st, void *arg)
{
	(void)arg;
	st->link_internal_certificate.size = 0;
}

/*
 * An external chain installed by a bmcd from before link_internal_certificate:
 * at the next start the portal link's internal certificate is issued
 * (audited), exported with the rest, the external chain kept.
 */
static void external_chain_from_before(void **state)
{
	static svcport_v1_CaStatementBody body;
	const char *extra[] = {"--mgmt-addresses", addrs, NULL};
	char out[8192];

	ext_ca_make();
	assert_int_equal(
	    CTL(out, "--password", PW, "cert", "csr", "--which", "link", ext_path("link.csr")), 0);
	ext_sign("link.csr", "ca", "leaf.pem");
	assert_int_equal(linktest_sh("cd '%s/ext' && cat leaf.pem ca.pem > chain.pem", W.dir), 0);
	assert_int_equal(
	    CTL(out, "--password", PW, "cert", "install", "--which", "link", ext_path("chain.pem")),
	    0);
	linktest_stop(&L);
	tworld_edit_state(&W, internal_forget, NULL);
	bmc_close(W.bmc);
	W.bmc = NULL;
	assert_int_equal(linktest_sh("rm '%s/link-internal-chain.pem'", L.link), 0);
	assert_int_equal(linktest_start(&L, W.dir, W.state, NULL, extra), 0);
	linktest_check(&L, after_both());
	assert_int_equal(linktest_sh("cmp -s '%s/anchor.pem' '%s/ext/ca.pem'", W.dir, W.dir), 0);
	statement(false, &body);
	linktest_check_internal(&L, after_both(), &body, false);
	assert_true(audit_has("internal certificate for the portal link; external chain kept"));
}

/* One console request with the default user's password (or pw) straight to bmcd. */
static svcport_admin_v1_AdminError admin_call(svcport_admin_v1_AdminRequest *req, const char *pw)
{
	static svcport_admin_v1_AdminReply rep;

	snprintf(req->password, sizeof(req->password), "%s", pw);
	assert_int_equal(proc_admin_call(L.admin, req, &rep), 0);
	return rep.error;
}

static svcport_admin_v1_AdminError install_der(const unsigned char *der, size_t len)
{
	static svcport_admin_v1_AdminRequest req;

	req = (svcport_admin_v1_AdminRequest)svcport_admin_v1_AdminRequest_init_zero;
	req.which_cmd = svcport_admin_v1_AdminRequest_cert_install_tag;
	req.cmd.cert_install.which = svcport_admin_v1_CertWhich_CERT_LINK;
	req.cmd.cert_install.certs_count = 2;
	memcpy(req.cmd.cert_install.certs[0].bytes, der, len);
	req.cmd.cert_install.certs[0].size = (pb_size_t)len;
	req.cmd.cert_install.certs[1] = req.cmd.cert_install.certs[0];
	return admin_call(&req, PW);
}

static void refusals_change_nothing(void **state)
{
	static svcport_admin_v1_AdminRequest req;
	char out[4096];

	ext_ca_make();
	assert_int_equal(
	    CTL(out, "--password", PW, "cert", "csr", "--which", "link", ext_path("link.csr")), 0);
	ext_sign("link.csr", "ca", "leaf.pem");
	/* A certificate for another key, from the same CA. */
	assert_int_equal(linktest_sh("cd '%s/ext' && openssl req -new -newkey ec -pkeyopt "
	                             "ec_paramgen_curve:P-256 -nodes -keyout o.key -subj /CN=o "
	                             "-out o.csr 2>/dev/null && cat ca.pem > /dev/null",
	                             W.dir),
	                 0);
	ext_sign("o.csr", "ca", "oleaf.pem");
	assert_int_equal(
	    linktest_sh("cd '%s/ext' && cat oleaf.pem ca.pem > notkey.pem && "
	                "cat leaf.pem other.pem > nochain.pem && cat leaf.pem other.pem "
	                "ca.pem > toolong.pem",
	                W.dir),
	    0);
	snap_take(&S);
	/* Not for the link key; not chaining; the leaf alone; a wrong password. */
	assert_int_equal(CTL(out, "--password", PW, "cert", "install", "--which", "link",
	                     ext_path("notkey.pem")),
	                 1);
	assert_int_equal(CTL(out, "--password", PW, "cert", "install", "--which", "link",
	                     ext_path("nochain.pem")),
	                 1);
	assert_int_equal(
	    CTL(out, "--password", PW, "cert", "install", "--which", "link", ext_path("leaf.pem")),
	    1);
	assert_int_equal(CTL(out, "--password", "wrong password", "cert", "install", "--which",
	                     "link", ext_path("leaf.pem")),
	                 1);
	assert_unchanged(&S);
	/* What bmcctl would not send: garbage DER, an unknown regeneration. */
	assert_int_equal(install_der((const unsigned char *)"\x30\x03garbage", 10),
	                 svcport_admin_v1_AdminError_ADMIN_CERT_REFUSED);
	req = (svcport_admin_v1_AdminRequest)svcport_admin_v1_AdminRequest_init_zero;
	req.which_cmd = svcport_admin_v1_AdminRequest_cert_regenerate_tag;
	req.cmd.cert_regenerate.which = svcport_admin_v1_CertWhich_CERT_DEVICE;
	assert_int_equal(admin_call(&req, PW), svcport_admin_v1_AdminError_ADMIN_BAD_REQUEST);
	req.cmd.cert_regenerate.which = svcport_admin_v1_CertWhich_CERT_LINK;
	assert_int_equal(admin_call(&req, ""), svcport_admin_v1_AdminError_ADMIN_AUTH_FAILED);
	assert_unchanged(&S);
}

/* A read-only account may download, nothing else; an Administrator may. */
static void who_may(void **state)
{
	char out[4096];

	assert_int_equal(
	    CTL(out, "--password", PW, "account", "add", "ro", "read-only", "first pw!"), 0);
	assert_int_equal(
	    CTL(out, "--user", "ro", "--password", "first pw!", "password", "set", RO_PW), 0);
	assert_int_equal(
	    CTL(out, "--password", PW, "account", "add", "adm", "administrator", "first pw!"), 0);
	assert_int_equal(
	    CTL(out, "--user", "adm", "--password", "first pw!", "password", "set", RO_PW), 0);
	snap_take(&S);
	assert_int_equal(
	    CTL(out, "--user", "ro", "--password", RO_PW, "cert", "regenerate", "--which", "link"),
	    1);
	assert_int_equal(CTL(out, "--user", "ro", "--password", RO_PW, "cert", "regenerate",
	                     "--which", "internal-ca"),
	                 1);
	assert_int_equal(
	    CTL(out, "--user", "ro", "--password", RO_PW, "cert", "csr", "--which", "link"), 1);
	assert_int_equal(CTL(out, "--user", "ro", "--password", RO_PW, "cert", "install", "--which",
	                     "link", chain_path()),
	                 1);
	assert_unchanged(&S);
	assert_int_equal(CTL(out, "cert", "export", "--which", "link"), 0);
	assert_non_null(strstr(out, "BEGIN CERTIFICATE"));
	assert_unchanged(&S);
	/* An Administrator (not only the Administrator+) may. */
	assert_int_equal(
	    CTL(out, "--user", "adm", "--password", RO_PW, "cert", "regenerate", "--which", "link"),
	    0);
	assert_int_equal(linktest_wait_change(chain_path(), S.chain, S.chain_len), 0);
}

/*
 * openssl s_server fed by the exported files (the https: link of net16 is not
 * on this branch), and openssl s_client that trusts the internal CA: the
 * handshake verifies, the certificate names 127.0.0.1; a name it lacks fails.
 */
static void s_client_trusts_exported(void **state)
{
	char out[4096], line[256] = "", key[PATH_MAX + 32];
	int port = 0, fds[2], in[2];
	pid_t srv;

	addrs_write("127.0.0.1\nlocalhost\n");
	snap_take(&S);
	/* Certificates valid from bmcd's clock: the factory's start in 2027. */
	assert_int_equal(CTL(out, "--password", PW, "cert", "regenerate", "--which", "internal-ca"),
	                 0);
	linktest_check(&L, (uint64_t)time(NULL) + 60u);
	assert_true(has_san("IP Address:127.0.0.1"));
	snprintf(key, sizeof(key), "%s/link.key", L.link);
	/* Its stdin a pipe we hold open: s_server stops at the end of its stdin. */
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(pipe(in), 0);
	srv = fork();
	assert_true(srv >= 0);
	if (srv == 0) {
		dup2(in[0], 0);
		dup2(fds[1], 1);
		close(fds[0]);
		close(in[1]);
		/* Line-buffered: its "ACCEPT" line reaches the pipe at once. */
		execlp("stdbuf", "stdbuf", "-oL", "openssl", "s_server", "-accept", "127.0.0.1:0",
		       "-cert", chain_path(), "-key", key, "-naccept", "2", (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	close(in[0]);
	/* "ACCEPT 127.0.0.1:PORT" once it listens (10 s safety net, no sleep). */
	for (size_t n = 0; port == 0 && n < sizeof(line) - 1;) {
		struct pollfd p = {.fd = fds[0], .events = POLLIN};
		const char *at;
		ssize_t r;

		if (poll(&p, 1, 10000) != 1 ||
		    (r = read(fds[0], line + n, sizeof(line) - 1 - n)) <= 0)
			break;
		n += (size_t)r;
		line[n] = 0;
		at = strstr(line, "ACCEPT 127.0.0.1:");
		if (at && strchr(at, '\n'))
			port = atoi(at + strlen("ACCEPT 127.0.0.1:"));
	}
	if (port == 0)
		kill(srv, SIGKILL);
	assert_true(port > 0);
	assert_int_equal(linktest_sh("openssl s_client -connect 127.0.0.1:%d -CAfile "
	                             "'%s/anchor.pem' -verify_return_error -verify_ip 127.0.0.1 "
	                             "-brief </dev/null >/dev/null 2>&1",
	                             port, W.dir),
	                 0);
	assert_int_not_equal(linktest_sh("openssl s_client -connect 127.0.0.1:%d -CAfile "
	                                 "'%s/anchor.pem' -verify_return_error -verify_ip "
	                                 "192.0.2.250 -brief </dev/null >/dev/null 2>&1",
	                                 port, W.dir),
	                     0);
	close(fds[0]);
	close(in[1]);
	kill(srv, SIGTERM);
	waitpid(srv, NULL, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(addresses_become_sans, setup, teardown),
	    cmocka_unit_test_setup_teardown(bad_addresses_change_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(regenerate_link_and_ca, setup, teardown),
	    cmocka_unit_test_setup_teardown(csr_and_external_chain, setup, teardown),
	    cmocka_unit_test_setup_teardown(external_chain_from_before, setup, teardown),
	    cmocka_unit_test_setup_teardown(refusals_change_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(who_may, setup, teardown),
	    cmocka_unit_test_setup_teardown(s_client_trusts_exported, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
