// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The host interface's core (core/hostif.h) on the tests' clock: the locked
 * answer word for word, the AK to an active server's firmware and the audit
 * record of each answer, the rate limit and its window, a tamper refusing
 * the AK at once (also on a full disk, through the fault seam), and every
 * bad request refused with nothing changed on disk.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <pb_decode.h>
#include <pb_encode.h>

#include "admin-fixture.h"
#include "audit.h"
#include "fsio-fault.h"
#include "hostif.h"
#include "sealed.h"

#define HS(x)           svcport_host_v1_HostStatus_HOST_##x
#define BOOT            svcport_host_v1_HostRequest_boot_tag
#define GET_AK          svcport_host_v1_HostRequest_get_sed_ak_tag
#define ACTIVE          svcport_v1_LockdownState_LOCKDOWN_ACTIVE
#define LOCKED          svcport_v1_LockdownState_LOCKDOWN_LOCKED
#define LOCKED_SENTENCE "System is locked down and must be activated in order to complete booting"

static struct hostif hif;
static svcport_host_v1_HostReply hrep;
static struct hostif_outcome outcome;

static int setup_active(void **state)
{
	fsio_fault_set(NULL);
	setup_bmc_intrusion(state);
	hostif_init(&hif, W.bmc, NULL);
	return 0;
}

static int setup_locked(void **state)
{
	fsio_fault_set(NULL);
	setup_portal(state);
	hostif_init(&hif, W.bmc, NULL);
	assert_int_equal(st()->lockdown_state, LOCKED);
	return 0;
}

static int teardown_host(void **state)
{
	fsio_fault_set(NULL);
	return teardown(state);
}

static svcport_host_v1_HostStatus ask(pb_size_t tag, uint32_t id)
{
	svcport_host_v1_HostRequest r = svcport_host_v1_HostRequest_init_zero;

	r.version = 1;
	r.request_id = id;
	r.which_body = tag;
	hostif_handle(&hif, &r, &hrep, &outcome);
	assert_int_equal(hrep.request_id, id);
	assert_int_equal(hrep.version, 1);
	assert_int_equal(outcome.status, hrep.status);
	if (hrep.status != HS(OK))
		assert_int_not_equal(hrep.which_body, svcport_host_v1_HostReply_sed_ak_tag);
	return hrep.status;
}

static svcport_admin_v1_AdminError tamper(void)
{
	new_req();
	req.cmd.tamper.kind = svcport_admin_v1_TamperKind_TAMPER_INTRUSION;
	return run(CMD(tamper), PW);
}

static void expect_locked_sentence(void)
{
	assert_int_equal(hrep.status, HS(LOCKED));
	assert_string_equal(hrep.message, LOCKED_SENTENCE);
	assert_int_not_equal(hrep.which_body, svcport_host_v1_HostReply_sed_ak_tag);
}

static void locked_answer_is_exact_and_gives_no_key(void **state)
{
	uint64_t count;

	assert_int_equal(ask(BOOT, 7), HS(LOCKED));
	expect_locked_sentence();
	assert_int_equal(hrep.which_body, svcport_host_v1_HostReply_boot_tag);
	assert_false(hrep.body.boot.may_boot);
	assert_true(hrep.body.boot.sed_enabled);
	count = st()->audit_count;
	assert_int_equal(ask(GET_AK, 8), HS(LOCKED));
	expect_locked_sentence();
	/* The refusal is audited (a boot question is not). */
	assert_int_equal(st()->audit_count, count + 1);
	assert_string_equal(last_record().event, "host-sed-ak-refused");
	assert_string_equal(last_record().detail, "locked");
}

static void active_gets_the_ak_audited(void **state)
{
	unsigned char ak[32];
	uint64_t count = st()->audit_count;

	assert_int_equal(ask(BOOT, 1), HS(OK));
	assert_true(hrep.body.boot.may_boot);
	assert_true(hrep.body.boot.sed_enabled);
	assert_int_equal(hrep.message[0], '\0');
	assert_int_equal(st()->audit_count, count);
	assert_int_equal(ask(GET_AK, 2), HS(OK));
	assert_int_equal(hrep.which_body, svcport_host_v1_HostReply_sed_ak_tag);
	assert_int_equal(hrep.body.sed_ak.ak.size, 32);
	assert_int_equal(tworld_sed_ak(&W, ak), 0);
	assert_memory_equal(hrep.body.sed_ak.ak.bytes, ak, 32);
	assert_int_equal(st()->audit_count, count + 1);
	assert_string_equal(last_record().event, "host-sed-ak-release");
	/* Neither the state nor the log holds the AK in plain text. */
	assert_false(tworld_file_contains(&W, "state.pb", ak, 32));
	assert_false(tworld_file_contains(&W, "audit.log", ak, 32));
}

