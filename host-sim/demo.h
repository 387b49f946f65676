/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * svcport-sim demo: the runner (demo.c) and the story's steps (demo-story.c).
 * A step runs the commands a person would type and returns whether each
 * behaved as its title says.
 */
#ifndef SVCPORT_SIM_DEMO_H
#define SVCPORT_SIM_DEMO_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "server.h"

#define MT        "7D1A"
#define SN        "J900DEMO"
#define SN_ONLINE "J901DEMO" /* the server activated online */
#define MAX_STEPS 28

struct demo {
	char self[PATH_MAX];
	char tmp[PATH_MAX];
	char portal[PATH_MAX + 8];
	char srv[PATH_MAX + 8];   /* the server before the motherboard swap */
	char srv2[PATH_MAX + 32]; /* the same server with the new board */
	char cur[PATH_MAX + 32];  /* the one running */
	char srv3[PATH_MAX + 32]; /* a second server, activated online (its portal: link) */
	char ble[PATH_MAX + 64], usb[PATH_MAX + 64], admin[PATH_MAX + 64];
	/* Files of the story: the factory folders, the transfer CSV, a saved
	 * command (replayed later) and the SED AK backup. */
	char fac[PATH_MAX + 16], blank[PATH_MAX + 16], csv[PATH_MAX + 16];
	char old_cmd[PATH_MAX + 16], backup[PATH_MAX + 16];
	struct server_bins bins;
	const char *bin_dir;
	const char *se; /* the servers' secure element: "file" or "pkcs11" (SoftHSM2) */
	char code[64];
	char phrase[64];
	/* The emergency reset's one-time password, as the app showed it. */
	char otp[64];
	char capture[PATH_MAX + 32]; /* the first server's btsnoop capture */
	char keyhash[80];
	char label[32];         /* the BMC's initial password, from the board's label */
	char url[64];           /* the portal service */
	char ca[PATH_MAX + 16]; /* its certificate, downloaded, the phone's trust */
	/* The first server's https: link (the laptop): its link dir, the BMC's CA, the spec. */
	char link_dir[PATH_MAX + 16], link_ca[PATH_MAX + 32], https[96];
	char pw[4][PATH_MAX + 32];
	int pw_slot;
	pid_t serve;
	bool verbose;
	int n;
	struct {
		char title[128];
		bool ok;
	} steps[MAX_STEPS];
	bool failed;
	FILE *human; /* stdout, or stderr with --json */
};

/* Runs argv (NULL-terminated), shows its output indented, returns its exit
 * code. With capture_key, the rest of the first output line containing it (up
 * to a blank) is copied into capture. */
int run_v(struct demo *d, char *const argv[], const char *capture_key, char *capture, size_t cap);
/* True if no file under dir (logs, capture, state, audit) holds secret. */
bool is_secret_in_no_file(const char *dir, const char *secret);
/* run_v without capture. */
int sim(struct demo *d, char *const argv[]);
/* svcport-bmcctl: true on exit 0. */
bool bmcctl(struct demo *d, char *const argv[]);
/* The links and admin socket of the server in dir become the current ones. */
void set_links(struct demo *d, const char *dir);
/* A user's password file for the portal (written on first use). */
char *pwf(struct demo *d, const char *user);
/* `portal serve` on a free loopback port (d->url), waited for on its ready fd. */
bool service_start(struct demo *d);

#define ARGV(...) ((char *const[]){__VA_ARGS__, NULL})
/* Shorthands for the commands of the story. */
#define S d->self, "--quiet"
#define P "--portal", d->portal
/* The phone logs in to the portal service as user u. */
#define API(u) "--portal-url", d->url, "--cacert", d->ca, "--user", u, "--password-file", pwf(d, u)

struct demo_step {
	const char *title;
	bool (*run)(struct demo *d);
};
/* The story, in order; a step after a failed one is not run. */
extern const struct demo_step demo_story[];
extern const size_t demo_story_len;

#endif
