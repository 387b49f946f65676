// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The administrator console (admin.proto), the audit log's hash chain, and
 * factory initialisation.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <mbedtls/x509_csr.h>

#include "audit.h"
#include "state.h"
#include "testpki.h"

#define AE(x)  svcport_admin_v1_AdminError_ADMIN_##x
#define CMD(x) svcport_admin_v1_AdminRequest_##x##_tag
#define PW     "correct horse"

static struct tworld W;
static svcport_admin_v1_AdminRequest req;
static svcport_admin_v1_AdminReply rep;
static struct tsnap snap;

static int setup_bmc(void **state)
{
	tworld_setup(&W, "bmc");
	return 0;
}

static int setup_portal(void **state)
{
	tworld_setup(&W, "portal");
	return 0;
}

static int teardown(void **state)
{
	tworld_teardown(&W);
	return 0;
}

static const svcport_v1_BmcState *st(void)
{
	return bmc_state(W.bmc);
}

static svcport_admin_v1_AdminError run(pb_size_t cmd, const char *pw)
{
	req.which_cmd = cmd;
	return tworld_admin(&W, &req, pw, &rep);
}

static void new_req(void)
{
	req = (svcport_admin_v1_AdminRequest)svcport_admin_v1_AdminRequest_init_zero;
}

static void set_password(void)
{
	new_req();
	strcpy(req.cmd.password_set.new_password, PW);
	assert_int_equal(run(CMD(password_set), BMC_DEFAULT_ADMIN_PASSWORD), AE(OK));
	new_req();
}

static void default_password_must_change(void **state)
{
	/* Status needs no password; everything else refuses the default. */
	new_req();
	assert_int_equal(run(CMD(status), NULL), AE(OK));
	assert_true(rep.body.status.info.admin_password_must_change);
	tworld_snap(&W, &snap);
	assert_int_equal(run(CMD(activate), BMC_DEFAULT_ADMIN_PASSWORD), AE(PASSWORD_MUST_CHANGE));
	assert_int_equal(run(CMD(activate), "wrong"), AE(AUTH_FAILED));
	/* Too short, or the default again. */
	strcpy(req.cmd.password_set.new_password, "short");
	assert_int_equal(run(CMD(password_set), BMC_DEFAULT_ADMIN_PASSWORD), AE(INVALID_STATE));
	strcpy(req.cmd.password_set.new_password, BMC_DEFAULT_ADMIN_PASSWORD);
	assert_int_equal(run(CMD(password_set), BMC_DEFAULT_ADMIN_PASSWORD), AE(INVALID_STATE));
	assert_true(tworld_is_unchanged(&W, &snap));

	set_password();
	assert_int_equal(st()->admin_password_hash.size, 32);
	assert_int_equal(st()->admin_password_salt.size, 16);
	assert_int_equal(run(CMD(sensors_show), BMC_DEFAULT_ADMIN_PASSWORD), AE(AUTH_FAILED));
	W.now_ms += 60000; /* past the back-off of the earlier wrong password */
	assert_int_equal(run(CMD(sensors_show), PW), AE(OK));
	/* Survives a restart. */
	tworld_reopen(&W);
	assert_int_equal(run(CMD(sensors_show), PW), AE(OK));
}

static void wrong_passwords_back_off(void **state)
{
	set_password();
	for (int i = 0; i < 4; i++)
		assert_int_equal(run(CMD(sensors_show), "nope nope"), AE(AUTH_FAILED));
	assert_int_equal(run(CMD(sensors_show), PW), AE(RATE_LIMITED));
	assert_true(rep.retry_after_ms > 0);
	W.now_ms += rep.retry_after_ms;
	assert_int_equal(run(CMD(sensors_show), PW), AE(OK));
}

