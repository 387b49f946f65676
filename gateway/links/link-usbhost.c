// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * usb:VID:PID — libusb host mode (DESIGN §1): a cabled phone that enumerates
 * as a CDC-ACM device (or a device with a bulk IN/OUT pair on a CDC Data or
 * vendor interface). Bulk transfers use libusb's asynchronous API, driven by
 * the gateway's loop through libusb's pollfds (Linux: timeouts come through a
 * timerfd, so there is no separate timer). Hot-plug: a device that leaves
 * ends its session; one that arrives (again) is opened. At start the device
 * must be present: otherwise the link fails with an explanatory message.
 *
 * A closed device's handle is released from the loop, never from a transfer
 * callback: libusb's Linux backend runs those callbacks while it holds the
 * context's open_devs_lock, which libusb_close() takes again (a self-deadlock,
 * seen on the real stack when a device is unplugged: tests/vm usb-host).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libusb.h>

#include <mbedtls/platform_util.h>

#include "cdc-peer.h"
#include "link.h"
#include "log.h"
#include "loop.h"

#define USB_PKT_BUF                4096u
#define USB_OUT_CAP                (32u * 1024u)
#define USB_MAX_FDS                16u
#define CDC_DATA_CLASS             0x0a
#define CDC_COMM_CLASS             0x02
#define CDC_SET_CONTROL_LINE_STATE 0x22

struct usb_fd {
	int fd;
	struct loop_io *io;
};

struct usb_dev {
	struct usb_link *link;
	libusb_device_handle *handle;
	int data_iface;
	int comm_iface; /* -1: none */
	unsigned char ep_in;
	unsigned char ep_out;
	struct libusb_transfer *in;
	struct libusb_transfer *out;
	bool out_busy;
	bool closing;
	struct usb_dev *next_dead; /* on usb_link.dead once both transfers are done */
	struct cdc_peer *peer;
	size_t out_len;
	uint8_t in_buf[USB_PKT_BUF];
	uint8_t out_buf[USB_OUT_CAP];
	uint8_t tx_buf[USB_OUT_CAP];
};

struct usb_link {
	struct link base;
	const struct link_ctx *ctx;
	char name[64];
	uint16_t vid, pid;
	libusb_context *usb;
	libusb_hotplug_callback_handle hotplug;
	bool has_hotplug;
	struct usb_fd fds[USB_MAX_FDS];
	struct usb_dev *dev;
	libusb_device *arrived; /* referenced; opened from the loop, not the hot-plug callback */
	struct loop_timer *open_timer;
	struct usb_dev *dead;          /* closed devices whose handles wait for reap_timer */
	struct loop_timer *reap_timer; /* releases them outside libusb's event handling */
};

/* Releases the closed devices' handles; never called from a libusb callback. */
static void usb_link_reap(void *user_data)
{
	struct usb_link *l = user_data;

	while (l->dead) {
		struct usb_dev *d = l->dead;

		l->dead = d->next_dead;
		if (d->data_iface >= 0)
			libusb_release_interface(d->handle, d->data_iface);
		if (d->comm_iface >= 0)
			libusb_release_interface(d->handle, d->comm_iface);
		libusb_close(d->handle);
		cdc_peer_free(d->peer);
		mbedtls_platform_zeroize(d->out_buf, d->out_len);
		free(d);
	}
}

static void usb_dev_try_free(struct usb_dev *d)
{
	struct usb_link *l = d->link;

	if (d->in || d->out)
		return; /* a cancelled transfer still has to call back */
	d->next_dead = l->dead;
	l->dead = d;
	if (loop_timer_start(l->reap_timer, 0) < 0)
		log_msg(LOG_ERR, "link %s: cannot schedule the device's release", l->name);
}

