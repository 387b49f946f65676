// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The daemons under a service manager, played by this test: a fake
 * $NOTIFY_SOCKET (a path for svcportd, an abstract "@" name for bmcd) that
 * receives READY=1, RELOADING=1, STATUS= and STOPPING=1 from the real
 * processes, with the sender's pid (SO_PASSCRED: bmcd must not fork); the
 * SIGHUP reload of svcportd with good, bad and restart-only configurations;
 * and the "<N>" priority prefix when stderr is the journal ($JOURNAL_STREAM).
 * No sleeps: every wait is a poll with a safety timeout.
 *
 * argv[1]: svcportd. SVCPORT_BMCD in the environment: svcport-bmcd.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <pb_decode.h>
#include <pb_encode.h>

#include "cdc-frame.h"
#include "notify.h"
#include "proc.h"
#include "svcport.pb.h"
#include "testpki.h"

#define WAIT_MS 10000 /* safety net only */

static const char *svcportd_path;

static struct {
	char dir[64];
	char conf[128], log[128], phone[128];
	int notify_fd;
	pid_t pid;
	char msg[1024];
	pid_t sender;
} T;

/* ---------------------------------------------------------------- fake service manager */

/* A datagram socket at path ("@name": abstract) that learns each sender's pid. */
static int notify_listen(const char *name)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t len = strlen(name);
	socklen_t sa_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
	int one = 1, fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0 && len < sizeof(sa.sun_path));
	memcpy(sa.sun_path, name, len);
	if (name[0] == '@')
		sa.sun_path[0] = '\0';
	else
		sa_len++; /* the path's NUL */
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sa_len), 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)), 0);
	if (name[0] == '/') /* as systemd's own: a daemon that dropped root still reaches it */
		assert_int_equal(chmod(name, 0777), 0);
	return fd;
}

/* Waits for the next notification: into T.msg, its sender's pid into T.sender. */
static void notify_next(void)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(struct ucred))];
	} ctl;
	struct iovec iov = {.iov_base = T.msg, .iov_len = sizeof(T.msg) - 1};
	struct msghdr mh = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &ctl, .msg_controllen = sizeof(ctl)};
	struct pollfd pfd = {.fd = T.notify_fd, .events = POLLIN};

	assert_int_equal(poll(&pfd, 1, WAIT_MS), 1);
	ssize_t n = recvmsg(T.notify_fd, &mh, 0);
	assert_true(n > 0);
	T.msg[n] = '\0';
	T.sender = -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS)
			T.sender = ((struct ucred *)(void *)CMSG_DATA(c))->pid;
}

/* The next notification is exactly want (want ends with a prefix when `prefix`). */
static void expect_notify(const char *want, bool prefix)
{
	notify_next();
	if (prefix ? strncmp(T.msg, want, strlen(want)) : strcmp(T.msg, want))
		fail_msg("notification '%s', expected '%s'%s", T.msg, want, prefix ? "..." : "");
	assert_int_equal(T.sender, T.pid); /* the main process: no fork, no helper */
}

static bool has_log_line(const char *line)
{
	FILE *f = fopen(T.log, "r");
	char buf[1024];
	bool found = false;

	assert_non_null(f);
	while (!found && fgets(buf, sizeof(buf), f))
		found = strncmp(buf, line, strlen(line)) == 0;
	fclose(f);
	return found;
}

/* ---------------------------------------------------------------- svcportd */

static void write_conf_link(const char *phone, const char *extra)
{
	FILE *f = fopen(T.conf, "w");

	assert_non_null(f);
	fprintf(f, "# written by test-notify\nlink = unix:%s\nbmc-socket = %s/no-bmcd.sock\n%s",
	        phone, T.dir, extra);
	assert_int_equal(fclose(f), 0);
}

static void write_conf(const char *extra)
{
	write_conf_link(T.phone, extra);
}

