/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Federation (the guide's ADFS): an organisation registers its identity
 * provider (issuer, audience, P-256 public key); a user presenting a JWT
 * signed by it (ES256 only, "alg" checked, iss/aud/exp/nbf checked, at most 60 s
 * of clock skew, "sub" the user name) gets a session, and on first login is
 * registered in that organisation with the Base role, which can do nothing
 * until an org admin changes it. JSON by jansson, signatures by mbedTLS.
 */
#ifndef SVCPORT_SIM_PORTAL_FED_H
#define SVCPORT_SIM_PORTAL_FED_H

#include <stdint.h>
#include <time.h>

#include "portal-auth.h"

#define PORTAL_JWT_MAX     4096
#define PORTAL_JWT_SKEW    60
#define PORTAL_IDP_PEM_MAX 1024

/* Registers (replaces) org's identity provider; the act of an org admin. */
int portal_act_idp_set(struct portal *p, const struct portal_actor *a, const char *org,
                       const char *issuer, const char *audience, const char *pubkey_pem)
    __attribute__((warn_unused_result));

/* An organisation's registered identity provider. */
struct portal_idp {
	char issuer[256];
	char audience[256];
	char pem[PORTAL_IDP_PEM_MAX];
};

/* Reads org's identity provider (the act of its org admin): -ENOENT if none is registered. */
int portal_act_idp_get(struct portal *p, const struct portal_actor *a, const char *org,
                       struct portal_idp *ret) __attribute__((warn_unused_result));

/*
 * Checks the assertion for org; on success a session for its subject (made a
 * Base user of org on first login). -ENOKEY for every bad assertion (forged,
 * wrong issuer or audience, another algorithm, malformed), -EKEYEXPIRED when
 * expired, -EPERM if the subject is a user of another organisation, -EBUSY
 * while the address is backed off (failed assertions count like passwords).
 * Audited here ("login.federated"), except a refusal of the back-off: only
 * counted for the address' summary, as portal_login does.
 */
int portal_login_federated(struct portal *p, const char *org, const char *jwt, const char *addr,
                           int64_t now, char ret_token[PORTAL_TOKEN_LEN + 1], int64_t *ret_expires,
                           struct portal_actor *ret) __attribute__((warn_unused_result));

#endif
