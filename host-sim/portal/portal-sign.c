// SPDX-License-Identifier: GPL-2.0-or-later
/* The portal signs commands bound to a device challenge, and reads receipts. */
#include "hex.h"
#include "portal-internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#include "names.h"
#include "pbio.h"
#include "utc.h"

/* What portal_sign works on; heap-allocated, it holds several certificates. */
struct sign_work {
	struct portal_user user;
	struct portal_device dev;
	svcport_v1_Challenge ch;
	svcport_v1_ChallengeBody chb;
	svcport_v1_CommandBody body;
	svcport_v1_SignedCommand cmd;
	uint8_t signer_der[PKI_CERT_DER_MAX];
	size_t signer_der_len;
	uint8_t fake_root_der[PKI_CERT_DER_MAX];
	size_t fake_root_der_len;
	uint8_t key_hash[PKI_SHA256_LEN];
};

static bool is_fake_request(const struct portal_sign_req *req)
{
	return req->forge_untrusted || req->forge_signature || req->forge_device ||
	       req->forge_control || req->forge_org || req->forge_role;
}

static bool is_same_device(const svcport_v1_DeviceId *id, const struct portal_device *d)
{
	return strcmp(id->machine_type, d->mt) == 0 && strcmp(id->serial_number, d->sn) == 0;
}

/* Verifies the challenge's device signature with the device certificate's key. */
static int challenge_check_cert(struct portal *p, struct sign_work *w)
{
	mbedtls_x509_crt crt;
	int err = 0;

	mbedtls_x509_crt_init(&crt);
	if (mbedtls_x509_crt_parse_der(&crt, w->dev.cert, w->dev.cert_len) != 0)
		err = portal_refuse(p, -EIO, "stored certificate of %s-%s unreadable", w->dev.mt,
		                    w->dev.sn);
	else if (!pki_is_signature_valid(&crt.pk, w->ch.body.bytes, w->ch.body.size,
	                                 w->ch.signature.bytes, w->ch.signature.size))
		err = portal_refuse(p, -EBADMSG,
		                    "the challenge is not signed by %s-%s's device key: not the "
		                    "genuine device",
		                    w->dev.mt, w->dev.sn);
	mbedtls_x509_crt_free(&crt);
	return err;
}

/* A replacement board has no certificate yet: its key is the one the QR code named. */
static int challenge_check_new_board(struct portal *p, const struct portal_sign_req *req,
                                     struct sign_work *w, mbedtls_pk_context *board)
{
	char hex[65];
	int err;

	if (!req->device_pubkey || req->device_pubkey_len != PKI_PUBKEY_LEN)
		return portal_refuse(p, -EINVAL, "key-update needs the new board's public key");
	err = pki_pubkey_from_raw(board, req->device_pubkey, req->device_pubkey_len);
	if (err < 0)
		return portal_refuse(p, -EINVAL, "the board's public key is not a P-256 point");
	pki_sha256(req->device_pubkey, req->device_pubkey_len, w->key_hash);
	hex_encode(w->key_hash, sizeof(w->key_hash), hex);
	if (portal_db_device_by_new_key(p->db, hex, &w->dev) < 0)
		return portal_refuse(p, -ENODEV,
		                     "no device-key update recorded for board key %.16s...: run "
		                     "'portal device key-update' with the QR code first",
		                     hex);
	if (!pki_is_signature_valid(board, w->ch.body.bytes, w->ch.body.size, w->ch.signature.bytes,
	                            w->ch.signature.size))
		return portal_refuse(p, -EBADMSG,
		                     "the challenge is not signed by the new board key");
	if (w->chb.has_device && w->chb.device.machine_type[0] &&
	    !is_same_device(&w->chb.device, &w->dev))
		return portal_refuse(p, -ENODEV, "the board already has another identity");
	return 0;
}

