/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One console command (admin.proto) as its handler sees it. The dispatcher
 * (console.c) owns the password gate and the commit: a handler checks the
 * request, changes next (a copy of the state) and names the audit event;
 * it never commits and never writes a reply error by hand but through
 * console_fail(). The shape of OpenSSH's monitor: a table
 * {type, gate, handler}, anything unexpected is refused.
 */
#ifndef SVCPORT_CONSOLE_CMD_H
#define SVCPORT_CONSOLE_CMD_H

#include <stdbool.h>
#include <stdio.h>

#include "admin.pb.h"
#include "board.h"

#define AE(x) svcport_admin_v1_AdminError_ADMIN_##x

/* What a handler asks of the dispatcher once it returned ADMIN_OK. */
struct console_step {
	/* Audit event under which next is committed; NULL: nothing changes. */
	const char *event;
	char detail[96];
	/* Run after a successful commit (e.g. the SE pins new anchors). */
	int (*after_commit)(struct bmc *b);
	/* The SED AK changed: after the commit the backup component gets it. */
	bool sed_ak_changed;
};

/* Writes the refusal into r (no body) and returns e, for `return console_fail(...)`. */
static inline svcport_admin_v1_AdminError
console_fail(svcport_admin_v1_AdminReply *r, svcport_admin_v1_AdminError e, const char *msg)
{
	r->error = e;
	r->which_body = 0;
	snprintf(r->message, sizeof(r->message), "%s", msg);
	return e;
}

/* A handler's signature, for its definition and its declaration below. */
#define CONSOLE_HANDLER(name)                                                                      \
	svcport_admin_v1_AdminError name(struct bmc *b, const svcport_admin_v1_AdminRequest *req,  \
	                                 svcport_admin_v1_AdminReply *r,                           \
	                                 svcport_v1_BmcState *next, struct console_step *step)

typedef CONSOLE_HANDLER((*console_fn));

/* console-sed.c: the SED AK (enable, passphrase, backup, restore). */
CONSOLE_HANDLER(console_sed_enable);
CONSOLE_HANDLER(console_sed_passphrase);
CONSOLE_HANDLER(console_sed_backup);
CONSOLE_HANDLER(console_sed_restore);
CONSOLE_HANDLER(console_sed_generate);
CONSOLE_HANDLER(console_sed_component_restore);
/* After a commit that changed the AK: the backup component's copy; r notes a failure. */
void console_sed_after_commit(struct bmc *b, svcport_admin_v1_AdminReply *r);
/* console-cert.c: certificates and the trust store (DESIGN §6). */
CONSOLE_HANDLER(console_cert_export);
CONSOLE_HANDLER(console_cert_csr);
CONSOLE_HANDLER(console_cert_install);
CONSOLE_HANDLER(console_trust_update);

#endif
