// SPDX-License-Identifier: GPL-2.0-or-later
/* Every portal function as an audited, authorised act (see portal-acts.h). */
#include "portal-acts.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#include "names.h"
#include "portal-csv.h"
#include "portal-internal.h"
#include "utc.h"

/* Audits the act and passes its result through. */
static int audited(struct portal *p, const struct portal_actor *a, const char *action,
                   const char *target, int err)
{
	portal_audit(p, a, action, target, err);
	return err;
}

int portal_act_org_add(struct portal *p, const struct portal_actor *a, const char *org)
{
	int err = portal_authorize(p, a, PORTAL_RIGHT_ORG_ADMIN, NULL);

	if (err == 0)
		err = portal_org_add(p, org, utc_now_s());
	return audited(p, a, "org.add", org, err);
}

int portal_act_orgs_each(struct portal *p, const struct portal_actor *a,
                         int (*cb)(const struct portal_org_info *o, void *ud), void *ud)
{
	sqlite3_stmt *st = NULL;
	int err = portal_authorize(p, a, PORTAL_RIGHT_ORG_ADMIN, NULL);

	if (err < 0)
		return audited(p, a, "org.list", "", err);
	if (sqlite3_prepare_v2(portal_db(p),
	                       "SELECT o.name, o.created,"
	                       " (SELECT count(*) FROM users u WHERE u.org=o.name),"
	                       " (SELECT count(*) FROM devices d WHERE d.owner=o.name),"
	                       " coalesce((SELECT issuer FROM org_idps i WHERE i.org=o.name), '')"
	                       " FROM orgs o ORDER BY o.name;",
	                       -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	while (err == 0 && sqlite3_step(st) == SQLITE_ROW) {
		struct portal_org_info o = {.created = sqlite3_column_int64(st, 1),
		                            .users = sqlite3_column_int(st, 2),
		                            .devices = sqlite3_column_int(st, 3)};

		snprintf(o.name, sizeof(o.name), "%s", (const char *)sqlite3_column_text(st, 0));
		snprintf(o.idp_issuer, sizeof(o.idp_issuer), "%s",
		         (const char *)sqlite3_column_text(st, 4));
		err = cb(&o, ud);
	}
	sqlite3_finalize(st);
	return err;
}

int portal_act_user_add(struct portal *p, const struct portal_actor *a, const char *user,
                        const char *org, svcport_v1_Role role, const char *password)
{
	int err = portal_authorize(p, a, PORTAL_RIGHT_USERS, org);

	if (err == 0 && password &&
	    (strlen(password) < PORTAL_PASSWORD_MIN || strlen(password) > PORTAL_PASSWORD_MAX))
		err = portal_refuse(p, -EINVAL, "a password has %d to %d characters",
		                    PORTAL_PASSWORD_MIN, PORTAL_PASSWORD_MAX);
	if (err == 0)
		err = portal_db_begin(portal_db(p));
	if (err == 0) {
		err = portal_user_add(p, user, org, role);
		if (err == 0 && password)
			err = portal_password_set(p, user, password);
		if (err == 0)
			err = portal_db_commit(portal_db(p));
		if (err < 0)
			portal_db_rollback(portal_db(p));
	}
	return audited(p, a, "user.add", user, err);
}

/* The user, and the actor's right over the user's organisation. */
static int user_target(struct portal *p, const struct portal_actor *a, const char *user,
                       struct portal_user *u)
{
	if (portal_db_user_get(portal_db(p), user, u) < 0)
		return portal_refuse(p, -ENOENT, "no user %s", user);
	return portal_authorize(p, a, PORTAL_RIGHT_USERS, u->org);
}

static int exec_user(struct portal *p, const char *sql, const char *user, int role)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(portal_db(p), sql, -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_text(st, 1, user, -1, SQLITE_TRANSIENT);
	if (role >= 0)
		sqlite3_bind_int(st, 2, role);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -EIO;
}

int portal_act_user_role(struct portal *p, const struct portal_actor *a, const char *user,
                         svcport_v1_Role role)
{
	struct portal_user u;
	int err = user_target(p, a, user, &u);

	if (err == 0 && role == svcport_v1_Role_ROLE_UNSPECIFIED)
		err = portal_refuse(p, -EINVAL,
		                    "role must be org-admin, edge-user, maintenance or base");
	if (err == 0 && !a->is_operator && strcmp(a->user, user) == 0)
		err = portal_refuse(p, -EACCES, "an administrator does not change their own role");
	if (err == 0)
		err = exec_user(p, "UPDATE users SET role=?2 WHERE name=?1;", user, role);
	return audited(p, a, "user.role", user, err);
}

int portal_act_user_remove(struct portal *p, const struct portal_actor *a, const char *user)
{
	static const char *const sql[] = {
	    "DELETE FROM sessions WHERE user=?1;",
	    "DELETE FROM credentials WHERE user=?1;",
	    "DELETE FROM portal_admins WHERE user=?1;",
	    "DELETE FROM users WHERE name=?1;",
	};
	struct portal_user u;
	int err = user_target(p, a, user, &u);

	if (err == 0 && !a->is_operator && strcmp(a->user, user) == 0)
		err = portal_refuse(p, -EACCES, "an administrator does not remove themselves");
	if (err == 0)
		err = portal_db_begin(portal_db(p));
	for (size_t i = 0; err == 0 && i < sizeof(sql) / sizeof(sql[0]); i++)
		err = exec_user(p, sql[i], user, -1);
	if (err == 0)
		err = portal_db_commit(portal_db(p));
	else if (err == -EIO)
		portal_db_rollback(portal_db(p));
	return audited(p, a, "user.remove", user, err);
}

int portal_act_users_each(struct portal *p, const struct portal_actor *a, const char *org,
                          int (*cb)(const struct portal_user *u, void *ud), void *ud)
{
	sqlite3_stmt *st = NULL;
	int err = portal_authorize(p, a, PORTAL_RIGHT_USERS, org);

	if (err < 0)
		return audited(p, a, "user.list", org, err);
	if (sqlite3_prepare_v2(portal_db(p),
	                       "SELECT name, org, role FROM users WHERE org=?1 ORDER BY name;", -1,
	                       &st, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_text(st, 1, org, -1, SQLITE_TRANSIENT);
	while (err == 0 && sqlite3_step(st) == SQLITE_ROW) {
		struct portal_user u = {.role = sqlite3_column_int(st, 2)};

		snprintf(u.name, sizeof(u.name), "%s", (const char *)sqlite3_column_text(st, 0));
		snprintf(u.org, sizeof(u.org), "%s", (const char *)sqlite3_column_text(st, 1));
		err = cb(&u, ud);
	}
	sqlite3_finalize(st);
	return err;
}

int portal_act_users_csv(struct portal *p, const struct portal_actor *a, const char *org,
                         const char *csv, size_t len, portal_row_fn row, void *ud)
{
	static const char *const headers[] = {"user,role", NULL};
	struct portal_csv c = {0}; /* freed on every path, parsed or not */
	int failed = 0;
	int err = portal_authorize(p, a, PORTAL_RIGHT_USERS, org);

	if (err == 0)
		err = portal_csv_parse(p, csv, len, headers, 2, PORTAL_CSV_MAX, PORTAL_CSV_ROWS_MAX,
		                       &c);
	for (size_t i = 0; err == 0 && i < c.n; i++)
		if (names_role_parse(c.rows[i].f[1]) == svcport_v1_Role_ROLE_UNSPECIFIED)
			err = portal_refuse(p, -EINVAL, "line %zu: unknown role '%s'",
			                    c.rows[i].line, c.rows[i].f[1]);
	if (err < 0) {
		portal_csv_free(&c);
		return audited(p, a, "user.csv", org, err);
	}
	for (size_t i = 0; i < c.n; i++) {
		int e = portal_act_user_add(p, a, c.rows[i].f[0], org,
		                            names_role_parse(c.rows[i].f[1]), NULL);

		failed += e < 0;
		row(c.rows[i].line, c.rows[i].f[0], e, e < 0 ? portal_why(p) : "", ud);
	}
	portal_csv_free(&c);
	return failed;
}

struct devices_filter {
	const char *org;
	int (*cb)(const struct portal_device *d, void *ud);
	void *ud;
};

static int device_filter(const struct portal_device *d, void *ud)
{
	struct devices_filter *f = ud;

	if (f->org && strcmp(d->owner, f->org) != 0)
		return 0;
	return f->cb(d, f->ud);
}

int portal_act_devices_each(struct portal *p, const struct portal_actor *a, const char *org,
                            int (*cb)(const struct portal_device *d, void *ud), void *ud)
{
	struct devices_filter f = {.org = org, .cb = cb, .ud = ud};
	int err = portal_authorize(p, a, PORTAL_RIGHT_DEVICES, org);

	if (err < 0)
		return audited(p, a, "device.list", org, err);
	return portal_db_device_each(portal_db(p), device_filter, &f);
}

int portal_act_claim(struct portal *p, const struct portal_actor *a, const char *org,
                     const char *mt, const char *sn, const char *code, int64_t now)
{
	char target[PORTAL_MT_MAX + PORTAL_SN_MAX + 2];
	int err = portal_authorize(p, a, PORTAL_RIGHT_CLAIM, org);

	snprintf(target, sizeof(target), "%s-%s", mt, sn);
	if (err == 0)
		err = portal_claim(p, org, mt, sn, code, now);
	return audited(p, a, "device.claim", target, err);
}

int portal_act_claim_csv(struct portal *p, const struct portal_actor *a, const char *org,
                         const char *csv, size_t len, int64_t now, portal_row_fn row, void *ud)
{
	static const char *const headers[] = {"machine_type,serial_number,activation_code",
	                                      "MT,SN,CODE", NULL};
	struct portal_csv c = {0}; /* freed on every path, parsed or not */
	int failed = 0;
	int err = portal_authorize(p, a, PORTAL_RIGHT_CLAIM, org);

	/* The whole file is checked before the first claim: no format error costs a guess. */
	if (err == 0)
		err = portal_csv_parse(p, csv, len, headers, 3, PORTAL_CSV_MAX, PORTAL_CSV_ROWS_MAX,
		                       &c);
	if (err < 0) {
		portal_csv_free(&c);
		return audited(p, a, "device.claim_csv", org, err);
	}
	for (size_t i = 0; i < c.n; i++) {
		const char *const *f = c.rows[i].f;
		int e = portal_act_claim(p, a, org, f[0], f[1], f[2], now);
		char key[PORTAL_MT_MAX + PORTAL_SN_MAX + 2];

		snprintf(key, sizeof(key), "%s-%s", f[0], f[1]);
		failed += e < 0;
		row(c.rows[i].line, key, e, e < 0 ? portal_why(p) : "", ud);
	}
	portal_csv_free(&c);
	return failed;
}

int portal_act_device(struct portal *p, const struct portal_actor *a, enum portal_right r,
                      const char *mt, const char *sn, struct portal_device *d,
                      char target[PORTAL_TARGET_MAX])
{
	snprintf(target, PORTAL_TARGET_MAX, "%s-%s", mt, sn);
	if (!d)
		return -ENOMEM;
	if (portal_db_device_get(portal_db(p), mt, sn, d) < 0)
		return portal_refuse(p, -ENOENT, "no device %s", target);
	/* An unclaimed device belongs to no organisation: only the operator acts on it. */
	return portal_authorize(p, a, r, d->owner[0] ? d->owner : "-");
}

int portal_act_key_update(struct portal *p, const struct portal_actor *a, const char *mt,
                          const char *sn, const char *new_key_hex)
{
	struct portal_device *d = calloc(1, sizeof(*d));
	char target[PORTAL_TARGET_MAX];
	int err = portal_act_device(p, a, PORTAL_RIGHT_KEY_UPDATE, mt, sn, d, target);

	if (err == 0)
		err = portal_device_key_update(p, mt, sn, new_key_hex);
	if (d)
		mbedtls_platform_zeroize(d, sizeof(*d));
	free(d);
	return audited(p, a, "device.key_update", target, err);
}

int portal_act_sign(struct portal *p, const struct portal_actor *a, struct portal_sign_req *req,
                    uint8_t *out, size_t cap, size_t *ret_len, struct portal_signed *ret_info)
{
	char target[96];
	struct portal_signed info = {0};
	int err = 0;

	if (a->is_operator || !a->user[0])
		err = portal_refuse(p, -EACCES, "a signed command names a user: log in as one");
	req->user = a->user;
	if (err == 0)
		err = portal_sign(p, req, out, cap, ret_len, &info);
	snprintf(target, sizeof(target), "%s %s-%s", names_action(req->action),
	         info.device.machine_type, info.device.serial_number);
	if (err == 0 && ret_info)
		*ret_info = info;
	return audited(p, a, "command.sign", target, err);
}

int portal_act_receipt(struct portal *p, const struct portal_actor *a, const uint8_t *receipt,
                       size_t len, struct portal_receipt_info *ret)
{
	char target[96] = "";
	int err = portal_authorize(p, a, PORTAL_RIGHT_RECEIPT, NULL);

	/* The receipt proves itself (device signature): any member of a role may hand it in. */
	if (err == 0)
		err = portal_receipt(p, receipt, len, ret);
	/* The activation the mark allowed has happened: the mark is spent. */
	if (err == 0 && ret->body.action == svcport_v1_Action_ACTION_ACTIVATE &&
	    ret->body.result == svcport_v1_ErrorCode_ERROR_NONE &&
	    portal_ready_take(p, ret->body.device.machine_type, ret->body.device.serial_number,
	                      utc_now_s()) < 0)
		p->why[0] = '\0'; /* no mark to clear is the usual case */
	if (err == 0)
		snprintf(target, sizeof(target), "%s %s-%s %s", names_action(ret->body.action),
		         ret->body.device.machine_type, ret->body.device.serial_number,
		         names_error(ret->body.result));
	return audited(p, a, "command.receipt", target, err);
}
