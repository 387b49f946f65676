// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libsvcport-client flows without a signature: CONNECT (the link's set-up, and
 * GetLinkInfo over USB where there is no INFO characteristic), INFO (GetDeviceInfo),
 * ACTIVATION_CODE; and the dispatch of every response to the flow that waits for it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <mbedtls/platform_util.h>
#include <pb_decode.h>

#include "svcport-client-int.h"

#define PROTOCOL_VERSION 1 /* the one this library speaks */

static void copy_device(struct svcport_client_device *out, const svcport_v1_DeviceId *id)
{
	snprintf(out->machine_type, sizeof(out->machine_type), "%s", id->machine_type);
	snprintf(out->serial_number, sizeof(out->serial_number), "%s", id->serial_number);
}

/* LinkInfo, from INFO or GetLinkInfo: who the device is, its state, its versions. */
static void connect_finish(struct svcport_client *c, const svcport_v1_LinkInfo *li)
{
	struct svcport_client_link_info *out = &c->link_info;
	struct msglink_stats ls;
	/* A gateway from before min_protocol_version speaks version 1 only. */
	uint32_t min = li->min_protocol_version ? li->min_protocol_version : 1;

	memset(out, 0, sizeof(*out));
	if (li->has_device)
		copy_device(&out->device, &li->device);
	out->lockdown = (enum svcport_client_lockdown)li->lockdown_state;
	out->protocol_min = min;
	out->protocol_max = li->protocol_version;
	out->max_message = li->max_message_size;
	out->att_mtu = msglink_att_mtu(c->link);
	msglink_get_stats(c->link, &ls);
	out->used_cache = ls.used_cache;
	c->res.link = out;
	if (li->protocol_version < PROTOCOL_VERSION || min > PROTOCOL_VERSION) {
		c->res.error = SVCPORT_CLIENT_UNSUPPORTED_VERSION;
		client_end(c, -EPROTONOSUPPORT);
		return;
	}
	c->is_connected = true;
	client_end(c, 0);
}

void flow_connected(struct svcport_client *c, int err, const uint8_t *info, size_t len)
{
	svcport_v1_LinkInfo li;
	pb_istream_t is;

	if (c->flow != SVCPORT_CLIENT_FLOW_CONNECT)
		return;
	if (err < 0) {
		c->is_lost = true;
		client_end(c, err);
		return;
	}
	if (c->cfg.link == SVCPORT_CLIENT_LINK_CDC) {
		/* No INFO characteristic on a byte stream: the gateway answers GetLinkInfo
		 * itself, from the same cached state. */
		err = client_call(c, STEP_LINK_INFO, svcport_v1_Request_get_link_info_tag);
		if (err < 0)
			client_end(c, err);
		return;
	}
	memset(&li, 0, sizeof(li));
	is = pb_istream_from_buffer(info, len);
	if (!pb_decode(&is, svcport_v1_LinkInfo_fields, &li)) {
		client_end(c, -EPROTO);
		return;
	}
	connect_finish(c, &li);
}

void flow_device_info(struct svcport_client_device_info *out, const svcport_v1_DeviceInfo *di)
{
	memset(out, 0, sizeof(*out));
	if (di->has_device)
		copy_device(&out->device, &di->device);
	out->has_identity = di->has_identity;
	out->lockdown = (enum svcport_client_lockdown)di->lockdown_state;
	out->control = (enum svcport_client_control)di->control_mode;
	out->led = (enum svcport_client_led)di->security_led;
	snprintf(out->owner_org, sizeof(out->owner_org), "%s", di->owner_org);
	out->sed_enabled = di->sed_enabled;
	out->sed_ak_present = di->sed_ak_present;
	out->sed_backup_component = (int)di->sed_backup_component;
	out->intrusion_sensor = di->sensors.intrusion_enabled;
	out->motion_sensor = di->sensors.motion_enabled;
	out->motion_steps = di->sensors.motion_step_threshold;
	snprintf(out->firmware_version, sizeof(out->firmware_version), "%s", di->firmware_version);
	out->protocol_version = di->protocol_version;
	out->admin_password_must_change = di->admin_password_must_change;
	out->limited = di->limited;
	for (pb_size_t i = 0; i < di->known_signers_count && i < SVCPORT_CLIENT_SIGNERS; i++) {
		if (di->known_signers[i].size != SVCPORT_CLIENT_SHA256_LEN)
			continue;
		memcpy(out->known_signers[out->n_known_signers++], di->known_signers[i].bytes,
		       SVCPORT_CLIENT_SHA256_LEN);
	}
}

