// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * svcportd as a process, against a fake bmcd played by this test (a unix
 * SOCK_SEQPACKET server answering canned BmcReplies): the gateway's own
 * behaviour on unix: and tty: (a pty pair) links — relay with link kind and
 * presence, local answers, bmcd killed and restarted, events, bad frames,
 * idle timeout, and a capture tshark decodes without a malformed packet.
 * No sleeps: every wait is a poll on a socket or pipe with a safety timeout.
 *
 * argv[1]: path of svcportd.
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
#include <termios.h>
#include <unistd.h>

#include <cmocka.h>
#include <pb_decode.h>
#include <pb_encode.h>

#include "cdc-frame.h"
#include "gatt-client.h"
#include "seg.h"
#include "svcport.pb.h"

#define WAIT_MS 5000 /* safety net only; the idle timeout under test is 2 s */
/* What the fake bmcd answers GetActivationCode with: searched for in svcportd's memory. */
#define ACTIVATION_CODE "SVCPORT-SECRET-ACT-CODE-0123456"

static const char *svcportd_path;

struct peer {
	int fd;
	struct cdc_rx rx;
	uint8_t rx_buf[CDC_FRAME_ENCODED_MAX(svcport_v1_Frame_size)];
	bool have;
	size_t len;
	uint8_t msg[svcport_v1_Frame_size];
	unsigned drops;
};

struct fake_bmc {
	char path[128];
	int lfd;
	int cfd;
	bool silent; /* take requests but never answer */
	unsigned n_req;
	unsigned n_accepts;
	svcport_v1_BmcRequest last;
};

static struct {
	char dir[64];
	pid_t pid;
	char pts[64];
	int master;
	struct fake_bmc bmc;
	struct peer unix_peer, tty_peer;
	const char *max_sessions; /* NULL: the default */
	const char *extra[8];     /* more options, NULL-terminated */
	svcport_v1_Frame frame;
} T;

/* ---------------------------------------------------------------- fake bmcd */

static void bmc_listen(struct fake_bmc *b)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	strcpy(a.sun_path, b->path);
	unlink(b->path);
	b->lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	assert_true(b->lfd >= 0);
	assert_int_equal(bind(b->lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(chmod(b->path, 0777), 0); /* svcportd may run as nobody */
	assert_int_equal(listen(b->lfd, 4), 0);
}

static void bmc_kill(struct fake_bmc *b)
{
	if (b->cfd >= 0)
		close(b->cfd);
	if (b->lfd >= 0)
		close(b->lfd);
	b->cfd = b->lfd = -1;
	unlink(b->path);
}

static void bmc_send_reply(struct fake_bmc *b, const svcport_v1_BmcReply *rep)
{
	uint8_t buf[svcport_v1_BmcReply_size];
	pb_ostream_t os = pb_ostream_from_buffer(buf, sizeof(buf));
	assert_true(pb_encode(&os, svcport_v1_BmcReply_fields, rep));
	assert_int_equal(send(b->cfd, buf, os.bytes_written, 0), (ssize_t)os.bytes_written);
}

static void bmc_answer(struct fake_bmc *b)
{
	static svcport_v1_BmcReply rep;
	memset(&rep, 0, sizeof(rep));
	rep.session_id = b->last.session_id;
	rep.request_id = b->last.request_id;
	rep.which_msg = svcport_v1_BmcReply_response_tag;
	svcport_v1_Response *r = &rep.msg.response;
	switch (b->last.request.which_body) {
	case svcport_v1_Request_get_device_info_tag:
		r->which_body = svcport_v1_Response_device_info_tag;
		r->body.device_info.has_device = true;
		strcpy(r->body.device_info.device.machine_type, "7D1A");
		strcpy(r->body.device_info.device.serial_number, "J900TEST");
		r->body.device_info.lockdown_state = svcport_v1_LockdownState_LOCKDOWN_LOCKED;
		if (b->last.request.body.get_device_info.include_certificate) {
			/* A long answer: more than two 512-byte segments. */
			r->body.device_info.device_certificate.size = 1000;
			for (int i = 0; i < 1000; i++)
				r->body.device_info.device_certificate.bytes[i] = (uint8_t)i;
		}
		break;
	case svcport_v1_Request_get_challenge_tag:
		r->which_body = svcport_v1_Response_challenge_tag;
		r->body.challenge.body.size = 4;
		memcpy(r->body.challenge.body.bytes, "body", 4);
		break;
	case svcport_v1_Request_get_activation_code_tag:
		r->which_body = svcport_v1_Response_activation_code_tag;
		strcpy(r->body.activation_code.code, ACTIVATION_CODE);
		break;
	default:
		r->which_body = svcport_v1_Response_error_tag;
		r->body.error.code = svcport_v1_ErrorCode_INVALID_STATE;
		break;
	}
	bmc_send_reply(b, &rep);
}

/* Serves whatever is ready on the fake bmcd's sockets. */
static void bmc_pump(struct fake_bmc *b, const struct pollfd *pl, const struct pollfd *pc)
{
	if (pl && (pl->revents & POLLIN)) {
		int fd = accept4(b->lfd, NULL, NULL, SOCK_CLOEXEC);
		assert_true(fd >= 0);
		if (b->cfd >= 0)
			close(b->cfd);
		b->cfd = fd;
		b->n_accepts++;
	}
	if (pc && (pc->revents & (POLLIN | POLLHUP))) {
		uint8_t buf[svcport_v1_BmcRequest_size + 1];
		ssize_t n = recv(b->cfd, buf, sizeof(buf), 0);
		if (n <= 0) {
			close(b->cfd);
			b->cfd = -1;
			return;
		}
		memset(&b->last, 0, sizeof(b->last));
		pb_istream_t is = pb_istream_from_buffer(buf, (size_t)n);
		assert_true(pb_decode(&is, svcport_v1_BmcRequest_fields, &b->last));
		b->n_req++;
		if (!b->silent)
			bmc_answer(b);
	}
}

/* ---------------------------------------------------------------- phone side */

static int on_frame(const uint8_t *msg, size_t len, int drop, void *user_data)
{
	struct peer *p = user_data;
	if (!msg) {
		p->drops++;
		return 0;
	}
	assert_false(p->have); /* one at a time: the tests wait for each answer */
	memcpy(p->msg, msg, len);
	p->len = len;
	p->have = true;
	return 0;
}

static void peer_init(struct peer *p, int fd)
{
	memset(p, 0, sizeof(*p));
	p->fd = fd;
	cdc_rx_init(&p->rx, p->rx_buf, sizeof(p->rx_buf));
}

static void write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		assert_true(w > 0);
		p += w;
		n -= (size_t)w;
	}
}

static void send_raw_frame(struct peer *p, const uint8_t *msg, size_t len)
{
	static uint8_t out[CDC_FRAME_ENCODED_MAX(svcport_v1_Frame_size)];
	long n = cdc_frame_encode(msg, len, out, sizeof(out));
	assert_true(n > 0);
	write_all(p->fd, out, (size_t)n);
}

static void send_request(struct peer *p, uint32_t id, pb_size_t which)
{
	static svcport_v1_Frame f;
	memset(&f, 0, sizeof(f));
	f.id = id;
	f.which_msg = svcport_v1_Frame_request_tag;
	f.msg.request.which_body = which;
	uint8_t buf[256];
	pb_ostream_t os = pb_ostream_from_buffer(buf, sizeof(buf));
	assert_true(pb_encode(&os, svcport_v1_Frame_fields, &f));
	send_raw_frame(p, buf, os.bytes_written);
}

/*
 * Polls the peer and the fake bmcd until the peer has a whole frame (decoded
 * into T.frame; returns true) or, with want_eof, until the peer's stream
 * ends (returns false). Fails after WAIT_MS.
 */
static bool pump(struct peer *p, bool want_eof)
{
	for (;;) {
		if (p && p->have) {
			p->have = false;
			memset(&T.frame, 0, sizeof(T.frame));
			pb_istream_t is = pb_istream_from_buffer(p->msg, p->len);
			assert_true(pb_decode(&is, svcport_v1_Frame_fields, &T.frame));
			return true;
		}
		struct pollfd fds[3] = {
		    {.fd = p ? p->fd : -1, .events = POLLIN},
		    {.fd = T.bmc.lfd, .events = POLLIN},
		    {.fd = T.bmc.cfd, .events = POLLIN},
		};
		int n = poll(fds, 3, WAIT_MS);
		assert_true(n > 0); /* safety net: nothing happened for WAIT_MS */
		bmc_pump(&T.bmc, &fds[1], &fds[2]);
		if (p && (fds[0].revents & (POLLIN | POLLHUP))) {
			uint8_t buf[512];
			ssize_t r = read(p->fd, buf, sizeof(buf));
			if (r <= 0) {
				assert_true(want_eof);
				return false;
			}
			assert_int_equal(cdc_rx_feed(&p->rx, buf, (size_t)r, on_frame, p), 0);
		}
		if (!p)
			return true;
	}
}

