// SPDX-License-Identifier: GPL-2.0-or-later
/* config.h: key=value file and command line. */
#include "config.h"
#include "version.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"

#define LINE_MAX_LEN 512

static const char usage[] =
    "Usage: svcportd [OPTION]...\n"
    "The svcport service-port gateway: serves phones over BLE GATT and USB-CDC\n"
    "links and relays their requests to svcport-bmcd.\n"
    "\n"
    "  --config FILE          read key=value options from FILE (same names as below;\n"
    "                         default " GW_DEFAULT_CONFIG " when it exists)\n"
    "  --link SPEC            a link, repeatable: ble:hciN, ble-sim:PATH, tty:PATH,\n"
    "                         unix:PATH, usb:VID:PID (hex), https:ADDR:PORT,\n"
    "                         portal:https://IP:PORT\n"
    "  --link-dir DIR         https:, portal: the link credentials bmcd exports\n"
    "                         (link.key, link-chain.pem, link-internal-chain.pem,\n"
    "                         ca-statement.pb), read again when they change\n"
    "  --https-allow-origin ORIGIN  https: the web app's origin (https://host:port)\n"
    "                         whose pages may call the link (CORS); others are refused\n"
    "  --bmc-socket PATH      svcport-bmcd's socket (default " GW_DEFAULT_BMC_SOCKET ")\n"
    "  --max-sessions N       concurrent sessions, 2..64 (default 4); one link kind\n"
    "                         holds at most N - max(1, N/4) of them\n"
    "  --idle-timeout DUR     end a session after DUR without a request (default 120s)\n"
    "  --start-timeout DUR    a connection must start a conversation (BLE: enable TX\n"
    "                         notifications; unix: its first frame) in DUR (default 10s)\n"
    "  --message-timeout DUR  progress rule: a message's grace (default 10s)...\n"
    "  --min-rate BYTES       ...after which it must arrive at BYTES/s (default 100)\n"
    "  --request-timeout DUR  answer BMC_UNAVAILABLE when bmcd is silent (default 10s)\n"
    "  --max-message BYTES    largest Frame accepted, 64..65535 (default 8192)\n"
    "  --rate N               frames per second per session (default 10)\n"
    "  --burst N              frames a session may send at once (default 20)\n"
    "  --capture FILE         write a btsnoop capture (Linux monitor format); FILE\n"
    "                         and FILE.1 take turns, each at most --capture-max\n"
    "  --capture-max BYTES    per capture file, with K or M: 64K..1024M (default 16M)\n"
    "  --user NAME            drop privileges to NAME after opening the links\n"
    "                         (default when started as root: " GW_DEFAULT_USER ")\n"
    "  --ble-security LEVEL   low, medium or high: BT_SECURITY of ble: connections\n"
    "                         (default low: the messages are signed end to end)\n"
    "  --ble-name NAME        advertised short name and GAP device name (default svcport)\n"
    "  --seccomp MODE         kill (default), trap (debug: name the call) or off:\n"
    "                         the system-call filter after start-up\n"
    "  --portal-trust FILE    PEM anchors a portal: link trusts (the portal's CA)\n"
    "  --portal-retry-min DUR a portal: link's first wait after a failure (default 5s)\n"
    "  --portal-retry-max DUR its longest wait, and its re-check when there is nothing\n"
    "                         to do (default 300s); waits double, with jitter\n"
    "  --syslog               log to syslog instead of stderr\n"
    "  --verbose              log debug lines too\n"
    "  --ready-fd N           write \"ready\\n\" to fd N once every link listens\n"
    "  --help                 this text\n"
    "  --version              the version\n"
    "\n"
    "DUR is a number with a unit: 250ms, 30s (no unit: seconds).\n";

void gw_config_default(struct gw_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->bmc_socket, sizeof(cfg->bmc_socket), "%s", GW_DEFAULT_BMC_SOCKET);
	snprintf(cfg->ble_name, sizeof(cfg->ble_name), "svcport");
	cfg->ble_security = 1;
	session_limits_default(&cfg->limits);
	cfg->ready_fd = -1;
	cfg->capture_max = CAPTURE_DEFAULT_BYTES;
	cfg->seccomp = GW_SECCOMP_DEFAULT;
	cfg->portal_retry_min_ms = 5000;
	cfg->portal_retry_max_ms = 300000;
}

