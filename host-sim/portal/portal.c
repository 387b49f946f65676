// SPDX-License-Identifier: GPL-2.0-or-later
/* The simulated portal: PKI, orgs, users, devices, claims, transfers. */
#include "hex.h"
#include "portal-internal.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/platform_util.h>

#include "names.h"

#define YEAR_SECONDS    (365L * 24 * 3600)
#define PBKDF2_ITER     10000
#define CODE_ALPHABET   "0123456789ABCDEFGHJKMNPQRSTVWXYZ" /* Crockford base32 */
#define PHRASE_ALPHABET "abcdefghijkmnpqrstuvwxyz23456789"

int portal_refuse(struct portal *p, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->why, sizeof(p->why), fmt, ap);
	va_end(ap);
	return err;
}

const char *portal_why(const struct portal *p)
{
	return p->why;
}

const char *portal_err_name(int err)
{
	switch (err) {
	case 0:
		return "OK";
	case -EACCES:
		return "ROLE_FORBIDDEN";
	case -EPERM:
		return "NOT_OWNER";
	case -EBADMSG:
		return "BAD_SIGNATURE";
	case -ENODEV:
		return "WRONG_DEVICE";
	case -EKEYEXPIRED:
		return "EXPIRED";
	case -EBUSY:
		return "RATE_LIMITED";
	case -EKEYREJECTED:
		return "WRONG_CODE";
	case -ENOENT:
		return "NOT_FOUND";
	case -EEXIST:
		return "EXISTS";
	case -EINVAL:
		return "BAD_REQUEST";
	case -EALREADY:
		return "INVALID_STATE";
	case -ENOKEY:
		return "UNAUTHENTICATED";
	case -E2BIG:
		return "TOO_LARGE";
	default:
		return "INTERNAL";
	}
}

sqlite3 *portal_db(struct portal *p)
{
	return p->db;
}

void portal_path(const struct portal *p, const char *name, char *out)
{
	/* p->dir is bounded at open; names are our constants. */
	if (snprintf(out, PATH_MAX, "%s/%s", p->dir, name) >= PATH_MAX)
		out[0] = '\0';
}

int portal_open(const char *dir, bool create, struct portal **ret)
{
	struct portal *p = calloc(1, sizeof(*p));
	char path[PATH_MAX];
	int err;

	if (!p)
		return -ENOMEM;
	if (strlen(dir) >= sizeof(p->dir) - 16) {
		err = -ENAMETOOLONG;
		goto fail_free;
	}
	snprintf(p->dir, sizeof(p->dir), "%s", dir);
	if (create && mkdir(dir, 0700) < 0 && errno != EEXIST) {
		err = -errno;
		goto fail_free;
	}
	err = pki_rng_init(&p->rng);
	if (err < 0)
		goto fail_free;
	portal_path(p, "portal.db", path);
	err = portal_db_open(path, create, &p->db);
	if (err < 0)
		goto fail_rng;
	*ret = p;
	return 0;

fail_rng:
	pki_rng_free(&p->rng);
fail_free:
	free(p);
	return err;
}

void portal_close(struct portal *p)
{
	if (!p)
		return;
	portal_db_close(p->db);
	pki_rng_free(&p->rng);
	free(p);
}

int portal_key_load(struct portal *p, const char *name, mbedtls_pk_context *key)
{
	char path[PATH_MAX];

	portal_path(p, name, path);
	if (pki_key_read_pem(key, path) < 0)
		return portal_refuse(p, -ENOENT, "portal key %s missing: run 'portal init'", name);
	return 0;
}

bool portal_is_role_allowed(svcport_v1_Role role, svcport_v1_Action action)
{
	switch (action) {
	case svcport_v1_Action_ACTION_CLAIM:
	case svcport_v1_Action_ACTION_ACTIVATE:
		return role == svcport_v1_Role_ROLE_ORG_ADMIN ||
		       role == svcport_v1_Role_ROLE_EDGE_USER;
	case svcport_v1_Action_ACTION_EMERGENCY_PASSWORD_RESET:
	case svcport_v1_Action_ACTION_DEVICE_KEY_UPDATE:
		return role == svcport_v1_Role_ROLE_MAINTENANCE;
	case svcport_v1_Action_ACTION_PROMOTE_TO_PORTAL_CONTROL:
	case svcport_v1_Action_ACTION_TRANSFER_OWNERSHIP:
	case svcport_v1_Action_ACTION_CONFIGURE_SENSORS:
		return role == svcport_v1_Role_ROLE_ORG_ADMIN;
	default:
		return false;
	}
}

