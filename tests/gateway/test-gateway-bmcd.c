// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The multi-process test of issue 4: svcportd + the real svcport-bmcd, a
 * phone on ble-sim: (the GATT client core over SOCK_SEQPACKET) and one on
 * tty: (a pty pair carrying the CDC stream). GetDeviceInfo on both links, a
 * portal-signed Claim relayed and answered with a receipt (a retry with the
 * same id gets the cached receipt, a replay with a new id is refused by
 * bmcd), bmcd killed mid-run (BMC_UNAVAILABLE at once, links up) and
 * restarted (served again, state kept), and the capture of the whole run
 * decoded by tshark without a malformed packet.
 *
 * Synchronisation: --ready-fd pipes for both daemons, svcportd's log read
 * from a pipe for "bmcd ... connected", blocking GATT calls with timeouts.
 * argv: svcportd svcport-bmcd.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
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
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <pb_decode.h>
#include <pb_encode.h>

#include "cdc-frame.h"
#include "gatt-client.h"
#include "svcport.pb.h"
#include "proc.h"
#include "testpki.h"
#include "utc.h"

#define WAIT_MS 5000

static const char *svcportd_path, *bmcd_path;

static struct {
	char dir[64], factory[96], state[96], gw_sock[96], admin_sock[96], sim_sock[96], cap[96];
	char usb_sock[96]; /* unix: the simulator's USB */
	char pts[64];
	int master;
	pid_t gw_pid, bmc_pid;
	int gw_log;        /* read end of svcportd's stderr */
	FILE *gw_log_copy; /* what was read, for the failure dump */
	int sim_fd;
	struct gatt_client *gatt;
	struct cdc_rx tty_rx;
	uint8_t tty_buf[CDC_FRAME_ENCODED_MAX(svcport_v1_Frame_size)];
	bool tty_have;
	size_t tty_len;
	uint8_t tty_msg[svcport_v1_Frame_size];
	svcport_v1_Frame frame;
} T;

/* ---------------------------------------------------------------- processes */

static void wait_ready(int fd)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	assert_int_equal(poll(&pfd, 1, WAIT_MS), 1);
	char buf[8] = {0};
	assert_int_equal(read(fd, buf, sizeof(buf)), 6);
	assert_string_equal(buf, "ready\n");
	close(fd);
}

static void start_bmcd(void)
{
	char uid[16], logpath[128];
	/* As root the gateway runs as nobody: that is the uid bmcd must accept. */
	snprintf(uid, sizeof(uid), "%u", geteuid() == 0 ? 65534u : (unsigned)geteuid());
	snprintf(logpath, sizeof(logpath), "%s/bmcd.log", T.dir);
	const char *extra[] = {"--gateway-uid", uid, NULL};
	T.bmc_pid = proc_bmcd_start_log(T.state, T.gw_sock, T.admin_sock, extra, true, logpath);
	assert_true(T.bmc_pid > 0);
}

static void kill_bmcd(void)
{
	proc_stop(T.bmc_pid, SIGKILL);
	T.bmc_pid = 0;
}

static void start_svcportd(void)
{
	int ready[2], err[2];
	assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
	assert_int_equal(pipe2(err, O_CLOEXEC), 0);
	char sim[128], tty[128], usb[128], fdarg[16];
	snprintf(sim, sizeof(sim), "ble-sim:%s", T.sim_sock);
	snprintf(usb, sizeof(usb), "unix:%s", T.usb_sock);
	snprintf(tty, sizeof(tty), "tty:%s", T.pts);
	snprintf(fdarg, sizeof(fdarg), "%d", ready[1]);
	T.gw_pid = fork();
	assert_true(T.gw_pid >= 0);
	if (T.gw_pid == 0) {
		dup2(err[1], 2);
		fcntl(ready[1], F_SETFD, 0);
		const char *user = geteuid() == 0 ? "nobody" : NULL;
		execl(svcportd_path, "svcportd", "--link", sim, "--link", tty, "--link", usb,
		      "--bmc-socket", T.gw_sock, "--capture", T.cap, "--ready-fd", fdarg,
		      "--verbose", user ? "--user" : NULL, user, (char *)NULL);
		_exit(127);
	}
	close(ready[1]);
	close(err[1]);
	T.gw_log = err[0];
	wait_ready(ready[0]);
}

