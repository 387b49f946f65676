/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Who sent a gateway request, as bmcd checks it (DESIGN §4.4, §4.5): the link
 * kind must be one bmcd knows, a presence claim must come from a link that
 * can carry one, and presence counts only while the hardware confirms it.
 * The result also names the request's back-off key (ratelimit.h).
 */
#ifndef SVCPORT_BMC_PEER_H
#define SVCPORT_BMC_PEER_H

#include <stdbool.h>
#include <stdint.h>

#include "bmc.h"
#include "ratelimit.h"
#include "svcport.pb.h"

struct bmc_peer {
	uint32_t session;
	svcport_v1_LinkKind link;
	bool present; /* the claim, confirmed by the hardware */
	struct rl_key key;
};

/*
 * Checks req's link fields against p. NULL and *ret_peer filled, or why the
 * request is refused (BAD_REQUEST):
 * - BLE, USB: always known; SIM: only in the simulator; UNSPECIFIED: only
 *   for GetDeviceInfo and Ping (the gateway's own questions, session 0:
 *   nothing there changes state or needs presence);
 *   NET, PORTAL: known, never presence (verify.c lets PORTAL carry only an
 *   activation); anything else: unknown;
 * - a presence claim from BLE or UNSPECIFIED (nothing there is presence).
 */
const char *bmc_peer_check(const struct bmc_presence *p, const svcport_v1_BmcRequest *req,
                           struct bmc_peer *ret_peer);

#endif
