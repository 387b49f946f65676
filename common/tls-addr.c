// SPDX-License-Identifier: GPL-2.0-or-later
/* A server connection's peer address, for max_per_addr (see tls.h). */
#include "tls-internal.h"

#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

void tls_fd_peer(int fd, uint8_t out[TLS_PEER_LEN])
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	memset(out, 0, TLS_PEER_LEN);
	if (fd < 0 || getpeername(fd, (struct sockaddr *)&ss, &len) != 0)
		return;
	if (ss.ss_family == AF_INET) {
		out[0] = 4;
		memcpy(out + 1, &((struct sockaddr_in *)&ss)->sin_addr, 4);
	} else if (ss.ss_family == AF_INET6) {
		out[0] = 16;
		memcpy(out + 1, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
	}
}
