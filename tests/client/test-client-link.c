// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libsvcport-client's links as byte scripts. ATT: the set-up against the gateway's real
 * ATT server, PDU by PDU (Exchange MTU, the Database Hash, discovery or the cache, TX's
 * CCCD, INFO), the cache rules (Vol 3 Part G 2.5.2.1: discovery only when the hash
 * differs; Database Out Of Sync forgets the cache), the ATT transaction timeout (Part F
 * 3.3.3) and a server that breaks the protocol. GATT (the OS's API) and CDC (split
 * input, bad frames) carry the same exchange.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "client-fixture.h"
#include "gatt-db.h"

/* abd10001-ebf7-4797-8f14-2b70edecfe4a in wire order. */
#define SVC_UUID                                                                                   \
	0x4a, 0xfe, 0xec, 0xed, 0x70, 0x2b, 0x14, 0x8f, 0x97, 0x47, 0xf7, 0xeb, 0x01, 0x00, 0xd1,  \
	    0xab

/* The device says a PDU (scripted mode: the real server is muted). */
#define SAYS(f, ...)                                                                               \
	do {                                                                                       \
		static const uint8_t _p[] = {__VA_ARGS__};                                         \
		memcpy((f)->to_client[(f)->n_to_client], _p, sizeof(_p));                          \
		(f)->to_client_len[(f)->n_to_client++] = sizeof(_p);                               \
		fx_pump(f);                                                                        \
	} while (0)

static void check_link_info(struct fx *f, uint16_t mtu, bool used_cache)
{
	assert_string_equal(f->link.device.machine_type, FX_MT);
	assert_string_equal(f->link.device.serial_number, FX_SN);
	assert_int_equal(f->link.lockdown, SVCPORT_CLIENT_LOCKDOWN_LOCKED);
	assert_int_equal(f->link.protocol_min, 1);
	assert_int_equal(f->link.protocol_max, 1);
	assert_int_equal(f->link.max_message, 8192);
	assert_int_equal(f->link.att_mtu, mtu);
	assert_int_equal(f->link.used_cache, used_cache);
}

/* What a phone that met this gateway before keeps: its hash and our handles. */
static struct svcport_client_gatt_cache good_cache(void)
{
	struct svcport_client_gatt_cache c = {.svc_start = GATT_HANDLE_SVC,
	                                      .svc_end = GATT_HANDLE_SVC_END,
	                                      .rx = GATT_HANDLE_RX,
	                                      .tx = GATT_HANDLE_TX,
	                                      .tx_ccc = GATT_HANDLE_TX_CCC,
	                                      .info = GATT_HANDLE_INFO};

	assert_int_equal(gatt_db_hash(c.db_hash), 0);
	return c;
}

/* A client with cache whose device is the test (the real server muted); the set-up has
 * begun and Exchange MTU was answered at 23. */
static struct fx *scripted(const struct svcport_client_gatt_cache *cache)
{
	struct fx *f = fx_new(SVCPORT_CLIENT_LINK_ATT);

	f->mute = true;
	f->cfg.cache = cache;
	fx_client(f);
	assert_int_equal(svcport_client_connect(f->c), 0);
	SAYS(f, 0x03, 0x17, 0x00);
	FX_PDU(f, 1, 0x08, 0x01, 0x00, 0xff, 0xff, 0x2a, 0x2b);
	return f;
}

/* A first visit at ATT_MTU 23: MTU, hash, discovery (6 exchanges), CCCD, INFO read long;
 * the hash and handles go to the app's cache. */
