// SPDX-License-Identifier: GPL-2.0-or-later
/* The board's state and its one durable commit (board.h). */
#include <mbedtls/sha256.h>

#include "bmc.h"
#include "board.h"
#include "state.h"

void bmc_refresh_fingerprints(struct bmc *b)
{
	for (pb_size_t i = 0; i < b->st.signer_cache_count; i++)
		mbedtls_sha256_ret(b->st.signer_cache[i].bytes, b->st.signer_cache[i].size,
		                   b->signer_fp[i], 0);
}

int bmc_commit(struct bmc *b, svcport_v1_BmcState *next, const struct audit_entry *e)
{
	int ret = audit_append(b->dir, next, e);

	if (ret == 0)
		ret = bmc_state_store(b->dir, next);
	if (ret < 0)
		return ret;
	b->st = *next;
	bmc_refresh_fingerprints(b);
	return 0;
}

const svcport_v1_BmcState *bmc_state(const struct bmc *b)
{
	return &b->st;
}

svcport_v1_SecurityLed bmc_security_led(const svcport_v1_BmcState *st)
{
	if (st->lockdown_state != svcport_v1_LockdownState_LOCKDOWN_ACTIVE)
		return svcport_v1_SecurityLed_LED_BLINKING;
	if (st->sensors.intrusion_enabled || st->sensors.motion_enabled ||
	    st->control_mode == svcport_v1_ControlMode_CONTROL_PORTAL_MANAGED)
		return svcport_v1_SecurityLed_LED_ON;
	return svcport_v1_SecurityLed_LED_OFF;
}
