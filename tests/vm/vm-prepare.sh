#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Prepares what the QEMU real-stack suite boots: Debian's kernel (fetched once
# into CACHE with apt-get download + dpkg -x, then reused) and an initramfs in
# OUT (busybox-static, the modules of modules.list with their dependency
# closure, and guest-init.sh as /init).
# Usage: vm-prepare.sh CACHE OUT
set -eu

KVER=6.12.117+deb12-amd64
PKG=linux-image-$KVER
here=$(cd "$(dirname "$0")" && pwd)
cache=${1:?usage: vm-prepare.sh CACHE OUT}
out=${2:?usage: vm-prepare.sh CACHE OUT}

die() {
	echo "vm-prepare: $*" >&2
	exit 1
}

for tool in dpkg apt-get depmod xz cpio; do
	command -v "$tool" >/dev/null || die "missing '$tool' (run scripts/deps vm as root)"
done
[ -x /bin/busybox ] || [ -x /usr/bin/busybox ] || die "missing busybox (package busybox-static)"
busybox=$(command -v busybox)
# The initramfs has no libc: busybox must be the static build.
ldd "$busybox" >/dev/null 2>&1 && die "$busybox is dynamically linked (install busybox-static)"

mkdir -p "$cache" "$out"
kroot=$cache/$PKG

# ------------------------------------------------------------------ kernel
fetch_kernel() {
	[ -f "$kroot/.done" ] && return 0
	rm -rf "$kroot" "$cache"/"$PKG"_*.deb
	echo "vm-prepare: fetching $PKG into $cache"
	if ! (cd "$cache" && apt-get download -q "$PKG" 2>"$cache/apt.log"); then
		# A fresh machine may have no package lists yet.
		if [ "$(id -u)" -eq 0 ]; then
			apt-get update -q >/dev/null 2>&1 || true
			(cd "$cache" && apt-get download -q "$PKG" 2>"$cache/apt.log") ||
				die "apt-get download $PKG failed: $(tail -n 3 "$cache/apt.log")
  (bookworm-security keeps only its newest kernel; 6.12 images known to apt here:
  $(apt-cache pkgnames linux-image-6.12 2>/dev/null | grep -- '-amd64$' | sort | tr '\n' ' ')
  set KVER in tests/vm/vm-prepare.sh to one of them, never a 6.1 kernel: docs/vm-tests.md)"
		else
			die "apt-get download $PKG failed (as root: apt-get update): $(tail -n 3 "$cache/apt.log")"
		fi
	fi
	dpkg -x "$cache"/"$PKG"_*.deb "$kroot.tmp"
	# The .deb ships no modules.dep: build it for the unpacked tree.
	depmod -b "$kroot.tmp" "$KVER"
	rm -f "$cache"/"$PKG"_*.deb
	mv "$kroot.tmp" "$kroot"
	touch "$kroot/.done"
}

# Two build trees may share one cache: one fetch at a time.
exec 9>"$cache/.lock"
flock 9 2>/dev/null || true
rm -rf "$kroot.tmp"
fetch_kernel
flock -u 9 2>/dev/null || true

# --------------------------------------------------------------- initramfs
mods=$kroot/lib/modules/$KVER
[ -f "$mods/modules.dep" ] || die "$mods/modules.dep missing"
stage=$out/initramfs.tmp
rm -rf "$stage"
mkdir -p "$stage/bin" "$stage/sbin" "$stage/dev" "$stage/proc" "$stage/sys" "$stage/host" \
	"$stage/lib/modules/$KVER"
cp "$busybox" "$stage/bin/busybox"
for a in sh mount umount mkdir modprobe insmod depmod chroot cat echo sleep ls dd printf \
	poweroff dmesg grep sed sync timeout tr; do
	ln -s busybox "$stage/bin/$a"
done
ln -s ../bin/busybox "$stage/sbin/modprobe"

# The wanted modules, then their closure from modules.dep; all of crypto/ too
# (1.8 MB), since SMP, AF_ALG and 9p ask for algorithms by alias at run time.
wanted=$(grep -v '^#' "$here/modules.list" | grep -v '^$')
awk -v wanted="$wanted" '
	BEGIN { n = split(wanted, w, "\n"); for (i = 1; i <= n; i++) { gsub(/-/, "_", w[i]); want[w[i]] = 1 } }
	function base(p,   b) { b = p; sub(/.*\//, "", b); sub(/\.ko(\.xz)?$/, "", b); gsub(/-/, "_", b); return b }
	{ sub(/:$/, "", $1); path[base($1)] = $1; line[base($1)] = $0 }
	END {
		for (m in want) if (!(m in path)) { print "MISSING " m; continue }
		for (m in want) { split(line[m], deps, " "); for (d in deps) { p = deps[d]; sub(/:$/, "", p); print p } }
		for (m in path) if (path[m] ~ /^kernel\/crypto\//) print path[m]
	}' "$mods/modules.dep" | sort -u >"$out/modules.closure"
grep '^MISSING ' "$out/modules.closure" && die "modules not in $PKG (see above)"
while read -r rel; do
	dst=$stage/lib/modules/$KVER/${rel%.xz}
	mkdir -p "$(dirname "$dst")"
	# Busybox modprobe loads plain .ko files: decompress here.
	case $rel in
	*.xz) xz -dc "$mods/$rel" >"$dst" ;;
	*) cp "$mods/$rel" "$dst" ;;
	esac
done <"$out/modules.closure"
cp "$mods/modules.builtin" "$mods/modules.builtin.modinfo" "$mods/modules.order" "$stage/lib/modules/$KVER/"
depmod -b "$stage" "$KVER"
grep -v '^#' "$here/modules.list" | grep -v '^$' >"$stage/modules.load"
cp "$here/guest-init.sh" "$stage/init"
chmod 755 "$stage/init"

(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$out/initrd.cpio.tmp"
mv "$out/initrd.cpio.tmp" "$out/initrd.cpio"
cp "$kroot/boot/vmlinuz-$KVER" "$out/vmlinuz"
rm -rf "$stage"
echo "vm-prepare: $out/vmlinuz + $out/initrd.cpio ($(wc -l <"$out/modules.closure") modules)"
