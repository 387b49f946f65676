// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * svcport-bmcd --init: a factory state from the files the portal writes
 * (COMMON interface "Factory directory", docs/bmc.md).
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/platform_util.h>

#include "bmc-internal.h"
#include "devcerts.h"
#include "fsutil.h"
#include "sealed.h"
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

static int hex_decode(const char *s, unsigned char *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned v;

		if (!isxdigit((unsigned char)s[2 * i]) || !isxdigit((unsigned char)s[2 * i + 1]) ||
		    sscanf(s + 2 * i, "%2x", &v) != 1)
			return -EINVAL;
		out[i] = (unsigned char)v;
	}
	return 0;
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
	unsigned char pub[SE_PUBKEY_LEN], cert_pub[SE_PUBKEY_LEN];
	unsigned char *buf = malloc(len + 1);
	mbedtls_x509_crt crt;
	size_t olen = 0;
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
	se_public_key(se, pub);
	if (mbedtls_pk_get_type(&crt.pk) != MBEDTLS_PK_ECKEY ||
	    mbedtls_ecp_point_write_binary(&mbedtls_pk_ec(crt.pk)->grp, &mbedtls_pk_ec(crt.pk)->Q,
	                                   MBEDTLS_ECP_PF_UNCOMPRESSED, &olen, cert_pub,
	                                   sizeof(cert_pub)) != 0 ||
	    olen != SE_PUBKEY_LEN || memcmp(pub, cert_pub, SE_PUBKEY_LEN) != 0) {
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

int bmc_factory_init(const char *factory_dir, const char *state_dir, bool force,
                     const struct bmc_env *env, char *err, size_t err_len)
{
	static svcport_v1_BmcState st;
	unsigned char *key = NULL, *anchors = NULL, *buf = NULL, want[32], have[32];
	unsigned char ak[BMC_SED_AK_LEN];
	size_t key_len, anchors_len, len;
	char path[PATH_MAX];
	struct se *se = NULL;
	struct stat sb;
	struct audit_entry ae;
	int ret;

	st = (svcport_v1_BmcState)svcport_v1_BmcState_init_zero;
	key = malloc(FACTORY_FILE_MAX);
	anchors = malloc(FACTORY_FILE_MAX);
	buf = malloc(FACTORY_FILE_MAX);
	if (!key || !anchors || !buf) {
		ret = -ENOMEM;
		goto out;
	}
	ret = fs_path(path, sizeof(path), state_dir, BMC_STATE_FILE);
	if (ret < 0)
		goto out;
	if (stat(path, &sb) == 0 && !force) {
		say(err, err_len, "%s is already initialised (use --force to replace it)",
		    state_dir);
		ret = -EEXIST;
		goto out;
	}
	ret = fs_read(factory_dir, "device.key", key, FACTORY_FILE_MAX, &key_len);
	if (ret == 0)
		ret = fs_read(factory_dir, "trust-anchors.pem", anchors, FACTORY_FILE_MAX,
		              &anchors_len);
	if (ret == 0)
		ret = fs_read(factory_dir, "board-key.sha256", buf, FACTORY_FILE_MAX - 1, &len);
	if (ret < 0) {
		say(err, err_len,
		    "%s: device.key, trust-anchors.pem and board-key.sha256 needed: %s",
		    factory_dir, strerror(-ret));
		goto out;
	}
	buf[len] = 0;
	if (len < 64 || hex_decode((char *)buf, want, 32) < 0) {
		say(err, err_len, "board-key.sha256: not 64 hex digits");
		ret = -EINVAL;
		goto out;
	}
	/* The state holds secrets: the folder is private whoever made it. */
	if ((mkdir(state_dir, 0700) < 0 && errno != EEXIST) || chmod(state_dir, 0700) < 0) {
		ret = -errno;
		say(err, err_len, "%s: %s", state_dir, strerror(errno));
		goto out;
	}
	ret = se_provision(state_dir, key, key_len, anchors, anchors_len, env);
	if (ret == 0)
		ret = se_open(state_dir, &se);
	if (ret < 0) {
		say(err, err_len, "device.key must be a P-256 key and trust-anchors.pem P-256 CAs");
		goto out;
	}
	se_key_sha256(se, have);
	if (memcmp(want, have, 32) != 0) {
		say(err, err_len, "board-key.sha256 does not match device.key");
		ret = -EINVAL;
		goto out;
	}

	st.version = BMC_STATE_VERSION;
	st.emergency_reset_clears_sed_ak = true;
	st.admin_password_must_change = true;
	st.has_sensors = true;
	st.lockdown_state = svcport_v1_LockdownState_LOCKDOWN_LOCKED;
	ret = fs_read(factory_dir, "identity", buf, FACTORY_FILE_MAX - 1, &len);
	if (ret == 0) {
		buf[len] = 0;
		ret = parse_identity((char *)buf, &st, err, err_len);
		if (ret < 0)
			goto out;
		/* BMC-managed ships activated, portal-managed locked. */
		if (st.control_mode == svcport_v1_ControlMode_CONTROL_BMC_MANAGED)
			st.lockdown_state = svcport_v1_LockdownState_LOCKDOWN_ACTIVE;
		/* parse_identity() left the code in the retired plain field: seal it. */
		ret = sealed_code_set(se, &st, st.activation_code, env);
		mbedtls_platform_zeroize(st.activation_code, sizeof(st.activation_code));
		if (ret == 0 && env->rng(env->user_data, ak, sizeof(ak)) != 0)
			ret = -EIO;
		if (ret == 0)
			ret = sealed_sed_ak_set(se, &st, ak, env);
		mbedtls_platform_zeroize(ak, sizeof(ak));
		if (ret < 0) {
			say(err, err_len, "cannot seal the board's secrets: %s", strerror(-ret));
			goto out;
		}
		st.sed_enabled = true;
	} else if (ret != -ENOENT) {
		say(err, err_len, "identity: %s", strerror(-ret));
		goto out;
	}
	ret = fs_read(factory_dir, "device.crt", buf, FACTORY_FILE_MAX, &len);
	if (ret == 0)
		ret = load_device_cert(buf, len, se, &st, err, err_len);
	else if (ret == -ENOENT)
		ret = 0;
	if (ret < 0)
		goto out;

	/* The device's internal CA and its link certificate (DESIGN §6), made here at
	 * the board's first start, with the keys the SE drew at provisioning. */
	ret = devcerts_issue(se, &st, true, env->now_ms(env->user_data) / 1000u, env);
	if (ret < 0) {
		say(err, err_len, "cannot issue the internal CA: %s", strerror(-ret));
		goto out;
	}

	/* A new audit log starts with the factory record. */
	ret = fs_path(path, sizeof(path), state_dir, AUDIT_FILE);
	if (ret < 0 || (unlink(path) < 0 && errno != ENOENT)) {
		ret = ret < 0 ? ret : -errno;
		goto out;
	}
	ae = (struct audit_entry){.time = env->now_ms(env->user_data) / 1000u,
	                          .event = "factory-init",
	                          .detail = st.has_identity ? "identity" : "blank board"};
	ret = audit_append(state_dir, &st, &ae);
	if (ret == 0)
		ret = bmc_state_store(state_dir, &st);
	if (ret < 0)
		say(err, err_len, "%s: %s", state_dir, strerror(-ret));
out:
	se_close(se);
	if (key)
		mbedtls_platform_zeroize(key, FACTORY_FILE_MAX);
	mbedtls_platform_zeroize(&st, sizeof(st));
	free(key);
	free(anchors);
	free(buf);
	return ret;
}
