// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The SED promises of issue 13 (docs/bmc.md "SED AK"): SED belongs to the
 * server and survives a board swap; an SED-enabled server without its AK
 * says so and stays locked; the passphrase AK is the drive set's; backups
 * are encrypted and restore across servers only when asked; the automatic
 * backup component; the emergency reset's one-time password. Every refusal
 * is checked to change nothing on disk.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <mbedtls/ecp.h>
#include <mbedtls/sha256.h>

#include "admin-fixture.h"
#include "aead.h"
#include "audit.h"
#include "pwbox.h"
#include "sedak.h"

#define E(x)    svcport_v1_ErrorCode_##x
#define TAG(x)  svcport_v1_CommandBody_##x##_tag
#define ROLE(x) svcport_v1_Role_ROLE_##x
#define COMP(x) svcport_v1_SedComponent_SED_COMPONENT_##x
#define LOCKED  svcport_v1_LockdownState_LOCKDOWN_LOCKED
#define ACTIVE  svcport_v1_LockdownState_LOCKDOWN_ACTIVE

static svcport_v1_CommandBody body;
static svcport_v1_SignedCommand cmd;
static struct tworld other;

/* The second server's administrator password := PW (from its label's). */
static void other_password_set(void)
{
	static svcport_admin_v1_AdminRequest pw;

	pw = (svcport_admin_v1_AdminRequest)svcport_admin_v1_AdminRequest_init_zero;
	pw.which_cmd = CMD(password_set);
	strcpy(pw.cmd.password_set.new_password, PW);
	assert_int_equal(tworld_admin(&other, &pw, TPKI_LABEL_PW, &rep), AE(OK));
}

/* What the phone reads (GetDeviceInfo); the console's status shows the same to a login. */
static svcport_v1_DeviceInfo device_info(struct tworld *w)
{
	svcport_v1_BmcRequest q = svcport_v1_BmcRequest_init_zero;
	static svcport_v1_BmcReply a;
	struct bmc_outcome o;

	q.has_request = true;
	q.request.which_body = svcport_v1_Request_get_device_info_tag;
	/* Over the service port: without presence SED is not said (limited). */
	q.link = svcport_v1_LinkKind_LINK_USB;
	q.physical_presence = true;
	bmc_handle_request(w->bmc, &q, &a, &o);
	assert_int_equal(o.result, E(ERROR_NONE));
	return a.msg.response.body.device_info;
}

static const char *last_event(struct tworld *w)
{
	static svcport_v1_AuditRecord rec;
	size_t n = 0;

	assert_int_equal(audit_read(w->state, bmc_state(w->bmc), bmc_state(w->bmc)->audit_count - 1,
	                            &rec, 1, &n),
	                 0);
	assert_int_equal(n, 1);
	return rec.event;
}

/* The audit record k from the end (0: the last). */
static svcport_v1_AuditRecord record_back(struct tworld *w, uint64_t k)
{
	svcport_v1_AuditRecord rec;
	size_t n = 0;

	assert_int_equal(audit_read(w->state, bmc_state(w->bmc),
	                            bmc_state(w->bmc)->audit_count - 1 - k, &rec, 1, &n),
	                 0);
	assert_int_equal(n, 1);
	return rec;
}

static bool is_token(void)
{
	const char *se = getenv("SVCPORT_TEST_SE");

	return se && strcmp(se, "pkcs11") == 0;
}

static void flip_last_byte(const char *path)
{
	uint8_t buf[512];
	size_t n;
	FILE *f = fopen(path, "r+b");

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf), f);
	assert_true(n > 0);
	assert_int_equal(fseek(f, (long)n - 1, SEEK_SET), 0);
	fputc(buf[n - 1] ^ 1, f);
	fclose(f);
}

/* The replacement board (device2_key, blank) becomes TPKI_MT-SN under mode; the
 * portal's record says whether the server has SED. */
static void key_update_as(svcport_v1_ControlMode mode, bool sed_enabled)
{
	const struct tpki *p = tpki_get();
	unsigned char pub[65], h[32];
	size_t olen;

	mbedtls_ecp_point_write_binary(&mbedtls_pk_ec(p->device2_key)->grp,
	                               &mbedtls_pk_ec(p->device2_key)->Q,
	                               MBEDTLS_ECP_PF_UNCOMPRESSED, &olen, pub, sizeof(pub));
	mbedtls_sha256_ret(pub, 65, h, 0);
	tworld_body(&W, &body, TAG(device_key_update), ROLE(MAINTENANCE), TPKI_ORG);
	body.action.device_key_update.new_key_sha256.size = 32;
	memcpy(body.action.device_key_update.new_key_sha256.bytes, h, 32);
	strcpy(body.action.device_key_update.owner_org, TPKI_ORG);
	body.action.device_key_update.control_mode = mode;
	body.action.device_key_update.sed_enabled = sed_enabled;
	assert_int_equal(tworld_do(&W, &body), E(ERROR_NONE));
}

static void key_update(bool sed_enabled)
{
	key_update_as(svcport_v1_ControlMode_CONTROL_PORTAL_MANAGED, sed_enabled);
}

static svcport_v1_ErrorCode activate(void)
{
	tworld_body(&W, &body, TAG(activate), ROLE(ORG_ADMIN), TPKI_ORG);
	tworld_sign(&body, NULL, NULL, NULL, 0, &cmd);
	return tworld_submit(&W, &cmd, svcport_v1_LinkKind_LINK_USB, true, NULL);
}

/* Defect 1: the new board adopts SED from the signed key update, says the AK is
 * absent, and is not activated until the AK is back. */
static void board_swap_keeps_sed(void **state)
{
	svcport_v1_DeviceInfo di;

	assert_false(st()->sed_enabled);
	key_update(true);
	assert_true(st()->sed_enabled);
	assert_false(st()->sed_ak_present);
	di = device_info(&W);
	assert_true(di.sed_enabled);
	assert_false(di.sed_ak_present);
	assert_int_equal(di.sed_backup_component, COMP(ABSENT));

	tworld_snap(&W, &snap);
	assert_int_equal(activate(), E(INVALID_STATE));
	assert_true(tworld_is_unchanged(&W, &snap));
	assert_int_equal(st()->lockdown_state, LOCKED);
	assert_int_equal(bmc_security_led(st()), svcport_v1_SecurityLed_LED_BLINKING);

	/* One-way: a later key update that says "no SED" does not disable it. */
	key_update(false);
	assert_true(st()->sed_enabled);

	/* `sed enable` does not quietly make a new AK for drives that hold data. */
	set_password();
	tworld_snap(&W, &snap);
	assert_int_equal(run(CMD(sed_enable), PW), AE(INVALID_STATE));
	assert_non_null(strstr(rep.message, "--erase-drives"));
	/* Nor does `sed generate` without the explicit erase. */
	new_req();
	assert_int_equal(run(CMD(sed_generate), PW), AE(INVALID_STATE));
	assert_true(tworld_is_unchanged(&W, &snap));
	assert_false(st()->sed_ak_present);

	/* With it: a new AK, audited; then the server activates. */
	req.cmd.sed_generate.erase_drives = true;
	assert_int_equal(run(CMD(sed_generate), PW), AE(OK));
	assert_true(st()->sed_ak_present);
	assert_string_equal(last_event(&W), "sed-generate");
	/* A second generate has nothing to replace. */
	tworld_snap(&W, &snap);
	assert_int_equal(run(CMD(sed_generate), PW), AE(INVALID_STATE));
	assert_true(tworld_is_unchanged(&W, &snap));
	assert_int_equal(activate(), E(ERROR_NONE));
	assert_int_equal(st()->lockdown_state, ACTIVE);
}

