// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * svcport-vm-agent: the pairing agent of the VM suite. Without bluetoothd
 * nobody answers the kernel's mgmt User Confirm Request, and LE Secure
 * Connections "just works" pairing stalls until SMP times out. This program
 * listens on the mgmt control channel (every controller) and accepts each
 * request, as a phone's "Pair?" dialog would when the user taps yes.
 *
 * It also watches the HCI monitor channel and reports when a controller's LE
 * scanning is switched on or off (Command Complete of LE Set [Extended] Scan
 * Enable): btvirt delivers one advertising report per advertising enable, so
 * a scenario starts the advertiser only after the scanner has really begun.
 *
 * With --capture FILE it writes everything the monitor channel shows (every
 * controller's HCI commands, events and ACL data: advertising, L2CAP, SMP,
 * ATT) as a btsnoop file in the Linux monitor format, like `btmon -w`, but
 * with no start-up race: "ready" is printed once the channel is open.
 *
 * It prints one line per event it acts on or reports (flushed, so a scenario
 * can wait for them): "ready", "confirm", "ltk", "auth-failed", "scan".
 *
 * The cutter (--cut INDEX): a phone that vanishes mid-message, on cue. It
 * watches controller hciINDEX's outgoing ACL data for the first segment of a
 * multi-segment message (an ATT Write Request/Command whose value starts with
 * the FIRST flag and not LAST, DESIGN 2.1) and at once either kills --kill PID
 * (the phone app dies) or powers the controller off through mgmt (the phone's
 * radio goes away). A shell polling the gateway's log is far too slow under
 * TCG: at ATT MTU 23 a whole command crosses in under a second. In this mode
 * the agent answers no pairing request and captures nothing.
 *
 * Usage: svcport-vm-agent [--reject INDEX] [--ignore INDEX] [--capture FILE]
 *        svcport-vm-agent --cut INDEX [--kill PID]
 *   --reject INDEX answers the requests of controller hciINDEX with User
 *   Confirm Negative Reply (the phone's user refuses to pair), the others'
 *   with User Confirm Reply; --ignore INDEX leaves them unanswered.
 *
 * Wire format: BlueZ doc/mgmt-api.txt. Every packet is
 * { u16 opcode/event code, u16 controller index, u16 parameter length } (LE).
 */
#include <bluetooth/bluetooth.h>
#include <bluetooth/hci.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <sys/types.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum {
	MGMT_HDR_SIZE = 6,
	MGMT_ADDR_INFO_SIZE = 7, /* bdaddr (6) + address type (1) */
	MGMT_OP_SET_POWERED = 0x0005,
	MGMT_OP_USER_CONFIRM_REPLY = 0x001C,
	MGMT_OP_USER_CONFIRM_NEG_REPLY = 0x001D,
	MGMT_EV_CMD_COMPLETE = 0x0001,
	MGMT_EV_CMD_STATUS = 0x0002,
	MGMT_EV_NEW_LONG_TERM_KEY = 0x000A,
	MGMT_EV_USER_CONFIRM_REQUEST = 0x000F,
	MGMT_EV_AUTH_FAILED = 0x0011,
	/* Monitor channel: same header, { opcode, index, length }. */
	MON_COMMAND_PKT = 0x0002,
	MON_EVENT_PKT = 0x0003,
	MON_ACL_TX_PKT = 0x0004,
	L2CAP_CID_ATT = 0x0004,
	ATT_OP_WRITE_REQ = 0x12,
	ATT_OP_WRITE_CMD = 0x52,
	SEG_FIRST = 0x80,
	SEG_LAST = 0x40,
	HCI_EV_COMMAND_COMPLETE = 0x0E,
	HCI_OP_LE_SET_SCAN_ENABLE = 0x200C,
	HCI_OP_LE_SET_EXT_SCAN_ENABLE = 0x2042,
	MAX_INDEX = 16,
};

/* The scan enable value last commanded per controller (monitor channel). */
static int scan_wanted[MAX_INDEX];

/* The cutter: armed on one controller until it fires once. */
static struct {
	bool enabled; /* cutter mode: answers no pairing request */
	bool armed;
	uint16_t index;
	pid_t kill_pid; /* 0: power the controller off instead */
	int ctl_fd;
} cut;

