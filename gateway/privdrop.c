// SPDX-License-Identifier: GPL-2.0-or-later
#include "privdrop.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "config.h"
#include "log.h"

static int keep_only_net_raw(void)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[2];
	memset(data, 0, sizeof(data));
	data[CAP_TO_INDEX(CAP_NET_RAW)].permitted = CAP_TO_MASK(CAP_NET_RAW);
	data[CAP_TO_INDEX(CAP_NET_RAW)].effective = CAP_TO_MASK(CAP_NET_RAW);
	if (syscall(SYS_capset, &hdr, data) < 0)
		return -errno;
	return 0;
}

int privdrop(const char *user, bool keep_net_raw)
{
	bool root = geteuid() == 0;
	const char *name = user && *user ? user : root ? GW_DEFAULT_USER : NULL;
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
		if (root) {
			if (keep_net_raw && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
				goto fail;
			if (setgroups(0, NULL) < 0 || setgid(pw->pw_gid) < 0 ||
			    setuid(pw->pw_uid) < 0)
				goto fail;
			if (pw->pw_uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
				log_msg(LOG_ERR, "privileges: root could be regained, stopping");
				return -EPERM;
			}
			if (keep_net_raw && pw->pw_uid != 0) {
				int r = keep_only_net_raw();
				if (r < 0) {
					log_msg(LOG_ERR, "privileges: capset: %s", strerror(-r));
					return r;
				}
			}
			log_msg(LOG_INFO, "privileges: now uid %u gid %u (%s)%s",
			       (unsigned)pw->pw_uid, (unsigned)pw->pw_gid, name,
			       keep_net_raw ? ", CAP_NET_RAW kept for ble:" : "");
			if (pw->pw_uid == 0)
				log_msg(LOG_WARNING, "privileges: still root (--user %s)", name);
		}
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		goto fail;
	return 0;

fail:;
	int e = errno;
	log_msg(LOG_ERR, "privileges: cannot drop to '%s': %s", name ? name : "?", strerror(e));
	return -e;
}
