/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bmcd's watch on the board's event inputs (hw/hwin.h): the cover and the
 * diagnostics handset. Each input is read now (no cache); an inactive ->
 * active edge becomes one bmc_hardware_event(). bmcd polls before every
 * request and at every tick, so a press must last until bmcd sees it (at most
 * BMC_TICK_MS). A handset input seen active first (at start, or unreadable
 * before) must be released before it counts: a stuck button resets nothing
 * twice. The cover counts at start: a cover opened while bmcd was down is an
 * intrusion (fail closed).
 */
#ifndef SVCPORT_BMC_HWWATCH_H
#define SVCPORT_BMC_HWWATCH_H

#include "bmc.h"
#include "hwin.h"

struct hwwatch {
	int last[HWIN_INPUT_COUNT]; /* 1 active, 0 inactive, -1 not seen inactive yet */
};

void hwwatch_init(struct hwwatch *w);

/* Called once per event that happened (for the daemon's log line). */
typedef void (*hwwatch_log_fn)(const struct bmc_outcome *o, void *user_data);

/* Reads the inputs and applies each new edge to bmc. hw may be NULL (no-op). */
void hwwatch_poll(struct hwwatch *w, struct hwin *hw, struct bmc *bmc, hwwatch_log_fn log,
                  void *user_data);

#endif
