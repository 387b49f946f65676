// SPDX-License-Identifier: GPL-2.0-or-later
/* bmcd's management addresses and its export of the link credentials (bmcd-link.h). */
#include "bmcd-link.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <mbedtls/platform_util.h>

#include "fsutil.h"
#include "linkcreds.h"
#include "log.h"
#include "mgmtaddr.h"

struct bmcd_link {
	struct bmc *bmc;
	char dir[PATH_MAX];       /* "": no export */
	char addr_path[PATH_MAX]; /* "": no address file */
	int ino_fd;               /* inotify on addr_path's folder, or -1 */
	struct loop_io *ino_io;
	char addr_err[160];       /* the last complaint about the file: said once */
	unsigned char digest[32]; /* of what the files on disk were made from */
	bool exported;            /* the files on disk are digest's */
};

/* Writes the four files, the chain last. 0 or -errno. */
static int link_write(struct bmcd_link *l, const struct bmc_link_creds *c)
{
	int ret = fs_atomic_write(l->dir, BMCD_LINK_KEY, c->key_pem, c->key_len, BMCD_LINK_MODE);

	if (ret == 0)
		ret = fs_atomic_write(l->dir, BMCD_LINK_STATEMENT, c->statement, c->statement_len,
		                      BMCD_LINK_MODE);
	if (ret == 0)
		ret = fs_atomic_write(l->dir, BMCD_LINK_INTERNAL_CHAIN, c->internal_chain_pem,
		                      c->internal_chain_len, BMCD_LINK_MODE);
	if (ret == 0)
		ret = fs_atomic_write(l->dir, BMCD_LINK_CHAIN, c->chain_pem, c->chain_len,
		                      BMCD_LINK_MODE);
	return ret;
}

static int link_export(struct bmcd_link *l)
{
	static struct bmc_link_creds c;
	unsigned char digest[32];
	int ret;

	bmc_link_digest(l->bmc, digest);
	ret = bmc_link_credentials(l->bmc, &c);
	if (ret == 0)
		ret = link_write(l, &c);
	mbedtls_platform_zeroize(&c, sizeof(c));
	if (ret < 0) {
		l->exported = false;
		log_msg(LOG_ERR, "link credentials not exported to %s: %s (retried)", l->dir,
		        strerror(-ret));
		return ret;
	}
	memcpy(l->digest, digest, sizeof(digest));
	l->exported = true;
	log_msg(LOG_INFO, "link credentials exported to %s", l->dir);
	return 0;
}

/* The address file read again; the link certificate issued again if they changed. */
static void addresses_update(struct bmcd_link *l)
{
	unsigned char der[LINKCREDS_SAN_MAX];
	char what[256], err[160];
	size_t len = 0;
	bool changed;
	int r;

	if (!l->addr_path[0])
		return;
	r = mgmtaddr_read(l->addr_path, der, sizeof(der), &len, what, sizeof(what), err,
	                  sizeof(err));
	if (r < 0) {
		if (strcmp(err, l->addr_err) != 0)
			log_msg(LOG_ERR,
			        "--mgmt-addresses: %s (the link certificate keeps its names)", err);
		snprintf(l->addr_err, sizeof(l->addr_err), "%s", err);
		return;
	}
	l->addr_err[0] = 0;
	r = bmc_link_addresses_set(l->bmc, der, len, what, &changed);
	if (r < 0)
		log_msg(LOG_ERR, "management addresses %s: not stored (%s); retried", what,
		        strerror(-r));
	else if (changed)
		log_msg(LOG_NOTICE, "management addresses now %s: link certificate issued again",
		        what);
}

void bmcd_link_sync(struct bmcd_link *l)
{
	unsigned char digest[32];

	if (!l || !l->dir[0])
		return;
	bmc_link_digest(l->bmc, digest);
	if (!l->exported || memcmp(digest, l->digest, sizeof(digest)) != 0)
		(void)link_export(l);
}

void bmcd_link_tick(struct bmcd_link *l)
{
	if (!l)
		return;
	addresses_update(l);
	bmcd_link_sync(l);
}

static void on_inotify(int fd, unsigned events, void *user_data)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));

	/* Which entry changed does not matter: the file is small, read it again. */
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	bmcd_link_tick(user_data);
}

/* Watches addr_path's folder (renames into it, writes, removals). A failure is
 * logged: the tick reads the file anyway. */
static void watch_start(struct loop *loop, struct bmcd_link *l)
{
	char folder[PATH_MAX];

	snprintf(folder, sizeof(folder), "%s", l->addr_path);
	l->ino_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (l->ino_fd < 0 ||
	    inotify_add_watch(l->ino_fd, dirname(folder),
	                      IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE |
	                          IN_DELETE) < 0 ||
	    loop_io_new(loop, l->ino_fd, LOOP_READ, on_inotify, l, &l->ino_io) < 0)
		log_msg(LOG_WARNING, "--mgmt-addresses %s: not watched (%s): read every %d s",
		        l->addr_path, strerror(errno), BMC_TICK_MS / 1000);
}

int bmcd_link_open(struct loop *loop, struct bmc *bmc, const char *dir, const char *addr_path,
                   struct bmcd_link **ret_link)
{
	struct bmcd_link *l;

	*ret_link = NULL;
	if (!dir && !addr_path)
		return 0;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->bmc = bmc;
	l->ino_fd = -1;
	if (snprintf(l->dir, sizeof(l->dir), "%s", dir ? dir : "") >= (int)sizeof(l->dir) ||
	    snprintf(l->addr_path, sizeof(l->addr_path), "%s", addr_path ? addr_path : "") >=
	        (int)sizeof(l->addr_path)) {
		free(l);
		return -ENAMETOOLONG;
	}
	if (addr_path)
		watch_start(loop, l);
	*ret_link = l;
	bmcd_link_tick(l);
	return 0;
}

void bmcd_link_close(struct bmcd_link *l)
{
	if (!l)
		return;
	loop_io_free(l->ino_io);
	if (l->ino_fd >= 0)
		close(l->ino_fd);
	free(l);
}
