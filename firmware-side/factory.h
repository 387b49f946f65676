/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Provisioning a board at manufacturing (svcport-bmcd --init). */
#ifndef SVCPORT_BMC_FACTORY_H
#define SVCPORT_BMC_FACTORY_H

#include <stdbool.h>
#include <stddef.h>

#include "bmc-env.h"

/*
 * Writes a factory state into state_dir from a factory directory (format in
 * docs/interfaces.md). Refuses an initialised state_dir (-EEXIST) unless
 * force. On failure err (may be NULL) says why in one line. 0 or
 * -errno/-EINVAL.
 */
int bmc_factory_init(const char *factory_dir, const char *state_dir, bool force,
                     const struct bmc_env *env, char *err, size_t err_len)
    __attribute__((warn_unused_result));

#endif