static const svcport_v1_Response *expect_response(struct peer *p, uint32_t id, pb_size_t which)
{
	assert_true(pump(p, false));
	assert_int_equal(T.frame.which_msg, svcport_v1_Frame_response_tag);
	assert_int_equal(T.frame.id, id);
	assert_int_equal(T.frame.msg.response.which_body, which);
	return &T.frame.msg.response;
}

static void expect_error(struct peer *p, uint32_t id, svcport_v1_ErrorCode code)
{
	const svcport_v1_Response *r = expect_response(p, id, svcport_v1_Response_error_tag);
	assert_int_equal(r->body.error.code, code);
}

/* Pumps the fake bmcd until it has accepted `accepts` connections and been asked n_req requests. */
static void wait_bmc(unsigned accepts, unsigned n_req)
{
	for (int i = 0; i < 100 && (T.bmc.n_accepts < accepts || T.bmc.n_req < n_req); i++)
		pump(NULL, false);
	assert_true(T.bmc.n_accepts >= accepts);
	assert_true(T.bmc.n_req >= n_req);
}

/* ---------------------------------------------------------------- process */

static int connect_unix(const char *path)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	assert_true(strlen(path) < sizeof(a.sun_path));
	memcpy(a.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

static void start_svcportd(void)
{
	int ready[2];
	assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
	char link_unix[128], link_tty[128], link_sim[128], bmc_opt[160], cap[128], fdarg[16],
	    logpath[128];
	snprintf(link_unix, sizeof(link_unix), "unix:%s/phone.sock", T.dir);
	snprintf(link_tty, sizeof(link_tty), "tty:%s", T.pts);
	snprintf(link_sim, sizeof(link_sim), "ble-sim:%s/ble-sim.sock", T.dir);
	snprintf(bmc_opt, sizeof(bmc_opt), "%s", T.bmc.path);
	snprintf(cap, sizeof(cap), "%s/capture.btsnoop", T.dir);
	snprintf(fdarg, sizeof(fdarg), "%d", ready[1]);
	snprintf(logpath, sizeof(logpath), "%s/svcportd.log", T.dir);
	T.pid = fork();
	assert_true(T.pid >= 0);
	if (T.pid == 0) {
		int log = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (log >= 0)
			dup2(log, 2);
		fcntl(ready[1], F_SETFD, 0);
		/* As root (CI), really drop privileges: to nobody. */
		const char *user = geteuid() == 0 ? "nobody" : "";
		const char *argv[40] = {"svcportd",
		                        "--link",
		                        link_unix,
		                        "--link",
		                        link_tty,
		                        "--link",
		                        link_sim,
		                        "--bmc-socket",
		                        bmc_opt,
		                        "--capture",
		                        cap,
		                        "--idle-timeout",
		                        "2s",
		                        "--max-sessions",
		                        T.max_sessions ? T.max_sessions : "4",
		                        "--ready-fd",
		                        fdarg,
		                        "--verbose"};
		int n = 18;
		for (int i = 0; i < 8 && T.extra[i]; i++)
			argv[n++] = T.extra[i];
		if (*user) {
			argv[n++] = "--user";
			argv[n++] = user;
		}
		execv(svcportd_path, (char *const *)argv);
		_exit(127);
	}
	close(ready[1]);
	struct pollfd pfd = {.fd = ready[0], .events = POLLIN};
	assert_int_equal(poll(&pfd, 1, WAIT_MS), 1);
	char buf[8] = {0};
	assert_int_equal(read(ready[0], buf, sizeof(buf)), 6);
	assert_string_equal(buf, "ready\n");
	close(ready[0]);
}

static int last_status;

static int stop_svcportd(void)
{
	int status = last_status;
	if (T.pid > 0) {
		kill(T.pid, SIGTERM);
		waitpid(T.pid, &status, 0);
		T.pid = 0;
		last_status = status;
	}
	return status;
}

static void dump_log(void)
{
	char path[128], line[512];
	snprintf(path, sizeof(path), "%s/svcportd.log", T.dir);
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		fprintf(stderr, "  | %s", line);
	fclose(f);
}

static int setup(void **state)
{
	memset(&T, 0, sizeof(T));
	last_status = 0;
	T.bmc.lfd = T.bmc.cfd = T.master = -1;
	strcpy(T.dir, "/tmp/svcportd-test-XXXXXX");
	if (!mkdtemp(T.dir) || chmod(T.dir, 0755) < 0)
		return -1;
	snprintf(T.bmc.path, sizeof(T.bmc.path), "%s/bmcd.sock", T.dir);
	T.master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (T.master < 0 || grantpt(T.master) < 0 || unlockpt(T.master) < 0)
		return -1;
	snprintf(T.pts, sizeof(T.pts), "%s", ptsname(T.master));
	struct termios tio;
	tcgetattr(T.master, &tio);
	cfmakeraw(&tio);
	tcsetattr(T.master, TCSANOW, &tio);
	return 0;
}

static int teardown(void **state)
{
	int status = stop_svcportd();
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		dump_log();
	bmc_kill(&T.bmc);
	if (T.unix_peer.fd > 0)
		close(T.unix_peer.fd);
	if (T.master >= 0)
		close(T.master);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", T.dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* ---------------------------------------------------------------- tests */

static void phone_connect(void)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/phone.sock", T.dir);
	peer_init(&T.unix_peer, connect_unix(path));
	peer_init(&T.tty_peer, T.master);
}

static void start_all(void)
{
	bmc_listen(&T.bmc);
	start_svcportd();
	/* svcportd connects and asks for DeviceInfo for its LinkInfo. */
	wait_bmc(1, 1);
	assert_int_equal(T.bmc.last.session_id, 0);
	assert_int_equal(T.bmc.last.request.which_body, svcport_v1_Request_get_device_info_tag);
	phone_connect();
}

/* svcportd runs without privileges: as root it dropped to nobody with no groups. */
static void assert_unprivileged(pid_t pid)
{
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	bool nnp = false, uid_ok = false, groups_ok = false;
	char want_uid[64];
	snprintf(want_uid, sizeof(want_uid), "Uid:\t%u\t%u\t%u\t%u\n",
	         geteuid() == 0 ? 65534u : (unsigned)geteuid(),
	         geteuid() == 0 ? 65534u : (unsigned)geteuid(),
	         geteuid() == 0 ? 65534u : (unsigned)geteuid(),
	         geteuid() == 0 ? 65534u : (unsigned)geteuid());
	while (fgets(line, sizeof(line), f)) {
		if (!strcmp(line, "NoNewPrivs:\t1\n"))
			nnp = true;
		if (!strcmp(line, want_uid))
			uid_ok = true;
		if (!strncmp(line, "Groups:", 7))
			groups_ok = geteuid() != 0 || strspn(line + 7, " \t\n") == strlen(line + 7);
		if (geteuid() == 0 && !strncmp(line, "CapPrm:", 7))
			assert_string_equal(line, "CapPrm:\t0000000000000000\n");
		/* The system-call filter is on (mode 2) unless the build runs without it
		 * (the sanitizer build: LeakSanitizer needs ptrace at exit). */
		if (!strncmp(line, "Seccomp:", 8))
			assert_string_equal(line, getenv("SVCPORT_EXPECT_SECCOMP")
			                              ? "Seccomp:\t2\n"
			                              : "Seccomp:\t0\n");
	}
	fclose(f);
	assert_true(nnp);
	assert_true(uid_ok);
	assert_true(groups_ok);
}

/* Relay over unix: and tty:, link kind and presence per link, local answers. */
/*
 * Runs svcportd with argv (NULL-terminated, without argv[0]) expecting it
 * to stop by itself with exit status want_status and a message containing
 * want_text on stderr. A svcportd still running after WAIT_MS fails the test.
 */
static void expect_refusal(const char *const *args, int want_status, const char *want_text)
{
	int errp[2];
	assert_int_equal(pipe2(errp, O_CLOEXEC), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		const char *argv[16] = {"svcportd"};
		for (int i = 0; args[i] && i < 14; i++)
			argv[i + 1] = args[i];
		dup2(errp[1], 2);
		execv(svcportd_path, (char *const *)argv);
		_exit(127);
	}
	close(errp[1]);
	char text[2048] = {0};
	size_t len = 0;
	for (;;) {
		struct pollfd pfd = {.fd = errp[0], .events = POLLIN};
		if (poll(&pfd, 1, WAIT_MS) != 1) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			close(errp[0]);
			fail_msg("svcportd did not stop: %s", text);
		}
		ssize_t n = read(errp[0], text + len, sizeof(text) - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(errp[0]);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), want_status);
	if (!strstr(text, want_text))
		fail_msg("expected '%s' in: %s", want_text, text);
}

