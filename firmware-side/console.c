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
#include "bmc.h"
#include "console-cmd.h"
#include "console.h"
#include "pwhash.h"
#include "sealed.h"
#include "sedak.h"

#define PASSWORD_MIN 8

/* Who may run a command. */
enum console_gate {
	GATE_NONE,        /* public material, or hardware speaking (tamper) */
	GATE_LOGIN,       /* the administrator's password, not the default */
	GATE_LOGIN_FIRST, /* the password, also while it must still change */
};

static bool is_password_ok(const svcport_v1_BmcState *st, const char *pw)
{
	unsigned char h[32];
	bool ok;

	if (st->admin_password_hash.size == 0) {
		size_t n = strlen(pw);

		return n == strlen(BMC_DEFAULT_ADMIN_PASSWORD) &&
		       bmc_is_mem_equal(pw, BMC_DEFAULT_ADMIN_PASSWORD, n);
	}
	if (st->admin_password_hash.size != 32 ||
	    bmc_pbkdf2(pw, st->admin_password_salt.bytes, st->admin_password_salt.size, h,
	               sizeof(h)) < 0)
		return false;
	ok = bmc_is_mem_equal(h, st->admin_password_hash.bytes, 32);
	mbedtls_platform_zeroize(h, sizeof(h));
	return ok;
}

/* The password gate: AE(OK) if the command may go on; else r says why. */
static svcport_admin_v1_AdminError check_login(struct bmc *b,
                                               const svcport_admin_v1_AdminRequest *req,
                                               svcport_admin_v1_AdminReply *r,
                                               enum console_gate gate)
{
	static const struct rl_key console = {0};
	uint64_t now = b->env.now_ms(b->env.user_data);
	uint32_t wait = ratelimit_check(&b->admin_rl, &console, now);

	if (gate == GATE_NONE)
		return AE(OK);
	if (wait) {
		r->retry_after_ms = wait;
		return console_fail(r, AE(RATE_LIMITED), "too many wrong passwords; retry later");
	}
	if (!is_password_ok(&b->st, req->password)) {
		ratelimit_fail(&b->admin_rl, &console, now);
		return console_fail(r, AE(AUTH_FAILED), "wrong administrator password");
	}
	ratelimit_success(&b->admin_rl, &console);
	if (b->st.admin_password_must_change && gate != GATE_LOGIN_FIRST)
		return console_fail(r, AE(PASSWORD_MUST_CHANGE),
		                    "the default password is in use: run `password set` first");
	return AE(OK);
}

static void fill_status(struct bmc *b, svcport_admin_v1_StatusReply *s)
{
	svcport_v1_BmcRequest req = svcport_v1_BmcRequest_init_zero;
	static svcport_v1_BmcReply rep;
	struct bmc_outcome o;

	req.has_request = true;
	req.request.which_body = svcport_v1_Request_get_device_info_tag;
	req.request.body.get_device_info.include_certificate = false;
	bmc_handle_request(b, &req, &rep, &o);
	s->has_info = true;
	s->info = rep.msg.response.body.device_info;
	s->emergency_reset_clears_sed_ak = b->st.emergency_reset_clears_sed_ak;
	s->ble_presence_allowed = b->st.ble_presence_allowed;
	s->sed_ak_present = b->st.sed_ak_present;
	s->receipt_counter = b->st.receipt_counter;
	s->audit_count = b->st.audit_count;
	snprintf(s->sed_drive_set, sizeof(s->sed_drive_set), "%s", b->st.sed_drive_set);
	s->sed_ak_generation = b->st.sed_ak_generation;
	sedak_component_status(b, s->sed_backup_component_detail,
	                       sizeof(s->sed_backup_component_detail));
}

