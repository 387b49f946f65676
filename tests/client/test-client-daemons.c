// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libsvcport-client against the real svcportd and svcport-bmcd (a virtual server started
 * with host-sim's server_up, synchronised on the daemons' ready fds), over ble-sim: (ATT
 * PDUs on a SOCK_SEQPACKET socket) and unix: (the USB-CDC stream). The test is the app: a
 * small fd adapter (poll, read, write, the monotonic clock) drives the library, and
 * host-sim's portal library signs the commands in-process and checks the receipts.
 *
 *  - claim and activation, each exactly two exchanges after the set-up;
 *  - a returning phone: the cache the first visit stored skips discovery (4 ATT
 *    exchanges instead of 8 at ATT_MTU 517), and the device's state is read back;
 *  - the device's refusals reach the app as its ErrorCode (a forged signature, the
 *    activation code over BLE without presence); over USB the code is shown once;
 *  - the example program of docs/client.md, run as a person would.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "out.h"
#include "portal.h"
#include "server.h"
#include "svcport-client.h"
#include "test-world.h"

#define MT      "7D1A"
#define SN      "J900LIBC"
#define WAIT_MS 20000 /* a safety net: every wait ends on an answer first */

struct world {
	char tmp[64], portal[96], srv[96], fac[96];
	char code[PORTAL_CODE_MAX];
	bool up;
};

/* The app: one client on one socket, and what the callbacks told it. */
struct app {
	int fd;
	bool is_att;
	struct svcport_client *c;
	struct portal *portal;
	const char *user;
	bool forge_signature;
	int n_done;
	struct svcport_client_result res;
	struct svcport_client_link_info link;
	struct svcport_client_device_info info;
	uint8_t receipt[512];
	int receipt_verified; /* portal_receipt's result, 1 before any */
	char secret[64];
	int n_cache;
	struct svcport_client_gatt_cache cache;
};

/* ---------------------------------------------------------------- the fd adapter */

static int64_t now_ms(void *user_data)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int att_send(const uint8_t *pdu, size_t len, void *user_data)
{
	struct app *a = user_data;

	/* One PDU per SOCK_SEQPACKET packet, as on an L2CAP socket. */
	return write(a->fd, pdu, len) == (ssize_t)len ? 0 : -EIO;
}

static int cdc_write(const uint8_t *bytes, size_t len, void *user_data)
{
	return write_all(((struct app *)user_data)->fd, bytes, len);
}

/* Reads, feeds and ticks until done was called `until` times. */
static void run_until(struct app *a, int until)
{
	int64_t give_up = now_ms(NULL) + WAIT_MS;
	uint8_t buf[1024];

	while (a->n_done < until) {
		int64_t now = now_ms(NULL), at = svcport_client_next_wakeup(a->c);
		int64_t wait = at < 0 ? give_up - now : (at < give_up ? at : give_up) - now;
		struct pollfd p = {.fd = a->fd, .events = POLLIN};
		int r;

		assert_true(now < give_up);
		r = poll(&p, 1, wait < 0 ? 0 : (int)wait);
		assert_true(r >= 0 || errno == EINTR);
		if (r > 0) {
			ssize_t n = read(a->fd, buf, sizeof(buf));

			assert_true(n >= 0);
			if (n == 0) {
				svcport_client_link_lost(a->c);
				continue;
			}
			r = svcport_client_input(a->c, buf, (size_t)n);
			assert_true(r == 0 || r == -ENOTCONN);
		}
		at = svcport_client_next_wakeup(a->c);
		if (at >= 0 && at <= now_ms(NULL))
			svcport_client_tick(a->c);
	}
}

/* ---------------------------------------------------------------- the app's callbacks */

static void sign(struct svcport_client *c, const struct svcport_client_sign_request *req,
                 void *user_data)
{
	struct app *a = user_data;
	static uint8_t cmd[svcport_v1_SignedCommand_size];
	struct portal_sign_req sr = {
	    .user = a->user,
	    .action = (svcport_v1_Action)req->flow,
	    .challenge = req->challenge,
	    .challenge_len = req->challenge_len,
	    .device_pubkey = req->device_public_key,
	    .device_pubkey_len = req->device_public_key_len,
	    .now = time(NULL),
	    .force_chain = req->want_chain,
	    .forge_signature = a->forge_signature,
	};
	struct portal_signed info;
	size_t len = 0;

	/* The portal checks the challenge's device signature before it signs. */
	if (portal_sign(a->portal, &sr, cmd, sizeof(cmd), &len, &info) < 0) {
		assert_int_equal(svcport_client_sign_failed(c, -EACCES), 0);
		return;
	}
	assert_string_equal(info.device.serial_number, SN);
	assert_int_equal(svcport_client_sign_done(c, cmd, len), 0);
}