/* ble: and usb: here (no radio, no device) and bad setups fail clearly, never half-start. */
static void test_refusals(void **state)
{
	char bmc[160];
	snprintf(bmc, sizeof(bmc), "%s/bmcd.sock", T.dir);
	const char *user = geteuid() == 0 ? "nobody" : "";
	const char *ble[] = {"--link", "ble:hci99", "--bmc-socket", bmc, *user ? "--user" : NULL,
	                     user,     NULL};
	expect_refusal(ble, 1, "link ble:hci99: no Bluetooth");
	const char *usb[] = {
	    "--link", "usb:ffff:fffe", "--bmc-socket", bmc, *user ? "--user" : NULL, user, NULL};
	expect_refusal(usb, 1, "link usb:ffff:fffe: ");
	const char *usb_bad[] = {"--link", "usb:phone", NULL};
	expect_refusal(usb_bad, 1, "expected usb:VID:PID");
	const char *scheme[] = {"--link", "serial:/dev/ttyS0", NULL};
	expect_refusal(scheme, 1, "unknown scheme");
	/* https: needs an IP address and port, and the link dir of bmcd's export. */
	const char *https_bad[] = {"--link", "https:bmc.example:443", NULL};
	expect_refusal(https_bad, 1, "expected https:ADDR:PORT");
	const char *https_nodir[] = {"--link", "https:127.0.0.1:0", NULL};
	expect_refusal(https_nodir, 1, "needs --link-dir");
	const char *opt[] = {"--link", "unix:/x", "--max-sessions", "100", NULL};
	expect_refusal(opt, 2, "bad value '100' for 'max-sessions'");
	char tty[128];
	snprintf(tty, sizeof(tty), "tty:%s/not-a-tty", T.dir);
	const char *tty_missing[] = {"--link", tty, NULL};
	expect_refusal(tty_missing, 1, "cannot open the service-port tty");
	/* The privilege drop fails clearly and before anything is served. */
	char link[160];
	snprintf(link, sizeof(link), "unix:%s/phone.sock", T.dir);
	/* A capture path that is a symlink is refused (root must not be led to
	 * truncate another file), and the file it points to is left alone. */
	char target[160], cap[160];
	snprintf(target, sizeof(target), "%s/precious", T.dir);
	snprintf(cap, sizeof(cap), "%s/capture.btsnoop", T.dir);
	int tfd = open(target, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(tfd >= 0);
	assert_int_equal(write(tfd, "keep", 4), 4);
	close(tfd);
	assert_int_equal(symlink(target, cap), 0);
	const char *capsym[] = {"--link", link, "--capture", cap, NULL};
	expect_refusal(capsym, 1, "capture ");
	struct stat st;
	assert_int_equal(stat(target, &st), 0);
	assert_int_equal(st.st_size, 4);
	unlink(cap);
	unlink(target);
	if (geteuid() == 0) {
		const char *nouser[] = {"--link", link, "--user", "svcport-no-such-user", NULL};
		expect_refusal(nouser, 1, "user 'svcport-no-such-user' does not exist");
	} else {
		const char *root[] = {"--link", link, "--user", "root", NULL};
		expect_refusal(root, 1, "--user root needs root");
	}
}

static void test_relay_per_link(void **state)
{
	start_all();
	send_request(&T.unix_peer, 1, svcport_v1_Request_get_device_info_tag);
	const svcport_v1_Response *r =
	    expect_response(&T.unix_peer, 1, svcport_v1_Response_device_info_tag);
	assert_string_equal(r->body.device_info.device.serial_number, "J900TEST");
	/* Each simulated link reports its real kind (contracts.md): unix: is USB. */
	assert_int_equal(T.bmc.last.link, svcport_v1_LinkKind_LINK_USB);
	assert_true(T.bmc.last.physical_presence);
	assert_int_equal(T.bmc.last.request_id, 1);
	uint32_t unix_session = T.bmc.last.session_id;
	assert_true(unix_session != 0);

	send_request(&T.tty_peer, 1, svcport_v1_Request_get_device_info_tag);
	expect_response(&T.tty_peer, 1, svcport_v1_Response_device_info_tag);
	assert_int_equal(T.bmc.last.link, svcport_v1_LinkKind_LINK_USB);
	assert_true(T.bmc.last.physical_presence);
	assert_true(T.bmc.last.session_id != unix_session);

	/* GetLinkInfo and Ping never reach bmcd. */
	unsigned n = T.bmc.n_req;
	send_request(&T.tty_peer, 2, svcport_v1_Request_get_link_info_tag);
	r = expect_response(&T.tty_peer, 2, svcport_v1_Response_link_info_tag);
	assert_string_equal(r->body.link_info.device.serial_number, "J900TEST");
	send_request(&T.unix_peer, 2, svcport_v1_Request_ping_tag);
	expect_response(&T.unix_peer, 2, svcport_v1_Response_pong_tag);
	/* A repeated id: the cached answer, bmcd not asked again. */
	send_request(&T.unix_peer, 3, svcport_v1_Request_get_challenge_tag);
	expect_response(&T.unix_peer, 3, svcport_v1_Response_challenge_tag);
	assert_int_equal(T.bmc.n_req, n + 1);
	send_request(&T.unix_peer, 3, svcport_v1_Request_get_challenge_tag);
	expect_response(&T.unix_peer, 3, svcport_v1_Response_challenge_tag);
	assert_int_equal(T.bmc.n_req, n + 1);
	assert_unprivileged(T.pid);
	assert_int_equal(stop_svcportd(), 0);
}

/* bmcd killed: BMC_UNAVAILABLE at once, links stay up; restarted: served again. */
static void test_bmc_killed_and_restarted(void **state)
{
	start_all();
	send_request(&T.unix_peer, 1, svcport_v1_Request_get_challenge_tag);
	expect_response(&T.unix_peer, 1, svcport_v1_Response_challenge_tag);

	/* Killed with a request in flight: answered now, not after a timeout. */
	T.bmc.silent = true;
	send_request(&T.tty_peer, 5, svcport_v1_Request_submit_command_tag);
	wait_bmc(1, T.bmc.n_req + 1);
	assert_int_equal(T.bmc.last.request.which_body, svcport_v1_Request_submit_command_tag);
	bmc_kill(&T.bmc);
	expect_error(&T.tty_peer, 5, svcport_v1_ErrorCode_BMC_UNAVAILABLE);
	send_request(&T.unix_peer, 2, svcport_v1_Request_get_challenge_tag);
	expect_error(&T.unix_peer, 2, svcport_v1_ErrorCode_BMC_UNAVAILABLE);
	/* The link itself still answers. */
	send_request(&T.unix_peer, 3, svcport_v1_Request_ping_tag);
	expect_response(&T.unix_peer, 3, svcport_v1_Response_pong_tag);

	T.bmc.silent = false;
	unsigned accepts = T.bmc.n_accepts;
	bmc_listen(&T.bmc);
	wait_bmc(accepts + 1, T.bmc.n_req + 1); /* reconnect + DeviceInfo refresh */
	/* The same id again: BMC_UNAVAILABLE was not cached, so it is relayed now. */
	send_request(&T.unix_peer, 2, svcport_v1_Request_get_challenge_tag);
	expect_response(&T.unix_peer, 2, svcport_v1_Response_challenge_tag);
	send_request(&T.tty_peer, 6, svcport_v1_Request_get_device_info_tag);
	expect_response(&T.tty_peer, 6, svcport_v1_Response_device_info_tag);
	assert_int_equal(stop_svcportd(), 0);
}

/* StateChanged from bmcd reaches every CDC session as an Event with id 0. */
static void test_event_forwarded(void **state)
{
	start_all();
	send_request(&T.unix_peer, 1, svcport_v1_Request_ping_tag); /* opens the sessions */
	expect_response(&T.unix_peer, 1, svcport_v1_Response_pong_tag);
	send_request(&T.tty_peer, 1, svcport_v1_Request_ping_tag);
	expect_response(&T.tty_peer, 1, svcport_v1_Response_pong_tag);
	static svcport_v1_BmcReply ev;
	memset(&ev, 0, sizeof(ev));
	ev.which_msg = svcport_v1_BmcReply_event_tag;
	ev.msg.event.which_body = svcport_v1_Event_state_changed_tag;
	ev.msg.event.body.state_changed.lockdown_state = svcport_v1_LockdownState_LOCKDOWN_ACTIVE;
	bmc_send_reply(&T.bmc, &ev);
	struct peer *peers[] = {&T.unix_peer, &T.tty_peer};
	for (int i = 0; i < 2; i++) {
		assert_true(pump(peers[i], false));
		assert_int_equal(T.frame.id, 0);
		assert_int_equal(T.frame.which_msg, svcport_v1_Frame_event_tag);
		assert_int_equal(T.frame.msg.event.body.state_changed.lockdown_state,
		                 svcport_v1_LockdownState_LOCKDOWN_ACTIVE);
	}
	assert_int_equal(stop_svcportd(), 0);
}

/* Bad CRC, bad COBS, bad protobuf: the matching Error, and the session keeps working. */
static void test_bad_input(void **state)
{
	start_all();
	uint8_t frame[64];
	svcport_v1_Frame f = svcport_v1_Frame_init_zero;
	f.id = 1;
	f.which_msg = svcport_v1_Frame_request_tag;
	f.msg.request.which_body = svcport_v1_Request_ping_tag;
	pb_ostream_t os = pb_ostream_from_buffer(frame, sizeof(frame));
	assert_true(pb_encode(&os, svcport_v1_Frame_fields, &f));
	uint8_t enc[128];
	long n = cdc_frame_encode(frame, os.bytes_written, enc, sizeof(enc));
	assert_true(n > 3);
	enc[1] ^= 0x01; /* a flipped payload bit: CRC mismatch */
	write_all(T.tty_peer.fd, enc, (size_t)n);
	expect_error(&T.tty_peer, 0, svcport_v1_ErrorCode_LINK_PROTOCOL);

	static const uint8_t cobs_bad[] = {0x05, 0x01, 0x00}; /* code runs past the delimiter */
	write_all(T.unix_peer.fd, cobs_bad, sizeof(cobs_bad));
	expect_error(&T.unix_peer, 0, svcport_v1_ErrorCode_LINK_PROTOCOL);

	static const uint8_t junk[] = {0xff, 0xff, 0xff, 0xff, 0xff};
	send_raw_frame(&T.unix_peer, junk, sizeof(junk));
	expect_error(&T.unix_peer, 0, svcport_v1_ErrorCode_BAD_REQUEST);

	/* Over the maximum message size: TOO_LARGE, then resynchronised. */
	static uint8_t big[9000];
	memset(big, 0x41, sizeof(big));
	big[sizeof(big) - 1] = 0;
	write_all(T.unix_peer.fd, big, sizeof(big));
	expect_error(&T.unix_peer, 0, svcport_v1_ErrorCode_TOO_LARGE);

	send_request(&T.unix_peer, 9, svcport_v1_Request_get_device_info_tag);
	expect_response(&T.unix_peer, 9, svcport_v1_Response_device_info_tag);
	send_request(&T.tty_peer, 9, svcport_v1_Request_get_device_info_tag);
	expect_response(&T.tty_peer, 9, svcport_v1_Response_device_info_tag);
	assert_int_equal(stop_svcportd(), 0);
}

/* A unix: connection without frames for the idle timeout is closed by svcportd. */
static void test_idle_timeout_closes(void **state)
{
	start_all();
	send_request(&T.unix_peer, 1, svcport_v1_Request_ping_tag);
	expect_response(&T.unix_peer, 1, svcport_v1_Response_pong_tag);
	assert_false(pump(&T.unix_peer, true)); /* end of stream after 2 s */
	close(T.unix_peer.fd);
	/* A new connection gets a new session. */
	phone_connect();
	send_request(&T.unix_peer, 1, svcport_v1_Request_ping_tag);
	expect_response(&T.unix_peer, 1, svcport_v1_Response_pong_tag);
	assert_int_equal(stop_svcportd(), 0);
}

/* ---------------------------------------------------------------- ble-sim: */

static struct gatt_client *sim_connect(int *ret_fd, bool notify, uint16_t mtu)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/ble-sim.sock", T.dir);
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	memcpy(a.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	struct gatt_client *c;
	struct gatt_client_config cfg = {.timeout_ms = WAIT_MS, .mtu = mtu};
	assert_int_equal(gatt_client_new(fd, &cfg, &c), 0);
	assert_int_equal(gatt_client_exchange_mtu(c), 0);
	assert_int_equal(gatt_client_discover(c), 0);
	if (notify)
		assert_int_equal(gatt_client_enable_notifications(c), 0);
	*ret_fd = fd;
	return c;
}

/* Receives one Frame over GATT into T.frame. */
static void sim_recv(struct gatt_client *c)
{
	static uint8_t buf[svcport_v1_Frame_size];
	size_t n;
	assert_int_equal(gatt_client_recv_message(c, buf, sizeof(buf), &n, WAIT_MS), 0);
	memset(&T.frame, 0, sizeof(T.frame));
	pb_istream_t is = pb_istream_from_buffer(buf, n);
	assert_true(pb_decode(&is, svcport_v1_Frame_fields, &T.frame));
}

static void sim_expect_error(struct gatt_client *c, uint32_t id, svcport_v1_ErrorCode code)
{
	sim_recv(c);
	assert_int_equal(T.frame.id, id);
	assert_int_equal(T.frame.msg.response.which_body, svcport_v1_Response_error_tag);
	assert_int_equal(T.frame.msg.response.body.error.code, code);
}

static size_t ping_frame(uint32_t id, uint8_t *buf, size_t cap)
{
	svcport_v1_Frame f = svcport_v1_Frame_init_zero;
	f.id = id;
	f.which_msg = svcport_v1_Frame_request_tag;
	f.msg.request.which_body = svcport_v1_Request_ping_tag;
	pb_ostream_t os = pb_ostream_from_buffer(buf, cap);
	assert_true(pb_encode(&os, svcport_v1_Frame_fields, &f));
	return os.bytes_written;
}

/* Bad segments get LINK_PROTOCOL / TOO_LARGE and the link resynchronises (DESIGN §2.1). */
static void test_ble_sim_bad_segments(void **state)
{
	start_all();
	int fd;
	struct gatt_client *c = sim_connect(&fd, true, 0);
	uint8_t msg[64], seg[80];
	size_t n = ping_frame(1, msg, sizeof(msg));
	/* Counter 5 where 0 is due. */
	seg[0] = SEG_FIRST | SEG_LAST | 5;
	seg[1] = (uint8_t)n;
	seg[2] = 0;
	memcpy(seg + 3, msg, n);
	assert_int_equal(gatt_client_write_rx(c, seg, n + 3), 0);
	sim_expect_error(c, 0, svcport_v1_ErrorCode_LINK_PROTOCOL);
	/* The next segment must carry 6: accepted, answered. */
	seg[0] = SEG_FIRST | SEG_LAST | 6;
	assert_int_equal(gatt_client_write_rx(c, seg, n + 3), 0);
	sim_recv(c);
	assert_int_equal(T.frame.id, 1);
	assert_int_equal(T.frame.msg.response.which_body, svcport_v1_Response_pong_tag);
	/* A message announced over the maximum. */
	seg[0] = SEG_FIRST | 7;
	seg[1] = 0x28; /* 9000 */
	seg[2] = 0x23;
	assert_int_equal(gatt_client_write_rx(c, seg, 20), 0);
	sim_expect_error(c, 0, svcport_v1_ErrorCode_TOO_LARGE);
	/* A continuation without FIRST. */
	seg[0] = SEG_LAST | 8;
	assert_int_equal(gatt_client_write_rx(c, seg, 10), 0);
	sim_expect_error(c, 0, svcport_v1_ErrorCode_LINK_PROTOCOL);
	/* Undecodable protobuf in good segments. */
	seg[0] = SEG_FIRST | SEG_LAST | 9;
	seg[1] = 4;
	seg[2] = 0;
	memset(seg + 3, 0xff, 4);
	assert_int_equal(gatt_client_write_rx(c, seg, 7), 0);
	sim_expect_error(c, 0, svcport_v1_ErrorCode_BAD_REQUEST);
	gatt_client_free(c);
	close(fd);
	assert_int_equal(stop_svcportd(), 0);
}

/* Enabling TX notifications starts a conversation: a phone's OS hands a kept LE
 * link to the next app, whose counters start at 0, so both counters restart and
 * a partial message is dropped (docs/links.md; found on the real stack). */
static void test_ble_sim_cccd_restarts_counters(void **state)
{
	start_all();
	int fd;
	struct gatt_client *c = sim_connect(&fd, true, 0);
	uint8_t msg[64], seg[80], note[600];
	size_t n = ping_frame(1, msg, sizeof(msg)), got;

	/* First app: one exchange, so both of the gateway's counters are at 1. */
	seg[0] = SEG_FIRST | SEG_LAST | 0;
	seg[1] = (uint8_t)n;
	seg[2] = 0;
	memcpy(seg + 3, msg, n);
	assert_int_equal(gatt_client_write_rx(c, seg, n + 3), 0);
	assert_int_equal(gatt_client_wait_notification(c, note, sizeof(note), &got, WAIT_MS), 0);
	assert_int_equal(note[0], SEG_FIRST | SEG_LAST | 0);
	/* ... and it leaves half a message behind (counter 1, 3 of 40 bytes). */
	seg[0] = SEG_FIRST | 1;
	seg[1] = 40;
	assert_int_equal(gatt_client_write_rx(c, seg, 6), 0);

	/* Next app on the same link: enables notifications, starts at 0. */
	assert_int_equal(gatt_client_enable_notifications(c), 0);
	n = ping_frame(2, msg, sizeof(msg));
	seg[0] = SEG_FIRST | SEG_LAST | 0;
	seg[1] = (uint8_t)n;
	memcpy(seg + 3, msg, n);
	assert_int_equal(gatt_client_write_rx(c, seg, n + 3), 0);
	assert_int_equal(gatt_client_wait_notification(c, note, sizeof(note), &got, WAIT_MS), 0);
	assert_int_equal(note[0], SEG_FIRST | SEG_LAST | 0); /* TX counter restarted too */
	memset(&T.frame, 0, sizeof(T.frame));
	pb_istream_t is = pb_istream_from_buffer(note + 3, got - 3);
	assert_true(pb_decode(&is, svcport_v1_Frame_fields, &T.frame));
	assert_int_equal(T.frame.id, 2);
	assert_int_equal(T.frame.msg.response.which_body, svcport_v1_Response_pong_tag);
	gatt_client_free(c);
	close(fd);
	assert_int_equal(stop_svcportd(), 0);
}

/* A flooding GATT phone is throttled; a tty: phone meanwhile is served at once. */
static void test_ble_sim_flood(void **state)
{
	start_all();
	int fd;
	struct gatt_client *c = sim_connect(&fd, true, 0);
	uint8_t msg[64];
	for (uint32_t id = 1; id <= 60; id++) {
		size_t n = ping_frame(id, msg, sizeof(msg));
		assert_int_equal(gatt_client_send_message(c, msg, n), 0);
	}
	send_request(&T.tty_peer, 1, svcport_v1_Request_ping_tag);
	expect_response(&T.tty_peer, 1, svcport_v1_Response_pong_tag);
	unsigned pongs = 0;
	for (;;) {
		sim_recv(c);
		if (T.frame.msg.response.which_body == svcport_v1_Response_error_tag)
			break;
		assert_int_equal(T.frame.msg.response.which_body, svcport_v1_Response_pong_tag);
		pongs++;
	}
	assert_int_equal(T.frame.msg.response.body.error.code, svcport_v1_ErrorCode_RATE_LIMITED);
	assert_true(T.frame.msg.response.body.error.retry_after_ms > 0);
	assert_true(pongs >= 20 && pongs < 60); /* the burst, maybe a refill, not all */
	gatt_client_free(c);
	close(fd);
	assert_int_equal(stop_svcportd(), 0);
}

/* Events reach a GATT phone only once it enabled TX notifications; INFO is LinkInfo. */
static void test_ble_sim_events_and_info(void **state)
{
	start_all();
	int fd_on, fd_off;
	struct gatt_client *on = sim_connect(&fd_on, true, 0);
	struct gatt_client *off = sim_connect(&fd_off, false, 0);
	uint8_t info[svcport_v1_LinkInfo_size];
	size_t len;
	assert_int_equal(gatt_client_read_info(off, info, sizeof(info), &len), 0);
	svcport_v1_LinkInfo li = svcport_v1_LinkInfo_init_zero;
	pb_istream_t is = pb_istream_from_buffer(info, len);
	assert_true(pb_decode(&is, svcport_v1_LinkInfo_fields, &li));
	assert_string_equal(li.device.serial_number, "J900TEST");
	static svcport_v1_BmcReply ev;
	memset(&ev, 0, sizeof(ev));
	ev.which_msg = svcport_v1_BmcReply_event_tag;
	ev.msg.event.which_body = svcport_v1_Event_state_changed_tag;
	ev.msg.event.body.state_changed.security_led = svcport_v1_SecurityLed_LED_ON;
	bmc_send_reply(&T.bmc, &ev);
	sim_recv(on);
	assert_int_equal(T.frame.id, 0);
	assert_int_equal(T.frame.which_msg, svcport_v1_Frame_event_tag);
	assert_int_equal(T.frame.msg.event.body.state_changed.security_led,
	                 svcport_v1_SecurityLed_LED_ON);
	/* The phone without notifications got nothing: its next message is its own answer. */
	assert_int_equal(gatt_client_enable_notifications(off), 0);
	uint8_t msg[64];
	size_t n = ping_frame(1, msg, sizeof(msg));
	assert_int_equal(gatt_client_send_message(off, msg, n), 0);
	sim_recv(off);
	assert_int_equal(T.frame.id, 1);
	assert_int_equal(T.frame.msg.response.which_body, svcport_v1_Response_pong_tag);
	gatt_client_free(on);
	gatt_client_free(off);
	close(fd_on);
	close(fd_off);
	assert_int_equal(stop_svcportd(), 0);
}

/* A long answer at ATT_MTU 517 and at 23: every notification value within 512 bytes. */
static void test_ble_sim_long_answer(void **state)
{
	start_all();
	for (int pass = 0; pass < 2; pass++) {
		int fd;
		struct gatt_client *c = sim_connect(&fd, true, pass ? 23 : 0);
		svcport_v1_Frame f = svcport_v1_Frame_init_zero;
		f.id = 1;
		f.which_msg = svcport_v1_Frame_request_tag;
		f.msg.request.which_body = svcport_v1_Request_get_device_info_tag;
		f.msg.request.body.get_device_info.include_certificate = true;
		uint8_t msg[64];
		pb_ostream_t os = pb_ostream_from_buffer(msg, sizeof(msg));
		assert_true(pb_encode(&os, svcport_v1_Frame_fields, &f));
		unsigned n_req = T.bmc.n_req;
		assert_int_equal(gatt_client_send_message(c, msg, os.bytes_written), 0);
		wait_bmc(1, n_req + 1); /* the fake bmcd answers in this process */
		/* ble-sim: is BLE to bmcd, never presence (contracts.md). */
		assert_int_equal(T.bmc.last.link, svcport_v1_LinkKind_LINK_BLE);
		assert_false(T.bmc.last.physical_presence);
		sim_recv(c);
		assert_int_equal(T.frame.id, 1);
		assert_int_equal(T.frame.msg.response.which_body,
		                 svcport_v1_Response_device_info_tag);
		assert_int_equal(T.frame.msg.response.body.device_info.device_certificate.size,
		                 1000);
		for (int i = 0; i < 1000; i++)
			assert_int_equal(
			    T.frame.msg.response.body.device_info.device_certificate.bytes[i],
			    (uint8_t)i);
		struct gattc_stats st;
		gatt_client_get_stats(c, &st);
		assert_true(st.notifications >= (pass ? 50u : 3u));
		gatt_client_free(c);
		close(fd);
	}
	assert_int_equal(stop_svcportd(), 0);
}

/* Sends Ping id with payload text and expects its own Pong back. */
static void sim_ping_expect(struct gatt_client *c, uint32_t id, const char *text)
{
	svcport_v1_Frame f = svcport_v1_Frame_init_zero;
	f.id = id;
	f.which_msg = svcport_v1_Frame_request_tag;
	f.msg.request.which_body = svcport_v1_Request_ping_tag;
	f.msg.request.body.ping.payload.size = (pb_size_t)strlen(text);
	memcpy(f.msg.request.body.ping.payload.bytes, text, strlen(text));
	uint8_t msg[128];
	pb_ostream_t os = pb_ostream_from_buffer(msg, sizeof(msg));
	assert_true(pb_encode(&os, svcport_v1_Frame_fields, &f));
	assert_int_equal(gatt_client_send_message(c, msg, os.bytes_written), 0);
	sim_recv(c);
	assert_int_equal(T.frame.id, id);
	assert_int_equal(T.frame.msg.response.which_body, svcport_v1_Response_pong_tag);
	assert_int_equal(T.frame.msg.response.body.pong.payload.size, strlen(text));
	assert_memory_equal(T.frame.msg.response.body.pong.payload.bytes, text, strlen(text));
}

/*
 * The next app on the same LE link (the phone's OS keeps the ACL and hands it over) starts
 * a new conversation when it enables TX notifications: its ids start again, and its
 * requests must be served, never answered from the previous app's cached response.
 */
static void test_ble_sim_next_app_fresh_session(void **state)
{
	start_all();
	int fd;
	struct gatt_client *c = sim_connect(&fd, true, 0);
	sim_ping_expect(c, 1, "first app");
	gatt_client_free(c);
	struct gatt_client_config cfg = {.timeout_ms = WAIT_MS};
	assert_int_equal(gatt_client_new(fd, &cfg, &c), 0);
	assert_int_equal(gatt_client_exchange_mtu(c), 0);
	assert_int_equal(gatt_client_discover(c), 0);
	assert_int_equal(gatt_client_enable_notifications(c), 0);
	sim_ping_expect(c, 1, "second app");
	gatt_client_free(c);
	close(fd);
	assert_int_equal(stop_svcportd(), 0);
}

/* No ATT PDU is longer than ATT_MTU 517 (DESIGN §2.1): a longer packet drops the connection. */
static void test_ble_sim_pdu_over_517_dropped(void **state)
{
	start_all();
	int fd;
	struct gatt_client *c = sim_connect(&fd, true, 0);
	uint8_t pdu[518];
	memset(pdu, 0, sizeof(pdu));
	pdu[0] = 0x52; /* Write Command, RX handle */
	pdu[1] = 0x0c;
	assert_int_equal(send(fd, pdu, sizeof(pdu), 0), (ssize_t)sizeof(pdu));
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	assert_int_equal(poll(&pfd, 1, WAIT_MS), 1);
	char b;
	assert_int_equal(recv(fd, &b, 1, MSG_DONTWAIT), 0); /* closed by svcportd */
	gatt_client_free(c);
	close(fd);
	/* 517 bytes is still a PDU: the next phone writes one and is answered. */
	c = sim_connect(&fd, true, 0);
	pdu[517 - 1] = 0;
	assert_int_equal(send(fd, pdu, 517, 0), 517);
	sim_ping_expect(c, 1, "after");
	gatt_client_free(c);
	close(fd);
	assert_int_equal(stop_svcportd(), 0);
}

/* ---------------------------------------------------------------- fail closed (issue 12) */

/* Waits until svcportd closes fd (data before the end is skipped). */
static void expect_eof(int fd)
{
	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		assert_int_equal(poll(&pfd, 1, WAIT_MS), 1);
		uint8_t buf[1024];
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno == ECONNRESET))
			return;
		assert_true(n > 0 || errno == EAGAIN);
	}
}

