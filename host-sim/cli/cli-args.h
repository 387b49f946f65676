/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Minimal "--name value" / "--flag" parsing shared by the subcommands. */
#ifndef SVCPORT_SIM_CLI_ARGS_H
#define SVCPORT_SIM_CLI_ARGS_H

#include <stdbool.h>

#include "svcport.pb.h"

#define CLI_ARGS_MAX 48
#define CLI_POS_MAX  16

struct cli_args {
	int n;
	const char *key[CLI_ARGS_MAX];
	const char *val[CLI_ARGS_MAX]; /* NULL for a flag */
	int npos;
	const char *pos[CLI_POS_MAX];
	bool help;
	bool json;
	bool quiet;
};

/*
 * spec lists the accepted options, space separated, "name=" for one taking a
 * value ("portal= user= skip-policy"). --help, --json and --quiet are always accepted.
 * Returns 0, or -EINVAL after printing what was wrong to stderr.
 */
int cli_args_parse(struct cli_args *a, int argc, char **argv, const char *spec)
    __attribute__((warn_unused_result));
/* The last value given for key, or def. */
const char *cli_arg(const struct cli_args *a, const char *key, const char *def);
bool cli_flag(const struct cli_args *a, const char *key);
/* Parses a signed decimal option; -EINVAL if present and malformed. */
int cli_arg_long(const struct cli_args *a, const char *key, long def, long *ret)
    __attribute__((warn_unused_result));

/* "intrusion=on,motion=off,steps=N" (any subset) into s. */
int cli_sensors_parse(const char *spec, svcport_v1_SensorSettings *s)
    __attribute__((warn_unused_result));

#endif
