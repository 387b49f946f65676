/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The file-backed secure element's private parts, shared by se-file*.c. */
#ifndef SVCPORT_SE_FILE_INT_H
#define SVCPORT_SE_FILE_INT_H

#include <limits.h>

#include "se.h"

#define SE_MAC_KEY_LEN 32

struct se {
	char dir[PATH_MAX]; /* STATE_DIR/se */
	mbedtls_pk_context key;
	mbedtls_x509_crt anchors;
	unsigned char pub[SE_PUBKEY_LEN];
	unsigned char pub_sha256[32];
	unsigned char wrap_key[SE_WRAP_KEY_LEN];
	mbedtls_pk_context ca_key, link_key;
	unsigned char mac_key[SE_MAC_KEY_LEN];
	uint64_t counter;      /* as last read or written */
	uint64_t counter_gen;  /* generation of the counter's newest slot */
	unsigned counter_slot; /* which slot holds it */
	uint64_t latch_gen;
	unsigned latch_slot;
};

/* se-file-store.c: the record MAC key, counter and latch files in dir. */
int se_store_provision(const char *dir, const struct bmc_env *env)
    __attribute__((warn_unused_result));
/* Reads the MAC key, counter and latch into se (se->dir set). 0, -EBADMSG or -errno. */
int se_store_open(struct se *se) __attribute__((warn_unused_result));

#endif