static void att_first_visit(void **state)
{
	struct fx *f = fx_new(SVCPORT_CLIENT_LINK_ATT);
	struct svcport_client_gatt_cache want = good_cache();
	struct svcport_client_stats st;

	fx_client(f);
	fx_connect(f, 0);
	FX_PDU(f, 0, 0x02, 0x17, 0x00);
	FX_PDU(f, 1, 0x08, 0x01, 0x00, 0xff, 0xff, 0x2a, 0x2b);
	FX_PDU(f, 2, 0x06, 0x01, 0x00, 0xff, 0xff, 0x00, 0x28, SVC_UUID);
	FX_PDU(f, 3, 0x08, 0x0a, 0x00, 0x14, 0x00, 0x03, 0x28);
	FX_PDU(f, 4, 0x08, 0x0c, 0x00, 0x14, 0x00, 0x03, 0x28);
	FX_PDU(f, 5, 0x08, 0x0f, 0x00, 0x14, 0x00, 0x03, 0x28);
	FX_PDU(f, 6, 0x08, 0x13, 0x00, 0x14, 0x00, 0x03, 0x28);
	FX_PDU(f, 7, 0x04, 0x10, 0x00, 0x14, 0x00);
	FX_PDU(f, 8, 0x12, 0x10, 0x00, 0x01, 0x00);
	FX_PDU(f, 9, 0x0a, 0x13, 0x00);
	FX_PDU(f, 10, 0x0c, 0x13, 0x00, 0x16, 0x00);
	assert_int_equal(f->n_pdu_log, 11);
	svcport_client_get_stats(f->c, &st);
	assert_int_equal(st.att_transactions, 11);
	assert_int_equal(st.exchanges, 0);
	check_link_info(f, 23, false);
	assert_int_equal(f->n_cache, 1);
	assert_false(f->cache_forgotten);
	assert_memory_equal(&f->cache, &want, sizeof(want));
	assert_int_equal(svcport_client_next_wakeup(f->c), -1);
	fx_free(f);
}

/* A returning phone whose cached hash is the server's: no discovery, 5 exchanges at MTU
 * 23 (MTU, hash, CCCD, INFO and its blob), nothing new to store. */
static void att_returning_phone(void **state)
{
	struct fx *f = fx_new(SVCPORT_CLIENT_LINK_ATT);
	struct svcport_client_gatt_cache cache = good_cache();
	struct svcport_client_stats st;

	f->cfg.cache = &cache;
	fx_client(f);
	memset(&cache, 0, sizeof(cache)); /* copied at creation */
	fx_connect(f, 0);
	FX_PDU(f, 0, 0x02, 0x17, 0x00);
	FX_PDU(f, 1, 0x08, 0x01, 0x00, 0xff, 0xff, 0x2a, 0x2b);
	FX_PDU(f, 2, 0x12, 0x10, 0x00, 0x01, 0x00);
	FX_PDU(f, 3, 0x0a, 0x13, 0x00);
	FX_PDU(f, 4, 0x0c, 0x13, 0x00, 0x16, 0x00);
	assert_int_equal(f->n_pdu_log, 5);
	svcport_client_get_stats(f->c, &st);
	assert_int_equal(st.att_transactions, 5);
	check_link_info(f, 23, true);
	assert_int_equal(f->n_cache, 0);
	fx_free(f);
}

/* A cache of another database (the hash differs) is forgotten and the service discovered;
 * one whose handles could not be ours (TX's CCCD before TX) is not trusted either. */
static void att_stale_cache(void **state)
{
	struct svcport_client_gatt_cache bad_hash = good_cache(), bad_handles = good_cache();
	struct svcport_client_gatt_cache want = good_cache();
	const struct svcport_client_gatt_cache *caches[] = {&bad_hash, &bad_handles};

	bad_hash.db_hash[3] ^= 0x01;
	bad_handles.tx_ccc = 0x0e;
	for (size_t i = 0; i < 2; i++) {
		struct fx *f = fx_new(SVCPORT_CLIENT_LINK_ATT);

		f->cfg.cache = caches[i];
		fx_client(f);
		fx_connect(f, 0);
		FX_PDU(f, 2, 0x06, 0x01, 0x00, 0xff, 0xff, 0x00, 0x28, SVC_UUID);
		assert_int_equal(f->n_pdu_log, 11);
		check_link_info(f, 23, false);
		assert_int_equal(f->n_cache, 2); /* forgotten, then the new one */
		assert_false(f->cache_forgotten);
		assert_memory_equal(&f->cache, &want, sizeof(want));
		fx_free(f);
	}
}

