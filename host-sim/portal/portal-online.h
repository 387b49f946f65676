/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Online activation, the portal's side (docs/online.md): a device that
 * reaches the portal over mutual TLS with its link certificate and hands in
 * its internal CA statement and a fresh challenge gets an Activate signed in
 * the name of the administrator who marked it "ready for activation"; the
 * mark is spent by that signature. Every step checked before anything is
 * written; each call is one audited act ("device.online_activate",
 * "device.online_receipt") whose actor is the device ("device MT-SN").
 *
 * Strangers (every refusal before the device proved itself: its link
 * certificate chains to the CA its device key signed, naming it) pass the
 * address gate (portal-gate.h): an address past its free refusals gets
 * -EBUSY RATE_LIMITED, *ret_retry_after the seconds it must wait, and no
 * audit record of its own, only its share of one summary record
 * ("device.refused") per address and wait, written by portal_online_flush().
 * A device that proved itself is never refused by the gate.
 *
 * Errors as portal.h: -ENOKEY UNAUTHENTICATED (no client certificate, or one
 * that does not chain to the device's internal CA), -ENODEV WRONG_DEVICE
 * (unknown device; the certificate or the challenge names another one),
 * -EBADMSG BAD_SIGNATURE (statement not signed by the device key),
 * -EALREADY INVALID_STATE (an older statement than the portal holds, or the
 * mark was used), -ENOENT NOT_FOUND (no mark), -EKEYEXPIRED EXPIRED (mark
 * expired), -EINVAL BAD_REQUEST, and the signing path's own refusals (the
 * marking administrator's role and organisation).
 */
#ifndef SVCPORT_SIM_PORTAL_ONLINE_H
#define SVCPORT_SIM_PORTAL_ONLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "portal-auth.h"
#include "portal.h"

/* What the TLS connection proved: the certificate the client sent (DER), or none. */
struct portal_peer {
	const uint8_t *cert;
	size_t cert_len;
	char addr[PORTAL_ADDR_MAX];
};

/*
 * req: an encoded OnlineActivationRequest. On success the encoded
 * SignedCommand (Activate) is in out (cap >= svcport_v1_SignedCommand_size).
 * *ret_retry_after: 0, or with -EBUSY the seconds the address must wait.
 */
int portal_online_activate(struct portal *p, const struct portal_peer *peer, const uint8_t *req,
                           size_t len, int64_t now, uint8_t *out, size_t cap, size_t *ret_len,
                           long *ret_retry_after) __attribute__((warn_unused_result));

/* receipt: an encoded DeviceReceipt, from the device it names (its link certificate). */
int portal_online_receipt(struct portal *p, const struct portal_peer *peer, const uint8_t *receipt,
                          size_t len, int64_t now, struct portal_receipt_info *ret,
                          long *ret_retry_after) __attribute__((warn_unused_result));

/*
 * Writes the summary record of each address whose wait ended by now (final:
 * of every address with refusals counted, as the service stops). Each
 * request does it first; the service also every minute. Returns how many.
 */
int portal_online_flush(struct portal *p, int64_t now, bool final);

#endif
