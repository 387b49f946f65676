/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Names and plain words for the schema's enums, both directions. */
#ifndef SVCPORT_SIM_NAMES_H
#define SVCPORT_SIM_NAMES_H

#include "svcport.pb.h"

/* "ROLE_FORBIDDEN"; "UNKNOWN" for a value outside the enum. */
const char *names_error(svcport_v1_ErrorCode code);
/* What to tell the person holding the phone. */
const char *names_error_words(svcport_v1_ErrorCode code);

/* CLI role names: org-admin, edge-user, maintenance, base. */
const char *names_role(svcport_v1_Role role);
/* 0 (ROLE_UNSPECIFIED) when unknown. */
svcport_v1_Role names_role_parse(const char *s);

/* CLI action names: claim, activate, emergency-reset, key-update, promote, transfer, sensors. */
const char *names_action(svcport_v1_Action action);
svcport_v1_Action names_action_parse(const char *s);

const char *names_lockdown(svcport_v1_LockdownState s); /* ACTIVE, LOCKED */
const char *names_control(svcport_v1_ControlMode m);    /* bmc, portal */
svcport_v1_ControlMode names_control_parse(const char *s);
const char *names_led(svcport_v1_SecurityLed led); /* ON, OFF, BLINKING */
/* The SED AK backup component: ABSENT, UNHEALTHY, EMPTY, CURRENT, RESTORABLE. */
const char *names_sed_component(svcport_v1_SedComponent c);
const char *names_link(svcport_v1_LinkKind k); /* ble, usb, sim, net, portal; "-" for others */

#endif
