/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The board's hardware inputs, as bmcd reads them: what the hardware says,
 * never what a peer claims (DESIGN §4.4). One interface, two back-ends:
 *
 * - sysfs (hwin-sysfs.c), the real board: each input is a sysfs path given
 *   by the configuration;
 * - sim (hwin-sim.c), the simulator's virtual server: one small file per
 *   input in a folder, written by `svcport-sim server hw` (docs/simulator.md).
 *
 * Every read goes to the source (no cache): an input is as fresh as the
 * request that asks. A read that fails is an inactive input to every caller
 * (fail closed). Inputs are added at the end of enum hwin_input with a name
 * and a row in each back-end; issue 13 adds the chassis keylock, the handset
 * and the tamper sensors here, never as console commands.
 */
#ifndef SVCPORT_HWIN_H
#define SVCPORT_HWIN_H

#include <stdbool.h>

enum hwin_input {
	/* The service port in gadget mode: its USB device controller is
	 * configured by a host (sysfs: the UDC's `state` reads "configured"). */
	HWIN_USB_GADGET,
	/* The service port in host mode: a device is attached to it (sysfs:
	 * the port's device directory, e.g. /sys/bus/usb/devices/1-1, exists). */
	HWIN_USB_HOST,
	/* Issue 13. The anti-tampering keylock: the chassis lock is engaged
	 * (Kensington lock attached, or the chassis key turned). */
	HWIN_CHASSIS_LOCK,
	/* The intrusion switch: the cover is open. */
	HWIN_COVER,
	/* The external diagnostics handset's password reset and revert to
	 * defaults: active while the handset asks for it. */
	HWIN_HANDSET_PASSWORD_RESET,
	HWIN_HANDSET_REVERT,
	HWIN_INPUT_COUNT,
};

/* Where the sysfs back-end reads each input; NULL: not wired on this board. */
struct hwin_sysfs_config {
	const char *udc_state; /* e.g. /sys/class/udc/<udc>/state */
	const char *usb_port;  /* e.g. /sys/bus/usb/devices/<bus>-<port> */
	/* The issue-13 inputs: GPIO value files ("1" active), e.g.
	 * /sys/class/gpio/gpioN/value; NULL: not wired (hwin_read: -ENODEV). */
	const char *gpio[HWIN_INPUT_COUNT];
	/* Latches (hwin_latch_take), e.g. the cover's hwmon
	 * /sys/class/hwmon/hwmonN/intrusion0_alarm; NULL: none. */
	const char *latch[HWIN_INPUT_COUNT];
};

struct hwin;

/* The real inputs. Paths are copied. 0, -ENAMETOOLONG or -ENOMEM. */
int hwin_sysfs_open(const struct hwin_sysfs_config *cfg, struct hwin **ret_hw)
    __attribute__((warn_unused_result));
/* The simulator's inputs: DIR/<hwin_input_name()> each. 0, -ENOTDIR or -errno. */
int hwin_sim_open(const char *dir, struct hwin **ret_hw) __attribute__((warn_unused_result));
/* NULL is a no-op. */
void hwin_close(struct hwin *hw);

/*
 * Reads one input now: 1 active, 0 inactive, -ENODEV (not wired on this
 * board) or -errno (unreadable).
 */
int hwin_read(struct hwin *hw, enum hwin_input in) __attribute__((warn_unused_result));
/*
 * Takes the input's latch. Chassis-intrusion hardware remembers an opening
 * until software clears it, so a cover opened and closed between two reads
 * still counts (attack pass on issue 13, M2). sysfs: a hwmon intrusionN_alarm
 * file ("1": latched; writing "0" clears it); the simulator: the file
 * DIR/latch/<input name> exists while latched, and is taken by unlink(), one
 * atomic read-and-clear. 1 latched (now cleared), 0 not, -ENODEV (no latch
 * for this input on this board) or -errno (unreadable, or it would not clear).
 */
int hwin_latch_take(struct hwin *hw, enum hwin_input in) __attribute__((warn_unused_result));
/*
 * hwin_latch_take(), and where the latch also recorded the chassis keylock at
 * the opening (re-attack on issue 13, D: the keylock then, not at the poll):
 * *ret_keylock 1 engaged, 0 released, -ENODATA not recorded (sysfs, whose
 * hwmon alarm has no such bit). The simulator's latch file holds the word of
 * the chassis-lock input at the opening ("engaged" if any opening since the
 * last take was under the engaged lock); it is taken by rename, then read.
 */
int hwin_latch_take_keylock(struct hwin *hw, enum hwin_input in, int *ret_keylock)
    __attribute__((warn_unused_result));
/* True if the simulator keeps a latch for in (the cover), set by `server hw`
 * whenever the input goes active, in DIR/latch (hwin_latch_take). */
bool hwin_is_sim_latched(enum hwin_input in);
/* True if value is the word that makes in active in the simulator's folder. */
bool hwin_is_sim_active(enum hwin_input in, const char *value);
/* True for the simulator's back-end (its links are simulated too). */
bool hwin_is_simulated(const struct hwin *hw);
/* "usb-gadget", "usb-host", "chassis-lock", "cover", "handset-password-reset",
 * "handset-revert"; NULL for a value out of range. */
const char *hwin_input_name(enum hwin_input in);
/* The input named name, or -EINVAL. */
int hwin_input_parse(const char *name);
/* True if value is one a sim input file may hold for in (what `server hw` accepts). */
bool hwin_is_sim_value(enum hwin_input in, const char *value);

#endif
