# SPDX-License-Identifier: GPL-2.0-or-later
# Helpers for the scenarios, sourced inside the guest (bash, chrooted into the
# host root). Every scenario states each step with vm_step and fails with
# vm_fail "why"; its processes are killed by vm_cleanup on any exit.

VM_PIDS=()
VM_NAMES=()

# vm_sleep SECONDS: a pause without forking (read -t on a fifo nobody writes
# to): under TCG a fork+exec of sleep costs more than the pause itself. Only
# used between polls of a condition, never to wait for something to happen.
mkdir -p /run/vm-lib
mkfifo /run/vm-lib/sleep.$$
exec {VM_SLEEP_FD}<>/run/vm-lib/sleep.$$
rm -f /run/vm-lib/sleep.$$
vm_sleep() {
	read -r -t "$1" -u "$VM_SLEEP_FD" _ || true
}

vm_step() {
	local up
	read -r up _ </proc/uptime
	echo "VM-STEP: [${up}s] $*"
}

vm_fail() {
	echo "VM-FAIL: $*"
	exit 1
}

# vm_bg NAME CMD...: starts CMD in the background, output to $VM_OUT/NAME.log;
# its pid is in VM_BG_PID and it is killed at exit.
vm_bg() {
	local name=$1
	shift
	"$@" >"$VM_OUT/$name.log" 2>&1 &
	VM_BG_PID=$!
	VM_PIDS+=("$VM_BG_PID")
	VM_NAMES+=("$name")
}

# vm_alive PID: the process exists and is not a zombie (no fork: TCG).
vm_alive() {
	local st
	read -r _ _ st _ 2>/dev/null <"/proc/$1/stat" || return 1
	[ "$st" != Z ]
}

# vm_stop PID NAME: SIGTERM, then up to 10 s for it to exit; a process that
# ignores SIGTERM is killed and reported (a daemon must stop when asked).
vm_stop() {
	local pid=$1 name=$2
	local end=$((SECONDS + 10))
	kill "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
	echo "VM-STOP: $name"
	while [ "$SECONDS" -lt "$end" ] && vm_alive "$pid"; do
		vm_sleep 0.02
	done
	if vm_alive "$pid"; then
		echo "VM-FAIL: $name (pid $pid) did not stop within 10 s of SIGTERM" \
			"(state $(sed -n 's/^State:\t//p' "/proc/$pid/status"), wchan $(cat "/proc/$pid/wchan"))"
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		return 1
	fi
	wait "$pid" 2>/dev/null
	return 0
}

# vm_stop_daemon PID NAME: a daemon asked to stop must exit 0 in time, and (in
# the Sanitize build) without a leak or sanitizer report in its log.
vm_stop_daemon() {
	local pid=$1 name=$2 end=$((SECONDS + 10)) rc
	kill -TERM "$pid" 2>/dev/null || vm_fail "$name is not running"
	while [ "$SECONDS" -lt "$end" ] && vm_alive "$pid"; do
		vm_sleep 0.02
	done
	vm_alive "$pid" && vm_fail "$name did not stop within 10 s of SIGTERM" \
		"(wchan $(cat "/proc/$pid/wchan"))"
	wait "$pid"
	rc=$?
	[ "$rc" -eq 0 ] || vm_fail "$name exited with status $rc after SIGTERM"
	grep -Eq 'LeakSanitizer|AddressSanitizer|runtime error:' "$VM_OUT/$name.log" &&
		vm_fail "$name: sanitizer report in $name.log"
	return 0
}

