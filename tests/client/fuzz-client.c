// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-client: libsvcport-client against a device, a portal and an app that do anything.
 * Everything the library parses comes from the input: ATT PDUs (discovery, the hash,
 * INFO), GATT notification segments, the CDC stream, every Frame and what it carries
 * (LinkInfo, DeviceInfo, Challenge and its body, CommandResult, receipts, the sealed
 * password), and the portal's SignedCommand and CommandBody.
 *
 * Input: byte 0 picks the link (bits 0-1: ATT, GATT, CDC), Write Command (bit 2) and a
 * cache (bit 3); then connect, then records: k < 0xf0 and k bytes of input (an ATT PDU,
 * a TX value, stream bytes); 0xf0 N start flow N; 0xf1 k + k bytes: the portal's command;
 * 0xf2 the portal refuses; 0xf3 N: N * 100 ms pass; 0xf4 / 0xf5 the OS's RX write ends
 * well / badly; 0xf6 k + k bytes: the OS read INFO; 0xf7 cancel; 0xf8 the link is lost;
 * 0xf9 F k + k bytes: a command signed earlier, submitted for flow F.
 *
 * Invariants (abort on violation): every call returns 0 or a negative errno; done comes
 * once per flow started, never for none; what a result points to is within its bounds;
 * a secret is at most 32 characters; the wake-up time is -1 or not before the clock.
 * tests/client/fuzz-client-seeds.c writes the seed corpus (whole sessions per link).
 *
 * What does not depend on the input is done once: the Database Hash of the cache, and the
 * emergency reset's key pair. pwbox_keygen gets its random bytes from fz_random, a fixed
 * pattern, so it makes the same key every time: the program is linked with
 * --wrap=pwbox_keygen (tests/client/CMakeLists.txt) and the point multiplication runs at
 * the first call only, later calls get its result. The library's own calls are unchanged.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gatt-db.h"
#include "pwbox.h"
#include "svcport-client.h"

struct fz {
	struct svcport_client *c;
	int64_t now;
	bool running; /* a flow was started and has not ended */
	bool signing;
};

static void check_at(bool ok, int line)
{
	if (ok)
		return;
	fprintf(stderr, "fuzz-client: invariant of line %d broken\n", line);
	abort();
}
#define check(ok) check_at((ok), __LINE__)

static int fz_out(const uint8_t *data, size_t len, void *user_data)
{
	check(len > 0 && len <= 9000);
	return 0;
}

static int fz_read_info(void *user_data)
{
	return 0;
}

static int64_t fz_now(void *user_data)
{
	return ((struct fz *)user_data)->now;
}

/* The first request id comes from 4 bytes: zeros, so ids start at 1 and the seeds know
 * them. Keys get a fixed pattern (never zero: a P-256 scalar of 0 is no key). */
static int fz_random(uint8_t *buf, size_t len, void *user_data)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = len == 4 ? 0 : (uint8_t)(i * 7 + 1);
	return 0;
}

int __real_pwbox_keygen(pwbox_rng rng, void *rng_ctx, uint8_t ret_priv[PWBOX_SCALAR_LEN],
                        uint8_t ret_pub[PWBOX_POINT_LEN]);
int __wrap_pwbox_keygen(pwbox_rng rng, void *rng_ctx, uint8_t ret_priv[PWBOX_SCALAR_LEN],
                        uint8_t ret_pub[PWBOX_POINT_LEN]);

/* The one key pair fz_random makes, computed at the first call. */
int __wrap_pwbox_keygen(pwbox_rng rng, void *rng_ctx, uint8_t ret_priv[PWBOX_SCALAR_LEN],
                        uint8_t ret_pub[PWBOX_POINT_LEN])
{
	static uint8_t priv[PWBOX_SCALAR_LEN], pub[PWBOX_POINT_LEN];
	static bool made;

	if (!made && __real_pwbox_keygen(rng, rng_ctx, priv, pub) < 0)
		return -EIO;
	made = true;
	memcpy(ret_priv, priv, sizeof(priv));
	memcpy(ret_pub, pub, sizeof(pub));
	return 0;
}

static void fz_sign(struct svcport_client *c, const struct svcport_client_sign_request *req,
                    void *user_data)
{
	struct fz *f = user_data;

	check(f->running && req->challenge && req->challenge_len > 0);
	check(req->n_known_signers <= SVCPORT_CLIENT_SIGNERS);
	check(!req->device_public_key || req->device_public_key_len == SVCPORT_CLIENT_KEY_LEN);
	f->signing = true;
}

static void fz_secret(struct svcport_client *c, enum svcport_client_secret kind, const char *text,
                      void *user_data)
{
	check(strlen(text) <= 32);
}

static void fz_done(struct svcport_client *c, const struct svcport_client_result *r,
                    void *user_data)
{
	struct fz *f = user_data;

	check(f->running);
	f->running = false;
	f->signing = false;
	check(r->status <= 0 && r->detail && strlen(r->detail) < 97);
	check(r->new_owner && strlen(r->new_owner) < 65);
	check(!r->receipt || (r->receipt_len > 0 && r->receipt_len <= 400));
	check(r->flow != SVCPORT_CLIENT_FLOW_CONNECT || r->status < 0 || r->link);
	if (r->info)
		check(r->info->n_known_signers <= SVCPORT_CLIENT_SIGNERS &&
		      strlen(r->info->owner_org) < 65);
}

