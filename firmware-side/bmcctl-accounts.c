// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * svcport-bmcctl's issue-13 commands (bmcctl.h): accounts, the host firmware
 * (UEFI) setup password, the secure activation code. Secrets come from a file
 * or stdin (--new-password-file, --uefi-password-file), the environment, or an
 * argument (which every user sees in /proc: the last resort).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bmcctl.h"

#define T(x) svcport_admin_v1_AdminRequest_##x##_tag

const char *ctl_role_name(svcport_v1_ConsoleRole r)
{
	return r == svcport_v1_ConsoleRole_CONSOLE_ADMINISTRATOR_PLUS ? "administrator+"
	       : r == svcport_v1_ConsoleRole_CONSOLE_ADMINISTRATOR    ? "administrator"
	       : r == svcport_v1_ConsoleRole_CONSOLE_READ_ONLY        ? "read-only"
	                                                              : "none";
}

int ctl_build_account_add(struct ctl *c, int argc, char **argv)
{
	svcport_admin_v1_AccountAdd *a = &c->req.cmd.account_add;

	c->req.which_cmd = T(account_add);
	if (strcmp(argv[1], "administrator") == 0)
		a->role = svcport_v1_ConsoleRole_CONSOLE_ADMINISTRATOR;
	else if (strcmp(argv[1], "read-only") == 0)
		a->role = svcport_v1_ConsoleRole_CONSOLE_READ_ONLY;
	else
		return ctl_die("account add: ROLE is administrator or read-only, not %s (there is "
		               "one Administrator+: the default user)",
		               argv[1]);
	if (ctl_copy_str(a->name, sizeof(a->name), argv[0], "account name"))
		return 1;
	return ctl_secret(c->new_password_file, argc == 3 ? argv[2] : NULL,
	                  "SVCPORT_NEW_ACCOUNT_PASSWORD", "initial password", a->password,
	                  sizeof(a->password));
}

int ctl_build_account_delete(struct ctl *c, int argc, char **argv)
{
	c->req.which_cmd = T(account_delete);
	return ctl_copy_str(c->req.cmd.account_delete.name, sizeof(c->req.cmd.account_delete.name),
	                    argv[0], "account name");
}

int ctl_run_account_list(struct ctl *c, int argc, char **argv)
{
	const svcport_admin_v1_AccountsReply *a = &c->rep.body.accounts;

	c->req.which_cmd = T(account_list);
	if (ctl_transact(c, &c->req, &c->rep) != 0)
		return 1;
	if (c->json)
		printf("{\"ok\":true,\"accounts\":[");
	for (pb_size_t i = 0; i < a->accounts_count; i++) {
		const svcport_admin_v1_AccountInfo *o = &a->accounts[i];

		if (c->json)
			printf("%s{\"name\":\"%s\",\"role\":\"%s\",\"must_change\":%s}",
			       i ? "," : "", o->name, ctl_role_name(o->role),
			       o->must_change ? "true" : "false");
		else
			printf("%-32s %-15s%s\n", o->name, ctl_role_name(o->role),
			       o->must_change ? " (password must change)" : "");
	}
	if (c->json)
		printf("]}\n");
	return 0;
}

/* The current UEFI password, where one is needed: --uefi-password-file or
 * $SVCPORT_UEFI_PASSWORD (neither: none sent). */
int ctl_current_uefi(const struct ctl *c, char *dst, size_t cap)
{
	const char *cur = getenv("SVCPORT_UEFI_PASSWORD");

	if (c->uefi_password_file)
		return ctl_read_secret(c->uefi_password_file, "UEFI password", dst, cap);
	return cur ? ctl_copy_str(dst, cap, cur, "UEFI password") : 0;
}

int ctl_build_uefi_set(struct ctl *c, int argc, char **argv)
{
	svcport_admin_v1_UefiPasswordSet *u = &c->req.cmd.uefi_password_set;

	c->req.which_cmd = T(uefi_password_set);
	if (ctl_secret(c->new_password_file, argc == 1 ? argv[0] : NULL,
	               "SVCPORT_NEW_UEFI_PASSWORD", "new UEFI password", u->new_password,
	               sizeof(u->new_password)))
		return 1;
	return ctl_current_uefi(c, u->current, sizeof(u->current));
}

int ctl_build_uefi_clear(struct ctl *c, int argc, char **argv)
{
	c->req.which_cmd = T(uefi_password_clear);
	return ctl_current_uefi(c, c->req.cmd.uefi_password_clear.current,
	                        sizeof(c->req.cmd.uefi_password_clear.current));
}

int ctl_build_uefi_verify(struct ctl *c, int argc, char **argv)
{
	c->req.which_cmd = T(uefi_password_verify);
	return ctl_secret(c->uefi_password_file, argc == 1 ? argv[0] : NULL,
	                  "SVCPORT_UEFI_PASSWORD", "UEFI password",
	                  c->req.cmd.uefi_password_verify.password,
	                  sizeof(c->req.cmd.uefi_password_verify.password));
}

/* After a reset the console's activate needs the UEFI password (when one is set). */
int ctl_build_activate(struct ctl *c, int argc, char **argv)
{
	c->req.which_cmd = T(activate);
	return ctl_current_uefi(c, c->req.cmd.activate.uefi_password,
	                        sizeof(c->req.cmd.activate.uefi_password));
}

int ctl_build_factory_reset(struct ctl *c, int argc, char **argv)
{
	if (argc != 1 || strcmp(argv[0], "--yes") != 0)
		return ctl_die("factory-reset returns the administrator password to the label's, "
		               "removes the other accounts and clears the SED AK (policy "
		               "factory-reset-clears-sed-ak). Run it again with --yes");
	c->req.which_cmd = T(factory_reset);
	return ctl_current_uefi(c, c->req.cmd.factory_reset.uefi_password,
	                        sizeof(c->req.cmd.factory_reset.uefi_password));
}

int ctl_run_activation_code(struct ctl *c, int argc, char **argv)
{
	c->req.which_cmd = T(activation_code_get);
	if (ctl_transact(c, &c->req, &c->rep) != 0)
		return 1;
	if (c->json)
		printf("{\"ok\":true,\"activation_code\":\"%s\"}\n",
		       c->rep.body.activation_code.code);
	else
		printf("secure activation code: %s\n", c->rep.body.activation_code.code);
	return 0;
}
