// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ble:hciN[/ADDR]: find the server by scanning (HCI LE scan through libbluetooth)
 * for the svcport service UUID in advertising reports, then connect an L2CAP LE
 * socket on the ATT channel (CID 4).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <bluetooth/bluetooth.h>
#include <bluetooth/hci.h>
#include <bluetooth/hci_lib.h>
#include <bluetooth/l2cap.h>

#include "app-link.h"

#define ATT_CID            4
#define AD_UUID128_SOME    0x06
#define AD_UUID128_ALL     0x07
#define SCAN_DEFAULT_MS    10000
#define CONNECT_TIMEOUT_MS 10000
#define KERNEL_LE_LINK     0x80 /* the kernel's link type of an LE ACL (LE_LINK) */

/* abd10001-ebf7-4797-8f14-2b70edecfe4a, little endian as on the air. */
static const uint8_t svc_uuid_le[16] = {0x4a, 0xfe, 0xec, 0xed, 0x70, 0x2b, 0x14, 0x8f,
                                        0x97, 0x47, 0xf7, 0xeb, 0x01, 0x00, 0xd1, 0xab};

static bool has_service_uuid(const uint8_t *ad, size_t len)
{
	size_t i = 0;

	while (i < len) {
		size_t field = ad[i];

		if (field == 0 || i + 1 + field > len)
			return false;
		if (ad[i + 1] == AD_UUID128_SOME || ad[i + 1] == AD_UUID128_ALL)
			for (size_t u = i + 2; u + 16 <= i + 1 + field; u += 16)
				if (memcmp(ad + u, svc_uuid_le, 16) == 0)
					return true;
		i += 1 + field;
	}
	return false;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads LE advertising reports until one carries our UUID (and want, if given). */
static int scan_reports(int dd, const bdaddr_t *want, int timeout_ms, bdaddr_t *ret_addr,
                        uint8_t *ret_type)
{
	int64_t deadline = now_ms() + timeout_ms;
	uint8_t buf[HCI_MAX_EVENT_SIZE];

	for (;;) {
		struct pollfd pfd = {.fd = dd, .events = POLLIN};
		int64_t left = deadline - now_ms();
		evt_le_meta_event *meta;
		const uint8_t *p, *end;
		ssize_t n;
		int r;

		if (left <= 0)
			return -ETIMEDOUT;
		r = poll(&pfd, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : -ETIMEDOUT;
		n = read(dd, buf, sizeof(buf));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 1 + HCI_EVENT_HDR_SIZE + 2)
			continue;
		if (buf[1] == EVT_CMD_COMPLETE && n >= 1 + HCI_EVENT_HDR_SIZE + 4) {
			/* ncmd (1), opcode (2), status (1): our scan enable refused? */
			const uint8_t *cc = buf + 1 + HCI_EVENT_HDR_SIZE;

			if ((cc[1] | cc[2] << 8) ==
			        cmd_opcode_pack(OGF_LE_CTL, OCF_LE_SET_SCAN_ENABLE) &&
			    cc[3] != 0)
				return -EIO;
			continue;
		}
		if (buf[1] != EVT_LE_META_EVENT)
			continue;
		meta = (evt_le_meta_event *)(buf + 1 + HCI_EVENT_HDR_SIZE);
		if (meta->subevent != EVT_LE_ADVERTISING_REPORT)
			continue;
		end = buf + n;
		p = meta->data + 1;
		for (uint8_t k = 0; k < meta->data[0]; k++) {
			const le_advertising_info *info = (const le_advertising_info *)p;

			if (p + sizeof(*info) > end || info->data + info->length + 1 > end)
				break;
			if (has_service_uuid(info->data, info->length) &&
			    (!want || bacmp(want, &info->bdaddr) == 0)) {
				bacpy(ret_addr, &info->bdaddr);
				*ret_type = info->bdaddr_type;
				return 0;
			}
			p = info->data + info->length + 1; /* + RSSI */
		}
	}
}

static int scan(int dev_id, const bdaddr_t *want, const struct app_link_opts *o, bdaddr_t *ret_addr,
                uint8_t *ret_type)
{
	struct hci_filter old, nf;
	socklen_t olen = sizeof(old);
	int dd = hci_open_dev(dev_id);
	int err;

	if (dd < 0)
		return -errno;
	/*
	 * Passive scan (the service UUID is in the advertising data, not the scan
	 * response), 10 ms window every 10 ms, duplicates kept: btvirt reports once.
	 * Not active: since 6.x the kernel marks discovery "finding" when an active
	 * LE scan is enabled, even by a raw HCI command, and only a mgmt-driven stop
	 * clears it; while it is set the kernel never starts the background scan
	 * that an L2CAP LE connect() needs, so the connect below timed out.
	 */
	if (hci_le_set_scan_parameters(dd, 0x00, htobs(0x0010), htobs(0x0010), LE_PUBLIC_ADDRESS,
	                               0x00, 1000) < 0) {
		err = -errno;
		hci_close_dev(dd);
		return err ? err : -EIO;
	}
	/*
	 * The report filter goes on before the scan is enabled, and the enable is
	 * sent without hci_send_req(): a controller may report the advertisers it
	 * already hears right after its Command Complete (btvirt does), and the
	 * temporary filter of hci_send_req() drops them. scan_reports() checks the
	 * enable's Command Complete itself.
	 */
	le_set_scan_enable_cp en = {.enable = 0x01, .filter_dup = 0x00};
	getsockopt(dd, SOL_HCI, HCI_FILTER, &old, &olen);
	hci_filter_clear(&nf);
	hci_filter_set_ptype(HCI_EVENT_PKT, &nf);
	hci_filter_set_event(EVT_LE_META_EVENT, &nf);
	hci_filter_set_event(EVT_CMD_COMPLETE, &nf);
	setsockopt(dd, SOL_HCI, HCI_FILTER, &nf, sizeof(nf));
	if (hci_send_cmd(dd, OGF_LE_CTL, OCF_LE_SET_SCAN_ENABLE, sizeof(en), &en) < 0) {
		err = -errno;
		setsockopt(dd, SOL_HCI, HCI_FILTER, &old, sizeof(old));
		hci_close_dev(dd);
		return err ? err : -EIO;
	}
	app_link_note(o, "BLE: scanning on hci%d for the svcport service", dev_id);
	err = scan_reports(dd, want, o->scan_timeout_ms ? o->scan_timeout_ms : SCAN_DEFAULT_MS,
	                   ret_addr, ret_type);
	setsockopt(dd, SOL_HCI, HCI_FILTER, &old, sizeof(old));
	(void)hci_le_set_scan_enable(dd, 0x00, 0x00, 1000);
	hci_close_dev(dd);
	return err;
}

static int l2cap_connect(int dev_id, const bdaddr_t *dst, uint8_t dst_type, int *ret_fd)
{
	struct sockaddr_l2 src = {.l2_family = AF_BLUETOOTH}, to = {.l2_family = AF_BLUETOOTH};
	struct pollfd pfd;
	socklen_t len = sizeof(int);
	int fd, soerr = 0, err;

	fd = socket(PF_BLUETOOTH, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, BTPROTO_L2CAP);
	if (fd < 0)
		return -errno;
	src.l2_cid = htobs(ATT_CID);
	src.l2_bdaddr_type = BDADDR_LE_PUBLIC;
	if (hci_devba(dev_id, &src.l2_bdaddr) < 0 ||
	    bind(fd, (struct sockaddr *)&src, sizeof(src)) < 0)
		goto fail_errno;
	bacpy(&to.l2_bdaddr, dst);
	to.l2_cid = htobs(ATT_CID);
	to.l2_bdaddr_type = dst_type == LE_RANDOM_ADDRESS ? BDADDR_LE_RANDOM : BDADDR_LE_PUBLIC;
	if (connect(fd, (struct sockaddr *)&to, sizeof(to)) < 0 && errno != EINPROGRESS)
		goto fail_errno;
	pfd.fd = fd;
	pfd.events = POLLOUT;
	if (poll(&pfd, 1, CONNECT_TIMEOUT_MS) <= 0) {
		err = -ETIMEDOUT;
		goto fail;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0 || soerr) {
		err = soerr ? -soerr : -errno;
		goto fail;
	}
	/* The GATT client polls with its own timeouts; blocking I/O from here on. */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	*ret_fd = fd;
	return 0;
fail_errno:
	err = -errno;
fail:
	close(fd);
	return err;
}

/*
 * One app run is one phone connection. The kernel keeps an LE link up for a
 * couple of seconds after its last socket closes (hci_conn disc_timeout) and
 * hands it to the next connect() to the same peer, so a run started right
 * after another would inherit the earlier run's ATT bearer (its exchanged
 * MTU: a second Exchange MTU is answered but changes nothing, 3.4.2.1). A
 * phone's OS owns that bearer; here the app is the OS: it ends such a
 * leftover link first. Best effort: without one, nothing to do.
 */
static void drop_leftover_link(int dev_id, const bdaddr_t *dst, const struct app_link_opts *o)
{
	/* The request ends in a flexible array of one hci_conn_info: a union with
	 * room for both (a struct with the request first is a GNU extension that
	 * clang's -Werror refuses). */
	union {
		struct hci_conn_info_req req;
		uint8_t room[sizeof(struct hci_conn_info_req) + sizeof(struct hci_conn_info)];
	} ci;
	int dd = hci_open_dev(dev_id);

	if (dd < 0)
		return;
	memset(&ci, 0, sizeof(ci));
	bacpy(&ci.req.bdaddr, dst);
	ci.req.type = KERNEL_LE_LINK;
	if (ioctl(dd, HCIGETCONNINFO, &ci) == 0) {
		app_link_note(o, "BLE: ending the link an earlier run left to this peer");
		(void)hci_disconnect(dd, ci.req.conn_info[0].handle, HCI_OE_USER_ENDED_CONNECTION,
		                     2000);
	}
	hci_close_dev(dd);
}

int app_link_ble_connect(const char *arg, const struct app_link_opts *opts, char peer[32],
                         int *ret_fd)
{
	char dev[16];
	const char *slash = strchr(arg, '/');
	bdaddr_t want, found;
	uint8_t type = LE_PUBLIC_ADDRESS;
	int dev_id, err;

	snprintf(dev, sizeof(dev), "%.*s", slash ? (int)(slash - arg) : (int)strlen(arg), arg);
	dev_id = hci_devid(dev);
	if (dev_id < 0)
		return -ENODEV;
	if (slash && str2ba(slash + 1, &want) < 0)
		return -EINVAL;
	if (opts->no_scan) {
		if (!slash)
			return -EINVAL;
		bacpy(&found, &want);
	} else {
		err = scan(dev_id, slash ? &want : NULL, opts, &found, &type);
		if (err < 0)
			return err;
	}
	drop_leftover_link(dev_id, &found, opts);
	ba2str(&found, peer);
	app_link_note(opts, "BLE: connecting to %s (%s) over hci%d", peer,
	              type == LE_RANDOM_ADDRESS ? "random" : "public", dev_id);
	return l2cap_connect(dev_id, &found, type, ret_fd);
}
