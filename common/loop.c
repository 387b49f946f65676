// SPDX-License-Identifier: GPL-2.0-or-later
/* loop.h over libevent (event_base, one thread). The only file that includes event2/. */
#include "loop.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include <event2/event.h>

struct loop {
	struct event_base *base;
};

struct loop_io {
	struct loop *loop;
	struct event *ev;
	int fd;
	unsigned events;
	loop_io_fn cb;
	void *user_data;
};

struct loop_timer {
	struct event *ev;
	loop_timer_fn cb;
	void *user_data;
};

struct loop_signal {
	struct event *ev;
	loop_signal_fn cb;
	void *user_data;
};

int loop_new(struct loop **ret_loop)
{
	struct loop *loop = calloc(1, sizeof(*loop));
	if (!loop)
		return -ENOMEM;
	loop->base = event_base_new();
	if (!loop->base) {
		free(loop);
		return -ENOMEM;
	}
	*ret_loop = loop;
	return 0;
}

void loop_free(struct loop *loop)
{
	if (!loop)
		return;
	event_base_free(loop->base);
	free(loop);
}

struct event_base *loop_event_base(struct loop *loop)
{
	return loop->base;
}

int loop_run(struct loop *loop)
{
	return event_base_dispatch(loop->base) < 0 ? -EIO : 0;
}

void loop_quit(struct loop *loop)
{
	event_base_loopbreak(loop->base);
}

uint64_t loop_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void io_trampoline(evutil_socket_t fd, short what, void *arg)
{
	struct loop_io *io = arg;
	unsigned events = 0;
	if (what & EV_READ)
		events |= LOOP_READ;
	if (what & EV_WRITE)
		events |= LOOP_WRITE;
	io->cb(fd, events, io->user_data);
}

static int io_arm(struct loop_io *io)
{
	short what = EV_PERSIST;
	if (io->events & LOOP_READ)
		what |= EV_READ;
	if (io->events & LOOP_WRITE)
		what |= EV_WRITE;
	if (io->ev) {
		event_del(io->ev);
		event_free(io->ev);
		io->ev = NULL;
	}
	if (!io->events)
		return 0;
	io->ev = event_new(io->loop->base, io->fd, what, io_trampoline, io);
	if (!io->ev)
		return -ENOMEM;
	if (event_add(io->ev, NULL) < 0)
		return -EIO;
	return 0;
}

int loop_io_new(struct loop *loop, int fd, unsigned events, loop_io_fn cb, void *user_data,
                struct loop_io **ret_io)
{
	struct loop_io *io = calloc(1, sizeof(*io));
	if (!io)
		return -ENOMEM;
	io->loop = loop;
	io->fd = fd;
	io->events = events;
	io->cb = cb;
	io->user_data = user_data;
	int r = io_arm(io);
	if (r < 0) {
		loop_io_free(io);
		return r;
	}
	*ret_io = io;
	return 0;
}

int loop_io_set_events(struct loop_io *io, unsigned events)
{
	if (io->events == events)
		return 0;
	io->events = events;
	return io_arm(io);
}

void loop_io_free(struct loop_io *io)
{
	if (!io)
		return;
	if (io->ev)
		event_free(io->ev); /* event_free deletes a pending event first */
	free(io);
}

static void timer_trampoline(evutil_socket_t fd, short what, void *arg)
{
	struct loop_timer *t = arg;
	t->cb(t->user_data);
}

int loop_timer_new(struct loop *loop, loop_timer_fn cb, void *user_data,
                   struct loop_timer **ret_timer)
{
	struct loop_timer *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->ev = evtimer_new(loop->base, timer_trampoline, t);
	if (!t->ev) {
		free(t);
		return -ENOMEM;
	}
	t->cb = cb;
	t->user_data = user_data;
	*ret_timer = t;
	return 0;
}

int loop_timer_start(struct loop_timer *timer, uint64_t delay_ms)
{
	struct timeval tv = {
	    .tv_sec = (time_t)(delay_ms / 1000u),
	    .tv_usec = (suseconds_t)((delay_ms % 1000u) * 1000u),
	};
	return evtimer_add(timer->ev, &tv) < 0 ? -EIO : 0;
}

void loop_timer_stop(struct loop_timer *timer)
{
	evtimer_del(timer->ev);
}

bool loop_timer_is_pending(const struct loop_timer *timer)
{
	return evtimer_pending(timer->ev, NULL) != 0;
}

void loop_timer_free(struct loop_timer *timer)
{
	if (!timer)
		return;
	event_free(timer->ev);
	free(timer);
}

static void signal_trampoline(evutil_socket_t signo, short what, void *arg)
{
	struct loop_signal *s = arg;
	s->cb((int)signo, s->user_data);
}

int loop_signal_new(struct loop *loop, int signo, loop_signal_fn cb, void *user_data,
                    struct loop_signal **ret_sig)
{
	struct loop_signal *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->ev = evsignal_new(loop->base, signo, signal_trampoline, s);
	if (!s->ev || evsignal_add(s->ev, NULL) < 0) {
		if (s->ev)
			event_free(s->ev);
		free(s);
		return -ENOMEM;
	}
	s->cb = cb;
	s->user_data = user_data;
	*ret_sig = s;
	return 0;
}

void loop_signal_free(struct loop_signal *sig)
{
	if (!sig)
		return;
	event_free(sig->ev);
	free(sig);
}
