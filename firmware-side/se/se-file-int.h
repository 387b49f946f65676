/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The file-backed secure element's private parts, shared by se-file*.c. */
#ifndef SVCPORT_SE_FILE_INT_H
#define SVCPORT_SE_FILE_INT_H

#include <limits.h>

#include "se-int.h"

#define SE_MAC_KEY_LEN 32

struct se_file {
	struct se se;       /* first: the interface's half */
	char dir[PATH_MAX]; /* STATE_DIR/se */
	mbedtls_pk_context keys[SE_KEY_COUNT];
	unsigned char wrap_key[SE_WRAP_KEY_LEN];
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
/* Reads the MAC key, counter and latch into f (f->dir set). 0, -EBADMSG or -errno. */
int se_store_open(struct se_file *f) __attribute__((warn_unused_result));

int se_file_mac(struct se *se, const void *data, size_t len, unsigned char out[SE_MAC_LEN]);
int se_file_mac_verify(struct se *se, const void *data, size_t len,
                       const unsigned char mac[SE_MAC_LEN]);
int se_file_counter_get(struct se *se, uint64_t *ret_value);
int se_file_counter_raise(struct se *se, uint64_t value);
int se_file_latch_get(struct se *se, struct se_latch *ret_latch);
int se_file_latch_put(struct se *se, const struct se_latch *latch);

#endif