/* One CA or signer: new key, certificate, both written to DIR. */
static int issue_to_files(struct portal *p, const struct pki_issue *tmpl, mbedtls_pk_context *key,
                          const char *key_name, const char *crt_name)
{
	struct pki_issue req = *tmpl;
	uint8_t der[PKI_CERT_DER_MAX];
	size_t der_len = 0;
	char path[PATH_MAX];
	int err;

	err = pki_key_generate(key, &p->rng);
	if (err < 0)
		return err;
	req.subject_key = key;
	if (req.profile == PKI_PROFILE_ROOT)
		req.issuer_key = key;
	err = pki_cert_issue(&req, &p->rng, der, sizeof(der), &der_len);
	if (err < 0)
		return err;
	portal_path(p, key_name, path);
	err = pki_key_write_pem(key, path);
	if (err < 0)
		return err;
	portal_path(p, crt_name, path);
	return pki_cert_write_pem(der, der_len, path, false);
}

int portal_init(struct portal *p, int64_t now)
{
	mbedtls_pk_context root, signer, devca;
	char path[PATH_MAX];
	struct pki_issue req = {0};
	int err;

	portal_path(p, PORTAL_ROOT_KEY, path);
	if (access(path, F_OK) == 0)
		return portal_refuse(p, -EEXIST, "portal already initialised in %s", p->dir);
	mbedtls_pk_init(&root);
	mbedtls_pk_init(&signer);
	mbedtls_pk_init(&devca);

	req.profile = PKI_PROFILE_ROOT;
	req.subject = "CN=svcport portal root CA,O=svcport portal";
	req.not_before = now;
	req.not_after = now + 20 * YEAR_SECONDS;
	err = issue_to_files(p, &req, &root, PORTAL_ROOT_KEY, PORTAL_ROOT_CRT);
	if (err < 0)
		goto out;

	req.profile = PKI_PROFILE_CMD_SIGNER;
	req.subject = "CN=svcport command signing,O=svcport portal";
	req.issuer = "CN=svcport portal root CA,O=svcport portal";
	req.issuer_key = &root;
	req.not_after = now + PORTAL_SIGNER_DAYS * 24L * 3600;
	err = issue_to_files(p, &req, &signer, PORTAL_SIGNER_KEY, PORTAL_SIGNER_CRT);
	if (err < 0)
		goto out;

	req.profile = PKI_PROFILE_DEVICE_CA;
	req.subject = PORTAL_DEVCA_SUBJECT;
	req.not_after = now + 20 * YEAR_SECONDS;
	err = issue_to_files(p, &req, &devca, PORTAL_DEVCA_KEY, PORTAL_DEVCA_CRT);
out:
	if (err < 0 && err != -EEXIST)
		portal_refuse(p, err, "cannot create the portal PKI: %s", strerror(-err));
	mbedtls_pk_free(&devca);
	mbedtls_pk_free(&signer);
	mbedtls_pk_free(&root);
	return err;
}

static bool is_valid_name(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n >= max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("-_.@", s[i]))
			return false;
	return true;
}

int portal_org_add(struct portal *p, const char *org, int64_t now)
{
	int err;

	if (!is_valid_name(org, PORTAL_NAME_MAX))
		return portal_refuse(p, -EINVAL, "organisation name '%s' is not valid", org);
	err = portal_db_org_add(p->db, org, now);
	if (err == -EEXIST)
		return portal_refuse(p, err, "organisation %s exists", org);
	return err;
}

int portal_user_add(struct portal *p, const char *user, const char *org, svcport_v1_Role role)
{
	struct portal_user u = {.role = role};
	int err;

	if (!is_valid_name(user, PORTAL_NAME_MAX))
		return portal_refuse(p, -EINVAL, "user name '%s' is not valid", user);
	if (role == svcport_v1_Role_ROLE_UNSPECIFIED)
		return portal_refuse(p, -EINVAL,
		                     "role must be org-admin, edge-user, maintenance or base");
	if (!portal_db_has_org(p->db, org))
		return portal_refuse(p, -ENOENT, "organisation %s does not exist", org);
	snprintf(u.name, sizeof(u.name), "%s", user);
	snprintf(u.org, sizeof(u.org), "%s", org);
	err = portal_db_user_add(p->db, &u);
	if (err == -EEXIST)
		return portal_refuse(p, err, "user %s exists", user);
	return err;
}

int portal_device_cert_issue(struct portal *p, const char *mt, const char *sn,
                             mbedtls_pk_context *key, int64_t now, uint8_t *out, size_t cap,
                             size_t *ret_len)
{
	mbedtls_pk_context devca;
	char subject[160];
	struct pki_issue req = {
	    .profile = PKI_PROFILE_DEVICE,
	    .subject = subject,
	    .subject_key = key,
	    .issuer = PORTAL_DEVCA_SUBJECT,
	    .issuer_key = &devca,
	    .not_before = now,
	    .not_after = now + 30 * YEAR_SECONDS,
	};
	int err;

	mbedtls_pk_init(&devca);
	snprintf(subject, sizeof(subject), "CN=%s-%s,serialNumber=%s-%s", mt, sn, mt, sn);
	err = portal_key_load(p, PORTAL_DEVCA_KEY, &devca);
	if (err == 0)
		err = pki_cert_issue(&req, &p->rng, out, cap, ret_len);
	mbedtls_pk_free(&devca);
	return err;
}

