/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * svcportd's configuration reload (SIGHUP, `systemctl reload svcportd`).
 *
 * A reload reads the configuration again exactly as the start did (the same
 * command line, so --config FILE or the default file, and the command line
 * still wins) and applies it whole or not at all:
 *  - reloadable: verbose, ble-security (for connections accepted after the
 *    reload);
 *  - restart-only: everything else. The links, the capture and the bmcd
 *    socket were opened before the privilege drop (a tty: or the capture may
 *    need root, a ble: link its adapter set up), the user is already dropped
 *    to, and the session table is sized at start. A reload that changes one
 *    of them is refused, naming the option.
 * A refused reload keeps the running configuration, untouched.
 */
#ifndef SVCPORT_GW_RELOAD_H
#define SVCPORT_GW_RELOAD_H

#include <stddef.h>

#include "config.h"

/*
 * Parses the configuration again into *ret_next and checks it against the
 * running one (cur). 0: *ret_next may replace cur. -EINVAL: refused, why
 * (why_cap bytes) says why on one line; *ret_next is then unspecified.
 */
int gw_config_reload(const struct gw_config *cur, int argc, char **argv, struct gw_config *ret_next,
                     char *why, size_t why_cap) __attribute__((warn_unused_result));

#endif
