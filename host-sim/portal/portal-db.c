// SPDX-License-Identifier: GPL-2.0-or-later
/* The portal's SQLite store (see portal-db.h). */
#include "portal-db.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS orgs(name TEXT PRIMARY KEY, created INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS users(name TEXT PRIMARY KEY,"
    " org TEXT NOT NULL REFERENCES orgs(name), role INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS devices(mt TEXT NOT NULL, sn TEXT NOT NULL,"
    " code TEXT NOT NULL, control INTEGER NOT NULL, owner TEXT NOT NULL DEFAULT '',"
    " status TEXT NOT NULL, transfer_to TEXT NOT NULL DEFAULT '',"
    " key_sha256 TEXT NOT NULL, new_key_sha256 TEXT NOT NULL DEFAULT '',"
    " cert BLOB NOT NULL, new_cert BLOB, PRIMARY KEY(mt, sn));"
    "CREATE TABLE IF NOT EXISTS claim_attempts(org TEXT NOT NULL, mt TEXT, sn TEXT,"
    " ok INTEGER NOT NULL, at INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS transfers(id TEXT PRIMARY KEY, from_org TEXT NOT NULL,"
    " to_org TEXT NOT NULL DEFAULT '', salt BLOB NOT NULL, hash BLOB NOT NULL,"
    " expires_at INTEGER NOT NULL, state TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS transfer_devices(id TEXT NOT NULL REFERENCES transfers(id),"
    " mt TEXT NOT NULL, sn TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS commands(nonce TEXT PRIMARY KEY, mt TEXT, sn TEXT,"
    " action INTEGER, user TEXT, org TEXT, issued INTEGER, test_only INTEGER,"
    " result TEXT NOT NULL DEFAULT '');"
    /* The service (host-sim/portal/portal-auth.c): logins, sessions, audit. */
    "CREATE TABLE IF NOT EXISTS credentials(user TEXT PRIMARY KEY, salt BLOB NOT NULL,"
    " hash BLOB NOT NULL, iterations INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS portal_admins(user TEXT PRIMARY KEY);"
    "CREATE TABLE IF NOT EXISTS sessions(token_sha256 TEXT PRIMARY KEY, user TEXT NOT NULL,"
    " created INTEGER NOT NULL, expires INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS login_failures(key TEXT NOT NULL, at INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS audit(id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL,"
    " actor TEXT NOT NULL, org TEXT NOT NULL, action TEXT NOT NULL, target TEXT NOT NULL,"
    " result TEXT NOT NULL, detail TEXT NOT NULL DEFAULT '');"
    "CREATE TABLE IF NOT EXISTS org_idps(org TEXT PRIMARY KEY REFERENCES orgs(name),"
    " issuer TEXT NOT NULL, audience TEXT NOT NULL, public_key TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS ready_marks(mt TEXT NOT NULL, sn TEXT NOT NULL,"
    " org TEXT NOT NULL, expires INTEGER NOT NULL, by TEXT NOT NULL, PRIMARY KEY(mt, sn));"
    /* Online activation (portal-online.c): each device's internal CA as its newest
     * statement named it, and the mark an online activation spent. */
    "CREATE TABLE IF NOT EXISTS device_cas(mt TEXT NOT NULL, sn TEXT NOT NULL,"
    " ca BLOB NOT NULL, issued_at INTEGER NOT NULL, PRIMARY KEY(mt, sn));"
    "CREATE TABLE IF NOT EXISTS ready_used(mt TEXT NOT NULL, sn TEXT NOT NULL,"
    " at INTEGER NOT NULL, by TEXT NOT NULL, PRIMARY KEY(mt, sn));"
    /* Manual activation (docs/manual-activation.md): each challenge answered, once. */
    "CREATE TABLE IF NOT EXISTS manual_answers(mt TEXT NOT NULL, sn TEXT NOT NULL,"
    " nonce TEXT NOT NULL, expires INTEGER NOT NULL, user TEXT NOT NULL,"
    " key_sha256 TEXT NOT NULL, answered INTEGER NOT NULL, confirmed INTEGER NOT NULL"
    " DEFAULT 0, PRIMARY KEY(mt, sn, nonce, expires));"
    "CREATE TRIGGER IF NOT EXISTS audit_append_only_u BEFORE UPDATE ON audit"
    " BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;"
    "CREATE TRIGGER IF NOT EXISTS audit_append_only_d BEFORE DELETE ON audit"
    " BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;";