static int policy_check(struct portal *p, const struct portal_sign_req *req, struct sign_work *w)
{
	const struct portal_device *d = &w->dev;

	if (!portal_is_role_allowed(w->user.role, req->action))
		return portal_refuse(p, -EACCES, "%s (%s) may not %s", w->user.name,
		                     names_role(w->user.role), names_action(req->action));
	if (!d->owner[0])
		return portal_refuse(p, -EPERM,
		                     "%s-%s is not claimed on the portal: claim it with its "
		                     "activation code first",
		                     d->mt, d->sn);
	if (strcmp(d->owner, w->user.org) != 0)
		return portal_refuse(p, -EPERM, "%s does not own %s-%s", w->user.org, d->mt, d->sn);
	if (req->action == svcport_v1_Action_ACTION_TRANSFER_OWNERSHIP && !d->transfer_to[0])
		return portal_refuse(p, -EALREADY,
		                     "no accepted transfer for %s-%s: 'portal transfer start' and "
		                     "'accept' first",
		                     d->mt, d->sn);
	return 0;
}

static int body_set_action(struct portal *p, const struct portal_sign_req *req, struct sign_work *w,
                           mbedtls_pk_context *board)
{
	svcport_v1_CommandBody *b = &w->body;

	switch (req->action) {
	case svcport_v1_Action_ACTION_CLAIM:
		b->which_action = svcport_v1_CommandBody_claim_tag;
		return 0;
	case svcport_v1_Action_ACTION_ACTIVATE:
		b->which_action = svcport_v1_CommandBody_activate_tag;
		return 0;
	case svcport_v1_Action_ACTION_EMERGENCY_PASSWORD_RESET:
		b->which_action = svcport_v1_CommandBody_emergency_password_reset_tag;
		/* The phone's one-time key (a P-256 point, checked in portal_sign): bmcd seals
		 * the new password to it. */
		if (req->ephemeral_pubkey_len) {
			memcpy(b->action.emergency_password_reset.requester_public_key.bytes,
			       req->ephemeral_pubkey, req->ephemeral_pubkey_len);
			b->action.emergency_password_reset.requester_public_key.size =
			    (pb_size_t)req->ephemeral_pubkey_len;
		}
		return 0;
	case svcport_v1_Action_ACTION_PROMOTE_TO_PORTAL_CONTROL:
		b->which_action = svcport_v1_CommandBody_promote_to_portal_control_tag;
		return 0;
	case svcport_v1_Action_ACTION_TRANSFER_OWNERSHIP:
		b->which_action = svcport_v1_CommandBody_transfer_ownership_tag;
		snprintf(b->action.transfer_ownership.new_owner_org,
		         sizeof(b->action.transfer_ownership.new_owner_org), "%s",
		         w->dev.transfer_to);
		return 0;
	case svcport_v1_Action_ACTION_CONFIGURE_SENSORS:
		b->which_action = svcport_v1_CommandBody_configure_sensors_tag;
		b->action.configure_sensors.has_sensors = true;
		b->action.configure_sensors.sensors = req->sensors;
		return 0;
	case svcport_v1_Action_ACTION_DEVICE_KEY_UPDATE: {
		svcport_v1_DeviceKeyUpdate *k = &b->action.device_key_update;
		size_t len = 0;
		int err;

		b->which_action = svcport_v1_CommandBody_device_key_update_tag;
		memcpy(k->new_key_sha256.bytes, w->key_hash, sizeof(w->key_hash));
		k->new_key_sha256.size = sizeof(w->key_hash);
		snprintf(k->owner_org, sizeof(k->owner_org), "%s", w->dev.owner);
		k->control_mode = req->forge_control ? req->forge_control
		                                     : (svcport_v1_ControlMode)w->dev.control;
		snprintf(k->activation_code, sizeof(k->activation_code), "%s", w->dev.code);
		k->sed_enabled = w->dev.sed; /* the server's, one-way: the new board adopts it */
		/* The new board's certificate, kept until its receipt proves the key. */
		err = portal_device_cert_issue(p, w->dev.mt, w->dev.sn, board, req->now,
		                               k->device_certificate.bytes,
		                               sizeof(k->device_certificate.bytes), &len);
		if (err < 0)
			return err;
		k->device_certificate.size = (pb_size_t)len;
		/* The server's manual activation key, sealed to the new board's key. */
		err = portal_manual_key_box(p, w->dev.mt, w->dev.sn, req->device_pubkey,
		                            req->device_pubkey_len, &b->nonce, k);
		if (err < 0)
			return err;
		memcpy(w->dev.new_cert, k->device_certificate.bytes, len);
		w->dev.new_cert_len = len;
		return portal_db_device_update(p->db, &w->dev);
	}
	default:
		return portal_refuse(p, -EINVAL, "unknown action");
	}
}

