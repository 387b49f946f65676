// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * https:HOST:PORT for svcport-sim app: the management network's link of svcportd
 * (docs/gateway.md "https:"). libsvcport-client speaks its CDC stream transport as on
 * unix: (the library does no I/O of its own); a bridge process beside it, on the other
 * end of a socket pair, deframes each Frame, POSTs it to /v1/sessions/TOKEN/frames and
 * frames the answer back, and long-polls /v1/sessions/TOKEN/events for the events. TLS
 * (common/tls.h) trusts only the given PEM bundle: the BMC's internal CA, or the link
 * dir's link-chain.pem, which ends with it. The bridge ends when the app closes its end
 * (and deletes the session) or when the link refuses it (the app sees the stream close).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>

#include "app-link.h"
#include "cdc-frame.h"
#include "https-client.h"
#include "tls.h"

#define MSG_MAX   65535u
#define QUEUE_MAX 8u /* frames waiting for their POST: the app has one in flight */
#define TOKEN_MAX 64u

struct frame_copy {
	uint8_t *bytes;
	size_t len;
};

struct bridge {
	struct event_base *base;
	struct tls_config *tls;
	struct https_client *post, *poll;
	struct event *rd;
	int fd;
	char host[256];
	uint16_t port;
	char token[TOKEN_MAX];
	char path_frames[TOKEN_MAX + 32], path_events[TOKEN_MAX + 32], path_session[TOKEN_MAX + 16];
	struct cdc_rx rx;
	uint8_t rx_buf[CDC_FRAME_ENCODED_MAX(MSG_MAX)];
	struct frame_copy queue[QUEUE_MAX];
	unsigned n_queue;
	bool posting, polling, failed;
	int status; /* the bridge's exit status */
};

/* why: the client's reason, or NULL with the HTTP status the link answered. */
static void bridge_fail(struct bridge *b, const char *what, const char *why, int status)
{
	if (!b->failed && why)
		fprintf(stderr, "svcport-sim: https: %s: %s\n", what, why);
	else if (!b->failed)
		fprintf(stderr, "svcport-sim: https: %s: the link answered HTTP %d\n", what,
		        status);
	b->failed = true;
	b->status = 1;
	event_base_loopbreak(b->base);
}

static void write_frame(struct bridge *b, const uint8_t *msg, size_t len)
{
	static uint8_t out[CDC_FRAME_ENCODED_MAX(MSG_MAX)];
	long n = cdc_frame_encode(msg, len, out, sizeof(out));

	for (long off = 0; n > 0 && off < n;) {
		ssize_t w = write(b->fd, out + off, (size_t)(n - off));
		if (w <= 0) {
			event_base_loopbreak(b->base);
			return;
		}
		off += w;
	}
}

static void post_next(struct bridge *b);
static void poll_next(struct bridge *b);

/* A Frame or an event answered: 200 carries a Frame into the stream, 204 none; anything
 * else ends the bridge. False when it ended. */
static bool answer_take(struct bridge *b, const char *what, struct https_client *c, int err,
                        const struct https_response *r)
{
	if (err < 0 || (r->status != 200 && r->status != 204)) {
		bridge_fail(b, what, err < 0 ? https_client_why(c) : NULL, err < 0 ? 0 : r->status);
		return false;
	}
	if (r->status == 200)
		write_frame(b, r->body, r->body_len);
	return true;
}

static void on_posted(int err, const struct https_response *r, void *user_data)
{
	struct bridge *b = user_data;

	b->posting = false;
	/* 204: no answer in time; the library sends the same id again. */
	if (!answer_take(b, "sending a frame", b->post, err, r))
		return;
	free(b->queue[0].bytes);
	memmove(&b->queue[0], &b->queue[1], (b->n_queue - 1) * sizeof(b->queue[0]));
	b->n_queue--;
	post_next(b);
}

static void post_next(struct bridge *b)
{
	if (b->posting || !b->n_queue || !b->token[0])
		return;
	static const char *const headers[] = {"Content-Type: application/x-protobuf", NULL};
	struct https_request req = {.method = "POST",
	                            .path = b->path_frames,
	                            .headers = headers,
	                            .body = b->queue[0].bytes,
	                            .body_len = b->queue[0].len,
	                            .timeout_ms = 30000};
	int err = https_client_request(b->post, &req, on_posted, b);

	if (err < 0)
		bridge_fail(b, "sending a frame", strerror(-err), 0);
	else
		b->posting = true;
}

static void on_polled(int err, const struct https_response *r, void *user_data)
{
	struct bridge *b = user_data;

	b->polling = false;
	if (answer_take(b, "waiting for events", b->poll, err, r))
		poll_next(b);
}

static void poll_next(struct bridge *b)
{
	struct https_request req = {.method = "GET", .path = b->path_events, .timeout_ms = 30000};

	if (b->polling || b->failed)
		return;
	if (https_client_request(b->poll, &req, on_polled, b) < 0)
		bridge_fail(b, "waiting for events", "cannot start the request", 0);
	else
		b->polling = true;
}

static int on_app_frame(const uint8_t *msg, size_t len, int drop, void *user_data)
{
	struct bridge *b = user_data;
	uint8_t *copy;

	if (!msg || drop >= 0)
		return 0; /* the library's own framing never breaks; nothing to relay */
	if (b->n_queue == QUEUE_MAX || !(copy = malloc(len)))
		return 0; /* dropped: the library repeats the id */
	memcpy(copy, msg, len);
	b->queue[b->n_queue++] = (struct frame_copy){copy, len};
	post_next(b);
	return 0;
}

