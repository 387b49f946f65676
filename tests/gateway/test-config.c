// SPDX-License-Identifier: GPL-2.0-or-later
/* svcportd configuration (gateway/config.h): file, command line, and every rejection. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"

static char conf_path[64];
static char err_text[1024];

static int parse(struct gw_config *cfg, int argc, char **argv)
{
	FILE *out = fopen("/dev/null", "w");
	FILE *err = fmemopen(err_text, sizeof(err_text) - 1, "w");
	memset(err_text, 0, sizeof(err_text));
	gw_config_default(cfg);
	int r = gw_config_parse(cfg, argc, argv, out, err);
	fclose(out);
	fclose(err);
	return r;
}

static void write_conf(const char *text)
{
	strcpy(conf_path, "/tmp/svcportd-conf-XXXXXX");
	int fd = mkstemp(conf_path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static int teardown(void **state)
{
	if (conf_path[0])
		unlink(conf_path);
	conf_path[0] = 0;
	return 0;
}

static void test_defaults(void **state)
{
	struct gw_config cfg;
	char *argv[] = {"svcportd", "--link", "unix:/tmp/x", NULL};
	assert_int_equal(parse(&cfg, 3, argv), 0);
	assert_int_equal(cfg.n_links, 1);
	assert_string_equal(cfg.links[0], "unix:/tmp/x");
	assert_string_equal(cfg.bmc_socket, GW_DEFAULT_BMC_SOCKET);
	assert_int_equal(cfg.limits.max_sessions, 4);
	assert_int_equal(cfg.limits.idle_ms, 120000);
	assert_int_equal(cfg.limits.max_message, 8192);
	assert_int_equal(cfg.limits.start_ms, 10000);
	assert_int_equal(cfg.limits.message_ms, 10000);
	assert_int_equal(cfg.limits.min_rate, 100);
	assert_int_equal(cfg.capture_max, 16 * 1024 * 1024);
	assert_int_equal(cfg.ble_security, 1);
	assert_int_equal(cfg.ready_fd, -1);
	assert_string_equal(cfg.user, "");
}

static void test_help(void **state)
{
	struct gw_config cfg;
	char *argv[] = {"svcportd", "--help", NULL};
	assert_int_equal(parse(&cfg, 2, argv), 1);
}

/* The file sets everything; the command line wins and its links replace the file's. */
static void test_file_then_command_line(void **state)
{
	write_conf("# gateway\n"
	           "link = ble:hci0\n"
	           "link=tty:/dev/ttyGS0\n"
	           "\n"
	           "  idle-timeout = 300ms  \n"
	           "request-timeout = 2s\n"
	           "max-sessions = 8\n"
	           "start-timeout = 3s\n"
	           "message-timeout = 20s\n"
	           "min-rate = 50\n"
	           "capture-max = 1M\n"
	           "ble-security = high\n"
	           "bmc-socket = /run/b.sock\n"
	           "link-dir = /var/lib/svcport-bmc/link\n"
	           "https-allow-origin = https://portal.example:8443\n"
	           "syslog = yes\n");
	struct gw_config cfg;
	char *argv[] = {"svcportd", "--config", conf_path, NULL};
	assert_int_equal(parse(&cfg, 3, argv), 0);
	assert_int_equal(cfg.n_links, 2);
	assert_string_equal(cfg.links[1], "tty:/dev/ttyGS0");
	assert_int_equal(cfg.limits.idle_ms, 300);
	assert_int_equal(cfg.limits.request_timeout_ms, 2000);
	assert_int_equal(cfg.limits.max_sessions, 8);
	assert_int_equal(cfg.limits.start_ms, 3000);
	assert_int_equal(cfg.limits.message_ms, 20000);
	assert_int_equal(cfg.limits.min_rate, 50);
	assert_int_equal(cfg.capture_max, 1024 * 1024);
	assert_int_equal(cfg.ble_security, 3);
	assert_string_equal(cfg.bmc_socket, "/run/b.sock");
	assert_string_equal(cfg.link_dir, "/var/lib/svcport-bmc/link");
	assert_string_equal(cfg.https_allow_origin, "https://portal.example:8443");
	assert_true(cfg.use_syslog);

	char *argv2[] = {"svcportd", "--idle-timeout", "5",           "--config",
	                 conf_path,  "--link",         "unix:/tmp/u", NULL};
	assert_int_equal(parse(&cfg, 7, argv2), 0);
	assert_int_equal(cfg.n_links, 1);
	assert_string_equal(cfg.links[0], "unix:/tmp/u");
	assert_int_equal(cfg.limits.idle_ms, 5000);
	assert_int_equal(cfg.limits.max_sessions, 8);
}

