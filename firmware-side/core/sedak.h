/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The SED AK as the console and the actions change it (docs/bmc.md "SED AK"):
 * the passphrase KDF salted with the drive-set name, the encrypted backup that
 * restores on any server, and the copy in the automatic backup component.
 * Every plain AK lives in a caller's buffer for one use; the caller zeroizes it.
 */
#ifndef SVCPORT_BMC_SEDAK_H
#define SVCPORT_BMC_SEDAK_H

#include <stddef.h>
#include <stdint.h>

#include "board.h"
#include "sealed.h"

/* The passphrase AK: PBKDF2-HMAC-SHA256(passphrase, "svcport-sed-ak-v2" 0 drive set,
 * SEDAK_KDF_ITERATIONS, 32 bytes). A constant: every server of a set derives the same. */
#define SEDAK_KDF_ITERATIONS 100000u
#define SEDAK_PASSPHRASE_MIN 16
#define SEDAK_DRIVE_SET_MAX  32
/* The backup: a key from the backup passphrase, iterations written in the backup. */
#define SEDAK_BACKUP_PASS_MIN 12
#define SEDAK_BACKUP_ITER_MIN 10000u
#define SEDAK_BACKUP_ITER_MAX 1000000u /* bounds the work a forged backup can ask for */

/* ak := the passphrase AK of drive_set. 0 or -EIO. */
int sedak_derive(const char *passphrase, const char *drive_set, uint8_t ak[SEALED_SED_AK_LEN])
    __attribute__((warn_unused_result));

/* Where a backup was taken. */
struct sedak_origin {
	char mt[17], sn[33], drive_set[SEDAK_DRIVE_SET_MAX + 1];
};

/*
 * backup v2 of ak, taken on st's server, encrypted under backup_pass:
 *   "SVCSEDB2" | iterations (u32 BE) | salt (16) | len MT | MT | len SN | SN |
 *   len set | drive set | iv (12) | AES-256-GCM(key, iv, AAD = all before iv, AK) | tag
 * key = PBKDF2-HMAC-SHA256(backup_pass, salt, iterations, 32). 0, -ENOSPC or -EIO.
 */
int sedak_backup_encode(struct bmc *b, const svcport_v1_BmcState *st,
                        const uint8_t ak[SEALED_SED_AK_LEN], const char *backup_pass, uint8_t *out,
                        size_t cap, size_t *ret_len) __attribute__((warn_unused_result));
/* Opens a backup: ak and where it was taken; NULL, or why not in words. */
const char *sedak_backup_decode(const uint8_t *in, size_t len, const char *backup_pass,
                                uint8_t ak[SEALED_SED_AK_LEN], struct sedak_origin *ret_origin);

/*
 * next gets ak: sealed, SED enabled, generation + 1, drive_set ("" for a random
 * or restored-random AK). 0 or -errno.
 */
int sedak_install(struct bmc *b, svcport_v1_BmcState *next, const uint8_t ak[SEALED_SED_AK_LEN],
                  const char *drive_set) __attribute__((warn_unused_result));

/*
 * After a commit that changed the AK: the component gets the board's AK
 * (bmc_options.sed_component). 0, or -errno with why (an absent or unhealthy
 * component: never silently skipped, the caller reports it). Only the component
 * the board is paired with (or any, while not paired yet) gets it: another one
 * -EPERM, unless adopt (`sed component adopt`, a restore from that component),
 * which pairs with it. Every copy is audited (sed-component-write).
 */
int sedak_component_update(struct bmc *b, bool adopt, char *why, size_t cap);
/* True while the board's AK may be copied to the component: the board is ACTIVE
 * (docs/bmc.md "Automatic backup component"). */
bool sedak_component_may_copy(const svcport_v1_BmcState *st);
/* At start and at every activation, only while the board is ACTIVE: a component
 * that holds nothing gets the board's AK (the factory's first one, or a component
 * newly fitted), and so does one holding this server's copy in the old format or
 * of an older generation (a change made while locked). A newer copy of this
 * server, or another server's, is never replaced here. Failures show in the status. */
void sedak_component_sync(struct bmc *b);
/* After a successful commit: if it made the board ACTIVE (was_active: before it),
 * sedak_component_sync(). Every path that commits an activation calls it. */
void sedak_component_after_commit(struct bmc *b, bool was_active);
/* True if the fitted component is the one the board is paired with. */
bool sedak_component_is_paired(const struct bmc *b);
/* What the component holds, measured against the board's state; detail in words. */
svcport_v1_SedComponent sedak_component_status(const struct bmc *b, char *detail, size_t cap);

#endif
