#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# /init of the VM suite's initramfs (busybox sh, PID 1). Loads the modules,
# mounts the host's root read-only over 9p plus the test's writable folder,
# runs the scenario chrooted into the host root, and hands its exit status to
# QEMU through isa-debug-exit (port 0xf4: QEMU exits with (status << 1) | 1).
# Anything that goes wrong before the scenario runs is reported as status 125.
export PATH=/bin:/sbin

report() {
	status=$1
	[ "$status" -gt 127 ] && status=127
	sync
	# One byte to the isa-debug-exit port ends QEMU at once.
	printf "\\$(printf '%03o' "$status")" | dd of=/dev/port bs=1 seek=244 count=1 2>/dev/null
	# Not reached unless the port is missing: power off (QEMU exits 0 = "no result").
	poweroff -f
}

setup_fail() {
	echo "VM-INIT: $*"
	dmesg | tail -n 30
	report 125
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# Kernel-requested modules (crypto algorithms by alias) come from this initramfs.
echo /sbin/modprobe >/proc/sys/kernel/modprobe

while read -r m; do
	modprobe "$m" || setup_fail "modprobe $m failed"
done </modules.load

# svcport_out=DIR comes from the kernel command line (as init's environment).
[ -n "${svcport_out:-}" ] || setup_fail "no svcport_out= on the kernel command line"
mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose hostroot /host ||
	setup_fail "cannot mount the host root over 9p"
mount -t proc proc /host/proc
mount -t sysfs sysfs /host/sys
mount -t configfs configfs /host/sys/kernel/config
mount -t devtmpfs devtmpfs /host/dev
mkdir -p /host/dev/pts 2>/dev/null
mount -t devpts devpts /host/dev/pts
# The source and build trees (svcport_keep=DIR,DIR from vm-run.sh --keep) stay
# visible even when they live under /tmp, /run or /root (a CI clone in /tmp):
# hold them with a bind mount while the fresh tmpfs goes on, then put them back.
mkdir -p /keep
i=0
for d in $(echo "${svcport_keep:-}" | tr ',' ' '); do
	case $d in
	/tmp/* | /run/* | /root/*)
		i=$((i + 1))
		mkdir -p "/keep/$i"
		mount -o bind "/host$d" "/keep/$i" || setup_fail "cannot hold $d"
		echo "$d" >"/keep/$i.path"
		;;
	esac
done
mount -t tmpfs tmpfs /host/tmp
mount -t tmpfs tmpfs /host/run
mount -t tmpfs tmpfs /host/root
j=1
while [ "$j" -le "$i" ]; do
	d=$(cat "/keep/$j.path")
	mkdir -p "/host$d"
	mount -o bind "/keep/$j" "/host$d" || setup_fail "cannot restore $d"
	j=$((j + 1))
done
# Last, so that a test folder under /tmp is not hidden by the tmpfs above.
mkdir -p "/host$svcport_out"
mount -t 9p -o trans=virtio,version=9p2000.L,rw out "/host$svcport_out" ||
	setup_fail "cannot mount the test folder $svcport_out over 9p"
[ -f "/host$svcport_out/guest.sh" ] || setup_fail "$svcport_out/guest.sh missing"

echo "VM-INIT: running $svcport_out/guest.sh"
chroot /host /bin/sh "$svcport_out/guest.sh"
status=$?
if [ "$status" -ne 0 ]; then
	# Whatever is still running after the scenario's own cleanup: with its
	# state and kernel wait channel (a task stuck in D state names the culprit).
	echo "VM-INIT: processes left:"
	for d in /proc/[0-9]*; do
		[ -r "$d/cmdline" ] || continue
		cmd=$(tr '\0' ' ' <"$d/cmdline")
		[ -n "$cmd" ] || continue
		echo "  ${d#/proc/} $(sed -n 's/^State:\t//p' "$d/status") wchan=$(cat "$d/wchan") $cmd"
	done | grep -v ' /bin/sh /init\| /init$'
fi
dmesg >"/host$svcport_out/dmesg.txt"
# The same status as a file: QEMU's own exit status is ambiguous when QEMU
# itself dies from a signal (139 = SIGSEGV looks like debug-exit byte 69).
echo "$status" >"/host$svcport_out/status"
echo "VM-INIT: scenario exit status $status"
umount "/host$svcport_out"
report "$status"
