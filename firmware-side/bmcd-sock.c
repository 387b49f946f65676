// SPDX-License-Identifier: GPL-2.0-or-later
/* svcport-bmcd's unix sockets (bmcd-sock.h). */
#include "bmcd-sock.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "fsutil.h"

bool bmcd_is_peer_allowed(int fd, uid_t want, bool or_root, uid_t *ret_uid)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0)
		return false;
	*ret_uid = cr.uid;
	return cr.uid == want || (or_root && cr.uid == 0);
}

int bmcd_listen(const char *path, mode_t mode)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct fs_stat sb = {0};
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "svcport-bmcd: socket path too long: %s\n", path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	/* A stale socket from a previous run; never remove anything else. */
	if (fs_stat_path(path, &sb) == 0 && S_ISSOCK(sb.mode))
		unlink(path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(path, mode) < 0 ||
	    listen(fd, 8) < 0) {
		int e = errno;

		fprintf(stderr, "svcport-bmcd: %s: %s\n", path, strerror(e));
		close(fd);
		return -e;
	}
	return fd;
}