/* "65536", "64K", "16M": bytes, min..max. */
static bool parse_size(const char *v, uint64_t min, uint64_t max, uint64_t *ret)
{
	char *end;
	if (!isdigit((unsigned char)*v))
		return false;
	errno = 0;
	unsigned long long n = strtoull(v, &end, 10);
	if (errno || n > max)
		return false;
	if (!strcmp(end, "K"))
		n *= 1024u;
	else if (!strcmp(end, "M"))
		n *= 1024u * 1024u;
	else if (*end)
		return false;
	if (n < min || n > max)
		return false;
	*ret = n;
	return true;
}

static bool parse_uint(const char *v, unsigned long min, unsigned long max, unsigned long *ret)
{
	char *end;
	if (!isdigit((unsigned char)*v))
		return false;
	errno = 0;
	unsigned long n = strtoul(v, &end, 10);
	if (errno || *end || n < min || n > max)
		return false;
	*ret = n;
	return true;
}

/* "250ms", "30s", "30": milliseconds, 1 ms .. 1 day. */
static bool parse_duration_ms(const char *v, uint32_t *ret)
{
	char *end;
	if (!isdigit((unsigned char)*v))
		return false;
	errno = 0;
	unsigned long n = strtoul(v, &end, 10);
	if (errno)
		return false;
	unsigned long mul;
	if (!*end || !strcmp(end, "s"))
		mul = 1000;
	else if (!strcmp(end, "ms"))
		mul = 1;
	else
		return false;
	if (n == 0 || n > 86400000ul / mul)
		return false;
	*ret = (uint32_t)(n * mul);
	return true;
}

static bool copy_str(char *dst, size_t cap, const char *v)
{
	if (!*v || strlen(v) >= cap)
		return false;
	memcpy(dst, v, strlen(v) + 1);
	return true;
}

/*
 * An exact origin: https://, a host, maybe a port; no path, no wildcard. Plain http:// only
 * for a loopback host, which browsers count as a secure context (a page served in clear
 * from elsewhere could be rewritten on the way and then drive the technician's session).
 */
static bool is_origin_ok(const char *v)
{
	static const char *const loopback[] = {"http://localhost", "http://127.0.0.1",
	                                       "http://[::1]"};
	const char *host = !strncmp(v, "https://", 8) ? v + 8 : NULL;

	for (size_t i = 0; !host && i < sizeof(loopback) / sizeof(loopback[0]); i++) {
		size_t n = strlen(loopback[i]);

		if (!strncmp(v, loopback[i], n) && (v[n] == '\0' || v[n] == ':'))
			host = v + 7;
	}
	return host && *host && *host != ':' && !strchr(host, '/') && !strchr(host, '*');
}

/* The network links' options (issue 16); false if key is not one of them. */
static bool apply_net(struct gw_config *cfg, const char *key, const char *v, bool *ok)
{
	if (!strcmp(key, "portal-trust"))
		*ok = copy_str(cfg->portal_trust, sizeof(cfg->portal_trust), v);
	else if (!strcmp(key, "portal-retry-min"))
		*ok = parse_duration_ms(v, &cfg->portal_retry_min_ms);
	else if (!strcmp(key, "portal-retry-max"))
		*ok = parse_duration_ms(v, &cfg->portal_retry_max_ms);
	else
		return false;
	return true;
}

