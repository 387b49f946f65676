// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * svcport-sim host boot|write|read: the virtual server's host powering on.
 * Each command is one power cycle: the host firmware asks svcport-bmcd
 * whether it may boot and for the SED AK (hostfw.h), unlocks the drive with
 * it (drive.h), does its one read or write, and powers off (key zeroized).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/platform_util.h>

#include "cli-args.h"
#include "cli.h"
#include "drive.h"
#include "hostfw.h"
#include "out.h"

#define DEFAULT_SECTORS 64

static const char host_usage[] =
    "usage: svcport-sim host COMMAND --dir DIR [options]\n"
    "  The virtual server's host (its main CPU and firmware), one power cycle per\n"
    "  command: the firmware asks svcport-bmcd over DIR/host.sock whether it may\n"
    "  boot and for the SED AK, and unlocks the self-encrypting drive DIR/drive.img\n"
    "  with it. While the server is locked bmcd answers \"System is locked down and\n"
    "  must be activated in order to complete booting\" and the drive stays locked.\n"
    "  boot               power on; the first unlocked boot sets the drive up: a\n"
    "                     new data key, wrapped with the SED AK\n"
    "  write TEXT         power on, write TEXT (at most 512 bytes) to a sector\n"
    "  read               power on, read a sector and show its text\n"
    "  --sector N         the sector (default 0); --sectors N: a new drive's size\n"
    "                     (default 64, at most 4096); --socket PATH, --drive PATH:\n"
    "                     instead of DIR/host.sock, DIR/drive.img\n";

static int rng(void *p_rng, unsigned char *buf, size_t len)
{
	return mbedtls_ctr_drbg_random(p_rng, buf, len);
}

/* A new drive at img, its data key wrapped with ak. CLI exit code. */
static int drive_new(const char *img, const struct cli_args *a, const unsigned char *ak)
{
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
	long sectors;
	int err;

	if (cli_arg_long(a, "sectors", DEFAULT_SECTORS, &sectors) < 0 || sectors < 1 ||
	    sectors > DRIVE_MAX_SECTORS) {
		out_error("BAD_REQUEST", "--sectors: 1 to %d", DRIVE_MAX_SECTORS);
		return CLI_EXIT_USAGE;
	}
	mbedtls_entropy_init(&entropy);
	mbedtls_ctr_drbg_init(&drbg);
	err = mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy,
	                            (const unsigned char *)"svcport-sim drive", 17)
	          ? -EIO
	          : drive_create(img, (uint32_t)sectors, ak, rng, &drbg);
	mbedtls_ctr_drbg_free(&drbg);
	mbedtls_entropy_free(&entropy);
	if (err < 0) {
		out_error("INTERNAL", "new drive %s: %s", img, strerror(-err));
		return CLI_EXIT_REFUSED;
	}
	out_progress("  new drive %s: %ld sectors; its data key drawn and wrapped with the SED AK",
	             img, sectors);
	return CLI_EXIT_OK;
}

/* What the firmware learnt, as the CLI's result or error. CLI exit code. */
static int boot_report(const struct hostfw_boot *b)
{
	out_bool("may_boot", b->may_boot);
	out_bool("sed_enabled", b->sed_enabled);
	if (b->status == svcport_host_v1_HostStatus_HOST_LOCKED) {
		out_error("LOCKED", "%s", b->message);
		return CLI_EXIT_REFUSED;
	}
	if (b->may_boot && b->sed_enabled && !b->has_ak) {
		out_error(b->status == svcport_host_v1_HostStatus_HOST_RATE_LIMITED ? "RATE_LIMITED"
		                                                                    : "NO_SED_AK",
		          "no SED AK: %s", b->message);
		return CLI_EXIT_REFUSED;
	}
	if (!b->may_boot) {
		out_error("INVALID_STATE", "may not boot: %s", b->message);
		return CLI_EXIT_REFUSED;
	}
	return CLI_EXIT_OK;
}

/*
 * Power on: boot, and with SED unlock (first: set up) the drive into
 * *ret_drive (NULL without SED). CLI exit code.
 */
static int power_on(const struct cli_args *a, const char *sock, const char *img,
                    struct drive **ret_drive)
{
	struct hostfw_boot b;
	int err = hostfw_boot(sock, &b), rc;

	*ret_drive = NULL;
	if (err < 0) {
		out_error("UNREACHABLE", "host interface %s: %s", sock,
		          err == -ECONNRESET ? "closed by svcport-bmcd (not the host's uid?)"
		                             : strerror(-err));
		return CLI_EXIT_REFUSED;
	}
	rc = boot_report(&b);
	if (rc == CLI_EXIT_OK && b.has_ak && access(img, F_OK) < 0)
		rc = drive_new(img, a, b.ak);
	if (rc == CLI_EXIT_OK && b.has_ak) {
		err = drive_unlock(img, b.ak, ret_drive);
		if (err == -EACCES)
			out_error("WRONG_AK", "%s refuses this SED AK: its data key stays wrapped",
			          img);
		else if (err < 0)
			out_error("INTERNAL", "%s: %s", img,
			          err == -EINVAL ? "not a drive of this simulator"
			                         : strerror(-err));
		rc = err < 0 ? CLI_EXIT_REFUSED : CLI_EXIT_OK;
	}
	mbedtls_platform_zeroize(&b, sizeof(b));
	return rc;
}

