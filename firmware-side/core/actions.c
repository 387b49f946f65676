// SPDX-License-Identifier: GPL-2.0-or-later
/* The actions of a signed command: roles (DESIGN §4.3), preconditions, changes. */
#include <errno.h>
#include <string.h>

#include <mbedtls/platform_util.h>
#include <mbedtls/x509_crt.h>

#include "actions.h"
#include "bmc.h"
#include "devcerts.h"
#include "otp.h"
#include "pwbox.h"
#include "sealed.h"

#define E(x) svcport_v1_ErrorCode_##x
#define A(x) svcport_v1_Action_ACTION_##x
#define R(x) (1u << svcport_v1_Role_ROLE_##x)

static const struct {
	pb_size_t tag;
	svcport_v1_Action action;
	const char *name;
	unsigned roles;
} action_table[] = {
    {svcport_v1_CommandBody_claim_tag, A(CLAIM), "claim", R(ORG_ADMIN) | R(EDGE_USER)},
    {svcport_v1_CommandBody_activate_tag, A(ACTIVATE), "activate", R(ORG_ADMIN) | R(EDGE_USER)},
    {svcport_v1_CommandBody_emergency_password_reset_tag, A(EMERGENCY_PASSWORD_RESET),
     "emergency-password-reset", R(MAINTENANCE)},
    {svcport_v1_CommandBody_device_key_update_tag, A(DEVICE_KEY_UPDATE), "device-key-update",
     R(MAINTENANCE)},
    {svcport_v1_CommandBody_promote_to_portal_control_tag, A(PROMOTE_TO_PORTAL_CONTROL),
     "promote-to-portal-control", R(ORG_ADMIN)},
    {svcport_v1_CommandBody_transfer_ownership_tag, A(TRANSFER_OWNERSHIP), "transfer-ownership",
     R(ORG_ADMIN)},
    {svcport_v1_CommandBody_configure_sensors_tag, A(CONFIGURE_SENSORS), "configure-sensors",
     R(ORG_ADMIN)},
};
_Static_assert(sizeof(action_table) / sizeof(action_table[0]) == 7, "one row per action");

svcport_v1_Action bmc_action_of(const svcport_v1_CommandBody *body)
{
	for (size_t i = 0; i < sizeof(action_table) / sizeof(action_table[0]); i++)
		if (action_table[i].tag == body->which_action)
			return action_table[i].action;
	return A(UNSPECIFIED);
}

const char *bmc_action_name(svcport_v1_Action a)
{
	for (size_t i = 0; i < sizeof(action_table) / sizeof(action_table[0]); i++)
		if (action_table[i].action == a)
			return action_table[i].name;
	return "none";
}

bool bmc_is_role_allowed(svcport_v1_Action a, svcport_v1_Role role)
{
	if (role <= svcport_v1_Role_ROLE_UNSPECIFIED || role > svcport_v1_Role_ROLE_BASE)
		return false;
	for (size_t i = 0; i < sizeof(action_table) / sizeof(action_table[0]); i++)
		if (action_table[i].action == a)
			return (action_table[i].roles & (1u << role)) != 0;
	return false;
}

/* The `ble-presence` policy is about the radio: it never makes the network, the portal link or
 * an unconfirmed cable present (DESIGN §2.4, §4.4). */
bool bmc_is_presence_ok(const svcport_v1_BmcState *st, const struct bmc_cmd_ctx *ctx)
{
	return ctx->physical_presence ||
	       (st->ble_presence_allowed && ctx->link == svcport_v1_LinkKind_LINK_BLE);
}

/*
 * Releasing the AK to the drives: the SE unseals it for this one use. There is
 * no drive in this build, so the release is the proof that it unseals; a blob
 * that does not (damaged, another board's) refuses the activation.
 */
static svcport_v1_ErrorCode sed_ak_release(struct bmc *b, const svcport_v1_BmcState *st,
                                           const char **detail)
{
	unsigned char ak[SEALED_SED_AK_LEN];
	int ret;

	if (!st->sed_ak_present)
		return E(ERROR_NONE);
	ret = sealed_sed_ak_get(b->se, st, ak);
	mbedtls_platform_zeroize(ak, sizeof(ak));
	if (ret < 0) {
		*detail = "the sealed SED AK does not unseal";
		return E(INTERNAL);
	}
	return E(ERROR_NONE);
}

