// SPDX-License-Identifier: GPL-2.0-or-later
/* https-int.h: the link credentials of the https: link, re-read when they change. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "https-int.h"
#include "log.h"
#include "tls.h"

#define KEY_FILE     "link.key"
#define CHAIN_FILE   "link-chain.pem"
#define RETRY_MS     1000u
#define RELOG_MS     60000u /* a load still failing is logged again after this long */
#define OLD_CFGS_MAX 4      /* earlier configurations whose connections may still be open */

struct file_sig {
	uint64_t ino, size;
	int64_t mtime_s;
	uint32_t mtime_ns;
	bool present;
};

struct https_creds {
	char key[GW_LINK_PATH_MAX];
	char chain[GW_LINK_PATH_MAX];
	char link_name[128];
	struct file_sig key_sig, chain_sig; /* of the files last looked at */
	bool loaded_ok;                     /* cur matches key_sig/chain_sig */
	bool logged;                        /* the failure was logged since the last change */
	uint64_t next_try_ms, next_log_ms;
	struct tls_config *cur; /* what handshakes get: the last pair that loaded */
	struct tls_config *old[OLD_CFGS_MAX];
};

static void file_sig_read(const char *path, struct file_sig *sig)
{
	struct statx st;

	*sig = (struct file_sig){0};
	if (statx(AT_FDCWD, path, 0, STATX_INO | STATX_SIZE | STATX_MTIME, &st) != 0)
		return;
	*sig = (struct file_sig){.ino = st.stx_ino,
	                         .size = st.stx_size,
	                         .mtime_s = st.stx_mtime.tv_sec,
	                         .mtime_ns = st.stx_mtime.tv_nsec,
	                         .present = true};
}

static bool file_sig_equal(const struct file_sig *a, const struct file_sig *b)
{
	return a->present == b->present && a->ino == b->ino && a->size == b->size &&
	       a->mtime_s == b->mtime_s && a->mtime_ns == b->mtime_ns;
}

int https_creds_new(const char *dir, const char *link_name, struct https_creds **ret)
{
	struct https_creds *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	if (snprintf(c->key, sizeof(c->key), "%s/" KEY_FILE, dir) >= (int)sizeof(c->key) ||
	    snprintf(c->chain, sizeof(c->chain), "%s/" CHAIN_FILE, dir) >= (int)sizeof(c->chain)) {
		free(c);
		return -ENAMETOOLONG;
	}
	snprintf(c->link_name, sizeof(c->link_name), "%s", link_name);
	*ret = c;
	return 0;
}

static void creds_retire(struct https_creds *c)
{
	if (!c->cur)
		return;
	/* Its connections hold references; keep it for their close_notify. */
	if (c->old[OLD_CFGS_MAX - 1]) {
		tls_config_shutdown(c->old[OLD_CFGS_MAX - 1]);
		tls_config_unref(c->old[OLD_CFGS_MAX - 1]);
	}
	memmove(&c->old[1], &c->old[0], (OLD_CFGS_MAX - 1) * sizeof(c->old[0]));
	c->old[0] = c->cur;
	c->cur = NULL;
}

void https_creds_free(struct https_creds *c)
{
	if (!c)
		return;
	creds_retire(c);
	for (size_t i = 0; i < OLD_CFGS_MAX; i++)
		if (c->old[i]) {
			tls_config_shutdown(c->old[i]);
			tls_config_unref(c->old[i]);
		}
	free(c);
}

static const char *creds_why(int err)
{
	switch (err) {
	case -ENOENT:
		return "link.key or link-chain.pem missing or unreadable (bmcd --link-dir exports "
		       "them)";
	case -EINVAL:
		return "link.key does not match the first certificate of link-chain.pem";
	default:
		return tls_config_error(err);
	}
}

/*
 * Loads the pair the files hold now. Only a pair that loads replaces cur: bmcd writes
 * link.key before link-chain.pem (docs/certs.md), so between the two renames the files do
 * not match, and a half-written or removed pair must not take down the link that was
 * serving (the key authorises nothing; every command is still signed). A failure is logged
 * once per change of the files, and again each RELOG_MS while it lasts.
 */
static void creds_load(struct https_creds *c, uint64_t now_ms)
{
	struct tls_limits lim = {.max_conns = HTTPS_CONNS_MAX,
	                         .max_per_addr = HTTPS_CONNS_PER_ADDR};
	struct tls_config *cfg = NULL;
	int err = tls_config_server_new(c->chain, c->key, &lim, &cfg);

	if (err < 0) {
		if (!c->logged || now_ms >= c->next_log_ms) {
			log_msg(LOG_WARNING, "link %s: %s: %s", c->link_name,
			        c->cur ? "keeping the previous link certificate"
			               : "refusing connections",
			        creds_why(err));
			c->next_log_ms = now_ms + RELOG_MS;
		}
		c->logged = true;
		c->loaded_ok = false;
		return;
	}
	creds_retire(c);
	c->cur = cfg;
	c->loaded_ok = true;
	log_msg(LOG_INFO, "link %s: link certificate loaded from %s", c->link_name, c->chain);
}

struct tls_config *https_creds_current(struct https_creds *c, uint64_t now_ms)
{
	struct file_sig key, chain;

	file_sig_read(c->key, &key);
	file_sig_read(c->chain, &chain);
	bool changed = !file_sig_equal(&key, &c->key_sig) || !file_sig_equal(&chain, &c->chain_sig);
	if (changed || (!c->loaded_ok && now_ms >= c->next_try_ms)) {
		if (changed)
			c->logged = false;
		c->key_sig = key;
		c->chain_sig = chain;
		creds_load(c, now_ms);
		c->next_try_ms = now_ms + RETRY_MS;
	}
	return c->cur;
}

void https_creds_closecb(struct https_creds *c, struct evhttp_connection *evcon)
{
	if (c->cur)
		tls_evhttp_closecb(evcon, c->cur);
	for (size_t i = 0; i < OLD_CFGS_MAX; i++)
		if (c->old[i])
			tls_evhttp_closecb(evcon, c->old[i]);
}

bool https_creds_conn_fail(struct https_creds *c, struct bufferevent *bev, const char *why)
{
	if (c->cur && tls_bev_fail(c->cur, bev, why))
		return true;
	for (size_t i = 0; i < OLD_CFGS_MAX; i++)
		if (c->old[i] && tls_bev_fail(c->old[i], bev, why))
			return true;
	return false;
}

bool https_creds_conn_is_live(const struct https_creds *c, const struct bufferevent *bev)
{
	if (c->cur && tls_bev_is_live(c->cur, bev))
		return true;
	for (size_t i = 0; i < OLD_CFGS_MAX; i++)
		if (c->old[i] && tls_bev_is_live(c->old[i], bev))
			return true;
	return false;
}
