// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * svcport-bmcctl: the BMC's local administrator console. One AdminRequest per
 * command over bmcd's admin socket; prints the answer; exit 0 only on success.
 * Each command is a row of one table: its words, its argument count, its
 * synopsis, and the function that builds the request (and, where the answer
 * needs more than "ok", prints it).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pb_decode.h>

#include <mbedtls/platform_util.h>

#include "bmcctl.h"
#include "version.h"

#define T(x) svcport_admin_v1_AdminRequest_##x##_tag

static int build_sensors_set(struct ctl *c, int argc, char **argv)
{
	static svcport_admin_v1_AdminRequest show;
	static svcport_admin_v1_AdminReply rep;
	svcport_v1_SensorSettings s;

	/* Start from the current settings: change only what is named. */
	show = (svcport_admin_v1_AdminRequest)svcport_admin_v1_AdminRequest_init_zero;
	memcpy(show.password, c->req.password, sizeof(show.password));
	show.which_cmd = svcport_admin_v1_AdminRequest_sensors_show_tag;
	if (ctl_transact(c, &show, &rep) != 0)
		return 1;
	s = rep.body.status.info.sensors;
	if (argc == 0)
		return ctl_die("sensors set: name at least one of intrusion, motion, threshold");
	for (int i = 0; i < argc; i += 2) {
		int r;

		if (i + 1 >= argc)
			return ctl_die("sensors set: %s needs a value", argv[i]);
		if (strcmp(argv[i], "intrusion") == 0)
			r = ctl_parse_bool(argv[i + 1], &s.intrusion_enabled);
		else if (strcmp(argv[i], "motion") == 0)
			r = ctl_parse_bool(argv[i + 1], &s.motion_enabled);
		else if (strcmp(argv[i], "threshold") == 0)
			r = ctl_parse_u32(argv[i + 1], &s.motion_step_threshold);
		else
			return ctl_die("sensors set: unknown setting %s", argv[i]);
		if (r < 0)
			return ctl_die("sensors set: bad value %s", argv[i + 1]);
	}
	c->req.which_cmd = svcport_admin_v1_AdminRequest_sensors_set_tag;
	c->req.cmd.sensors_set.has_sensors = true;
	c->req.cmd.sensors_set.sensors = s;
	return 0;
}

static int build_password_set(struct ctl *c, int argc, char **argv)
{
	c->req.which_cmd = T(password_set);
	return ctl_secret(c->new_password_file, argc == 1 ? argv[0] : NULL,
	                  "SVCPORT_NEW_ADMIN_PASSWORD", "new password",
	                  c->req.cmd.password_set.new_password,
	                  sizeof(c->req.cmd.password_set.new_password));
}

static int build_tamper_intrusion(struct ctl *c, int argc, char **argv)
{
	c->req.which_cmd = T(tamper);
	c->req.cmd.tamper.kind = svcport_admin_v1_TamperKind_TAMPER_INTRUSION;
	return 0;
}

static int build_tamper_motion(struct ctl *c, int argc, char **argv)
{
	c->req.which_cmd = T(tamper);
	c->req.cmd.tamper.kind = svcport_admin_v1_TamperKind_TAMPER_MOTION;
	if (ctl_parse_u32(argv[0], &c->req.cmd.tamper.steps) < 0)
		return ctl_die("tamper motion: STEPS must be a number, not %s", argv[0]);
	return 0;
}

static int build_policy_set(struct ctl *c, int argc, char **argv)
{
	c->req.which_cmd = T(policy_set);
	if (ctl_copy_str(c->req.cmd.policy_set.name, sizeof(c->req.cmd.policy_set.name), argv[0],
	                 "policy name") ||
	    ctl_parse_bool(argv[1], &c->req.cmd.policy_set.value) < 0)
		return ctl_die("policy set: value must be true or false, not %s", argv[1]);
	return 0;
}

static int run_audit_show(struct ctl *c, int argc, char **argv)
{
	uint32_t first = 0;

	if (argc == 1 && ctl_parse_u32(argv[0], &first) < 0)
		return ctl_die("audit show: FIRST must be a number, not %s", argv[0]);
	c->req.which_cmd = T(audit_show);
	c->req.cmd.audit_show.first = first;
	return ctl_print_audit(c, &c->req);
}

static int run_audit_verify(struct ctl *c, int argc, char **argv)
{
	c->req.which_cmd = T(audit_verify);
	if (ctl_transact(c, &c->req, &c->rep) != 0)
		return 1;
	return ctl_print_audit_verify(&c->rep.body.audit_verify);
}

