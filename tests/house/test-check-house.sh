#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# scripts/check-house on small trees: a clean one passes, and each rule of
# docs/layout.md fails on a tree that breaks it, naming what broke.
set -eu
check=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

tree() { # a clean two-folder tree in $tmp/$1
	rm -rf "$tmp/$1"
	mkdir -p "$tmp/$1/gateway/core" "$tmp/$1/common"
	printf '#include "b.h"\nint a(void);\n' >"$tmp/$1/gateway/core/a.h"
	printf '#include "a.h"\n#include "util.h"\nint a(void)\n{\n\treturn b();\n}\n' >"$tmp/$1/gateway/core/a.c"
	printf 'int b(void);\n' >"$tmp/$1/gateway/core/b.h"
	printf '#include "b.h"\nint b(void)\n{\n\treturn 0;\n}\n' >"$tmp/$1/gateway/core/b.c"
	printf 'int util(void);\n' >"$tmp/$1/common/util.h"
}

expect() { # expect NAME pass|fail [TEXT]
	if out=$("$check" --root "$tmp/$1" 2>&1); then got=pass; else got=fail; fi
	if [ "$got" != "$2" ] || { [ $# -gt 2 ] && ! printf '%s' "$out" | grep -q "$3"; }; then
		echo "FAIL $1: expected $2${3:+ with '$3'}, got $got:"; echo "$out"; fail=1
	else
		echo "ok   $1: $got"
	fi
}

tree clean
expect clean pass

tree io
printf '#include <sys/socket.h>\n' >>"$tmp/io/gateway/core/b.c"
expect io fail "includes <sys/socket.h>"

tree folders
printf '#include "a.h"\n' >>"$tmp/folders/common/util.h"
expect folders fail "folders include each other in a circle"

tree modules
printf '#include "a.h"\n' >>"$tmp/modules/gateway/core/b.c"
expect modules fail "modules call back up"

tree long-function
{ printf 'int f(void)\n{\n'; for i in $(seq 101); do printf '\t(void)0;\n'; done; printf '}\n'; } \
	>"$tmp/long-function/common/util.c"
expect long-function fail "f() is 103 lines"

tree long-file
for i in $(seq 601); do echo "/* $i */"; done >"$tmp/long-file/common/util.h"
expect long-file fail "601 lines"

exit $fail
