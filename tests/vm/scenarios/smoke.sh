# SPDX-License-Identifier: GPL-2.0-or-later
# Checks the guest's stacks before our binaries use them: the kernel's L2CAP
# LE and SMP pass BlueZ's own conformance tests, btvirt gives two LE
# controllers that pair through svcport-vm-agent, and the dummy_hcd ACM gadget
# carries bytes both ways between /dev/ttyGS0 and /dev/ttyACM0.
. "$VM_LIB"

vm_step "kernel L2CAP LE conformance (l2cap-tester)"
vm_l2cap_conformance

vm_step "btvirt: two LE controllers, powered"
vm_agent_up
vm_ble_up
vm_step "hci0 $(vm_ble_addr hci0), hci1 $(vm_ble_addr hci1)"
vm_step "LE Secure Connections pairing hci1 -> hci0 through svcport-vm-agent"
vm_ble_pair_check

vm_step "USB: ACM gadget on dummy_hcd"
vm_usb_gadget_up 1d6b 0104
vm_step "USB: 64 KiB each way, byte-exact"
vm_tty_exchange /dev/ttyGS0 /dev/ttyACM0 65536
vm_step "smoke: stacks OK"
