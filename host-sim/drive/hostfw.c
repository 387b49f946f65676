// SPDX-License-Identifier: GPL-2.0-or-later
/* The simulated host firmware's side of the host interface (hostfw.h). */
#include "hostfw.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <mbedtls/platform_util.h>
#include <pb_decode.h>
#include <pb_encode.h>

int hostfw_connect(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}

int hostfw_call(int fd, const svcport_host_v1_HostRequest *req, svcport_host_v1_HostReply *rep,
                int timeout_ms)
{
	uint8_t buf[svcport_host_v1_HostReply_size + 1];
	struct pollfd p = {.fd = fd, .events = POLLIN};
	pb_ostream_t os = pb_ostream_from_buffer(buf, sizeof(buf));
	pb_istream_t is;
	ssize_t n;
	int ret = 0, r;

	if (!pb_encode(&os, svcport_host_v1_HostRequest_fields, req))
		return -EINVAL;
	if (send(fd, buf, os.bytes_written, MSG_NOSIGNAL) < 0)
		return errno == EPIPE ? -ECONNRESET : -errno;
	do
		r = poll(&p, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	if (r <= 0)
		return r == 0 ? -ETIMEDOUT : -errno;
	n = recv(fd, buf, sizeof(buf), MSG_TRUNC);
	if (n <= 0)
		return n == 0 || errno == ECONNRESET ? -ECONNRESET : -errno;
	*rep = (svcport_host_v1_HostReply)svcport_host_v1_HostReply_init_zero;
	is = pb_istream_from_buffer(buf, (size_t)n);
	if ((size_t)n > svcport_host_v1_HostReply_size ||
	    !pb_decode(&is, svcport_host_v1_HostReply_fields, rep) ||
	    rep->request_id != req->request_id)
		ret = -EBADMSG;
	mbedtls_platform_zeroize(buf, sizeof(buf));
	return ret;
}

/* One request of the power-on; rep is the reply. */
static int ask(int fd, pb_size_t tag, uint32_t id, svcport_host_v1_HostReply *rep)
{
	svcport_host_v1_HostRequest req = svcport_host_v1_HostRequest_init_zero;

	req.version = 1;
	req.request_id = id;
	req.which_body = tag;
	return hostfw_call(fd, &req, rep, HOSTFW_TIMEOUT_MS);
}

int hostfw_boot(const char *path, struct hostfw_boot *ret)
{
	static svcport_host_v1_HostReply rep;
	int fd = hostfw_connect(path);
	int err;

	if (fd < 0)
		return fd;
	*ret = (struct hostfw_boot){0};
	err = ask(fd, svcport_host_v1_HostRequest_boot_tag, 1, &rep);
	if (err == 0) {
		ret->may_boot =
		    rep.which_body == svcport_host_v1_HostReply_boot_tag && rep.body.boot.may_boot;
		ret->sed_enabled = rep.which_body == svcport_host_v1_HostReply_boot_tag &&
		                   rep.body.boot.sed_enabled;
	}
	if (err == 0 && ret->may_boot && ret->sed_enabled)
		err = ask(fd, svcport_host_v1_HostRequest_get_sed_ak_tag, 2, &rep);
	if (err == 0) {
		ret->status = rep.status;
		snprintf(ret->message, sizeof(ret->message), "%s", rep.message);
		ret->has_ak = rep.which_body == svcport_host_v1_HostReply_sed_ak_tag &&
		              rep.body.sed_ak.ak.size == HOSTFW_AK_LEN;
		if (ret->has_ak)
			memcpy(ret->ak, rep.body.sed_ak.ak.bytes, HOSTFW_AK_LEN);
	}
	mbedtls_platform_zeroize(&rep, sizeof(rep));
	close(fd);
	return err;
}
