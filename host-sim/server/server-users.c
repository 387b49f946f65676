// SPDX-License-Identifier: GPL-2.0-or-later
/* The simulated daemons' users and the files they need. */
#include "server-users.h"

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "out.h"

static int pick(const char *want, char *name, size_t cap, uid_t *ret_uid, gid_t *ret_gid)
{
	const struct passwd *pw = getpwnam(want);
	if (!pw)
		pw = getpwnam("nobody");
	if (!pw)
		return -ESRCH;
	snprintf(name, cap, "%s", pw->pw_name);
	*ret_uid = pw->pw_uid;
	*ret_gid = pw->pw_gid;
	return 0;
}

int server_users_pick(struct server_users *u)
{
	*u = (struct server_users){.drop = geteuid() == 0};
	if (!u->drop)
		return 0;
	int r = pick("svcport", u->gw, sizeof(u->gw), &u->gw_uid, &u->gw_gid);
	if (r == 0)
		r = pick("svcport-bmc", u->bmc, sizeof(u->bmc), &u->bmc_uid, &u->bmc_gid);
	snprintf(u->gw_uid_text, sizeof(u->gw_uid_text), "%u", (unsigned)u->gw_uid);
	return r;
}

static uid_t chown_uid;
static gid_t chown_gid;

static int chown_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return lchown(path, chown_uid, chown_gid) < 0 ? -1 : 0;
}

/* Every folder above path lets others through (o+x). */
static bool is_reachable(const char *path)
{
	char p[PATH_MAX];
	struct stat st;
	if (!realpath(path, p))
		return false;
	for (char *slash = strrchr(p, '/'); slash && slash != p; slash = strrchr(p, '/')) {
		*slash = '\0';
		if (stat(p, &st) < 0 || !(st.st_mode & S_IXOTH))
			return false;
	}
	return true;
}

/* server up --se pkcs11 (server-token.c): bmcd logs in to the token as root, then drops
 * privileges, and SoftHSM2 writes each token object as a file from then on: the token's
 * folder becomes bmcd's user's; its configuration and PIN stay root's (0600), read before
 * the drop, behind a folder others may cross but not list. */
static int token_share(const char *dir)
{
	char hsm[PATH_MAX + 16], tokens[PATH_MAX + 32];
	struct stat st;

	snprintf(hsm, sizeof(hsm), "%s/softhsm", dir);
	snprintf(tokens, sizeof(tokens), "%s/tokens", hsm);
	if (stat(tokens, &st) < 0)
		return 0; /* the file secure element */
	if (chmod(hsm, 0711) < 0 || nftw(tokens, chown_one, 16, FTW_PHYS) < 0)
		return -errno;
	return 0;
}

int server_users_prepare(const struct server_users *u, const char *dir, const char *state_dir)
{
	char comp[PATH_MAX + 32];

	if (!u->drop)
		return 0;
	if (!is_reachable(dir)) {
		out_progress("  %s: a folder above it is closed to others: svcportd runs as %s "
		             "and could not reach bmcd.sock (chmod o+x, or a folder under /tmp)",
		             dir, u->gw);
		return -EACCES;
	}
	if (chmod(dir, 0711) < 0)
		return -errno;
	chown_uid = u->bmc_uid;
	chown_gid = u->bmc_gid;
	if (nftw(state_dir, chown_one, 16, FTW_PHYS) < 0)
		return -errno;
	/* The board's SED AK backup component (server_hw_sed_component) and its chip
	 * are bmcd's to write, the cover's latch (server_hw_latch_dir) bmcd's to clear. */
	for (int i = 0; i < 3; i++)
		if (snprintf(comp, sizeof(comp), "%s/hw/%s", dir,
		             i == 2 ? "sed-component-key"
		             : i    ? "latch"
		                    : "sed-component") < (int)sizeof(comp) &&
		    access(comp, F_OK) == 0 && nftw(comp, chown_one, 4, FTW_PHYS) < 0)
			return -errno;
	return token_share(dir);
}

int server_users_link_dir(const struct server_users *u, const char *link_dir)
{
	if (mkdir(link_dir, 0750) < 0 && errno != EEXIST)
		return -errno;
	if (u->drop && chown(link_dir, u->bmc_uid, u->gw_gid) < 0)
		return -errno;
	return chmod(link_dir, u->drop ? 02750 : 0750) < 0 ? -errno : 0;
}
