// SPDX-License-Identifier: GPL-2.0-or-later
#include "proc.h"

#include "softhsm.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <pb_decode.h>
#include <pb_encode.h>

#define SAFETY_MS 10000

const char *proc_bmcd(void)
{
	const char *p = getenv("SVCPORT_BMCD");

	return p ? p : "svcport-bmcd";
}

const char *proc_bmcctl(void)
{
	const char *p = getenv("SVCPORT_BMCCTL");

	return p ? p : "svcport-bmcctl";
}

pid_t proc_bmcd_start(const char *state_dir, const char *gw, const char *admin,
                      const char *const *extra, bool wait_ready)
{
	return proc_bmcd_start_log(state_dir, gw, admin, extra, wait_ready, NULL);
}

void proc_hw_dir(const char *state_dir, char *out)
{
	const char *slash = strrchr(state_dir, '/');
	int n = slash ? (int)(slash - state_dir) : 1;

	snprintf(out, PATH_MAX, "%.*s/hw", n, slash ? state_dir : ".");
}

/* As `svcport-sim server hw` does: the cover opening sets its latch (DIR/latch/cover). */
static int latch_set(const char *dir, const char *input, const char *value)
{
	char path[PATH_MAX + 64], now[64] = "", held[64] = "";
	FILE *f;

	if (strcmp(input, "cover") != 0 || strcmp(value, "open") != 0)
		return 0;
	snprintf(path, sizeof(path), "%s/cover", dir);
	f = fopen(path, "r");
	if (f && !fgets(now, sizeof(now), f))
		now[0] = 0;
	if (f)
		fclose(f);
	if (strcmp(now, "open\n") == 0)
		return 0; /* open already: no new opening */
	snprintf(path, sizeof(path), "%s/latch", dir);
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return -1;
	/* The keylock of this moment (re-attack on issue 13, D); "engaged" stays. */
	snprintf(path, sizeof(path), "%s/chassis-lock", dir);
	f = fopen(path, "r");
	if (!f || !fgets(now, sizeof(now), f))
		snprintf(now, sizeof(now), "released");
	if (f)
		fclose(f);
	snprintf(path, sizeof(path), "%s/latch/cover", dir);
	f = fopen(path, "r");
	if (f && fgets(held, sizeof(held), f) && strncmp(held, "engaged", 7) == 0) {
		fclose(f);
		return 0;
	}
	if (f)
		fclose(f);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(strncmp(now, "engaged", 7) == 0 ? "engaged" : "released", f);
	return fclose(f) == 0 ? 0 : -1;
}

int proc_hw_set(const char *state_dir, const char *input, const char *value)
{
	char dir[PATH_MAX], path[PATH_MAX + 64], tmp[PATH_MAX + 64];
	FILE *f;

	proc_hw_dir(state_dir, dir);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -1;
	if (latch_set(dir, input, value) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/%s", dir, input);
	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, input);
	f = fopen(tmp, "w");
	if (!f)
		return -1;
	fprintf(f, "%s\n", value);
	if (fclose(f) != 0 || rename(tmp, path) < 0)
		return -1;
	return 0;
}

static bool has_presence_source(const char *const *extra)
{
	for (int i = 0; extra && extra[i]; i++)
		if (strcmp(extra[i], "--hw-sim") == 0 || strcmp(extra[i], "--usb-udc") == 0 ||
		    strcmp(extra[i], "--usb-port") == 0)
			return true;
	return false;
}

