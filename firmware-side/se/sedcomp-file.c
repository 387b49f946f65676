// SPDX-License-Identifier: GPL-2.0-or-later
/* The automatic SED AK backup component as a directory (sedcomp.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <limits.h>

#include <mbedtls/platform_util.h>

#include "aead.h"
#include "fsutil.h"
#include "sedcomp.h"

#define MAGIC     "SVCCMP03"      /* the key in a secure element's store */
#define MAGIC_V2  "SVCCMP02"      /* the old format: its key beside the box */
#define MAGIC_V1  "SVCCMP01"      /* before the drive set: read as set "" */
#define KEY_FILE  "component.key" /* the old formats' key, beside the box */
#define BOX_FILE  "sed-ak.box"
#define FIELD_MAX 32
#define BOX_MAX                                                                                    \
	(8 + 8 + 1 + 16 + 1 + 32 + 1 + SEDCOMP_SET_MAX + AEAD_IV_LEN + SEDCOMP_AK_LEN +            \
	 AEAD_TAG_LEN)

static bool is_dir(const char *dir)
{
	struct fs_stat sb;

	return dir && fs_stat_path(dir, &sb) == 0 && S_ISDIR(sb.mode);
}

/* The component's key: 0, -ENOENT (none yet), -EBADMSG (wrong size: damaged) or
 * -errno of the read (-EACCES: bmcd may not read it, which is not damage). */
static int key_read(const char *dir, uint8_t key[AEAD_KEY_LEN])
{
	size_t len = 0;
	int ret = fs_read(dir, KEY_FILE, key, AEAD_KEY_LEN + 1, &len);

	if (ret == 0 && len != AEAD_KEY_LEN)
		ret = -EBADMSG;
	if (ret < 0)
		mbedtls_platform_zeroize(key, AEAD_KEY_LEN);
	return ret == -EFBIG ? -EBADMSG : ret;
}

/* Why the key does not serve, in words (kr: key_read's or sedcomp_key_check's error). */
static const char *key_problem(int kr)
{
	return kr == -ENOENT                   ? "its key is missing from the secure element"
	       : kr == -EACCES || kr == -EPERM ? "its key cannot be read by bmcd (permission "
	                                         "denied): fix its owner"
	       : kr == -EBADMSG                ? "its key is damaged"
	                                       : "its key cannot be read (I/O error)";
}

size_t sedcomp_str_put(uint8_t *out, const char *s)
{
	size_t len = strlen(s);

	out[0] = (uint8_t)len;
	memcpy(out + 1, s, len);
	return len + 1;
}

bool sedcomp_str_get(const uint8_t *in, size_t len, size_t *at, char *out, size_t cap)
{
	size_t n;

	if (*at >= len)
		return false;
	n = in[*at];
	if (n >= cap || *at + 1 + n > len)
		return false;
	memcpy(out, in + *at + 1, n);
	out[n] = 0;
	*at += 1 + n;
	return true;
}

/* The box's header (everything before the iv); its length. */
static size_t header(uint8_t *out, const char *mt, const char *sn, const char *set,
                     uint64_t generation)
{
	size_t n = 8;

	memcpy(out, MAGIC, 8);
	for (int i = 7; i >= 0; i--)
		out[n++] = (uint8_t)(generation >> (8 * i));
	n += sedcomp_str_put(out + n, mt);
	n += sedcomp_str_put(out + n, sn);
	return n + sedcomp_str_put(out + n, set);
}

/* Parses box (len bytes) into info; the length of its header, or 0 if malformed. */
static size_t header_parse(const uint8_t *box, size_t len, struct sedcomp_info *info)
{
	const bool v1 = len >= 8 && memcmp(box, MAGIC_V1, 8) == 0;
	const bool v2 = len >= 8 && memcmp(box, MAGIC_V2, 8) == 0;
	size_t at = 16;

	if (len < 16 || (!v1 && !v2 && memcmp(box, MAGIC, 8) != 0))
		return 0;
	info->old_format = v1 || v2;
	info->generation = 0;
	for (int i = 8; i < 16; i++)
		info->generation = info->generation << 8 | box[i];
	info->drive_set[0] = 0;
	if (!sedcomp_str_get(box, len, &at, info->mt, sizeof(info->mt)) ||
	    !sedcomp_str_get(box, len, &at, info->sn, sizeof(info->sn)) ||
	    (!v1 && !sedcomp_str_get(box, len, &at, info->drive_set, sizeof(info->drive_set))) ||
	    at + AEAD_IV_LEN + SEDCOMP_AK_LEN + AEAD_TAG_LEN != len)
		return 0;
	return at;
}

/* Opens an old format's box (h: its header's length) with component.key beside it. */
static int box_open_old(const char *dir, const uint8_t *box, size_t len, size_t h,
                        struct sedcomp_info *info, uint8_t ak[SEDCOMP_AK_LEN])
{
	uint8_t key[AEAD_KEY_LEN];
	int kr = key_read(dir, key), ret = 0;

	if (kr < 0) {
		snprintf(info->detail, sizeof(info->detail), "old format: %s",
		         kr == -ENOENT ? "its key is missing" : key_problem(kr));
		ret = -EBADMSG;
	} else if (aead_open(key, box + h, box, h, box + h + AEAD_IV_LEN, len - h - AEAD_IV_LEN,
	                     ak) < 0) {
		snprintf(info->detail, sizeof(info->detail),
		         "its store does not open with its key");
		ret = -EBADMSG;
	}
	mbedtls_platform_zeroize(key, sizeof(key));
	return ret;
}

