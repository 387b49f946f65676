/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The automatic SED AK backup component (the guide's TPM / root of trust / I/O
 * module): a store apart from the board's secure element, with a key of its
 * own, that keeps one copy of the server's SED AK. It moves with the server,
 * not with the motherboard, so a replacement board can restore the AK from it
 * (docs/bmc.md "Automatic SED AK backup").
 *
 * This file-backed implementation is a directory (the component's flash) that
 * holds only sed-ak.box:
 *
 *   "SVCCMP03" | generation (u64 BE) | len MT | MT | len SN | SN | len set | drive set |
 *   iv (12) | AES-256-GCM(component key, iv, AAD = every byte before iv, AK) | tag (16)
 *
 * The component's key is never in that directory (re-attack on issue 13, C:
 * whoever took the flash decrypted the AK offline): it lives in a secure
 * element's store (struct sedcomp_keys): a PKCS#11 token, where it is an AES-256
 * key generated inside (CKA_SENSITIVE, not CKA_EXTRACTABLE) and the box is sealed
 * by the token, or the file back-end's store (the simulator's model of the
 * component's chip). The drive set names a passphrase AK's set (the KDF's salt,
 * sedak.h), so a restore from the component restores it with the AK; "" for a
 * random AK.
 *
 * The old formats ("SVCCMP02"; "SVCCMP01" before the drive set) kept their key
 * as component.key beside the box. They are still read (whoever holds the flash
 * could read them anyway, and refusing would strand the AK after a board swap),
 * reported ("old format"), and rewritten as SVCCMP03 by the next sedcomp_put(),
 * which then removes component.key.
 *
 * Nothing is created outside the directory and the key store, and a directory
 * that is missing is an absent component: it is never made here.
 */
#ifndef SVCPORT_SEDCOMP_H
#define SVCPORT_SEDCOMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bmc-env.h"

#define SEDCOMP_AK_LEN  32
#define SEDCOMP_SET_MAX 32 /* a drive set's name (sedak.h SEDAK_DRIVE_SET_MAX) */
#define SEDCOMP_BOX_MAX 64 /* the sealed part: iv excluded, AK and tag */

struct se_config;

/*
 * Where the component's key lives: token (a PKCS#11 configuration whose module
 * is set) or else dir (a folder of the file back-end's store, never the
 * component's folder). Neither: no key, the component is unhealthy.
 */
struct sedcomp_keys {
	const char *dir;
	const struct se_config *token;
};

/* sedcomp-key.c. The key is there: 0, -ENOENT, -EBADMSG (damaged), -EACCES, -EIO. */
int sedcomp_key_check(const struct sedcomp_keys *k) __attribute__((warn_unused_result));
/* Draws a new key (file: from env->rng; token: generated inside). 0 or -errno. */
int sedcomp_key_make(const struct sedcomp_keys *k, const struct bmc_env *env)
    __attribute__((warn_unused_result));
/* box := iv (fresh) | AES-256-GCM(key, iv, aad, in) | tag. 0 or -errno. */
int sedcomp_key_seal(const struct sedcomp_keys *k, const uint8_t *aad, size_t aad_len,
                     const uint8_t *in, size_t len, uint8_t *box, const struct bmc_env *env)
    __attribute__((warn_unused_result));
/* Reverse: out gets box_len - 12 - 16 bytes. 0, -EBADMSG (another key, a change), -errno. */
int sedcomp_key_open(const struct sedcomp_keys *k, const uint8_t *aad, size_t aad_len,
                     const uint8_t *box, size_t box_len, uint8_t *out)
    __attribute__((warn_unused_result));

enum sedcomp_health {
	SEDCOMP_ABSENT,    /* no component (dir NULL or missing) */
	SEDCOMP_UNHEALTHY, /* its key or box is missing, damaged or unreadable */
	SEDCOMP_EMPTY,     /* healthy, holds nothing */
	SEDCOMP_HOLDS,     /* healthy, holds the AK of mt-sn, generation */
};

/* What the component holds (never the AK itself). */
struct sedcomp_info {
	enum sedcomp_health health;
	char mt[17], sn[33];
	char drive_set[SEDCOMP_SET_MAX + 1];
	uint64_t generation;
	bool old_format; /* SVCCMP01/02: its key beside the box, rewritten at the next put */
	char detail[96]; /* in words, for the console and logs */
};

/*
 * The length-prefixed strings of the SED formats (this box, and sedak.h's
 * backups): a length byte, then the bytes. put: the bytes written; get: the
 * string at in[*at] into out (cap with its NUL), *at moved past it, false if it
 * overruns len or does not fit.
 */
size_t sedcomp_str_put(uint8_t *out, const char *s);
bool sedcomp_str_get(const uint8_t *in, size_t len, size_t *at, char *out, size_t cap);

/* Looks at the component in dir (NULL: none): reads and opens the box to tell a
 * healthy one, then zeroizes what it opened. Never fails: health says. */
void sedcomp_probe(const char *dir, const struct sedcomp_keys *keys, struct sedcomp_info *ret);

/*
 * Replaces the component's copy with ak of drive_set ("" none) for mt-sn at
 * generation, durably
 * (fs_atomic_write), sealed with the key in keys; an old format's component.key
 * is removed after. Draws the key at first use (no key, and no box of this format).
 * 0, -ENOENT (absent), -EBADMSG (its key is damaged or lost while a box exists:
 * unhealthy), -EACCES (bmcd may not read its key: not damage, its owner is
 * wrong) or -errno of the read or write.
 */
int sedcomp_put(const char *dir, const struct sedcomp_keys *keys, const char *mt, const char *sn,
                const char *drive_set, uint64_t generation, const uint8_t ak[SEDCOMP_AK_LEN],
                const struct bmc_env *env) __attribute__((warn_unused_result));

/*
 * The copy, if it is mt-sn's: ak, and in *ret_info its generation and drive set.
 * -ENOENT (absent or empty), -EBADMSG (unhealthy), -ESRCH (another server's AK).
 * The caller zeroizes ak.
 */
int sedcomp_get(const char *dir, const struct sedcomp_keys *keys, const char *mt, const char *sn,
                uint8_t ak[SEDCOMP_AK_LEN], struct sedcomp_info *ret_info)
    __attribute__((warn_unused_result));

#endif
