// SPDX-License-Identifier: GPL-2.0-or-later
#include "testpki.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/oid.h>
#include <mbedtls/x509_crt.h>
#include <mbedtls/ecp.h>
#include <mbedtls/pem.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>
#include <mbedtls/x509_crt.h>
#include <pb_decode.h>
#include <pb_encode.h>

#include "pwbox.h"
#include "softhsm.h"
#include "sealed.h"
#include "state.h"
#include "x509check.h"

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "testpki: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

/* ---------------------------------------------------------------- RNG */

static mbedtls_ctr_drbg_context drbg;
static bool drbg_ready;
static uint32_t drbg_seed;

static int fixed_entropy(void *p, unsigned char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (unsigned char)(drbg_seed * 31u + i);
	return 0;
}

void tpki_rng_reset(uint32_t seed)
{
	if (drbg_ready)
		mbedtls_ctr_drbg_free(&drbg);
	drbg_seed = seed;
	mbedtls_ctr_drbg_init(&drbg);
	if (mbedtls_ctr_drbg_seed(&drbg, fixed_entropy, NULL, (const unsigned char *)"tpki", 4))
		fail("drbg seed");
	drbg_ready = true;
}

int tpki_rng(void *user_data, unsigned char *buf, size_t len)
{
	if (!drbg_ready)
		tpki_rng_reset(1);
	return mbedtls_ctr_drbg_random(&drbg, buf, len);
}

/* ---------------------------------------------------------------- PKI */

int tpki_keygen(mbedtls_pk_context *pk, bool p384)
{
	mbedtls_pk_init(pk);
	if (mbedtls_pk_setup(pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)))
		return -1;
	return mbedtls_ecp_gen_key(p384 ? MBEDTLS_ECP_DP_SECP384R1 : MBEDTLS_ECP_DP_SECP256R1,
	                           mbedtls_pk_ec(*pk), tpki_rng, NULL);
}

int tpki_cert_der(const struct tpki_cert *c, unsigned char *der, size_t cap)
{
	static unsigned serial = 1;
	unsigned char buf[2048];
	mbedtls_x509write_cert w;
	mbedtls_mpi sn;
	char sns[16];
	int ret;

	mbedtls_x509write_crt_init(&w);
	mbedtls_mpi_init(&sn);
	mbedtls_x509write_crt_set_version(&w, MBEDTLS_X509_CRT_VERSION_3);
	mbedtls_x509write_crt_set_md_alg(&w, c->md ? c->md : MBEDTLS_MD_SHA256);
	mbedtls_x509write_crt_set_subject_key(&w, c->key);
	mbedtls_x509write_crt_set_issuer_key(&w, c->issuer_key ? c->issuer_key : c->key);
	ret = mbedtls_x509write_crt_set_subject_name(&w, c->subject);
	if (!ret)
		ret = mbedtls_x509write_crt_set_issuer_name(&w, c->issuer ? c->issuer : c->subject);
	snprintf(sns, sizeof(sns), "%u", serial++);
	if (!ret)
		ret = mbedtls_mpi_read_string(&sn, 10, sns);
	if (!ret)
		ret = mbedtls_x509write_crt_set_serial(&w, &sn);
	if (!ret)
		ret = mbedtls_x509write_crt_set_validity(
		    &w, c->not_before ? c->not_before : "20000101000000",
		    c->not_after ? c->not_after : "20991231235959");
	if (!ret)
		ret = mbedtls_x509write_crt_set_basic_constraints(&w, c->ca, c->ca ? 1 : -1);
	if (!ret && c->key_usage)
		ret = mbedtls_x509write_crt_set_key_usage(&w, c->key_usage);
	if (!ret && c->eku_cmd) {
		/* SEQUENCE { OBJECT IDENTIFIER 2.25.2297... } */
		unsigned char eku[2 + 2 + 20] = {0x30, 22, 0x06, 20};

		memcpy(eku + 4, SVCPORT_EKU_CMD_SIGNING_OID, 20);
		ret = mbedtls_x509write_crt_set_extension(
		    &w, MBEDTLS_OID_EXTENDED_KEY_USAGE,
		    MBEDTLS_OID_SIZE(MBEDTLS_OID_EXTENDED_KEY_USAGE), 0, eku, sizeof(eku));
	}
	if (!ret)
		ret = mbedtls_x509write_crt_der(&w, buf, sizeof(buf), tpki_rng, NULL);
	mbedtls_x509write_crt_free(&w);
	mbedtls_mpi_free(&sn);
	if (ret < 0)
		return ret;
	if ((size_t)ret > cap)
		return -1;
	memcpy(der, buf + sizeof(buf) - ret, (size_t)ret);
	return ret;
}