/* devices.sed (issue 13): added to a portal made before it; "duplicate column" is fine. */
static int sed_column_add(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	bool has = false;

	if (sqlite3_prepare_v2(db, "SELECT sed FROM devices LIMIT 0;", -1, &st, NULL) == SQLITE_OK)
		has = true;
	sqlite3_finalize(st);
	return has ? 0
	           : portal_db_exec(db, "ALTER TABLE devices ADD COLUMN sed INTEGER NOT NULL "
	                                "DEFAULT 0;");
}

int portal_db_open(const char *path, bool create, sqlite3 **ret_db)
{
	int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
	sqlite3 *db = NULL;

	if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
		sqlite3_close(db);
		return -ENOENT;
	}
	/* The service and the operator's command line share the file: in WAL mode a reader
	 * never waits for a writer, and a writer waits up to 30 s for another (a loaded
	 * machine, never a person at the keyboard) before the call fails with -EIO. */
	sqlite3_busy_timeout(db, 30000);
	if (portal_db_exec(db, "PRAGMA journal_mode=WAL;") < 0 ||
	    portal_db_exec(db, "PRAGMA foreign_keys=ON;") < 0 || portal_db_exec(db, schema) < 0 ||
	    sed_column_add(db) < 0) {
		sqlite3_close(db);
		return -EIO;
	}
	*ret_db = db;
	return 0;
}

void portal_db_close(sqlite3 *db)
{
	sqlite3_close(db);
}

int portal_db_exec(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -EIO;
}

int portal_db_begin(sqlite3 *db)
{
	return portal_db_exec(db, "BEGIN IMMEDIATE;");
}

int portal_db_commit(sqlite3 *db)
{
	return portal_db_exec(db, "COMMIT;");
}

void portal_db_rollback(sqlite3 *db)
{
	(void)sqlite3_exec(db, "ROLLBACK;", NULL, NULL, NULL);
}

/* Prepares sql and binds text parameters (NULL-terminated list of strings). */
static sqlite3_stmt *prep(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return NULL;
	return st;
}

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
	sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
}

static void copy_text(char *dst, size_t cap, sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	snprintf(dst, cap, "%s", t ? (const char *)t : "");
}

static size_t copy_blob(uint8_t *dst, size_t cap, sqlite3_stmt *st, int col)
{
	const void *b = sqlite3_column_blob(st, col);
	int n = sqlite3_column_bytes(st, col);

	if (!b || n <= 0 || (size_t)n > cap)
		return 0;
	memcpy(dst, b, (size_t)n);
	return (size_t)n;
}

/* Runs a statement that returns no rows. */
static int step_done(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_finalize(st);
	if (rc == SQLITE_CONSTRAINT)
		return -EEXIST;
	return rc == SQLITE_DONE ? 0 : -EIO;
}

