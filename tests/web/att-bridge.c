// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * att-bridge: the web tests' way onto svcportd's ble-sim: link. Node has no
 * SOCK_SEQPACKET, so this program holds the unix SOCK_SEQPACKET connection and plays the
 * ATT client's own part with the project's GATT client (gateway/gatt-client.h): Exchange
 * MTU and discovery at start, TX's CCCD write, RX writes and INFO reads when asked. It
 * speaks to its parent over stdin/stdout in records: type (1 byte), length (2 bytes, little
 * endian), payload.
 *
 *   parent -> bridge   'W' value   write RX (Write Request)
 *                      'C'         enable TX notifications (CCCD := 0x0001)
 *                      'I'         read INFO
 *   bridge -> parent   'R' mtu(2)  ready: MTU exchanged, service discovered
 *                      'A' status [data]  answer to W/C/I in order: status 0, or the ATT
 *                                  error code, or 0xff when the link failed
 *                      'N' value   a TX notification, as the gateway sent it
 *                      'E'         the gateway closed the connection
 *
 * usage: att-bridge PATH [MTU]   (MTU offered, 23..517, default 517)
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "gatt-client.h"

#define REC_MAX 1024

static int full_io(int fd, void *buf, size_t len, int is_write)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = is_write ? write(fd, (char *)buf + off, len - off)
		                     : read(fd, (char *)buf + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

static int rec_send(char type, const uint8_t *p, size_t len)
{
	uint8_t hdr[3] = {(uint8_t)type, (uint8_t)(len & 0xff), (uint8_t)(len >> 8)};

	if (full_io(STDOUT_FILENO, hdr, sizeof(hdr), 1) < 0)
		return -1;
	return len ? full_io(STDOUT_FILENO, (void *)p, len, 1) : 0;
}

static int answer(int err, struct gatt_client *c, const uint8_t *data, size_t len)
{
	uint8_t buf[REC_MAX + 1];

	buf[0] = err == 0                        ? 0
	         : gatt_client_last_att_error(c) ? gatt_client_last_att_error(c)
	                                         : 0xff;
	if (len > REC_MAX)
		len = REC_MAX;
	if (len)
		memcpy(buf + 1, data, len);
	return rec_send('A', buf, 1 + len);
}

/* Forwards every notification queued or waiting on the socket; -1 when the link ended. */
static int drain(struct gatt_client *c)
{
	uint8_t v[600];
	size_t len;

	for (;;) {
		int r = gatt_client_wait_notification(c, v, sizeof(v), &len, 0);

		if (r == -ETIMEDOUT)
			return 0;
		if (r < 0)
			return -1;
		if (rec_send('N', v, len) < 0)
			return -1;
	}
}

static int command(struct gatt_client *c)
{
	uint8_t hdr[3], p[REC_MAX], info[REC_MAX];
	size_t len, info_len = 0;
	int err;

	if (full_io(STDIN_FILENO, hdr, sizeof(hdr), 0) < 0)
		return -1; /* the parent went away */
	len = (size_t)hdr[1] | (size_t)hdr[2] << 8;
	if (len > sizeof(p) || (len && full_io(STDIN_FILENO, p, len, 0) < 0))
		return -1;
	switch (hdr[0]) {
	case 'W':
		err = gatt_client_write_rx(c, p, len);
		break;
	case 'C':
		err = gatt_client_enable_notifications(c);
		break;
	case 'I':
		err = gatt_client_read_info(c, info, sizeof(info), &info_len);
		break;
	default:
		return -1;
	}
	/* Notifications the gateway sent before its response go first, in order. */
	if (drain(c) < 0 && err == 0)
		err = -ECONNRESET;
	return answer(err, c, info, err == 0 ? info_len : 0);
}

int main(int argc, char **argv)
{
	struct gatt_client_config cfg = {.mtu = argc > 2 ? (uint16_t)atoi(argv[2]) : 517};
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct gatt_client *c = NULL;
	uint8_t mtu[2];
	int fd, rc = 1;

	if (argc < 2 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: att-bridge PATH [MTU]\n");
		return 2;
	}
	strcpy(sa.sun_path, argv[1]);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "att-bridge: %s: %s\n", argv[1], strerror(errno));
		goto out_fd;
	}
	if (gatt_client_new(fd, &cfg, &c) < 0 || gatt_client_exchange_mtu(c) < 0 ||
	    gatt_client_discover(c) < 0) {
		fprintf(stderr, "att-bridge: MTU exchange or discovery failed\n");
		goto out_client;
	}
	mtu[0] = (uint8_t)(gatt_client_get_mtu(c) & 0xff);
	mtu[1] = (uint8_t)(gatt_client_get_mtu(c) >> 8);
	if (rec_send('R', mtu, sizeof(mtu)) < 0)
		goto out_client;
	for (;;) {
		struct pollfd p[2] = {{.fd = STDIN_FILENO, .events = POLLIN},
		                      {.fd = fd, .events = POLLIN}};

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents && drain(c) < 0) {
			rec_send('E', NULL, 0);
			rc = 0;
			break;
		}
		if (p[0].revents && command(c) < 0) {
			rc = 0;
			break;
		}
	}
out_client:
	gatt_client_free(c);
out_fd:
	if (fd >= 0)
		close(fd);
	return rc;
}
