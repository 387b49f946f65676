// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The local administrator's console (admin.proto), as svcport-bmcctl uses
 * it: one table of commands, each with its password gate and handler; the
 * dispatcher alone checks the password and commits what a handler changed.
 */
#include <stdio.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#include "actions.h"
#include "audit.h"
#include "backoff.h"
#include "bmc.h"
#include "console-cmd.h"
#include "console.h"
#include "sealed.h"
#include "sedak.h"

static void fill_status(struct bmc *b, svcport_admin_v1_StatusReply *s)
{
	s->has_info = true;
	bmc_device_info(b, false, false, &s->info);
	s->emergency_reset_clears_sed_ak = b->st.emergency_reset_clears_sed_ak;
	s->ble_presence_allowed = b->st.ble_presence_allowed;
	s->sed_ak_present = b->st.sed_ak_present;
	s->receipt_counter = b->st.receipt_counter;
	s->audit_count = b->st.audit_count;
	snprintf(s->sed_drive_set, sizeof(s->sed_drive_set), "%s", b->st.sed_drive_set);
	s->sed_ak_generation = b->st.sed_ak_generation;
	sedak_component_status(b, s->sed_backup_component_detail,
	                       sizeof(s->sed_backup_component_detail));
	s->uefi_password_set = b->st.uefi_password_hash.size != 0;
	s->handset_revert_resets_password = b->st.handset_revert_resets_password;
	s->keylock_enabled = b->st.keylock_enabled;
	s->factory_reset_clears_sed_ak = !b->st.factory_reset_keeps_sed_ak;
	s->chassis_locked = bmc_is_chassis_locked(b);
	s->reset_since_activation = b->st.reset_since_activation;
	s->reset_unconfirmed = b->st.reset_unconfirmed;
	snprintf(s->hardware_fault, sizeof(s->hardware_fault), "%s", bmc_hardware_fault_get(b));
}

/*
 * What anyone at the console may see without a login (attack pass on issue 13,
 * L3): what the technician in front of the server needs and the server shows
 * anyway (model and serial on its label, the LED, whether it is locked, who
 * controls it, the firmware, a hardware fault); never which way a reset, a
 * backup or a policy would lead.
 */
static void status_public_only(svcport_admin_v1_StatusReply *s)
{
	const svcport_v1_DeviceInfo in = s->info;
	char fault[sizeof(s->hardware_fault)];

	snprintf(fault, sizeof(fault), "%s", s->hardware_fault);
	*s = (svcport_admin_v1_StatusReply)svcport_admin_v1_StatusReply_init_zero;
	s->has_info = true;
	s->info.has_device = in.has_device;
	s->info.device = in.device;
	s->info.has_identity = in.has_identity;
	s->info.lockdown_state = in.lockdown_state;
	s->info.security_led = in.security_led;
	s->info.control_mode = in.control_mode;
	snprintf(s->info.firmware_version, sizeof(s->info.firmware_version), "%s",
	         in.firmware_version);
	snprintf(s->hardware_fault, sizeof(s->hardware_fault), "%s", fault);
}

static CONSOLE_HANDLER(cmd_status)
{
	r->which_body = svcport_admin_v1_AdminReply_status_tag;
	fill_status(b, &r->body.status);
	r->body.status.details = step->role != svcport_v1_ConsoleRole_CONSOLE_ROLE_UNSPECIFIED ||
	                         req->which_cmd != svcport_admin_v1_AdminRequest_status_tag;
	if (!r->body.status.details)
		status_public_only(&r->body.status);
	if (b->unstored)
		snprintf(r->message, sizeof(r->message), "%s (%s) is in force but not stored yet%s",
		         b->unstored_written ? "a change" : "a change that reduced access",
		         b->unstored_event,
		         b->latch.flags ? "; the secure element's latch holds it" : "");
	return AE(OK);
}

