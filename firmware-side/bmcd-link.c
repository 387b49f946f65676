// SPDX-License-Identifier: GPL-2.0-or-later
/* bmcd's export of the link credentials (bmcd-link.h). */
#include "bmcd-link.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#include "fsutil.h"
#include "linkcreds.h"
#include "log.h"

struct bmcd_link {
	struct bmc *bmc;
	char dir[PATH_MAX];
	unsigned char digest[32]; /* of what the files on disk were made from */
	bool exported;            /* the files on disk are digest's */
};

/* Writes the three files, the chain last. 0 or -errno. */
static int link_write(struct bmcd_link *l, const struct bmc_link_creds *c)
{
	int ret = fs_atomic_write(l->dir, BMCD_LINK_KEY, c->key_pem, c->key_len, BMCD_LINK_MODE);

	if (ret == 0)
		ret = fs_atomic_write(l->dir, BMCD_LINK_STATEMENT, c->statement, c->statement_len,
		                      BMCD_LINK_MODE);
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

int bmcd_link_open(struct bmc *bmc, const char *dir, struct bmcd_link **ret_link)
{
	struct bmcd_link *l;

	*ret_link = NULL;
	if (!dir)
		return 0;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->bmc = bmc;
	if (snprintf(l->dir, sizeof(l->dir), "%s", dir) >= (int)sizeof(l->dir)) {
		free(l);
		return -ENAMETOOLONG;
	}
	*ret_link = l;
	return link_export(l);
}

void bmcd_link_sync(struct bmcd_link *l)
{
	unsigned char digest[32];

	if (!l)
		return;
	bmc_link_digest(l->bmc, digest);
	if (!l->exported || memcmp(digest, l->digest, sizeof(digest)) != 0)
		(void)link_export(l);
}

void bmcd_link_close(struct bmcd_link *l)
{
	free(l);
}
