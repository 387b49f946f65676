// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Segmentation (DESIGN §2.1): byte scripts named after the rule they check.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "seg.h"

#define SEGS(...) ((const uint8_t[]){__VA_ARGS__}), sizeof((const uint8_t[]){__VA_ARGS__})

struct fixture {
	struct seg_rx rx;
	uint8_t buf[64];
	const uint8_t *msg;
	size_t len;
};

static int setup(void **state)
{
	static struct fixture f;
	memset(&f, 0, sizeof(f));
	seg_rx_init(&f.rx, f.buf, 16); /* a 16-byte maximum keeps the scripts short */
	*state = &f;
	return 0;
}

static int push(struct fixture *f, const uint8_t *seg, size_t len)
{
	return seg_rx_push(&f->rx, seg, len, &f->msg, &f->len);
}

/* A message that fits one segment carries FIRST|LAST, counter 0, its length. */
static void rx_single_segment(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(push(f, SEGS(0xc0, 0x03, 0x00, 'a', 'b', 'c')), 1);
	assert_int_equal(f->len, 3);
	assert_memory_equal(f->msg, "abc", 3);
}

/* Continuations carry neither flag until the LAST; counters count up. */
static void rx_three_segments(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(push(f, SEGS(0x80, 0x05, 0x00, 'h', 'e')), 0);
	assert_int_equal(push(f, SEGS(0x01, 'l', 'l')), 0);
	assert_int_equal(push(f, SEGS(0x42, 'o')), 1);
	assert_int_equal(f->len, 5);
	assert_memory_equal(f->msg, "hello", 5);
	/* The counter goes on across messages. */
	assert_int_equal(push(f, SEGS(0xc3, 0x01, 0x00, 'x')), 1);
}

/* Counters are mod 16: segment 15 is followed by segment 0. */
static void rx_counter_wraps(void **state)
{
	struct fixture *f = *state;
	for (int i = 0; i < 15; i++) {
		uint8_t s[] = {(uint8_t)(0xc0 | i), 1, 0, 'z'};
		assert_int_equal(push(f, s, sizeof(s)), 1);
	}
	assert_int_equal(push(f, SEGS(0xcf, 0x01, 0x00, 'y')), 1);
	assert_int_equal(push(f, SEGS(0xc0, 0x01, 0x00, 'w')), 1);
	assert_memory_equal(f->msg, "w", 1);
}

/* A wrong counter drops the partial message; the next segment must carry the
 * offending counter + 1, so one bad segment never wedges the link. */
static void rx_wrong_counter_resyncs(void **state)
{
	struct fixture *f = *state;
	const uint8_t *keep = (const uint8_t *)"keep";
	f->msg = keep;
	assert_int_equal(push(f, SEGS(0x80, 0x04, 0x00, 'a', 'b')), 0);
	assert_int_equal(push(f, SEGS(0x45, 'c', 'd')), -EPROTO); /* expected 1 */
	assert_ptr_equal(f->msg, keep);                           /* untouched on error */
	assert_int_equal(push(f, SEGS(0xc6, 0x02, 0x00, 'o', 'k')), 1);
	assert_memory_equal(f->msg, "ok", 2);
}

/* A continuation with no FIRST before it is a protocol error. */
static void rx_continuation_without_first(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(push(f, SEGS(0x40, 'x')), -EPROTO);
	assert_int_equal(push(f, SEGS(0xc1, 0x01, 0x00, 'x')), 1);
}

/* Messages never interleave: FIRST inside a message is an error. */
static void rx_first_inside_message(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(push(f, SEGS(0x80, 0x04, 0x00, 'a', 'b')), 0);
	assert_int_equal(push(f, SEGS(0xc1, 0x01, 0x00, 'x')), -EPROTO);
	assert_int_equal(push(f, SEGS(0xc2, 0x01, 0x00, 'y')), 1);
}

/* More bytes than announced, or LAST before the announced length, drop it. */
static void rx_length_mismatch(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(push(f, SEGS(0xc0, 0x02, 0x00, 'a', 'b', 'c')), -EPROTO);
	assert_int_equal(push(f, SEGS(0x81, 0x04, 0x00, 'a')), 0);
	assert_int_equal(push(f, SEGS(0x42, 'b')), -EPROTO); /* 2 of 4 bytes */
	assert_int_equal(push(f, SEGS(0xc3, 0x01, 0x00, 'z')), 1);
}

/* An announced length over the maximum, or of zero, is refused at once. */
static void rx_over_maximum(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(push(f, SEGS(0x80, 0x11, 0x00, 'a')), -EMSGSIZE); /* 17 > 16 */
	assert_int_equal(push(f, SEGS(0xc1, 0x00, 0x00)), -EMSGSIZE);
	assert_int_equal(push(f, SEGS(0xc2, 0x10, 0x00, 'a')), -EPROTO); /* 16: fits, too short */
	assert_int_equal(push(f, SEGS(0xc3, 0x01, 0x00, 'q')), 1);
}

/* Truncated headers, empty continuations and reserved bits are errors. */
static void rx_malformed_headers(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(seg_rx_push(&f->rx, NULL, 0, &f->msg, &f->len), -EPROTO);
	assert_int_equal(push(f, SEGS(0xc0, 0x01)), -EPROTO);
	assert_int_equal(push(f, SEGS(0x81, 0x02, 0x00, 'a')), 0);
	assert_int_equal(push(f, SEGS(0x02)), -EPROTO);
	assert_int_equal(push(f, SEGS(0xd3, 0x01, 0x00, 'a')), -EPROTO); /* bit 4 */
	assert_int_equal(push(f, SEGS(0xc4, 0x01, 0x00, 'a')), 1);
}

