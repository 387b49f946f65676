// SPDX-License-Identifier: GPL-2.0-or-later
/* The host interface: may the host boot, and the SED AK (hostif.h). */
#include "hostif.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <mbedtls/platform_util.h>
#include <pb_decode.h>
#include <pb_encode.h>

#include "audit.h"
#include "board.h"
#include "sealed.h"

#define HS(x) svcport_host_v1_HostStatus_HOST_##x

_Static_assert(SEALED_SED_AK_LEN == sizeof(((svcport_host_v1_SedAkReply *)0)->ak.bytes),
               "SedAkReply.ak holds exactly one AK (host.options)");

void hostif_init(struct hostif *h, struct bmc *bmc, const struct hostif_config *cfg)
{
	*h = (struct hostif){.bmc = bmc};
	if (cfg)
		h->cfg = *cfg;
	if (!h->cfg.releases)
		h->cfg.releases = HOSTIF_RELEASES;
	if (!h->cfg.window_ms)
		h->cfg.window_ms = HOSTIF_WINDOW_MS;
}

const char *hostif_status_name(svcport_host_v1_HostStatus s)
{
	switch (s) {
	case HS(OK):
		return "OK";
	case HS(LOCKED):
		return "LOCKED";
	case HS(NO_SED_AK):
		return "NO_SED_AK";
	case HS(RATE_LIMITED):
		return "RATE_LIMITED";
	case HS(BAD_REQUEST):
		return "BAD_REQUEST";
	case HS(INTERNAL):
		return "INTERNAL";
	default:
		return "?";
	}
}

static void refuse(svcport_host_v1_HostReply *rep, struct hostif_outcome *o,
                   svcport_host_v1_HostStatus s, const char *why)
{
	rep->status = s;
	rep->which_body = 0;
	snprintf(rep->message, sizeof(rep->message), "%s", why);
	o->status = s;
	o->detail = why;
}

static bool is_locked(const struct bmc *b)
{
	/* Memory is the truth (board.h): a lock that could not be stored is here. */
	return b->st.lockdown_state != svcport_v1_LockdownState_LOCKDOWN_ACTIVE;
}

/* 0 if one more GetSedAk may be answered now, else the milliseconds to wait. */
static uint32_t limit_check(struct hostif *h, uint64_t now)
{
	if (now < h->window_start_ms || now - h->window_start_ms >= h->cfg.window_ms) {
		h->window_start_ms = now;
		h->in_window = 0;
	}
	if (h->in_window >= h->cfg.releases) {
		if (h->limited < UINT32_MAX)
			h->limited++;
		return (uint32_t)(h->window_start_ms + h->cfg.window_ms - now);
	}
	h->in_window++;
	return 0;
}

/* The audit record of one answered GetSedAk. 0 or -errno (not stored). */
static int audit_ak(struct hostif *h, bool released, const char *why)
{
	static svcport_v1_BmcState next; /* large; the core is single-threaded */
	struct bmc *b = h->bmc;
	char detail[128];
	struct audit_entry e;
	int ret;

	snprintf(detail, sizeof(detail), "%s", why);
	if (h->limited)
		snprintf(detail, sizeof(detail), "%s; %u refused by the rate limit before", why,
		         h->limited);
	e = (struct audit_entry){
	    .time = bmc_now_s(b),
	    .event = released ? "host-sed-ak-release" : "host-sed-ak-refused",
	    .detail = detail,
	    .link = svcport_v1_LinkKind_LINK_KIND_UNSPECIFIED,
	    .result =
	        released ? svcport_v1_ErrorCode_ERROR_NONE : svcport_v1_ErrorCode_INVALID_STATE,
	};
	/* Nothing changes but the audit head: a refusal can never reduce access
	 * less than the state already does, a release never happens unrecorded. */
	next = b->st;
	ret = bmc_commit(b, &next, &e, NULL);
	if (ret == 0)
		h->limited = 0;
	return ret;
}

/* Why the AK cannot be released now, or NULL. */
static const char *why_no_ak(const struct bmc *b, svcport_host_v1_HostStatus *ret_status)
{
	*ret_status = HS(NO_SED_AK);
	if (is_locked(b)) {
		*ret_status = HS(LOCKED);
		return HOSTIF_LOCKED_MESSAGE;
	}
	if (!b->st.sed_enabled)
		return "SED is not enabled on this server";
	if (!b->st.sed_ak_present)
		return "the SED AK is absent: an administrator must restore it";
	return NULL;
}

