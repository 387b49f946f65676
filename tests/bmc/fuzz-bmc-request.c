// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz target: one gateway packet (BmcRequest, and inside it SignedCommand,
 * CertChain and CommandBody) through decoding, verification and, for inputs
 * that verify, the durable apply. Invariants checked: a reply always encodes
 * and decodes, echoes the request ids when the request decoded, and an error
 * reply never carries ERROR_NONE.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pb_decode.h>

#include "fuzz-bmc-common.h"

static struct tworld W;
static bool ready;

static void cleanup(void)
{
	tworld_teardown(&W);
}

static bool is_challenge_issued(void)
{
	static svcport_v1_BmcRequest req;
	static svcport_v1_BmcReply rep;
	struct bmc_outcome o;

	req = (svcport_v1_BmcRequest)svcport_v1_BmcRequest_init_zero;
	req.has_request = true;
	req.link = svcport_v1_LinkKind_LINK_USB;
	req.request.which_body = svcport_v1_Request_get_challenge_tag;
	tpki_rng_reset(FUZZ_RNG_SEED);
	bmc_handle_request(W.bmc, &req, &rep, &o);
	return rep.msg.response.which_body == svcport_v1_Response_challenge_tag;
}

/*
 * The harness's own challenge (fuzz_nonce(), the seeds' nonce). The fuzzer's clock never
 * moves, so the challenges inputs ask for never expire: once they hold every slot this
 * one may be refused. Then the world is reopened (challenges and back-off start afresh,
 * as after a restart; the durable state stays) and asked again.
 */
static void issue_challenge(void)
{
	if (is_challenge_issued())
		return;
	tworld_reopen(&W);
	if (!is_challenge_issued())
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[svcport_v1_BmcReply_size];
	static svcport_v1_BmcReply rep;
	struct bmc_outcome o;
	size_t out_len;
	pb_istream_t is;

	if (!ready) {
		tworld_setup(&W, "portal");
		atexit(cleanup);
		ready = true;
	}
	W.now_ms = TPKI_T0_MS;
	issue_challenge();
	if (bmc_handle_packet(W.bmc, data, size, out, sizeof(out), &out_len, &o) != 0)
		abort();
	if (getenv("FUZZ_BMC_VERBOSE"))
		fprintf(stderr, "%s %s -> %s %s\n", o.request, bmc_action_name(o.action),
		        bmc_error_name(o.result), o.detail ? o.detail : "");
	is = pb_istream_from_buffer(out, out_len);
	rep = (svcport_v1_BmcReply)svcport_v1_BmcReply_init_zero;
	if (!pb_decode(&is, svcport_v1_BmcReply_fields, &rep) ||
	    rep.which_msg != svcport_v1_BmcReply_response_tag)
		abort();
	if (rep.msg.response.which_body == svcport_v1_Response_error_tag &&
	    rep.msg.response.body.error.code == svcport_v1_ErrorCode_ERROR_NONE)
		abort();
	if ((rep.msg.response.which_body == svcport_v1_Response_error_tag) != (o.result != 0))
		abort();
	return 0;
}
