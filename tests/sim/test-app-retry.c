// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The phone repeats a request that got no answer with the same id (DESIGN
 * §2.1: the gateway answers a repeated id from its cache, so a retry never
 * applies a command twice). A fake service port on a unix socket (CDC
 * framing) answers the link's GetLinkInfo, drops the first GetDeviceInfo and
 * answers the second; the test checks both carried the same id and bytes, and
 * that a late answer to an old id is ignored. The repeats are
 * libsvcport-client's, which svcport-sim app drives. SVCPORT_SIM names the
 * svcport-sim binary.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "cdc-frame.h"
#include "pbio.h"
#include "svcport.pb.h"

struct fake {
	char dir[64];
	char path[96];
	int lfd;
	int cfd;
	struct cdc_rx rx;
	uint8_t rx_buf[CDC_FRAME_ENCODED_MAX(8192)];
	uint8_t msg[8192];
	size_t msg_len;
	bool have_msg;
};

static int on_msg(const uint8_t *msg, size_t len, int drop, void *ud)
{
	struct fake *f = ud;

	(void)drop;
	if (msg && !f->have_msg && len <= sizeof(f->msg)) {
		memcpy(f->msg, msg, len);
		f->msg_len = len;
		f->have_msg = true;
	}
	return 0;
}

/* Waits (poll, 5 s safety net) for one whole frame from the app. */
static void recv_frame(struct fake *f, svcport_v1_Frame *fr, uint8_t *raw, size_t *raw_len)
{
	f->have_msg = false;
	while (!f->have_msg) {
		struct pollfd p = {.fd = f->cfd, .events = POLLIN};
		uint8_t buf[512];
		ssize_t n;

		assert_int_equal(poll(&p, 1, 5000), 1);
		n = read(f->cfd, buf, sizeof(buf));
		assert_true(n > 0);
		assert_int_equal(cdc_rx_feed(&f->rx, buf, (size_t)n, on_msg, f), 0);
	}
	memcpy(raw, f->msg, f->msg_len);
	*raw_len = f->msg_len;
	assert_int_equal(pbio_decode(svcport_v1_Frame_fields, fr, f->msg, f->msg_len), 0);
}

static void send_frame(struct fake *f, const svcport_v1_Frame *fr)
{
	uint8_t msg[2048], out[CDC_FRAME_ENCODED_MAX(2048)];
	size_t len = 0;
	long n;

	assert_int_equal(pbio_encode(svcport_v1_Frame_fields, fr, msg, sizeof(msg), &len), 0);
	n = cdc_frame_encode(msg, len, out, sizeof(out));
	assert_true(n > 0);
	assert_int_equal(write(f->cfd, out, (size_t)n), n);
}

static void device_info_answer(svcport_v1_Frame *fr, uint32_t id, const char *sn)
{
	memset(fr, 0, sizeof(*fr));
	fr->id = id;
	fr->which_msg = svcport_v1_Frame_response_tag;
	fr->msg.response.which_body = svcport_v1_Response_device_info_tag;
	fr->msg.response.body.device_info.has_device = true;
	snprintf(fr->msg.response.body.device_info.device.machine_type, 17, "7D1A");
	snprintf(fr->msg.response.body.device_info.device.serial_number, 33, "%s", sn);
	fr->msg.response.body.device_info.lockdown_state = svcport_v1_LockdownState_LOCKDOWN_LOCKED;
}

/* The link's set-up over USB: GetLinkInfo, answered as the gateway does. */
static void link_info_answer(struct fake *f, svcport_v1_Frame *fr)
{
	uint8_t raw[8192];
	size_t raw_len = 0;
	svcport_v1_LinkInfo *li;

	recv_frame(f, fr, raw, &raw_len);
	assert_int_equal(fr->which_msg, svcport_v1_Frame_request_tag);
	assert_int_equal(fr->msg.request.which_body, svcport_v1_Request_get_link_info_tag);
	fr->which_msg = svcport_v1_Frame_response_tag;
	memset(&fr->msg.response, 0, sizeof(fr->msg.response));
	fr->msg.response.which_body = svcport_v1_Response_link_info_tag;
	li = &fr->msg.response.body.link_info;
	li->protocol_version = 1;
	li->min_protocol_version = 1;
	li->max_message_size = 8192;
	li->has_device = true;
	snprintf(li->device.machine_type, sizeof(li->device.machine_type), "7D1A");
	snprintf(li->device.serial_number, sizeof(li->device.serial_number), "J900RTRY");
	li->lockdown_state = svcport_v1_LockdownState_LOCKDOWN_LOCKED;
	send_frame(f, fr);
}

static void test_timeout_repeats_the_same_id(void **state)
{
	struct fake *f = calloc(1, sizeof(*f));
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	svcport_v1_Frame *fr = calloc(1, sizeof(*fr)), *ans = calloc(1, sizeof(*ans));
	uint8_t first[8192], second[8192];
	size_t first_len = 0, second_len = 0;
	char link[128];
	int status = 0;
	pid_t pid;

	(void)state;
	assert_non_null(f);
	assert_non_null(fr);
	assert_non_null(ans);
	snprintf(f->dir, sizeof(f->dir), "/tmp/svcport-retry-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/usb.sock", f->dir);
	memcpy(sa.sun_path, f->path, strlen(f->path));
	f->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(f->lfd >= 0);
	assert_int_equal(bind(f->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(f->lfd, 1), 0);
	cdc_rx_init(&f->rx, f->rx_buf, sizeof(f->rx_buf));

	snprintf(link, sizeof(link), "unix:%s", f->path);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int nul = open("/dev/null", O_WRONLY);

		dup2(nul, STDOUT_FILENO);
		execl(getenv("SVCPORT_SIM"), "svcport-sim", "app", "--link", link, "--timeout",
		      "300", "--retries", "2", "info", "--expect-state", "LOCKED", (char *)NULL);
		_exit(127);
	}
	f->cfd = accept4(f->lfd, NULL, NULL, SOCK_CLOEXEC);
	assert_true(f->cfd >= 0);
	link_info_answer(f, fr);
	/* 1st attempt: no answer. */
	recv_frame(f, fr, first, &first_len);
	assert_int_equal(fr->which_msg, svcport_v1_Frame_request_tag);
	assert_int_equal(fr->msg.request.which_body, svcport_v1_Request_get_device_info_tag);
	/* 2nd attempt after the app's timeout: the same bytes, hence the same id. */
	recv_frame(f, ans, second, &second_len);
	assert_int_equal(second_len, first_len);
	assert_memory_equal(second, first, first_len);
	/* A stale answer to another id is skipped; then the real one. */
	device_info_answer(ans, fr->id + 1, "WRONG");
	ans->msg.response.body.device_info.lockdown_state =
	    svcport_v1_LockdownState_LOCKDOWN_ACTIVE;
	send_frame(f, ans);
	device_info_answer(ans, fr->id, "J900RTRY");
	send_frame(f, ans);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);

	close(f->cfd);
	close(f->lfd);
	unlink(f->path);
	rmdir(f->dir);
	free(ans);
	free(fr);
	free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_timeout_repeats_the_same_id),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
