/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A simulated self-encrypting drive (docs/simulator.md "The drive"): one
 * file, a header sector and DRIVE_SECTOR-byte data sectors encrypted with
 * AES-256-XTS (IEEE 1619, mbedTLS) under a random 64-byte data key. The data
 * key is stored only wrapped by the SED AK (AES-256-GCM, mbedTLS; the header's
 * fields are its associated data): without the AK the sectors are noise.
 *
 * File: sector 0 the header: "SVCSED01", sector size (u32 LE, 512), data
 * sectors (u32 LE), GCM nonce (12), wrapped key (64), GCM tag (16), zeroes.
 * Data sector LBA at offset DRIVE_SECTOR * (1 + LBA), XTS data unit LBA
 * (128-bit little-endian).
 *
 * XTS does not authenticate: a changed ciphertext sector decrypts to other
 * bytes without an error (docs/simulator.md says what that means).
 */
#ifndef SVCPORT_SIM_DRIVE_H
#define SVCPORT_SIM_DRIVE_H

#include <stddef.h>
#include <stdint.h>

#define DRIVE_SECTOR      512
#define DRIVE_AK_LEN      32
#define DRIVE_MAX_SECTORS 4096 /* 2 MiB: a simulator's drive */

/* An unlocked drive: its data key in memory until drive_lock(). */
struct drive;

/* mbedTLS's f_rng shape (e.g. mbedtls_ctr_drbg_random). */
typedef int (*drive_rng_fn)(void *p_rng, unsigned char *buf, size_t len);

/*
 * Makes a new drive at path (a new file, mode 0600; never an existing one)
 * of `sectors` zeroed sectors, its data key drawn from rng and wrapped with
 * ak. 0, -EEXIST, -ERANGE (sectors 0 or over DRIVE_MAX_SECTORS), -EIO (the
 * random generator failed) or -errno; on failure no file is left.
 */
int drive_create(const char *path, uint32_t sectors, const unsigned char ak[DRIVE_AK_LEN],
                 drive_rng_fn rng, void *p_rng) __attribute__((warn_unused_result));

/*
 * Opens the drive at path and unwraps its data key with ak. 0, -ENOENT,
 * -EINVAL (not a drive of this format: magic, sizes, file length), -EACCES
 * (ak does not unwrap the data key: another AK, or a changed header) or
 * -errno. *ret_drive is set only on success; drive_lock() frees it.
 */
int drive_unlock(const char *path, const unsigned char ak[DRIVE_AK_LEN], struct drive **ret_drive)
    __attribute__((warn_unused_result));

/* The number of data sectors. */
uint32_t drive_sectors(const struct drive *d);

/* One sector in or out. 0, -ERANGE (lba past the end) or -errno (buf untouched then). */
int drive_read(struct drive *d, uint32_t lba, unsigned char buf[DRIVE_SECTOR])
    __attribute__((warn_unused_result));
int drive_write(struct drive *d, uint32_t lba, const unsigned char buf[DRIVE_SECTOR])
    __attribute__((warn_unused_result));

/* Zeroizes the data key, closes the file and frees d. NULL: no-op. */
void drive_lock(struct drive *d);

#endif
