/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Running the real svcport-bmcd and svcport-bmcctl from tests, without sleeps. */
#ifndef SVCPORT_TEST_PROC_H
#define SVCPORT_TEST_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "admin.pb.h"
#include "svcport.pb.h"

/* Paths from the environment (set by ctest): SVCPORT_BMCD, SVCPORT_BMCCTL. */
const char *proc_bmcd(void);
const char *proc_bmcctl(void);

/*
 * Starts svcport-bmcd on state_dir with sockets gw and admin, extra args
 * (NULL-terminated, may be NULL), stderr to /dev/null unless SVCPORT_TEST_VERBOSE.
 * If wait_ready, returns once it wrote "ready" on --ready-fd (10 s safety net).
 * Returns the pid, or -1.
 *
 * Unless extra names a presence source (--hw-sim, --usb-udc, --usb-port), bmcd
 * runs as in the simulator: --hw-sim proc_hw_dir(state_dir), whose usb-gadget
 * input proc_hw_set() writes ("configured" the first time: a cable is in).
 */
pid_t proc_bmcd_start(const char *state_dir, const char *gw, const char *admin,
                      const char *const *extra, bool wait_ready);
/* The same, with bmcd's stderr appended to log_path (kept across restarts). */
pid_t proc_bmcd_start_log(const char *state_dir, const char *gw, const char *admin,
                          const char *const *extra, bool wait_ready, const char *log_path);
/* The simulated hardware folder of state_dir's bmcd: STATE_DIR/../hw (PATH_MAX). */
void proc_hw_dir(const char *state_dir, char *out);
/* Writes one simulated input (hwin-sim.c), e.g. ("usb-gadget", "not attached"), and as
 * `server hw` does, the cover's latch when it opens. 0 or -1. */
int proc_hw_set(const char *state_dir, const char *input, const char *value);
/* SIGKILL (or SIGTERM) and reap; returns the wait status. No-op for pid <= 0. */
int proc_stop(pid_t pid, int sig);

/* Runs argv, captures up to cap-1 bytes of stdout (NUL-terminated); returns exit code or -1. */
int proc_run(const char *const *argv, char *out, size_t cap);

/* svcport-bmcctl --admin-socket admin ARGS... (NULL-terminated, at most 16), stdout into
 * out; its exit code or -1. */
int proc_bmcctl_run(const char *admin, char *out, size_t cap, const char *const *args);

/* One console request over the admin socket at path (as bmcctl sends it). 0 or -errno. */
int proc_admin_call(const char *path, const svcport_admin_v1_AdminRequest *req,
                    svcport_admin_v1_AdminReply *rep);

/* Gateway side of the socket. */
int proc_gw_connect(const char *path);
int proc_gw_send(int fd, const svcport_v1_BmcRequest *req);
/* Waits up to 10 s for one packet; 0, -ETIMEDOUT, -ECONNRESET (closed) or -EBADMSG. */
int proc_gw_recv(int fd, svcport_v1_BmcReply *rep);

#endif
