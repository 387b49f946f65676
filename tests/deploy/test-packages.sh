#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The Debian packages of scripts/package, installed into a throw-away root
# with dpkg -x: what lands where (every file, exactly), that the binaries run
# and are hardened, that the maintainer scripts create the users and
# directories (run here as the postinst runs them, with --root), that the
# units pass systemd-analyze verify (stderr must stay empty: parse warnings
# do not change its exit code) and that their security exposure is at most
# the scores docs/deploy.md records.
# Usage: test-packages.sh DEBDIR
set -euo pipefail
debs=$(realpath "${1:-build/deb}")
root=$(mktemp -d /tmp/svcport-root-XXXXXX)
trap 'rm -rf "$root"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }
version=$(dpkg-deb -f "$debs"/svcport-bmc_*.deb Version)

# ---- 1. every file of every package, nothing more, nothing less
declare -A want
want[svcport-bmc]="/lib/systemd/system/svcport-bmcd.service
/usr/bin/svcport-bmcctl
/usr/lib/sysusers.d/svcport-bmc.conf
/usr/lib/tmpfiles.d/svcport-bmc.conf
/usr/sbin/svcport-bmcd
/usr/share/doc/svcport-bmc/changelog.gz
/usr/share/doc/svcport-bmc/copyright
/usr/share/lintian/overrides/svcport-bmc
/usr/share/man/man1/svcport-bmcctl.1.gz
/usr/share/man/man8/svcport-bmcd.8.gz"
want[svcport-gateway]="/etc/svcport/svcportd.conf
/lib/systemd/system/svcportd.service
/usr/lib/sysusers.d/svcport.conf
/usr/lib/tmpfiles.d/svcport.conf
/usr/sbin/svcportd
/usr/share/doc/svcport-gateway/changelog.gz
/usr/share/doc/svcport-gateway/copyright
/usr/share/lintian/overrides/svcport-gateway
/usr/share/man/man8/svcportd.8.gz"
want[svcport-sim]="/usr/bin/svcport-sim
/usr/share/doc/svcport-sim/changelog.gz
/usr/share/doc/svcport-sim/copyright
/usr/share/lintian/overrides/svcport-sim
/usr/share/man/man1/svcport-sim.1.gz"
ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
want[libsvcport-client1]="/usr/lib/$ma/libsvcport-client.so.1
/usr/lib/$ma/libsvcport-client.so.1.0.0
/usr/share/doc/libsvcport-client1/changelog.gz
/usr/share/doc/libsvcport-client1/copyright
/usr/share/lintian/overrides/libsvcport-client1"
want[libsvcport-client-dev]="/usr/include/svcport-client.h
/usr/lib/$ma/libsvcport-client.so
/usr/lib/$ma/pkgconfig/svcport-client.pc
/usr/share/doc/libsvcport-client-dev/changelog.gz
/usr/share/doc/libsvcport-client-dev/copyright"
for pkg in svcport-bmc svcport-gateway svcport-sim libsvcport-client1 libsvcport-client-dev; do
  deb=$(ls "$debs"/${pkg}_"$version"_*.deb)
  got=$(dpkg-deb -c "$deb" | awk '$1 !~ /^d/ {sub(/^\./, "", $6); print $6}' | sort)
  if [ "$got" != "${want[$pkg]}" ]; then
    bad "$pkg ships:"; diff <(echo "${want[$pkg]}") <(echo "$got") || true
  fi
  dpkg-deb -x "$deb" "$root"
done
conff=$(dpkg-deb -I "$debs"/svcport-gateway_"$version"_*.deb conffiles)
[ "$conff" = /etc/svcport/svcportd.conf ] || bad "svcport-gateway conffiles: $conff"

# ---- 2. the binaries run, report the package's version, and are hardened
for bin in usr/sbin/svcportd usr/sbin/svcport-bmcd usr/bin/svcport-bmcctl usr/bin/svcport-sim; do
  v=$("$root/$bin" --version)
  [ "$v" = "$(basename "$bin") $version" ] || bad "$bin --version: '$v', package $version"
  readelf -d "$root/$bin" | grep -q 'FLAGS_1.*PIE' || bad "$bin is not PIE"
  readelf -d "$root/$bin" | grep -qE 'BIND_NOW|FLAGS.*NOW' || bad "$bin is not linked -z now"
  readelf -lW "$root/$bin" | grep -q GNU_RELRO || bad "$bin has no RELRO"
done

# ---- 3. maintainer scripts: users first, then directories; the gateway is
# neither enabled nor started by the package, bmcd is (skipped until provisioned)
for pkg in svcport-bmc svcport-gateway; do
  d=$root/DEBIAN-$pkg
  dpkg-deb -e "$debs"/${pkg}_"$version"_*.deb "$d"
  grep -q 'systemd-sysusers' "$d/postinst" || bad "$pkg postinst creates no user"
  [ "$(grep -n systemd-sysusers "$d/postinst" | head -1 | cut -d: -f1)" -lt \
    "$(grep -n systemd-tmpfiles "$d/postinst" | head -1 | cut -d: -f1)" ] ||
    bad "$pkg postinst: tmpfiles before sysusers (the owner would not exist)"
