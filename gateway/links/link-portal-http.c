// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The portal: link's side of the network (see link-portal-int.h): the link
 * credentials bmcd exports (contracts.md "Link credentials"), re-read when
 * link-chain.pem changes; TLS 1.2 to the portal, its certificate checked
 * against --portal-trust and the internal CA's certificate for the link key
 * presented (link-internal-chain.pem, mutual TLS);
 * the two posts, protobuf bodies (docs/online.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "https-client.h"
#include "link-portal-int.h"
#include "log.h"
#include "loop.h"
#include "pbio.h"
#include "tls.h"

#define PORTAL_TIMEOUT_MS 15000 /* one whole exchange with the portal */

static void path_in(const struct portal_link *l, const char *name, char *out, size_t cap)
{
	snprintf(out, cap, "%s/%s", l->dir, name);
}

void portal_creds_free(struct portal_link *l)
{
	https_client_free(l->http);
	l->http = NULL;
	tls_config_unref(l->tls);
	l->tls = NULL;
}

static bool is_same_file(const struct portal_link *l, const struct stat *st)
{
	return l->tls && st->st_dev == l->chain_dev && st->st_ino == l->chain_ino &&
	       st->st_size == l->chain_size && st->st_mtim.tv_sec == l->chain_mtime.tv_sec &&
	       st->st_mtim.tv_nsec == l->chain_mtime.tv_nsec;
}

/*
 * The chain presented to the portal: link-internal-chain.pem, the internal CA's
 * certificate for the link key (the portal trusts the device's certificate
 * through the internal CA its CaStatement names, whatever chain an administrator
 * installed for the https: link; docs/certs.md). Absent only in an export from a
 * bmcd before it existed: link-chain.pem, then always the internal CA's.
 */
static void client_chain_path(const struct portal_link *l, char *out, size_t cap)
{
	struct stat st;

	path_in(l, "link-internal-chain.pem", out, cap);
	if (stat(out, &st) < 0 && errno == ENOENT)
		path_in(l, "link-chain.pem", out, cap);
}

int portal_creds_refresh(struct portal_link *l)
{
	char chain[300], key[300], presented[300];
	struct tls_limits lim = {.max_conns = 2};
	struct tls_config *cfg = NULL;
	struct https_client *http = NULL;
	struct stat st;
	int r;

	/* bmcd writes link-chain.pem last: its change says the others are new too. */
	path_in(l, "link-chain.pem", chain, sizeof(chain));
	path_in(l, "link.key", key, sizeof(key));
	if (stat(chain, &st) < 0) {
		log_msg(LOG_WARNING, "link %s: no link certificate yet (%s: %s)", l->name, chain,
		        strerror(errno));
		return -ENOENT;
	}
	if (is_same_file(l, &st))
		return 0;
	client_chain_path(l, presented, sizeof(presented));
	r = tls_config_client_new(l->trust, &lim, &cfg);
	if (r < 0) {
		log_msg(LOG_ERR, "link %s: trust list %s: %s", l->name, l->trust,
		        tls_config_error(r));
		return r;
	}
	r = tls_config_client_cert(cfg, presented, key);
	if (r < 0) {
		/* bmcd replaces key and chain one after the other: a mismatch is a moment. */
		log_msg(LOG_WARNING, "link %s: link credentials in %s not usable yet: %s", l->name,
		        l->dir, tls_config_error(r));
		tls_config_unref(cfg);
		return r;
	}
	r = https_client_new(loop_event_base(l->ctx->loop), cfg, l->host, l->port, &http);
	if (r < 0) {
		tls_config_unref(cfg);
		return r;
	}
	portal_creds_free(l);
	l->tls = cfg;
	l->http = http;
	l->chain_dev = st.st_dev;
	l->chain_ino = st.st_ino;
	l->chain_size = st.st_size;
	l->chain_mtime = st.st_mtim;
	log_msg(LOG_INFO, "link %s: link certificate loaded from %s", l->name, presented);
	return 0;
}

void portal_body_words(const uint8_t *body, size_t len, char *out, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < len && n + 1 < cap; i++)
		if (body[i] >= 0x20 && body[i] < 0x7f)
			out[n++] = (char)body[i];
	out[n] = '\0';
}

static void on_done(int err, const struct https_response *r, void *user_data)
{
	struct portal_link *l = user_data;

	l->rx_http = true;
	l->http_busy = false;
	l->http_err = err;
	l->http_status = r ? r->status : 0;
	l->rx_len = 0;
	snprintf(l->why, sizeof(l->why), "%s", err < 0 ? https_client_why(l->http) : "");
	/*
	 * An empty body has no buffer at all (a 302, a 204): nothing to copy (attack 16o F2).
	 * The client took no more than PORTAL_BODY_MAX (= sizeof rx), so a larger body is an
	 * error above; the size check keeps the copy safe all the same.
	 */
	if (r && r->body && r->body_len && r->body_len <= sizeof(l->rx)) {
		l->rx_len = r->body_len;
		memcpy(l->rx, r->body, l->rx_len);
	}
	/* Handled from the loop: the client is still inside its own callback here. */
	portal_kick(l);
}

static int post(struct portal_link *l, const char *path, size_t len)
{
	static const char *const headers[] = {"Content-Type: application/x-protobuf",
	                                      "Accept: application/x-protobuf, application/json",
	                                      NULL};
	struct https_request req = {.method = "POST",
	                            .path = path,
	                            .headers = headers,
	                            .body = l->out,
	                            .body_len = len,
	                            .timeout_ms = PORTAL_TIMEOUT_MS,
	                            .body_max = PORTAL_BODY_MAX};

	int r = https_client_request(l->http, &req, on_done, l);

	l->http_busy = r == 0;
	return r;
}

void portal_post_cancel(struct portal_link *l)
{
	if (!l->http_busy)
		return;
	/* The client cancels only by going away (its callback is then never called). */
	portal_creds_free(l);
	l->http_busy = false;
}

/* ca-statement.pb into the request, bounded, as bmcd wrote it. */
static int statement_read(struct portal_link *l)
{
	char path[300];
	uint8_t buf[svcport_v1_CaStatement_size + 1];
	ssize_t n;
	int fd;

	path_in(l, "ca-statement.pb", path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		log_msg(LOG_WARNING, "link %s: no CA statement yet (%s: %s)", l->name, path,
		        strerror(errno));
		return -ENOENT;
	}
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n <= 0 || (size_t)n > svcport_v1_CaStatement_size ||
	    pbio_decode(svcport_v1_CaStatement_fields, &l->oar.statement, buf, (size_t)n) < 0) {
		log_msg(LOG_WARNING, "link %s: %s is not a CA statement", l->name, path);
		return -EINVAL;
	}
	l->oar.has_statement = true;
	return 0;
}

int portal_post_activation(struct portal_link *l, const svcport_v1_Challenge *ch)
{
	size_t len = 0;
	int r;

	memset(&l->oar, 0, sizeof(l->oar));
	r = statement_read(l);
	if (r < 0)
		return r;
	l->oar.has_challenge = true;
	l->oar.challenge = *ch;
	r = pbio_encode(svcport_v1_OnlineActivationRequest_fields, &l->oar, l->out, sizeof(l->out),
	                &len);
	return r < 0 ? r : post(l, "/api/v1/device/activation", len);
}

int portal_post_receipt(struct portal_link *l, const svcport_v1_DeviceReceipt *rc)
{
	size_t len = 0;
	int r = pbio_encode(svcport_v1_DeviceReceipt_fields, rc, l->out, sizeof(l->out), &len);

	return r < 0 ? r : post(l, "/api/v1/device/receipt", len);
}
