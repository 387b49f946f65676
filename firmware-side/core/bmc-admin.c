// SPDX-License-Identifier: GPL-2.0-or-later
/* The local administrator's console (admin.proto), as svcport-bmcctl uses it. */
#include <stdio.h>
#include <string.h>

#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>

#include "bmc-internal.h"

#define AE(x)            svcport_admin_v1_AdminError_ADMIN_##x
#define SED_BACKUP_MAGIC "SVCSEDB1"
#define PASSWORD_MIN     8

void bmc_admin_reply_error(svcport_admin_v1_AdminReply *r, svcport_admin_v1_AdminError e,
                           const char *msg)
{
	r->error = e;
	r->which_body = 0;
	snprintf(r->message, sizeof(r->message), "%s", msg);
}

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

/* Password gate: true if the command may go on; else reply is written. */
bool bmc_admin_auth(struct bmc *b, const svcport_admin_v1_AdminRequest *req,
                    svcport_admin_v1_AdminReply *r, bool allow_must_change)
{
	uint64_t now = b->env.now_ms(b->env.user_data);
	uint32_t wait = ratelimit_check(&b->admin_rl, 0, 0, now);

	if (wait) {
		bmc_admin_reply_error(r, AE(RATE_LIMITED), "too many wrong passwords; retry later");
		r->retry_after_ms = wait;
		return false;
	}
	if (!is_password_ok(&b->st, req->password)) {
		ratelimit_fail(&b->admin_rl, 0, 0, now);
		bmc_admin_reply_error(r, AE(AUTH_FAILED), "wrong administrator password");
		return false;
	}
	ratelimit_success(&b->admin_rl, 0, 0);
	if (b->st.admin_password_must_change && !allow_must_change) {
		bmc_admin_reply_error(r, AE(PASSWORD_MUST_CHANGE),
		                      "the default password is in use: run `password set` first");
		return false;
	}
	return true;
}

void bmc_admin_commit(struct bmc *b, svcport_v1_BmcState *next, const char *event,
                      const char *detail, svcport_admin_v1_AdminReply *r)
{
	struct audit_entry ae = {.time = bmc_now_s(b),
	                         .event = event,
	                         .detail = detail,
	                         .link = svcport_v1_LinkKind_LINK_KIND_UNSPECIFIED,
	                         .result = svcport_v1_ErrorCode_ERROR_NONE};

	if (bmc_commit(b, next, &ae) < 0)
		bmc_admin_reply_error(r, AE(INTERNAL), "state write failed; nothing changed");
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
}

static bool is_weaker(const svcport_v1_SensorSettings *old, const svcport_v1_SensorSettings *new)
{
	return (old->intrusion_enabled && !new->intrusion_enabled) ||
	       (old->motion_enabled && !new->motion_enabled) ||
	       (old->motion_enabled && new->motion_step_threshold > old->motion_step_threshold);
}

/* backup = magic | len MT | MT | len SN | SN | AK | SHA-256(everything before) */
static size_t sed_backup_encode(const svcport_v1_BmcState *st, const unsigned char *ak,
                                unsigned char *out, size_t cap)
{
	size_t mt = strlen(st->device.machine_type), sn = strlen(st->device.serial_number);
	size_t n = 8 + 1 + mt + 1 + sn + BMC_SED_AK_LEN;

	if (n + 32 > cap)
		return 0;
	memcpy(out, SED_BACKUP_MAGIC, 8);
	out[8] = (unsigned char)mt;
	memcpy(out + 9, st->device.machine_type, mt);
	out[9 + mt] = (unsigned char)sn;
	memcpy(out + 10 + mt, st->device.serial_number, sn);
	memcpy(out + 10 + mt + sn, ak, BMC_SED_AK_LEN);
	mbedtls_sha256_ret(out, n, out + n, 0);
	return n + 32;
}

