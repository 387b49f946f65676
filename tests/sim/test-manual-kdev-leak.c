// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Attack pass on issue 16 part 1 (/work/notes/attack16a.md, H1): a maintenance user, whose
 * role may not activate (DESIGN §4.3), records the key hash of a board of her own as the
 * server's "replacement board" and runs the key update to it. The portal seals the
 * server's K_dev to that key; she reads it out of her board's secure element (the file
 * back-end, which she controls) and forges the response to the real server's challenge.
 * The promise: "the response must be unforgeable without the portal". This test FAILS
 * while the forged response activates the real server.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "manual-code.h"
#include "se.h"
#include "sealed.h"
#include "serve-fixture.h"
#include "state.h"
#include "test-spawn.h"

#define MT "7D1X"
#define SN "S0001"
#define PW "Adm1n-Secret"

static uint64_t now_ms(void *u)
{
	(void)u;
	return (uint64_t)time(NULL) * 1000u;
}

static int rng(void *u, unsigned char *b, size_t n)
{
	(void)u;
	return getrandom(b, n, 0) == (ssize_t)n ? 0 : -1;
}

/* K_dev as the maintenance user reads it from the secure element of her own board. */
static void kdev_of_board(const char *state_dir, uint8_t key[MANUAL_KEY_LEN])
{
	static svcport_v1_BmcState st;
	const struct bmc_env env = {.now_ms = now_ms, .rng = rng};
	struct se *se = NULL;

	assert_int_equal(se_open(state_dir, &env, &se), 0);
	assert_int_equal(bmc_state_load(state_dir, se, &st), 0);
	assert_int_equal(sealed_manual_key_get(se, &st, key), 0);
	se_close(se);
}

static void maintenance_user_forges_activation(void **state)
{
	char hash[80], body[160], atk_state[330], chal[MANUAL_TEXT_MAX];
	char forged[MANUAL_TEXT_MAX], mona[300];
	uint8_t key[MANUAL_KEY_LEN];
	struct manual_challenge c;
	size_t group = 0;
	const struct manual_binding bind = {.action = svcport_v1_Action_ACTION_ACTIVATE,
	                                    .owner_org = "acme",
	                                    .machine_type = MT,
	                                    .serial_number = SN};

	(void)state;
	/* The real server, portal-managed, claimed by acme, LOCKED. */
	sim_server_claimed(PW);

	/* Mona's own "board": nothing from the operator, the public root and a password. */
	assert_int_equal(SPAWN_RUN(NULL, console_out, "mkdir", (char *)path_in("atkfac")), 0);
	assert_int_equal(SPAWN_RUN(NULL, console_out, "cp",
	                           (char *)path_in("factory/trust-anchors.pem"),
	                           (char *)path_in("atkfac/")),
	                 0);
	file_put("atkfac/admin-password", "ATTK-ATTK-ATTK-ATTK\n", 20);
	assert_int_equal(sim_server_up("atk", path_in("atkfac"), NULL), 0);
	first_line(path_in("atkfac/board-key.sha256"), hash, sizeof(hash));
	/* As maintenance she records it as the server's new board, and runs the key update. */
	snprintf(body, sizeof(body), "{\"new_key_sha256\":\"%s\"}", hash);
	assert_int_equal(api("POST", "/api/v1/devices/" MT "/" SN "/key-update", login("mona", 0),
	                     NULL, body, NULL),
	                 200);
	file_put("pw-mona", "mona-password-1\n", 16);
	snprintf(mona, sizeof(mona), "unix:%s/atk/usb.sock", dir);
	assert_int_equal(SPAWN_RUN(NULL, console_out, (char *)sim, "--quiet", "app", "--link", mona,
	                           "--portal-url", url, "--cacert", ca, "--user", "mona",
	                           "--password-file", (char *)path_in("pw-mona"), "key-update"),
	                 0);
	snprintf(atk_state, sizeof(atk_state), "%s/atk", dir);
	SPAWN_RUN(NULL, console_out, (char *)sim, "--quiet", "server", "down", "--dir", atk_state);
	snprintf(atk_state, sizeof(atk_state), "%s/atk/state", dir);
	kdev_of_board(atk_state, key);

	/* The forged response to the real server's challenge must not activate it. */
	assert_int_equal(bmcctl(PW, "activation", "challenge", NULL), 0);
	snprintf(chal, sizeof(chal), "%s", console_field("challenge"));
	assert_int_equal(manual_challenge_decode(chal, &c, &group), 0);
	assert_int_equal(manual_response_make(key, &bind, &c, forged, sizeof(forged)), 0);
	bmcctl(PW, "activation", "respond", forged, NULL);
	assert_int_equal(bmcctl(NULL, "status", NULL), 0);
	assert_string_equal(console_field("lockdown_state"), "LOCKED");
}

static int teardown(void **state)
{
	SPAWN_RUN(NULL, console_out, (char *)sim, "--quiet", "server", "down", "--dir",
	          (char *)path_in("atk"));
	SPAWN_RUN(NULL, console_out, (char *)sim, "--quiet", "server", "down", "--dir",
	          (char *)path_in("srv"));
	return serve_teardown(state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(maintenance_user_forges_activation),
	};
	return cmocka_run_group_tests(tests, serve_setup, teardown);
}
