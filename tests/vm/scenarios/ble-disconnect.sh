# SPDX-License-Identifier: GPL-2.0-or-later
# Scenario 5, disconnects: the BLE peer vanishes mid-message, first by the
# phone app being killed, then by the phone's controller powering off. Each
# time the gateway notices, frees the session (no fd left behind), advertises
# again, and a new phone connection found by scanning works. At the end
# svcportd stops cleanly (in the Sanitize build LeakSanitizer checks it).
. "$VM_LIB"

vm_step "portal, factory state, bmcd, BLE, gateway on ble:hci0"
vm_sv_portal
vm_sv_bmcd_up
vm_agent_up
vm_ble_up
A0=$(vm_ble_addr hci0)
vm_sv_gateway_up --link ble:hci0
fds0=$(ls /proc/"$VM_GATEWAY_PID"/fd | wc -l)

# vm_cut_mid_message NAME HOW: starts a claim at ATT MTU 23 (the signed command
# then takes dozens of RX segments), waits until the gateway holds part of it,
# and makes the phone vanish (HOW: kill = the app dies, power = hci1 powers
# off). Then waits for the gateway to see the disconnect and advertise again.
vm_cut_mid_message() {
	local name=$1 how=$2 lines pid
	lines=$(grep -c . "$VM_OUT/svcportd.log")
	vm_bg "$name" timeout 60 "$SVCPORT_SIM" app --portal "$VM_PORTAL" --link "ble:hci1/$A0" \
		--user alice --mtu 23 --timeout 20000 claim
	pid=$VM_BG_PID
	vm_wait_until 30 "the gateway to receive part of the command" \
		sh -c "tail -n +$((lines + 1)) '$VM_OUT/svcportd.log' | grep -Eqi 'segment|partial|reassembl'"
	case $how in
	kill) kill -9 "$pid" ;;
	power) vm_btmgmt hci1 power off ;;
	esac
	wait "$pid" 2>/dev/null
	vm_wait_until 30 "the gateway to see the disconnect and advertise again" \
		sh -c "tail -n +$((lines + 1)) '$VM_OUT/svcportd.log' | grep -Eqi 'disconnect' &&
			tail -n +$((lines + 1)) '$VM_OUT/svcportd.log' | grep -Eqi 'advertising on'"
}

vm_step "the phone app is killed mid-message"
vm_cut_mid_message app-killed kill
vm_step "a new phone connection (found by scanning) works"
vm_app app-after-kill --link "ble:hci1/$A0" --timeout 20000 info --expect-state LOCKED

vm_step "the phone's controller powers off mid-message"
vm_cut_mid_message app-powered-off power
vm_btmgmt hci1 power on
vm_step "a new phone connection (found by scanning) claims and activates"
vm_app app-claim --link "ble:hci1/$A0" --user alice --timeout 20000 claim
vm_app app-activate --link "ble:hci1/$A0" --user eddie --timeout 20000 activate
vm_app app-info --link "ble:hci1/$A0" --timeout 20000 info --expect-state ACTIVE --expect-owner acme

vm_step "no session or fd left behind; clean stop"
fds1=$(ls /proc/"$VM_GATEWAY_PID"/fd | wc -l)
[ "$fds1" -le "$fds0" ] || vm_fail "svcportd holds $fds1 fds, $fds0 before the disconnects"
kill -TERM "$VM_GATEWAY_PID"
wait "$VM_GATEWAY_PID"
rc=$?
[ "$rc" -eq 0 ] || vm_fail "svcportd exited with status $rc after SIGTERM"
grep -q 'LeakSanitizer' "$VM_OUT/svcportd.log" && vm_fail "svcportd leaked memory (see svcportd.log)"
vm_step "ble-disconnect: killed and powered-off peers cleaned up, re-advertised OK"