static const char *sed_backup_decode(const svcport_v1_BmcState *st, const unsigned char *in,
                                     size_t len, unsigned char ak[BMC_SED_AK_LEN])
{
	size_t mt, sn;
	unsigned char h[32];

	if (len < 8 + 2 + BMC_SED_AK_LEN + 32 || memcmp(in, SED_BACKUP_MAGIC, 8) != 0)
		return "not an SED backup";
	mt = in[8];
	if (9 + mt >= len)
		return "truncated backup";
	sn = in[9 + mt];
	if (10 + mt + sn + BMC_SED_AK_LEN + 32 != len)
		return "backup length is wrong";
	mbedtls_sha256_ret(in, len - 32, h, 0);
	if (memcmp(h, in + len - 32, 32) != 0)
		return "backup checksum is wrong";
	if (st->has_identity &&
	    (mt != strlen(st->device.machine_type) || sn != strlen(st->device.serial_number) ||
	     memcmp(in + 9, st->device.machine_type, mt) != 0 ||
	     memcmp(in + 10 + mt, st->device.serial_number, sn) != 0))
		return "backup of another server";
	memcpy(ak, in + 10 + mt + sn, BMC_SED_AK_LEN);
	return NULL;
}

/* Seals ak into next (the record never holds it in plain text); false: r says why. */
static bool set_ak(struct bmc *b, svcport_v1_BmcState *next, const unsigned char *ak,
                   svcport_admin_v1_AdminReply *r)
{
	if (sealed_sed_ak_set(b->se, next, ak, &b->env) < 0) {
		bmc_admin_reply_error(r, AE(INTERNAL), "the secure element cannot seal the SED AK");
		return false;
	}
	next->sed_enabled = true;
	return true;
}

/* Unseals the AK into ak for one use; false: r says why (nothing changes). */
static bool get_ak(struct bmc *b, const svcport_v1_BmcState *st, unsigned char *ak,
                   svcport_admin_v1_AdminReply *r)
{
	if (sealed_sed_ak_get(b->se, st, ak) < 0) {
		bmc_admin_reply_error(
		    r, AE(INTERNAL),
		    "the sealed SED AK does not unseal (damaged or another board's)");
		return false;
	}
	return true;
}

static void admin_dispatch(struct bmc *b, const svcport_admin_v1_AdminRequest *req,
                           svcport_admin_v1_AdminReply *r, svcport_v1_BmcState *next,
                           struct bmc_outcome *o, unsigned char ak[BMC_SED_AK_LEN])
{
	const char *why;