static void activate_only_bmc_managed(void **state)
{
	set_password();
	/* Tamper with the intrusion sensor on: locks; the admin reactivates. */
	req.cmd.sensors_set.has_sensors = true;
	req.cmd.sensors_set.sensors.intrusion_enabled = true;
	assert_int_equal(run(CMD(sensors_set), PW), AE(OK));
	new_req();
	req.cmd.tamper.kind = svcport_admin_v1_TamperKind_TAMPER_INTRUSION;
	assert_int_equal(run(CMD(tamper), NULL), AE(OK));
	assert_true(rep.body.tamper.locked);
	assert_int_equal(st()->lockdown_state, svcport_v1_LockdownState_LOCKDOWN_LOCKED);
	new_req();
	assert_int_equal(run(CMD(activate), PW), AE(OK));
	assert_int_equal(st()->lockdown_state, svcport_v1_LockdownState_LOCKDOWN_ACTIVE);
}

static void portal_managed_refuses_local_unlock(void **state)
{
	set_password();
	tworld_snap(&W, &snap);
	assert_int_equal(run(CMD(activate), PW), AE(INVALID_STATE));
	assert_true(tworld_is_unchanged(&W, &snap));
	/* Sensors may be tightened locally, never loosened. */
	req.cmd.sensors_set.has_sensors = true;
	req.cmd.sensors_set.sensors.motion_enabled = true;
	req.cmd.sensors_set.sensors.motion_step_threshold = 4;
	assert_int_equal(run(CMD(sensors_set), PW), AE(OK));
	req.cmd.sensors_set.sensors.motion_step_threshold = 8;
	assert_int_equal(run(CMD(sensors_set), PW), AE(INVALID_STATE));
	req.cmd.sensors_set.sensors.motion_enabled = false;
	assert_int_equal(run(CMD(sensors_set), PW), AE(INVALID_STATE));
	assert_true(st()->sensors.motion_enabled);
}

static void sed_backup_restore_passphrase(void **state)
{
	uint8_t backup[160], ak[32];
	size_t len;

	set_password();
	assert_int_equal(run(CMD(sed_backup), PW), AE(OK));
	len = rep.body.sed_backup.backup.size;
	assert_true(len > 40);
	memcpy(backup, rep.body.sed_backup.backup.bytes, len);
	memcpy(ak, st()->sed_ak.bytes, 32);

	/* A passphrase-derived key replaces it, deterministically. */
	new_req();
	strcpy(req.cmd.sed_passphrase.passphrase, "open sesame please");
	assert_int_equal(run(CMD(sed_passphrase), PW), AE(OK));
	assert_memory_not_equal(st()->sed_ak.bytes, ak, 32);

	/* Corrupt backups are refused and change nothing. */
	new_req();
	memcpy(req.cmd.sed_restore.backup.bytes, backup, len);
	req.cmd.sed_restore.backup.size = (pb_size_t)len;
	req.cmd.sed_restore.backup.bytes[20] ^= 1;
	tworld_snap(&W, &snap);
	assert_int_equal(run(CMD(sed_restore), PW), AE(INVALID_STATE));
	req.cmd.sed_restore.backup.bytes[20] ^= 1;
	req.cmd.sed_restore.backup.size = (pb_size_t)(len - 1);
	assert_int_equal(run(CMD(sed_restore), PW), AE(INVALID_STATE));
	assert_int_equal(run(CMD(sed_restore), "wrong password"), AE(AUTH_FAILED));
	assert_true(tworld_is_unchanged(&W, &snap));

	req.cmd.sed_restore.backup.size = (pb_size_t)len;
	assert_int_equal(run(CMD(sed_restore), PW), AE(OK));
	assert_memory_equal(st()->sed_ak.bytes, ak, 32);
}

