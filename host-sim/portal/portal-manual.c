// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Manual activation by phone call, the portal's side (docs/manual-activation.md): the
 * master key in the portal's directory, each device's K_dev derived from it, and the
 * acts that turn a challenge into a response and confirm a receipt.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mbedtls/platform_util.h>

#include "hex.h"
#include "portal-acts.h"
#include "portal-internal.h"
#include "pwbox.h"

#define MASTER_FILE "manual-master.key"
#define MASTER_LEN  32
#define SKEW_MIN    5 /* minutes a BMC's clock may run ahead of the portal's */

/* A new master key, written once (O_EXCL: never replaced). */
static int master_create(struct portal *p, const char *path, uint8_t key[MASTER_LEN])
{
	int fd, err = 0;

	if (pki_rng_fill(&p->rng, key, MASTER_LEN) != 0)
		return -EIO;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	if (write(fd, key, MASTER_LEN) != MASTER_LEN || fsync(fd) < 0)
		err = -EIO;
	close(fd);
	if (err < 0)
		unlink(path);
	return err;
}

int portal_manual_key(struct portal *p, const char *mt, const char *sn,
                      const uint8_t board_hash[MANUAL_BOARD_HASH_LEN], bool create,
                      uint8_t ret_key[MANUAL_KEY_LEN])
{
	uint8_t master[MASTER_LEN + 1];
	char path[PATH_MAX];
	size_t len = 0;
	int err;

	portal_path(p, MASTER_FILE, path);
	err = portal_file_read(path, master, sizeof(master), &len);
	if (err == -ENOENT && create)
		err = master_create(p, path, master), len = MASTER_LEN;
	if (err == 0 && len != MASTER_LEN)
		err = -EINVAL;
	if (err == 0)
		err = manual_key_derive(master, MASTER_LEN, mt, sn, board_hash, ret_key);
	mbedtls_platform_zeroize(master, sizeof(master));
	if (err < 0)
		return portal_refuse(p, err == -ENOENT ? -ENOENT : -EIO,
		                     "the manual activation master key (%s) is missing or damaged",
		                     MASTER_FILE);
	return 0;
}

int portal_manual_key_box(struct portal *p, const char *mt, const char *sn,
                          const uint8_t *board_pub, size_t board_pub_len,
                          const svcport_v1_CommandBody_nonce_t *nonce,
                          svcport_v1_DeviceKeyUpdate *k)
{
	const struct pwbox_binding bind = {.machine_type = mt,
	                                   .serial_number = sn,
	                                   .nonce = nonce->bytes,
	                                   .nonce_len = nonce->size};
	uint8_t key[MANUAL_KEY_LEN], board_hash[MANUAL_BOARD_HASH_LEN];
	size_t len = 0;
	int err;

	if (board_pub_len != PWBOX_POINT_LEN)
		return portal_refuse(p, -EINVAL, "a key update needs the new board's public key");
	/* K_dev of the very key it is sealed to: a board of anyone's gets its own K_dev, which
	 * opens nothing on another board (attack16a H1). */
	pki_sha256(board_pub, board_pub_len, board_hash);
	err = portal_manual_key(p, mt, sn, board_hash, false, key);
	if (err == -ENOENT) {
		p->why[0] = 0; /* no manual activation on this portal: nothing to carry */
		return 0;
	}
	if (err == 0 && pwbox_seal(board_pub, &bind, (const char *)key, sizeof(key), pki_rng_fill,
	                           &p->rng, k->manual_key_point.bytes, k->manual_key_box.bytes,
	                           sizeof(k->manual_key_box.bytes), &len) < 0)
		err = portal_refuse(p, -EIO, "cannot seal the manual activation key to the board");
	mbedtls_platform_zeroize(key, sizeof(key));
	if (err < 0)
		return err;
	k->manual_key_point.size = PWBOX_POINT_LEN;
	k->manual_key_box.size = (pb_size_t)len;
	return 0;
}

/* K_dev of d's current board: the key its last receipt proved (key_sha256). */
static int current_key(struct portal *p, const struct portal_device *d,
                       uint8_t ret_key[MANUAL_KEY_LEN])
{
	uint8_t hash[MANUAL_BOARD_HASH_LEN];

	if (hex_decode(d->key_sha256, hash, sizeof(hash), 0) < 0)
		return portal_refuse(p, -EIO, "%s-%s has no device key on record", d->mt, d->sn);
	return portal_manual_key(p, d->mt, d->sn, hash, false, ret_key);
}

