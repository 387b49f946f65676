/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The CLI's output: human-readable progress and results on stdout, or with
 * --json one JSON object per command on stdout (progress then goes to
 * stderr). Process-wide state: the simulator is one command per process.
 */
#ifndef SVCPORT_SIM_OUT_H
#define SVCPORT_SIM_OUT_H

#include <stdbool.h>
#include <stdio.h>

void out_init(bool json);
/* Human mode only: progress lines but no result fields (the demo's view). */
void out_set_quiet(bool quiet);
bool out_is_json(void);
/* Where progress lines go (default: stdout, stderr with --json). */
void out_set_progress_stream(FILE *f);

/* A progress line for people. */
void out_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Result fields: "  key: value" for people, members of the object in JSON. */
void out_str(const char *key, const char *val);
void out_int(const char *key, long long val);
void out_bool(const char *key, bool val);

/* A JSON array of objects under key; people see an indented list. */
void out_array_begin(const char *key);
void out_item_begin(void);
void out_item_end(void);
void out_array_end(void);

/* Records an error (code name + words); printed on stderr for people. */
void out_error(const char *code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Closes the JSON object (with "ok") and returns exit_code. */
int out_finish(int exit_code);

#endif