static void start_svcportd(void)
{
	char notify_path[128], journal[64];
	struct stat st;
	int log;

	snprintf(notify_path, sizeof(notify_path), "%s/notify.sock", T.dir);
	T.notify_fd = notify_listen(notify_path);
	log = open(T.log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(log >= 0);
	assert_int_equal(fstat(log, &st), 0);
	snprintf(journal, sizeof(journal), "%llu:%llu", (unsigned long long)st.st_dev,
	         (unsigned long long)st.st_ino);
	T.pid = fork();
	assert_true(T.pid >= 0);
	if (T.pid == 0) {
		dup2(log, 2);
		setenv("NOTIFY_SOCKET", notify_path, 1);
		setenv("JOURNAL_STREAM", journal, 1); /* stderr "is" the journal */
		/* As root (CI), really drop privileges: to nobody. */
		const char *user = geteuid() == 0 ? "nobody" : NULL;
		execl(svcportd_path, "svcportd", "--config", T.conf, user ? "--user" : NULL, user,
		      (char *)NULL);
		_exit(127);
	}
	close(log);
}

static void reload(void)
{
	assert_int_equal(kill(T.pid, SIGHUP), 0);
	expect_notify("RELOADING=1\nMONOTONIC_USEC=", true);
}

static int on_pong(const uint8_t *msg, size_t len, int drop, void *user_data)
{
	svcport_v1_Frame *f = user_data;
	pb_istream_t is = pb_istream_from_buffer(msg, msg ? len : 0);

	assert_non_null(msg);
	assert_true(pb_decode(&is, svcport_v1_Frame_fields, f));
	return 0;
}

/* A Ping over the unix: link is answered: the link of the start still serves. */
static void expect_pong(void)
{
	static svcport_v1_Frame f;
	uint8_t msg[64], wire[CDC_FRAME_ENCODED_MAX(64)], rx_buf[CDC_FRAME_ENCODED_MAX(512)];
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct cdc_rx rx;
	pb_ostream_t os = pb_ostream_from_buffer(msg, sizeof(msg));
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	strcpy(sa.sun_path, T.phone);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	memset(&f, 0, sizeof(f));
	f.id = 7;
	f.which_msg = svcport_v1_Frame_request_tag;
	f.msg.request.which_body = svcport_v1_Request_ping_tag;
	assert_true(pb_encode(&os, svcport_v1_Frame_fields, &f));
	long n = cdc_frame_encode(msg, os.bytes_written, wire, sizeof(wire));
	assert_true(n > 0);
	assert_int_equal(write(fd, wire, (size_t)n), n);
	cdc_rx_init(&rx, rx_buf, sizeof(rx_buf));
	memset(&f, 0, sizeof(f));
	while (f.id != 7) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		uint8_t buf[256];

		assert_int_equal(poll(&pfd, 1, WAIT_MS), 1);
		ssize_t r = read(fd, buf, sizeof(buf));
		assert_true(r > 0);
		assert_int_equal(cdc_rx_feed(&rx, buf, (size_t)r, on_pong, &f), 0);
	}
	assert_int_equal(f.which_msg, svcport_v1_Frame_response_tag);
	assert_int_equal(f.msg.response.which_body, svcport_v1_Response_pong_tag);
	close(fd);
}

