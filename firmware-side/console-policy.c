// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The console's policies, the host firmware (UEFI) setup password and the
 * factory reset (docs/bmc.md "Console accounts and policies"). A policy that
 * weakens protection needs the Administrator+; a factory reset needs the UEFI
 * password when one is set, never lifts a lock and clears the SED AK unless a
 * policy keeps it.
 */
#include <string.h>

#include "console-cmd.h"
#include "sealed.h"

/* Back-off of wrong UEFI passwords: its own key and ceiling (not the login's). */
static const struct rl_key uefi_key = {.session = 1, .ceiling = 1};

/* A policy: its name, where it lives, and the value that weakens protection. */
struct policy {
	const char *name;
	bool *(*field)(svcport_v1_BmcState *st);
	bool inverted; /* the state holds the opposite (zero = the protective default) */
	bool weak;     /* the console value that weakens */
};

static bool *f_reset_ak(svcport_v1_BmcState *st)
{
	return &st->emergency_reset_clears_sed_ak;
}
static bool *f_ble(svcport_v1_BmcState *st)
{
	return &st->ble_presence_allowed;
}
static bool *f_revert(svcport_v1_BmcState *st)
{
	return &st->handset_revert_resets_password;
}
static bool *f_factory_ak(svcport_v1_BmcState *st)
{
	return &st->factory_reset_keeps_sed_ak;
}
static bool *f_keylock(svcport_v1_BmcState *st)
{
	return &st->keylock_enabled;
}

static const struct policy policies[] = {
    /* A password reset by the handset or the app (emergency reset) clears the AK. */
    {"password-reset-clears-sed-ak", f_reset_ak, false, false},
    {"emergency-reset-clears-sed-ak", f_reset_ak, false, false}, /* the older name */
    {"ble-presence", f_ble, false, true},
    {"handset-revert-resets-password", f_revert, false, true},
    {"factory-reset-clears-sed-ak", f_factory_ak, true, false},
    /* Anti-tampering keylock: intrusion counts only while the chassis lock is engaged. */
    {"keylock", f_keylock, false, true},
};

CONSOLE_HANDLER(console_policy_set)
{
	const svcport_admin_v1_PolicySet *p = &req->cmd.policy_set;
	const struct policy *pol = NULL;

	for (size_t i = 0; i < sizeof(policies) / sizeof(policies[0]); i++)
		if (strcmp(p->name, policies[i].name) == 0)
			pol = &policies[i];
	if (!pol)
		return console_fail(r, AE(BAD_REQUEST),
		                    "unknown policy (password-reset-clears-sed-ak, ble-presence, "
		                    "handset-revert-resets-password, factory-reset-clears-sed-ak, "
		                    "keylock)");
	if (p->value == pol->weak && !console_is_admin_plus(step))
		return console_fail(r, AE(ROLE_FORBIDDEN),
		                    "this value weakens protection: Administrator+ only");
	if (p->value == pol->weak && console_is_reset_open(next))
		return console_fail(r, AE(INVALID_STATE), CONSOLE_RESET_OPEN_WEAKER);
	*pol->field(next) = pol->inverted ? !p->value : p->value;
	step->event = "policy-set";
	snprintf(step->detail, sizeof(step->detail), "%s=%s", p->name, p->value ? "true" : "false");
	return AE(OK);
}

svcport_admin_v1_AdminError console_uefi_check(struct bmc *b, const svcport_v1_BmcState *st,
                                               const char *pw, svcport_admin_v1_AdminReply *r)
{
	const uint64_t now = b->env.now_ms(b->env.user_data);
	const uint32_t wait = ratelimit_check(&b->admin_rl, &uefi_key, now);

	if (wait) {
		r->retry_after_ms = wait;
		return console_fail(r, AE(RATE_LIMITED),
		                    "too many wrong UEFI passwords; retry later");
	}
	if (!console_is_hash_of(st->uefi_password_salt.bytes, st->uefi_password_salt.size,
	                        st->uefi_password_hash.bytes, st->uefi_password_hash.size, pw)) {
		/* Stored by the dispatcher after the handler (bmc_admin_handle). */
		ratelimit_fail(&b->admin_rl, &uefi_key, now);
		return console_fail(r, AE(UEFI_AUTH_FAILED), "wrong UEFI setup password");
	}
	ratelimit_success(&b->admin_rl, &uefi_key);
	return AE(OK);
}

bool console_has_uefi(const svcport_v1_BmcState *st)
{
	return st->uefi_password_hash.size != 0;
}

bool console_is_reset_open(const svcport_v1_BmcState *st)
{
	return st->reset_since_activation || st->reset_unconfirmed;
}

