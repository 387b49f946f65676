// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Manual activation by phone call with real processes (docs/manual-activation.md): the
 * portal service (`svcport-sim portal serve`), a virtual server (svcport-bmcd and
 * svcportd), and two consoles: the local administrator's svcport-bmcctl and the portal
 * administrator's, who answers through the API (curl) or the portal's command line.
 * Happy path, and every refusal: at the portal a wrong role, another organisation, a
 * mistyped or expired challenge; at the BMC a mistyped response (nothing changes on
 * disk, byte for byte), a forged one, a used challenge, another device's response.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "manual-code.h"
#include "serve-fixture.h"
#include "test-spawn.h"

#define MT   "7D1X"
#define SN   "S0001"
#define PW   "Adm1n-Secret"
#define PATH "/api/v1/devices/" MT "/" SN "/manual-activation"

static char srv[300], usb[320];

static const char *challenge(void)
{
	static char c[MANUAL_TEXT_MAX];

	assert_int_equal(bmcctl(PW, "activation", "challenge", NULL), 0);
	snprintf(c, sizeof(c), "%s", console_field("challenge"));
	assert_int_equal(strlen(c), 17);
	return c;
}

static const char *lockdown(void)
{
	assert_int_equal(bmcctl(NULL, "status", NULL), 0);
	return console_field("lockdown_state");
}

/* The portal administrator's answer by the API: the HTTP status; the response into r. */
static int ask_api(const char *user, const char *path, const char *chal, char *r,
                   const char *want_error)
{
	char body[128];
	json_t *j = NULL;
	int status;

	snprintf(body, sizeof(body), "{\"challenge\": \"%s\"}", chal);
	status = api("POST", path, login(user, 0), NULL, body, &j);
	if (r)
		snprintf(r, MANUAL_TEXT_MAX, "%s", jstr(j, "response"));
	if (want_error)
		assert_string_equal(jstr(j, "error"), want_error);
	json_decref(j);
	return status;
}