/* Reads svcportd's log until a line contains text (or fails after WAIT_MS). */
static void wait_gw_log(const char *text)
{
	static char line[1024];
	static size_t len;
	for (;;) {
		char *nl;
		while ((nl = memchr(line, '\n', len))) {
			size_t n = (size_t)(nl - line) + 1;
			fwrite(line, 1, n, T.gw_log_copy);
			bool hit = memmem(line, n, text, strlen(text)) != NULL;
			memmove(line, line + n, len - n);
			len -= n;
			if (hit)
				return;
		}
		if (len == sizeof(line))
			len = 0; /* an over-long line: drop it */
		struct pollfd pfd = {.fd = T.gw_log, .events = POLLIN};
		if (poll(&pfd, 1, WAIT_MS) != 1)
			fail_msg("svcportd did not log '%s'", text);
		ssize_t n = read(T.gw_log, line + len, sizeof(line) - len);
		assert_true(n > 0);
		len += (size_t)n;
	}
}

/* ---------------------------------------------------------------- phones */

static size_t encode_frame(const svcport_v1_Frame *f, uint8_t *buf, size_t cap)
{
	pb_ostream_t os = pb_ostream_from_buffer(buf, cap);
	assert_true(pb_encode(&os, svcport_v1_Frame_fields, f));
	return os.bytes_written;
}

static void decode_frame(const uint8_t *msg, size_t len)
{
	memset(&T.frame, 0, sizeof(T.frame));
	pb_istream_t is = pb_istream_from_buffer(msg, len);
	assert_true(pb_decode(&is, svcport_v1_Frame_fields, &T.frame));
}

static void request_frame(svcport_v1_Frame *f, uint32_t id, pb_size_t which)
{
	memset(f, 0, sizeof(*f));
	f->id = id;
	f->which_msg = svcport_v1_Frame_request_tag;
	f->msg.request.which_body = which;
}

/* ble-sim: one request, one response, over GATT. */
static const svcport_v1_Response *sim_call(const svcport_v1_Frame *req, pb_size_t want)
{
	static uint8_t buf[svcport_v1_Frame_size];
	size_t n = encode_frame(req, buf, sizeof(buf));
	assert_int_equal(gatt_client_send_message(T.gatt, buf, n), 0);
	assert_int_equal(gatt_client_recv_message(T.gatt, buf, sizeof(buf), &n, WAIT_MS), 0);
	decode_frame(buf, n);
	assert_int_equal(T.frame.id, req->id);
	assert_int_equal(T.frame.which_msg, svcport_v1_Frame_response_tag);
	if (T.frame.msg.response.which_body != want && want != svcport_v1_Response_error_tag &&
	    T.frame.msg.response.which_body == svcport_v1_Response_error_tag)
		fail_msg("ble-sim id %u: error %d (%s)", req->id,
		         (int)T.frame.msg.response.body.error.code,
		         T.frame.msg.response.body.error.detail);
	assert_int_equal(T.frame.msg.response.which_body, want);
	return &T.frame.msg.response;
}

static int on_tty_frame(const uint8_t *msg, size_t len, int drop, void *user_data)
{
	assert_non_null(msg); /* svcportd never sends a broken frame */
	assert_false(T.tty_have);
	memcpy(T.tty_msg, msg, len);
	T.tty_len = len;
	T.tty_have = true;
	return 0;
}