static int parse_which(const char *s, svcport_admin_v1_CertWhich *ret)
{
	if (strcmp(s, "device") == 0)
		*ret = svcport_admin_v1_CertWhich_CERT_DEVICE;
	else if (strcmp(s, "internal-ca") == 0)
		*ret = svcport_admin_v1_CertWhich_CERT_INTERNAL_CA;
	else if (strcmp(s, "link") == 0)
		*ret = svcport_admin_v1_CertWhich_CERT_LINK;
	else
		return ctl_die("cert: --which device|internal-ca|link, not %s", s);
	return 0;
}

/* A leading `--which W` into *ret (left as is without one); the arguments it took. */
static int take_which(int *argc, char ***argv, svcport_admin_v1_CertWhich *ret)
{
	if (*argc < 2 || strcmp((*argv)[0], "--which") != 0)
		return 0;
	if (parse_which((*argv)[1], ret))
		return -1;
	*argc -= 2;
	*argv += 2;
	return 2;
}

/* cert export [--which W] [FILE] and cert csr [--which W] [FILE]: PEM to FILE or stdout. */
static int run_cert_out(struct ctl *c, int argc, char **argv, bool csr)
{
	const svcport_admin_v1_CertReply *r = &c->rep.body.cert;
	const char *path;

	c->req.which_cmd = csr ? T(cert_csr) : T(cert_export);
	if (take_which(&argc, &argv,
	               csr ? &c->req.cmd.cert_csr.which : &c->req.cmd.cert_export.which) < 0)
		return 1;
	if (argc > 1)
		return ctl_die("cert %s: too many arguments", csr ? "csr" : "export");
	path = argc == 1 ? argv[0] : NULL;
	if (ctl_transact(c, &c->req, &c->rep) != 0)
		return 1;
	if (path && truncate(path, 0) != 0 && errno != ENOENT)
		return ctl_die("%s: %s", path, strerror(errno));
	if (csr)
		return ctl_write_pem(path, "CERTIFICATE REQUEST", r->csr.bytes, r->csr.size);
	for (pb_size_t i = 0; i < r->certs_count; i++)
		if (ctl_write_pem(path, "CERTIFICATE", r->certs[i].bytes, r->certs[i].size))
			return 1;
	return 0;
}

static int run_cert_export(struct ctl *c, int argc, char **argv)
{
	return run_cert_out(c, argc, argv, false);
}

static int run_cert_csr(struct ctl *c, int argc, char **argv)
{
	return run_cert_out(c, argc, argv, true);
}

/* cert install [--which device|link] FILE */
static int build_cert_install(struct ctl *c, int argc, char **argv)
{
	svcport_admin_v1_CertWhich which = svcport_admin_v1_CertWhich_CERT_DEVICE;

	c->req.which_cmd = T(cert_install);
	if (take_which(&argc, &argv, &which) < 0)
		return 1;
	if (argc != 1)
		return ctl_die("cert install [--which device|link] FILE");
	if (ctl_cert_install_read(argv[0], &c->req.cmd.cert_install))
		return 1;
	c->req.cmd.cert_install.which = which;
	return 0;
}

/* cert regenerate --which link|internal-ca */
static int build_cert_regenerate(struct ctl *c, int argc, char **argv)
{
	c->req.which_cmd = T(cert_regenerate);
	if (take_which(&argc, &argv, &c->req.cmd.cert_regenerate.which) != 2 || argc != 0)
		return ctl_die("cert regenerate --which link|internal-ca");
	return 0;
}

static int build_trust_update(struct ctl *c, int argc, char **argv)
{
	static unsigned char buf[svcport_admin_v1_TrustUpdate_size + 1];
	pb_istream_t is;
	size_t len;

	if (ctl_read_file(argv[0], buf, sizeof(buf), &len))
		return 1;
	is = pb_istream_from_buffer(buf, len);
	if (len > svcport_admin_v1_TrustUpdate_size ||
	    !pb_decode(&is, svcport_admin_v1_TrustUpdate_fields, &c->req.cmd.trust_update))
		return ctl_die("%s: not an encoded svcport.admin.v1.TrustUpdate", argv[0]);
	c->req.which_cmd = T(trust_update);
	return 0;
}

/*
 * A row: the command's words, how many arguments follow them, and either
 * tag (a request with no arguments), build (fills c->req; the table sends it
 * and prints the common answer) or run (does everything itself).
 */
