// SPDX-License-Identifier: GPL-2.0-or-later
/* API: the service's certificates on demand (portal administrators), then a reload. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fsutil.h"
#include "portal-api.h"
#include "portal-internal.h"
#include "utc.h"

#define PEM_MAX 16384

/* The certificate a client must trust from now on (as GET certificate.pem), in the reply:
 * it comes over the connection the caller already trusts, so after a new internal CA a
 * browser can take the new one before its next connection needs it. null if unreadable. */
static json_t *anchor_json(struct portal *p)
{
	char path[PATH_MAX], pem[PEM_MAX];
	char *slash;
	size_t n = 0;

	portal_https_anchor_path(p, path);
	slash = strrchr(path, '/');
	if (!slash)
		return json_null();
	*slash = '\0';
	if (fs_read(path, slash + 1, pem, sizeof(pem) - 1, &n) < 0)
		return json_null();
	pem[n] = '\0';
	return json_string(pem);
}

static int reloaded(struct api_req *r, json_t **ret, const char *what, int err)
{
	if (err == 0)
		err = api_server_reload(r->srv);
	portal_audit(r->p, &r->actor, what, "https", err);
	if (err < 0)
		return api_error(r, ret, err);
	*ret = json_pack("{s:s, s:b, s:o}", "done", what, "external",
	                 portal_https_is_external(r->p), "certificate", anchor_json(r->p));
	return 200;
}

static int h_server(struct api_req *r, json_t **ret)
{
	int err = portal_authorize(r->p, &r->actor, PORTAL_RIGHT_ORG_ADMIN, NULL);

	if (err == 0)
		err = portal_https_regen_server(r->p, &r->srv->opts->names, utc_now_s());
	return reloaded(r, ret, "https.regen_server", err);
}

static int h_ca(struct api_req *r, json_t **ret)
{
	int err = portal_authorize(r->p, &r->actor, PORTAL_RIGHT_ORG_ADMIN, NULL);

	if (err == 0)
		err = portal_https_regen_ca(r->p, &r->srv->opts->names, utc_now_s());
	return reloaded(r, ret, "https.regen_ca", err);
}

/* A memfd the certificate code reads or writes by path. */
static int memfd_path(char path[64])
{
	int fd = memfd_create("svcport-pem", MFD_CLOEXEC);

	if (fd >= 0)
		snprintf(path, 64, "/proc/self/fd/%d", fd);
	return fd;
}

static int h_csr(struct api_req *r, json_t **ret)
{
	char path[64], pem[PEM_MAX];
	ssize_t n = -1;
	int fd = -1;
	int err = portal_authorize(r->p, &r->actor, PORTAL_RIGHT_ORG_ADMIN, NULL);

	if (err == 0 && (fd = memfd_path(path)) < 0)
		err = -errno;
	if (err == 0)
		err = portal_https_csr(r->p, &r->srv->opts->names, path);
	if (err == 0 && (n = pread(fd, pem, sizeof(pem) - 1, 0)) < 0)
		err = -EIO;
	if (fd >= 0)
		close(fd);
	portal_audit(r->p, &r->actor, "https.csr", "https", err);
	if (err < 0)
		return api_error(r, ret, err);
	pem[n] = '\0';
	*ret = json_pack("{s:s}", "csr", pem);
	return 200;
}

static int h_chain(struct api_req *r, json_t **ret)
{
	const char *chain = api_str(r, "chain");
	char path[64];
	int fd = -1;
	int err = portal_authorize(r->p, &r->actor, PORTAL_RIGHT_ORG_ADMIN, NULL);

	if (err == 0 && (!chain || strlen(chain) > PEM_MAX))
		return api_bad(
		    ret, "send {\"chain\": PEM, the server certificate first, the root last}");
	if (err == 0 && (fd = memfd_path(path)) < 0)
		err = -errno;
	if (err == 0 && write(fd, chain, strlen(chain)) != (ssize_t)strlen(chain))
		err = -EIO;
	if (err == 0)
		err = portal_https_install(r->p, path, utc_now_s());
	if (fd >= 0)
		close(fd);
	return reloaded(r, ret, "https.install", err);
}

const struct api_route api_routes_https[] = {
    {EVHTTP_REQ_POST, "https/server-certificate", true, h_server},
    {EVHTTP_REQ_POST, "https/ca", true, h_ca},
    {EVHTTP_REQ_POST, "https/csr", true, h_csr},
    {EVHTTP_REQ_POST, "https/chain", true, h_chain},
    {0, NULL, false, NULL},
};
