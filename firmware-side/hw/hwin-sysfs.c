// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The board's inputs from sysfs (hwin.h). The gadget port: the UDC's state
 * attribute (drivers/usb/gadget/udc/core.c: usb_state_string(), "configured"
 * once a host has set a configuration). The host-mode port: the device
 * directory of the port the service connector is wired to, present while a
 * device is attached.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hwin-int.h"

static int sysfs_read(struct hwin *hw, enum hwin_input in)
{
	const char *path = hw->path[in];
	char state[64];
	int ret;

	if (!path[0])
		return -ENODEV;
	switch (in) {
	case HWIN_USB_GADGET:
		ret = hwin_read_line(path, state, sizeof(state));
		return ret < 0 ? ret : strcmp(state, "configured") == 0;
	case HWIN_USB_HOST:
		return hwin_is_dir(path);
	default:
		/* A GPIO's value attribute: "1" while the input is active. */
		ret = hwin_read_line(path, state, sizeof(state));
		return ret < 0 ? ret : strcmp(state, "1") == 0;
	}
}

static const struct hwin_backend sysfs_backend = {.read = sysfs_read, .simulated = false};

static int set_path(struct hwin *hw, enum hwin_input in, const char *path)
{
	if (!path)
		return 0;
	if (snprintf(hw->path[in], sizeof(hw->path[in]), "%s", path) >= (int)sizeof(hw->path[in]))
		return -ENAMETOOLONG;
	return 0;
}

int hwin_sysfs_open(const struct hwin_sysfs_config *cfg, struct hwin **ret_hw)
{
	struct hwin *hw = hwin_new(&sysfs_backend);
	int ret;

	if (!hw)
		return -ENOMEM;
	ret = set_path(hw, HWIN_USB_GADGET, cfg->udc_state);
	if (ret == 0)
		ret = set_path(hw, HWIN_USB_HOST, cfg->usb_port);
	for (int i = HWIN_CHASSIS_LOCK; ret == 0 && i < HWIN_INPUT_COUNT; i++)
		ret = set_path(hw, (enum hwin_input)i, cfg->gpio[i]);
	if (ret < 0) {
		hwin_close(hw);
		return ret;
	}
	*ret_hw = hw;
	return 0;
}
