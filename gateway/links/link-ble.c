// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ble:hciN — the GATT server on a real adapter (DESIGN §2.1): an L2CAP LE
 * socket on the ATT fixed channel (CID 4), bound to the adapter's public
 * address, and LE advertising of the service UUID and a short name through
 * HCI commands (libbluetooth hci_*). Advertising is enabled at start and
 * again after every connect and disconnect (a connection stops connectable
 * advertising in the controller). BT_SECURITY from --ble-security is set on
 * each accepted socket. BlueZ's bluetoothd must not run its own GATT server
 * and advertising on the same adapter: docs/gateway.md says how to coexist.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bluetooth/bluetooth.h>
#include <bluetooth/hci.h>
#include <bluetooth/hci_lib.h>
#include <bluetooth/l2cap.h>

#include "att.h"
#include "gatt-conn.h"
#include "link.h"
#include "log.h"
#include "loop.h"

#define BLE_CONNS_MAX 8u
#define ATT_CID       4
#define HCI_TIMEOUT   1000 /* ms per HCI command */
#define SEC_RETRY_MS  10   /* BT_SECURITY asked again after EINVAL, this often... */
#define SEC_RETRIES   50   /* ...this many times */

/* abd10001-ebf7-4797-8f14-2b70edecfe4a, little endian as in advertising data. */
static const uint8_t service_uuid_le[16] = {
    0x4a, 0xfe, 0xec, 0xed, 0x70, 0x2b, 0x14, 0x8f, 0x97, 0x47, 0xf7, 0xeb, 0x01, 0x00, 0xd1, 0xab,
};

struct ble_link {
	struct link base;
	const struct link_ctx *ctx;
	char name[32];
	int dev_id;
	int hci_fd; /* raw HCI socket for the advertising commands, opened before the privilege drop
	             */
	int listen_fd;
	struct loop_io *listen_io;
	struct gatt_conn *conns[BLE_CONNS_MAX];
	/* Security asked too early (see ble_security_request): fd and tries left per slot. */
	int sec_fd[BLE_CONNS_MAX];
	unsigned sec_tries[BLE_CONNS_MAX];
	struct loop_timer *sec_timer;
};

static int hci_cmd(struct ble_link *l, uint16_t ocf, const void *param, uint8_t plen)
{
	uint8_t status = 0;
	struct hci_request rq = {
	    .ogf = OGF_LE_CTL,
	    .ocf = ocf,
	    .cparam = (void *)param,
	    .clen = plen,
	    .rparam = &status,
	    .rlen = 1,
	};
	if (hci_send_req(l->hci_fd, &rq, HCI_TIMEOUT) < 0)
		return -errno;
	return status ? -EIO : 0;
}

static int ble_advertise_setup(struct ble_link *l)
{
	int r;
	le_set_advertising_parameters_cp adv = {
	    .min_interval = htobs(0x00a0), /* 100 ms */
	    .max_interval = htobs(0x00f0), /* 150 ms */
	    .advtype = 0x00,               /* ADV_IND: connectable, scannable */
	    .own_bdaddr_type = LE_PUBLIC_ADDRESS,
	    .chan_map = 0x07,
	    .filter = 0x00,
	};
	r = hci_cmd(l, OCF_LE_SET_ADVERTISING_PARAMETERS, &adv, sizeof(adv));
	if (r < 0)
		return r;
	/* Advertising data: flags, the 128-bit service UUID, and the name shortened
	 * to what fits in 31 bytes; the scan response carries the complete name. */
	le_set_advertising_data_cp data;
	memset(&data, 0, sizeof(data));
	uint8_t *p = data.data;
	*p++ = 2;
	*p++ = 0x01; /* Flags */
	*p++ = 0x06; /* LE General Discoverable, BR/EDR not supported */
	*p++ = 17;
	*p++ = 0x07; /* Complete List of 128-bit Service UUIDs */
	memcpy(p, service_uuid_le, 16);
	p += 16;
	size_t name_len = strlen(l->ctx->ble_name);
	size_t room = sizeof(data.data) - (size_t)(p - data.data) - 2;
	size_t short_len = name_len < room ? name_len : room;
	*p++ = (uint8_t)(short_len + 1);
	*p++ = short_len < name_len ? 0x08 : 0x09; /* Shortened / Complete Local Name */
	memcpy(p, l->ctx->ble_name, short_len);
	p += short_len;
	data.length = (uint8_t)(p - data.data);
	r = hci_cmd(l, OCF_LE_SET_ADVERTISING_DATA, &data, sizeof(data));
	if (r < 0)
		return r;
	le_set_scan_response_data_cp scan;
	memset(&scan, 0, sizeof(scan));
	size_t full = name_len < sizeof(scan.data) - 2 ? name_len : sizeof(scan.data) - 2;
	scan.data[0] = (uint8_t)(full + 1);
	scan.data[1] = full < name_len ? 0x08 : 0x09;
	memcpy(scan.data + 2, l->ctx->ble_name, full);
	scan.length = (uint8_t)(full + 2);
	return hci_cmd(l, OCF_LE_SET_SCAN_RESPONSE_DATA, &scan, sizeof(scan));
}

