/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Test fixtures for the BMC: a deterministic RNG, an in-process portal PKI
 * made with mbedTLS x509write (good and deliberately bad chains), factory
 * directories, and a "world" (state dir + bmc + controllable clock) with
 * helpers to get a challenge, sign a command and submit it.
 */
#ifndef SVCPORT_TESTPKI_H
#define SVCPORT_TESTPKI_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mbedtls/md.h>
#include <mbedtls/pk.h>

#include "bmc.h"
#include "console.h"
#include "factory.h"
#include "manual-code.h"
#include "svcport.pb.h"

/* The tests' clock: 2027-01-15, inside every "valid" certificate below. */
#define TPKI_T0_MS (1800000000ull * 1000ull)
#define TPKI_MT    "7D1A"
#define TPKI_SN    "J900ABCD"
#define TPKI_CODE  "ACT-1234-5678"
/* The board's label password (factory dir admin-password): the initial one. */
#define TPKI_LABEL_PW "Label-7D1A-J900"
#define TPKI_ORG      "org-a"

int tpki_rng(void *user_data, unsigned char *buf, size_t len);
void tpki_rng_reset(uint32_t seed);

int tpki_keygen(mbedtls_pk_context *pk, bool p384);

struct tpki_cert {
	const char *subject;     /* "CN=..." */
	mbedtls_pk_context *key; /* subject key */
	const char *issuer;      /* issuer subject; NULL: self-signed */
	mbedtls_pk_context *issuer_key;
	bool ca;
	unsigned key_usage;     /* MBEDTLS_X509_KU_* */
	bool eku_cmd;           /* add the command-signing EKU */
	mbedtls_md_type_t md;   /* 0: SHA-256 */
	const char *not_before; /* "YYYYMMDDhhmmss"; NULL: 2026-01-01 */
	const char *not_after;  /* NULL: 2099-12-31, so tests on the real clock work too */
};

/* DER into der (cap bytes); returns the length or a negative mbedTLS error. */
int tpki_cert_der(const struct tpki_cert *c, unsigned char *der, size_t cap);
int tpki_der_to_pem(const unsigned char *der, size_t len, char *pem, size_t cap);

/* The shared keys and certificates (made once per process). */
struct tpki {
	mbedtls_pk_context root_key, signer_key, devca_key, device_key, device2_key;
	mbedtls_pk_context other_root_key, p384_key;
	unsigned char root[1024], signer[1024], devca[1024], device_crt[1024];
	size_t root_len, signer_len, devca_len, device_crt_len;
};
const struct tpki *tpki_get(void);

/* A factory dir for device_key (or device2_key for a blank replacement board). */
int tpki_write_factory(const char *dir, const char *control /* "portal", "bmc", NULL: blank */,
                       bool second_board);
/* K_dev of (mt, sn) under the tests' portal master key; the factory dir's manual.key. */
void tpki_manual_key(const char *mt, const char *sn, const mbedtls_pk_context *board,
                     uint8_t key[MANUAL_KEY_LEN]);

struct tworld {
	char dir[256], factory[PATH_MAX], state[PATH_MAX];
	uint64_t now_ms;
	struct bmc_env env;
	struct bmc *bmc;
	uint32_t session;
	bool real_rate_limits;            /* default back-off (else practically none) */
	bool real_challenge_limits;       /* default challenge throttle (else practically none) */
	bool usb_unplugged;               /* the hardware says no cable (default: one is in) */
	bool simulator;                   /* LINK_SIM accepted (takes effect at the next reopen) */
	bool chassis_locked;              /* the chassis keylock engaged (the hardware says) */
	char sed_component[PATH_MAX];     /* the SED AK backup component ("": none; next reopen) */
	char sed_component_key[PATH_MAX]; /* its key's file store ("": the board's se/) */
};

/* control: "portal", "bmc" or NULL (blank board with device2_key). */
void tworld_setup(struct tworld *w, const char *control);
void tworld_teardown(struct tworld *w);
/* Closes and opens the state again (as a restart does). */
void tworld_reopen(struct tworld *w);

/*
 * body := a command for the test device bound to challenge c's nonce, issued at
 * now_s, valid 10 minutes, operator "alice"; an emergency reset carries
 * tpki_requester_key's public key. 0, or -1 if c's body does not decode.
 */
int tpki_body_from_challenge(const svcport_v1_Challenge *c, pb_size_t action_tag,
                             svcport_v1_Role role, const char *org, uint64_t now_s,
                             svcport_v1_CommandBody *body);
/* The requester's ephemeral key pair an emergency reset body carries (made once):
 * returns its private scalar (32 bytes); pub (NULL: not wanted) gets the point. */
const uint8_t *tpki_requester_key(uint8_t pub[65]);
/* A CommandBody for this device with a fresh challenge nonce (asked over USB), valid
 * 10 minutes. */
void tworld_body(struct tworld *w, svcport_v1_CommandBody *body, pb_size_t action_tag,
                 svcport_v1_Role role, const char *org);
/* Signs body with key (NULL: the signer) and attaches chain certs (NULL: signer only). */
void tworld_sign(const svcport_v1_CommandBody *body, mbedtls_pk_context *key,
                 const unsigned char *const *certs, const size_t *cert_lens, int n_certs,
                 svcport_v1_SignedCommand *cmd);
/* The whole CommandResult of the last tworld_submit (zero after a refusal). */
extern svcport_v1_CommandResult tworld_last_result;
/* The Error detail of the last tworld_submit that was refused. */
extern char tworld_last_detail[161];
/* Submits; returns ERROR_NONE with the receipt, or the error code. */
svcport_v1_ErrorCode tworld_submit(struct tworld *w, const svcport_v1_SignedCommand *cmd,
                                   svcport_v1_LinkKind link, bool presence,
                                   svcport_v1_DeviceReceipt *ret_receipt);
/* body -> signed by the signer with its chain -> submitted over USB with presence. */
svcport_v1_ErrorCode tworld_do(struct tworld *w, svcport_v1_CommandBody *body);
/* u := body encoded and signed by key (ECDSA over SHA-256 of the bytes), as a portal does. */
void tworld_trust_update(const svcport_admin_v1_TrustUpdateBody *body, mbedtls_pk_context *key,
                         svcport_admin_v1_TrustUpdate *u);
/* Admin request with a password (NULL: none). */
svcport_admin_v1_AdminError tworld_admin(struct tworld *w, svcport_admin_v1_AdminRequest *req,
                                         const char *password, svcport_admin_v1_AdminReply *rep);

/* Whole-file snapshot for "nothing changed on disk". */
struct tsnap {
	unsigned char state[16384], audit[65536];
	size_t state_len, audit_len;
};
void tworld_snap(struct tworld *w, struct tsnap *s);
bool tworld_is_unchanged(struct tworld *w, const struct tsnap *s);

/* True if STATE/name holds these bytes anywhere (a secret that must not be there). */
bool tworld_file_contains(struct tworld *w, const char *name, const void *bytes, size_t len);
/*
 * The secrets as the secure element unseals them from the state on disk (its
 * own se_open). 0 or the negative errno of sealed.h (-ENOENT, -EBADMSG).
 */
int tworld_sed_ak(struct tworld *w, unsigned char ak[32]);
int tworld_activation_code(struct tworld *w, char code[33]);
/*
 * Rewrites state.pb through edit (bypassing the BMC, but with the state's own
 * secure element: a valid MAC and counter), then reopens.
 */
void tworld_edit_state(struct tworld *w, void (*edit)(svcport_v1_BmcState *st, void *arg),
                       void *arg);

#endif
