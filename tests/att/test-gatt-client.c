// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * GATT client tests over socketpair(AF_UNIX, SOCK_SEQPACKET), one ATT PDU per packet as on
 * an L2CAP LE socket:
 * - against the real ATT server, run in a forked child as a segment-echo daemon: the full
 *   discovery, INFO (a real encoded LinkInfo, read long at MTU 23) and segmented echoes at
 *   ATT_MTU 23, 185 and 517, with exact PDU and byte counts;
 * - against scripted server bytes written into the socket before the call (the client
 *   only ever reads what is queued), for the error paths.
 * Nothing sleeps: the child is waited for, the scripted peer is a buffered socket.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <pb_decode.h>
#include <pb_encode.h>

#include "att-server.h"
#include "gatt-client.h"
#include "gatt-db.h"
#include "seg.h"
#include "svcport.pb.h"

/* ---------------------------------------------------------------- the echo daemon */

struct echo {
	int fd;
	struct att_server *srv;
	struct seg_rx rx;
	struct seg_tx tx;
	uint8_t buf[SEG_DEFAULT_MAX];
};

static int echo_send(const uint8_t *pdu, size_t len, void *user_data)
{
	struct echo *e = user_data;

	return write(e->fd, pdu, len) == (ssize_t)len ? 0 : -EIO;
}

static int echo_emit(const uint8_t *seg, size_t len, void *user_data)
{
	struct echo *e = user_data;

	return att_server_notify_tx(e->srv, seg, len);
}

/* Answers synchronously: the echo's notifications leave before the Write Response of the
 * last segment, which the client must queue. */
static int echo_rx(const uint8_t *value, size_t len, bool need_rsp, void *user_data)
{
	struct echo *e = user_data;
	const uint8_t *msg;
	size_t msg_len;
	int r = seg_rx_push(&e->rx, value, len, &msg, &msg_len);

	if (r <= 0)
		return r;
	return seg_tx_split(&e->tx, msg, msg_len, att_server_max_value_len(e->srv), echo_emit, e);
}

static const char test_mt[] = "7D2X";
static const char test_sn[] = "J300ABCDEFGHIJKLMNOPQRSTUVWXYZ01";

static int echo_info(uint8_t *buf, size_t cap, size_t *ret_len, void *user_data)
{
	svcport_v1_LinkInfo info = svcport_v1_LinkInfo_init_zero;
	pb_ostream_t os = pb_ostream_from_buffer(buf, cap);

	info.protocol_version = 1;
	info.min_protocol_version = 1;
	info.max_message_size = SEG_DEFAULT_MAX;
	info.has_device = true;
	strcpy(info.device.machine_type, test_mt);
	strcpy(info.device.serial_number, test_sn);
	info.lockdown_state = svcport_v1_LockdownState_LOCKDOWN_LOCKED;
	if (!pb_encode(&os, svcport_v1_LinkInfo_fields, &info))
		return -EMSGSIZE;
	*ret_len = os.bytes_written;
	return 0;
}

static void echo_run(int fd, uint16_t server_mtu, enum att_security required)
{
	static struct echo e;
	struct att_server_config cfg = {.mtu = server_mtu, .required_security = required};
	struct att_server_callbacks cb = {echo_send, echo_rx, echo_info, NULL, &e};
	uint8_t pdu[ATT_MTU_MAX + 1];

	alarm(60); /* a safety net if the parent dies without closing its end */
	e.fd = fd;
	seg_rx_init(&e.rx, e.buf, sizeof(e.buf));
	seg_tx_reset(&e.tx);
	if (att_server_new(&cfg, &cb, &e.srv) < 0)
		_exit(2);
	for (;;) {
		ssize_t n = read(fd, pdu, sizeof(pdu));
		if (n <= 0)
			break;
		if (att_server_handle_pdu(e.srv, pdu, (size_t)n) < 0)
			_exit(3);
	}
	att_server_free(e.srv);
	_exit(0);
}

