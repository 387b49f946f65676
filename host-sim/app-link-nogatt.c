// SPDX-License-Identifier: GPL-2.0-or-later
/* Built only while gateway/gatt-client.h is absent: GATT links say so clearly. */
#include <errno.h>

#include "app-link.h"

int app_link_gatt_open(struct app_link *l, int fd, const struct app_link_opts *opts)
{
	(void)l;
	(void)fd;
	(void)opts;
	return -EOPNOTSUPP;
}
