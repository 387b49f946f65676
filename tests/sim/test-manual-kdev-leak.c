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

static char out[65536], srv[300], admin[320];

static int bmcctl(const char *pw, ...)
{
	char *argv[16] = {getenv("SVCPORT_BMCCTL"), "--admin-socket", admin, "--json"};
	size_t n = 4;
	va_list ap;

	if (pw) {
		argv[n++] = "--password";
		argv[n++] = (char *)pw;
	}
	va_start(ap, pw);
	while (n < 15 && (argv[n] = va_arg(ap, char *)))
		n++;
	va_end(ap);
	argv[n] = NULL;
	return spawn_run(NULL, out, sizeof(out), argv);
}

static const char *field(const char *key)
{
	static char v[128];
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\":\"", key);
	p = strstr(out, pat);
	v[0] = 0;
	if (p)
		sscanf(p + strlen(pat), "%127[^\"]", v);
	return v;
}

static void first_line(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	assert_non_null(fgets(buf, (int)cap, f));
	fclose(f);
	buf[strcspn(buf, "\r\n")] = 0;
}

static int server_up(const char *name, const char *factory)
{
	char d[300];

	snprintf(d, sizeof(d), "%s/%s", dir, name);
	return SPAWN_RUN(NULL, out, (char *)sim, "--quiet", "server", "up", "--dir", d, "--factory",
	                 (char *)factory, "--no-ble-sim", "--bin-dir", getenv("SVCPORT_BIN_DIR"));
}

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
	char label[64], hash[80], body[160], usb[330], atk_state[330], chal[MANUAL_TEXT_MAX];
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
	snprintf(srv, sizeof(srv), "%s/srv", dir);
	snprintf(admin, sizeof(admin), "%s/admin.sock", srv);
	snprintf(usb, sizeof(usb), "unix:%s/usb.sock", srv);
	assert_int_equal(server_up("srv", path_in("factory")), 0);
	json_decref(
	    portal_cli(0, "claim", "--org", "acme", "--mt", MT, "--sn", SN, "--code", code, NULL));
	file_put("pw-alice", "alice-password-1\n", 17);
	assert_int_equal(SPAWN_RUN(NULL, out, (char *)sim, "--quiet", "app", "--link", usb,
	                           "--portal-url", url, "--cacert", ca, "--user", "alice",
	                           "--password-file", (char *)path_in("pw-alice"), "claim"),
	                 0);
	first_line(path_in("factory/admin-password"), label, sizeof(label));
	assert_int_equal(bmcctl(label, "password", "set", PW, NULL), 0);

	/* Mona's own "board": nothing from the operator, the public root and a password. */
	assert_int_equal(SPAWN_RUN(NULL, out, "mkdir", (char *)path_in("atkfac")), 0);
	assert_int_equal(SPAWN_RUN(NULL, out, "cp", (char *)path_in("factory/trust-anchors.pem"),
	                           (char *)path_in("atkfac/")),
	                 0);
	file_put("atkfac/admin-password", "ATTK-ATTK-ATTK-ATTK\n", 20);
	assert_int_equal(server_up("atk", path_in("atkfac")), 0);
	first_line(path_in("atkfac/board-key.sha256"), hash, sizeof(hash));
	/* As maintenance she records it as the server's new board, and runs the key update. */
	snprintf(body, sizeof(body), "{\"new_key_sha256\":\"%s\"}", hash);
	assert_int_equal(api("POST", "/api/v1/devices/" MT "/" SN "/key-update", login("mona", 0),
	                     NULL, body, NULL),
	                 200);
	file_put("pw-mona", "mona-password-1\n", 16);
	snprintf(mona, sizeof(mona), "unix:%s/atk/usb.sock", dir);
	assert_int_equal(SPAWN_RUN(NULL, out, (char *)sim, "--quiet", "app", "--link", mona,
	                           "--portal-url", url, "--cacert", ca, "--user", "mona",
	                           "--password-file", (char *)path_in("pw-mona"), "key-update"),
	                 0);
	snprintf(atk_state, sizeof(atk_state), "%s/atk", dir);
	SPAWN_RUN(NULL, out, (char *)sim, "--quiet", "server", "down", "--dir", atk_state);
	snprintf(atk_state, sizeof(atk_state), "%s/atk/state", dir);
	kdev_of_board(atk_state, key);

	/* The forged response to the real server's challenge must not activate it. */
	assert_int_equal(bmcctl(PW, "activation", "challenge", NULL), 0);
	snprintf(chal, sizeof(chal), "%s", field("challenge"));
	assert_int_equal(manual_challenge_decode(chal, &c, &group), 0);
	assert_int_equal(manual_response_make(key, &bind, &c, forged, sizeof(forged)), 0);
	bmcctl(PW, "activation", "respond", forged, NULL);
	assert_int_equal(bmcctl(NULL, "status", NULL), 0);
	assert_string_equal(field("lockdown_state"), "LOCKED");
}

static int teardown(void **state)
{
	char d[300];

	snprintf(d, sizeof(d), "%s/atk", dir);
	SPAWN_RUN(NULL, out, (char *)sim, "--quiet", "server", "down", "--dir", d);
	SPAWN_RUN(NULL, out, (char *)sim, "--quiet", "server", "down", "--dir", srv);
	return serve_teardown(state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(maintenance_user_forges_activation),
	};
	return cmocka_run_group_tests(tests, serve_setup, teardown);
}
