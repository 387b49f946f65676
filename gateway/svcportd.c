// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * svcportd: the service-port gateway (DESIGN §1). Opens its links and
 * capture, drops privileges, then runs one libevent loop: link bytes ->
 * sessions -> svcport-bmcd and back. Holds no key.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bmc-client.h"
#include "capture.h"
#include "config.h"
#include "link.h"
#include "log.h"
#include "loop.h"
#include "notify.h"
#include "privdrop.h"
#include "reload.h"
#include "session.h"
#include "sysfilter.h"

struct gw {
	struct gw_config cfg;
	struct loop *loop;
	struct session_table *sessions;
	struct bmc_client *bmc;
	struct capture *capture;
	struct link_ctx link_ctx;
	struct link *links[GW_LINKS_MAX];
	struct loop_timer *tick;
	struct loop_signal *sigint;
	struct loop_signal *sigterm;
	struct loop_signal *sighup;
	int argc; /* the command line, parsed again by a reload */
	char **argv;
};

static int gw_bmc_send(void *user_data, const uint8_t *req, size_t len)
{
	struct gw *gw = user_data;
	return gw->bmc ? bmc_client_send(gw->bmc, req, len) : -ENOTCONN;
}

static void gw_bmc_up(void *user_data)
{
	struct gw *gw = user_data;
	capture_note(gw->capture, "svcportd: bmcd connected");
	session_table_bmc_up(gw->sessions);
}

static void gw_bmc_down(void *user_data)
{
	struct gw *gw = user_data;
	capture_note(gw->capture, "svcportd: bmcd lost");
	session_table_bmc_down(gw->sessions);
}

static void gw_bmc_reply(void *user_data, const uint8_t *pkt, size_t len)
{
	struct gw *gw = user_data;
	session_table_bmc_reply(gw->sessions, pkt, len);
}

static const struct bmc_client_ops gw_bmc_ops = {
    .up = gw_bmc_up,
    .down = gw_bmc_down,
    .reply = gw_bmc_reply,
    .log = log_line,
};

/* Wakes at the next session deadline, and at least every min(idle, request
 * timeout) so that deadlines created meanwhile are never missed by more. */
static void gw_tick(void *user_data)
{
	struct gw *gw = user_data;
	uint32_t next = session_table_tick(gw->sessions, loop_now_ms());
	uint32_t period = gw->cfg.limits.idle_ms < gw->cfg.limits.request_timeout_ms
	                      ? gw->cfg.limits.idle_ms
	                      : gw->cfg.limits.request_timeout_ms;
	if (next > period)
		next = period;
	if (loop_timer_start(gw->tick, next ? next : 1) < 0)
		log_msg(LOG_ERR, "session 0: cannot arm the session timer");
}

static void gw_on_signal(int signo, void *user_data)
{
	struct gw *gw = user_data;
	log_msg(LOG_INFO, "session 0: %s, stopping", strsignal(signo));
	loop_quit(gw->loop);
}

/* SIGHUP: RELOADING=1, the configuration again (whole or not at all, see
 * reload.h), READY=1 with a STATUS= that says which. */
static void gw_on_reload(int signo, void *user_data)
{
	struct gw *gw = user_data;
	struct gw_config next;
	char why[256], status[320];

	(void)notify_reloading();
	if (gw_config_reload(&gw->cfg, gw->argc, gw->argv, &next, why, sizeof(why)) < 0) {
		log_msg(LOG_ERR, "session 0: reload refused, configuration kept: %s", why);
		snprintf(status, sizeof(status), "reload refused, configuration kept: %s", why);
		(void)notify_ready(status);
		return;
	}
	gw->cfg = next;
	gw->link_ctx.ble_security = next.ble_security;
	log_setup("svcportd", next.use_syslog, next.verbose);
	log_msg(LOG_INFO, "session 0: configuration reloaded");
	log_msg(LOG_DEBUG, "session 0: now verbose, ble-security %d", next.ble_security);
	(void)notify_ready("configuration reloaded");
}

static bool has_link(const struct gw_config *cfg, const char *scheme)
{
	for (unsigned i = 0; i < cfg->n_links; i++)
		if (!strncmp(cfg->links[i], scheme, strlen(scheme)))
			return true;
	return false;
}

static int gw_ready(int fd)
{
	if (fd < 0)
		return 0;
	ssize_t n = write(fd, "ready\n", 6);
	close(fd);
	return n == 6 ? 0 : -EIO;
}

/* systemd (Type=notify): best effort, never fatal. */
static void gw_notify_ready(const struct gw *gw)
{
	char status[96];

	snprintf(status, sizeof(status), "serving %u link(s)", gw->cfg.n_links);
	int r = notify_ready(status);
	if (r < 0)
		log_msg(LOG_WARNING, "$NOTIFY_SOCKET: %s (readiness not reported)", strerror(-r));
}

