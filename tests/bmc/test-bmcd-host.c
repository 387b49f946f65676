// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The host interface against the real svcport-bmcd (docs/bmc.md "Host
 * interface"), this process as the host firmware (host-sim/drive/hostfw.h):
 * another uid is refused, a locked server answers the exact sentence and no
 * key, an active one gives the AK the console backs up, the rate limit, the
 * audit record, a tamper refusing the AK at once (also on a full disk:
 * svcport-bmcd-fault), and bad packets answered with nothing changed.
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
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <pb_decode.h>

#include "hostfw.h"
#include "proc.h"
#include "procworld.h"
#include "sedak.h"
#include "testpki.h"

#define PW              "correct horse"
#define HS(x)           svcport_host_v1_HostStatus_HOST_##x
#define BOOT            svcport_host_v1_HostRequest_boot_tag
#define GET_AK          svcport_host_v1_HostRequest_get_sed_ak_tag
#define CONNS           3 /* one over bmcd's BMCD_HOST_CONNS */
#define LOCKED_SENTENCE "System is locked down and must be activated in order to complete booting"

static struct proc_world W;
static char real_bmcd[PATH_MAX];
static pid_t bmcd = -1;
static svcport_host_v1_HostReply hrep;

#define CTL(out, ...) PROC_CTL(&W, out, __VA_ARGS__)

static pid_t start(const char *host_uid)
{
	const char *extra[] = {"--host-socket", W.host, host_uid ? "--host-uid" : NULL, host_uid,
	                       NULL};

	return proc_bmcd_start_log(W.state, W.gw, W.admin, extra, true, W.log);
}

/* A factory state with the administrator password PW, and bmcd running. */
static void up(const char *control, const char *host_uid)
{
	char out[512];

	assert_int_equal(proc_world_init(&W, control), 0);
	bmcd = start(host_uid);
	assert_true(bmcd > 0);
	assert_int_equal(CTL(out, "--password", TPKI_LABEL_PW, "password", "set", PW), 0);
	assert_int_equal(CTL(out, "--password", PW, "sensors", "set", "intrusion", "on"), 0);
}

static int setup(void **state)
{
	snprintf(real_bmcd, sizeof(real_bmcd), "%s", proc_bmcd());
	return proc_world_make(&W, "host");
}

static int teardown(void **state)
{
	proc_stop(bmcd, SIGKILL);
	bmcd = -1;
	unsetenv("SVCPORT_FSIO_FAULT");
	setenv("SVCPORT_BMCD", real_bmcd, 1);
	return proc_world_remove(&W);
}

static bool is_in_log(const char *what)
{
	return proc_file_has(W.log, what);
}

/* One request on fd; its status (the reply in hrep). */
static svcport_host_v1_HostStatus ask(int fd, pb_size_t tag, uint32_t id)
{
	svcport_host_v1_HostRequest r = svcport_host_v1_HostRequest_init_zero;

	r.version = 1;
	r.request_id = id;
	r.which_body = tag;
	assert_int_equal(hostfw_call(fd, &r, &hrep, HOSTFW_TIMEOUT_MS), 0);
	if (hrep.status != HS(OK))
		assert_int_not_equal(hrep.which_body, svcport_host_v1_HostReply_sed_ak_tag);
	return hrep.status;
}

static int host_connect(void)
{
	int fd = hostfw_connect(W.host);

	assert_true(fd >= 0);
	return fd;
}

static void wrong_uid_refused(void **state)
{
	svcport_host_v1_HostRequest r = svcport_host_v1_HostRequest_init_zero;
	char uid[16];
	int fd;

	snprintf(uid, sizeof(uid), "%u", (unsigned)getuid() + 1);
	up("bmc", uid);
	fd = host_connect();
	r.version = 1;
	r.which_body = GET_AK;
	assert_int_equal(hostfw_call(fd, &r, &hrep, HOSTFW_TIMEOUT_MS), -ECONNRESET);
	close(fd);
	assert_true(is_in_log("host connection from uid"));
	/* The gateway's uid is not the host's either: each socket checks its own. */
	proc_stop(bmcd, SIGTERM);
	bmcd = start(NULL);
	assert_true(bmcd > 0);
	fd = host_connect();
	assert_int_equal(ask(fd, GET_AK, 1), HS(OK));
	close(fd);
}

