// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The virtual server's hardware (server.h): DIR/hw/, one file per input of
 * bmcd's simulated back-end (firmware-side/hw/hwin-sim.c), written whole and
 * renamed into place so bmcd never reads half a word; the cover's latch in
 * DIR/hw/latch/, set when it opens (chassis-intrusion hardware latches).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hwin.h"
#include "server.h"

int server_hw_dir(const char *dir, char *out)
{
	if (snprintf(out, PATH_MAX, "%s/hw", dir) >= PATH_MAX)
		return -ENAMETOOLONG;
	/* 0755 and 0644 below: as root bmcd reads them as svcport-bmc or nobody
	 * (server-users.h); simulated switches hold no secret. */
	if (mkdir(out, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int server_hw_latch_dir(const char *hw)
{
	char path[PATH_MAX + 16];

	snprintf(path, sizeof(path), "%s/latch", hw);
	/* bmcd's to clear (server_users_prepare chowns it): it takes a latch by unlink. */
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* A latched input (the cover) going active: the hardware remembers it until bmcd
 * takes it (hwin.h hwin_latch_take), however soon the input goes inactive again,
 * with the chassis keylock of that moment (re-attack on issue 13, D): "engaged"
 * once any opening since bmcd's last take was under the engaged lock. */
static int latch_set(const char *dir, const char *hw, const char *input, const char *value)
{
	char now[64], lock[64] = "released", held[64] = "", path[PATH_MAX + 80];
	int in = hwin_input_parse(input), fd, ret = 0;
	size_t len;

	if (!hwin_is_sim_latched((enum hwin_input)in) ||
	    !hwin_is_sim_active((enum hwin_input)in, value) ||
	    (server_hw_get(dir, input, now, sizeof(now)) == 0 &&
	     hwin_is_sim_active((enum hwin_input)in, now)))
		return 0;
	snprintf(path, sizeof(path), "%s/latch", hw);
	if (access(path, F_OK) != 0)
		return 0; /* no latch on this board (made before it had one) */
	/* As bmcd reads it (presence.c): no input is released; one it cannot read engaged. */
	if (server_hw_get(dir, "chassis-lock", lock, sizeof(lock)) < 0 ||
	    (strcmp(lock, "(none)") != 0 && !hwin_is_sim_value(HWIN_CHASSIS_LOCK, lock)))
		snprintf(lock, sizeof(lock), "engaged");
	else if (!hwin_is_sim_active(HWIN_CHASSIS_LOCK, lock))
		snprintf(lock, sizeof(lock), "released");
	snprintf(path, sizeof(path), "%s/latch/%s", hw, input);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	/* An earlier opening under the engaged lock stays recorded. */
	if (read(fd, held, sizeof(held) - 1) > 0 && strncmp(held, "engaged", 7) == 0)
		return close(fd) < 0 ? -errno : 0;
	len = strlen(lock);
	if (ftruncate(fd, 0) < 0 || pwrite(fd, lock, len, 0) != (ssize_t)len)
		ret = -EIO;
	if (close(fd) < 0 && ret == 0)
		ret = -errno;
	return ret;
}

int server_hw_set(const char *dir, const char *input, const char *value)
{
	char hw[PATH_MAX], path[PATH_MAX + 64], tmp[PATH_MAX + 64];
	int in = hwin_input_parse(input), fd, ret;
	size_t len = strlen(value);

	if (in < 0 || !hwin_is_sim_value((enum hwin_input)in, value))
		return -EINVAL;
	ret = server_hw_dir(dir, hw);
	if (ret == 0)
		ret = latch_set(dir, hw, input, value);
	if (ret < 0)
		return ret;
	snprintf(path, sizeof(path), "%s/%s", hw, input);
	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", hw, input);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -errno;
	ret = write(fd, value, len) == (ssize_t)len && write(fd, "\n", 1) == 1 ? 0 : -EIO;
	if (close(fd) < 0 && ret == 0)
		ret = -errno;
	if (ret == 0 && rename(tmp, path) < 0)
		ret = -errno;
	if (ret < 0)
		unlink(tmp);
	return ret;
}

int server_hw_get(const char *dir, const char *input, char *value, size_t cap)
{
	char path[PATH_MAX + 64];
	FILE *f;

	if (hwin_input_parse(input) < 0)
		return -EINVAL;
	snprintf(path, sizeof(path), "%s/hw/%s", dir, input);
	f = fopen(path, "re");
	if (!f) {
		snprintf(value, cap, "(none)");
		return errno == ENOENT ? 0 : -errno;
	}
	if (!fgets(value, (int)cap, f))
		value[0] = 0;
	fclose(f);
	value[strcspn(value, "\n")] = 0;
	return 0;
}

/* One of the component's two parts: its flash (the box) or its chip (the key). */
static int component_part(const char *hw, const char *from_dir, bool none, const char *name,
                          bool may_lack)
{
	char path[PATH_MAX + 32], old[PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/%s", hw, name);
	if (from_dir) {
		snprintf(old, sizeof(old), "%s/hw/%s", from_dir, name);
		if (access(path, F_OK) == 0)
			return -EEXIST; /* this board has one: move it out first */
		return rename(old, path) < 0 && !(may_lack && errno == ENOENT) ? -errno : 0;
	}
	if (none || access(path, F_OK) == 0)
		return 0;
	return mkdir(path, 0700) < 0 ? -errno : 0;
}

/* The component moves whole: the flash with its box and the chip with its key
 * (docs/bmc.md "Automatic SED AK backup"). */
int server_hw_sed_component(const char *hw, const char *from_dir, bool none)
{
	int ret = component_part(hw, from_dir, none, "sed-component", false);

	/* A server made before the chip had none: its old format's key is in the box's folder. */
	return ret < 0 ? ret : component_part(hw, from_dir, none, "sed-component-key", true);
}

int server_hw_mgmt_addresses(const char *dir, char *out)
{
	static const char loopback[] = "# svcport-sim: the board's management addresses\n"
	                               "127.0.0.1\n::1\nlocalhost\n";
	char net[PATH_MAX];
	int fd;

	/* Its own folder, open to bmcd's user (it watches it), not DIR (0711). */
	if (snprintf(net, sizeof(net), "%s/net", dir) >= (int)sizeof(net) ||
	    snprintf(out, PATH_MAX, "%s/net/mgmt-addresses", dir) >= PATH_MAX)
		return -ENAMETOOLONG;
	if ((mkdir(net, 0755) < 0 && errno != EEXIST) || chmod(net, 0755) < 0)
		return -errno;
	fd = open(out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return errno == EEXIST ? 0 : -errno;
	if (write(fd, loopback, sizeof(loopback) - 1) != (ssize_t)sizeof(loopback) - 1) {
		close(fd);
		unlink(out);
		return -EIO;
	}
	return close(fd) < 0 ? -errno : 0;
}
