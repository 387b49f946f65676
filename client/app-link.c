// SPDX-License-Identifier: GPL-2.0-or-later
/* Opens the phone's link from a link spec (app-link.h). */
#include "app-link.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

int app_link_unix_connect(const char *path, int type)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path));
	fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

int app_link_open(const char *spec, const struct app_link_opts *opts, struct app_link **ret)
{
	struct app_link *l = calloc(1, sizeof(*l));
	int fd = -1;
	int err;

	if (!l)
		return -ENOMEM;
	l->fd = -1;
	if (strncmp(spec, "ble-sim:", 8) == 0) {
		fd = app_link_unix_connect(spec + 8, SOCK_SEQPACKET);
		err = fd < 0 ? fd : 0;
		l->info.kind = "ble-sim";
	} else if (strncmp(spec, "ble:", 4) == 0) {
		l->info.kind = "ble";
		err = app_link_ble_connect(spec + 4, opts, l->info.peer, &fd);
	} else if (strncmp(spec, "unix:", 5) == 0) {
		err = app_link_cdc_open(l, "unix", spec + 5);
	} else if (strncmp(spec, "tty:", 4) == 0) {
		err = app_link_cdc_open(l, "tty", spec + 4);
	} else if (strncmp(spec, "fd:", 3) == 0) {
		err = app_link_cdc_open(l, "fd", spec + 3);
	} else if (strncmp(spec, "https:", 6) == 0) {
		err = app_link_https_open(l, spec + 6, opts);
	} else if (strncmp(spec, "usb:", 4) == 0) {
		err = -EOPNOTSUPP; /* the phone as a libusb host is not simulated (docs) */
	} else {
		err = -EINVAL;
	}
	if (err < 0) {
		if (fd >= 0)
			close(fd);
		free(l);
		return err;
	}
	if (fd >= 0) {
		l->fd = fd;
		l->info.is_att = true;
	}
	*ret = l;
	return 0;
}

void app_link_close(struct app_link *l)
{
	if (!l)
		return;
	if (l->fd >= 0)
		close(l->fd);
	/* The bridge sees the stream end, ends its session and exits. */
	if (l->bridge_pid > 0)
		(void)waitpid(l->bridge_pid, NULL, 0);
	free(l);
}

void app_link_get_info(const struct app_link *l, struct app_link_info *ret)
{
	*ret = l->info;
}

void app_link_note(const struct app_link_opts *o, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	if (!o->note)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	o->note(msg, o->user_data);
}
