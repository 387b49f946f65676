// SPDX-License-Identifier: GPL-2.0-or-later
/* Failed verifications summed up in the audit log (summary.h). */
#include "summary.h"

#include <stdio.h>

#include <mbedtls/platform_util.h>

#define SHOWN_MAX 99999u /* counts above show as this: the detail stays bounded */

static unsigned shown(uint32_t n)
{
	return n > SHOWN_MAX ? SHOWN_MAX : n;
}

void bmc_summary_flush(struct bmc *b, bool force)
{
	static svcport_v1_BmcState next;
	const uint64_t now = b->env.now_ms(b->env.user_data);
	const uint32_t *f, *o;
	struct rl_window w;
	char detail[256]; /* at most 200 used: SHOWN_MAX has 5 digits */
	struct audit_entry e;

	if (!ratelimit_window_take(&b->rl, now, SUMMARY_INTERVAL_MS, force, &w))
		return;
	f = w.failed;
	o = w.backed_off;
	snprintf(detail, sizeof(detail),
	         "in %llu s: failed ble=%u usb=%u sim=%u usb+presence=%u net=%u portal=%u, "
	         "backed off ble=%u usb=%u sim=%u usb+presence=%u net=%u portal=%u",
	         (unsigned long long)((now - w.start_ms) / 1000u), shown(f[1]), shown(f[2]),
	         shown(f[3]), shown(f[RL_CEILING_PRESENT]), shown(f[4]), shown(f[5]), shown(o[1]),
	         shown(o[2]), shown(o[3]), shown(o[RL_CEILING_PRESENT]), shown(o[4]), shown(o[5]));
	e = (struct audit_entry){.time = now / 1000u,
	                         .event = "verify-failures",
	                         .detail = detail,
	                         .result = svcport_v1_ErrorCode_ERROR_NONE};
	next = b->st;
	if (bmc_commit(b, &next, &e, NULL) < 0)
		mbedtls_platform_zeroize(&w, sizeof(w)); /* dropped: the next window counts anew */
}