int flow_begin(struct svcport_client *c, enum svcport_client_flow flow)
{
	int r;

	if (client_is_signed_flow(flow)) {
		if (!c->cb.sign || (flow == SVCPORT_CLIENT_FLOW_EMERGENCY_RESET && !c->cb.secret))
			return -EINVAL;
		c->flow = flow;
		r = sign_begin(c);
	} else if (flow == SVCPORT_CLIENT_FLOW_INFO) {
		c->flow = flow;
		r = client_call(c, STEP_DEVICE_INFO, svcport_v1_Request_get_device_info_tag);
	} else if (flow == SVCPORT_CLIENT_FLOW_ACTIVATION_CODE) {
		if (!c->cb.secret)
			return -EINVAL;
		c->flow = flow;
		r = client_call(c, STEP_CODE, svcport_v1_Request_get_activation_code_tag);
	} else {
		return -EINVAL;
	}
	if (r < 0) {
		/* Nothing went out: no flow, no done. */
		c->flow = 0;
		c->step = STEP_NONE;
		sign_wipe(c);
	}
	return r;
}

static void on_device_info(struct svcport_client *c, const svcport_v1_DeviceInfo *di)
{
	int err;

	flow_device_info(&c->info, di);
	c->res.info = &c->info;
	if (c->flow == SVCPORT_CLIENT_FLOW_INFO) {
		client_end(c, 0);
		return;
	}
	err = sign_after_key_info(c, di);
	if (err < 0)
		client_end(c, err);
}

/* The code is a secret the person types: shown once, then wiped with the response. */
static void on_code(struct svcport_client *c, const svcport_v1_ActivationCode *ac)
{
	char code[sizeof(ac->code)];

	snprintf(code, sizeof(code), "%s", ac->code);
	c->cb.secret(c, SVCPORT_CLIENT_SECRET_ACTIVATION_CODE, code, c->cb.user_data);
	mbedtls_platform_zeroize(code, sizeof(code));
	client_end(c, 0);
}

/* The response type each step waits for. */
static pb_size_t expected(enum client_step step)
{
	switch (step) {
	case STEP_LINK_INFO:
		return svcport_v1_Response_link_info_tag;
	case STEP_DEVICE_INFO:
		return svcport_v1_Response_device_info_tag;
	case STEP_CODE:
		return svcport_v1_Response_activation_code_tag;
	case STEP_CHALLENGE:
		return svcport_v1_Response_challenge_tag;
	case STEP_SUBMIT:
		return svcport_v1_Response_command_result_tag;
	default:
		return 0;
	}
}

void flow_response(struct svcport_client *c, const svcport_v1_Response *resp)
{
	if (!c->flow)
		return; /* cancelled while it was on its way */
	if (resp->which_body == svcport_v1_Response_error_tag && c->step == STEP_SUBMIT) {
		sign_result(c, resp); /* UNTRUSTED_SIGNER may ask the portal again */
		return;
	}
	if (resp->which_body == svcport_v1_Response_error_tag) {
		client_refused(c, &resp->body.error);
		return;
	}
	if (resp->which_body != expected(c->step)) {
		client_end(c, -EPROTO); /* an answer of another kind: not this protocol */
		return;
	}
	switch (c->step) {
	case STEP_LINK_INFO:
		connect_finish(c, &resp->body.link_info);
		break;
	case STEP_DEVICE_INFO:
		on_device_info(c, &resp->body.device_info);
		break;
	case STEP_CODE:
		on_code(c, &resp->body.activation_code);
		break;
	case STEP_CHALLENGE:
		sign_challenge(c, resp);
		break;
	default:
		sign_result(c, resp);
		break;
	}
}
