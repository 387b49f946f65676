// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The TLS glue (common/tls.h, https-client.h) against itself and against
 * independent peers: certificates made by the openssl CLI, an evhttp server
 * on our glue in a child process, our client, openssl s_client, curl and
 * openssl s_server. Waits on fds and child exits only.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/buffer.h>
#include <event2/http.h>

#include "https-client.h"
#include "test-spawn.h"
#include "tls.h"

extern char **environ;

static char dir[] = "/tmp/svcport-tls-XXXXXX";
static char path_buf[8][256];

static char *in_dir(int slot, const char *name)
{
	snprintf(path_buf[slot], sizeof(path_buf[slot]), "%s/%s", dir, name);
	return path_buf[slot];
}

/* A CA and a server certificate for localhost / 127.0.0.1 made by openssl. */
static void make_ca(const char *name)
{
	char out[4096], key[256], crt[256], subj[64];

	snprintf(key, sizeof(key), "%s/%s.key", dir, name);
	snprintf(crt, sizeof(crt), "%s/%s.crt", dir, name);
	snprintf(subj, sizeof(subj), "/CN=%s", name);
	assert_int_equal(SPAWN_RUN(NULL, out, "openssl", "req", "-x509", "-newkey", "ec",
	                           "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key,
	                           "-out", crt, "-days", "2", "-subj", subj, "-addext",
	                           "basicConstraints=critical,CA:TRUE", "-addext",
	                           "keyUsage=critical,keyCertSign"),
	                 0);
}

static void make_server(const char *name, const char *ca, const char *san)
{
	char out[4096], key[256], csr[256], crt[256], cak[256], cac[256], ext[256], sanline[128];
	FILE *f;

	snprintf(key, sizeof(key), "%s/%s.key", dir, name);
	snprintf(csr, sizeof(csr), "%s/%s.csr", dir, name);
	snprintf(crt, sizeof(crt), "%s/%s.crt", dir, name);
	snprintf(cak, sizeof(cak), "%s/%s.key", dir, ca);
	snprintf(cac, sizeof(cac), "%s/%s.crt", dir, ca);
	snprintf(ext, sizeof(ext), "%s/%s.ext", dir, name);
	snprintf(sanline, sizeof(sanline), "subjectAltName=%s\n", san);
	f = fopen(ext, "w");
	assert_non_null(f);
	fputs(sanline, f);
	fputs("extendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n", f);
	fclose(f);
	assert_int_equal(SPAWN_RUN(NULL, out, "openssl", "req", "-newkey", "ec", "-pkeyopt",
	                           "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", csr,
	                           "-subj", "/CN=svcport test server"),
	                 0);
	assert_int_equal(SPAWN_RUN(NULL, out, "openssl", "x509", "-req", "-in", csr, "-CA", cac,
	                           "-CAkey", cak, "-CAcreateserial", "-days", "2", "-extfile", ext,
	                           "-out", crt),
	                 0);
}

/* ---- the server: evhttp on our glue, in a child process ---------------- */

struct server {
	pid_t pid;
	int port;
	int stop_fd; /* closing it stops the child */
};

static void hello_cb(struct evhttp_request *req, void *arg)
{
	struct evbuffer *b = evbuffer_new();
	size_t big = 256 * 1024;

	evhttp_connection_set_closecb(evhttp_request_get_connection(req), tls_evhttp_closecb, arg);
	if (!tls_evhttp_is_tls(evhttp_request_get_connection(req))) {
		evhttp_send_error(req, 400, "TLS required");
		evbuffer_free(b);
		return;
	}

	if (strcmp(evhttp_request_get_uri(req), "/big") == 0) {
		for (size_t i = 0; i < big; i += 16)
			evbuffer_add(b, "0123456789abcdef", 16);
	} else {
		evbuffer_add_printf(b, "hello");
	}
	evhttp_send_reply(req, 200, "OK", b);
	evbuffer_free(b);
}

static void stop_cb(evutil_socket_t fd, short what, void *base)
{
	(void)fd;
	(void)what;
	event_base_loopbreak(base);
}

