# SPDX-License-Identifier: GPL-2.0-or-later
# Scenario 3, USB gadget side (the service port as the BMC sees it): svcportd
# on tty:/dev/ttyGS0 (configfs ACM gadget on dummy_hcd); the phone is
# svcport-sim app on the host side, tty:/dev/ttyACM0 (cdc-acm). A cable is
# physical presence: the emergency reset and reading the activation code
# succeed.
. "$VM_LIB"

vm_step "portal, factory state, bmcd"
vm_sv_portal
vm_sv_bmcd_up

vm_step "USB: ACM gadget, svcportd --link tty:/dev/ttyGS0"
vm_usb_gadget_up 1d6b 0104
vm_sv_gateway_up --link tty:/dev/ttyGS0

vm_step "claim over the cable (alice)"
vm_app app-claim --link tty:/dev/ttyACM0 --user alice claim
vm_step "emergency password reset over the cable (mona, maintenance: presence)"
vm_app app-reset --link tty:/dev/ttyACM0 --user mona emergency-reset
vm_step "read the secure activation code over the cable"
vm_app app-code --link tty:/dev/ttyACM0 activation-code
grep -q -- "$VM_CODE" "$VM_OUT/app-code.log" ||
	vm_fail "activation code read over USB is not the factory one ($VM_CODE)"
vm_stop_daemon "$VM_GATEWAY_PID" svcportd
vm_step "usb-gadget: presence actions over the real CDC-ACM gadget OK"
