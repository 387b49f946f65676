// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * SubmitCommand, in the order of DESIGN §4.2, stopping at the first failure:
 * signer chain -> signature -> body version -> device -> nonce (consumed
 * here, whatever follows) -> time window -> role -> owner -> the action's
 * preconditions -> durable apply -> signed receipt.
 */
#include <stdio.h>
#include <string.h>

#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>
#include <pb_decode.h>
#include <pb_encode.h>

#include "actions.h"
#include "bmc.h"
#include "board.h"
#include "pwhash.h"
#include "sedak.h"
#include "verify.h"
#include "x509check.h"

#define E(x) svcport_v1_ErrorCode_##x

#define BMC_CLOCK_SKEW_S 300u          /* issued_at may be this far in the future */
#define BMC_MAX_WINDOW_S (24u * 3600u) /* longest command validity accepted */

/* Parses the signer into crt (leaf first) and checks it. */
static svcport_v1_ErrorCode check_signer(struct bmc *b, const svcport_v1_SignedCommand *cmd,
                                         mbedtls_x509_crt *crt, int *ret_cache_slot,
                                         bool *ret_cacheable, const char **detail)
{
	const uint64_t now = bmc_now_s(b);

	*ret_cache_slot = -1;
	*ret_cacheable = false;
	if (cmd->which_signer == svcport_v1_SignedCommand_chain_tag) {
		const svcport_v1_CertChain *ch = &cmd->signer.chain;

		if (ch->certs_count == 0) {
			*detail = "empty certificate chain";
			return E(UNTRUSTED_SIGNER);
		}
		for (pb_size_t i = 0; i < ch->certs_count; i++)
			if (mbedtls_x509_crt_parse_der(crt, ch->certs[i].bytes,
			                               ch->certs[i].size) != 0) {
				*detail = "certificate does not parse";
				return E(UNTRUSTED_SIGNER);
			}
		if (!x509_check_signer_chain(crt, se_trust_anchors(b->se), now, ret_cacheable)) {
			*detail = "chain not trusted (root, profile, validity or usage)";
			return E(UNTRUSTED_SIGNER);
		}
		return E(ERROR_NONE);
	}
	if (cmd->which_signer == svcport_v1_SignedCommand_signer_sha256_tag) {
		if (cmd->signer.signer_sha256.size != 32) {
			*detail = "fingerprint is not 32 bytes";
			return E(UNTRUSTED_SIGNER);
		}
		for (pb_size_t i = 0; i < b->st.signer_cache_count; i++) {
			if (!bmc_is_mem_equal(b->signer_fp[i], cmd->signer.signer_sha256.bytes, 32))
				continue;
			/* Cached certificates chained when they were cached; the
			 * usage, profile and validity are checked again now. */
			if (mbedtls_x509_crt_parse_der(crt, b->st.signer_cache[i].bytes,
			                               b->st.signer_cache[i].size) != 0 ||
			    !x509_is_command_signer(crt, now)) {
				*detail = "cached signer no longer valid";
				return E(UNTRUSTED_SIGNER);
			}
			*ret_cache_slot = (int)i;
			return E(ERROR_NONE);
		}
		*detail = "unknown signer fingerprint: send the chain";
		return E(UNTRUSTED_SIGNER);
	}
	*detail = "no signer";
	return E(BAD_REQUEST);
}

static bool is_signature_ok(mbedtls_x509_crt *signer, const svcport_v1_SignedCommand *cmd)
{
	unsigned char hash[32];

	mbedtls_sha256_ret(cmd->body.bytes, cmd->body.size, hash, 0);
	return mbedtls_pk_verify(&signer->pk, MBEDTLS_MD_SHA256, hash, sizeof(hash),
	                         cmd->signature.bytes, cmd->signature.size) == 0;
}

static bool is_same_device(const svcport_v1_DeviceId *a, const svcport_v1_DeviceId *b)
{
	return strcmp(a->machine_type, b->machine_type) == 0 &&
	       strcmp(a->serial_number, b->serial_number) == 0;
}