bool portal_db_has_org(sqlite3 *db, const char *org)
{
	sqlite3_stmt *st = prep(db, "SELECT 1 FROM orgs WHERE name=?1;");
	bool found;

	if (!st)
		return false;
	bind_text(st, 1, org);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

int portal_db_org_add(sqlite3 *db, const char *org, int64_t now)
{
	sqlite3_stmt *st = prep(db, "INSERT INTO orgs(name, created) VALUES(?1, ?2);");

	if (!st)
		return -EIO;
	bind_text(st, 1, org);
	sqlite3_bind_int64(st, 2, now);
	return step_done(st);
}

int portal_db_user_get(sqlite3 *db, const char *name, struct portal_user *ret)
{
	sqlite3_stmt *st = prep(db, "SELECT name, org, role FROM users WHERE name=?1;");
	int ret_code = -ENOENT;

	if (!st)
		return -EIO;
	bind_text(st, 1, name);
	if (sqlite3_step(st) == SQLITE_ROW) {
		copy_text(ret->name, sizeof(ret->name), st, 0);
		copy_text(ret->org, sizeof(ret->org), st, 1);
		ret->role = sqlite3_column_int(st, 2);
		ret_code = 0;
	}
	sqlite3_finalize(st);
	return ret_code;
}

int portal_db_user_add(sqlite3 *db, const struct portal_user *u)
{
	sqlite3_stmt *st = prep(db, "INSERT INTO users(name, org, role) VALUES(?1, ?2, ?3);");

	if (!st)
		return -EIO;
	bind_text(st, 1, u->name);
	bind_text(st, 2, u->org);
	sqlite3_bind_int(st, 3, u->role);
	return step_done(st);
}

#define DEVICE_COLS                                                                                \
	"mt, sn, code, control, owner, status, transfer_to, key_sha256, new_key_sha256, cert, "    \
	"new_cert, sed"

static void device_from_row(sqlite3_stmt *st, struct portal_device *d)
{
	memset(d, 0, sizeof(*d));
	copy_text(d->mt, sizeof(d->mt), st, 0);
	copy_text(d->sn, sizeof(d->sn), st, 1);
	copy_text(d->code, sizeof(d->code), st, 2);
	d->control = sqlite3_column_int(st, 3);
	copy_text(d->owner, sizeof(d->owner), st, 4);
	copy_text(d->status, sizeof(d->status), st, 5);
	copy_text(d->transfer_to, sizeof(d->transfer_to), st, 6);
	copy_text(d->key_sha256, sizeof(d->key_sha256), st, 7);
	copy_text(d->new_key_sha256, sizeof(d->new_key_sha256), st, 8);
	d->cert_len = copy_blob(d->cert, sizeof(d->cert), st, 9);
	d->new_cert_len = copy_blob(d->new_cert, sizeof(d->new_cert), st, 10);
	d->sed = sqlite3_column_int(st, 11) != 0;
}

static int device_query(sqlite3 *db, const char *sql, const char *a, const char *b,
                        struct portal_device *ret)
{
	sqlite3_stmt *st = prep(db, sql);
	int rc = -ENOENT;

	if (!st)
		return -EIO;
	bind_text(st, 1, a);
	if (b)
		bind_text(st, 2, b);
	if (sqlite3_step(st) == SQLITE_ROW) {
		device_from_row(st, ret);
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

int portal_db_device_get(sqlite3 *db, const char *mt, const char *sn, struct portal_device *ret)
{
	return device_query(db, "SELECT " DEVICE_COLS " FROM devices WHERE mt=?1 AND sn=?2;", mt,
	                    sn, ret);
}

int portal_db_device_by_new_key(sqlite3 *db, const char *hex, struct portal_device *ret)
{
	return device_query(db, "SELECT " DEVICE_COLS " FROM devices WHERE new_key_sha256=?1;", hex,
	                    NULL, ret);
}

static void bind_device(sqlite3_stmt *st, const struct portal_device *d)
{
	bind_text(st, 1, d->mt);
	bind_text(st, 2, d->sn);
	bind_text(st, 3, d->code);
	sqlite3_bind_int(st, 4, d->control);
	bind_text(st, 5, d->owner);
	bind_text(st, 6, d->status);
	bind_text(st, 7, d->transfer_to);
	bind_text(st, 8, d->key_sha256);
	bind_text(st, 9, d->new_key_sha256);
	sqlite3_bind_blob(st, 10, d->cert, (int)d->cert_len, SQLITE_TRANSIENT);
	if (d->new_cert_len)
		sqlite3_bind_blob(st, 11, d->new_cert, (int)d->new_cert_len, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, 11);
	sqlite3_bind_int(st, 12, d->sed);
}

int portal_db_device_insert(sqlite3 *db, const struct portal_device *d)
{
	sqlite3_stmt *st = prep(db, "INSERT INTO devices(" DEVICE_COLS
	                            ") VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12);");

	if (!st)
		return -EIO;
	bind_device(st, d);
	return step_done(st);
}

int portal_db_device_update(sqlite3 *db, const struct portal_device *d)
{
	sqlite3_stmt *st = prep(db, "UPDATE devices SET code=?3, control=?4, owner=?5, status=?6,"
	                            " transfer_to=?7, key_sha256=?8, new_key_sha256=?9, cert=?10,"
	                            " new_cert=?11, sed=(sed OR ?12) WHERE mt=?1 AND sn=?2;");

	if (!st)
		return -EIO;
	bind_device(st, d);
	return step_done(st);
}

int portal_db_device_each(sqlite3 *db, int (*cb)(const struct portal_device *d, void *ud), void *ud)
{
	sqlite3_stmt *st = prep(db, "SELECT " DEVICE_COLS " FROM devices ORDER BY mt, sn;");
	struct portal_device d;
	int ret = 0;

	if (!st)
		return -EIO;
	while (ret == 0 && sqlite3_step(st) == SQLITE_ROW) {
		device_from_row(st, &d);
		ret = cb(&d, ud);
	}
	sqlite3_finalize(st);
	return ret;
}

int portal_db_claim_failures(sqlite3 *db, const char *org, int64_t since)
{
	sqlite3_stmt *st =
	    prep(db, "SELECT count(*) FROM claim_attempts WHERE org=?1 AND ok=0 AND at>=?2;");
	int n = -EIO;

	if (!st)
		return -EIO;
	bind_text(st, 1, org);
	sqlite3_bind_int64(st, 2, since);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

int portal_db_claim_record(sqlite3 *db, const char *org, const char *mt, const char *sn, bool ok,
                           int64_t now)
{
	sqlite3_stmt *st =
	    prep(db, "INSERT INTO claim_attempts(org, mt, sn, ok, at) VALUES(?1,?2,?3,?4,?5);");

	if (!st)
		return -EIO;
	bind_text(st, 1, org);
	bind_text(st, 2, mt);
	bind_text(st, 3, sn);
	sqlite3_bind_int(st, 4, ok);
	sqlite3_bind_int64(st, 5, now);
	return step_done(st);
}

int portal_db_transfer_insert(sqlite3 *db, const struct portal_transfer *t)
{
	sqlite3_stmt *st = prep(db, "INSERT INTO transfers(id, from_org, to_org, salt, hash,"
	                            " expires_at, state) VALUES(?1,?2,?3,?4,?5,?6,?7);");

	if (!st)
		return -EIO;
	bind_text(st, 1, t->id);
	bind_text(st, 2, t->from_org);
	bind_text(st, 3, t->to_org);
	sqlite3_bind_blob(st, 4, t->salt, sizeof(t->salt), SQLITE_TRANSIENT);
	sqlite3_bind_blob(st, 5, t->hash, sizeof(t->hash), SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 6, t->expires_at);
	bind_text(st, 7, t->state);
	return step_done(st);
}

int portal_db_transfer_get(sqlite3 *db, const char *id, struct portal_transfer *ret)
{
	sqlite3_stmt *st = prep(db, "SELECT id, from_org, to_org, salt, hash, expires_at, state"
	                            " FROM transfers WHERE id=?1;");
	int rc = -ENOENT;

	if (!st)
		return -EIO;
	bind_text(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		memset(ret, 0, sizeof(*ret));
		copy_text(ret->id, sizeof(ret->id), st, 0);
		copy_text(ret->from_org, sizeof(ret->from_org), st, 1);
		copy_text(ret->to_org, sizeof(ret->to_org), st, 2);
		if (copy_blob(ret->salt, sizeof(ret->salt), st, 3) != sizeof(ret->salt) ||
		    copy_blob(ret->hash, sizeof(ret->hash), st, 4) != sizeof(ret->hash))
			rc = -EIO;
		else
			rc = 0;
		ret->expires_at = sqlite3_column_int64(st, 5);
		copy_text(ret->state, sizeof(ret->state), st, 6);
	}
	sqlite3_finalize(st);
	return rc;
}

int portal_db_transfer_set_state(sqlite3 *db, const char *id, const char *to_org, const char *state)
{
	sqlite3_stmt *st = prep(db, "UPDATE transfers SET to_org=?2, state=?3 WHERE id=?1;");

	if (!st)
		return -EIO;
	bind_text(st, 1, id);
	bind_text(st, 2, to_org);
	bind_text(st, 3, state);
	return step_done(st);
}

int portal_db_transfer_device_add(sqlite3 *db, const char *id, const char *mt, const char *sn)
{
	sqlite3_stmt *st = prep(db, "INSERT INTO transfer_devices(id, mt, sn) VALUES(?1,?2,?3);");

	if (!st)
		return -EIO;
	bind_text(st, 1, id);
	bind_text(st, 2, mt);
	bind_text(st, 3, sn);
	return step_done(st);
}

int portal_db_transfer_device_count(sqlite3 *db, const char *id)
{
	sqlite3_stmt *st = prep(db, "SELECT count(*) FROM transfer_devices WHERE id=?1;");
	int n = -EIO;

	if (!st)
		return -EIO;
	bind_text(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

bool portal_db_transfer_has_device(sqlite3 *db, const char *id, const char *mt, const char *sn)
{
	sqlite3_stmt *st =
	    prep(db, "SELECT 1 FROM transfer_devices WHERE id=?1 AND mt=?2 AND sn=?3;");
	bool found;

	if (!st)
		return false;
	bind_text(st, 1, id);
	bind_text(st, 2, mt);
	bind_text(st, 3, sn);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

int portal_db_command_record(sqlite3 *db, const char *nonce_hex, const char *mt, const char *sn,
                             int action, const char *user, const char *org, int64_t now,
                             bool test_only)
{
	sqlite3_stmt *st = prep(db, "INSERT OR REPLACE INTO commands(nonce, mt, sn, action, user,"
	                            " org, issued, test_only) VALUES(?1,?2,?3,?4,?5,?6,?7,?8);");

	if (!st)
		return -EIO;
	bind_text(st, 1, nonce_hex);
	bind_text(st, 2, mt);
	bind_text(st, 3, sn);
	sqlite3_bind_int(st, 4, action);
	bind_text(st, 5, user);
	bind_text(st, 6, org);
	sqlite3_bind_int64(st, 7, now);
	sqlite3_bind_int(st, 8, test_only);
	return step_done(st);
}

int portal_db_command_action(sqlite3 *db, const char *nonce_hex)
{
	sqlite3_stmt *st = prep(db, "SELECT action FROM commands WHERE nonce=?1;");
	int rc = -ENOENT;

	if (!st)
		return -EIO;
	bind_text(st, 1, nonce_hex);
	if (sqlite3_step(st) == SQLITE_ROW)
		rc = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return rc;
}

int portal_db_command_set_result(sqlite3 *db, const char *nonce_hex, const char *result)
{
	sqlite3_stmt *st = prep(db, "UPDATE commands SET result=?2 WHERE nonce=?1;");

	if (!st)
		return -EIO;
	bind_text(st, 1, nonce_hex);
	bind_text(st, 2, result);
	return step_done(st);
}

int portal_db_command_is_open(sqlite3 *db, const char *nonce_hex, const char *mt, const char *sn)
{
	sqlite3_stmt *st =
	    prep(db, "SELECT result FROM commands WHERE nonce=?1 AND mt=?2 AND sn=?3;");
	const unsigned char *result;
	int rc = -ENOENT;

	if (!st)
		return -EIO;
	bind_text(st, 1, nonce_hex);
	bind_text(st, 2, mt);
	bind_text(st, 3, sn);
	if (sqlite3_step(st) == SQLITE_ROW) {
		result = sqlite3_column_text(st, 0);
		rc = result && result[0] ? -EALREADY : 0;
	}
	sqlite3_finalize(st);
	return rc;
}

/* ?1..?4: which answer (mt, sn, nonce, expires). */
static void bind_answer(sqlite3_stmt *st, const struct portal_manual_answer *m)
{
	bind_text(st, 1, m->mt);
	bind_text(st, 2, m->sn);
	bind_text(st, 3, m->nonce);
	sqlite3_bind_int64(st, 4, m->expires);
}

int portal_db_manual_answer(sqlite3 *db, const struct portal_manual_answer *m, int64_t now)
{
	sqlite3_stmt *st = prep(db, "DELETE FROM manual_answers WHERE expires < ?1;");

	/* Bounded: an answer older than PORTAL_MANUAL_KEEP_S is forgotten. */
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, now - PORTAL_MANUAL_KEEP_S);
	if (step_done(st) < 0)
		return -EIO;
	st = prep(db, "INSERT OR IGNORE INTO manual_answers(mt, sn, nonce, expires, user,"
	              " key_sha256, answered) VALUES(?1,?2,?3,?4,?5,?6,?7);");
	if (!st)
		return -EIO;
	bind_answer(st, m);
	bind_text(st, 5, m->user);
	bind_text(st, 6, m->key_sha256);
	sqlite3_bind_int64(st, 7, now);
	return step_done(st);
}

int portal_db_manual_get(sqlite3 *db, struct portal_manual_answer *m)
{
	sqlite3_stmt *st = prep(db, "SELECT user, key_sha256, confirmed FROM manual_answers"
	                            " WHERE mt=?1 AND sn=?2 AND nonce=?3 AND expires=?4;");
	int rc = -ENOENT;

	if (!st)
		return -EIO;
	bind_answer(st, m);
	if (sqlite3_step(st) == SQLITE_ROW) {
		copy_text(m->user, sizeof(m->user), st, 0);
		copy_text(m->key_sha256, sizeof(m->key_sha256), st, 1);
		m->confirmed = sqlite3_column_int64(st, 2) != 0;
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

int portal_db_manual_confirm(sqlite3 *db, const struct portal_manual_answer *m, int64_t now)
{
	sqlite3_stmt *st = prep(db, "UPDATE manual_answers SET confirmed=?5 WHERE mt=?1 AND"
	                            " sn=?2 AND nonce=?3 AND expires=?4 AND confirmed=0;");

	if (!st)
		return -EIO;
	bind_answer(st, m);
	sqlite3_bind_int64(st, 5, now > 0 ? now : 1);
	if (step_done(st) < 0)
		return -EIO;
	return sqlite3_changes(db) == 1 ? 0 : -EALREADY;
}
