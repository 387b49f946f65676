/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A test gateway: challenge + signed command over a real bmcd socket. */
#ifndef SVCPORT_TEST_GWCLIENT_H
#define SVCPORT_TEST_GWCLIENT_H

#include "proc.h"
#include "testpki.h"

/* GetChallenge over fd (session 1, USB), then a CommandBody for the test device bound
 * to it (real clock). */
int gw_body(int fd, svcport_v1_CommandBody *body, pb_size_t action_tag, svcport_v1_Role role,
            const char *org);
/* Signs body with the test signer and sends SubmitCommand (no wait). */
int gw_submit_send(int fd, const svcport_v1_CommandBody *body, svcport_v1_LinkKind link,
                   bool presence);
/* Waits for the reply; ERROR_NONE for a receipt, the error code, or -1 (no reply). */
int gw_submit_wait(int fd);

#endif
