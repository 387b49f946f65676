// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-gatt-client: the phone-side client against a server that says anything.
 *
 * Input: records of a byte k followed by a k-byte PDU (the server's PDUs, in order). They
 * are queued on one end of a socketpair(AF_UNIX, SOCK_SEQPACKET), whose writing side is
 * then shut, and the client runs what svcport-sim app runs: Exchange MTU (offering 23),
 * discovery, enable notifications, read INFO, send a message, receive one. When the
 * queued PDUs run out the client meets EOF, so nothing ever waits.
 *
 * Invariants (abort on violation): no crash; lengths returned fit the buffers given;
 * discovered handles lie inside the discovered service; ATT_MTU stays within 23..517.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
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
	size_t pos = 0;
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
	/* Enlarged so every record of the largest input (16 KiB) queues without blocking. */
	int sz = 4 << 20;
	(void)setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	(void)setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	while (pos < size) {
		size_t k = data[pos++];
		if (k > size - pos)
			k = size - pos;
		/* An empty record is skipped: a zero-length datagram would read as EOF. */
		if (k > 0 && send(sv[1], data + pos, k, MSG_DONTWAIT | MSG_NOSIGNAL) != (ssize_t)k)
			break;
		pos += k;
	}
	shutdown(sv[1], SHUT_WR);
	run_client(sv[0]);
	close(sv[0]);
	close(sv[1]);
	return 0;
}