static void server_child(int ready, int stop, unsigned hs_ms)
{
	struct tls_limits lim = {.handshake_ms = hs_ms, .max_conns = 4};
	struct tls_config *cfg = NULL;
	struct event_base *base = event_base_new();
	struct evhttp *http = evhttp_new(base);
	struct evhttp_bound_socket *bs;
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	struct event *ev;

	if (tls_config_server_new(in_dir(0, "srv.crt"), in_dir(1, "srv.key"), &lim, &cfg) < 0)
		_exit(3);
	evhttp_set_bevcb(http, tls_bev_for_evhttp, cfg);
	evhttp_set_gencb(http, hello_cb, cfg);
	evhttp_set_timeout(http, 5);
	bs = evhttp_bind_socket_with_handle(http, "127.0.0.1", 0);
	if (!bs)
		_exit(4);
	getsockname(evhttp_bound_socket_get_fd(bs), (struct sockaddr *)&sin, &len);
	dprintf(ready, "%d\n", ntohs(sin.sin_port));
	close(ready);
	ev = event_new(base, stop, EV_READ, stop_cb, base);
	event_add(ev, NULL);
	event_base_dispatch(base);
	evhttp_free(http);
	tls_config_shutdown(cfg);
	event_base_loop(base, EVLOOP_NONBLOCK); /* finalizers */
	tls_config_unref(cfg);
	event_free(ev);
	event_base_free(base);
	_exit(0);
}

static void server_start(struct server *s, unsigned hs_ms)
{
	int rp[2], sp[2];
	char buf[16] = "";

	assert_int_equal(pipe(rp), 0);
	assert_int_equal(pipe(sp), 0);
	s->pid = fork();
	assert_true(s->pid >= 0);
	if (s->pid == 0) {
		close(rp[0]);
		close(sp[1]);
		server_child(rp[1], sp[0], hs_ms);
	}
	close(rp[1]);
	close(sp[0]);
	assert_true(read(rp[0], buf, sizeof(buf) - 1) > 0);
	close(rp[0]);
	s->port = atoi(buf);
	s->stop_fd = sp[1];
	assert_true(s->port > 0);
}

static void server_stop(struct server *s)
{
	int status = -1;

	close(s->stop_fd);
	assert_int_equal(waitpid(s->pid, &status, 0), s->pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* ---- our client ---------------------------------------------------------- */

struct result {
	struct event_base *base;
	int err;
	int status;
	size_t len;
	char body[64];
	char why[400];
};

static void done_cb(int err, const struct https_response *r, void *ud)
{
	struct result *res = ud;

	res->err = err;
	if (r) {
		res->status = r->status;
		res->len = r->body_len;
		snprintf(res->body, sizeof(res->body), "%.*s",
		         (int)(r->body_len < 63 ? r->body_len : 63), (const char *)r->body);
	}
	event_base_loopbreak(res->base);
}

static int get(const char *trust, const char *host, int port, const char *path, struct result *res)
{
	struct tls_config *cfg = NULL;
	struct https_client *c = NULL;
	struct https_request req = {.method = "GET", .path = path, .timeout_ms = 5000};
	int err;

	memset(res, 0, sizeof(*res));
	res->base = event_base_new();
	assert_int_equal(tls_config_client_new(trust, NULL, &cfg), 0);
	assert_int_equal(https_client_new(res->base, cfg, host, (uint16_t)port, &c), 0);
	err = https_client_request(c, &req, done_cb, res);
	if (err == 0)
		event_base_dispatch(res->base);
	else
		res->err = err;
	snprintf(res->why, sizeof(res->why), "%s", https_client_why(c));
	https_client_free(c);
	tls_config_shutdown(cfg);
	event_base_loop(res->base, EVLOOP_NONBLOCK);
	tls_config_unref(cfg);
	event_base_free(res->base);
	return res->err;
}

static void test_roundtrip(void **state)
{
	struct server s;
	struct result r;

	(void)state;
	server_start(&s, 0);
	if (get(in_dir(2, "ca.crt"), "localhost", s.port, "/hello", &r) != 0)
		fail_msg("%d %s", r.err, r.why);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "hello");
	/* By IP address: matched against the certificate's iPAddress SAN. */
	assert_int_equal(get(in_dir(2, "ca.crt"), "127.0.0.1", s.port, "/hello", &r), 0);
	assert_string_equal(r.body, "hello");
	/* 256 KiB through bounded buffers, then close: nothing cut off. */
	assert_int_equal(get(in_dir(2, "ca.crt"), "127.0.0.1", s.port, "/big", &r), 0);
	assert_int_equal(r.len, 256 * 1024);
	server_stop(&s);
}

static void test_untrusted_ca(void **state)
{
	struct server s;
	struct result r;

	(void)state;
	server_start(&s, 0);
	assert_int_equal(get(in_dir(2, "other.crt"), "localhost", s.port, "/hello", &r),
	                 -ECONNREFUSED);
	assert_non_null(strstr(r.why, "peer certificate refused"));
	server_stop(&s);
}

/* The right CA but another name: a TLS client connection to 127.0.0.1 named otherwise. */
static void name_refused(int port, const char *name)
{
	struct tls_config *cfg = NULL;
	struct event_base *base = event_base_new();
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	struct result r = {.base = base};
	struct tls_conn *c;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(tls_config_client_new(in_dir(2, "ca.crt"), NULL, &cfg), 0);
	c = tls_conn_new(base, cfg, -1, name);
	assert_non_null(c);
	bufferevent_setcb(tls_conn_bev(c), NULL, NULL, NULL, NULL);
	bufferevent_enable(tls_conn_bev(c), EV_READ | EV_WRITE);
	assert_int_equal(tls_conn_connect(c, (struct sockaddr *)&sin, sizeof(sin)), 0);
	while (!tls_conn_is_established(c) && !tls_conn_why(c)[0])
		event_base_loop(base, EVLOOP_ONCE);
	assert_false(tls_conn_is_established(c));
	assert_non_null(strstr(tls_conn_why(c), "refused"));
	snprintf(r.why, sizeof(r.why), "%s", tls_conn_why(c));
	bufferevent_free(tls_conn_bev(c));
	tls_config_shutdown(cfg);
	event_base_loop(base, EVLOOP_NONBLOCK);
	tls_config_unref(cfg);
	event_base_free(base);
}

static void test_wrong_name(void **state)
{
	struct server s;

	(void)state;
	server_start(&s, 0);
	name_refused(s.port, "wrong.example");
	name_refused(s.port, "127.0.0.2");
	server_stop(&s);
}

static int tcp_connect(int port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	return fd;
}

/* Reads until EOF (or 5 s); returns bytes read, -1 on timeout. */
static ssize_t read_to_eof(int fd, char *buf, size_t cap)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	size_t got = 0;

	for (;;) {
		ssize_t n;

		if (poll(&p, 1, 5000) != 1)
			return -1;
		n = read(fd, buf + got, cap - got);
		if (n <= 0)
			return n < 0 && errno != ECONNRESET ? -1 : (ssize_t)got;
		got += (size_t)n;
		if (got == cap)
			return (ssize_t)got;
	}
}

