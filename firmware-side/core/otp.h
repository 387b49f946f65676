/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The emergency password reset's one-time password (DESIGN §4.7; docs/bmc.md
 * "Emergency password reset"): no well-known default. bmcd draws 80 random
 * bits, printed as a code a person reads (common/shortcode.h: 4 groups of 4
 * characters and a check character, e.g. "7K3Q5-M2XRA-..."), makes it the
 * Administrator+ password that must change at first use, and seals it to the
 * requester's key (common/pwbox.h) bound to the device and the command's nonce.
 * The plain password exists only on this stack and is zeroized.
 */
#ifndef SVCPORT_BMC_OTP_H
#define SVCPORT_BMC_OTP_H

#include "board.h"
#include "svcport.pb.h"

#define BMC_OTP_BITS  80
#define BMC_OTP_GROUP 4

/*
 * next's Administrator+ password := a fresh one-time password, must change;
 * box := it, sealed to body's requester_public_key. E(ERROR_NONE), or
 * BAD_REQUEST (no key, or not a P-256 point) / INTERNAL with *detail; next
 * is then to be dropped.
 */
svcport_v1_ErrorCode bmc_otp_reset(struct bmc *b, const svcport_v1_CommandBody *body,
                                   svcport_v1_BmcState *next, svcport_v1_SealedPassword *box,
                                   const char **detail);

#endif
