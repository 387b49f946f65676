// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The file-backed SE's record MAC key, counter and latch (se.h "Integrity of
 * the state record").
 *
 * counter and latch are allocated once, at provisioning, at their full size
 * (SLOT_FILE_LEN bytes), and from then on only overwritten in place through
 * an fd opened without O_CREAT/O_TRUNC: nothing needs a new block, so a full
 * file system cannot refuse the write. Each holds two 512-byte slots (one
 * sector each, so a torn write damages one only):
 *
 *   magic (8) | generation (8, LE) | payload (SLOT_PAYLOAD) | HMAC-SHA256 (32)
 *
 * over everything before the HMAC, with the MAC key and the file's name as a
 * label. A write goes to the slot that does not hold the newest generation;
 * a read takes the valid slot with the higher generation.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <mbedtls/md.h>
#include <mbedtls/platform_util.h>

#include "fsio.h"
#include "fsutil.h"
#include "se-file-int.h"

#define MAC_KEY_FILE  "state-mac.key"
#define COUNTER_FILE  "counter"
#define LATCH_FILE    "latch"
#define SLOT_LEN      512
#define SLOT_FILE_LEN (2 * SLOT_LEN)
#define SLOT_MAGIC    "SVCSLOT1"
#define SLOT_PAYLOAD  SE_LATCH_LEN /* the larger of the two payloads */
#define SLOT_BODY     (8 + 8 + SLOT_PAYLOAD)

_Static_assert(SLOT_BODY + SE_MAC_LEN <= SLOT_LEN, "a slot fits one sector");

static int hmac(const unsigned char *key, const char *label, const void *data, size_t len,
                unsigned char out[SE_MAC_LEN])
{
	const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
	mbedtls_md_context_t ctx;
	int ret;

	mbedtls_md_init(&ctx);
	ret =
	    mbedtls_md_setup(&ctx, md, 1) || mbedtls_md_hmac_starts(&ctx, key, SE_MAC_KEY_LEN) ||
	            mbedtls_md_hmac_update(&ctx, (const unsigned char *)label, strlen(label) + 1) ||
	            mbedtls_md_hmac_update(&ctx, data, len) || mbedtls_md_hmac_finish(&ctx, out)
	        ? -EIO
	        : 0;
	mbedtls_md_free(&ctx);
	return ret;
}

static bool is_equal_ct(const unsigned char *a, const unsigned char *b, size_t len)
{
	unsigned char diff = 0;

	for (size_t i = 0; i < len; i++)
		diff |= a[i] ^ b[i];
	return diff == 0;
}

int se_file_mac(struct se *se, const void *data, size_t len, unsigned char out[SE_MAC_LEN])
{
	return hmac(((struct se_file *)se)->mac_key, "svcport-state-record", data, len, out);
}

int se_file_mac_verify(struct se *se, const void *data, size_t len,
                       const unsigned char mac[SE_MAC_LEN])
{
	unsigned char want[SE_MAC_LEN];
	int ret = se_file_mac(se, data, len, want);

	if (ret == 0 && !is_equal_ct(want, mac, SE_MAC_LEN))
		ret = -EBADMSG;
	mbedtls_platform_zeroize(want, sizeof(want));
	return ret;
}

static int slot_encode(const unsigned char *key, const char *name, uint64_t gen,
                       const unsigned char payload[SLOT_PAYLOAD], unsigned char slot[SLOT_LEN])
{
	memset(slot, 0, SLOT_LEN);
	memcpy(slot, SLOT_MAGIC, 8);
	se_put_le64(slot + 8, gen);
	memcpy(slot + 16, payload, SLOT_PAYLOAD);
	return hmac(key, name, slot, SLOT_BODY, slot + SLOT_BODY);
}

/* The newest valid slot of dir/name: its payload, generation and index. */
static int slot_file_read(const struct se_file *se, const char *name,
                          unsigned char ret_payload[SLOT_PAYLOAD], uint64_t *ret_gen,
                          unsigned *ret_slot)
{
	unsigned char buf[SLOT_FILE_LEN], mac[SE_MAC_LEN];
	size_t len = 0;
	int best = -1, ret = fs_read(se->dir, name, buf, sizeof(buf), &len);

	if (ret == -EFBIG)
		return -EBADMSG;
	if (ret < 0)
		return ret;
	if (len != SLOT_FILE_LEN)
		return -EBADMSG;
	for (int i = 0; i < 2; i++) {
		const unsigned char *s = buf + i * SLOT_LEN;

		if (memcmp(s, SLOT_MAGIC, 8) != 0 ||
		    hmac(se->mac_key, name, s, SLOT_BODY, mac) < 0 ||
		    !is_equal_ct(mac, s + SLOT_BODY, SE_MAC_LEN))
			continue;
		if (best < 0 || se_get_le64(s + 8) > se_get_le64(buf + best * SLOT_LEN + 8))
			best = i;
	}
	if (best < 0)
		return -EBADMSG;
	memcpy(ret_payload, buf + best * SLOT_LEN + 16, SLOT_PAYLOAD);
	*ret_gen = se_get_le64(buf + best * SLOT_LEN + 8);
	*ret_slot = (unsigned)best;
	return 0;
}