struct fixture {
	int fd;    /* the client's end */
	int peer;  /* the server's end (scripted tests), -1 once given to the child */
	pid_t pid; /* the echo daemon, 0 if none */
};

static int fixture_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	int sv[2];

	if (!f || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		free(f);
		return -1;
	}
	f->fd = sv[0];
	f->peer = sv[1];
	*state = f;
	return 0;
}

static void fixture_spawn(struct fixture *f, uint16_t server_mtu, enum att_security required)
{
	f->pid = fork();
	assert_true(f->pid >= 0);
	if (f->pid == 0) {
		close(f->fd);
		echo_run(f->peer, server_mtu, required);
	}
	close(f->peer);
	f->peer = -1;
}

static int fixture_teardown(void **state)
{
	struct fixture *f = *state;
	int status = 0;

	close(f->fd);
	if (f->peer >= 0)
		close(f->peer);
	/* The child sees EOF and exits; it must have exited cleanly. */
	if (f->pid > 0 && waitpid(f->pid, &status, 0) == f->pid)
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	free(f);
	return 0;
}

/* ---------------------------------------------------------------- against the server */

static struct gatt_client *client_new(int fd, uint16_t mtu, bool wwr)
{
	struct gatt_client_config cfg = {
	    .mtu = mtu, .timeout_ms = 10000, .write_without_response = wwr};
	struct gatt_client *c = NULL;

	assert_int_equal(gatt_client_new(fd, &cfg, &c), 0);
	return c;
}

static void check_info(struct gatt_client *c)
{
	svcport_v1_LinkInfo info = svcport_v1_LinkInfo_init_zero;
	uint8_t buf[ATT_MAX_VALUE_LEN];
	size_t len = 0;
	pb_istream_t is;

	assert_int_equal(gatt_client_read_info(c, buf, sizeof(buf), &len), 0);
	is = pb_istream_from_buffer(buf, len);
	assert_true(pb_decode(&is, svcport_v1_LinkInfo_fields, &info));
	assert_int_equal(info.max_message_size, SEG_DEFAULT_MAX);
	assert_string_equal(info.device.machine_type, test_mt);
	assert_string_equal(info.device.serial_number, test_sn);
	assert_int_equal(info.lockdown_state, svcport_v1_LockdownState_LOCKDOWN_LOCKED);
	/* A cap that is too small is refused. */
	assert_int_equal(gatt_client_read_info(c, buf, len - 1, &len), -EMSGSIZE);
}

static void discover(struct gatt_client *c)
{
	struct gattc_handles h;

	assert_int_equal(gatt_client_discover(c), 0);
	gatt_client_get_handles(c, &h);
	assert_int_equal(h.svc_start, GATT_HANDLE_SVC);
	assert_int_equal(h.svc_end, GATT_HANDLE_SVC_END);
	assert_int_equal(h.rx, GATT_HANDLE_RX);
	assert_int_equal(h.tx, GATT_HANDLE_TX);
	assert_int_equal(h.tx_ccc, GATT_HANDLE_TX_CCC);
	assert_int_equal(h.info, GATT_HANDLE_INFO);
	assert_int_equal(gatt_client_enable_notifications(c), 0);
}

static void fill(uint8_t *msg, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		msg[i] = (uint8_t)(i * 131 + seed);
}

