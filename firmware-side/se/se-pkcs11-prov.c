// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Provisioning a PKCS#11 secure element (se.h se_provision): the previous
 * svcport objects destroyed, then every key generated inside the token
 * (C_GenerateKeyPair, C_GenerateKey), sensitive and not extractable; the
 * device key imported instead when the factory hands one over (the simulator
 * and the tests, whose PKI knows it), with the same attributes. Every object
 * is a private token object: only the PIN holder reads or changes it.
 */
#include "se-pkcs11-int.h"

#include <errno.h>
#include <string.h>

#include <mbedtls/platform_util.h>

/* DER OID prime256v1 (RFC 5480), CKA_EC_PARAMS of every key pair. */
static const unsigned char p256_oid[] = {0x06, 0x08, 0x2a, 0x86, 0x48,
                                         0xce, 0x3d, 0x03, 0x01, 0x07};
static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;

static const char *const all_labels[] = {
    P11_LABEL_DEVICE, P11_LABEL_CA,      P11_LABEL_LINK,  P11_LABEL_WRAP,
    P11_LABEL_MAC,    P11_LABEL_COUNTER, P11_LABEL_LATCH, P11_LABEL_ANCHORS,
};

/*
 * Every object of ours, of any class (a re-provisioning starts clean), the
 * retired internal CA and link key pairs of a token provisioned before issue 16
 * included.
 */
static int objects_destroy(struct p11 *p)
{
	static const CK_OBJECT_CLASS classes[] = {CKO_PRIVATE_KEY, CKO_PUBLIC_KEY, CKO_SECRET_KEY,
	                                          CKO_DATA};

	for (size_t l = 0; l < sizeof(all_labels) / sizeof(all_labels[0]); l++) {
		for (size_t c = 0; c < sizeof(classes) / sizeof(classes[0]); c++) {
			CK_OBJECT_HANDLE h[P11_MAX_OBJECTS];
			size_t n = 0;
			int ret = p11_find(p, classes[c], all_labels[l], h, P11_MAX_OBJECTS, &n);

			for (size_t i = 0; ret == 0 && i < n; i++) {
				CK_RV rv = p->f->C_DestroyObject(p->session, h[i]);

				if (rv != CKR_OK)
					ret = p11_fail("C_DestroyObject", rv);
			}
			if (ret < 0)
				return ret;
		}
	}
	return 0;
}

static int key_pair_generate(struct p11 *p, const char *label)
{
	CK_MECHANISM mech = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
	CK_ATTRIBUTE pub[] = {
	    {CKA_TOKEN, &yes, 1},
	    {CKA_PRIVATE, &yes, 1},
	    {CKA_MODIFIABLE, &no, 1},
	    {CKA_VERIFY, &yes, 1},
	    {CKA_EC_PARAMS, (void *)p256_oid, sizeof(p256_oid)},
	    {CKA_LABEL, (void *)label, strlen(label)},
	};
	/* The device key also derives (se_ecdh: secrets sealed to a replacement board). */
	CK_BBOOL *derive = strcmp(label, P11_LABEL_DEVICE) == 0 ? &yes : &no;
	CK_ATTRIBUTE prv[] = {
	    {CKA_TOKEN, &yes, 1},
	    {CKA_PRIVATE, &yes, 1},
	    {CKA_MODIFIABLE, &no, 1},
	    {CKA_SENSITIVE, &yes, 1},
	    {CKA_EXTRACTABLE, &no, 1},
	    {CKA_SIGN, &yes, 1},
	    {CKA_DERIVE, derive, 1}, /* the device key only */
	    {CKA_LABEL, (void *)label, strlen(label)},
	};
	CK_OBJECT_HANDLE hpub, hprv;
	CK_RV rv = p->f->C_GenerateKeyPair(p->session, &mech, pub, sizeof(pub) / sizeof(pub[0]),
	                                   prv, sizeof(prv) / sizeof(prv[0]), &hpub, &hprv);

	return rv == CKR_OK ? 0 : p11_fail("C_GenerateKeyPair", rv);
}