/*
 * The server's manual activation key, if the update carries it: sealed to this board's
 * device key (common/pwbox, bound to MT-SN and the command's nonce), opened through the
 * SE's ECDH and sealed into next. 0, or -errno (next is then to be dropped).
 */
static int manual_key_take(struct bmc *b, const svcport_v1_DeviceKeyUpdate *u,
                           const svcport_v1_CommandBody *body, svcport_v1_BmcState *next)
{
	const struct pwbox_binding bind = {.machine_type = body->device.machine_type,
	                                   .serial_number = body->device.serial_number,
	                                   .nonce = body->nonce.bytes,
	                                   .nonce_len = body->nonce.size};
	unsigned char own[SE_PUBKEY_LEN], z[32];
	char key[SEALED_MANUAL_KEY_LEN + 1];
	int ret;

	if (u->manual_key_box.size == 0 && u->manual_key_point.size == 0)
		return 0;
	if (u->manual_key_point.size != SE_PUBKEY_LEN ||
	    u->manual_key_box.size != SEALED_MANUAL_KEY_LEN + PWBOX_TAG_LEN)
		return -EINVAL;
	se_public_key(b->se, own);
	ret = se_ecdh(b->se, u->manual_key_point.bytes, z, &b->env);
	if (ret == 0)
		ret = pwbox_open_shared(z, own, u->manual_key_point.bytes, &bind,
		                        u->manual_key_box.bytes, u->manual_key_box.size, key,
		                        sizeof(key));
	if (ret == 0)
		ret = sealed_manual_key_set(b->se, next, (const unsigned char *)key, &b->env);
	mbedtls_platform_zeroize(z, sizeof(z));
	mbedtls_platform_zeroize(key, sizeof(key));
	return ret;
}

static svcport_v1_ErrorCode apply_key_update(struct bmc *b, const svcport_v1_DeviceKeyUpdate *u,
                                             const svcport_v1_CommandBody *body,
                                             svcport_v1_BmcState *next, const char **detail)
{
	const svcport_v1_ControlMode mode = u->control_mode;

	if (mode != svcport_v1_ControlMode_CONTROL_BMC_MANAGED &&
	    mode != svcport_v1_ControlMode_CONTROL_PORTAL_MANAGED) {
		*detail = "key update without a control mode";
		return E(INVALID_STATE);
	}
	if (next->control_mode == svcport_v1_ControlMode_CONTROL_PORTAL_MANAGED &&
	    mode != svcport_v1_ControlMode_CONTROL_PORTAL_MANAGED) {
		*detail = "portal control is one-way";
		return E(INVALID_STATE);
	}
	if (u->device_certificate.size > 0) {
		mbedtls_x509_crt crt;
		bool ok;

		mbedtls_x509_crt_init(&crt);
		ok = mbedtls_x509_crt_parse_der(&crt, u->device_certificate.bytes,
		                                u->device_certificate.size) == 0 &&
		     devcerts_is_device_key(b->se, &crt);
		mbedtls_x509_crt_free(&crt);
		if (!ok) {
			*detail = "device certificate is not for this board's key";
			return E(INVALID_STATE);
		}
		memcpy(next->device_certificate.bytes, u->device_certificate.bytes,
		       u->device_certificate.size);
		next->device_certificate.size = u->device_certificate.size;
	}
	next->has_identity = true;
	next->has_device = true;
	next->device = body->device;
	memcpy(next->owner_org, u->owner_org, sizeof(next->owner_org));
	next->control_mode = mode;
	next->lockdown_state = svcport_v1_LockdownState_LOCKDOWN_LOCKED;
	/* SED belongs to the server (the portal's record), one-way: a new board adopts
	 * it and nothing here ever disables it. With no AK the server stays locked
	 * until one is restored (bmc_action_apply, Activate). */
	next->sed_enabled = next->sed_enabled || u->sed_enabled;
	/* The sealed secrets are bound to MT-SN: follow the identity. */
	if ((sealed_rebind(b->se, &b->st, next, &b->env) < 0) ||
	    (u->activation_code[0] &&
	     sealed_code_set(b->se, next, u->activation_code, &b->env) < 0)) {
		*detail = "cannot seal the board's secrets to the new identity";
		return E(INTERNAL);
	}
	/* K_dev is bound to MT-SN and this board's key (docs/manual-activation.md): whatever
	 * this board held is for another identity; only the update's box gives it one. */
	next->manual_key_sealed.size = 0;
	if (manual_key_take(b, u, body, next) < 0) {
		*detail = "the manual activation key is not sealed to this board";
		return E(INVALID_STATE);
	}
	/* The link certificate names the identity: issue it again. */
	if (devcerts_issue(b->se, next, 0, bmc_now_s(b), &b->env) < 0) {
		*detail = "cannot issue the link certificate";
		return E(INTERNAL);
	}
	return E(ERROR_NONE);
}

