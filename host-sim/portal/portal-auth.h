/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Who acts on the portal, and what they may do: passwords (PBKDF2-HMAC-SHA256,
 * salted, constant-time compare), bearer sessions (random, stored as SHA-256,
 * expiring, revocable), login back-off per account and per address, the
 * rights table (DESIGN §4.3 roles plus portal administration), and the
 * append-only audit. One implementation for the HTTP handlers and the CLI.
 *
 * Errors as portal.h: -ENOKEY UNAUTHENTICATED (wrong password, unknown user,
 * unknown or revoked token; all look alike), -EKEYEXPIRED EXPIRED (token),
 * -EBUSY RATE_LIMITED (back-off; *ret_retry_after set), -EACCES
 * ROLE_FORBIDDEN, -EPERM NOT_OWNER (another organisation).
 */
#ifndef SVCPORT_SIM_PORTAL_AUTH_H
#define SVCPORT_SIM_PORTAL_AUTH_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "portal-db.h"

struct portal;

#define PORTAL_PBKDF2_ITER      100000 /* ~60 ms per login on the CI machine */
#define PORTAL_PASSWORD_MIN     10
#define PORTAL_PASSWORD_MAX     128
#define PORTAL_TOKEN_LEN        43 /* 32 random bytes, base64url without padding */
#define PORTAL_SESSION_TTL      (8 * 3600)
#define PORTAL_LOGIN_WINDOW     900
#define PORTAL_LOGIN_FREE       3   /* failures before any delay */
#define PORTAL_BACKOFF_ADDR_MAX 900 /* seconds: an address guessing is slowed hard */
#define PORTAL_BACKOFF_USER_MAX 30  /* an account's cap stays small: others cannot lock it */
#define PORTAL_LOGIN_KEEP       12 /* failures kept per key: from the 12th on, the wait is the cap */
#define PORTAL_ADDR_MAX         64

/* The identity behind a request. */
struct portal_actor {
	char user[PORTAL_NAME_MAX]; /* "" for the operator */
	char org[PORTAL_NAME_MAX];
	int role;             /* svcport_v1_Role */
	bool is_operator;     /* file access to the portal directory (CLI) */
	bool is_portal_admin; /* may manage organisations and the service */
	char addr[PORTAL_ADDR_MAX];
};

enum portal_right {
	PORTAL_RIGHT_ORG_ADMIN,   /* organisations, the service's certificates: portal admins */
	PORTAL_RIGHT_USERS,       /* add/list/change/remove users of an org: its org admin */
	PORTAL_RIGHT_DEVICES,     /* list an org's devices: any non-base role of the org */
	PORTAL_RIGHT_CLAIM,       /* claim, ready-for-activation: org admin, edge user */
	PORTAL_RIGHT_TRANSFER,    /* start/accept transfers: org admin */
	PORTAL_RIGHT_KEY_UPDATE,  /* record a board's QR key hash: maintenance */
	PORTAL_RIGHT_RECEIPT,     /* hand in a device receipt: any non-base role */
	PORTAL_RIGHT_AUDIT,       /* read the org's audit: org admin */
	PORTAL_RIGHT_MANUFACTURE, /* the factory: operator only */
};

/* The operator: file access to the portal directory. */
void portal_actor_operator(struct portal_actor *a);

/* 0, or -EACCES / -EPERM with portal_why() saying why. org may be NULL. */
int portal_authorize(struct portal *p, const struct portal_actor *a, enum portal_right r,
                     const char *org) __attribute__((warn_unused_result));

/* Sets (replaces) a user's password. -EINVAL if shorter than PORTAL_PASSWORD_MIN. */
int portal_password_set(struct portal *p, const char *user, const char *password)
    __attribute__((warn_unused_result));

/*
 * Checks the password; on success a new session token (NUL-terminated) and the actor.
 * Audited here ("login"), except a refusal of the back-off (-EBUSY): it is only counted
 * for its address' summary (portal_login_flush), so a guesser's flood writes nothing.
 */
int portal_login(struct portal *p, const char *user, const char *password, const char *addr,
                 int64_t now, char ret_token[PORTAL_TOKEN_LEN + 1], int64_t *ret_expires,
                 struct portal_actor *ret, long *ret_retry_after)
    __attribute__((warn_unused_result));
/*
 * The per-address back-off for other ways in (federated assertions): seconds
 * the address must still wait, and noting a failure (or, failed=false, a success).
 */
long portal_addr_backoff(struct portal *p, const char *addr, int64_t now);
void portal_addr_failed(struct portal *p, const char *addr, int64_t now, bool failed);
/*
 * Audits a login's outcome (action, target, result err) as who, or, for a refusal of the
 * back-off (err -EBUSY, retry_after > 0), counts it for the summary of who->addr's wait.
 */
void portal_login_audit(struct portal *p, const struct portal_actor *who, const char *action,
                        const char *target, int err, long retry_after, int64_t now);
/*
 * Writes one record ("login.refused", actor ?@ADDR) per address whose wait ended by now
 * (every one if final) with logins counted: "N refused logins from ADDR in the last S s".
 * portal_login does it first; the service every minute and at a stop. The number written.
 */
int portal_login_flush(struct portal *p, int64_t now, bool final);
/* Opens a session for a user who proved who they are otherwise (federation). */
int portal_session_open(struct portal *p, const char *user, int64_t now,
                        char ret_token[PORTAL_TOKEN_LEN + 1], int64_t *ret_expires)
    __attribute__((warn_unused_result));
/* The actor of a bearer token. */
int portal_session_check(struct portal *p, const char *token, int64_t now, struct portal_actor *ret)
    __attribute__((warn_unused_result));
int portal_logout(struct portal *p, const char *token) __attribute__((warn_unused_result));
/* Loads the actor of a user (role, org, admin flag); -ENOENT. */
int portal_actor_load(struct portal *p, const char *user, struct portal_actor *ret)
    __attribute__((warn_unused_result));
int portal_admin_set(struct portal *p, const char *user, bool on)
    __attribute__((warn_unused_result));

/* Appends one audit record: who (a), what (action, target), result (0 or -errno). */
void portal_audit(struct portal *p, const struct portal_actor *a, const char *action,
                  const char *target, int result);
/* The same with a detail of its own (before the refusal's why, if any). */
void portal_audit_detail(struct portal *p, const struct portal_actor *a, const char *action,
                         const char *target, int result, const char *detail);

struct portal_audit_rec {
	int64_t id;
	int64_t at;
	const char *actor, *org, *action, *target, *result, *detail;
};
/* Records of org (NULL: all), newest first, at most limit. */
int portal_audit_each(struct portal *p, const char *org, int limit,
                      int (*cb)(const struct portal_audit_rec *r, void *ud), void *ud)
    __attribute__((warn_unused_result));

#endif
