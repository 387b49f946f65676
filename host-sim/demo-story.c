// SPDX-License-Identifier: GPL-2.0-or-later
/* The demo's story: one function per step, in the table at the end. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo.h"

#define BACKUP_PASS "--backup-passphrase", "demo backup pass"
/* What the server's host writes to its self-encrypting drive (one word: captured whole). */
#define DRIVE_DATA "acme-ledger:42-crates"
/* bmcd's answer to a locked server's host firmware, but its last word ("booting"). */
#define LOCKED_BUT_LAST "System is locked down and must be activated in order to complete "

/* The board's label: the factory folder's admin-password (issue 13: no default). */
static bool read_label(struct demo *d, const char *factory)
{
	char path[PATH_MAX + 32];
	FILE *f;
	bool ok;

	snprintf(path, sizeof(path), "%s/admin-password", factory);
	f = fopen(path, "re");
	ok = f && fgets(d->label, sizeof(d->label), f);
	if (f)
		fclose(f);
	d->label[strcspn(d->label, "\n")] = 0;
	return ok && d->label[0];
}

/* `svcport-bmcctl --json [--password pw] arg` (arg NULL: `sensors show`) answers key
 * then want. */
static bool bmcctl_says(struct demo *d, const char *pw, const char *arg, const char *key,
                        const char *want)
{
	char rest[256] = "";

	if (pw && arg)
		run_v(d,
		      ARGV(d->bins.bmcctl, "--admin-socket", d->admin, "--json", "--password",
		           (char *)pw, (char *)arg),
		      key, rest, sizeof(rest));
	else if (pw)
		run_v(d,
		      ARGV(d->bins.bmcctl, "--admin-socket", d->admin, "--json", "--password",
		           (char *)pw, "sensors", "show"),
		      key, rest, sizeof(rest));
	else
		run_v(d, ARGV(d->bins.bmcctl, "--admin-socket", d->admin, "--json", (char *)arg),
		      key, rest, sizeof(rest));
	return strncmp(rest, want, strlen(want)) == 0;
}

static bool st_portal_init(struct demo *d)
{
	return sim(d, ARGV(S, "portal", P, "init")) == 0;
}

static bool st_portal_org(struct demo *d)
{
	bool ok;

	ok = sim(d, ARGV(S, "portal", P, "org", "add", "acme")) == 0;
	ok = ok && sim(d, ARGV(S, "portal", P, "user", "add", "alice", "--org", "acme", "--role",
	                       "org-admin", "--password-file", pwf(d, "alice"))) == 0;
	ok = ok && sim(d, ARGV(S, "portal", P, "user", "add", "eddie", "--org", "acme", "--role",
	                       "edge-user", "--password-file", pwf(d, "eddie"))) == 0;
	ok = ok && sim(d, ARGV(S, "portal", P, "user", "add", "mona", "--org", "acme", "--role",
	                       "maintenance", "--password-file", pwf(d, "mona"))) == 0;
	ok = ok && sim(d, ARGV(S, "portal", P, "user", "add", "bob", "--org", "acme", "--role",
	                       "base", "--password-file", pwf(d, "bob"))) == 0;
	return ok;
}

static bool st_portal_service(struct demo *d)
{
	snprintf(d->ca, sizeof(d->ca), "%s/portal-ca.pem", d->tmp);
	return service_start(d) &&
	       sim(d, ARGV(S, "portal", P, "https", "download", "--out", d->ca)) == 0;
}

static bool st_manufacture(struct demo *d)
{
	bool ok;

	ok = run_v(d,
	           ARGV(S, "portal", P, "device", "manufacture", "--mt", MT, "--sn", SN, "--out",
	                d->fac, "--control", "portal"),
	           "secure activation code ", d->code, sizeof(d->code)) == 0;
	return ok && d->code[0] && read_label(d, d->fac);
}

/*
 * The laptop trusts the BMC's internal CA: the last certificate of the chain bmcd exported
 * to the server's link dir (DIR/link: `server up` passes bmcd --link-dir and
 * --mgmt-addresses, so the link certificate names 127.0.0.1; docs/certs.md), which
 * svcportd's https: link serves. Written to d->link_ca.
 */