static const struct ctl_cmd {
	const char *w0, *w1;
	int min_args, max_args;
	pb_size_t tag;
	int (*build)(struct ctl *c, int argc, char **argv);
	int (*run)(struct ctl *c, int argc, char **argv);
	const char *synopsis;
} commands[] = {
    {"status", NULL, 0, 0, T(status), NULL, NULL,
     "status                         device, lockdown, LED, sensors, policies"},
    {"activate", NULL, 0, 0, 0, ctl_build_activate, NULL,
     "activate                       release the SED AK (BMC-managed control only)"},
    {"password", "set", 0, 1, 0, build_password_set, NULL,
     "password set [NEW | --new-password-file FILE|-]   or $SVCPORT_NEW_ADMIN_PASSWORD"},
    {"sensors", "show", 0, 0, T(sensors_show), NULL, NULL, "sensors show"},
    {"sensors", "set", 0, 6, 0, build_sensors_set, NULL,
     "sensors set [intrusion on|off] [motion on|off] [threshold N]"},
    {"tamper", "intrusion", 0, 0, 0, build_tamper_intrusion, NULL,
     "tamper intrusion | tamper motion STEPS   simulate a sensor firing (any account)"},
    {"tamper", "motion", 1, 1, 0, build_tamper_motion, NULL, NULL},
    {"sed", "enable", 0, 0, T(sed_enable), NULL, NULL,
     "sed enable | sed passphrase --drive-set NAME [--passphrase-file FILE|-]\n"
     "    ($SVCPORT_SED_PASSPHRASE)"},
    {"sed", "passphrase", 0, 5, 0, NULL, ctl_sed_passphrase, NULL},
    {"sed", "backup", 1, 4, 0, NULL, ctl_sed_backup,
     "sed backup FILE [--backup-passphrase-file F|-] | sed restore FILE\n"
     "    [--backup-passphrase-file F|-] [--other-server] | sed restore --from-component\n"
     "    (sed --help; --backup-passphrase P: deprecated)"},
    {"sed", "restore", 1, 6, 0, NULL, ctl_sed_restore, NULL},
    {"sed", "generate", 0, 2, 0, NULL, ctl_sed_generate, "sed generate --erase-drives"},
    {"sed", "component", 1, 4, 0, NULL, ctl_sed_component,
     "sed component adopt            the fitted backup component becomes this board's"},
    {"policy", "set", 2, 2, 0, build_policy_set, NULL, "policy set NAME true|false"},
    {"factory-reset", NULL, 0, 1, 0, ctl_build_factory_reset, NULL,
     "factory-reset --yes            the firmware-setup path: the label's password"},
    {"account", "add", 2, 3, 0, ctl_build_account_add, NULL,
     "account add NAME administrator|read-only [PW | --new-password-file FILE|-]\n"
     "    | account delete NAME"},
    {"account", "delete", 1, 1, 0, ctl_build_account_delete, NULL, NULL},
    {"account", "list", 0, 0, 0, NULL, ctl_run_account_list,
     "account list                   every account, its level (Administrator or above)"},
    {"uefi-password", "set", 0, 1, 0, ctl_build_uefi_set, NULL,
     "uefi-password set [NEW | --new-password-file FILE|-] | clear | verify [PW]\n"
     "    the host firmware setup password (current one: --uefi-password-file FILE|-)"},
    {"uefi-password", "clear", 0, 0, 0, ctl_build_uefi_clear, NULL, NULL},
    {"uefi-password", "verify", 0, 1, 0, ctl_build_uefi_verify, NULL, NULL},
    {"activation-code", NULL, 0, 0, 0, NULL, ctl_run_activation_code,
     "activation-code                the secure activation code (Administrator or above)"},
    {"activation", "challenge", 0, 0, 0, NULL, ctl_run_manual_challenge,
     "activation challenge | activation respond CODE   manual activation by phone call"},
    {"activation", "respond", 1, 1, 0, NULL, ctl_run_manual_respond, NULL},
    {"audit", "show", 0, 1, 0, NULL, run_audit_show, "audit show [FIRST] | audit verify"},
    {"audit", "verify", 0, 0, 0, NULL, run_audit_verify, NULL},
    {"cert", "export", 0, 3, 0, NULL, run_cert_export,
     "cert export [--which device|internal-ca|link] [FILE]"},
    {"cert", "csr", 0, 3, 0, NULL, run_cert_csr,
     "cert csr [--which device|link] [FILE] | cert install [--which device|link] FILE"},
    {"cert", "install", 1, 3, 0, build_cert_install, NULL, NULL},
    {"cert", "regenerate", 2, 2, 0, build_cert_regenerate, NULL,
     "cert regenerate --which link|internal-ca   a new key and certificate"},
    {"trust", "update", 1, 1, 0, build_trust_update, NULL,
     "trust update FILE              pin new portal roots: FILE is an encoded\n"
     "                                 TrustUpdate signed by a pinned root's key"},
};