static void gw_free(struct gw *gw)
{
	for (unsigned i = 0; i < GW_LINKS_MAX; i++)
		link_free(gw->links[i]);
	bmc_client_free(gw->bmc);
	loop_timer_free(gw->tick);
	loop_signal_free(gw->sigint);
	loop_signal_free(gw->sigterm);
	loop_signal_free(gw->sighup);
	session_table_free(gw->sessions);
	capture_close(gw->capture);
	loop_free(gw->loop);
}

static int gw_run(struct gw *gw)
{
	int r;
	struct session_env env = {
	    .bmc_send = gw_bmc_send,
	    .log = log_line,
	    .user_data = gw,
	};
	r = loop_new(&gw->loop);
	if (r < 0)
		return r;
	r = session_table_new(&gw->cfg.limits, &env, &gw->sessions);
	if (r < 0)
		return r;
	if (gw->cfg.capture[0]) {
		r = capture_open(gw->cfg.capture, gw->cfg.capture_max, &gw->capture);
		if (r < 0) {
			log_msg(LOG_ERR, "capture %s: %s", gw->cfg.capture, strerror(-r));
			return r;
		}
	}
	gw->link_ctx = (struct link_ctx){
	    .loop = gw->loop,
	    .sessions = gw->sessions,
	    .capture = gw->capture,
	    .max_message = gw->cfg.limits.max_message,
	    .limits = &gw->cfg.limits,
	    .ble_security = gw->cfg.ble_security,
	    .ble_name = gw->cfg.ble_name,
	    .link_dir = gw->cfg.link_dir,
	    .https_allow_origin = gw->cfg.https_allow_origin,
	    .portal_trust = gw->cfg.portal_trust,
	    .portal_retry_min_ms = gw->cfg.portal_retry_min_ms,
	    .portal_retry_max_ms = gw->cfg.portal_retry_max_ms,
	};
	for (unsigned i = 0; i < gw->cfg.n_links; i++) {
		r = link_open(&gw->link_ctx, gw->cfg.links[i], &gw->links[i]);
		if (r < 0)
			return r;
	}
	r = privdrop(&(struct privdrop_opts){.user = gw->cfg.user,
	                                     .default_user = GW_DEFAULT_USER,
	                                     .keep_net_raw = has_link(&gw->cfg, "ble:")});
	if (r < 0)
		return r;
	/* Connect (and reconnect) as the unprivileged user: bmcd checks SO_PEERCRED. */
	r = bmc_client_new(gw->loop, gw->cfg.bmc_socket, &gw_bmc_ops, gw, &gw->bmc);
	if (r < 0) {
		log_msg(LOG_ERR, "bmcd socket %s: %s", gw->cfg.bmc_socket, strerror(-r));
		return r;
	}
	r = loop_timer_new(gw->loop, gw_tick, gw, &gw->tick);
	if (r < 0)
		return r;
	r = loop_timer_start(gw->tick, 0);
	if (r < 0)
		return r;
	r = loop_signal_new(gw->loop, SIGINT, gw_on_signal, gw, &gw->sigint);
	if (r < 0)
		return r;
	r = loop_signal_new(gw->loop, SIGTERM, gw_on_signal, gw, &gw->sigterm);
	if (r < 0)
		return r;
	r = loop_signal_new(gw->loop, SIGHUP, gw_on_reload, gw, &gw->sighup);
	if (r < 0)
		return r;
	/* Start-up is over: from here on, the allow-list (fail closed: no filter, no service). */
	r = gw_seccomp_apply_with(gw->cfg.seccomp,
	                          has_link(&gw->cfg, "portal:") ? GW_SECCOMP_TCP_OUT : 0);
	if (r < 0)
		return r;
	log_msg(LOG_INFO, "session 0: ready, %u link(s), bmcd at %s", gw->cfg.n_links,
	        gw->cfg.bmc_socket);
	r = gw_ready(gw->cfg.ready_fd);
	if (r < 0)
		log_msg(LOG_WARNING, "--ready-fd %d: cannot write", gw->cfg.ready_fd);
	gw_notify_ready(gw);
	r = loop_run(gw->loop);
	(void)notify_stopping();
	return r;
}

int main(int argc, char **argv)
{
	static struct gw gw;
	gw.argc = argc;
	gw.argv = argv;
	gw_config_default(&gw.cfg);
	int r = gw_config_parse(&gw.cfg, argc, argv, stdout, stderr);
	if (r == 1)
		return 0;
	if (r < 0)
		return 2;
	log_setup("svcportd", gw.cfg.use_syslog, gw.cfg.verbose);
	signal(SIGPIPE, SIG_IGN);
	r = gw_run(&gw);
	gw_free(&gw);
	return r < 0 ? 1 : 0;
}
