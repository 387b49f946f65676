/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The simulated cloud portal: organisations, users and roles, devices, the
 * portal PKI, claims, transfers, command signing and receipts. State lives in
 * DIR/portal.db plus PEM files in DIR. Library code: no printing; every
 * refusal is a negative errno with a reason kept in portal_why().
 *
 * Errors (see portal_err_name):
 *   -EACCES ROLE_FORBIDDEN   -EPERM NOT_OWNER        -EBADMSG BAD_SIGNATURE
 *   -ENODEV WRONG_DEVICE     -EKEYEXPIRED EXPIRED    -EBUSY RATE_LIMITED
 *   -EKEYREJECTED WRONG_CODE (activation code or passphrase)
 *   -ENOENT NOT_FOUND        -EEXIST EXISTS          -EINVAL BAD_REQUEST
 *   -EALREADY INVALID_STATE  -ENOKEY UNAUTHENTICATED -E2BIG TOO_LARGE
 *   others: INTERNAL
 */
#ifndef SVCPORT_SIM_PORTAL_H
#define SVCPORT_SIM_PORTAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "portal-db.h"
#include "svcport.pb.h"

#define PORTAL_CMD_VALIDITY    600   /* seconds a signed command is valid */
#define PORTAL_SIGNER_DAYS     90    /* command-signing certificate lifetime */
#define PORTAL_TRANSFER_VALID  86400 /* transfer passphrase lifetime */
#define PORTAL_CLAIM_WINDOW    900   /* rate-limit window for claim attempts */
#define PORTAL_CLAIM_MAX_FAILS 5     /* failures per org per window */
#define PORTAL_PASSPHRASE_MAX  40

struct portal;

/* Opens DIR (create: make DIR and portal.db if missing). */
int portal_open(const char *dir, bool create, struct portal **ret)
    __attribute__((warn_unused_result));
void portal_close(struct portal *p);

/* Reason of the last refusal, for people (never contains a secret). */
const char *portal_why(const struct portal *p);
/* Machine name of an error returned by a portal_* function. */
const char *portal_err_name(int err);

sqlite3 *portal_db(struct portal *p);

/* Root CA, command-signing certificate and device CA. -EEXIST if already done. */
int portal_init(struct portal *p, int64_t now) __attribute__((warn_unused_result));

int portal_org_add(struct portal *p, const char *org, int64_t now)
    __attribute__((warn_unused_result));
int portal_user_add(struct portal *p, const char *user, const char *org, svcport_v1_Role role)
    __attribute__((warn_unused_result));

#define PORTAL_LABEL_PW_MAX 20 /* XXXX-XXXX-XXXX-XXXX and a NUL */

struct portal_manufactured {
	char code[PORTAL_CODE_MAX]; /* printed on the pull-out tab */
	char board_key_sha256[65];  /* printed as the board's QR code */
	/* The BMC's initial administrator password, unique per board, printed on its
	 * label (factory dir `admin-password`); must change at first login. */
	char label_password[PORTAL_LABEL_PW_MAX];
};

/*
 * Writes a factory directory (docs/interfaces.md) for a new server and records it.
 * blank: a replacement motherboard (key, board-key.sha256, trust anchors
 * only; not recorded; mt/sn ignored).
 */
int portal_device_manufacture(struct portal *p, const char *mt, const char *sn,
                              svcport_v1_ControlMode control, const char *out_dir, bool blank,
                              int64_t now, struct portal_manufactured *ret)
    __attribute__((warn_unused_result));

/* Claims a device for org with its activation code (rate limited per org). */
int portal_claim(struct portal *p, const char *org, const char *mt, const char *sn,
                 const char *code, int64_t now) __attribute__((warn_unused_result));

/* Bulk claims: portal_act_claim_csv (host-sim/portal/portal-acts.h). */