int tpki_der_to_pem(const unsigned char *der, size_t len, char *pem, size_t cap)
{
	size_t olen;

	return mbedtls_pem_write_buffer("-----BEGIN CERTIFICATE-----\n",
	                                "-----END CERTIFICATE-----\n", der, len,
	                                (unsigned char *)pem, cap, &olen);
}

static struct tpki pki;
static bool pki_ready;

const struct tpki *tpki_get(void)
{
	int n;

	if (pki_ready)
		return &pki;
	tpki_rng_reset(42);
	if (tpki_keygen(&pki.root_key, false) || tpki_keygen(&pki.signer_key, false) ||
	    tpki_keygen(&pki.devca_key, false) || tpki_keygen(&pki.device_key, false) ||
	    tpki_keygen(&pki.device2_key, false) || tpki_keygen(&pki.other_root_key, false) ||
	    tpki_keygen(&pki.p384_key, true))
		fail("keygen");
	n = tpki_cert_der(&(struct tpki_cert){.subject = "CN=svcport test root",
	                                      .key = &pki.root_key,
	                                      .ca = true,
	                                      .key_usage = MBEDTLS_X509_KU_KEY_CERT_SIGN |
	                                                   MBEDTLS_X509_KU_CRL_SIGN},
	                  pki.root, sizeof(pki.root));
	pki.root_len = (size_t)n;
	n = tpki_cert_der(&(struct tpki_cert){.subject = "CN=svcport test command signing",
	                                      .key = &pki.signer_key,
	                                      .issuer = "CN=svcport test root",
	                                      .issuer_key = &pki.root_key,
	                                      .key_usage = MBEDTLS_X509_KU_DIGITAL_SIGNATURE,
	                                      .eku_cmd = true},
	                  pki.signer, sizeof(pki.signer));
	pki.signer_len = (size_t)n;
	n = tpki_cert_der(&(struct tpki_cert){.subject = "CN=svcport test device CA",
	                                      .key = &pki.devca_key,
	                                      .issuer = "CN=svcport test root",
	                                      .issuer_key = &pki.root_key,
	                                      .ca = true,
	                                      .key_usage = MBEDTLS_X509_KU_KEY_CERT_SIGN},
	                  pki.devca, sizeof(pki.devca));
	pki.devca_len = (size_t)n;
	n = tpki_cert_der(&(struct tpki_cert){.subject = "CN=" TPKI_MT "-" TPKI_SN
	                                                 ",serialNumber=" TPKI_MT "-" TPKI_SN,
	                                      .key = &pki.device_key,
	                                      .issuer = "CN=svcport test device CA",
	                                      .issuer_key = &pki.devca_key,
	                                      .key_usage = MBEDTLS_X509_KU_DIGITAL_SIGNATURE},
	                  pki.device_crt, sizeof(pki.device_crt));
	pki.device_crt_len = (size_t)n;
	if (!pki.root_len || !pki.signer_len || !pki.devca_len || !pki.device_crt_len)
		fail("certificates");
	pki_ready = true;
	return &pki;
}

static void write_text(const char *dir, const char *name, const void *data, size_t len)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, data, len) != (ssize_t)len)
		fail("write %s", path);
	close(fd);
}