static int body_build(struct portal *p, const struct portal_sign_req *req, struct sign_work *w,
                      mbedtls_pk_context *board)
{
	svcport_v1_CommandBody *b = &w->body;
	long validity = req->validity ? req->validity : PORTAL_CMD_VALIDITY;
	int64_t issued = (int64_t)req->now + req->issued_offset;

	b->version = 1;
	b->has_device = true;
	snprintf(b->device.machine_type, sizeof(b->device.machine_type), "%s", w->dev.mt);
	snprintf(b->device.serial_number, sizeof(b->device.serial_number), "%s", w->dev.sn);
	if (req->forge_device) {
		size_t cut = strcspn(req->forge_device, "/-,");

		if (!req->forge_device[cut])
			return portal_refuse(p, -EINVAL, "--forge-device wants MT/SN");
		snprintf(b->device.machine_type, sizeof(b->device.machine_type), "%.*s", (int)cut,
		         req->forge_device);
		snprintf(b->device.serial_number, sizeof(b->device.serial_number), "%s",
		         req->forge_device + cut + 1);
	}
	memcpy(b->nonce.bytes, w->chb.nonce.bytes, w->chb.nonce.size);
	b->nonce.size = w->chb.nonce.size;
	b->issued_at = issued < 0 ? 0 : (uint64_t)issued;
	b->expires_at = b->issued_at + (uint64_t)validity;
	snprintf(b->org_id, sizeof(b->org_id), "%s", req->forge_org ? req->forge_org : w->user.org);
	snprintf(b->operator_id, sizeof(b->operator_id), "%s", w->user.name);
	b->role = req->forge_role ? req->forge_role : (svcport_v1_Role)w->user.role;
	return body_set_action(p, req, w, board);
}

/* TEST ONLY: a look-alike root and signer that the device never pinned. */
static int forge_signer(struct portal *p, struct sign_work *w, mbedtls_pk_context *key)
{
	mbedtls_pk_context root;
	struct pki_issue req = {
	    .profile = PKI_PROFILE_ROOT,
	    .subject = "CN=svcport portal root CA,O=svcport portal",
	    .subject_key = &root,
	    .issuer_key = &root,
	    .not_before = utc_now_s(),
	    .not_after = utc_now_s() + 3600,
	};
	int err;

	mbedtls_pk_init(&root);
	err = pki_key_generate(&root, &p->rng);
	if (err == 0)
		err = pki_cert_issue(&req, &p->rng, w->fake_root_der, sizeof(w->fake_root_der),
		                     &w->fake_root_der_len);
	if (err == 0)
		err = pki_key_generate(key, &p->rng);
	if (err == 0) {
		req.profile = PKI_PROFILE_CMD_SIGNER;
		req.subject = "CN=svcport command signing,O=svcport portal";
		req.issuer = "CN=svcport portal root CA,O=svcport portal";
		req.subject_key = key;
		err = pki_cert_issue(&req, &p->rng, w->signer_der, sizeof(w->signer_der),
		                     &w->signer_der_len);
	}
	mbedtls_pk_free(&root);
	return err;
}

static bool is_signer_known(const svcport_v1_ChallengeBody *chb, const uint8_t fp[32])
{
	for (pb_size_t i = 0; i < chb->known_signers_count; i++)
		if (chb->known_signers[i].size == PKI_SHA256_LEN &&
		    memcmp(chb->known_signers[i].bytes, fp, PKI_SHA256_LEN) == 0)
			return true;
	return false;
}