/* Sends len bytes, gets the echo, and checks the ATT traffic it cost, PDU by PDU. */
static void echo_message(struct gatt_client *c, size_t len, bool wwr)
{
	static uint8_t msg[SEG_DEFAULT_MAX], back[SEG_DEFAULT_MAX];
	size_t seg_max = gatt_client_max_value_len(c), n = seg_count(len, seg_max), got = 0;
	struct gattc_stats s0, s1;

	fill(msg, len, (unsigned)len);
	gatt_client_get_stats(c, &s0);
	assert_int_equal(gatt_client_send_message(c, msg, len), 0);
	assert_int_equal(gatt_client_recv_message(c, back, sizeof(back), &got, 10000), 0);
	assert_int_equal(got, len);
	assert_memory_equal(back, msg, len);
	gatt_client_get_stats(c, &s1);
	/* Each segment: 3 bytes of ATT header + 1 of segment header (+2 on the first). */
	assert_int_equal(s1.tx_pdus - s0.tx_pdus, n);
	assert_int_equal(s1.tx_bytes - s0.tx_bytes, len + 2 + 4 * n);
	assert_int_equal(s1.notifications - s0.notifications, n);
	assert_int_equal(s1.rx_pdus - s0.rx_pdus, wwr ? n : 2 * n);
	assert_int_equal(s1.rx_bytes - s0.rx_bytes, len + 2 + 4 * n + (wwr ? 0 : n));
	assert_int_equal(s1.transactions - s0.transactions, wwr ? 0 : n);
	assert_int_equal(s1.dropped, 0);
}

/* Full flow at ATT_MTU 23: the discovery costs exactly the PDUs of docs/gatt.md. */
static void flow_mtu23(void **state)
{
	struct fixture *f = *state;
	struct gattc_stats s;
	struct gatt_client *c;

	fixture_spawn(f, 517, ATT_SECURITY_LOW);
	c = client_new(f->fd, 23, false);
	assert_int_equal(gatt_client_exchange_mtu(c), 0);
	assert_int_equal(gatt_client_get_mtu(c), 23);
	assert_int_equal(gatt_client_discover(c), 0);
	gatt_client_get_stats(c, &s);
	/* MTU; Find By Type Value; Read By Type x4 (3 characteristics, then Not Found);
	 * Find Information from TX's value. */
	assert_int_equal(s.tx_pdus, 1 + 1 + 4 + 1);
	assert_int_equal(s.tx_bytes, 3 + 23 + 4 * 7 + 5);
	assert_int_equal(s.rx_pdus, 7);
	assert_int_equal(s.rx_bytes, 3 + 5 + 3 * 23 + 5 + 14);
	assert_int_equal(s.transactions, 7);
	discover(c);
	check_info(c);
	echo_message(c, 1, false);
	echo_message(c, 20, false);
	echo_message(c, 1000, false);
	echo_message(c, SEG_DEFAULT_MAX, false);
	gatt_client_free(c);
}

/* A returning phone's one read: the Database Hash over the whole range, as the server
 * computes it for its table. */
static void flow_hash(void **state)
{
	struct fixture *f = *state;
	struct gattc_stats s;
	uint8_t want[GATT_DB_HASH_LEN], got[GATT_CLIENT_HASH_LEN];
	struct gatt_client *c;

	fixture_spawn(f, 517, ATT_SECURITY_MEDIUM);
	c = client_new(f->fd, 23, false);
	assert_int_equal(gatt_db_hash(want), 0);
	assert_int_equal(gatt_client_read_hash(c, got), 0);
	assert_memory_equal(got, want, sizeof(want));
	gatt_client_get_stats(c, &s);
	assert_int_equal(s.transactions, 1);
	assert_int_equal(s.tx_bytes, 7);
	assert_int_equal(s.rx_bytes, 2 + 2 + 16);
	gatt_client_free(c);
}

static void flow_mtu517(void **state)
{
	struct fixture *f = *state;
	struct gatt_client *c;

	fixture_spawn(f, 517, ATT_SECURITY_LOW);
	c = client_new(f->fd, 517, false);
	assert_int_equal(gatt_client_exchange_mtu(c), 0);
	assert_int_equal(gatt_client_get_mtu(c), 517);
	discover(c);
	check_info(c);
	echo_message(c, 511, false);
	echo_message(c, 512, false);
	echo_message(c, 5000, false);
	echo_message(c, SEG_DEFAULT_MAX, false);
	gatt_client_free(c);
}

