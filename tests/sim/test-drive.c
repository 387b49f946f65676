// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The simulated self-encrypting drive (host-sim/drive/drive.h): the data
 * round-trips under its AK and under no other, the bytes on disk are not the
 * data, a changed ciphertext sector does not decrypt to the data (XTS has no
 * authentication: the read succeeds with other bytes), and every bad input
 * is refused with the file left as it was.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "drive.h"

static char dir[256], img[300];
static const unsigned char ak1[DRIVE_AK_LEN] = "the first SED AK, 32 bytes long";
static const unsigned char ak2[DRIVE_AK_LEN] = "the other SED AK, 32 bytes long";
static const char secret[] = "the customer's secret ledger";

/* A deterministic generator: the tests need bytes, not entropy. */
static int counter_rng(void *p, unsigned char *buf, size_t len)
{
	unsigned *n = p;

	for (size_t i = 0; i < len; i++)
		buf[i] = (unsigned char)((*n)++ * 131u + 7u);
	return 0;
}

static int failing_rng(void *p, unsigned char *buf, size_t len)
{
	return -1;
}

static unsigned seed;

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "%s/svcport-drive-XXXXXX",
	         getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir))
		return -1;
	snprintf(img, sizeof(img), "%s/drive.img", dir);
	seed = 1;
	return 0;
}

static int teardown(void **state)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static size_t slurp(unsigned char *buf, size_t cap)
{
	FILE *f = fopen(img, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

static void poke(off_t off, unsigned char xor_mask)
{
	int fd = open(img, O_RDWR);
	unsigned char b;

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &b, 1, off), 1);
	b ^= xor_mask;
	assert_int_equal(pwrite(fd, &b, 1, off), 1);
	close(fd);
}

/* A 16-sector drive under ak1 with secret in sectors 3 and 4. */
static void make(void)
{
	unsigned char sec[DRIVE_SECTOR] = {0};
	struct drive *d = NULL;

	assert_int_equal(drive_create(img, 16, ak1, counter_rng, &seed), 0);
	assert_int_equal(drive_unlock(img, ak1, &d), 0);
	memcpy(sec, secret, sizeof(secret));
	assert_int_equal(drive_write(d, 3, sec), 0);
	assert_int_equal(drive_write(d, 4, sec), 0);
	drive_lock(d);
}

static void read_sector(const unsigned char *ak, uint32_t lba, unsigned char sec[DRIVE_SECTOR])
{
	struct drive *d = NULL;

	assert_int_equal(drive_unlock(img, ak, &d), 0);
	assert_int_equal(drive_read(d, lba, sec), 0);
	drive_lock(d);
}

