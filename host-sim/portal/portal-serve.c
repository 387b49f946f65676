// SPDX-License-Identifier: GPL-2.0-or-later
/* The portal service: certificates, TLS, evhttp limits, the loop (see portal-serve.h). */
#include "portal-serve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "portal-api.h"
#include "portal-internal.h"
#include "portal-online.h"
#include "utc.h"

static int tls_load(struct api_server *srv);
static int names_default(struct portal_serve_opts *o);

/* close_notify before evhttp shuts the socket (docs/tls.md), whichever config made it. */
static void on_close(struct evhttp_connection *evcon, void *arg)
{
	struct api_server *srv = arg;

	tls_evhttp_closecb(evcon, srv->tls);
	if (srv->tls_prev)
		tls_evhttp_closecb(evcon, srv->tls_prev);
}

static void on_request(struct evhttp_request *req, void *arg)
{
	struct api_server *srv = arg;
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);

	evhttp_connection_set_closecb(evcon, on_close, srv);
	if (!tls_evhttp_is_tls(evcon)) {
		/* The glue could not allocate and evhttp fell back to plaintext. */
		evhttp_send_error(req, 503, "TLS unavailable");
		return;
	}
	api_dispatch(srv, req);
}

int api_server_reload(struct api_server *srv)
{
	struct tls_config *old = srv->tls;
	int err;

	srv->tls = NULL;
	err = tls_load(srv);
	if (err < 0) {
		srv->tls = old; /* a failed reload keeps the certificates in use */
		return err;
	}
	evhttp_set_bevcb(srv->http, tls_bev_for_evhttp, srv->tls);
	if (srv->tls_prev)
		tls_config_unref(srv->tls_prev); /* its connections keep their references */
	srv->tls_prev = old;
	fprintf(stderr, "portal: certificates reloaded\n");
	return 0;
}

/* SIGHUP: the names again (the host may have new ones), certificates remade if they changed. */
static void on_hup(evutil_socket_t sig, short what, void *arg)
{
	struct api_server *srv = arg;
	bool made = false;

	(void)sig;
	(void)what;
	if (srv->names_auto) {
		srv->opts->names.n = 0;
		(void)names_default(srv->opts);
	}
	if (portal_https_ensure(srv->p, &srv->opts->names, utc_now_s(), &made) < 0 ||
	    (made && api_server_reload(srv) < 0))
		fprintf(stderr, "portal: reload failed, certificates unchanged: %s\n",
		        portal_why(srv->p));
}

/* Every minute: the summary records of the device endpoints' and the logins' waits that
 * ended, so a stranger's count is written even when no request follows (portal-gate.h). */
static void on_gate_tick(evutil_socket_t fd, short what, void *arg)
{
	struct api_server *srv = arg;

	(void)fd;
	(void)what;
	(void)portal_online_flush(srv->p, utc_now_s(), false);
	(void)portal_login_flush(srv->p, utc_now_s(), false);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct api_server *srv = arg;

	(void)what;
	fprintf(stderr, "portal: signal %d, stopping\n", (int)sig);
	event_base_loopbreak(srv->base);
}

/* The names default to the listening address (and localhost for a loopback one). */
static int names_default(struct portal_serve_opts *o)
{
	char host[256];

	if (o->names.n)
		return 0;
	if (strcmp(o->addr, "0.0.0.0") != 0 && strcmp(o->addr, "::") != 0 &&
	    portal_https_names_add(&o->names, o->addr) < 0)
		return -EINVAL;
	if ((strncmp(o->addr, "127.", 4) == 0 || strcmp(o->addr, "::1") == 0) &&
	    portal_https_names_add(&o->names, "localhost") < 0)
		return -EINVAL;
	/* The host name too, when it is a valid DNS name (a full table is no error). */
	if (gethostname(host, sizeof(host)) == 0 && host[0] &&
	    portal_https_names_add(&o->names, host) < 0)
		host[0] = '\0';
	return 0;
}

static int tls_load(struct api_server *srv)
{
	struct tls_limits lim = {.handshake_ms = srv->opts->handshake_ms,
	                         .max_conns = PORTAL_SERVE_CONNS};
	char chain[PATH_MAX], key[PATH_MAX];
	int err;

	portal_https_chain_path(srv->p, chain);
	portal_https_key_path(srv->p, key);
	err = tls_config_server_new(chain, key, &lim, &srv->tls);
	if (err < 0)
		return portal_refuse(srv->p, err, "HTTPS: %s", tls_config_error(err));
	/* Devices come with their link certificate (online activation, portal-api-device.c). */
	return tls_config_server_request_peer(srv->tls);
}

