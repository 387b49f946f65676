// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-bmc-parse only (issue 12): fuzz-bmc-request without the public-key
 * work. Linked with --wrap (tests/bmc/CMakeLists.txt), so only in this
 * program: every signature and chain check passes, signing writes a fixed
 * 64-byte value (the file SE signs with mbedtls_ecdsa_sign_det_ext: a fixed
 * r and s) and fsync returns at once. ECDSA held fuzz-bmc-request at
 * ~540 exec/s; this way the decoding, the checks after the signature
 * (device, time window, nonce, role, policy) and the apply get millions.
 * Never a daemon option: svcport-bmcd has no way to skip a check.
 */
#include <stdint.h>
#include <string.h>

#include <mbedtls/ecdsa.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

int __wrap_mbedtls_pk_verify(mbedtls_pk_context *ctx, mbedtls_md_type_t md_alg,
                             const unsigned char *hash, size_t hash_len, const unsigned char *sig,
                             size_t sig_len);
int __wrap_mbedtls_x509_crt_verify_with_profile(
    mbedtls_x509_crt *crt, mbedtls_x509_crt *trust_ca, mbedtls_x509_crl *ca_crl,
    const mbedtls_x509_crt_profile *profile, const char *cn, uint32_t *flags,
    int (*f_vrfy)(void *, mbedtls_x509_crt *, int, uint32_t *), void *p_vrfy);
int __wrap_mbedtls_pk_sign(mbedtls_pk_context *ctx, mbedtls_md_type_t md_alg,
                           const unsigned char *hash, size_t hash_len, unsigned char *sig,
                           size_t *sig_len, int (*f_rng)(void *, unsigned char *, size_t),
                           void *p_rng);
int __wrap_mbedtls_ecdsa_sign_det_ext(mbedtls_ecp_group *grp, mbedtls_mpi *r, mbedtls_mpi *s,
                                      const mbedtls_mpi *d, const unsigned char *buf, size_t blen,
                                      mbedtls_md_type_t md_alg,
                                      int (*f_rng_blind)(void *, unsigned char *, size_t),
                                      void *p_rng_blind);
int __wrap_fsync(int fd);

int __wrap_mbedtls_pk_verify(mbedtls_pk_context *ctx, mbedtls_md_type_t md_alg,
                             const unsigned char *hash, size_t hash_len, const unsigned char *sig,
                             size_t sig_len)
{
	return 0;
}

int __wrap_mbedtls_x509_crt_verify_with_profile(
    mbedtls_x509_crt *crt, mbedtls_x509_crt *trust_ca, mbedtls_x509_crl *ca_crl,
    const mbedtls_x509_crt_profile *profile, const char *cn, uint32_t *flags,
    int (*f_vrfy)(void *, mbedtls_x509_crt *, int, uint32_t *), void *p_vrfy)
{
	*flags = 0;
	return 0;
}

int __wrap_mbedtls_pk_sign(mbedtls_pk_context *ctx, mbedtls_md_type_t md_alg,
                           const unsigned char *hash, size_t hash_len, unsigned char *sig,
                           size_t *sig_len, int (*f_rng)(void *, unsigned char *, size_t),
                           void *p_rng)
{
	memset(sig, 0x5a, 64);
	*sig_len = 64;
	return 0;
}

int __wrap_mbedtls_ecdsa_sign_det_ext(mbedtls_ecp_group *grp, mbedtls_mpi *r, mbedtls_mpi *s,
                                      const mbedtls_mpi *d, const unsigned char *buf, size_t blen,
                                      mbedtls_md_type_t md_alg,
                                      int (*f_rng_blind)(void *, unsigned char *, size_t),
                                      void *p_rng_blind)
{
	return mbedtls_mpi_lset(r, 0x5a5a5a5a) || mbedtls_mpi_lset(s, 0x5a5a5a5a);
}

int __wrap_fsync(int fd)
{
	return 0;
}
