// SPDX-License-Identifier: GPL-2.0-or-later
/* API: login, sessions, organisations, users, audit, the certificate to trust. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#include "names.h"
#include "portal-api.h"
#include "portal-fed.h"
#include "portal-internal.h"
#include "utc.h"

static json_t *actor_json(const struct portal_actor *a)
{
	return json_pack("{s:s, s:s, s:s, s:b}", "user", a->user, "org", a->org, "role",
	                 names_role(a->role), "portal_admin", a->is_portal_admin);
}

static int h_login(struct api_req *r, json_t **ret)
{
	const char *user = api_str(r, "user"), *password = api_str(r, "password");
	char token[PORTAL_TOKEN_LEN + 1];
	struct portal_actor a;
	int64_t expires = 0;
	long retry = 0;
	int err;

	if (!user || !password)
		return api_bad(ret, "send {\"user\": ..., \"password\": ...}");
	snprintf(a.addr, sizeof(a.addr), "%s", r->actor.addr);
	err = portal_login(r->p, user, password, r->actor.addr, utc_now_s(), token, &expires, &a,
	                   &retry);
	if (err < 0) { /* audited (or counted, in a back-off) by portal_login */
		err = api_error(r, ret, err);
		if (retry) {
			json_object_set_new(*ret, "retry_after", json_integer(retry));
			r->retry_after = retry;
		}
		return err;
	}
	*ret = json_pack("{s:s, s:I, s:o}", "token", token, "expires_at", (json_int_t)expires,
	                 "actor", actor_json(&a));
	mbedtls_platform_zeroize(token, sizeof(token));
	return 200;
}

static int h_login_federated(struct api_req *r, json_t **ret)
{
	const char *org = api_str(r, "org"), *jwt = api_str(r, "assertion");
	char token[PORTAL_TOKEN_LEN + 1];
	struct portal_actor a = {0};
	int64_t expires = 0;
	int err;

	if (!org || !jwt)
		return api_bad(ret, "send {\"org\": ORG, \"assertion\": the provider's JWT}");
	err =
	    portal_login_federated(r->p, org, jwt, r->actor.addr, utc_now_s(), token, &expires, &a);
	if (err < 0) { /* audited (or counted, in a back-off) by portal_login_federated */
		err = api_error(r, ret, err);
		return err == 410 ? 401 : err;
	}
	*ret = json_pack("{s:s, s:I, s:o}", "token", token, "expires_at", (json_int_t)expires,
	                 "actor", actor_json(&a));
	mbedtls_platform_zeroize(token, sizeof(token));
	return 200;
}

static int h_idp(struct api_req *r, json_t **ret)
{
	const char *iss = api_str(r, "issuer"), *aud = api_str(r, "audience");
	const char *key = api_str(r, "public_key");
	int err;

	if (!iss || !aud || !key)
		return api_bad(ret, "send {\"issuer\", \"audience\", \"public_key\": P-256 PEM}");
	err = portal_act_idp_set(r->p, &r->actor, r->seg[1], iss, aud, key);
	if (err < 0)
		return api_error(r, ret, err);
	*ret = json_pack("{s:s, s:s, s:s}", "org", r->seg[1], "issuer", iss, "audience", aud);
	return 200;
}

static int h_idp_get(struct api_req *r, json_t **ret)
{
	struct portal_idp *idp = calloc(1, sizeof(*idp));
	int err = idp ? portal_act_idp_get(r->p, &r->actor, r->seg[1], idp) : -ENOMEM;
	int status = 200;

	if (err < 0)
		status = api_error(r, ret, err);
	else
		*ret = json_pack("{s:s, s:s, s:s, s:s}", "org", r->seg[1], "issuer", idp->issuer,
		                 "audience", idp->audience, "public_key", idp->pem);
	free(idp);
	return status;
}

static int h_logout(struct api_req *r, json_t **ret)
{
	int err = portal_logout(r->p, r->token);

	portal_audit(r->p, &r->actor, "logout", r->actor.user, err);
	if (err < 0)
		return api_error(r, ret, err);
	*ret = json_pack("{s:b}", "ok", 1);
	return 200;
}

static int h_me(struct api_req *r, json_t **ret)
{
	*ret = actor_json(&r->actor);
	return 200;
}

static int h_org_add(struct api_req *r, json_t **ret)
{
	const char *org = api_str(r, "org");
	int err;

	if (!org)
		return api_bad(ret, "send {\"org\": NAME}");
	err = portal_act_org_add(r->p, &r->actor, org);
	if (err < 0)
		return api_error(r, ret, err);
	*ret = json_pack("{s:s}", "org", org);
	return 201;
}

static int org_row(const struct portal_org_info *o, void *ud)
{
	return json_array_append_new(ud,
	                             json_pack("{s:s, s:I, s:i, s:i, s:s}", "org", o->name,
	                                       "created", (json_int_t)o->created, "users", o->users,
	                                       "devices", o->devices, "idp_issuer", o->idp_issuer));
}

static int h_orgs(struct api_req *r, json_t **ret)
{
	json_t *list = json_array();
	int err = portal_act_orgs_each(r->p, &r->actor, org_row, list);

	if (err < 0) {
		json_decref(list);
		return api_error(r, ret, err);
	}
	*ret = json_pack("{s:o}", "orgs", list);
	return 200;
}

