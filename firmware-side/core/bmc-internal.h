/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by the BMC core's files; not an interface. */
#ifndef SVCPORT_BMC_INTERNAL_H
#define SVCPORT_BMC_INTERNAL_H

#include <limits.h>

#include "audit.h"
#include "bmc.h"
#include "challenge.h"
#include "ratelimit.h"
#include "se.h"
#include "sealed.h"

#define BMC_SIGNER_CACHE_MAX  4
#define BMC_CLOCK_SKEW_S      300u          /* issued_at may be this far in the future */
#define BMC_MAX_WINDOW_S      (24u * 3600u) /* longest command validity accepted */
#define BMC_PBKDF2_ITERATIONS 20000u
#define BMC_SED_AK_LEN        SEALED_SED_AK_LEN

_Static_assert(BMC_SIGNER_CACHE_MAX == sizeof(((svcport_v1_BmcState *)0)->signer_cache) /
                                           sizeof(((svcport_v1_BmcState *)0)->signer_cache[0]),
               "signer cache bound matches svcport.options");
_Static_assert(BMC_SIGNER_CACHE_MAX == sizeof(((svcport_v1_DeviceInfo *)0)->known_signers) /
                                           sizeof(((svcport_v1_DeviceInfo *)0)->known_signers[0]),
               "known_signers bound matches the cache");

struct bmc {
	char dir[PATH_MAX];
	struct bmc_env env;
	struct se *se;
	svcport_v1_BmcState st;
	unsigned char signer_fp[BMC_SIGNER_CACHE_MAX][32];
	struct challenge_table challenges;
	struct ratelimit rl;
	struct ratelimit admin_rl;
	bool event_valid;
	svcport_v1_StateChanged last_event;
};

/* Context of one SubmitCommand. */
struct bmc_cmd_ctx {
	uint32_t session_id;
	svcport_v1_LinkKind link;
	bool physical_presence;
};

static inline uint64_t bmc_now_s(const struct bmc *b)
{
	return b->env.now_ms(b->env.user_data) / 1000u;
}

/* verify.c: the whole pipeline of DESIGN §4.2; on success fills receipt. */
svcport_v1_ErrorCode bmc_cmd_submit(struct bmc *b, const svcport_v1_SignedCommand *cmd,
                                    const struct bmc_cmd_ctx *ctx, svcport_v1_Action *ret_action,
                                    svcport_v1_DeviceReceipt *ret_receipt, const char **ret_detail);

/* actions.c */
svcport_v1_Action bmc_action_of(const svcport_v1_CommandBody *body);
const char *bmc_action_name(svcport_v1_Action a);
bool bmc_is_role_allowed(svcport_v1_Action a, svcport_v1_Role role);
/* Preconditions and the change itself, on next (a copy of the current state). */
svcport_v1_ErrorCode bmc_action_apply(struct bmc *b, const svcport_v1_CommandBody *body,
                                      const struct bmc_cmd_ctx *ctx, svcport_v1_BmcState *next,
                                      const char **ret_detail);
bool bmc_is_presence_ok(const svcport_v1_BmcState *st, const struct bmc_cmd_ctx *ctx);

/* bmc.c: audit + durable state write, then the in-memory state. 0 or -errno. */
int bmc_commit(struct bmc *b, svcport_v1_BmcState *next, const struct audit_entry *e)
    __attribute__((warn_unused_result));
void bmc_refresh_fingerprints(struct bmc *b);

/* bmc-admin.c: shared by the console's files. */
void bmc_admin_reply_error(svcport_admin_v1_AdminReply *r, svcport_admin_v1_AdminError e,
                           const char *msg);
/* Password gate: true if the command may go on; else r is written. */
bool bmc_admin_auth(struct bmc *b, const svcport_admin_v1_AdminRequest *req,
                    svcport_admin_v1_AdminReply *r, bool allow_must_change);
/* Audit + durable write of next; on failure r says so. */
void bmc_admin_commit(struct bmc *b, svcport_v1_BmcState *next, const char *event,
                      const char *detail, svcport_admin_v1_AdminReply *r);
/* bmc-admin-cert.c: cert export, csr, install (DESIGN §6). */
void bmc_admin_cert(struct bmc *b, const svcport_admin_v1_AdminRequest *req,
                    svcport_admin_v1_AdminReply *r, svcport_v1_BmcState *next,
                    struct bmc_outcome *o);

/* trust.c: signed trust-store updates (DESIGN §6). */
void bmc_admin_trust_update(struct bmc *b, const svcport_admin_v1_AdminRequest *req,
                            svcport_admin_v1_AdminReply *r, svcport_v1_BmcState *next,
                            struct bmc_outcome *o);
/* At open: pins the roots of the last applied update, if any. 0 or -EINVAL. */
int bmc_trust_open(struct bmc *b) __attribute__((warn_unused_result));

/* pwhash.c */
int bmc_pbkdf2(const char *secret, const unsigned char *salt, size_t salt_len, unsigned char *out,
               size_t out_len) __attribute__((warn_unused_result));
bool bmc_is_mem_equal(const void *a, const void *b, size_t len);

#endif
