// SPDX-License-Identifier: GPL-2.0-or-later
/* The simulated self-encrypting drive (drive.h). */
#include "drive.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mbedtls/aes.h>
#include <mbedtls/gcm.h>
#include <mbedtls/platform_util.h>

#include "fsutil.h"

#define MAGIC       "SVCSED01"
#define KEY_LEN     64 /* AES-256-XTS: two AES-256 keys */
#define NONCE_LEN   12
#define TAG_LEN     16
#define AAD_LEN     16 /* magic, sector size, sector count */
#define OFF_NONCE   AAD_LEN
#define OFF_WRAPPED (OFF_NONCE + NONCE_LEN)
#define OFF_TAG     (OFF_WRAPPED + KEY_LEN)

_Static_assert(OFF_TAG + TAG_LEN <= DRIVE_SECTOR, "the header fits its sector");

struct drive {
	int fd;
	uint32_t sectors;
	mbedtls_aes_xts_context enc, dec;
};

static void put_u32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* IEEE 1619: the data unit number as a 128-bit little-endian tweak. */
static void data_unit(uint32_t lba, unsigned char tweak[16])
{
	memset(tweak, 0, 16);
	put_u32(tweak, lba);
}

/* Wraps (encrypt) or unwraps key in the header with ak. 0 or -EACCES/-EIO. */
static int wrap(unsigned char hdr[DRIVE_SECTOR], unsigned char key[KEY_LEN],
                const unsigned char ak[DRIVE_AK_LEN], bool encrypt)
{
	mbedtls_gcm_context gcm;
	int ret;

	mbedtls_gcm_init(&gcm);
	ret = mbedtls_gcm_setkey(&gcm, MBEDTLS_CIPHER_ID_AES, ak, 8 * DRIVE_AK_LEN);
	if (ret == 0 && encrypt)
		ret = mbedtls_gcm_crypt_and_tag(&gcm, MBEDTLS_GCM_ENCRYPT, KEY_LEN, hdr + OFF_NONCE,
		                                NONCE_LEN, hdr, AAD_LEN, key, hdr + OFF_WRAPPED,
		                                TAG_LEN, hdr + OFF_TAG);
	else if (ret == 0)
		ret = mbedtls_gcm_auth_decrypt(&gcm, KEY_LEN, hdr + OFF_NONCE, NONCE_LEN, hdr,
		                               AAD_LEN, hdr + OFF_TAG, TAG_LEN, hdr + OFF_WRAPPED,
		                               key)
		          ? -EACCES
		          : 0;
	mbedtls_gcm_free(&gcm);
	return ret == 0 || ret == -EACCES ? ret : -EIO;
}

static int keys_set(struct drive *d, const unsigned char key[KEY_LEN])
{
	if (mbedtls_aes_xts_setkey_enc(&d->enc, key, 8 * KEY_LEN) != 0 ||
	    mbedtls_aes_xts_setkey_dec(&d->dec, key, 8 * KEY_LEN) != 0)
		return -EIO;
	return 0;
}

