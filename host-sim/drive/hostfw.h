/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The simulated host firmware's side of svcport-bmcd's host interface
 * (proto/host.proto, docs/bmc.md "Host interface"): at power-on it asks
 * whether it may boot and, on a server with SED enabled, for the SED AK that
 * unlocks the drive.
 */
#ifndef SVCPORT_SIM_HOSTFW_H
#define SVCPORT_SIM_HOSTFW_H

#include <stdbool.h>

#include "host.pb.h"

#define HOSTFW_TIMEOUT_MS 10000
#define HOSTFW_AK_LEN     32

/* A connection to the host socket at path: the fd (the caller closes it) or -errno. */
int hostfw_connect(const char *path) __attribute__((warn_unused_result));

/*
 * Sends req on fd and waits (poll, up to timeout_ms) for its reply. 0,
 * -ETIMEDOUT, -ECONNRESET (bmcd closed: e.g. this uid is not the host's),
 * -EBADMSG (the reply does not decode or does not echo the request id) or
 * -errno. rep may carry the AK: the caller zeroizes it.
 */
int hostfw_call(int fd, const svcport_host_v1_HostRequest *req, svcport_host_v1_HostReply *rep,
                int timeout_ms) __attribute__((warn_unused_result));

/* What a power-on learnt. */
struct hostfw_boot {
	svcport_host_v1_HostStatus status; /* of the last answer */
	char message[sizeof(((svcport_host_v1_HostReply *)0)->message)];
	bool may_boot, sed_enabled, has_ak;
	unsigned char ak[HOSTFW_AK_LEN]; /* has_ak: the caller zeroizes it */
};

/*
 * The firmware's power-on over one connection: Boot, then (may boot, SED
 * enabled) GetSedAk. 0 with *ret filled (whatever bmcd answered), or the
 * error of hostfw_connect/hostfw_call.
 */
int hostfw_boot(const char *path, struct hostfw_boot *ret) __attribute__((warn_unused_result));

#endif