int tpki_write_factory(const char *dir, const char *control, bool second_board)
{
	const struct tpki *p = tpki_get();
	mbedtls_pk_context *key =
	    (mbedtls_pk_context *)(second_board ? &p->device2_key : &p->device_key);
	unsigned char pem[4096], pub[65], h[32];
	char hex[66], text[256];
	size_t olen;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	if (mbedtls_pk_write_key_pem(key, pem, sizeof(pem)))
		fail("key pem");
	write_text(dir, "device.key", pem, strlen((char *)pem));
	mbedtls_ecp_point_write_binary(&mbedtls_pk_ec(*key)->grp, &mbedtls_pk_ec(*key)->Q,
	                               MBEDTLS_ECP_PF_UNCOMPRESSED, &olen, pub, sizeof(pub));
	mbedtls_sha256_ret(pub, sizeof(pub), h, 0);
	for (int i = 0; i < 32; i++)
		sprintf(hex + 2 * i, "%02x", h[i]);
	hex[64] = '\n';
	write_text(dir, "board-key.sha256", hex, 65);
	if (tpki_der_to_pem(p->root, p->root_len, (char *)pem, sizeof(pem)))
		fail("root pem");
	write_text(dir, "trust-anchors.pem", pem, strlen((char *)pem));
	write_text(dir, "admin-password", TPKI_LABEL_PW "\n", strlen(TPKI_LABEL_PW) + 1);
	if (!control)
		return 0;
	if (tpki_der_to_pem(p->device_crt, p->device_crt_len, (char *)pem, sizeof(pem)))
		fail("device pem");
	write_text(dir, "device.crt", pem, strlen((char *)pem));
	snprintf(text, sizeof(text),
	         "machine_type=" TPKI_MT "\nserial_number=" TPKI_SN "\nactivation_code=" TPKI_CODE
	         "\ncontrol_mode=%s\n",
	         control);
	write_text(dir, "identity", text, strlen(text));
	tpki_manual_key(TPKI_MT, TPKI_SN, key, h);
	for (int i = 0; i < 32; i++)
		sprintf(hex + 2 * i, "%02x", h[i]);
	hex[64] = '\n';
	write_text(dir, "manual.key", hex, 65);
	mbedtls_platform_zeroize(h, sizeof(h));
	return 0;
}

void tpki_manual_key(const char *mt, const char *sn, const mbedtls_pk_context *board,
                     uint8_t key[MANUAL_KEY_LEN])
{
	static const uint8_t master[32] = "test portal manual master key!!";
	unsigned char pub[65], h[MANUAL_BOARD_HASH_LEN];
	size_t olen;

	mbedtls_ecp_point_write_binary(&mbedtls_pk_ec(*board)->grp, &mbedtls_pk_ec(*board)->Q,
	                               MBEDTLS_ECP_PF_UNCOMPRESSED, &olen, pub, sizeof(pub));
	mbedtls_sha256_ret(pub, sizeof(pub), h, 0);
	if (manual_key_derive(master, sizeof(master), mt, sn, h, key) < 0)
		fail("manual key");
}

/* ---------------------------------------------------------------- world */

static uint64_t world_now(void *user_data)
{
	return ((struct tworld *)user_data)->now_ms;
}

static int world_rng(void *user_data, unsigned char *buf, size_t len)
{
	return tpki_rng(NULL, buf, len);
}

void tworld_setup(struct tworld *w, const char *control)
{
	char err[256] = "";

	memset(w, 0, sizeof(*w));
	tpki_get();
	snprintf(w->dir, sizeof(w->dir), "%s/svcport-bmc-XXXXXX",
	         getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(w->dir))
		fail("mkdtemp");
	snprintf(w->factory, sizeof(w->factory), "%s/factory", w->dir);
	snprintf(w->state, sizeof(w->state), "%s/state", w->dir);
	w->now_ms = TPKI_T0_MS;
	w->env = (struct bmc_env){.now_ms = world_now,
	                          .rng = world_rng,
	                          .user_data = w,
	                          /* SVCPORT_TEST_SE=pkcs11: this process's SoftHSM2 token */
	                          .se = tsofthsm_is_selected() ? tsofthsm_get(NULL) : NULL};
	w->session = 7;
	if (tpki_write_factory(w->factory, control, control == NULL) < 0)
		fail("factory");
	if (bmc_factory_init(w->factory, w->state, false, &w->env, err, sizeof(err)) < 0)
		fail("init: %s", err);
	tworld_reopen(w);
}

