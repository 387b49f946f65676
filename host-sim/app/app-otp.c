// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The emergency reset's one-time password on the phone's side (docs/interfaces.md
 * "One-time password box"): a fresh P-256 key pair whose public half the portal
 * signs into the command, and the box bmcd returns, opened and shown once.
 * (libsvcport-client's flows do the same for app15's svcport-sim app.)
 */
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include <mbedtls/platform_util.h>

#include "app-internal.h"
#include "out.h"
#include "pbio.h"
#include "pwbox.h"

static int otp_rng(void *ctx, unsigned char *buf, size_t len)
{
	(void)ctx;
	return getrandom(buf, len, 0) == (ssize_t)len ? 0 : -1;
}

int app_otp_prepare(struct app *a, struct portal_sign_req *sr)
{
	if (pwbox_keygen(otp_rng, NULL, a->otp_priv, a->otp_pub) < 0)
		return -EIO;
	a->has_otp_key = true;
	sr->ephemeral_pubkey = a->otp_pub;
	sr->ephemeral_pubkey_len = sizeof(a->otp_pub);
	return 0;
}

int app_otp_show(struct app *a, const svcport_v1_SignedCommand *sc,
                 const svcport_v1_CommandResult *cr)
{
	static svcport_v1_CommandBody body;
	const svcport_v1_SealedPassword *sp = &cr->one_time_password;
	struct pwbox_binding bind;
	char pw[PWBOX_SECRET_MAX + 1];
	int err;

	if (!a->has_otp_key)
		return 0;
	if (!cr->has_one_time_password || sp->device_public_key.size != PWBOX_POINT_LEN ||
	    pbio_decode(svcport_v1_CommandBody_fields, &body, sc->body.bytes, sc->body.size) < 0) {
		out_error("BAD_REQUEST", "the reset answered without a one-time password");
		return -ENODATA;
	}
	bind = (struct pwbox_binding){.machine_type = body.device.machine_type,
	                              .serial_number = body.device.serial_number,
	                              .nonce = body.nonce.bytes,
	                              .nonce_len = body.nonce.size};
	err = pwbox_open(a->otp_priv, sp->device_public_key.bytes, &bind, sp->ciphertext.bytes,
	                 sp->ciphertext.size, otp_rng, NULL, pw, sizeof(pw));
	mbedtls_platform_zeroize(a->otp_priv, sizeof(a->otp_priv));
	a->has_otp_key = false;
	if (err < 0) {
		out_error("BAD_REQUEST", "the one-time password's box does not open");
		return -EBADMSG;
	}
	out_progress("  one-time BMC administrator password (shown once; change it at the first "
	             "login): %s",
	             pw);
	out_str("one_time_password", pw);
	mbedtls_platform_zeroize(pw, sizeof(pw));
	return 0;
}
