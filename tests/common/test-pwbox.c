// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The one-time password box (common/pwbox.h) against the vectors WebCrypto
 * computed (tests/vectors/pwbox-v1.txt), and every refusal: a changed byte,
 * another key, device or command, a point not on the curve, a secret too long.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>

#include "hex.h"
#include "pwbox.h"

#define MAX_CASES 8

struct vector {
	uint8_t requester_priv[32], requester_pub[65], device_priv[32], device_pub[65];
	char machine_type[64], serial_number[64], secret[64];
	uint8_t nonce[16], ct[80];
	size_t ct_len;
};

static struct vector vecs[MAX_CASES];
static int n_vecs;
static mbedtls_ctr_drbg_context drbg;
static mbedtls_entropy_context entropy;

static int rng(void *ctx, unsigned char *buf, size_t len)
{
	return mbedtls_ctr_drbg_random(ctx, buf, len);
}

static void field(struct vector *v, const char *key, const char *val)
{
	const struct {
		const char *name;
		uint8_t *out;
		size_t len;
	} bin[] = {
	    {"requester_priv", v->requester_priv, 32},
	    {"requester_pub", v->requester_pub, 65},
	    {"device_priv", v->device_priv, 32},
	    {"device_pub", v->device_pub, 65},
	    {"nonce", v->nonce, 16},
	};

	for (size_t i = 0; i < sizeof(bin) / sizeof(bin[0]); i++)
		if (strcmp(key, bin[i].name) == 0) {
			assert_int_equal(hex_decode(val, bin[i].out, bin[i].len, 0), 0);
			return;
		}
	if (strcmp(key, "machine_type") == 0)
		snprintf(v->machine_type, sizeof(v->machine_type), "%s", val);
	else if (strcmp(key, "serial_number") == 0)
		snprintf(v->serial_number, sizeof(v->serial_number), "%s", val);
	else if (strcmp(key, "secret") == 0)
		snprintf(v->secret, sizeof(v->secret), "%s", val);
	else if (strcmp(key, "ciphertext") == 0) {
		v->ct_len = strlen(val) / 2;
		assert_int_equal(hex_decode(val, v->ct, v->ct_len, 0), 0);
	}
}

static int load(void **state)
{
	const char *path = getenv("PWBOX_VECTORS");
	char line[512];
	FILE *f;

	assert_non_null(path);
	f = fopen(path, "r");
	assert_non_null(f);
	n_vecs = 0;
	while (fgets(line, sizeof(line), f)) {
		char *eq = strstr(line, " = ");

		line[strcspn(line, "\n")] = 0;
		if (line[0] == '#')
			continue;
		if (!eq) {
			if (line[0] == 0 && vecs[n_vecs].ct_len)
				n_vecs++;
			continue;
		}
		*eq = 0;
		field(&vecs[n_vecs], line, eq + 3);
	}
	if (vecs[n_vecs].ct_len)
		n_vecs++;
	fclose(f);
	assert_int_equal(n_vecs, 3);
	mbedtls_entropy_init(&entropy);
	mbedtls_ctr_drbg_init(&drbg);
	assert_int_equal(mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, NULL, 0), 0);
	return 0;
}

static struct pwbox_binding bind_of(const struct vector *v)
{
	return (struct pwbox_binding){.machine_type = v->machine_type,
	                              .serial_number = v->serial_number,
	                              .nonce = v->nonce,
	                              .nonce_len = sizeof(v->nonce)};
}

/* bmcd's side, with the vector's device key, gives WebCrypto's bytes. */
static void seal_matches_webcrypto(void **state)
{
	for (int i = 0; i < n_vecs; i++) {
		const struct vector *v = &vecs[i];
		struct pwbox_binding b = bind_of(v);
		uint8_t pub[65], ct[80];
		size_t len = 0;

		assert_int_equal(pwbox_seal_with_key(v->requester_pub, &b, v->secret,
		                                     strlen(v->secret), v->device_priv, rng, &drbg,
		                                     pub, ct, sizeof(ct), &len),
		                 0);
		assert_memory_equal(pub, v->device_pub, 65);
		assert_int_equal(len, v->ct_len);
		assert_memory_equal(ct, v->ct, len);
	}
}

/* The phone's side opens WebCrypto's boxes. */
static void open_webcrypto_boxes(void **state)
{
	for (int i = 0; i < n_vecs; i++) {
		const struct vector *v = &vecs[i];
		struct pwbox_binding b = bind_of(v);
		char out[64];

		assert_int_equal(pwbox_open(v->requester_priv, v->device_pub, &b, v->ct, v->ct_len,
		                            rng, &drbg, out, sizeof(out)),
		                 0);
		assert_string_equal(out, v->secret);
	}
}