	switch (req->which_cmd) {
	case svcport_admin_v1_AdminRequest_status_tag:
		o->request = "admin status";
		r->which_body = svcport_admin_v1_AdminReply_status_tag;
		fill_status(b, &r->body.status);
		return;
	case svcport_admin_v1_AdminRequest_activate_tag:
		o->request = "admin activate";
		if (!bmc_admin_auth(b, req, r, false))
			return;
		if (next->control_mode != svcport_v1_ControlMode_CONTROL_BMC_MANAGED) {
			bmc_admin_reply_error(
			    r, AE(INVALID_STATE),
			    "not BMC-managed: only a portal-signed Activate unlocks");
			return;
		}
		if (next->sed_enabled && !next->sed_ak_present) {
			bmc_admin_reply_error(r, AE(INVALID_STATE),
			                      "no SED AK to release: restore it first");
			return;
		}
		/* Release to the drives: the AK unseals for this one use. */
		if (next->sed_ak_present && !get_ak(b, next, ak, r))
			return;
		next->lockdown_state = svcport_v1_LockdownState_LOCKDOWN_ACTIVE;
		bmc_admin_commit(b, next, "admin-activate", NULL, r);
		return;
	case svcport_admin_v1_AdminRequest_password_set_tag: {
		const char *pw = req->cmd.password_set.new_password;

		o->request = "admin password set";
		if (!bmc_admin_auth(b, req, r, true))
			return;
		if (strlen(pw) < PASSWORD_MIN || strcmp(pw, BMC_DEFAULT_ADMIN_PASSWORD) == 0) {
			bmc_admin_reply_error(
			    r, AE(INVALID_STATE),
			    "new password: at least 8 characters, not the default");
			return;
		}
		if (b->env.rng(b->env.user_data, next->admin_password_salt.bytes, 16) != 0 ||
		    bmc_pbkdf2(pw, next->admin_password_salt.bytes, 16,
		               next->admin_password_hash.bytes, 32) < 0) {
			bmc_admin_reply_error(r, AE(INTERNAL), "could not hash the password");
			return;
		}
		next->admin_password_salt.size = 16;
		next->admin_password_hash.size = 32;
		next->admin_password_must_change = false;
		bmc_admin_commit(b, next, "admin-password-set", NULL, r);
		return;
	}
	case svcport_admin_v1_AdminRequest_sensors_show_tag:
		o->request = "admin sensors show";
		if (!bmc_admin_auth(b, req, r, false))
			return;
		r->which_body = svcport_admin_v1_AdminReply_status_tag;
		fill_status(b, &r->body.status);
		return;
	case svcport_admin_v1_AdminRequest_sensors_set_tag:
		o->request = "admin sensors set";
		if (!bmc_admin_auth(b, req, r, false))
			return;
		if (next->control_mode == svcport_v1_ControlMode_CONTROL_PORTAL_MANAGED &&
		    is_weaker(&next->sensors, &req->cmd.sensors_set.sensors)) {
			bmc_admin_reply_error(
			    r, AE(INVALID_STATE),
			    "portal-managed: the local console may only tighten sensors");
			return;
		}
		next->has_sensors = true;
		next->sensors = req->cmd.sensors_set.sensors;
		bmc_admin_commit(b, next, "admin-sensors-set", NULL, r);
		return;
	case svcport_admin_v1_AdminRequest_tamper_tag: {
		const svcport_admin_v1_Tamper *t = &req->cmd.tamper;
		bool fires;

		/* A sensor event is hardware, not a login: no password. */
		o->request = "tamper";
		if (t->kind == svcport_admin_v1_TamperKind_TAMPER_INTRUSION)
			fires = next->sensors.intrusion_enabled;
		else if (t->kind == svcport_admin_v1_TamperKind_TAMPER_MOTION)
			fires = next->sensors.motion_enabled &&
			        t->steps >= next->sensors.motion_step_threshold;
		else {
			bmc_admin_reply_error(r, AE(BAD_REQUEST), "unknown sensor");
			return;
		}
		r->which_body = svcport_admin_v1_AdminReply_tamper_tag;
		r->body.tamper.locked = fires;
		if (!fires) {
			snprintf(r->message, sizeof(r->message),
			         "sensor disabled or under its threshold: nothing happens");
			return;
		}
		next->lockdown_state = svcport_v1_LockdownState_LOCKDOWN_LOCKED;
		bmc_admin_commit(b, next,
		                 t->kind == svcport_admin_v1_TamperKind_TAMPER_INTRUSION
		                     ? "tamper-intrusion"
		                     : "tamper-motion",
		                 NULL, r);
		return;
	}
	case svcport_admin_v1_AdminRequest_sed_enable_tag:
		o->request = "admin sed enable";
		if (!bmc_admin_auth(b, req, r, false))
			return;
		if (!next->sed_ak_present) {
			if (b->env.rng(b->env.user_data, ak, BMC_SED_AK_LEN) != 0) {
				bmc_admin_reply_error(r, AE(INTERNAL), "no random bytes");
				return;
			}
			if (!set_ak(b, next, ak, r))
				return;
		}
		next->sed_enabled = true;
		bmc_admin_commit(b, next, "sed-enable", NULL, r);
		break;
	case svcport_admin_v1_AdminRequest_sed_passphrase_tag: {
		char salt[80];
		int n;

		o->request = "admin sed passphrase";
		if (!bmc_admin_auth(b, req, r, false))
			return;
		if (strlen(req->cmd.sed_passphrase.passphrase) < PASSWORD_MIN) {
			bmc_admin_reply_error(r, AE(INVALID_STATE),
			                      "passphrase: at least 8 characters");
			return;
		}
		n = snprintf(salt, sizeof(salt), "svcport-sed-ak:%s-%s", next->device.machine_type,
		             next->device.serial_number);
		if (bmc_pbkdf2(req->cmd.sed_passphrase.passphrase, (const unsigned char *)salt,
		               (size_t)n, ak, BMC_SED_AK_LEN) < 0) {
			bmc_admin_reply_error(r, AE(INTERNAL), "could not derive the key");
			return;
		}
		if (!set_ak(b, next, ak, r))
			return;
		bmc_admin_commit(b, next, "sed-passphrase", NULL, r);
		break;
	}
	case svcport_admin_v1_AdminRequest_sed_backup_tag:
		o->request = "admin sed backup";
		if (!bmc_admin_auth(b, req, r, false))
			return;
		if (!next->sed_ak_present) {
			bmc_admin_reply_error(r, AE(INVALID_STATE), "no SED AK to back up");
			return;
		}
		/* Under portal control only a portal-signed Activate releases the
		 * AK of a locked board; a copy would open the drives without it. */
		if (next->control_mode == svcport_v1_ControlMode_CONTROL_PORTAL_MANAGED &&
		    next->lockdown_state != svcport_v1_LockdownState_LOCKDOWN_ACTIVE) {
			bmc_admin_reply_error(
			    r, AE(INVALID_STATE),
			    "portal-managed and locked: the portal must activate before a backup");
			return;
		}
		/* Unseal first: a blob that does not unseal writes nothing. */
		if (!get_ak(b, next, ak, r))
			return;
		/* Taking a copy of the key is an audited event. */
		bmc_admin_commit(b, next, "sed-backup", NULL, r);
		if (r->error != AE(OK))
			return;
		r->which_body = svcport_admin_v1_AdminReply_sed_backup_tag;
		r->body.sed_backup.backup.size =
		    (pb_size_t)sed_backup_encode(&b->st, ak, r->body.sed_backup.backup.bytes,
		                                 sizeof(r->body.sed_backup.backup.bytes));
		return;
	case svcport_admin_v1_AdminRequest_sed_restore_tag:
		o->request = "admin sed restore";
		if (!bmc_admin_auth(b, req, r, false))
			return;
		why = sed_backup_decode(next, req->cmd.sed_restore.backup.bytes,
		                        req->cmd.sed_restore.backup.size, ak);
		if (why) {
			bmc_admin_reply_error(r, AE(INVALID_STATE), why);
			return;
		}
		if (!set_ak(b, next, ak, r))
			return;
		bmc_admin_commit(b, next, "sed-restore", NULL, r);
		break;
	case svcport_admin_v1_AdminRequest_policy_set_tag: {
		const svcport_admin_v1_PolicySet *p = &req->cmd.policy_set;
		char detail[64];

		o->request = "admin policy set";
		if (!bmc_admin_auth(b, req, r, false))
			return;
		if (strcmp(p->name, "emergency-reset-clears-sed-ak") == 0)
			next->emergency_reset_clears_sed_ak = p->value;
		else if (strcmp(p->name, "ble-presence") == 0)
			next->ble_presence_allowed = p->value;
		else {
			bmc_admin_reply_error(
			    r, AE(BAD_REQUEST),
			    "unknown policy (emergency-reset-clears-sed-ak, ble-presence)");
			return;
		}
		snprintf(detail, sizeof(detail), "%s=%s", p->name, p->value ? "true" : "false");
		bmc_admin_commit(b, next, "policy-set", detail, r);
		return;
	}
	case svcport_admin_v1_AdminRequest_factory_reset_tag:
		/* The firmware-setup path: whoever reaches it is physically at the
		 * machine. It resets the admin password only. */
		o->request = "admin factory reset";
		next->admin_password_salt.size = 0;
		next->admin_password_hash.size = 0;
		next->admin_password_must_change = true;
		bmc_admin_commit(b, next, "factory-reset", NULL, r);
		if (r->error == AE(OK) &&
		    next->control_mode == svcport_v1_ControlMode_CONTROL_BMC_MANAGED)
			snprintf(r->message, sizeof(r->message),
			         "BMC-managed: the default password can activate and reopen the "
			         "data; set a new password now");
		return;
	case svcport_admin_v1_AdminRequest_audit_show_tag: {
		svcport_admin_v1_AuditRecords *a = &r->body.audit;
		size_t max = sizeof(a->records) / sizeof(a->records[0]), n = 0;

		o->request = "admin audit show";
		if (!bmc_admin_auth(b, req, r, false))
			return;
		if (req->cmd.audit_show.max && req->cmd.audit_show.max < max)
			max = req->cmd.audit_show.max;
		if (audit_read(b->dir, &b->st, req->cmd.audit_show.first, a->records, max, &n) <
		    0) {
			bmc_admin_reply_error(r, AE(INTERNAL), "audit log unreadable");
			return;
		}
		r->which_body = svcport_admin_v1_AdminReply_audit_tag;
		a->records_count = (pb_size_t)n;
		a->total = b->st.audit_count;
		return;
	}
	case svcport_admin_v1_AdminRequest_audit_verify_tag: {
		struct audit_report rep;

		o->request = "admin audit verify";
		if (audit_verify(b->dir, &b->st, &rep) < 0) {
			bmc_admin_reply_error(r, AE(INTERNAL), "audit log unreadable");
			return;
		}
		r->which_body = svcport_admin_v1_AdminReply_audit_verify_tag;
		r->body.audit_verify.ok = rep.ok;
		r->body.audit_verify.records = rep.records;
		r->body.audit_verify.bad_seq = rep.bad_seq;
		r->body.audit_verify.uncommitted = rep.uncommitted;
		snprintf(r->body.audit_verify.detail, sizeof(r->body.audit_verify.detail), "%s",
		         rep.detail);
		return;
	}
	case svcport_admin_v1_AdminRequest_cert_export_tag:
	case svcport_admin_v1_AdminRequest_cert_csr_tag:
	case svcport_admin_v1_AdminRequest_cert_install_tag:
		bmc_admin_cert(b, req, r, next, o);
		return;
	case svcport_admin_v1_AdminRequest_trust_update_tag:
		bmc_admin_trust_update(b, req, r, next, o);
		return;
	default:
		o->request = "admin ?";
		bmc_admin_reply_error(r, AE(BAD_REQUEST), "unknown command");
		return;
	}
}

void bmc_admin_handle(struct bmc *b, const svcport_admin_v1_AdminRequest *req,
                      svcport_admin_v1_AdminReply *reply, struct bmc_outcome *out)
{
	static svcport_v1_BmcState next;
	unsigned char ak[BMC_SED_AK_LEN];

	*reply = (svcport_admin_v1_AdminReply)svcport_admin_v1_AdminReply_init_zero;
	reply->version = BMC_ADMIN_PROTOCOL_VERSION;
	*out = (struct bmc_outcome){.request = "admin"};
	next = b->st;
	admin_dispatch(b, req, reply, &next, out, ak);
	mbedtls_platform_zeroize(ak, sizeof(ak));
	mbedtls_platform_zeroize(&next, sizeof(next));
	out->result = reply->error == AE(OK) ? svcport_v1_ErrorCode_ERROR_NONE
	                                     : svcport_v1_ErrorCode_INVALID_STATE;
	out->detail = reply->message[0] ? reply->message : NULL;
}
