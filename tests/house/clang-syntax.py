#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Every C file of the build compiles warning-free under clang too.

The fuzz build (CC=clang -DSVCPORT_FUZZ=ON) uses clang with -Werror; a GNU
extension gcc accepts silently (issue 12: a struct ending in a flexible array
placed inside another struct) breaks it. This runs clang -fsyntax-only with
each file's own flags from compile_commands.json, so the gcc build's CI sees
what the clang build would refuse. Usage: clang-syntax.py BUILD_DIR [CLANG]
"""
import json
import os
import shlex
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor


def main():
    build = sys.argv[1]
    clang = sys.argv[2] if len(sys.argv) > 2 else "clang"
    root = os.path.realpath(os.path.join(os.path.dirname(__file__), "..", ".."))
    with open(os.path.join(build, "compile_commands.json")) as f:
        entries = json.load(f)
    jobs = []
    for e in entries:
        src = os.path.realpath(e["file"])
        if not src.startswith(root + os.sep) or not src.endswith(".c"):
            continue
        if os.path.realpath(build) + os.sep in src:
            continue  # generated code (nanopb)
        args = e.get("arguments") or shlex.split(e["command"])
        keep = []
        skip = False
        for a in args[1:]:
            if skip:
                skip = False
                continue
            if a == "-o":
                skip = True
                continue
            if a in ("-c",) or a.startswith("-fsanitize"):
                continue
            keep.append(a)
        jobs.append((e["directory"], [clang, "-fsyntax-only"] + keep))

    def run(job):
        d, cmd = job
        p = subprocess.run(cmd, cwd=d, capture_output=True, text=True)
        return p.returncode, p.stderr

    bad = 0
    with ThreadPoolExecutor(max_workers=2) as ex:
        for rc, err in ex.map(run, jobs):
            if rc != 0:
                bad += 1
                sys.stderr.write(err)
    print(f"clang -fsyntax-only: {len(jobs)} files, {bad} refused")
    return 1 if bad or not jobs else 0


if __name__ == "__main__":
    sys.exit(main())