/* Write Command at the server's smaller MTU (185): no responses, same segments. */
static void flow_write_cmd_mtu185(void **state)
{
	struct fixture *f = *state;
	struct gatt_client *c;

	fixture_spawn(f, 185, ATT_SECURITY_LOW);
	c = client_new(f->fd, 517, true);
	assert_int_equal(gatt_client_exchange_mtu(c), 0);
	assert_int_equal(gatt_client_get_mtu(c), 185);
	discover(c);
	echo_message(c, 3000, true);
	echo_message(c, 182, true);
	gatt_client_free(c);
}

/* A server that requires encryption: discovery works, the rest is refused with the exact
 * ATT code (what the VM test without pairing relies on). */
static void flow_insufficient_encryption(void **state)
{
	struct fixture *f = *state;
	struct gatt_client *c;
	uint8_t buf[64];
	size_t len;

	fixture_spawn(f, 517, ATT_SECURITY_MEDIUM);
	c = client_new(f->fd, 23, false);
	assert_int_equal(gatt_client_discover(c), 0);
	assert_int_equal(gatt_client_enable_notifications(c), -EACCES);
	assert_int_equal(gatt_client_last_att_error(c), ATT_ECODE_INSUFF_ENCRYPTION);
	assert_int_equal(gatt_client_read_info(c, buf, sizeof(buf), &len), -EACCES);
	assert_int_equal(gatt_client_write_rx(c, (const uint8_t *)"x", 1), -EACCES);
	gatt_client_free(c);
}

/* ---------------------------------------------------------------- scripted server */

static void peer_put(struct fixture *f, const uint8_t *pdu, size_t len)
{
	assert_int_equal(write(f->peer, pdu, len), (ssize_t)len);
}

static void peer_expect(struct fixture *f, const uint8_t *pdu, size_t len)
{
	uint8_t buf[ATT_MTU_MAX + 1];
	ssize_t n = recv(f->peer, buf, sizeof(buf), MSG_DONTWAIT);

	assert_int_equal(n, (ssize_t)len);
	assert_memory_equal(buf, pdu, len);
}

static void peer_expect_nothing(struct fixture *f)
{
	uint8_t buf[8];

	assert_int_equal(recv(f->peer, buf, sizeof(buf), MSG_DONTWAIT), -1);
	assert_int_equal(errno, EAGAIN);
}

#define PUT(...) peer_put(f, (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}))
#define EXPECT(...)                                                                                \
	peer_expect(f, (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}))

/* GATT/CL/GAC/BV-01-C: the client offers its Rx MTU and takes the smaller one; an
 * indication met on the way is confirmed. */
static void cl_mtu(void **state)
{
	struct fixture *f = *state;
	struct gatt_client *c = client_new(f->fd, 517, false);

	PUT(0x1d, 0x08, 0x00, 0x01, 0x00, 0xff, 0xff);
	PUT(0x03, 0x00, 0x01);
	assert_int_equal(gatt_client_exchange_mtu(c), 0);
	assert_int_equal(gatt_client_get_mtu(c), 256);
	assert_true(gatt_client_has_service_changed(c));
	EXPECT(0x02, 0x05, 0x02);
	EXPECT(0x1e);
	peer_expect_nothing(f);
	gatt_client_free(c);
}

/* Error Responses map to errnos, the code is kept. */
static void cl_error_response(void **state)
{
	struct fixture *f = *state;
	struct gatt_client *c = client_new(f->fd, 23, false);

	PUT(0x01, 0x02, 0x00, 0x00, 0x06);
	assert_int_equal(gatt_client_exchange_mtu(c), -EOPNOTSUPP);
	assert_int_equal(gatt_client_last_att_error(c), 0x06);
	PUT(0x01, 0x06, 0x01, 0x00, 0x0a);
	assert_int_equal(gatt_client_discover(c), -ENOENT);
	/* An error answering another request is a protocol violation. */
	PUT(0x01, 0x04, 0x01, 0x00, 0x0a);
	assert_int_equal(gatt_client_exchange_mtu(c), -EPROTO);
	/* ... after which the bearer is dead. */
	assert_int_equal(gatt_client_exchange_mtu(c), -ENOTCONN);
	gatt_client_free(c);
}

