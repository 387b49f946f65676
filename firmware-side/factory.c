// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * svcport-bmcd --init: a factory state from the files the portal writes
 * (COMMON interface "Factory directory", docs/bmc.md).
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/platform_util.h>

#include "audit.h"
#include "bmc.h"
#include "devcerts.h"
#include "factory.h"
#include "fsutil.h"
#include "hex.h"
#include "pwhash.h"
#include "sealed.h"
#include "se.h"
#include "state.h"

#define FACTORY_FILE_MAX 16384

static void say(char *err, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!err || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

/* identity: key=value lines; unknown keys are refused (a typo must not pass). */
static int parse_identity(char *text, svcport_v1_BmcState *st, char *err, size_t err_len)
{
	char *save = NULL;

	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '='), *v;
		size_t vl;

		line[strcspn(line, "\r")] = 0;
		if (line[0] == 0 || line[0] == '#')
			continue;
		if (!eq) {
			say(err, err_len, "identity: line without '=': %.40s", line);
			return -EINVAL;
		}
		*eq = 0;
		v = eq + 1;
		vl = strlen(v);
		if (strcmp(line, "machine_type") == 0 && vl > 0 &&
		    vl < sizeof(st->device.machine_type))
			memcpy(st->device.machine_type, v, vl + 1);
		else if (strcmp(line, "serial_number") == 0 && vl > 0 &&
		         vl < sizeof(st->device.serial_number))
			memcpy(st->device.serial_number, v, vl + 1);
		else if (strcmp(line, "activation_code") == 0 && vl > 0 &&
		         vl < sizeof(st->activation_code))
			memcpy(st->activation_code, v, vl + 1);
		else if (strcmp(line, "control_mode") == 0 && strcmp(v, "bmc") == 0)
			st->control_mode = svcport_v1_ControlMode_CONTROL_BMC_MANAGED;
		else if (strcmp(line, "control_mode") == 0 && strcmp(v, "portal") == 0)
			st->control_mode = svcport_v1_ControlMode_CONTROL_PORTAL_MANAGED;
		else {
			say(err, err_len, "identity: bad or unknown entry '%s'", line);
			return -EINVAL;
		}
	}
	if (!st->device.machine_type[0] || !st->device.serial_number[0] ||
	    !st->activation_code[0] ||
	    st->control_mode == svcport_v1_ControlMode_CONTROL_MODE_UNSPECIFIED) {
		say(err, err_len,
		    "identity: needs machine_type, serial_number, activation_code, control_mode");
		return -EINVAL;
	}
	st->has_identity = true;
	st->has_device = true;
	return 0;
}

static int load_device_cert(const unsigned char *pem, size_t len, const struct se *se,
                            svcport_v1_BmcState *st, char *err, size_t err_len)
{
	unsigned char *buf = malloc(len + 1);
	mbedtls_x509_crt crt;
	int ret = -EINVAL;

	if (!buf)
		return -ENOMEM;
	memcpy(buf, pem, len);
	buf[len] = 0;
	mbedtls_x509_crt_init(&crt);
	if (mbedtls_x509_crt_parse(&crt, buf, len + 1) != 0 ||
	    crt.raw.len > sizeof(st->device_certificate.bytes)) {
		say(err, err_len, "device.crt: not one PEM certificate of at most 1024 bytes");
		goto out;
	}
	if (!devcerts_is_device_key(se, &crt)) {
		say(err, err_len, "device.crt: not a certificate of device.key");
		goto out;
	}
	memcpy(st->device_certificate.bytes, crt.raw.p, crt.raw.len);
	st->device_certificate.size = (pb_size_t)crt.raw.len;
	ret = 0;
out:
	mbedtls_x509_crt_free(&crt);
	free(buf);
	return ret;
}

/* What one --init works with. */
struct factory {
	const char *factory_dir, *state_dir;
	const struct bmc_env *env;
	char *err;
	size_t err_len;
	unsigned char key[FACTORY_FILE_MAX], anchors[FACTORY_FILE_MAX], buf[FACTORY_FILE_MAX];
	size_t key_len, anchors_len;
	struct se *se;
	svcport_v1_BmcState st;
};

