// SPDX-License-Identifier: GPL-2.0-or-later
/* link.h: the scheme table. */
#include "link.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

static const struct link_ops *const link_table[] = {
    &link_tty_ops, &link_unix_ops,  &link_usb_ops,    &link_ble_sim_ops,
    &link_ble_ops, &link_https_ops, &link_portal_ops,
};

int link_open(const struct link_ctx *ctx, const char *spec, struct link **ret_link)
{
	const char *colon = strchr(spec, ':');
	if (!colon || colon == spec || !colon[1]) {
		log_msg(
		    LOG_ERR,
		    "link %s: expected scheme:argument (ble:hci0, ble-sim:PATH, "
		    "tty:PATH, unix:PATH, usb:VID:PID, https:ADDR:PORT, portal:https://IP:PORT)",
		    spec);
		return -EINVAL;
	}
	size_t n = (size_t)(colon - spec);
	for (size_t i = 0; i < sizeof(link_table) / sizeof(link_table[0]); i++) {
		const struct link_ops *ops = link_table[i];
		if (strlen(ops->scheme) == n && !strncmp(ops->scheme, spec, n))
			return ops->open(ctx, colon + 1, ret_link);
	}
	char known[96] = "";
	for (size_t i = 0; i < sizeof(link_table) / sizeof(link_table[0]); i++)
		snprintf(known + strlen(known), sizeof(known) - strlen(known), "%s%s",
		         i ? ", " : "", link_table[i]->scheme);
	log_msg(LOG_ERR, "link %s: unknown scheme (this svcportd has: %s)", spec, known);
	return -EINVAL;
}

void link_free(struct link *link)
{
	if (link)
		link->ops->free(link);
}
