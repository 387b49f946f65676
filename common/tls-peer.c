// SPDX-License-Identifier: GPL-2.0-or-later
/* Mutual TLS: a client's own certificate, a server asking for one (see tls.h). */
#include "tls-internal.h"

#include <errno.h>

int tls_config_client_cert(struct tls_config *cfg, const char *chain_pem_path,
                           const char *key_pem_path)
{
	int err = 0;

	if (cfg->is_server || cfg->own.raw.len)
		return -EINVAL;
	if (mbedtls_x509_crt_parse_file(&cfg->own, chain_pem_path) != 0 ||
	    mbedtls_pk_parse_keyfile(&cfg->key, key_pem_path, NULL) != 0)
		err = -ENOENT;
	else if (mbedtls_pk_check_pair(&cfg->own.pk, &cfg->key) != 0 ||
	         mbedtls_ssl_conf_own_cert(&cfg->conf, &cfg->own, &cfg->key) != 0)
		err = -EINVAL;
	if (err < 0) {
		mbedtls_x509_crt_free(&cfg->own);
		mbedtls_pk_free(&cfg->key);
		mbedtls_x509_crt_init(&cfg->own);
		mbedtls_pk_init(&cfg->key);
	}
	return err;
}

int tls_config_server_request_peer(struct tls_config *cfg)
{
	if (!cfg->is_server)
		return -EINVAL;
	/*
	 * OPTIONAL: the CertificateRequest goes out and a certificate that does
	 * not chain to the list below is still taken (its flags are the
	 * server's to read); CertificateVerify, the proof of the key, is checked
	 * either way. The list is the server's own chain: a placeholder that
	 * names no client's issuer, so browsers offer no certificate.
	 */
	mbedtls_ssl_conf_ca_chain(&cfg->conf, &cfg->certs, NULL);
	mbedtls_ssl_conf_authmode(&cfg->conf, MBEDTLS_SSL_VERIFY_OPTIONAL);
	return 0;
}
