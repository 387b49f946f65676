# SPDX-License-Identifier: GPL-2.0-or-later
# Scenario 2, BLE with encryption: svcportd --ble-security medium. The gateway
# asks for security on each connection (BT_SECURITY on the connected socket);
# the phone's kernel then pairs (LE Secure Connections, just works). Both
# controllers are bondable (without it the responder answers the phone's
# Pairing Request with Pairing Not Supported) and the agent plays the BMC's
# agent on hci0 and the phone's user on hci1.
#  - A phone whose user does not confirm the pairing (agent --ignore 1) stays
#    unencrypted: the TX CCCD (and RX) answer ATT Insufficient Encryption, the
#    claim fails and the BMC is unchanged.
#  - A phone whose user confirms pairs, and claims over the encrypted link.
# ble-encrypted.host checks both captures: the ATT error on the first, the
# Secure Connections pairing and Encryption Change on the second.
. "$VM_LIB"

vm_step "portal, factory state, bmcd"
vm_sv_portal
vm_sv_bmcd_up

vm_step "BLE controllers, bondable; the phone's user will not confirm pairing"
vm_agent_up refused --ignore 1
vm_ble_up
vm_btmgmt hci0 bondable on
vm_btmgmt hci1 bondable on
A0=$(vm_ble_addr hci0)
vm_sv_gateway_up --link ble:hci0 --ble-security medium

vm_step "claim without pairing: refused with ATT Insufficient Encryption"
echo "+ svcport-sim app claim (pairing never confirmed)" >"$VM_OUT/app-unpaired.log"
if timeout 60 "$SVCPORT_SIM" app --portal "$VM_PORTAL" --link "ble:hci1/$A0" --user alice \
	--timeout 10000 --retries 0 claim >>"$VM_OUT/app-unpaired.log" 2>&1; then
	vm_fail "claim succeeded on a link that was never encrypted"
fi
grep -q '^confirm hci1 .* no answer$' "$VM_AGENT_LOG" ||
	vm_fail "the phone was never asked to pair (no User Confirm Request on hci1)"
# gatt-client maps ATT Insufficient Encryption/Authentication to EACCES.
grep -q 'Permission denied' "$VM_OUT/app-unpaired.log" ||
	vm_fail "the phone did not fail on an ATT security error: $(tail -n 2 "$VM_OUT/app-unpaired.log")"
vm_bmcctl --password-file "$VM_FACTORY/admin-password" status >"$VM_OUT/status-unpaired.txt" 2>&1 || vm_fail "bmcctl status failed"
grep -qi 'acme' "$VM_OUT/status-unpaired.txt" && vm_fail "the BMC changed: $(cat "$VM_OUT/status-unpaired.txt")"

vm_step "the phone's user confirms: pairing, then claim over the encrypted link"
vm_agent_down
vm_agent_up paired
vm_app app-paired --link "ble:hci1/$A0" --user alice --timeout 20000 claim
grep -q '^ltk hci1 ' "$VM_AGENT_LOG" || vm_fail "no long term key: the link was not paired"
# A bonded phone reconnects to the address it knows.
vm_app app-info --link "ble:hci1/$A0" --no-scan --timeout 20000 info --expect-owner acme
vm_stop_daemon "$VM_GATEWAY_PID" svcportd
vm_step "ble-encrypted: refused unpaired, served paired OK"
