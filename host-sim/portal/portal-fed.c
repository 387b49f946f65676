// SPDX-License-Identifier: GPL-2.0-or-later
/* Federation: an organisation's identity provider and its ES256 assertions (see portal-fed.h). */
#include "portal-fed.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <mbedtls/base64.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/pk.h>

#include "portal-internal.h"

int portal_act_idp_set(struct portal *p, const struct portal_actor *a, const char *org,
                       const char *issuer, const char *audience, const char *pubkey_pem)
{
	mbedtls_pk_context key;
	sqlite3_stmt *st = NULL;
	int err = portal_authorize(p, a, PORTAL_RIGHT_USERS, org);

	mbedtls_pk_init(&key);
	if (err == 0 && !portal_db_has_org(portal_db(p), org))
		err = portal_refuse(p, -ENOENT, "organisation %s does not exist", org);
	if (err == 0 && (!issuer[0] || !audience[0] || strlen(pubkey_pem) >= PORTAL_IDP_PEM_MAX ||
	                 mbedtls_pk_parse_public_key(&key, (const unsigned char *)pubkey_pem,
	                                             strlen(pubkey_pem) + 1) != 0 ||
	                 mbedtls_pk_get_type(&key) != MBEDTLS_PK_ECKEY ||
	                 mbedtls_pk_ec(key)->grp.id != MBEDTLS_ECP_DP_SECP256R1))
		err = portal_refuse(p, -EINVAL,
		                    "an identity provider needs an issuer, an audience and a P-256 "
		                    "public key (PEM)");
	if (err == 0 &&
	    sqlite3_prepare_v2(portal_db(p),
	                       "INSERT OR REPLACE INTO org_idps(org, issuer, audience, public_key)"
	                       " VALUES(?1, ?2, ?3, ?4);",
	                       -1, &st, NULL) != SQLITE_OK)
		err = -EIO;
	if (err == 0) {
		sqlite3_bind_text(st, 1, org, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, issuer, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 3, audience, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 4, pubkey_pem, -1, SQLITE_TRANSIENT);
		err = sqlite3_step(st) == SQLITE_DONE ? 0 : -EIO;
	}
	sqlite3_finalize(st);
	mbedtls_pk_free(&key);
	portal_audit(p, a, "org.idp", org, err);
	return err;
}