/* btsnoop: 16-byte file header, then per packet a 24-byte record header. */
static const uint8_t btsnoop_magic[8] = {'b', 't', 's', 'n', 'o', 'o', 'p', 0};
enum {
	BTSNOOP_VERSION = 1,
	BTSNOOP_LINUX_MONITOR = 2001,
};
/* btsnoop timestamps count microseconds from year 0; this is the Unix epoch. */
static const uint64_t btsnoop_epoch_delta_us = 0x00dcddb30f2f8000ULL;

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void put_be64(uint8_t *p, uint64_t v)
{
	put_be32(p, (uint32_t)(v >> 32));
	put_be32(p + 4, (uint32_t)v);
}

static int capture_open(const char *path, FILE **ret_f)
{
	uint8_t hdr[16];
	FILE *f;

	f = fopen(path, "we");
	if (!f)
		return -errno;
	memcpy(hdr, btsnoop_magic, sizeof(btsnoop_magic));
	put_be32(hdr + 8, BTSNOOP_VERSION);
	put_be32(hdr + 12, BTSNOOP_LINUX_MONITOR);
	if (fwrite(hdr, sizeof(hdr), 1, f) != 1 || fflush(f) != 0) {
		int err = errno ? -errno : -EIO;

		fclose(f);
		return err;
	}
	*ret_f = f;
	return 0;
}

/* One monitor packet { opcode, index, length, data } as one btsnoop record. */
static int capture_write(FILE *f, const uint8_t *pkt, size_t len)
{
	uint8_t rec[24];
	struct timespec ts;
	uint64_t us;
	uint32_t dlen;

	if (len < MGMT_HDR_SIZE)
		return 0;
	dlen = (uint32_t)(len - MGMT_HDR_SIZE);
	clock_gettime(CLOCK_REALTIME, &ts);
	us = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
	put_be32(rec, dlen);
	put_be32(rec + 4, dlen);
	/* Linux monitor flags: controller index << 16 | monitor opcode. */
	put_be32(rec + 8, (uint32_t)get_le16(pkt + 2) << 16 | get_le16(pkt));
	put_be32(rec + 12, 0);
	put_be64(rec + 16, us + btsnoop_epoch_delta_us);
	if (fwrite(rec, sizeof(rec), 1, f) != 1 ||
	    (dlen && fwrite(pkt + MGMT_HDR_SIZE, dlen, 1, f) != 1) || fflush(f) != 0)
		return errno ? -errno : -EIO;
	return 0;
}

/* Formats a mgmt_addr_info as "AA:BB:CC:DD:EE:FF/type". */
static void addr_format(const uint8_t *ai, char *out, size_t len)
{
	snprintf(out, len, "%02X:%02X:%02X:%02X:%02X:%02X/%u", ai[5], ai[4], ai[3], ai[2], ai[1],
	         ai[0], ai[6]);
}

