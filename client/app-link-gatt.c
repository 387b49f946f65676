// SPDX-License-Identifier: GPL-2.0-or-later
/* The phone's GATT side (ble-sim and ble): gateway/gatt-client.h does the ATT work. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "app-link.h"
#include "gatt-client.h"

static int gatt_send(struct app_link *l, const uint8_t *msg, size_t len)
{
	return gatt_client_send_message(l->priv, msg, len);
}

static int gatt_recv(struct app_link *l, uint8_t *buf, size_t cap, size_t *ret_len, int timeout_ms)
{
	return gatt_client_recv_message(l->priv, buf, cap, ret_len, timeout_ms);
}

static int gatt_read_info(struct app_link *l, uint8_t *buf, size_t cap, size_t *ret_len)
{
	return gatt_client_read_info(l->priv, buf, cap, ret_len);
}

static void gatt_close(struct app_link *l)
{
	gatt_client_free(l->priv);
	l->priv = NULL;
}

static const struct app_link_ops gatt_ops = {
    .send = gatt_send,
    .recv = gatt_recv,
    .read_info = gatt_read_info,
    .close = gatt_close,
};

int app_link_gatt_open(struct app_link *l, int fd, const struct app_link_opts *opts)
{
	struct gatt_client_config cfg = {.mtu = opts->mtu, .max_message = APP_LINK_MSG_MAX};
	struct gattc_handles h;
	struct gatt_client *c = NULL;
	int err;

	err = gatt_client_new(fd, &cfg, &c);
	if (err < 0)
		return err;
	err = gatt_client_exchange_mtu(c);
	if (err < 0)
		goto fail;
	app_link_note(opts, "GATT: ATT_MTU %u", gatt_client_get_mtu(c));
	err = gatt_client_discover(c);
	if (err < 0)
		goto fail;
	gatt_client_get_handles(c, &h);
	app_link_note(
	    opts,
	    "GATT: svcport service 0x%04x-0x%04x, RX 0x%04x, TX 0x%04x (CCCD 0x%04x), INFO 0x%04x",
	    h.svc_start, h.svc_end, h.rx, h.tx, h.tx_ccc, h.info);
	err = gatt_client_enable_notifications(c);
	if (err < 0)
		goto fail;
	app_link_note(opts, "GATT: TX notifications enabled");
	l->fd = fd;
	l->priv = c;
	l->ops = &gatt_ops;
	l->info.is_gatt = true;
	l->info.mtu = gatt_client_get_mtu(c);
	return 0;
fail:
	gatt_client_free(c);
	return err;
}