/* Reads and opens the box: info and ak. 0, -ENOENT (empty) or -EBADMSG. */
static int box_open(const char *dir, const struct sedcomp_keys *keys, struct sedcomp_info *info,
                    uint8_t ak[SEDCOMP_AK_LEN])
{
	uint8_t box[BOX_MAX + 1];
	size_t len = 0, h = 0;
	int ret = fs_read(dir, BOX_FILE, box, sizeof(box), &len), kr;

	if (ret == -ENOENT) {
		snprintf(info->detail, sizeof(info->detail), "holds no SED AK");
		return -ENOENT;
	}
	if (ret < 0 || !(h = header_parse(box, len, info))) {
		snprintf(info->detail, sizeof(info->detail), "%s",
		         ret == -EACCES || ret == -EPERM ? "its store cannot be read by bmcd "
		                                           "(permission denied): fix its owner"
		         : ret < 0 && ret != -EFBIG      ? "its store cannot be read"
		                                         : "its store is damaged");
		return -EBADMSG;
	}
	if (info->old_format)
		return box_open_old(dir, box, len, h, info, ak);
	kr = sedcomp_key_check(keys);
	if (kr < 0) {
		snprintf(info->detail, sizeof(info->detail), "%s", key_problem(kr));
		return -EBADMSG;
	}
	if (sedcomp_key_open(keys, box, h, box + h, len - h, ak) < 0) {
		snprintf(
		    info->detail, sizeof(info->detail),
		    "its store does not open with its key (another component's secure element?)");
		return -EBADMSG;
	}
	return 0;
}

void sedcomp_probe(const char *dir, const struct sedcomp_keys *keys, struct sedcomp_info *ret)
{
	uint8_t ak[SEDCOMP_AK_LEN];
	int r;

	memset(ret, 0, sizeof(*ret));
	if (!is_dir(dir)) {
		ret->health = SEDCOMP_ABSENT;
		snprintf(ret->detail, sizeof(ret->detail), "no backup component is fitted");
		return;
	}
	r = box_open(dir, keys, ret, ak);
	mbedtls_platform_zeroize(ak, sizeof(ak));
	ret->health = r == 0 ? SEDCOMP_HOLDS : r == -ENOENT ? SEDCOMP_EMPTY : SEDCOMP_UNHEALTHY;
	if (r == 0) {
		char d[256];

		snprintf(d, sizeof(d), "%sholds the SED AK of %s-%s (generation %llu%s%s)",
		         ret->old_format ? "old format (key beside it): " : "", ret->mt, ret->sn,
		         (unsigned long long)ret->generation,
		         ret->drive_set[0] ? ", drive set " : "", ret->drive_set);
		snprintf(ret->detail, sizeof(ret->detail), "%.95s", d);
	}
}

/* The key in the secure element, drawn at the component's first use. */
static int key_get_or_make(const char *dir, const struct sedcomp_keys *keys,
                           const struct bmc_env *env)
{
	struct sedcomp_info info;
	uint8_t ak[SEDCOMP_AK_LEN];
	int ret = sedcomp_key_check(keys), br;

	if (ret != -ENOENT)
		return ret;
	/* No key: only a component without a box of this format may get a new one. */
	memset(&info, 0, sizeof(info));
	br = box_open(dir, keys, &info, ak);
	mbedtls_platform_zeroize(ak, sizeof(ak));
	if (br != -ENOENT && !info.old_format)
		return -EBADMSG;
	return sedcomp_key_make(keys, env);
}

int sedcomp_put(const char *dir, const struct sedcomp_keys *keys, const char *mt, const char *sn,
                const char *drive_set, uint64_t generation, const uint8_t ak[SEDCOMP_AK_LEN],
                const struct bmc_env *env)
{
	uint8_t box[BOX_MAX];
	char old[PATH_MAX];
	size_t h;
	int ret;

	if (!is_dir(dir))
		return -ENOENT;
	if (strlen(mt) > FIELD_MAX || strlen(sn) > FIELD_MAX || strlen(drive_set) > SEDCOMP_SET_MAX)
		return -EINVAL;
	ret = key_get_or_make(dir, keys, env);
	if (ret < 0)
		return ret;
	h = header(box, mt, sn, drive_set, generation);
	ret = sedcomp_key_seal(keys, box, h, ak, SEDCOMP_AK_LEN, box + h, env);
	if (ret == 0)
		ret = fs_atomic_write(dir, BOX_FILE, box,
		                      h + AEAD_IV_LEN + SEDCOMP_AK_LEN + AEAD_TAG_LEN, 0600);
	/* The old format's key goes once the box no longer needs it. */
	if (ret == 0 && fs_path(old, sizeof(old), dir, KEY_FILE) == 0 && unlink(old) == 0)
		ret = fs_sync_dir(dir);
	mbedtls_platform_zeroize(box, sizeof(box));
	return ret;
}

int sedcomp_get(const char *dir, const struct sedcomp_keys *keys, const char *mt, const char *sn,
                uint8_t ak[SEDCOMP_AK_LEN], struct sedcomp_info *ret_info)
{
	int ret;

	memset(ret_info, 0, sizeof(*ret_info));
	if (!is_dir(dir))
		return -ENOENT;
	ret = box_open(dir, keys, ret_info, ak);
	if (ret < 0)
		return ret;
	if (strcmp(ret_info->mt, mt) != 0 || strcmp(ret_info->sn, sn) != 0) {
		mbedtls_platform_zeroize(ak, SEDCOMP_AK_LEN);
		return -ESRCH;
	}
	return 0;
}
