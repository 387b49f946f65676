# SPDX-License-Identifier: GPL-2.0-or-later
# Helpers for the host-side checks (scenarios/NAME.host), run by vm-run.sh
# after a passing guest run with the scenario's work folder as $1. Each capture
# is decoded by tshark once (its start-up costs about a second) into a table
# the checks then read with awk.
set -eu

vm_host_fail() {
	echo "VM-HOST-FAIL: $*"
	exit 1
}

# The decoded columns, as awk variables of vm_host_has's conditions.
VM_HOST_FIELDS="frame.protocols btatt.opcode btatt.error_code btsmp.opcode bthci_evt.code bthci_evt.encryption_enable btcommon.eir_ad.entry.custom_uuid_128"

# vm_host_decode FILE: FILE.fields, one line per packet (columns split by |).
vm_host_decode() {
	local f=$1 args=() x
	[ -s "$f.fields" ] && return 0
	command -v tshark >/dev/null || vm_host_fail "tshark missing (scripts/deps test)"
	[ -s "$f" ] || vm_host_fail "$(basename "$f") missing or empty"
	for x in $VM_HOST_FIELDS; do
		args+=(-e "$x")
	done
	tshark -n -r "$f" -T fields -E separator='|' "${args[@]}" >"$f.fields" 2>"$f.tshark-err" ||
		vm_host_fail "tshark cannot read $(basename "$f"): $(tail -n 3 "$f.tshark-err")"
}

# vm_host_tshark_clean FILE: tshark reads FILE, finds packets, and flags none
# of them as malformed.
vm_host_tshark_clean() {
	local f=$1 total bad
	vm_host_decode "$f"
	total=$(wc -l <"$f.fields")
	[ "$total" -gt 0 ] || vm_host_fail "tshark decodes no packet in $(basename "$f")"
	bad=$(grep -c '_ws\.malformed' "$f.fields" || true)
	if [ "$bad" -ne 0 ]; then
		tshark -n -r "$f" -Y '_ws.malformed' -V 2>/dev/null | tail -n 60
		vm_host_fail "$(basename "$f"): $bad of $total packets malformed"
	fi
	echo "VM-HOST: $(basename "$f"): $total packets, none malformed"
}

# vm_host_has FILE AWK-CONDITION WHAT: at least one packet satisfies the
# condition over proto, att, atterr, smp, evt, enc, uuid (tshark's text: "0x0c").
vm_host_has() {
	local f=$1 cond=$2 what=$3 n
	vm_host_decode "$f"
	n=$(awk -F'|' "
		{ proto = \$1; att = \$2; atterr = \$3; smp = \$4; evt = \$5; enc = \$6; uuid = \$7 }
		$cond { n++ }
		END { print n + 0 }" "$f.fields")
	[ "$n" -gt 0 ] || vm_host_fail "$(basename "$f"): no $what ($cond)"
	echo "VM-HOST: $(basename "$f"): $n x $what"
}