/* True when svcportd has not closed fd (nothing to read, no end of stream). */
static bool is_open(int fd)
{
	uint8_t b;
	ssize_t n = recv(fd, &b, 1, MSG_DONTWAIT | MSG_PEEK);
	return n < 0 && errno == EAGAIN;
}

/* A FIRST segment announcing `total` bytes and carrying 10: a message left half-sent. */
static void sim_start_message(int fd, uint16_t total)
{
	uint8_t pdu[16] = {0x52, 0x0c, 0x00, SEG_FIRST | 0, (uint8_t)total, (uint8_t)(total >> 8)};
	assert_int_equal(send(fd, pdu, 16, 0), 16);
}

static struct peer *unix_peer_new(void)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/phone.sock", T.dir);
	struct peer *p = calloc(1, sizeof(*p));
	assert_non_null(p);
	peer_init(p, connect_unix(path));
	return p;
}

/* The attacks below hold sessions for as long as they like: no idle timeout helps. */
static const char *const long_idle[] = {"--idle-timeout", "60s", NULL};

/*
 * The attack of issue 12: four BLE connections, each holding a half-sent message, must
 * not lock the USB technician out. One kind holds at most 3 of 4 slots: the fourth BLE
 * phone is let go, the tty: technician is served, and so is a second USB peer (unix:),
 * which takes the slot of the quietest BLE session.
 */