/* The rule: from the tamper on, no key, with no activation in between. */
static void tamper_refuses_at_once(void **state)
{
	assert_int_equal(ask(GET_AK, 1), HS(OK));
	assert_int_equal(tamper(), AE(OK));
	assert_int_equal(ask(GET_AK, 2), HS(LOCKED));
	expect_locked_sentence();
	assert_int_equal(ask(BOOT, 3), HS(LOCKED));
}

/* Fail closed: the tamper cannot be stored, the AK is refused all the same. */
static void tamper_on_full_disk_refuses_at_once(void **state)
{
	struct fsio_fault f;

	assert_int_equal(ask(GET_AK, 1), HS(OK));
	assert_int_equal(fsio_fault_parse("full:all", &f), 0);
	fsio_fault_set(&f);
	assert_int_equal(tamper(), AE(NOT_STORED));
	assert_int_equal(ask(GET_AK, 2), HS(LOCKED));
	expect_locked_sentence();
	assert_int_equal(ask(BOOT, 3), HS(LOCKED));
	/* Restarted on the still full disk: the latch keeps it locked. */
	tworld_reopen(&W);
	hostif_init(&hif, W.bmc, NULL);
	assert_int_equal(ask(GET_AK, 4), HS(LOCKED));
}

/* Taking the key is an audited event: no record, no key. */
static void release_that_cannot_be_audited_gives_no_key(void **state)
{
	struct fsio_fault f;
	struct tsnap s;

	tworld_snap(&W, &s);
	assert_int_equal(fsio_fault_parse("fail:audit:EIO:0:0", &f), 0);
	fsio_fault_set(&f);
	assert_int_equal(ask(GET_AK, 1), HS(INTERNAL));
	assert_int_equal(hrep.which_body, 0);
	fsio_fault_set(NULL);
	assert_true(tworld_is_unchanged(&W, &s));
	assert_int_equal(ask(GET_AK, 2), HS(OK));
}

static void rate_limit_and_its_window(void **state)
{
	uint64_t count;

	for (uint32_t i = 0; i < HOSTIF_RELEASES; i++)
		assert_int_equal(ask(GET_AK, i + 1), HS(OK));
	count = st()->audit_count;
	W.now_ms += 1000;
	assert_int_equal(ask(GET_AK, 10), HS(RATE_LIMITED));
	assert_int_equal(hrep.retry_after_ms, HOSTIF_WINDOW_MS - 1000);
	assert_int_equal(ask(GET_AK, 11), HS(RATE_LIMITED));
	/* Refused by the limit: not one record each, and the boot question still answers. */
	assert_int_equal(st()->audit_count, count);
	assert_int_equal(ask(BOOT, 12), HS(OK));
	W.now_ms += HOSTIF_WINDOW_MS - 1000;
	assert_int_equal(ask(GET_AK, 13), HS(OK));
	assert_string_equal(last_record().detail,
	                    "released to the host firmware; 2 refused by the rate limit before");
	/* Locked refusals count against the limit too. */
	assert_int_equal(tamper(), AE(OK));
	for (uint32_t i = 1; i < HOSTIF_RELEASES; i++)
		assert_int_equal(ask(GET_AK, 20 + i), HS(LOCKED));
	assert_int_equal(ask(GET_AK, 30), HS(RATE_LIMITED));
}

static void ak_off(svcport_v1_BmcState *s, void *arg)
{
	sealed_sed_ak_clear(s);
}

static void no_ak(void **state)
{
	/* SED on, AK cleared while ACTIVE (a state made on purpose: no command does it). */
	tworld_edit_state(&W, ak_off, NULL);
	hostif_init(&hif, W.bmc, NULL);
	assert_int_equal(ask(BOOT, 1), HS(OK));
	assert_int_equal(ask(GET_AK, 2), HS(NO_SED_AK));
	assert_string_equal(hrep.message, "the SED AK is absent: an administrator must restore it");
	assert_string_equal(last_record().event, "host-sed-ak-refused");
}

