// SPDX-License-Identifier: GPL-2.0-or-later
#include "names.h"

#include <string.h>

struct code_name {
	const char *name;
	const char *words;
};

static const struct code_name errors[] = {
    [svcport_v1_ErrorCode_ERROR_NONE] = {"OK", "done"},
    [svcport_v1_ErrorCode_BAD_REQUEST] = {"BAD_REQUEST",
                                          "the server did not understand the request"},
    [svcport_v1_ErrorCode_UNSUPPORTED_VERSION] =
        {"UNSUPPORTED_VERSION", "the app and the server speak different protocol versions"},
    [svcport_v1_ErrorCode_TOO_LARGE] = {"TOO_LARGE", "the message is too large for this server"},
    [svcport_v1_ErrorCode_LINK_PROTOCOL] = {"LINK_PROTOCOL",
                                            "the connection garbled a message; try again"},
    [svcport_v1_ErrorCode_RATE_LIMITED] = {"RATE_LIMITED", "too many attempts; wait and try again"},
    [svcport_v1_ErrorCode_BMC_UNAVAILABLE] =
        {"BMC_UNAVAILABLE", "the server's management controller is not answering"},
    [svcport_v1_ErrorCode_BAD_SIGNATURE] =
        {"BAD_SIGNATURE", "the command's signature is not valid (altered or forged)"},
    [svcport_v1_ErrorCode_UNTRUSTED_SIGNER] =
        {"UNTRUSTED_SIGNER", "the command was not signed by this server's portal"},
    [svcport_v1_ErrorCode_WRONG_DEVICE] = {"WRONG_DEVICE", "the command is for another server"},
    [svcport_v1_ErrorCode_NONCE_UNKNOWN] =
        {"NONCE_UNKNOWN", "the command was already used or its challenge expired"},
    [svcport_v1_ErrorCode_EXPIRED] = {"EXPIRED", "the command has expired; ask the portal again"},
    [svcport_v1_ErrorCode_ROLE_FORBIDDEN] = {"ROLE_FORBIDDEN", "your role may not do this"},
    [svcport_v1_ErrorCode_NOT_OWNER] = {"NOT_OWNER", "your organisation does not own this server"},
    [svcport_v1_ErrorCode_INVALID_STATE] = {"INVALID_STATE",
                                            "the server is not in a state that allows this"},
    [svcport_v1_ErrorCode_PRESENCE_REQUIRED] = {"PRESENCE_REQUIRED",
                                                "plug a cable into the service port to do this"},
    [svcport_v1_ErrorCode_INTERNAL] = {"INTERNAL", "the server failed; nothing was changed"},
};
_Static_assert(sizeof(errors) / sizeof(errors[0]) == _svcport_v1_ErrorCode_MAX + 1,
               "every ErrorCode has a name");

const char *names_error(svcport_v1_ErrorCode code)
{
	if ((unsigned)code >= sizeof(errors) / sizeof(errors[0]))
		return "UNKNOWN";
	return errors[code].name;
}

const char *names_error_words(svcport_v1_ErrorCode code)
{
	if ((unsigned)code >= sizeof(errors) / sizeof(errors[0]))
		return "an error this app does not know";
	return errors[code].words;
}

static const char *const roles[] = {
    [svcport_v1_Role_ROLE_UNSPECIFIED] = "none",
    [svcport_v1_Role_ROLE_ORG_ADMIN] = "org-admin",
    [svcport_v1_Role_ROLE_EDGE_USER] = "edge-user",
    [svcport_v1_Role_ROLE_MAINTENANCE] = "maintenance",
    [svcport_v1_Role_ROLE_BASE] = "base",
};
_Static_assert(sizeof(roles) / sizeof(roles[0]) == _svcport_v1_Role_MAX + 1, "every Role");

