/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The BMC core: state machine, command verifier, challenges, receipts, admin
 * console. I/O-free apart from its own state directory: requests are decoded
 * messages or bytes in, replies out; the clock and RNG are injected.
 */
#ifndef SVCPORT_BMC_H
#define SVCPORT_BMC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "admin.pb.h"
#include "bmc-env.h"
#include "challenge.h"
#include "ratelimit.h"
#include "svcport.pb.h"
#include "version.h"

#define BMC_FIRMWARE_VERSION       "svcport-bmcd " SVCPORT_VERSION
#define BMC_PROTOCOL_VERSION       1
#define BMC_ADMIN_PROTOCOL_VERSION 1
/* The label's initial password (factory dir `admin-password`): no universal default. */
#define BMC_LABEL_PASSWORD_MIN 8
#define BMC_LABEL_PASSWORD_MAX 64

/*
 * Physical presence as the hardware says it (DESIGN §4.4): the daemon wires
 * it to the board's inputs (firmware-side/hw). A request's presence claim
 * counts only on a link that can carry one (USB; in the simulator its
 * simulated links) and only while is_usb_present() says a cable is in.
 */
struct bmc_presence {
	/* True if the service port has a host or device attached now; NULL: never. */
	bool (*is_usb_present)(void *user_data);
	void *user_data;
	/* The simulator's virtual server: LINK_SIM is accepted (elsewhere refused). */
	bool simulator;
	/* True if the chassis keylock is engaged now (hardware); NULL: no keylock
	 * input, which counts as engaged (an intrusion always counts). */
	bool (*is_chassis_locked)(void *user_data);
};

struct bmc_options {
	struct rl_config rl;               /* zeroes: the defaults of ratelimit.h */
	struct challenge_config challenge; /* zeroes: the defaults of challenge.h */
	struct bmc_presence presence;
	/* The automatic SED AK backup component (se/sedcomp.h): a directory apart from
	 * the board's state; NULL: none fitted (reported as absent, never skipped). */
	const char *sed_component;
	/* The component's key store (sedcomp.h), never inside sed_component: a folder
	 * (the component's chip, simulated), used with either back-end; NULL: the
	 * board's secure element (its PKCS#11 token, or the file back-end's
	 * STATE_DIR/se), so a board swap leaves the key behind. */
	const char *sed_component_key;
	/* True: bmc_open leaves the component's first copy to bmc_sed_component_sync(),
	 * which bmcd calls once it runs as its own user, so the files it creates are
	 * its own (attack pass on issue 13, L1: made as root, unreadable after the drop). */
	bool sed_component_sync_later;
};

struct bmc;

/*
 * Opens the state in state_dir (made by bmc_factory_init): loads the secure
 * element and the state record (state.h: MAC, counter rule), discards an
 * uncommitted audit tail and checks that the committed log ends in the
 * record's head. env is copied. 0, -ENOENT (not initialised), -EBADMSG (the
 * record or the log fails a check), -ESTALE (the record was rolled back),
 * -EINVAL (the SE's files are corrupt) or -errno. A refused state is never
 * replaced by a default: the board stays locked until it is initialised again.
 */
int bmc_open(const char *state_dir, const struct bmc_env *env, const struct bmc_options *opt,
             struct bmc **ret_bmc) __attribute__((warn_unused_result));
/* NULL is a no-op; zeroizes secrets. */
void bmc_close(struct bmc *bmc);
/* The backup component's first copy (sedak.h, sedak_component_sync): a component
 * that holds nothing gets the board's AK. bmc_open does it unless told to wait. */
void bmc_sed_component_sync(struct bmc *bmc);

/* What happened, for the daemon's one log line per request. Strings are static. */
struct bmc_outcome {
	const char *request;         /* "GetChallenge", "SubmitCommand", ... */
	svcport_v1_Action action;    /* SubmitCommand only */
	svcport_v1_ErrorCode result; /* ERROR_NONE on success */
	const char *detail;          /* why, on failure */
};

/*
 * Answers one request. reply is fully written (session and request ids
 * echoed); failures are Error replies, never a missing reply.
 */
void bmc_handle_request(struct bmc *bmc, const svcport_v1_BmcRequest *req,
                        svcport_v1_BmcReply *reply, struct bmc_outcome *ret_outcome);

/*
 * The whole DeviceInfo (with the device certificate and key if with_cert),
 * as the console and a requester with presence see it; GetDeviceInfo without
 * presence gets less (limited). ret_info is fully written.
 */