static bool link_ca_extract(struct demo *d)
{
	char chain[PATH_MAX + 32], buf[16384];
	const char *begin = "-----BEGIN CERTIFICATE-----", *last = NULL;
	FILE *f;
	size_t n;

	snprintf(chain, sizeof(chain), "%s/link-chain.pem", d->link_dir);
	snprintf(d->link_ca, sizeof(d->link_ca), "%s/bmc-ca.pem", d->tmp);
	if (!(f = fopen(chain, "re")))
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	for (const char *p = buf; (p = strstr(p, begin)); p++)
		last = p;
	if (!last || !(f = fopen(d->link_ca, "we")))
		return false;
	fputs(last, f);
	return fclose(f) == 0;
}

/* https:127.0.0.1:PORT from svcportd's "listening on 127.0.0.1 port N" (logged before ready). */
static bool https_spec_read(struct demo *d)
{
	char log[PATH_MAX + 32], line[512];
	unsigned port = 0;
	const char *at;
	FILE *f;

	snprintf(log, sizeof(log), "%s/svcportd.log", d->srv);
	if (!(f = fopen(log, "re")))
		return false;
	while (!port && fgets(line, sizeof(line), f))
		if (strstr(line, "link https:") && (at = strstr(line, " port ")))
			port = (unsigned)strtoul(at + 6, NULL, 10);
	fclose(f);
	snprintf(d->https, sizeof(d->https), "https:127.0.0.1:%u", port);
	return port > 0;
}

static bool st_rack(struct demo *d)
{
	bool ok;

	set_links(d, d->srv);
	snprintf(d->capture, sizeof(d->capture), "%s/capture.btsnoop", d->srv);
	snprintf(d->link_dir, sizeof(d->link_dir), "%s/link", d->srv);
	ok = sim(d, ARGV(S, "server", "up", "--dir", d->srv, "--factory", d->fac, "--bin-dir",
	                 (char *)d->bin_dir, "--se", (char *)d->se, "--capture", d->capture,
	                 "--link", "https:127.0.0.1:0", "--gateway-arg", "--link-dir",
	                 "--gateway-arg", d->link_dir)) == 0;
	ok = ok && https_spec_read(d) && link_ca_extract(d);
	ok = ok && sim(d, ARGV(S, "app", "--link", d->ble, "info", "--expect-state", "LOCKED",
	                       "--expect-owner", "")) == 0;
	return ok;
}

static bool st_claim_ble(struct demo *d)
{
	bool ok;

	ok = sim(d, ARGV(S, "portal", P, "claim", "--org", "acme", "--mt", MT, "--sn", SN, "--code",
	                 d->code)) == 0;
	ok = ok && sim(d, ARGV(S, "app", "--link", d->ble, API("alice"), "claim")) == 0;
	ok = ok && sim(d, ARGV(S, "app", "--link", d->ble, "info", "--expect-owner", "acme")) == 0;
	return ok;
}

static bool st_activate_ble(struct demo *d)
{
	bool ok;

	ok = sim(d, ARGV(S, "app", "--link", d->ble, API("eddie"), "activate")) == 0;
	ok =
	    ok && sim(d, ARGV(S, "app", "--link", d->ble, "info", "--expect-state", "ACTIVE")) == 0;
	return ok;
}

static bool st_sensors(struct demo *d)
{
	bool ok;

	ok = sim(d, ARGV(S, "app", "--link", d->ble, API("alice"), "sensors", "--sensors",
	                 "intrusion=on")) == 0;
	ok = ok && sim(d, ARGV(S, "app", "--link", d->ble, "info", "--expect-led", "ON")) == 0;
	return ok;
}

static bool st_tamper(struct demo *d)
{
	bool ok;

	/* The hardware: the virtual board's intrusion switch, read by bmcd. */
	ok = sim(d, ARGV(S, "server", "hw", "--dir", d->srv, "cover", "open")) == 0;
	ok = ok && sim(d, ARGV(S, "app", "--link", d->ble, "info", "--expect-state", "LOCKED",
	                       "--expect-led", "BLINKING")) == 0;
	return ok;
}

/* The host powers on and reads sector 0: true if it reads DRIVE_DATA. */
static bool is_drive_data_read(struct demo *d)
{
	char got[64] = "";

	return run_v(d, ARGV(S, "host", "read", "--dir", d->cur), "sector 0: ", got, sizeof(got)) ==
	           0 &&
	       strcmp(got, DRIVE_DATA) == 0;
}

