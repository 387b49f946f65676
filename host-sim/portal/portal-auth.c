// SPDX-License-Identifier: GPL-2.0-or-later
/* Passwords, sessions, back-off, rights and audit (see portal-auth.h). */
#include "hex.h"
#include "portal-auth.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <mbedtls/base64.h>
#include <mbedtls/platform_util.h>

#include "names.h"
#include "portal-internal.h"
#include "utc.h"

#define SALT_LEN 16
#define HASH_LEN 32

static sqlite3_stmt *prep(struct portal *p, const char *sql)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(portal_db(p), sql, -1, &st, NULL) != SQLITE_OK)
		return NULL;
	return st;
}

static int step_done(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -EIO;
}

void portal_actor_operator(struct portal_actor *a)
{
	memset(a, 0, sizeof(*a));
	a->is_operator = true;
	a->is_portal_admin = true;
	snprintf(a->addr, sizeof(a->addr), "local");
}

static bool is_role(const struct portal_actor *a, svcport_v1_Role r)
{
	return a->role == (int)r;
}

/* The roles of DESIGN §4.3 per right; org admins also manage their users. */
static bool is_role_allowed(const struct portal_actor *a, enum portal_right r)
{
	bool admin = is_role(a, svcport_v1_Role_ROLE_ORG_ADMIN);

	switch (r) {
	case PORTAL_RIGHT_USERS:
	case PORTAL_RIGHT_TRANSFER:
	case PORTAL_RIGHT_AUDIT:
		return admin;
	case PORTAL_RIGHT_CLAIM:
		return admin || is_role(a, svcport_v1_Role_ROLE_EDGE_USER);
	case PORTAL_RIGHT_KEY_UPDATE:
		return is_role(a, svcport_v1_Role_ROLE_MAINTENANCE);
	case PORTAL_RIGHT_DEVICES:
	case PORTAL_RIGHT_RECEIPT:
		return !is_role(a, svcport_v1_Role_ROLE_BASE) &&
		       !is_role(a, svcport_v1_Role_ROLE_UNSPECIFIED);
	default:
		return false;
	}
}

int portal_authorize(struct portal *p, const struct portal_actor *a, enum portal_right r,
                     const char *org)
{
	if (a->is_operator)
		return 0;
	if (r == PORTAL_RIGHT_MANUFACTURE)
		return portal_refuse(p, -EACCES, "only the portal operator manufactures devices");
	if (r == PORTAL_RIGHT_ORG_ADMIN) {
		if (a->is_portal_admin)
			return 0;
		return portal_refuse(p, -EACCES, "%s is not a portal administrator", a->user);
	}
	if (a->is_portal_admin && r == PORTAL_RIGHT_USERS)
		return 0;
	if (!is_role_allowed(a, r))
		return portal_refuse(p, -EACCES, "%s (%s) may not do this", a->user,
		                     names_role(a->role));
	if (org && strcmp(org, a->org) != 0)
		return portal_refuse(p, -EPERM, "%s belongs to %s, not %s", a->user, a->org, org);
	return 0;
}

int portal_password_set(struct portal *p, const char *user, const char *password)
{
	uint8_t salt[SALT_LEN], hash[HASH_LEN];
	struct portal_user u;
	sqlite3_stmt *st;
	size_t n = strlen(password);
	int err;

	if (n < PORTAL_PASSWORD_MIN || n > PORTAL_PASSWORD_MAX)
		return portal_refuse(p, -EINVAL, "a password has %d to %d characters",
		                     PORTAL_PASSWORD_MIN, PORTAL_PASSWORD_MAX);
	if (portal_db_user_get(portal_db(p), user, &u) < 0)
		return portal_refuse(p, -ENOENT, "no user %s", user);
	if (pki_rng_fill(&p->rng, salt, sizeof(salt)) != 0)
		return -EIO;
	err = portal_pbkdf2(password, salt, PORTAL_PBKDF2_ITER, hash);
	st = err ? NULL
	         : prep(p, "INSERT OR REPLACE INTO credentials(user, salt, hash, iterations)"
	                   " VALUES(?1, ?2, ?3, ?4);");
	if (!st) {
		err = -EIO;
		goto out;
	}
	sqlite3_bind_text(st, 1, user, -1, SQLITE_TRANSIENT);
	sqlite3_bind_blob(st, 2, salt, sizeof(salt), SQLITE_TRANSIENT);
	sqlite3_bind_blob(st, 3, hash, sizeof(hash), SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 4, PORTAL_PBKDF2_ITER);
	err = step_done(st);
	/* A new password ends every session of the user. */
	st = err ? NULL : prep(p, "DELETE FROM sessions WHERE user=?1;");
	if (st) {
		sqlite3_bind_text(st, 1, user, -1, SQLITE_TRANSIENT);
		err = step_done(st);
	}
out:
	mbedtls_platform_zeroize(hash, sizeof(hash));
	return err;
}