void bmc_device_info(struct bmc *bmc, bool with_cert, bool limited,
                     svcport_v1_DeviceInfo *ret_info);

/*
 * Answers one raw packet from the gateway: decodes it (garbage: BAD_REQUEST,
 * over svcport_v1_BmcRequest_size: TOO_LARGE, both with ids 0), handles it,
 * encodes the reply into out (at least svcport_v1_BmcReply_size bytes).
 * 0 or -EINVAL if the reply does not encode (a bug).
 */
int bmc_handle_packet(struct bmc *bmc, const uint8_t *in, size_t in_len, uint8_t *out,
                      size_t out_cap, size_t *ret_len, struct bmc_outcome *ret_outcome)
    __attribute__((warn_unused_result));

/*
 * True (and ret_event filled: session 0, request 0, StateChanged) if the
 * lockdown state, security LED or control mode changed since the last call.
 */
bool bmc_take_state_event(struct bmc *bmc, svcport_v1_BmcReply *ret_event);

/*
 * Time-driven work, called by the daemon every BMC_TICK_MS: a change that
 * reduced access and could not be stored is stored again (board.h); the
 * summary of failed verifications is written when its interval is over
 * (summary.h).
 */
#define BMC_TICK_MS 5000
void bmc_tick(struct bmc *bmc);
/* Before a clean stop: writes the failures counted so far (summary.h). */
void bmc_flush(struct bmc *bmc);

/* "NONCE_UNKNOWN" etc.; "OK" for ERROR_NONE. */
const char *bmc_error_name(svcport_v1_ErrorCode code);
/* "claim", "activate", ...; "none". */
const char *bmc_action_name(svcport_v1_Action a);

/*
 * The board's hardware speaking (issue 13; docs/bmc.md "Hardware inputs"):
 * the daemon turns an input's edge into one of these. Never a console
 * command: software on the BMC cannot press the handset or open the cover.
 */
enum bmc_hw_event {
	BMC_HW_COVER_OPENED,           /* the intrusion switch opened */
	BMC_HW_HANDSET_PASSWORD_RESET, /* the diagnostics handset's password reset */
	BMC_HW_HANDSET_REVERT,         /* the handset's "revert to defaults" */
	/* The intrusion switch opened while the keylock was engaged / released, as
	 * the cover's latch recorded it at the opening (re-attack on issue 13, D);
	 * BMC_HW_COVER_OPENED reads the keylock now. */
	BMC_HW_COVER_OPENED_ENGAGED,
	BMC_HW_COVER_OPENED_RELEASED,
};

/*
 * Applies a hardware event: an intrusion that counts locks; the handset's
 * password reset returns the Administrator+ password to the label's (and
 * clears the SED AK, locking, under password-reset-clears-sed-ak); its revert
 * removes the other accounts and returns the policies to their defaults (and
 * resets the password under handset-revert-resets-password). Audited. 0 if
 * applied or nothing to do (ret_outcome says which), or -errno if it could
 * not be stored (a change that reduces access is held anyway: board.h).
 */
int bmc_hardware_event(struct bmc *bmc, enum bmc_hw_event ev, struct bmc_outcome *ret_outcome)
    __attribute__((warn_unused_result));
/*
 * The daemon's word on an event input it cannot read (the cover: it then
 * counts as open, fail closed, and the intrusion's audit record names the
 * fault); NULL clears it. `status` shows it while it lasts. Copied.
 */
void bmc_hardware_fault(struct bmc *bmc, const char *fault);
/* The fault in force ("" for none). */
const char *bmc_hardware_fault_get(const struct bmc *bmc);
/*
 * What a reset to defaults (the factory reset, the handset's revert) changes
 * in st: the accounts other than the Administrator+ removed, every policy back
 * to its protective default. Sensors, SED, lock, owner, the UEFI password stay.
 */
void bmc_settings_revert(svcport_v1_BmcState *st);
/* The chassis keylock is engaged now (true if the board cannot tell). */
bool bmc_is_chassis_locked(struct bmc *bmc);
/* An intrusion counts: the sensor is on and, with the keylock option, the lock engaged. */
bool bmc_is_intrusion_counted(struct bmc *bmc, const svcport_v1_BmcState *st);

/* Current state (read-only view, valid until the next call into bmc). */
const svcport_v1_BmcState *bmc_state(const struct bmc *bmc);
svcport_v1_SecurityLed bmc_security_led(const svcport_v1_BmcState *st);

#endif