/* The state folder is empty, or force says it may be replaced. */
static int check_fresh(struct factory *f, bool force)
{
	char path[PATH_MAX];
	struct fs_stat sb = {0};
	int ret = fs_path(path, sizeof(path), f->state_dir, BMC_STATE_FILE);

	if (ret < 0)
		return ret;
	/* Only a state file that is surely absent counts as fresh. */
	ret = fs_stat_path(path, &sb);
	if (ret == 0 && !force) {
		say(f->err, f->err_len, "%s is already initialised (use --force to replace it)",
		    f->state_dir);
		return -EEXIST;
	}
	if (ret < 0 && ret != -ENOENT) {
		say(f->err, f->err_len, "%s: %s", path, strerror(-ret));
		return ret;
	}
	return 0;
}

/*
 * The device key and anchors into the SE, checked against the board's key
 * hash. Without device.key the SE generates the key inside (a token's
 * production path): its hash is then written to board-key.sha256 for the
 * board's label, and the board starts blank (its certificate comes with a
 * DeviceKeyUpdate, docs/deploy.md).
 */
static int provision_se(struct factory *f)
{
	unsigned char want[32], have[32];
	bool generate;
	char hex[66];
	size_t len;
	int ret;

	ret = fs_read(f->factory_dir, "device.key", f->key, FACTORY_FILE_MAX, &f->key_len);
	generate = ret == -ENOENT;
	if (generate)
		ret = 0;
	if (ret == 0)
		ret = fs_read(f->factory_dir, "trust-anchors.pem", f->anchors, FACTORY_FILE_MAX,
		              &f->anchors_len);
	if (ret == 0 && !generate)
		ret =
		    fs_read(f->factory_dir, "board-key.sha256", f->buf, FACTORY_FILE_MAX - 1, &len);
	if (ret < 0) {
		say(f->err, f->err_len,
		    "%s: trust-anchors.pem, and device.key with board-key.sha256 or neither, "
		    "needed: %s",
		    f->factory_dir, strerror(-ret));
		return ret;
	}
	if (!generate) {
		f->buf[len] = 0;
		if (hex_decode((char *)f->buf, want, sizeof(want), 1) < 0) {
			say(f->err, f->err_len, "board-key.sha256: not 64 hex digits");
			return -EINVAL;
		}
	}
	/* The state holds secrets: the folder is private whoever made it. */
	if ((mkdir(f->state_dir, 0700) < 0 && errno != EEXIST) || chmod(f->state_dir, 0700) < 0) {
		ret = -errno;
		say(f->err, f->err_len, "%s: %s", f->state_dir, strerror(errno));
		return ret;
	}
	ret = se_provision(f->state_dir, generate ? NULL : f->key, f->key_len, f->anchors,
	                   f->anchors_len, f->env);
	if (ret == 0)
		ret = se_open(f->state_dir, f->env, &f->se);
	if (ret < 0) {
		say(f->err, f->err_len, "%s",
		    se_error()[0]
		        ? se_error()
		        : "device.key must be a P-256 key and trust-anchors.pem P-256 CAs");
		return ret;
	}
	se_key_sha256(f->se, have);
	if (generate) {
		hex_encode(have, sizeof(have), hex);
		strcat(hex, "\n");
		ret = fs_atomic_write(f->factory_dir, "board-key.sha256", hex, 65, 0644);
		if (ret < 0)
			say(f->err, f->err_len, "board-key.sha256: %s", strerror(-ret));
		return ret;
	}
	if (memcmp(want, have, 32) != 0) {
		say(f->err, f->err_len, "board-key.sha256 does not match device.key");
		return -EINVAL;
	}
	return 0;
}

/*
 * The manual activation key K_dev (docs/manual-activation.md), if the portal wrote one:
 * manual.key, 64 hex digits. Sealed into the state at once; the plain copy is zeroized.
 */