static CONSOLE_HANDLER(cmd_status)
{
	r->which_body = svcport_admin_v1_AdminReply_status_tag;
	fill_status(b, &r->body.status);
	if (b->unstored)
		snprintf(r->message, sizeof(r->message),
		         "a change that reduced access (%s) is in force but not stored yet%s",
		         b->unstored_event,
		         b->latch.flags ? "; the secure element's latch holds it" : "");
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

static CONSOLE_HANDLER(cmd_password_set)
{
	const char *pw = req->cmd.password_set.new_password;

	if (strlen(pw) < PASSWORD_MIN || strcmp(pw, BMC_DEFAULT_ADMIN_PASSWORD) == 0)
		return console_fail(r, AE(INVALID_STATE),
		                    "new password: at least 8 characters, not the default");
	if (b->env.rng(b->env.user_data, next->admin_password_salt.bytes, 16) != 0 ||
	    bmc_pbkdf2(pw, next->admin_password_salt.bytes, 16, next->admin_password_hash.bytes,
	               32) < 0)
		return console_fail(r, AE(INTERNAL), "could not hash the password");
	next->admin_password_salt.size = 16;
	next->admin_password_hash.size = 32;
	next->admin_password_must_change = false;
	step->event = "admin-password-set";
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
	if (next->control_mode == svcport_v1_ControlMode_CONTROL_PORTAL_MANAGED &&
	    is_weaker(&next->sensors, &req->cmd.sensors_set.sensors))
		return console_fail(r, AE(INVALID_STATE),
		                    "portal-managed: the local console may only tighten sensors");
	next->has_sensors = true;
	next->sensors = req->cmd.sensors_set.sensors;
	step->event = "admin-sensors-set";
	return AE(OK);
}

/* A sensor event is hardware, not a login: no password. */
static CONSOLE_HANDLER(cmd_tamper)
{
	const svcport_admin_v1_Tamper *t = &req->cmd.tamper;
	bool fires;

	if (t->kind == svcport_admin_v1_TamperKind_TAMPER_INTRUSION)
		fires = next->sensors.intrusion_enabled;
	else if (t->kind == svcport_admin_v1_TamperKind_TAMPER_MOTION)
		fires =
		    next->sensors.motion_enabled && t->steps >= next->sensors.motion_step_threshold;
	else
		return console_fail(r, AE(BAD_REQUEST), "unknown sensor");
	r->which_body = svcport_admin_v1_AdminReply_tamper_tag;
	r->body.tamper.locked = fires;
	if (!fires) {
		snprintf(r->message, sizeof(r->message),
		         "sensor disabled or under its threshold: nothing happens");
		return AE(OK);
	}
	next->lockdown_state = svcport_v1_LockdownState_LOCKDOWN_LOCKED;
	step->event = t->kind == svcport_admin_v1_TamperKind_TAMPER_INTRUSION ? "tamper-intrusion"
	                                                                      : "tamper-motion";
	return AE(OK);
}

static CONSOLE_HANDLER(cmd_policy_set)
{
	const svcport_admin_v1_PolicySet *p = &req->cmd.policy_set;

	if (strcmp(p->name, "emergency-reset-clears-sed-ak") == 0)
		next->emergency_reset_clears_sed_ak = p->value;
	else if (strcmp(p->name, "ble-presence") == 0)
		next->ble_presence_allowed = p->value;
	else
		return console_fail(r, AE(BAD_REQUEST),
		                    "unknown policy (emergency-reset-clears-sed-ak, ble-presence)");
	step->event = "policy-set";
	snprintf(step->detail, sizeof(step->detail), "%s=%s", p->name, p->value ? "true" : "false");
	return AE(OK);
}

/* The firmware-setup path: whoever reaches it is physically at the machine.
 * It resets the admin password only. */
static CONSOLE_HANDLER(cmd_factory_reset)
{
	next->admin_password_salt.size = 0;
	next->admin_password_hash.size = 0;
	next->admin_password_must_change = true;
	if (next->control_mode == svcport_v1_ControlMode_CONTROL_BMC_MANAGED)
		snprintf(r->message, sizeof(r->message),
		         "BMC-managed: the default password can activate and reopen the data; set "
		         "a new password now");
	step->event = "factory-reset";
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

#define T(x) svcport_admin_v1_AdminRequest_##x##_tag
static const struct console_cmd {
	pb_size_t tag;
	const char *name; /* for the daemon's log line */
	enum console_gate gate;
	console_fn fn;
} commands[] = {
    {T(status), "admin status", GATE_NONE, cmd_status},
    {T(activate), "admin activate", GATE_LOGIN, cmd_activate},
    {T(password_set), "admin password set", GATE_LOGIN_FIRST, cmd_password_set},
    {T(sensors_show), "admin sensors show", GATE_LOGIN, cmd_status},
    {T(sensors_set), "admin sensors set", GATE_LOGIN, cmd_sensors_set},
    {T(tamper), "tamper", GATE_NONE, cmd_tamper},
    {T(sed_enable), "admin sed enable", GATE_LOGIN, console_sed_enable},
    {T(sed_passphrase), "admin sed passphrase", GATE_LOGIN, console_sed_passphrase},
    {T(sed_backup), "admin sed backup", GATE_LOGIN, console_sed_backup},
    {T(sed_restore), "admin sed restore", GATE_LOGIN, console_sed_restore},
    {T(policy_set), "admin policy set", GATE_LOGIN, cmd_policy_set},
    {T(factory_reset), "admin factory reset", GATE_NONE, cmd_factory_reset},
    {T(audit_show), "admin audit show", GATE_LOGIN, cmd_audit_show},
    {T(audit_verify), "admin audit verify", GATE_NONE, cmd_audit_verify},
    {T(cert_export), "admin cert export", GATE_NONE, console_cert_export},
    {T(cert_csr), "admin cert csr", GATE_LOGIN, console_cert_csr},
    {T(cert_install), "admin cert install", GATE_LOGIN, console_cert_install},
    {T(trust_update), "admin trust update", GATE_LOGIN, console_trust_update},
    {T(sed_generate), "admin sed generate", GATE_LOGIN, console_sed_generate},
    {T(sed_component_restore), "admin sed restore component", GATE_LOGIN,
     console_sed_component_restore},
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
		         hold == BMC_HOLD_LATCHED ? " and held by the secure element's latch"
		                                  : " (in memory only: the latch failed too)",
		         strerror(-ret));
	}
	if (step->sed_ak_changed)
		console_sed_after_commit(b, r);
	if (step->after_commit && step->after_commit(b) < 0)
		console_fail(r, AE(INTERNAL),
		             "stored, but the secure element did not take it: "
		             "restart bmcd");
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
	if (check_login(b, req, r, cmd->gate) != AE(OK))
		goto out;
	next = b->st;
	if (cmd->fn(b, req, r, &next, &step) == AE(OK) && step.event)
		commit(b, &next, &step, r);
	mbedtls_platform_zeroize(&next, sizeof(next));
out:
	out->result = r->error == AE(OK) ? svcport_v1_ErrorCode_ERROR_NONE
	                                 : svcport_v1_ErrorCode_INVALID_STATE;
	out->detail = r->message[0] ? r->message : NULL;
}
