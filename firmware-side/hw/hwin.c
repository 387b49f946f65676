// SPDX-License-Identifier: GPL-2.0-or-later
/* The hardware inputs' common part (hwin.h). */
#include "hwin.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hwin-int.h"

static const char *const names[HWIN_INPUT_COUNT] = {
    [HWIN_USB_GADGET] = "usb-gadget",
    [HWIN_USB_HOST] = "usb-host",
    [HWIN_CHASSIS_LOCK] = "chassis-lock",
    [HWIN_COVER] = "cover",
    [HWIN_HANDSET_PASSWORD_RESET] = "handset-password-reset",
    [HWIN_HANDSET_REVERT] = "handset-revert",
};

struct hwin *hwin_new(const struct hwin_backend *ops)
{
	struct hwin *hw = calloc(1, sizeof(*hw));

	if (hw)
		hw->ops = ops;
	return hw;
}

void hwin_close(struct hwin *hw)
{
	free(hw);
}

int hwin_read(struct hwin *hw, enum hwin_input in)
{
	if ((unsigned)in >= HWIN_INPUT_COUNT)
		return -EINVAL;
	return hw->ops->read(hw, in);
}

int hwin_latch_take(struct hwin *hw, enum hwin_input in)
{
	int keylock;

	return hwin_latch_take_keylock(hw, in, &keylock);
}

int hwin_latch_take_keylock(struct hwin *hw, enum hwin_input in, int *ret_keylock)
{
	*ret_keylock = -ENODATA;
	if ((unsigned)in >= HWIN_INPUT_COUNT)
		return -EINVAL;
	return hw->ops->take_latch(hw, in, ret_keylock);
}

bool hwin_is_simulated(const struct hwin *hw)
{
	return hw->ops->simulated;
}

const char *hwin_input_name(enum hwin_input in)
{
	return (unsigned)in < HWIN_INPUT_COUNT ? names[in] : NULL;
}

int hwin_input_parse(const char *name)
{
	for (int i = 0; i < HWIN_INPUT_COUNT; i++)
		if (strcmp(name, names[i]) == 0)
			return i;
	return -EINVAL;
}

int hwin_is_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
	close(fd);
	return 1;
}

int hwin_read_line(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, cap - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}
