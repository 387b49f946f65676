// SPDX-License-Identifier: GPL-2.0-or-later
#include "gwclient.h"
#include "utc.h"

#include <string.h>

#include <pb_decode.h>

static uint32_t next_id = 1;

int gw_body(int fd, svcport_v1_CommandBody *body, pb_size_t action_tag, svcport_v1_Role role,
            const char *org)
{
	static svcport_v1_BmcRequest req;
	static svcport_v1_BmcReply rep;
	req = (svcport_v1_BmcRequest)svcport_v1_BmcRequest_init_zero;
	req.session_id = 1;
	req.request_id = next_id++;
	req.link = svcport_v1_LinkKind_LINK_USB;
	req.has_request = true;
	req.request.which_body = svcport_v1_Request_get_challenge_tag;
	if (proc_gw_send(fd, &req) < 0)
		return -1;
	do {
		if (proc_gw_recv(fd, &rep) < 0)
			return -1;
	} while (rep.which_msg != svcport_v1_BmcReply_response_tag); /* skip events */
	if (rep.request_id != req.request_id ||
	    rep.msg.response.which_body != svcport_v1_Response_challenge_tag)
		return -1;
	return tpki_body_from_challenge(&rep.msg.response.body.challenge, action_tag, role, org,
	                                (uint64_t)utc_now_s(), body);
}

int gw_submit_send(int fd, const svcport_v1_CommandBody *body, svcport_v1_LinkKind link,
                   bool presence)
{
	static svcport_v1_BmcRequest req;

	req = (svcport_v1_BmcRequest)svcport_v1_BmcRequest_init_zero;
	req.session_id = 1;
	req.request_id = next_id++;
	req.link = link;
	req.physical_presence = presence;
	req.has_request = true;
	req.request.which_body = svcport_v1_Request_submit_command_tag;
	req.request.body.submit_command.has_command = true;
	tworld_sign(body, NULL, NULL, NULL, 0, &req.request.body.submit_command.command);
	return proc_gw_send(fd, &req);
}

int gw_submit_wait(int fd)
{
	static svcport_v1_BmcReply rep;

	do {
		if (proc_gw_recv(fd, &rep) < 0)
			return -1;
	} while (rep.which_msg != svcport_v1_BmcReply_response_tag);
	if (rep.msg.response.which_body == svcport_v1_Response_command_result_tag)
		return svcport_v1_ErrorCode_ERROR_NONE;
	if (rep.msg.response.which_body == svcport_v1_Response_error_tag)
		return rep.msg.response.body.error.code;
	return -1;
}