static void test_ble_cannot_lock_out_usb(void **state)
{
	memcpy(T.extra, long_idle, sizeof(long_idle));
	start_all();
	int fd[4];
	struct gatt_client *c[4];
	for (int i = 0; i < 3; i++) {
		c[i] = sim_connect(&fd[i], true, 23);
		sim_start_message(fd[i], 4000);
	}
	c[3] = sim_connect(&fd[3], false, 23);
	if (gatt_client_enable_notifications(c[3]) == 0) /* or it saw the end already */
		(void)0;
	expect_eof(fd[3]);
	send_request(&T.tty_peer, 1, svcport_v1_Request_ping_tag);
	expect_response(&T.tty_peer, 1, svcport_v1_Response_pong_tag);
	send_request(&T.unix_peer, 1, svcport_v1_Request_get_device_info_tag);
	expect_response(&T.unix_peer, 1, svcport_v1_Response_device_info_tag);
	expect_eof(fd[0]); /* the quietest BLE session gave its slot */
	assert_true(is_open(fd[1]) && is_open(fd[2]));
	for (int i = 0; i < 4; i++) {
		gatt_client_free(c[i]);
		close(fd[i]);
	}
	assert_int_equal(stop_svcportd(), 0);
}

/* The other way round: USB peers (unix:) never take BLE's last slot. */
static void test_usb_cannot_lock_out_ble(void **state)
{
	T.max_sessions = "2";
	memcpy(T.extra, long_idle, sizeof(long_idle));
	start_all();
	send_request(&T.unix_peer, 1, svcport_v1_Request_ping_tag);
	expect_response(&T.unix_peer, 1, svcport_v1_Response_pong_tag);
	/* The tty technician takes the quiet unix: session's slot (USB has 1 of 2). */
	send_request(&T.tty_peer, 1, svcport_v1_Request_ping_tag);
	expect_response(&T.tty_peer, 1, svcport_v1_Response_pong_tag);
	assert_false(pump(&T.unix_peer, true));
	int fd, fd2;
	struct gatt_client *c = sim_connect(&fd, true, 0);
	sim_ping_expect(c, 1, "ble keeps its slot");
	/* A second BLE phone finds BLE's slot taken: let go at once. */
	struct gatt_client *c2 = sim_connect(&fd2, false, 0);
	if (gatt_client_enable_notifications(c2) == 0) /* or it saw the end already */
		(void)0;
	expect_eof(fd2);
	send_request(&T.tty_peer, 2, svcport_v1_Request_ping_tag);
	expect_response(&T.tty_peer, 2, svcport_v1_Response_pong_tag);
	gatt_client_free(c);
	gatt_client_free(c2);
	close(fd);
	close(fd2);
	assert_int_equal(stop_svcportd(), 0);
}

