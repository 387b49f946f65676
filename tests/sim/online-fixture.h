/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Online activation tests (test-online.c): link credentials made the way
 * bmcd exports them (contracts.md "Link credentials"), with openssl for the
 * certificates and a CA statement signed here with the factory's device key,
 * and waiting for a daemon's log line with inotify (never a sleep).
 */
#ifndef SVCPORT_TEST_ONLINE_FIXTURE_H
#define SVCPORT_TEST_ONLINE_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* dir/ca.key, dir/ca.pem: an internal CA (P-256, CA:TRUE). */
void online_ca_make(const char *dir);
/*
 * dir/link.key, dir/link.pem, dir/link-internal-chain.pem and
 * dir/link-chain.pem (both: link, then the CA of ca_dir): a link certificate
 * whose subject serialNumber is serial.
 */
void online_leaf_make(const char *dir, const char *ca_dir, const char *serial);
/*
 * out: a CaStatement for ca_dir/ca.pem naming (mt, sn), issued at issued_at,
 * signed with the PEM key key_path over SHA-256("svcport ca-statement v1"
 * || 0x00 || body).
 */
void online_statement_make(const char *out, const char *ca_dir, const char *mt, const char *sn,
                           const char *key_path, uint64_t issued_at);
/* A whole link dir: CA, leaf (serialNumber MT-SN) and statement (issued now). */
void online_linkdir_make(const char *dir, const char *mt, const char *sn, const char *key_path);
/* out: an OnlineActivationRequest with the statement file and a challenge for (mt, sn)
 * whose device signature is not genuine (the refusal tests never get that far). */
void online_request_make(const char *out, const char *statement_path, const char *mt,
                         const char *sn);

/* The size of path now: where online_log_wait starts reading. */
long online_log_mark(const char *path);
/* Waits (inotify, at most timeout_ms) until path holds needle past offset from;
 * returns the offset after the line that holds it, or fails the test. */
long online_log_wait(const char *path, long from, const char *needle, int timeout_ms);

#endif
