/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A real `svcport-sim portal serve` for tests: a portal with orgs acme and
 * beta, users alice (org-admin), eddie (edge-user), mona (maintenance), bob
 * (base) of acme and zed (org-admin) of beta, each with the password
 * "USER-password-1", one manufactured device 7D1X-S0001 (its code in `code`),
 * the service on a free loopback port, and curl trusting only the certificate
 * the operator downloaded (`ca`).
 */
#ifndef SVCPORT_TEST_SERVE_FIXTURE_H
#define SVCPORT_TEST_SERVE_FIXTURE_H

#include <jansson.h>

extern char dir[], portal_dir[], ca[], url[], code[];
extern const char *sim;
extern int port;

int serve_setup(void **state);
int serve_teardown(void **state);

const char *path_in(const char *name);
void file_put(const char *name, const char *text, size_t len);
/* svcport-sim portal --portal DIR --json ARGS... (NULL-terminated); its JSON result. */
json_t *portal_cli(int want_rc, ...);
/* One HTTPS request by curl; the status, the body parsed into *ret (may be NULL). */
int api(const char *method, const char *path, const char *token, const char *ctype,
        const char *body, json_t **ret);
const char *jstr(json_t *j, const char *key);
/* Logs user in; the token (static storage per slot 0..3). */
const char *login(const char *user, int slot);
/* One request that must answer want_status (and want_error, if not NULL). */
void expect(int want_status, const char *want_error, const char *method, const char *path,
            const char *token, const char *ctype, const char *body);
/* The first column of the first row of sql on portal.db (an UPDATE ... RETURNING 1 too). */
int count_rows(const char *sql);
/* The first line of the file at path, without its end of line. */
void first_line(const char *path, char *buf, size_t cap);

/*
 * A virtual server (svcport-bmcd and svcportd) and its local administrator's
 * console (svcport-bmcctl, SVCPORT_BMCCTL), for the manual-activation tests.
 * console_socket is the admin socket bmcctl() talks to; console_out holds the
 * output of the last bmcctl() (tests may spawn other commands into it too).
 */
extern char console_socket[320], console_out[65536];
/*
 * svcport-sim server up --dir DIR/name --factory factory (SVCPORT_BIN_DIR's
 * daemons), its SED component from sed_from's if not NULL. The exit code.
 */
int sim_server_up(const char *name, const char *factory, const char *sed_from);
/*
 * The server DIR/srv from the factory folder DIR/factory, claimed by acme on
 * the portal, then on the BMC by alice's phone over its USB link; the local
 * administrator's password set from the label's to pw; console_socket its.
 */
void sim_server_claimed(const char *pw);
/* svcport-bmcctl --json [--password pw] ARGS... (NULL-terminated): its exit code. */
int bmcctl(const char *pw, ...);
/* The value of "key":"..." in console_out, or "". */
const char *console_field(const char *key);

#endif