/* A BLE connection is a session only once it subscribes to TX: four that never do hold
 * nothing, and a fifth connection pushes the oldest of them out (the waiting cap). */
static void test_unsubscribed_ble_holds_no_session(void **state)
{
	memcpy(T.extra, long_idle, sizeof(long_idle));
	start_all();
	int fd[5];
	struct gatt_client *c[5];
	for (int i = 0; i < 4; i++)
		c[i] = sim_connect(&fd[i], false, 0);
	c[4] = sim_connect(&fd[4], true, 0);
	sim_ping_expect(c[4], 1, "a phone");
	expect_eof(fd[0]);
	for (int i = 1; i < 4; i++)
		assert_true(is_open(fd[i]));
	for (int i = 0; i < 5; i++) {
		gatt_client_free(c[i]);
		close(fd[i]);
	}
	assert_int_equal(stop_svcportd(), 0);
}

/*
 * Deadlines: a BLE connection that does not subscribe, a unix: connection that sends
 * no frame, and a half-sent message (BLE segments, a unix: half frame) under the
 * progress rule are closed; a tty: half frame is dropped with LINK_PROTOCOL and the
 * technician goes on.
 */
static void test_slow_peers_closed(void **state)
{
	static const char *const extra[] = {
	    "--start-timeout", "300ms", "--message-timeout", "300ms", "--min-rate", "1000", NULL};
	memcpy(T.extra, extra, sizeof(extra));
	start_all();
	int fd_quiet, fd_slow;
	struct gatt_client *quiet = sim_connect(&fd_quiet, false, 0);
	struct gatt_client *slow = sim_connect(&fd_slow, true, 23);
	sim_start_message(fd_slow, 2000);
	struct peer *mute = unix_peer_new();
	send_request(&T.unix_peer, 1, svcport_v1_Request_ping_tag);
	expect_response(&T.unix_peer, 1, svcport_v1_Response_pong_tag);
	static const uint8_t half[] = {0x05, 0x08, 0x01, 0x12}; /* no 0x00: never ends */
	write_all(T.unix_peer.fd, half, sizeof(half));
	expect_eof(fd_quiet);
	expect_eof(fd_slow);
	expect_eof(mute->fd);
	expect_error(&T.unix_peer, 0, svcport_v1_ErrorCode_LINK_PROTOCOL); /* then closed */
	assert_false(pump(&T.unix_peer, true));
	send_request(&T.tty_peer, 1, svcport_v1_Request_ping_tag);
	expect_response(&T.tty_peer, 1, svcport_v1_Response_pong_tag);
	write_all(T.tty_peer.fd, half, sizeof(half));
	expect_error(&T.tty_peer, 0, svcport_v1_ErrorCode_LINK_PROTOCOL);
	send_request(&T.tty_peer, 2, svcport_v1_Request_ping_tag);
	expect_response(&T.tty_peer, 2, svcport_v1_Response_pong_tag);
	gatt_client_free(quiet);
	gatt_client_free(slow);
	close(fd_quiet);
	close(fd_slow);
	close(mute->fd);
	free(mute);
	assert_int_equal(stop_svcportd(), 0);
}

