// SPDX-License-Identifier: GPL-2.0-or-later
/* loop.h on libevent. */
#include "loop.h"

#include <errno.h>
#include <stdlib.h>

#include <event2/event.h>

#define LOOP_SIGNALS 4

struct loop {
	struct event_base *base;
	struct event *sig[LOOP_SIGNALS];
	struct {
		loop_signal_cb cb;
		void *user_data;
	} sig_cb[LOOP_SIGNALS];
};

struct loop_io {
	struct event *ev;
	loop_io_cb cb;
	void *user_data;
};

int loop_new(struct loop **ret_loop)
{
	struct loop *l = calloc(1, sizeof(*l));

	if (!l)
		return -ENOMEM;
	l->base = event_base_new();
	if (!l->base) {
		free(l);
		return -ENOMEM;
	}
	*ret_loop = l;
	return 0;
}

void loop_free(struct loop *l)
{
	if (!l)
		return;
	for (int i = 0; i < LOOP_SIGNALS; i++)
		if (l->sig[i])
			event_free(l->sig[i]);
	event_base_free(l->base);
	free(l);
}

static void io_trampoline(evutil_socket_t fd, short what, void *p)
{
	struct loop_io *io = p;

	io->cb((int)fd, io->user_data);
}

struct loop_io *loop_io_add(struct loop *l, int fd, loop_io_cb cb, void *user_data)
{
	struct loop_io *io = calloc(1, sizeof(*io));

	if (!io)
		return NULL;
	io->cb = cb;
	io->user_data = user_data;
	io->ev = event_new(l->base, fd, EV_READ | EV_PERSIST, io_trampoline, io);
	if (!io->ev || event_add(io->ev, NULL) < 0) {
		if (io->ev)
			event_free(io->ev);
		free(io);
		return NULL;
	}
	return io;
}

void loop_io_del(struct loop_io *io)
{
	if (!io)
		return;
	event_free(io->ev);
	free(io);
}

static void sig_trampoline(evutil_socket_t signo, short what, void *p)
{
	struct loop *l = p;

	for (int i = 0; i < LOOP_SIGNALS; i++)
		if (l->sig[i] && event_get_signal(l->sig[i]) == signo)
			l->sig_cb[i].cb((int)signo, l->sig_cb[i].user_data);
}

int loop_signal_add(struct loop *l, int signo, loop_signal_cb cb, void *user_data)
{
	for (int i = 0; i < LOOP_SIGNALS; i++) {
		if (l->sig[i])
			continue;
		l->sig[i] = evsignal_new(l->base, signo, sig_trampoline, l);
		if (!l->sig[i] || event_add(l->sig[i], NULL) < 0)
			return -ENOMEM;
		l->sig_cb[i].cb = cb;
		l->sig_cb[i].user_data = user_data;
		return 0;
	}
	return -ENOSPC;
}

int loop_run(struct loop *l)
{
	return event_base_dispatch(l->base) < 0 ? -EIO : 0;
}

void loop_quit(struct loop *l)
{
	event_base_loopbreak(l->base);
}
