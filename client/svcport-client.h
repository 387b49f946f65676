/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libsvcport-client: the phone's side of the svcport service port, for native apps
 * (Android NDK, iOS, Linux) and svcport-sim. docs/client.md has the walk-through and a
 * complete example.
 *
 * No I/O of its own: no socket, no poll, no sleep, no thread. The app carries the bytes
 * and owns the clock:
 *  - bytes out through the link callback of its kind (att_send, gatt_write +
 *    gatt_read_info, or cdc_write); bytes in through svcport_client_input;
 *  - after every call into the library, svcport_client_next_wakeup says when it wants
 *    svcport_client_tick (on the clock of callbacks.now_ms);
 *  - the portal is the app's business: callbacks.sign hands it the device's challenge and
 *    the app answers, whenever it has it, with svcport_client_sign_done.
 *
 * Threading: none inside. One thread at a time calls into a client (the app's BLE/USB
 * thread or main loop); callbacks run on that thread, from inside the call that caused
 * them. A callback may call svcport_client_sign_done, _sign_failed, _gatt_write_done,
 * _gatt_info, _start and _cancel; it must not free the client. The link callbacks
 * (att_send, gatt_write, cdc_write) must not feed what arrives back from inside: queue it
 * and call svcport_client_input after they returned, as a real transport does. Clients
 * are independent: no global state.
 *
 * Ownership: every pointer handed to a callback is valid during the callback only; every
 * buffer given to the library is copied before the call returns. Secrets (the activation
 * code, the one-time password) exist in clear only during callbacks.secret and are wiped
 * after it; the emergency reset's private key never leaves the library and is wiped when
 * the flow ends.
 *
 * Errors: functions that act return 0 or a negative errno. A flow's outcome comes in
 * callbacks.done (struct svcport_client_result).
 */
#ifndef SVCPORT_CLIENT_H
#define SVCPORT_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SVCPORT_CLIENT_VERSION 1 /* of this header's API */

#define SVCPORT_CLIENT_HASH_LEN   16 /* GATT Database Hash */
#define SVCPORT_CLIENT_KEY_LEN    65 /* P-256 public key, uncompressed: 0x04 || X || Y */
#define SVCPORT_CLIENT_SHA256_LEN 32
#define SVCPORT_CLIENT_SIGNERS    4 /* signer fingerprints a device lists, at most */

struct svcport_client;

/* How the phone reaches the device. */
enum svcport_client_link {
	/* BLE with the ATT bearer in the app's hands (Linux L2CAP socket, an embedded or
	 * user-space stack): the library runs GATT - Exchange MTU, the Database Hash,
	 * discovery when the cache does not hold, TX notifications, INFO. */
	SVCPORT_CLIENT_LINK_ATT = 1,
	/* BLE through the OS's GATT API (Android BluetoothGatt, iOS CoreBluetooth), which
	 * gives no ATT PDUs: the app discovers the service (UUIDs in docs/client.md),
	 * enables TX notifications, writes RX values and reads INFO when asked. */
	SVCPORT_CLIENT_LINK_GATT = 2,
	/* The USB service port: the CDC-ACM byte stream. */
	SVCPORT_CLIENT_LINK_CDC = 3,
};

/* The device's reasons for refusing (svcport.proto ErrorCode, same numbers). */
enum svcport_client_error {
	SVCPORT_CLIENT_OK = 0,
	SVCPORT_CLIENT_BAD_REQUEST = 1,
	SVCPORT_CLIENT_UNSUPPORTED_VERSION = 2,
	SVCPORT_CLIENT_TOO_LARGE = 3,
	SVCPORT_CLIENT_LINK_PROTOCOL = 4,
	SVCPORT_CLIENT_RATE_LIMITED = 5,
	SVCPORT_CLIENT_BMC_UNAVAILABLE = 6,
	SVCPORT_CLIENT_BAD_SIGNATURE = 7,
	SVCPORT_CLIENT_UNTRUSTED_SIGNER = 8,
	SVCPORT_CLIENT_WRONG_DEVICE = 9,
	SVCPORT_CLIENT_NONCE_UNKNOWN = 10,
	SVCPORT_CLIENT_EXPIRED = 11,
	SVCPORT_CLIENT_ROLE_FORBIDDEN = 12,
	SVCPORT_CLIENT_NOT_OWNER = 13,
	SVCPORT_CLIENT_INVALID_STATE = 14,
	SVCPORT_CLIENT_PRESENCE_REQUIRED = 15,
	SVCPORT_CLIENT_INTERNAL = 16,
};