static size_t slurp(const char *name, char *buf, size_t cap)
{
	char path[400];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/state/%s", srv, name);
	f = fopen(path, "rb");
	assert_non_null(f);
	n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

static int setup(void **state)
{
	json_t *j;

	serve_setup(state);
	snprintf(srv, sizeof(srv), "%s/srv", dir);
	/* The organisation claims the server: on the portal, then on the BMC by the phone. */
	sim_server_claimed(PW);
	assert_string_equal(lockdown(), "LOCKED");
	/* A second device of acme, for a response to the wrong device. */
	j = portal_cli(0, "device", "manufacture", "--mt", MT, "--sn", "S0002", "--out",
	               path_in("factory2"), NULL);
	json_decref(portal_cli(0, "claim", "--org", "acme", "--mt", MT, "--sn", "S0002", "--code",
	                       jstr(j, "activation_code"), NULL));
	json_decref(j);
	return 0;
}

static int teardown(void **state)
{
	SPAWN_RUN(NULL, console_out, (char *)sim, "--quiet", "server", "down", "--dir", srv);
	return serve_teardown(state);
}

/* The portal checks who asks, for which organisation's device, and the challenge. */
static void portal_refuses(void **state)
{
	const char *c = challenge();
	char bad[MANUAL_TEXT_MAX], expired[MANUAL_TEXT_MAX];
	struct manual_challenge old = {.nonce = {1, 2, 3, 4, 5}};

	(void)state;
	assert_int_equal(ask_api("bob", PATH, c, NULL, "ROLE_FORBIDDEN"), 403);  /* base */
	assert_int_equal(ask_api("mona", PATH, c, NULL, "ROLE_FORBIDDEN"), 403); /* maintenance */
	assert_int_equal(ask_api("zed", PATH, c, NULL, "NOT_OWNER"), 403);       /* beta */
	expect(401, NULL, "POST", PATH, NULL, NULL, "{\"challenge\": \"x\"}");
	snprintf(bad, sizeof(bad), "%s", c);
	bad[7] = bad[7] == 'Q' ? 'R' : 'Q';
	assert_int_equal(ask_api("alice", PATH, bad, NULL, "BAD_REQUEST"), 400);
	/* A challenge whose expiry minute has passed, by the portal's own clock. */
	old.expiry = manual_expiry_of((uint64_t)time(NULL) / 60 - 2);
	assert_int_equal(manual_challenge_encode(&old, expired, sizeof(expired)), 0);
	assert_int_equal(ask_api("alice", PATH, expired, NULL, "EXPIRED"), 410);
	/* The command line refuses the same way: an organisation's user only. */
	json_decref(portal_cli(1, "manual-activate", "--user", "zed", "--mt", MT, "--sn", SN,
	                       "--challenge", c, NULL));
	assert_string_equal(lockdown(), "LOCKED");
}

/* Every wrong response at the BMC: a mistyped group changes nothing; forged, used and
 * another device's responses are refused and audited, the server stays locked. */
static void bmc_refuses(void **state)
{
	static char st0[16384], au0[65536], st1[16384], au1[65536];
	size_t sl0, al0, sl1, al1;
	char good[MANUAL_TEXT_MAX], other[MANUAL_TEXT_MAX], typo[MANUAL_TEXT_MAX];
	const char *c = challenge();

	(void)state;
	assert_int_equal(ask_api("alice", PATH, c, good, NULL), 200);
	/* Mistyped: named, nothing tried or written, and the challenge still stands. */
	sl0 = slurp("state.pb", st0, sizeof(st0));
	al0 = slurp("audit.log", au0, sizeof(au0));
	snprintf(typo, sizeof(typo), "%s", good);
	typo[1] = typo[1] == '7' ? '8' : '7';
	assert_int_equal(bmcctl(PW, "activation", "respond", typo, NULL), 1);
	assert_string_equal(console_field("error"), "mistyped");
	assert_non_null(strstr(console_out, "group 1"));
	sl1 = slurp("state.pb", st1, sizeof(st1));
	al1 = slurp("audit.log", au1, sizeof(au1));
	assert_true(sl0 == sl1 && al0 == al1);
	assert_memory_equal(st0, st1, sl0);
	assert_memory_equal(au0, au1, al0);
	/* Forged: refused and audited; the challenge is used up, so the right one fails too. */
	assert_int_equal(bmcctl(PW, "activation", "respond", "000000-000000", NULL), 1);
	assert_string_equal(console_field("error"), "wrong response");
	al1 = slurp("audit.log", au1, sizeof(au1));
	assert_true(al1 > al0);
	assert_memory_equal(au0, au1, al0);
	assert_int_equal(bmcctl(PW, "activation", "respond", good, NULL), 1);
	assert_string_equal(console_field("error"), "refused"); /* no challenge: not a guess */
	/* Another device's response, by the portal's command line: refused. */
	c = challenge();
	json_t *j = portal_cli(0, "manual-activate", "--user", "alice", "--mt", MT, "--sn", "S0002",
	                       "--challenge", c, NULL);
	snprintf(other, sizeof(other), "%s", jstr(j, "response"));
	json_decref(j);
	assert_int_equal(bmcctl(PW, "activation", "respond", other, NULL), 1);
	assert_string_equal(console_field("error"), "wrong response");
	assert_int_equal(bmcctl(PW, "audit", "show", NULL), 0);
	assert_non_null(strstr(console_out, "manual-activate-refused"));
	assert_string_equal(lockdown(), "LOCKED");
}

/* The phone call: challenge read out, the portal's response typed in, ACTIVE; the
 * receipt confirms it on the portal; the response does not work twice. */
static void activation_by_phone(void **state)
{
	char r[MANUAL_TEXT_MAX], receipt[MANUAL_TEXT_MAX];
	const char *c = challenge();
	char chal[MANUAL_TEXT_MAX], sql[256];
	json_t *j;

	(void)state;
	snprintf(chal, sizeof(chal), "%s", c);
	j = portal_cli(0, "manual-activate", "--user", "eddie", "--mt", MT, "--sn", SN,
	               "--challenge", chal, NULL);
	snprintf(r, sizeof(r), "%s", jstr(j, "response"));
	json_decref(j);
	assert_int_equal(strlen(r), 13);
	assert_int_equal(bmcctl(PW, "activation", "respond", r, NULL), 0);
	snprintf(receipt, sizeof(receipt), "%s", console_field("receipt"));
	assert_string_equal(lockdown(), "ACTIVE");
	assert_int_equal(bmcctl(PW, "audit", "show", NULL), 0);
	assert_non_null(strstr(console_out, " manual-activate session="));
	/* The receipt: a wrong one is refused, the right one marks the device activated. */
	json_decref(portal_cli(1, "manual-activate", "--user", "alice", "--mt", MT, "--sn", SN,
	                       "--challenge", chal, "--receipt", "00000-00000", NULL));
	json_decref(portal_cli(0, "manual-activate", "--user", "alice", "--mt", MT, "--sn", SN,
	                       "--challenge", chal, "--receipt", receipt, NULL));
	j = portal_cli(0, "device", "show", "--mt", MT, "--sn", SN, NULL);
	assert_string_equal(jstr(j, "status"), "activated");
	json_decref(j);
	/* Once (attack16a L2); both logs name the challenge. */
	json_decref(portal_cli(1, "manual-activate", "--user", "alice", "--mt", MT, "--sn", SN,
	                       "--challenge", chal, "--receipt", receipt, NULL));
	snprintf(
	    sql, sizeof(sql),
	    "SELECT count(*) FROM audit WHERE action='device.manual_receipt' AND result='OK' AND "
	    "detail='challenge=%s'",
	    chal);
	assert_int_equal(count_rows(sql), 1);
	snprintf(
	    sql, sizeof(sql),
	    "SELECT count(*) FROM audit WHERE action='device.manual_activate' AND result='OK' AND "
	    "detail='challenge=%s'",
	    chal);
	assert_int_equal(count_rows(sql), 1);
	assert_int_equal(bmcctl(PW, "audit", "show", NULL), 0);
	snprintf(sql, sizeof(sql), "challenge=%s org=acme user=admin", chal);
	assert_non_null(strstr(console_out, sql));
	/* Used: the same response again is refused (no challenge outstanding). */
	assert_int_equal(bmcctl(PW, "activation", "respond", r, NULL), 1);
	assert_string_equal(console_field("error"), "refused");
}

/* K_dev used without the portal (as if it had leaked): the receipt of a challenge the
 * portal never answered is refused with an alarm, even though it is valid (attack16a L2). */
static void receipt_for_unanswered_challenge(void **state)
{
	const struct manual_binding b = {
	    .owner_org = "acme", .machine_type = MT, .serial_number = SN};
	uint8_t master[32], hash[32], key[MANUAL_KEY_LEN];
	char receipt[MANUAL_TEXT_MAX], hex[80], path[300];
	struct manual_challenge c;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/manual-master.key", portal_dir);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fread(master, 1, sizeof(master), f), sizeof(master));
	fclose(f);
	f = fopen(path_in("factory/board-key.sha256"), "r");
	assert_non_null(f);
	assert_non_null(fgets(hex, sizeof(hex), f));
	fclose(f);
	for (int i = 0; i < 32; i++)
		assert_int_equal(sscanf(hex + 2 * i, "%2hhx", &hash[i]), 1);
	assert_int_equal(manual_key_derive(master, sizeof(master), MT, SN, hash, key), 0);
	const char *text = challenge(); /* shown at the BMC, never given to the portal */
	assert_int_equal(manual_challenge_decode(text, &c, NULL), 0);
	assert_int_equal(manual_receipt_make(key, &b, &c, receipt, sizeof(receipt)), 0);
	json_decref(portal_cli(1, "manual-activate", "--user", "alice", "--mt", MT, "--sn", SN,
	                       "--challenge", text, "--receipt", receipt, NULL));
	assert_int_equal(
	    count_rows("SELECT count(*) FROM audit WHERE action='device.manual_receipt' AND "
	               "detail LIKE '%ALARM%never answered%'"),
	    1);
}

/* A first line of a file under dir, without its newline. */
/* The motherboard is replaced: the maintenance user's signed DeviceKeyUpdate carries
 * K_dev sealed to the new board, and the activation by phone works on it. */
static void board_swap(void **state)
{
	static char hash[80], label[64], old_srv[300];
	char r[MANUAL_TEXT_MAX];
	json_t *j;

	(void)state;
	snprintf(old_srv, sizeof(old_srv), "%s", srv);
	assert_int_equal(
	    SPAWN_RUN(NULL, console_out, (char *)sim, "--quiet", "server", "down", "--dir", srv),
	    0);
	json_decref(portal_cli(0, "device", "manufacture", "--blank-board", "--out",
	                       path_in("blank"), NULL));
	/* The new board holds no K_dev of its own: no identity, no manual.key. */
	assert_int_equal(access(path_in("blank/manual.key"), F_OK), -1);
	first_line(path_in("blank/board-key.sha256"), hash, sizeof(hash));
	first_line(path_in("blank/admin-password"), label, sizeof(label));
	snprintf(srv, sizeof(srv), "%s/srv2", dir);
	snprintf(console_socket, sizeof(console_socket), "%s/admin.sock", srv);
	snprintf(usb, sizeof(usb), "unix:%s/usb.sock", srv);
	assert_int_equal(sim_server_up("srv2", path_in("blank"), old_srv), 0);
	assert_int_equal(bmcctl(label, "password", "set", PW, NULL), 0);
	assert_int_equal(bmcctl(PW, "activation", "challenge", NULL), 1);
	assert_string_equal(console_field("error"), "refused");
	json_decref(portal_cli(0, "device", "key-update", "--mt", MT, "--sn", SN, "--new-key-hash",
	                       hash, NULL));
	file_put("pw-mona", "mona-password-1\n", 16);
	assert_int_equal(SPAWN_RUN(NULL, console_out, (char *)sim, "--quiet", "app", "--link", usb,
	                           "--portal-url", url, "--cacert", ca, "--user", "mona",
	                           "--password-file", (char *)path_in("pw-mona"), "key-update"),
	                 0);
	/* SED came along, its AK not yet: the challenge is refused as Activate would be, so
	 * no response is wasted (attack16a L3). */
	assert_int_equal(bmcctl(PW, "activation", "challenge", NULL), 1);
	assert_non_null(strstr(console_out, "restore the SED AK first"));
	/* The server's SED came along: its AK from the moved backup component. */
	assert_int_equal(bmcctl(PW, "sed", "restore", "--from-component", NULL), 0);
	j = portal_cli(0, "manual-activate", "--user", "alice", "--mt", MT, "--sn", SN,
	               "--challenge", challenge(), NULL);
	snprintf(r, sizeof(r), "%s", jstr(j, "response"));
	json_decref(j);
	assert_int_equal(bmcctl(PW, "activation", "respond", r, NULL), 0);
	assert_string_equal(lockdown(), "ACTIVE");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(portal_refuses),
	    cmocka_unit_test(bmc_refuses),
	    cmocka_unit_test(activation_by_phone),
	    cmocka_unit_test(receipt_for_unanswered_challenge),
	    cmocka_unit_test(board_swap),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
