// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The console's accounts (docs/bmc.md "Console accounts and policies"): one
 * Administrator+ (the default user, admin_password_* of the state), and up to
 * 8 Administrators and read-only accounts the Administrator+ adds. Every
 * password is set by its owner at first login.
 */
#include <string.h>

#include "console-cmd.h"

#define ROLE(x) svcport_v1_ConsoleRole_CONSOLE_##x

static const char *role_name(svcport_v1_ConsoleRole r)
{
	return r == ROLE(ADMINISTRATOR_PLUS) ? "administrator+"
	       : r == ROLE(ADMINISTRATOR)    ? "administrator"
	       : r == ROLE(READ_ONLY)        ? "read-only"
	                                     : "none";
}

/* 1..32 of [a-z0-9._-], starting with a letter: no look-alike, no shell trouble. */
static bool is_valid_name(const char *n)
{
	size_t len = strlen(n);

	if (len == 0 || len >= sizeof(((svcport_v1_ConsoleAccount *)0)->name) || n[0] < 'a' ||
	    n[0] > 'z')
		return false;
	return strspn(n, "abcdefghijklmnopqrstuvwxyz0123456789._-") == len;
}

/* True if pw is the account's current password (constant time: PBKDF2, then a
 * constant-time compare). The default user's is its own, or the label's while
 * none is set (the one-time password of an emergency reset is its own). */
static bool is_current_password(const svcport_v1_BmcState *st, const svcport_v1_ConsoleAccount *a,
                                const char *pw)
{
	if (a)
		return console_is_hash_of(a->password_salt.bytes, a->password_salt.size,
		                          a->password_hash.bytes, a->password_hash.size, pw);
	if (st->admin_password_hash.size == 0)
		return console_is_label_password(st, pw);
	return console_is_hash_of(st->admin_password_salt.bytes, st->admin_password_salt.size,
	                          st->admin_password_hash.bytes, st->admin_password_hash.size, pw);
}

/* Changes the logged-in account's own password: never to itself (a password
 * that must change stays changed), nor the default user's to the label's. */
CONSOLE_HANDLER(console_password_set)
{
	const char *pw = req->cmd.password_set.new_password;
	svcport_v1_ConsoleAccount *a = step->account >= 0 ? &next->accounts[step->account] : NULL;

	if (strlen(pw) < CONSOLE_PASSWORD_MIN)
		return console_fail(r, AE(INVALID_STATE), "new password: at least 8 characters");
	if (is_current_password(next, a, pw))
		return console_fail(r, AE(INVALID_STATE),
		                    "new password: the same as the current one; choose another");
	if (!a && console_is_label_password(next, pw))
		return console_fail(r, AE(INVALID_STATE), "new password: not the label's");
	if (a && console_hash_new(b, pw, a->password_salt.bytes, a->password_hash.bytes) == 0) {
		a->password_salt.size = 16;
		a->password_hash.size = 32;
		a->must_change = false;
	} else if (!a && console_hash_new(b, pw, next->admin_password_salt.bytes,
	                                  next->admin_password_hash.bytes) == 0) {
		next->admin_password_salt.size = 16;
		next->admin_password_hash.size = 32;
		next->admin_password_must_change = false;
	} else {
		return console_fail(r, AE(INTERNAL), "could not hash the password");
	}
	step->event = "admin-password-set";
	snprintf(step->detail, sizeof(step->detail), "user=%s", a ? a->name : CONSOLE_DEFAULT_USER);
	return AE(OK);
}

