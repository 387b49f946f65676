# SPDX-License-Identifier: GPL-2.0-or-later
# Scenario 1, BLE: svcportd on ble:hci0 (L2CAP LE, ATT CID 4) advertises the
# svcport service; the phone (svcport-sim app on hci1) finds it by scanning
# for the service UUID, connects, exchanges MTU, discovers, enables TX
# notifications and claims, then activates, against svcport-bmcd. The
# captures (the gateway's own and the controllers' HCI traffic) must decode in
# tshark with no malformed packet (ble-claim.host).
. "$VM_LIB"

vm_step "portal, factory state, bmcd"
vm_sv_portal
vm_sv_bmcd_up

vm_step "BLE controllers"
vm_agent_up
vm_ble_up
A0=$(vm_ble_addr hci0)

# The phone scans first: btvirt reports an advertiser only to scanners that
# are active when it enables advertising.
vm_step "phone scans on hci1 for the svcport service (claim as alice)"
vm_bg app-claim timeout 60 "$SVCPORT_SIM" app --portal "$VM_PORTAL" --link "ble:hci1/$A0" \
	--user alice --scan-timeout 50000 --timeout 20000 claim
claim_pid=$VM_BG_PID
vm_wait_scanning hci1

vm_step "svcportd --link ble:hci0 advertises"
vm_sv_gateway_up --link ble:hci0
wait "$claim_pid" || vm_fail "claim over BLE failed: $(tail -n 8 "$VM_OUT/app-claim.log")"
grep -qi 'scanning' "$VM_OUT/app-claim.log" || vm_fail "the phone did not scan"

vm_step "activate over BLE as eddie (the phone knows the address now)"
vm_app app-activate --link "ble:hci1/$A0" --no-scan --user eddie --timeout 20000 activate
vm_step "info over BLE: ACTIVE, owner acme"
vm_app app-info --link "ble:hci1/$A0" --no-scan --timeout 20000 info --expect-state ACTIVE \
	--expect-owner acme
vm_stop_daemon "$VM_GATEWAY_PID" svcportd
vm_step "ble-claim: claim + activate over the kernel's BLE stack OK"