static void ret_ok(int r)
{
	check(r <= 0);
}

static void start(struct fz *f, uint8_t n)
{
	static const enum svcport_client_flow flows[] = {SVCPORT_CLIENT_FLOW_INFO,
	                                                 SVCPORT_CLIENT_FLOW_ACTIVATION_CODE,
	                                                 SVCPORT_CLIENT_FLOW_CLAIM,
	                                                 SVCPORT_CLIENT_FLOW_ACTIVATE,
	                                                 SVCPORT_CLIENT_FLOW_EMERGENCY_RESET,
	                                                 SVCPORT_CLIENT_FLOW_KEY_UPDATE,
	                                                 SVCPORT_CLIENT_FLOW_PROMOTE,
	                                                 SVCPORT_CLIENT_FLOW_TRANSFER,
	                                                 SVCPORT_CLIENT_FLOW_SENSORS};
	bool was = f->running;
	int r = svcport_client_start(f->c, flows[n % (sizeof(flows) / sizeof(flows[0]))]);

	ret_ok(r);
	check(r < 0 || !was);
	if (r == 0)
		f->running = true;
}

/* Runs one record at data[*pos]; returns false when the input ends. */
static bool record(struct fz *f, const uint8_t *data, size_t size, size_t *pos)
{
	uint8_t op = data[(*pos)++];
	size_t k = 0;
	uint8_t flow = op == 0xf9 && *pos < size ? data[(*pos)++] : 0;

	if (op < 0xf0 || op == 0xf1 || op == 0xf6 || op == 0xf9) {
		k = op < 0xf0 ? op : *pos < size ? data[(*pos)++] : 0;
		k = k < size - *pos ? k : size - *pos;
	}
	switch (op) {
	case 0xf0:
		if (*pos < size)
			start(f, data[(*pos)++]);
		break;
	case 0xf1:
		ret_ok(svcport_client_sign_done(f->c, data + *pos, k));
		break;
	case 0xf2:
		ret_ok(svcport_client_sign_failed(f->c, -EACCES));
		break;
	case 0xf3:
		f->now += 100 * (int64_t)(*pos < size ? data[(*pos)++] : 1);
		svcport_client_tick(f->c);
		break;
	case 0xf4:
	case 0xf5:
		ret_ok(svcport_client_gatt_write_done(f->c, op == 0xf4 ? 0 : -EIO));
		break;
	case 0xf6:
		ret_ok(svcport_client_gatt_info(f->c, 0, data + *pos, k));
		break;
	case 0xf7:
		ret_ok(svcport_client_cancel(f->c));
		break;
	case 0xf8:
		svcport_client_link_lost(f->c);
		break;
	case 0xf9: { /* a command signed earlier, for flow F (any number) */
		bool was = f->running;
		int r = svcport_client_submit(f->c, (enum svcport_client_flow)flow, data + *pos, k);

		ret_ok(r);
		check(r < 0 || !was);
		if (r == 0)
			f->running = true;
		break;
	}
	default:
		if (op < 0xf0)
			ret_ok(svcport_client_input(f->c, data + *pos, k));
		break;
	}
	*pos += k;
	return *pos < size;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The gateway's: the seeds' hash read finds it equal and the handles are kept. */
	static struct svcport_client_gatt_cache cache = {.svc_start = GATT_HANDLE_SVC,
	                                                 .svc_end = GATT_HANDLE_SVC_END,
	                                                 .rx = GATT_HANDLE_RX,
	                                                 .tx = GATT_HANDLE_TX,
	                                                 .tx_ccc = GATT_HANDLE_TX_CCC,
	                                                 .info = GATT_HANDLE_INFO};
	struct fz f = {.now = 1000};
	struct svcport_client_config cfg;
	struct svcport_client_callbacks cb = {
	    .att_send = fz_out,
	    .gatt_write = fz_out,
	    .gatt_read_info = fz_read_info,
	    .cdc_write = fz_out,
	    .now_ms = fz_now,
	    .random = fz_random,
	    .sign = fz_sign,
	    .secret = fz_secret,
	    .done = fz_done,
	    .user_data = &f,
	};
	static bool has_hash;
	size_t pos = 1;
	int64_t at;

	if (!has_hash && gatt_db_hash(cache.db_hash) < 0)
		abort();
	has_hash = true;
	if (size < 1)
		return 0;
	svcport_client_config_init(&cfg, (enum svcport_client_link)(1 + (data[0] & 3) % 3));
	cfg.att_mtu = 23;
	cfg.att_write_without_response = data[0] & 4;
	cfg.cache = data[0] & 8 ? &cache : NULL;
	if (svcport_client_new(&cfg, &cb, &f.c) < 0)
		abort();
	f.running = true;
	if (svcport_client_connect(f.c) < 0)
		f.running = false;
	while (pos < size && record(&f, data, size, &pos)) {
		at = svcport_client_next_wakeup(f.c);
		check(at == -1 || at >= f.now);
	}
	svcport_client_free(f.c);
	return 0;
}