/* The host powers on: true if bmcd refused with the whole locked sentence. */
static bool is_drive_locked(struct demo *d)
{
	char last[16] = "";

	return run_v(d, ARGV(S, "host", "read", "--dir", d->cur), LOCKED_BUT_LAST, last,
	             sizeof(last)) == 1 &&
	       strcmp(last, "booting") == 0;
}

static bool st_drive_write(struct demo *d)
{
	bool ok;

	ok = sim(d, ARGV(S, "host", "write", "--dir", d->cur, DRIVE_DATA)) == 0;
	return ok && is_drive_data_read(d);
}

static bool st_reactivate_usb(struct demo *d)
{
	bool ok;

	ok = sim(d, ARGV(S, "app", "--link", d->usb, API("eddie"), "activate")) == 0;
	ok =
	    ok && sim(d, ARGV(S, "app", "--link", d->usb, "info", "--expect-state", "ACTIVE")) == 0;
	return ok;
}

/* The laptop on the management network: trusts the BMC's CA, never physical presence. */
static bool st_laptop_https(struct demo *d)
{
	bool ok;

	/* bmcd reads the cover before every request: one while it is closed, then open it. */
	ok = sim(d, ARGV(S, "server", "hw", "--dir", d->srv, "cover", "closed")) == 0;
	ok = ok && sim(d, ARGV(S, "app", "--link", d->https, "--link-ca", d->link_ca, "info",
	                       "--expect-state", "ACTIVE")) == 0;
	ok = ok && sim(d, ARGV(S, "server", "hw", "--dir", d->srv, "cover", "open")) == 0;
	ok = ok && sim(d, ARGV(S, "app", "--link", d->https, "--link-ca", d->link_ca, "info",
	                       "--expect-state", "LOCKED")) == 0;
	ok = ok && sim(d, ARGV(S, "app", "--link", d->https, "--link-ca", d->link_ca, API("eddie"),
	                       "activate")) == 0;
	ok = ok && sim(d, ARGV(S, "app", "--link", d->https, "--link-ca", d->link_ca, "info",
	                       "--expect-state", "ACTIVE")) == 0;
	ok = ok && sim(d, ARGV(S, "app", "--link", d->https, "--link-ca", d->link_ca,
	                       "--expect-error", "PRESENCE_REQUIRED", "activation-code")) == 0;
	return ok;
}

static bool st_reset_refused(struct demo *d)
{
	bool ok;

	ok = sim(d, ARGV(S, "app", "--link", d->usb, API("eddie"), "emergency-reset")) != 0;
	ok = ok && sim(d, ARGV(S, "app", "--link", d->usb, "--user", "eddie", P, "emergency-reset",
	                       "--skip-policy", "--expect-error", "ROLE_FORBIDDEN")) == 0;
	return ok;
}

static bool st_emergency_reset(struct demo *d)
{
	bool ok;

	/* The local administrator sets a password and backs the SED AK up first. */
	ok = bmcctl(d, ARGV(d->bins.bmcctl, "--admin-socket", d->admin, "--password", d->label,
	                    "password", "set", "Adm1n-Secret"));
	ok = ok && bmcctl(d, ARGV(d->bins.bmcctl, "--admin-socket", d->admin, "--password",
	                          "Adm1n-Secret", "sed", "backup", d->backup, BACKUP_PASS));
	/* The phone's key goes into the signed reset; the password comes back sealed to it. */
	ok = ok && run_v(d, ARGV(S, "app", "--link", d->usb, API("mona"), "emergency-reset"),
	                 "change it at the first login): ", d->otp, sizeof(d->otp)) == 0;
	ok = ok && d->otp[0];
	/* The administrator's password is refused (reset: a one-time password that must
	 * change), the SED AK gone, and no log, capture or state file shows the password. */
	ok = ok && bmcctl_says(d, "Adm1n-Secret", NULL, "\"error\":\"", "authentication");
	ok = ok && bmcctl_says(d, d->otp, "status", "\"admin_password_must_change\":", "true");
	ok = ok && bmcctl_says(d, d->otp, "status", "\"sed_ak_present\":", "false");
	ok = ok && is_secret_in_no_file(d->srv, d->otp);
	ok =
	    ok && sim(d, ARGV(S, "app", "--link", d->usb, "info", "--expect-state", "LOCKED")) == 0;
	ok = ok && sim(d, ARGV(S, "app", "--link", d->usb, API("eddie"), "activate",
	                       "--expect-error", "INVALID_STATE")) == 0;
	return ok;
}