enum svcport_client_lockdown {
	SVCPORT_CLIENT_LOCKDOWN_UNKNOWN = 0,
	SVCPORT_CLIENT_LOCKDOWN_ACTIVE = 1, /* the SED key is released */
	SVCPORT_CLIENT_LOCKDOWN_LOCKED = 2, /* not activated, or a tamper event */
};

enum svcport_client_control {
	SVCPORT_CLIENT_CONTROL_UNKNOWN = 0,
	SVCPORT_CLIENT_CONTROL_BMC = 1,    /* the local administrator toggles lockdown */
	SVCPORT_CLIENT_CONTROL_PORTAL = 2, /* only portal-signed commands unlock */
};

enum svcport_client_led {
	SVCPORT_CLIENT_LED_UNKNOWN = 0,
	SVCPORT_CLIENT_LED_OFF = 1,
	SVCPORT_CLIENT_LED_ON = 2,
	SVCPORT_CLIENT_LED_BLINKING = 3,
};

/*
 * What the app asks for. The signed actions carry the protocol's Action numbers, so the
 * app can hand them to its portal as they are.
 */
enum svcport_client_flow {
	SVCPORT_CLIENT_FLOW_CLAIM = 1,
	SVCPORT_CLIENT_FLOW_ACTIVATE = 2,
	SVCPORT_CLIENT_FLOW_EMERGENCY_RESET = 3, /* shows a one-time admin password */
	SVCPORT_CLIENT_FLOW_KEY_UPDATE = 4,      /* a replacement motherboard */
	SVCPORT_CLIENT_FLOW_PROMOTE = 5,         /* to portal control */
	SVCPORT_CLIENT_FLOW_TRANSFER = 6,
	SVCPORT_CLIENT_FLOW_SENSORS = 7,
	SVCPORT_CLIENT_FLOW_CONNECT = 0x100,         /* svcport_client_connect */
	SVCPORT_CLIENT_FLOW_INFO = 0x101,            /* the device's whole state */
	SVCPORT_CLIENT_FLOW_ACTIVATION_CODE = 0x102, /* the printed code, over USB */
};

/* Secrets, shown once. */
enum svcport_client_secret {
	SVCPORT_CLIENT_SECRET_ACTIVATION_CODE = 1,
	SVCPORT_CLIENT_SECRET_PASSWORD = 2, /* the one-time BMC admin password */
};

struct svcport_client_device {
	char machine_type[17];  /* "7D1A" */
	char serial_number[33]; /* "J900ABCD" */
};

/* What the link set-up learnt (the INFO characteristic, or GetLinkInfo over USB). */
struct svcport_client_link_info {
	struct svcport_client_device device;
	enum svcport_client_lockdown lockdown;
	uint32_t protocol_min, protocol_max;
	uint32_t max_message; /* the largest message the gateway takes, bytes */
	uint16_t att_mtu;     /* ATT links: the ATT_MTU agreed */
	bool used_cache;      /* ATT links: the cached handles held, no discovery ran */
};

/* The device's whole state (SVCPORT_CLIENT_FLOW_INFO). */
struct svcport_client_device_info {
	struct svcport_client_device device;
	bool has_identity; /* false: a replacement board waiting for a key update */
	enum svcport_client_lockdown lockdown;
	enum svcport_client_control control;
	enum svcport_client_led led;
	char owner_org[65]; /* empty: unclaimed */
	bool sed_enabled;
	bool intrusion_sensor, motion_sensor;
	uint32_t motion_steps;
	char firmware_version[33];
	uint32_t protocol_version;
	bool admin_password_must_change;
	size_t n_known_signers;
	uint8_t known_signers[SVCPORT_CLIENT_SIGNERS]
	                     [SVCPORT_CLIENT_SHA256_LEN]; /* SED enabled and this false: the drives
	                                                   * stay locked and the server cannot be
	                                                   * activated until the AK is restored
	                                                   * (tell the technician). */
	bool sed_ak_present;
	/* The automatic SED AK backup component: svcport.proto SedComponent (1 absent,
	 * 2 unhealthy, 3 empty, 4 current, 5 restorable; 0 not said). */
	int sed_backup_component;
	/* True: asked without physical presence (BLE, the network), so SED, the backup
	 * component, the sensors, the firmware and admin_password_must_change are not
	 * said (their values above mean nothing); ask over the service port (USB). */
	bool limited;
};