static void policy_and_factory_reset(void **state)
{
	set_password();
	strcpy(req.cmd.policy_set.name, "no-such-policy");
	assert_int_equal(run(CMD(policy_set), PW), AE(BAD_REQUEST));
	strcpy(req.cmd.policy_set.name, "emergency-reset-clears-sed-ak");
	req.cmd.policy_set.value = false;
	assert_int_equal(run(CMD(policy_set), PW), AE(OK));
	assert_false(st()->emergency_reset_clears_sed_ak);

	new_req();
	assert_int_equal(run(CMD(factory_reset), NULL), AE(OK));
	assert_non_null(strstr(rep.message, "reopen")); /* BMC-managed warning */
	assert_true(st()->admin_password_must_change);
	assert_int_equal(run(CMD(sensors_show), PW), AE(AUTH_FAILED));
	W.now_ms += 60000;
	assert_int_equal(run(CMD(sensors_show), BMC_DEFAULT_ADMIN_PASSWORD),
	                 AE(PASSWORD_MUST_CHANGE));
}

/* ---------------------------------------------------------------- audit */

static void audit_show_and_verify(void **state)
{
	set_password();
	req.cmd.tamper.kind = svcport_admin_v1_TamperKind_TAMPER_MOTION;
	for (int i = 0; i < 20; i++) {
		new_req();
		strcpy(req.cmd.policy_set.name, "ble-presence");
		req.cmd.policy_set.value = i & 1;
		assert_int_equal(run(CMD(policy_set), PW), AE(OK));
	}
	assert_int_equal(st()->audit_count, 22); /* factory-init, password, 20 policies */
	new_req();
	req.cmd.audit_show.first = 0;
	assert_int_equal(run(CMD(audit_show), PW), AE(OK));
	assert_int_equal(rep.body.audit.records_count, 16);
	assert_int_equal(rep.body.audit.total, 22);
	assert_string_equal(rep.body.audit.records[0].event, "factory-init");
	assert_string_equal(rep.body.audit.records[1].event, "admin-password-set");
	req.cmd.audit_show.first = 16;
	assert_int_equal(run(CMD(audit_show), PW), AE(OK));
	assert_int_equal(rep.body.audit.records_count, 6);
	assert_int_equal(rep.body.audit.records[5].seq, 21);

	new_req();
	assert_int_equal(run(CMD(audit_verify), NULL), AE(OK));
	assert_true(rep.body.audit_verify.ok);
	assert_int_equal(rep.body.audit_verify.records, 22);
}

static long file_size(const char *dir, const char *name)
{
	char path[PATH_MAX + 32];
	struct stat sb;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &sb) == 0 ? (long)sb.st_size : -1;
}

static void patch_file(const char *dir, const char *name, long off, const void *data, size_t len)
{
	char path[PATH_MAX + 32];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, data, len, off), (ssize_t)len);
	close(fd);
}

static void remove_range(const char *dir, const char *name, long off, long len)
{
	static unsigned char buf[65536];
	char path[PATH_MAX + 32];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	n = pread(fd, buf, sizeof(buf), 0);
	assert_true(n > off + len);
	memmove(buf + off, buf + off + len, (size_t)(n - off - len));
	assert_true(ftruncate(fd, n - len) == 0);
	assert_int_equal(pwrite(fd, buf, (size_t)(n - len), 0), n - len);
	close(fd);
}

static void make_records(int n)
{
	set_password();
	for (int i = 0; i < n; i++) {
		new_req();
		strcpy(req.cmd.policy_set.name, "ble-presence");
		req.cmd.policy_set.value = i & 1;
		assert_int_equal(run(CMD(policy_set), PW), AE(OK));
	}
}

static struct audit_report verify(void)
{
	struct audit_report r;

	assert_int_equal(audit_verify(W.state, st(), &r), 0);
	return r;
}

static void audit_detects_edited_record(void **state)
{
	struct audit_report r;
	long size;

	make_records(3);
	size = file_size(W.state, AUDIT_FILE);
	assert_true(verify().ok);
	/* Flip a byte of the event name of record 2 ("policy-set"). */
	{
		static unsigned char buf[4096];
		char path[PATH_MAX + 32];
		int fd;
		ssize_t n;

		snprintf(path, sizeof(path), "%s/%s", W.state, AUDIT_FILE);
		fd = open(path, O_RDONLY);
		n = read(fd, buf, sizeof(buf));
		close(fd);
		assert_int_equal(n, size);
		char *p = memmem(buf, (size_t)n, "policy-set", 10);

		assert_non_null(p);
		patch_file(W.state, AUDIT_FILE, (long)((unsigned char *)p - buf), "POLICY", 6);
	}
	r = verify();
	assert_false(r.ok);
	assert_int_equal(r.bad_seq, 3); /* the next record no longer chains */
	new_req();
	assert_int_equal(run(CMD(audit_verify), NULL), AE(OK));
	assert_false(rep.body.audit_verify.ok);
}