static svcport_v1_ErrorCode check_device(struct bmc *b, const svcport_v1_CommandBody *body,
                                         const char **detail)
{
	const svcport_v1_BmcState *st = &b->st;
	unsigned char mine[32];

	if (body->which_action == svcport_v1_CommandBody_device_key_update_tag) {
		const svcport_v1_DeviceKeyUpdate *u = &body->action.device_key_update;

		/* A key update names the board by its key: that is all a blank
		 * board has. A board with an identity must also match it. */
		se_key_sha256(b->se, mine);
		if (u->new_key_sha256.size != 32 ||
		    !bmc_is_mem_equal(mine, u->new_key_sha256.bytes, 32)) {
			*detail = "key update for another board key";
			return E(WRONG_DEVICE);
		}
		if (!body->has_device || body->device.machine_type[0] == 0 ||
		    body->device.serial_number[0] == 0) {
			*detail = "key update without MT/SN";
			return E(WRONG_DEVICE);
		}
		if (st->has_identity && !is_same_device(&st->device, &body->device)) {
			*detail = "key update for another MT/SN";
			return E(WRONG_DEVICE);
		}
		return E(ERROR_NONE);
	}
	if (!st->has_identity || !body->has_device || !is_same_device(&st->device, &body->device)) {
		*detail = st->has_identity ? "command for another device" : "board has no identity";
		return E(WRONG_DEVICE);
	}
	return E(ERROR_NONE);
}

static svcport_v1_ErrorCode check_time(uint64_t now, const svcport_v1_CommandBody *body,
                                       const char **detail)
{
	if (body->expires_at <= body->issued_at ||
	    body->expires_at - body->issued_at > BMC_MAX_WINDOW_S) {
		*detail = "bad validity window";
		return E(EXPIRED);
	}
	if (body->issued_at > now + BMC_CLOCK_SKEW_S) {
		*detail = "issued in the future";
		return E(EXPIRED);
	}
	if (now >= body->expires_at) {
		*detail = "command expired";
		return E(EXPIRED);
	}
	return E(ERROR_NONE);
}

static svcport_v1_ErrorCode check_owner(const svcport_v1_BmcState *st,
                                        const svcport_v1_CommandBody *body, const char **detail)
{
	const char *owner = st->owner_org;

	if (body->which_action == svcport_v1_CommandBody_claim_tag)
		return E(ERROR_NONE); /* Claim's own rule: see actions.c */
	if (body->which_action == svcport_v1_CommandBody_device_key_update_tag) {
		/* A blank board has no owner yet: the org binds itself. */
		if (strcmp(body->org_id, body->action.device_key_update.owner_org) != 0) {
			*detail = "key update binds another organisation";
			return E(NOT_OWNER);
		}
		if (owner[0] == 0)
			return E(ERROR_NONE);
	}
	if (owner[0] == 0 || strcmp(owner, body->org_id) != 0) {
		*detail = owner[0] ? "organisation does not own the device" : "device is unclaimed";
		return E(NOT_OWNER);
	}
	return E(ERROR_NONE);
}

/* Caches the verified signer with the change it signed (oldest evicted). */
static void cache_signer(svcport_v1_BmcState *next, const mbedtls_x509_crt *signer)
{
	unsigned char fp[32], have[32];

	if (signer->raw.len > sizeof(next->signer_cache[0].bytes))
		return;
	mbedtls_sha256_ret(signer->raw.p, signer->raw.len, fp, 0);
	for (pb_size_t i = 0; i < next->signer_cache_count; i++) {
		mbedtls_sha256_ret(next->signer_cache[i].bytes, next->signer_cache[i].size, have,
		                   0);
		if (memcmp(fp, have, 32) == 0)
			return;
	}
	if (next->signer_cache_count == BMC_SIGNER_CACHE_MAX) {
		memmove(&next->signer_cache[0], &next->signer_cache[1],
		        sizeof(next->signer_cache[0]) * (BMC_SIGNER_CACHE_MAX - 1));
		next->signer_cache_count--;
	}
	memcpy(next->signer_cache[next->signer_cache_count].bytes, signer->raw.p, signer->raw.len);
	next->signer_cache[next->signer_cache_count].size = (pb_size_t)signer->raw.len;
	next->signer_cache_count++;
}