const char *bmc_activate_blocker(const svcport_v1_BmcState *st)
{
	return st->sed_enabled && !st->sed_ak_present ? BMC_SED_AK_ABSENT : NULL;
}

svcport_v1_ErrorCode bmc_action_apply(struct bmc *b, const svcport_v1_CommandBody *body,
                                      const struct bmc_cmd_ctx *ctx, svcport_v1_BmcState *next,
                                      svcport_v1_CommandResult *result, const char **detail)
{
	svcport_v1_ErrorCode rc;

	switch (body->which_action) {
	case svcport_v1_CommandBody_claim_tag:
		if (next->owner_org[0] && strcmp(next->owner_org, body->org_id) != 0) {
			*detail = "claimed by another organisation";
			return E(NOT_OWNER);
		}
		if (body->org_id[0] == 0) {
			*detail = "claim without an organisation";
			return E(INVALID_STATE);
		}
		memcpy(next->owner_org, body->org_id, sizeof(next->owner_org));
		return E(ERROR_NONE);
	case svcport_v1_CommandBody_activate_tag:
		if (bmc_activate_blocker(next)) {
			*detail = bmc_activate_blocker(next);
			return E(INVALID_STATE);
		}
		if (sed_ak_release(b, next, detail) != E(ERROR_NONE))
			return E(INTERNAL);
		next->lockdown_state = svcport_v1_LockdownState_LOCKDOWN_ACTIVE;
		next->reset_since_activation = false;
		/* Where the console never lifts a lock, the portal's activation confirms
		 * the reset; a BMC-managed board waits for its Administrator+ (docs/bmc.md
		 * "Resets and activation"). */
		if (next->control_mode == svcport_v1_ControlMode_CONTROL_PORTAL_MANAGED)
			next->reset_unconfirmed = false;
		return E(ERROR_NONE);
	case svcport_v1_CommandBody_emergency_password_reset_tag:
		if (!bmc_is_presence_ok(next, ctx)) {
			*detail = "emergency reset needs the service port";
			return E(PRESENCE_REQUIRED);
		}
		rc = bmc_otp_reset(b, body, next, &result->one_time_password, detail);
		if (rc != E(ERROR_NONE))
			return rc;
		result->has_one_time_password = true;
		next->reset_since_activation = true; /* the maintenance user is Administrator+ */
		next->reset_unconfirmed = true;
		if (next->emergency_reset_clears_sed_ak && next->sed_ak_present) {
			sealed_sed_ak_clear(next);
			next->lockdown_state = svcport_v1_LockdownState_LOCKDOWN_LOCKED;
		}
		return E(ERROR_NONE);
	case svcport_v1_CommandBody_device_key_update_tag:
		return apply_key_update(b, &body->action.device_key_update, body, next, detail);
	case svcport_v1_CommandBody_promote_to_portal_control_tag:
		if (next->control_mode == svcport_v1_ControlMode_CONTROL_PORTAL_MANAGED) {
			*detail = "already under portal control";
			return E(INVALID_STATE);
		}
		next->control_mode = svcport_v1_ControlMode_CONTROL_PORTAL_MANAGED;
		return E(ERROR_NONE);
	case svcport_v1_CommandBody_transfer_ownership_tag: {
		const char *to = body->action.transfer_ownership.new_owner_org;

		if (to[0] == 0 || strcmp(to, next->owner_org) == 0) {
			*detail = "transfer to no or the same organisation";
			return E(INVALID_STATE);
		}
		memcpy(next->owner_org, to, sizeof(next->owner_org));
		return E(ERROR_NONE);
	}
	case svcport_v1_CommandBody_configure_sensors_tag:
		if (!body->action.configure_sensors.has_sensors) {
			*detail = "no sensor settings";
			return E(INVALID_STATE);
		}
		next->has_sensors = true;
		next->sensors = body->action.configure_sensors.sensors;
		return E(ERROR_NONE);
	default:
		*detail = "unknown action";
		return E(BAD_REQUEST);
	}
}
