// SPDX-License-Identifier: GPL-2.0-or-later
/* bmcd's presence source (presence.h). */
#include "presence.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

/* A cable at the service port: the gadget configured by a host, or a device on it. */
static bool is_usb_present(void *user_data)
{
	struct hwin *hw = user_data;

	return hwin_read(hw, HWIN_USB_GADGET) == 1 || hwin_read(hw, HWIN_USB_HOST) == 1;
}

/* The keylock engaged; an input that cannot be read counts as engaged (fail closed). */
static bool is_chassis_locked(void *user_data)
{
	return hwin_read(user_data, HWIN_CHASSIS_LOCK) != 0;
}

int presence_open(const struct presence_config *cfg, struct hwin **ret_hw,
                  struct bmc_presence *ret_p, char *desc, size_t desc_len)
{
	char udc[PATH_MAX];
	struct hwin_sysfs_config sc = {.usb_port = cfg->usb_port};
	int ret;

	if (cfg->hw_sim) {
		ret = hwin_sim_open(cfg->hw_sim, ret_hw);
		snprintf(desc, desc_len, "presence: the simulator's hardware in %s", cfg->hw_sim);
	} else {
		if (cfg->usb_udc && strchr(cfg->usb_udc, '/'))
			sc.udc_state = cfg->usb_udc;
		else if (cfg->usb_udc && snprintf(udc, sizeof(udc), "/sys/class/udc/%s/state",
		                                  cfg->usb_udc) < (int)sizeof(udc))
			sc.udc_state = udc;
		sc.latch[HWIN_COVER] = cfg->intrusion_alarm;
		ret = hwin_sysfs_open(&sc, ret_hw);
		snprintf(
		    desc, desc_len, "presence: USB gadget %s, USB host port %s%s; cover latch %s",
		    sc.udc_state ? sc.udc_state : "-", sc.usb_port ? sc.usb_port : "-",
		    sc.udc_state || sc.usb_port ? "" : " (none: USB presence is never confirmed)",
		    cfg->intrusion_alarm ? cfg->intrusion_alarm : "-");
	}
	if (ret < 0)
		return ret;
	*ret_p = (struct bmc_presence){.is_usb_present = is_usb_present,
	                               .user_data = *ret_hw,
	                               .simulator = cfg->hw_sim != NULL,
	                               .is_chassis_locked = is_chassis_locked};
	return 0;
}

const char *presence_sed_component(const struct presence_config *cfg)
{
	static char path[PATH_MAX];

	if (!cfg->hw_sim ||
	    snprintf(path, sizeof(path), "%s/sed-component", cfg->hw_sim) >= (int)sizeof(path))
		return NULL;
	return path;
}

const char *presence_sed_component_key(const struct presence_config *cfg)
{
	static char path[PATH_MAX];

	if (!cfg->hw_sim ||
	    snprintf(path, sizeof(path), "%s/sed-component-key", cfg->hw_sim) >= (int)sizeof(path))
		return NULL;
	return path;
}
