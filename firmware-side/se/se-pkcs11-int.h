/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The PKCS#11 secure element's private parts, shared by se-pkcs11*.c:
 * loading the module, the session, finding and reading objects.
 */
#ifndef SVCPORT_SE_PKCS11_INT_H
#define SVCPORT_SE_PKCS11_INT_H

#include <p11-kit/pkcs11.h>

#include "se-int.h"

/* The token objects, by CKA_LABEL (docs/bmc.md "PKCS#11 back-end"). */
#define P11_LABEL_DEVICE  "svcport-device"
#define P11_LABEL_WRAP    "svcport-wrap"
#define P11_LABEL_MAC     "svcport-state-mac"
#define P11_LABEL_COUNTER "svcport-counter"
#define P11_LABEL_LATCH   "svcport-latch"
#define P11_LABEL_ANCHORS "svcport-trust-anchors"
#define P11_COUNTER_LEN   8
#define P11_MAX_OBJECTS   8            /* of one label: more is a token we did not provision */
#define P11_RECORD_MAX    SE_LATCH_LEN /* the larger record payload */

/* Retired (issue 16, docs/certs.md): never made or read; a re-provisioning destroys them. */
#define P11_LABEL_CA   "svcport-internal-ca"
#define P11_LABEL_LINK "svcport-link"

/* A logged-in read-write session on the configured token. */
struct p11 {
	struct p11_module *mod;
	CK_FUNCTION_LIST_PTR f;
	CK_SESSION_HANDLE session;
	bool has_session;
};

extern const char *const p11_key_labels[SE_KEY_COUNT];

/*
 * Loads cfg's module (once per process: PKCS#11 modules are process-wide),
 * finds the token by label, opens a read-write session and logs in with the
 * PIN file's PIN. 0, or -ENOENT/-ENODEV/-EACCES/-EIO with se_error() set.
 */
int p11_session_open(const struct se_config *cfg, struct p11 *p)
    __attribute__((warn_unused_result));
/* Closes the session and drops the module reference. Idempotent. */
void p11_session_close(struct p11 *p);

/* Records "C_Name: CKR_..." for se_error(); returns -EIO. */
int p11_fail(const char *call, CK_RV rv);
/*
 * A 32-byte secret generated inside the token, never extractable, never modifiable: an
 * AES-256 key for sealing (aes) or a generic HMAC key. 0 or -errno (logged).
 */
int p11_secret_generate(struct p11 *p, bool aes, const char *label)
    __attribute__((warn_unused_result));
/*
 * One AES-GCM operation in the token with key: out = ciphertext | tag when sealing, the
 * plaintext when opening; iv is P11_GCM_IV_LEN bytes, the tag P11_GCM_TAG_LEN. *ret_len
 * (may be NULL) gets out's length. 0, -EBADMSG (does not open: another key or a changed
 * box) or -errno.
 */
#define P11_GCM_IV_LEN  12
#define P11_GCM_TAG_LEN 16
int p11_gcm(struct p11 *p, CK_OBJECT_HANDLE key, bool seal, const uint8_t *iv, const uint8_t *aad,
            size_t aad_len, const uint8_t *in, size_t in_len, uint8_t *out, size_t cap,
            size_t *ret_len) __attribute__((warn_unused_result));

/*
 * The objects of class cls and label: *ret_n of them (at most cap). 0 or -EIO.
 */
int p11_find(struct p11 *p, CK_OBJECT_CLASS cls, const char *label, CK_OBJECT_HANDLE *ret,
             size_t cap, size_t *ret_n) __attribute__((warn_unused_result));
/* Exactly one object of class cls and label. 0, -ENOENT (none) or -EIO. */
int p11_find_one(struct p11 *p, CK_OBJECT_CLASS cls, const char *label, CK_OBJECT_HANDLE *ret_obj)
    __attribute__((warn_unused_result));
/* An attribute's value into buf (cap bytes). 0, -ENOSPC or -EIO. */
int p11_attr_get(struct p11 *p, CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_TYPE type, void *buf, size_t cap,
                 size_t *ret_len) __attribute__((warn_unused_result));

/* C_CreateObject. 0 or -EIO. */
int p11_create(struct p11 *p, CK_ATTRIBUTE *tmpl, CK_ULONG n) __attribute__((warn_unused_result));
/* A private, unmodifiable token CKO_DATA object of ours. 0 or -EIO. */
int p11_data_create(struct p11 *p, const char *label, const void *value, size_t len)
    __attribute__((warn_unused_result));

/*
 * Records (the counter, the latch): a token's data object cannot be
 * rewritten in place (PKCS#11 does not say CKA_VALUE of a CKO_DATA may
 * change; SoftHSM2 refuses), so a record is replaced: a new object with
 * value = generation (8, LE) | payload, then the older ones destroyed. A
 * read takes the highest generation: a crash between the two steps leaves
 * the new record in force and the old one is destroyed at the next write.
 */
int p11_record_create(struct p11 *p, const char *label, uint64_t gen, const void *payload,
                      size_t len) __attribute__((warn_unused_result));
/* The newest record's payload (exactly len bytes). 0, -ENOENT, -EBADMSG or -EIO. */
int p11_record_read(struct p11 *p, const char *label, void *payload, size_t len, uint64_t *ret_gen)
    __attribute__((warn_unused_result));
/* Replaces the record (generation + 1). 0 or -EIO (the previous record stands). */
int p11_record_write(struct p11 *p, const char *label, const void *payload, size_t len)
    __attribute__((warn_unused_result));

#endif
