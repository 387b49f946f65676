/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bmcd's presence source (DESIGN §4.4): the core's bmc_presence wired to the
 * board's hardware inputs (hw/hwin.h), as the command line chose them.
 */
#ifndef SVCPORT_BMC_PRESENCE_H
#define SVCPORT_BMC_PRESENCE_H

#include <stddef.h>

#include "bmc.h"
#include "hwin.h"
#include "hwwatch.h" /* bmcd polls the event inputs beside presence */

struct presence_config {
	const char *usb_udc;  /* a UDC name (/sys/class/udc/NAME/state) or a state file's path */
	const char *usb_port; /* host mode: the port's sysfs device path */
	const char *hw_sim;   /* the simulator's hardware folder (excludes the two above) */
	const char *intrusion_alarm; /* the cover's latch: a hwmon intrusionN_alarm (sysfs) */
};

/*
 * Opens the inputs and fills ret_p (its user_data is *ret_hw, which the
 * caller closes with hwin_close after the core). Nothing configured: presence
 * is never confirmed. 0 or -errno; desc (a line for the log) says what.
 */
int presence_open(const struct presence_config *cfg, struct hwin **ret_hw,
                  struct bmc_presence *ret_p, char *desc, size_t desc_len)
    __attribute__((warn_unused_result));

/*
 * The board's automatic SED AK backup component (core/bmc.h, se/sedcomp.h): in
 * the simulator the folder sed-component/ of its hardware folder, which the
 * virtual server moves to a new board (docs/simulator.md); NULL elsewhere (no
 * component wired in this build: reported absent). A static buffer.
 */
const char *presence_sed_component(const struct presence_config *cfg);
/* The simulator's component chip (its key's store): HW/sed-component-key; NULL without. */
const char *presence_sed_component_key(const struct presence_config *cfg);

#endif
