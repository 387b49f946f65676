// SPDX-License-Identifier: GPL-2.0-or-later
/* bmcd's watch on the cover and the handset (hwwatch.h). */
#include "hwwatch.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

static const struct {
	enum hwin_input in;
	enum bmc_hw_event ev;
	bool at_start; /* active at the first reading counts (the cover: fail closed) */
} watched[] = {
    {HWIN_COVER, BMC_HW_COVER_OPENED, true},
    {HWIN_HANDSET_PASSWORD_RESET, BMC_HW_HANDSET_PASSWORD_RESET, false},
    {HWIN_HANDSET_REVERT, BMC_HW_HANDSET_REVERT, false},
};

/*
 * The cover now: 1 open, 0 closed; never unreadable, since an input that cannot
 * be read counts as open (fail closed, as the keylock does) and is told to the
 * core as a fault. *ret_latched: its latch held an opening since the last look
 * (attack pass on issue 13, M2: a 1-s opening between two polls), with the
 * keylock at that opening in *ret_keylock where the latch recorded it (D).
 */
static int cover_read(struct hwin *hw, struct bmc *bmc, bool *ret_latched, int *ret_keylock,
                      hwwatch_log_fn log)
{
	const int level = hwin_read(hw, HWIN_COVER);
	const int latch = hwin_latch_take_keylock(hw, HWIN_COVER, ret_keylock);
	char fault[80] = "";
	bool open;

	if (level < 0 && level != -ENODEV)
		snprintf(fault, sizeof(fault), "cover input unreadable (%s)", strerror(-level));
	else if (latch < 0 && latch != -ENODEV)
		snprintf(fault, sizeof(fault), "cover latch unreadable (%s)", strerror(-latch));
	if (strcmp(fault, bmc_hardware_fault_get(bmc)) != 0 && log)
		log(fault[0] ? LOG_WARNING : LOG_NOTICE, "hardware: %s",
		    fault[0] ? fault : "the cover input reads again");
	bmc_hardware_fault(bmc, fault[0] ? fault : NULL);
	/* No level input: the latch is all the board has, read as a level. */
	open = fault[0] || level == 1 || (level == -ENODEV && latch == 1);
	*ret_latched = latch == 1 && level != -ENODEV;
	return open;
}

static void apply(struct bmc *bmc, enum bmc_hw_event ev, hwwatch_log_fn log)
{
	struct bmc_outcome o;

	/* A change that cannot be stored is held (board.h); o says so. */
	if (bmc_hardware_event(bmc, ev, &o) < 0 && !o.detail)
		o.detail = "not stored";
	if (log)
		log(LOG_NOTICE, "hardware %s -> %s%s%s", o.request, bmc_error_name(o.result),
		    o.detail ? ": " : "", o.detail ? o.detail : "");
}

/* A latched opening: with the keylock the latch recorded at it, else the keylock now. */
static enum bmc_hw_event latched_event(int keylock)
{
	return keylock == 1   ? BMC_HW_COVER_OPENED_ENGAGED
	       : keylock == 0 ? BMC_HW_COVER_OPENED_RELEASED
	                      : BMC_HW_COVER_OPENED;
}

/*
 * The cover: an opening counts once, at the edge or from its latch, with the
 * keylock of its moment where the latch recorded it (re-attack on issue 13,
 * D). Open at two polls in a row with the latch set in between: it closed and
 * opened again, a new opening (D; before, it was lost while the cover read open).
 */
static void cover_poll(struct hwwatch *w, struct hwin *hw, struct bmc *bmc, hwwatch_log_fn log)
{
	int keylock = -ENODATA;
	bool latched = false;
	const int open = cover_read(hw, bmc, &latched, &keylock, log);

	if (!w->started)
		w->armed[HWIN_COVER] = true; /* open at start counts (fail closed) */
	if (!open) {
		w->armed[HWIN_COVER] = true;
		if (latched)
			apply(bmc, latched_event(keylock),
			      log); /* opened and closed between polls */
		return;
	}
	if (w->armed[HWIN_COVER]) {
		w->armed[HWIN_COVER] = false;
		apply(bmc, latched ? latched_event(keylock) : BMC_HW_COVER_OPENED, log);
	} else if (latched) {
		apply(bmc, latched_event(keylock), log); /* closed and opened again */
	}
}

void hwwatch_poll(struct hwwatch *w, struct hwin *hw, struct bmc *bmc, hwwatch_log_fn log)
{
	if (!hw)
		return;
	for (size_t i = 0; i < sizeof(watched) / sizeof(watched[0]); i++) {
		const enum hwin_input in = watched[i].in;
		int now;

		if (in == HWIN_COVER) {
			cover_poll(w, hw, bmc, log);
			continue;
		}
		now = hwin_read(hw, in);
		if (!w->started && watched[i].at_start)
			w->armed[in] = true;
		if (now == 0) {
			w->armed[in] = true;
			continue;
		}
		if (now < 0 || !w->armed[in]) {
			/* Unreadable: no edge; a handset must be seen released again. */
			if (now < 0)
				w->armed[in] = false;
			continue;
		}
		w->armed[in] = false;
		apply(bmc, watched[i].ev, log);
	}
	w->started = true;
}
