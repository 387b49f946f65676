// SPDX-License-Identifier: GPL-2.0-or-later
/* bmcd's watch on the cover and the handset (hwwatch.h). */
#include "hwwatch.h"

static const struct {
	enum hwin_input in;
	enum bmc_hw_event ev;
	int initial; /* what `last` starts as: 0 an edge at start counts, -1 it does not */
} watched[] = {
    {HWIN_COVER, BMC_HW_COVER_OPENED, 0},
    {HWIN_HANDSET_PASSWORD_RESET, BMC_HW_HANDSET_PASSWORD_RESET, -1},
    {HWIN_HANDSET_REVERT, BMC_HW_HANDSET_REVERT, -1},
};

void hwwatch_init(struct hwwatch *w)
{
	for (size_t i = 0; i < sizeof(watched) / sizeof(watched[0]); i++)
		w->last[watched[i].in] = watched[i].initial;
}

void hwwatch_poll(struct hwwatch *w, struct hwin *hw, struct bmc *bmc, hwwatch_log_fn log,
                  void *user_data)
{
	struct bmc_outcome o;

	if (!hw)
		return;
	for (size_t i = 0; i < sizeof(watched) / sizeof(watched[0]); i++) {
		const enum hwin_input in = watched[i].in;
		const int now = hwin_read(hw, in);
		const int was = w->last[in];

		if (now < 0) {
			/* Unreadable: not an edge; a handset must be seen released again. */
			if (watched[i].initial < 0)
				w->last[in] = -1;
			continue;
		}
		if (now == 0 || was == 0)
			w->last[in] = now;
		if (now == 1 && was == 0) {
			/* A change that cannot be stored is held (board.h); o says so. */
			if (bmc_hardware_event(bmc, watched[i].ev, &o) < 0 && !o.detail)
				o.detail = "not stored";
			if (log)
				log(&o, user_data);
		}
	}
}