/* Seconds until key may try again (0: now), from its failures in the window. */
static long backoff_left(struct portal *p, const char *key, long cap, int64_t now)
{
	sqlite3_stmt *st = prep(p, "SELECT count(*), max(at) FROM login_failures"
	                           " WHERE key=?1 AND at>=?2;");
	long left = 0;

	if (!st)
		return cap; /* fail closed */
	sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, now - PORTAL_LOGIN_WINDOW);
	if (sqlite3_step(st) == SQLITE_ROW) {
		int fails = sqlite3_column_int(st, 0);
		int64_t last = sqlite3_column_int64(st, 1);

		if (fails >= PORTAL_LOGIN_FREE) {
			int shift = fails - PORTAL_LOGIN_FREE;
			long delay = shift >= 20 ? cap : 2L << shift; /* 2, 4, 8 s ... */

			delay = delay > cap ? cap : delay;
			left = (long)(last + delay - now);
		}
	}
	sqlite3_finalize(st);
	return left > 0 ? left : 0;
}

/*
 * The back-off reads the failures of the window and their latest time only, so rows older
 * than the window and all but a key's newest PORTAL_LOGIN_KEEP are dead: the window's rows
 * are the newest, so keeping KEEP counts min(KEEP, failures), whose wait is the same.
 */
_Static_assert((2L << (PORTAL_LOGIN_KEEP - PORTAL_LOGIN_FREE)) >= PORTAL_BACKOFF_ADDR_MAX &&
                   (2L << (PORTAL_LOGIN_KEEP - PORTAL_LOGIN_FREE)) >= PORTAL_BACKOFF_USER_MAX,
               "KEEP failures wait the cap: keeping no more changes no wait");

static void failures_prune(struct portal *p, const char *key, int64_t now)
{
	sqlite3_stmt *st = prep(p, "DELETE FROM login_failures WHERE at<?2 OR (key=?1 AND rowid"
	                           " NOT IN (SELECT rowid FROM login_failures WHERE key=?1"
	                           " ORDER BY at DESC, rowid DESC LIMIT ?3));");

	if (!st)
		return;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, now - PORTAL_LOGIN_WINDOW);
	sqlite3_bind_int(st, 3, PORTAL_LOGIN_KEEP);
	(void)step_done(st);
}

static void failures_note(struct portal *p, const char *key, int64_t now, bool failed)
{
	sqlite3_stmt *st = prep(p, failed ? "INSERT INTO login_failures(key, at) VALUES(?1, ?2);"
	                                  : "DELETE FROM login_failures WHERE key=?1 OR at<?2;");

	if (!st)
		return;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, failed ? now : now - PORTAL_LOGIN_WINDOW);
	if (step_done(st) == 0 && failed)
		failures_prune(p, key, now);
}

/* One record per address and wait: the logins refused meanwhile (portal-gate.h). */
static void login_summary_write(const struct portal_gate_summary *s, void *ud)
{
	struct portal *p = ud;
	struct portal_actor a = {0};

	snprintf(a.user, sizeof(a.user), "?");
	snprintf(a.addr, sizeof(a.addr), "%s", s->key);
	portal_refuse(p, -EBUSY,
	              "%ld refused logins from %s in the last %lld s (%lld to %lld), not recorded "
	              "one by one: logins during the back-off",
	              s->refused, s->key, (long long)(s->until - s->from), (long long)s->from,
	              (long long)s->until);
	portal_audit(p, &a, "login.refused", s->key, -EBUSY);
}