/*
 * After a reset (factory, handset, emergency) the Administrator+ is whoever was
 * at the machine: lifting a lock from the console then needs the UEFI password
 * when one is set (the host firmware keeps it across a BMC reset). A
 * portal-signed Activate is not gated (attack pass on issue 13, M3). Its
 * activation does not confirm what the reset gave, though: until the
 * Administrator+ activates here (with the UEFI password), every console
 * activation needs it (reset_unconfirmed, re-attack A).
 */
static svcport_admin_v1_AdminError activate_after_reset(struct bmc *b,
                                                        const svcport_admin_v1_AdminRequest *req,
                                                        svcport_admin_v1_AdminReply *r,
                                                        svcport_v1_BmcState *next,
                                                        struct console_step *step)
{
	const bool uefi = console_has_uefi(next);
	const bool confirms = console_is_admin_plus(step);

	if (!console_is_reset_open(next))
		return AE(OK);
	if (console_reset_uefi_gate(b, next, req->cmd.activate.uefi_password, "activate", r) !=
	    AE(OK))
		return r->error;
	if (!uefi)
		snprintf(r->message, sizeof(r->message),
		         "activated after a reset with no UEFI password set: whoever reset the BMC "
		         "could do the same (uefi-password set)");
	else if (!confirms)
		snprintf(
		    r->message, sizeof(r->message),
		    "activated; the reset stays unconfirmed until the Administrator+ activates "
		    "with the UEFI password");
	snprintf(step->detail, sizeof(step->detail), "after a reset: uefi=%s%s",
	         uefi ? "checked" : "none", confirms ? "" : " unconfirmed");
	next->reset_since_activation = false;
	if (confirms)
		next->reset_unconfirmed = false;
	return AE(OK);
}

static CONSOLE_HANDLER(cmd_activate)
{
	unsigned char ak[SEALED_SED_AK_LEN];
	int ret;

	if (next->control_mode != svcport_v1_ControlMode_CONTROL_BMC_MANAGED)
		return console_fail(r, AE(INVALID_STATE),
		                    "not BMC-managed: only a portal-signed Activate unlocks");
	if (next->sed_enabled && !next->sed_ak_present)
		return console_fail(r, AE(INVALID_STATE), BMC_SED_AK_ABSENT);
	if (activate_after_reset(b, req, r, next, step) != AE(OK))
		return r->error;
	/* Release to the drives: the AK unseals for this one use. */
	if (next->sed_ak_present) {
		ret = sealed_sed_ak_get(b->se, next, ak);
		mbedtls_platform_zeroize(ak, sizeof(ak));
		if (ret < 0)
			return console_fail(r, AE(INTERNAL),
			                    "the sealed SED AK does not unseal (damaged or another "
			                    "board's)");
	}
	next->lockdown_state = svcport_v1_LockdownState_LOCKDOWN_ACTIVE;
	step->event = "admin-activate";
	return AE(OK);
}

static bool is_weaker(const svcport_v1_SensorSettings *old, const svcport_v1_SensorSettings *new)
{
	return (old->intrusion_enabled && !new->intrusion_enabled) ||
	       (old->motion_enabled && !new->motion_enabled) ||
	       (old->motion_enabled && new->motion_step_threshold > old->motion_step_threshold);
}

static CONSOLE_HANDLER(cmd_sensors_set)
{
	const bool weaker = is_weaker(&next->sensors, &req->cmd.sensors_set.sensors);

	if (next->control_mode == svcport_v1_ControlMode_CONTROL_PORTAL_MANAGED && weaker)
		return console_fail(r, AE(INVALID_STATE),
		                    "portal-managed: the local console may only tighten sensors");
	if (weaker && !console_is_admin_plus(step))
		return console_fail(r, AE(ROLE_FORBIDDEN),
		                    "loosening a sensor weakens protection: Administrator+ only");
	if (weaker && console_is_reset_open(next))
		return console_fail(r, AE(INVALID_STATE), CONSOLE_RESET_OPEN_WEAKER);
	next->has_sensors = true;
	next->sensors = req->cmd.sensors_set.sensors;
	step->event = "admin-sensors-set";
	return AE(OK);
}

