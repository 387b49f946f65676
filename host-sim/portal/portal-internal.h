/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared between portal.c and portal-sign.c only. */
#ifndef SVCPORT_SIM_PORTAL_INTERNAL_H
#define SVCPORT_SIM_PORTAL_INTERNAL_H

#include <limits.h>

#include "manual-code.h"
#include "pki.h"
#include "portal-gate.h"
#include "portal.h"

#define PORTAL_ROOT_KEY   "root.key"
#define PORTAL_ROOT_CRT   "root.crt"
#define PORTAL_SIGNER_KEY "signer.key"
#define PORTAL_SIGNER_CRT "signer.crt"
#define PORTAL_DEVCA_KEY  "device-ca.key"
#define PORTAL_DEVCA_CRT  "device-ca.crt"

#define PORTAL_DEVCA_SUBJECT "CN=svcport device CA,O=svcport portal"

struct portal {
	char dir[PATH_MAX];
	sqlite3 *db;
	struct pki_rng rng;
	char why[256];
	struct portal_gate gate;   /* the device endpoints' strangers (portal-online.c) */
	struct portal_gate logins; /* logins refused in a back-off, to summarise (portal-auth.c) */
};

/* Sets the reason of a refusal and returns err. */
int portal_refuse(struct portal *p, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* DIR/name into out (PATH_MAX). */
void portal_path(const struct portal *p, const char *name, char *out);

/* Loads DIR/name as a private key. */
int portal_key_load(struct portal *p, const char *name, mbedtls_pk_context *key)
    __attribute__((warn_unused_result));

/* Issues a device certificate (CN=MT-SN, serialNumber=MT-SN) for key. */
int portal_device_cert_issue(struct portal *p, const char *mt, const char *sn,
                             mbedtls_pk_context *key, int64_t now, uint8_t *out, size_t cap,
                             size_t *ret_len) __attribute__((warn_unused_result));

/* n symbols drawn uniformly from a 32-symbol alphabet. */
void portal_random_symbols(struct portal *p, const char *alphabet, char *out, size_t n);

/* PBKDF2-HMAC-SHA256 of secret with a 16-byte salt, 32 bytes out (portal-claim.c). */
int portal_pbkdf2(const char *secret, const uint8_t salt[16], unsigned iter, uint8_t out[32])
    __attribute__((warn_unused_result));
bool portal_is_equal_ct(const uint8_t *a, const uint8_t *b, size_t n);

/* K_dev of (mt, sn) for the board whose device key hashes to board_hash (portal-manual.c):
 * under the master key in DIR, made at the first manufacture (create). 0, or -ENOENT/-EIO
 * with portal_why(). */
int portal_manual_key(struct portal *p, const char *mt, const char *sn,
                      const uint8_t board_hash[MANUAL_BOARD_HASH_LEN], bool create,
                      uint8_t ret_key[MANUAL_KEY_LEN]) __attribute__((warn_unused_result));

/*
 * A DeviceKeyUpdate's manual_key_point/box: K_dev of (mt, sn, the new board's key) sealed
 * (common/pwbox) to the new board's point, bound to MT-SN and the command's nonce. A portal without
 * a master key leaves them empty. 0 or -errno with portal_why().
 */
int portal_manual_key_box(struct portal *p, const char *mt, const char *sn,
                          const uint8_t *board_pub, size_t board_pub_len,
                          const svcport_v1_CommandBody_nonce_t *nonce,
                          svcport_v1_DeviceKeyUpdate *k) __attribute__((warn_unused_result));

/* Role table of DESIGN §4.3. */
bool portal_is_role_allowed(svcport_v1_Role role, svcport_v1_Action action);

#endif
