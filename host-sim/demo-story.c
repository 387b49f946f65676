// SPDX-License-Identifier: GPL-2.0-or-later
/* The demo's story: one function per step, in the table at the end. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

/* d->link_dir/name */
static char *link_file(struct demo *d, char *buf, size_t cap, const char *name)
{
	snprintf(buf, cap, "%s/%s", d->link_dir, name);
	return buf;
}

/*
 * The link credentials svcportd's https: link serves, laid out as bmcd's --link-dir export
 * (docs/gateway.md "https:"): link.key and link-chain.pem (the link certificate for
 * 127.0.0.1, then the BMC's internal CA). Made here with openssl, as the tests do, until
 * the certificate bmcd exports names the management addresses (docs/gateway.md "https:");
 * ca.pem is what the laptop trusts.
 */
static bool link_dir_make(struct demo *d)
{
	char ca_key[PATH_MAX + 32], key[PATH_MAX + 32], csr[PATH_MAX + 32], ext[PATH_MAX + 32];
	char leaf[PATH_MAX + 32], chain[PATH_MAX + 32], line[256];
	FILE *f, *out;
	bool ok;

	snprintf(d->link_dir, sizeof(d->link_dir), "%s/link", d->tmp);
	link_file(d, d->link_ca, sizeof(d->link_ca), "ca.pem");
	if (mkdir(d->link_dir, 0755) < 0 ||
	    !(f = fopen(link_file(d, ext, sizeof(ext), "link.ext"), "we")))
		return false;
	fputs(
	    "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
	    f);
	ok = fclose(f) == 0;
	link_file(d, ca_key, sizeof(ca_key), "ca.key");
	link_file(d, key, sizeof(key), "link.key");
	link_file(d, csr, sizeof(csr), "link.csr");
	link_file(d, leaf, sizeof(leaf), "link.pem");
	ok = ok && sim(d, ARGV("openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout",
	                       "-out", ca_key)) == 0;
	ok = ok &&
	     sim(d, ARGV("openssl", "req", "-x509", "-new", "-key", ca_key, "-subj",
	                 "/CN=BMC internal CA " MT "-" SN, "-days", "30", "-out", d->link_ca)) == 0;
	ok = ok && sim(d, ARGV("openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout",
	                       "-out", key)) == 0;
	ok = ok && sim(d, ARGV("openssl", "req", "-new", "-key", key, "-subj", "/CN=" MT "-" SN,
	                       "-out", csr)) == 0;
	ok = ok &&
	     sim(d, ARGV("openssl", "x509", "-req", "-in", csr, "-CA", d->link_ca, "-CAkey", ca_key,
	                 "-set_serial", "1", "-days", "30", "-extfile", ext, "-out", leaf)) == 0;
	/* The gateway's user reads them (bmcd's export: group svcport, 0640). */
	ok = ok && chmod(key, 0644) == 0;
	out = ok ? fopen(link_file(d, chain, sizeof(chain), "link-chain.pem"), "we") : NULL;
	for (const char *part = leaf; out && part; part = part == leaf ? d->link_ca : NULL) {
		if (!(f = fopen(part, "re")))
			break;
		while (fgets(line, sizeof(line), f))
			fputs(line, out);
		fclose(f);
	}
	return out && fclose(out) == 0 && chmod(chain, 0644) == 0;
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
	ok = link_dir_make(d);
	ok = ok && sim(d, ARGV(S, "server", "up", "--dir", d->srv, "--factory", d->fac, "--bin-dir",
	                       (char *)d->bin_dir, "--se", (char *)d->se, "--capture", d->capture,
	                       "--link", "https:127.0.0.1:0", "--gateway-arg", "--link-dir",
	                       "--gateway-arg", d->link_dir)) == 0;
	ok = ok && https_spec_read(d);
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
};
const size_t demo_story_len = sizeof(demo_story) / sizeof(demo_story[0]);
_Static_assert(sizeof(demo_story) / sizeof(demo_story[0]) <= MAX_STEPS, "steps fit the summary");
