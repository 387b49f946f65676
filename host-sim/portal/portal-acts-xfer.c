// SPDX-License-Identifier: GPL-2.0-or-later
/* Transfers and the "ready for activation" mark as acts (see portal-acts.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portal-acts.h"
#include "portal-internal.h"

int portal_act_transfer_start(struct portal *p, const struct portal_actor *a, const char *from,
                              const char *const *devices, size_t n, const char *csv_path,
                              long valid_for, int64_t now, char passphrase[PORTAL_PASSPHRASE_MAX],
                              char ret_id[33])
{
	int err = portal_authorize(p, a, PORTAL_RIGHT_TRANSFER, from);

	if (err == 0 && (valid_for <= 0 || valid_for > PORTAL_TRANSFER_VALID))
		err = portal_refuse(p, -EINVAL, "a passphrase is valid 1 s to %d s",
		                    PORTAL_TRANSFER_VALID);
	if (err == 0)
		err = portal_transfer_start(p, from, devices, n, csv_path, valid_for, now,
		                            passphrase, ret_id);
	portal_audit(p, a, "transfer.start", from, err);
	return err;
}

int portal_act_transfer_accept(struct portal *p, const struct portal_actor *a, const char *to,
                               const char *csv_path, const char *passphrase, int64_t now)
{
	int err = portal_authorize(p, a, PORTAL_RIGHT_TRANSFER, to);

	if (err == 0)
		err = portal_transfer_accept(p, to, csv_path, passphrase, now);
	portal_audit(p, a, "transfer.accept", to, err);
	return err;
}

static int exec3(struct portal *p, const char *sql, const char *mt, const char *sn, int64_t n,
                 const char *org, const char *by)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(portal_db(p), sql, -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_text(st, 1, mt, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, sn, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, n);
	if (org)
		sqlite3_bind_text(st, 4, org, -1, SQLITE_TRANSIENT);
	if (by)
		sqlite3_bind_text(st, 5, by, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		rc = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
		return rc;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -EIO;
}

int portal_act_ready_mark(struct portal *p, const struct portal_actor *a, const char *mt,
                          const char *sn, long valid_for, int64_t now)
{
	struct portal_device *d = calloc(1, sizeof(*d));
	char target[PORTAL_TARGET_MAX];
	int err = portal_act_device(p, a, PORTAL_RIGHT_CLAIM, mt, sn, d, target);

	if (err == 0 && (!d->owner[0] || strcmp(d->status, "pending") == 0))
		err = portal_refuse(p, -EALREADY, "%s is not claimed by its server yet", target);
	if (err == 0 && (valid_for <= 0 || valid_for > PORTAL_READY_MAX))
		err = portal_refuse(p, -EINVAL, "a mark is valid 1 s to %d s", PORTAL_READY_MAX);
	if (err == 0)
		err = exec3(p,
		            "INSERT OR REPLACE INTO ready_marks(mt, sn, expires, org, by)"
		            " VALUES(?1, ?2, ?3, ?4, ?5);",
		            mt, sn, (int64_t)now + valid_for, d->owner, a->user);
	free(d);
	portal_audit(p, a, "device.ready", target, err);
	return err;
}

int64_t portal_ready_expires(struct portal *p, const char *mt, const char *sn, int64_t now)
{
	sqlite3_stmt *st = NULL;
	int64_t expires = 0;

	if (sqlite3_prepare_v2(
	        portal_db(p),
	        "SELECT expires FROM ready_marks WHERE mt=?1 AND sn=?2 AND expires>?3;", -1, &st,
	        NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, mt, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, sn, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, now);
	if (sqlite3_step(st) == SQLITE_ROW)
		expires = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return expires;
}

int portal_ready_is_marked(struct portal *p, const char *mt, const char *sn, int64_t now)
{
	return portal_ready_expires(p, mt, sn, now) > 0 ? 1 : 0;
}

int portal_ready_take(struct portal *p, const char *mt, const char *sn, int64_t now)
{
	int live = portal_ready_is_marked(p, mt, sn, now);
	int any = exec3(p, "SELECT count(*) FROM ready_marks WHERE mt=?1 AND sn=?2 AND ?3=?3;", mt,
	                sn, now, NULL, NULL);

	if (any <= 0)
		return portal_refuse(p, -ENOENT, "%s-%s is not ready for activation", mt, sn);
	if (exec3(p, "DELETE FROM ready_marks WHERE mt=?1 AND sn=?2 AND ?3=?3;", mt, sn, now, NULL,
	          NULL) < 0)
		return -EIO;
	return live ? 0 : portal_refuse(p, -EKEYEXPIRED, "the ready mark of %s-%s expired", mt, sn);
}