/* `COMMAND --help`: what it does, who may run it, what it needs. */
static const struct ctl_help {
	const char *w0, *w1, *text;
} helps[] = {
    {"sed", NULL, ctl_sed_help},
    {"activation", NULL, ctl_manual_help},
    {"policy", "set",
     "NAME: password-reset-clears-sed-ak (default true; emergency-reset-clears-sed-ak\n"
     "is its older name), ble-presence (false), handset-revert-resets-password (false),\n"
     "factory-reset-clears-sed-ak (true), keylock (false: with it, opening the cover\n"
     "counts only while the chassis lock is engaged). An Administrator may tighten a\n"
     "policy; a value that weakens protection needs the Administrator+. Audited\n"
     "(policy-set)."},
    {"activate", NULL,
     "Administrator or above; BMC-managed control only. After a reset of the BMC (factory,\n"
     "handset, emergency) since the last activation, it needs the UEFI setup password in\n"
     "$SVCPORT_UEFI_PASSWORD when one is set. Audited (admin-activate)."},
    {"factory-reset", NULL,
     "No login: whoever is at the machine. Needs $SVCPORT_UEFI_PASSWORD when a UEFI\n"
     "setup password is set. The administrator password returns to the label's\n"
     "(must change), other accounts are removed, policies return to their defaults;\n"
     "the SED AK is cleared (and the server LOCKED) unless factory-reset-clears-sed-ak\n"
     "is false; a lock is never lifted. Audited (factory-reset)."},
    {"account", "add",
     "Administrator+ only. --new-password-file FILE (- : stdin, no echo on a terminal),\n"
     "$SVCPORT_NEW_ACCOUNT_PASSWORD or PW (seen in /proc: avoid; 8+ chars) is\n"
     "the initial one: the account changes it at its first login (--user NAME\n"
     "password set). There is exactly one Administrator+: the default user 'admin'.\n"
     "At most 8 other accounts. Audited (account-add, account-delete)."},
    {"account", "delete", "Administrator+ only; the default user cannot be deleted. Audited."},
    {"account", "list",
     "Administrator or above. --json: {\"ok\":true,\"accounts\":[{name,role,must_change}]}"},
    {"uefi-password", NULL,
     "set/clear: Administrator+ only; --new-password-file FILE|-, $SVCPORT_NEW_UEFI_PASSWORD\n"
     "or NEW (8+ chars); replacing or clearing one needs it (--uefi-password-file FILE|-\n"
     "or $SVCPORT_UEFI_PASSWORD). Stored as PBKDF2-\n"
     "HMAC-SHA256 with a random salt; wrong guesses back off. When set, factory-reset\n"
     "needs it. verify: any account's login (no oracle for strangers), PW or\n"
     "$SVCPORT_UEFI_PASSWORD. Audited (uefi-password-set, uefi-password-clear)."},
    {"activation-code", NULL,
     "The guide's IPMI path. Administrator or above; each read is audited\n"
     "(activation-code-read) and counts toward a back-off (3 free, then 1 s doubling\n"
     "to 60 s). --json: {\"ok\":true,\"activation_code\":\"...\"}"},
};

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: svcport-bmcctl --admin-socket PATH [--user NAME] [--password-file FILE|-]\n"
	        "                      [--password PW] [--json] COMMAND\n"
	        "       svcport-bmcctl --help | --version\n"
	        "commands (COMMAND --help for more):\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (commands[i].synopsis)
			fprintf(f, "  %s\n", commands[i].synopsis);
	fprintf(f,
	        "The account is --user or $SVCPORT_ADMIN_USER (default: admin, the\n"
	        "Administrator+); its password --password-file FILE (- : stdin, asked without\n"
	        "echo on a terminal), $SVCPORT_ADMIN_PASSWORD or --password (seen by every user\n"
	        "in /proc: avoid). New passwords: --new-password-file FILE|-, the current UEFI\n"
	        "password: --uefi-password-file FILE|-. A new board's password is printed on\n"
	        "its label and must be changed at first login.\n");
}

static const struct ctl_cmd *find(int argc, char **argv, int *ret_args)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		const struct ctl_cmd *k = &commands[i];
		const int words = k->w1 ? 2 : 1;

		if (strcmp(argv[0], k->w0) != 0 ||
		    (k->w1 && (argc < 2 || strcmp(argv[1], k->w1) != 0)))
			continue;
		if (argc - words < k->min_args || argc - words > k->max_args)
			return NULL;
		*ret_args = words;
		return k;
	}
	return NULL;
}

