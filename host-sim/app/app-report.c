// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * svcport-sim app, what a flow did: the device's state (info, with the --expect-* checks of
 * the demo and the tests), the receipt handed to the portal, the device's refusal in its
 * code and plain words, or the link's failure.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "app-internal.h"
#include "names.h"
#include "out.h"

#define LOCKDOWN(x) names_lockdown((svcport_v1_LockdownState)(x))
#define LED(x)      names_led((svcport_v1_SecurityLed)(x))
#define CONTROL(x)  names_control((svcport_v1_ControlMode)(x))

int app_report_link_failure(const char *what, int err)
{
	out_error(err == -ETIMEDOUT ? "TIMEOUT" : "LINK", "%s: %s", what, strerror(-err));
	return err;
}

static void print_device_info(const struct svcport_client_device_info *di)
{
	out_progress("  device %s-%s: %s, LED %s, %s-managed, owner %s", di->device.machine_type,
	             di->device.serial_number, LOCKDOWN(di->lockdown), LED(di->led),
	             CONTROL(di->control), di->owner_org[0] ? di->owner_org : "(none)");
	out_str("machine_type", di->device.machine_type);
	out_str("serial_number", di->device.serial_number);
	out_str("lockdown_state", LOCKDOWN(di->lockdown));
	out_str("security_led", LED(di->led));
	out_str("control_mode", CONTROL(di->control));
	out_str("owner_org", di->owner_org);
	out_bool("has_identity", di->has_identity);
	out_bool("limited", di->limited);
	out_int("known_signers", (long long)di->n_known_signers);
	if (di->limited) {
		/* Not said without presence: printing false would be a claim. */
		out_progress("  SED, sensors, firmware: not said over this link (no physical "
		             "presence); ask over the service port (USB)");
		return;
	}
	out_bool("sed_enabled", di->sed_enabled);
	out_bool("sed_ak_present", di->sed_ak_present);
	out_str("sed_backup_component",
	        names_sed_component((svcport_v1_SedComponent)di->sed_backup_component));
	if (di->sed_enabled && !di->sed_ak_present)
		out_progress(
		    "  SED enabled, AK ABSENT: the drives stay locked and the server cannot "
		    "be activated; restore the SED AK first");
	out_bool("intrusion_sensor", di->intrusion_sensor);
	out_bool("motion_sensor", di->motion_sensor);
	out_int("motion_steps", di->motion_steps);
	out_bool("admin_password_must_change", di->admin_password_must_change);
	out_str("firmware_version", di->firmware_version);
}

static int expect(const char *what, const char *want, const char *is)
{
	if (!want || strcmp(want, is) == 0)
		return 0;
	out_error("UNEXPECTED", "%s is '%s', expected '%s'", what, is, want);
	return -EINVAL;
}

/* info --expect-*: the demo and tests assert the device's state this way. */
static int check_expectations(const struct app *a, const struct svcport_client_device_info *di)
{
	const struct cli_args *args = a->args;
	int err = 0;

	err |=
	    expect("lockdown state", cli_arg(args, "expect-state", NULL), LOCKDOWN(di->lockdown));
	err |= expect("security LED", cli_arg(args, "expect-led", NULL), LED(di->led));
	err |= expect("owner", cli_arg(args, "expect-owner", NULL), di->owner_org);
	err |= expect("control", cli_arg(args, "expect-control", NULL), CONTROL(di->control));
	return err ? -EINVAL : 0;
}

/* The device-signed proof of what it did goes to the portal, whatever it says. */
static int hand_in_receipt(struct app *a)
{
	const struct app_result *r = &a->res;
	const char *save = cli_arg(a->args, "save-receipt", NULL);
	struct portal_receipt_info info;
	const svcport_v1_ReceiptBody *b = &info.body;
	int err;

	if (save && portal_file_write(save, r->receipt, r->receipt_len) < 0)
		out_progress("  (cannot write %s)", save);
	if (app_is_api(a))
		return app_receipt_api(a, r->receipt, r->receipt_len);
	err = app_open_portal(a);
	if (err == 0)
		err = portal_receipt(a->portal, r->receipt, r->receipt_len, &info);
	if (err < 0) {
		out_error(portal_err_name(err), "the portal rejected the receipt: %s",
		          a->portal ? portal_why(a->portal) : "no portal");
		return err;
	}
	out_progress("  done: %s -> %s; device now %s, %s-managed, owner %s; portal status %s",
	             names_action(b->action), names_error(b->result), names_lockdown(b->new_state),
	             names_control(b->control_mode), b->owner_org[0] ? b->owner_org : "(none)",
	             info.status);
	out_str("result", names_error(b->result));
	out_str("lockdown_state", names_lockdown(b->new_state));
	out_str("control_mode", names_control(b->control_mode));
	out_str("owner_org", b->owner_org);
	out_str("portal_status", info.status);
	out_int("receipt_counter", (long long)b->counter);
	return 0;
}

static int refused(const struct app_result *r)
{
	out_error(svcport_client_error_name(r->error), "%s%s%s",
	          svcport_client_error_text(r->error), r->detail[0] ? " — " : "", r->detail);
	if (r->error == SVCPORT_CLIENT_RATE_LIMITED && r->retry_after_ms)
		out_int("retry_after_ms", r->retry_after_ms);
	return -EPERM;
}

/*
 * An emergency reset the device did without a sealed password to show: a bmcd that does
 * not seal one yet (issue 13) resets to its own default. Told, not hidden; the receipt
 * went to the portal. A box that did not open (-EBADMSG) is a failure.
 */
static bool is_reset_without_password(const struct app_result *r)
{
	return r->status == -ENODATA && r->receipt_len && r->receipt_result == SVCPORT_CLIENT_OK;
}

int app_report(struct app *a, enum svcport_client_flow flow, int status)
{
	struct app_result *r = &a->res;
	int err = 0;

	if (a->stopped)
		return 0;
	if (r->receipt_len)
		err = hand_in_receipt(a);
	if (a->is_reported)
		return status;
	if (status == -EREMOTEIO)
		return refused(r);
	if (is_reset_without_password(r)) {
		out_progress("  the device reset the password but sealed no one-time password to "
		             "this phone (its bmcd predates sealed passwords)");
		out_bool("password_shown", false);
		return err;
	}
	if (status < 0)
		return app_report_link_failure(svcport_client_flow_name(flow), status);
	if (flow == SVCPORT_CLIENT_FLOW_EMERGENCY_RESET)
		out_bool("password_shown", r->password_shown);
	if (flow == SVCPORT_CLIENT_FLOW_INFO && r->has_info) {
		print_device_info(&r->info);
		return check_expectations(a, &r->info);
	}
	return err;
}