/* A new connection starts both counters at 0. */
static void rx_reset_restarts_counter(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(push(f, SEGS(0x80, 0x04, 0x00, 'a')), 0);
	seg_rx_reset(&f->rx);
	assert_int_equal(push(f, SEGS(0xc0, 0x01, 0x00, 'n')), 1);
}

struct collect {
	uint8_t segs[64][32];
	size_t lens[64];
	size_t n;
	int fail_at;
};

static int collect_emit(const uint8_t *seg, size_t len, void *user_data)
{
	struct collect *c = user_data;
	if ((int)c->n == c->fail_at)
		return -EPIPE;
	assert_true(len <= sizeof(c->segs[0]));
	memcpy(c->segs[c->n], seg, len);
	c->lens[c->n++] = len;
	return 0;
}

/* At ATT_MTU 23 a segment holds 20 bytes: 17 of message in the FIRST one. */
static void tx_split_mtu23(void **state)
{
	(void)state;
	struct seg_tx tx;
	struct collect c = {.fail_at = -1};
	uint8_t msg[40];
	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	seg_tx_reset(&tx);
	assert_int_equal(seg_tx_split(&tx, msg, sizeof(msg), 20, collect_emit, &c), 0);
	assert_int_equal(c.n, 3);
	assert_int_equal(seg_count(sizeof(msg), 20), 3);
	assert_int_equal(c.lens[0], 20);
	assert_int_equal(c.segs[0][0], 0x80);
	assert_int_equal(c.segs[0][1], 40);
	assert_int_equal(c.segs[0][2], 0);
	assert_int_equal(c.lens[1], 20);
	assert_int_equal(c.segs[1][0], 0x01);
	assert_int_equal(c.lens[2], 1 + 40 - 17 - 19);
	assert_int_equal(c.segs[2][0], 0x42);
	assert_int_equal(tx.next_counter, 3);
}

/* Segments go straight from the splitter into a reassembler. */
struct pipe {
	struct seg_rx *rx;
	size_t segs, done;
	const uint8_t *msg;
	size_t len;
};

static int pipe_emit(const uint8_t *seg, size_t len, void *user_data)
{
	struct pipe *p = user_data;
	assert_true(len <= SEG_MAX_SEGMENT);
	p->segs++;
	int r = seg_rx_push(p->rx, seg, len, &p->msg, &p->len);
	assert_true(r >= 0);
	p->done += (size_t)r;
	return 0;
}

/* Whatever the segment size, reassembly gives back the exact message. */
static void tx_rx_round_trip_all_sizes(void **state)
{
	(void)state;
	static uint8_t msg[SEG_DEFAULT_MAX], buf[SEG_DEFAULT_MAX];
	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 31 + 7);
	static const size_t seg_max[] = {4, 20, 182, 244, 512, 514, 600};
	static const size_t lens[] = {1, 16, 17, 18, 1000, SEG_DEFAULT_MAX};
	for (size_t s = 0; s < sizeof(seg_max) / sizeof(seg_max[0]); s++) {
		for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
			struct seg_tx tx;
			struct seg_rx rx;
			struct pipe p = {.rx = &rx};
			seg_tx_reset(&tx);
			seg_rx_init(&rx, buf, sizeof(buf));
			assert_int_equal(seg_tx_split(&tx, msg, lens[l], seg_max[s], pipe_emit, &p),
			                 0);
			assert_int_equal(p.done, 1);
			assert_int_equal(p.segs, seg_count(lens[l], seg_max[s]));
			assert_int_equal(p.len, lens[l]);
			assert_memory_equal(p.msg, msg, lens[l]);
		}
	}
}

/* Bad arguments are refused, and an emit failure stops the split. */
static void tx_rejects(void **state)
{
	(void)state;
	struct seg_tx tx;
	struct collect c = {.fail_at = 1};
	uint8_t msg[64] = {0};
	seg_tx_reset(&tx);
	assert_int_equal(seg_tx_split(&tx, msg, 0, 20, collect_emit, &c), -EINVAL);
	assert_int_equal(seg_tx_split(&tx, msg, 10, 3, collect_emit, &c), -EINVAL);
	assert_int_equal(seg_tx_split(&tx, msg, 0x10000, 20, collect_emit, &c), -EINVAL);
	assert_int_equal(seg_tx_split(&tx, msg, sizeof(msg), 20, collect_emit, &c), -EPIPE);
	assert_int_equal(c.n, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(rx_single_segment, setup),
	    cmocka_unit_test_setup(rx_three_segments, setup),
	    cmocka_unit_test_setup(rx_counter_wraps, setup),
	    cmocka_unit_test_setup(rx_wrong_counter_resyncs, setup),
	    cmocka_unit_test_setup(rx_continuation_without_first, setup),
	    cmocka_unit_test_setup(rx_first_inside_message, setup),
	    cmocka_unit_test_setup(rx_length_mismatch, setup),
	    cmocka_unit_test_setup(rx_over_maximum, setup),
	    cmocka_unit_test_setup(rx_malformed_headers, setup),
	    cmocka_unit_test_setup(rx_reset_restarts_counter, setup),
	    cmocka_unit_test(tx_split_mtu23),
	    cmocka_unit_test(tx_rx_round_trip_all_sizes),
	    cmocka_unit_test(tx_rejects),
	};
	return cmocka_run_group_tests_name("seg", tests, NULL, NULL);
}