/* A server that breaks the rules: a PDU over ATT_MTU, handles that go backwards. */
static void cl_bad_server(void **state)
{
	struct fixture *f = *state;
	struct gatt_client *c = client_new(f->fd, 23, false);
	uint8_t big[24] = {0x03, 0x17, 0x00};

	peer_put(f, big, sizeof(big));
	assert_int_equal(gatt_client_exchange_mtu(c), -EPROTO);
	gatt_client_free(c);

	c = client_new(f->fd, 23, false);
	PUT(0x07, 0x0a, 0x00, 0x14, 0x00);
	PUT(0x09, 0x07, 0x0b, 0x00, 0x0c, 0x0c, 0x00, 0x00, 0x2a, 0x0b, 0x00, 0x0c, 0x0c, 0x00,
	    0x00, 0x2a);
	assert_int_equal(gatt_client_discover(c), -EPROTO);
	gatt_client_free(c);
}

/* Part G 3.3.2: a characteristic value follows its declaration, inside the service; a
 * descriptor found outside the service is not ours either. */
static void cl_bad_handles(void **state)
{
	struct fixture *f = *state;
	struct gattc_handles h;
	struct gatt_client *c = client_new(f->fd, 23, false);

	PUT(0x07, 0x0a, 0x00, 0x14, 0x00);
	PUT(0x09, 0x07, 0x0b, 0x00, 0x0c, 0x0d, 0x00, 0x00, 0x2a);
	assert_int_equal(gatt_client_discover(c), -EPROTO);
	gatt_client_get_handles(c, &h);
	assert_int_equal(h.rx, 0);
	gatt_client_free(c);

	c = client_new(f->fd, 23, false);
	PUT(0x07, 0x0a, 0x00, 0x0b, 0x00);
	PUT(0x09, 0x07, 0x0b, 0x00, 0x0c, 0x0c, 0x00, 0x00, 0x2a);
	assert_int_equal(gatt_client_discover(c), -EPROTO);
	gatt_client_free(c);

	/* A well-formed service whose TX CCCD is reported past the service end. */
	c = client_new(f->fd, 23, false);
	PUT(0x07, 0x0a, 0x00, 0x14, 0x00);
	PUT(0x09, 0x15, 0x0b, 0x00, 0x0c, 0x0c, 0x00, 0x4a, 0xfe, 0xec, 0xed, 0x70, 0x2b, 0x14,
	    0x8f, 0x97, 0x47, 0xf7, 0xeb, 0x02, 0x00, 0xd1, 0xab);
	PUT(0x09, 0x15, 0x0e, 0x00, 0x10, 0x0f, 0x00, 0x4a, 0xfe, 0xec, 0xed, 0x70, 0x2b, 0x14,
	    0x8f, 0x97, 0x47, 0xf7, 0xeb, 0x03, 0x00, 0xd1, 0xab);
	PUT(0x09, 0x15, 0x12, 0x00, 0x02, 0x13, 0x00, 0x4a, 0xfe, 0xec, 0xed, 0x70, 0x2b, 0x14,
	    0x8f, 0x97, 0x47, 0xf7, 0xeb, 0x04, 0x00, 0xd1, 0xab);
	PUT(0x01, 0x08, 0x13, 0x00, 0x0a);
	PUT(0x05, 0x01, 0x15, 0x00, 0x02, 0x29);
	assert_int_equal(gatt_client_discover(c), -EPROTO);
	gatt_client_get_handles(c, &h);
	assert_int_equal(h.tx_ccc, 0);
	gatt_client_free(c);
}

/* ATT transaction timeout (3.3.3): -ETIMEDOUT, and the bearer is not used again. The
 * peer stays silent; 50 ms is the only wait in this file. */
static void cl_timeout(void **state)
{
	struct fixture *f = *state;
	struct gatt_client_config cfg = {.timeout_ms = 50};
	struct gatt_client *c = NULL;

	assert_int_equal(gatt_client_new(f->fd, &cfg, &c), 0);
	assert_int_equal(gatt_client_exchange_mtu(c), -ETIMEDOUT);
	assert_int_equal(gatt_client_exchange_mtu(c), -ENOTCONN);
	gatt_client_free(c);
}