static void audit_detects_removed_record(void **state)
{
	static unsigned char hdr[4];
	char path[PATH_MAX + 32];
	struct audit_report r;
	long len0;
	int fd;

	make_records(3);
	/* Cut the first record out entirely. */
	snprintf(path, sizeof(path), "%s/%s", W.state, AUDIT_FILE);
	fd = open(path, O_RDONLY);
	assert_int_equal(read(fd, hdr, 4), 4);
	close(fd);
	len0 = hdr[0] | hdr[1] << 8;
	remove_range(W.state, AUDIT_FILE, 0, 4 + len0);
	r = verify();
	assert_false(r.ok);
	assert_int_equal(r.bad_seq, 0);
}

static void audit_detects_removed_tail(void **state)
{
	struct audit_report r;
	long size;

	make_records(2);
	size = file_size(W.state, AUDIT_FILE);
	{
		char path[PATH_MAX + 32];

		snprintf(path, sizeof(path), "%s/%s", W.state, AUDIT_FILE);
		assert_int_equal(truncate(path, size - 10), 0);
	}
	r = verify();
	assert_false(r.ok);
}

static void uncommitted_record_is_discarded(void **state)
{
	svcport_v1_BmcState next = *st();
	struct audit_entry e = {.time = 1, .event = "never-committed"};
	long committed;

	make_records(1);
	next = *st();
	committed = file_size(W.state, AUDIT_FILE);
	/* The power cut: the record is written, the state write never lands. */
	assert_int_equal(audit_append(W.state, &next, &e), 0);
	assert_true(file_size(W.state, AUDIT_FILE) > committed);
	{
		struct audit_report r = verify();

		assert_true(r.ok);
		assert_int_equal(r.uncommitted, 1);
	}
	tworld_reopen(&W);
	assert_int_equal(file_size(W.state, AUDIT_FILE), committed);
	assert_true(verify().ok);
	/* And the next change appends after the committed end. */
	new_req();
	strcpy(req.cmd.policy_set.name, "ble-presence");
	assert_int_equal(run(CMD(policy_set), PW), AE(OK));
	assert_true(verify().ok);
}

/* ---------------------------------------------------------------- certificates */

static void put_cert(int i, const unsigned char *der, size_t len)
{
	memcpy(req.cmd.cert_install.certs[i].bytes, der, len);
	req.cmd.cert_install.certs[i].size = (pb_size_t)len;
}

static void cert_export_csr_install(void **state)
{
	const struct tpki *p = tpki_get();

	/* Export is public; the factory certificate alone. */
	new_req();
	assert_int_equal(run(CMD(cert_export), NULL), AE(OK));
	assert_int_equal(rep.body.cert.certs_count, 1);
	assert_memory_equal(rep.body.cert.certs[0].bytes, p->device_crt, p->device_crt_len);
	assert_int_equal(run(CMD(cert_csr), NULL), AE(AUTH_FAILED));
	W.now_ms += 60000;
	set_password();
	assert_int_equal(run(CMD(cert_csr), PW), AE(OK));
	{
		mbedtls_x509_csr csr;

		mbedtls_x509_csr_init(&csr);
		assert_int_equal(mbedtls_x509_csr_parse_der(&csr, rep.body.cert.csr.bytes,
		                                            rep.body.cert.csr.size),
		                 0);
		assert_int_equal(csr.sig_md, MBEDTLS_MD_SHA256);
		mbedtls_x509_csr_free(&csr);
	}

	/* Refused, and nothing written: another key's certificate, a broken chain. */
	tworld_snap(&W, &snap);
	new_req();
	put_cert(0, p->devca, p->devca_len);
	req.cmd.cert_install.certs_count = 1;
	assert_int_equal(run(CMD(cert_install), PW), AE(INVALID_STATE));
	put_cert(0, p->device_crt, p->device_crt_len);
	put_cert(1, p->root, p->root_len); /* skips the device CA */
	req.cmd.cert_install.certs_count = 2;
	assert_int_equal(run(CMD(cert_install), PW), AE(INVALID_STATE));
	assert_true(tworld_is_unchanged(&W, &snap));

	/* The full chain goes in and comes back out. */
	put_cert(1, p->devca, p->devca_len);
	put_cert(2, p->root, p->root_len);
	req.cmd.cert_install.certs_count = 3;
	assert_int_equal(run(CMD(cert_install), PW), AE(OK));
	new_req();
	assert_int_equal(run(CMD(cert_export), NULL), AE(OK));
	assert_int_equal(rep.body.cert.certs_count, 3);
	assert_memory_equal(rep.body.cert.certs[2].bytes, p->root, p->root_len);
}

