// SPDX-License-Identifier: GPL-2.0-or-later
/* The real svcport-bmcd with --link-dir and its exported files (linktest.h). */
#include "linktest.h"

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libgen.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <mbedtls/sha256.h>
#include <mbedtls/x509_crt.h>
#include <pb_decode.h>

#include "devcerts.h"
#include "proc.h"
#include "procworld.h"
#include "testpki.h"

int linktest_start(struct linktest *l, const char *dir, const char *state, const char *link_dir,
                   const char *const *extra)
{
	const char *args[16] = {"--link-dir", l->link};
	int n = 2;

	snprintf(l->dir, sizeof(l->dir), "%s", dir);
	snprintf(l->gw, sizeof(l->gw), "%s/gw.sock", dir);
	snprintf(l->admin, sizeof(l->admin), "%s/admin.sock", dir);
	snprintf(l->log, sizeof(l->log), "%s/bmcd.log", dir);
	if (link_dir)
		snprintf(l->link, sizeof(l->link), "%s", link_dir);
	else {
		snprintf(l->link, sizeof(l->link), "%s/link", dir);
		if (mkdir(l->link, 0750) < 0 && errno != EEXIST)
			return -1;
	}
	for (int i = 0; extra && extra[i] && n < 15; i++)
		args[n++] = extra[i];
	args[n] = NULL;
	l->bmcd = proc_bmcd_start_log(state, l->gw, l->admin, args, true, l->log);
	return l->bmcd > 0 ? 0 : -1;
}

void linktest_stop(struct linktest *l)
{
	if (l->bmcd > 0)
		proc_stop(l->bmcd, SIGTERM);
	l->bmcd = -1;
}

