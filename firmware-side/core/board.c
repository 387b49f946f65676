// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The board's state and its one durable commit (board.h), and the fail-closed
 * rule of DESIGN §4.6: a change that reduces access takes effect in memory at
 * once; if it cannot be stored, the SE's latch keeps it in force across a
 * restart.
 */
#include <stdio.h>
#include <string.h>

#include <mbedtls/sha256.h>

#include "bmc.h"
#include "board.h"
#include "sealed.h"
#include "state.h"

#define L(x) BMC_LATCH_##x

void bmc_refresh_fingerprints(struct bmc *b)
{
	for (pb_size_t i = 0; i < b->st.signer_cache_count; i++)
		mbedtls_sha256_ret(b->st.signer_cache[i].bytes, b->st.signer_cache[i].size,
		                   b->signer_fp[i], 0);
}

uint32_t bmc_latch_flags(const svcport_v1_BmcState *cur, const svcport_v1_BmcState *next)
{
	uint32_t f = 0;

	if (cur->lockdown_state == svcport_v1_LockdownState_LOCKDOWN_ACTIVE &&
	    next->lockdown_state != svcport_v1_LockdownState_LOCKDOWN_ACTIVE)
		f |= L(LOCKED);
	if (cur->sed_ak_present && !next->sed_ak_present)
		f |= L(SED_AK);
	if (cur->admin_password_hash.size != 0 && next->admin_password_hash.size == 0)
		f |= L(PASSWORD);
	if (cur->control_mode != svcport_v1_ControlMode_CONTROL_PORTAL_MANAGED &&
	    next->control_mode == svcport_v1_ControlMode_CONTROL_PORTAL_MANAGED)
		f |= L(PORTAL);
	if (next->trust_sequence > cur->trust_sequence)
		f |= L(TRUST);
	return f;
}

/* Applies the latch's flags to st; a trust update it cannot carry becomes a floor. */
static void latch_apply(svcport_v1_BmcState *st, const struct se_latch *l)
{
	if (l->flags & L(LOCKED))
		st->lockdown_state = svcport_v1_LockdownState_LOCKDOWN_LOCKED;
	if (l->flags & L(SED_AK))
		sealed_sed_ak_clear(st);
	if (l->flags & L(PASSWORD)) {
		st->admin_password_salt.size = 0;
		st->admin_password_hash.size = 0;
		st->admin_password_must_change = true;
		st->reset_since_activation = true; /* as the reset that set the flag did */
		st->reset_unconfirmed = true;
	}
	if (l->flags & L(PORTAL))
		st->control_mode = svcport_v1_ControlMode_CONTROL_PORTAL_MANAGED;
	if ((l->flags & L(TRUST)) && st->trust_sequence < l->trust_sequence &&
	    st->trust_sequence_required < l->trust_sequence)
		st->trust_sequence_required = l->trust_sequence;
}

/*
 * flags added to the latch, against memory's record: every record after it
 * is built from memory, which holds them (and whatever the latch held).
 */
static enum bmc_hold latch_add(struct bmc *b, const svcport_v1_BmcState *next, uint32_t flags)
{
	struct se_latch l = b->latch;

	if (l.flags == 0)
		l = (struct se_latch){0};
	l.flags |= flags;
	l.counter = b->st.state_counter;
	if ((flags & L(TRUST)) && next->trust_sequence > l.trust_sequence)
		l.trust_sequence = next->trust_sequence;
	if (se_latch_put(b->se, &l) < 0)
		return BMC_HOLD_MEMORY;
	b->latch = l;
	return BMC_HOLD_LATCHED;
}

static void unstored_note(struct bmc *b, const struct audit_entry *e, bool written)
{
	b->unstored = true;
	b->unstored_written = written;
	snprintf(b->unstored_event, sizeof(b->unstored_event), "%s", e->event);
	snprintf(b->unstored_detail, sizeof(b->unstored_detail), "%s", e->detail ? e->detail : "");
}

/* The access-reducing part of next into memory, and into the latch. */
static enum bmc_hold hold(struct bmc *b, const svcport_v1_BmcState *next, uint32_t flags,
                          const struct audit_entry *e)
{
	latch_apply(&b->st, &(struct se_latch){.flags = flags & ~L(TRUST)});
	if (flags & L(TRUST)) {
		/* In this run the new roots themselves are at hand: no floor needed. */
		memcpy(b->st.trust_anchors, next->trust_anchors, sizeof(b->st.trust_anchors));
		b->st.trust_anchors_count = next->trust_anchors_count;
		b->st.trust_sequence = next->trust_sequence;
		b->st.signer_cache_count = next->signer_cache_count;
		memcpy(b->st.signer_cache, next->signer_cache, sizeof(b->st.signer_cache));
		bmc_refresh_fingerprints(b);
	}
	unstored_note(b, e, false);
	return latch_add(b, next, flags);
}

/* A store: first the finish of a record an earlier store left in place. */
static int store(struct bmc *b, svcport_v1_BmcState *next, const struct audit_entry *e,
                 bool *landed)
{
	int ret = bmc_state_finish(b->dir, b->se, b->st.state_counter);

	*landed = false;
	if (ret == 0)
		ret = audit_append(b->dir, next, e);
	if (ret == 0)
		ret = bmc_state_store(b->dir, b->se, next, landed);
	return ret;
}