static int command_sign(struct portal *p, const struct portal_sign_req *req, struct sign_work *w,
                        struct portal_signed *info)
{
	svcport_v1_SignedCommand *c = &w->cmd;
	mbedtls_pk_context key;
	uint8_t fp[PKI_SHA256_LEN];
	char path[PATH_MAX];
	size_t len = 0;
	int err;

	mbedtls_pk_init(&key);
	if (req->forge_untrusted) {
		err = forge_signer(p, w, &key);
	} else {
		err = portal_key_load(p, PORTAL_SIGNER_KEY, &key);
		portal_path(p, PORTAL_SIGNER_CRT, path);
		if (err == 0)
			err = pki_cert_read_der(path, w->signer_der, sizeof(w->signer_der),
			                        &w->signer_der_len);
	}
	if (err < 0)
		goto out;
	err = pbio_encode(svcport_v1_CommandBody_fields, &w->body, c->body.bytes,
	                  sizeof(c->body.bytes), &len);
	if (err < 0)
		goto out;
	c->body.size = (pb_size_t)len;
	err = pki_sign(&key, &p->rng, c->body.bytes, c->body.size, c->signature.bytes, &len);
	if (err < 0)
		goto out;
	c->signature.size = (pb_size_t)len;
	if (req->forge_signature)
		c->signature.bytes[len / 2] ^= 0x01; /* inside s: still DER, no longer valid */

	pki_sha256(w->signer_der, w->signer_der_len, fp);
	info->used_fingerprint =
	    !req->force_chain && !req->forge_untrusted && is_signer_known(&w->chb, fp);
	if (info->used_fingerprint) {
		c->which_signer = svcport_v1_SignedCommand_signer_sha256_tag;
		memcpy(c->signer.signer_sha256.bytes, fp, sizeof(fp));
		c->signer.signer_sha256.size = sizeof(fp);
	} else {
		c->which_signer = svcport_v1_SignedCommand_chain_tag;
		memcpy(c->signer.chain.certs[0].bytes, w->signer_der, w->signer_der_len);
		c->signer.chain.certs[0].size = (pb_size_t)w->signer_der_len;
		c->signer.chain.certs_count = 1;
		if (req->forge_untrusted) {
			memcpy(c->signer.chain.certs[1].bytes, w->fake_root_der,
			       w->fake_root_der_len);
			c->signer.chain.certs[1].size = (pb_size_t)w->fake_root_der_len;
			c->signer.chain.certs_count = 2;
		}
	}
out:
	mbedtls_pk_free(&key);
	return err;
}

static bool is_p256_point(const uint8_t *raw, size_t len)
{
	mbedtls_pk_context k;
	bool ok;

	mbedtls_pk_init(&k);
	ok = pki_pubkey_from_raw(&k, raw, len) == 0;
	mbedtls_pk_free(&k);
	return ok;
}

