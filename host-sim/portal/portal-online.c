// SPDX-License-Identifier: GPL-2.0-or-later
/* Online activation, the portal's side (see portal-online.h, docs/online.md). */
#include "portal-online.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/oid.h>
#include <mbedtls/platform_util.h>

#include "names.h"
#include "pbio.h"
#include "portal-acts.h"
#include "portal-internal.h"
#include "utc.h"

#define STATEMENT_PREFIX "svcport ca-statement v1" /* then 0x00, then the body */

/* What one online request works on; heap-allocated (certificates, a command). */
struct online_work {
	svcport_v1_OnlineActivationRequest req;
	svcport_v1_CaStatementBody sb;
	svcport_v1_ChallengeBody chb;
	struct portal_device dev;
	uint8_t ca[PKI_CERT_DER_MAX]; /* the internal CA the checks use */
	size_t ca_len;
	int64_t stored_at; /* issued_at of the statement the portal holds, -1 none */
	uint8_t msg[sizeof(STATEMENT_PREFIX) + sizeof(((svcport_v1_CaStatement *)0)->body.bytes)];
	char marker[PORTAL_NAME_MAX];
	struct portal_actor actor;
	char target[PORTAL_TARGET_MAX];
	bool proved;  /* the device proved who it is: never a stranger from here on */
	bool counted; /* a stranger's refusal only counted for its address' summary */
};

static sqlite3_stmt *prep2(struct portal *p, const char *sql, const char *mt, const char *sn)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(portal_db(p), sql, -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_text(st, 1, mt, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, sn, -1, SQLITE_TRANSIENT);
	return st;
}

/* The internal CA the portal holds for (mt, sn) into w->ca; w->stored_at -1 without one. */
static int stored_ca_get(struct portal *p, struct online_work *w)
{
	sqlite3_stmt *st = prep2(p, "SELECT ca, issued_at FROM device_cas WHERE mt=?1 AND sn=?2;",
	                         w->dev.mt, w->dev.sn);
	int n;

	if (!st)
		return -EIO;
	w->stored_at = -1;
	if (sqlite3_step(st) == SQLITE_ROW) {
		n = sqlite3_column_bytes(st, 0);
		if (n > 0 && (size_t)n <= sizeof(w->ca)) {
			memcpy(w->ca, sqlite3_column_blob(st, 0), (size_t)n);
			w->ca_len = (size_t)n;
			w->stored_at = sqlite3_column_int64(st, 1);
		}
	}
	sqlite3_finalize(st);
	return 0;
}

/* The device a request names: the audit record's target. */
static void device_name(struct online_work *w, const svcport_v1_DeviceId *id)
{
	snprintf(w->target, sizeof(w->target), "%s-%s", id->machine_type, id->serial_number);
}

/* The device proved who it is (its certificate chains to its CA): the audit record
 * is then its, in its organisation. Before that the actor stays "device ?" and no
 * organisation's audit holds the record: a stranger naming a device writes nothing in its
 * owner's name (attack 16o F4). */
static void device_proved(struct online_work *w)
{
	w->proved = true;
	snprintf(w->actor.user, sizeof(w->actor.user), "device %s", w->target);
	snprintf(w->actor.org, sizeof(w->actor.org), "%s", w->dev.owner);
}

/* The device the statement names, its device key's signature over it, and its age. */
static int statement_check(struct portal *p, struct online_work *w)
{
	const svcport_v1_CaStatement *s = &w->req.statement;
	mbedtls_x509_crt crt;
	bool ok;

	if (pbio_decode(svcport_v1_CaStatementBody_fields, &w->sb, s->body.bytes, s->body.size) <
	        0 ||
	    !w->sb.has_device || w->sb.internal_ca_certificate.size == 0)
		return portal_refuse(p, -EINVAL, "not a CA statement");
	device_name(w, &w->sb.device);
	if (portal_db_device_get(portal_db(p), w->sb.device.machine_type,
	                         w->sb.device.serial_number, &w->dev) < 0)
		return portal_refuse(p, -ENODEV, "the portal does not know device %s", w->target);
	memcpy(w->msg, STATEMENT_PREFIX, sizeof(STATEMENT_PREFIX)); /* with its NUL */
	memcpy(w->msg + sizeof(STATEMENT_PREFIX), s->body.bytes, s->body.size);
	mbedtls_x509_crt_init(&crt);
	ok = mbedtls_x509_crt_parse_der(&crt, w->dev.cert, w->dev.cert_len) == 0 &&
	     pki_is_signature_valid(&crt.pk, w->msg, sizeof(STATEMENT_PREFIX) + s->body.size,
	                            s->signature.bytes, s->signature.size);
	mbedtls_x509_crt_free(&crt);
	if (!ok)
		return portal_refuse(
		    p, -EBADMSG, "the CA statement is not signed by %s's device key", w->target);
	return 0;
}