/* Starts closing; the device is freed once both transfers called back. */
static void usb_dev_close(struct usb_dev *d, const char *why)
{
	if (d->closing)
		return;
	log_msg(LOG_INFO, "link %s: device closed (%s)", d->link->name, why);
	d->closing = true;
	if (d->link->dev == d)
		d->link->dev = NULL;
	cdc_peer_hangup(d->peer);
	if (d->in)
		libusb_cancel_transfer(d->in);
	if (d->out && d->out_busy)
		libusb_cancel_transfer(d->out);
	else if (d->out) {
		libusb_free_transfer(d->out);
		d->out = NULL;
	}
	usb_dev_try_free(d);
}

static void on_out_done(struct libusb_transfer *t);

static void start_out(struct usb_dev *d)
{
	if (d->out_busy || !d->out_len || d->closing)
		return;
	size_t n = d->out_len;
	memcpy(d->tx_buf, d->out_buf, n);
	mbedtls_platform_zeroize(d->out_buf, n); /* frames may carry a secret */
	d->out_len = 0;
	libusb_fill_bulk_transfer(d->out, d->handle, d->ep_out, d->tx_buf, (int)n, on_out_done, d,
	                          5000);
	int r = libusb_submit_transfer(d->out);
	if (r < 0) {
		usb_dev_close(d, libusb_error_name(r));
		return;
	}
	d->out_busy = true;
}

static void on_out_done(struct libusb_transfer *t)
{
	struct usb_dev *d = t->user_data;
	d->out_busy = false;
	mbedtls_platform_zeroize(d->tx_buf, (size_t)t->length);
	if (d->closing) {
		libusb_free_transfer(t);
		d->out = NULL;
		usb_dev_try_free(d);
		return;
	}
	if (t->status != LIBUSB_TRANSFER_COMPLETED) {
		usb_dev_close(d, "bulk OUT failed");
		return;
	}
	start_out(d);
}

/*
 * The IN transfer is resubmitted from its own callback. When the device is
 * closing (before or during this callback) it is not in flight, so a cancel
 * finds nothing: it is freed here instead.
 */
static void on_in_done(struct libusb_transfer *t)
{
	struct usb_dev *d = t->user_data;
	if (!d->closing && t->status == LIBUSB_TRANSFER_COMPLETED) {
		int r = cdc_peer_feed(d->peer, d->in_buf, (size_t)t->actual_length, loop_now_ms());
		/* -EBUSY (table full) is logged by the session table, once per refusal. */
		if (r < 0 && r != -EBUSY)
			log_msg(LOG_WARNING, "link %s: input dropped: %s", d->link->name,
			        strerror(-r));
	} else if (!d->closing && t->status != LIBUSB_TRANSFER_TIMED_OUT) {
		usb_dev_close(d, t->status == LIBUSB_TRANSFER_NO_DEVICE ? "unplugged"
		                                                        : "bulk IN failed");
	}
	if (!d->closing) {
		int r = libusb_submit_transfer(t);
		if (r == 0)
			return;
		usb_dev_close(d, libusb_error_name(r));
	}
	libusb_free_transfer(t);
	d->in = NULL;
	usb_dev_try_free(d);
}

static int usb_peer_write(void *user_data, const uint8_t *data, size_t len)
{
	struct usb_dev *d = user_data;
	if (d->closing)
		return -EPIPE;
	if (len > USB_OUT_CAP - d->out_len) {
		log_msg(LOG_WARNING, "link %s: device does not read, output dropped",
		        d->link->name);
		return -ENOBUFS;
	}
	memcpy(d->out_buf + d->out_len, data, len);
	d->out_len += len;
	start_out(d);
	return 0;
}

static void usb_peer_expired(void *user_data)
{
	/* Nothing to close: the cable stays; the next frame opens a new session. */
}

static const struct cdc_peer_ops usb_peer_ops = {
    .write = usb_peer_write,
    .expired = usb_peer_expired,
};