static void ble_advertise(struct ble_link *l, bool on)
{
	le_set_advertise_enable_cp en = {.enable = on ? 1 : 0};
	int r = hci_cmd(l, OCF_LE_SET_ADVERTISE_ENABLE, &en, sizeof(en));
	/* Command Disallowed (already in that state) comes back as -EIO: harmless. */
	if (r < 0 && r != -EIO)
		log_msg(LOG_WARNING, "link %s: advertising %s failed: %s", l->name,
		        on ? "enable" : "disable", strerror(-r));
	else if (r == 0)
		log_msg(LOG_INFO, "link %s: advertising %s", l->name, on ? "on" : "off");
}

static unsigned ble_conn_count(const struct ble_link *l)
{
	unsigned n = 0;
	for (unsigned i = 0; i < BLE_CONNS_MAX; i++)
		n += l->conns[i] != NULL;
	return n;
}

static void ble_conn_closed(struct gatt_conn *conn, void *user_data)
{
	struct ble_link *l = user_data;
	for (unsigned i = 0; i < BLE_CONNS_MAX; i++) {
		if (l->conns[i] == conn) {
			l->conns[i] = NULL;
			l->sec_tries[i] = 0;
			gatt_conn_free(conn); /* closing the socket disconnects the LE link */
		}
	}
	ble_advertise(l, true); /* re-advertise after a disconnect */
}

/* The security the LE link has reached (the kernel answers the connection's
 * level, which rises when pairing or encryption completes). */
static int ble_security_of(int fd)
{
	struct bt_security sec = {0};
	socklen_t len = sizeof(sec);
	if (getsockopt(fd, SOL_BLUETOOTH, BT_SECURITY, &sec, &len) < 0)
		return ATT_SECURITY_LOW;
	if (sec.level >= BT_SECURITY_HIGH)
		return ATT_SECURITY_HIGH;
	return sec.level == BT_SECURITY_MEDIUM ? ATT_SECURITY_MEDIUM : ATT_SECURITY_LOW;
}

/*
 * Asks the kernel for the configured security on an accepted ATT socket. The
 * kernel wakes accept() while it is still setting the new LE connection up,
 * before the connection's SMP channel exists; BT_SECURITY then fails with
 * EINVAL ("security requested but not available" in the kernel log; seen on
 * the real stack with 2 CPUs, tests/vm ble-encrypted), no Security Request is
 * sent and the phone is never asked to pair. Returns true when it must be
 * asked again. LOW is the default and needs no request (the kernel refuses
 * to "raise" a link to LOW with EINVAL as well).
 */