/* StateChanged, pushed by the device. */
struct svcport_client_state {
	enum svcport_client_lockdown lockdown;
	enum svcport_client_led led;
	enum svcport_client_control control;
};

/* What the portal needs to sign a command (callbacks.sign). */
struct svcport_client_sign_request {
	enum svcport_client_flow flow; /* the action; its number is the protocol's Action */
	/* The device's challenge, encoded (body and device-key signature): the portal checks
	 * the signature, so it knows it signs for the genuine device, and binds the command
	 * to its nonce. */
	const uint8_t *challenge;
	size_t challenge_len;
	struct svcport_client_device device;   /* as the challenge names it */
	enum svcport_client_lockdown lockdown; /* from the link set-up */
	/* Signer certificates the device holds (SHA-256 of the DER): the portal may name
	 * its signer by fingerprint instead of sending the chain. */
	size_t n_known_signers;
	const uint8_t (*known_signers)[SVCPORT_CLIENT_SHA256_LEN];
	/* Set on a second request for the same command: the device did not know the signer
	 * the first one named; send the chain this time. */
	bool want_chain;
	/* EMERGENCY_RESET: this phone's one-time public key, to be signed into the command;
	 * the new password comes back encrypted to it. NULL otherwise. */
	const uint8_t *requester_public_key; /* SVCPORT_CLIENT_KEY_LEN bytes */
	/* KEY_UPDATE: the replacement board's public key and certificate (if any), from
	 * GetDeviceInfo; the portal checks the key against the board's QR code. */
	const uint8_t *device_public_key;
	size_t device_public_key_len;
	const uint8_t *device_certificate;
	size_t device_certificate_len;
};

/*
 * A flow's outcome.
 *   status 0           the device did it;
 *   status -EREMOTEIO  the device refused: `error` says why (plain words from
 *                      svcport_client_error_text), with retry_after_ms for RATE_LIMITED;
 *   other negative     the library or link failed: -ETIMEDOUT (no answer after the
 *                      repeats), -ECONNRESET (link lost), -EPROTO (the device broke the
 *                      protocol), -EPROTONOSUPPORT (no common protocol version),
 *                      -ESTALE (a cached handle was another database's: reconnect,
 *                      the cache is forgotten), -ECANCELED (svcport_client_cancel),
 *                      -EBADMSG (the portal's command
 *                      is not a SignedCommand of the flow's action, or the password's box
 *                      did not open), -ENODATA (an emergency reset answered without a
 *                      password), -ENOKEY (a submitted emergency reset: the device did it,
 *                      but sealed the password to the key of the client that asked for the
 *                      challenge), or the error the app gave svcport_client_sign_failed.
 * receipt is set whenever the device answered a command, whatever status says: hand it
 * to the portal, it is the device-signed proof of what happened.
 */
struct svcport_client_result {
	enum svcport_client_flow flow;
	int status;
	enum svcport_client_error error;
	uint32_t retry_after_ms;
	const char *detail; /* the device's words for engineers; "" if none */
	/* CONNECT */
	const struct svcport_client_link_info *link;
	/* INFO, and KEY_UPDATE's look at the board */
	const struct svcport_client_device_info *info;
	/* signed actions */
	const uint8_t *receipt; /* encoded DeviceReceipt, or NULL */
	size_t receipt_len;
	enum svcport_client_error receipt_result; /* what the receipt says happened */
	enum svcport_client_lockdown new_lockdown;
	enum svcport_client_control new_control;
	const char *new_owner; /* "" when unclaimed */
	uint64_t receipt_counter;
	bool password_shown; /* EMERGENCY_RESET: callbacks.secret showed it */
};

/* What a returning phone stores per device (ATT links): give it back to the next client. */
struct svcport_client_gatt_cache {
	uint8_t db_hash[SVCPORT_CLIENT_HASH_LEN];
	uint16_t svc_start, svc_end, rx, tx, tx_ccc, info;
};

