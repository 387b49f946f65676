// SPDX-License-Identifier: GPL-2.0-or-later
/* The state record's sealed secrets (sealed.h). */
#include "sealed.h"

#include <errno.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#define PURPOSE_SED_AK "sed-ak"
#define PURPOSE_CODE   "activation-code"
#define PURPOSE_MANUAL "manual-key"
#define PURPOSE_LINK   "link-key"
#define PURPOSE_CA     "internal-ca-key"

static struct se_binding binding_of(const svcport_v1_BmcState *st, const char *purpose)
{
	const bool id = st->has_identity;

	return (struct se_binding){.purpose = purpose,
	                           .machine_type = id ? st->device.machine_type : "",
	                           .serial_number = id ? st->device.serial_number : ""};
}

/* Seals len bytes of in for purpose into out (cap), its size into *ret_size. */
static int seal_into(struct se *se, const svcport_v1_BmcState *st, const char *purpose,
                     const void *in, size_t len, pb_byte_t *out, size_t cap, pb_size_t *ret_size,
                     const struct bmc_env *env)
{
	const struct se_binding bind = binding_of(st, purpose);
	size_t n = 0;
	int ret = se_seal(se, &bind, in, len, out, cap, &n, env);

	if (ret == 0)
		*ret_size = (pb_size_t)n;
	return ret;
}

/* Unseals exactly len bytes sealed for purpose into out; zeroized on any failure. */
static int unseal_exact(struct se *se, const svcport_v1_BmcState *st, const char *purpose,
                        const pb_byte_t *in, pb_size_t in_len, void *out, size_t len)
{
	const struct se_binding bind = binding_of(st, purpose);
	size_t n = 0;
	int ret = se_unseal(se, &bind, in, in_len, out, len, &n);

	if (ret == 0 && n != len)
		ret = -EBADMSG;
	if (ret < 0)
		mbedtls_platform_zeroize(out, len);
	return ret;
}

int sealed_sed_ak_set(struct se *se, svcport_v1_BmcState *st,
                      const unsigned char ak[SEALED_SED_AK_LEN], const struct bmc_env *env)
{
	int ret = seal_into(se, st, PURPOSE_SED_AK, ak, SEALED_SED_AK_LEN, st->sed_ak_sealed.bytes,
	                    sizeof(st->sed_ak_sealed.bytes), &st->sed_ak_sealed.size, env);

	if (ret == 0)
		st->sed_ak_present = true;
	return ret;
}

int sealed_sed_ak_get(struct se *se, const svcport_v1_BmcState *st,
                      unsigned char ak[SEALED_SED_AK_LEN])
{
	if (!st->sed_ak_present)
		return -ENOENT;
	return unseal_exact(se, st, PURPOSE_SED_AK, st->sed_ak_sealed.bytes, st->sed_ak_sealed.size,
	                    ak, SEALED_SED_AK_LEN);
}

void sealed_sed_ak_clear(svcport_v1_BmcState *st)
{
	mbedtls_platform_zeroize(st->sed_ak_sealed.bytes, sizeof(st->sed_ak_sealed.bytes));
	st->sed_ak_sealed.size = 0;
	st->sed_ak_present = false;
	/* Every caller is a reset that clears the AK on purpose: a new generation, so the
	 * backup component's older copy no longer restores from the console (whoever the
	 * reset made Administrator+ must bring a passphrase-protected backup or the drive
	 * set's passphrase; docs/bmc.md). */
	st->sed_ak_generation++;
}

bool sealed_has_code(const svcport_v1_BmcState *st)
{
	return st->activation_code_sealed.size > 0;
}

int sealed_code_set(struct se *se, svcport_v1_BmcState *st, const char *code,
                    const struct bmc_env *env)
{
	const struct se_binding bind = binding_of(st, PURPOSE_CODE);
	unsigned char pad[SEALED_CODE_LEN] = {0};
	size_t n = strnlen(code, SEALED_CODE_LEN + 1), len = 0;
	int ret;

	if (n == 0 || n > SEALED_CODE_LEN)
		return -EINVAL;
	memcpy(pad, code, n);
	ret = se_seal(se, &bind, pad, sizeof(pad), st->activation_code_sealed.bytes,
	              sizeof(st->activation_code_sealed.bytes), &len, env);
	mbedtls_platform_zeroize(pad, sizeof(pad));
	if (ret < 0)
		return ret;
	st->activation_code_sealed.size = (pb_size_t)len;
	return 0;
}

int sealed_code_get(struct se *se, const svcport_v1_BmcState *st, char code[SEALED_CODE_LEN + 1])
{
	const struct se_binding bind = binding_of(st, PURPOSE_CODE);
	size_t len = 0;
	int ret;

	if (!sealed_has_code(st))
		return -ENOENT;
	ret = se_unseal(se, &bind, st->activation_code_sealed.bytes,
	                st->activation_code_sealed.size, code, SEALED_CODE_LEN, &len);
	if (ret == 0 && (len != SEALED_CODE_LEN || code[0] == 0))
		ret = -EBADMSG;
	if (ret < 0) {
		mbedtls_platform_zeroize(code, SEALED_CODE_LEN + 1);
		return ret;
	}
	code[SEALED_CODE_LEN] = 0;
	return 0;
}