int portal_sign(struct portal *p, const struct portal_sign_req *req, uint8_t *out, size_t cap,
                size_t *ret_len, struct portal_signed *ret_info)
{
	struct sign_work *w = calloc(1, sizeof(*w));
	struct portal_signed info = {0};
	mbedtls_pk_context board;
	bool key_update = req->action == svcport_v1_Action_ACTION_DEVICE_KEY_UPDATE;
	char nonce_hex[33];
	int err;

	mbedtls_pk_init(&board);
	if (!w)
		return -ENOMEM;
	err = portal_db_user_get(p->db, req->user ? req->user : "", &w->user);
	if (err < 0) {
		err = portal_refuse(p, -ENOENT, "no user %s", req->user ? req->user : "");
		goto out;
	}
	if (pbio_decode(svcport_v1_Challenge_fields, &w->ch, req->challenge, req->challenge_len) <
	        0 ||
	    pbio_decode(svcport_v1_ChallengeBody_fields, &w->chb, w->ch.body.bytes,
	                w->ch.body.size) < 0 ||
	    w->chb.nonce.size != 16) {
		err = portal_refuse(p, -EINVAL, "not a device challenge");
		goto out;
	}
	if (key_update) {
		err = challenge_check_new_board(p, req, w, &board);
	} else if (!w->chb.has_device ||
	           portal_db_device_get(p->db, w->chb.device.machine_type,
	                                w->chb.device.serial_number, &w->dev) < 0) {
		err = portal_refuse(p, -ENODEV, "the portal does not know device %s-%s",
		                    w->chb.device.machine_type, w->chb.device.serial_number);
	} else {
		err = challenge_check_cert(p, w);
	}
	if (err < 0)
		goto out;
	info.test_only = req->skip_policy || is_fake_request(req);
	if (!info.test_only) {
		err = policy_check(p, req, w);
		if (err < 0)
			goto out;
	}
	if (req->ephemeral_pubkey_len &&
	    (req->action != svcport_v1_Action_ACTION_EMERGENCY_PASSWORD_RESET ||
	     !is_p256_point(req->ephemeral_pubkey, req->ephemeral_pubkey_len))) {
		err =
		    portal_refuse(p, -EINVAL,
		                  "an ephemeral key goes with an emergency reset only, and must be "
		                  "a P-256 point");
		goto out;
	}
	/* No key, no box: bmcd would refuse (TEST ONLY signing lets the tests show it). */
	if (req->action == svcport_v1_Action_ACTION_EMERGENCY_PASSWORD_RESET &&
	    !req->ephemeral_pubkey_len && !info.test_only) {
		err = portal_refuse(p, -EINVAL,
		                    "an emergency reset needs the phone's ephemeral key: the new "
		                    "password is sealed to it");
		goto out;
	}
	if (req->action == svcport_v1_Action_ACTION_CONFIGURE_SENSORS &&
	    req->sensors.motion_enabled && req->sensors.motion_step_threshold == 0) {
		err = portal_refuse(p, -EINVAL, "motion sensing needs a step threshold");
		goto out;
	}
	err = body_build(p, req, w, &board);
	if (err < 0)
		goto out;
	err = command_sign(p, req, w, &info);
	if (err < 0)
		goto out;
	err = pbio_encode(svcport_v1_SignedCommand_fields, &w->cmd, out, cap, ret_len);
	if (err < 0)
		goto out;
	hex_encode(w->body.nonce.bytes, w->body.nonce.size, nonce_hex);
	err = portal_db_command_record(p->db, nonce_hex, w->body.device.machine_type,
	                               w->body.device.serial_number, req->action, w->user.name,
	                               w->body.org_id, req->now, info.test_only);
	if (err < 0)
		goto out;
	info.device = w->body.device;
	memcpy(info.nonce, w->body.nonce.bytes, sizeof(info.nonce));
	if (ret_info)
		*ret_info = info;
out:
	mbedtls_pk_free(&board);
	mbedtls_platform_zeroize(w->dev.code, sizeof(w->dev.code));
	free(w);
	return err;
}

int portal_signer_chain(struct portal *p, svcport_v1_CertChain *chain)
{
	char path[PATH_MAX];
	size_t len = 0;
	int err;

	portal_path(p, PORTAL_SIGNER_CRT, path);
	err = pki_cert_read_der(path, chain->certs[0].bytes, sizeof(chain->certs[0].bytes), &len);
	if (err < 0)
		return portal_refuse(p, err, "no command-signing certificate: run 'portal init'");
	chain->certs[0].size = (pb_size_t)len;
	chain->certs_count = 1;
	return 0;
}

static bool is_receipt_signed_by(const uint8_t *der, size_t der_len,
                                 const svcport_v1_DeviceReceipt *r)
{
	mbedtls_x509_crt crt;
	bool ok = false;

	if (der_len == 0)
		return false;
	mbedtls_x509_crt_init(&crt);
	if (mbedtls_x509_crt_parse_der(&crt, der, der_len) == 0)
		ok = pki_is_signature_valid(&crt.pk, r->body.bytes, r->body.size,
		                            r->signature.bytes, r->signature.size);
	mbedtls_x509_crt_free(&crt);
	return ok;
}