/* The n-th PDU starts discovery, the cache having been forgotten; the set-up goes on. */
static void discovers_after_forgetting(struct fx *f, size_t n)
{
	FX_PDU(f, n, 0x06, 0x01, 0x00, 0xff, 0xff, 0x00, 0x28, SVC_UUID);
	assert_int_equal(f->n_cache, 1);
	assert_true(f->cache_forgotten);
	assert_int_equal(f->n_done, 0);
	fx_free(f);
}

/* An older gateway without a Database Hash: Attribute Not Found, so discovery, and any
 * cache is forgotten (it could never be checked). */
static void att_server_without_hash(void **state)
{
	struct svcport_client_gatt_cache cache = good_cache();
	struct fx *f = scripted(&cache);

	SAYS(f, 0x01, 0x08, 0x01, 0x00, 0x0a);
	discovers_after_forgetting(f, 2);
}

/* Part G 2.5.2.1: Database Out Of Sync at a cached handle means the cache lied: it is
 * forgotten and the service discovered (the next request makes us change-aware). */
static void att_out_of_sync(void **state)
{
	struct svcport_client_gatt_cache cache = good_cache();
	struct fx *f;

	for (int i = 0; i < 16; i++)
		cache.db_hash[i] = (uint8_t)(i + 1);
	f = scripted(&cache);
	SAYS(f, 0x09, 0x12, 0x1c, 0x00, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
	FX_PDU(f, 2, 0x12, 0x10, 0x00, 0x01, 0x00);
	assert_int_equal(f->n_cache, 0);
	SAYS(f, 0x01, 0x12, 0x10, 0x00, 0x12);
	discovers_after_forgetting(f, 3);
}

/* Part F 3.3.3: a request unanswered for the ATT timeout ends the set-up, and the link. */
static void att_timeout(void **state)
{
	struct fx *f = fx_new(SVCPORT_CLIENT_LINK_ATT);
	int64_t t0 = f->now;

	f->mute = true;
	fx_client(f);
	assert_int_equal(svcport_client_connect(f->c), 0);
	assert_int_equal(svcport_client_next_wakeup(f->c), t0 + 30000);
	fx_tick_to(f, t0 + 29999);
	assert_int_equal(f->n_done, 0);
	fx_tick_to(f, t0 + 30000);
	assert_int_equal(f->n_done, 1);
	assert_int_equal(f->res.status, -ETIMEDOUT);
	assert_int_equal(svcport_client_start(f->c, SVCPORT_CLIENT_FLOW_INFO), -ENOTCONN);
	assert_int_equal(svcport_client_input(f->c, (const uint8_t[]){0x03, 0x17, 0x00}, 3),
	                 -ENOTCONN);
	fx_free(f);
}

/* A server that breaks ATT (a response of the wrong length, a response to nothing) ends
 * the set-up with -EPROTO; nothing it says later is read. */
static void att_broken_server(void **state)
{
	struct fx *f = fx_new(SVCPORT_CLIENT_LINK_ATT);

	f->mute = true;
	fx_client(f);
	assert_int_equal(svcport_client_connect(f->c), 0);
	SAYS(f, 0x03, 0x17);
	assert_int_equal(f->n_done, 1);
	assert_int_equal(f->res.status, -EPROTO);
	assert_int_equal(svcport_client_next_wakeup(f->c), -1);
	fx_free(f);

	f = fx_new(SVCPORT_CLIENT_LINK_ATT);
	f->mute = true;
	fx_client(f);
	assert_int_equal(svcport_client_connect(f->c), 0);
	SAYS(f, 0x0b, 0x01, 0x02);
	assert_int_equal(f->res.status, -EPROTO);
	fx_free(f);
}

/* INFO that is not a LinkInfo, or a gateway speaking only protocol 2 and up. */
static void att_bad_info(void **state)
{
	struct fx *f = fx_new(SVCPORT_CLIENT_LINK_ATT);

	memset(f->info_value, 0xff, 8);
	f->info_len = 8;
	fx_client(f);
	fx_connect(f, -EPROTO);
	fx_free(f);

	f = fx_new(SVCPORT_CLIENT_LINK_ATT);
	f->info_value[0] = 0x08; /* protocol_version 2, min 2 */
	f->info_value[1] = 0x02;
	f->info_value[2] = 0x28;
	f->info_value[3] = 0x02;
	f->info_len = 4;
	fx_client(f);
	fx_connect(f, -EPROTONOSUPPORT);
	assert_int_equal(f->res.error, SVCPORT_CLIENT_UNSUPPORTED_VERSION);
	assert_int_equal(svcport_client_start(f->c, SVCPORT_CLIENT_FLOW_INFO), -ENOTCONN);
	fx_free(f);
}

/* Creates and connects the client, starts INFO: the GetDeviceInfo's id. */
static uint32_t info_asked(struct fx *f)
{
	fx_client(f);
	fx_connect(f, 0);
	assert_int_equal(svcport_client_start(f->c, SVCPORT_CLIENT_FLOW_INFO), 0);
	return fx_request(f, svcport_v1_Request_get_device_info_tag);
}

/* One exchange over each link kind: GetDeviceInfo answered, stats counted. Over ATT at
 * MTU 23 with Write Command; over the OS's GATT API one write at a time. */
static void exchange_over(struct fx *f)
{
	svcport_v1_Response resp = svcport_v1_Response_init_zero;
	struct svcport_client_stats st;
	uint32_t id = info_asked(f);

	assert_false(f->frame.msg.request.body.get_device_info.include_certificate);
	resp.which_body = svcport_v1_Response_device_info_tag;
	resp.body.device_info.has_device = true;
	strcpy(resp.body.device_info.device.machine_type, FX_MT);
	strcpy(resp.body.device_info.device.serial_number, FX_SN);
	strcpy(resp.body.device_info.owner_org, "acme");
	strcpy(resp.body.device_info.firmware_version, "1.2.3 with a name to segment");
	resp.body.device_info.lockdown_state = svcport_v1_LockdownState_LOCKDOWN_ACTIVE;
	resp.body.device_info.control_mode = svcport_v1_ControlMode_CONTROL_PORTAL_MANAGED;
	resp.body.device_info.security_led = svcport_v1_SecurityLed_LED_ON;
	resp.body.device_info.has_identity = true;
	resp.body.device_info.known_signers_count = 1;
	resp.body.device_info.known_signers[0].size = 32;
	memset(resp.body.device_info.known_signers[0].bytes, 0x11, 32);
	fx_respond(f, id, &resp);
	assert_int_equal(f->res.flow, SVCPORT_CLIENT_FLOW_INFO);
	assert_int_equal(f->res.status, 0);
	assert_string_equal(f->info.owner_org, "acme");
	assert_string_equal(f->info.device.serial_number, FX_SN);
	assert_string_equal(f->info.firmware_version, "1.2.3 with a name to segment");
	assert_int_equal(f->info.lockdown, SVCPORT_CLIENT_LOCKDOWN_ACTIVE);
	assert_int_equal(f->info.control, SVCPORT_CLIENT_CONTROL_PORTAL);
	assert_int_equal(f->info.led, SVCPORT_CLIENT_LED_ON);
	assert_int_equal(f->info.n_known_signers, 1);
	assert_int_equal(f->info.known_signers[0][31], 0x11);
	svcport_client_get_stats(f->c, &st);
	assert_int_equal(st.exchanges, f->kind == SVCPORT_CLIENT_LINK_CDC ? 2 : 1);
	assert_int_equal(st.frames, st.exchanges);
	assert_int_equal(st.bad_input, 0);
	fx_free(f);
}

static void att_exchange_write_command(void **state)
{
	struct fx *f = fx_new(SVCPORT_CLIENT_LINK_ATT);

	f->cfg.att_write_without_response = true;
	exchange_over(f);
}

/* The RX segments of a request are Write Commands (0x52) to handle 0x000c at MTU 23. */
static void att_write_command_pdus(void **state)
{
	struct fx *f = fx_new(SVCPORT_CLIENT_LINK_ATT);

	f->cfg.att_write_without_response = true;
	(void)info_asked(f);
	assert_int_equal(f->n_pdu_log, 12);
	assert_int_equal(f->pdu_log[11][0], 0x52);
	assert_int_equal(f->pdu_log[11][1], 0x0c);
	assert_int_equal(f->pdu_log[11][3] & 0xc0, 0xc0); /* FIRST | LAST: one segment */
	fx_free(f);
}

static void gatt_api_exchange(void **state)
{
	exchange_over(fx_new(SVCPORT_CLIENT_LINK_GATT));
}

static void cdc_exchange_bytewise(void **state)
{
	struct fx *f = fx_new(SVCPORT_CLIENT_LINK_CDC);

	f->chunk = 1;
	exchange_over(f);
}

static void cdc_exchange_143(void **state)
{
	exchange_over(fx_new(SVCPORT_CLIENT_LINK_CDC));
}

/* Bad frames and bad segments cost only themselves (counted), then the link goes on. */
static void bad_input_resynchronises(void **state)
{
	static const uint8_t junk[] = {0x05, 0x11, 0x22, 0x33, 0x44, 0x00, 0x00, 0x01, 0x00};
	enum svcport_client_link kinds[] = {SVCPORT_CLIENT_LINK_CDC, SVCPORT_CLIENT_LINK_GATT};

	for (size_t i = 0; i < 2; i++) {
		struct fx *f = fx_new(kinds[i]);
		svcport_v1_Response resp = svcport_v1_Response_init_zero;
		struct svcport_client_stats st;
		uint32_t id = info_asked(f);

		/* CDC: a frame with a bad CRC and one too short; GATT: a segment whose
		 * counter is wrong (the device's next segment resynchronises). */
		assert_int_equal(
		    svcport_client_input(f->c, junk,
		                         kinds[i] == SVCPORT_CLIENT_LINK_CDC ? sizeof(junk) : 3),
		    0);
		resp.which_body = svcport_v1_Response_device_info_tag;
		if (kinds[i] == SVCPORT_CLIENT_LINK_GATT)
			f->dev_seg_tx.next_counter = 0x06; /* after the bad counter 0x05 */
		fx_respond(f, id, &resp);
		assert_int_equal(f->res.status, 0);
		svcport_client_get_stats(f->c, &st);
		assert_true(st.bad_input >= 1);
		fx_free(f);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(att_first_visit),
	    cmocka_unit_test(att_returning_phone),
	    cmocka_unit_test(att_stale_cache),
	    cmocka_unit_test(att_server_without_hash),
	    cmocka_unit_test(att_out_of_sync),
	    cmocka_unit_test(att_timeout),
	    cmocka_unit_test(att_broken_server),
	    cmocka_unit_test(att_bad_info),
	    cmocka_unit_test(att_exchange_write_command),
	    cmocka_unit_test(att_write_command_pdus),
	    cmocka_unit_test(gatt_api_exchange),
	    cmocka_unit_test(cdc_exchange_bytewise),
	    cmocka_unit_test(cdc_exchange_143),
	    cmocka_unit_test(bad_input_resynchronises),
	};

	return cmocka_run_group_tests_name("client-link", tests, NULL, NULL);
}