/* ---------------------------------------------------------------- init */

static void factory_init_rules(void **state)
{
	char err[256], other[PATH_MAX + 8];

	/* An initialised state dir is not overwritten without force. */
	assert_int_equal(bmc_factory_init(W.factory, W.state, false, &W.env, err, sizeof(err)),
	                 -EEXIST);
	assert_non_null(strstr(err, "--force"));
	/* board-key.sha256 must match the key. */
	patch_file(W.factory, "board-key.sha256", 0, "00", 2);
	snprintf(other, sizeof(other), "%s/s2", W.dir);
	assert_true(bmc_factory_init(W.factory, other, false, &W.env, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "board-key.sha256"));
	/* A broken identity line is refused, not guessed at. */
	tpki_write_factory(W.factory, "portal", false);
	{
		char path[PATH_MAX + 16];
		FILE *f;

		snprintf(path, sizeof(path), "%s/identity", W.factory);
		f = fopen(path, "a");
		fputs("control_mode=sometimes\n", f);
		fclose(f);
	}
	assert_true(bmc_factory_init(W.factory, other, true, &W.env, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "identity"));
	/* Files are private. */
	{
		char path[PATH_MAX + 16];
		struct stat sb;

		snprintf(path, sizeof(path), "%s/se/device.key", W.state);
		assert_int_equal(stat(path, &sb), 0);
		assert_int_equal(sb.st_mode & 0777, 0600);
		snprintf(path, sizeof(path), "%s/state.pb", W.state);
		assert_int_equal(stat(path, &sb), 0);
		assert_int_equal(sb.st_mode & 0777, 0600);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(default_password_must_change, setup_bmc, teardown),
	    cmocka_unit_test_setup_teardown(wrong_passwords_back_off, setup_bmc, teardown),
	    cmocka_unit_test_setup_teardown(activate_only_bmc_managed, setup_bmc, teardown),
	    cmocka_unit_test_setup_teardown(portal_managed_refuses_local_unlock, setup_portal,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(sed_backup_restore_passphrase, setup_bmc, teardown),
	    cmocka_unit_test_setup_teardown(policy_and_factory_reset, setup_bmc, teardown),
	    cmocka_unit_test_setup_teardown(audit_show_and_verify, setup_bmc, teardown),
	    cmocka_unit_test_setup_teardown(audit_detects_edited_record, setup_bmc, teardown),
	    cmocka_unit_test_setup_teardown(audit_detects_removed_record, setup_bmc, teardown),
	    cmocka_unit_test_setup_teardown(audit_detects_removed_tail, setup_bmc, teardown),
	    cmocka_unit_test_setup_teardown(uncommitted_record_is_discarded, setup_bmc, teardown),
	    cmocka_unit_test_setup_teardown(factory_init_rules, setup_portal, teardown),
	    cmocka_unit_test_setup_teardown(cert_export_csr_install, setup_bmc, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
