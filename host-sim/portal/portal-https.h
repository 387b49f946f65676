/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The portal service's HTTPS certificates, after the management-hub model
 * (DESIGN §6, docs/portal-api.md "Certificates"): an internal CA made at first
 * start and a server certificate it signs whose SANs are the service's DNS
 * names and IP addresses, regenerated when those change; on demand a new
 * server certificate or a new CA; a CSR for an external CA and the
 * installation of the returned chain; the PEM a client must trust.
 *
 * Files in DIR/https/ (keys 0600): ca.key ca.crt (internal CA), server.key,
 * server.crt (chain sent to clients), names (the SANs in use), pending.key +
 * request.csr (a CSR in progress), external (present: an external chain is
 * installed; names changes then do not regenerate).
 */
#ifndef SVCPORT_SIM_PORTAL_HTTPS_H
#define SVCPORT_SIM_PORTAL_HTTPS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct portal;

#define PORTAL_HTTPS_NAMES_MAX 16
#define PORTAL_HTTPS_NAME_MAX  254

struct portal_https_names {
	size_t n;
	char name[PORTAL_HTTPS_NAMES_MAX][PORTAL_HTTPS_NAME_MAX]; /* DNS names and IP literals */
};

/* Adds a name once; -ENOSPC when full, -EINVAL if it is not a DNS name or IP literal. */
int portal_https_names_add(struct portal_https_names *n, const char *name)
    __attribute__((warn_unused_result));

/*
 * At start: the CA if missing, then the server certificate if missing or if
 * its names differ from names (internal certificate only). *ret_made tells
 * whether a server certificate was (re)generated.
 */
int portal_https_ensure(struct portal *p, const struct portal_https_names *names, int64_t now,
                        bool *ret_made) __attribute__((warn_unused_result));
/* On demand: a new server certificate (from the internal CA; drops an external chain). */
int portal_https_regen_server(struct portal *p, const struct portal_https_names *names, int64_t now)
    __attribute__((warn_unused_result));
/* On demand: a new internal CA, then a new server certificate. */
int portal_https_regen_ca(struct portal *p, const struct portal_https_names *names, int64_t now)
    __attribute__((warn_unused_result));
/* A CSR for a new key (kept pending) with the names as SANs; PEM into out_path. */
int portal_https_csr(struct portal *p, const struct portal_https_names *names, const char *out_path)
    __attribute__((warn_unused_result));
/*
 * Installs the external CA's full chain (PEM: server certificate first, the
 * root last). Refused (-EINVAL, nothing changed) unless the first
 * certificate's key is the pending CSR key and the chain verifies up to its
 * last, self-signed certificate.
 */
int portal_https_install(struct portal *p, const char *chain_path, int64_t now)
    __attribute__((warn_unused_result));

/* Paths for tls_config_server_new and for download (the anchor a client trusts). */
void portal_https_chain_path(const struct portal *p, char out[PATH_MAX]);
void portal_https_key_path(const struct portal *p, char out[PATH_MAX]);
void portal_https_anchor_path(const struct portal *p, char out[PATH_MAX]);
bool portal_https_is_external(const struct portal *p);

#endif