/* The factory's device key into the token: private (sensitive) and public objects. */
static int key_pair_import(struct p11 *p, const mbedtls_pk_context *pk, const char *label)
{
	const mbedtls_ecp_keypair *kp = mbedtls_pk_ec(*pk);
	CK_OBJECT_CLASS prv_class = CKO_PRIVATE_KEY, pub_class = CKO_PUBLIC_KEY;
	CK_KEY_TYPE type = CKK_EC;
	unsigned char d[32], point[2 + SE_PUBKEY_LEN];
	size_t olen = 0;
	CK_ATTRIBUTE prv[] = {
	    {CKA_CLASS, &prv_class, sizeof(prv_class)},
	    {CKA_KEY_TYPE, &type, sizeof(type)},
	    {CKA_TOKEN, &yes, 1},
	    {CKA_PRIVATE, &yes, 1},
	    {CKA_MODIFIABLE, &no, 1},
	    {CKA_SENSITIVE, &yes, 1},
	    {CKA_EXTRACTABLE, &no, 1},
	    {CKA_SIGN, &yes, 1},
	    {CKA_DERIVE, &yes, 1}, /* the device key: se_ecdh */
	    {CKA_EC_PARAMS, (void *)p256_oid, sizeof(p256_oid)},
	    {CKA_VALUE, d, sizeof(d)},
	    {CKA_LABEL, (void *)label, strlen(label)},
	};
	CK_ATTRIBUTE pub[] = {
	    {CKA_CLASS, &pub_class, sizeof(pub_class)},
	    {CKA_KEY_TYPE, &type, sizeof(type)},
	    {CKA_TOKEN, &yes, 1},
	    {CKA_PRIVATE, &yes, 1},
	    {CKA_MODIFIABLE, &no, 1},
	    {CKA_VERIFY, &yes, 1},
	    {CKA_EC_PARAMS, (void *)p256_oid, sizeof(p256_oid)},
	    {CKA_EC_POINT, point, sizeof(point)},
	    {CKA_LABEL, (void *)label, strlen(label)},
	};
	int ret = -EINVAL;

	/* CKA_EC_POINT: DER OCTET STRING { uncompressed point }. */
	point[0] = 0x04;
	point[1] = SE_PUBKEY_LEN;
	if (mbedtls_mpi_write_binary(&kp->d, d, sizeof(d)) == 0 &&
	    mbedtls_ecp_point_write_binary(&kp->grp, &kp->Q, MBEDTLS_ECP_PF_UNCOMPRESSED, &olen,
	                                   point + 2, SE_PUBKEY_LEN) == 0 &&
	    olen == SE_PUBKEY_LEN)
		ret = p11_create(p, prv, sizeof(prv) / sizeof(prv[0]));
	if (ret == 0)
		ret = p11_create(p, pub, sizeof(pub) / sizeof(pub[0]));
	mbedtls_platform_zeroize(d, sizeof(d));
	return ret;
}

int se_p11_provision(const struct se_config *cfg, const struct se_factory *f)
{
	static const unsigned char zero[SE_LATCH_LEN];
	struct p11 p;
	int ret = p11_session_open(cfg, &p);

	_Static_assert(sizeof(zero) >= P11_COUNTER_LEN, "one zero buffer for both");
	if (ret < 0)
		return ret;
	ret = objects_destroy(&p);
	if (ret == 0)
		ret = f->device_key ? key_pair_import(&p, f->device_key, P11_LABEL_DEVICE)
		                    : key_pair_generate(&p, P11_LABEL_DEVICE);
	if (ret == 0)
		ret = p11_secret_generate(&p, true, P11_LABEL_WRAP);
	if (ret == 0)
		ret = p11_secret_generate(&p, false, P11_LABEL_MAC);
	if (ret == 0)
		ret = p11_record_create(&p, P11_LABEL_COUNTER, 0, zero, P11_COUNTER_LEN);
	if (ret == 0)
		ret = p11_record_create(&p, P11_LABEL_LATCH, 0, zero, SE_LATCH_LEN);
	if (ret == 0)
		ret = p11_data_create(&p, P11_LABEL_ANCHORS, f->anchors_pem, f->anchors_len);
	p11_session_close(&p);
	return ret;
}