struct svcport_client_config {
	enum svcport_client_link link;
	uint16_t att_mtu;                /* ATT: Rx MTU offered, 23..517 (517) */
	bool att_write_without_response; /* ATT: RX segments as Write Command (false) */
	uint32_t att_timeout_ms;         /* ATT: transaction timeout (30000) */
	uint16_t gatt_value_len; /* GATT: the longest RX write, 20..512: the OS's ATT_MTU - 3
	                          * (Android: onMtuChanged's mtu - 3; iOS:
	                          * maximumWriteValueLength(for: .withResponse)) (20) */
	const struct svcport_client_gatt_cache *cache; /* ATT: a returning phone's, or NULL */
	uint32_t timeout_ms;                           /* per attempt of a request (5000) */
	uint32_t retries;                              /* same-id repeats after a timeout (2) */
	uint32_t backoff_max_ms; /* longest RATE_LIMITED wait taken by itself (3000) */
	uint32_t backoff_tries;  /* RATE_LIMITED waits per request (3) */
};

struct svcport_client_callbacks {
	/* ---- the link: the one of the configured kind is required. 0 or -errno. */
	/* ATT: one PDU to the device's ATT bearer. */
	int (*att_send)(const uint8_t *pdu, size_t len, void *user_data);
	/* GATT: write value to RX (with response); answer with svcport_client_gatt_write_done
	 * (from inside this callback or later). One write at a time. */
	int (*gatt_write)(const uint8_t *value, size_t len, void *user_data);
	/* GATT: read INFO; answer with svcport_client_gatt_info. */
	int (*gatt_read_info)(void *user_data);
	/* CDC: bytes to the USB service port (all of them: buffer what cannot go now). */
	int (*cdc_write)(const uint8_t *bytes, size_t len, void *user_data);

	/* ---- the app's clock and randomness */
	/* Required: a monotonic clock in milliseconds (CLOCK_MONOTONIC,
	 * SystemClock.elapsedRealtime, mach_continuous_time). */
	int64_t (*now_ms)(void *user_data);
	/* Optional: fills buf with cryptographically random bytes (0 or -errno). Without it
	 * the library uses mbedTLS's entropy source (getrandom / /dev/urandom). */
	int (*random)(uint8_t *buf, size_t len, void *user_data);

	/* ---- upward */
	/* Required for signed flows: get the command signed, then svcport_client_sign_done
	 * (or _sign_failed), from inside this callback or any time later. */
	void (*sign)(struct svcport_client *c, const struct svcport_client_sign_request *req,
	             void *user_data);
	/* Optional: show a secret once (text is wiped after the call). Without it a
	 * secret-bearing flow refuses to start (-EINVAL). */
	void (*secret)(struct svcport_client *c, enum svcport_client_secret kind, const char *text,
	               void *user_data);
	/* Optional: the device's state changed (any time). */
	void (*state_changed)(struct svcport_client *c, const struct svcport_client_state *st,
	                      void *user_data);
	/* Optional (ATT): store this cache for the device, or forget it (NULL). */
	void (*cache_update)(struct svcport_client *c,
	                     const struct svcport_client_gatt_cache *cache, void *user_data);
	/* Required: a flow ended (r is valid during the call only). */
	void (*done)(struct svcport_client *c, const struct svcport_client_result *r,
	             void *user_data);
	void *user_data;
};

struct svcport_client_stats {
	uint64_t exchanges;        /* request/response exchanges (a request and its repeats: one) */
	uint64_t frames;           /* request frames sent, repeats included */
	uint64_t repeats;          /* same-id repeats after a timeout */
	uint64_t backoffs;         /* RATE_LIMITED waits taken */
	uint64_t ignored;          /* frames ignored (late, undecodable, not for the phone) */
	uint64_t link_tx_bytes;    /* segments or CDC frames handed to the link */
	uint64_t link_rx_bytes;    /* bytes given to svcport_client_input */
	uint64_t bad_input;        /* segments or frames dropped as malformed */
	uint64_t att_transactions; /* ATT links: ATT request/response exchanges */
	uint64_t att_tx_pdus, att_tx_bytes, att_rx_pdus, att_rx_bytes;
};