static void sim_submit_expect(struct gatt_client *c, uint32_t id, svcport_v1_ErrorCode code)
{
	svcport_v1_Frame f = svcport_v1_Frame_init_zero;
	f.id = id;
	f.which_msg = svcport_v1_Frame_request_tag;
	f.msg.request.which_body = svcport_v1_Request_submit_command_tag;
	uint8_t msg[64];
	pb_ostream_t os = pb_ostream_from_buffer(msg, sizeof(msg));
	assert_true(pb_encode(&os, svcport_v1_Frame_fields, &f));
	unsigned n = T.bmc.n_req;
	assert_int_equal(gatt_client_send_message(c, msg, os.bytes_written), 0);
	if (code != svcport_v1_ErrorCode_RATE_LIMITED)
		wait_bmc(1, n + 1); /* the fake bmcd answers in this process */
	sim_expect_error(c, id, code);
}

/*
 * Back-off in the gateway, per peer: a BLE peer whose commands bmcd refuses is slowed
 * after 3 free failures without bmcd being asked again; the USB technician is not.
 */
static void test_backoff_slows_the_failing_peer(void **state)
{
	start_all();
	int fd;
	struct gatt_client *c = sim_connect(&fd, true, 0);
	uint32_t id = 1;
	for (int i = 0; i < 4; i++) /* the fake bmcd refuses every command: INVALID_STATE */
		sim_submit_expect(c, id++, svcport_v1_ErrorCode_INVALID_STATE);
	unsigned n = T.bmc.n_req;
	sim_submit_expect(c, id++, svcport_v1_ErrorCode_RATE_LIMITED);
	assert_true(T.frame.msg.response.body.error.retry_after_ms > 0);
	assert_int_equal(T.bmc.n_req, n);
	send_request(&T.unix_peer, 1, svcport_v1_Request_submit_command_tag);
	expect_error(&T.unix_peer, 1, svcport_v1_ErrorCode_INVALID_STATE);
	assert_int_equal(T.bmc.n_req, n + 1);
	assert_int_equal(T.bmc.last.link, svcport_v1_LinkKind_LINK_USB);
	gatt_client_free(c);
	close(fd);
	assert_int_equal(stop_svcportd(), 0);
}

/* Searches every readable mapping of pid's memory for text; true when it is there. */
static bool memory_holds(pid_t pid, const char *text)
{
	char path[64], line[512];
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	FILE *maps = fopen(path, "r");
	assert_non_null(maps);
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	int mem = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(mem >= 0);
	static uint8_t chunk[1 << 20];
	bool found = false;
	while (!found && fgets(line, sizeof(line), maps)) {
		unsigned long lo, hi;
		char perms[8];
		/* Over 1 GiB: a sanitizer's shadow (reserved, shadow bytes only), never data. */
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3 || perms[0] != 'r' ||
		    strstr(line, "[vvar") || strstr(line, "[vsyscall]") || hi - lo > (1ul << 30))
			continue;
		/* Overlapping reads so a match across two chunks is seen. */
		for (unsigned long a = lo; a < hi && !found; a += sizeof(chunk) - 64) {
			size_t want = hi - a < sizeof(chunk) ? hi - a : sizeof(chunk);
			ssize_t n = pread(mem, chunk, want, (off_t)a);
			if (n <= 0)
				break;
			found = memmem(chunk, (size_t)n, text, strlen(text)) != NULL;
		}
	}
	close(mem);
	fclose(maps);
	return found;
}

/*
 * Issue 12 item 5: after the activation code went to a USB phone (tty:, unix:) and a BLE
 * one, no copy of it is left in svcportd's memory: not in the response cache (a retry
 * asks bmcd again), the table's scratch, the CDC output buffers, the GATT queue nor the
 * bmcd client's receive buffer.
 */
static void test_activation_code_zeroized(void **state)
{
	start_all();
	int fd;
	struct gatt_client *c = sim_connect(&fd, true, 0);
	send_request(&T.tty_peer, 1, svcport_v1_Request_get_activation_code_tag);
	const svcport_v1_Response *r =
	    expect_response(&T.tty_peer, 1, svcport_v1_Response_activation_code_tag);
	assert_string_equal(r->body.activation_code.code, ACTIVATION_CODE);
	send_request(&T.unix_peer, 1, svcport_v1_Request_get_activation_code_tag);
	expect_response(&T.unix_peer, 1, svcport_v1_Response_activation_code_tag);
	svcport_v1_Frame f = svcport_v1_Frame_init_zero;
	f.id = 1;
	f.which_msg = svcport_v1_Frame_request_tag;
	f.msg.request.which_body = svcport_v1_Request_get_activation_code_tag;
	uint8_t msg[32];
	pb_ostream_t os = pb_ostream_from_buffer(msg, sizeof(msg));
	assert_true(pb_encode(&os, svcport_v1_Frame_fields, &f));
	unsigned n = T.bmc.n_req;
	assert_int_equal(gatt_client_send_message(c, msg, os.bytes_written), 0);
	wait_bmc(1, n + 1);
	sim_recv(c);
	assert_string_equal(T.frame.msg.response.body.activation_code.code, ACTIVATION_CODE);
	/* svcportd's one thread has finished with the answer once it answers the next
	 * request (it wipes after sending). Our own copies go first. */
	send_request(&T.tty_peer, 90, svcport_v1_Request_ping_tag);
	expect_response(&T.tty_peer, 90, svcport_v1_Response_pong_tag);
	memset(&T.frame, 0, sizeof(T.frame));
	memset(T.tty_peer.msg, 0, sizeof(T.tty_peer.msg));
	memset(T.unix_peer.msg, 0, sizeof(T.unix_peer.msg));
	assert_false(memory_holds(T.pid, ACTIVATION_CODE));
	assert_true(memory_holds(T.pid, "J900TEST")); /* the search does find what is there */
	/* A retry is not answered from a cache: bmcd is asked again. */
	n = T.bmc.n_req;
	send_request(&T.tty_peer, 1, svcport_v1_Request_get_activation_code_tag);
	expect_response(&T.tty_peer, 1, svcport_v1_Response_activation_code_tag);
	assert_int_equal(T.bmc.n_req, n + 1);
	send_request(&T.tty_peer, 91, svcport_v1_Request_ping_tag);
	expect_response(&T.tty_peer, 91, svcport_v1_Response_pong_tag);
	memset(&T.frame, 0, sizeof(T.frame));
	memset(T.tty_peer.msg, 0, sizeof(T.tty_peer.msg));
	assert_false(memory_holds(T.pid, ACTIVATION_CODE));
	gatt_client_free(c);
	close(fd);
	assert_int_equal(stop_svcportd(), 0);
}

/* Lines of svcportd's log. */
static unsigned log_lines(void)
{
	char path[128], line[512];
	unsigned n = 0;
	snprintf(path, sizeof(path), "%s/svcportd.log", T.dir);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		n++;
	fclose(f);
	return n;
}

/*
 * Issue 12 item 4: a connection flood (600 connections, each opened and closed at once,
 * BLE and USB) cannot make the log grow with it: about 2 lines per connection before,
 * a bounded number now (log-limit.h).
 */
