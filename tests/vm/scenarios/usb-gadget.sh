# SPDX-License-Identifier: GPL-2.0-or-later
# Scenario 3, USB gadget side (the service port as the BMC sees it): svcportd
# on tty:/dev/ttyGS0 (configfs ACM gadget on dummy_hcd); the phone is
# svcport-sim app on the host side, tty:/dev/ttyACM0 (cdc-acm). A cable is
# physical presence, as the hardware says it: bmcd reads the gadget's UDC
# state (--usb-udc dummy_udc.0, "configured" once the host enumerated it), and
# the emergency reset and reading the activation code succeed. A bmcd without
# that source does not take the gateway's word for it.
. "$VM_LIB"

vm_step "portal, factory state, bmcd (presence: the UDC dummy_udc.0)"
vm_sv_portal
vm_sv_bmcd_up --usb-udc dummy_udc.0
grep -q 'presence: USB gadget /sys/class/udc/dummy_udc.0/state' "$VM_OUT/bmcd.log" ||
	vm_fail "bmcd does not name its presence source: $(tail -n 3 "$VM_OUT/bmcd.log")"

vm_step "USB: ACM gadget, svcportd --link tty:/dev/ttyGS0"
vm_usb_gadget_up 1d6b 0104
vm_sv_gateway_up --link tty:/dev/ttyGS0

vm_step "claim over the cable (alice)"
vm_app app-claim --link tty:/dev/ttyACM0 --user alice claim
vm_step "emergency password reset over the cable (mona, maintenance: presence)"
vm_app app-reset --link tty:/dev/ttyACM0 --user mona emergency-reset
vm_step "read the secure activation code over the cable"
[ "$(cat /sys/class/udc/dummy_udc.0/state)" = configured ] ||
	vm_fail "dummy_udc.0 is not configured: $(cat /sys/class/udc/dummy_udc.0/state)"
vm_app app-code --link tty:/dev/ttyACM0 activation-code
grep -q -- "$VM_CODE" "$VM_OUT/app-code.log" ||
	vm_fail "activation code read over USB is not the factory one ($VM_CODE)"

vm_step "bmcd without a presence source: the gateway's claim is not enough"
vm_stop_daemon "$VM_BMCD_PID" bmcd
vm_sv_bmcd_start bmcd-nohw
vm_wait_log 20 "$VM_OUT/bmcd-nohw.log" 'gateway connected'
vm_app app-code-nohw --link tty:/dev/ttyACM0 --expect-error PRESENCE_REQUIRED activation-code
vm_stop_daemon "$VM_BMCD_PID" bmcd-nohw
vm_stop_daemon "$VM_GATEWAY_PID" svcportd
vm_step "usb-gadget: presence from the UDC state over the real CDC-ACM gadget OK"
