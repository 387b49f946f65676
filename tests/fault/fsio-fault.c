// SPDX-License-Identifier: GPL-2.0-or-later
/* fsio.h with faults injected (fsio-fault.h). */
#include "fsio-fault.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsio.h"

static struct fsio_fault plan;
static bool plan_known;
static unsigned n_ops, n_injected;

static const struct {
	const char *name;
	unsigned bit;
} targets[] = {
    {"state", FSIO_T_STATE},     {"audit", FSIO_T_AUDIT}, {"latch", FSIO_T_LATCH},
    {"counter", FSIO_T_COUNTER}, {"other", FSIO_T_OTHER}, {"all", FSIO_T_ALL},
};

void fsio_fault_set(const struct fsio_fault *p)
{
	plan = p ? *p : (struct fsio_fault){0};
	plan_known = true;
	n_ops = n_injected = 0;
}

void fsio_fault_counts(unsigned *ret_ops, unsigned *ret_injected)
{
	*ret_ops = n_ops;
	*ret_injected = n_injected;
}

static int parse_targets(char *s, unsigned *ret)
{
	unsigned bits = 0;

	for (char *save = NULL, *t = strtok_r(s, "+", &save); t; t = strtok_r(NULL, "+", &save)) {
		size_t i;

		for (i = 0; i < sizeof(targets) / sizeof(targets[0]); i++)
			if (strcmp(t, targets[i].name) == 0)
				break;
		if (i == sizeof(targets) / sizeof(targets[0]))
			return -EINVAL;
		bits |= targets[i].bit;
	}
	*ret = bits;
	return bits ? 0 : -EINVAL;
}

int fsio_fault_parse(const char *spec, struct fsio_fault *ret_plan)
{
	char buf[128], *f[5] = {0}, *save = NULL;
	struct fsio_fault p = {0};
	int n = 0;

	if (snprintf(buf, sizeof(buf), "%s", spec) >= (int)sizeof(buf))
		return -EINVAL;
	for (char *t = strtok_r(buf, ":", &save); t && n < 5; t = strtok_r(NULL, ":", &save))
		f[n++] = t;
	if (n == 2 && strcmp(f[0], "full") == 0) {
		p.mode = FSIO_FAULT_FULL;
	} else if (n == 5 && strcmp(f[0], "fail") == 0) {
		p.mode = FSIO_FAULT_FAIL;
		if (strcmp(f[2], "ENOSPC") == 0)
			p.err = ENOSPC;
		else if (strcmp(f[2], "EIO") == 0)
			p.err = EIO;
		else
			return -EINVAL;
		p.skip = (unsigned)strtoul(f[3], NULL, 10);
		p.count = (unsigned)strtoul(f[4], NULL, 10);
	} else {
		return -EINVAL;
	}
	if (parse_targets(f[1], &p.targets) < 0)
		return -EINVAL;
	*ret_plan = p;
	return 0;
}

void fsio_fault_format(const struct fsio_fault *p, char *buf, unsigned cap)
{
	char t[64] = "";

	for (size_t i = 0; i + 1 < sizeof(targets) / sizeof(targets[0]); i++)
		if (p->targets & targets[i].bit)
			snprintf(t + strlen(t), sizeof(t) - strlen(t), "%s%s", t[0] ? "+" : "",
			         targets[i].name);
	if (p->mode == FSIO_FAULT_FULL)
		snprintf(buf, cap, "full:%s", t);
	else if (p->mode == FSIO_FAULT_FAIL)
		snprintf(buf, cap, "fail:%s:%s:%u:%u", t, p->err == EIO ? "EIO" : "ENOSPC", p->skip,
		         p->count);
	else
		snprintf(buf, cap, "off");
}

static void plan_load(void)
{
	const char *spec = getenv("SVCPORT_FSIO_FAULT");

	plan_known = true;
	if (spec && *spec && fsio_fault_parse(spec, &plan) < 0) {
		fprintf(stderr, "fsio-fault: bad SVCPORT_FSIO_FAULT '%s'\n", spec);
		abort();
	}
}

static unsigned target_of_path(const char *path)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	if (strcmp(base, "state.pb") == 0 || strcmp(base, ".state.pb.tmp") == 0)
		return FSIO_T_STATE;
	if (strcmp(base, "audit.log") == 0)
		return FSIO_T_AUDIT;
	if (strcmp(base, "latch") == 0)
		return FSIO_T_LATCH;
	if (strcmp(base, "counter") == 0)
		return FSIO_T_COUNTER;
	return FSIO_T_OTHER;
}

static unsigned target_of_fd(int fd)
{
	char link[64], path[PATH_MAX];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n < 0)
		return FSIO_T_OTHER;
	path[n] = 0;
	return target_of_path(path);
}

/* FAIL mode: true (errno set) if this operation on target fails. */
static bool is_failing(unsigned target)
{
	if (!plan_known)
		plan_load();
	if (plan.mode != FSIO_FAULT_FAIL || !(plan.targets & target))
		return false;
	n_ops++;
	if (n_ops <= plan.skip || (plan.count && n_ops > plan.skip + plan.count))
		return false;
	n_injected++;
	errno = plan.err;
	return true;
}

/* FULL mode: true (errno ENOSPC) if writing len bytes at off grows fd's file. */
static bool is_growing(int fd, off_t off, size_t len)
{
	struct stat sb;

	if (!plan_known)
		plan_load();
	if (plan.mode != FSIO_FAULT_FULL || !(plan.targets & target_of_fd(fd)))
		return false;
	n_ops++;
	if (fstat(fd, &sb) < 0 || off + (off_t)len <= sb.st_size)
		return false;
	n_injected++;
	errno = ENOSPC;
	return true;
}

ssize_t fsio_write(int fd, const void *buf, size_t len)
{
	if (is_failing(target_of_fd(fd)) || is_growing(fd, lseek(fd, 0, SEEK_CUR), len))
		return -1;
	return write(fd, buf, len);
}

ssize_t fsio_pwrite(int fd, const void *buf, size_t len, off_t off)
{
	if (is_failing(target_of_fd(fd)) || is_growing(fd, off, len))
		return -1;
	return pwrite(fd, buf, len, off);
}

int fsio_fsync(int fd)
{
	return is_failing(target_of_fd(fd)) ? -1 : fsync(fd);
}

int fsio_fdatasync(int fd)
{
	return is_failing(target_of_fd(fd)) ? -1 : fdatasync(fd);
}

int fsio_ftruncate(int fd, off_t len)
{
	if (is_failing(target_of_fd(fd)) || is_growing(fd, len, 0))
		return -1;
	return ftruncate(fd, len);
}

int fsio_rename(const char *from, const char *to)
{
	return is_failing(target_of_path(to)) ? -1 : rename(from, to);
}