/* The portal-signed Activate says plainly why. */
static void activate_names_the_missing_ak(void **state)
{
	key_update(true);
	assert_int_equal(activate(), E(INVALID_STATE));
	assert_non_null(strstr(tworld_last_detail, "restore the SED AK first"));
}

/* Defect 2: same passphrase + same drive-set name = same AK on two servers. */
static void passphrase_ak_is_the_drive_sets(void **state)
{
	uint8_t a1[32], a2[32];

	/* Two boards in one process: on the PKCS#11 back-end they would share (and
	 * re-provision) one token. */
	if (is_token())
		skip();

	tworld_setup(&other, "portal");
	set_password();
	strcpy(req.cmd.sed_passphrase.passphrase, "sixteen chars ok");
	strcpy(req.cmd.sed_passphrase.drive_set, "rack-7");
	assert_int_equal(run(CMD(sed_passphrase), PW), AE(OK));
	assert_int_equal(tworld_admin(&other, &req, TPKI_LABEL_PW, &rep), AE(PASSWORD_MUST_CHANGE));
	other_password_set();
	assert_int_equal(tworld_admin(&other, &req, PW, &rep), AE(OK));
	assert_int_equal(tworld_sed_ak(&W, a1), 0);
	assert_int_equal(tworld_sed_ak(&other, a2), 0);
	assert_memory_equal(a1, a2, 32);
	/* The KDF as documented: the salt is the drive-set name, not MT-SN. */
	assert_int_equal(sedak_derive("sixteen chars ok", "rack-7", a2), 0);
	assert_memory_equal(a1, a2, 32);
	assert_int_equal(sedak_derive("sixteen chars ok", "rack-8", a2), 0);
	assert_memory_not_equal(a1, a2, 32);

	/* Refusals change nothing: a short passphrase, no drive set, a drive set with a space. */
	tworld_snap(&W, &snap);
	strcpy(req.cmd.sed_passphrase.passphrase, "too short");
	assert_int_equal(run(CMD(sed_passphrase), PW), AE(INVALID_STATE));
	strcpy(req.cmd.sed_passphrase.passphrase, "sixteen chars ok");
	req.cmd.sed_passphrase.drive_set[0] = 0;
	assert_int_equal(run(CMD(sed_passphrase), PW), AE(INVALID_STATE));
	strcpy(req.cmd.sed_passphrase.drive_set, "rack 7");
	assert_int_equal(run(CMD(sed_passphrase), PW), AE(INVALID_STATE));
	assert_true(tworld_is_unchanged(&W, &snap));
	tworld_teardown(&other);
}

/* A backup taken on another server restores only when asked, audited as such. */
static void backup_of_another_server(void **state)
{
	static svcport_v1_BmcState elsewhere;
	uint8_t ak[32], got[32];
	size_t len = 0;

	set_password();
	elsewhere = *st();
	strcpy(elsewhere.device.serial_number, "OTHER001");
	strcpy(elsewhere.sed_drive_set, "rack-7");
	memset(ak, 0x5c, sizeof(ak));
	strcpy(req.cmd.sed_restore.backup_passphrase, BK_PASS);
	assert_int_equal(sedak_backup_encode(W.bmc, &elsewhere, ak, BK_PASS,
	                                     req.cmd.sed_restore.backup.bytes,
	                                     sizeof(req.cmd.sed_restore.backup.bytes), &len),
	                 0);
	req.cmd.sed_restore.backup.size = (pb_size_t)len;
	tworld_snap(&W, &snap);
	assert_int_equal(run(CMD(sed_restore), PW), AE(INVALID_STATE));
	assert_non_null(strstr(rep.message, "--other-server"));
	assert_true(tworld_is_unchanged(&W, &snap));

	req.cmd.sed_restore.other_server = true;
	assert_int_equal(run(CMD(sed_restore), PW), AE(OK));
	assert_int_equal(tworld_sed_ak(&W, got), 0);
	assert_memory_equal(got, ak, 32);
	assert_string_equal(st()->sed_drive_set, "rack-7");
	assert_string_equal(last_event(&W), "sed-restore");
}

/* The component: its folder (the flash) at path, its chip (the file back-end's
 * key store) at path-key; both move with it. */
static void component_dir(struct tworld *w, const char *path)
{
	snprintf(w->sed_component, sizeof(w->sed_component), "%s", path);
	/* On the PKCS#11 back-end: no chip, the key is the token's. */
	if (!is_token()) {
		snprintf(w->sed_component_key, sizeof(w->sed_component_key), "%s-key", path);
		if (mkdir(w->sed_component_key, 0700) < 0)
			assert_int_equal(errno, EEXIST);
	}
	tworld_reopen(w);
}