static const char *const actions[] = {
    [svcport_v1_Action_ACTION_UNSPECIFIED] = "none",
    [svcport_v1_Action_ACTION_CLAIM] = "claim",
    [svcport_v1_Action_ACTION_ACTIVATE] = "activate",
    [svcport_v1_Action_ACTION_EMERGENCY_PASSWORD_RESET] = "emergency-reset",
    [svcport_v1_Action_ACTION_DEVICE_KEY_UPDATE] = "key-update",
    [svcport_v1_Action_ACTION_PROMOTE_TO_PORTAL_CONTROL] = "promote",
    [svcport_v1_Action_ACTION_TRANSFER_OWNERSHIP] = "transfer",
    [svcport_v1_Action_ACTION_CONFIGURE_SENSORS] = "sensors",
};
_Static_assert(sizeof(actions) / sizeof(actions[0]) == _svcport_v1_Action_MAX + 1, "every Action");

static int lookup(const char *const *table, size_t n, const char *s)
{
	for (size_t i = 1; s && i < n; i++)
		if (strcmp(table[i], s) == 0)
			return (int)i;
	return 0;
}

const char *names_role(svcport_v1_Role role)
{
	return (unsigned)role < sizeof(roles) / sizeof(roles[0]) ? roles[role] : "unknown";
}

svcport_v1_Role names_role_parse(const char *s)
{
	return (svcport_v1_Role)lookup(roles, sizeof(roles) / sizeof(roles[0]), s);
}

const char *names_action(svcport_v1_Action action)
{
	return (unsigned)action < sizeof(actions) / sizeof(actions[0]) ? actions[action]
	                                                               : "unknown";
}

svcport_v1_Action names_action_parse(const char *s)
{
	return (svcport_v1_Action)lookup(actions, sizeof(actions) / sizeof(actions[0]), s);
}

const char *names_lockdown(svcport_v1_LockdownState s)
{
	switch (s) {
	case svcport_v1_LockdownState_LOCKDOWN_ACTIVE:
		return "ACTIVE";
	case svcport_v1_LockdownState_LOCKDOWN_LOCKED:
		return "LOCKED";
	default:
		return "UNSPECIFIED";
	}
}

const char *names_control(svcport_v1_ControlMode m)
{
	switch (m) {
	case svcport_v1_ControlMode_CONTROL_BMC_MANAGED:
		return "bmc";
	case svcport_v1_ControlMode_CONTROL_PORTAL_MANAGED:
		return "portal";
	default:
		return "unspecified";
	}
}

svcport_v1_ControlMode names_control_parse(const char *s)
{
	if (s && strcmp(s, "bmc") == 0)
		return svcport_v1_ControlMode_CONTROL_BMC_MANAGED;
	if (s && strcmp(s, "portal") == 0)
		return svcport_v1_ControlMode_CONTROL_PORTAL_MANAGED;
	return svcport_v1_ControlMode_CONTROL_MODE_UNSPECIFIED;
}

const char *names_sed_component(svcport_v1_SedComponent c)
{
	switch (c) {
	case svcport_v1_SedComponent_SED_COMPONENT_ABSENT:
		return "ABSENT";
	case svcport_v1_SedComponent_SED_COMPONENT_UNHEALTHY:
		return "UNHEALTHY";
	case svcport_v1_SedComponent_SED_COMPONENT_EMPTY:
		return "EMPTY";
	case svcport_v1_SedComponent_SED_COMPONENT_CURRENT:
		return "CURRENT";
	case svcport_v1_SedComponent_SED_COMPONENT_RESTORABLE:
		return "RESTORABLE";
	default:
		return "UNSPECIFIED";
	}
}

const char *names_led(svcport_v1_SecurityLed led)
{
	switch (led) {
	case svcport_v1_SecurityLed_LED_ON:
		return "ON";
	case svcport_v1_SecurityLed_LED_OFF:
		return "OFF";
	case svcport_v1_SecurityLed_LED_BLINKING:
		return "BLINKING";
	default:
		return "UNSPECIFIED";
	}
}

const char *names_link(svcport_v1_LinkKind k)
{
	switch (k) {
	case svcport_v1_LinkKind_LINK_BLE:
		return "ble";
	case svcport_v1_LinkKind_LINK_USB:
		return "usb";
	case svcport_v1_LinkKind_LINK_SIM:
		return "sim";
	case svcport_v1_LinkKind_LINK_NET:
		return "net";
	case svcport_v1_LinkKind_LINK_PORTAL:
		return "portal";
	default:
		return "-";
	}
}
