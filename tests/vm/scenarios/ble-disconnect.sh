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

# vm_cut_mid_message NAME HOW: a claim at ATT MTU 23 (the signed command then
# takes dozens of RX segments); the cutter (svcport-vm-agent --cut) makes the
# phone vanish the moment its first segment is on the air (HOW: kill = the app
# dies, power = hci1 powers off). Then the gateway must drop the partial
# message and close the session. (It advertises again as soon as a phone
# connects, for the next one; the proof that it still advertises after the
# disconnect is the next phone finding it by scanning.)
vm_cut_mid_message() {
	local name=$1 how=$2 lines pid fifo=$VM_RUN/go.$1 cutter
	lines=$(grep -c . "$VM_OUT/svcportd.log")
	mkfifo "$fifo"
	# The app waits for the cutter to be armed (it needs the app's pid).
	vm_bg "$name" bash -c 'read -r _ <"$0" && exec "$@"' "$fifo" "$SVCPORT_SIM" app \
		--portal "$VM_PORTAL" --link "ble:hci1/$A0" --user alice --mtu 23 --timeout 20000 claim
	pid=$VM_BG_PID
	case $how in
	kill) vm_bg "cut-$name" "$VM_AGENT" --cut 1 --kill "$pid" ;;
	power) vm_bg "cut-$name" "$VM_AGENT" --cut 1 ;;
	esac
	cutter=$VM_BG_PID
	vm_wait_log 10 "$VM_OUT/cut-$name.log" '^ready$'
	echo go >"$fifo"
	rm -f "$fifo"
	vm_wait_log 60 "$VM_OUT/cut-$name.log" '^cut hci1: first segment sent'
	wait "$pid" && vm_fail "the phone app finished its claim although it vanished mid-message"
	vm_stop "$cutter" "cut-$name"
	vm_wait_until 30 "the gateway to see the disconnect" vm_log_since "$lines" 'connection ends'
	vm_log_since "$lines" 'partial message dropped' ||
		vm_fail "the gateway did not drop the partial message"
	vm_log_since "$lines" 'session [0-9]+ ble:hci0: closed' || vm_fail "the session was not closed"
}

# vm_log_since LINE REGEX: svcportd.log has a line after LINE matching REGEX.
vm_log_since() {
	tail -n +$(($1 + 1)) "$VM_OUT/svcportd.log" | grep -Eq "$2"
}

vm_step "the phone app is killed mid-message"
vm_cut_mid_message app-killed kill
vm_step "a new phone connection, found by scanning, works"
vm_app app-after-kill --link "ble:hci1/$A0" --timeout 20000 info --expect-state LOCKED

vm_step "the phone's controller powers off mid-message"
vm_cut_mid_message app-powered-off power
vm_btmgmt hci1 power on
vm_bmcctl --password-file "$VM_FACTORY/admin-password" status >"$VM_OUT/status-after-cuts.txt" 2>&1 || vm_fail "bmcctl status failed"
grep -qi acme "$VM_OUT/status-after-cuts.txt" &&
	vm_fail "a cut-off claim was applied: $(cat "$VM_OUT/status-after-cuts.txt")"
vm_step "a new phone connection (found by scanning) claims and activates"
vm_app app-claim --link "ble:hci1/$A0" --user alice --timeout 20000 claim
vm_app app-activate --link "ble:hci1/$A0" --user eddie --timeout 20000 activate
vm_app app-info --link "ble:hci1/$A0" --timeout 20000 info --expect-state ACTIVE --expect-owner acme

vm_step "no session or fd left behind; clean stop"
# The phone's kernel ends the last link ~2 s after the app exits.
vm_all_connections_ended() {
	[ "$(grep -c 'link ble:hci0: .* connected$' "$VM_OUT/svcportd.log")" -eq \
		"$(grep -c 'connection ends' "$VM_OUT/svcportd.log")" ]
}
vm_wait_until 20 "every BLE connection to end" vm_all_connections_ended
fds1=$(ls /proc/"$VM_GATEWAY_PID"/fd | wc -l)
[ "$fds1" -le "$fds0" ] || vm_fail "svcportd holds $fds1 fds, $fds0 before the disconnects"
vm_stop_daemon "$VM_GATEWAY_PID" svcportd
vm_step "ble-disconnect: killed and powered-off peers cleaned up, re-advertised OK"