/* The world's service port: a cable is in unless a test pulls it. */
static bool world_usb_present(void *user_data)
{
	return !((struct tworld *)user_data)->usb_unplugged;
}

static bool world_chassis_locked(void *user_data)
{
	return ((struct tworld *)user_data)->chassis_locked;
}

void tworld_reopen(struct tworld *w)
{
	/* Rejection tests send many bad commands: no back-off unless asked for (none at all,
	 * even over a fuzzer's millions of inputs on a clock that never moves). */
	struct bmc_options o = {.rl = {.session_free = UINT32_MAX, .link_free = UINT32_MAX},
	                        .challenge = {.burst = UINT32_MAX},
	                        .presence = {.is_usb_present = world_usb_present,
	                                     .user_data = w,
	                                     .simulator = w->simulator,
	                                     .is_chassis_locked = world_chassis_locked}};

	if (w->real_rate_limits)
		o.rl = (struct rl_config){0};
	if (w->real_challenge_limits)
		o.challenge = (struct challenge_config){0};
	if (w->sed_component[0])
		o.sed_component = w->sed_component;
	if (w->sed_component_key[0])
		o.sed_component_key = w->sed_component_key;
	bmc_close(w->bmc);
	w->bmc = NULL;
	if (bmc_open(w->state, &w->env, &o, &w->bmc) < 0)
		fail("reopen");
}

void tworld_teardown(struct tworld *w)
{
	char cmd[PATH_MAX + 16];

	bmc_close(w->bmc);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", w->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "testpki: could not remove %s\n", w->dir);
}

static void request(struct tworld *w, svcport_v1_BmcRequest *req, svcport_v1_BmcReply *rep)
{
	struct bmc_outcome o;

	req->session_id = w->session;
	req->request_id++;
	bmc_handle_request(w->bmc, req, rep, &o);
}

/* The requester's key pair, made once (pwbox_keygen over the deterministic RNG). */
static uint8_t req_priv[PWBOX_SCALAR_LEN], req_pub[PWBOX_POINT_LEN];

const uint8_t *tpki_requester_key(uint8_t pub[PWBOX_POINT_LEN])
{
	static bool made;

	if (!made && pwbox_keygen(tpki_rng, NULL, req_priv, req_pub) == 0)
		made = true;
	if (pub)
		memcpy(pub, req_pub, sizeof(req_pub));
	return req_priv;
}

int tpki_body_from_challenge(const svcport_v1_Challenge *c, pb_size_t action_tag,
                             svcport_v1_Role role, const char *org, uint64_t now_s,
                             svcport_v1_CommandBody *body)
{
	svcport_v1_ChallengeBody cb = svcport_v1_ChallengeBody_init_zero;
	pb_istream_t is = pb_istream_from_buffer(c->body.bytes, c->body.size);

	if (!pb_decode(&is, svcport_v1_ChallengeBody_fields, &cb))
		return -1;
	*body = (svcport_v1_CommandBody)svcport_v1_CommandBody_init_zero;
	body->version = 1;
	body->has_device = true;
	strcpy(body->device.machine_type, TPKI_MT);
	strcpy(body->device.serial_number, TPKI_SN);
	body->nonce.size = cb.nonce.size;
	memcpy(body->nonce.bytes, cb.nonce.bytes, cb.nonce.size);
	body->issued_at = now_s;
	body->expires_at = body->issued_at + 600;
	snprintf(body->org_id, sizeof(body->org_id), "%s", org);
	strcpy(body->operator_id, "alice");
	body->role = role;
	body->which_action = action_tag;
	if (action_tag == svcport_v1_CommandBody_emergency_password_reset_tag) {
		svcport_v1_EmergencyPasswordReset *r = &body->action.emergency_password_reset;

		tpki_requester_key(r->requester_public_key.bytes);
		r->requester_public_key.size = PWBOX_POINT_LEN;
	}
	return 0;
}