static bool st_sed_restore(struct demo *d)
{
	bool ok;

	ok = bmcctl(d, ARGV(d->bins.bmcctl, "--admin-socket", d->admin, "--password", d->otp,
	                    "password", "set", "N3w-Secret"));
	ok = ok && bmcctl(d, ARGV(d->bins.bmcctl, "--admin-socket", d->admin, "--password",
	                          "N3w-Secret", "sed", "restore", d->backup, BACKUP_PASS));
	ok = ok && sim(d, ARGV(S, "app", "--link", d->usb, API("eddie"), "activate")) == 0;
	ok =
	    ok && sim(d, ARGV(S, "app", "--link", d->usb, "info", "--expect-state", "ACTIVE")) == 0;
	return ok;
}

static bool st_board_swap(struct demo *d)
{
	bool ok;

	ok = sim(d, ARGV(S, "server", "down", "--dir", d->srv)) == 0;
	ok = ok && run_v(d,
	                 ARGV(S, "portal", P, "device", "manufacture", "--blank-board", "--out",
	                      d->blank),
	                 "(key SHA-256): ", d->keyhash, sizeof(d->keyhash)) == 0;
	set_links(d, d->srv2);
	/* The SED AK backup component moves to the new board with the drives. */
	ok = ok && sim(d, ARGV(S, "server", "up", "--dir", d->srv2, "--factory", d->blank,
	                       "--bin-dir", (char *)d->bin_dir, "--se", (char *)d->se,
	                       "--sed-component-from", d->srv)) == 0;
	/* The new board knows no server yet: locked, no owner. */
	ok = ok && sim(d, ARGV(S, "app", "--link", d->ble, "info", "--expect-state", "LOCKED",
	                       "--expect-owner", "")) == 0;
	return ok && d->keyhash[0];
}

static bool st_key_update(struct demo *d)
{
	bool ok;

	ok = sim(d, ARGV(S, "portal", P, "device", "key-update", "--mt", MT, "--sn", SN,
	                 "--new-key-hash", d->keyhash)) == 0;
	ok = ok && sim(d, ARGV(S, "app", "--link", d->usb, API("mona"), "key-update")) == 0;
	ok = ok && sim(d, ARGV(S, "app", "--link", d->ble, "info", "--expect-state", "LOCKED",
	                       "--expect-owner", "acme")) == 0;
	return ok;
}

static bool st_activate_repaired(struct demo *d)
{
	bool ok;

	/* SED is the server's: the new board adopted it and, without the AK, is not activated. */
	ok = sim(d, ARGV(S, "app", "--link", d->ble, API("eddie"), "activate", "--expect-error",
	                 "INVALID_STATE")) == 0;
	/* The new board's own label password, changed at this first login. */
	ok = ok && read_label(d, d->blank);
	ok = ok && bmcctl(d, ARGV(d->bins.bmcctl, "--admin-socket", d->admin, "--password",
	                          d->label, "password", "set", "Adm1n-Secret"));
	ok = ok && bmcctl(d, ARGV(d->bins.bmcctl, "--admin-socket", d->admin, "--password",
	                          "Adm1n-Secret", "sed", "restore", "--from-component"));
	ok = ok && sim(d, ARGV(S, "app", "--link", d->ble, API("eddie"), "activate",
	                       "--save-command", d->old_cmd)) == 0;
	ok =
	    ok && sim(d, ARGV(S, "app", "--link", d->ble, "info", "--expect-state", "ACTIVE")) == 0;
	return ok;
}

static bool st_transfer(struct demo *d)
{
	bool ok;

	ok = sim(d, ARGV(S, "portal", P, "org", "add", "globex")) == 0;
	ok = ok && sim(d, ARGV(S, "portal", P, "user", "add", "gina", "--org", "globex", "--role",
	                       "org-admin")) == 0;
	ok = ok && run_v(d,
	                 ARGV(S, "portal", P, "transfer", "start", "--from", "acme", "--devices",
	                      MT "-" SN, "--out", d->csv),
	                 "passphrase: ", d->phrase, sizeof(d->phrase)) == 0;
	ok = ok && sim(d, ARGV(S, "portal", P, "transfer", "accept", "--to", "globex", "--csv",
	                       d->csv, "--passphrase", d->phrase)) == 0;
	ok = ok && sim(d, ARGV(S, "app", "--link", d->ble, API("alice"), "transfer")) == 0;
	ok =
	    ok && sim(d, ARGV(S, "app", "--link", d->ble, "info", "--expect-owner", "globex")) == 0;
	return ok;
}

