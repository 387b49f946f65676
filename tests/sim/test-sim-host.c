// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `svcport-sim host` against the real svcport-bmcd: the first unlocked boot
 * sets the drive up, data written while ACTIVE reads back, a tamper leaves
 * the drive locked with the exact sentence, a changed AK cannot open it, and
 * every bad argument is refused with the drive's bytes unchanged.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "proc.h"
#include "procworld.h"
#include "testpki.h"

#define PW "correct horse"
#define LOCKED_JSON                                                                                \
	"\"error\":\"LOCKED\",\"error_detail\":\"System is locked down and must be activated in "  \
	"order to complete booting\""

static struct proc_world W;
static char img[PATH_MAX + 16];
static pid_t bmcd = -1;
static char out[8192];

static const char *sim(void)
{
	const char *p = getenv("SVCPORT_SIM");

	return p ? p : "svcport-sim";
}

/* svcport-sim --json host ARGS --dir DIR; its exit code, stdout in out. */
static int host(const char *const *args)
{
	const char *argv[16] = {sim(), "--json", "host"};
	int n = 3;

	for (int i = 0; args[i] && n < 13; i++)
		argv[n++] = args[i];
	argv[n++] = "--dir";
	argv[n++] = W.dir;
	argv[n] = NULL;
	return proc_run(argv, out, sizeof(out));
}

#define HOST(...) host((const char *const[]){__VA_ARGS__, NULL})
#define CTL(...)  PROC_CTL(&W, out, __VA_ARGS__)

static int setup(void **state)
{
	if (proc_world_make(&W, "simhost") < 0)
		return -1;
	snprintf(img, sizeof(img), "%s/drive.img", W.dir);
	/* BMC-managed: ACTIVE from the factory, SED enabled with an AK. The host
	 * socket defaults to DIR/host.sock, beside the admin socket. */
	if (proc_world_init(&W, "bmc") < 0)
		return -1;
	bmcd = proc_bmcd_start(W.state, W.gw, W.admin, NULL, true);
	if (bmcd < 0 || CTL("--password", TPKI_LABEL_PW, "password", "set", PW) ||
	    CTL("--password", PW, "sensors", "set", "intrusion", "on"))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	proc_stop(bmcd, SIGKILL);
	bmcd = -1;
	return proc_world_remove(&W);
}

static size_t slurp(unsigned char *buf, size_t cap)
{
	long n = proc_slurp(img, buf, cap);

	assert_true(n >= 0);
	return (size_t)n;
}

static void drive_story(void **state)
{
	assert_int_equal(HOST("read"), 0); /* the first boot sets the drive up */
	assert_non_null(strstr(out, "\"data\":\"\""));
	assert_int_equal(HOST("write", "ledger: 42 crates", "--sector", "5"), 0);
	assert_int_equal(HOST("read", "--sector", "5"), 0);
	assert_non_null(strstr(out, "\"data\":\"ledger: 42 crates\""));
	assert_int_equal(CTL("--password", PW, "tamper", "intrusion"), 0);
	assert_int_equal(HOST("read", "--sector", "5"), 1);
	assert_non_null(strstr(out, LOCKED_JSON));
	assert_null(strstr(out, "ledger"));
	assert_int_equal(CTL("--password", PW, "activate"), 0);
	assert_int_equal(HOST("read", "--sector", "5"), 0);
	assert_non_null(strstr(out, "\"data\":\"ledger: 42 crates\""));
}

/* A new AK (a passphrase replaces it): the drive refuses it, the data stays wrapped. */
static void another_ak_cannot_open_the_drive(void **state)
{
	assert_int_equal(HOST("write", "ledger"), 0);
	assert_int_equal(CTL("--password", PW, "sed", "passphrase", "--drive-set", "rack-1",
	                     "a different passphrase"),
	                 0);
	assert_int_equal(HOST("read"), 1);
	assert_non_null(strstr(out, "\"error\":\"WRONG_AK\""));
	assert_null(strstr(out, "ledger"));
}

static void bad_arguments_change_nothing(void **state)
{
	static unsigned char before[65536], after[65536];
	char long_text[600];
	size_t n0, n1;

	assert_int_equal(HOST("write", "ledger"), 0);
	n0 = slurp(before, sizeof(before));
	memset(long_text, 'x', 513);
	long_text[513] = '\0';
	assert_int_equal(HOST("write", long_text), 2);
	assert_non_null(strstr(out, "at most 512 bytes"));
	assert_int_equal(HOST("write", "x", "--sector", "64"), 2);
	assert_non_null(strstr(out, "the drive has sectors 0 to 63"));
	assert_int_equal(HOST("write", "x", "--sector", "-1"), 2);
	assert_int_equal(HOST("write", "x", "--sector", "five"), 2);
	assert_int_equal(HOST("write"), 2);
	assert_int_equal(HOST("read", "extra"), 2);
	assert_int_equal(HOST("erase"), 2);
	assert_int_equal(HOST("boot", "--socket", "/nonexistent/host.sock"), 1);
	assert_non_null(strstr(out, "\"error\":\"UNREACHABLE\""));
	assert_int_equal(HOST("boot", "--drive", W.state), 1); /* a folder, not a drive */
	n1 = slurp(after, sizeof(after));
	assert_int_equal(n0, n1);
	assert_memory_equal(before, after, n0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(drive_story, setup, teardown),
	    cmocka_unit_test_setup_teardown(another_ak_cannot_open_the_drive, setup, teardown),
	    cmocka_unit_test_setup_teardown(bad_arguments_change_nothing, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