/* One request, one response, over a CDC stream (the pty's master, or a unix: socket). */
static const svcport_v1_Response *cdc_call(int fd, const svcport_v1_Frame *req, pb_size_t want)
{
	static uint8_t buf[svcport_v1_Frame_size];
	static uint8_t enc[CDC_FRAME_ENCODED_MAX(svcport_v1_Frame_size)];
	size_t n = encode_frame(req, buf, sizeof(buf));
	long e = cdc_frame_encode(buf, n, enc, sizeof(enc));
	assert_true(e > 0);
	/* Split writes on purpose (at most 143 bytes each). */
	for (long off = 0; off < e;) {
		long k = e - off < 143 ? e - off : 143;
		assert_int_equal(write(fd, enc + off, (size_t)k), k);
		off += k;
	}
	while (!T.tty_have) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		assert_int_equal(poll(&pfd, 1, WAIT_MS), 1);
		uint8_t in[512];
		ssize_t r = read(fd, in, sizeof(in));
		assert_true(r > 0);
		assert_int_equal(cdc_rx_feed(&T.tty_rx, in, (size_t)r, on_tty_frame, NULL), 0);
	}
	T.tty_have = false;
	decode_frame(T.tty_msg, T.tty_len);
	assert_int_equal(T.frame.id, req->id);
	if (T.frame.msg.response.which_body != want && want != svcport_v1_Response_error_tag &&
	    T.frame.msg.response.which_body == svcport_v1_Response_error_tag)
		fail_msg("cdc id %u: error %d (%s)", req->id,
		         (int)T.frame.msg.response.body.error.code,
		         T.frame.msg.response.body.error.detail);
	assert_int_equal(T.frame.msg.response.which_body, want);
	return &T.frame.msg.response;
}

static const svcport_v1_Response *tty_call(const svcport_v1_Frame *req, pb_size_t want)
{
	return cdc_call(T.master, req, want);
}