static void cl_peer_closed(void **state)
{
	struct fixture *f = *state;
	struct gatt_client *c = client_new(f->fd, 23, false);

	close(f->peer);
	f->peer = -1;
	assert_true(gatt_client_exchange_mtu(c) < 0);
	gatt_client_free(c);
}

/* The hash read: an older gateway without one (-ENOENT), a malformed answer (-EPROTO, the
 * bearer is dead), and Database Out Of Sync at a cached handle (-ESTALE). */
static void cl_hash(void **state)
{
	struct fixture *f = *state;
	struct gatt_client *c = client_new(f->fd, 23, false);
	uint8_t hash[GATT_CLIENT_HASH_LEN];

	PUT(0x01, 0x08, 0x01, 0x00, 0x0a);
	assert_int_equal(gatt_client_read_hash(c, hash), -ENOENT);
	EXPECT(0x08, 0x01, 0x00, 0xff, 0xff, 0x2a, 0x2b);
	PUT(0x09, 0x12, 0x1c, 0x00, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
	assert_int_equal(gatt_client_read_hash(c, hash), 0);
	EXPECT(0x08, 0x01, 0x00, 0xff, 0xff, 0x2a, 0x2b);
	assert_int_equal(hash[15], 16);
	PUT(0x01, 0x02, 0x00, 0x00, 0x12);
	assert_int_equal(gatt_client_exchange_mtu(c), -ESTALE);
	assert_int_equal(gatt_client_last_att_error(c), ATT_ECODE_DB_OUT_OF_SYNC);
	EXPECT(0x02, 0x17, 0x00);
	gatt_client_free(c);

	c = client_new(f->fd, 23, false);
	PUT(0x09, 0x11, 0x1c, 0x00, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
	assert_int_equal(gatt_client_read_hash(c, hash), -EPROTO);
	EXPECT(0x08, 0x01, 0x00, 0xff, 0xff, 0x2a, 0x2b);
	assert_int_equal(gatt_client_read_hash(c, hash), -ENOTCONN);
	peer_expect_nothing(f);
	gatt_client_free(c);
}

/* Without discovery there is nothing to write to; bad segments are reported. */
static void cl_messages(void **state)
{
	struct fixture *f = *state;
	struct gatt_client_config bad = {.mtu = 22};
	struct gatt_client *c = NULL;
	uint8_t buf[16];
	size_t len;

	assert_int_equal(gatt_client_new(f->fd, &bad, &c), -EINVAL);
	assert_null(c);
	c = client_new(f->fd, 23, false);
	assert_int_equal(gatt_client_send_message(c, (const uint8_t *)"x", 1), -ENOENT);
	assert_int_equal(gatt_client_write_rx(c, (const uint8_t *)"x", 1), -ENOENT);
	assert_int_equal(gatt_client_enable_notifications(c), -ENOENT);
	assert_int_equal(gatt_client_read_info(c, buf, sizeof(buf), &len), -ENOENT);
	gatt_client_free(c);
	gatt_client_free(NULL);
}

#define FIXTURE_TEST(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    FIXTURE_TEST(flow_mtu23),
	    FIXTURE_TEST(flow_hash),
	    FIXTURE_TEST(flow_mtu517),
	    FIXTURE_TEST(flow_write_cmd_mtu185),
	    FIXTURE_TEST(flow_insufficient_encryption),
	    FIXTURE_TEST(cl_mtu),
	    FIXTURE_TEST(cl_error_response),
	    FIXTURE_TEST(cl_bad_server),
	    FIXTURE_TEST(cl_bad_handles),
	    FIXTURE_TEST(cl_timeout),
	    FIXTURE_TEST(cl_peer_closed),
	    FIXTURE_TEST(cl_hash),
	    FIXTURE_TEST(cl_messages),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("gatt-client", tests, NULL, NULL);
}
