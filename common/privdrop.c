// SPDX-License-Identifier: GPL-2.0-or-later
#include "privdrop.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"

/* Sets permitted and effective to CAP_NET_RAW (keep) or nothing; inheritable nothing. */
static int caps_set(bool keep_net_raw)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[2];
	memset(data, 0, sizeof(data));
	if (keep_net_raw) {
		data[CAP_TO_INDEX(CAP_NET_RAW)].permitted = CAP_TO_MASK(CAP_NET_RAW);
		data[CAP_TO_INDEX(CAP_NET_RAW)].effective = CAP_TO_MASK(CAP_NET_RAW);
	}
	if (syscall(SYS_capset, &hdr, data) < 0)
		return -errno;
	return 0;
}

/* Empties the bounding set (but CAP_NET_RAW when kept) and the ambient set. Needs
 * CAP_SETPCAP: as root, before the uid changes. */
static int bounding_drop(bool keep_net_raw)
{
	for (int cap = 0; cap <= CAP_LAST_CAP; cap++) {
		if (keep_net_raw && cap == CAP_NET_RAW)
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			return -errno;
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return -errno;
	return 0;
}

/* As root: to pw, keeping CAP_NET_RAW if asked. */
static int drop_to(const struct passwd *pw, const char *name, bool keep_net_raw)
{
	int r = bounding_drop(keep_net_raw);
	if (r < 0)
		return r;
	if (keep_net_raw && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return -errno;
	if (setgroups(0, NULL) < 0 || setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0)
		return -errno;
	if (pw->pw_uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
		log_msg(LOG_ERR, "privileges: root could be regained, stopping");
		return -EPERM;
	}
	if (keep_net_raw && pw->pw_uid != 0) {
		r = caps_set(true);
		if (r < 0)
			return r;
	}
	log_msg(LOG_INFO, "privileges: now uid %u gid %u (%s)%s", (unsigned)pw->pw_uid,
	        (unsigned)pw->pw_gid, name, keep_net_raw ? ", CAP_NET_RAW kept for ble:" : "");
	if (pw->pw_uid == 0)
		log_msg(LOG_WARNING, "privileges: still root (--user %s)", name);
	return 0;
}

int privdrop(const struct privdrop_opts *o)
{
	bool root = geteuid() == 0;
	const char *name = o->user && *o->user ? o->user : root ? o->default_user : NULL;
	int r = 0;
	if (name) {
		errno = 0;
		struct passwd *pw = getpwnam(name);
		if (!pw) {
			log_msg(LOG_ERR,
			        "privileges: user '%s' does not exist; create it "
			        "(useradd --system --no-create-home %s) or pass --user NAME",
			        name, name);
			return -ESRCH;
		}
		if (!root && pw->pw_uid != geteuid()) {
			log_msg(LOG_ERR, "privileges: --user %s needs root (running as uid %u)",
			        name, (unsigned)geteuid());
			return -EPERM;
		}
		if (root)
			r = drop_to(pw, name, o->keep_net_raw);
	} else if (root) {
		r = bounding_drop(false);
		if (r == 0)
			r = caps_set(false);
		if (r == 0)
			log_msg(LOG_WARNING, "privileges: still uid 0, every capability dropped "
			                     "(--user NAME runs as a user)");
	}
	if (r == 0 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		r = -errno;
	if (r < 0 && r != -EPERM)
		log_msg(LOG_ERR, "privileges: cannot drop to '%s': %s", name ? name : "uid 0",
		        strerror(-r));
	return r;
}

int privdrop_uid_of(const char *name, uid_t *ret_uid)
{
	const struct passwd *pw = getpwnam(name);

	if (!pw)
		return -ESRCH;
	*ret_uid = pw->pw_uid;
	return 0;
}

int privdrop_socket_share(const char *path, const char *user, uid_t peer_uid)
{
	const struct passwd *peer, *me = NULL;

	if (geteuid() != 0)
		return chmod(path, peer_uid == geteuid() ? 0600 : 0666) < 0 ? -errno : 0;
	peer = getpwuid(peer_uid);
	if (!peer || (user && !(me = getpwnam(user)))) {
		log_msg(LOG_ERR, "privileges: %s: no user %s", path,
		        !peer ? "for the peer's uid" : user);
		return -ESRCH;
	}
	if (chown(path, me ? me->pw_uid : 0, peer->pw_gid) < 0 || chmod(path, 0660) < 0) {
		int e = errno;

		log_msg(LOG_ERR, "privileges: %s: %s", path, strerror(e));
		return -e;
	}
	return 0;
}
