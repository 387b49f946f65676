// SPDX-License-Identifier: GPL-2.0-or-later
/* reload.h: what a SIGHUP may change, checked before anything changes. */
#include "reload.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* The first restart-only option next changes, or NULL. */
static const char *restart_only_change(const struct gw_config *cur, const struct gw_config *next)
{
	struct gw_config same;

	if (cur->n_links != next->n_links || memcmp(cur->links, next->links, sizeof(cur->links)))
		return "link";
	if (strcmp(cur->bmc_socket, next->bmc_socket))
		return "bmc-socket";
	if (strcmp(cur->capture, next->capture))
		return "capture";
	if (strcmp(cur->user, next->user))
		return "user";
	if (strcmp(cur->ble_name, next->ble_name))
		return "ble-name";
	if (memcmp(&cur->limits, &next->limits, sizeof(cur->limits)))
		return "a session limit (max-sessions, max-message, rate, burst or a timeout)";
	if (cur->use_syslog != next->use_syslog)
		return "syslog";
	/* Options added later are restart-only until listed in reload.h: compare
	 * the rest whole (both structs were zeroed by gw_config_default). */
	same = *next;
	same.verbose = cur->verbose;
	same.ble_security = cur->ble_security;
	if (memcmp(&same, cur, sizeof(same)))
		return "an option that needs a restart";
	return NULL;
}

int gw_config_reload(const struct gw_config *cur, int argc, char **argv, struct gw_config *ret_next,
                     char *why, size_t why_cap)
{
	const char *what;
	FILE *err;
	int r;

	snprintf(why, why_cap, "unreadable configuration");
	err = fmemopen(why, why_cap, "w");
	if (!err)
		return -EINVAL;
	gw_config_default(ret_next);
	r = gw_config_parse(ret_next, argc, argv, err, err);
	fclose(err);
	if (r != 0) {
		why[strcspn(why, "\n")] = '\0';
		return -EINVAL;
	}
	what = restart_only_change(cur, ret_next);
	if (what) {
		snprintf(why, why_cap, "%s changed: restart svcportd to apply it", what);
		return -EINVAL;
	}
	return 0;
}
