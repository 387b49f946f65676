// SPDX-License-Identifier: GPL-2.0-or-later
/* Who sent a gateway request (peer.h). */
#include "peer.h"

#define K(x) svcport_v1_LinkKind_LINK_##x

_Static_assert(K(PORTAL) < RL_CEILING_PRESENT, "each known link kind has a ceiling of its own");

const char *bmc_peer_check(const struct bmc_presence *p, const svcport_v1_BmcRequest *req,
                           struct bmc_peer *ret)
{
	bool claim_allowed;

	switch (req->link) {
	case K(BLE):
		claim_allowed = false;
		break;
	case K(USB):
		claim_allowed = true;
		break;
	case K(NET):    /* a laptop on the management network */
	case K(PORTAL): /* the gateway's own online-activation link */
		claim_allowed = false;
		break;
	case K(SIM):
		if (!p->simulator)
			return "simulated link outside the simulator";
		claim_allowed = true;
		break;
	case K(KIND_UNSPECIFIED):
		if (!req->has_request ||
		    (req->request.which_body != svcport_v1_Request_get_device_info_tag &&
		     req->request.which_body != svcport_v1_Request_ping_tag))
			return "no link kind";
		claim_allowed = false;
		break;
	default:
		return "unknown link kind";
	}
	if (req->physical_presence && !claim_allowed)
		return "presence claimed on a link that has none";
	*ret = (struct bmc_peer){.session = req->session_id, .link = req->link};
	/* The hardware has the last word: a claim without a cable is no presence. */
	ret->present =
	    req->physical_presence && p->is_usb_present && p->is_usb_present(p->user_data);
	ret->key =
	    (struct rl_key){.session = req->session_id,
	                    .link = (uint32_t)req->link,
	                    .ceiling = ret->present ? RL_CEILING_PRESENT : (uint32_t)req->link};
	return NULL;
}
