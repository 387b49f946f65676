// SPDX-License-Identifier: GPL-2.0-or-later
#include "bench-util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#ifndef BENCH_BUILD_TYPE
#define BENCH_BUILD_TYPE "unknown"
#endif

double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double bench_self_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void cpu_model(char *out, size_t cap)
{
	char line[256];
	FILE *f = fopen("/proc/cpuinfo", "re");

	snprintf(out, cap, "unknown");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (strncmp(line, "model name", 10) != 0 || !colon)
			continue;
		colon += 1 + (colon[1] == ' ');
		colon[strcspn(colon, "\n")] = '\0';
		snprintf(out, cap, "%s", colon);
		break;
	}
	fclose(f);
}

void bench_print_machine(void)
{
	struct utsname u;
	char cpu[128];

	cpu_model(cpu, sizeof(cpu));
	if (uname(&u) < 0)
		snprintf(u.release, sizeof(u.release), "unknown");
	printf("machine: nproc=%ld cpu=\"%s\" kernel=%s build=%s\n", sysconf(_SC_NPROCESSORS_ONLN),
	       cpu, u.release, BENCH_BUILD_TYPE);
}

void bench_figure(const char *name, double value, const char *unit)
{
	printf("figure name=%s value=%.6g unit=%s\n", name, value, unit);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double bench_quantile(double *v, size_t n, double q)
{
	size_t rank;

	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	/* nearest rank: the smallest value with at least q of the samples at or below it */
	rank = (size_t)(q * (double)n + 0.999999);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return v[rank - 1];
}

static int read_small(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, cap - 1);
	close(fd);
	if (n < 0)
		return -EIO;
	buf[n] = '\0';
	return 0;
}

int bench_proc_cpu(pid_t pid, double *ret_seconds)
{
	char path[64], buf[1024];
	unsigned long long ns, utime, stime;
	char *p;

	snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
	if (read_small(path, buf, sizeof(buf)) == 0 && sscanf(buf, "%llu", &ns) == 1) {
		*ret_seconds = (double)ns * 1e-9;
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_small(path, buf, sizeof(buf)) < 0)
		return -ESRCH;
	/* comm may hold spaces: fields 14 and 15 count from the last ')' */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime,
	                 &stime) != 2)
		return -EIO;
	*ret_seconds = (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
	return 0;
}

int bench_proc_mem(pid_t pid, long *ret_hwm_kib, long *ret_rss_kib)
{
	char path[64], buf[4096];
	const char *h, *r;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (read_small(path, buf, sizeof(buf)) < 0)
		return -ESRCH;
	h = strstr(buf, "VmHWM:");
	r = strstr(buf, "VmRSS:");
	if (!h || !r)
		return -EIO;
	*ret_hwm_kib = strtol(h + 6, NULL, 10);
	*ret_rss_kib = strtol(r + 6, NULL, 10);
	return 0;
}

bool bench_proc_reset_hwm(pid_t pid)
{
	char path[64];
	int fd;
	bool ok;

	snprintf(path, sizeof(path), "/proc/%d/clear_refs", (int)pid);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ok = write(fd, "5", 1) == 1;
	close(fd);
	return ok;
}

int bench_parse_mode(int argc, char **argv, const char *usage, enum bench_mode *ret)
{
	*ret = BENCH_DEFAULT;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--smoke")) {
			*ret = BENCH_SMOKE;
		} else if (!strcmp(argv[i], "--long")) {
			*ret = BENCH_LONG;
		} else {
			fprintf(stderr, "%s", usage);
			return -EINVAL;
		}
	}
	return 0;
}
