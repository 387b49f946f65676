// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Runs a libFuzzer entry point without libFuzzer, so every fuzz target also
 * runs under ctest with the build's sanitizers: each file of the corpus
 * folders (or files) given, then --runs N inputs made by deterministic
 * mutations of them (byte flips, truncations, insertions, splices). The seed
 * is fixed (--seed S changes it), so a failure reproduces exactly.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_INPUT 16384
#define MAX_SEEDS      256

static uint8_t *seeds[MAX_SEEDS];
static size_t seed_len[MAX_SEEDS];
static size_t n_seeds;

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rng(void)
{
	/* xorshift64*: small, deterministic, good enough to mutate inputs. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

static void add_seed_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f || n_seeds == MAX_SEEDS) {
		if (f)
			fclose(f);
		return;
	}
	uint8_t *buf = malloc(FUZZ_MAX_INPUT);
	size_t n = buf ? fread(buf, 1, FUZZ_MAX_INPUT, f) : 0;
	fclose(f);
	if (!buf)
		return;
	seeds[n_seeds] = buf;
	seed_len[n_seeds++] = n;
}

static void add_seeds(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		fprintf(stderr, "standalone: no corpus at %s\n", path);
		exit(2);
	}
	if (!S_ISDIR(st.st_mode)) {
		add_seed_file(path);
		return;
	}
	struct dirent **names;
	int n = scandir(path, &names, NULL, alphasort); /* sorted: reproducible */
	for (int i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.') {
			char p[4096];
			snprintf(p, sizeof(p), "%s/%s", path, names[i]->d_name);
			add_seed_file(p);
		}
		free(names[i]);
	}
	free(names);
}

static size_t mutate(uint8_t *buf, size_t len)
{
	int steps = 1 + (int)(rng() % 4);
	for (int s = 0; s < steps; s++) {
		switch (rng() % 6) {
		case 0: /* flip a bit */
			if (len)
				buf[rng() % len] ^= (uint8_t)(1u << (rng() % 8));
			break;
		case 1: /* set an interesting byte */
			if (len) {
				static const uint8_t v[] = {0x00, 0x01, 0x7f, 0x80,
				                            0xff, 0x40, 0xc0};
				buf[rng() % len] = v[rng() % sizeof(v)];
			}
			break;
		case 2: /* truncate */
			if (len)
				len = rng() % len;
			break;
		case 3: /* insert random bytes */
			if (len < FUZZ_MAX_INPUT - 16) {
				size_t at = len ? rng() % len : 0, k = 1 + rng() % 16;
				memmove(buf + at + k, buf + at, len - at);
				for (size_t i = 0; i < k; i++)
					buf[at + i] = (uint8_t)rng();
				len += k;
			}
			break;
		case 4: /* splice the tail of another seed */
			if (n_seeds) {
				size_t o = rng() % n_seeds;
				size_t from = seed_len[o] ? rng() % seed_len[o] : 0;
				size_t at = len ? rng() % len : 0;
				size_t k = seed_len[o] - from;
				if (at + k > FUZZ_MAX_INPUT)
					k = FUZZ_MAX_INPUT - at;
				memcpy(buf + at, seeds[o] + from, k);
				len = at + k;
			}
			break;
		default: /* duplicate a chunk */
			if (len && len < FUZZ_MAX_INPUT / 2) {
				size_t from = rng() % len, k = 1 + rng() % (len - from);
				memcpy(buf + len, buf + from, k);
				len += k;
			}
			break;
		}
	}
	return len;
}

int main(int argc, char **argv)
{
	long runs = 10000;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--runs") && i + 1 < argc)
			runs = atol(argv[++i]);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			rng_state = strtoull(argv[++i], NULL, 0) | 1;
		else
			add_seeds(argv[i]);
	}
	for (size_t i = 0; i < n_seeds; i++)
		LLVMFuzzerTestOneInput(seeds[i], seed_len[i]);

	static uint8_t buf[FUZZ_MAX_INPUT];
	for (long r = 0; r < runs; r++) {
		size_t len = 0;
		if (n_seeds && rng() % 8) {
			size_t s = rng() % n_seeds;
			len = seed_len[s];
			memcpy(buf, seeds[s], len);
		} else {
			len = rng() % 512;
			for (size_t i = 0; i < len; i++)
				buf[i] = (uint8_t)rng();
		}
		len = mutate(buf, len);
		LLVMFuzzerTestOneInput(buf, len);
	}
	printf("standalone: %zu seeds, %ld mutated inputs, no crash\n", n_seeds, runs);
	for (size_t i = 0; i < n_seeds; i++)
		free(seeds[i]);
	return 0;
}