vm_cleanup() {
	local rc=$? p i
	trap - TERM
	for ((i = ${#VM_PIDS[@]} - 1; i >= 0; i--)); do
		vm_stop "${VM_PIDS[i]}" "${VM_NAMES[i]}" || { [ "$rc" -eq 0 ] && rc=1; }
	done
	if [ "$rc" -ne 0 ]; then
		for p in "$VM_OUT"/*.log; do
			[ -f "$p" ] || continue
			case $p in */console.log | */qemu.log | */host.log) continue ;; esac
			echo "---- $(basename "$p")"
			tail -n 40 "$p"
		done
	fi
	exit "$rc"
}
trap vm_cleanup EXIT
# vm-run.sh's in-guest deadline (timeout) sends TERM: still clean up and log.
trap 'echo "VM-FAIL: scenario deadline reached"; exit 124' TERM

# vm_wait_until SECONDS DESCRIPTION CMD...: polls CMD (every 20 ms) until it
# succeeds. For kernel objects that offer nothing to block on (sysfs entries,
# device nodes); the deadline is a safety net, not a delay.
vm_wait_until() {
	local secs=$1 what=$2
	shift 2
	local end=$((SECONDS + secs))
	until "$@"; do
		[ "$SECONDS" -lt "$end" ] || vm_fail "timed out after ${secs}s waiting for $what"
		vm_sleep 0.02
	done
}

# vm_wait_log SECONDS FILE REGEX: waits until FILE has a line matching REGEX
# (a daemon's "ready" line, a client's progress).
vm_wait_log() {
	vm_wait_until "$1" "'$3' in $(basename "$2")" grep -Eq "$3" "$2"
}

# ------------------------------------------------------------------ BLE

# vm_l2cap_conformance: BlueZ's own kernel tests for what svcportd relies on:
# LE client and server sockets, SMP, and the ATT fixed channel (CID 4) both
# ways. (The timing-sensitive socket-close cases are left out: under TCG on a
# loaded host their 1-2 s tester deadlines are not about the stack.)
vm_l2cap_conformance() {
	local t
	for t in "L2CAP LE Client - Success" "L2CAP LE Client SMP - Success" \
		"L2CAP LE Server - Success" "L2CAP LE ATT Client - Success" \
		"L2CAP LE ATT Server - Success"; do
		l2cap-tester -p "$t" >"$VM_OUT/l2cap-tester.log" 2>&1 ||
			vm_fail "l2cap-tester '$t' failed: $(grep -E 'Failed|Timed out' "$VM_OUT/l2cap-tester.log" | head -n 3)"
	done
	rm -f "$VM_OUT/l2cap-tester.log"
}

# vm_ble_down: stops btvirt and waits until its controllers are gone.
vm_ble_down() {
	if [ -n "${VM_BTVIRT_PID:-}" ]; then
		vm_stop "$VM_BTVIRT_PID" btvirt || vm_fail "btvirt did not stop"
		VM_BTVIRT_PID=
	fi
	vm_wait_until 10 "controllers to go" vm_ble_none
}

# vm_btmgmt hciN ARGS...: one btmgmt command; fails the scenario if btmgmt
# reports a failure (its exit status is 0 either way).
vm_btmgmt() {
	local i=$1 out
	shift
	out=$(timeout 10 btmgmt -i "$i" "$@" 2>&1)
	echo "$i $*: $out" >>"$VM_OUT/btmgmt.log"
	case $out in
	*[Ff]ailed* | *[Ii]nvalid* | "") vm_fail "btmgmt -i $i $*: ${out:-no answer}" ;;
	esac
}

vm_ble_none() {
	[ -z "$(ls /sys/class/bluetooth 2>/dev/null)" ]
}

# vm_ble_up: btvirt's two LE controllers hci0 and hci1 on one emulated air,
# with LE Secure Connections enabled (as on any current phone) and powered on
# through mgmt (no bluetoothd).
vm_ble_up() {
	vm_ble_none || vm_fail "controllers already present: $(ls /sys/class/bluetooth)"
	vm_bg btvirt btvirt -L -l2
	VM_BTVIRT_PID=$VM_BG_PID
	vm_wait_until 10 "btvirt's hci0 and hci1" test -e /sys/class/bluetooth/hci1
	local i
	for i in hci0 hci1; do
		vm_btmgmt "$i" sc on
		vm_btmgmt "$i" power on
	done
}

# vm_agent_up [NAME [AGENT ARGS...]]: starts svcport-vm-agent (answers pairing
# confirmations, reports LE scan enables, captures all HCI traffic to
# $VM_OUT/NAME.btsnoop; NAME defaults to hci) and waits until it listens. Its
# log: $VM_OUT/NAME-agent.log (VM_AGENT_LOG). Start it before vm_ble_up so the
# capture has the controllers from their first command.
vm_agent_up() {
	local name=${1:-hci}
	[ $# -gt 0 ] && shift
	VM_AGENT_LOG=$VM_OUT/$name-agent.log
	vm_bg "$name-agent" "$VM_AGENT" --capture "$VM_OUT/$name.btsnoop" "$@"
	VM_AGENT_PID=$VM_BG_PID
	vm_wait_log 10 "$VM_AGENT_LOG" '^ready$'
}

vm_agent_down() {
	vm_stop "$VM_AGENT_PID" agent || vm_fail "svcport-vm-agent did not stop"
}

# vm_wait_scanning hciN: waits until the controller has accepted an LE scan
# enable (btvirt reports an advertiser only to controllers already scanning
# when advertising is enabled).
vm_wait_scanning() {
	vm_wait_log 20 "$VM_AGENT_LOG" "^scan $1 on$"
}

# vm_ble_pair_check: hci1 pairs with hci0 through mgmt Pair Device (LE Secure
# Connections, just works, confirmed by the agent on both sides), then
# disconnects. Proves SMP, the agent and btvirt's encryption.
vm_ble_pair_check() {
	local a0 pid
	a0=$(vm_ble_addr hci0)
	vm_btmgmt hci0 connectable on
	vm_btmgmt hci0 bondable on
	vm_btmgmt hci1 bondable on
	timeout 20 btmgmt -i hci1 pair -t 1 "$a0" >"$VM_OUT/pair.log" 2>&1 &
	pid=$!
	vm_wait_scanning hci1
	vm_btmgmt hci0 advertising on
	wait "$pid" || vm_fail "btmgmt pair failed: $(cat "$VM_OUT/pair.log")"
	grep -q '^ltk hci0 ' "$VM_AGENT_LOG" && grep -q '^ltk hci1 ' "$VM_AGENT_LOG" ||
		vm_fail "pairing gave no long term key on both sides"
	vm_btmgmt hci0 advertising off
	vm_btmgmt hci0 connectable off
	# Unpairing removes the keys and ends the connection on both sides.
	vm_btmgmt hci1 unpair -t 1 "$a0"
}

# vm_ble_addr hciN: the controller's public address.
vm_ble_addr() {
	btmgmt -i "$1" info | awk '$1 == "addr" { print $2; exit }'
}

# ------------------------------------------------------------------ USB
VM_GADGET=/sys/kernel/config/usb_gadget/svcport

# vm_usb_gadget_up VID PID: a configfs gadget with one ACM function on the
# dummy UDC; waits for its two ends, /dev/ttyGS0 (device) and /dev/ttyACM0
# (host, cdc-acm).
vm_usb_gadget_up() {
	local g=$VM_GADGET
	mkdir "$g" || vm_fail "configfs gadget: mkdir $g failed"
	echo "0x$1" >"$g/idVendor"
	echo "0x$2" >"$g/idProduct"
	mkdir "$g/strings/0x409"
	echo svcport >"$g/strings/0x409/manufacturer"
	echo "svcport test phone" >"$g/strings/0x409/product"
	echo VM0001 >"$g/strings/0x409/serialnumber"
	mkdir "$g/configs/c.1" "$g/functions/acm.usb0"
	ln -s "$g/functions/acm.usb0" "$g/configs/c.1/"
	vm_usb_plug
	vm_wait_until 10 /dev/ttyGS0 test -c /dev/ttyGS0
}

# vm_usb_plug [--claimed] / vm_usb_unplug: bind the gadget to the dummy UDC or
# unbind it (the cable plugged in or pulled out, as the host sees it). Plugging
# waits for cdc-acm's /dev/ttyACM0, unless a libusb user (the gateway) is
# expected to claim the interface instead (--claimed).
vm_usb_plug() {
	echo dummy_udc.0 >"$VM_GADGET/UDC" || vm_fail "cannot bind the gadget to dummy_udc.0"
	[ "${1:-}" = --claimed ] && return 0
	vm_wait_until 10 "/dev/ttyACM0 (host side)" test -c /dev/ttyACM0
}

vm_usb_unplug() {
	echo "" >"$VM_GADGET/UDC" || vm_fail "cannot unbind the gadget"
	vm_wait_until 10 "/dev/ttyACM0 to go" test ! -e /dev/ttyACM0
}

# vm_tty_exchange TTY_A TTY_B BYTES: random bytes both ways at once, raw mode,
# compared byte for byte.
vm_tty_exchange() {
	local a=$1 b=$2 n=$3 pa pb
	head -c "$n" /dev/urandom >"$VM_OUT/a.bin"
	head -c "$n" /dev/urandom >"$VM_OUT/b.bin"
	# u_serial resets its termios on last close: hold both ends open.
	exec 7<>"$a" 8<>"$b"
	stty -F "$a" raw -echo && stty -F "$b" raw -echo || vm_fail "stty raw on $a/$b failed"
	timeout 20 head -c "$n" <&7 >"$VM_OUT/b.got" &
	pa=$!
	timeout 20 head -c "$n" <&8 >"$VM_OUT/a.got" &
	pb=$!
	cat "$VM_OUT/a.bin" >&7
	cat "$VM_OUT/b.bin" >&8
	wait "$pa" || vm_fail "$a: reading $n bytes failed or timed out"
	wait "$pb" || vm_fail "$b: reading $n bytes failed or timed out"
	exec 7>&- 8>&-
	cmp "$VM_OUT/a.bin" "$VM_OUT/a.got" || vm_fail "$a -> $b: bytes differ"
	cmp "$VM_OUT/b.bin" "$VM_OUT/b.got" || vm_fail "$b -> $a: bytes differ"
	rm -f "$VM_OUT"/[ab].bin "$VM_OUT"/[ab].got
}

# ---------------------------------------------------------------- svcport
# The project's binaries come from the build tree through the environment:
# SVCPORT_SIM, SVCPORT_BMCD, SVCPORT_BMCCTL, SVCPORT_SVCPORTD (CMake passes
# them). State lives on the guest's tmpfs, logs in $VM_OUT.
VM_MT=${VM_MT:-}
VM_SN=${VM_SN:-}
VM_PORTAL=/tmp/portal
VM_FACTORY=/tmp/factory
VM_STATE=/tmp/bmc-state
VM_RUN=/run/svcport

# vm_sim ARGS...: svcport-sim with its output kept in $VM_OUT/sim.log.
vm_sim() {
	echo "+ svcport-sim $*" >>"$VM_OUT/sim.log"
	"$SVCPORT_SIM" "$@" >>"$VM_OUT/sim.log" 2>&1 ||
		vm_fail "svcport-sim $* failed: $(tail -n 5 "$VM_OUT/sim.log")"
}

# vm_sv_portal: the portal and factory state host-seed.sh made before the
# boot (org acme: alice org-admin, eddie edge-user, mona maintenance; one
# portal-managed server, claimed by acme at the portal), copied to tmpfs; the
# activation code in VM_CODE.
vm_sv_portal() {
	for v in SVCPORT_SIM SVCPORT_BMCD SVCPORT_BMCCTL SVCPORT_SVCPORTD; do
		[ -x "${!v:-}" ] || vm_fail "$v not set to an executable (${!v:-unset})"
	done
	[ -n "$VM_MT" ] && [ -n "$VM_SN" ] || vm_fail "VM_MT and VM_SN must be set"
	[ -d "$VM_OUT/seed/portal" ] && [ -d "$VM_OUT/seed/factory" ] ||
		vm_fail "no portal seed in $VM_OUT/seed (vm-run.sh --setup host-seed.sh)"
	cp -a "$VM_OUT/seed/portal" "$VM_PORTAL"
	cp -a "$VM_OUT/seed/factory" "$VM_FACTORY"
	VM_CODE=$(sed -n 's/^activation_code=//p' "$VM_FACTORY/identity")
	[ -n "$VM_CODE" ] || vm_fail "no activation_code in $VM_FACTORY/identity"
}

# vm_daemon NAME CMD...: starts a daemon with "--ready-fd 3" appended and waits
# for its "ready" line on a pipe (fifo); fails with its log if it dies first.
vm_daemon() {
	local name=$1 fifo=$VM_RUN/$1.ready line=
	shift
	mkdir -p "$VM_RUN"
	rm -f "$fifo"
	mkfifo "$fifo"
	# Held read-write, so opening it for the daemon never blocks.
	exec 6<>"$fifo"
	"$@" --ready-fd 3 3>"$fifo" >"$VM_OUT/$name.log" 2>&1 &
	VM_BG_PID=$!
	VM_PIDS+=("$VM_BG_PID")
	VM_NAMES+=("$name")
	read -r -t 60 -u 6 line
	exec 6>&-
	rm -f "$fifo"
	if [ "$line" != ready ]; then
		kill -0 "$VM_BG_PID" 2>/dev/null || vm_fail "$name exited before ready: $(tail -n 5 "$VM_OUT/$name.log")"
		vm_fail "$name not ready within 60 s: $(tail -n 5 "$VM_OUT/$name.log")"
	fi
}

# vm_sv_bmcd_up [ARGS...]: svcport-bmcd initialised from $VM_FACTORY and
# serving, with ARGS (e.g. its presence source: --usb-udc dummy_udc.0).
vm_sv_bmcd_up() {
	mkdir -p "$VM_RUN" "$VM_STATE"
	"$SVCPORT_BMCD" --init --factory "$VM_FACTORY" --state-dir "$VM_STATE" \
		>"$VM_OUT/bmcd-init.log" 2>&1 || vm_fail "bmcd --init failed: $(tail -n 5 "$VM_OUT/bmcd-init.log")"
	vm_sv_bmcd_start bmcd "$@"
}

# vm_sv_bmcd_start NAME [ARGS...]: svcport-bmcd on the existing state, in the
# foreground (its pid in VM_BMCD_PID, its log $VM_OUT/NAME.log), e.g. again
# after vm_stop_daemon "$VM_BMCD_PID" bmcd.
vm_sv_bmcd_start() {
	local name=$1
	shift
	vm_daemon "$name" "$SVCPORT_BMCD" --state-dir "$VM_STATE" --foreground --log stderr \
		--gateway-socket "$VM_RUN/bmcd.sock" --admin-socket "$VM_RUN/admin.sock" "$@"
	VM_BMCD_PID=$VM_BG_PID
}

# vm_usb_host_port: the sysfs device of the dummy host controller's port 1
# (where the phone's gadget appears): bmcd's host-mode presence source.
vm_usb_host_port() {
	local hub
	hub=$(basename "$(ls -d /sys/bus/platform/devices/dummy_hcd.0/usb* | head -n 1)")
	[ -n "$hub" ] || vm_fail "no dummy_hcd root hub in sysfs"
	echo "/sys/bus/usb/devices/${hub#usb}-1"
}

# vm_sv_gateway_up ARGS...: svcportd with the given links and options, as root
# (bmcd accepts its own uid), capturing to $VM_OUT/gateway.btsnoop.
vm_sv_gateway_up() {
	vm_daemon svcportd "$SVCPORT_SVCPORTD" --bmc-socket "$VM_RUN/bmcd.sock" --user root \
		--capture "$VM_OUT/gateway.btsnoop" --verbose "$@"
	VM_GATEWAY_PID=$VM_BG_PID
}

# vm_app NAME ARGS...: one svcport-sim app run (the phone), output in
# $VM_OUT/NAME.log; fails the scenario if it fails.
vm_app() {
	local name=$1
	shift
	echo "+ svcport-sim app $*" >"$VM_OUT/$name.log"
	timeout 60 "$SVCPORT_SIM" app --portal "$VM_PORTAL" "$@" >>"$VM_OUT/$name.log" 2>&1 ||
		vm_fail "app $name ($*) failed: $(tail -n 8 "$VM_OUT/$name.log")"
}

# vm_bmcctl ARGS...: the local administrator's console.
vm_bmcctl() {
	"$SVCPORT_BMCCTL" --admin-socket "$VM_RUN/admin.sock" "$@"
}

# vm_udevd_up: systemd-udevd, as on any BMC running systemd: Debian's libusb
# learns about hot-plugged devices from udev's monitor, which only udevd feeds.
vm_udevd_up() {
	local udevd=/lib/systemd/systemd-udevd
	[ -x "$udevd" ] || vm_fail "$udevd missing (package udev)"
	vm_bg udevd "$udevd" --resolve-names=never
	# Ready once its control socket exists. (udevadm trigger/settle refuse to
	# run in a chroot; only devices that appear later matter here.)
	vm_wait_until 20 "udevd's control socket" test -S /run/udev/control
}