svcport_admin_v1_AdminError console_reset_uefi_gate(struct bmc *b, const svcport_v1_BmcState *st,
                                                    const char *pw, const char *what,
                                                    svcport_admin_v1_AdminReply *r)
{
	if (!console_is_reset_open(st) || !console_has_uefi(st))
		return AE(OK);
	if (!pw[0]) {
		console_fail(r, AE(UEFI_AUTH_FAILED), "");
		snprintf(
		    r->message, sizeof(r->message),
		    st->reset_since_activation
		        ? "the BMC was reset since the last activation: %s needs the UEFI setup "
		          "password"
		        : "the BMC was reset and the Administrator+ has not confirmed it since "
		          "(activate with the UEFI password): %s needs the UEFI setup password",
		    what);
		return r->error;
	}
	return console_uefi_check(b, st, pw, r);
}

CONSOLE_HANDLER(console_uefi_set)
{
	const svcport_admin_v1_UefiPasswordSet *in = &req->cmd.uefi_password_set;

	if (strlen(in->new_password) < CONSOLE_PASSWORD_MIN)
		return console_fail(r, AE(INVALID_STATE), "UEFI password: at least 8 characters");
	/* A first UEFI password chosen in a reset's window would outlive the
	 * confirmation and lock the owner out of activate, factory reset and clear
	 * (re-attack 13c, M1). Replacing one needs it, below. */
	if (!console_has_uefi(next) && console_is_reset_open(next))
		return console_fail(
		    r, AE(INVALID_STATE),
		    "the BMC was reset and the Administrator+ has not confirmed it: "
		    "activate before setting a UEFI password");
	/* Replacing one needs it: an Administrator+ session alone does not. */
	if (console_has_uefi(next) && console_uefi_check(b, next, in->current, r) != AE(OK))
		return r->error;
	if (console_hash_new(b, in->new_password, next->uefi_password_salt.bytes,
	                     next->uefi_password_hash.bytes) < 0)
		return console_fail(r, AE(INTERNAL), "could not hash the password");
	next->uefi_password_salt.size = 16;
	next->uefi_password_hash.size = 32;
	step->event = "uefi-password-set";
	return AE(OK);
}

CONSOLE_HANDLER(console_uefi_clear)
{
	if (!console_has_uefi(next))
		return console_fail(r, AE(INVALID_STATE), "no UEFI password is set");
	if (console_uefi_check(b, next, req->cmd.uefi_password_clear.current, r) != AE(OK))
		return r->error;
	next->uefi_password_salt.size = 0;
	next->uefi_password_hash.size = 0;
	step->event = "uefi-password-clear";
	return AE(OK);
}

/* What the host firmware's setup screen asks: no login, the back-off only. */
CONSOLE_HANDLER(console_uefi_verify)
{
	if (!console_has_uefi(next))
		return console_fail(r, AE(INVALID_STATE), "no UEFI password is set");
	return console_uefi_check(b, next, req->cmd.uefi_password_verify.password, r);
}

/*
 * The firmware-setup path: whoever reaches it is at the machine. Gated by the
 * UEFI password when one is set (the guide). Beyond the guide: it never
 * lifts a lock, and it clears the SED AK (and so locks) unless the policy
 * factory-reset-clears-sed-ak is false, so a thief who resets the BMC still
 * gets no data. It resets the Administrator+ password to the label's, removes
 * the other accounts, and returns the policies to their defaults (each the
 * protective value); sensors, SED, the UEFI password and the lock stay.
 */
CONSOLE_HANDLER(console_factory_reset)
{
	const bool clears = !next->factory_reset_keeps_sed_ak && next->sed_ak_present;
	const pb_size_t accounts = next->accounts_count;

	if (console_has_uefi(next) &&
	    console_uefi_check(b, next, req->cmd.factory_reset.uefi_password, r) != AE(OK))
		return r->error;
	if (clears) {
		sealed_sed_ak_clear(next);
		next->lockdown_state = svcport_v1_LockdownState_LOCKDOWN_LOCKED;
	}
	next->admin_password_salt.size = 0;
	next->admin_password_hash.size = 0;
	next->admin_password_must_change = true;
	next->reset_since_activation = true;
	next->reset_unconfirmed = true;
	bmc_settings_revert(next);
	snprintf(r->message, sizeof(r->message),
	         "the administrator password is the label's again%s; set a new one now",
	         clears ? "; the SED AK is cleared: restore it from a backup" : "");
	step->event = "factory-reset";
	snprintf(step->detail, sizeof(step->detail), "uefi=%s sed-ak=%s accounts-removed=%u",
	         console_has_uefi(next) ? "checked" : "none", clears ? "cleared" : "kept",
	         (unsigned)accounts);
	return AE(OK);
}
