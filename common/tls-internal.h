/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by tls-config.c and tls-conn.c only. */
#ifndef SVCPORT_COMMON_TLS_INTERNAL_H
#define SVCPORT_COMMON_TLS_INTERNAL_H

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "tls.h"

struct tls_config {
	int refs;
	bool is_server;
	bool shutting_down;
	struct tls_limits lim;
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
	mbedtls_ssl_config conf;
	mbedtls_x509_crt certs; /* server: own chain; client: trust list */
	mbedtls_pk_context key; /* server: its key; client: its key for mutual TLS */
	mbedtls_x509_crt own;   /* client: its chain for mutual TLS (tls_config_client_cert) */
	struct tls_conn *live;  /* connections whose bufferevent exists */
	unsigned n_live;
	struct tls_conn *lingering; /* freed bufferevents still draining */
};

/* Frees a lingering connection now and unlinks it (tls-conn.c). */
void tls_conn_linger_end(struct tls_conn *c);

/*
 * mbedtls verify callback for a client that named its peer by IP address:
 * at depth 0 the certificate must carry that address as an iPAddress SAN
 * (mbedTLS 2.28 only matches dNSName SANs). p_vrfy: the 4- or 16-byte
 * address, prefixed by its length (uint8_t[17]).
 */
int tls_verify_ip_san(void *p_vrfy, mbedtls_x509_crt *crt, int depth, uint32_t *flags);

#endif
