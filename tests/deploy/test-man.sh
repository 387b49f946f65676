#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The man pages (docs/man): each renders with man -l without a single groff
# or man warning (lintian's check), and its options and the binary's --help
# options are the same set, both ways, so neither can drift from the other.
# Usage: test-man.sh MANDIR PAGE=BINARY[:SUBCOMMAND,...]...
set -euo pipefail
man_dir=$1
shift
command -v man >/dev/null || { echo "test-man: man is missing (scripts/deps deb)" >&2; exit 1; }
fail=0
for spec in "$@"; do
  page=${spec%%=*}
  rest=${spec#*=}
  bin=${rest%%:*}
  subs=
  [[ $rest == *:* ]] && subs=${rest#*:}
  src=$man_dir/$page
  # 1. Warnings: what lintian runs (groff-message), stderr must stay empty.
  warn=$(LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 \
         man --warnings -E UTF-8 -l -Tutf8 -Z "$src" 2>&1 >/dev/null || echo "man failed")
  if [ -n "$warn" ]; then
    echo "FAIL $page: warnings:"; echo "$warn"; fail=1
  fi
  # 2. Options. Rendered on lines wide enough that nothing is hyphenated.
  text=$(LC_ALL=C MANWIDTH=4000 man -E ascii -l "$src" 2>/dev/null | col -b)
  help=$("$bin" --help)
  for sub in ${subs//,/ }; do
    help+=$'\n'$("$bin" "$sub" --help)
  done
  opts_of() { grep -oE -- '(^|[^a-zA-Z0-9-])--[a-z][a-z0-9-]*' | grep -oE -- '--[a-z0-9-]+' | sort -u; }
  missing=$(comm -23 <(opts_of <<<"$help") <(opts_of <<<"$text"))
  extra=$(comm -13 <(opts_of <<<"$help") <(opts_of <<<"$text"))
  if [ -n "$missing" ]; then
    echo "FAIL $page: in $(basename "$bin") --help, not in the page:" $missing; fail=1
  fi
  if [ -n "$extra" ]; then
    echo "FAIL $page: in the page, not in $(basename "$bin") --help:" $extra; fail=1
  fi
  n=$(opts_of <<<"$help" | wc -l)
  [ $fail -eq 0 ] && echo "ok $page: no warning, $n options, the same in --help and the page"
done
exit $fail