void portal_random_symbols(struct portal *p, const char *alphabet, char *out, size_t n)
{
	uint8_t r[64];

	/* 32-symbol alphabets: the low 5 bits of a uniform byte are uniform. */
	if (n > sizeof(r) || pki_rng_fill(&p->rng, r, n) != 0)
		abort();
	for (size_t i = 0; i < n; i++)
		out[i] = alphabet[r[i] & 31];
	mbedtls_platform_zeroize(r, sizeof(r));
}

/* XXXX-XXXX-XXXX-XXXX: 80 bits. */
static void activation_code_new(struct portal *p, char out[PORTAL_CODE_MAX])
{
	char sym[16];

	portal_random_symbols(p, CODE_ALPHABET, sym, sizeof(sym));
	snprintf(out, PORTAL_CODE_MAX, "%.4s-%.4s-%.4s-%.4s", sym, sym + 4, sym + 8, sym + 12);
}

/* 16 symbols of base32 (80 bits): the label's password, unique per board. */
static void label_password_new(struct portal *p, char out[PORTAL_LABEL_PW_MAX])
{
	char sym[16];

	portal_random_symbols(p, CODE_ALPHABET, sym, sizeof(sym));
	snprintf(out, PORTAL_LABEL_PW_MAX, "%.4s-%.4s-%.4s-%.4s", sym, sym + 4, sym + 8, sym + 12);
	mbedtls_platform_zeroize(sym, sizeof(sym));
}

static int write_text(const char *dir, const char *name, const char *text, mode_t mode)
{
	char path[PATH_MAX];

	size_t len = strlen(text);
	int fd;
	int err = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != (ssize_t)len || fsync(fd) < 0)
		err = -EIO;
	close(fd);
	return err;
}

static int copy_trust_anchor(struct portal *p, const char *out_dir)
{
	uint8_t der[PKI_CERT_DER_MAX];
	size_t len = 0;
	char path[PATH_MAX];
	int err;

	portal_path(p, PORTAL_ROOT_CRT, path);
	err = pki_cert_read_der(path, der, sizeof(der), &len);
	if (err < 0)
		return portal_refuse(p, err, "portal root certificate missing: run 'portal init'");
	snprintf(path, sizeof(path), "%s/trust-anchors.pem", out_dir);
	return pki_cert_write_pem(der, len, path, false);
}

/* The board's manual activation key K_dev (docs/manual-activation.md): manual.key. */
static int write_manual_key(struct portal *p, const char *mt, const char *sn,
                            const uint8_t board_hash[MANUAL_BOARD_HASH_LEN], const char *out_dir,
                            char *text, size_t cap)
{
	uint8_t key[MANUAL_KEY_LEN];
	int err = portal_manual_key(p, mt, sn, board_hash, true, key);

	if (err == 0 && cap > 2 * MANUAL_KEY_LEN + 1) {
		hex_encode(key, sizeof(key), text);
		strcat(text, "\n");
		err = write_text(out_dir, "manual.key", text, 0600);
	}
	mbedtls_platform_zeroize(key, sizeof(key));
	return err;
}

static bool is_valid_id_part(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n >= max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]))
			return false;
	return true;
}

