// SPDX-License-Identifier: GPL-2.0-or-later
#include "fsutil.h"

#include "fsio.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

int fs_path(char *buf, size_t cap, const char *dir, const char *name)
{
	int n = snprintf(buf, cap, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= cap)
		return -ENAMETOOLONG;
	return 0;
}

int fs_sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int ret = 0;

	if (fd < 0)
		return -errno;
	if (fsio_fsync(fd) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static int write_all(int fd, const unsigned char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = fsio_write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int fs_atomic_replace(const char *dir, const char *name, const void *data, size_t len,
                      unsigned mode, bool *ret_renamed)
{
	char tmp[PATH_MAX], dst[PATH_MAX], tname[NAME_MAX + 1];
	int ret, fd;

	*ret_renamed = false;
	if (snprintf(tname, sizeof(tname), ".%s.tmp", name) >= (int)sizeof(tname))
		return -ENAMETOOLONG;
	ret = fs_path(tmp, sizeof(tmp), dir, tname);
	if (ret == 0)
		ret = fs_path(dst, sizeof(dst), dir, name);
	if (ret < 0)
		return ret;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return -errno;
	/* mode exactly, whatever the umask (bmcd's unit has 0077; the link files are 0640). */
	ret = fchmod(fd, mode) < 0 ? -errno : write_all(fd, data, len);
	if (ret < 0)
		goto fail_close;
	if (fsio_fsync(fd) < 0) {
		ret = -errno;
		goto fail_close;
	}
	if (close(fd) < 0) {
		ret = -errno;
		goto fail_unlink;
	}
	if (fsio_rename(tmp, dst) < 0) {
		ret = -errno;
		goto fail_unlink;
	}
	*ret_renamed = true;
	return fs_sync_dir(dir);

fail_close:
	close(fd);
fail_unlink:
	unlink(tmp);
	return ret;
}

int fs_atomic_write(const char *dir, const char *name, const void *data, size_t len, unsigned mode)
{
	bool renamed;

	return fs_atomic_replace(dir, name, data, len, mode, &renamed);
}

static int stat_at(int dirfd, const char *path, int flags, struct fs_stat *ret)
{
	struct statx stx;

	if (statx(dirfd, path, flags, STATX_TYPE | STATX_SIZE, &stx) < 0)
		return -errno;
	ret->mode = stx.stx_mode;
	ret->size = stx.stx_size;
	return 0;
}

int fs_stat_fd(int fd, struct fs_stat *ret)
{
	return stat_at(fd, "", AT_EMPTY_PATH, ret);
}

int fs_stat_path(const char *path, struct fs_stat *ret)
{
	return stat_at(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, ret);
}

int fs_read(const char *dir, const char *name, void *buf, size_t cap, size_t *ret_len)
{
	char path[PATH_MAX];
	struct fs_stat st = {0};
	size_t got = 0;
	int ret, fd;

	ret = fs_path(path, sizeof(path), dir, name);
	if (ret < 0)
		return ret;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	ret = fs_stat_fd(fd, &st);
	if (ret < 0)
		goto out;
	if (!S_ISREG(st.mode)) {
		ret = -EINVAL;
		goto out;
	}
	if (st.size > cap) {
		ret = -EFBIG;
		goto out;
	}
	while (got < cap) {
		ssize_t n = read(fd, (unsigned char *)buf + got, cap - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	*ret_len = got;
	ret = 0;
out:
	close(fd);
	return ret;
}