/* Finds a CDC Data (or any) interface with a bulk IN and a bulk OUT endpoint. */
static int find_bulk_pair(const struct libusb_config_descriptor *cfg, int *ret_iface, int *ret_comm,
                          unsigned char *ret_in, unsigned char *ret_out)
{
	int best = -1, comm = -1;
	unsigned char in = 0, out = 0;
	for (int pass = 0; pass < 2 && best < 0; pass++) {
		for (int i = 0; i < cfg->bNumInterfaces && best < 0; i++) {
			const struct libusb_interface_descriptor *alt =
			    &cfg->interface[i].altsetting[0];
			if (cfg->interface[i].num_altsetting < 1)
				continue;
			if (alt->bInterfaceClass == CDC_COMM_CLASS)
				comm = alt->bInterfaceNumber;
			if (pass == 0 && alt->bInterfaceClass != CDC_DATA_CLASS)
				continue;
			unsigned char ei = 0, eo = 0;
			for (int e = 0; e < alt->bNumEndpoints; e++) {
				const struct libusb_endpoint_descriptor *ep = &alt->endpoint[e];
				if ((ep->bmAttributes & 0x03) != LIBUSB_TRANSFER_TYPE_BULK)
					continue;
				if (ep->bEndpointAddress & LIBUSB_ENDPOINT_IN)
					ei = ei ? ei : ep->bEndpointAddress;
				else
					eo = eo ? eo : ep->bEndpointAddress;
			}
			if (ei && eo) {
				best = alt->bInterfaceNumber;
				in = ei;
				out = eo;
			}
		}
	}
	if (best < 0)
		return -ENODEV;
	*ret_iface = best;
	*ret_comm = comm;
	*ret_in = in;
	*ret_out = out;
	return 0;
}

static int usb_dev_open(struct usb_link *l, libusb_device *dev)
{
	int r;
	struct libusb_config_descriptor *cfg = NULL;
	struct usb_dev *d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->link = l;
	d->data_iface = d->comm_iface = -1;
	r = libusb_open(dev, &d->handle);
	if (r < 0) {
		log_msg(LOG_ERR, "link %s: cannot open the device: %s%s", l->name,
		        libusb_error_name(r),
		        r == LIBUSB_ERROR_ACCESS ? " (no permission on /dev/bus/usb: run as root "
		                                   "or add a udev rule)"
		                                 : "");
		free(d);
		return -EACCES;
	}
	libusb_set_auto_detach_kernel_driver(d->handle, 1); /* cdc_acm lets go */
	r = libusb_get_active_config_descriptor(dev, &cfg);
	if (r < 0)
		goto fail;
	int data = -1, comm = -1;
	r = find_bulk_pair(cfg, &data, &comm, &d->ep_in, &d->ep_out);
	libusb_free_config_descriptor(cfg);
	if (r < 0) {
		log_msg(LOG_ERR, "link %s: the device has no bulk IN/OUT interface (not CDC-ACM?)",
		        l->name);
		goto fail_no_msg;
	}
	if (comm >= 0 && libusb_claim_interface(d->handle, comm) == 0) {
		d->comm_iface = comm;
		/* DTR | RTS: many CDC-ACM devices send nothing until the host "opens" the port. */
		libusb_control_transfer(
		    d->handle, LIBUSB_REQUEST_TYPE_CLASS | LIBUSB_RECIPIENT_INTERFACE,
		    CDC_SET_CONTROL_LINE_STATE, 0x0003, (uint16_t)comm, NULL, 0, 1000);
	}
	r = libusb_claim_interface(d->handle, data);
	if (r < 0)
		goto fail;
	d->data_iface = data;
	struct cdc_peer_config pc = {
	    .name = l->name,
	    .kind = svcport_v1_LinkKind_LINK_USB,
	    .physical_presence = true,
	    .max_message = l->ctx->max_message,
	    .sessions = l->ctx->sessions,
	    .capture = l->ctx->capture,
	};
	if (cdc_peer_new(&pc, &usb_peer_ops, d, &d->peer) < 0)
		goto fail_no_msg;
	d->in = libusb_alloc_transfer(0);
	d->out = libusb_alloc_transfer(0);
	if (!d->in || !d->out)
		goto fail_no_msg;
	/* No timeout on IN: a phone may stay silent for as long as it likes. */
	libusb_fill_bulk_transfer(d->in, d->handle, d->ep_in, d->in_buf, sizeof(d->in_buf),
	                          on_in_done, d, 0);
	r = libusb_submit_transfer(d->in);
	if (r < 0)
		goto fail;
	l->dev = d;
	log_msg(LOG_INFO, "link %s: device opened (interface %d, IN 0x%02x, OUT 0x%02x)", l->name,
	        data, d->ep_in, d->ep_out);
	return 0;

fail:
	log_msg(LOG_ERR, "link %s: cannot use the device: %s", l->name, libusb_error_name(r));
fail_no_msg:
	if (d->in)
		libusb_free_transfer(d->in);
	if (d->out)
		libusb_free_transfer(d->out);
	d->in = d->out = NULL;
	usb_dev_try_free(d);
	return -EIO;
}

