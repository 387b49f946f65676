/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bmcd's watch on the board's event inputs (hw/hwin.h): the cover and the
 * diagnostics handset. Each input is read now (no cache); an inactive ->
 * active edge becomes one bmc_hardware_event(). bmcd polls before every
 * request and at every tick, so a press must last until bmcd sees it (at most
 * BMC_TICK_MS). A handset input seen active first (at start, or unreadable
 * before) must be released before it counts: a stuck button resets nothing
 * twice. The cover counts at start: a cover opened while bmcd was down is an
 * intrusion (fail closed). The cover's latch (hwin_latch_take) counts an
 * opening that came and went between two polls; a cover input that cannot be
 * read counts as open and is reported (bmc_hardware_fault).
 */
#ifndef SVCPORT_BMC_HWWATCH_H
#define SVCPORT_BMC_HWWATCH_H

#include "bmc.h"
#include "hwin.h"

/* Zero-initialised: nothing seen yet. */
struct hwwatch {
	bool started;                 /* polled once: the cover's first reading is past */
	bool armed[HWIN_INPUT_COUNT]; /* seen inactive: the next active reading is an edge */
};

/* The daemon's log (common/log.h's log_msg), once per event that happened. */
typedef void (*hwwatch_log_fn)(int prio, const char *fmt, ...);

/* Reads the inputs and applies each new edge to bmc. hw may be NULL (no-op). */
void hwwatch_poll(struct hwwatch *w, struct hwin *hw, struct bmc *bmc, hwwatch_log_fn log);

#endif