static bool ble_security_request(struct ble_link *l, int fd, const char *who)
{
	struct bt_security sec = {.level = (uint8_t)l->ctx->ble_security};

	if (sec.level <= BT_SECURITY_LOW ||
	    setsockopt(fd, SOL_BLUETOOTH, BT_SECURITY, &sec, sizeof(sec)) == 0)
		return false;
	if (errno == EINVAL && ble_security_of(fd) < l->ctx->ble_security)
		return true;
	if (errno != EINVAL)
		log_msg(LOG_WARNING, "link %s: %s: BT_SECURITY %d: %s", l->name, who, sec.level,
		        strerror(errno));
	return false;
}

static void ble_security_retry(void *user_data)
{
	struct ble_link *l = user_data;
	bool again = false;

	for (unsigned i = 0; i < BLE_CONNS_MAX; i++) {
		if (!l->sec_tries[i])
			continue;
		if (!l->conns[i] || !ble_security_request(l, l->sec_fd[i], "retry")) {
			l->sec_tries[i] = 0;
			continue;
		}
		if (--l->sec_tries[i] == 0)
			log_msg(LOG_WARNING, "link %s: the kernel never accepted BT_SECURITY %d",
			        l->name, l->ctx->ble_security);
		again = again || l->sec_tries[i];
	}
	if (again && loop_timer_start(l->sec_timer, SEC_RETRY_MS) < 0)
		log_msg(LOG_ERR, "link %s: cannot schedule the security request", l->name);
}