static int unix_connect(const char *path, int type)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	memcpy(a.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

static void sim_connect(void)
{
	T.sim_fd = unix_connect(T.sim_sock, SOCK_SEQPACKET);
	struct gatt_client_config cfg = {.timeout_ms = WAIT_MS};
	assert_int_equal(gatt_client_new(T.sim_fd, &cfg, &T.gatt), 0);
	assert_int_equal(gatt_client_exchange_mtu(T.gatt), 0);
	assert_int_equal(gatt_client_get_mtu(T.gatt), 517);
	assert_int_equal(gatt_client_discover(T.gatt), 0);
	assert_int_equal(gatt_client_enable_notifications(T.gatt), 0);
}

/* ---------------------------------------------------------------- fixture */

static int setup(void **state)
{
	memset(&T, 0, sizeof(T));
	T.master = T.gw_log = T.sim_fd = -1;
	strcpy(T.dir, "/tmp/svcport-gwbmc-XXXXXX");
	if (!mkdtemp(T.dir) || chmod(T.dir, 0755) < 0)
		return -1;
	snprintf(T.factory, sizeof(T.factory), "%s/factory", T.dir);
	snprintf(T.state, sizeof(T.state), "%s/state", T.dir);
	snprintf(T.gw_sock, sizeof(T.gw_sock), "%s/bmcd.sock", T.dir);
	snprintf(T.admin_sock, sizeof(T.admin_sock), "%s/admin.sock", T.dir);
	snprintf(T.sim_sock, sizeof(T.sim_sock), "%s/ble-sim.sock", T.dir);
	snprintf(T.usb_sock, sizeof(T.usb_sock), "%s/usb.sock", T.dir);
	snprintf(T.cap, sizeof(T.cap), "%s/run.btsnoop", T.dir);
	char path[128];
	snprintf(path, sizeof(path), "%s/svcportd.log", T.dir);
	T.gw_log_copy = fopen(path, "w");
	T.master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (!T.gw_log_copy || T.master < 0 || grantpt(T.master) < 0 || unlockpt(T.master) < 0)
		return -1;
	snprintf(T.pts, sizeof(T.pts), "%s", ptsname(T.master));
	struct termios tio;
	tcgetattr(T.master, &tio);
	cfmakeraw(&tio);
	tcsetattr(T.master, TCSANOW, &tio);
	cdc_rx_init(&T.tty_rx, T.tty_buf, sizeof(T.tty_buf));
	return 0;
}

static void dump(const char *name)
{
	char path[128], line[512];
	snprintf(path, sizeof(path), "%s/%s", T.dir, name);
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	fprintf(stderr, "--- %s\n", name);
	while (fgets(line, sizeof(line), f))
		fprintf(stderr, "  | %s", line);
	fclose(f);
}

static int teardown(void **state)
{
	int status = 0;
	gatt_client_free(T.gatt);
	if (T.sim_fd >= 0)
		close(T.sim_fd);
	if (T.gw_pid > 0) {
		kill(T.gw_pid, SIGTERM);
		waitpid(T.gw_pid, &status, 0);
	}
	kill_bmcd();
	if (T.gw_log >= 0) {
		/* Keep the rest of svcportd's log for the dump. */
		char buf[4096];
		ssize_t n;
		while ((n = read(T.gw_log, buf, sizeof(buf))) > 0)
			fwrite(buf, 1, (size_t)n, T.gw_log_copy);
		close(T.gw_log);
	}
	if (T.gw_log_copy)
		fclose(T.gw_log_copy);
	if (getenv("SVCPORT_TEST_VERBOSE") || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		dump("svcportd.log");
		dump("bmcd.log");
	}
	if (T.master >= 0)
		close(T.master);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", T.dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* ---------------------------------------------------------------- the run */

static void claim_command(const svcport_v1_Challenge *ch, svcport_v1_SignedCommand *cmd)
{
	static svcport_v1_ChallengeBody cb;
	memset(&cb, 0, sizeof(cb));
	pb_istream_t is = pb_istream_from_buffer(ch->body.bytes, ch->body.size);
	assert_true(pb_decode(&is, svcport_v1_ChallengeBody_fields, &cb));
	assert_string_equal(cb.device.serial_number, TPKI_SN);
	static svcport_v1_CommandBody body;
	memset(&body, 0, sizeof(body));
	body.version = 1;
	body.has_device = true;
	body.device = cb.device;
	body.nonce.size = cb.nonce.size;
	memcpy(body.nonce.bytes, cb.nonce.bytes, cb.nonce.size);
	body.issued_at = (uint64_t)utc_now_s();
	body.expires_at = body.issued_at + 600;
	strcpy(body.org_id, TPKI_ORG);
	strcpy(body.operator_id, "alice");
	body.role = svcport_v1_Role_ROLE_ORG_ADMIN;
	body.which_action = svcport_v1_CommandBody_claim_tag;
	tworld_sign(&body, NULL, NULL, NULL, 0, cmd);
}

/* A factory state for bmcd (the BMC tests' PKI fixture). */
static void init_bmcd(void)
{
	assert_int_equal(tpki_write_factory(T.factory, "portal", false), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char log[128];
		snprintf(log, sizeof(log), "%s/bmcd.log", T.dir);
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd >= 0)
			dup2(fd, 2);
		execl(bmcd_path, "svcport-bmcd", "--init", "--factory", T.factory, "--state-dir",
		      T.state, (char *)NULL);
		_exit(127);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_gateway_with_bmcd(void **state)
{
	int status;
	init_bmcd();
	start_bmcd();
	start_svcportd();
	wait_gw_log("DeviceInfo cached"); /* connected to bmcd and asked it */
	sim_connect();

	static svcport_v1_Frame req;
	/* GetDeviceInfo over ble-sim: and tty:. */
	request_frame(&req, 1, svcport_v1_Request_get_device_info_tag);
	const svcport_v1_Response *r = sim_call(&req, svcport_v1_Response_device_info_tag);
	assert_string_equal(r->body.device_info.device.serial_number, TPKI_SN);
	assert_int_equal(r->body.device_info.lockdown_state,
	                 svcport_v1_LockdownState_LOCKDOWN_LOCKED);
	assert_string_equal(r->body.device_info.owner_org, "");
	r = tty_call(&req, svcport_v1_Response_device_info_tag);
	assert_string_equal(r->body.device_info.device.machine_type, TPKI_MT);

	/* With the certificate the answer spans several 512-byte TX notifications. */
	request_frame(&req, 7, svcport_v1_Request_get_device_info_tag);
	req.msg.request.body.get_device_info.include_certificate = true;
	r = sim_call(&req, svcport_v1_Response_device_info_tag);
	assert_true(r->body.device_info.device_certificate.size > 300);
	assert_int_equal(r->body.device_info.device_public_key.size, 65);

	/* INFO and GetLinkInfo come from the gateway's cached DeviceInfo. */
	uint8_t info[svcport_v1_LinkInfo_size];
	size_t info_len;
	assert_int_equal(gatt_client_read_info(T.gatt, info, sizeof(info), &info_len), 0);
	svcport_v1_LinkInfo li = svcport_v1_LinkInfo_init_zero;
	pb_istream_t is = pb_istream_from_buffer(info, info_len);
	assert_true(pb_decode(&is, svcport_v1_LinkInfo_fields, &li));
	assert_string_equal(li.device.serial_number, TPKI_SN);
	assert_int_equal(li.max_message_size, 8192);

	/* A portal-signed Claim, relayed over tty: (challenge and command on one session). */
	request_frame(&req, 2, svcport_v1_Request_get_challenge_tag);
	r = tty_call(&req, svcport_v1_Response_challenge_tag);
	static svcport_v1_Challenge challenge;
	challenge = r->body.challenge;
	request_frame(&req, 3, svcport_v1_Request_submit_command_tag);
	req.msg.request.body.submit_command.has_command = true;
	claim_command(&challenge, &req.msg.request.body.submit_command.command);
	r = tty_call(&req, svcport_v1_Response_command_result_tag);
	static svcport_v1_ReceiptBody receipt;
	is = pb_istream_from_buffer(r->body.command_result.receipt.body.bytes,
	                            r->body.command_result.receipt.body.size);
	assert_true(pb_decode(&is, svcport_v1_ReceiptBody_fields, &receipt));
	assert_int_equal(receipt.result, svcport_v1_ErrorCode_ERROR_NONE);
	assert_int_equal(receipt.action, svcport_v1_Action_ACTION_CLAIM);
	uint64_t counter = receipt.counter;
	/* The phone retries the same id: the gateway's cached receipt, not a second claim. */
	r = tty_call(&req, svcport_v1_Response_command_result_tag);
	is = pb_istream_from_buffer(r->body.command_result.receipt.body.bytes,
	                            r->body.command_result.receipt.body.size);
	assert_true(pb_decode(&is, svcport_v1_ReceiptBody_fields, &receipt));
	assert_int_equal(receipt.counter, counter);
	/* The same command under a new id reaches bmcd, which refuses the replay. */
	req.id = 4;
	r = tty_call(&req, svcport_v1_Response_error_tag);
	assert_int_equal(r->body.error.code, svcport_v1_ErrorCode_NONCE_UNKNOWN);

	/* bmcd killed: both links answer BMC_UNAVAILABLE at once and stay up. */
	kill_bmcd();
	wait_gw_log(" lost: ");
	request_frame(&req, 5, svcport_v1_Request_get_device_info_tag);
	r = sim_call(&req, svcport_v1_Response_error_tag);
	assert_int_equal(r->body.error.code, svcport_v1_ErrorCode_BMC_UNAVAILABLE);
	r = tty_call(&req, svcport_v1_Response_error_tag);
	assert_int_equal(r->body.error.code, svcport_v1_ErrorCode_BMC_UNAVAILABLE);
	request_frame(&req, 6, svcport_v1_Request_ping_tag);
	sim_call(&req, svcport_v1_Response_pong_tag);

	/* Restarted: svcportd reconnects by itself; the claim survived the restart. */
	start_bmcd();
	wait_gw_log("DeviceInfo cached");
	request_frame(&req, 5, svcport_v1_Request_get_device_info_tag);
	r = sim_call(&req, svcport_v1_Response_device_info_tag);
	assert_string_equal(r->body.device_info.owner_org, TPKI_ORG);
	r = tty_call(&req, svcport_v1_Response_device_info_tag);
	assert_string_equal(r->body.device_info.owner_org, TPKI_ORG);

	/* The whole run's capture decodes cleanly, ATT and CDC alike. */
	gatt_client_free(T.gatt);
	T.gatt = NULL;
	close(T.sim_fd);
	T.sim_fd = -1;
	kill(T.gw_pid, SIGTERM);
	assert_int_equal(waitpid(T.gw_pid, &status, 0), T.gw_pid);
	T.gw_pid = 0;
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	char cmd[512], out[4096];
	snprintf(cmd, sizeof(cmd),
	         "tshark -n -r %s -Y '_ws.malformed || _ws.expert.severity >= warning' 2>/dev/null",
	         T.cap);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	size_t n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = 0;
	assert_int_equal(pclose(p), 0);
	assert_string_equal(out, "");
	snprintf(cmd, sizeof(cmd), "tshark -n -r %s -Y btatt 2>/dev/null | wc -l", T.cap);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = 0;
	pclose(p);
	assert_true(atoi(out) >= 20); /* MTU, discovery, CCCD, segments, notifications */
}

/* A SubmitCommand bmcd must refuse: its body is no CommandBody, its signature none. */
static void junk_command(svcport_v1_Frame *req, uint32_t id)
{
	request_frame(req, id, svcport_v1_Request_submit_command_tag);
	req->msg.request.body.submit_command.has_command = true;
	svcport_v1_SignedCommand *c = &req->msg.request.body.submit_command.command;
	c->body.size = 4;
	memcpy(c->body.bytes, "junk", 4);
	c->signature.size = 4;
	memcpy(c->signature.bytes, "junk", 4);
}

/* One BLE attacker (its own process, so its own peer): 4 refused commands, then the
 * gateway's back-off. Exits 0 when every answer was an Error. */
static void attacker_run(void)
{
	sim_connect();
	static svcport_v1_Frame req;
	for (uint32_t id = 1; id <= 5; id++) {
		junk_command(&req, id);
		sim_call(&req, svcport_v1_Response_error_tag);
	}
	/* The fifth was not relayed: the gateway slowed this peer itself. */
	if (T.frame.msg.response.body.error.code != svcport_v1_ErrorCode_RATE_LIMITED)
		_exit(3);
	_exit(0);
}

/*
 * DESIGN §4.4, issue 12 item 2: BLE never throttles USB. Five BLE attackers (processes)
 * send refused commands until bmcd's ceiling for BLE is reached (each is stopped by the
 * gateway's per-peer back-off after 4); a fresh BLE phone is then RATE_LIMITED by bmcd,
 * while the USB technician on unix: (the simulator's cable) claims the server at once.
 * With both simulated links on LINK_SIM this failed: the technician shared BLE's ceiling.
 */
static void test_usb_never_throttled_by_ble(void **state)
{
	init_bmcd();
	start_bmcd();
	start_svcportd();
	wait_gw_log("DeviceInfo cached");
	for (int i = 0; i < 5; i++) {
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0)
			attacker_run();
		int status;
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	static svcport_v1_Frame req;
	sim_connect();
	junk_command(&req, 1);
	const svcport_v1_Response *r = sim_call(&req, svcport_v1_Response_error_tag);
	assert_int_equal(r->body.error.code,
	                 svcport_v1_ErrorCode_RATE_LIMITED); /* bmcd's BLE ceiling */

	int usb = unix_connect(T.usb_sock, SOCK_STREAM);
	request_frame(&req, 1, svcport_v1_Request_get_challenge_tag);
	r = cdc_call(usb, &req, svcport_v1_Response_challenge_tag);
	static svcport_v1_Challenge challenge;
	challenge = r->body.challenge;
	request_frame(&req, 2, svcport_v1_Request_submit_command_tag);
	req.msg.request.body.submit_command.has_command = true;
	claim_command(&challenge, &req.msg.request.body.submit_command.command);
	r = cdc_call(usb, &req, svcport_v1_Response_command_result_tag);
	static svcport_v1_ReceiptBody receipt;
	pb_istream_t is = pb_istream_from_buffer(r->body.command_result.receipt.body.bytes,
	                                         r->body.command_result.receipt.body.size);
	assert_true(pb_decode(&is, svcport_v1_ReceiptBody_fields, &receipt));
	assert_int_equal(receipt.result, svcport_v1_ErrorCode_ERROR_NONE);
	close(usb);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s SVCPORTD SVCPORT-BMCD\n", argv[0]);
		return 2;
	}
	svcportd_path = argv[1];
	bmcd_path = argv[2];
	setenv("SVCPORT_BMCD", bmcd_path, 1); /* proc_bmcd_start runs it */
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_gateway_with_bmcd, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_usb_never_throttled_by_ble, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