/* ---------------------------------------------------------------- loop glue */

static void on_usb_fd(int fd, unsigned events, void *user_data)
{
	struct usb_link *l = user_data;
	struct timeval zero = {0, 0};
	libusb_handle_events_timeout_completed(l->usb, &zero, NULL);
}

static void fd_added(int fd, short events, void *user_data)
{
	struct usb_link *l = user_data;
	for (unsigned i = 0; i < USB_MAX_FDS; i++) {
		if (l->fds[i].io)
			continue;
		unsigned ev =
		    ((events & POLLIN) ? LOOP_READ : 0) | ((events & POLLOUT) ? LOOP_WRITE : 0);
		if (loop_io_new(l->ctx->loop, fd, ev, on_usb_fd, l, &l->fds[i].io) == 0)
			l->fds[i].fd = fd;
		return;
	}
	log_msg(LOG_ERR, "link %s: too many libusb descriptors", l->name);
}

static void fd_removed(int fd, void *user_data)
{
	struct usb_link *l = user_data;
	for (unsigned i = 0; i < USB_MAX_FDS; i++) {
		if (l->fds[i].io && l->fds[i].fd == fd) {
			loop_io_free(l->fds[i].io);
			l->fds[i].io = NULL;
		}
	}
}

static void open_arrived(void *user_data)
{
	struct usb_link *l = user_data;
	libusb_device *dev = l->arrived;
	l->arrived = NULL;
	if (!dev)
		return;
	if (!l->dev)
		(void)usb_dev_open(l, dev);
	libusb_unref_device(dev);
}

static int LIBUSB_CALL on_hotplug(libusb_context *ctx, libusb_device *dev,
                                  libusb_hotplug_event event, void *user_data)
{
	struct usb_link *l = user_data;
	if (event == LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED) {
		log_msg(LOG_INFO, "link %s: device arrived", l->name);
		if (l->arrived)
			libusb_unref_device(l->arrived);
		l->arrived = libusb_ref_device(dev);
		if (loop_timer_start(l->open_timer, 0) < 0)
			log_msg(LOG_ERR, "link %s: cannot schedule open", l->name);
	} else if (l->dev && libusb_get_device(l->dev->handle) == dev) {
		usb_dev_close(l->dev, "unplugged");
	}
	return 0;
}

static void usb_link_free(struct link *base)
{
	struct usb_link *l = (struct usb_link *)base;
	if (l->has_hotplug)
		libusb_hotplug_deregister_callback(l->usb, l->hotplug);
	if (l->dev) {
		struct usb_dev *d = l->dev;
		usb_dev_close(d, "stopping");
		/* Let the cancelled transfers call back. */
		struct timeval tv = {0, 100000};
		for (int i = 0; i < 10 && (d->in || d->out); i++)
			libusb_handle_events_timeout_completed(l->usb, &tv, NULL);
	}
	usb_link_reap(l);
	if (l->arrived)
		libusb_unref_device(l->arrived);
	loop_timer_free(l->open_timer);
	loop_timer_free(l->reap_timer);
	for (unsigned i = 0; i < USB_MAX_FDS; i++)
		loop_io_free(l->fds[i].io);
	if (l->usb) {
		libusb_set_pollfd_notifiers(l->usb, NULL, NULL, NULL);
		libusb_exit(l->usb);
	}
	free(l);
}