/* The challenge as typed, live by the portal's clock (or expired, for a receipt). */
static int challenge_read(struct portal *p, const char *text, int64_t now, bool may_be_expired,
                          struct manual_challenge *c, int64_t *ret_expires)
{
	const int64_t minute = now / 60;
	size_t group = 0;
	int err = manual_challenge_decode(text ? text : "", c, &group);
	int64_t e;

	if (err == -EBADMSG)
		return portal_refuse(
		    p, -EINVAL, "group %zu of the challenge is mistyped: ask for it again", group);
	if (err < 0)
		return portal_refuse(
		    p, -EINVAL, "a challenge is 15 characters in 3 groups (0-9 A-Z, no I L O U)");
	e = manual_expiry_minute(c->expiry, minute);
	if (e < minute && !may_be_expired)
		return portal_refuse(
		    p, -EKEYEXPIRED,
		    "the challenge expired %lld minutes ago: the server shows a new "
		    "one",
		    (long long)(minute - e));
	if (e > minute + MANUAL_TTL_MINUTES + SKEW_MIN)
		return portal_refuse(p, -EINVAL,
		                     "the challenge expires in %lld minutes, more than a server "
		                     "grants: check the server's clock",
		                     (long long)(e - minute));
	*ret_expires = (e + 1) * 60;
	return 0;
}

/* The device, the actor's right to activate it, and the binding of a response. */
static int device_for(struct portal *p, const struct portal_actor *a, const char *mt,
                      const char *sn, struct portal_device *d, char target[PORTAL_TARGET_MAX])
{
	int err = portal_act_device(p, a, PORTAL_RIGHT_CLAIM, mt, sn, d, target);

	if (err == 0 && (a->is_operator || !a->user[0]))
		err = portal_refuse(p, -EACCES, "a response is given by a user: log in as one");
	if (err == 0 && !portal_is_role_allowed(a->role, svcport_v1_Action_ACTION_ACTIVATE))
		err = portal_refuse(p, -EACCES, "%s may not activate", a->user);
	if (err == 0 && !d->owner[0])
		err = portal_refuse(p, -EPERM, "%s is not claimed", target);
	return err;
}

/* The record of challenge c of (mt, sn): its key, as the database holds it. */
static void answer_of(const char *mt, const char *sn, const struct manual_challenge *c,
                      int64_t expires, struct portal_manual_answer *m)
{
	snprintf(m->mt, sizeof(m->mt), "%s", mt);
	snprintf(m->sn, sizeof(m->sn), "%s", sn);
	hex_encode(c->nonce, MANUAL_NONCE_LEN, m->nonce);
	m->expires = expires;
}

/* "challenge=CODE" for both audits (bmcd's says the same), so the two logs match. */
static const char *challenge_detail(const char *typed, char out[48])
{
	struct manual_challenge c;
	char code[MANUAL_TEXT_MAX];

	if (manual_challenge_decode(typed ? typed : "", &c, NULL) < 0 ||
	    manual_challenge_encode(&c, code, sizeof(code)) < 0)
		return "challenge=?";
	snprintf(out, 48, "challenge=%s", code);
	return out;
}

int portal_act_manual_activate(struct portal *p, const struct portal_actor *a, const char *mt,
                               const char *sn, const char *challenge, int64_t now,
                               struct portal_manual_response *ret)
{
	struct portal_device *d = calloc(1, sizeof(*d));
	struct portal_manual_answer m = {.confirmed = false};
	char target[PORTAL_TARGET_MAX], detail[48];
	uint8_t key[MANUAL_KEY_LEN];
	struct manual_challenge c;
	int err = device_for(p, a, mt, sn, d, target);