void tworld_body(struct tworld *w, svcport_v1_CommandBody *body, pb_size_t action_tag,
                 svcport_v1_Role role, const char *org)
{
	static svcport_v1_BmcRequest req;
	static svcport_v1_BmcReply rep;

	req = (svcport_v1_BmcRequest)svcport_v1_BmcRequest_init_zero;
	req.has_request = true;
	req.link = svcport_v1_LinkKind_LINK_USB;
	req.request.which_body = svcport_v1_Request_get_challenge_tag;
	request(w, &req, &rep);
	if (rep.msg.response.which_body != svcport_v1_Response_challenge_tag)
		fail("no challenge");
	if (tpki_body_from_challenge(&rep.msg.response.body.challenge, action_tag, role, org,
	                             w->now_ms / 1000, body) < 0)
		fail("challenge body");
}

void tworld_sign(const svcport_v1_CommandBody *body, mbedtls_pk_context *key,
                 const unsigned char *const *certs, const size_t *cert_lens, int n_certs,
                 svcport_v1_SignedCommand *cmd)
{
	const struct tpki *p = tpki_get();
	pb_ostream_t os;
	unsigned char h[32], sig[MBEDTLS_PK_SIGNATURE_MAX_SIZE];
	size_t sig_len;

	*cmd = (svcport_v1_SignedCommand)svcport_v1_SignedCommand_init_zero;
	os = pb_ostream_from_buffer(cmd->body.bytes, sizeof(cmd->body.bytes));
	if (!pb_encode(&os, svcport_v1_CommandBody_fields, body))
		fail("encode body");
	cmd->body.size = (pb_size_t)os.bytes_written;
	mbedtls_sha256_ret(cmd->body.bytes, cmd->body.size, h, 0);
	if (mbedtls_pk_sign(key ? key : (mbedtls_pk_context *)&p->signer_key, MBEDTLS_MD_SHA256, h,
	                    32, sig, &sig_len, tpki_rng, NULL))
		fail("sign");
	/* A P-384 signature does not fit: cut, the chain check refuses it first. */
	if (sig_len > sizeof(cmd->signature.bytes))
		sig_len = sizeof(cmd->signature.bytes);
	memcpy(cmd->signature.bytes, sig, sig_len);
	cmd->signature.size = (pb_size_t)sig_len;
	cmd->which_signer = svcport_v1_SignedCommand_chain_tag;
	if (!certs) {
		cmd->signer.chain.certs_count = 1;
		memcpy(cmd->signer.chain.certs[0].bytes, p->signer, p->signer_len);
		cmd->signer.chain.certs[0].size = (pb_size_t)p->signer_len;
		return;
	}
	cmd->signer.chain.certs_count = (pb_size_t)n_certs;
	for (int i = 0; i < n_certs; i++) {
		memcpy(cmd->signer.chain.certs[i].bytes, certs[i], cert_lens[i]);
		cmd->signer.chain.certs[i].size = (pb_size_t)cert_lens[i];
	}
}

svcport_v1_CommandResult tworld_last_result;
char tworld_last_detail[161];

svcport_v1_ErrorCode tworld_submit(struct tworld *w, const svcport_v1_SignedCommand *cmd,
                                   svcport_v1_LinkKind link, bool presence,
                                   svcport_v1_DeviceReceipt *ret_receipt)
{
	static svcport_v1_BmcRequest req;
	static svcport_v1_BmcReply rep;

	req = (svcport_v1_BmcRequest)svcport_v1_BmcRequest_init_zero;
	req.has_request = true;
	req.link = link;
	req.physical_presence = presence;
	req.request.which_body = svcport_v1_Request_submit_command_tag;
	req.request.body.submit_command.has_command = true;
	req.request.body.submit_command.command = *cmd;
	request(w, &req, &rep);
	tworld_last_result = (svcport_v1_CommandResult)svcport_v1_CommandResult_init_zero;
	if (rep.msg.response.which_body == svcport_v1_Response_command_result_tag) {
		tworld_last_result = rep.msg.response.body.command_result;
		if (ret_receipt)
			*ret_receipt = rep.msg.response.body.command_result.receipt;
		return svcport_v1_ErrorCode_ERROR_NONE;
	}
	if (rep.msg.response.which_body != svcport_v1_Response_error_tag ||
	    rep.msg.response.body.error.code == svcport_v1_ErrorCode_ERROR_NONE)
		fail("submit: neither receipt nor error");
	snprintf(tworld_last_detail, sizeof(tworld_last_detail), "%s",
	         rep.msg.response.body.error.detail);
	return rep.msg.response.body.error.code;
}