static void secret(struct svcport_client *c, enum svcport_client_secret kind, const char *text,
                   void *user_data)
{
	snprintf(((struct app *)user_data)->secret, 64, "%s", text);
}

static void cache_update(struct svcport_client *c, const struct svcport_client_gatt_cache *cache,
                         void *user_data)
{
	struct app *a = user_data;

	a->n_cache++;
	if (cache)
		a->cache = *cache;
}

static void done(struct svcport_client *c, const struct svcport_client_result *r, void *user_data)
{
	struct app *a = user_data;
	struct portal_receipt_info ri;

	a->n_done++;
	a->res = *r;
	if (r->link)
		a->link = *r->link;
	if (r->info)
		a->info = *r->info;
	a->receipt_verified = 1;
	if (r->receipt) {
		/* What the app does with it: the portal checks the device's signature. */
		memcpy(a->receipt, r->receipt, r->receipt_len);
		a->receipt_verified = portal_receipt(a->portal, r->receipt, r->receipt_len, &ri);
	}
}

/* ---------------------------------------------------------------- world and app */

static int unix_connect(const char *dir, const char *name, int type)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", dir, name);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* A client over ble-sim (ATT, optionally with a cache) or unix (CDC), its set-up done. */
static struct app *app_connect(struct world *w, bool att, const struct svcport_client_gatt_cache *c)
{
	struct app *a = calloc(1, sizeof(*a));
	struct svcport_client_config cfg;
	struct svcport_client_callbacks cb = {
	    .att_send = att ? att_send : NULL,
	    .cdc_write = att ? NULL : cdc_write,
	    .now_ms = now_ms,
	    .sign = sign,
	    .secret = secret,
	    .cache_update = cache_update,
	    .done = done,
	};

	assert_non_null(a);
	a->is_att = att;
	a->fd = att ? unix_connect(w->srv, "ble.sock", SOCK_SEQPACKET)
	            : unix_connect(w->srv, "usb.sock", SOCK_STREAM);
	assert_int_equal(portal_open(w->portal, false, &a->portal), 0);
	svcport_client_config_init(&cfg, att ? SVCPORT_CLIENT_LINK_ATT : SVCPORT_CLIENT_LINK_CDC);
	cfg.cache = c;
	cb.user_data = a;
	assert_int_equal(svcport_client_new(&cfg, &cb, &a->c), 0);
	assert_int_equal(svcport_client_connect(a->c), 0);
	run_until(a, 1);
	assert_int_equal(a->res.flow, SVCPORT_CLIENT_FLOW_CONNECT);
	assert_int_equal(a->res.status, 0);
	return a;
}

/* The same, and the INFO read (or GetLinkInfo) named the device. */
static struct app *app_open(struct world *w, bool att, const struct svcport_client_gatt_cache *c)
{
	struct app *a = app_connect(w, att, c);

	assert_string_equal(a->link.device.machine_type, MT);
	assert_string_equal(a->link.device.serial_number, SN);
	return a;
}

static void app_close(struct app *a)
{
	svcport_client_free(a->c);
	portal_close(a->portal);
	close(a->fd);
	free(a);
}

/*
 * svcportd answers INFO from the DeviceInfo it asks bmcd for once connected, after it
 * said ready: a phone that comes at once meets a gateway that does not know the device
 * yet (the library takes that: the challenge names the device). The test waits for the
 * gateway to know it, on an event: a GetDeviceInfo relayed to bmcd is answered after the
 * gateway's own (one socket, in order), and BMC_UNAVAILABLE means it was not connected.
 */
static void gateway_knows_device(struct world *w)
{
	struct app *a = app_connect(w, false, NULL);

	for (int tries = 0; tries < 100; tries++) {
		assert_int_equal(svcport_client_start(a->c, SVCPORT_CLIENT_FLOW_INFO), 0);
		run_until(a, a->n_done + 1);
		if (a->res.status == 0)
			break;
		assert_int_equal(a->res.error, SVCPORT_CLIENT_BMC_UNAVAILABLE);
	}
	assert_int_equal(a->res.status, 0);
	assert_string_equal(a->info.device.serial_number, SN);
	app_close(a);
}