/* The sector's text up to its first NUL; other bytes shown as '.'. */
static void show(const unsigned char *sec, uint32_t lba)
{
	char text[DRIVE_SECTOR + 1];
	size_t n = 0;

	for (; n < DRIVE_SECTOR && sec[n]; n++)
		text[n] = sec[n] >= 0x20 && sec[n] < 0x7f ? (char)sec[n] : '.';
	text[n] = '\0';
	out_progress("  sector %u: %s", lba, text);
	out_int("sector", lba);
	out_str("data", text);
}

/* write TEXT / read on the unlocked drive d. CLI exit code. */
static int io(const struct cli_args *a, struct drive *d, long lba)
{
	unsigned char sec[DRIVE_SECTOR] = {0};
	bool is_write = strcmp(a->pos[0], "write") == 0;
	int err;

	if (lba < 0 || lba >= drive_sectors(d)) {
		out_error("BAD_REQUEST", "--sector %ld: the drive has sectors 0 to %u", lba,
		          drive_sectors(d) - 1);
		return CLI_EXIT_USAGE;
	}
	if (is_write) {
		memcpy(sec, a->pos[1], strlen(a->pos[1]));
		err = drive_write(d, (uint32_t)lba, sec);
	} else {
		err = drive_read(d, (uint32_t)lba, sec);
	}
	if (err < 0) {
		out_error("INTERNAL", "sector %ld: %s", lba, strerror(-err));
		return CLI_EXIT_REFUSED;
	}
	if (is_write)
		out_progress("  sector %ld written (%zu bytes)", lba, strlen(a->pos[1]));
	else
		show(sec, (uint32_t)lba);
	mbedtls_platform_zeroize(sec, sizeof(sec));
	return CLI_EXIT_OK;
}

/* The command's arguments, checked before anything is asked. CLI exit code. */
static int check_args(const struct cli_args *a, long *ret_lba)
{
	const char *cmd = a->npos ? a->pos[0] : "";
	int want = strcmp(cmd, "write") == 0 ? 2 : 1;

	if (!cli_arg(a, "dir", NULL) || a->npos != want ||
	    (strcmp(cmd, "boot") && strcmp(cmd, "write") && strcmp(cmd, "read"))) {
		fputs(host_usage, stderr);
		return CLI_EXIT_USAGE;
	}
	if (cli_arg_long(a, "sector", 0, ret_lba) < 0) {
		out_error("BAD_REQUEST", "--sector: not a number");
		return CLI_EXIT_USAGE;
	}
	if (want == 2 && strlen(a->pos[1]) > DRIVE_SECTOR) {
		out_error("BAD_REQUEST", "TEXT: at most %d bytes (one sector)", DRIVE_SECTOR);
		return CLI_EXIT_USAGE;
	}
	return CLI_EXIT_OK;
}

int cli_host(int argc, char **argv)
{
	static const char spec[] = "dir= sector= sectors= socket= drive=";
	char sock[PATH_MAX], img[PATH_MAX];
	struct cli_args a;
	struct drive *d = NULL;
	const char *dir;
	long lba = 0;
	int rc;

	if (cli_args_parse(&a, argc - 1, argv + 1, spec) < 0)
		return CLI_EXIT_USAGE;
	if (a.help) {
		fputs(host_usage, stdout);
		return CLI_EXIT_OK;
	}
	out_init(a.json);
	out_set_quiet(a.quiet);
	rc = check_args(&a, &lba);
	if (rc != CLI_EXIT_OK)
		return out_finish(rc);
	dir = cli_arg(&a, "dir", NULL);
	snprintf(sock, sizeof(sock), "%s/host.sock", dir);
	snprintf(img, sizeof(img), "%s/drive.img", dir);
	out_progress("host %s: power on (%s)", a.pos[0], cli_arg(&a, "socket", sock));
	rc = power_on(&a, cli_arg(&a, "socket", sock), cli_arg(&a, "drive", img), &d);
	if (rc == CLI_EXIT_OK && !d && strcmp(a.pos[0], "boot") != 0) {
		out_error("NO_SED_AK", "SED is not enabled on this server: no drive to unlock");
		rc = CLI_EXIT_REFUSED;
	} else if (rc == CLI_EXIT_OK && strcmp(a.pos[0], "boot") != 0) {
		rc = io(&a, d, lba);
	} else if (rc == CLI_EXIT_OK) {
		out_progress("  booted%s", d ? "; drive unlocked" : " (SED not enabled)");
	}
	out_bool("drive_unlocked", d != NULL);
	drive_lock(d);
	return out_finish(rc);
}