static void adopt(struct bmc *b, const svcport_v1_BmcState *st)
{
	b->st = *st;
	bmc_refresh_fingerprints(b);
}

/* Memory is on disk now: the latch has nothing left to hold. */
static void latch_release(struct bmc *b)
{
	static const struct se_latch clear;

	b->unstored = false;
	b->unstored_written = false;
	if (b->latch.flags && se_latch_put(b->se, &clear) == 0)
		b->latch = clear;
}

int bmc_commit(struct bmc *b, svcport_v1_BmcState *next, const struct audit_entry *e,
               enum bmc_hold *ret_hold)
{
	static svcport_v1_BmcState try; /* large; the core is single-threaded */
	const uint32_t flags = bmc_latch_flags(&b->st, next);
	enum bmc_hold h = BMC_HOLD_NONE;
	bool landed = false;
	int ret = 0;

	for (int i = 0; i < (flags ? BMC_STORE_TRIES : 1); i++) {
		/* Once try is in state.pb, storing it again would first cut the audit
		 * record it binds: only its finish is tried again. */
		if (landed) {
			ret = bmc_state_finish(b->dir, b->se, try.state_counter);
		} else {
			/* A failed try may have advanced its copy's audit end and counter. */
			try = *next;
			ret = store(b, &try, e, &landed);
		}
		if (ret == 0)
			break;
	}
	if (ret == 0) {
		adopt(b, &try);
		latch_release(b);
	} else if (landed) {
		/* The disk may hold try, a restart would load it: memory takes it too
		 * (never "nothing changed"); the latch holds against the record before. */
		h = flags ? latch_add(b, next, flags) : BMC_HOLD_WRITTEN;
		adopt(b, &try);
		unstored_note(b, e, true);
	} else if (flags) {
		h = hold(b, next, flags, e);
	}
	if (ret_hold)
		*ret_hold = h;
	return ret;
}

void bmc_store_retry(struct bmc *b)
{
	static svcport_v1_BmcState next;
	char event[sizeof(b->unstored_event)], detail[128];
	struct audit_entry e;

	if (!b->unstored)
		return;
	if (b->unstored_written) {
		/* Memory is the record in state.pb, its audit record with it. */
		if (bmc_state_finish(b->dir, b->se, b->st.state_counter) == 0)
			latch_release(b);
		return;
	}
	snprintf(event, sizeof(event), "%s", b->unstored_event);
	snprintf(detail, sizeof(detail), "stored late: %s",
	         b->unstored_detail[0] ? b->unstored_detail
	                               : "held in memory and the latch until now");
	e = (struct audit_entry){.time = bmc_now_s(b),
	                         .event = event,
	                         .detail = detail,
	                         .result = svcport_v1_ErrorCode_ERROR_NONE};
	next = b->st;
	if (bmc_commit(b, &next, &e, NULL) < 0)
		return; /* still failing: the next tick tries again */
}

int bmc_latch_open(struct bmc *b)
{
	static svcport_v1_BmcState next;
	static const struct se_latch clear;
	char detail[128];
	struct audit_entry e;
	int ret = se_latch_get(b->se, &b->latch);

	if (ret < 0 || b->latch.flags == 0)
		return ret;
	if (b->st.state_counter > b->latch.counter) {
		/* A record stored after the latch was set holds all it held. */
		if (se_latch_put(b->se, &clear) == 0)
			b->latch = clear;
		return 0;
	}
	next = b->st;
	latch_apply(&next, &b->latch);
	snprintf(
	    detail, sizeof(detail), "record %llu was %s; latch 0x%x from record %llu: %s",
	    (unsigned long long)b->st.state_counter,
	    b->st.lockdown_state == svcport_v1_LockdownState_LOCKDOWN_ACTIVE ? "ACTIVE" : "LOCKED",
	    (unsigned)b->latch.flags, (unsigned long long)b->latch.counter,
	    next.lockdown_state == svcport_v1_LockdownState_LOCKDOWN_ACTIVE ? "ACTIVE" : "LOCKED");
	e = (struct audit_entry){.time = bmc_now_s(b),
	                         .event = "latch-reconcile",
	                         .detail = detail,
	                         .result = svcport_v1_ErrorCode_ERROR_NONE};
	if (bmc_commit(b, &next, &e, NULL) < 0 && !b->unstored) {
		/* Nothing in it reduced access any more than the record: hold it all the same. */
		latch_apply(&b->st, &b->latch);
		unstored_note(b, &e, false);
	}
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
	/* The guide: ON when SED, a tamper sensor or portal control is enabled. */
	if (st->sed_enabled || st->sensors.intrusion_enabled || st->sensors.motion_enabled ||
	    st->control_mode == svcport_v1_ControlMode_CONTROL_PORTAL_MANAGED)
		return svcport_v1_SecurityLed_LED_ON;
	return svcport_v1_SecurityLed_LED_OFF;
}