/* Runs flow as user; returns the request/response exchanges it took. */
static uint64_t app_run(struct app *a, enum svcport_client_flow flow, const char *user)
{
	struct svcport_client_stats before, after;

	svcport_client_get_stats(a->c, &before);
	a->user = user;
	assert_int_equal(svcport_client_start(a->c, flow), 0);
	run_until(a, a->n_done + 1);
	assert_int_equal(a->res.flow, flow);
	svcport_client_get_stats(a->c, &after);
	assert_int_equal(after.repeats, before.repeats);
	return after.exchanges - before.exchanges;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

/* A portal (acme: alice org-admin, eddie edge-user) and a portal-managed server, claimed
 * on the portal, running with a ble-sim and a unix link. */
static int world_up(void **state)
{
	struct world *w = calloc(1, sizeof(*w));
	struct server_up_opts o = {0};
	struct portal_manufactured m;
	struct server_bins bins;
	struct portal *p = NULL;
	time_t now = time(NULL);

	assert_non_null(w);
	test_world_tmp(w->tmp, sizeof(w->tmp), "libc");
	snprintf(w->portal, sizeof(w->portal), "%s/portal", w->tmp);
	snprintf(w->srv, sizeof(w->srv), "%s/server", w->tmp);
	snprintf(w->fac, sizeof(w->fac), "%s/factory", w->tmp);
	*state = w;
	p = test_world_portal(w->portal, MT, SN, w->fac, now, &m);
	memcpy(w->code, m.code, sizeof(w->code));
	assert_int_equal(portal_claim(p, "acme", MT, SN, m.code, now), 0);
	portal_close(p);
	assert_int_equal(server_bins_find(NULL, &bins), 0);
	o.dir = w->srv;
	o.factory = w->fac;
	o.die_with_parent = true;
	out_init(false);
	out_set_quiet(true);
	assert_int_equal(server_up(&bins, &o, NULL), 0);
	w->up = true;
	gateway_knows_device(w);
	return 0;
}

static int world_down(void **state)
{
	struct world *w = *state;

	if (w->up && server_down(w->srv) < 0)
		fprintf(stderr, "test-client-daemons: a daemon did not stop in %s\n", w->srv);
	nftw(w->tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(w);
	return 0;
}

/* ---------------------------------------------------------------- the tests */

static void claimed_and_activated(struct app *a)
{
	assert_int_equal(a->link.lockdown, SVCPORT_CLIENT_LOCKDOWN_LOCKED);
	assert_int_equal(app_run(a, SVCPORT_CLIENT_FLOW_CLAIM, "alice"), 2);
	assert_int_equal(a->res.status, 0);
	assert_int_equal(a->receipt_verified, 0);
	assert_string_equal(a->res.new_owner, "acme");
	assert_int_equal(app_run(a, SVCPORT_CLIENT_FLOW_ACTIVATE, "eddie"), 2);
	assert_int_equal(a->res.status, 0);
	assert_int_equal(a->receipt_verified, 0);
	assert_int_equal(a->res.new_lockdown, SVCPORT_CLIENT_LOCKDOWN_ACTIVE);
}

/* Over BLE: claim and activation in two exchanges each; then a returning phone. */
static void over_ble_sim(void **state)
{
	struct world *w = *state;
	struct svcport_client_stats st;
	struct svcport_client_gatt_cache cache;
	struct app *a = app_open(w, true, NULL);

	svcport_client_get_stats(a->c, &st);
	assert_false(a->link.used_cache);
	assert_int_equal(a->link.att_mtu, 517);
	assert_int_equal(st.att_transactions, 8); /* MTU, hash, discovery (4), CCCD, INFO */
	assert_int_equal(a->n_cache, 1);
	cache = a->cache;
	claimed_and_activated(a);
	/* bmcd wants presence for the code, BLE is none: its refusal, as it is. */
	assert_int_equal(app_run(a, SVCPORT_CLIENT_FLOW_ACTIVATION_CODE, NULL), 1);
	assert_int_equal(a->res.status, -EREMOTEIO);
	assert_int_equal(a->res.error, SVCPORT_CLIENT_PRESENCE_REQUIRED);
	assert_string_equal(a->secret, "");
	app_close(a);

	a = app_open(w, true, &cache);
	svcport_client_get_stats(a->c, &st);
	assert_true(a->link.used_cache);
	assert_int_equal(st.att_transactions, 4); /* MTU, hash, CCCD, INFO: no discovery */
	assert_int_equal(a->n_cache, 0);
	assert_int_equal(a->link.lockdown, SVCPORT_CLIENT_LOCKDOWN_ACTIVE);
	assert_int_equal(app_run(a, SVCPORT_CLIENT_FLOW_INFO, NULL), 1);
	assert_int_equal(a->res.status, 0);
	assert_string_equal(a->info.owner_org, "acme");
	assert_int_equal(a->info.control, SVCPORT_CLIENT_CONTROL_PORTAL);
	assert_int_equal(a->info.led, SVCPORT_CLIENT_LED_ON);
	/* A forged signature: the device's refusal, the state unchanged. */
	a->forge_signature = true;
	assert_int_equal(app_run(a, SVCPORT_CLIENT_FLOW_ACTIVATE, "eddie"), 2);
	assert_int_equal(a->res.status, -EREMOTEIO);
	assert_int_equal(a->res.error, SVCPORT_CLIENT_BAD_SIGNATURE);
	assert_null(a->res.receipt);
	app_close(a);
}

/* Over the USB service port: the same in two exchanges each, and the activation code. */
static void over_unix(void **state)
{
	struct world *w = *state;
	struct app *a = app_open(w, false, NULL);
	struct svcport_client_stats st;

	svcport_client_get_stats(a->c, &st);
	assert_int_equal(st.exchanges, 1); /* GetLinkInfo: the set-up over a byte stream */
	claimed_and_activated(a);
	assert_int_equal(app_run(a, SVCPORT_CLIENT_FLOW_ACTIVATION_CODE, NULL), 1);
	assert_int_equal(a->res.status, 0);
	assert_string_equal(a->secret, w->code);
	app_close(a);
}

/* Runs the example of docs/client.md with args (its portal: svcport-sim's `portal sign`
 * as user for action); its output in out (cap bytes). The exit code. */
static int example(struct world *w, const char *link, const char *flow, const char *user, char *out,
                   size_t cap)
{
	const char *ex = getenv("SVCPORT_CLIENT_EXAMPLE"), *sim = getenv("SVCPORT_SIM");
	char log[128];
	int status = 0;
	pid_t pid;
	FILE *f;

	assert_non_null(ex);
	assert_non_null(sim);
	snprintf(log, sizeof(log), "%s/example.out", w->tmp);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		execl(ex, ex, link, flow, sim, "--quiet", "portal", "--portal", w->portal, "sign",
		      "--user", user, "--action", flow, "--challenge", "{challenge}", "--out",
		      "{command}", (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	f = fopen(log, "r");
	assert_non_null(f);
	out[fread(out, 1, cap - 1, f)] = 0;
	fclose(f);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* The example of docs/client.md, as a person runs it against this server: a claim over
 * USB, the activation over BLE, a portal that refuses, the state read back. */
static void doc_example(void **state)
{
	struct world *w = *state;
	char usb[128], ble[128], out[2048];

	snprintf(usb, sizeof(usb), "unix:%s/usb.sock", w->srv);
	snprintf(ble, sizeof(ble), "ble-sim:%s/ble.sock", w->srv);
	assert_int_equal(example(w, usb, "claim", "alice", out, sizeof(out)), 0);
	assert_non_null(strstr(out, "connected to " MT "-" SN ", locked"));
	assert_non_null(strstr(out, "the portal signs claim for " MT "-" SN));
	assert_non_null(strstr(out, "claim: done, now locked, owner acme"));
	assert_int_equal(example(w, ble, "activate", "nobody", out, sizeof(out)), 1);
	assert_non_null(strstr(out, "activate: failed"));
	assert_int_equal(example(w, ble, "activate", "eddie", out, sizeof(out)), 0);
	assert_non_null(strstr(out, "activate: done, now active, owner acme"));
	assert_int_equal(example(w, ble, "info", "eddie", out, sizeof(out)), 0);
	assert_non_null(strstr(out, "owner acme, active"));
	assert_int_equal(example(w, usb, "activation-code", "eddie", out, sizeof(out)), 0);
	assert_non_null(strstr(out, w->code));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(over_ble_sim, world_up, world_down),
	    cmocka_unit_test_setup_teardown(over_unix, world_up, world_down),
	    cmocka_unit_test_setup_teardown(doc_example, world_up, world_down),
	};

	return cmocka_run_group_tests_name("client-daemons", tests, NULL, NULL);
}
