// SPDX-License-Identifier: GPL-2.0-or-later
/* The https: link's back-off peer of a client address (gateway/links/https-peer.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "https-int.h"

static void expect_prefix(const char *addr, const char *want)
{
	char p[HTTPS_PEER_MAX];

	https_peer_prefix(addr, p, sizeof(p));
	assert_string_equal(p, want);
}

static void test_prefixes(void **state)
{
	(void)state;
	expect_prefix("192.0.2.77", "192.0.2.0/24");
	expect_prefix("::ffff:192.0.2.77", "192.0.2.0/24");
	expect_prefix("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64");
	expect_prefix("2001:db8:1:2::9", "2001:db8:1:2::/64");
	expect_prefix(NULL, "?");
	expect_prefix("not an address", "not an address");
}

/* Re-attack 16h F4: a link-local peer (evhttp gives its scope) was its own peer per
 * address, so rotating link-local addresses escaped the /64. */
static void test_link_local_scope(void **state)
{
	(void)state;
	expect_prefix("fe80::1%eth0", "fe80::/64");
	expect_prefix("fe80::fc:ff:fe00:77%eth0", "fe80::/64");
	expect_prefix("fe80::2%2", "fe80::/64");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_prefixes),
	    cmocka_unit_test(test_link_local_scope),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
