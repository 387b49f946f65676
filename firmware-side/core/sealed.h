/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The state record's secrets, sealed by the secure element (se_seal) and bound
 * to the record's device identity (MT-SN, "" on a blank board) and a purpose:
 * the SED AK, the printed secure activation code, and the private keys of the
 * internal CA and the link certificate (docs/certs.md). The record holds only the
 * sealed blobs; a plain value lives in a caller's buffer for one use and the
 * caller zeroizes it (mbedtls_platform_zeroize).
 */
#ifndef SVCPORT_BMC_SEALED_H
#define SVCPORT_BMC_SEALED_H

#include <stdbool.h>

#include "se.h"
#include "svcport.pb.h"

#define SEALED_SED_AK_LEN     32
#define SEALED_CODE_LEN       32 /* the printed code, NUL-padded to this length */
#define SEALED_MANUAL_KEY_LEN 32 /* K_dev, manual activation (docs/manual-activation.md) */

_Static_assert(SEALED_SED_AK_LEN + SE_SEAL_OVERHEAD ==
                   sizeof(((svcport_v1_BmcState *)0)->sed_ak_sealed.bytes),
               "sed_ak_sealed bound in svcport.options");
_Static_assert(SEALED_CODE_LEN + SE_SEAL_OVERHEAD ==
                   sizeof(((svcport_v1_BmcState *)0)->activation_code_sealed.bytes),
               "activation_code_sealed bound in svcport.options");
_Static_assert(SEALED_MANUAL_KEY_LEN + SE_SEAL_OVERHEAD ==
                   sizeof(((svcport_v1_BmcState *)0)->manual_key_sealed.bytes),
               "manual_key_sealed bound in svcport.options");
_Static_assert(SEALED_CODE_LEN + 1 == sizeof(((svcport_v1_ActivationCode *)0)->code),
               "an activation code fits the sealed length");

/* Seals ak into st (bound to st's identity), sets sed_ak_present. 0 or -errno. */
int sealed_sed_ak_set(struct se *se, svcport_v1_BmcState *st,
                      const unsigned char ak[SEALED_SED_AK_LEN], const struct bmc_env *env)
    __attribute__((warn_unused_result));
/* Unseals st's AK into ak. -ENOENT (none), -EBADMSG (not ours / damaged). */
int sealed_sed_ak_get(struct se *se, const svcport_v1_BmcState *st,
                      unsigned char ak[SEALED_SED_AK_LEN]) __attribute__((warn_unused_result));
/* Forgets the AK (sealed blob and flag). */
void sealed_sed_ak_clear(svcport_v1_BmcState *st);

/* Seals code (1..SEALED_CODE_LEN chars) into st. 0, -EINVAL or -errno. */
int sealed_code_set(struct se *se, svcport_v1_BmcState *st, const char *code,
                    const struct bmc_env *env) __attribute__((warn_unused_result));
/* Unseals st's code, NUL-terminated. -ENOENT (none), -EBADMSG. */
int sealed_code_get(struct se *se, const svcport_v1_BmcState *st, char code[SEALED_CODE_LEN + 1])
    __attribute__((warn_unused_result));
bool sealed_has_code(const svcport_v1_BmcState *st);

/* Seals K_dev, the manual activation key, into st. 0 or -errno. */
int sealed_manual_key_set(struct se *se, svcport_v1_BmcState *st,
                          const unsigned char key[SEALED_MANUAL_KEY_LEN], const struct bmc_env *env)
    __attribute__((warn_unused_result));
/* Unseals st's K_dev into key. -ENOENT (none), -EBADMSG (not ours / damaged). */
int sealed_manual_key_get(struct se *se, const svcport_v1_BmcState *st,
                          unsigned char key[SEALED_MANUAL_KEY_LEN])
    __attribute__((warn_unused_result));
bool sealed_has_manual_key(const svcport_v1_BmcState *st);
/* The device's software keys (docs/certs.md): P-256 private scalars. */
#define SEALED_KEY_LEN 32
enum sealed_key {
	SEALED_KEY_LINK,        /* the link certificate's key (link_key_sealed) */
	SEALED_KEY_INTERNAL_CA, /* the internal CA's key (internal_ca_key_sealed) */
};
_Static_assert(SEALED_KEY_LEN + SE_SEAL_OVERHEAD ==
                       sizeof(((svcport_v1_BmcState *)0)->link_key_sealed.bytes) &&
                   SEALED_KEY_LEN + SE_SEAL_OVERHEAD ==
                       sizeof(((svcport_v1_BmcState *)0)->internal_ca_key_sealed.bytes),
               "sealed key bounds in svcport.options");

/* Seals the scalar d into st as which. 0 or -errno. */
int sealed_key_set(struct se *se, svcport_v1_BmcState *st, enum sealed_key which,
                   const unsigned char d[SEALED_KEY_LEN], const struct bmc_env *env)
    __attribute__((warn_unused_result));
/* Unseals st's key which into d. -ENOENT (none), -EBADMSG (not ours / damaged). */
int sealed_key_get(struct se *se, const svcport_v1_BmcState *st, enum sealed_key which,
                   unsigned char d[SEALED_KEY_LEN]) __attribute__((warn_unused_result));
bool sealed_has_key(const svcport_v1_BmcState *st, enum sealed_key which);

/*
 * next's identity differs from old's (DeviceKeyUpdate): unseal old's secrets
 * and seal them again bound to next's identity, into next. 0 or -errno
 * (next's secrets are then unspecified: the caller discards next). K_dev is not carried:
 * it is bound to the old identity and board (the key update's box brings the new one).
 */
int sealed_rebind(struct se *se, const svcport_v1_BmcState *old, svcport_v1_BmcState *next,
                  const struct bmc_env *env) __attribute__((warn_unused_result));

#endif
