// SPDX-License-Identifier: GPL-2.0-or-later
/* capture.h: btsnoop writer, Linux monitor datalink (BlueZ src/shared/btsnoop.h layout). */
#include "capture.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hex.h"
#include "utc.h"

#define BTSNOOP_FORMAT_MONITOR 2001
/* Monitor opcodes (record flags = index << 16 | opcode). */
#define OP_NEW_INDEX   0
#define OP_EVENT_PKT   3
#define OP_ACL_TX_PKT  4
#define OP_ACL_RX_PKT  5
#define OP_OPEN_INDEX  8
#define OP_SYSTEM_NOTE 12
/* Microseconds from 0000-01-01 to 1970-01-01, the btsnoop epoch. */
#define BTSNOOP_EPOCH_DELTA 0x00dcddb30f2f8000ull
#define ATT_CID             0x0004
#define REC_MAX             4096 /* ATT PDUs are at most 517 bytes; CDC hex lines are capped */
#define CDC_HEX_MAX         1500 /* bytes of a frame shown in hex; the length is always given */

struct capture {
	int fd;
	bool failed;
};

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void record(struct capture *cap, uint16_t opcode, const uint8_t *data, size_t len)
{
	if (!cap || cap->failed)
		return;
	uint8_t rec[24 + REC_MAX];
	if (len > REC_MAX)
		len = REC_MAX;
	/* BTSnoop counts 64-bit microseconds; read them without time_t (docs/arm.md). */
	int64_t sec = 0;
	uint32_t nsec = 0;
	if (utc_now(&sec, &nsec) < 0)
		sec = 0;
	uint64_t ts = (uint64_t)sec * 1000000u + nsec / 1000u + BTSNOOP_EPOCH_DELTA;
	put_be32(rec, (uint32_t)len);
	put_be32(rec + 4, (uint32_t)len);
	put_be32(rec + 8, opcode); /* controller index 0 */
	put_be32(rec + 12, 0);
	put_be32(rec + 16, (uint32_t)(ts >> 32));
	put_be32(rec + 20, (uint32_t)ts);
	if (len)
		memcpy(rec + 24, data, len);
	if (write_all(cap->fd, rec, 24 + len) < 0)
		cap->failed = true;
}

int capture_open(const char *path, struct capture **ret_cap)
{
	int r;
	struct capture *cap = calloc(1, sizeof(*cap));
	if (!cap)
		return -ENOMEM;
	cap->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (cap->fd < 0) {
		r = -errno;
		goto free_cap;
	}
	uint8_t hdr[16] = {'b', 't', 's', 'n', 'o', 'o', 'p', 0};
	put_be32(hdr + 8, 1);
	put_be32(hdr + 12, BTSNOOP_FORMAT_MONITOR);
	r = write_all(cap->fd, hdr, sizeof(hdr));
	if (r < 0)
		goto close_fd;
	/* New Index: type primary (0), bus virtual (0), address 00:..:00, name. */
	uint8_t ni[16] = {0};
	memcpy(ni + 8, "svcport", 7);
	record(cap, OP_NEW_INDEX, ni, sizeof(ni));
	record(cap, OP_OPEN_INDEX, NULL, 0);
	*ret_cap = cap;
	return 0;

close_fd:
	close(cap->fd);
free_cap:
	free(cap);
	return r;
}

void capture_close(struct capture *cap)
{
	if (!cap)
		return;
	close(cap->fd);
	free(cap);
}

uint16_t capture_handle(uint32_t session_id)
{
	return (uint16_t)(1u + (session_id - 1u) % 0x0effu);
}

void capture_le_connect(struct capture *cap, uint16_t handle)
{
	/* HCI LE Meta event, LE Connection Complete: status 0, role peripheral,
	 * peer random address, 30 ms interval, latency 0, timeout 4 s. */
	uint8_t ev[2 + 19] = {0x3e, 19, 0x01, 0x00};
	put_le16(ev + 4, handle);
	ev[6] = 0x01;                                  /* role: peripheral */
	ev[7] = 0x01;                                  /* peer address type: random */
	memcpy(ev + 8, "\x01\x00\x00\x00\x00\xc0", 6); /* peer address (static random) */
	put_le16(ev + 14, 24);                         /* interval, 1.25 ms units */
	put_le16(ev + 16, 0);                          /* latency */
	put_le16(ev + 18, 400);                        /* supervision timeout, 10 ms units */
	ev[20] = 0x00;                                 /* clock accuracy */
	record(cap, OP_EVENT_PKT, ev, sizeof(ev));
}

void capture_le_disconnect(struct capture *cap, uint16_t handle)
{
	/* HCI Disconnection Complete: status 0, reason 0x13 remote user terminated. */
	uint8_t ev[2 + 4] = {0x05, 4, 0x00};
	put_le16(ev + 3, handle);
	ev[5] = 0x13;
	record(cap, OP_EVENT_PKT, ev, sizeof(ev));
}

void capture_att(struct capture *cap, uint16_t handle, bool rx, const uint8_t *pdu, size_t len)
{
	if (!cap || len > 600)
		return;
	uint8_t acl[4 + 4 + 600];
	/* ACL header: handle | PB flag (0x2 first automatically flushable from the
	 * controller, 0x0 first non-flushable from the host), data length. */
	put_le16(acl, (uint16_t)(handle | (rx ? 0x2000 : 0x0000)));
	put_le16(acl + 2, (uint16_t)(len + 4));
	put_le16(acl + 4, (uint16_t)len); /* L2CAP basic header */
	put_le16(acl + 6, ATT_CID);
	memcpy(acl + 8, pdu, len);
	record(cap, rx ? OP_ACL_RX_PKT : OP_ACL_TX_PKT, acl, len + 8);
}

void capture_cdc(struct capture *cap, uint32_t session_id, bool rx, const uint8_t *frame,
                 size_t len)
{
	if (!cap)
		return;
	char msg[64 + 2 * CDC_HEX_MAX + 1];
	int n = snprintf(msg, sizeof(msg), "svcport-cdc session %u %s frame %zu bytes:", session_id,
	                 rx ? "rx" : "tx", len);
	size_t shown = len < CDC_HEX_MAX ? len : CDC_HEX_MAX;

	if (shown) {
		msg[n++] = ' ';
		hex_encode(frame, shown, msg + n);
	}
	capture_note(cap, msg);
}

void capture_note(struct capture *cap, const char *text)
{
	if (!cap)
		return;
	record(cap, OP_SYSTEM_NOTE, (const uint8_t *)text, strlen(text) + 1);
}