/*
 * The console's simulation of a sensor firing (the real ones are hardware
 * inputs, hwwatch.c). Any account, read-only included: its answer says
 * whether a sensor is on, where the motion threshold lies and whether the
 * keylock holds (re-attack on issue 13, F).
 */
static CONSOLE_HANDLER(cmd_tamper)
{
	const svcport_admin_v1_Tamper *t = &req->cmd.tamper;
	bool fires;

	if (t->kind == svcport_admin_v1_TamperKind_TAMPER_INTRUSION)
		fires = bmc_is_intrusion_counted(b, next);
	else if (t->kind == svcport_admin_v1_TamperKind_TAMPER_MOTION)
		fires =
		    next->sensors.motion_enabled && t->steps >= next->sensors.motion_step_threshold;
	else
		return console_fail(r, AE(BAD_REQUEST), "unknown sensor");
	r->which_body = svcport_admin_v1_AdminReply_tamper_tag;
	r->body.tamper.locked = fires;
	if (!fires) {
		snprintf(r->message, sizeof(r->message),
		         "sensor disabled, under its threshold, or the keylock released: nothing "
		         "happens");
		return AE(OK);
	}
	next->lockdown_state = svcport_v1_LockdownState_LOCKDOWN_LOCKED;
	step->event = t->kind == svcport_admin_v1_TamperKind_TAMPER_INTRUSION ? "tamper-intrusion"
	                                                                      : "tamper-motion";
	return AE(OK);
}

static CONSOLE_HANDLER(cmd_audit_show)
{
	svcport_admin_v1_AuditRecords *a = &r->body.audit;
	size_t max = sizeof(a->records) / sizeof(a->records[0]), n = 0;

	if (req->cmd.audit_show.max && req->cmd.audit_show.max < max)
		max = req->cmd.audit_show.max;
	if (audit_read(b->dir, &b->st, req->cmd.audit_show.first, a->records, max, &n) < 0)
		return console_fail(r, AE(INTERNAL), "audit log unreadable");
	r->which_body = svcport_admin_v1_AdminReply_audit_tag;
	a->records_count = (pb_size_t)n;
	a->total = b->st.audit_count;
	return AE(OK);
}

static CONSOLE_HANDLER(cmd_audit_verify)
{
	svcport_admin_v1_AuditVerifyReply *v = &r->body.audit_verify;
	struct audit_report rep;

	if (audit_verify(b->dir, &b->st, &rep) < 0)
		return console_fail(r, AE(INTERNAL), "audit log unreadable");
	r->which_body = svcport_admin_v1_AdminReply_audit_verify_tag;
	v->ok = rep.ok;
	v->records = rep.records;
	v->bad_seq = rep.bad_seq;
	v->uncommitted = rep.uncommitted;
	snprintf(v->detail, sizeof(v->detail), "%s", rep.detail);
	return AE(OK);
}

/*
 * The secure activation code (the guide's IPMI path), Administrator or above.
 * Each read counts like a failure of the USB path's back-off (3 free, then
 * 1 s doubling to 60 s) and is audited: the code is the claim secret.
 */
static CONSOLE_HANDLER(cmd_activation_code_get)
{
	static const struct rl_key reads = {.session = 2, .ceiling = 2};
	const uint64_t now = b->env.now_ms(b->env.user_data);
	const uint32_t wait = ratelimit_check(&b->admin_rl, &reads, now);
	svcport_admin_v1_ActivationCodeReply *out = &r->body.activation_code;

	if (wait) {
		r->retry_after_ms = wait;
		return console_fail(r, AE(RATE_LIMITED), "the code was read just now; retry later");
	}
	if (!next->has_identity || !sealed_has_code(next))
		return console_fail(r, AE(INVALID_STATE), "no activation code on this board");
	if (sealed_code_get(b->se, next, out->code) < 0)
		return console_fail(r, AE(INTERNAL), "the sealed activation code does not unseal");
	ratelimit_fail(&b->admin_rl, &reads, now);
	/* The dispatcher drops the body if the audit record cannot be written. */
	r->which_body = svcport_admin_v1_AdminReply_activation_code_tag;
	step->event = "activation-code-read";
	snprintf(step->detail, sizeof(step->detail), "user=%s",
	         step->account >= 0 ? next->accounts[step->account].name : CONSOLE_DEFAULT_USER);
	return AE(OK);
}

