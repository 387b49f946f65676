/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A private SoftHSM2 token for a test (docs/bmc.md "Testing on SoftHSM2"):
 * its own SOFTHSM2_CONF and token folder, made by softhsm2-util --init-token
 * (paths from CMake: SVCPORT_PKCS11_MODULE, SVCPORT_SOFTHSM2_UTIL), a PIN file
 * (0600) and an se.conf for svcport-bmcd --se-config.
 *
 * SoftHSM2 reads SOFTHSM2_CONF at C_Initialize, once per process (se-pkcs11
 * keeps the module initialised), so a test process has one token; every
 * provisioning replaces the svcport objects on it.
 */
#ifndef SVCPORT_TEST_SOFTHSM_H
#define SVCPORT_TEST_SOFTHSM_H

#include <stdbool.h>

#include "se.h"

#define TSOFTHSM_LABEL "svcport-test"
#define TSOFTHSM_PIN   "246810"

/* Whether this run's BMC tests use PKCS#11 (SVCPORT_TEST_SE=pkcs11). */
bool tsofthsm_is_selected(void);
/*
 * This process's token, made at the first call (removed at exit), its
 * configuration and the path of its se.conf. Aborts the test if it cannot
 * be made. conf_path may be NULL.
 */
const struct se_config *tsofthsm_get(const char **ret_conf_path);
/* The token's folder (for a test that writes a second PIN file there). */
const char *tsofthsm_dir(void);

#endif