/* Overwrites the slot after *slot with generation *gen + 1, in place, and syncs it. */
static int slot_file_write(struct se_file *se, const char *name, const unsigned char *payload,
                           uint64_t *gen, unsigned *slot)
{
	unsigned char buf[SLOT_LEN];
	const unsigned next = *slot ^ 1u;
	char path[PATH_MAX];
	ssize_t n;
	int fd, ret = fs_path(path, sizeof(path), se->dir, name);

	if (ret == 0)
		ret = slot_encode(se->mac_key, name, *gen + 1, payload, buf);
	if (ret < 0)
		return ret;
	/* No O_CREAT, no O_TRUNC: the blocks are the ones allocated at provisioning. */
	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	do
		n = fsio_pwrite(fd, buf, SLOT_LEN, (off_t)next * SLOT_LEN);
	while (n < 0 && errno == EINTR);
	if (n != SLOT_LEN)
		ret = n < 0 ? -errno : -EIO;
	else if (fsio_fdatasync(fd) < 0)
		ret = -errno;
	close(fd);
	if (ret == 0) {
		*gen += 1;
		*slot = next;
	}
	return ret;
}

/* A new slot file: slot 0 holds payload at generation 1, slot 1 is empty. */
static int slot_file_create(const char *dir, const unsigned char *key, const char *name,
                            const unsigned char payload[SLOT_PAYLOAD])
{
	unsigned char buf[SLOT_FILE_LEN] = {0};
	int ret = slot_encode(key, name, 1, payload, buf);

	if (ret == 0)
		ret = fs_atomic_write(dir, name, buf, sizeof(buf), 0600);
	return ret;
}

int se_store_provision(const char *dir, const struct bmc_env *env)
{
	unsigned char key[SE_MAC_KEY_LEN], zero[SLOT_PAYLOAD] = {0};
	int ret = env->rng(env->user_data, key, sizeof(key)) ? -EIO : 0;

	if (ret == 0)
		ret = fs_atomic_write(dir, MAC_KEY_FILE, key, sizeof(key), 0600);
	if (ret == 0)
		ret = slot_file_create(dir, key, COUNTER_FILE, zero);
	if (ret == 0)
		ret = slot_file_create(dir, key, LATCH_FILE, zero);
	mbedtls_platform_zeroize(key, sizeof(key));
	return ret;
}

int se_store_open(struct se_file *se)
{
	unsigned char payload[SLOT_PAYLOAD];
	size_t len = 0;
	int ret = fs_read(se->dir, MAC_KEY_FILE, se->mac_key, sizeof(se->mac_key), &len);

	if (ret == 0 && len != SE_MAC_KEY_LEN)
		ret = -EINVAL;
	if (ret == 0)
		ret =
		    slot_file_read(se, COUNTER_FILE, payload, &se->counter_gen, &se->counter_slot);
	if (ret == 0)
		se->counter = se_get_le64(payload);
	if (ret == 0)
		ret = slot_file_read(se, LATCH_FILE, payload, &se->latch_gen, &se->latch_slot);
	return ret;
}

int se_file_counter_get(struct se *base, uint64_t *ret_value)
{
	struct se_file *se = (struct se_file *)base;

	*ret_value = se->counter;
	return 0;
}

int se_file_counter_raise(struct se *base, uint64_t value)
{
	struct se_file *se = (struct se_file *)base;
	unsigned char payload[SLOT_PAYLOAD] = {0};
	int ret;

	if (value == se->counter)
		return 0;
	if (value != se->counter + 1)
		return -ERANGE;
	se_put_le64(payload, value);
	ret = slot_file_write(se, COUNTER_FILE, payload, &se->counter_gen, &se->counter_slot);
	if (ret == 0)
		se->counter = value;
	return ret;
}

int se_file_latch_get(struct se *base, struct se_latch *ret_latch)
{
	struct se_file *se = (struct se_file *)base;
	unsigned char payload[SLOT_PAYLOAD];
	uint64_t gen;
	unsigned slot;
	int ret = slot_file_read(se, LATCH_FILE, payload, &gen, &slot);

	if (ret < 0)
		return ret == -EBADMSG ? -EIO : ret;
	*ret_latch = (struct se_latch){
	    .flags = (uint32_t)se_get_le64(payload) & 0xffffffffu,
	    .counter = se_get_le64(payload + 8),
	    .trust_sequence = se_get_le64(payload + 16),
	};
	return 0;
}

int se_file_latch_put(struct se *base, const struct se_latch *latch)
{
	struct se_file *se = (struct se_file *)base;
	unsigned char payload[SLOT_PAYLOAD] = {0};

	se_put_le64(payload, latch->flags);
	se_put_le64(payload + 8, latch->counter);
	se_put_le64(payload + 16, latch->trust_sequence);
	return slot_file_write(se, LATCH_FILE, payload, &se->latch_gen, &se->latch_slot);
}