/*
 * The statement is not older than the one the portal holds. Checked once the device proved
 * itself with it (its certificate chains to the statement's CA): an old statement is
 * public, so a stranger replaying one is refused as a stranger (UNAUTHENTICATED) and
 * throttled, while the holder of an old CA's key is named in the owner's audit.
 */
static int statement_age_check(struct portal *p, struct online_work *w)
{
	if (stored_ca_get(p, w) < 0)
		return -EIO;
	if (w->stored_at > (int64_t)w->sb.issued_at ||
	    (w->stored_at == (int64_t)w->sb.issued_at &&
	     (w->ca_len != w->sb.internal_ca_certificate.size ||
	      memcmp(w->ca, w->sb.internal_ca_certificate.bytes, w->ca_len) != 0)))
		return portal_refuse(p, -EALREADY,
		                     "the portal holds a newer CA statement of %s (issued %lld)",
		                     w->target, (long long)w->stored_at);
	memcpy(w->ca, w->sb.internal_ca_certificate.bytes, w->sb.internal_ca_certificate.size);
	w->ca_len = w->sb.internal_ca_certificate.size;
	return 0;
}

/* True if the certificate's subject serialNumber is exactly name. */
static bool is_subject_serial(const mbedtls_x509_crt *crt, const char *name)
{
	for (const mbedtls_x509_name *n = &crt->subject; n; n = n->next)
		if (MBEDTLS_OID_CMP(MBEDTLS_OID_AT_SERIAL_NUMBER, &n->oid) == 0)
			return n->val.len == strlen(name) &&
			       memcmp(n->val.p, name, n->val.len) == 0;
	return false;
}

/* The TLS client certificate: present, issued by ca, naming the device. */
static int peer_check(struct portal *p, const struct portal_peer *peer, struct online_work *w,
                      const uint8_t *ca_der, size_t ca_len)
{
	mbedtls_x509_crt leaf, ca;
	uint32_t flags = 0;
	int err = 0;

	if (!peer->cert)
		return portal_refuse(p, -ENOKEY,
		                     "no TLS client certificate: a device presents its link "
		                     "certificate");
	mbedtls_x509_crt_init(&leaf);
	mbedtls_x509_crt_init(&ca);
	if (mbedtls_x509_crt_parse_der(&leaf, peer->cert, peer->cert_len) != 0 ||
	    mbedtls_x509_crt_parse_der(&ca, ca_der, ca_len) != 0 ||
	    mbedtls_x509_crt_verify(&leaf, &ca, NULL, NULL, &flags, NULL, NULL) != 0)
		err = portal_refuse(p, -ENOKEY,
		                    "the TLS client certificate does not chain to %s's internal CA "
		                    "(flags 0x%x)",
		                    w->target, (unsigned)flags);
	else if (!is_subject_serial(&leaf, w->target))
		err = portal_refuse(p, -ENODEV, "the TLS client certificate does not name %s",
		                    w->target);
	mbedtls_x509_crt_free(&leaf);
	mbedtls_x509_crt_free(&ca);
	return err;
}

/* The live mark's administrator into w->marker; the refusal that says why not. */
static int mark_check(struct portal *p, struct online_work *w, int64_t now)
{
	sqlite3_stmt *st = prep2(p, "SELECT by, expires FROM ready_marks WHERE mt=?1 AND sn=?2;",
	                         w->dev.mt, w->dev.sn);
	int64_t expires = 0, used_at = 0;

	if (!st)
		return -EIO;
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(w->marker, sizeof(w->marker), "%s",
		         (const char *)sqlite3_column_text(st, 0));
		expires = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (expires > now && !w->marker[0])
		return portal_refuse(p, -EACCES,
		                     "the mark of %s names no user (the operator's): a signed "
		                     "command names one; mark it through the API or with --as",
		                     w->target);
	if (expires > now)
		return 0;
	if (expires)
		return portal_refuse(
		    p, -EKEYEXPIRED,
		    "the ready-for-activation mark of %s expired: an administrator "
		    "must mark it again",
		    w->target);
	st = prep2(p, "SELECT at FROM ready_used WHERE mt=?1 AND sn=?2;", w->dev.mt, w->dev.sn);
	if (!st)
		return -EIO;
	if (sqlite3_step(st) == SQLITE_ROW)
		used_at = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (used_at)
		return portal_refuse(p, -EALREADY,
		                     "the ready-for-activation mark of %s was used (at %lld): an "
		                     "administrator must mark it again",
		                     w->target, (long long)used_at);
	return portal_refuse(p, -ENOENT, "%s is not marked ready for activation", w->target);
}

