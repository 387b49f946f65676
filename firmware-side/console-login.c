// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The console's login (console-cmd.h): which account asks, whether its
 * password is right, and whether its level may run the command. Passwords are
 * PBKDF2-HMAC-SHA256 (pwhash.h) with a 16-byte random salt, compared in
 * constant time; wrong ones back off (admin_rl).
 */
#include <string.h>

#include <mbedtls/platform_util.h>

#include "backoff.h"
#include "console-cmd.h"
#include "pwhash.h"

#define ROLE(x) svcport_v1_ConsoleRole_CONSOLE_##x

bool console_is_hash_of(const unsigned char *salt, size_t salt_len, const unsigned char *hash,
                        size_t hash_len, const char *pw)
{
	unsigned char h[32];
	bool ok;

	if (hash_len != sizeof(h) || salt_len == 0 || bmc_pbkdf2(pw, salt, salt_len, h, 32) < 0)
		return false;
	ok = bmc_is_mem_equal(h, hash, sizeof(h));
	mbedtls_platform_zeroize(h, sizeof(h));
	return ok;
}

int console_hash_new(struct bmc *b, const char *pw, unsigned char salt[16], unsigned char hash[32])
{
	if (b->env.rng(b->env.user_data, salt, 16) != 0 || bmc_pbkdf2(pw, salt, 16, hash, 32) < 0)
		return -EIO;
	return 0;
}

bool console_is_label_password(const svcport_v1_BmcState *st, const char *pw)
{
	return console_is_hash_of(st->factory_password_salt.bytes, st->factory_password_salt.size,
	                          st->factory_password_hash.bytes, st->factory_password_hash.size,
	                          pw);
}

int console_account_find(const svcport_v1_BmcState *st, const char *user)
{
	if (user[0] == 0 || strcmp(user, CONSOLE_DEFAULT_USER) == 0)
		return CONSOLE_ACCOUNT_DEFAULT;
	for (pb_size_t i = 0; i < st->accounts_count; i++)
		if (strcmp(st->accounts[i].name, user) == 0)
			return (int)i;
	return CONSOLE_ACCOUNT_NONE;
}

/* The default user's password: its own, or while none is set the label's. */
static bool is_password_ok(const svcport_v1_BmcState *st, int who, const char *pw)
{
	const svcport_v1_ConsoleAccount *a;

	if (who == CONSOLE_ACCOUNT_NONE) {
		/* The same work as a known user: the answer's time tells nothing. */
		(void)console_is_label_password(st, pw);
		return false;
	}
	if (who == CONSOLE_ACCOUNT_DEFAULT && st->admin_password_hash.size == 0)
		return console_is_label_password(st, pw);
	if (who == CONSOLE_ACCOUNT_DEFAULT)
		return console_is_hash_of(
		    st->admin_password_salt.bytes, st->admin_password_salt.size,
		    st->admin_password_hash.bytes, st->admin_password_hash.size, pw);
	a = &st->accounts[who];
	return console_is_hash_of(a->password_salt.bytes, a->password_salt.size,
	                          a->password_hash.bytes, a->password_hash.size, pw);
}

static bool is_allowed(enum console_gate gate, svcport_v1_ConsoleRole role)
{
	switch (gate) {
	case GATE_NONE:
	case GATE_READ:
	case GATE_LOGIN_FIRST:
	case GATE_OPTIONAL:
		return true;
	case GATE_LOGIN:
		return role == ROLE(ADMINISTRATOR) || role == ROLE(ADMINISTRATOR_PLUS);
	case GATE_ADMIN_PLUS:
		return role == ROLE(ADMINISTRATOR_PLUS);
	}
	return false;
}

svcport_admin_v1_AdminError console_login(struct bmc *b, const svcport_admin_v1_AdminRequest *req,
                                          svcport_admin_v1_AdminReply *r, enum console_gate gate,
                                          struct console_step *step)
{
	int who = console_account_find(&b->st, req->user);
	/* One back-off per account (unknown names share one): a correct login of one
	 * account never clears another's wrong guesses (attack pass on issue 13, M1). */
	const struct rl_key console = {.session = (uint32_t)(who - CONSOLE_ACCOUNT_NONE + 1)};
	uint64_t now = b->env.now_ms(b->env.user_data);
	uint32_t wait = ratelimit_check(&b->admin_rl, &console, now);
	svcport_v1_ConsoleRole role;
	bool must_change;

	step->role = ROLE(ROLE_UNSPECIFIED);
	step->account = CONSOLE_ACCOUNT_NONE;
	if (gate == GATE_NONE || (gate == GATE_OPTIONAL && !req->user[0] && !req->password[0]))
		return AE(OK);
	if (wait) {
		r->retry_after_ms = wait;
		return console_fail(r, AE(RATE_LIMITED), "too many wrong passwords; retry later");
	}
	if (!is_password_ok(&b->st, who, req->password)) {
		ratelimit_fail(&b->admin_rl, &console, now);
		/* Stored at once: a restart must not give the guesser his free tries again. */
		bmc_backoff_store(b);
		return console_fail(r, AE(AUTH_FAILED), "wrong user or password");
	}
	ratelimit_success(&b->admin_rl, &console);
	bmc_backoff_store(b);
	if (who == CONSOLE_ACCOUNT_DEFAULT) {
		role = ROLE(ADMINISTRATOR_PLUS);
		must_change = b->st.admin_password_must_change;
	} else {
		role = b->st.accounts[who].role;
		must_change = b->st.accounts[who].must_change;
	}
	if (must_change && gate != GATE_LOGIN_FIRST && gate != GATE_OPTIONAL)
		return console_fail(r, AE(PASSWORD_MUST_CHANGE),
		                    "this password must be changed first: run `password set`");
	if (!is_allowed(gate, role))
		return console_fail(r, AE(ROLE_FORBIDDEN),
		                    gate == GATE_ADMIN_PLUS
		                        ? "only the Administrator+ (the default user) may do this"
		                        : "an Administrator or the Administrator+ may do this");
	step->role = role;
	step->account = who;
	return AE(OK);
}
