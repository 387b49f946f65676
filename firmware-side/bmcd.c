// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * svcport-bmcd: the BMC daemon. Serves the gateway (BmcRequest/BmcReply), the
 * local administrator (admin.proto) and the host firmware (host.proto,
 * bmcd-host.c) on three unix SOCK_SEQPACKET sockets, one packet per message,
 * on one event loop. All decisions are in the core
 * (bmc.h); this file is sockets, peer checks and logs.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/platform_util.h>
#include <pb_decode.h>
#include <pb_encode.h>

#include "bmc.h"
#include "bmcd-host.h"
#include "bmcd-link.h"
#include "bmcd-options.h"
#include "bmcd-sock.h"
#include "console.h"
#include "factory.h"
#include "linkcreds.h"
#include "log.h"
#include "loop.h"
#include "names.h"
#include "notify.h"
#include "presence.h"
#include "privdrop.h"
#include "se.h"
#include "utc.h"
#include "version.h"

#define MAX_GATEWAYS 4
#define MAX_ADMINS   2

struct conn {
	int fd;
	struct loop_io *io;
	struct daemon *d;
	bool admin;
};

struct daemon {
	struct loop *loop;
	struct bmc *bmc;
	uid_t gateway_uid;
	int gw_listen, admin_listen;
	struct loop_io *gw_io, *admin_io;
	struct loop_signal *sig_term, *sig_int;
	struct loop_timer *tick;
	struct hwin *hw;      /* the presence source, read by the core */
	struct hwwatch watch; /* the cover and the handset: events (issue 13) */
	struct bmcd_host *host;
	struct bmcd_link *link; /* --link-dir: the link credentials' export */
	struct conn gw[MAX_GATEWAYS];
	struct conn adm[MAX_ADMINS];
};

static uint64_t real_now_ms(void *user_data)
{
	uint64_t ms = 0;

	/* 64-bit on every ABI (docs/arm.md). A clock that cannot be read is
	 * 1970, when no certificate is valid: commands fail closed. */
	if (utc_now_ms(&ms) < 0)
		return 0;
	return ms;
}

static int drbg_rng(void *user_data, unsigned char *buf, size_t len)
{
	return mbedtls_ctr_drbg_random(user_data, buf, len);
}