static void test_plaintext_refused(void **state)
{
	static const char req[] = "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n";
	struct server s;
	char buf[512];
	ssize_t n;
	int fd;

	(void)state;
	server_start(&s, 0);
	fd = tcp_connect(s.port);
	assert_int_equal(write(fd, req, sizeof(req) - 1), (ssize_t)sizeof(req) - 1);
	n = read_to_eof(fd, buf, sizeof(buf));
	assert_true(n >= 0);
	/* At most a TLS alert record, never the page. */
	assert_null(memmem(buf, (size_t)n, "hello", 5));
	assert_null(memmem(buf, (size_t)n, "HTTP/1.1", 8));
	close(fd);
	server_stop(&s);
}

static void test_slow_handshake(void **state)
{
	struct server s;
	char buf[64];
	int fd;

	(void)state;
	server_start(&s, 300);
	fd = tcp_connect(s.port);
	/* A client that says nothing is dropped after the handshake limit. */
	assert_int_equal(read_to_eof(fd, buf, sizeof(buf)), 0);
	close(fd);
	server_stop(&s);
}

/* A handshake record whose body is garbage: an alert or a close, no crash. */
static void test_handshake_garbage(void **state)
{
	static const unsigned char rec[] = {0x16, 0x03, 0x03, 0x00, 0x08, 0x01, 0x00,
	                                    0x00, 0xff, 0xde, 0xad, 0xbe, 0xef};
	struct server s;
	char buf[64];
	int fd;

	(void)state;
	server_start(&s, 0);
	fd = tcp_connect(s.port);
	assert_int_equal(write(fd, rec, sizeof(rec)), (ssize_t)sizeof(rec));
	assert_true(read_to_eof(fd, buf, sizeof(buf)) >= 0);
	close(fd);
	/* The server still serves. */
	{
		struct result r;

		assert_int_equal(get(in_dir(2, "ca.crt"), "127.0.0.1", s.port, "/hello", &r), 0);
	}
	server_stop(&s);
}

