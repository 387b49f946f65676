/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon's event loop, kept small so nothing but loop-event.c includes
 * libevent (after BlueZ src/shared/io.h).
 */
#ifndef SVCPORT_LOOP_H
#define SVCPORT_LOOP_H

struct loop;
struct loop_io;

typedef void (*loop_io_cb)(int fd, void *user_data);
typedef void (*loop_signal_cb)(int signo, void *user_data);

int loop_new(struct loop **ret_loop) __attribute__((warn_unused_result));
/* NULL is a no-op. Watches still registered are freed. */
void loop_free(struct loop *loop);

/* Calls cb whenever fd is readable, until loop_io_del(). NULL on failure. */
struct loop_io *loop_io_add(struct loop *loop, int fd, loop_io_cb cb, void *user_data);
/* NULL is a no-op; does not close the fd. */
void loop_io_del(struct loop_io *io);

int loop_signal_add(struct loop *loop, int signo, loop_signal_cb cb, void *user_data)
    __attribute__((warn_unused_result));

/* Runs until loop_quit(). 0 or -EIO. */
int loop_run(struct loop *loop);
void loop_quit(struct loop *loop);

#endif
