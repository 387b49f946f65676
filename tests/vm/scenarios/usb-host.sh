# SPDX-License-Identifier: GPL-2.0-or-later
# Scenario 4, USB host side: svcportd with usb:1d6b:0104 (libusb, asynchronous
# bulk transfers in its event loop) talks to a CDC-ACM gadget whose other end
# is the phone, svcport-sim app on tty:/dev/ttyGS0. The gadget is unplugged
# (unbound from the UDC) mid-session and plugged back: the gateway notices,
# cleans up the session and serves the new device. bmcd's presence is the
# service port's device in host mode (--usb-port /sys/bus/usb/devices/N-1,
# present while the phone is plugged in).
. "$VM_LIB"

vm_step "portal, factory state"
vm_sv_portal

vm_step "USB: the phone's ACM gadget is plugged in; bmcd (presence: its port); svcportd --link usb:1d6b:0104"
vm_usb_gadget_up 1d6b 0104
VM_USB_PORT=$(vm_usb_host_port)
[ -d "$VM_USB_PORT" ] || vm_fail "the phone is not at $VM_USB_PORT"
vm_sv_bmcd_up --usb-port "$VM_USB_PORT"
vm_udevd_up
vm_sv_gateway_up --link usb:1d6b:0104
vm_wait_log 20 "$VM_OUT/svcportd.log" 'usb:1d6b:0104: device opened'

vm_step "claim through the gateway's libusb host link (alice)"
vm_app app-claim --link tty:/dev/ttyGS0 --user alice claim
vm_step "read the activation code: presence is the device on the service port"
vm_app app-code --link tty:/dev/ttyGS0 activation-code
grep -q -- "$VM_CODE" "$VM_OUT/app-code.log" ||
	vm_fail "activation code read over the host link is not the factory one ($VM_CODE)"

vm_step "mid-session: half a frame sent, then the cable is pulled"
exec 7<>/dev/ttyGS0
stty -F /dev/ttyGS0 raw -echo
# COBS code byte announcing 32 bytes, then only 3 of them, no 0x00 delimiter.
printf '\041abc' >&7
lines=$(grep -c . "$VM_OUT/svcportd.log")
vm_usb_unplug
exec 7>&-
vm_wait_until 20 "the gateway to notice the unplug" \
	sh -c "tail -n +$((lines + 1)) '$VM_OUT/svcportd.log' | grep -q 'usb:1d6b:0104: device closed'"
vm_wait_until 20 "the gateway to close the session" \
	sh -c "tail -n +$((lines + 1)) '$VM_OUT/svcportd.log' | grep -Eq 'session [0-9]+ usb:1d6b:0104: closed'"

vm_step "plugged back: the gateway serves the new device"
lines=$(grep -c . "$VM_OUT/svcportd.log")
vm_usb_plug --claimed
vm_wait_until 20 "the gateway to open the device again" \
	sh -c "tail -n +$((lines + 1)) '$VM_OUT/svcportd.log' | grep -q 'usb:1d6b:0104: device opened'"
vm_app app-activate --link tty:/dev/ttyGS0 --user eddie activate
vm_app app-info --link tty:/dev/ttyGS0 info --expect-state ACTIVE --expect-owner acme
vm_step "svcportd stops cleanly"
vm_stop_daemon "$VM_GATEWAY_PID" svcportd
vm_step "usb-host: libusb host link, unplug and replug OK"