static int user_row(const struct portal_user *u, void *ud)
{
	return json_array_append_new(
	    ud, json_pack("{s:s, s:s}", "user", u->name, "role", names_role(u->role)));
}

static int h_users(struct api_req *r, json_t **ret)
{
	json_t *list = json_array();
	int err = portal_act_users_each(r->p, &r->actor, r->seg[1], user_row, list);

	if (err < 0) {
		json_decref(list);
		return api_error(r, ret, err);
	}
	*ret = json_pack("{s:s, s:o}", "org", r->seg[1], "users", list);
	return 200;
}

static int h_user_add(struct api_req *r, json_t **ret)
{
	const char *user = api_str(r, "user"), *role = api_str(r, "role");
	int err;

	if (!user || !role || names_role_parse(role) == svcport_v1_Role_ROLE_UNSPECIFIED)
		return api_bad(ret, "send {\"user\": NAME, \"role\": org-admin|edge-user|"
		                    "maintenance|base, \"password\": optional}");
	err = portal_act_user_add(r->p, &r->actor, user, r->seg[1], names_role_parse(role),
	                          api_str(r, "password"));
	if (err < 0)
		return api_error(r, ret, err);
	*ret = json_pack("{s:s, s:s, s:s}", "user", user, "org", r->seg[1], "role", role);
	return 201;
}

static void csv_row(size_t line, const char *key, int err, const char *why, void *ud)
{
	json_array_append_new(ud, json_pack("{s:I, s:s, s:s, s:s}", "line", (json_int_t)line, "key",
	                                    key, "result", portal_err_name(err), "detail", why));
}

static int h_users_csv(struct api_req *r, json_t **ret)
{
	json_t *rows = json_array();
	int failed =
	    portal_act_users_csv(r->p, &r->actor, r->seg[1], r->body, r->body_len, csv_row, rows);

	if (failed < 0) {
		json_decref(rows);
		return api_error(r, ret, failed);
	}
	*ret = json_pack("{s:o, s:i}", "rows", rows, "failed", failed);
	return 200;
}

static int h_user_patch(struct api_req *r, json_t **ret)
{
	const char *role = api_str(r, "role");
	int err;

	if (!role || names_role_parse(role) == svcport_v1_Role_ROLE_UNSPECIFIED)
		return api_bad(ret, "send {\"role\": org-admin|edge-user|maintenance|base}");
	err = portal_act_user_role(r->p, &r->actor, r->seg[1], names_role_parse(role));
	if (err < 0)
		return api_error(r, ret, err);
	*ret = json_pack("{s:s, s:s}", "user", r->seg[1], "role", role);
	return 200;
}

static int h_user_delete(struct api_req *r, json_t **ret)
{
	int err = portal_act_user_remove(r->p, &r->actor, r->seg[1]);

	if (err < 0)
		return api_error(r, ret, err);
	*ret = json_pack("{s:s, s:b}", "user", r->seg[1], "removed", 1);
	return 200;
}

static int audit_row(const struct portal_audit_rec *a, void *ud)
{
	return json_array_append_new(
	    ud, json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s}", "id", (json_int_t)a->id, "at",
	                  (json_int_t)a->at, "actor", a->actor, "action", a->action, "target",
	                  a->target, "result", a->result, "detail", a->detail));
}

static int h_audit(struct api_req *r, json_t **ret)
{
	json_t *list;
	int err = portal_authorize(r->p, &r->actor, PORTAL_RIGHT_AUDIT, r->seg[1]);

	if (err < 0) {
		portal_audit(r->p, &r->actor, "audit.read", r->seg[1], err);
		return api_error(r, ret, err);
	}
	list = json_array();
	err = portal_audit_each(r->p, r->seg[1], 500, audit_row, list);
	if (err < 0) {
		json_decref(list);
		return api_error(r, ret, err);
	}
	*ret = json_pack("{s:s, s:o}", "org", r->seg[1], "records", list);
	return 200;
}

const struct api_route api_routes_admin[] = {
    {EVHTTP_REQ_POST, "login", false, h_login},
    {EVHTTP_REQ_POST, "login/federated", false, h_login_federated},
    {EVHTTP_REQ_POST, "orgs/*/idp", true, h_idp},
    {EVHTTP_REQ_GET, "orgs/*/idp", true, h_idp_get},
    {EVHTTP_REQ_POST, "logout", true, h_logout},
    {EVHTTP_REQ_GET, "me", true, h_me},
    {EVHTTP_REQ_POST, "orgs", true, h_org_add},
    {EVHTTP_REQ_GET, "orgs", true, h_orgs},
    {EVHTTP_REQ_GET, "orgs/*/users", true, h_users},
    {EVHTTP_REQ_POST, "orgs/*/users", true, h_user_add},
    {EVHTTP_REQ_POST, "orgs/*/users.csv", true, h_users_csv},
    {EVHTTP_REQ_PATCH, "users/*", true, h_user_patch},
    {EVHTTP_REQ_DELETE, "users/*", true, h_user_delete},
    {EVHTTP_REQ_GET, "orgs/*/audit", true, h_audit},
    {0, NULL, false, NULL},
};