static void ble_on_accept(int fd, unsigned events, void *user_data)
{
	struct ble_link *l = user_data;
	struct sockaddr_l2 peer;
	socklen_t plen = sizeof(peer);
	int cfd = accept4(fd, (struct sockaddr *)&peer, &plen, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (cfd < 0)
		return;
	char addr[18];
	ba2str(&peer.l2_bdaddr, addr);
	unsigned slot = gatt_conn_admit(l->conns, BLE_CONNS_MAX);
	if (slot == BLE_CONNS_MAX) {
		log_msg(LOG_WARNING, "link %s: %s refused, too many connections", l->name, addr);
		close(cfd);
		ble_advertise(l, true);
		return;
	}
	/* Security on the accepted socket (REAL-STACKS: not before connect); the
	 * kernel starts pairing/encryption for MEDIUM and HIGH. */
	bool sec_retry = ble_security_request(l, cfd, addr);
	struct gatt_conn_config cfg = {
	    .name = l->name,
	    .peer = addr,
	    .kind = svcport_v1_LinkKind_LINK_BLE,
	    .required_security = l->ctx->ble_security,
	    .link_security = ble_security_of(cfd),
	    .security_now = ble_security_of,
	    .closed = ble_conn_closed,
	    .user_data = l,
	};
	int r = gatt_conn_new(l->ctx, cfd, &cfg, &l->conns[slot]);
	if (r < 0) {
		l->conns[slot] = NULL;
		log_msg(LOG_WARNING, "link %s: %s refused: %s", l->name, addr, strerror(-r));
	} else {
		log_msg(LOG_INFO, "link %s: %s connected", l->name, addr);
		if (sec_retry) {
			l->sec_fd[slot] = cfd;
			l->sec_tries[slot] = SEC_RETRIES;
			if (loop_timer_start(l->sec_timer, SEC_RETRY_MS) < 0)
				log_msg(LOG_ERR, "link %s: cannot schedule the security request",
				        l->name);
		}
	}
	/* Connectable advertising stops on a connection: offer the next slot. */
	if (ble_conn_count(l) < BLE_CONNS_MAX)
		ble_advertise(l, true);
}

static void ble_link_free(struct link *base)
{
	struct ble_link *l = (struct ble_link *)base;
	for (unsigned i = 0; i < BLE_CONNS_MAX; i++)
		gatt_conn_free(l->conns[i]);
	if (l->hci_fd >= 0) {
		ble_advertise(l, false);
		hci_close_dev(l->hci_fd);
	}
	loop_io_free(l->listen_io);
	loop_timer_free(l->sec_timer);
	if (l->listen_fd >= 0)
		close(l->listen_fd);
	free(l);
}

static int ble_link_open(const struct link_ctx *ctx, const char *arg, struct link **ret_link)
{
	int r;
	struct ble_link *l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->base.ops = &link_ble_ops;
	l->ctx = ctx;
	l->hci_fd = l->listen_fd = -1;
	snprintf(l->name, sizeof(l->name), "ble:%s", arg);

	int probe = socket(AF_BLUETOOTH, SOCK_RAW | SOCK_CLOEXEC, BTPROTO_HCI);
	if (probe < 0) {
		r = -errno;
		log_msg(LOG_ERR,
		        "link %s: no Bluetooth on this machine: %s (kernel without "
		        "CONFIG_BT, or no permission for AF_BLUETOOTH sockets)",
		        l->name, strerror(-r));
		goto free_link;
	}
	close(probe);
	l->dev_id = hci_devid(arg);
	if (l->dev_id < 0) {
		r = -ENODEV;
		log_msg(LOG_ERR,
		        "link %s: no Bluetooth adapter named %s (see /sys/class/bluetooth)",
		        l->name, arg);
		goto free_link;
	}
	struct hci_dev_info di;
	if (hci_devinfo(l->dev_id, &di) < 0) {
		r = -errno;
		log_msg(LOG_ERR, "link %s: adapter info: %s", l->name, strerror(-r));
		goto free_link;
	}
	if (!hci_test_bit(HCI_UP, &di.flags)) {
		r = -ENETDOWN;
		log_msg(LOG_ERR,
		        "link %s: adapter %s is down: power it on first (btmgmt --index %d "
		        "power on, or hciconfig %s up)",
		        l->name, arg, l->dev_id, arg);
		goto free_link;
	}
	l->hci_fd = hci_open_dev(l->dev_id);
	if (l->hci_fd < 0) {
		r = -errno;
		log_msg(LOG_ERR, "link %s: cannot open the adapter for HCI commands: %s", l->name,
		        strerror(-r));
		goto free_link;
	}
	r = loop_timer_new(ctx->loop, ble_security_retry, l, &l->sec_timer);
	if (r < 0)
		goto free_link;
	r = ble_advertise_setup(l);
	if (r < 0) {
		log_msg(LOG_ERR,
		        "link %s: cannot set up LE advertising: %s (needs CAP_NET_RAW; "
		        "is bluetoothd advertising on this adapter?)",
		        l->name, strerror(-r));
		goto free_link;
	}

	l->listen_fd =
	    socket(PF_BLUETOOTH, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, BTPROTO_L2CAP);
	if (l->listen_fd < 0) {
		r = -errno;
		log_msg(LOG_ERR, "link %s: L2CAP socket: %s", l->name, strerror(-r));
		goto free_link;
	}
	struct sockaddr_l2 addr = {
	    .l2_family = AF_BLUETOOTH,
	    .l2_cid = htobs(ATT_CID),
	    .l2_bdaddr_type = BDADDR_LE_PUBLIC,
	};
	bacpy(&addr.l2_bdaddr, &di.bdaddr);
	if (bind(l->listen_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(l->listen_fd, 4) < 0) {
		r = -errno;
		log_msg(LOG_ERR, "link %s: cannot listen on the ATT channel: %s%s", l->name,
		        strerror(-r),
		        r == -EADDRINUSE ? " (bluetoothd serves GATT on this adapter: see "
		                           "docs/gateway.md)"
		                         : "");
		goto free_link;
	}
	r = loop_io_new(ctx->loop, l->listen_fd, LOOP_READ, ble_on_accept, l, &l->listen_io);
	if (r < 0)
		goto free_link;
	ble_advertise(l, true);
	char a[18];
	ba2str(&di.bdaddr, a);
	log_msg(LOG_INFO, "link %s: listening on %s (ATT CID 4, security level %d)", l->name, a,
	        ctx->ble_security);
	*ret_link = &l->base;
	return 0;

free_link:
	ble_link_free(&l->base);
	return r;
}

const struct link_ops link_ble_ops = {
    .scheme = "ble",
    .open = ble_link_open,
    .free = ble_link_free,
};