#define T(x) svcport_admin_v1_AdminRequest_##x##_tag
static const struct console_cmd {
	pb_size_t tag;
	const char *name; /* for the daemon's log line */
	enum console_gate gate;
	console_fn fn;
} commands[] = {
    {T(status), "admin status", GATE_OPTIONAL, cmd_status},
    {T(activate), "admin activate", GATE_LOGIN, cmd_activate},
    {T(password_set), "admin password set", GATE_LOGIN_FIRST, console_password_set},
    {T(sensors_show), "admin sensors show", GATE_READ, cmd_status},
    {T(sensors_set), "admin sensors set", GATE_LOGIN, cmd_sensors_set},
    {T(tamper), "tamper", GATE_READ, cmd_tamper},
    {T(sed_enable), "admin sed enable", GATE_ADMIN_PLUS, console_sed_enable},
    {T(sed_passphrase), "admin sed passphrase", GATE_ADMIN_PLUS, console_sed_passphrase},
    {T(sed_backup), "admin sed backup", GATE_ADMIN_PLUS, console_sed_backup},
    {T(sed_restore), "admin sed restore", GATE_ADMIN_PLUS, console_sed_restore},
    {T(policy_set), "admin policy set", GATE_LOGIN, console_policy_set},
    {T(factory_reset), "admin factory reset", GATE_NONE, console_factory_reset},
    {T(audit_show), "admin audit show", GATE_READ, cmd_audit_show},
    {T(audit_verify), "admin audit verify", GATE_READ, cmd_audit_verify},
    {T(cert_export), "admin cert export", GATE_NONE, console_cert_export},
    {T(cert_csr), "admin cert csr", GATE_LOGIN, console_cert_csr},
    {T(cert_install), "admin cert install", GATE_LOGIN, console_cert_install},
    {T(trust_update), "admin trust update", GATE_LOGIN, console_trust_update},
    {T(cert_regenerate), "admin cert regenerate", GATE_LOGIN, console_cert_regenerate},
    {T(sed_generate), "admin sed generate", GATE_ADMIN_PLUS, console_sed_generate},
    {T(sed_component_restore), "admin sed restore component", GATE_ADMIN_PLUS,
     console_sed_component_restore},
    {T(sed_component_adopt), "admin sed component adopt", GATE_ADMIN_PLUS,
     console_sed_component_adopt},
    {T(account_add), "admin account add", GATE_ADMIN_PLUS, console_account_add},
    {T(account_delete), "admin account delete", GATE_ADMIN_PLUS, console_account_delete},
    {T(account_list), "admin account list", GATE_LOGIN, console_account_list},
    {T(uefi_password_set), "admin uefi password set", GATE_ADMIN_PLUS, console_uefi_set},
    {T(uefi_password_clear), "admin uefi password clear", GATE_ADMIN_PLUS, console_uefi_clear},
    {T(uefi_password_verify), "uefi password verify", GATE_READ, console_uefi_verify},
    {T(activation_code_get), "admin activation code", GATE_LOGIN, cmd_activation_code_get},
    {T(manual_challenge), "admin activation challenge", GATE_LOGIN, console_manual_challenge},
    {T(manual_respond), "admin activation respond", GATE_LOGIN, console_manual_respond},
};
#undef T

