/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The portal's SQLite store (portal.db): organisations, users, devices,
 * claim attempts, transfers and the commands it signed. Thin typed helpers
 * over prepared statements; policy lives in portal.c / portal-sign.c.
 */
#ifndef SVCPORT_SIM_PORTAL_DB_H
#define SVCPORT_SIM_PORTAL_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <sqlite3.h>

#define PORTAL_NAME_MAX 65 /* org/user names: proto bound of owner_org/operator_id */
#define PORTAL_MT_MAX   17
#define PORTAL_SN_MAX   33
#define PORTAL_CODE_MAX 33
#define PORTAL_CERT_MAX 1024

struct portal_user {
	char name[PORTAL_NAME_MAX];
	char org[PORTAL_NAME_MAX];
	int role; /* svcport_v1_Role */
};

struct portal_device {
	char mt[PORTAL_MT_MAX];
	char sn[PORTAL_SN_MAX];
	char code[PORTAL_CODE_MAX];  /* secure activation code (the pull-out tab) */
	int control;                 /* svcport_v1_ControlMode shipped / current */
	char owner[PORTAL_NAME_MAX]; /* portal-side owner ("" unclaimed) */
	char status[16];             /* manufactured, pending, ready, activated, ... */
	char transfer_to[PORTAL_NAME_MAX];
	char key_sha256[65];           /* current device key */
	char new_key_sha256[65];       /* recorded from a replacement board's QR code */
	uint8_t cert[PORTAL_CERT_MAX]; /* current device certificate, DER */
	size_t cert_len;
	uint8_t new_cert[PORTAL_CERT_MAX]; /* issued for new_key, until a receipt proves it */
	size_t new_cert_len;
	/* The server has SED (issue 13): set at manufacture or from any receipt that says
	 * so, never cleared (the update ORs it in); a DeviceKeyUpdate carries it. */
	bool sed;
};

int portal_db_open(const char *path, bool create, sqlite3 **ret_db)
    __attribute__((warn_unused_result));
void portal_db_close(sqlite3 *db);

/* One statement or script without results. */
int portal_db_exec(sqlite3 *db, const char *sql) __attribute__((warn_unused_result));

bool portal_db_has_org(sqlite3 *db, const char *org);
int portal_db_org_add(sqlite3 *db, const char *org, int64_t now)
    __attribute__((warn_unused_result));
int portal_db_user_get(sqlite3 *db, const char *name, struct portal_user *ret)
    __attribute__((warn_unused_result));
int portal_db_user_add(sqlite3 *db, const struct portal_user *u)
    __attribute__((warn_unused_result));

/* -ENOENT when unknown. */
int portal_db_device_get(sqlite3 *db, const char *mt, const char *sn, struct portal_device *ret)
    __attribute__((warn_unused_result));
/* The device whose recorded replacement key hash is hex. */
int portal_db_device_by_new_key(sqlite3 *db, const char *hex, struct portal_device *ret)
    __attribute__((warn_unused_result));
int portal_db_device_insert(sqlite3 *db, const struct portal_device *d)
    __attribute__((warn_unused_result));
/* Writes every mutable column of d back. */
int portal_db_device_update(sqlite3 *db, const struct portal_device *d)
    __attribute__((warn_unused_result));
/* Calls cb for each device, in MT/SN order. */
int portal_db_device_each(sqlite3 *db, int (*cb)(const struct portal_device *d, void *ud), void *ud)
    __attribute__((warn_unused_result));

/* Claim attempts: failures of org since `since`. */
int portal_db_claim_failures(sqlite3 *db, const char *org, int64_t since)
    __attribute__((warn_unused_result));
int portal_db_claim_record(sqlite3 *db, const char *org, const char *mt, const char *sn, bool ok,
                           int64_t now) __attribute__((warn_unused_result));

struct portal_transfer {
	char id[33];
	char from_org[PORTAL_NAME_MAX];
	char to_org[PORTAL_NAME_MAX];
	uint8_t salt[16];
	uint8_t hash[32];
	int64_t expires_at;
	char state[16]; /* open, accepted */
};

int portal_db_transfer_insert(sqlite3 *db, const struct portal_transfer *t)
    __attribute__((warn_unused_result));
int portal_db_transfer_get(sqlite3 *db, const char *id, struct portal_transfer *ret)
    __attribute__((warn_unused_result));
int portal_db_transfer_set_state(sqlite3 *db, const char *id, const char *to_org, const char *state)
    __attribute__((warn_unused_result));
int portal_db_transfer_device_add(sqlite3 *db, const char *id, const char *mt, const char *sn)
    __attribute__((warn_unused_result));
/* Number of devices of transfer id, and whether (mt, sn) is one of them. */
int portal_db_transfer_device_count(sqlite3 *db, const char *id)
    __attribute__((warn_unused_result));
bool portal_db_transfer_has_device(sqlite3 *db, const char *id, const char *mt, const char *sn);

/* Signed commands, by nonce (hex), for receipts. */
int portal_db_command_record(sqlite3 *db, const char *nonce_hex, const char *mt, const char *sn,
                             int action, const char *user, const char *org, int64_t now,
                             bool test_only) __attribute__((warn_unused_result));
/* action of the command with nonce, or -ENOENT. */
int portal_db_command_action(sqlite3 *db, const char *nonce_hex)
    __attribute__((warn_unused_result));
int portal_db_command_set_result(sqlite3 *db, const char *nonce_hex, const char *result)
    __attribute__((warn_unused_result));
/* Whether a receipt for nonce_hex may be taken: 0 if this portal signed that command for
 * (mt, sn) and no result is recorded yet; -ENOENT not signed here for that device,
 * -EALREADY its receipt was handed in already (a replay); -EIO. */
int portal_db_command_is_open(sqlite3 *db, const char *nonce_hex, const char *mt, const char *sn)
    __attribute__((warn_unused_result));

/* Transactions around multi-row changes. */
int portal_db_begin(sqlite3 *db) __attribute__((warn_unused_result));
int portal_db_commit(sqlite3 *db) __attribute__((warn_unused_result));
void portal_db_rollback(sqlite3 *db);

/* A challenge the portal answered (manual activation, docs/manual-activation.md). */
#define PORTAL_MANUAL_KEEP_S (30 * 24 * 3600) /* answers older than this are forgotten */
struct portal_manual_answer {
	char mt[PORTAL_MT_MAX];
	char sn[PORTAL_SN_MAX];
	char nonce[11];  /* 40 bits, hex */
	int64_t expires; /* the challenge's expiry, seconds since the epoch */
	char user[PORTAL_NAME_MAX];
	char key_sha256[65]; /* the device key K_dev was bound to */
	bool confirmed;      /* its receipt was accepted */
};
/* Records m as answered (a second answer of the same challenge keeps the first). */
int portal_db_manual_answer(sqlite3 *db, const struct portal_manual_answer *m, int64_t now)
    __attribute__((warn_unused_result));
/* Fills m's user, key and confirmed from its (mt, sn, nonce, expires); -ENOENT if never
 * answered. */
int portal_db_manual_get(sqlite3 *db, struct portal_manual_answer *m)
    __attribute__((warn_unused_result));
/* Marks m confirmed: 0, or -EALREADY if it already was (or was never answered). */
int portal_db_manual_confirm(sqlite3 *db, const struct portal_manual_answer *m, int64_t now)
    __attribute__((warn_unused_result));

#endif