/* Every bad input is refused with a message naming it, and nothing else is taken. */
static void test_rejections(void **state)
{
	struct gw_config cfg;
	static const char *bad[][2] = {
	    {"--max-sessions", "0"},
	    {"--max-sessions", "65"},
	    {"--max-sessions", "4x"},
	    {"--idle-timeout", "0"},
	    {"--idle-timeout", "5min"},
	    {"--idle-timeout", "-1"},
	    {"--max-message", "63"},
	    {"--max-message", "65536"},
	    {"--ble-security", "max"},
	    {"--rate", "0"},
	    {"--ready-fd", "x"},
	    {"--link", ""},
	    /* one slot: one link kind would take every slot (issue 12) */
	    {"--max-sessions", "1"},
	    {"--start-timeout", "0"},
	    {"--message-timeout", "1h"},
	    {"--min-rate", "0"},
	    {"--capture-max", "1000"},
	    {"--capture-max", "2048M"},
	    {"--capture-max", "64k"},
	    {"--link-dir", ""},
	    /* an exact origin: a scheme and a host (and port), nothing more */
	    {"--https-allow-origin", "portal.example"},
	    {"--https-allow-origin", "https://portal.example/phone"},
	    {"--https-allow-origin", "https://*.example"},
	    {"--https-allow-origin", "ftp://portal.example"},
	    {"--https-allow-origin", ""},
	    {"--https-allow-origin", "https://"},
	    {"--https-allow-origin", "https://:8443"},
	    {"--https-allow-origin", "http://portal.example"},
	    {"--https-allow-origin", "http://localhost.evil.example"},
	    {"--portal-retry-min", "0"},
	    {"--portal-retry-max", "2d"},
	    {"--portal-trust", ""},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *argv[] = {"svcportd",        "--link",          "unix:/x",
		                (char *)bad[i][0], (char *)bad[i][1], NULL};
		assert_int_equal(parse(&cfg, 5, argv), -EINVAL);
		assert_non_null(strstr(err_text, "bad value"));
	}
	/* Plain http only for a loopback host (a secure context); https anywhere. */
	static const char *const good_origins[] = {"http://localhost:8080", "http://127.0.0.1",
	                                           "http://[::1]:3000", "https://10.0.0.5:8443"};
	for (size_t i = 0; i < sizeof(good_origins) / sizeof(good_origins[0]); i++) {
		char *argv[] = {"svcportd",
		                "--link",
		                "unix:/x",
		                "--https-allow-origin",
		                (char *)good_origins[i],
		                NULL};
		assert_int_equal(parse(&cfg, 5, argv), 0);
		assert_string_equal(cfg.https_allow_origin, good_origins[i]);
	}
	char *unknown[] = {"svcportd", "--link", "unix:/x", "--frobnicate", NULL};
	assert_int_equal(parse(&cfg, 4, unknown), -EINVAL);
	char *extra[] = {"svcportd", "--link", "unix:/x", "stray", NULL};
	assert_int_equal(parse(&cfg, 4, extra), -EINVAL);
	assert_non_null(strstr(err_text, "stray"));
	char *nolink[] = {"svcportd", NULL};
	assert_int_equal(parse(&cfg, 1, nolink), -EINVAL);
	assert_non_null(strstr(err_text, "no link"));
	char *missing[] = {"svcportd", "--config", "/nonexistent/svcportd.conf", NULL};
	assert_int_equal(parse(&cfg, 3, missing), -EINVAL);
	assert_non_null(strstr(err_text, "/nonexistent/svcportd.conf"));
}

/* The portal: link's options (issue 16): defaults, values, and min above max refused. */
static void test_portal_options(void **state)
{
	struct gw_config cfg;
	char *argv[] = {"svcportd",
	                "--link",
	                "portal:https://127.0.0.1:8443",
	                "--link-dir",
	                "/l",
	                "--portal-trust",
	                "/t.pem",
	                "--portal-retry-min",
	                "250ms",
	                NULL};
	char *inverted[] = {"svcportd",           "--link", "unix:/x", "--portal-retry-min", "10s",
	                    "--portal-retry-max", "5s",     NULL};

	(void)state;
	assert_int_equal(parse(&cfg, 9, argv), 0);
	assert_string_equal(cfg.link_dir, "/l");
	assert_string_equal(cfg.portal_trust, "/t.pem");
	assert_int_equal(cfg.portal_retry_min_ms, 250);
	assert_int_equal(cfg.portal_retry_max_ms, 300000);
	assert_int_equal(parse(&cfg, 7, inverted), -EINVAL);
	assert_non_null(strstr(err_text, "portal-retry-min"));
}

static void test_bad_file_lines(void **state)
{
	static const char *files[] = {
	    "link = unix:/x\nno equals sign\n",
	    "link = unix:/x\nfrobnicate = 1\n",
	    "link = unix:/x\nsyslog = maybe\n",
	};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		write_conf(files[i]);
		struct gw_config cfg;
		char *argv[] = {"svcportd", "--config", conf_path, NULL};
		assert_int_equal(parse(&cfg, 3, argv), -EINVAL);
		assert_non_null(strstr(err_text, ":2:")); /* names the line */
		unlink(conf_path);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_defaults, teardown),
	    cmocka_unit_test_teardown(test_help, teardown),
	    cmocka_unit_test_teardown(test_file_then_command_line, teardown),
	    cmocka_unit_test_teardown(test_rejections, teardown),
	    cmocka_unit_test_teardown(test_bad_file_lines, teardown),
	    cmocka_unit_test_teardown(test_portal_options, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
