// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-gatt-client: the phone-side client against a server that says anything.
 *
 * Input: records of a byte k followed by a k-byte PDU (the server's PDUs, in order), and
 * the client runs what svcport-sim app runs: Exchange MTU (offering 23), discovery, enable
 * notifications, read INFO, send a message, receive one. The client's fd is a
 * SOCK_SEQPACKET peer that has queued those PDUs and shut its writing side: one datagram
 * per read (an empty record is skipped: a zero-length datagram would read as EOF), then
 * EOF, so nothing ever waits; poll() finds it ready; what the client writes is taken.
 *
 * That peer is played in this process: the program is linked with --wrap=read,write,poll
 * (tests/att/CMakeLists.txt) and the wrappers answer for the client's fd alone, every
 * other fd goes to the system. The client's own code (gatt-client.c: the poll timeouts,
 * reads, writes, the notification queue) runs unchanged; a real socketpair per input
 * (about 40 system calls) held this target at ~3,000 exec/s. test-gatt-client runs the
 * client over a real socketpair against the gateway's ATT server.
 *
 * Invariants (abort on violation): no crash; lengths returned fit the buffers given;
 * discovered handles lie inside the discovered service; ATT_MTU stays within 23..517.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "att.h"
#include "gatt-client.h"

static void check_at(bool ok, int line)
{
	if (ok)
		return;
	fprintf(stderr, "fuzz-gatt-client: invariant of line %d broken\n", line);
	abort();
}
#define check(ok) check_at((ok), __LINE__)

/* The server's end: the input's records, in order. */
static struct {
	int fd; /* the client's fd: /dev/null, opened once, never read through the system */
	const uint8_t *data;
	size_t size, pos;
} peer = {.fd = -1};

ssize_t __real_read(int fd, void *buf, size_t len);
ssize_t __real_write(int fd, const void *buf, size_t len);
int __real_poll(struct pollfd *fds, nfds_t nfds, int timeout);
ssize_t __wrap_read(int fd, void *buf, size_t len);
ssize_t __wrap_write(int fd, const void *buf, size_t len);
int __wrap_poll(struct pollfd *fds, nfds_t nfds, int timeout);

/* The next datagram, as SOCK_SEQPACKET reads it: one record (what does not fit in len
 * is discarded), 0 at EOF. */
ssize_t __wrap_read(int fd, void *buf, size_t len)
{
	size_t k = 0;

	if (fd != peer.fd)
		return __real_read(fd, buf, len);
	while (k == 0 && peer.pos < peer.size) {
		k = peer.data[peer.pos++];
		if (k > peer.size - peer.pos)
			k = peer.size - peer.pos;
		memcpy(buf, peer.data + peer.pos, k < len ? k : len);
		peer.pos += k;
	}
	return (ssize_t)(k < len ? k : len);
}

ssize_t __wrap_write(int fd, const void *buf, size_t len)
{
	return fd == peer.fd ? (ssize_t)len : __real_write(fd, buf, len);
}

/* The client's fd is always readable (a datagram or EOF) and writable. */
int __wrap_poll(struct pollfd *fds, nfds_t nfds, int timeout)
{
	if (nfds != 1 || fds[0].fd != peer.fd)
		return __real_poll(fds, nfds, timeout);
	fds[0].revents = fds[0].events & (POLLIN | POLLOUT);
	return fds[0].revents ? 1 : 0;
}

static void run_client(int fd)
{
	struct gatt_client_config cfg = {.mtu = 23, .timeout_ms = 1000, .max_message = 1024};
	struct gatt_client *c = NULL;
	struct gattc_handles h;
	uint8_t buf[1024];
	size_t len = 0;

	if (gatt_client_new(fd, &cfg, &c) < 0)
		abort();
	/* Every call returns 0 or a negative errno, whatever the server said. */
	check(gatt_client_exchange_mtu(c) <= 0);
	check(gatt_client_get_mtu(c) >= ATT_MTU_DEFAULT && gatt_client_get_mtu(c) <= 23);
	if (gatt_client_discover(c) == 0) {
		gatt_client_get_handles(c, &h);
		check(h.svc_start && h.svc_start <= h.svc_end);
		check(h.tx_ccc > h.tx && h.tx_ccc <= h.svc_end);
	}
	check(gatt_client_enable_notifications(c) <= 0);
	if (gatt_client_read_info(c, buf, 100, &len) == 0)
		check(len <= 100);
	check(gatt_client_send_message(c, (const uint8_t *)"hello", 5) <= 0);
	len = 0;
	if (gatt_client_recv_message(c, buf, 200, &len, 1000) == 0)
		check(len >= 1 && len <= 200);
	gatt_client_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (peer.fd < 0 && (peer.fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
		abort();
	peer.data = data;
	peer.size = size;
	peer.pos = 0;
	run_client(peer.fd);
	return 0;
}