static void conn_close(struct conn *c)
{
	loop_io_free(c->io);
	c->io = NULL;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

static void broadcast_events(struct daemon *d)
{
	uint8_t buf[svcport_v1_BmcReply_size];
	svcport_v1_BmcReply ev;
	pb_ostream_t os;

	if (!bmc_take_state_event(d->bmc, &ev))
		return;
	os = pb_ostream_from_buffer(buf, sizeof(buf));
	if (!pb_encode(&os, svcport_v1_BmcReply_fields, &ev))
		return;
	log_msg(LOG_INFO, "state changed: lockdown=%d led=%d mode=%d",
	        ev.msg.event.body.state_changed.lockdown_state,
	        ev.msg.event.body.state_changed.security_led,
	        ev.msg.event.body.state_changed.control_mode);
	for (int i = 0; i < MAX_GATEWAYS; i++) {
		struct conn *c = &d->gw[i];

		if (c->fd >= 0 &&
		    send(c->fd, buf, os.bytes_written, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
			log_msg(LOG_WARNING, "gateway %d: event not delivered (%s), dropping it", i,
			        strerror(errno));
			conn_close(c);
		}
	}
}

static void on_gateway(int fd, unsigned events, void *user_data)
{
	static uint8_t in[svcport_v1_BmcRequest_size + 1], out[svcport_v1_BmcReply_size];
	static svcport_v1_BmcRequest peek;
	struct conn *c = user_data;
	struct bmc_outcome o;
	pb_istream_t is;
	size_t out_len;
	ssize_t n;

	/* MSG_TRUNC: the real packet length, so an oversized one is seen as such. */
	n = recv(fd, in, sizeof(in), MSG_TRUNC | MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		log_msg(LOG_INFO, "gateway disconnected");
		conn_close(c);
		return;
	}
	hwwatch_poll(&c->d->watch, c->d->hw, c->d->bmc, log_msg);
	if (bmc_handle_packet(c->d->bmc, in, (size_t)n, out, sizeof(out), &out_len, &o) < 0) {
		log_msg(LOG_ERR, "reply does not encode (bug)");
		conn_close(c);
		return;
	}
	/* Before the reply: a change to the link certificate is exported when it is told. */
	bmcd_link_sync(c->d->link);
	memset(&peek, 0, sizeof(peek));
	is = pb_istream_from_buffer(in, (size_t)n > svcport_v1_BmcRequest_size ? 0 : (size_t)n);
	if (!pb_decode(&is, svcport_v1_BmcRequest_fields, &peek))
		memset(&peek, 0, sizeof(peek));
	log_msg(o.result ? LOG_NOTICE : LOG_INFO, "session=%u request=%u link=%s %s%s%s -> %s%s%s",
	        peek.session_id, peek.request_id, names_link(peek.link), o.request,
	        o.action ? " action=" : "", o.action ? bmc_action_name(o.action) : "",
	        bmc_error_name(o.result), o.detail ? ": " : "", o.detail ? o.detail : "");
	if (send(fd, out, out_len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
		log_msg(LOG_WARNING, "session=%u reply not delivered (%s), dropping the gateway",
		        peek.session_id, strerror(errno));
		conn_close(c);
	}
	/* Activation codes travel in both directions: keep no copy. */
	mbedtls_platform_zeroize(in, sizeof(in));
	mbedtls_platform_zeroize(out, sizeof(out));
	mbedtls_platform_zeroize(&peek, sizeof(peek));
	broadcast_events(c->d);
}

static void on_admin(int fd, unsigned events, void *user_data)
{
	static uint8_t in[svcport_admin_v1_AdminRequest_size + 1];
	static uint8_t out[svcport_admin_v1_AdminReply_size];
	static svcport_admin_v1_AdminRequest req;
	static svcport_admin_v1_AdminReply rep;
	struct conn *c = user_data;
	struct bmc_outcome o;
	pb_istream_t is;
	pb_ostream_t os = pb_ostream_from_buffer(out, sizeof(out));
	ssize_t n;

	n = recv(fd, in, sizeof(in), MSG_TRUNC | MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		conn_close(c);
		return;
	}
	memset(&req, 0, sizeof(req));
	is = pb_istream_from_buffer(in, (size_t)n);
	if ((size_t)n > svcport_admin_v1_AdminRequest_size ||
	    !pb_decode(&is, svcport_admin_v1_AdminRequest_fields, &req)) {
		rep = (svcport_admin_v1_AdminReply)svcport_admin_v1_AdminReply_init_zero;
		rep.version = BMC_ADMIN_PROTOCOL_VERSION;
		rep.error = svcport_admin_v1_AdminError_ADMIN_BAD_REQUEST;
		snprintf(rep.message, sizeof(rep.message), "request does not decode");
		o = (struct bmc_outcome){.request = "admin undecodable"};
	} else {
		hwwatch_poll(&c->d->watch, c->d->hw, c->d->bmc, log_msg);
		bmc_admin_handle(c->d->bmc, &req, &rep, &o);
		bmcd_link_sync(c->d->link); /* exported before bmcctl hears of it */
	}
	mbedtls_platform_zeroize(&req, sizeof(req));
	mbedtls_platform_zeroize(in, sizeof(in));
	log_msg(rep.error ? LOG_NOTICE : LOG_INFO, "%s -> %s%s%s", o.request,
	        bmc_admin_outcome(rep.error), rep.message[0] ? ": " : "", rep.message);
	/* One request per admin connection: the console connects per command. */
	if (!pb_encode(&os, svcport_admin_v1_AdminReply_fields, &rep) ||
	    send(fd, out, os.bytes_written, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		log_msg(LOG_WARNING, "admin reply not delivered");
	conn_close(c);
	/* A reply may carry the SED AK (backup). */
	mbedtls_platform_zeroize(out, sizeof(out));
	mbedtls_platform_zeroize(&rep, sizeof(rep));
	broadcast_events(c->d);
}

static void on_accept(struct daemon *d, int lfd, struct conn *table, int max, bool admin)
{
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	uid_t uid = (uid_t)-1;

	if (fd < 0)
		return;
	if (!bmcd_is_peer_allowed(fd, admin ? getuid() : d->gateway_uid, admin, &uid)) {
		log_msg(LOG_WARNING, "%s connection from uid %d refused (SO_PEERCRED)",
		        admin ? "admin" : "gateway", (int)uid);
		close(fd);
		return;
	}
	/* A peer that hung up may not have been noticed yet: reap it first. */
	for (int i = 0; i < max; i++) {
		char b;

		if (table[i].fd >= 0 && recv(table[i].fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) == 0)
			conn_close(&table[i]);
	}
	for (int i = 0; i < max; i++) {
		if (table[i].fd >= 0)
			continue;
		table[i] = (struct conn){.fd = fd, .d = d, .admin = admin};
		if (loop_io_new(d->loop, fd, LOOP_READ, admin ? on_admin : on_gateway, &table[i],
		                &table[i].io) < 0) {
			close(fd);
			table[i].fd = -1;
			return;
		}
		if (!admin)
			log_msg(LOG_INFO, "gateway connected (uid %d)", (int)uid);
		return;
	}
	log_msg(LOG_WARNING, "%s connection refused: %d already connected",
	        admin ? "admin" : "gateway", max);
	close(fd);
}

static void on_gw_listen(int fd, unsigned events, void *user_data)
{
	struct daemon *d = user_data;

	on_accept(d, fd, d->gw, MAX_GATEWAYS, false);
}

static void on_admin_listen(int fd, unsigned events, void *user_data)
{
	struct daemon *d = user_data;

	on_accept(d, fd, d->adm, MAX_ADMINS, true);
}

static void on_tick(void *user_data)
{
	struct daemon *d = user_data;

	hwwatch_poll(&d->watch, d->hw, d->bmc, log_msg);
	bmc_tick(d->bmc);
	broadcast_events(d);
	bmcd_link_tick(d->link);
	if (loop_timer_start(d->tick, BMC_TICK_MS) < 0)
		log_msg(LOG_ERR, "tick timer: cannot re-arm");
}

static void on_signal(int signo, void *user_data)
{
	struct daemon *d = user_data;

	log_msg(LOG_INFO, "signal %d: stopping", signo);
	loop_quit(d->loop);
}

static int run_init(const struct options *o, const struct bmc_env *env)
{
	char err[256] = "";
	int r = bmc_factory_init(o->factory, o->state_dir, o->force, env, err, sizeof(err));

	if (r < 0)
		fprintf(stderr, "svcport-bmcd: --init: %s\n", err[0] ? err : strerror(-r));
	else
		fprintf(stderr, "svcport-bmcd: %s initialised from %s\n", o->state_dir, o->factory);
	return r < 0 ? 1 : 0;
}

/* Both sockets listening, watched by the loop with the signals. 0 or -1. */
static int daemon_listen(struct daemon *d, const struct options *o)
{
	if (loop_new(&d->loop) < 0)
		return -1;
	d->gw_listen = bmcd_listen(o->gw_path, 0666); /* SO_PEERCRED decides who may talk */
	d->admin_listen = bmcd_listen(o->admin_path, 0600);
	if (d->gw_listen < 0 || d->admin_listen < 0)
		return -1;
	if (loop_io_new(d->loop, d->gw_listen, LOOP_READ, on_gw_listen, d, &d->gw_io) < 0 ||
	    loop_io_new(d->loop, d->admin_listen, LOOP_READ, on_admin_listen, d, &d->admin_io) <
	        0 ||
	    loop_signal_new(d->loop, SIGTERM, on_signal, d, &d->sig_term) < 0 ||
	    loop_signal_new(d->loop, SIGINT, on_signal, d, &d->sig_int) < 0 ||
	    loop_timer_new(d->loop, on_tick, d, &d->tick) < 0 ||
	    loop_timer_start(d->tick, BMC_TICK_MS) < 0 ||
	    bmcd_host_open(d->loop, d->bmc, o->host_path, o->host_uid, &d->host) < 0)
		return -1;
	return 0;
}

static void daemon_close(struct daemon *d)
{
	for (int i = 0; i < MAX_GATEWAYS; i++)
		if (d->gw[i].fd >= 0)
			conn_close(&d->gw[i]);
	for (int i = 0; i < MAX_ADMINS; i++)
		if (d->adm[i].fd >= 0)
			conn_close(&d->adm[i]);
	bmcd_host_close(d->host);
	bmcd_link_close(d->link);
	loop_io_free(d->gw_io);
	loop_io_free(d->admin_io);
	loop_signal_free(d->sig_term);
	loop_signal_free(d->sig_int);
	loop_timer_free(d->tick);
	loop_free(d->loop);
	if (d->gw_listen >= 0)
		close(d->gw_listen);
	if (d->admin_listen >= 0)
		close(d->admin_listen);
	bmc_close(d->bmc);
	hwin_close(d->hw);
}

/* systemd (Type=notify): ready once the sockets listen. Never fatal. */
static void notify_serving(const struct options *o)
{
	char status[160];
	int r;

	snprintf(status, sizeof(status), "serving gateway %s, admin %s", o->gw_path, o->admin_path);
	r = notify_ready(status);
	if (r < 0)
		log_msg(LOG_WARNING, "$NOTIFY_SOCKET: %s (readiness not reported)", strerror(-r));
}

/* The link credentials (docs/certs.md): keys out of the SE if an older state kept them
 * there, then the first export, before "ready". Failures are logged, never fatal: the
 * phone's links do not need them; the export is retried at every tick. */
static void start_link(struct daemon *d, const struct options *o)
{
	int r = bmc_link_keys_ensure(d->bmc);

	if (r < 0)
		log_msg(LOG_ERR, "link certificate: cannot draw its keys: %s", strerror(-r));
	r = bmcd_link_open(d->loop, d->bmc, o->link_dir, o->mgmt_addresses, &d->link);
	if (r < 0)
		log_msg(LOG_ERR, "--link-dir, --mgmt-addresses: %s", strerror(-r));
}

/* Opens the state, listens and serves until SIGTERM/SIGINT. The exit code. */
static int serve(const struct options *o, const struct bmc_env *env)
{
	struct daemon d = {.gateway_uid = o->gateway_uid, .gw_listen = -1, .admin_listen = -1};
	struct bmc_options bo = {
	    .sed_component =
	        o->sed_component ? o->sed_component : presence_sed_component(&o->presence),
	    /* The simulator's chip goes with the simulator's component only. */
	    .sed_component_key = o->sed_component_key ? o->sed_component_key
	                         : o->sed_component   ? NULL
	                                              : presence_sed_component_key(&o->presence),
	    .sed_component_sync_later = true};
	svcport_v1_BmcReply ev;
	char hw_desc[PATH_MAX + 128];
	int ret;

	log_setup("svcport-bmcd", o->log_kind && strcmp(o->log_kind, "syslog") == 0, false);
	for (int i = 0; i < MAX_GATEWAYS; i++)
		d.gw[i].fd = -1;
	for (int i = 0; i < MAX_ADMINS; i++)
		d.adm[i].fd = -1;
	signal(SIGPIPE, SIG_IGN);
	if (bmcd_component_paths_check(bo.sed_component, bo.sed_component_key) < 0)
		return 1;
	ret = presence_open(&o->presence, &d.hw, &bo.presence, hw_desc, sizeof(hw_desc));
	if (ret < 0) {
		fprintf(stderr, "svcport-bmcd: %s: %s\n", hw_desc, strerror(-ret));
		return 1;
	}
	ret = bmc_open(o->state_dir, env, &bo, &d.bmc);
	if (ret < 0) {
		hwin_close(d.hw);
		fprintf(stderr, "svcport-bmcd: %s: %s\n", o->state_dir,
		        ret == -ENOENT ? "not initialised (svcport-bmcd --init)"
		        : ret == -EBADMSG
		            ? "state refused (integrity check): the board stays locked"
		        : ret == -ESTALE ? "state refused (rolled back): the board stays locked"
		        : ret == -EINVAL ? "state is corrupt"
		                         : strerror(-ret));
		if (se_error()[0])
			fprintf(stderr, "svcport-bmcd: secure element: %s\n", se_error());
		return 1;
	}
	ret = 1;
	/* The console's socket is root's 0600 already; the gateway's is shared (issue 12). */
	if (daemon_listen(&d, o) < 0 ||
	    privdrop_socket_share(o->gw_path, o->user, o->gateway_uid) < 0 ||
	    privdrop(&(struct privdrop_opts){.user = o->user}) < 0)
		goto out;
	start_link(&d, o);
	/* As bmcd's user: the component's files are its own (L1 of issue 13's attack pass). */
	bmc_sed_component_sync(d.bmc);
	/* The first StateChanged baseline: no event for the initial state. */
	(void)bmc_take_state_event(d.bmc, &ev);
	log_msg(LOG_INFO, "listening: gateway %s (uid %d), admin %s, host %s (uid %d)", o->gw_path,
	        (int)d.gateway_uid, o->admin_path, o->host_path, (int)o->host_uid);
	log_msg(LOG_INFO, "%s", hw_desc);
	if (o->ready_fd >= 0) {
		if (write(o->ready_fd, "ready\n", 6) != 6)
			log_msg(LOG_WARNING, "--ready-fd %d: %s", o->ready_fd, strerror(errno));
		close(o->ready_fd);
	}
	notify_serving(o);
	ret = loop_run(d.loop) < 0 ? 1 : 0;
	bmc_flush(d.bmc);
	(void)notify_stopping();
	unlink(o->gw_path);
	unlink(o->admin_path);
	unlink(o->host_path);
out:
	daemon_close(&d);
	return ret;
}

int main(int argc, char **argv)
{
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
	struct options o;
	struct bmc_env env;
	int ret = bmcd_options_parse(argc, argv, &o);

	if (ret)
		return ret < 0 ? 0 : ret;
	mbedtls_entropy_init(&entropy);
	mbedtls_ctr_drbg_init(&drbg);
	if (mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy,
	                          (const unsigned char *)"svcport-bmcd", 12) != 0) {
		fprintf(stderr, "svcport-bmcd: cannot seed the random generator\n");
		ret = 1;
	} else {
		env = (struct bmc_env){.now_ms = real_now_ms,
		                       .rng = drbg_rng,
		                       .user_data = &drbg,
		                       .se = o.has_se ? &o.se : NULL};
		ret = o.init ? run_init(&o, &env) : serve(&o, &env);
	}
	mbedtls_ctr_drbg_free(&drbg);
	mbedtls_entropy_free(&entropy);
	return ret;
}