/* Audit + durable write of next; on failure the reply says so, without a body. */
static void commit(struct bmc *b, svcport_v1_BmcState *next, const struct console_step *step,
                   svcport_admin_v1_AdminReply *r)
{
	struct audit_entry ae = {.time = bmc_now_s(b),
	                         .event = step->event,
	                         .detail = step->detail[0] ? step->detail : NULL,
	                         .link = svcport_v1_LinkKind_LINK_KIND_UNSPECIFIED,
	                         .result = svcport_v1_ErrorCode_ERROR_NONE};

	const bool was_active = b->st.lockdown_state == svcport_v1_LockdownState_LOCKDOWN_ACTIVE;
	enum bmc_hold hold;
	int ret = bmc_commit(b, next, &ae, &hold);

	if (ret < 0 && hold == BMC_HOLD_NONE) {
		mbedtls_platform_zeroize(&r->body, sizeof(r->body));
		console_fail(r, AE(INTERNAL), "state write failed; nothing changed");
		return;
	}
	if (ret < 0) {
		/* Fail closed (DESIGN §4.6): in force now, stored later; the body stays. */
		r->error = AE(NOT_STORED);
		snprintf(r->message, sizeof(r->message),
		         "in force now%s, but the state write failed (%s): bmcd retries it",
		         hold == BMC_HOLD_LATCHED  ? " and held by the secure element's latch"
		         : hold == BMC_HOLD_MEMORY ? " (in memory only: the latch failed too)"
		                                   : " and written, not durable yet",
		         strerror(-ret));
	}
	/* An activation: the backup component's copy waits for it (re-attack 13c, H1). */
	if (ret == 0)
		sedak_component_after_commit(b, was_active);
	if (step->sed_ak_changed)
		console_sed_after_commit(b, r, step);
	if (step->after_commit && step->after_commit(b) < 0)
		console_fail(r, AE(INTERNAL),
		             step->after_commit_fail ? step->after_commit_fail
		                                     : "stored, but the secure element did not "
		                                       "take it: restart bmcd");
}

void bmc_admin_handle(struct bmc *b, const svcport_admin_v1_AdminRequest *req,
                      svcport_admin_v1_AdminReply *r, struct bmc_outcome *out)
{
	static svcport_v1_BmcState next;
	const struct console_cmd *cmd = NULL;
	struct console_step step = {0};

	*r = (svcport_admin_v1_AdminReply)svcport_admin_v1_AdminReply_init_zero;
	r->version = BMC_ADMIN_PROTOCOL_VERSION;
	*out = (struct bmc_outcome){.request = "admin ?"};
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (commands[i].tag == req->which_cmd)
			cmd = &commands[i];
	if (!cmd) {
		console_fail(r, AE(BAD_REQUEST), "unknown command");
		goto out;
	}
	out->request = cmd->name;
	if (console_login(b, req, r, cmd->gate, &step) != AE(OK))
		goto out;
	next = b->st;
	if ((cmd->fn(b, req, r, &next, &step) == AE(OK) || step.audit_refusal) && step.event)
		commit(b, &next, &step, r);
	mbedtls_platform_zeroize(&next, sizeof(next));
	/* What a handler counted (wrong UEFI passwords, the code's reads) outlives a restart. */
	bmc_backoff_store(b);
out:
	out->result = r->error == AE(OK) ? svcport_v1_ErrorCode_ERROR_NONE
	                                 : svcport_v1_ErrorCode_INVALID_STATE;
	out->detail = r->message[0] ? r->message : NULL;
}

const char *bmc_admin_outcome(svcport_admin_v1_AdminError error)
{
	switch (error) {
	case svcport_admin_v1_AdminError_ADMIN_OK:
		return "ok";
	case svcport_admin_v1_AdminError_ADMIN_INTERNAL:
		return "failed";
	case svcport_admin_v1_AdminError_ADMIN_NOT_STORED:
		return "in force, not stored";
	default:
		return "refused";
	}
}