/* Applies one option. Returns 0 or -EINVAL after explaining on err. */
static int apply(struct gw_config *cfg, const char *key, const char *v, const char *where,
                 FILE *err)
{
	unsigned long n;
	bool ok;
	if (!strcmp(key, "link")) {
		ok = cfg->n_links < GW_LINKS_MAX &&
		     copy_str(cfg->links[cfg->n_links], GW_PATH_MAX, v);
		if (ok)
			cfg->n_links++;
	} else if (!strcmp(key, "bmc-socket")) {
		ok = copy_str(cfg->bmc_socket, sizeof(cfg->bmc_socket), v);
	} else if (!strcmp(key, "capture")) {
		ok = copy_str(cfg->capture, sizeof(cfg->capture), v);
	} else if (!strcmp(key, "capture-max")) {
		ok = parse_size(v, CAPTURE_MIN_BYTES, 1024ull * 1024u * 1024u, &cfg->capture_max);
	} else if (!strcmp(key, "link-dir")) {
		ok = copy_str(cfg->link_dir, sizeof(cfg->link_dir), v);
	} else if (!strcmp(key, "https-allow-origin")) {
		ok = is_origin_ok(v) &&
		     copy_str(cfg->https_allow_origin, sizeof(cfg->https_allow_origin), v);
	} else if (!strcmp(key, "user")) {
		ok = copy_str(cfg->user, sizeof(cfg->user), v);
	} else if (!strcmp(key, "ble-name")) {
		ok = copy_str(cfg->ble_name, sizeof(cfg->ble_name), v);
	} else if (!strcmp(key, "seccomp")) {
		static const char *const modes[] = {"off", "kill", "trap"};
		ok = false;
		for (int i = 0; i < 3; i++)
			if (!strcmp(v, modes[i])) {
				cfg->seccomp = (enum gw_seccomp)i;
				ok = true;
			}
	} else if (!strcmp(key, "ble-security")) {
		ok = true;
		if (!strcmp(v, "low"))
			cfg->ble_security = 1;
		else if (!strcmp(v, "medium"))
			cfg->ble_security = 2;
		else if (!strcmp(v, "high"))
			cfg->ble_security = 3;
		else
			ok = false;
	} else if (!strcmp(key, "max-sessions")) {
		ok = parse_uint(v, 2, SESSION_MAX, &n);
		if (ok)
			cfg->limits.max_sessions = (unsigned)n;
	} else if (!strcmp(key, "max-message")) {
		ok = parse_uint(v, 64, 65535, &n);
		if (ok)
			cfg->limits.max_message = (uint32_t)n;
	} else if (!strcmp(key, "rate")) {
		ok = parse_uint(v, 1, 1000, &n);
		if (ok)
			cfg->limits.rate_per_s = (uint32_t)n;
	} else if (!strcmp(key, "burst")) {
		ok = parse_uint(v, 1, 1000, &n);
		if (ok)
			cfg->limits.burst = (uint32_t)n;
	} else if (!strcmp(key, "min-rate")) {
		ok = parse_uint(v, 1, 1000000, &n);
		if (ok)
			cfg->limits.min_rate = (uint32_t)n;
	} else if (!strcmp(key, "start-timeout")) {
		ok = parse_duration_ms(v, &cfg->limits.start_ms);
	} else if (!strcmp(key, "message-timeout")) {
		ok = parse_duration_ms(v, &cfg->limits.message_ms);
	} else if (!strcmp(key, "idle-timeout")) {
		ok = parse_duration_ms(v, &cfg->limits.idle_ms);
	} else if (!strcmp(key, "request-timeout")) {
		ok = parse_duration_ms(v, &cfg->limits.request_timeout_ms);
	} else if (!strcmp(key, "syslog") || !strcmp(key, "verbose")) {
		bool b = false;
		ok = true;
		if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1"))
			b = true;
		else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0"))
			b = false;
		else
			ok = false;
		if (ok && key[0] == 's')
			cfg->use_syslog = b;
		else if (ok)
			cfg->verbose = b;
	} else if (!strcmp(key, "ready-fd")) {
		ok = parse_uint(v, 0, INT_MAX, &n);
		if (ok)
			cfg->ready_fd = (int)n;
	} else if (apply_net(cfg, key, v, &ok)) {
	} else {
		fprintf(err, "svcportd: %s: unknown option '%s' (see --help)\n", where, key);
		return -EINVAL;
	}
	if (!ok) {
		fprintf(err, "svcportd: %s: bad value '%s' for '%s' (see --help)\n", where, v, key);
		return -EINVAL;
	}
	return 0;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = 0;
	return s;
}

static int load_file(struct gw_config *cfg, const char *path, FILE *err)
{
	FILE *f = fopen(path, "re");
	if (!f) {
		fprintf(err, "svcportd: cannot read config %s: %s\n", path, strerror(errno));
		return -EINVAL;
	}
	char line[LINE_MAX_LEN];
	unsigned lineno = 0;
	int r = 0;
	while (r == 0 && fgets(line, sizeof(line), f)) {
		lineno++;
		char where[GW_PATH_MAX + 16];
		snprintf(where, sizeof(where), "%s:%u", path, lineno);
		if (!strchr(line, '\n') && !feof(f)) {
			fprintf(err, "svcportd: %s: line too long\n", where);
			r = -EINVAL;
			break;
		}
		char *s = trim(line);
		if (!*s || *s == '#')
			continue;
		char *eq = strchr(s, '=');
		if (!eq) {
			fprintf(err, "svcportd: %s: expected key = value\n", where);
			r = -EINVAL;
			break;
		}
		*eq = 0;
		r = apply(cfg, trim(s), trim(eq + 1), where, err);
	}
	fclose(f);
	return r;
}