int portal_device_manufacture(struct portal *p, const char *mt, const char *sn,
                              svcport_v1_ControlMode control, const char *out_dir, bool blank,
                              int64_t now, struct portal_manufactured *ret)
{
	mbedtls_pk_context key;
	struct portal_device *d = NULL;
	uint8_t hash[PKI_SHA256_LEN];
	char path[PATH_MAX];
	char text[256];
	int err;

	mbedtls_pk_init(&key);
	if (!blank &&
	    (!is_valid_id_part(mt, PORTAL_MT_MAX) || !is_valid_id_part(sn, PORTAL_SN_MAX))) {
		err = portal_refuse(p, -EINVAL, "MT and SN must be letters and digits");
		goto out;
	}
	if (!blank && control == svcport_v1_ControlMode_CONTROL_MODE_UNSPECIFIED) {
		err = portal_refuse(p, -EINVAL, "control mode must be bmc or portal");
		goto out;
	}
	d = calloc(1, sizeof(*d));
	if (!d) {
		err = -ENOMEM;
		goto out;
	}
	if (!blank && portal_db_device_get(p->db, mt, sn, d) == 0) {
		err = portal_refuse(p, -EEXIST, "device %s-%s was already manufactured", mt, sn);
		goto out;
	}
	if (mkdir(out_dir, 0700) < 0 && errno != EEXIST) {
		err = portal_refuse(p, -errno, "cannot create %s: %s", out_dir, strerror(errno));
		goto out;
	}
	err = pki_key_generate(&key, &p->rng);
	if (err < 0)
		goto out;
	err = pki_pubkey_sha256(&key, hash);
	if (err < 0)
		goto out;
	hex_encode(hash, sizeof(hash), ret->board_key_sha256);
	snprintf(path, sizeof(path), "%s/device.key", out_dir);
	err = pki_key_write_pem(&key, path);
	if (err < 0)
		goto out;
	snprintf(text, sizeof(text), "%s\n", ret->board_key_sha256);
	err = write_text(out_dir, "board-key.sha256", text, 0644);
	if (err < 0)
		goto out;
	label_password_new(p, ret->label_password);
	snprintf(text, sizeof(text), "%s\n", ret->label_password);
	err = write_text(out_dir, "admin-password", text, 0600);
	if (err == 0)
		err = copy_trust_anchor(p, out_dir);
	if (err < 0 || blank) {
		ret->code[0] = '\0';
		goto out;
	}

	snprintf(d->mt, sizeof(d->mt), "%s", mt);
	snprintf(d->sn, sizeof(d->sn), "%s", sn);
	d->control = control;
	snprintf(d->status, sizeof(d->status), "manufactured");
	d->sed = true; /* the factory enables SED on every server it names (firmware-side) */
	snprintf(d->key_sha256, sizeof(d->key_sha256), "%s", ret->board_key_sha256);
	activation_code_new(p, d->code);
	err =
	    portal_device_cert_issue(p, mt, sn, &key, now, d->cert, sizeof(d->cert), &d->cert_len);
	if (err < 0)
		goto out;
	snprintf(path, sizeof(path), "%s/device.crt", out_dir);
	err = pki_cert_write_pem(d->cert, d->cert_len, path, false);
	if (err < 0)
		goto out;
	snprintf(text, sizeof(text),
	         "machine_type=%s\nserial_number=%s\nactivation_code=%s\ncontrol_mode=%s\n", mt, sn,
	         d->code, names_control(control));
	err = write_text(out_dir, "identity", text, 0600);
	if (err == 0)
		err = write_manual_key(p, mt, sn, hash, out_dir, text, sizeof(text));
	mbedtls_platform_zeroize(text, sizeof(text));
	if (err < 0)
		goto out;
	err = portal_db_device_insert(p->db, d);
	if (err < 0)
		goto out;
	snprintf(ret->code, sizeof(ret->code), "%s", d->code);
out:
	if (d)
		mbedtls_platform_zeroize(d->code, sizeof(d->code));
	free(d);
	mbedtls_pk_free(&key);
	return err;
}

int portal_device_key_update(struct portal *p, const char *mt, const char *sn,
                             const char *new_key_hex)
{
	struct portal_device *d = calloc(1, sizeof(*d));
	uint8_t raw[PKI_SHA256_LEN];
	int err;

	if (!d)
		return -ENOMEM;
	if (hex_decode(new_key_hex, raw, sizeof(raw), 0) < 0) {
		err = portal_refuse(p, -EINVAL, "the key hash must be 64 hex digits");
		goto out;
	}
	if (portal_db_device_get(p->db, mt, sn, d) < 0) {
		err = portal_refuse(p, -ENOENT, "no device %s-%s", mt, sn);
		goto out;
	}
	hex_encode(raw, sizeof(raw), d->new_key_sha256); /* normalised to lowercase */
	d->new_cert_len = 0;
	err = portal_db_device_update(p->db, d);
out:
	free(d);
	return err;
}

int portal_file_read(const char *path, uint8_t *buf, size_t cap, size_t *ret_len)
{
	FILE *f = fopen(path, "rbe");
	size_t n;
	int err = 0;

	if (!f)
		return -errno;
	n = fread(buf, 1, cap, f);
	if (ferror(f))
		err = -EIO;
	else if (n == cap && fgetc(f) != EOF)
		err = -EMSGSIZE;
	fclose(f);
	if (err == 0)
		*ret_len = n;
	return err;
}

int portal_file_write(const char *path, const uint8_t *buf, size_t len)
{
	FILE *f = fopen(path, "wbe");
	int err = 0;

	if (!f)
		return -errno;
	if (len && fwrite(buf, 1, len, f) != len)
		err = -EIO;
	if (fclose(f) != 0 && err == 0)
		err = -EIO;
	return err;
}
