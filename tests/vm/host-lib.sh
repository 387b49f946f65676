# SPDX-License-Identifier: GPL-2.0-or-later
# Helpers for the host-side checks (scenarios/NAME.host), run by vm-run.sh
# after a passing guest run with the scenario's work folder as $1.
set -eu

vm_host_fail() {
	echo "VM-HOST-FAIL: $*"
	exit 1
}

# vm_host_tshark_clean FILE: tshark reads FILE, finds packets, and flags none
# of them as malformed.
vm_host_tshark_clean() {
	local f=$1 total bad
	command -v tshark >/dev/null || vm_host_fail "tshark missing (scripts/deps test)"
	[ -s "$f" ] || vm_host_fail "$(basename "$f") missing or empty"
	total=$(tshark -n -r "$f" 2>"$f.tshark-err" | wc -l) ||
		vm_host_fail "tshark cannot read $(basename "$f"): $(cat "$f.tshark-err")"
	[ "$total" -gt 0 ] || vm_host_fail "tshark decodes no packet in $(basename "$f")"
	bad=$(tshark -n -r "$f" -Y '_ws.malformed' 2>/dev/null | wc -l)
	if [ "$bad" -ne 0 ]; then
		tshark -n -r "$f" -Y '_ws.malformed' -V 2>/dev/null | tail -n 60
		vm_host_fail "$(basename "$f"): $bad of $total packets malformed"
	fi
	echo "VM-HOST: $(basename "$f"): $total packets, none malformed"
}

# vm_host_tshark_has FILE FILTER WHAT: at least one packet matches FILTER.
vm_host_tshark_has() {
	local n
	n=$(tshark -n -r "$1" -Y "$2" 2>/dev/null | wc -l)
	[ "$n" -gt 0 ] || vm_host_fail "$(basename "$1"): no $3 ($2)"
	echo "VM-HOST: $(basename "$1"): $n x $3"
}