static bool st_replay(struct demo *d)
{
	bool ok;

	ok = sim(d, ARGV(S, "app", "--link", d->ble, "--replay", d->old_cmd, "activate",
	                 "--expect-error", "NONCE_UNKNOWN")) == 0;
	return ok;
}

/*
 * Manual activation by phone call (docs/manual-activation.md): the local administrator
 * locks the server by its cover, reads the challenge, globex's org admin answers it in
 * the portal, the typed response activates, its receipt confirms it to the portal.
 */
static bool st_manual_activation(struct demo *d)
{
	char chal[32] = "", resp[32] = "", receipt[32] = "";
	bool ok;

	ok = bmcctl(d, ARGV(d->bins.bmcctl, "--admin-socket", d->admin, "--password",
	                    "Adm1n-Secret", "sensors", "set", "intrusion", "on"));
	ok = ok && sim(d, ARGV(S, "server", "hw", "--dir", d->cur, "cover", "open")) == 0;
	ok =
	    ok && sim(d, ARGV(S, "app", "--link", d->ble, "info", "--expect-state", "LOCKED")) == 0;
	ok = ok && run_v(d,
	                 ARGV(d->bins.bmcctl, "--admin-socket", d->admin, "--password",
	                      "Adm1n-Secret", "activation", "challenge"),
	                 "challenge: ", chal, sizeof(chal)) == 0;
	ok = ok && run_v(d,
	                 ARGV(S, "portal", P, "manual-activate", "--user", "gina", "--mt", MT,
	                      "--sn", SN, "--challenge", chal),
	                 "response for " MT "-" SN ": ", resp, sizeof(resp)) == 0;
	ok = ok && strlen(chal) == 17 && strlen(resp) == 13;
	ok = ok && run_v(d,
	                 ARGV(d->bins.bmcctl, "--admin-socket", d->admin, "--password",
	                      "Adm1n-Secret", "activation", "respond", resp),
	                 "receipt for the portal administrator: ", receipt, sizeof(receipt)) == 0;
	ok =
	    ok && sim(d, ARGV(S, "app", "--link", d->ble, "info", "--expect-state", "ACTIVE")) == 0;
	ok = ok && sim(d, ARGV(S, "portal", P, "manual-activate", "--user", "gina", "--mt", MT,
	                       "--sn", SN, "--challenge", chal, "--receipt", receipt)) == 0;
	return ok;
}

/* Automatic online activation (docs/online.md): a second server, claimed over BLE, its
 * svcportd given a portal: link; the org admin marks it ready and it activates itself. */
static bool st_online(struct demo *d)
{
	char fac[PATH_MAX + 48], link[96], linkdir[PATH_MAX + 64], log[PATH_MAX + 64],
	    code[64] = "";
	char ble[PATH_MAX + 64];
	long from = 0;
	bool ok;

	snprintf(fac, sizeof(fac), "%s/factory-online", d->tmp);
	snprintf(link, sizeof(link), "portal:%s", d->url);
	snprintf(linkdir, sizeof(linkdir), "%s/link",
	         d->srv3); /* bmcd --link-dir (docs/certs.md) */
	snprintf(log, sizeof(log), "%s/svcportd.log", d->srv3);
	snprintf(ble, sizeof(ble), "ble-sim:%s/ble.sock", d->srv3);
	ok = run_v(d,
	           ARGV(S, "portal", P, "device", "manufacture", "--mt", MT, "--sn", SN_ONLINE,
	                "--out", fac, "--control", "portal"),
	           "secure activation code ", code, sizeof(code)) == 0 &&
	     code[0];
	ok = ok && sim(d, ARGV(S, "portal", P, "claim", "--org", "acme", "--mt", MT, "--sn",
	                       SN_ONLINE, "--code", code)) == 0;
	ok = ok && sim(d, ARGV(S, "server", "up", "--dir", d->srv3, "--factory", fac, "--bin-dir",
	                       (char *)d->bin_dir, "--se", (char *)d->se, "--link", link,
	                       "--gateway-arg", "--link-dir", "--gateway-arg", linkdir,
	                       "--gateway-arg", "--portal-trust", "--gateway-arg", d->ca,
	                       "--gateway-arg", "--portal-retry-min", "--gateway-arg", "200ms",
	                       "--gateway-arg", "--portal-retry-max", "--gateway-arg", "2s")) == 0;
	ok = ok && sim(d, ARGV(S, "app", "--link", ble, API("alice"), "claim")) == 0;
	from = server_log_size(log);
	ok = ok && sim(d, ARGV(S, "portal", P, "device", "ready", "--mt", MT, "--sn", SN_ONLINE,
	                       "--as", "alice")) == 0;
	ok = ok && server_log_wait(log, from, "online activation done", 60000, NULL) == 0;
	if (ok)
		fprintf(d->human,
		        "      | svcportd: portal link: online activation done, receipt handed "
		        "in (%s)\n",
		        log);
	ok = ok && sim(d, ARGV(S, "app", "--link", ble, "info", "--expect-state", "ACTIVE",
	                       "--expect-owner", "acme")) == 0;
	return ok;
}

