/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the portal is asked when libsvcport-client asks for a signature: for svcport-sim app
 * and the benchmarks, which both sign in process. */
#ifndef SVCPORT_SIM_APP_SIGN_H
#define SVCPORT_SIM_APP_SIGN_H

#include <stdint.h>

#include "portal.h"
#include "svcport-client.h"

/* The portal's request for req, as user at now: the action, the device's challenge, the
 * replacement board's key (key update), the phone's one-time key (emergency reset), the
 * chain when the device asked for it. The rest of *sr is zero. */
void app_sign_req_init(struct portal_sign_req *sr, const struct svcport_client_sign_request *req,
                       const char *user, int64_t now);

#endif