/* The automatic backup follows every AK change and restores on the new board. */
static void component_backs_up_and_restores(void **state)
{
	char dir[PATH_MAX], path[PATH_MAX + 32];
	uint8_t ak[32], got[32];
	FILE *f;

	/* Two boards in one process: on the PKCS#11 back-end they would share (and
	 * re-provision) one token. */
	if (is_token())
		skip();

	/* The old server: its component is fitted and gets the factory's AK at start
	 * (BMC-managed: it ships ACTIVE; a locked board copies at its activation). */
	tworld_setup(&other, "bmc");
	snprintf(dir, sizeof(dir), "%s/component", other.dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	component_dir(&other, dir);
	assert_int_equal(device_info(&other).sed_backup_component, COMP(CURRENT));
	/* A change of the AK is copied. */
	set_password(); /* W's, for later; other's: */
	other_password_set();
	strcpy(req.cmd.sed_passphrase.passphrase, "sixteen chars ok");
	strcpy(req.cmd.sed_passphrase.drive_set, "rack-7");
	req.which_cmd = CMD(sed_passphrase);
	assert_int_equal(tworld_admin(&other, &req, PW, &rep), AE(OK));
	assert_int_equal(device_info(&other).sed_backup_component, COMP(CURRENT));
	assert_int_equal(tworld_sed_ak(&other, ak), 0);
	/* The component's store never holds the AK in the clear. */
	snprintf(path, sizeof(path), "%s/sed-ak.box", dir);
	{
		uint8_t box[256];
		size_t n;

		assert_non_null(f = fopen(path, "rb"));
		n = fread(box, 1, sizeof(box), f);
		fclose(f);
		assert_null(memmem(box, n, ak, 32));
	}

	/* The new board (W, blank) with the component moved to it. */
	component_dir(&W, dir);
	key_update(true);
	assert_int_equal(device_info(&W).sed_backup_component, COMP(RESTORABLE));
	assert_int_equal(activate(), E(INVALID_STATE));
	/* With a copy in the component, a new AK (erasing the drives) is refused. */
	new_req();
	req.cmd.sed_generate.erase_drives = true;
	tworld_snap(&W, &snap);
	assert_int_equal(run(CMD(sed_generate), PW), AE(INVALID_STATE));
	assert_true(tworld_is_unchanged(&W, &snap));
	new_req();
	assert_int_equal(run(CMD(sed_component_restore), PW), AE(OK));
	/* The AK goes back to the component at once, audited, and the new board is
	 * paired with the component it restored from (bmc13e). */
	assert_string_equal(last_event(&W), "sed-component-write");
	assert_non_null(strstr(record_back(&W, 0).detail, "paired"));
	assert_string_equal(record_back(&W, 1).event, "sed-restore-component");
	assert_int_equal(tworld_sed_ak(&W, got), 0);
	assert_memory_equal(got, ak, 32);
	/* The drive set's name came with the AK: the same passphrase and name still give
	 * this AK on every server of the set (bmc13: the component keeps the set). */
	assert_string_equal(st()->sed_drive_set, "rack-7");
	assert_non_null(strstr(record_back(&W, 1).detail, "drive-set=rack-7"));
	assert_int_equal(device_info(&W).sed_backup_component, COMP(CURRENT));
	assert_int_equal(activate(), E(ERROR_NONE));

	/* A reset that clears the AK (the factory reset here) leaves the component's copy
	 * behind it: whoever the reset made Administrator+ (the label's password) cannot
	 * restore it and so reopen the drives (attack pass on issue 13, H1). */
	new_req();
	assert_int_equal(run(CMD(factory_reset), NULL), AE(OK));
	assert_false(st()->sed_ak_present);
	W.now_ms += 60000;
	set_password();
	new_req();
	tworld_snap(&W, &snap);
	assert_int_equal(run(CMD(sed_component_restore), PW), AE(INVALID_STATE));
	assert_true(tworld_is_unchanged(&W, &snap));
	assert_false(st()->sed_ak_present);
	tworld_teardown(&other);
}

/*
 * A passphrase change goes through and its reply says why the component did
 * not back it up (want); a restore from the component is then refused and
 * changes nothing.
 */
static void passphrase_unbacked_restore_refused(const char *passphrase, const char *want)
{
	new_req();
	strcpy(req.cmd.sed_passphrase.passphrase, passphrase);
	strcpy(req.cmd.sed_passphrase.drive_set, "rack-7");
	assert_int_equal(run(CMD(sed_passphrase), PW), AE(OK));
	assert_non_null(strstr(rep.message, want));
	tworld_snap(&W, &snap);
	new_req();
	assert_int_equal(run(CMD(sed_component_restore), PW), AE(COMPONENT_UNAVAILABLE));
	assert_true(tworld_is_unchanged(&W, &snap));
}

/* An absent or unhealthy component is reported, never skipped in silence. */
static void component_absent_or_unhealthy(void **state)
{
	char dir[PATH_MAX], path[PATH_MAX + 32];
	FILE *f;

	set_password();
	assert_int_equal(device_info(&W).sed_backup_component, COMP(ABSENT));
	passphrase_unbacked_restore_refused("sixteen chars ok", "no backup component is fitted");

	/* Fitted, then its key damaged: unhealthy, said at the next change and in status. */
	snprintf(dir, sizeof(dir), "%s/component", W.dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	component_dir(&W, dir);
	assert_int_equal(device_info(&W).sed_backup_component, COMP(CURRENT));
	if (is_token()) {
		/* The key is the token's: the box changed by one bit no longer opens with it. */
		snprintf(path, sizeof(path), "%s/sed-ak.box", dir);
		flip_last_byte(path);
	} else {
		snprintf(path, sizeof(path), "%s-key/sed-component.key", dir);
		assert_non_null(f = fopen(path, "wb"));
		fputs("short", f);
		fclose(f);
	}
	assert_int_equal(device_info(&W).sed_backup_component, COMP(UNHEALTHY));
	if (is_token()) {
		/* Its key is sound: the next change replaces the box. A restore is refused. */
		tworld_snap(&W, &snap);
		new_req();
		assert_int_equal(run(CMD(sed_component_restore), PW), AE(COMPONENT_UNAVAILABLE));
		assert_non_null(strstr(rep.message, "key"));
		assert_true(tworld_is_unchanged(&W, &snap));
		return;
	}
	passphrase_unbacked_restore_refused("another sixteen!", "unhealthy");
	assert_non_null(strstr(rep.message, "key")); /* the restore's refusal says what is wrong */
}

/* The names in dir, sorted into one string ("a b c"). */
static void dir_names(const char *dir, char *out, size_t cap)
{
	struct dirent **list;
	int n = scandir(dir, &list, NULL, alphasort);

	assert_true(n >= 0);
	out[0] = 0;
	for (int i = 0; i < n; i++) {
		if (list[i]->d_name[0] != '.')
			snprintf(out + strlen(out), cap - strlen(out), "%s%s", out[0] ? " " : "",
			         list[i]->d_name);
		free(list[i]);
	}
	free(list);
}

/*
 * Re-attack C: the component kept component.key beside sed-ak.box, so whoever
 * took the component (removable flash) decrypted the AK offline. Only the box is
 * there now; the flash moved alone to another board (without the chip or the
 * token's key) restores nothing.
 */
static void component_holds_only_the_box(void **state)
{
	char dir[PATH_MAX], names[256], alone[PATH_MAX + 16], cmdline[3 * PATH_MAX];

	set_password();
	snprintf(dir, sizeof(dir), "%s/component", W.dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	component_dir(&W, dir);
	strcpy(req.cmd.sed_passphrase.passphrase, "sixteen chars ok");
	strcpy(req.cmd.sed_passphrase.drive_set, "rack-7");
	assert_int_equal(run(CMD(sed_passphrase), PW), AE(OK));
	assert_int_equal(device_info(&W).sed_backup_component, COMP(CURRENT));
	dir_names(dir, names, sizeof(names));
	assert_string_equal(names, "sed-ak.box");
	/* The key: in the token (generated there, never out), else the chip's store. */
	if (!is_token()) {
		dir_names(W.sed_component_key, names, sizeof(names));
		assert_string_equal(names, "sed-component.key");
	} else {
		char key[PATH_MAX + 32];

		snprintf(key, sizeof(key), "%.4000s/se/sed-component.key", W.state);
		assert_int_equal(access(key, F_OK), -1);
	}

	/* The flash alone, on a board whose secure element never held its key. */
	tworld_setup(&other, "bmc");
	snprintf(alone, sizeof(alone), "%s/flash", other.dir);
	snprintf(cmdline, sizeof(cmdline), "cp -r '%s' '%s'", dir, alone);
	assert_int_equal(system(cmdline), 0);
	assert_true(strlen(alone) < sizeof(other.sed_component));
	memcpy(other.sed_component, alone, strlen(alone) + 1);
	if (is_token())
		/* One token serves both test boards: the flash's box sealed with another
		 * key is what a stranger's token would see. */
		flip_last_byte(strcat(alone, "/sed-ak.box"));
	tworld_reopen(&other);
	assert_int_equal(device_info(&other).sed_backup_component, COMP(UNHEALTHY));
	tworld_teardown(&other);
}

/* The old format (SVCCMP02, its key beside the box) is read, rewritten sealed by
 * the key store at the next start, and its key removed. */
static void component_old_format_migrates(void **state)
{
	static const uint8_t key[AEAD_KEY_LEN] = {7}, iv[AEAD_IV_LEN] = {9};
	uint8_t box[256], ak[32];
	char dir[PATH_MAX], path[PATH_MAX + 32], names[256];
	size_t n = 0;
	FILE *f;

	set_password();
	assert_int_equal(run(CMD(sed_enable), PW), AE(OK));
	assert_int_equal(tworld_sed_ak(&W, ak), 0);
	/* The old format, made by hand: header | iv | AES-256-GCM | tag. */
	memcpy(box, "SVCCMP02", 8);
	n = 8;
	for (int i = 7; i >= 0; i--)
		box[n++] = (uint8_t)(st()->sed_ak_generation >> (8 * i));
	box[n++] = (uint8_t)strlen(TPKI_MT);
	memcpy(box + n, TPKI_MT, strlen(TPKI_MT));
	n += strlen(TPKI_MT);
	box[n++] = (uint8_t)strlen(TPKI_SN);
	memcpy(box + n, TPKI_SN, strlen(TPKI_SN));
	n += strlen(TPKI_SN);
	box[n++] = 0;
	memcpy(box + n, iv, sizeof(iv));
	assert_int_equal(aead_seal(key, iv, box, n, ak, 32, box + n + sizeof(iv)), 0);
	snprintf(dir, sizeof(dir), "%s/component", W.dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(path, sizeof(path), "%s/sed-ak.box", dir);
	assert_non_null(f = fopen(path, "wb"));
	fwrite(box, 1, n + sizeof(iv) + 32 + AEAD_TAG_LEN, f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/component.key", dir);
	assert_non_null(f = fopen(path, "wb"));
	fwrite(key, 1, sizeof(key), f);
	fclose(f);

	component_dir(&W, dir); /* a start: the sync rewrites it */
	dir_names(dir, names, sizeof(names));
	assert_string_equal(names, "sed-ak.box");
	assert_non_null(f = fopen(strcat(strcpy(path, dir), "/sed-ak.box"), "rb"));
	assert_int_equal(fread(box, 1, 8, f), 8);
	fclose(f);
	assert_memory_equal(box, "SVCCMP03", 8);
	/* CURRENT: it opens with the key store's key and holds this generation's AK. */
	assert_int_equal(device_info(&W).sed_backup_component, COMP(CURRENT));
}

/* The emergency reset: no default password; a one-time one only the requester reads. */
static void emergency_reset_one_time_password(void **state)
{
	const uint8_t *priv;
	const svcport_v1_SealedPassword *box;
	struct pwbox_binding bind = {.machine_type = TPKI_MT, .serial_number = TPKI_SN};
	char pw[64];

	set_password();
	tworld_body(&W, &body, TAG(claim), ROLE(ORG_ADMIN), TPKI_ORG);
	assert_int_equal(tworld_do(&W, &body), E(ERROR_NONE));
	/* Without the requester's key: refused, nothing changed. */
	tworld_body(&W, &body, TAG(emergency_password_reset), ROLE(MAINTENANCE), TPKI_ORG);
	body.action.emergency_password_reset.requester_public_key.size = 0;
	tworld_snap(&W, &snap);
	assert_int_equal(tworld_do(&W, &body), E(BAD_REQUEST));
	/* With a key that is not a P-256 point: the same. */
	tworld_body(&W, &body, TAG(emergency_password_reset), ROLE(MAINTENANCE), TPKI_ORG);
	body.action.emergency_password_reset.requester_public_key.bytes[64] ^= 1;
	assert_int_equal(tworld_do(&W, &body), E(BAD_REQUEST));
	assert_true(tworld_is_unchanged(&W, &snap));
	assert_int_equal(run(CMD(audit_verify), PW), AE(OK));

	tworld_body(&W, &body, TAG(emergency_password_reset), ROLE(MAINTENANCE), TPKI_ORG);
	assert_int_equal(tworld_do(&W, &body), E(ERROR_NONE));
	assert_true(tworld_last_result.has_one_time_password);
	assert_true(st()->reset_since_activation); /* the console's activate needs UEFI now */
	box = &tworld_last_result.one_time_password;
	priv = tpki_requester_key(NULL);
	bind.nonce = body.nonce.bytes;
	bind.nonce_len = body.nonce.size;
	assert_int_equal(pwbox_open(priv, box->device_public_key.bytes, &bind,
	                            box->ciphertext.bytes, box->ciphertext.size, tpki_rng, NULL, pw,
	                            sizeof(pw)),
	                 0);
	assert_int_equal(strlen(pw), 23); /* 80 bits: 4 groups of 4 and a check character */
	/* Neither the old password nor the label's opens the console; the one-time
	 * password does, and must be changed first. */
	new_req();
	assert_int_equal(run(CMD(audit_show), PW), AE(AUTH_FAILED));
	assert_int_equal(run(CMD(audit_show), TPKI_LABEL_PW), AE(AUTH_FAILED));
	assert_int_equal(run(CMD(audit_show), pw), AE(PASSWORD_MUST_CHANGE));
	/* "Changed" to itself, it would stay for good (attack pass on issue 13, L2). */
	snprintf(req.cmd.password_set.new_password, sizeof(req.cmd.password_set.new_password), "%s",
	         pw);
	tworld_snap(&W, &snap);
	assert_int_equal(run(CMD(password_set), pw), AE(INVALID_STATE));
	assert_non_null(strstr(rep.message, "the same as the current one"));
	assert_true(tworld_is_unchanged(&W, &snap));
	assert_true(st()->admin_password_must_change);
	new_req();
	strcpy(req.cmd.password_set.new_password, "a new one, mine");
	assert_int_equal(run(CMD(password_set), pw), AE(OK));
	/* Never on disk, in the state or the audit log. */
	assert_false(tworld_file_contains(&W, "state.pb", pw, strlen(pw)));
	assert_false(tworld_file_contains(&W, "audit.log", pw, strlen(pw)));
}

/* ------------------------------------------------ resets and activation (M3) */

#define UEFI_PW "uefi setup 1"

/* A BMC-managed server without SED (the key update of a blank board made it one),
 * activated once, its intrusion sensor on, the owner's UEFI password set if uefi. */
static void bmc_server_without_sed(bool uefi)
{
	key_update_as(svcport_v1_ControlMode_CONTROL_BMC_MANAGED, false);
	assert_false(st()->sed_enabled);
	set_password();
	assert_int_equal(run(CMD(activate), PW), AE(OK));
	new_req();
	req.cmd.sensors_set.has_sensors = true;
	req.cmd.sensors_set.sensors.intrusion_enabled = true;
	assert_int_equal(run(CMD(sensors_set), PW), AE(OK));
	new_req();
	if (uefi) {
		strcpy(req.cmd.uefi_password_set.new_password, UEFI_PW);
		assert_int_equal(run(CMD(uefi_password_set), PW), AE(OK));
		new_req();
	}
	assert_int_equal(st()->lockdown_state, ACTIVE);
	assert_false(st()->reset_since_activation);
}

static void thief_opens_and_resets(void)
{
	struct bmc_outcome o;

	assert_int_equal(bmc_hardware_event(W.bmc, BMC_HW_COVER_OPENED, &o), 0);
	assert_int_equal(st()->lockdown_state, LOCKED);
	/* The handset (no keyboard: it cannot be asked for a password) resets it to the
	 * label's, which is on the board; nothing is cleared without SED. */
	assert_int_equal(bmc_hardware_event(W.bmc, BMC_HW_HANDSET_PASSWORD_RESET, &o), 0);
	assert_true(st()->reset_since_activation);
	W.now_ms += 60000;
	set_password();
}

/*
 * Attack pass on issue 13, M3: on a server without SED a reset clears nothing,
 * so handset reset, the label's password and `activate` reopened a tampered
 * BMC-managed board. After a reset, the console's activate needs the UEFI
 * password: the thief's chain ends LOCKED, the owner's goes on with it.
 */
static void reset_then_activate_needs_uefi(void **state)
{
	char detail[160];

	bmc_server_without_sed(true);
	thief_opens_and_resets();
	tworld_snap(&W, &snap);
	assert_int_equal(run(CMD(activate), PW), AE(UEFI_AUTH_FAILED));
	assert_non_null(strstr(rep.message, "reset since the last activation"));
	strcpy(req.cmd.activate.uefi_password, "a guess!");
	assert_int_equal(run(CMD(activate), PW), AE(UEFI_AUTH_FAILED));
	assert_true(tworld_is_unchanged(&W, &snap));
	assert_int_equal(st()->lockdown_state, LOCKED);
	assert_int_equal(bmc_security_led(st()), svcport_v1_SecurityLed_LED_BLINKING);

	/* The owner knows the host firmware's password. */
	new_req();
	strcpy(req.cmd.activate.uefi_password, UEFI_PW);
	assert_int_equal(run(CMD(activate), PW), AE(OK));
	assert_int_equal(st()->lockdown_state, ACTIVE);
	assert_false(st()->reset_since_activation);
	assert_string_equal(last_record().event, "admin-activate");
	snprintf(detail, sizeof(detail), "%s", last_record().detail);
	assert_string_equal(detail, "after a reset: uefi=checked");
	/* No reset since: the next lock lifts with the console's login alone. */
	new_req();
	req.cmd.tamper.kind = svcport_admin_v1_TamperKind_TAMPER_INTRUSION;
	assert_int_equal(run(CMD(tamper), PW), AE(OK));
	new_req();
	assert_int_equal(run(CMD(activate), PW), AE(OK));
}

/* A portal-signed Activate is not gated by the reset; the emergency reset sets the gate. */
static void portal_activate_after_reset(void **state)
{
	bmc_server_without_sed(true);
	thief_opens_and_resets();
	assert_int_equal(activate(), E(ERROR_NONE));
	assert_int_equal(st()->lockdown_state, ACTIVE);
	assert_false(st()->reset_since_activation);
}

/* No UEFI password: a reset gives `activate` to whoever did it; the reply and the
 * audit record say so (and `status`, bmcctl: "a BMC reset: gives ..."). */
static void reset_without_uefi_is_said(void **state)
{
	bmc_server_without_sed(false);
	thief_opens_and_resets();
	assert_int_equal(run(CMD(status), PW), AE(OK));
	assert_true(rep.body.status.reset_since_activation);
	new_req();
	assert_int_equal(run(CMD(activate), PW), AE(OK));
	assert_non_null(strstr(rep.message, "no UEFI password set"));
	assert_string_equal(last_record().detail, "after a reset: uefi=none");
}

/* ------------------------------------------- resets not yet confirmed (bmc13c) */

static void tamper_now(void)
{
	new_req();
	req.cmd.tamper.kind = svcport_admin_v1_TamperKind_TAMPER_INTRUSION;
	assert_int_equal(run(CMD(tamper), PW), AE(OK));
	assert_int_equal(st()->lockdown_state, LOCKED);
	new_req();
}

/*
 * Re-attack A: a portal-signed Activate after a reset cleared the gate, and the
 * password the reset handed out lifted the next tamper lock by a login alone.
 * Only the Administrator+'s activation with the UEFI password confirms a reset.
 */
static void reset_stays_open_until_confirmed(void **state)
{
	bmc_server_without_sed(true);
	thief_opens_and_resets();
	assert_true(st()->reset_unconfirmed);
	assert_int_equal(activate(), E(ERROR_NONE)); /* the portal: not a confirmation */
	assert_false(st()->reset_since_activation);
	assert_true(st()->reset_unconfirmed);
	tamper_now();
	tworld_snap(&W, &snap);
	assert_int_equal(run(CMD(activate), PW), AE(UEFI_AUTH_FAILED));
	assert_non_null(strstr(rep.message, "has not confirmed it"));
	assert_true(tworld_is_unchanged(&W, &snap));
	assert_int_equal(run(CMD(status), PW), AE(OK));
	assert_true(rep.body.status.reset_unconfirmed);
	/* The owner confirms it; the next lock lifts with the login alone again. */
	new_req();
	strcpy(req.cmd.activate.uefi_password, UEFI_PW);
	assert_int_equal(run(CMD(activate), PW), AE(OK));
	assert_false(st()->reset_unconfirmed);
	tamper_now();
	assert_int_equal(run(CMD(activate), PW), AE(OK));
}

/* An account made while a reset is open would outlive its confirmation. */
static void no_account_while_reset_open(void **state)
{
	bmc_server_without_sed(true);
	thief_opens_and_resets();
	new_req();
	strcpy(req.cmd.account_add.name, "thief");
	req.cmd.account_add.role = svcport_v1_ConsoleRole_CONSOLE_ADMINISTRATOR;
	strcpy(req.cmd.account_add.password, "thief's own");
	tworld_snap(&W, &snap);
	assert_int_equal(run(CMD(account_add), PW), AE(INVALID_STATE));
	assert_non_null(strstr(rep.message, "before adding accounts"));
	assert_true(tworld_is_unchanged(&W, &snap));
	assert_int_equal(st()->accounts_count, 0);
	/* After the owner's confirmation the same request is taken. */
	new_req();
	strcpy(req.cmd.activate.uefi_password, UEFI_PW);
	assert_int_equal(run(CMD(activate), PW), AE(OK));
	new_req();
	strcpy(req.cmd.account_add.name, "tech");
	req.cmd.account_add.role = svcport_v1_ConsoleRole_CONSOLE_ADMINISTRATOR;
	strcpy(req.cmd.account_add.password, "tech's own");
	assert_int_equal(run(CMD(account_add), PW), AE(OK));
}

/* An active BMC-managed server with SED, the AK backed up, the UEFI password set
 * if uefi, the handset's password reset clearing the AK or not (clears). */
static void sed_server(bool uefi, bool clears)
{
	key_update_as(svcport_v1_ControlMode_CONTROL_BMC_MANAGED, false);
	set_password();
	assert_int_equal(run(CMD(sed_enable), PW), AE(OK));
	new_req();
	assert_int_equal(run(CMD(activate), PW), AE(OK));
	new_req();
	strcpy(req.cmd.policy_set.name, "password-reset-clears-sed-ak");
	req.cmd.policy_set.value = clears;
	assert_int_equal(run(CMD(policy_set), PW), AE(OK));
	new_req();
	if (uefi) {
		strcpy(req.cmd.uefi_password_set.new_password, UEFI_PW);
		assert_int_equal(run(CMD(uefi_password_set), PW), AE(OK));
		new_req();
	}
	assert_int_equal(st()->lockdown_state, ACTIVE);
	assert_true(st()->sed_ak_present);
}

static svcport_admin_v1_AdminError backup_with(const char *uefi)
{
	new_req();
	strcpy(req.cmd.sed_backup.backup_passphrase, "a backup passphrase");
	if (uefi)
		strcpy(req.cmd.sed_backup.uefi_password, uefi);
	return run(CMD(sed_backup), PW);
}

static void handset_reset(void)
{
	struct bmc_outcome o;

	assert_int_equal(bmc_hardware_event(W.bmc, BMC_HW_HANDSET_PASSWORD_RESET, &o), 0);
	assert_true(st()->reset_since_activation);
	W.now_ms += 60000;
	set_password();
}

/*
 * Re-attack B: with password-reset-clears-sed-ak false, a handset reset of an
 * ACTIVE server gave the AK to `sed backup` without the UEFI password.
 */
static void backup_after_reset_needs_uefi(void **state)
{
	sed_server(true, false);
	assert_int_equal(backup_with(NULL), AE(OK)); /* no reset: the login alone */
	handset_reset();
	assert_int_equal(st()->lockdown_state, ACTIVE); /* the policy kept the AK */
	tworld_snap(&W, &snap);
	assert_int_equal(backup_with(NULL), AE(UEFI_AUTH_FAILED));
	assert_null(strstr((char *)rep.message, "backup written"));
	assert_int_equal(rep.which_body, 0);
	assert_int_equal(backup_with("a guess!"), AE(UEFI_AUTH_FAILED));
	assert_int_equal(rep.which_body, 0);
	assert_true(tworld_is_unchanged(&W, &snap));
	assert_int_equal(backup_with(UEFI_PW), AE(OK));
	assert_int_equal(rep.which_body, svcport_admin_v1_AdminReply_sed_backup_tag);
}

/* The default policy clears the AK: nothing to back up at all. */
static void backup_after_reset_default_policy(void **state)
{
	sed_server(true, true);
	handset_reset();
	assert_int_equal(st()->lockdown_state, LOCKED);
	tworld_snap(&W, &snap);
	assert_int_equal(backup_with(UEFI_PW), AE(INVALID_STATE));
	assert_int_equal(rep.which_body, 0);
	assert_true(tworld_is_unchanged(&W, &snap));
}

/* No UEFI password: after a reset the backup waits for an activation. */
static void backup_after_reset_without_uefi(void **state)
{
	sed_server(false, false);
	handset_reset();
	tworld_snap(&W, &snap);
	assert_int_equal(backup_with(NULL), AE(INVALID_STATE));
	assert_non_null(strstr(rep.message, "activate before a backup"));
	assert_true(tworld_is_unchanged(&W, &snap));
	new_req();
	assert_int_equal(run(CMD(activate), PW), AE(OK));
	assert_int_equal(backup_with(NULL), AE(OK));
}

/* Names the entries of dir are, for "nothing was written there". */
static bool is_empty_dir(const char *dir)
{
	char names[256];

	dir_names(dir, names, sizeof(names));
	return names[0] == 0;
}

/*
 * Re-attack 13c, H1: on a LOCKED board, whatever component was fitted got the AK
 * at the next start (a thief's empty folders: bmcd drew the key into his chip and
 * sealed the AK under it). The copy now waits for an ACTIVE board: the start
 * writes nothing, an AK change while locked is not copied, the activation copies.
 */
static void component_waits_for_active(void **state)
{
	char dir[PATH_MAX];

	assert_int_equal(st()->lockdown_state, LOCKED);
	assert_true(st()->sed_ak_present);
	snprintf(dir, sizeof(dir), "%s/component", W.dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	component_dir(&W, dir); /* fitted, then a start */
	assert_true(is_empty_dir(dir));
	if (!is_token())
		assert_true(is_empty_dir(W.sed_component_key));
	assert_int_equal(device_info(&W).sed_backup_component, COMP(EMPTY));
	/* An AK change while locked: in force, not copied, and said. */
	set_password();
	strcpy(req.cmd.sed_passphrase.passphrase, "sixteen chars ok");
	strcpy(req.cmd.sed_passphrase.drive_set, "rack-7");
	assert_int_equal(run(CMD(sed_passphrase), PW), AE(OK));
	assert_non_null(strstr(rep.message, "at the next activation"));
	assert_true(is_empty_dir(dir));
	/* The activation copies the board's AK. */
	tworld_body(&W, &body, TAG(claim), ROLE(ORG_ADMIN), TPKI_ORG);
	assert_int_equal(tworld_do(&W, &body), E(ERROR_NONE));
	assert_int_equal(activate(), E(ERROR_NONE));
	assert_int_equal(device_info(&W).sed_backup_component, COMP(CURRENT));
	assert_false(is_empty_dir(dir));
}

/* An old-format box (its key beside it: anyone can make one) of this server
 * holding ak at generation gen, in dir. */
static void old_box_write(const char *dir, uint64_t gen, const uint8_t ak[32])
{
	static const uint8_t key[AEAD_KEY_LEN] = {7}, iv[AEAD_IV_LEN] = {9};
	char path[PATH_MAX + 32];
	uint8_t box[256];
	size_t n = 8;
	FILE *f;

	memcpy(box, "SVCCMP02", 8);
	for (int i = 7; i >= 0; i--)
		box[n++] = (uint8_t)(gen >> (8 * i));
	box[n++] = (uint8_t)strlen(TPKI_MT);
	memcpy(box + n, TPKI_MT, strlen(TPKI_MT));
	n += strlen(TPKI_MT);
	box[n++] = (uint8_t)strlen(TPKI_SN);
	memcpy(box + n, TPKI_SN, strlen(TPKI_SN));
	n += strlen(TPKI_SN);
	box[n++] = 0;
	memcpy(box + n, iv, sizeof(iv));
	assert_int_equal(aead_seal(key, iv, box, n, ak, 32, box + n + sizeof(iv)), 0);
	snprintf(path, sizeof(path), "%s/sed-ak.box", dir);
	assert_non_null(f = fopen(path, "wb"));
	assert_int_equal(fwrite(box, 1, n + sizeof(iv) + 32 + AEAD_TAG_LEN, f),
	                 n + sizeof(iv) + 32 + AEAD_TAG_LEN);
	assert_int_equal(fclose(f), 0);
	snprintf(path, sizeof(path), "%s/component.key", dir);
	assert_non_null(f = fopen(path, "wb"));
	assert_int_equal(fwrite(key, 1, sizeof(key), f), sizeof(key));
	assert_int_equal(fclose(f), 0);
}

/* The whole of path into buf; its length. */
static size_t file_get(const char *path, uint8_t *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

static void file_put(const char *path, const uint8_t *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/*
 * Re-attack 13c, H2: the board took the generation of the component's copy, a
 * header only the component's key vouches for. A forged copy at 2^64-1, an AK
 * change (the generation wrapped to 0), and the real copy from before the reset
 * restored: the reset undone, the drives back. The generation now only goes up.
 */
static void component_generation_is_the_boards(void **state)
{
	char dir[PATH_MAX], path[PATH_MAX + 32];
	uint8_t real[256], mine[32], got[32];
	size_t real_len;
	uint64_t gen;

	sed_server(false, true);
	snprintf(dir, sizeof(dir), "%s/component", W.dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	component_dir(&W, dir);
	assert_int_equal(device_info(&W).sed_backup_component, COMP(CURRENT));
	snprintf(path, sizeof(path), "%s/sed-ak.box", dir);
	real_len = file_get(path, real, sizeof(real)); /* the thief's copy of it */
	handset_reset();                               /* clears the AK: generation + 1 */
	assert_false(st()->sed_ak_present);
	gen = st()->sed_ak_generation;
	new_req();
	assert_int_equal(run(CMD(sed_component_restore), PW), AE(INVALID_STATE));

	memset(mine, 0x33, sizeof(mine));
	old_box_write(dir, UINT64_MAX, mine);
	new_req();
	assert_int_equal(run(CMD(sed_component_restore), PW), AE(OK));
	assert_int_equal(tworld_sed_ak(&W, got), 0);
	assert_memory_equal(got, mine, 32);
	assert_true(st()->sed_ak_generation == gen + 1); /* never the copy's */
	new_req();
	strcpy(req.cmd.sed_passphrase.passphrase, "sixteen chars ok");
	strcpy(req.cmd.sed_passphrase.drive_set, "rack-7");
	assert_int_equal(run(CMD(sed_passphrase), PW), AE(OK));
	assert_true(st()->sed_ak_generation == gen + 2);

	/* The real copy from before the reset, put back: still older, refused. */
	file_put(path, real, real_len);
	tworld_snap(&W, &snap);
	new_req();
	assert_int_equal(run(CMD(sed_component_restore), PW), AE(INVALID_STATE));
	assert_true(tworld_is_unchanged(&W, &snap));
}

/*
 * Re-attack 13c, M2: after a reset cleared the AK the component's older copy was
 * reported RESTORABLE, its restore refused and `sed generate` refused because of
 * it: an owner without a backup could never use the server again.
 */
static void component_copy_before_reset_is_not_restorable(void **state)
{
	char dir[PATH_MAX];

	sed_server(false, true);
	snprintf(dir, sizeof(dir), "%s/component", W.dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	component_dir(&W, dir);
	handset_reset();
	assert_int_equal(device_info(&W).sed_backup_component, COMP(EMPTY));
	new_req();
	assert_int_equal(run(CMD(status), PW), AE(OK));
	assert_non_null(strstr(rep.body.status.sed_backup_component_detail, "not restorable"));
	new_req();
	req.cmd.sed_generate.erase_drives = true;
	assert_int_equal(run(CMD(sed_generate), PW), AE(OK));
	assert_true(st()->sed_ak_present);
}

/* One console change in a reset's window: refused (INVALID_STATE), nothing changed. */
static void refused_in_window(void)
{
	tworld_snap(&W, &snap);
	assert_int_equal(run(req.which_cmd, PW), AE(INVALID_STATE));
	assert_non_null(strstr(rep.message, "has not confirmed it"));
	assert_true(tworld_is_unchanged(&W, &snap));
}

/*
 * Re-attack 13c, M1: in a reset's window the new Administrator+ (whoever reset
 * the BMC) loosened sensors and policies and chose the first UEFI password; all
 * of it outlived the owner's confirmation, the UEFI password locked him out.
 */
static void reset_window_refuses_weakening(void **state)
{
	sed_server(false, false); /* the policy keeps the AK: ACTIVE after the reset */
	new_req();
	req.cmd.sensors_set.has_sensors = true;
	req.cmd.sensors_set.sensors.intrusion_enabled = true;
	req.cmd.sensors_set.sensors.motion_enabled = true;
	req.cmd.sensors_set.sensors.motion_step_threshold = 5;
	assert_int_equal(run(CMD(sensors_set), PW), AE(OK));
	handset_reset();

	new_req();
	req.cmd.sensors_set.has_sensors = true;
	req.cmd.sensors_set.sensors.motion_enabled = true;
	req.cmd.sensors_set.sensors.motion_step_threshold = 5;
	req.which_cmd = CMD(sensors_set);
	refused_in_window(); /* the intrusion sensor off */
	new_req();
	strcpy(req.cmd.policy_set.name, "ble-presence");
	req.cmd.policy_set.value = true;
	req.which_cmd = CMD(policy_set);
	refused_in_window();
	new_req();
	strcpy(req.cmd.uefi_password_set.new_password, "the thief's");
	req.which_cmd = CMD(uefi_password_set);
	refused_in_window();
	/* The protective direction stays open. */
	new_req();
	strcpy(req.cmd.policy_set.name, "password-reset-clears-sed-ak");
	req.cmd.policy_set.value = true;
	assert_int_equal(run(CMD(policy_set), PW), AE(OK));
	/* The Administrator+'s activation confirms the reset: then all of it. */
	new_req();
	assert_int_equal(run(CMD(activate), PW), AE(OK));
	assert_false(st()->reset_unconfirmed);
	new_req();
	strcpy(req.cmd.uefi_password_set.new_password, UEFI_PW);
	assert_int_equal(run(CMD(uefi_password_set), PW), AE(OK));
	new_req();
	strcpy(req.cmd.policy_set.name, "ble-presence");
	req.cmd.policy_set.value = true;
	assert_int_equal(run(CMD(policy_set), PW), AE(OK));
}

/* The component at path, its chip (a file key store) at path-key on both
 * back-ends: a thief brings his own chip, whatever the board's SE is. */
static void component_fit(struct tworld *w, const char *path)
{
	snprintf(w->sed_component, sizeof(w->sed_component), "%s", path);
	snprintf(w->sed_component_key, sizeof(w->sed_component_key), "%s-key", path);
	if (mkdir(path, 0700) < 0)
		assert_int_equal(errno, EEXIST);
	if (mkdir(w->sed_component_key, 0700) < 0)
		assert_int_equal(errno, EEXIST);
	tworld_reopen(w);
}

static const char *component_detail(void)
{
	new_req();
	assert_int_equal(run(CMD(status), PW), AE(OK));
	return rep.body.status.sed_backup_component_detail;
}

/* sed_server() with the intrusion sensor on, so tamper_now() locks it. */
static void sed_server_guarded(bool uefi, bool clears)
{
	sed_server(uefi, clears);
	new_req();
	req.cmd.sensors_set.has_sensors = true;
	req.cmd.sensors_set.sensors.intrusion_enabled = true;
	assert_int_equal(run(CMD(sensors_set), PW), AE(OK));
	new_req();
}

static svcport_admin_v1_AdminError adopt_with(const char *uefi)
{
	new_req();
	if (uefi)
		strcpy(req.cmd.sed_component_adopt.uefi_password, uefi);
	return run(CMD(sed_component_adopt), PW);
}

/*
 * Re-attack 13c, M5 and L1: the component was not paired with the board. A thief
 * fits his blank component (flash and chip) while the server is locked; at the
 * owner's next activation it got the AK, and he came back for it. Now the first
 * fill pairs (audited, as every automatic copy), a different component gets
 * nothing and is reported until the Administrator+ adopts it, audited.
 */
static void component_paired_with_board(void **state)
{
	char dir[PATH_MAX], thief[PATH_MAX], path[PATH_MAX + 32];
	uint8_t before[256], after[256];
	size_t n;

	sed_server_guarded(false, true);
	snprintf(dir, sizeof(dir), "%s/component", W.dir);
	component_fit(&W, dir);
	assert_int_equal(device_info(&W).sed_backup_component, COMP(CURRENT));
	/* L1: the automatic copy is audited, with its generation; it paired. */
	assert_string_equal(last_event(&W), "sed-component-write");
	assert_non_null(strstr(record_back(&W, 0).detail, "generation=1 paired"));

	/* The thief: the server locked, his blank component fitted (a restart). */
	tamper_now();
	snprintf(thief, sizeof(thief), "%s/thief", W.dir);
	component_fit(&W, thief);
	/* The owner activates: the thief's component gets nothing, and status says why. */
	new_req();
	assert_int_equal(run(CMD(activate), PW), AE(OK));
	assert_int_equal(st()->lockdown_state, ACTIVE);
	assert_true(is_empty_dir(thief));
	assert_true(is_empty_dir(W.sed_component_key));
	assert_non_null(strstr(component_detail(), "a different component is fitted"));
	assert_non_null(strstr(component_detail(), "sed component adopt"));
	/* Neither at a restart nor at an AK change. */
	tworld_reopen(&W);
	new_req();
	strcpy(req.cmd.sed_passphrase.passphrase, "sixteen chars ok");
	strcpy(req.cmd.sed_passphrase.drive_set, "rack-7");
	assert_int_equal(run(CMD(sed_passphrase), PW), AE(OK));
	assert_non_null(strstr(rep.message, "a different component is fitted"));
	assert_true(is_empty_dir(thief));
	assert_true(is_empty_dir(W.sed_component_key));

	/* Adopt: refused while locked, nothing written. */
	tamper_now();
	tworld_snap(&W, &snap);
	assert_int_equal(adopt_with(NULL), AE(INVALID_STATE));
	assert_true(tworld_is_unchanged(&W, &snap));
	assert_true(is_empty_dir(thief));
	new_req();
	assert_int_equal(run(CMD(activate), PW), AE(OK));
	/* The Administrator+ adopts it: audited, paired, the AK copied. */
	assert_int_equal(adopt_with(NULL), AE(OK));
	assert_string_equal(record_back(&W, 1).event, "sed-component-adopt");
	assert_string_equal(last_event(&W), "sed-component-write");
	assert_non_null(strstr(record_back(&W, 0).detail, "paired"));
	assert_int_equal(device_info(&W).sed_backup_component, COMP(CURRENT));
	assert_false(is_empty_dir(thief));
	assert_int_equal(adopt_with(NULL), AE(INVALID_STATE)); /* already this board's */

	/* Now the first component is the different one: it keeps its old copy. */
	snprintf(path, sizeof(path), "%s/sed-ak.box", dir);
	n = file_get(path, before, sizeof(before));
	component_fit(&W, dir);
	assert_non_null(strstr(component_detail(), "a different component is fitted"));
	new_req();
	strcpy(req.cmd.sed_passphrase.passphrase, "sixteen chars ok!");
	strcpy(req.cmd.sed_passphrase.drive_set, "rack-7");
	assert_int_equal(run(CMD(sed_passphrase), PW), AE(OK));
	assert_non_null(strstr(rep.message, "a different component is fitted"));
	assert_int_equal(file_get(path, after, sizeof(after)), n);
	assert_memory_equal(before, after, n);
}

/* While a reset is open, adopting a component needs the UEFI password (when set). */
static void component_adopt_after_reset_needs_uefi(void **state)
{
	char dir[PATH_MAX], other_dir[PATH_MAX];

	sed_server(true, false);
	snprintf(dir, sizeof(dir), "%s/component", W.dir);
	component_fit(&W, dir);
	snprintf(other_dir, sizeof(other_dir), "%s/other", W.dir);
	component_fit(&W, other_dir);
	handset_reset();
	tworld_snap(&W, &snap);
	assert_int_equal(adopt_with(NULL), AE(UEFI_AUTH_FAILED));
	assert_true(tworld_is_unchanged(&W, &snap));
	assert_int_equal(adopt_with("not the uefi pw"), AE(UEFI_AUTH_FAILED));
	assert_true(is_empty_dir(other_dir));
}

/* A box of this server under the component's key: SVCCMP03, generation gen. */
static void box_v3_write(const char *dir, const char *key_path, uint64_t gen, const uint8_t ak[32])
{
	static const uint8_t iv[AEAD_IV_LEN] = {3};
	uint8_t box[256], key[AEAD_KEY_LEN];
	char path[PATH_MAX + 32];
	size_t n = 8;

	assert_int_equal(file_get(key_path, key, sizeof(key)), sizeof(key));
	memcpy(box, "SVCCMP03", 8);
	for (int i = 7; i >= 0; i--)
		box[n++] = (uint8_t)(gen >> (8 * i));
	box[n++] = (uint8_t)strlen(TPKI_MT);
	memcpy(box + n, TPKI_MT, strlen(TPKI_MT));
	n += strlen(TPKI_MT);
	box[n++] = (uint8_t)strlen(TPKI_SN);
	memcpy(box + n, TPKI_SN, strlen(TPKI_SN));
	n += strlen(TPKI_SN);
	box[n++] = 0;
	memcpy(box + n, iv, sizeof(iv));
	assert_int_equal(aead_seal(key, iv, box, n, ak, 32, box + n + sizeof(iv)), 0);
	snprintf(path, sizeof(path), "%s/sed-ak.box", dir);
	file_put(path, box, n + sizeof(iv) + 32 + AEAD_TAG_LEN);
}

/*
 * Re-attack 13c, L2: CURRENT was said when the generations matched, whatever AK
 * the copy held. A copy of this generation holding another AK is not CURRENT;
 * the paired component gets the board's AK at the next activation.
 */
static void component_current_means_this_ak(void **state)
{
	char dir[PATH_MAX], key_path[PATH_MAX + 32];
	uint8_t other_ak[32];

	sed_server_guarded(false, true);
	snprintf(dir, sizeof(dir), "%s/component", W.dir);
	component_fit(&W, dir);
	assert_int_equal(device_info(&W).sed_backup_component, COMP(CURRENT));
	snprintf(key_path, sizeof(key_path), "%s/sed-component.key", W.sed_component_key);
	memset(other_ak, 0x42, sizeof(other_ak));
	box_v3_write(dir, key_path, st()->sed_ak_generation, other_ak);
	assert_int_not_equal(device_info(&W).sed_backup_component, COMP(CURRENT));
	assert_non_null(strstr(component_detail(), "another AK"));
	tamper_now();
	new_req();
	assert_int_equal(run(CMD(activate), PW), AE(OK));
	assert_int_equal(device_info(&W).sed_backup_component, COMP(CURRENT));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(board_swap_keeps_sed, setup_blank, teardown),
	    cmocka_unit_test_setup_teardown(activate_names_the_missing_ak, setup_blank, teardown),
	    cmocka_unit_test_setup_teardown(passphrase_ak_is_the_drive_sets, setup_bmc, teardown),
	    cmocka_unit_test_setup_teardown(backup_of_another_server, setup_bmc, teardown),
	    cmocka_unit_test_setup_teardown(component_backs_up_and_restores, setup_blank, teardown),
	    cmocka_unit_test_setup_teardown(component_absent_or_unhealthy, setup_bmc, teardown),
	    cmocka_unit_test_setup_teardown(emergency_reset_one_time_password, setup_portal,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(reset_then_activate_needs_uefi, setup_blank, teardown),
	    cmocka_unit_test_setup_teardown(portal_activate_after_reset, setup_blank, teardown),
	    cmocka_unit_test_setup_teardown(reset_without_uefi_is_said, setup_blank, teardown),
	    cmocka_unit_test_setup_teardown(component_holds_only_the_box, setup_bmc, teardown),
	    cmocka_unit_test_setup_teardown(component_old_format_migrates, setup_bmc, teardown),
	    cmocka_unit_test_setup_teardown(reset_stays_open_until_confirmed, setup_blank,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(no_account_while_reset_open, setup_blank, teardown),
	    cmocka_unit_test_setup_teardown(backup_after_reset_needs_uefi, setup_blank, teardown),
	    cmocka_unit_test_setup_teardown(backup_after_reset_default_policy, setup_blank,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(backup_after_reset_without_uefi, setup_blank, teardown),
	    cmocka_unit_test_setup_teardown(component_waits_for_active, setup_portal, teardown),
	    cmocka_unit_test_setup_teardown(component_generation_is_the_boards, setup_blank,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(component_copy_before_reset_is_not_restorable,
	                                    setup_blank, teardown),
	    cmocka_unit_test_setup_teardown(reset_window_refuses_weakening, setup_blank, teardown),
	    cmocka_unit_test_setup_teardown(component_paired_with_board, setup_blank, teardown),
	    cmocka_unit_test_setup_teardown(component_adopt_after_reset_needs_uefi, setup_blank,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(component_current_means_this_ak, setup_blank, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
