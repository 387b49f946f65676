# SPDX-License-Identifier: GPL-2.0-or-later
# Scenario 2, BLE with encryption: svcportd --ble-security medium. The gateway
# asks for security on each connection (BT_SECURITY on the connected socket);
# the phone's kernel then pairs (LE Secure Connections, just works), which the
# agent confirms, as the phone's user and the BMC's agent would.
#  - A phone whose user refuses to pair (agent --reject 1) stays unencrypted:
#    the RX/TX characteristics answer ATT Insufficient Encryption, the claim
#    fails and the BMC is unchanged.
#  - A phone that pairs claims successfully over the encrypted link.
# ble-encrypted.host checks both captures: the ATT error on the first, the
# Secure Connections pairing and Encryption Change on the second.
. "$VM_LIB"

vm_step "portal, factory state, bmcd"
vm_sv_portal
vm_sv_bmcd_up

vm_step "BLE controllers; the phone's user will refuse to pair"
vm_agent_up refused --reject 1
vm_ble_up
A0=$(vm_ble_addr hci0)
vm_sv_gateway_up --link ble:hci0 --ble-security medium

vm_step "claim without pairing: refused with an ATT security error"
echo "+ svcport-sim app claim (no pairing)" >"$VM_OUT/app-unpaired.log"
if timeout 60 "$SVCPORT_SIM" app --portal "$VM_PORTAL" --link "ble:hci1/$A0" --user alice \
	--timeout 10000 --retries 0 claim >>"$VM_OUT/app-unpaired.log" 2>&1; then
	vm_fail "claim succeeded on a link that was never encrypted"
fi
grep -q '^confirm hci1 .* reject$' "$VM_AGENT_LOG" ||
	vm_fail "the phone was never asked to pair (no User Confirm Request on hci1)"
grep -Eqi 'insufficient (encryption|authentication)|0x0f|0x05' "$VM_OUT/app-unpaired.log" ||
	vm_fail "the phone did not report an ATT insufficient encryption/authentication error"
vm_bmcctl status >"$VM_OUT/status-unpaired.txt" 2>&1 || vm_fail "bmcctl status failed"
grep -qi 'acme' "$VM_OUT/status-unpaired.txt" && vm_fail "the BMC changed: $(cat "$VM_OUT/status-unpaired.txt")"

vm_step "the phone's user accepts: pairing, then claim over the encrypted link"
vm_agent_down
vm_agent_up paired
vm_app app-paired --link "ble:hci1/$A0" --user alice --timeout 20000 claim
grep -q '^ltk hci1 ' "$VM_AGENT_LOG" || vm_fail "no long term key: the link was not paired"
vm_app app-info --link "ble:hci1/$A0" --no-scan --timeout 20000 info --expect-owner acme
vm_step "ble-encrypted: refused unpaired, served paired OK"
