// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The board's hardware events (bmc.h): the intrusion switch under the
 * anti-tampering keylock option, and the external diagnostics handset's
 * password reset and revert to defaults, with the guide's two handset
 * policies. Each change goes through bmc_commit() like any other.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bmc.h"
#include "board.h"
#include "sealed.h"

/* No keylock input: engaged (fail closed: the option then releases nothing). */
bool bmc_is_chassis_locked(struct bmc *b)
{
	return !b->presence.is_chassis_locked ||
	       b->presence.is_chassis_locked(b->presence.user_data);
}

bool bmc_is_intrusion_counted(struct bmc *b, const svcport_v1_BmcState *st)
{
	if (!st->sensors.intrusion_enabled)
		return false;
	/* The guide's keylock kit: with the lock released the cover may open. */
	return !st->keylock_enabled || bmc_is_chassis_locked(b);
}

/* The keylock at the opening where the latch recorded it, else now. */
static bool is_opening_counted(struct bmc *b, const svcport_v1_BmcState *st, enum bmc_hw_event ev)
{
	if (ev == BMC_HW_COVER_OPENED)
		return bmc_is_intrusion_counted(b, st);
	return st->sensors.intrusion_enabled &&
	       (!st->keylock_enabled || ev == BMC_HW_COVER_OPENED_ENGAGED);
}

/* The Administrator+ password back to the label's; the AK too under the policy. */
static bool reset_password(svcport_v1_BmcState *next, bool clears_ak)
{
	next->admin_password_salt.size = 0;
	next->admin_password_hash.size = 0;
	next->admin_password_must_change = true;
	/* Whoever is at the machine has the Administrator+ now: the console's
	 * `activate` needs the UEFI password until the next activation (M3). */
	next->reset_since_activation = true;
	next->reset_unconfirmed = true;
	if (!clears_ak || !next->sed_ak_present)
		return false;
	sealed_sed_ak_clear(next);
	next->lockdown_state = svcport_v1_LockdownState_LOCKDOWN_LOCKED;
	return true;
}

void bmc_settings_revert(svcport_v1_BmcState *st)
{
	memset(st->accounts, 0, sizeof(st->accounts));
	st->accounts_count = 0;
	st->emergency_reset_clears_sed_ak = true;
	st->ble_presence_allowed = false;
	st->handset_revert_resets_password = false;
	st->factory_reset_keeps_sed_ak = false;
	st->keylock_enabled = false;
}

/* The handset's revert; the password too under its policy. */
static bool revert(svcport_v1_BmcState *next)
{
	const bool resets_pw = next->handset_revert_resets_password;
	const bool clears_ak = next->emergency_reset_clears_sed_ak;

	bmc_settings_revert(next);
	return resets_pw && reset_password(next, clears_ak);
}

void bmc_hardware_fault(struct bmc *b, const char *fault)
{
	snprintf(b->hw_fault, sizeof(b->hw_fault), "%s", fault ? fault : "");
}

const char *bmc_hardware_fault_get(const struct bmc *b)
{
	return b->hw_fault;
}

int bmc_hardware_event(struct bmc *b, enum bmc_hw_event ev, struct bmc_outcome *out)
{
	static svcport_v1_BmcState next;
	struct audit_entry e = {.time = bmc_now_s(b), .result = svcport_v1_ErrorCode_ERROR_NONE};
	enum bmc_hold hold;
	char detail[96] = "";
	bool cleared = false;
	int ret;

	*out =
	    (struct bmc_outcome){.request = "hardware", .result = svcport_v1_ErrorCode_ERROR_NONE};
	next = b->st;
	switch (ev) {
	case BMC_HW_COVER_OPENED:
	case BMC_HW_COVER_OPENED_ENGAGED:
	case BMC_HW_COVER_OPENED_RELEASED:
		if (!is_opening_counted(b, &next, ev)) {
			out->detail = "cover opened: not counted (sensor off or keylock released)";
			return 0;
		}
		next.lockdown_state = svcport_v1_LockdownState_LOCKDOWN_LOCKED;
		e.event = "tamper-intrusion";
		if (b->hw_fault[0])
			snprintf(detail, sizeof(detail), "%.72s: counted as open", b->hw_fault);
		else
			snprintf(detail, sizeof(detail), "cover opened%s%s",
			         next.keylock_enabled ? " with the keylock engaged" : "",
			         ev == BMC_HW_COVER_OPENED ? "" : " (latched)");
		break;
	case BMC_HW_HANDSET_PASSWORD_RESET:
		cleared = reset_password(&next, next.emergency_reset_clears_sed_ak);
		e.event = "handset-password-reset";
		snprintf(detail, sizeof(detail), "password=label sed-ak=%s",
		         cleared ? "cleared" : "kept");
		break;
	case BMC_HW_HANDSET_REVERT:
		cleared = revert(&next);
		e.event = "handset-revert";
		snprintf(detail, sizeof(detail), "password=%s sed-ak=%s",
		         next.admin_password_hash.size || !b->st.admin_password_hash.size ? "kept"
		                                                                          : "label",
		         cleared ? "cleared" : "kept");
		break;
	default:
		out->result = svcport_v1_ErrorCode_BAD_REQUEST;
		out->detail = "unknown hardware event";
		return -EINVAL;
	}
	e.detail = detail;
	out->request = e.event;
	ret = bmc_commit(b, &next, &e, &hold);
	if (ret < 0) {
		out->result = svcport_v1_ErrorCode_INTERNAL;
		out->detail =
		    hold == BMC_HOLD_NONE      ? "not stored; nothing changed"
		    : hold == BMC_HOLD_LATCHED ? "not stored; what reduces access is latched"
		    : hold == BMC_HOLD_MEMORY  ? "not stored; held in memory only (latch failed)"
		                               : "written, not durable yet; bmcd finishes it";
	}
	return ret;
}
