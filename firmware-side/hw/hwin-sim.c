// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The simulator's inputs (hwin.h): DIR/<input name> holds one word, the value
 * the real input would show: usb-gadget a UDC state ("configured", "not
 * attached", ...), usb-host "attached" or "detached", chassis-lock "engaged"
 * or "released", cover "open" or "closed", the handset's inputs "pressed" or
 * "released". A missing file is an inactive input. `svcport-sim server hw` writes them (tmp +
 * rename). The cover also latches, as chassis-intrusion hardware does: `server hw`
 * creates DIR/latch/cover when it opens, holding the chassis-lock word at that moment, bmcd
 * takes it by rename and reads it (hwin.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hwin-int.h"

/* The word that makes each input active. */
static const char *const active[HWIN_INPUT_COUNT] = {
    [HWIN_USB_GADGET] = "configured",          [HWIN_USB_HOST] = "attached",
    [HWIN_CHASSIS_LOCK] = "engaged",           [HWIN_COVER] = "open",
    [HWIN_HANDSET_PASSWORD_RESET] = "pressed", [HWIN_HANDSET_REVERT] = "pressed",
};

/* The words `server hw` may write: the active one, then the others. */
static const char *const values[HWIN_INPUT_COUNT][4] = {
    [HWIN_USB_GADGET] = {"configured", "not attached", "powered", NULL},
    [HWIN_USB_HOST] = {"attached", "detached", NULL},
    [HWIN_CHASSIS_LOCK] = {"engaged", "released", NULL},
    [HWIN_COVER] = {"open", "closed", NULL},
    [HWIN_HANDSET_PASSWORD_RESET] = {"pressed", "released", NULL},
    [HWIN_HANDSET_REVERT] = {"pressed", "released", NULL},
};

static int sim_read(struct hwin *hw, enum hwin_input in)
{
	char path[PATH_MAX + 16], word[64];
	int ret;

	if (snprintf(path, sizeof(path), "%s/%s", hw->path[0], hwin_input_name(in)) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	ret = hwin_read_line(path, word, sizeof(word));
	if (ret == -ENOENT)
		return 0;
	/* A word the real input cannot show is an unreadable input, not an inactive one. */
	if (ret == 0 && !hwin_is_sim_value(in, word))
		return -EBADMSG;
	return ret < 0 ? ret : strcmp(word, active[in]) == 0;
}

/* Taken by rename (atomic: an opening after it sets a new latch), then read. */
static int sim_take_latch(struct hwin *hw, enum hwin_input in, int *keylock)
{
	char path[PATH_MAX + 32], taken[PATH_MAX + 48], word[64];
	int ret;

	*keylock = -ENODATA;
	if (!hwin_is_sim_latched(in))
		return -ENODEV;
	if (snprintf(path, sizeof(path), "%s/latch", hw->path[0]) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	if (hwin_is_dir(path) != 1)
		return -ENODEV; /* a board without one */
	snprintf(path, sizeof(path), "%s/latch/%s", hw->path[0], hwin_input_name(in));
	snprintf(taken, sizeof(taken), "%s/latch/.%s.taken", hw->path[0], hwin_input_name(in));
	if (rename(path, taken) < 0)
		return errno == ENOENT ? 0 : -errno;
	ret = hwin_read_line(taken, word, sizeof(word));
	/* An empty latch (a simulator before D) recorded nothing. */
	if (ret == 0 && hwin_is_sim_value(HWIN_CHASSIS_LOCK, word))
		*keylock = hwin_is_sim_active(HWIN_CHASSIS_LOCK, word);
	if (unlink(taken) < 0)
		return -errno;
	return 1;
}

static const struct hwin_backend sim_backend = {
    .read = sim_read, .take_latch = sim_take_latch, .simulated = true};

bool hwin_is_sim_latched(enum hwin_input in)
{
	return in == HWIN_COVER;
}

bool hwin_is_sim_active(enum hwin_input in, const char *value)
{
	return (unsigned)in < HWIN_INPUT_COUNT && strcmp(value, active[in]) == 0;
}

bool hwin_is_sim_value(enum hwin_input in, const char *value)
{
	if ((unsigned)in >= HWIN_INPUT_COUNT)
		return false;
	for (const char *const *v = values[in]; *v; v++)
		if (strcmp(*v, value) == 0)
			return true;
	return false;
}

int hwin_sim_open(const char *dir, struct hwin **ret_hw)
{
	struct hwin *hw;
	int ret = hwin_is_dir(dir);

	if (ret <= 0)
		return ret < 0 ? ret : -ENOTDIR;
	hw = hwin_new(&sim_backend);
	if (!hw)
		return -ENOMEM;
	if (snprintf(hw->path[0], sizeof(hw->path[0]), "%s", dir) >= (int)sizeof(hw->path[0])) {
		hwin_close(hw);
		return -ENAMETOOLONG;
	}
	*ret_hw = hw;
	return 0;
}
