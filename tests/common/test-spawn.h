/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Running independent peers (openssl, curl, svcport-sim) from tests, without sleeps. */
#ifndef SVCPORT_TEST_SPAWN_H
#define SVCPORT_TEST_SPAWN_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Runs argv (PATH searched), stdin from in (NULL: empty), stdout and stderr
 * into out (NUL-terminated, at most cap-1 bytes). Returns the exit code, -1
 * if it did not exit normally or could not start.
 */
int spawn_run(const char *in, char *out, size_t cap, char *const argv[]);
#define SPAWN_RUN(in, out, ...) spawn_run(in, out, sizeof(out), (char *const[]){__VA_ARGS__, NULL})

/*
 * Starts argv with a pipe on fd 3 and waits until it writes a line there
 * (the --ready-fd contract); that line (e.g. a port) into line. stderr goes
 * to log_path. Returns the pid, or -1 if the child closed fd 3 first.
 */
pid_t spawn_ready(char *const argv[], const char *log_path, char *line, size_t cap);
/* SIGTERM, then reaps; returns the exit status (waitpid's). */
int spawn_stop(pid_t pid);

#endif
