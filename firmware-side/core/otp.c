// SPDX-License-Identifier: GPL-2.0-or-later
/* The emergency reset's one-time password (otp.h). */
#include <errno.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#include "otp.h"
#include "pwbox.h"
#include "pwhash.h"
#include "shortcode.h"

#define E(x) svcport_v1_ErrorCode_##x

_Static_assert(PWBOX_SECRET_MAX + PWBOX_TAG_LEN <=
                   sizeof(((svcport_v1_SealedPassword *)0)->ciphertext.bytes),
               "a sealed password fits SealedPassword.ciphertext");

/* pw := the printed form of 80 random bits. 0 or -EIO. */
static int otp_draw(struct bmc *b, char *pw, size_t cap)
{
	uint8_t bits[BMC_OTP_BITS / 8];
	int ret = b->env.rng(b->env.user_data, bits, sizeof(bits)) != 0 ? -EIO : 0;

	if (ret == 0)
		ret = shortcode_encode(bits, BMC_OTP_BITS, BMC_OTP_GROUP, pw, cap);
	mbedtls_platform_zeroize(bits, sizeof(bits));
	return ret;
}

svcport_v1_ErrorCode bmc_otp_reset(struct bmc *b, const svcport_v1_CommandBody *body,
                                   svcport_v1_BmcState *next, svcport_v1_SealedPassword *box,
                                   const char **detail)
{
	const svcport_v1_EmergencyPasswordReset *r = &body->action.emergency_password_reset;
	const struct pwbox_binding bind = {.machine_type = body->device.machine_type,
	                                   .serial_number = body->device.serial_number,
	                                   .nonce = body->nonce.bytes,
	                                   .nonce_len = body->nonce.size};
	char pw[PWBOX_SECRET_MAX];
	size_t ct_len = 0;
	svcport_v1_ErrorCode rc = E(INTERNAL);
	int ret;

	if (r->requester_public_key.size != PWBOX_POINT_LEN) {
		*detail = "emergency reset without the requester's key: no password to send";
		return E(BAD_REQUEST);
	}
	*detail = "cannot make the one-time password";
	if (otp_draw(b, pw, sizeof(pw)) < 0)
		goto out;
	ret = pwbox_seal(r->requester_public_key.bytes, &bind, pw, strlen(pw), b->env.rng,
	                 b->env.user_data, box->device_public_key.bytes, box->ciphertext.bytes,
	                 sizeof(box->ciphertext.bytes), &ct_len);
	if (ret == -EINVAL) {
		*detail = "the requester's key is not a P-256 point";
		rc = E(BAD_REQUEST);
		goto out;
	}
	if (ret < 0)
		goto out;
	box->device_public_key.size = PWBOX_POINT_LEN;
	box->ciphertext.size = (pb_size_t)ct_len;
	if (b->env.rng(b->env.user_data, next->admin_password_salt.bytes, 16) != 0 ||
	    bmc_pbkdf2(pw, next->admin_password_salt.bytes, 16, next->admin_password_hash.bytes,
	               32) < 0)
		goto out;
	next->admin_password_salt.size = 16;
	next->admin_password_hash.size = 32;
	next->admin_password_must_change = true; /* i13a: "must change at first login" */
	*detail = NULL;
	rc = E(ERROR_NONE);
out:
	mbedtls_platform_zeroize(pw, sizeof(pw));
	if (rc != E(ERROR_NONE))
		mbedtls_platform_zeroize(box, sizeof(*box));
	return rc;
}