static int http_setup(struct api_server *srv, uint16_t *ret_port)
{
	struct evhttp_bound_socket *bs;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	srv->http = evhttp_new(srv->base);
	if (!srv->http)
		return -ENOMEM;
	evhttp_set_bevcb(srv->http, tls_bev_for_evhttp, srv->tls);
	evhttp_set_max_headers_size(srv->http, PORTAL_SERVE_HEADERS_MAX);
	evhttp_set_max_body_size(srv->http, PORTAL_SERVE_BODY_MAX);
	/* An oversize body is read and dropped (within the timeout) before the 413 goes out:
	 * closing at once makes the client fail its write and never see why. */
	evhttp_set_flags(srv->http, EVHTTP_SERVER_LINGERING_CLOSE);
	evhttp_set_timeout(srv->http, srv->opts->io_timeout_s ? (int)srv->opts->io_timeout_s
	                                                      : PORTAL_SERVE_TIMEOUT_S);
	evhttp_set_allowed_methods(srv->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_PATCH |
	                                          EVHTTP_REQ_DELETE);
	evhttp_set_gencb(srv->http, on_request, srv);
	bs = evhttp_bind_socket_with_handle(srv->http, srv->opts->addr, srv->opts->port);
	if (!bs)
		return portal_refuse(srv->p, -EADDRINUSE, "cannot listen on %s:%u", srv->opts->addr,
		                     srv->opts->port);
	if (getsockname(evhttp_bound_socket_get_fd(bs), (struct sockaddr *)&ss, &len) < 0)
		return -errno;
	*ret_port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
	                                           : ((struct sockaddr_in *)&ss)->sin_port);
	return 0;
}

static void ready(struct portal_serve_opts *o, uint16_t port)
{
	fprintf(stderr, "portal: listening on https://%s:%u/ (SANs:", o->addr, port);
	for (size_t i = 0; i < o->names.n; i++)
		fprintf(stderr, " %s", o->names.name[i]);
	fprintf(stderr, ")\n");
	if (o->ready_fd >= 0) {
		dprintf(o->ready_fd, "%u\n", port);
		close(o->ready_fd);
		o->ready_fd = -1;
	}
}

int portal_serve(struct portal *p, struct portal_serve_opts *o)
{
	struct api_server srv = {.p = p, .opts = o};
	struct event *sig_int = NULL, *sig_term = NULL, *sig_hup = NULL, *tick = NULL;
	const struct timeval minute = {.tv_sec = 60};
	uint16_t port = 0;
	bool made = false;
	int err;

	if (!o->addr)
		o->addr = "127.0.0.1";
	srv.names_auto = o->names.n == 0;
	if (names_default(o) < 0)
		return portal_refuse(p, -EINVAL, "listen address %s is not an IP address", o->addr);
	err = portal_https_ensure(p, &o->names, utc_now_s(), &made);
	if (err < 0)
		return err;
	if (made)
		fprintf(stderr, "portal: new server certificate for the service's names\n");
	signal(SIGPIPE, SIG_IGN);
	srv.base = event_base_new();
	if (!srv.base)
		return -ENOMEM;
	err = tls_load(&srv);
	if (err == 0)
		err = http_setup(&srv, &port);
	sig_int = evsignal_new(srv.base, SIGINT, on_signal, &srv);
	sig_term = evsignal_new(srv.base, SIGTERM, on_signal, &srv);
	sig_hup = evsignal_new(srv.base, SIGHUP, on_hup, &srv);
	tick = event_new(srv.base, -1, EV_PERSIST, on_gate_tick, &srv);
	if (err == 0 && (!sig_int || !sig_term || !sig_hup || !tick ||
	                 evsignal_add(sig_int, NULL) < 0 || evsignal_add(sig_term, NULL) < 0 ||
	                 evsignal_add(sig_hup, NULL) < 0 || event_add(tick, &minute) < 0))
		err = -ENOMEM;
	if (err == 0) {
		ready(o, port);
		event_base_dispatch(srv.base);
		(void)portal_online_flush(p, utc_now_s(), true); /* no count is lost at a stop */
		(void)portal_login_flush(p, utc_now_s(), true);
	}
	if (srv.http)
		evhttp_free(srv.http);
	if (srv.tls)
		tls_config_shutdown(srv.tls);
	if (srv.tls_prev)
		tls_config_shutdown(srv.tls_prev);
	event_base_loop(srv.base, EVLOOP_NONBLOCK); /* finalizers of freed connections */
	tls_config_unref(srv.tls);
	tls_config_unref(srv.tls_prev);
	if (sig_int)
		event_free(sig_int);
	if (sig_term)
		event_free(sig_term);
	if (sig_hup)
		event_free(sig_hup);
	if (tick)
		event_free(tick);
	event_base_free(srv.base);
	return err;
}
