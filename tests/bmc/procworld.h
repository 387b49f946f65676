/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One test's folder for a real svcport-bmcd (proc.h), under $TMPDIR:
 * DIR/factory, DIR/state, DIR/gw.sock, DIR/admin.sock, DIR/host.sock (the
 * host socket's default place) and DIR/bmcd.log; the console run on it.
 */
#ifndef SVCPORT_TEST_PROCWORLD_H
#define SVCPORT_TEST_PROCWORLD_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

struct proc_world {
	char dir[PATH_MAX];
	char factory[PATH_MAX + 16], state[PATH_MAX + 16], gw[PATH_MAX + 16];
	char admin[PATH_MAX + 16], host[PATH_MAX + 16], log[PATH_MAX + 16];
};

/* A new folder named svcport-NAME-XXXXXX and the paths in it. 0 or -1. */
int proc_world_make(struct proc_world *w, const char *name);
/* A factory folder (tpki_write_factory: "bmc", "portal") and `bmcd --init --force`. 0 or -1. */
int proc_world_init(const struct proc_world *w, const char *control);
/* Removes the folder and all in it. 0 or -1. */
int proc_world_remove(const struct proc_world *w);

/* svcport-bmcctl --admin-socket w->admin ARGS (NULL-ended); its exit code, stdout in out. */
int proc_ctl(const struct proc_world *w, char *out, size_t cap, const char *const *args);
#define PROC_CTL(w, out, ...)                                                                      \
	proc_ctl(w, out, sizeof(out), (const char *const[]){__VA_ARGS__, NULL})

/* Up to cap bytes of the file at path into buf; the count, or -1. */
long proc_slurp(const char *path, void *buf, size_t cap);
/* True if the file at path (its first 64 KiB) holds the text what. */
bool proc_file_has(const char *path, const char *what);

#endif