static void locked_answer_is_exact(void **state)
{
	char out[512];
	int fd;

	up("portal", NULL);
	fd = host_connect();
	assert_int_equal(ask(fd, BOOT, 1), HS(LOCKED));
	assert_string_equal(hrep.message, LOCKED_SENTENCE);
	assert_false(hrep.body.boot.may_boot);
	assert_int_equal(ask(fd, GET_AK, 2), HS(LOCKED));
	assert_string_equal(hrep.message, LOCKED_SENTENCE);
	close(fd);
	assert_int_equal(CTL(out, "--password", PW, "audit", "show"), 0);
	assert_non_null(strstr(out, "host-sed-ak-refused"));
}

/* The AK of the console's backup file, opened with its backup passphrase (docs/bmc.md
 * "SED AK": SVCSEDB2). */
static void backup_ak(unsigned char ak[32])
{
	char out[512], file[PATH_MAX + 16];
	unsigned char buf[256];
	struct sedak_origin o;
	size_t n;
	FILE *f;

	snprintf(file, sizeof(file), "%s/ak.backup", W.dir);
	assert_int_equal(CTL(out, "--password", PW, "sed", "backup", file, "--backup-passphrase",
	                     "backup pass 12"),
	                 0);
	f = fopen(file, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	assert_null(sedak_backup_decode(buf, n, "backup pass 12", ak, &o));
}

static void active_gets_the_ak_audited_and_limited(void **state)
{
	unsigned char ak[32];
	char out[4096];
	int fd;

	up("bmc", NULL);
	backup_ak(ak);
	fd = host_connect();
	assert_int_equal(ask(fd, BOOT, 1), HS(OK));
	assert_true(hrep.body.boot.may_boot);
	assert_true(hrep.body.boot.sed_enabled);
	for (uint32_t i = 0; i < 4; i++) {
		assert_int_equal(ask(fd, GET_AK, 2 + i), HS(OK));
		assert_int_equal(hrep.body.sed_ak.ak.size, 32);
		assert_memory_equal(hrep.body.sed_ak.ak.bytes, ak, 32);
	}
	assert_int_equal(ask(fd, GET_AK, 6), HS(RATE_LIMITED));
	assert_true(hrep.retry_after_ms > 0 && hrep.retry_after_ms <= 60000);
	/* A new connection does not escape the limit. */
	close(fd);
	fd = host_connect();
	assert_int_equal(ask(fd, GET_AK, 7), HS(RATE_LIMITED));
	close(fd);
	assert_int_equal(CTL(out, "--password", PW, "audit", "show"), 0);
	assert_non_null(strstr(out, "host-sed-ak-release"));
	assert_int_equal(CTL(out, "--password", PW, "audit", "verify"), 0);
	assert_true(is_in_log("host request=6 get-sed-ak -> RATE_LIMITED"));
}

static void tamper_refuses_at_once(void **state)
{
	char out[512];
	int fd;

	up("bmc", NULL);
	fd = host_connect();
	assert_int_equal(ask(fd, GET_AK, 1), HS(OK));
	assert_int_equal(CTL(out, "--password", PW, "tamper", "intrusion"), 0);
	/* The same connection, the very next request. */
	assert_int_equal(ask(fd, GET_AK, 2), HS(LOCKED));
	assert_string_equal(hrep.message, LOCKED_SENTENCE);
	close(fd);
}

static void tamper_on_full_disk_refuses_at_once(void **state)
{
	char out[512];
	int fd;

	up("bmc", NULL);
	proc_stop(bmcd, SIGTERM);
	setenv("SVCPORT_FSIO_FAULT", "full:all", 1);
	setenv("SVCPORT_BMCD", getenv("SVCPORT_BMCD_FAULT"), 1);
	bmcd = start(NULL);
	assert_true(bmcd > 0);
	fd = host_connect();
	/* A full disk: no room for the release's audit record, so no key either. */
	assert_int_equal(ask(fd, GET_AK, 1), HS(INTERNAL));
	assert_int_equal(CTL(out, "--password", PW, "tamper", "intrusion"),
	                 1); /* not stored, in force */
	assert_int_equal(ask(fd, GET_AK, 2), HS(LOCKED));
	assert_int_equal(ask(fd, BOOT, 3), HS(LOCKED));
	close(fd);
}

/* Sends len raw bytes on a new connection; the reply's status, or -1 if bmcd closed. */
static int raw(const void *bytes, size_t len)
{
	uint8_t buf[svcport_host_v1_HostReply_size + 1];
	int fd = host_connect();
	pb_istream_t is;
	ssize_t n;

	assert_true(send(fd, bytes, len, MSG_NOSIGNAL) == (ssize_t)len);
	n = recv(fd, buf, sizeof(buf), 0);
	close(fd);
	if (n <= 0)
		return -1;
	hrep = (svcport_host_v1_HostReply)svcport_host_v1_HostReply_init_zero;
	is = pb_istream_from_buffer(buf, (size_t)n);
	assert_true(pb_decode(&is, svcport_host_v1_HostReply_fields, &hrep));
	return hrep.status;
}

static size_t slurp(const char *name, unsigned char *buf, size_t cap)
{
	char path[PATH_MAX + 32];
	long n;

	snprintf(path, sizeof(path), "%s/%s", W.state, name);
	n = proc_slurp(path, buf, cap);
	assert_true(n >= 0);
	return (size_t)n;
}

static void bad_packets_change_nothing(void **state)
{
	static unsigned char st0[16384], st1[16384], log0[65536], log1[65536];
	static const uint8_t garbage[] = {0xff, 0xff, 0xff, 0x07};
	svcport_host_v1_HostRequest r = svcport_host_v1_HostRequest_init_zero;
	uint8_t big[svcport_host_v1_HostRequest_size + 8];
	size_t s0, s1, l0, l1;
	int fds[CONNS];

	up("bmc", NULL);
	s0 = slurp("state.pb", st0, sizeof(st0));
	l0 = slurp("audit.log", log0, sizeof(log0));
	assert_int_equal(raw(garbage, sizeof(garbage)), HS(BAD_REQUEST));
	assert_string_equal(hrep.message, "request does not decode");
	assert_int_equal(hrep.request_id, 0);
	memset(big, 0x08, sizeof(big));
	assert_int_equal(raw(big, sizeof(big)), HS(BAD_REQUEST));
	assert_string_equal(hrep.message, "request too large");
	assert_int_equal(raw("\x08\x02\x5a\x00", 4), HS(BAD_REQUEST)); /* version 2 */
	assert_int_equal(raw("\x08\x01", 2), HS(BAD_REQUEST));         /* no body */
	assert_int_equal(raw("", 0), -1); /* a zero-length packet is a hang-up */
	/* Connections are bounded: the third is closed at once. */
	for (int i = 0; i < CONNS; i++)
		fds[i] = host_connect();
	assert_int_equal(ask(fds[0], BOOT, 1), HS(OK));
	assert_int_equal(ask(fds[1], BOOT, 2), HS(OK));
	r.version = 1;
	r.which_body = BOOT;
	assert_int_equal(hostfw_call(fds[2], &r, &hrep, HOSTFW_TIMEOUT_MS), -ECONNRESET);
	for (int i = 0; i < CONNS; i++)
		close(fds[i]);
	s1 = slurp("state.pb", st1, sizeof(st1));
	l1 = slurp("audit.log", log1, sizeof(log1));
	assert_int_equal(s0, s1);
	assert_memory_equal(st0, st1, s0);
	assert_int_equal(l0, l1);
	assert_memory_equal(log0, log1, l0);
	assert_true(is_in_log("host connection refused: 2 already connected"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(wrong_uid_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(locked_answer_is_exact, setup, teardown),
	    cmocka_unit_test_setup_teardown(active_gets_the_ak_audited_and_limited, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(tamper_refuses_at_once, setup, teardown),
	    cmocka_unit_test_setup_teardown(tamper_on_full_disk_refuses_at_once, setup, teardown),
	    cmocka_unit_test_setup_teardown(bad_packets_change_nothing, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
