/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The heap counter that malloc-count.so (LD_PRELOAD) keeps for a process: a small file
 * $BENCH_HEAP_DIR/heap.<pid>, mapped shared, so the benchmark reads the counts of a running
 * daemon at any moment without signals or sockets.
 */
#ifndef SVCPORT_BENCH_MALLOC_COUNT_H
#define SVCPORT_BENCH_MALLOC_COUNT_H

#include <stdint.h>

#define MALLOC_COUNT_MAGIC 0x73766370686561ULL /* "svcphea" */
#define MALLOC_COUNT_ENV   "BENCH_HEAP_DIR"

struct malloc_count {
	uint64_t magic;
	uint64_t allocs; /* malloc, calloc, realloc, posix_memalign, aligned_alloc, memalign */
	uint64_t frees;  /* free of a non-NULL pointer */
	uint64_t bytes;  /* requested bytes of those allocations */
};

#endif