done
grep -q 'deb-systemd-invoke' "$root/DEBIAN-svcport-bmc/postinst" || bad "svcport-bmc: bmcd not started"
grep -q 'deb-systemd-invoke\|helper enable' "$root/DEBIAN-svcport-gateway/postinst" &&
  grep -q 'was-enabled' "$root/DEBIAN-svcport-gateway/postinst" ||
  bad "svcport-gateway: the unit must be enabled only if the admin had enabled it"
grep -q 'deb-systemd-invoke' "$root/DEBIAN-svcport-gateway/postinst" &&
  bad "svcport-gateway: the package starts svcportd"
rm -rf "$root"/DEBIAN-*
# What the postinst runs, in the root.
systemd-sysusers --root="$root" svcport-bmc.conf svcport.conf 2>/dev/null
systemd-tmpfiles --root="$root" --create svcport-bmc.conf svcport.conf
for spec in "var/lib/svcport-bmc 700 svcport-bmc" "var/log/svcport 750 svcport" \
            "var/lib/svcport-link 2750 svcport-bmc"; do
  read -r dir mode user <<<"$spec"
  uid=$(awk -F: -v u="$user" '$1 == u {print $3}' "$root/etc/passwd")
  [ -n "$uid" ] || { bad "no user $user in the root"; continue; }
  got=$(stat -c '%a %u' "$root/$dir")
  [ "$got" = "$mode $uid" ] || bad "$dir: mode/owner $got, want $mode $uid ($user)"
done
# The link credentials: the gateway's group reads them (docs/certs.md).
gid=$(awk -F: '$1 == "svcport" {print $3}' "$root/etc/group")
[ "$(stat -c %g "$root/var/lib/svcport-link")" = "$gid" ] ||
  bad "var/lib/svcport-link: group is not svcport"

# ---- 4. the units: verify (with their commands and man pages in the root)
mkdir -p "$root/usr/bin"
cp "$(type -P kill)" "$root/usr/bin/kill"    # ExecReload's, from the base system
cp /lib/systemd/system/*.target "$root/lib/systemd/system/"
units=(/lib/systemd/system/svcport-bmcd.service /lib/systemd/system/svcportd.service)
out=$(MANPATH="$root/usr/share/man" systemd-analyze verify --root="$root" "${units[@]}" 2>&1) ||
  bad "systemd-analyze verify failed"
[ -z "$out" ] || bad "systemd-analyze verify: $out"

# ---- 5. exposure: at most what docs/deploy.md records
for spec in "svcport-bmcd 0.4" "svcportd 1.4"; do
  read -r unit max <<<"$spec"
  line=$(systemd-analyze security --offline=true --root="$root" \
         "$root/lib/systemd/system/$unit.service" 2>&1 | grep 'Overall exposure level')
  echo "$line"
  score=$(grep -oE '[0-9]+\.[0-9]+' <<<"$line" | head -1)
  awk -v s="$score" -v m="$max" 'BEGIN { exit !(s <= m) }' ||
    bad "$unit exposure $score, docs/deploy.md records $max"
done

# ---- 6. the library: an application builds against -dev with pkg-config
# alone (the example of docs/client.md) and runs on the packaged .so
pc=$root/usr/lib/$ma/pkgconfig
src=$(cd "$(dirname "$0")/../.." && pwd)
cmake -DIN="$src/docs/client.md" -DNAME=svcport-client-example.c -DOUT="$root/example.c" \
  -P "$src/cmake/ExtractExample.cmake"
# shellcheck disable=SC2046
cc -o "$root/example" "$root/example.c" $(PKG_CONFIG_SYSROOT_DIR="$root" PKG_CONFIG_LIBDIR="$pc" \
  pkg-config --cflags --libs svcport-client) || bad "the docs/client.md example does not build against -dev"
st=0; LD_LIBRARY_PATH=$root/usr/lib/$ma "$root/example" 2>"$root/usage" || st=$?
[ $st -eq 2 ] && grep -q '^usage: ' "$root/usage" ||
  bad "the docs/client.md example does not run on the packaged library (exit $st)"
objdump -T "$root/usr/lib/$ma/libsvcport-client.so.1" | awk '$4 ~ /SVCPORT_CLIENT_1/ && $7 !~ /^svcport_client_/ {print}' |
  grep . && bad "libsvcport-client exports symbols outside svcport_client_*"

[ $fail -eq 0 ] && echo "packages: 5 packages in a throw-away root, files, binaries, users, directories and units as expected"
exit $fail