static void on_app_readable(evutil_socket_t fd, short what, void *user_data)
{
	struct bridge *b = user_data;
	uint8_t buf[4096];
	ssize_t n = read(fd, buf, sizeof(buf));

	(void)what;
	if (n <= 0) { /* the app closed the link */
		event_base_loopbreak(b->base);
		return;
	}
	if (cdc_rx_feed(&b->rx, buf, (size_t)n, on_app_frame, b) < 0)
		event_base_loopbreak(b->base);
}

static void on_session(int err, const struct https_response *r, void *user_data)
{
	struct bridge *b = user_data;

	if (err < 0 || r->status != 201 || !r->body_len || r->body_len >= TOKEN_MAX) {
		bridge_fail(b, "opening a session", err < 0 ? https_client_why(b->post) : NULL,
		            err < 0 ? 0 : r->status);
		return;
	}
	memcpy(b->token, r->body, r->body_len);
	b->token[r->body_len] = 0;
	snprintf(b->path_frames, sizeof(b->path_frames), "/v1/sessions/%s/frames", b->token);
	snprintf(b->path_events, sizeof(b->path_events), "/v1/sessions/%s/events", b->token);
	snprintf(b->path_session, sizeof(b->path_session), "/v1/sessions/%s", b->token);
	post_next(b);
	poll_next(b);
}

static void on_deleted(int err, const struct https_response *r, void *user_data)
{
	struct bridge *b = user_data;

	(void)err;
	(void)r;
	event_base_loopbreak(b->base);
}

/* The bridge process: runs until the app closes its end or the link refuses. */
static int bridge_run(struct bridge *b)
{
	struct https_request open_req = {.method = "POST", .path = "/v1/sessions"};

	cdc_rx_init(&b->rx, b->rx_buf, sizeof(b->rx_buf));
	b->base = event_base_new();
	if (!b->base || https_client_new(b->base, b->tls, b->host, b->port, &b->post) < 0 ||
	    https_client_new(b->base, b->tls, b->host, b->port, &b->poll) < 0)
		return 1;
	b->rd = event_new(b->base, b->fd, EV_READ | EV_PERSIST, on_app_readable, b);
	if (!b->rd || event_add(b->rd, NULL) < 0 ||
	    https_client_request(b->post, &open_req, on_session, b) < 0)
		return 1;
	event_base_dispatch(b->base);
	if (b->token[0] && !b->failed) { /* the app is done: end the session at once */
		struct https_request del = {
		    .method = "DELETE", .path = b->path_session, .timeout_ms = 2000};
		event_del(b->rd); /* the app's end stays readable (EOF) */
		https_client_free(b->post);
		b->post = NULL;
		if (https_client_new(b->base, b->tls, b->host, b->port, &b->post) == 0 &&
		    https_client_request(b->post, &del, on_deleted, b) == 0)
			event_base_dispatch(b->base);
	}
	return b->status;
}

static void bridge_free(struct bridge *b)
{
	https_client_free(b->post);
	https_client_free(b->poll);
	if (b->rd)
		event_free(b->rd);
	for (unsigned i = 0; i < b->n_queue; i++)
		free(b->queue[i].bytes);
	if (b->tls)
		tls_config_shutdown(b->tls);
	tls_config_unref(b->tls);
	if (b->base)
		event_base_free(b->base);
	if (b->fd >= 0)
		close(b->fd);
	free(b);
}

/* "HOST:PORT" (HOST an IP literal, [IPv6], or a name the certificate carries). */
static int parse_target(const char *arg, struct bridge *b)
{
	const char *colon = strrchr(arg, ':');
	const char *h = arg;
	size_t n = colon ? (size_t)(colon - arg) : 0;
	char *end;
	unsigned long port;

	if (!colon)
		return -EINVAL;
	if (n >= 2 && h[0] == '[' && h[n - 1] == ']') {
		h++;
		n -= 2;
	}
	port = strtoul(colon + 1, &end, 10);
	if (n == 0 || n >= sizeof(b->host) || *end || !colon[1] || port == 0 || port > 65535)
		return -EINVAL;
	memcpy(b->host, h, n);
	b->host[n] = 0;
	b->port = (uint16_t)port;
	return 0;
}

int app_link_https_open(struct app_link *l, const char *arg, const struct app_link_opts *o)
{
	int sv[2];
	int err;
	pid_t pid;
	struct bridge *b = calloc(1, sizeof(*b));

	if (!b)
		return -ENOMEM;
	b->fd = -1;
	if (!o->ca_file) {
		app_link_note(o, "https: needs the BMC's CA: --link-ca FILE or --link-dir DIR");
		err = -EINVAL;
		goto free_bridge;
	}
	if ((err = parse_target(arg, b)) < 0)
		goto free_bridge;
	if ((err = tls_config_client_new(o->ca_file, NULL, &b->tls)) < 0) {
		app_link_note(o, "https: cannot read the trust list %s", o->ca_file);
		goto free_bridge;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		err = -errno;
		goto free_bridge;
	}
	pid = fork();
	if (pid < 0) {
		err = -errno;
		close(sv[0]);
		close(sv[1]);
		goto free_bridge;
	}
	if (pid == 0) {
		int status;

		close(sv[0]);
		signal(SIGPIPE, SIG_IGN);
		b->fd = sv[1];
		status = bridge_run(b);
		bridge_free(b);
		_exit(status);
	}
	close(sv[1]);
	l->fd = sv[0];
	l->bridge_pid = pid;
	l->info.kind = "https";
	err = 0;
free_bridge:
	bridge_free(b);
	return err;
}
