// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * LD_PRELOAD heap counter for the memory benchmark: counts every allocation of the process
 * into $BENCH_HEAP_DIR/heap.<pid> (see malloc-count.h) and hands the call to glibc's own
 * allocator (__libc_malloc and friends, which glibc exports for exactly this use: no
 * dlsym, so no allocation while resolving the allocator). Without the variable, or if the
 * file cannot be made, it only forwards. Not for sanitizer builds (ASan owns malloc).
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "malloc-count.h"

extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);
extern void __libc_free(void *p);
extern void *__libc_memalign(size_t align, size_t n);

static struct malloc_count *ctr;

__attribute__((constructor)) static void malloc_count_init(void)
{
	const char *dir = getenv(MALLOC_COUNT_ENV);
	char path[512];
	void *map;
	int fd;

	if (!dir ||
	    snprintf(path, sizeof(path), "%s/heap.%d", dir, (int)getpid()) >= (int)sizeof(path))
		return;
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	if (ftruncate(fd, sizeof(struct malloc_count)) < 0) {
		close(fd);
		return;
	}
	map = mmap(NULL, sizeof(struct malloc_count), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return;
	ctr = map;
	__atomic_store_n(&ctr->magic, MALLOC_COUNT_MAGIC, __ATOMIC_RELEASE);
}

static void count(size_t n)
{
	if (ctr) {
		__atomic_add_fetch(&ctr->allocs, 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&ctr->bytes, n, __ATOMIC_RELAXED);
	}
}

void *malloc(size_t n)
{
	count(n);
	return __libc_malloc(n);
}

void *calloc(size_t n, size_t size)
{
	count(n * size);
	return __libc_calloc(n, size);
}

void *realloc(void *p, size_t n)
{
	count(n);
	return __libc_realloc(p, n);
}

void free(void *p)
{
	if (p && ctr)
		__atomic_add_fetch(&ctr->frees, 1, __ATOMIC_RELAXED);
	__libc_free(p);
}

void *memalign(size_t align, size_t n)
{
	count(n);
	return __libc_memalign(align, n);
}

void *aligned_alloc(size_t align, size_t n)
{
	count(n);
	return __libc_memalign(align, n);
}

int posix_memalign(void **ret, size_t align, size_t n)
{
	void *p;

	if (align < sizeof(void *) || (align & (align - 1)))
		return EINVAL;
	count(n);
	p = __libc_memalign(align, n);
	if (!p)
		return ENOMEM;
	*ret = p;
	return 0;
}