static int make_receipt(struct bmc *b, const svcport_v1_CommandBody *body, svcport_v1_Action a,
                        svcport_v1_DeviceReceipt *r)
{
	svcport_v1_ReceiptBody rb = svcport_v1_ReceiptBody_init_zero;
	pb_ostream_t os = pb_ostream_from_buffer(r->body.bytes, sizeof(r->body.bytes));
	size_t sig_len;

	rb.has_device = true;
	rb.device = b->st.device;
	rb.nonce.size = body->nonce.size;
	memcpy(rb.nonce.bytes, body->nonce.bytes, body->nonce.size);
	rb.action = a;
	rb.result = E(ERROR_NONE);
	rb.new_state = b->st.lockdown_state;
	rb.counter = b->st.receipt_counter;
	rb.control_mode = b->st.control_mode;
	memcpy(rb.owner_org, b->st.owner_org, sizeof(rb.owner_org));
	rb.sed_enabled = b->st.sed_enabled;
	if (!pb_encode(&os, svcport_v1_ReceiptBody_fields, &rb))
		return -1;
	r->body.size = (pb_size_t)os.bytes_written;
	if (se_sign(b->se, r->body.bytes, r->body.size, r->signature.bytes, &sig_len, &b->env) < 0)
		return -1;
	r->signature.size = (pb_size_t)sig_len;
	return 0;
}

/*
 * The decoded body before its nonce is spent: the version, the link it came on and the
 * device it names. The gateway's online link relays only the activation of the challenge
 * it posted (docs/online.md); bmcd holds it to that too, so a gateway bug cannot make the
 * portal link do from afar what a phone does only beside the server (attack 16o F1).
 */
static svcport_v1_ErrorCode check_body(struct bmc *b, const struct bmc_cmd_ctx *ctx,
                                       const svcport_v1_CommandBody *body, svcport_v1_Action a,
                                       const char **ret_detail)
{
	if (body->version != 1) {
		*ret_detail = "command body version not 1";
		return E(UNSUPPORTED_VERSION);
	}
	if (ctx->link == svcport_v1_LinkKind_LINK_PORTAL &&
	    a != svcport_v1_Action_ACTION_ACTIVATE) {
		*ret_detail = "the portal link carries only an activation";
		return E(PRESENCE_REQUIRED);
	}
	return check_device(b, body, ret_detail);
}

/* A one-time password box whose reset did not land goes nowhere. */
static void result_drop_box(svcport_v1_CommandResult *r)
{
	mbedtls_platform_zeroize(&r->one_time_password, sizeof(r->one_time_password));
	r->has_one_time_password = false;
}

/* A command that could not be stored: what is in force, as the console tells it. */
static const char *hold_detail(enum bmc_hold h)
{
	switch (h) {
	case BMC_HOLD_WRITTEN:
		return "state write failed after the record was written: in force, not durable "
		       "yet; no receipt";
	case BMC_HOLD_LATCHED:
		return "state write failed: the lock or reset is in force (latched), not stored; "
		       "no receipt";
	case BMC_HOLD_MEMORY:
		return "state write failed: the lock or reset is in force in memory only (latch "
		       "failed); no receipt";
	default:
		return "state write failed; nothing changed";
	}
}