static int exec_dev(struct portal *p, const char *sql, struct online_work *w, int64_t n,
                    const char *text)
{
	sqlite3_stmt *st = prep2(p, sql, w->dev.mt, w->dev.sn);
	int rc;

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 3, n);
	if (text)
		sqlite3_bind_text(st, 4, text, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_blob(st, 4, w->ca, (int)w->ca_len, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -EIO;
}

/* Signs for the marking administrator, keeps the statement, spends the mark: all or nothing. */
static int activate_commit(struct portal *p, struct online_work *w, int64_t now, uint8_t *out,
                           size_t cap, size_t *ret_len)
{
	uint8_t
	    ch[sizeof(w->req.challenge.body.bytes) + sizeof(w->req.challenge.signature.bytes) + 16];
	struct portal_sign_req sreq = {
	    .user = w->marker, .action = svcport_v1_Action_ACTION_ACTIVATE, .now = now};
	size_t ch_len = 0;
	int err =
	    pbio_encode(svcport_v1_Challenge_fields, &w->req.challenge, ch, sizeof(ch), &ch_len);

	if (err < 0)
		return portal_refuse(p, -EINVAL, "not a device challenge");
	sreq.challenge = ch;
	sreq.challenge_len = ch_len;
	if (portal_db_begin(portal_db(p)) < 0)
		return -EIO;
	err = portal_sign(p, &sreq, out, cap, ret_len, NULL);
	if (err == 0)
		err = exec_dev(p,
		               "INSERT OR REPLACE INTO device_cas(mt, sn, issued_at, ca)"
		               " VALUES(?1, ?2, ?3, ?4);",
		               w, (int64_t)w->sb.issued_at, NULL);
	if (err == 0)
		err = exec_dev(p, "DELETE FROM ready_marks WHERE mt=?1 AND sn=?2 AND ?3=?3;", w, 0,
		               "");
	if (err == 0)
		err = exec_dev(
		    p, "INSERT OR REPLACE INTO ready_used(mt, sn, at, by) VALUES(?1, ?2, ?3, ?4);",
		    w, now, w->marker);
	if (err == 0 && portal_db_commit(portal_db(p)) < 0)
		err = -EIO;
	if (err < 0)
		portal_db_rollback(portal_db(p));
	return err;
}

static int activate_checks(struct portal *p, const struct portal_peer *peer, struct online_work *w,
                           const uint8_t *req, size_t len, int64_t now)
{
	int err;

	if (!peer->cert) /* the cheapest check first: nothing parsed, nothing verified */
		return peer_check(p, peer, w, NULL, 0);
	if (pbio_decode(svcport_v1_OnlineActivationRequest_fields, &w->req, req, len) < 0 ||
	    !w->req.has_statement || !w->req.has_challenge)
		return portal_refuse(p, -EINVAL, "not an OnlineActivationRequest");
	err = statement_check(p, w);
	if (err == 0)
		err = peer_check(p, peer, w, w->sb.internal_ca_certificate.bytes,
		                 w->sb.internal_ca_certificate.size);
	if (err == 0)
		device_proved(w); /* its key signed the statement, its certificate chains */
	if (err == 0)
		err = statement_age_check(p, w);
	if (err == 0 && (pbio_decode(svcport_v1_ChallengeBody_fields, &w->chb,
	                             w->req.challenge.body.bytes, w->req.challenge.body.size) < 0 ||
	                 !w->chb.has_device ||
	                 strcmp(w->chb.device.machine_type, w->sb.device.machine_type) != 0 ||
	                 strcmp(w->chb.device.serial_number, w->sb.device.serial_number) != 0))
		err = portal_refuse(p, -ENODEV, "the challenge is not %s's", w->target);
	if (err == 0)
		err = mark_check(p, w, now);
	return err;
}

/* One summary record per address and wait: what its strangers were refused meanwhile. */
static void summary_write(const struct portal_gate_summary *s, void *ud)
{
	struct portal *p = ud;
	struct portal_actor a = {0};

	snprintf(a.user, sizeof(a.user), "device ?");
	snprintf(a.addr, sizeof(a.addr), "%s", s->key);
	portal_refuse(p, -EBUSY,
	              "%ld refused requests from %s in the last %lld s (%lld to %lld), not "
	              "recorded one by one: requests that proved no device, past the address' "
	              "free refusals",
	              s->refused, s->key, (long long)(s->until - s->from), (long long)s->from,
	              (long long)s->until);
	portal_audit(p, &a, "device.refused", s->key, -EBUSY);
}

int portal_online_flush(struct portal *p, int64_t now, bool final)
{
	char why[sizeof(p->why)];
	int n;

	memcpy(why, p->why, sizeof(why));
	n = portal_gate_flush(&p->gate, now, final, summary_write, p);
	memcpy(p->why, why, sizeof(why));
	return n;
}

/*
 * A refusal before the device proved itself is a stranger's (no certificate, one that does
 * not chain, a statement its device key did not sign, an unknown device, a stranger's
 * bytes): recorded while its address has free refusals left, then only counted for the
 * address' summary and answered RATE_LIMITED with the wait. A device that proved itself
 * never gets here, whoever shares its address (attack 16o F4, docs/portal-api.md).
 */
static int stranger_gate(struct portal *p, struct online_work *w, int err, int64_t now,
                         long *ret_retry_after)
{
	long left;

	if (err == 0 || w->proved || err == -EIO || err == -ENOMEM)
		return err;
	left = portal_gate_refused(&p->gate, w->actor.addr, now);
	if (left == 0)
		return err;
	w->counted = true;
	*ret_retry_after = left;
	return portal_refuse(p, -EBUSY,
	                     "too many refused device requests from this address: try again in "
	                     "%ld s",
	                     left);
}

/* The work of one request, its actor the device at the peer's address (named once known). */
static struct online_work *work_new(const struct portal_peer *peer)
{
	struct online_work *w = calloc(1, sizeof(*w));

	if (w) {
		snprintf(w->actor.user, sizeof(w->actor.user), "device ?");
		snprintf(w->actor.addr, sizeof(w->actor.addr), "%s", peer->addr);
	}
	return w;
}

int portal_online_activate(struct portal *p, const struct portal_peer *peer, const uint8_t *req,
                           size_t len, int64_t now, uint8_t *out, size_t cap, size_t *ret_len,
                           long *ret_retry_after)
{
	struct online_work *w = work_new(peer);
	int err;

	*ret_retry_after = 0;
	if (!w)
		return -ENOMEM;
	(void)portal_online_flush(p, now, false);
	err = activate_checks(p, peer, w, req, len, now);
	err = stranger_gate(p, w, err, now, ret_retry_after);
	if (err == 0)
		err = activate_commit(p, w, now, out, cap, ret_len);
	if (err == 0)
		snprintf(p->why, sizeof(p->why), "signed for %s's mark", w->marker);
	if (!w->counted)
		portal_audit(p, &w->actor, "device.online_activate", w->target, err);
	if (err == 0)
		p->why[0] = '\0';
	mbedtls_platform_zeroize(w->dev.code, sizeof(w->dev.code));
	free(w);
	return err;
}

static int receipt_checks(struct portal *p, const struct portal_peer *peer, struct online_work *w,
                          const uint8_t *receipt, size_t len)
{
	svcport_v1_DeviceReceipt r;
	svcport_v1_ReceiptBody b;
	int err;

	if (!peer->cert)
		return peer_check(p, peer, w, NULL, 0);
	if (pbio_decode(svcport_v1_DeviceReceipt_fields, &r, receipt, len) < 0 ||
	    pbio_decode(svcport_v1_ReceiptBody_fields, &b, r.body.bytes, r.body.size) < 0 ||
	    !b.has_device)
		return portal_refuse(p, -EINVAL, "not a device receipt");
	device_name(w, &b.device);
	if (portal_db_device_get(portal_db(p), b.device.machine_type, b.device.serial_number,
	                         &w->dev) < 0)
		return portal_refuse(p, -ENODEV, "the portal does not know device %s", w->target);
	if (stored_ca_get(p, w) < 0)
		return -EIO;
	if (w->stored_at < 0)
		return portal_refuse(p, -ENOKEY, "no CA statement of %s: activate online first",
		                     w->target);
	err = peer_check(p, peer, w, w->ca, w->ca_len);
	if (err == 0)
		device_proved(w);
	return err;
}

int portal_online_receipt(struct portal *p, const struct portal_peer *peer, const uint8_t *receipt,
                          size_t len, int64_t now, struct portal_receipt_info *ret,
                          long *ret_retry_after)
{
	struct online_work *w = work_new(peer);
	int err;

	*ret_retry_after = 0;
	if (!w)
		return -ENOMEM;
	(void)portal_online_flush(p, now, false);
	err = receipt_checks(p, peer, w, receipt, len);
	err = stranger_gate(p, w, err, now, ret_retry_after);
	if (err == 0)
		err = portal_receipt(p, receipt, len, ret);
	/* A successful Activate spends any mark, as a phone's receipt does. */
	if (err == 0 && ret->body.action == svcport_v1_Action_ACTION_ACTIVATE &&
	    ret->body.result == svcport_v1_ErrorCode_ERROR_NONE &&
	    portal_ready_take(p, w->dev.mt, w->dev.sn, now) < 0)
		p->why[0] = '\0'; /* no mark to clear is the usual case */
	if (!w->counted)
		portal_audit(p, &w->actor, "device.online_receipt", w->target, err);
	mbedtls_platform_zeroize(w->dev.code, sizeof(w->dev.code));
	free(w);
	return err;
}