static int setup(void **state)
{
	snprintf(T.dir, sizeof(T.dir), "/tmp/svcport-notify-XXXXXX");
	assert_non_null(mkdtemp(T.dir));
	assert_int_equal(chmod(T.dir, 0755), 0); /* svcportd may run as nobody */
	snprintf(T.conf, sizeof(T.conf), "%s/svcportd.conf", T.dir);
	snprintf(T.log, sizeof(T.log), "%s/svcportd.log", T.dir);
	snprintf(T.phone, sizeof(T.phone), "%s/phone.sock", T.dir);
	T.notify_fd = -1;
	T.pid = -1;
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	if (T.pid > 0) {
		kill(T.pid, SIGKILL);
		waitpid(T.pid, NULL, 0);
	}
	if (T.notify_fd >= 0)
		close(T.notify_fd);
	if (getenv("SVCPORT_TEST_VERBOSE")) {
		snprintf(cmd, sizeof(cmd), "cat %s/*.log >&2", T.dir);
		(void)!system(cmd);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", T.dir);
	(void)!system(cmd);
	return 0;
}

/* READY=1 once the links listen; a good reload applies; each bad one is
 * refused, says why in STATUS= and the log, and changes nothing; STOPPING=1. */
static void test_svcportd_ready_and_reload(void **state)
{
	int status;

	write_conf("verbose = no\n");
	start_svcportd();
	expect_notify("READY=1\nSTATUS=serving 1 link(s)", false);
	/* Lines carry their priority for the journal: <6> info, no debug yet. */
	assert_true(has_log_line("<6>session 0: ready, 1 link(s)"));
	assert_false(has_log_line("<7>"));

	/* Good: verbose and ble-security are reloadable. The debug line shows
	 * the new log level is in force. */
	write_conf("verbose = yes\nble-security = high\n");
	reload();
	expect_notify("READY=1\nSTATUS=configuration reloaded", false);
	assert_true(has_log_line("<6>session 0: configuration reloaded"));
	assert_true(has_log_line("<7>session 0: now verbose, ble-security 3"));

	/* Bad value: refused, said so, the running configuration kept. */
	write_conf("verbose = maybe\n");
	reload();
	expect_notify("READY=1\nSTATUS=reload refused, configuration kept: svcportd: ", true);
	assert_non_null(strstr(T.msg, "bad value 'maybe' for 'verbose'"));
	assert_true(has_log_line("<3>session 0: reload refused, configuration kept: svcportd: "));

	/* Restart-only: a link opened before the privilege drop. */
	char other[160];
	snprintf(other, sizeof(other), "%s/other.sock", T.dir);
	write_conf_link(other, "verbose = yes\nble-security = high\n");
	reload();
	expect_notify("READY=1\nSTATUS=reload refused, configuration kept: link changed: "
	              "restart svcportd to apply it",
	              false);
	write_conf("verbose = yes\nble-security = high\nidle-timeout = 1s\n");
	reload();
	expect_notify("READY=1\nSTATUS=reload refused, configuration kept: a session limit", true);

	/* No file at all. */
	assert_int_equal(unlink(T.conf), 0);
	reload();
	expect_notify("READY=1\nSTATUS=reload refused, configuration kept: svcportd: cannot read "
	              "config ",
	              true);

	/* Still the start's link, still serving. */
	expect_pong();

	assert_int_equal(kill(T.pid, SIGTERM), 0);
	expect_notify("STOPPING=1", false);
	assert_int_equal(waitpid(T.pid, &status, 0), T.pid);
	T.pid = -1;
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* ---------------------------------------------------------------- svcport-bmcd */

static struct tworld W;

/* bmcd on an abstract notify socket: READY=1 from the pid we started (it
 * stays in the foreground), STOPPING=1 on SIGTERM. */
static void test_bmcd_ready_abstract(void **state)
{
	char name[64], want[PATH_MAX + 64], gw[PATH_MAX + 16], admin[PATH_MAX + 16];
	struct passwd *me = getpwuid(getuid());
	const char *extra[] = {"--gateway-user", me ? me->pw_name : "root", NULL};
	int status;

	snprintf(name, sizeof(name), "@svcport-test-notify-%d", (int)getpid());
	T.notify_fd = notify_listen(name);
	tworld_setup(&W, "bmc");
	snprintf(gw, sizeof(gw), "%s/gw.sock", W.dir);
	snprintf(admin, sizeof(admin), "%s/admin.sock", W.dir);
	setenv("NOTIFY_SOCKET", name, 1);
	T.pid = proc_bmcd_start(W.state, gw, admin, extra, false);
	unsetenv("NOTIFY_SOCKET");
	assert_true(T.pid > 0);
	snprintf(want, sizeof(want), "READY=1\nSTATUS=serving gateway %s", gw);
	expect_notify(want, true);

	/* --gateway-user named us: our connection is served. */
	int fd = proc_gw_connect(gw);
	svcport_v1_BmcRequest req = svcport_v1_BmcRequest_init_zero;
	svcport_v1_BmcReply rep;
	assert_true(fd >= 0);
	req.session_id = 1;
	req.request_id = 1;
	req.has_request = true;
	req.request.which_body = svcport_v1_Request_ping_tag;
	assert_int_equal(proc_gw_send(fd, &req), 0);
	assert_int_equal(proc_gw_recv(fd, &rep), 0);
	assert_int_equal(rep.request_id, 1);
	assert_int_equal(rep.msg.response.which_body, svcport_v1_Response_pong_tag);
	close(fd);

	assert_int_equal(kill(T.pid, SIGTERM), 0);
	expect_notify("STOPPING=1", false);
	assert_int_equal(waitpid(T.pid, &status, 0), T.pid);
	T.pid = -1;
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	tworld_teardown(&W);
}

/* --gateway-user with no such user: a usage error, nothing started. */
static void test_bmcd_gateway_user_unknown(void **state)
{
	const char *argv[] = {proc_bmcd(),
	                      "--state-dir",
	                      T.dir,
	                      "--gateway-socket",
	                      "g",
	                      "--admin-socket",
	                      "a",
	                      "--gateway-user",
	                      "no-such-user-svcport",
	                      NULL};
	char out[64];

	assert_int_equal(proc_run(argv, out, sizeof(out)), 2);
}

/* ---------------------------------------------------------------- notify.c itself */

static void test_notify_protocol(void **state)
{
	char path[128];

	unsetenv("NOTIFY_SOCKET");
	assert_int_equal(notify_ready(NULL), 0); /* not under systemd: nothing, no error */
	setenv("NOTIFY_SOCKET", "relative/path", 1);
	assert_int_equal(notify_ready(NULL), -EAFNOSUPPORT);
	setenv("NOTIFY_SOCKET", "@", 1);
	assert_int_equal(notify_ready(NULL), -EINVAL);
	snprintf(path, sizeof(path), "%s/gone.sock", T.dir);
	setenv("NOTIFY_SOCKET", path, 1);
	assert_int_equal(notify_ready(NULL), -ENOENT); /* returned, never fatal */

	snprintf(path, sizeof(path), "%s/notify.sock", T.dir);
	T.notify_fd = notify_listen(path);
	setenv("NOTIFY_SOCKET", path, 1);
	T.pid = getpid();
	/* A newline in a status cannot add a notification of its own. */
	assert_int_equal(notify_status("bad\nREADY=1"), 1);
	expect_notify("STATUS=bad READY=1", false);
	assert_int_equal(notify_ready("up"), 1);
	expect_notify("READY=1\nSTATUS=up", false);
	unsetenv("NOTIFY_SOCKET");
	T.pid = -1;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: test-notify SVCPORTD\n");
		return 2;
	}
	svcportd_path = argv[1];
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_notify_protocol, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_svcportd_ready_and_reload, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bmcd_ready_abstract, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bmcd_gateway_user_unknown, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