svcport_v1_ErrorCode tworld_do(struct tworld *w, svcport_v1_CommandBody *body)
{
	static svcport_v1_SignedCommand cmd;

	tworld_sign(body, NULL, NULL, NULL, 0, &cmd);
	return tworld_submit(w, &cmd, svcport_v1_LinkKind_LINK_USB, true, NULL);
}

void tworld_trust_update(const svcport_admin_v1_TrustUpdateBody *body, mbedtls_pk_context *key,
                         svcport_admin_v1_TrustUpdate *u)
{
	pb_ostream_t os = pb_ostream_from_buffer(u->body.bytes, sizeof(u->body.bytes));
	unsigned char h[32];
	size_t sig_len = 0;

	if (!pb_encode(&os, svcport_admin_v1_TrustUpdateBody_fields, body))
		fail("trust update body");
	u->body.size = (pb_size_t)os.bytes_written;
	mbedtls_sha256_ret(u->body.bytes, u->body.size, h, 0);
	if (mbedtls_pk_sign(key, MBEDTLS_MD_SHA256, h, 32, u->signature.bytes, &sig_len, tpki_rng,
	                    NULL) != 0)
		fail("trust update signature");
	u->signature.size = (pb_size_t)sig_len;
}

svcport_admin_v1_AdminError tworld_admin(struct tworld *w, svcport_admin_v1_AdminRequest *req,
                                         const char *password, svcport_admin_v1_AdminReply *rep)
{
	struct bmc_outcome o;

	snprintf(req->password, sizeof(req->password), "%s", password ? password : "");
	bmc_admin_handle(w->bmc, req, rep, &o);
	return rep->error;
}

static size_t slurp(const char *dir, const char *name, unsigned char *buf, size_t cap)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	n = read(fd, buf, cap);
	close(fd);
	if (n < 0 || (size_t)n == cap)
		fail("slurp %s", path);
	return (size_t)n;
}

void tworld_snap(struct tworld *w, struct tsnap *s)
{
	s->state_len = slurp(w->state, "state.pb", s->state, sizeof(s->state));
	s->audit_len = slurp(w->state, "audit.log", s->audit, sizeof(s->audit));
}

bool tworld_is_unchanged(struct tworld *w, const struct tsnap *s)
{
	static struct tsnap now;

	tworld_snap(w, &now);
	return now.state_len == s->state_len && now.audit_len == s->audit_len &&
	       memcmp(now.state, s->state, s->state_len) == 0 &&
	       memcmp(now.audit, s->audit, s->audit_len) == 0;
}

bool tworld_file_contains(struct tworld *w, const char *name, const void *bytes, size_t len)
{
	static unsigned char buf[65536];
	size_t n = slurp(w->state, name, buf, sizeof(buf));

	return memmem(buf, n, bytes, len) != NULL;
}

static struct se *world_se(struct tworld *w, svcport_v1_BmcState *st)
{
	struct se *se = NULL;

	if (se_open(w->state, &w->env, &se) < 0 || bmc_state_load(w->state, se, st) < 0)
		fail("open the state's SE");
	return se;
}

int tworld_sed_ak(struct tworld *w, unsigned char ak[32])
{
	static svcport_v1_BmcState st;
	struct se *se = world_se(w, &st);
	int ret = sealed_sed_ak_get(se, &st, ak);

	se_close(se);
	return ret;
}

int tworld_activation_code(struct tworld *w, char code[33])
{
	static svcport_v1_BmcState st;
	struct se *se = world_se(w, &st);
	int ret = sealed_code_get(se, &st, code);

	se_close(se);
	return ret;
}

void tworld_edit_state(struct tworld *w, void (*edit)(svcport_v1_BmcState *st, void *arg),
                       void *arg)
{
	static svcport_v1_BmcState st;
	struct se *se = world_se(w, &st);

	edit(&st, arg);
	if (bmc_state_store(w->state, se, &st, NULL) < 0)
		fail("store state");
	se_close(se);
	tworld_reopen(w);
}