static int write_all(int fd, const unsigned char *buf, size_t len, off_t off)
{
	ssize_t n = pwrite(fd, buf, len, off);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

/* Encrypts buf into sector lba, unsynced. 0, -ERANGE or -errno. */
static int sector_put(struct drive *d, uint32_t lba, const unsigned char buf[DRIVE_SECTOR])
{
	unsigned char sec[DRIVE_SECTOR], tweak[16];

	if (lba >= d->sectors)
		return -ERANGE;
	data_unit(lba, tweak);
	if (mbedtls_aes_crypt_xts(&d->enc, MBEDTLS_AES_ENCRYPT, sizeof(sec), tweak, buf, sec) != 0)
		return -EIO;
	return write_all(d->fd, sec, sizeof(sec), (off_t)DRIVE_SECTOR * (1 + (off_t)lba));
}

/* A fresh data key whose two halves differ (IEEE 1619-2018 5.1). */
static int key_draw(unsigned char key[KEY_LEN], drive_rng_fn rng, void *p_rng)
{
	for (int tries = 0; tries < 4; tries++) {
		if (rng(p_rng, key, KEY_LEN) != 0)
			return -EIO;
		if (memcmp(key, key + KEY_LEN / 2, KEY_LEN / 2) != 0)
			return 0;
	}
	return -EIO;
}

/* The header and the zeroed sectors of a new drive into fd. */
static int format(int fd, uint32_t sectors, const unsigned char ak[DRIVE_AK_LEN], drive_rng_fn rng,
                  void *p_rng)
{
	unsigned char hdr[DRIVE_SECTOR] = {0}, key[KEY_LEN], sec[DRIVE_SECTOR] = {0};
	struct drive d = {.fd = fd, .sectors = sectors};
	int ret;

	mbedtls_aes_xts_init(&d.enc);
	mbedtls_aes_xts_init(&d.dec);
	memcpy(hdr, MAGIC, 8);
	put_u32(hdr + 8, DRIVE_SECTOR);
	put_u32(hdr + 12, sectors);
	ret = key_draw(key, rng, p_rng);
	if (ret == 0)
		ret = rng(p_rng, hdr + OFF_NONCE, NONCE_LEN) ? -EIO : 0;
	if (ret == 0)
		ret = keys_set(&d, key);
	if (ret == 0)
		ret = wrap(hdr, key, ak, true);
	if (ret == 0)
		ret = write_all(fd, hdr, sizeof(hdr), 0);
	for (uint32_t lba = 0; ret == 0 && lba < sectors; lba++)
		ret = sector_put(&d, lba, sec);
	if (ret == 0 && fsync(fd) < 0)
		ret = -errno;
	mbedtls_aes_xts_free(&d.enc);
	mbedtls_aes_xts_free(&d.dec);
	mbedtls_platform_zeroize(key, sizeof(key));
	return ret;
}

int drive_create(const char *path, uint32_t sectors, const unsigned char ak[DRIVE_AK_LEN],
                 drive_rng_fn rng, void *p_rng)
{
	int fd, ret;

	if (sectors == 0 || sectors > DRIVE_MAX_SECTORS)
		return -ERANGE;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	ret = format(fd, sectors, ak, rng, p_rng);
	if (close(fd) < 0 && ret == 0)
		ret = -errno;
	if (ret < 0)
		unlink(path);
	return ret;
}

/* The header of the drive open on fd, checked. 0 or -EINVAL/-errno. */
static int header_read(int fd, unsigned char hdr[DRIVE_SECTOR], uint32_t *ret_sectors)
{
	ssize_t n = pread(fd, hdr, DRIVE_SECTOR, 0);
	struct fs_stat sb = {0};
	uint32_t sectors;
	int ret;

	if (n < 0)
		return -errno;
	/* statx: fstat() fails after 2038 on a 32-bit time_t (docs/arm.md). */
	ret = fs_stat_fd(fd, &sb);
	if (ret < 0)
		return ret;
	if (n != DRIVE_SECTOR || memcmp(hdr, MAGIC, 8) != 0 || get_u32(hdr + 8) != DRIVE_SECTOR)
		return -EINVAL;
	sectors = get_u32(hdr + 12);
	if (sectors == 0 || sectors > DRIVE_MAX_SECTORS ||
	    sb.size != (uint64_t)DRIVE_SECTOR * (1 + (uint64_t)sectors))
		return -EINVAL;
	*ret_sectors = sectors;
	return 0;
}

int drive_unlock(const char *path, const unsigned char ak[DRIVE_AK_LEN], struct drive **ret_drive)
{
	unsigned char hdr[DRIVE_SECTOR], key[KEY_LEN];
	struct drive *d = calloc(1, sizeof(*d));
	int ret;

	if (!d)
		return -ENOMEM;
	mbedtls_aes_xts_init(&d->enc);
	mbedtls_aes_xts_init(&d->dec);
	d->fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (d->fd < 0) {
		ret = -errno;
		goto fail;
	}
	ret = header_read(d->fd, hdr, &d->sectors);
	if (ret == 0)
		ret = wrap(hdr, key, ak, false);
	if (ret == 0)
		ret = keys_set(d, key);
	mbedtls_platform_zeroize(key, sizeof(key));
	if (ret < 0)
		goto fail;
	*ret_drive = d;
	return 0;
fail:
	drive_lock(d);
	return ret;
}

uint32_t drive_sectors(const struct drive *d)
{
	return d->sectors;
}

int drive_read(struct drive *d, uint32_t lba, unsigned char buf[DRIVE_SECTOR])
{
	unsigned char sec[DRIVE_SECTOR], tweak[16];
	ssize_t n;
	int ret = 0;

	if (lba >= d->sectors)
		return -ERANGE;
	n = pread(d->fd, sec, sizeof(sec), (off_t)DRIVE_SECTOR * (1 + (off_t)lba));
	if (n != DRIVE_SECTOR)
		return n < 0 ? -errno : -EIO;
	data_unit(lba, tweak);
	if (mbedtls_aes_crypt_xts(&d->dec, MBEDTLS_AES_DECRYPT, sizeof(sec), tweak, sec, buf) != 0)
		ret = -EIO;
	mbedtls_platform_zeroize(sec, sizeof(sec));
	return ret;
}

int drive_write(struct drive *d, uint32_t lba, const unsigned char buf[DRIVE_SECTOR])
{
	int ret = sector_put(d, lba, buf);

	if (ret == 0 && fdatasync(d->fd) < 0)
		ret = -errno;
	return ret;
}

void drive_lock(struct drive *d)
{
	if (!d)
		return;
	if (d->fd >= 0)
		close(d->fd);
	mbedtls_aes_xts_free(&d->enc);
	mbedtls_aes_xts_free(&d->dec);
	mbedtls_platform_zeroize(d, sizeof(*d));
	free(d);
}