enum {
	OPT_HELP = 'h',
	OPT_VERSION = 'V',
	OPT_CONFIG = 0x100,
	OPT_FLAG_SYSLOG,
	OPT_FLAG_VERBOSE,
	OPT_VALUE
};

static const struct option options[] = {
    {"help", no_argument, NULL, OPT_HELP},
    {"version", no_argument, NULL, OPT_VERSION},
    {"config", required_argument, NULL, OPT_CONFIG},
    {"syslog", no_argument, NULL, OPT_FLAG_SYSLOG},
    {"verbose", no_argument, NULL, OPT_FLAG_VERBOSE},
    {"link", required_argument, NULL, OPT_VALUE},
    {"bmc-socket", required_argument, NULL, OPT_VALUE},
    {"max-sessions", required_argument, NULL, OPT_VALUE},
    {"idle-timeout", required_argument, NULL, OPT_VALUE},
    {"request-timeout", required_argument, NULL, OPT_VALUE},
    {"start-timeout", required_argument, NULL, OPT_VALUE},
    {"message-timeout", required_argument, NULL, OPT_VALUE},
    {"min-rate", required_argument, NULL, OPT_VALUE},
    {"max-message", required_argument, NULL, OPT_VALUE},
    {"rate", required_argument, NULL, OPT_VALUE},
    {"burst", required_argument, NULL, OPT_VALUE},
    {"capture", required_argument, NULL, OPT_VALUE},
    {"capture-max", required_argument, NULL, OPT_VALUE},
    {"user", required_argument, NULL, OPT_VALUE},
    {"link-dir", required_argument, NULL, OPT_VALUE},
    {"https-allow-origin", required_argument, NULL, OPT_VALUE},
    {"ble-security", required_argument, NULL, OPT_VALUE},
    {"seccomp", required_argument, NULL, OPT_VALUE},
    {"ble-name", required_argument, NULL, OPT_VALUE},
    {"ready-fd", required_argument, NULL, OPT_VALUE},
    {"portal-trust", required_argument, NULL, OPT_VALUE},
    {"portal-retry-min", required_argument, NULL, OPT_VALUE},
    {"portal-retry-max", required_argument, NULL, OPT_VALUE},
    {0},
};

int gw_config_parse(struct gw_config *cfg, int argc, char **argv, FILE *out, FILE *err)
{
	int c, idx;
	/* Pass 1: --help and --config. */
	opterr = 0;
	optind = 1;
	const char *config = NULL;
	while ((c = getopt_long(argc, argv, "h", options, &idx)) != -1) {
		if (c == OPT_HELP) {
			fputs(usage, out);
			return 1;
		}
		if (c == OPT_VERSION) {
			fputs("svcportd " SVCPORT_VERSION "\n", out);
			return 1;
		}
		if (c == OPT_CONFIG)
			config = optarg;
	}
	if (!config && access(GW_DEFAULT_CONFIG, F_OK) == 0)
		config = GW_DEFAULT_CONFIG;
	if (config) {
		int r = load_file(cfg, config, err);
		if (r < 0)
			return r;
	}
	/* Pass 2: the command line overrides. */
	opterr = 0;
	optind = 1;
	bool cli_links = false;
	while ((c = getopt_long(argc, argv, "h", options, &idx)) != -1) {
		switch (c) {
		case OPT_CONFIG:
		case OPT_VERSION:
			break;
		case OPT_FLAG_SYSLOG:
			cfg->use_syslog = true;
			break;
		case OPT_FLAG_VERBOSE:
			cfg->verbose = true;
			break;
		case OPT_VALUE: {
			const char *key = options[idx].name;
			if (!strcmp(key, "link") && !cli_links) {
				cli_links = true;
				cfg->n_links = 0;
			}
			int r = apply(cfg, key, optarg, "command line", err);
			if (r < 0)
				return r;
			break;
		}
		default:
			fprintf(err, "svcportd: unknown or incomplete option '%s' (see --help)\n",
			        argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(err, "svcportd: unexpected argument '%s' (see --help)\n", argv[optind]);
		return -EINVAL;
	}
	if (cfg->portal_retry_min_ms > cfg->portal_retry_max_ms) {
		fprintf(err, "svcportd: portal-retry-min is longer than portal-retry-max\n");
		return -EINVAL;
	}
	if (cfg->n_links == 0) {
		fprintf(err, "svcportd: no link given (--link ble:hci0, tty:/dev/ttyGS0, ...)\n");
		return -EINVAL;
	}
	return 0;
}
