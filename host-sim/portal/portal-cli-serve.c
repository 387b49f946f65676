// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * svcport-sim portal serve | https | user passwd/list/role/remove/csv | audit:
 * the service's command line. Run with file access to the portal directory,
 * the CLI is the portal operator (who holds the signing key anyway); every
 * act goes through portal-acts.h, the code the HTTP handlers call.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mbedtls/platform_util.h>

#include "cli-args.h"
#include "cli.h"
#include "names.h"
#include "out.h"
#include "portal-acts.h"
#include "portal-cli-serve.h"
#include "portal-fed.h"
#include "portal-serve.h"
#include "utc.h"

int portal_cli_refused(struct portal *p, int err)
{
	out_error(portal_err_name(err), "%s", portal_why(p)[0] ? portal_why(p) : strerror(-err));
	return CLI_EXIT_REFUSED;
}

/* "ADDR" or "ADDR:PORT" ("[v6]:PORT"), and "--names a,b" into o. */
static int listen_parse(const struct cli_args *a, struct portal_serve_opts *o, char *buf,
                        size_t cap)
{
	const char *listen = cli_arg(a, "listen", "127.0.0.1");
	const char *names = cli_arg(a, "names", NULL);
	char *colon, *save = NULL, list[1024];
	long port = PORTAL_SERVE_PORT;

	snprintf(buf, cap, "%s", listen[0] == '[' ? listen + 1 : listen);
	colon = listen[0] == '[' ? strstr(buf, "]") : strrchr(buf, ':');
	if (colon) {
		char *end = NULL;

		*colon = '\0';
		if (colon[1] == ':' || (listen[0] != '[' && colon[1]))
			port = strtol(colon + (colon[1] == ':' ? 2 : 1), &end, 10);
		if (end && (*end || port < 0 || port > 65535))
			return -EINVAL;
	}
	o->addr = buf;
	o->port = (uint16_t)port;
	snprintf(list, sizeof(list), "%s", names ? names : "");
	for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save))
		if (portal_https_names_add(&o->names, t) < 0)
			return -EINVAL;
	return 0;
}

static int cmd_serve(struct portal *p, const struct cli_args *a)
{
	struct portal_serve_opts o = {.ready_fd = -1};
	char addr[128];
	long fd = -1, hs = 0, io = 0;
	int err;

	if (listen_parse(a, &o, addr, sizeof(addr)) < 0 ||
	    cli_arg_long(a, "ready-fd", -1, &fd) < 0 ||
	    cli_arg_long(a, "handshake-ms", 0, &hs) < 0 ||
	    cli_arg_long(a, "io-timeout", 0, &io) < 0 || hs < 0 || io < 0) {
		fprintf(stderr, "usage: portal serve [--listen ADDR[:PORT]] [--names DNS,IP,...] "
		                "[--web-root DIR] [--phone-root DIR] [--ready-fd N]\n");
		return CLI_EXIT_USAGE;
	}
	o.ready_fd = (int)fd;
	o.handshake_ms = (unsigned)hs;
	o.io_timeout_s = (unsigned)io;
	o.portal_root = cli_arg(a, "web-root", NULL);
	o.phone_root = cli_arg(a, "phone-root", NULL);
	err = portal_serve(p, &o);
	return err < 0 ? portal_cli_refused(p, err) : CLI_EXIT_OK;
}