int portal_login_flush(struct portal *p, int64_t now, bool final)
{
	char why[sizeof(p->why)];
	int n;

	memcpy(why, p->why, sizeof(why));
	n = portal_gate_flush(&p->logins, now, final, login_summary_write, p);
	memcpy(p->why, why, sizeof(why));
	return n;
}

void portal_login_audit(struct portal *p, const struct portal_actor *who, const char *action,
                        const char *target, int err, long retry_after, int64_t now)
{
	if (err == -EBUSY && retry_after > 0)
		portal_gate_count(&p->logins, who->addr, now, retry_after);
	else
		portal_audit(p, who, action, target, err);
}

long portal_addr_backoff(struct portal *p, const char *addr, int64_t now)
{
	char key[PORTAL_ADDR_MAX + 8];

	snprintf(key, sizeof(key), "addr:%s", addr);
	return backoff_left(p, key, PORTAL_BACKOFF_ADDR_MAX, now);
}

void portal_addr_failed(struct portal *p, const char *addr, int64_t now, bool failed)
{
	char key[PORTAL_ADDR_MAX + 8];

	snprintf(key, sizeof(key), "addr:%s", addr);
	failures_note(p, key, now, failed);
}

/* The stored hash of user, or a fixed dummy so unknown users cost the same time. */
static bool credentials_get(struct portal *p, const char *user, uint8_t salt[SALT_LEN],
                            uint8_t hash[HASH_LEN], int *iter)
{
	sqlite3_stmt *st = prep(p, "SELECT salt, hash, iterations FROM credentials WHERE user=?1;");
	bool found = false;

	memset(salt, 0x5a, SALT_LEN);
	memset(hash, 0, HASH_LEN);
	*iter = PORTAL_PBKDF2_ITER;
	if (!st)
		return false;
	sqlite3_bind_text(st, 1, user, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 0) == SALT_LEN &&
	    sqlite3_column_bytes(st, 1) == HASH_LEN) {
		memcpy(salt, sqlite3_column_blob(st, 0), SALT_LEN);
		memcpy(hash, sqlite3_column_blob(st, 1), HASH_LEN);
		*iter = sqlite3_column_int(st, 2);
		found = *iter > 0 && *iter <= 10 * PORTAL_PBKDF2_ITER;
	}
	sqlite3_finalize(st);
	return found;
}

int portal_actor_load(struct portal *p, const char *user, struct portal_actor *ret)
{
	struct portal_user u;
	sqlite3_stmt *st;

	if (portal_db_user_get(portal_db(p), user, &u) < 0)
		return -ENOENT;
	memset(ret, 0, sizeof(*ret));
	snprintf(ret->user, sizeof(ret->user), "%s", u.name);
	snprintf(ret->org, sizeof(ret->org), "%s", u.org);
	ret->role = u.role;
	st = prep(p, "SELECT 1 FROM portal_admins WHERE user=?1;");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, user, -1, SQLITE_TRANSIENT);
	ret->is_portal_admin = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return 0;
}

int portal_admin_set(struct portal *p, const char *user, bool on)
{
	sqlite3_stmt *st = prep(p, on ? "INSERT OR IGNORE INTO portal_admins(user) VALUES(?1);"
	                              : "DELETE FROM portal_admins WHERE user=?1;");

	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, user, -1, SQLITE_TRANSIENT);
	return step_done(st);
}

static void token_hash_hex(const char *token, char out[65])
{
	uint8_t h[PKI_SHA256_LEN];

	pki_sha256((const uint8_t *)token, strlen(token), h);
	hex_encode(h, sizeof(h), out);
}

