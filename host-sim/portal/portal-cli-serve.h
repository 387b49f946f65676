/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The service's subcommands of `svcport-sim portal` (portal-cli-serve.c). */
#ifndef SVCPORT_SIM_PORTAL_CLI_SERVE_H
#define SVCPORT_SIM_PORTAL_CLI_SERVE_H

#include <stdbool.h>

#include "cli-args.h"

struct portal;

#define PORTAL_CLI_SERVE_OPTS                                                                      \
	"listen= names= web-root= phone-root= ready-fd= handshake-ms= io-timeout= password-file= " \
	"chain= off issuer= audience= key= "

#define PORTAL_CLI_SERVE_USAGE                                                                     \
	"  serve [--listen ADDR[:PORT]] [--names DNS,IP,...] [--web-root DIR]\n"                   \
	"        [--phone-root DIR] [--ready-fd N]   the HTTPS service (docs/portal-api.md)\n"     \
	"  https ensure|regen-server|regen-ca [--names ...] | csr --out F | install --chain F\n"   \
	"        | download --out F                  the service's certificates\n"                 \
	"  user list --org O | csv --org O --csv F | passwd U --password-file F\n"                 \
	"       | role U --role R | remove U | admin U [--off]\n"                                  \
	"  idp set --org O --issuer I --audience A --key PEM   federation (ES256 JWTs)\n"          \
	"  audit [--org O]                           the append-only audit\n"

/* Prints a refusal (its error name and why) and returns CLI_EXIT_REFUSED. */
int portal_cli_refused(struct portal *p, int err);

/* Runs cmd if it is one of the service's; false if not (the caller goes on). */
bool cli_portal_service(struct portal *p, const struct cli_args *a, int *ret_rc);

#endif