static int load_manual_key(struct factory *f)
{
	unsigned char key[SEALED_MANUAL_KEY_LEN];
	size_t len;
	int ret = fs_read(f->factory_dir, "manual.key", f->buf, FACTORY_FILE_MAX - 1, &len);

	if (ret == -ENOENT)
		return 0; /* no manual activation on this board */
	if (ret == 0) {
		f->buf[len] = 0;
		f->buf[strcspn((char *)f->buf, "\r\n")] = 0;
		ret = hex_decode((char *)f->buf, key, sizeof(key), 0);
	}
	if (ret == 0)
		ret = sealed_manual_key_set(f->se, &f->st, key, f->env);
	if (ret < 0)
		say(f->err, f->err_len, "manual.key: not 64 hex digits, or not sealed: %s",
		    strerror(-ret));
	mbedtls_platform_zeroize(key, sizeof(key));
	mbedtls_platform_zeroize(f->buf, sizeof(f->buf));
	return ret;
}

/*
 * K_dev is sealed in the state now: the factory folder's plain copy goes (attack16a M1),
 * so no kept folder or backup of it answers for the server. The state is already
 * written; a copy that cannot be removed is an error the operator must act on.
 */
static int drop_manual_key(struct factory *f)
{
	char path[PATH_MAX];
	int ret = fs_path(path, sizeof(path), f->factory_dir, "manual.key");

	if (ret == 0 && unlink(path) < 0 && errno != ENOENT)
		ret = -errno;
	if (ret < 0)
		say(f->err, f->err_len,
		    "manual.key is sealed into the state, but its plain copy could not be "
		    "removed: remove %s/manual.key: %s",
		    f->factory_dir, strerror(-ret));
	return ret;
}

/* The identity file, if any: MT-SN, control mode, the sealed code and a new SED AK. */
static int load_identity(struct factory *f)
{
	svcport_v1_BmcState *st = &f->st;
	unsigned char ak[SEALED_SED_AK_LEN];
	size_t len;
	int ret = fs_read(f->factory_dir, "identity", f->buf, FACTORY_FILE_MAX - 1, &len);

	if (ret == -ENOENT)
		return 0; /* a blank replacement board */
	if (ret < 0) {
		say(f->err, f->err_len, "identity: %s", strerror(-ret));
		return ret;
	}
	f->buf[len] = 0;
	ret = parse_identity((char *)f->buf, st, f->err, f->err_len);
	if (ret < 0)
		return ret;
	/* BMC-managed ships activated, portal-managed locked. */
	if (st->control_mode == svcport_v1_ControlMode_CONTROL_BMC_MANAGED)
		st->lockdown_state = svcport_v1_LockdownState_LOCKDOWN_ACTIVE;
	/* parse_identity() left the code in the retired plain field: seal it. */
	ret = sealed_code_set(f->se, st, st->activation_code, f->env);
	mbedtls_platform_zeroize(st->activation_code, sizeof(st->activation_code));
	if (ret == 0 && f->env->rng(f->env->user_data, ak, sizeof(ak)) != 0)
		ret = -EIO;
	if (ret == 0)
		ret = sealed_sed_ak_set(f->se, st, ak, f->env);
	mbedtls_platform_zeroize(ak, sizeof(ak));
	if (ret < 0) {
		say(f->err, f->err_len, "cannot seal the board's secrets: %s", strerror(-ret));
		return ret;
	}
	st->sed_enabled = true;
	return load_manual_key(f);
}

/*
 * The board's label password (issue 13, ETSI EN 303 645 5.1): the factory
 * draws one per board and prints it on the label; its hash is the
 * Administrator+'s initial password, which must change at first login, and
 * what a factory reset returns to. No file, no board: there is no default.
 */