pid_t proc_bmcd_start_log(const char *state_dir, const char *gw, const char *admin,
                          const char *const *extra, bool wait_ready, const char *log_path)
{
	const char *argv[32] = {proc_bmcd(), "--state-dir",    state_dir,    "--gateway-socket",
	                        gw,          "--admin-socket", admin,        "--foreground",
	                        "--log",     "stderr",         "--ready-fd", "3"};
	char hw[PATH_MAX], gadget[PATH_MAX + 16];
	int n = 12, p[2];
	pid_t pid;

	for (int i = 0; extra && extra[i] && n < 27; i++)
		argv[n++] = extra[i];
	if (tsofthsm_is_selected()) {
		argv[n++] = "--se-config";
		tsofthsm_get(&argv[n++]);
	}
	if (!has_presence_source(extra)) {
		proc_hw_dir(state_dir, hw);
		snprintf(gadget, sizeof(gadget), "%s/usb-gadget", hw);
		if (access(gadget, F_OK) != 0 &&
		    proc_hw_set(state_dir, "usb-gadget", "configured") < 0)
			return -1;
		argv[n++] = "--hw-sim";
		argv[n++] = hw;
	}
	argv[n] = NULL;
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (dup2(p[1], 3) < 0)
			_exit(127);
		if (log_path) {
			int log = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);

			if (log >= 0)
				dup2(log, 2);
		} else if (!getenv("SVCPORT_TEST_VERBOSE")) {
			int null = open("/dev/null", O_WRONLY);

			if (null >= 0)
				dup2(null, 2);
		}
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(p[1]);
	if (wait_ready) {
		struct pollfd pfd = {.fd = p[0], .events = POLLIN};
		char buf[8] = "";

		if (poll(&pfd, 1, SAFETY_MS) != 1 || read(p[0], buf, sizeof(buf)) != 6 ||
		    memcmp(buf, "ready\n", 6) != 0) {
			close(p[0]);
			proc_stop(pid, SIGKILL);
			return -1;
		}
	}
	close(p[0]);
	return pid;
}

int proc_stop(pid_t pid, int sig)
{
	int status = 0;

	if (pid <= 0)
		return 0;
	kill(pid, sig);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return status;
}

int proc_run(const char *const *argv, char *out, size_t cap)
{
	int p[2], status;
	size_t got = 0;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(p[1], 1);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(p[1]);
	for (;;) {
		ssize_t n = read(p[0], out + got, cap - 1 - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
		if (got == cap - 1)
			break;
	}
	out[got] = 0;
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int proc_gw_connect(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int proc_gw_send(int fd, const svcport_v1_BmcRequest *req)
{
	static uint8_t buf[svcport_v1_BmcRequest_size];
	pb_ostream_t os = pb_ostream_from_buffer(buf, sizeof(buf));

	if (!pb_encode(&os, svcport_v1_BmcRequest_fields, req))
		return -EINVAL;
	return send(fd, buf, os.bytes_written, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

int proc_gw_recv(int fd, svcport_v1_BmcReply *rep)
{
	static uint8_t buf[svcport_v1_BmcReply_size + 1];
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	pb_istream_t is;
	ssize_t n;

	if (poll(&pfd, 1, SAFETY_MS) != 1)
		return -ETIMEDOUT;
	n = recv(fd, buf, sizeof(buf), 0);
	if (n <= 0)
		return -ECONNRESET;
	is = pb_istream_from_buffer(buf, (size_t)n);
	*rep = (svcport_v1_BmcReply)svcport_v1_BmcReply_init_zero;
	return pb_decode(&is, svcport_v1_BmcReply_fields, rep) ? 0 : -EBADMSG;
}

int proc_admin_call(const char *path, const svcport_admin_v1_AdminRequest *req,
                    svcport_admin_v1_AdminReply *rep)
{
	static uint8_t out[svcport_admin_v1_AdminRequest_size],
	    in[svcport_admin_v1_AdminReply_size];
	pb_ostream_t os = pb_ostream_from_buffer(out, sizeof(out));
	struct pollfd pfd = {.events = POLLIN};
	pb_istream_t is;
	ssize_t n;
	int fd = proc_gw_connect(path); /* the same kind of socket */

	if (fd < 0)
		return -ECONNREFUSED;
	if (!pb_encode(&os, svcport_admin_v1_AdminRequest_fields, req) ||
	    send(fd, out, os.bytes_written, MSG_NOSIGNAL) < 0) {
		close(fd);
		return -EIO;
	}
	pfd.fd = fd;
	n = poll(&pfd, 1, SAFETY_MS) == 1 ? recv(fd, in, sizeof(in), 0) : -1;
	close(fd);
	if (n <= 0)
		return -ECONNRESET;
	is = pb_istream_from_buffer(in, (size_t)n);
	*rep = (svcport_admin_v1_AdminReply)svcport_admin_v1_AdminReply_init_zero;
	return pb_decode(&is, svcport_admin_v1_AdminReply_fields, rep) ? 0 : -EBADMSG;
}

int proc_bmcctl_run(const char *admin, char *out, size_t cap, const char *const *args)
{
	const char *argv[20] = {proc_bmcctl(), "--admin-socket", admin};
	int n = 3;

	for (int i = 0; args[i] && n < 19; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	return proc_run(argv, out, cap);
}
