/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The real svcport-bmcd with --link-dir, and the checks of what it exports
 * (docs/certs.md) with openssl and mbedTLS: test-bmcd-link, test-bmcd-linkcerts.
 */
#ifndef SVCPORT_TEST_LINKTEST_H
#define SVCPORT_TEST_LINKTEST_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <mbedtls/pk.h>

#include "svcport.pb.h"

struct linktest {
	char dir[PATH_MAX];
	char link[PATH_MAX + 16], gw[PATH_MAX + 16], admin[PATH_MAX + 16];
	char log[PATH_MAX + 16]; /* bmcd's stderr, kept across restarts */
	pid_t bmcd;
};

/*
 * Starts bmcd on state with --link-dir link_dir (NULL: DIR/link, made 0750),
 * sockets in dir, extra arguments (NULL-ended, may be NULL); returns once it
 * is ready. 0 or -1.
 */
int linktest_start(struct linktest *l, const char *dir, const char *state, const char *link_dir,
                   const char *const *extra);
void linktest_stop(struct linktest *l);

/*
 * Asserts: link.key is a P-256 key, the public key of link-chain.pem's first
 * certificate (openssl pkey/x509 agree, and mbedtls_pk_check_pair), and the
 * chain verifies at at_s for sslserver and sslclient (openssl verify, the last
 * certificate as the trust anchor, those between untrusted). Leaves
 * DIR/leaf.pem and DIR/anchor.pem.
 */
void linktest_check(const struct linktest *l, uint64_t at_s);

/*
 * Asserts: link-internal-chain.pem (what the portal link presents) is a leaf
 * and the internal CA named by body (a decoded statement); the leaf is for
 * link.key (mbedtls_pk_check_pair, and openssl's public keys agree) and
 * verifies against that CA at at_s for sslclient (openssl verify); if
 * same_as_chain (no external chain installed), it is link-chain.pem byte for
 * byte. Leaves DIR/int-leaf.pem and DIR/int-ca.pem.
 */
void linktest_check_internal(const struct linktest *l, uint64_t at_s,
                             const svcport_v1_CaStatementBody *body, bool same_as_chain);

/*
 * Decodes ca-statement.pb into s and its body, asserts the device key's
 * signature over SHA-256("svcport ca-statement v1" || 0 || body) and, if
 * internal_chain (no external chain installed), that its CA is the chain's
 * last certificate.
 */
void linktest_statement(const struct linktest *l, const mbedtls_pk_context *device_key,
                        bool internal_chain, svcport_v1_CaStatement *s,
                        svcport_v1_CaStatementBody *body);

/*
 * Waits (inotify, 10 s safety net) until the file at path holds other bytes
 * than old (old_len; -1: until it exists). 0 or -1 (timed out).
 */
int linktest_wait_change(const char *path, const void *old, long old_len);
/* Waits (inotify, 10 s safety net) until the file at path holds the text what. 0 or -1. */
int linktest_wait_text(const char *path, const char *what);

/*
 * Asserts, by openssl asn1parse of the PEM file at path (a certificate or a
 * request), that it names ecdsa-with-SHA256 exactly n times (2 in a
 * certificate: TBS and signatureAlgorithm; 1 in a request) and holds no NULL:
 * RFC 5758 §3.2's encoding, which Chromium wants (common/x509-sigalg.h).
 */
void linktest_sigalg_bare(const char *path, int n);

/* sh -c fmt...; its exit status (0: success). */
int linktest_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