static int load_label_password(struct factory *f)
{
	svcport_v1_BmcState *st = &f->st;
	char *pw = (char *)f->buf;
	size_t len;
	int ret = fs_read(f->factory_dir, "admin-password", f->buf, FACTORY_FILE_MAX - 1, &len);

	if (ret < 0) {
		say(f->err, f->err_len,
		    "admin-password (the label's initial password): %s: there is no default",
		    strerror(-ret));
		return ret;
	}
	f->buf[len] = 0;
	pw[strcspn(pw, "\r\n")] = 0;
	if (strlen(pw) < BMC_LABEL_PASSWORD_MIN || strlen(pw) > BMC_LABEL_PASSWORD_MAX) {
		ret = -EINVAL;
		say(f->err, f->err_len, "admin-password: %d to %d characters on its first line",
		    BMC_LABEL_PASSWORD_MIN, BMC_LABEL_PASSWORD_MAX);
	} else if (f->env->rng(f->env->user_data, st->factory_password_salt.bytes, 16) != 0 ||
	           bmc_pbkdf2(pw, st->factory_password_salt.bytes, 16,
	                      st->factory_password_hash.bytes, 32) < 0) {
		ret = -EIO;
		say(f->err, f->err_len, "admin-password: cannot hash it");
	} else {
		st->factory_password_salt.size = 16;
		st->factory_password_hash.size = 32;
	}
	mbedtls_platform_zeroize(f->buf, sizeof(f->buf));
	return ret;
}

/* A new audit log starts with the factory record; then the state record. */
static int write_state(struct factory *f)
{
	struct audit_entry ae = {.time = f->env->now_ms(f->env->user_data) / 1000u,
	                         .event = "factory-init",
	                         .detail = f->st.has_identity ? "identity" : "blank board"};
	char path[PATH_MAX];
	int ret = fs_path(path, sizeof(path), f->state_dir, AUDIT_FILE);

	if (ret < 0)
		return ret;
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	ret = audit_append(f->state_dir, &f->st, &ae);
	if (ret == 0)
		ret = bmc_state_store(f->state_dir, f->se, &f->st, NULL);
	if (ret < 0)
		say(f->err, f->err_len, "%s: %s%s%s", f->state_dir, strerror(-ret),
		    se_error()[0] ? ": " : "", se_error());
	return ret;
}

int bmc_factory_init(const char *factory_dir, const char *state_dir, bool force,
                     const struct bmc_env *env, char *err, size_t err_len)
{
	struct factory *f = calloc(1, sizeof(*f));
	size_t len;
	int ret;

	if (!f)
		return -ENOMEM;
	*f = (struct factory){.factory_dir = factory_dir,
	                      .state_dir = state_dir,
	                      .env = env,
	                      .err = err,
	                      .err_len = err_len,
	                      .st = svcport_v1_BmcState_init_zero};
	f->st.version = BMC_STATE_VERSION;
	f->st.emergency_reset_clears_sed_ak = true;
	f->st.admin_password_must_change = true;
	f->st.has_sensors = true;
	f->st.lockdown_state = svcport_v1_LockdownState_LOCKDOWN_LOCKED;

	ret = check_fresh(f, force);
	if (ret == 0)
		ret = load_label_password(f); /* before anything is written */
	if (ret == 0)
		ret = provision_se(f);
	if (ret == 0)
		ret = load_identity(f);
	if (ret < 0)
		goto out;
	ret = fs_read(factory_dir, "device.crt", f->buf, FACTORY_FILE_MAX, &len);
	if (ret == 0)
		ret = load_device_cert(f->buf, len, f->se, &f->st, err, err_len);
	else if (ret == -ENOENT)
		ret = 0;
	if (ret < 0)
		goto out;
	/* The device's internal CA and its link certificate (DESIGN §6), made here at
	 * the board's first start, their keys sealed by the SE (docs/certs.md). */
	ret = devcerts_issue(f->se, &f->st, DEVCERTS_NEW_CA | DEVCERTS_NEW_LINK_KEY,
	                     env->now_ms(env->user_data) / 1000u, env);
	if (ret < 0) {
		say(err, err_len, "cannot issue the internal CA: %s", strerror(-ret));
		goto out;
	}
	ret = write_state(f);
	if (ret == 0)
		ret = drop_manual_key(f);
out:
	se_close(f->se);
	mbedtls_platform_zeroize(f, sizeof(*f));
	free(f);
	return ret;
}