	if (err == 0)
		err = challenge_read(p, challenge, now, false, &c, &ret->expires_at);
	if (err == 0)
		err = current_key(p, d, key);
	if (err == 0) {
		const struct manual_binding b = {.action = svcport_v1_Action_ACTION_ACTIVATE,
		                                 .owner_org = d->owner,
		                                 .machine_type = mt,
		                                 .serial_number = sn};

		err = manual_response_make(key, &b, &c, ret->response, sizeof(ret->response));
		if (err < 0)
			err = portal_refuse(p, -EIO, "cannot compute the response");
	}
	/* Recorded before it is shown: only an answered challenge's receipt is accepted. */
	if (err == 0) {
		answer_of(mt, sn, &c, ret->expires_at, &m);
		snprintf(m.user, sizeof(m.user), "%s", a->user);
		snprintf(m.key_sha256, sizeof(m.key_sha256), "%s", d->key_sha256);
		if (portal_db_manual_answer(portal_db(p), &m, now) < 0)
			err = portal_refuse(p, -EIO, "cannot record the answer");
	}
	if (err < 0)
		mbedtls_platform_zeroize(ret->response, sizeof(ret->response));
	mbedtls_platform_zeroize(key, sizeof(key));
	mbedtls_platform_zeroize(&c, sizeof(c));
	if (d)
		mbedtls_platform_zeroize(d, sizeof(*d));
	free(d);
	portal_audit_detail(p, a, "device.manual_activate", target, err,
	                    challenge_detail(challenge, detail));
	return err;
}

/* The receipt of an answered, unconfirmed challenge, under the key it was answered with. */
static int receipt_check(struct portal *p, const struct portal_device *d,
                         const struct manual_challenge *c, struct portal_manual_answer *m,
                         const char *receipt)
{
	const struct manual_binding b = {
	    .owner_org = d->owner, .machine_type = d->mt, .serial_number = d->sn};
	uint8_t key[MANUAL_KEY_LEN], hash[MANUAL_BOARD_HASH_LEN];
	const bool answered = portal_db_manual_get(portal_db(p), m) == 0;
	size_t group = 0;
	int err;

	if (!answered) /* checked all the same: a valid one means K_dev left the portal */
		snprintf(m->key_sha256, sizeof(m->key_sha256), "%s", d->key_sha256);
	if (hex_decode(m->key_sha256, hash, sizeof(hash), 0) < 0)
		return portal_refuse(p, -EIO, "%s-%s has no device key on record", d->mt, d->sn);
	err = portal_manual_key(p, d->mt, d->sn, hash, false, key);
	if (err == 0)
		err = manual_receipt_check(key, &b, c, receipt ? receipt : "", &group);
	mbedtls_platform_zeroize(key, sizeof(key));
	if (err == -EBADMSG)
		return portal_refuse(p, -EINVAL, "group %zu of the receipt is mistyped", group);
	if (err == -EACCES)
		return portal_refuse(p, -EKEYREJECTED,
		                     "not this device's receipt for this challenge");
	if (err < 0)
		return err;
	if (!answered)
		return portal_refuse(p, -EKEYREJECTED,
		                     "ALARM: a valid receipt for a challenge the portal never "
		                     "answered: the device's manual activation key was used "
		                     "without the portal");
	if (m->confirmed)
		return portal_refuse(p, -EALREADY,
		                     "this activation's receipt was already confirmed");
	return 0;
}

int portal_act_manual_receipt(struct portal *p, const struct portal_actor *a, const char *mt,
                              const char *sn, const char *challenge, const char *receipt,
                              int64_t now)
{
	struct portal_device *d = calloc(1, sizeof(*d));
	struct portal_manual_answer m = {.confirmed = false};
	char target[PORTAL_TARGET_MAX], detail[48];
	struct manual_challenge c;
	int64_t expires;
	int err = device_for(p, a, mt, sn, d, target);

	/* A receipt comes after the response: its challenge may have expired since. */
	if (err == 0)
		err = challenge_read(p, challenge, now, true, &c, &expires);
	if (err == 0) {
		answer_of(mt, sn, &c, expires, &m);
		err = receipt_check(p, d, &c, &m, receipt);
	}
	if (err == 0 && portal_db_manual_confirm(portal_db(p), &m, now) < 0)
		err =
		    portal_refuse(p, -EALREADY, "this activation's receipt was already confirmed");
	if (err == 0) {
		snprintf(d->status, sizeof(d->status), "activated");
		err = portal_db_device_update(portal_db(p), d);
	}
	if (d)
		mbedtls_platform_zeroize(d, sizeof(*d));
	free(d);
	portal_audit_detail(p, a, "device.manual_receipt", target, err,
	                    challenge_detail(challenge, detail));
	return err;
}