bool sealed_has_manual_key(const svcport_v1_BmcState *st)
{
	return st->manual_key_sealed.size > 0;
}

int sealed_manual_key_set(struct se *se, svcport_v1_BmcState *st,
                          const unsigned char key[SEALED_MANUAL_KEY_LEN], const struct bmc_env *env)
{
	return seal_into(se, st, PURPOSE_MANUAL, key, SEALED_MANUAL_KEY_LEN,
	                 st->manual_key_sealed.bytes, sizeof(st->manual_key_sealed.bytes),
	                 &st->manual_key_sealed.size, env);
}

int sealed_manual_key_get(struct se *se, const svcport_v1_BmcState *st,
                          unsigned char key[SEALED_MANUAL_KEY_LEN])
{
	if (!sealed_has_manual_key(st))
		return -ENOENT;
	return unseal_exact(se, st, PURPOSE_MANUAL, st->manual_key_sealed.bytes,
	                    st->manual_key_sealed.size, key, SEALED_MANUAL_KEY_LEN);
}

/* A sealed key's field in the state record. */
struct key_field {
	pb_size_t *size;
	pb_byte_t *bytes;
	size_t cap;
	const char *purpose;
};

static struct key_field key_field(svcport_v1_BmcState *st, enum sealed_key which)
{
	if (which == SEALED_KEY_LINK)
		return (struct key_field){&st->link_key_sealed.size, st->link_key_sealed.bytes,
		                          sizeof(st->link_key_sealed.bytes), PURPOSE_LINK};
	return (struct key_field){&st->internal_ca_key_sealed.size,
	                          st->internal_ca_key_sealed.bytes,
	                          sizeof(st->internal_ca_key_sealed.bytes), PURPOSE_CA};
}

bool sealed_has_key(const svcport_v1_BmcState *st, enum sealed_key which)
{
	return (which == SEALED_KEY_LINK ? st->link_key_sealed.size
	                                 : st->internal_ca_key_sealed.size) > 0;
}

int sealed_key_set(struct se *se, svcport_v1_BmcState *st, enum sealed_key which,
                   const unsigned char d[SEALED_KEY_LEN], const struct bmc_env *env)
{
	const struct key_field f = key_field(st, which);
	const struct se_binding bind = binding_of(st, f.purpose);
	size_t len = 0;
	int ret;

	ret = se_seal(se, &bind, d, SEALED_KEY_LEN, f.bytes, f.cap, &len, env);
	if (ret < 0)
		return ret;
	*f.size = (pb_size_t)len;
	return 0;
}

int sealed_key_get(struct se *se, const svcport_v1_BmcState *st, enum sealed_key which,
                   unsigned char d[SEALED_KEY_LEN])
{
	/* key_field only reads through st here. */
	const struct key_field f = key_field((svcport_v1_BmcState *)st, which);
	const struct se_binding bind = binding_of(st, f.purpose);
	size_t len = 0;
	int ret;

	if (*f.size == 0)
		return -ENOENT;
	ret = se_unseal(se, &bind, f.bytes, *f.size, d, SEALED_KEY_LEN, &len);
	if (ret == 0 && len != SEALED_KEY_LEN)
		ret = -EBADMSG;
	if (ret < 0)
		mbedtls_platform_zeroize(d, SEALED_KEY_LEN);
	return ret;
}

/* Unseals old's key which and seals it into next (bound to next's identity). */
static int key_rebind(struct se *se, const svcport_v1_BmcState *old, svcport_v1_BmcState *next,
                      enum sealed_key which, const struct bmc_env *env)
{
	unsigned char d[SEALED_KEY_LEN];
	int ret;

	if (!sealed_has_key(old, which))
		return 0;
	ret = sealed_key_get(se, old, which, d);
	if (ret == 0)
		ret = sealed_key_set(se, next, which, d, env);
	mbedtls_platform_zeroize(d, sizeof(d));
	return ret;
}

int sealed_rebind(struct se *se, const svcport_v1_BmcState *old, svcport_v1_BmcState *next,
                  const struct bmc_env *env)
{
	unsigned char ak[SEALED_SED_AK_LEN];
	char code[SEALED_CODE_LEN + 1];
	int ret = 0;

	if (old->sed_ak_present) {
		ret = sealed_sed_ak_get(se, old, ak);
		if (ret == 0)
			ret = sealed_sed_ak_set(se, next, ak, env);
		mbedtls_platform_zeroize(ak, sizeof(ak));
	}
	if (ret == 0 && sealed_has_code(old)) {
		ret = sealed_code_get(se, old, code);
		if (ret == 0)
			ret = sealed_code_set(se, next, code, env);
		mbedtls_platform_zeroize(code, sizeof(code));
	}
	if (ret == 0)
		ret = key_rebind(se, old, next, SEALED_KEY_LINK, env);
	if (ret == 0)
		ret = key_rebind(se, old, next, SEALED_KEY_INTERNAL_CA, env);
	return ret;
}