static int parse_vid_pid(const char *arg, uint16_t *vid, uint16_t *pid)
{
	unsigned v, p;
	char tail;
	if (sscanf(arg, "%4x:%4x%c", &v, &p, &tail) != 2)
		return -EINVAL;
	*vid = (uint16_t)v;
	*pid = (uint16_t)p;
	return 0;
}

static int usb_link_open(const struct link_ctx *ctx, const char *arg, struct link **ret_link)
{
	int r;
	struct usb_link *l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->base.ops = &link_usb_ops;
	l->ctx = ctx;
	snprintf(l->name, sizeof(l->name), "usb:%s", arg);
	if (parse_vid_pid(arg, &l->vid, &l->pid) < 0) {
		log_msg(LOG_ERR, "link %s: expected usb:VID:PID in hex, e.g. usb:18d1:4ee7",
		        l->name);
		r = -EINVAL;
		goto free_link;
	}
	r = libusb_init(&l->usb);
	if (r < 0) {
		log_msg(LOG_ERR,
		        "link %s: USB host mode unavailable: libusb_init: %s (no USB "
		        "host controller or no /dev/bus/usb here?)",
		        l->name, libusb_error_name(r));
		l->usb = NULL;
		r = -ENODEV;
		goto free_link;
	}
	r = loop_timer_new(ctx->loop, open_arrived, l, &l->open_timer);
	if (r < 0)
		goto free_link;
	r = loop_timer_new(ctx->loop, usb_link_reap, l, &l->reap_timer);
	if (r < 0)
		goto free_link;
	const struct libusb_pollfd **pfds = libusb_get_pollfds(l->usb);
	for (size_t i = 0; pfds && pfds[i]; i++)
		fd_added(pfds[i]->fd, pfds[i]->events, l);
	libusb_free_pollfds(pfds);
	libusb_set_pollfd_notifiers(l->usb, fd_added, fd_removed, l);

	libusb_device **list = NULL;
	ssize_t n = libusb_get_device_list(l->usb, &list);
	libusb_device *found = NULL;
	for (ssize_t i = 0; i < n && !found; i++) {
		struct libusb_device_descriptor dd;
		if (libusb_get_device_descriptor(list[i], &dd) == 0 && dd.idVendor == l->vid &&
		    dd.idProduct == l->pid)
			found = list[i];
	}
	if (!found) {
		log_msg(LOG_ERR,
		        "link %s: no USB device %04x:%04x is connected (%zd devices seen); "
		        "plug the phone in, or leave this link out",
		        l->name, l->vid, l->pid, n < 0 ? (ssize_t)0 : n);
		libusb_free_device_list(list, 1);
		r = -ENODEV;
		goto free_link;
	}
	r = usb_dev_open(l, found);
	libusb_free_device_list(list, 1);
	if (r < 0)
		goto free_link;
	if (libusb_has_capability(LIBUSB_CAP_HAS_HOTPLUG)) {
		r = libusb_hotplug_register_callback(
		    l->usb, LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED | LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT,
		    0, l->vid, l->pid, LIBUSB_HOTPLUG_MATCH_ANY, on_hotplug, l, &l->hotplug);
		l->has_hotplug = r == 0;
	}
	log_msg(LOG_INFO, "link %s: listening%s", l->name,
	        l->has_hotplug ? " (hot-plug)" : " (no hot-plug support)");
	*ret_link = &l->base;
	return 0;

free_link:
	usb_link_free(&l->base);
	return r;
}

const struct link_ops link_usb_ops = {
    .scheme = "usb",
    .open = usb_link_open,
    .free = usb_link_free,
};