/* `COMMAND [WORD] --help`: the synopses of that command, and its help. */
static bool print_command_help(int argc, char **argv)
{
	bool found = false;

	if (argc < 2 || strcmp(argv[argc - 1], "--help") != 0)
		return false;
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		const struct ctl_cmd *k = &commands[i];

		if (strcmp(argv[0], k->w0) != 0)
			continue;
		if (k->synopsis)
			printf("usage: svcport-bmcctl [options] %s\n", k->synopsis);
		found = true;
	}
	for (size_t i = 0; found && i < sizeof(helps) / sizeof(helps[0]); i++)
		if (strcmp(argv[0], helps[i].w0) == 0 &&
		    (!helps[i].w1 || argc < 3 || strcmp(argv[1], helps[i].w1) == 0))
			printf("%s\n", helps[i].text);
	return found;
}

/* The answer of a command that has no printer of its own. */
static void print_reply(const struct ctl *c)
{
	switch (c->req.which_cmd) {
	case T(status):
	case T(sensors_show):
		ctl_print_status(c, &c->rep.body.status);
		break;
	case T(tamper):
		printf("%s\n", c->rep.body.tamper.locked
		                   ? "sensor fired: system LOCKED"
		                   : "sensor disabled or under threshold: no effect");
		break;
	default:
		if (c->json) {
			char m[6 * sizeof(c->rep.message)];

			printf("{\"ok\":true,\"message\":\"%s\"}\n",
			       ctl_json_str(c->rep.message, m, sizeof(m)));
		} else {
			printf("ok\n");
		}
		break;
	}
}

static int parse_options(struct ctl *c, int argc, char **argv, const char **ret_password,
                         const char **ret_user)
{
	static const struct option opts[] = {
	    {"admin-socket", required_argument, NULL, 'a'},
	    {"password", required_argument, NULL, 'p'},
	    {"password-file", required_argument, NULL, 'P'},
	    {"user", required_argument, NULL, 'u'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {0},
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (opt) {
		case 'a':
			c->admin_socket = optarg;
			break;
		case 'p':
			*ret_password = optarg;
			break;
		case 'P':
			if (ctl_read_secret(optarg, "password", c->req.password,
			                    sizeof(c->req.password)))
				return -EINVAL;
			*ret_password = c->req.password;
			break;
		case 'u':
			*ret_user = optarg;
			break;
		case 'j':
			c->json = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			puts("svcport-bmcctl " SVCPORT_VERSION);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (!c->admin_socket || optind >= argc) {
		usage(stderr);
		return -EINVAL;
	}
	return 0;
}

static struct ctl c;

static int run_main(int argc, char **argv)
{
	const char *password = NULL, *user = NULL;
	const struct ctl_cmd *k;
	int words = 0, ret;

	c.req = (svcport_admin_v1_AdminRequest)svcport_admin_v1_AdminRequest_init_zero;
	if (parse_options(&c, argc, argv, &password, &user) < 0)
		return 2;
	argc -= optind;
	argv += optind;
	if (print_command_help(argc, argv))
		return 0;
	if (ctl_take_secret_files(&c, &argc, argv))
		return 2;
	if (!password)
		password = getenv("SVCPORT_ADMIN_PASSWORD");
	if (!user)
		user = getenv("SVCPORT_ADMIN_USER");
	if (password && password != c.req.password &&
	    ctl_copy_str(c.req.password, sizeof(c.req.password), password, "password"))
		return 1;
	if (user && ctl_copy_str(c.req.user, sizeof(c.req.user), user, "user"))
		return 1;
	k = find(argc, argv, &words);
	if (!k) {
		usage(stderr);
		ctl_die("unknown command or wrong arguments: %s", argv[0]);
		return 2;
	}
	if (k->run)
		return k->run(&c, argc - words, argv + words);
	c.req.which_cmd = k->tag;
	if (k->build) {
		ret = k->build(&c, argc - words, argv + words);
		if (ret)
			return ret;
	}
	if (ctl_transact(&c, &c.req, &c.rep) != 0)
		return 1;
	print_reply(&c);
	return 0;
}

/* The request and the reply held the passwords: zeroized before the exit. */
int main(int argc, char **argv)
{
	int ret = run_main(argc, argv);

	mbedtls_platform_zeroize(&c.req, sizeof(c.req));
	mbedtls_platform_zeroize(&c.rep, sizeof(c.rep));
	return ret;
}