static void test_log_bounded_under_connection_flood(void **state)
{
	start_all();
	char sim[128], usb[128];
	snprintf(sim, sizeof(sim), "%s/ble-sim.sock", T.dir);
	snprintf(usb, sizeof(usb), "%s/phone.sock", T.dir);
	for (int i = 0; i < 300; i++) {
		struct sockaddr_un a = {.sun_family = AF_UNIX};
		memcpy(a.sun_path, sim, strlen(sim) + 1);
		int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
		assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
		close(fd);
		close(connect_unix(usb));
	}
	/* Served after the flood: the flood's lines were dropped, not the service. */
	send_request(&T.tty_peer, 1, svcport_v1_Request_ping_tag);
	expect_response(&T.tty_peer, 1, svcport_v1_Response_pong_tag);
	assert_int_equal(stop_svcportd(), 0);
	assert_true(log_lines() < 200);
}

/* Runs tshark's check for malformed packets and warnings on path: "" when clean. */
static void expect_clean_capture(const char *path)
{
	char cmd[512], out[4096];
	snprintf(cmd, sizeof(cmd),
	         "tshark -n -r %s -Y '_ws.malformed || _ws.expert.severity >= warning' 2>/dev/null",
	         path);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	size_t n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = 0;
	assert_int_equal(pclose(p), 0);
	assert_string_equal(out, "");
}

/*
 * Issue 12 item 4: --capture is bounded. With --capture-max 64K, ~250 KB of traffic
 * (a GATT connection open across the turns, and a CDC peer) leaves capture.btsnoop and
 * capture.btsnoop.1, each at most 64 KiB, mode 0600, each decoding on its own.
 */
static void test_capture_bounded(void **state)
{
	static const char *const extra[] = {"--capture-max", "64K",  "--rate", "1000",
	                                    "--burst",       "1000", NULL};
	memcpy(T.extra, extra, sizeof(extra));
	start_all();
	int fd;
	struct gatt_client *c = sim_connect(&fd, true, 0);
	char text[65];
	memset(text, 'x', 64);
	text[64] = 0;
	for (uint32_t id = 1; id <= 250; id++) {
		sim_ping_expect(c, id, text);
		send_request(&T.unix_peer, id, svcport_v1_Request_ping_tag);
		expect_response(&T.unix_peer, id, svcport_v1_Response_pong_tag);
	}
	gatt_client_free(c);
	close(fd);
	assert_int_equal(stop_svcportd(), 0);
	char path[2][128];
	snprintf(path[0], sizeof(path[0]), "%s/capture.btsnoop", T.dir);
	snprintf(path[1], sizeof(path[1]), "%s/capture.btsnoop.1", T.dir);
	for (int i = 0; i < 2; i++) {
		struct stat st;
		assert_int_equal(stat(path[i], &st), 0);
		assert_true(st.st_size > 1024 && st.st_size <= 64 * 1024);
		assert_int_equal(st.st_mode & 0777, 0600);
		expect_clean_capture(path[i]);
	}
}

/* Lines of svcportd's log that contain text. */
static unsigned log_count(const char *text)
{
	char path[128], line[512];
	unsigned n = 0;
	snprintf(path, sizeof(path), "%s/svcportd.log", T.dir);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		n += strstr(line, text) != NULL;
	fclose(f);
	return n;
}

/*
 * A phone floods Write Commands (no response, no flow control): FIRST segments, each
 * alternate one breaking the message of the one before, and TX CCCD writes. Its errors are
 * rate limited; the gateway's log must be too (a BMC logs to flash), and enabling TX again
 * and again on a fresh session must not churn sessions.
 */
static void test_ble_sim_flood_log_bounded(void **state)
{
	start_all();
	int fd;
	struct gatt_client *c = sim_connect(&fd, true, 0);
	uint8_t pdu[16] = {0x52, 0x0c, 0x00}; /* Write Command to RX */
	for (unsigned i = 0; i < 400; i++) {
		pdu[3] = SEG_FIRST | (uint8_t)(i & SEG_COUNTER_MASK);
		pdu[4] = 100; /* announces 100 bytes, carries 5 */
		pdu[5] = 0;
		assert_int_equal(send(fd, pdu, 11, 0), 11);
	}
	gatt_client_free(c);
	/* A Write Request to TX's CCCD is answered after every command before it: drain. */
	static const uint8_t ccc_on[5] = {0x12, 0x10, 0x00, 0x01, 0x00};
	assert_int_equal(send(fd, ccc_on, sizeof(ccc_on), 0), (ssize_t)sizeof(ccc_on));
	for (;;) {
		uint8_t in[600];
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		assert_int_equal(poll(&pfd, 1, WAIT_MS), 1);
		ssize_t n = recv(fd, in, sizeof(in), 0);
		assert_true(n > 0);
		if (in[0] == 0x13)
			break;
		assert_int_equal(in[0], 0x1b); /* only notifications before it */
	}
	/* The next app on the link enables TX (Write Requests, sequential) many times. */
	struct gatt_client_config cfg = {.timeout_ms = WAIT_MS};
	assert_int_equal(gatt_client_new(fd, &cfg, &c), 0);
	assert_int_equal(gatt_client_exchange_mtu(c), 0);
	assert_int_equal(gatt_client_discover(c), 0);
	for (unsigned i = 0; i < 100; i++)
		assert_int_equal(gatt_client_enable_notifications(c), 0);
	/* Answered after everything before it (its frames were over the rate: dropped). */
	uint8_t info[svcport_v1_LinkInfo_size];
	size_t len;
	assert_int_equal(gatt_client_read_info(c, info, sizeof(info), &len), 0);
	gatt_client_free(c);
	close(fd);
	assert_int_equal(stop_svcportd(), 0);
	assert_true(log_count("in segments") <= 20);
	assert_true(log_count("TX notifications") <= 20);
	assert_true(log_count(": open (presence") <= 3);
}

/* A GATT phone silent for the idle timeout is disconnected; a new connection is served. */
static void test_ble_sim_idle_disconnect(void **state)
{
	start_all();
	int fd;
	struct gatt_client *c = sim_connect(&fd, true, 0);
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	assert_int_equal(poll(&pfd, 1, WAIT_MS), 1);
	char b;
	assert_int_equal(recv(fd, &b, 1, MSG_DONTWAIT), 0); /* closed by svcportd */
	gatt_client_free(c);
	close(fd);
	c = sim_connect(&fd, true, 0);
	uint8_t msg[64];
	size_t n = ping_frame(1, msg, sizeof(msg));
	assert_int_equal(gatt_client_send_message(c, msg, n), 0);
	sim_recv(c);
	assert_int_equal(T.frame.msg.response.which_body, svcport_v1_Response_pong_tag);
	gatt_client_free(c);
	close(fd);
	assert_int_equal(stop_svcportd(), 0);
}

/* The capture of a run decodes in tshark without a malformed packet. */
static void test_capture_decodes(void **state)
{
	start_all();
	send_request(&T.unix_peer, 1, svcport_v1_Request_get_device_info_tag);
	expect_response(&T.unix_peer, 1, svcport_v1_Response_device_info_tag);
	send_request(&T.tty_peer, 1, svcport_v1_Request_get_link_info_tag);
	expect_response(&T.tty_peer, 1, svcport_v1_Response_link_info_tag);
	assert_int_equal(stop_svcportd(), 0);
	char cmd[512], out[4096];
	snprintf(cmd, sizeof(cmd),
	         "tshark -n -r %s/capture.btsnoop -Y "
	         "'_ws.malformed || _ws.expert.severity >= warning' 2>/dev/null",
	         T.dir);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	size_t n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = 0;
	assert_int_equal(pclose(p), 0);
	assert_string_equal(out, "");
	snprintf(
	    cmd, sizeof(cmd),
	    "tshark -n -V -r %s/capture.btsnoop 2>/dev/null | grep -c 'System Note: svcport-cdc'",
	    T.dir);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = 0;
	pclose(p);
	assert_true(atoi(out) >= 4); /* two requests, two responses */
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s PATH-TO-SVCPORTD\n", argv[0]);
		return 2;
	}
	svcportd_path = argv[1];
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_relay_per_link, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bmc_killed_and_restarted, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_event_forwarded, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_input, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_idle_timeout_closes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ble_sim_bad_segments, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ble_sim_cccd_restarts_counters, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ble_sim_flood, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ble_sim_events_and_info, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ble_sim_long_answer, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ble_sim_next_app_fresh_session, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ble_sim_pdu_over_517_dropped, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ble_sim_flood_log_bounded, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ble_sim_idle_disconnect, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_capture_decodes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ble_cannot_lock_out_usb, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_usb_cannot_lock_out_ble, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unsubscribed_ble_holds_no_session, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_slow_peers_closed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_backoff_slows_the_failing_peer, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_activation_code_zeroized, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_log_bounded_under_connection_flood, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_capture_bounded, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