/* Connections over the cap (4 in the test server) are closed at once. */
static void test_connection_cap(void **state)
{
	struct server s;
	int idle[4], extra;
	char buf[64];

	(void)state;
	server_start(&s, 0);
	for (int i = 0; i < 4; i++)
		idle[i] = tcp_connect(s.port);
	/* The server accepts in order: a fifth is refused once the four are held. */
	for (int i = 0; i < 4; i++)
		assert_int_equal(write(idle[i], "\x16", 1), 1);
	extra = tcp_connect(s.port);
	assert_int_equal(read_to_eof(extra, buf, sizeof(buf)), 0);
	close(extra);
	for (int i = 0; i < 4; i++)
		close(idle[i]);
	server_stop(&s);
}

static void test_openssl_and_curl_clients(void **state)
{
	static char out[65536];
	char port[16], url[64], connect_to[64];
	struct server s;

	(void)state;
	server_start(&s, 0);
	snprintf(port, sizeof(port), "%d", s.port);
	snprintf(connect_to, sizeof(connect_to), "127.0.0.1:%d", s.port);
	snprintf(url, sizeof(url), "https://127.0.0.1:%d/hello", s.port);
	assert_int_equal(SPAWN_RUN(NULL, out, "curl", "-sS", "--cacert", in_dir(2, "ca.crt"), url),
	                 0);
	assert_string_equal(out, "hello");
	/* curl refuses an unknown CA (60: peer certificate cannot be authenticated). */
	assert_int_equal(
	    SPAWN_RUN(NULL, out, "curl", "-sS", "--cacert", in_dir(2, "other.crt"), url), 60);
	/* TLS 1.2 only: curl asking for 1.3 at least fails the handshake. */
	assert_int_not_equal(
	    SPAWN_RUN(NULL, out, "curl", "-sS", "--tlsv1.3", "--cacert", in_dir(2, "ca.crt"), url),
	    0);
	if (SPAWN_RUN("GET /hello HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", out,
	              "openssl", "s_client", "-connect", connect_to, "-CAfile", in_dir(2, "ca.crt"),
	              "-verify_return_error", "-servername", "localhost", "-tls1_2",
	              "-ign_eof") != 0)
		fail_msg("openssl s_client: %s", out);
	assert_non_null(strstr(out, "Verify return code: 0 (ok)"));
	assert_non_null(strstr(out, "hello"));
	server_stop(&s);
}

/* Our client against openssl s_server: an independent server. */
static void test_client_against_s_server(void **state)
{
	char port[32], line[256];
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t len = sizeof(sin);
	posix_spawn_file_actions_t fa;
	struct result r;
	int op[2], fd, status;
	pid_t pid;
	FILE *f;

	(void)state;
	/* A free port: bound, read back, released (s_server cannot report port 0). */
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	getsockname(fd, (struct sockaddr *)&sin, &len);
	close(fd);
	snprintf(port, sizeof(port), "127.0.0.1:%d", ntohs(sin.sin_port));
	assert_int_equal(pipe2(op, O_CLOEXEC), 0);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, op[1], 1);
	assert_int_equal(
	    posix_spawnp(&pid, "openssl", &fa, NULL,
	                 (char *const[]){"openssl", "s_server", "-accept", port, "-cert",
	                                 in_dir(0, "srv.crt"), "-key", in_dir(1, "srv.key"), "-www",
	                                 "-naccept", "1", NULL},
	                 environ),
	    0);
	posix_spawn_file_actions_destroy(&fa);
	close(op[1]);
	f = fdopen(op[0], "r");
	/* s_server prints ACCEPT once it listens. */
	while (fgets(line, sizeof(line), f) && !strstr(line, "ACCEPT"))
		;
	assert_int_equal(get(in_dir(2, "ca.crt"), "localhost", ntohs(sin.sin_port), "/", &r), 0);
	assert_int_equal(r.status, 200);
	fclose(f);
	waitpid(pid, &status, 0);
}

static int setup(void **state)
{
	(void)state;
	assert_non_null(mkdtemp(dir));
	make_ca("ca");
	make_ca("other");
	make_server("srv", "ca", "DNS:localhost,IP:127.0.0.1");
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

static int teardown(void **state)
{
	char out[256];

	(void)state;
	return SPAWN_RUN(NULL, out, "rm", "-rf", dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_roundtrip),
	    cmocka_unit_test(test_untrusted_ca),
	    cmocka_unit_test(test_wrong_name),
	    cmocka_unit_test(test_plaintext_refused),
	    cmocka_unit_test(test_slow_handshake),
	    cmocka_unit_test(test_handshake_garbage),
	    cmocka_unit_test(test_connection_cap),
	    cmocka_unit_test(test_openssl_and_curl_clients),
	    cmocka_unit_test(test_client_against_s_server),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