static int cmd_https(struct portal *p, const struct cli_args *a)
{
	const char *sub = a->npos >= 2 ? a->pos[1] : "";
	struct portal_serve_opts o = {0};
	char addr[128], path[PATH_MAX];
	bool made = false;
	int err;

	if (listen_parse(a, &o, addr, sizeof(addr)) < 0)
		return CLI_EXIT_USAGE;
	if (!o.names.n && (portal_https_names_add(&o.names, o.addr) < 0 ||
	                   portal_https_names_add(&o.names, "localhost") < 0))
		return CLI_EXIT_USAGE;
	if (strcmp(sub, "ensure") == 0)
		err = portal_https_ensure(p, &o.names, utc_now_s(), &made);
	else if (strcmp(sub, "regen-server") == 0)
		err = portal_https_regen_server(p, &o.names, utc_now_s());
	else if (strcmp(sub, "regen-ca") == 0)
		err = portal_https_regen_ca(p, &o.names, utc_now_s());
	else if (strcmp(sub, "csr") == 0 && cli_arg(a, "out", NULL))
		err = portal_https_csr(p, &o.names, cli_arg(a, "out", NULL));
	else if (strcmp(sub, "install") == 0 && cli_arg(a, "chain", NULL))
		err = portal_https_install(p, cli_arg(a, "chain", NULL), utc_now_s());
	else if (strcmp(sub, "download") == 0 && cli_arg(a, "out", NULL)) {
		uint8_t pem[8192];
		size_t len = 0;

		portal_https_anchor_path(p, path);
		err = portal_file_read(path, pem, sizeof(pem), &len);
		if (err == 0)
			err = portal_file_write(cli_arg(a, "out", NULL), pem, len);
	} else {
		fprintf(stderr, "usage: portal https ensure|regen-server|regen-ca [--names ...] | "
		                "csr --out FILE | install --chain FILE | download --out FILE\n");
		return CLI_EXIT_USAGE;
	}
	if (err < 0)
		return portal_cli_refused(p, err);
	portal_https_anchor_path(p, path);
	out_progress("https %s done; clients trust %s", sub, path);
	out_str("trust_anchor", path);
	out_bool("external", portal_https_is_external(p));
	return CLI_EXIT_OK;
}

/* A secret from a file (first line); never from the command line. */
static int secret_read(const char *path, char *out, size_t cap)
{
	size_t len = 0;
	int err = portal_file_read(path, (uint8_t *)out, cap - 1, &len);

	if (err < 0)
		return err;
	out[len] = '\0';
	out[strcspn(out, "\r\n")] = '\0';
	return 0;
}

static int print_user(const struct portal_user *u, void *ud)
{
	(void)ud;
	out_item_begin();
	out_str("user", u->name);
	out_str("role", names_role(u->role));
	out_item_end();
	return 0;
}

static void print_row(size_t line, const char *key, int err, const char *why, void *ud)
{
	(void)ud;
	out_item_begin();
	out_int("line", (long long)line);
	out_str("key", key);
	out_str("result", portal_err_name(err));
	if (err < 0)
		out_str("detail", why);
	out_item_end();
}

static int csv_upload(struct portal *p, const struct portal_actor *op, const char *org,
                      const char *path, bool claims)
{
	static char buf[PORTAL_CSV_MAX + 1];
	size_t len = 0;
	int failed;
	int err = portal_file_read(path, (uint8_t *)buf, sizeof(buf), &len);

	if (err < 0) {
		out_error(err == -EMSGSIZE ? "TOO_LARGE" : "BAD_REQUEST", "cannot read %s: %s",
		          path, strerror(-err));
		return CLI_EXIT_REFUSED;
	}
	out_array_begin("rows");
	failed = claims ? portal_act_claim_csv(p, op, org, buf, len, utc_now_s(), print_row, NULL)
	                : portal_act_users_csv(p, op, org, buf, len, print_row, NULL);
	out_array_end();
	mbedtls_platform_zeroize(buf, len);
	if (failed < 0)
		return portal_cli_refused(p, failed);
	out_int("failed", failed);
	if (failed)
		out_error("PARTIAL", "%d row(s) refused", failed);
	return failed ? CLI_EXIT_REFUSED : CLI_EXIT_OK;
}

static int cmd_user_more(struct portal *p, const struct cli_args *a, const char *sub)
{
	struct portal_actor op;
	const char *org = cli_arg(a, "org", NULL), *user = a->npos >= 3 ? a->pos[2] : NULL;
	char secret[PORTAL_PASSWORD_MAX + 2];
	int err;

	portal_actor_operator(&op);
	if (strcmp(sub, "list") == 0 && org) {
		out_array_begin("users");
		err = portal_act_users_each(p, &op, org, print_user, NULL);
		out_array_end();
		return err < 0 ? portal_cli_refused(p, err) : CLI_EXIT_OK;
	}
	if (strcmp(sub, "csv") == 0 && org && cli_arg(a, "csv", NULL))
		return csv_upload(p, &op, org, cli_arg(a, "csv", NULL), false);
	if (!user)
		return CLI_EXIT_USAGE;
	if (strcmp(sub, "passwd") == 0 && cli_arg(a, "password-file", NULL)) {
		err = secret_read(cli_arg(a, "password-file", NULL), secret, sizeof(secret));
		if (err == 0)
			err = portal_password_set(p, user, secret);
		mbedtls_platform_zeroize(secret, sizeof(secret));
		portal_audit(p, &op, "user.passwd", user, err);
	} else if (strcmp(sub, "role") == 0 && cli_arg(a, "role", NULL)) {
		err =
		    portal_act_user_role(p, &op, user, names_role_parse(cli_arg(a, "role", NULL)));
	} else if (strcmp(sub, "remove") == 0) {
		err = portal_act_user_remove(p, &op, user);
	} else if (strcmp(sub, "admin") == 0) {
		err = portal_admin_set(p, user, !cli_flag(a, "off"));
		portal_audit(p, &op, "user.portal_admin", user, err);
	} else {
		return CLI_EXIT_USAGE;
	}
	if (err < 0)
		return portal_cli_refused(p, err);
	out_progress("user %s: %s done", user, sub);
	out_str("user", user);
	return CLI_EXIT_OK;
}