static int channel_open(unsigned short channel)
{
	struct sockaddr_hci addr;
	int fd;

	fd = socket(AF_BLUETOOTH, SOCK_RAW | SOCK_CLOEXEC, BTPROTO_HCI);
	if (fd < 0)
		return -errno;
	memset(&addr, 0, sizeof(addr));
	addr.hci_family = AF_BLUETOOTH;
	addr.hci_dev = HCI_DEV_NONE;
	addr.hci_channel = channel;
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static int confirm_answer(int fd, uint16_t index, const uint8_t *addr_info, bool accept)
{
	uint8_t pkt[MGMT_HDR_SIZE + MGMT_ADDR_INFO_SIZE];

	put_le16(pkt, accept ? MGMT_OP_USER_CONFIRM_REPLY : MGMT_OP_USER_CONFIRM_NEG_REPLY);
	put_le16(pkt + 2, index);
	put_le16(pkt + 4, MGMT_ADDR_INFO_SIZE);
	memcpy(pkt + MGMT_HDR_SIZE, addr_info, MGMT_ADDR_INFO_SIZE);
	if (write(fd, pkt, sizeof(pkt)) != (ssize_t)sizeof(pkt))
		return -errno;
	return 0;
}

/* Handles one mgmt event; returns 0 or a negative errno for a fatal error. */
/* Set by --ignore: requests of this controller get no answer at all (a user
 * who leaves the phone's "Pair?" dialog open; SMP times out after 30 s). */
static int ignore_index = -1;

static int event_handle(int fd, const uint8_t *pkt, size_t len, int reject_index)
{
	bool accept;
	uint16_t code, index, plen;
	char addr[32];

	if (len < MGMT_HDR_SIZE)
		return 0;
	code = get_le16(pkt);
	index = get_le16(pkt + 2);
	plen = get_le16(pkt + 4);
	if (plen != len - MGMT_HDR_SIZE)
		return 0;
	pkt += MGMT_HDR_SIZE;

	switch (code) {
	case MGMT_EV_USER_CONFIRM_REQUEST:
		/* addr_info, confirm_hint (1), value (4) */
		if (plen < MGMT_ADDR_INFO_SIZE + 5)
			return 0;
		addr_format(pkt, addr, sizeof(addr));
		if (index == ignore_index) {
			printf("confirm hci%u %s hint %u -> no answer\n", index, addr, pkt[7]);
			return 0;
		}
		accept = index != reject_index;
		printf("confirm hci%u %s hint %u -> %s\n", index, addr, pkt[7],
		       accept ? "accept" : "reject");
		return confirm_answer(fd, index, pkt, accept);
	case MGMT_EV_NEW_LONG_TERM_KEY:
		/* store_hint (1), then the key's addr_info */
		if (plen < 1 + MGMT_ADDR_INFO_SIZE)
			return 0;
		addr_format(pkt + 1, addr, sizeof(addr));
		printf("ltk hci%u %s\n", index, addr);
		return 0;
	case MGMT_EV_AUTH_FAILED:
		if (plen < MGMT_ADDR_INFO_SIZE + 1)
			return 0;
		addr_format(pkt, addr, sizeof(addr));
		printf("auth-failed hci%u %s status 0x%02x\n", index, addr, pkt[7]);
		return 0;
	case MGMT_EV_CMD_STATUS:
		/* Our replies fail only if the request was gone: say so. */
		if (plen >= 3 && pkt[2] != 0)
			printf("command 0x%04x on hci%u failed: status 0x%02x\n", get_le16(pkt),
			       index, pkt[2]);
		return 0;
	default:
		return 0;
	}
}

/* Fires the cutter if this outgoing ACL packet starts a multi-segment message. */
static void cut_check(uint16_t index, const uint8_t *acl, size_t len)
{
	uint8_t pkt[MGMT_HDR_SIZE + 1];

	/* ACL header (handle+flags 2, length 2), L2CAP (length 2, CID 2), ATT
	 * opcode (1), handle (2), first value byte (1). */
	if (!cut.armed || index != cut.index || len < 12 || get_le16(acl + 6) != L2CAP_CID_ATT ||
	    (acl[8] != ATT_OP_WRITE_REQ && acl[8] != ATT_OP_WRITE_CMD) ||
	    (acl[11] & (SEG_FIRST | SEG_LAST)) != SEG_FIRST)
		return;
	cut.armed = false;
	if (cut.kill_pid > 0) {
		if (kill(cut.kill_pid, SIGKILL) < 0)
			printf("cut hci%u: kill %d: %s\n", index, (int)cut.kill_pid,
			       strerror(errno));
		else
			printf("cut hci%u: first segment sent, killed %d\n", index,
			       (int)cut.kill_pid);
		return;
	}
	put_le16(pkt, MGMT_OP_SET_POWERED);
	put_le16(pkt + 2, index);
	put_le16(pkt + 4, 1);
	pkt[MGMT_HDR_SIZE] = 0;
	if (write(cut.ctl_fd, pkt, sizeof(pkt)) != (ssize_t)sizeof(pkt))
		printf("cut hci%u: power off: %s\n", index, strerror(errno));
	else
		printf("cut hci%u: first segment sent, powering off\n", index);
}

/* Reports LE scan enable changes once the controller has accepted them. */
static void monitor_handle(const uint8_t *pkt, size_t len)
{
	uint16_t code, index, plen, op;

	if (len < MGMT_HDR_SIZE)
		return;
	code = get_le16(pkt);
	index = get_le16(pkt + 2);
	plen = get_le16(pkt + 4);
	if (plen != len - MGMT_HDR_SIZE || index >= MAX_INDEX)
		return;
	pkt += MGMT_HDR_SIZE;

	if (code == MON_ACL_TX_PKT) {
		cut_check(index, pkt, plen);
	} else if (code == MON_COMMAND_PKT && plen >= 4) {
		/* opcode (2), parameter length (1), enable (1), ... */
		op = get_le16(pkt);
		if (op == HCI_OP_LE_SET_SCAN_ENABLE || op == HCI_OP_LE_SET_EXT_SCAN_ENABLE)
			scan_wanted[index] = pkt[3] ? 1 : 0;
	} else if (code == MON_EVENT_PKT && plen >= 6 && pkt[0] == HCI_EV_COMMAND_COMPLETE) {
		/* event (1), length (1), ncmd (1), opcode (2), status (1) */
		op = get_le16(pkt + 3);
		if ((op == HCI_OP_LE_SET_SCAN_ENABLE || op == HCI_OP_LE_SET_EXT_SCAN_ENABLE) &&
		    pkt[5] == 0)
			printf("scan hci%u %s\n", index, scan_wanted[index] ? "on" : "off");
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"reject", required_argument, NULL, 'r'},  {"ignore", required_argument, NULL, 'i'},
	    {"capture", required_argument, NULL, 'c'}, {"cut", required_argument, NULL, 'x'},
	    {"kill", required_argument, NULL, 'k'},    {0},
	};
	uint8_t buf[8192];
	const char *capture_path = NULL;
	FILE *capture = NULL;
	int reject_index = -1;
	char *end;
	struct sigaction sa;
	struct pollfd pfd[2];
	int fd, mon, opt, ret = 1;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'r':
		case 'i': {
			int v = (int)strtol(optarg, &end, 10);

			if (*optarg == '\0' || *end != '\0' || v < 0) {
				fprintf(stderr, "svcport-vm-agent: --%s wants an index\n",
				        opt == 'r' ? "reject" : "ignore");
				return 2;
			}
			if (opt == 'r')
				reject_index = v;
			else
				ignore_index = v;
			break;
		}
		case 'c':
			capture_path = optarg;
			break;
		case 'x':
		case 'k': {
			long v = strtol(optarg, &end, 10);

			if (*optarg == '\0' || *end != '\0' || v < 0 ||
			    v > (opt == 'x' ? MAX_INDEX - 1 : 4194304)) {
				fprintf(stderr, "svcport-vm-agent: bad --%s value\n",
				        opt == 'x' ? "cut" : "kill");
				return 2;
			}
			if (opt == 'x') {
				cut.enabled = cut.armed = true;
				cut.index = (uint16_t)v;
			} else {
				cut.kill_pid = (pid_t)v;
			}
			break;
		}
		default:
			fprintf(stderr, "usage: svcport-vm-agent [--reject INDEX] [--ignore INDEX] "
			                "[--capture FILE]\n"
			                "       svcport-vm-agent --cut INDEX [--kill PID]\n");
			return 2;
		}
	}
	if (cut.kill_pid && !cut.enabled) {
		fprintf(stderr, "svcport-vm-agent: --kill goes with --cut\n");
		return 2;
	}
	if (optind != argc) {
		fprintf(stderr, "usage: svcport-vm-agent [--reject INDEX] [--ignore INDEX] "
		                "[--capture FILE] | --cut "
		                "INDEX [--kill PID]\n");
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	fd = channel_open(HCI_CHANNEL_CONTROL);
	if (fd < 0) {
		fprintf(stderr, "svcport-vm-agent: mgmt control socket: %s\n", strerror(-fd));
		return 1;
	}
	cut.ctl_fd = fd;
	mon = channel_open(HCI_CHANNEL_MONITOR);
	if (mon < 0) {
		fprintf(stderr, "svcport-vm-agent: HCI monitor socket: %s\n", strerror(-mon));
		close(fd);
		return 1;
	}
	if (capture_path && !cut.enabled) {
		int err = capture_open(capture_path, &capture);

		if (err < 0) {
			fprintf(stderr, "svcport-vm-agent: %s: %s\n", capture_path, strerror(-err));
			goto fail;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready\n");

	pfd[0] = (struct pollfd){.fd = fd, .events = POLLIN};
	pfd[1] = (struct pollfd){.fd = mon, .events = POLLIN};
	while (!stop) {
		ssize_t n;
		int err;

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "svcport-vm-agent: poll: %s\n", strerror(errno));
			goto fail;
		}
		if (pfd[1].revents & POLLIN) {
			n = read(mon, buf, sizeof(buf));
			if (n > 0) {
				monitor_handle(buf, (size_t)n);
				if (capture && capture_write(capture, buf, (size_t)n) < 0) {
					fprintf(stderr, "svcport-vm-agent: %s: %s\n", capture_path,
					        strerror(errno));
					goto fail;
				}
			}
		}
		if (!(pfd[0].revents & POLLIN))
			continue;
		n = read(fd, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "svcport-vm-agent: read: %s\n", strerror(errno));
			goto fail;
		}
		/* The cutter leaves pairing to the main agent. */
		err = cut.enabled ? 0 : event_handle(fd, buf, (size_t)n, reject_index);
		if (err < 0) {
			fprintf(stderr, "svcport-vm-agent: reply: %s\n", strerror(-err));
			goto fail;
		}
	}
	ret = 0;
fail:
	if (capture)
		fclose(capture);
	close(mon);
	close(fd);
	return ret;
}
