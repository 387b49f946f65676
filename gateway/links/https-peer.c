// SPDX-License-Identifier: GPL-2.0-or-later
/* https-int.h: a network client's address as the back-off's peer (its prefix). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "https-int.h"

void https_peer_prefix(const char *addr, char *prefix, size_t cap)
{
	char a[INET6_ADDRSTRLEN];
	unsigned char b[sizeof(struct in6_addr)];

	snprintf(prefix, cap, "%s", addr ? addr : "?");
	if (!addr)
		return;
	/* A link-local peer's scope ("fe80::1%eth0", from getnameinfo) is no part of the
	 * address: with it inet_pton fails and every address was its own peer (F4). */
	snprintf(a, sizeof(a), "%.*s", (int)strcspn(addr, "%"), addr);
	if (inet_pton(AF_INET6, a, b) == 1 && !IN6_IS_ADDR_V4MAPPED((struct in6_addr *)b)) {
		char p6[INET6_ADDRSTRLEN];
		memset(b + 8, 0, 8);
		if (inet_ntop(AF_INET6, b, p6, sizeof(p6)))
			snprintf(prefix, cap, "%s/64", p6);
		return;
	}
	const char *v4 = !strncmp(a, "::ffff:", 7) ? a + 7 : a;
	if (inet_pton(AF_INET, v4, b) == 1)
		snprintf(prefix, cap, "%u.%u.%u.0/24", b[0], b[1], b[2]);
}