svcport_v1_ErrorCode bmc_cmd_submit(struct bmc *b, const svcport_v1_SignedCommand *cmd,
                                    const struct bmc_cmd_ctx *ctx, svcport_v1_Action *ret_action,
                                    svcport_v1_CommandResult *ret_result, const char **ret_detail)
{
	static svcport_v1_BmcState next; /* large; the core is single-threaded */
	svcport_v1_CommandBody body = svcport_v1_CommandBody_init_zero;
	svcport_v1_ErrorCode rc;
	mbedtls_x509_crt crt;
	struct audit_entry ae;
	enum bmc_hold hold;
	pb_istream_t is;
	char detail[160];
	bool cacheable, was_active;
	int slot;

	*ret_action = svcport_v1_Action_ACTION_UNSPECIFIED;
	*ret_detail = NULL;
	mbedtls_x509_crt_init(&crt);

	/* A trust update the latch holds but the record lost: the roots on disk
	 * are older than those in force; nothing is verified against them. */
	if (b->st.trust_sequence < b->st.trust_sequence_required) {
		*ret_detail = "a trust update is not stored: apply it again (bmcctl trust update)";
		rc = E(INVALID_STATE);
		goto out;
	}
	rc = check_signer(b, cmd, &crt, &slot, &cacheable, ret_detail);
	if (rc != E(ERROR_NONE))
		goto out;
	if (!is_signature_ok(&crt, cmd)) {
		*ret_detail = "signature does not verify";
		rc = E(BAD_SIGNATURE);
		goto out;
	}
	is = pb_istream_from_buffer(cmd->body.bytes, cmd->body.size);
	if (!pb_decode(&is, svcport_v1_CommandBody_fields, &body) || body.which_action == 0) {
		*ret_detail = "signed body does not decode";
		rc = E(BAD_REQUEST);
		goto out;
	}
	*ret_action = bmc_action_of(&body);
	rc = check_body(b, ctx, &body, *ret_action, ret_detail);
	if (rc != E(ERROR_NONE))
		goto out;
	if (!challenge_consume(&b->challenges, body.nonce.bytes, body.nonce.size,
	                       b->env.now_ms(b->env.user_data))) {
		*ret_detail = "nonce is not an outstanding challenge";
		rc = E(NONCE_UNKNOWN);
		goto out;
	}
	rc = check_time(bmc_now_s(b), &body, ret_detail);
	if (rc != E(ERROR_NONE))
		goto out;
	if (!bmc_is_role_allowed(*ret_action, body.role)) {
		*ret_detail = "role may not do this action";
		rc = E(ROLE_FORBIDDEN);
		goto out;
	}
	rc = check_owner(&b->st, &body, ret_detail);
	if (rc != E(ERROR_NONE))
		goto out;

	next = b->st;
	was_active = b->st.lockdown_state == svcport_v1_LockdownState_LOCKDOWN_ACTIVE;
	rc = bmc_action_apply(b, &body, ctx, &next, ret_result, ret_detail);
	if (rc != E(ERROR_NONE))
		goto out;
	next.receipt_counter++;
	if (slot < 0 && cacheable)
		cache_signer(&next, &crt);
	snprintf(detail, sizeof(detail), "org=%s operator=%s", body.org_id, body.operator_id);
	ae = (struct audit_entry){.time = bmc_now_s(b),
	                          .event = bmc_action_name(*ret_action),
	                          .detail = detail,
	                          .session_id = ctx->session_id,
	                          .link = ctx->link,
	                          .result = E(ERROR_NONE)};
	if (bmc_commit(b, &next, &ae, &hold) < 0) {
		/* No receipt for what is not stored: its counter could come again. */
		*ret_detail = hold_detail(hold);
		rc = E(INTERNAL);
		goto out;
	}
	/* An activation: the backup component's copy waits for it (re-attack 13c, H1). */
	sedak_component_after_commit(b, was_active);
	if (make_receipt(b, &body, *ret_action, &ret_result->receipt) < 0) {
		*ret_detail = "applied, but the receipt could not be signed";
		rc = E(INTERNAL);
		goto out;
	}
	rc = E(ERROR_NONE);
out:
	if (rc != E(ERROR_NONE))
		result_drop_box(ret_result);
	mbedtls_platform_zeroize(&body, sizeof(body)); /* a key update's activation code */
	mbedtls_platform_zeroize(&next, sizeof(next));
	mbedtls_x509_crt_free(&crt);
	return rc;
}