static void round_trip_under_its_ak(void **state)
{
	unsigned char sec[DRIVE_SECTOR];
	struct stat sb;

	make();
	assert_int_equal(stat(img, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(sb.st_size, DRIVE_SECTOR * 17);
	read_sector(ak1, 3, sec);
	assert_string_equal((char *)sec, secret);
	read_sector(ak1, 0, sec);
	for (size_t i = 0; i < sizeof(sec); i++)
		assert_int_equal(sec[i], 0);
}

static void wrong_ak_cannot_read(void **state)
{
	unsigned char before[DRIVE_SECTOR * 17], after[DRIVE_SECTOR * 17];
	struct drive *d = NULL;

	make();
	slurp(before, sizeof(before));
	assert_int_equal(drive_unlock(img, ak2, &d), -EACCES);
	assert_null(d);
	slurp(after, sizeof(after));
	assert_memory_equal(before, after, sizeof(before));
}

static void disk_bytes_are_not_the_data(void **state)
{
	unsigned char disk[DRIVE_SECTOR * 17];
	size_t n;

	make();
	n = slurp(disk, sizeof(disk));
	assert_null(memmem(disk, n, secret, 8));
	assert_null(memmem(disk, n, ak1, 8));
	/* The same data in sectors 3 and 4 is stored differently (the XTS tweak). */
	assert_memory_not_equal(disk + DRIVE_SECTOR * 4, disk + DRIVE_SECTOR * 5, DRIVE_SECTOR);
	/* Zeroed sectors are noise too. */
	assert_memory_not_equal(disk + DRIVE_SECTOR * 10, disk + DRIVE_SECTOR * 11, 16);
}

/* XTS does not authenticate: the read succeeds, one 16-byte block is garbled. */
static void flipped_ciphertext_does_not_decrypt_to_the_data(void **state)
{
	unsigned char sec[DRIVE_SECTOR], want[DRIVE_SECTOR] = {0};

	make();
	memcpy(want, secret, sizeof(secret));
	poke(DRIVE_SECTOR * 4 + 5, 0x01); /* data sector 3, first block */
	read_sector(ak1, 3, sec);
	assert_memory_not_equal(sec, want, 16);
	assert_memory_equal(sec + 16, want + 16, DRIVE_SECTOR - 16);
	read_sector(ak1, 4, sec);
	assert_memory_equal(sec, want, DRIVE_SECTOR);
}

static void changed_header_is_refused(void **state)
{
	static const struct {
		off_t off;
		int err;
	} cases[] = {
	    {0, -EINVAL},   /* magic */
	    {8, -EINVAL},   /* sector size */
	    {12, -EINVAL},  /* sector count: no longer the file's length */
	    {16, -EACCES},  /* GCM nonce */
	    {40, -EACCES},  /* the wrapped data key */
	    {100, -EACCES}, /* the GCM tag */
	};
	struct drive *d = NULL;

	make();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		poke(cases[i].off, 0x01);
		assert_int_equal(drive_unlock(img, ak1, &d), cases[i].err);
		assert_null(d);
		poke(cases[i].off, 0x01);
		assert_int_equal(drive_unlock(img, ak1, &d), 0);
		drive_lock(d);
		d = NULL;
	}
	assert_int_equal(truncate(img, DRIVE_SECTOR * 16), 0);
	assert_int_equal(drive_unlock(img, ak1, &d), -EINVAL);
	assert_int_equal(truncate(img, 100), 0);
	assert_int_equal(drive_unlock(img, ak1, &d), -EINVAL);
	assert_int_equal(unlink(img), 0);
	assert_int_equal(drive_unlock(img, ak1, &d), -ENOENT);
	assert_null(d);
}

static void bad_creates_leave_nothing(void **state)
{
	unsigned char before[DRIVE_SECTOR * 17], after[DRIVE_SECTOR * 17];
	char link_path[320];

	assert_int_equal(drive_create(img, 0, ak1, counter_rng, &seed), -ERANGE);
	assert_int_equal(drive_create(img, DRIVE_MAX_SECTORS + 1, ak1, counter_rng, &seed),
	                 -ERANGE);
	assert_int_equal(drive_create(img, 16, ak1, failing_rng, NULL), -EIO);
	assert_int_equal(access(img, F_OK), -1);
	make();
	slurp(before, sizeof(before));
	assert_int_equal(drive_create(img, 16, ak2, counter_rng, &seed), -EEXIST);
	snprintf(link_path, sizeof(link_path), "%s/link.img", dir);
	assert_int_equal(symlink(img, link_path), 0);
	assert_int_equal(drive_create(link_path, 16, ak2, counter_rng, &seed), -EEXIST);
	slurp(after, sizeof(after));
	assert_memory_equal(before, after, sizeof(before));
}

static void out_of_range_changes_nothing(void **state)
{
	unsigned char before[DRIVE_SECTOR * 17], after[DRIVE_SECTOR * 17];
	unsigned char sec[DRIVE_SECTOR] = "x";
	struct drive *d = NULL;

	make();
	slurp(before, sizeof(before));
	assert_int_equal(drive_unlock(img, ak1, &d), 0);
	assert_int_equal(drive_sectors(d), 16);
	assert_int_equal(drive_write(d, 16, sec), -ERANGE);
	assert_int_equal(drive_write(d, UINT32_MAX, sec), -ERANGE);
	assert_int_equal(drive_read(d, 16, sec), -ERANGE);
	assert_string_equal((char *)sec, "x");
	drive_lock(d);
	slurp(after, sizeof(after));
	assert_memory_equal(before, after, sizeof(before));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(round_trip_under_its_ak, setup, teardown),
	    cmocka_unit_test_setup_teardown(wrong_ak_cannot_read, setup, teardown),
	    cmocka_unit_test_setup_teardown(disk_bytes_are_not_the_data, setup, teardown),
	    cmocka_unit_test_setup_teardown(flipped_ciphertext_does_not_decrypt_to_the_data, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(changed_header_is_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(bad_creates_leave_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(out_of_range_changes_nothing, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