/* Fills cfg with the defaults of the link kind (the values in parentheses above). */
void svcport_client_config_init(struct svcport_client_config *cfg, enum svcport_client_link link);

/* 0, -EINVAL (a bound out of range, a required callback missing) or -ENOMEM. cfg and cb
 * are copied; *ret is left untouched on failure. */
int svcport_client_new(const struct svcport_client_config *cfg,
                       const struct svcport_client_callbacks *cb, struct svcport_client **ret)
    __attribute__((warn_unused_result));
/* Wipes and frees; NULL is a no-op. Call it on the app's thread, never from a callback. */
void svcport_client_free(struct svcport_client *c);

/* Sets the link up (ATT: MTU, hash, discovery, notifications, INFO; GATT: INFO; CDC:
 * GetLinkInfo): done(FLOW_CONNECT) with the link info. -EALREADY once connected or
 * while connecting (over CDC a refused GetLinkInfo may be asked again). */
int svcport_client_connect(struct svcport_client *c) __attribute__((warn_unused_result));
/* Starts a flow on a connected client: done(flow) ends it. -ENOTCONN before the
 * connect's done, -EBUSY while another flow runs, -EINVAL for an unknown flow or a
 * callback it needs missing (sign, secret). */
int svcport_client_start(struct svcport_client *c, enum svcport_client_flow flow)
    __attribute__((warn_unused_result));
/* Ends the running flow now with -ECANCELED (the device may still act on a command
 * already submitted: its receipt is then lost; a cancelled CONNECT leaves the client
 * done: free it). -EALREADY if none runs. */
int svcport_client_cancel(struct svcport_client *c);

/* Bytes from the link: ATT one PDU, GATT one TX notification value, CDC stream bytes in
 * any split. 0, or -ENOTCONN once the link failed (the bytes are dropped). */
int svcport_client_input(struct svcport_client *c, const uint8_t *data, size_t len)
    __attribute__((warn_unused_result));
/* GATT: the RX write callbacks.gatt_write started ended (err 0 or -errno). */
int svcport_client_gatt_write_done(struct svcport_client *c, int err);
/* GATT: the INFO read callbacks.gatt_read_info started ended with value (copied). */
int svcport_client_gatt_info(struct svcport_client *c, int err, const uint8_t *value, size_t len);
/* The link went down: the running flow ends with -ECONNRESET; the client is done. */
void svcport_client_link_lost(struct svcport_client *c);

/*
 * Submits a command signed earlier (an encoded SignedCommand, copied: one the portal's
 * CLI signed from a saved challenge, or a replay test's): SubmitCommand alone, no
 * challenge, no callbacks.sign; done(flow) as for svcport_client_start. -ENOTCONN,
 * -EBUSY as there; -EINVAL for a flow without a signature; -EBADMSG when the bytes are not
 * a SignedCommand of that flow's action (nothing is sent).
 */
int svcport_client_submit(struct svcport_client *c, enum svcport_client_flow flow,
                          const uint8_t *signed_command, size_t len)
    __attribute__((warn_unused_result));

/* The portal's signed command (an encoded SignedCommand, copied) for the pending
 * callbacks.sign. -EALREADY when none is pending. */
int svcport_client_sign_done(struct svcport_client *c, const uint8_t *signed_command, size_t len);
/* The portal refused or cannot be reached: the flow ends with status err (< 0). */
int svcport_client_sign_failed(struct svcport_client *c, int err);

/* When to call svcport_client_tick, on the now_ms clock; -1 when nothing is due. Ask
 * again after every call into the library. */
int64_t svcport_client_next_wakeup(const struct svcport_client *c);
/* Runs what is due: repeats, back-offs, the ATT transaction timer. */
void svcport_client_tick(struct svcport_client *c);

void svcport_client_get_stats(const struct svcport_client *c, struct svcport_client_stats *ret);

/* "RATE_LIMITED"; "UNKNOWN" outside the enum. */
const char *svcport_client_error_name(enum svcport_client_error e);
/* What to tell the person holding the phone, and what to do next. */
const char *svcport_client_error_text(enum svcport_client_error e);
/* "activate", "emergency-reset", ...; "unknown" outside the enum. */
const char *svcport_client_flow_name(enum svcport_client_flow f);

#ifdef __cplusplus
}
#endif

#endif