const struct demo_step demo_story[] = {
    {"Portal: create the root CA, the command-signing certificate and the device CA",
     st_portal_init},
    {"Portal: organisation acme with a user of each role", st_portal_org},
    {"Portal service: HTTPS on 127.0.0.1 with its internal CA; the phone trusts the "
     "downloaded certificate",
     st_portal_service},
    {"Factory: manufacture a portal-managed server " MT "-" SN, st_manufacture},
    {"Data centre: the server is racked and powered (svcport-bmcd + svcportd)", st_rack},
    {"Claim over BLE: the portal checks the activation code, the server its owner", st_claim_ble},
    {"Activate over BLE (LOCKED -> ACTIVE)", st_activate_ble},
    {"The host boots: bmcd releases the SED AK, data is written to the self-encrypting drive",
     st_drive_write},
    {"Enable the intrusion sensor (org admin, ConfigureSensors over BLE)", st_sensors},
    {"Tamper: the case is opened (-> LOCKED, security LED blinking)", st_tamper},
    {"The host reboots: \"System is locked down and must be activated in order to complete "
     "booting\", no SED AK, the drive stays locked",
     is_drive_locked},
    {"Reactivate over USB (service-port cable)", st_reactivate_usb},
    {"The host reboots: the SED AK unlocks the drive, the data reads back", is_drive_data_read},
    {"From a laptop on the management network: tampered again, reactivated over https: "
     "(BMC's CA trusted); no activation code there",
     st_laptop_https},
    {"An edge user's emergency reset is refused (ROLE_FORBIDDEN), by the portal "
     "and by the BMC",
     st_reset_refused},
    {"Maintenance emergency reset over USB: a one-time password only the phone reads, "
     "the old one refused, SED AK cleared, the password in no log or capture",
     st_emergency_reset},
    {"The host reboots after the reset: locked, no SED AK released, the drive unreadable",
     is_drive_locked},
    {"The one-time password changed; SED AK restored from the encrypted backup, server "
     "activated again",
     st_sed_restore},
    {"The host reboots: the restored SED AK unlocks the drive, the data is back",
     is_drive_data_read},
    {"Motherboard replacement: a blank board with a new device key", st_board_swap},
    {"Key update: the maintenance user records the QR code, the portal binds " MT "-" SN
     " to the new key",
     st_key_update},
    {"The repaired server has SED and no AK: activation refused; the Administrator+ restores "
     "the AK from the moved backup component; activate over BLE",
     st_activate_repaired},
    {"Transfer ownership to a second organisation, globex", st_transfer},
    {"A replayed old command is refused (NONCE_UNKNOWN)", st_replay},
    {"Manual activation by phone call: the cover opens (LOCKED), the local administrator "
     "reads the challenge, globex's org admin answers it in the portal, the response typed "
     "in activates, the receipt read back confirms it to the portal",
     st_manual_activation},
    {"Online activation: a second server " MT "-" SN_ONLINE ", claimed and marked ready by "
     "its org admin, activates itself over its portal link (mutual TLS, no phone)",
     st_online},
};
const size_t demo_story_len = sizeof(demo_story) / sizeof(demo_story[0]);
_Static_assert(sizeof(demo_story) / sizeof(demo_story[0]) <= MAX_STEPS, "steps fit the summary");
