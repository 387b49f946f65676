/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The BMC's persistent state record: STATE_DIR/state.pb, an encoded
 * svcport_v1_BmcState (mode 0600), replaced atomically (fsutil.h).
 */
#ifndef SVCPORT_BMC_STATE_H
#define SVCPORT_BMC_STATE_H

#include "svcport.pb.h"

/* 2: secrets sealed (sed_ak_sealed, activation_code_sealed); 1 held them in plain text. */
#define BMC_STATE_VERSION 2
#define BMC_STATE_FILE    "state.pb"

/*
 * 0, -ENOENT (no state yet), -EINVAL (undecodable, unknown version, or a
 * retired plain-text secret field set) or -errno.
 */
int bmc_state_load(const char *state_dir, svcport_v1_BmcState *ret_state)
    __attribute__((warn_unused_result));
/* Durable before it returns. 0 or -errno. */
int bmc_state_store(const char *state_dir, const svcport_v1_BmcState *state)
    __attribute__((warn_unused_result));

#endif
