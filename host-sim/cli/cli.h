/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The subcommands of svcport-sim; each returns the process exit code. */
#ifndef SVCPORT_SIM_CLI_H
#define SVCPORT_SIM_CLI_H

#define CLI_EXIT_OK      0
#define CLI_EXIT_REFUSED 1 /* the portal, the device or the link said no */
#define CLI_EXIT_USAGE   2

int cli_portal(int argc, char **argv);
int cli_app(int argc, char **argv);
int cli_server(int argc, char **argv);
int cli_host(int argc, char **argv);
int cli_demo(int argc, char **argv);

#endif
