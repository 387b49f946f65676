/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The gateway's event loop, behind a small interface so that protocol code
 * never includes event2/ (STYLE: "the event loop sits behind a small
 * interface"). One loop, one thread; every callback runs from loop_run().
 *
 * Ownership: loop_io / loop_timer / loop_signal objects belong to their
 * creator and are freed with the matching *_free (NULL is a no-op). Freeing a
 * watch from inside its own callback is allowed. They must be freed before
 * the loop.
 */
#ifndef SVCPORT_LOOP_H
#define SVCPORT_LOOP_H

#include <stdbool.h>
#include <stdint.h>

struct loop;
struct loop_io;
struct loop_timer;
struct loop_signal;

#define LOOP_READ  0x1u
#define LOOP_WRITE 0x2u

typedef void (*loop_io_fn)(int fd, unsigned events, void *user_data);
typedef void (*loop_timer_fn)(void *user_data);
typedef void (*loop_signal_fn)(int signo, void *user_data);

int loop_new(struct loop **ret_loop) __attribute__((warn_unused_result));
void loop_free(struct loop *loop);

/* Runs until loop_quit() or until nothing is left to watch. Returns 0 or -EIO. */
int loop_run(struct loop *loop);
void loop_quit(struct loop *loop);

/* The libevent base under the loop, for the links that need libevent itself: evhttp
 * in the https: link (link-https.c), the TLS glue's HTTPS client in the portal: link. */
struct event_base;
struct event_base *loop_event_base(struct loop *loop);

/* Milliseconds of a monotonic clock (CLOCK_MONOTONIC). */
uint64_t loop_now_ms(void);

/* Watches fd (not owned: the caller closes it after loop_io_free) for the
 * given LOOP_* events until freed. events may be 0 (watch paused). */
int loop_io_new(struct loop *loop, int fd, unsigned events, loop_io_fn cb, void *user_data,
                struct loop_io **ret_io) __attribute__((warn_unused_result));
int loop_io_set_events(struct loop_io *io, unsigned events) __attribute__((warn_unused_result));
void loop_io_free(struct loop_io *io);

/* One-shot timer; loop_timer_start re-arms (replacing any pending expiry). */
int loop_timer_new(struct loop *loop, loop_timer_fn cb, void *user_data,
                   struct loop_timer **ret_timer) __attribute__((warn_unused_result));
int loop_timer_start(struct loop_timer *timer, uint64_t delay_ms)
    __attribute__((warn_unused_result));
void loop_timer_stop(struct loop_timer *timer);
bool loop_timer_is_pending(const struct loop_timer *timer);
void loop_timer_free(struct loop_timer *timer);

/* Delivers signo from the loop (not from signal context) until freed. */
int loop_signal_new(struct loop *loop, int signo, loop_signal_fn cb, void *user_data,
                    struct loop_signal **ret_sig) __attribute__((warn_unused_result));
void loop_signal_free(struct loop_signal *sig);

#endif
