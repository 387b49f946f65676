/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Every portal function as an actor's act: check the right (portal-auth.h),
 * do it (portal.h), append the audit record. The HTTP handlers
 * (portal-api.c) and the command line (portal-cli*.c) call only these, so
 * each rule has one implementation. Errors as portal.h, reason in portal_why().
 */
#ifndef SVCPORT_SIM_PORTAL_ACTS_H
#define SVCPORT_SIM_PORTAL_ACTS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "manual-code.h"
#include "portal-auth.h"
#include "portal.h"

#define PORTAL_CSV_MAX      (256 * 1024)
#define PORTAL_CSV_ROWS_MAX 1000

int portal_act_org_add(struct portal *p, const struct portal_actor *a, const char *org)
    __attribute__((warn_unused_result));
struct portal_org_info {
	char name[PORTAL_NAME_MAX];
	int64_t created;
	int users, devices;   /* its users, the devices it owns */
	char idp_issuer[256]; /* its identity provider's issuer, "" without one */
};
/* Every organisation, by name: portal administrators and the operator. */
int portal_act_orgs_each(struct portal *p, const struct portal_actor *a,
                         int (*cb)(const struct portal_org_info *o, void *ud), void *ud)
    __attribute__((warn_unused_result));
/* password may be NULL (the user cannot log in with a password until one is set). */
int portal_act_user_add(struct portal *p, const struct portal_actor *a, const char *user,
                        const char *org, svcport_v1_Role role, const char *password)
    __attribute__((warn_unused_result));
int portal_act_user_role(struct portal *p, const struct portal_actor *a, const char *user,
                         svcport_v1_Role role) __attribute__((warn_unused_result));
int portal_act_user_remove(struct portal *p, const struct portal_actor *a, const char *user)
    __attribute__((warn_unused_result));
int portal_act_users_each(struct portal *p, const struct portal_actor *a, const char *org,
                          int (*cb)(const struct portal_user *u, void *ud), void *ud)
    __attribute__((warn_unused_result));
/*
 * Bulk registration. CSV header "user,role" (password-less users: an org
 * admin sets passwords, or they log in by federation). The whole file is
 * checked first; a format error changes nothing.
 */
typedef void (*portal_row_fn)(size_t line, const char *key, int err, const char *why,
                              void *user_data);
int portal_act_users_csv(struct portal *p, const struct portal_actor *a, const char *org,
                         const char *csv, size_t len, portal_row_fn row, void *ud)
    __attribute__((warn_unused_result));

/* The org's devices (all for the operator), MT/SN order. */
int portal_act_devices_each(struct portal *p, const struct portal_actor *a, const char *org,
                            int (*cb)(const struct portal_device *d, void *ud), void *ud)
    __attribute__((warn_unused_result));
int portal_act_claim(struct portal *p, const struct portal_actor *a, const char *org,
                     const char *mt, const char *sn, const char *code, int64_t now)
    __attribute__((warn_unused_result));
/*
 * Bulk claim: header "machine_type,serial_number,activation_code" (or, as the
 * guide spells it, "MT,SN,CODE"), printable ASCII, no quotes, at most
 * PORTAL_CSV_ROWS_MAX rows. A format error anywhere refuses the file before
 * any claim: it never counts as a failed guess. Returns the number of refused
 * rows, or a negative errno for a refused file (row() then not called).
 */
int portal_act_claim_csv(struct portal *p, const struct portal_actor *a, const char *org,
                         const char *csv, size_t len, int64_t now, portal_row_fn row, void *ud)
    __attribute__((warn_unused_result));
#define PORTAL_TARGET_MAX (PORTAL_MT_MAX + PORTAL_SN_MAX + 2)
/*
 * The device (mt, sn) into d (caller's, NULL: -ENOMEM) and the actor's right
 * r over its owner; "MT-SN" into target for the audit either way.
 */
int portal_act_device(struct portal *p, const struct portal_actor *a, enum portal_right r,
                      const char *mt, const char *sn, struct portal_device *d,
                      char target[PORTAL_TARGET_MAX]) __attribute__((warn_unused_result));
int portal_act_key_update(struct portal *p, const struct portal_actor *a, const char *mt,
                          const char *sn, const char *new_key_hex)
    __attribute__((warn_unused_result));
/* req->user is set from the actor (the operator cannot sign: a command names a user). */
int portal_act_sign(struct portal *p, const struct portal_actor *a, struct portal_sign_req *req,
                    uint8_t *out, size_t cap, size_t *ret_len, struct portal_signed *ret_info)
    __attribute__((warn_unused_result));
int portal_act_receipt(struct portal *p, const struct portal_actor *a, const uint8_t *receipt,
                       size_t len, struct portal_receipt_info *ret)
    __attribute__((warn_unused_result));

/* Transfers (portal.h) as the from / to organisation's org admin. */
int portal_act_transfer_start(struct portal *p, const struct portal_actor *a, const char *from,
                              const char *const *devices, size_t n, const char *csv_path,
                              long valid_for, int64_t now, char passphrase[PORTAL_PASSPHRASE_MAX],
                              char ret_id[33]) __attribute__((warn_unused_result));
int portal_act_transfer_accept(struct portal *p, const struct portal_actor *a, const char *to,
                               const char *csv_path, const char *passphrase, int64_t now)
    __attribute__((warn_unused_result));

#define PORTAL_READY_MAX 86400 /* a "ready for activation" mark lives at most a day */
/*
 * "Ready for activation" (the guide's automatic activation): the owning org's
 * org admin or edge user allows one online activation of (mt, sn) within
 * valid_for seconds. The mark is single-use: portal_ready_take() consumes it
 * (issue 16's online activation), and an activation receipt clears it.
 */
int portal_act_ready_mark(struct portal *p, const struct portal_actor *a, const char *mt,
                          const char *sn, long valid_for, int64_t now)
    __attribute__((warn_unused_result));
/* Consumes a live mark: 0, or -ENOENT (none), -EKEYEXPIRED (expired, removed). */
int portal_ready_take(struct portal *p, const char *mt, const char *sn, int64_t now)
    __attribute__((warn_unused_result));
/* When the live mark of (mt, sn) expires; 0 without one. */
int64_t portal_ready_expires(struct portal *p, const char *mt, const char *sn, int64_t now);
/* 1 if (mt, sn) carries a live mark, else 0. */
int portal_ready_is_marked(struct portal *p, const char *mt, const char *sn, int64_t now);

/*
 * Manual activation by phone call (docs/manual-activation.md): a user whose role may
 * activate, of the organisation that claimed (mt, sn), turns the BMC's challenge (as
 * typed) into the response the local administrator types in. Refused: a mistyped or
 * malformed challenge (-EINVAL, the group named), one expired by the portal's clock
 * (-EKEYEXPIRED). Audited (device.manual_activate).
 */
struct portal_manual_response {
	char response[MANUAL_TEXT_MAX];
	int64_t expires_at; /* the challenge's end, seconds since the epoch */
};
int portal_act_manual_activate(struct portal *p, const struct portal_actor *a, const char *mt,
                               const char *sn, const char *challenge, int64_t now,
                               struct portal_manual_response *ret)
    __attribute__((warn_unused_result));
/* The receipt the BMC showed for that challenge: the device is recorded activated.
 * -EKEYREJECTED if it is not the receipt. Audited (device.manual_receipt). */
int portal_act_manual_receipt(struct portal *p, const struct portal_actor *a, const char *mt,
                              const char *sn, const char *challenge, const char *receipt,
                              int64_t now) __attribute__((warn_unused_result));

#endif