int portal_session_open(struct portal *p, const char *user, int64_t now,
                        char ret_token[PORTAL_TOKEN_LEN + 1], int64_t *ret_expires)
{
	uint8_t raw[32];
	unsigned char b64[48];
	size_t olen = 0;
	char hex[65];
	sqlite3_stmt *st;
	int err = -EIO;

	if (pki_rng_fill(&p->rng, raw, sizeof(raw)) != 0 ||
	    mbedtls_base64_encode(b64, sizeof(b64), &olen, raw, sizeof(raw)) != 0 ||
	    olen < PORTAL_TOKEN_LEN)
		goto out;
	for (size_t i = 0; i < PORTAL_TOKEN_LEN; i++)
		b64[i] = b64[i] == '+' ? '-' : b64[i] == '/' ? '_' : b64[i];
	b64[PORTAL_TOKEN_LEN] = '\0';
	token_hash_hex((const char *)b64, hex);
	st = prep(p, "INSERT INTO sessions(token_sha256, user, created, expires)"
	             " VALUES(?1, ?2, ?3, ?4);");
	if (!st)
		goto out;
	sqlite3_bind_text(st, 1, hex, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, user, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_int64(st, 4, now + PORTAL_SESSION_TTL);
	err = step_done(st);
	if (err == 0) {
		memcpy(ret_token, b64, PORTAL_TOKEN_LEN + 1);
		*ret_expires = now + PORTAL_SESSION_TTL;
	}
out:
	mbedtls_platform_zeroize(raw, sizeof(raw));
	mbedtls_platform_zeroize(b64, sizeof(b64));
	return err;
}

static int login_check(struct portal *p, const char *user, const char *password, const char *addr,
                       int64_t now, char ret_token[PORTAL_TOKEN_LEN + 1], int64_t *ret_expires,
                       struct portal_actor *ret, long *ret_retry_after)
{
	char ukey[PORTAL_NAME_MAX + 8], akey[PORTAL_ADDR_MAX + 8];
	uint8_t salt[SALT_LEN], want[HASH_LEN], got[HASH_LEN];
	long left_u, left_a;
	bool known;
	int iter, err;

	snprintf(ukey, sizeof(ukey), "user:%s", user);
	snprintf(akey, sizeof(akey), "addr:%s", addr);
	/* Back-off before any work: a guesser slows himself, and costs us nothing. */
	left_u = backoff_left(p, ukey, PORTAL_BACKOFF_USER_MAX, now);
	left_a = backoff_left(p, akey, PORTAL_BACKOFF_ADDR_MAX, now);
	*ret_retry_after = left_u > left_a ? left_u : left_a;
	if (*ret_retry_after > 0)
		return portal_refuse(p, -EBUSY, "too many failed logins: try again in %ld s",
		                     *ret_retry_after);
	known = credentials_get(p, user, salt, want, &iter);
	err = portal_pbkdf2(strlen(password) <= PORTAL_PASSWORD_MAX ? password : "", salt,
	                    (unsigned)iter, got);
	if (err == 0 && (!known || !portal_is_equal_ct(got, want, HASH_LEN) ||
	                 portal_actor_load(p, user, ret) < 0)) {
		failures_note(p, ukey, now, true);
		failures_note(p, akey, now, true);
		err = portal_refuse(p, -ENOKEY, "wrong user name or password");
	}
	mbedtls_platform_zeroize(got, sizeof(got));
	mbedtls_platform_zeroize(want, sizeof(want));
	if (err < 0)
		return err;
	failures_note(p, ukey, now, false);
	failures_note(p, akey, now, false);
	snprintf(ret->addr, sizeof(ret->addr), "%s", addr);
	return portal_session_open(p, user, now, ret_token, ret_expires);
}

int portal_login(struct portal *p, const char *user, const char *password, const char *addr,
                 int64_t now, char ret_token[PORTAL_TOKEN_LEN + 1], int64_t *ret_expires,
                 struct portal_actor *ret, long *ret_retry_after)
{
	struct portal_actor who = {0};
	int err;

	*ret_retry_after = 0;
	(void)portal_login_flush(p, now, false);
	err =
	    login_check(p, user, password, addr, now, ret_token, ret_expires, ret, ret_retry_after);
	snprintf(who.user, sizeof(who.user), "%s", user);
	snprintf(who.addr, sizeof(who.addr), "%s", addr);
	portal_login_audit(p, err == 0 ? ret : &who, "login", user, err, *ret_retry_after, now);
	return err;
}

int portal_session_check(struct portal *p, const char *token, int64_t now, struct portal_actor *ret)
{
	sqlite3_stmt *st;
	char hex[65], user[PORTAL_NAME_MAX] = "";
	int64_t expires = 0;
	int err = -ENOKEY;

	if (!token || strlen(token) != PORTAL_TOKEN_LEN)
		return portal_refuse(p, -ENOKEY, "no valid session token: log in");
	token_hash_hex(token, hex);
	st = prep(p, "SELECT user, expires FROM sessions WHERE token_sha256=?1;");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, hex, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(user, sizeof(user), "%s", (const char *)sqlite3_column_text(st, 0));
		expires = sqlite3_column_int64(st, 1);
		err = 0;
	}
	sqlite3_finalize(st);
	if (err < 0)
		return portal_refuse(p, -ENOKEY, "unknown or revoked session token: log in");
	if ((int64_t)now >= expires)
		return portal_refuse(p, -EKEYEXPIRED, "the session has expired: log in again");
	if (portal_actor_load(p, user, ret) < 0)
		return portal_refuse(p, -ENOKEY, "the session's user no longer exists");
	return 0;
}

