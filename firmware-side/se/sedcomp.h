/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The automatic SED AK backup component (the guide's TPM / root of trust / I/O
 * module): a store apart from the board's secure element, with a key of its
 * own, that keeps one copy of the server's SED AK. It moves with the server,
 * not with the motherboard, so a replacement board can restore the AK from it
 * (docs/bmc.md "Automatic SED AK backup").
 *
 * This file-backed implementation is a directory (the simulator's virtual
 * component): component.key (32 random bytes, 0600, drawn at its first use)
 * and sed-ak.box:
 *
 *   "SVCCMP02" | generation (u64 BE) | len MT | MT | len SN | SN | len set | drive set |
 *   iv (12) | AES-256-GCM(component key, iv, AAD = every byte before iv, AK) | tag (16)
 *
 * The drive set names a passphrase AK's set (the KDF's salt, sedak.h), so a restore
 * from the component restores it with the AK; "" for a random AK. "SVCCMP01" boxes
 * (before the drive set: no length byte, no set) are read as set "".
 *
 * Nothing is created outside the directory, and a directory that is missing
 * is an absent component: it is never made here.
 */
#ifndef SVCPORT_SEDCOMP_H
#define SVCPORT_SEDCOMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bmc-env.h"

#define SEDCOMP_AK_LEN  32
#define SEDCOMP_SET_MAX 32 /* a drive set's name (sedak.h SEDAK_DRIVE_SET_MAX) */

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
void sedcomp_probe(const char *dir, struct sedcomp_info *ret);

/*
 * Replaces the component's copy with ak of drive_set ("" none) for mt-sn at
 * generation, durably
 * (fs_atomic_write). Draws the component's key at first use (no key and no box).
 * 0, -ENOENT (absent), -EBADMSG (its key is damaged or lost while a box exists:
 * unhealthy), -EACCES (bmcd may not read its key: not damage, its owner is
 * wrong) or -errno of the read or write.
 */
int sedcomp_put(const char *dir, const char *mt, const char *sn, const char *drive_set,
                uint64_t generation, const uint8_t ak[SEDCOMP_AK_LEN], const struct bmc_env *env)
    __attribute__((warn_unused_result));

/*
 * The copy, if it is mt-sn's: ak, and in *ret_info its generation and drive set.
 * -ENOENT (absent or empty), -EBADMSG (unhealthy), -ESRCH (another server's AK).
 * The caller zeroizes ak.
 */
int sedcomp_get(const char *dir, const char *mt, const char *sn, uint8_t ak[SEDCOMP_AK_LEN],
                struct sedcomp_info *ret_info) __attribute__((warn_unused_result));

#endif
