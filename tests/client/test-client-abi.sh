#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# libsvcport-client.so as a phone app sees it: it exports svcport_client_* and nothing
# else (the gateway code, nanopb and mbedTLS it carries stay inside), its soname is
# libsvcport-client.so.1, and it needs no library of the daemons (libevent, BlueZ,
# libusb): an Android or iOS build has none of them.
#   test-client-abi.sh LIB PC
set -eu
lib=$1
pc=$2
fail() { echo "test-client-abi: $*" >&2; exit 1; }

others=$(nm -D --defined-only "$lib" | awk '{print $3}' | grep -v '^svcport_client_' |
	grep -v '^SVCPORT_CLIENT_1$' || true)
[ -z "$others" ] || fail "exports more than svcport_client_*: $others"
n=$(nm -D --defined-only "$lib" | grep -c ' svcport_client_')
[ "$n" -ge 18 ] || fail "only $n svcport_client_* functions exported"
readelf -d "$lib" | grep -q 'SONAME.*\[libsvcport-client\.so\.1\]' || fail "soname"
if readelf -d "$lib" | grep NEEDED | grep -E 'event|bluetooth|usb|sqlite'; then
	fail "needs a daemon's library"
fi
grep -q '^Libs: -L${libdir} -lsvcport-client$' "$pc" || fail "pkg-config Libs"
grep -q '^Name: svcport-client$' "$pc" || fail "pkg-config Name"
echo "test-client-abi: $n functions, soname libsvcport-client.so.1, pkg-config ok"