int linktest_sh(const char *fmt, ...)
{
	char cmd[4 * PATH_MAX];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

void linktest_sigalg_bare(const char *path, int n)
{
	/* The extensions stay OCTET STRINGs (no -strparse): a NULL can only be a parameter. */
	assert_int_equal(linktest_sh("openssl asn1parse -in '%s' > '%s.asn1' && "
	                             "[ \"$(grep -c ':ecdsa-with-SHA256$' '%s.asn1')\" = %d ] && "
	                             "! grep -q 'prim: NULL' '%s.asn1'",
	                             path, path, path, n, path),
	                 0);
}

static void pem_write(const char *path, const mbedtls_x509_crt *c, const char *mode)
{
	char pem[2048];
	FILE *f;

	assert_int_equal(tpki_der_to_pem(c->raw.p, c->raw.len, pem, sizeof(pem)), 0);
	f = fopen(path, mode);
	assert_non_null(f);
	fputs(pem, f);
	assert_int_equal(fclose(f), 0);
}

/* DIR/leaf.pem, DIR/anchor.pem and DIR/untrusted.pem (empty: none) from the chain. */
static int chain_split(const struct linktest *l, mbedtls_x509_crt *chain)
{
	char path[PATH_MAX + 32];
	int n = 0;

	snprintf(path, sizeof(path), "%s/untrusted.pem", l->dir);
	fclose(fopen(path, "w"));
	for (const mbedtls_x509_crt *c = chain; c && c->raw.len; c = c->next, n++) {
		const char *name = n == 0 ? "leaf.pem" : !c->next ? "anchor.pem" : "untrusted.pem";

		snprintf(path, sizeof(path), "%s/%s", l->dir, name);
		pem_write(path, c, n > 0 && c->next ? "a" : "w");
	}
	return n;
}

void linktest_check(const struct linktest *l, uint64_t at_s)
{
	char path[PATH_MAX + 32];
	mbedtls_x509_crt chain;
	mbedtls_pk_context key;
	int n;

	mbedtls_x509_crt_init(&chain);
	mbedtls_pk_init(&key);
	snprintf(path, sizeof(path), "%s/link-chain.pem", l->link);
	assert_int_equal(mbedtls_x509_crt_parse_file(&chain, path), 0);
	snprintf(path, sizeof(path), "%s/link.key", l->link);
	assert_int_equal(mbedtls_pk_parse_keyfile(&key, path, NULL), 0);
	assert_int_equal(mbedtls_pk_ec(key)->grp.id, MBEDTLS_ECP_DP_SECP256R1);
	assert_int_equal(mbedtls_pk_check_pair(&chain.pk, &key), 0);
	n = chain_split(l, &chain);
	assert_true(n >= 2);
	/* Each certificate as Chromium takes it: no NULL after ecdsa-with-SHA256. */
	snprintf(path, sizeof(path), "%s/leaf.pem", l->dir);
	linktest_sigalg_bare(path, 2);
	snprintf(path, sizeof(path), "%s/anchor.pem", l->dir);
	linktest_sigalg_bare(path, 2);
	/* openssl's word for the same. */
	assert_int_equal(linktest_sh("[ \"$(openssl pkey -in '%s/link.key' -pubout)\" = "
	                             "\"$(openssl x509 -in '%s/leaf.pem' -pubkey -noout)\" ]",
	                             l->link, l->dir),
	                 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(linktest_sh("cd '%s' && openssl verify -attime %llu -purpose %s "
		                             "-CAfile anchor.pem %s leaf.pem >/dev/null",
		                             l->dir, (unsigned long long)at_s,
		                             i ? "sslclient" : "sslserver",
		                             n > 2 ? "-untrusted untrusted.pem" : ""),
		                 0);
	mbedtls_pk_free(&key);
	mbedtls_x509_crt_free(&chain);
}

void linktest_check_internal(const struct linktest *l, uint64_t at_s,
                             const svcport_v1_CaStatementBody *body, bool same_as_chain)
{
	char path[PATH_MAX + 48];
	mbedtls_x509_crt chain;
	mbedtls_pk_context key;

	mbedtls_x509_crt_init(&chain);
	mbedtls_pk_init(&key);
	snprintf(path, sizeof(path), "%s/link-internal-chain.pem", l->link);
	assert_int_equal(mbedtls_x509_crt_parse_file(&chain, path), 0);
	/* The leaf and the internal CA, which the statement names. */
	assert_non_null(chain.next);
	assert_null(chain.next->next);
	assert_int_equal(body->internal_ca_certificate.size, chain.next->raw.len);
	assert_memory_equal(body->internal_ca_certificate.bytes, chain.next->raw.p,
	                    chain.next->raw.len);
	snprintf(path, sizeof(path), "%s/link.key", l->link);
	assert_int_equal(mbedtls_pk_parse_keyfile(&key, path, NULL), 0);
	assert_int_equal(mbedtls_pk_check_pair(&chain.pk, &key), 0);
	mbedtls_pk_free(&key);
	mbedtls_x509_crt_free(&chain);
	/* openssl: the same key as link.key, a client certificate of the internal CA. */
	assert_int_equal(linktest_sh("cd '%s' && openssl x509 -in '%s/link-internal-chain.pem' "
	                             "-out int-leaf.pem && awk '/-BEGIN CERTIFICATE-/{n++} n==2' "
	                             "'%s/link-internal-chain.pem' > int-ca.pem && [ \"$(openssl "
	                             "pkey -in '%s/link.key' -pubout)\" = \"$(openssl x509 -in "
	                             "int-leaf.pem -pubkey -noout)\" ]",
	                             l->dir, l->link, l->link, l->link),
	                 0);
	assert_int_equal(linktest_sh("cd '%s' && openssl verify -attime %llu -purpose sslclient "
	                             "-CAfile int-ca.pem int-leaf.pem >/dev/null",
	                             l->dir, (unsigned long long)at_s),
	                 0);
	if (same_as_chain)
		assert_int_equal(linktest_sh("cmp -s '%s/link-internal-chain.pem' "
		                             "'%s/link-chain.pem'",
		                             l->link, l->link),
		                 0);
}

static void statement_check_ca(const struct linktest *l, const svcport_v1_CaStatementBody *body)
{
	char path[PATH_MAX + 32];
	mbedtls_x509_crt chain;
	const mbedtls_x509_crt *last;

	mbedtls_x509_crt_init(&chain);
	snprintf(path, sizeof(path), "%s/link-chain.pem", l->link);
	assert_int_equal(mbedtls_x509_crt_parse_file(&chain, path), 0);
	for (last = &chain; last->next; last = last->next)
		;
	assert_int_equal(body->internal_ca_certificate.size, last->raw.len);
	assert_memory_equal(body->internal_ca_certificate.bytes, last->raw.p, last->raw.len);
	mbedtls_x509_crt_free(&chain);
}

void linktest_statement(const struct linktest *l, const mbedtls_pk_context *device_key,
                        bool internal_chain, svcport_v1_CaStatement *s,
                        svcport_v1_CaStatementBody *body)
{
	static const char label[] = DEVCERTS_CA_STATEMENT_LABEL;
	unsigned char buf[4096], msg[sizeof(label) + sizeof(s->body.bytes)], hash[32];
	char path[PATH_MAX + 32];
	/* mbedTLS 2.28 verifies through a non-const context; it does not change it. */
	mbedtls_pk_context *pk = (mbedtls_pk_context *)device_key;
	pb_istream_t is;
	long n;

	snprintf(path, sizeof(path), "%s/ca-statement.pb", l->link);
	n = proc_slurp(path, buf, sizeof(buf));
	assert_true(n > 0);
	is = pb_istream_from_buffer(buf, (size_t)n);
	assert_true(pb_decode(&is, svcport_v1_CaStatement_fields, s));
	is = pb_istream_from_buffer(s->body.bytes, s->body.size);
	assert_true(pb_decode(&is, svcport_v1_CaStatementBody_fields, body));
	memcpy(msg, label, sizeof(label)); /* with its NUL */
	memcpy(msg + sizeof(label), s->body.bytes, s->body.size);
	mbedtls_sha256_ret(msg, sizeof(label) + s->body.size, hash, 0);
	assert_int_equal(mbedtls_pk_verify(pk, MBEDTLS_MD_SHA256, hash, sizeof(hash),
	                                   s->signature.bytes, s->signature.size),
	                 0);
	/* Another label does not verify: the label is part of what was signed. */
	msg[0] ^= 1;
	mbedtls_sha256_ret(msg, sizeof(label) + s->body.size, hash, 0);
	assert_int_not_equal(mbedtls_pk_verify(pk, MBEDTLS_MD_SHA256, hash, sizeof(hash),
	                                       s->signature.bytes, s->signature.size),
	                     0);
	if (internal_chain)
		statement_check_ca(l, body);
}

/* Waits until done(path, arg) holds, on inotify events of path's folder. 0 or -1. */
static int wait_for(const char *path, bool (*done)(const char *path, const void *arg),
                    const void *arg)
{
	char folder[PATH_MAX], buf[4096];
	struct pollfd p = {.events = POLLIN};
	int ret = -1;

	snprintf(folder, sizeof(folder), "%s", path);
	p.fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (p.fd < 0 || inotify_add_watch(p.fd, dirname(folder),
	                                  IN_MODIFY | IN_MOVED_TO | IN_CLOSE_WRITE | IN_CREATE) < 0)
		goto out;
	/* Checked after the watch is set: nothing is missed between the two. */
	while (!done(path, arg)) {
		if (poll(&p, 1, 10000) != 1)
			goto out;
		while (read(p.fd, buf, sizeof(buf)) > 0)
			;
	}
	ret = 0;
out:
	if (p.fd >= 0)
		close(p.fd);
	return ret;
}

struct old_bytes {
	const void *bytes;
	long len;
};

static bool is_changed(const char *path, const void *arg)
{
	const struct old_bytes *o = arg;
	static char now[16384];
	long n = proc_slurp(path, now, sizeof(now));

	return n >= 0 && (n != o->len || memcmp(now, o->bytes, (size_t)n) != 0);
}

int linktest_wait_change(const char *path, const void *old, long old_len)
{
	const struct old_bytes o = {old, old_len};

	return wait_for(path, is_changed, &o);
}

static bool has_text(const char *path, const void *arg)
{
	return proc_file_has(path, arg);
}

int linktest_wait_text(const char *path, const char *what)
{
	return wait_for(path, has_text, what);
}
