// SPDX-License-Identifier: GPL-2.0-or-later
/* The app's flows through the portal service (--portal-url): login, sign, receipt. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "app-internal.h"
#include "names.h"
#include "out.h"
#include "pbio.h"

/* Logs in to the portal service once, on first need. */
static int api_open(struct app *a)
{
	int err;

	if (a->api)
		return 0;
	err = app_api_login(cli_arg(a->args, "portal-url", ""), cli_arg(a->args, "cacert", ""),
	                    cli_arg(a->args, "user", ""), cli_arg(a->args, "password-file", ""),
	                    &a->api);
	if (err < 0)
		out_error(app_api_error(a->api), "portal login: %s", app_api_why(a->api));
	else
		out_progress("  logged in to %s as %s", cli_arg(a->args, "portal-url", ""),
		             cli_arg(a->args, "user", ""));
	return err;
}

bool app_is_api(const struct app *a)
{
	return cli_arg(a->args, "portal-url", NULL) != NULL;
}

/* Through the portal service: every check on the portal's side, as the logged-in user. */
int app_sign_api(struct app *a, const struct portal_sign_req *sr, uint8_t *cmd, size_t cap,
                 size_t *cmd_len)
{
	int err;

	if (sr->skip_policy || sr->forge_untrusted || sr->forge_signature || sr->forge_device ||
	    sr->forge_control || sr->forge_org || sr->forge_role || sr->validity ||
	    sr->issued_offset) {
		out_error("BAD_REQUEST", "test-only signing options need --portal DIR");
		return -EINVAL;
	}
	err = api_open(a);
	if (err == 0)
		err = app_api_sign(a->api, sr, cmd, cap, cmd_len);
	if (err < 0 && a->api)
		out_error(app_api_error(a->api), "the portal refused: %s", app_api_why(a->api));
	if (err == 0)
		out_progress("  portal service signed (%zu bytes)", *cmd_len);
	return err;
}

/* The receipt to the portal service (the device's answer, in the flow's result, decides
 * the exit code). */
int app_receipt_api(struct app *a, const uint8_t *r, size_t len)
{
	svcport_v1_DeviceReceipt dr;
	svcport_v1_ReceiptBody b;
	char status[16] = "";
	int err = api_open(a);

	if (err == 0)
		err = app_api_receipt(a->api, r, len, status);
	if (err < 0) {
		out_error(app_api_error(a->api), "the portal rejected the receipt: %s",
		          app_api_why(a->api));
		return err;
	}
	if (pbio_decode(svcport_v1_DeviceReceipt_fields, &dr, r, len) < 0 ||
	    pbio_decode(svcport_v1_ReceiptBody_fields, &b, dr.body.bytes, dr.body.size) < 0)
		return -EPROTO;
	out_progress("  done: %s -> %s; device now %s, owner %s; portal status %s",
	             names_action(b.action), names_error(b.result), names_lockdown(b.new_state),
	             b.owner_org[0] ? b.owner_org : "(none)", status);
	out_str("result", names_error(b.result));
	out_str("lockdown_state", names_lockdown(b.new_state));
	out_str("owner_org", b.owner_org);
	out_str("portal_status", status);
	return 0;
}