/*
 * Starts a transfer of devices ("MT-SN" or "MT/SN" each) owned by from_org:
 * writes csv_path and a fresh passphrase into passphrase (valid_for seconds).
 */
int portal_transfer_start(struct portal *p, const char *from_org, const char *const *devices,
                          size_t n, const char *csv_path, long valid_for, int64_t now,
                          char passphrase[PORTAL_PASSPHRASE_MAX], char ret_id[33])
    __attribute__((warn_unused_result));
int portal_transfer_accept(struct portal *p, const char *to_org, const char *csv_path,
                           const char *passphrase, int64_t now) __attribute__((warn_unused_result));

/* Records the replacement board's key hash (64 hex chars) for (mt, sn). */
int portal_device_key_update(struct portal *p, const char *mt, const char *sn,
                             const char *new_key_hex) __attribute__((warn_unused_result));

/* What portal_sign is asked to do. Fields marked TEST ONLY exist for the tests. */
struct portal_sign_req {
	const char *user;
	svcport_v1_Action action;
	const uint8_t *challenge; /* encoded svcport_v1_Challenge */
	size_t challenge_len;
	const uint8_t *device_pubkey; /* key-update: the new board's uncompressed point */
	size_t device_pubkey_len;
	svcport_v1_SensorSettings sensors; /* ConfigureSensors */
	/*
	 * EmergencyPasswordReset: the phone's ephemeral P-256 public key (65 bytes,
	 * uncompressed) the BMC encrypts the new password to (DESIGN §4.7). Checked
	 * here; issue 13 defines its CommandBody field and puts it in (portal-sign.c).
	 */
	const uint8_t *ephemeral_pubkey;
	size_t ephemeral_pubkey_len;
	int64_t now;
	long validity;      /* seconds; 0: PORTAL_CMD_VALIDITY */
	long issued_offset; /* added to now for issued_at (expired commands in tests) */
	bool force_chain;   /* send the chain even if the device knows the signer */
	/* TEST ONLY: skip the portal's role/ownership checks (the BMC must refuse). */
	bool skip_policy;
	/* TEST ONLY forgeries; each implies skip_policy. */
	bool forge_untrusted;                 /* signer not chaining to the root */
	bool forge_signature;                 /* flip one bit of the signature */
	const char *forge_device;             /* "MT/SN": body names another device */
	svcport_v1_ControlMode forge_control; /* key-update: this control mode (demotion) */
	const char *forge_org;                /* body org_id */
	svcport_v1_Role forge_role;           /* body role */
};

struct portal_signed {
	svcport_v1_DeviceId device;
	uint8_t nonce[16];
	bool used_fingerprint; /* named the signer by fingerprint, chain left out */
	bool test_only;
};

/*
 * Checks the user's role, the organisation's ownership and the challenge's
 * device signature, then signs a CommandBody bound to the challenge nonce.
 * Writes the encoded SignedCommand into out.
 */
int portal_sign(struct portal *p, const struct portal_sign_req *req, uint8_t *out, size_t cap,
                size_t *ret_len, struct portal_signed *ret_info)
    __attribute__((warn_unused_result));

/* The signer chain (signer certificate only; the root is pinned on the BMC). */
int portal_signer_chain(struct portal *p, svcport_v1_CertChain *chain)
    __attribute__((warn_unused_result));

struct portal_receipt_info {
	svcport_v1_ReceiptBody body;
	char status[16]; /* the device's new portal status */
};

/* Verifies a DeviceReceipt against the device certificate and updates the device. */
int portal_receipt(struct portal *p, const uint8_t *receipt, size_t len,
                   struct portal_receipt_info *ret) __attribute__((warn_unused_result));

/* File helpers shared by the CLI and the app. */
int portal_file_read(const char *path, uint8_t *buf, size_t cap, size_t *ret_len)
    __attribute__((warn_unused_result));
int portal_file_write(const char *path, const uint8_t *buf, size_t len)
    __attribute__((warn_unused_result));

#endif