CONSOLE_HANDLER(console_account_add)
{
	const svcport_admin_v1_AccountAdd *in = &req->cmd.account_add;
	svcport_v1_ConsoleAccount *a;

	if (!is_valid_name(in->name))
		return console_fail(
		    r, AE(BAD_REQUEST),
		    "account name: 1 to 32 of a-z 0-9 . _ -, starting with a letter");
	/* An account made while a reset is open would outlive the confirmation
	 * (re-attack A): the Administrator+ activates first. */
	if (console_is_reset_open(next))
		return console_fail(
		    r, AE(INVALID_STATE),
		    "the BMC was reset and the Administrator+ has not confirmed it: "
		    "activate (with the UEFI password) before adding accounts");
	if (in->role == ROLE(ADMINISTRATOR_PLUS))
		return console_fail(r, AE(INVALID_STATE),
		                    "there is exactly one Administrator+: the default user");
	if (in->role != ROLE(ADMINISTRATOR) && in->role != ROLE(READ_ONLY))
		return console_fail(r, AE(BAD_REQUEST), "role: administrator or read-only");
	if (console_account_find(next, in->name) != CONSOLE_ACCOUNT_NONE)
		return console_fail(r, AE(INVALID_STATE), "an account of that name exists");
	if (next->accounts_count == sizeof(next->accounts) / sizeof(next->accounts[0]))
		return console_fail(r, AE(INVALID_STATE), "at most 8 accounts besides the default");
	if (strlen(in->password) < CONSOLE_PASSWORD_MIN)
		return console_fail(r, AE(INVALID_STATE),
		                    "initial password: at least 8 characters");
	a = &next->accounts[next->accounts_count];
	*a = (svcport_v1_ConsoleAccount)svcport_v1_ConsoleAccount_init_zero;
	if (console_hash_new(b, in->password, a->password_salt.bytes, a->password_hash.bytes) < 0)
		return console_fail(r, AE(INTERNAL), "could not hash the password");
	snprintf(a->name, sizeof(a->name), "%s", in->name);
	a->role = in->role;
	a->password_salt.size = 16;
	a->password_hash.size = 32;
	a->must_change = true;
	next->accounts_count++;
	step->event = "account-add";
	snprintf(step->detail, sizeof(step->detail), "user=%s role=%s", a->name,
	         role_name(a->role));
	return AE(OK);
}

CONSOLE_HANDLER(console_account_delete)
{
	int i = console_account_find(next, req->cmd.account_delete.name);

	if (i == CONSOLE_ACCOUNT_DEFAULT)
		return console_fail(r, AE(INVALID_STATE),
		                    "the default user (Administrator+) cannot be deleted");
	if (i == CONSOLE_ACCOUNT_NONE)
		return console_fail(r, AE(INVALID_STATE), "no such account");
	step->event = "account-delete";
	snprintf(step->detail, sizeof(step->detail), "user=%s role=%s", next->accounts[i].name,
	         role_name(next->accounts[i].role));
	memmove(&next->accounts[i], &next->accounts[i + 1],
	        (next->accounts_count - (pb_size_t)i - 1) * sizeof(next->accounts[0]));
	next->accounts_count--;
	next->accounts[next->accounts_count] =
	    (svcport_v1_ConsoleAccount)svcport_v1_ConsoleAccount_init_zero;
	return AE(OK);
}

CONSOLE_HANDLER(console_account_list)
{
	svcport_admin_v1_AccountsReply *out = &r->body.accounts;

	r->which_body = svcport_admin_v1_AdminReply_accounts_tag;
	snprintf(out->accounts[0].name, sizeof(out->accounts[0].name), CONSOLE_DEFAULT_USER);
	out->accounts[0].role = ROLE(ADMINISTRATOR_PLUS);
	out->accounts[0].must_change = next->admin_password_must_change;
	for (pb_size_t i = 0; i < next->accounts_count; i++) {
		svcport_admin_v1_AccountInfo *o = &out->accounts[i + 1];

		snprintf(o->name, sizeof(o->name), "%s", next->accounts[i].name);
		o->role = next->accounts[i].role;
		o->must_change = next->accounts[i].must_change;
	}
	out->accounts_count = next->accounts_count + 1;
	return AE(OK);
}

_Static_assert(sizeof(((svcport_admin_v1_AccountsReply *)0)->accounts) /
                       sizeof(((svcport_admin_v1_AccountsReply *)0)->accounts[0]) ==
                   sizeof(((svcport_v1_BmcState *)0)->accounts) /
                           sizeof(((svcport_v1_BmcState *)0)->accounts[0]) +
                       1,
               "the list holds every account and the default user");