static void get_sed_ak(struct hostif *h, svcport_host_v1_HostReply *rep, struct hostif_outcome *o)
{
	unsigned char ak[SEALED_SED_AK_LEN];
	struct bmc *b = h->bmc;
	svcport_host_v1_HostStatus s;
	const char *why;
	uint32_t wait = limit_check(h, b->env.now_ms(b->env.user_data));

	if (wait) {
		rep->retry_after_ms = wait;
		refuse(rep, o, HS(RATE_LIMITED), "too many SED AK requests; retry later");
		return;
	}
	why = why_no_ak(b, &s);
	if (why) {
		/* Refused all the same if the record does not store: it gives nothing. */
		(void)audit_ak(h, false, s == HS(LOCKED) ? "locked" : why);
		refuse(rep, o, s, why);
		return;
	}
	if (sealed_sed_ak_get(b->se, &b->st, ak) < 0) {
		refuse(rep, o, HS(INTERNAL), "the sealed SED AK does not unseal");
		goto out;
	}
	if (audit_ak(h, true, "released to the host firmware") < 0) {
		refuse(rep, o, HS(INTERNAL), "the release could not be audited: no key");
		goto out;
	}
	rep->which_body = svcport_host_v1_HostReply_sed_ak_tag;
	memcpy(rep->body.sed_ak.ak.bytes, ak, sizeof(ak));
	rep->body.sed_ak.ak.size = sizeof(ak);
out:
	mbedtls_platform_zeroize(ak, sizeof(ak));
}

void hostif_handle(struct hostif *h, const svcport_host_v1_HostRequest *req,
                   svcport_host_v1_HostReply *rep, struct hostif_outcome *o)
{
	*rep = (svcport_host_v1_HostReply)svcport_host_v1_HostReply_init_zero;
	rep->version = HOSTIF_PROTOCOL_VERSION;
	rep->request_id = req->request_id;
	rep->status = HS(OK);
	*o = (struct hostif_outcome){
	    .request = "?", .request_id = req->request_id, .status = HS(OK)};
	if (req->version != HOSTIF_PROTOCOL_VERSION) {
		refuse(rep, o, HS(BAD_REQUEST), "unsupported version (this BMC speaks 1)");
		return;
	}
	switch (req->which_body) {
	case svcport_host_v1_HostRequest_boot_tag:
		o->request = "boot";
		rep->which_body = svcport_host_v1_HostReply_boot_tag;
		rep->body.boot.sed_enabled = h->bmc->st.sed_enabled;
		rep->body.boot.may_boot = !is_locked(h->bmc);
		if (is_locked(h->bmc)) {
			rep->status = HS(LOCKED);
			snprintf(rep->message, sizeof(rep->message), "%s", HOSTIF_LOCKED_MESSAGE);
			o->status = HS(LOCKED);
		}
		return;
	case svcport_host_v1_HostRequest_get_sed_ak_tag:
		o->request = "get-sed-ak";
		get_sed_ak(h, rep, o);
		return;
	default:
		refuse(rep, o, HS(BAD_REQUEST), "no request (boot or get_sed_ak)");
		return;
	}
}

int hostif_handle_packet(struct hostif *h, const uint8_t *in, size_t in_len, uint8_t *out,
                         size_t out_cap, size_t *ret_len, struct hostif_outcome *o)
{
	static svcport_host_v1_HostRequest req;
	static svcport_host_v1_HostReply rep;
	pb_istream_t is = pb_istream_from_buffer(in, in_len);
	pb_ostream_t os = pb_ostream_from_buffer(out, out_cap);
	int ret = 0;

	memset(&req, 0, sizeof(req));
	if (in_len > svcport_host_v1_HostRequest_size ||
	    !pb_decode(&is, svcport_host_v1_HostRequest_fields, &req)) {
		rep = (svcport_host_v1_HostReply)svcport_host_v1_HostReply_init_zero;
		rep.version = HOSTIF_PROTOCOL_VERSION;
		*o = (struct hostif_outcome){.request = in_len > svcport_host_v1_HostRequest_size
		                                            ? "oversized"
		                                            : "undecodable"};
		refuse(&rep, o, HS(BAD_REQUEST),
		       in_len > svcport_host_v1_HostRequest_size ? "request too large"
		                                                 : "request does not decode");
	} else {
		hostif_handle(h, &req, &rep, o);
	}
	if (!pb_encode(&os, svcport_host_v1_HostReply_fields, &rep)) {
		mbedtls_platform_zeroize(out, out_cap);
		ret = -EINVAL;
	}
	*ret_len = os.bytes_written;
	mbedtls_platform_zeroize(&rep, sizeof(rep));
	return ret;
}