int portal_logout(struct portal *p, const char *token)
{
	sqlite3_stmt *st = prep(p, "DELETE FROM sessions WHERE token_sha256=?1;");
	char hex[65];

	if (!st)
		return -EIO;
	token_hash_hex(token, hex);
	sqlite3_bind_text(st, 1, hex, -1, SQLITE_TRANSIENT);
	return step_done(st);
}

void portal_audit(struct portal *p, const struct portal_actor *a, const char *action,
                  const char *target, int result)
{
	portal_audit_detail(p, a, action, target, result, NULL);
}

void portal_audit_detail(struct portal *p, const struct portal_actor *a, const char *action,
                         const char *target, int result, const char *detail)
{
	char text[256 + 64]; /* the detail and portal_why() */
	sqlite3_stmt *st = prep(p, "INSERT INTO audit(at, actor, org, action, target, result,"
	                           " detail) VALUES(?1,?2,?3,?4,?5,?6,?7);");
	char actor[PORTAL_NAME_MAX + PORTAL_ADDR_MAX + 16];

	if (!st)
		return;
	snprintf(actor, sizeof(actor), "%s@%s", a->is_operator ? "(operator)" : a->user, a->addr);
	sqlite3_bind_int64(st, 1, utc_now_s());
	sqlite3_bind_text(st, 2, actor, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, a->org, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, action, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, target ? target : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 6, portal_err_name(result), -1, SQLITE_TRANSIENT);
	snprintf(text, sizeof(text), "%s%s%s", detail ? detail : "",
	         detail && result < 0 ? ": " : "", result < 0 ? portal_why(p) : "");
	sqlite3_bind_text(st, 7, text, -1, SQLITE_TRANSIENT);
	(void)step_done(st);
}

static const char *col(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? (const char *)t : "";
}

int portal_audit_each(struct portal *p, const char *org, int limit,
                      int (*cb)(const struct portal_audit_rec *r, void *ud), void *ud)
{
	sqlite3_stmt *st = prep(p, "SELECT id, at, actor, org, action, target, result, detail"
	                           " FROM audit WHERE ?1 IS NULL OR org=?1 ORDER BY id DESC"
	                           " LIMIT ?2;");
	int err = 0;

	if (!st)
		return -EIO;
	if (org)
		sqlite3_bind_text(st, 1, org, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 2, limit);
	while (err == 0 && sqlite3_step(st) == SQLITE_ROW) {
		struct portal_audit_rec r = {
		    .id = sqlite3_column_int64(st, 0),
		    .at = sqlite3_column_int64(st, 1),
		    .actor = col(st, 2),
		    .org = col(st, 3),
		    .action = col(st, 4),
		    .target = col(st, 5),
		    .result = col(st, 6),
		    .detail = col(st, 7),
		};
		err = cb(&r, ud);
	}
	sqlite3_finalize(st);
	return err;
}