static void refusals(void **state)
{
	const struct vector *v = &vecs[0];
	struct pwbox_binding b = bind_of(v);
	uint8_t ct[80], other_priv[32], other_pub[65], bad_point[65];
	char out[64], long_secret[PWBOX_SECRET_MAX + 2];
	size_t len;

	/* Every single changed bit of the box fails the tag. */
	for (size_t i = 0; i < v->ct_len * 8; i++) {
		memcpy(ct, v->ct, v->ct_len);
		ct[i / 8] ^= (uint8_t)(1u << (i % 8));
		assert_int_equal(pwbox_open(v->requester_priv, v->device_pub, &b, ct, v->ct_len,
		                            rng, &drbg, out, sizeof(out)),
		                 -EBADMSG);
		assert_int_equal(out[0], 0); /* zeroized */
	}
	/* Another requester key, another device, another command. */
	assert_int_equal(pwbox_keygen(rng, &drbg, other_priv, other_pub), 0);
	assert_int_equal(pwbox_open(other_priv, v->device_pub, &b, v->ct, v->ct_len, rng, &drbg,
	                            out, sizeof(out)),
	                 -EBADMSG);
	b.serial_number = "J900OTHER";
	assert_int_equal(pwbox_open(v->requester_priv, v->device_pub, &b, v->ct, v->ct_len, rng,
	                            &drbg, out, sizeof(out)),
	                 -EBADMSG);
	b = bind_of(v);
	b.nonce_len = 15;
	assert_int_equal(pwbox_open(v->requester_priv, v->device_pub, &b, v->ct, v->ct_len, rng,
	                            &drbg, out, sizeof(out)),
	                 -EBADMSG);
	b = bind_of(v);
	/* A point not on the curve, a compressed one, a secret too long, no room. */
	memcpy(bad_point, v->requester_pub, 65);
	bad_point[64] ^= 1;
	assert_int_equal(
	    pwbox_seal(bad_point, &b, "x", 1, rng, &drbg, other_pub, ct, sizeof(ct), &len),
	    -EINVAL);
	bad_point[0] = 0x02;
	assert_int_equal(pwbox_open(v->requester_priv, bad_point, &b, v->ct, v->ct_len, rng, &drbg,
	                            out, sizeof(out)),
	                 -EINVAL);
	memset(long_secret, 'A', sizeof(long_secret) - 1);
	long_secret[sizeof(long_secret) - 1] = 0;
	assert_int_equal(pwbox_seal(v->requester_pub, &b, long_secret, strlen(long_secret), rng,
	                            &drbg, other_pub, ct, sizeof(ct), &len),
	                 -EINVAL);
	assert_int_equal(pwbox_seal(v->requester_pub, &b, "secret", 6, rng, &drbg, other_pub, ct,
	                            6 + PWBOX_TAG_LEN - 1, &len),
	                 -ENOSPC);
	assert_int_equal(pwbox_open(v->requester_priv, v->device_pub, &b, v->ct, v->ct_len, rng,
	                            &drbg, out, v->ct_len - PWBOX_TAG_LEN),
	                 -ENOSPC);
}

/* A fresh device key per box: the same secret never seals to the same bytes. */
static void round_trip_fresh_keys(void **state)
{
	const struct vector *v = &vecs[0];
	struct pwbox_binding b = bind_of(v);
	uint8_t pub1[65], pub2[65], ct1[80], ct2[80];
	size_t l1, l2;
	char out[64];

	assert_int_equal(pwbox_seal(v->requester_pub, &b, "Q8RT-ZZ4M", 9, rng, &drbg, pub1, ct1,
	                            sizeof(ct1), &l1),
	                 0);
	assert_int_equal(pwbox_seal(v->requester_pub, &b, "Q8RT-ZZ4M", 9, rng, &drbg, pub2, ct2,
	                            sizeof(ct2), &l2),
	                 0);
	assert_memory_not_equal(pub1, pub2, 65);
	assert_memory_not_equal(ct1, ct2, l1);
	assert_int_equal(
	    pwbox_open(v->requester_priv, pub2, &b, ct2, l2, rng, &drbg, out, sizeof(out)), 0);
	assert_string_equal(out, "Q8RT-ZZ4M");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(seal_matches_webcrypto),
	    cmocka_unit_test(open_webcrypto_boxes),
	    cmocka_unit_test(refusals),
	    cmocka_unit_test(round_trip_fresh_keys),
	};

	return cmocka_run_group_tests(tests, load, NULL);
}