static void sed_off(svcport_v1_BmcState *s, void *arg)
{
	s->sed_enabled = false;
	sealed_sed_ak_clear(s);
}

static void sed_disabled(void **state)
{
	tworld_edit_state(&W, sed_off, NULL);
	hostif_init(&hif, W.bmc, NULL);
	assert_int_equal(ask(BOOT, 1), HS(OK));
	assert_false(hrep.body.boot.sed_enabled);
	assert_int_equal(ask(GET_AK, 2), HS(NO_SED_AK));
	assert_string_equal(hrep.message, "SED is not enabled on this server");
}

/* One raw packet through hostif_handle_packet; the decoded reply in hrep. */
static void packet(const uint8_t *in, size_t len)
{
	uint8_t out[svcport_host_v1_HostReply_size];
	size_t out_len = 0;
	pb_istream_t is;

	assert_int_equal(hostif_handle_packet(&hif, in, len, out, sizeof(out), &out_len, &outcome),
	                 0);
	is = pb_istream_from_buffer(out, out_len);
	hrep = (svcport_host_v1_HostReply)svcport_host_v1_HostReply_init_zero;
	assert_true(pb_decode(&is, svcport_host_v1_HostReply_fields, &hrep));
}

static void bad_requests_change_nothing(void **state)
{
	static const uint8_t garbage[] = {0xff, 0xff, 0xff, 0x07};
	uint8_t big[svcport_host_v1_HostRequest_size + 1];
	svcport_host_v1_HostRequest r = svcport_host_v1_HostRequest_init_zero;
	struct tsnap s;

	tworld_snap(&W, &s);
	packet(garbage, sizeof(garbage));
	assert_int_equal(hrep.status, HS(BAD_REQUEST));
	assert_string_equal(hrep.message, "request does not decode");
	memset(big, 0x08, sizeof(big)); /* field 1 varints: would decode, but too long */
	packet(big, sizeof(big));
	assert_int_equal(hrep.status, HS(BAD_REQUEST));
	assert_string_equal(hrep.message, "request too large");
	packet(NULL, 0); /* decodes: version 0 */
	assert_int_equal(hrep.status, HS(BAD_REQUEST));
	r.request_id = 5;
	r.which_body = GET_AK;
	r.version = 2;
	hostif_handle(&hif, &r, &hrep, &outcome);
	assert_int_equal(hrep.status, HS(BAD_REQUEST));
	assert_int_equal(hrep.request_id, 5);
	r.version = 1;
	r.which_body = 0;
	hostif_handle(&hif, &r, &hrep, &outcome);
	assert_int_equal(hrep.status, HS(BAD_REQUEST));
	assert_int_equal(hrep.which_body, 0);
	assert_true(tworld_is_unchanged(&W, &s));
	/* None of them used the AK budget. */
	for (uint32_t i = 0; i < HOSTIF_RELEASES; i++)
		assert_int_equal(ask(GET_AK, i + 1), HS(OK));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(locked_answer_is_exact_and_gives_no_key, setup_locked,
	                                    teardown_host),
	    cmocka_unit_test_setup_teardown(active_gets_the_ak_audited, setup_active,
	                                    teardown_host),
	    cmocka_unit_test_setup_teardown(tamper_refuses_at_once, setup_active, teardown_host),
	    cmocka_unit_test_setup_teardown(tamper_on_full_disk_refuses_at_once, setup_active,
	                                    teardown_host),
	    cmocka_unit_test_setup_teardown(release_that_cannot_be_audited_gives_no_key,
	                                    setup_active, teardown_host),
	    cmocka_unit_test_setup_teardown(rate_limit_and_its_window, setup_active, teardown_host),
	    cmocka_unit_test_setup_teardown(no_ak, setup_active, teardown_host),
	    cmocka_unit_test_setup_teardown(sed_disabled, setup_active, teardown_host),
	    cmocka_unit_test_setup_teardown(bad_requests_change_nothing, setup_active,
	                                    teardown_host),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
