// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The board's inputs from sysfs (hwin.h). The gadget port: the UDC's state
 * attribute (drivers/usb/gadget/udc/core.c: usb_state_string(), "configured"
 * once a host has set a configuration). The host-mode port: the device
 * directory of the port the service connector is wired to, present while a
 * device is attached. The cover's latch: a hwmon chassis-intrusion alarm.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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

/* A hwmon intrusionN_alarm (Documentation/hwmon/sysfs-interface.rst): "1" while
 * latched; writing "0" clears it. A latch that will not clear is a fault. */
static int sysfs_take_latch(struct hwin *hw, enum hwin_input in, int *keylock)
{
	*keylock = -ENODATA; /* the alarm has no keylock bit */
	const char *path = hw->latch[in];
	char state[64];
	int fd, ret;

	if (!path[0])
		return -ENODEV;
	ret = hwin_read_line(path, state, sizeof(state));
	if (ret < 0 || strcmp(state, "1") != 0)
		return ret < 0 ? ret : 0;
	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	ret = write(fd, "0", 1) == 1 ? 1 : -errno;
	close(fd);
	return ret;
}

static const struct hwin_backend sysfs_backend = {
    .read = sysfs_read, .take_latch = sysfs_take_latch, .simulated = false};

static int set_path(char *dst, const char *path)
{
	if (!path)
		return 0;
	if (snprintf(dst, PATH_MAX, "%s", path) >= PATH_MAX)
		return -ENAMETOOLONG;
	return 0;
}

int hwin_sysfs_open(const struct hwin_sysfs_config *cfg, struct hwin **ret_hw)
{
	struct hwin *hw = hwin_new(&sysfs_backend);
	int ret;

	if (!hw)
		return -ENOMEM;
	ret = set_path(hw->path[HWIN_USB_GADGET], cfg->udc_state);
	if (ret == 0)
		ret = set_path(hw->path[HWIN_USB_HOST], cfg->usb_port);
	for (int i = HWIN_CHASSIS_LOCK; ret == 0 && i < HWIN_INPUT_COUNT; i++)
		ret = set_path(hw->path[i], cfg->gpio[i]);
	for (int i = 0; ret == 0 && i < HWIN_INPUT_COUNT; i++)
		ret = set_path(hw->latch[i], cfg->latch[i]);
	if (ret < 0) {
		hwin_close(hw);
		return ret;
	}
	*ret_hw = hw;
	return 0;
}