static int idp_get(struct portal *p, const char *org, struct portal_idp *ret)
{
	sqlite3_stmt *st = NULL;
	int err = -ENOENT;

	if (sqlite3_prepare_v2(portal_db(p),
	                       "SELECT issuer, audience, public_key FROM org_idps WHERE org=?1;",
	                       -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_text(st, 1, org, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(ret->issuer, sizeof(ret->issuer), "%s", sqlite3_column_text(st, 0));
		snprintf(ret->audience, sizeof(ret->audience), "%s", sqlite3_column_text(st, 1));
		snprintf(ret->pem, sizeof(ret->pem), "%s", sqlite3_column_text(st, 2));
		err = 0;
	}
	sqlite3_finalize(st);
	return err;
}

int portal_act_idp_get(struct portal *p, const struct portal_actor *a, const char *org,
                       struct portal_idp *ret)
{
	int err = portal_authorize(p, a, PORTAL_RIGHT_USERS, org);

	if (err == 0 && idp_get(p, org, ret) < 0)
		err = portal_refuse(p, -ENOENT, "%s has registered no identity provider", org);
	/* Reading is audited when refused only, as listing users is. */
	if (err < 0 && err != -ENOENT)
		portal_audit(p, a, "org.idp_read", org, err);
	return err;
}

/* base64url (no padding) into out; -EINVAL if malformed or over cap. */
static int b64url_decode(const char *in, size_t len, uint8_t *out, size_t cap, size_t *ret_len)
{
	char buf[PORTAL_JWT_MAX + 4];
	size_t n = 0;

	if (len > PORTAL_JWT_MAX)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		char c = in[i];

		if (c == '+' || c == '/' || c == '=')
			return -EINVAL; /* base64url only */
		buf[n++] = c == '-' ? '+' : c == '_' ? '/' : c;
	}
	while (n % 4)
		buf[n++] = '=';
	if (mbedtls_base64_decode(out, cap, ret_len, (const unsigned char *)buf, n) != 0)
		return -EINVAL;
	return 0;
}

static json_t *part_json(const char *s, size_t len)
{
	uint8_t raw[PORTAL_JWT_MAX];
	size_t n = 0;

	if (b64url_decode(s, len, raw, sizeof(raw), &n) < 0)
		return NULL;
	return json_loadb((const char *)raw, n, JSON_REJECT_DUPLICATES, NULL);
}

/* ES256: 64 bytes r||s over SHA-256 of "header.payload". */
static bool is_es256_valid(const char *pem, const char *signed_part, size_t signed_len,
                           const char *sig64, size_t sig64_len)
{
	mbedtls_pk_context key;
	mbedtls_mpi r, s;
	uint8_t sig[80], hash[PKI_SHA256_LEN];
	size_t n = 0;
	bool ok = false;

	mbedtls_pk_init(&key);
	mbedtls_mpi_init(&r);
	mbedtls_mpi_init(&s);
	if (b64url_decode(sig64, sig64_len, sig, sizeof(sig), &n) == 0 && n == 64 &&
	    mbedtls_pk_parse_public_key(&key, (const unsigned char *)pem, strlen(pem) + 1) == 0 &&
	    mbedtls_pk_get_type(&key) == MBEDTLS_PK_ECKEY &&
	    mbedtls_mpi_read_binary(&r, sig, 32) == 0 &&
	    mbedtls_mpi_read_binary(&s, sig + 32, 32) == 0) {
		mbedtls_ecp_keypair *ec = mbedtls_pk_ec(key);

		pki_sha256((const uint8_t *)signed_part, signed_len, hash);
		ok = ec->grp.id == MBEDTLS_ECP_DP_SECP256R1 &&
		     mbedtls_ecdsa_verify(&ec->grp, hash, sizeof(hash), &ec->Q, &r, &s) == 0;
	}
	mbedtls_mpi_free(&s);
	mbedtls_mpi_free(&r);
	mbedtls_pk_free(&key);
	return ok;
}

static bool is_audience(json_t *aud, const char *want)
{
	size_t i;
	json_t *v;

	if (json_is_string(aud))
		return strcmp(json_string_value(aud), want) == 0;
	json_array_foreach(aud, i, v) if (json_is_string(v) &&
	                                  strcmp(json_string_value(v), want) == 0) return true;
	return false;
}

/* The claims: the subject into sub. */
static int claims_check(struct portal *p, json_t *c, const struct portal_idp *idp, int64_t now,
                        char sub[PORTAL_NAME_MAX])
{
	json_t *exp = json_object_get(c, "exp"), *nbf = json_object_get(c, "nbf");
	const char *iss = json_string_value(json_object_get(c, "iss"));
	const char *s = json_string_value(json_object_get(c, "sub"));

	if (!iss || strcmp(iss, idp->issuer) != 0)
		return portal_refuse(p, -ENOKEY,
		                     "the assertion's issuer is not the org's provider");
	if (!is_audience(json_object_get(c, "aud"), idp->audience))
		return portal_refuse(p, -ENOKEY, "the assertion is not meant for this portal");
	if (!json_is_integer(exp))
		return portal_refuse(p, -ENOKEY, "the assertion has no expiry");
	if (json_integer_value(exp) + PORTAL_JWT_SKEW <= (json_int_t)now)
		return portal_refuse(p, -EKEYEXPIRED, "the assertion has expired");
	if (nbf &&
	    (!json_is_integer(nbf) || json_integer_value(nbf) > (json_int_t)now + PORTAL_JWT_SKEW))
		return portal_refuse(p, -ENOKEY, "the assertion is not valid yet");
	if (!s || !s[0] || strlen(s) >= PORTAL_NAME_MAX)
		return portal_refuse(p, -ENOKEY, "the assertion names no user");
	snprintf(sub, PORTAL_NAME_MAX, "%s", s);
	return 0;
}

static int jwt_check(struct portal *p, const struct portal_idp *idp, const char *jwt, int64_t now,
                     char sub[PORTAL_NAME_MAX])
{
	const char *dot1 = strchr(jwt, '.'), *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
	json_t *hdr = NULL, *claims = NULL;
	const char *alg;
	int err;

	if (strlen(jwt) > PORTAL_JWT_MAX || !dot1 || !dot2 || strchr(dot2 + 1, '.'))
		return portal_refuse(p, -ENOKEY, "not a signed JWT (header.payload.signature)");
	hdr = part_json(jwt, (size_t)(dot1 - jwt));
	claims = part_json(dot1 + 1, (size_t)(dot2 - dot1 - 1));
	alg = json_string_value(json_object_get(hdr, "alg"));
	/* The algorithm is ours to choose, never the token's ("none", HS256 with the key...). */
	if (!json_is_object(hdr) || !json_is_object(claims) || !alg || strcmp(alg, "ES256") != 0)
		err = portal_refuse(p, -ENOKEY, "the assertion must be an ES256 JWT");
	else if (!is_es256_valid(idp->pem, jwt, (size_t)(dot2 - jwt), dot2 + 1, strlen(dot2 + 1)))
		err = portal_refuse(p, -ENOKEY, "the assertion's signature is not the provider's");
	else
		err = claims_check(p, claims, idp, now, sub);
	json_decref(claims);
	json_decref(hdr);
	return err;
}

static int login_federated(struct portal *p, const char *org, const char *jwt, const char *addr,
                           int64_t now, char ret_token[PORTAL_TOKEN_LEN + 1], int64_t *ret_expires,
                           struct portal_actor *ret, long wait)
{
	struct portal_idp *idp = calloc(1, sizeof(*idp));
	struct portal_user u;
	char sub[PORTAL_NAME_MAX] = "";
	int err = idp ? 0 : -ENOMEM;

	/* A forger slows himself, as a password guesser does (portal-auth.h). */
	if (err == 0 && wait > 0)
		err = portal_refuse(p, -EBUSY, "too many failed logins: try again in %ld s", wait);
	if (err == 0 && idp_get(p, org, idp) < 0)
		err = portal_refuse(p, -ENOKEY, "%s has no identity provider", org);
	if (err == 0) {
		err = jwt_check(p, idp, jwt, now, sub);
		portal_addr_failed(p, addr, now, err < 0);
	}
	if (err == 0 && portal_db_user_get(portal_db(p), sub, &u) == 0 && strcmp(u.org, org) != 0)
		err = portal_refuse(p, -EPERM, "%s is a user of another organisation", sub);
	else if (err == 0 && portal_db_user_get(portal_db(p), sub, &u) < 0)
		/* First login: registered with the Base role only. */
		err = portal_user_add(p, sub, org, svcport_v1_Role_ROLE_BASE);
	if (err == 0)
		err = portal_actor_load(p, sub, ret);
	if (err == 0) {
		snprintf(ret->addr, PORTAL_ADDR_MAX, "%s", addr);
		err = portal_session_open(p, sub, now, ret_token, ret_expires);
	}
	free(idp);
	return err;
}

int portal_login_federated(struct portal *p, const char *org, const char *jwt, const char *addr,
                           int64_t now, char ret_token[PORTAL_TOKEN_LEN + 1], int64_t *ret_expires,
                           struct portal_actor *ret)
{
	struct portal_actor who = {0};
	long wait;
	int err;

	(void)portal_login_flush(p, now, false);
	wait = portal_addr_backoff(p, addr, now);
	err = login_federated(p, org, jwt, addr, now, ret_token, ret_expires, ret, wait);
	snprintf(who.org, sizeof(who.org), "%s", org);
	snprintf(who.addr, sizeof(who.addr), "%s", addr);
	/* Audited, or in the address' back-off only counted for its summary. */
	portal_login_audit(p, err == 0 ? ret : &who, "login.federated", err == 0 ? ret->user : org,
	                   err, err == -EBUSY ? wait : 0, now);
	return err;
}
