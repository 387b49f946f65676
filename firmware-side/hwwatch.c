// SPDX-License-Identifier: GPL-2.0-or-later
/* bmcd's watch on the cover and the handset (hwwatch.h). */
#include "hwwatch.h"

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

void hwwatch_poll(struct hwwatch *w, struct hwin *hw, struct bmc *bmc, hwwatch_log_fn log)
{
	struct bmc_outcome o;

	if (!hw)
		return;
	for (size_t i = 0; i < sizeof(watched) / sizeof(watched[0]); i++) {
		const enum hwin_input in = watched[i].in;
		const int now = hwin_read(hw, in);

		if (!w->started && watched[i].at_start)
			w->armed[in] = true;
		if (now == 0) {
			w->armed[in] = true;
			continue;
		}
		if (now < 0 || !w->armed[in]) {
			/* Unreadable: no edge; a handset must be seen released again. */
			if (now < 0 && !watched[i].at_start)
				w->armed[in] = false;
			continue;
		}
		w->armed[in] = false;
		/* A change that cannot be stored is held (board.h); o says so. */
		if (bmc_hardware_event(bmc, watched[i].ev, &o) < 0 && !o.detail)
			o.detail = "not stored";
		if (log)
			log(LOG_NOTICE, "hardware %s -> %s%s%s", o.request,
			    bmc_error_name(o.result), o.detail ? ": " : "",
			    o.detail ? o.detail : "");
	}
	w->started = true;
}