/* The portal's view of a device after a successful action. */
static void status_update(struct portal_device *d, const svcport_v1_ReceiptBody *b)
{
	if (b->control_mode)
		d->control = b->control_mode;
	d->sed = d->sed || b->sed_enabled;
	if (b->action == svcport_v1_Action_ACTION_TRANSFER_OWNERSHIP ||
	    b->action == svcport_v1_Action_ACTION_CLAIM)
		d->transfer_to[0] = '\0';
	if (b->owner_org[0])
		snprintf(d->owner, sizeof(d->owner), "%s", b->owner_org);
	if (!b->owner_org[0])
		snprintf(d->status, sizeof(d->status), "%s",
		         d->owner[0] ? "pending" : "manufactured");
	else if (b->new_state == svcport_v1_LockdownState_LOCKDOWN_ACTIVE)
		snprintf(d->status, sizeof(d->status), "activated");
	else
		snprintf(d->status, sizeof(d->status), "ready");
}

int portal_receipt(struct portal *p, const uint8_t *receipt, size_t len,
                   struct portal_receipt_info *ret)
{
	svcport_v1_DeviceReceipt r;
	struct portal_device *d = calloc(1, sizeof(*d));
	svcport_v1_ReceiptBody *b = &ret->body;
	char nonce_hex[33];
	bool new_key = false;
	int err;

	if (!d)
		return -ENOMEM;
	if (pbio_decode(svcport_v1_DeviceReceipt_fields, &r, receipt, len) < 0 ||
	    pbio_decode(svcport_v1_ReceiptBody_fields, b, r.body.bytes, r.body.size) < 0) {
		err = portal_refuse(p, -EINVAL, "not a device receipt");
		goto out;
	}
	if (!b->has_device ||
	    portal_db_device_get(p->db, b->device.machine_type, b->device.serial_number, d) < 0) {
		err = portal_refuse(p, -ENODEV, "receipt from unknown device %s-%s",
		                    b->device.machine_type, b->device.serial_number);
		goto out;
	}
	if (!is_receipt_signed_by(d->cert, d->cert_len, &r)) {
		new_key = is_receipt_signed_by(d->new_cert, d->new_cert_len, &r);
		if (!new_key) {
			err = portal_refuse(p, -EBADMSG, "the receipt is not signed by %s-%s",
			                    d->mt, d->sn);
			goto out;
		}
	}
	/* Once, for a command signed here for this device: a receipt replayed later (any
	 * non-base user may hand one in) must not spend a fresh mark or rewrite the device's
	 * status or owner (attack 16o F7). */
	hex_encode(b->nonce.bytes, b->nonce.size, nonce_hex);
	err = portal_db_command_is_open(p->db, nonce_hex, d->mt, d->sn);
	if (err == -ENOENT)
		err = portal_refuse(p, err,
		                    "the receipt is for a command this portal did not sign "
		                    "for %s-%s",
		                    d->mt, d->sn);
	else if (err == -EALREADY)
		err = portal_refuse(p, err,
		                    "the receipt of that command of %s-%s was handed in "
		                    "already",
		                    d->mt, d->sn);
	if (err < 0)
		goto out;
	err = portal_db_command_set_result(p->db, nonce_hex, names_error(b->result));
	if (err < 0)
		goto out;
	if (b->result == svcport_v1_ErrorCode_ERROR_NONE) {
		if (new_key) {
			/* The new board proved its key: its certificate becomes current. */
			memcpy(d->cert, d->new_cert, d->new_cert_len);
			d->cert_len = d->new_cert_len;
			snprintf(d->key_sha256, sizeof(d->key_sha256), "%s", d->new_key_sha256);
			d->new_cert_len = 0;
			d->new_key_sha256[0] = '\0';
		}
		status_update(d, b);
		err = portal_db_device_update(p->db, d);
		if (err < 0)
			goto out;
	}
	snprintf(ret->status, sizeof(ret->status), "%s", d->status);
out:
	free(d);
	return err;
}
