// SPDX-License-Identifier: GPL-2.0-or-later
/* svcport-sim: portal, phone, virtual edge server and the whole story. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "version.h"

static const char usage[] =
    "usage: svcport-sim COMMAND [--help] [--json] ... | --version\n"
    "  portal   the simulated cloud portal (orgs, users, devices, PKI, signing)\n"
    "  app      the phone: talks to a server over ble-sim, unix, tty or ble links\n"
    "  server   a virtual edge server: svcport-bmcd + svcportd on simulated links\n"
    "  host     the virtual server's host: boots, unlocks its self-encrypting drive\n"
    "  demo     plays the whole story end to end in a temporary folder\n"
    "Each command has --help; --json prints one JSON object for scripts.\n";

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(int argc, char **argv);
	} cmds[] = {
	    {"portal", cli_portal}, {"app", cli_app},   {"server", cli_server},
	    {"host", cli_host},     {"demo", cli_demo},
	};

	/* Global --json/--quiet before the command go to the command. */
	while (argc > 2 && (strcmp(argv[1], "--json") == 0 || strcmp(argv[1], "--quiet") == 0)) {
		char *flag = argv[1];

		memmove(argv + 1, argv + 2, (size_t)(argc - 2) * sizeof(*argv));
		argv[argc - 1] = flag;
	}
	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		puts("svcport-sim " SVCPORT_VERSION);
		return CLI_EXIT_OK;
	}
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].run(argc - 1, argv + 1);
	fprintf(stderr, "svcport-sim: unknown command '%s'\n%s", argv[1], usage);
	return CLI_EXIT_USAGE;
}