static int print_audit(const struct portal_audit_rec *r, void *ud)
{
	(void)ud;
	out_item_begin();
	out_int("id", r->id);
	out_int("at", r->at);
	out_str("actor", r->actor);
	out_str("org", r->org);
	out_str("action", r->action);
	out_str("target", r->target);
	out_str("result", r->result);
	if (r->detail[0])
		out_str("detail", r->detail);
	out_item_end();
	return 0;
}

/* portal idp set --org O --issuer I --audience A --key PEMFILE */
static int cmd_idp(struct portal *p, const struct cli_args *a)
{
	const char *org = cli_arg(a, "org", NULL), *iss = cli_arg(a, "issuer", NULL);
	const char *aud = cli_arg(a, "audience", NULL), *key = cli_arg(a, "key", NULL);
	struct portal_actor op;
	char pem[PORTAL_IDP_PEM_MAX];
	size_t len = 0;
	int err;

	if (a->npos != 2 || strcmp(a->pos[1], "set") != 0 || !org || !iss || !aud || !key) {
		fprintf(stderr,
		        "usage: portal idp set --org O --issuer I --audience A --key PEM\n");
		return CLI_EXIT_USAGE;
	}
	err = portal_file_read(key, (uint8_t *)pem, sizeof(pem) - 1, &len);
	if (err < 0) {
		out_error("BAD_REQUEST", "cannot read %s: %s", key, strerror(-err));
		return CLI_EXIT_REFUSED;
	}
	pem[len] = '\0';
	portal_actor_operator(&op);
	err = portal_act_idp_set(p, &op, org, iss, aud, pem);
	if (err < 0)
		return portal_cli_refused(p, err);
	out_progress("%s: identity provider %s registered (audience %s)", org, iss, aud);
	out_str("org", org);
	out_str("issuer", iss);
	return CLI_EXIT_OK;
}

bool cli_portal_service(struct portal *p, const struct cli_args *a, int *ret_rc)
{
	const char *cmd = a->pos[0], *sub = a->npos >= 2 ? a->pos[1] : "";
	struct portal_actor op;

	portal_actor_operator(&op);
	if (strcmp(cmd, "serve") == 0)
		*ret_rc = cmd_serve(p, a);
	else if (strcmp(cmd, "https") == 0)
		*ret_rc = cmd_https(p, a);
	else if (strcmp(cmd, "user") == 0 && strcmp(sub, "add") != 0) {
		*ret_rc = cmd_user_more(p, a, sub);
		if (*ret_rc == CLI_EXIT_USAGE)
			fprintf(stderr,
			        "usage: portal user list --org O | csv --org O --csv FILE | "
			        "passwd U --password-file F | role U --role R | remove U | "
			        "admin U [--off]\n");
	} else if (strcmp(cmd, "claim") == 0 && cli_arg(a, "csv", NULL) && cli_arg(a, "org", NULL))
		*ret_rc =
		    csv_upload(p, &op, cli_arg(a, "org", NULL), cli_arg(a, "csv", NULL), true);
	else if (strcmp(cmd, "idp") == 0)
		*ret_rc = cmd_idp(p, a);
	else if (strcmp(cmd, "audit") == 0) {
		out_array_begin("records");
		*ret_rc = portal_audit_each(p, cli_arg(a, "org", NULL), 1000, print_audit, NULL) < 0
		              ? CLI_EXIT_REFUSED
		              : CLI_EXIT_OK;
		out_array_end();
	} else
		return false;
	return true;
}
