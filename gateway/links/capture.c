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

#define HANDLES 0x1000 /* LE handles are 12 bits */

struct capture {
	int fd[2]; /* path, path.1 */
	int cur;
	uint64_t size; /* bytes in fd[cur] */
	uint64_t max;
	bool failed;
	bool starting; /* writing a file's opening records: no rotation */
	uint8_t open_handles[HANDLES / 8];
	/* Each handle's ATT_MTU exchange (client, server; 0: none yet), replayed at the
	 * start of the next file: tshark checks every PDU against the MTU. */
	uint16_t mtu[HANDLES][2];
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

static void file_start(struct capture *cap);

static void record(struct capture *cap, uint16_t opcode, const uint8_t *data, size_t len)
{
	if (!cap || cap->failed)
		return;
	uint8_t rec[24 + REC_MAX];
	if (len > REC_MAX)
		len = REC_MAX;
	if (!cap->starting && cap->size + 24 + len > cap->max) {
		/* Rotate: the other file starts again. */
		cap->cur ^= 1;
		if (ftruncate(cap->fd[cap->cur], 0) < 0 ||
		    lseek(cap->fd[cap->cur], 0, SEEK_SET) < 0) {
			cap->failed = true;
			return;
		}
		file_start(cap);
		if (cap->failed)
			return;
	}
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
	if (write_all(cap->fd[cap->cur], rec, 24 + len) < 0)
		cap->failed = true;
	cap->size += 24 + len;
}

static void le_connect_record(struct capture *cap, uint16_t handle);
static void att_record(struct capture *cap, uint16_t handle, bool rx, const uint8_t *pdu,
                       size_t len);

/* A file's opening: header, the controller's index, the LE handles still open. */
static void file_start(struct capture *cap)
{
	uint8_t hdr[16] = {'b', 't', 's', 'n', 'o', 'o', 'p', 0};
	put_be32(hdr + 8, 1);
	put_be32(hdr + 12, BTSNOOP_FORMAT_MONITOR);
	cap->size = 0;
	if (write_all(cap->fd[cap->cur], hdr, sizeof(hdr)) < 0) {
		cap->failed = true;
		return;
	}
	cap->size = sizeof(hdr);
	cap->starting = true;
	/* New Index: type primary (0), bus virtual (0), address 00:..:00, name. */
	uint8_t ni[16] = {0};
	memcpy(ni + 8, "svcport", 7);
	record(cap, OP_NEW_INDEX, ni, sizeof(ni));
	record(cap, OP_OPEN_INDEX, NULL, 0);
	for (unsigned h = 0; h < HANDLES; h++) {
		if (!(cap->open_handles[h / 8] & (1u << (h % 8))))
			continue;
		le_connect_record(cap, (uint16_t)h);
		if (!cap->mtu[h][0] || !cap->mtu[h][1])
			continue;
		uint8_t req[3] = {0x02}, rsp[3] = {0x03};
		put_le16(req + 1, cap->mtu[h][0]);
		put_le16(rsp + 1, cap->mtu[h][1]);
		att_record(cap, (uint16_t)h, true, req, sizeof(req));
		att_record(cap, (uint16_t)h, false, rsp, sizeof(rsp));
	}
	cap->starting = false;
}

static int open_file(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	return fd < 0 ? -errno : fd;
}

int capture_open(const char *path, uint64_t max_bytes, struct capture **ret_cap)
{
	char older[4096];
	int r;
	if (snprintf(older, sizeof(older), "%s.1", path) >= (int)sizeof(older))
		return -ENAMETOOLONG;
	struct capture *cap = calloc(1, sizeof(*cap));
	if (!cap)
		return -ENOMEM;
	cap->max = max_bytes < CAPTURE_MIN_BYTES ? CAPTURE_MIN_BYTES : max_bytes;
	cap->fd[0] = open_file(path);
	cap->fd[1] = cap->fd[0] < 0 ? -1 : open_file(older);
	r = cap->fd[0] < 0 ? cap->fd[0] : cap->fd[1];
	if (r < 0)
		goto close_fds;
	file_start(cap);
	if (cap->failed) {
		r = -EIO;
		goto close_fds;
	}
	*ret_cap = cap;
	return 0;

close_fds:
	for (int i = 0; i < 2; i++)
		if (cap->fd[i] >= 0)
			close(cap->fd[i]);
	free(cap);
	return r;
}

void capture_close(struct capture *cap)
{
	if (!cap)
		return;
	close(cap->fd[0]);
	close(cap->fd[1]);
	free(cap);
}

uint16_t capture_handle(uint32_t session_id)
{
	return (uint16_t)(1u + (session_id - 1u) % 0x0effu);
}

void capture_le_connect(struct capture *cap, uint16_t handle)
{
	if (!cap)
		return;
	cap->open_handles[handle % HANDLES / 8] |= (uint8_t)(1u << (handle % 8));
	cap->mtu[handle % HANDLES][0] = cap->mtu[handle % HANDLES][1] = 0;
	le_connect_record(cap, handle);
}

static void le_connect_record(struct capture *cap, uint16_t handle)
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
	if (!cap)
		return;
	cap->open_handles[handle % HANDLES / 8] &= (uint8_t) ~(1u << (handle % 8));
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
	/* Exchange MTU Request (from the phone) / Response (ours): kept for the next file. */
	if (len == 3 && pdu[0] == (rx ? 0x02 : 0x03))
		cap->mtu[handle % HANDLES][rx ? 0 : 1] = (uint16_t)(pdu[1] | pdu[2] << 8);
	att_record(cap, handle, rx, pdu, len);
}

static void att_record(struct capture *cap, uint16_t handle, bool rx, const uint8_t *pdu,
                       size_t len)
{
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

	if (!frame) {
		snprintf(msg + n, sizeof(msg) - (size_t)n, " withheld (a secret)");
	} else if (shown) {
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
