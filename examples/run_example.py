#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Smoke-test an example: run it, check its exit status and the lines it must print.

usage: run_example.py [--expect REGEX]... --run CMD [ARG...] [--run CMD [ARG...]]...

Each --run starts one command line; every command must exit 0 and print, on stdout,
a line matching each REGEX (re.MULTILINE). Its output is echoed so that the meson
test log shows what the example printed.
"""
import re
import subprocess
import sys


def parse(argv):
    expects, runs = [], []
    i = 0
    while i < len(argv):
        if argv[i] == "--expect" and i + 1 < len(argv) and not runs:
            expects.append(re.compile(argv[i + 1], re.M))
            i += 2
        elif argv[i] == "--run":
            runs.append([])
            i += 1
        elif runs:
            runs[-1].append(argv[i])
            i += 1
        else:
            sys.exit(f"run_example.py: unexpected argument {argv[i]!r} (see the usage)")
    if not runs or any(not r for r in runs):
        sys.exit("run_example.py: give at least one --run CMD")
    return expects, runs


def main(argv):
    expects, runs = parse(argv[1:])
    failed = 0
    for cmd in runs:
        print("$ " + " ".join(cmd), flush=True)
        try:
            proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True, timeout=240, check=False)
        except subprocess.TimeoutExpired as err:
            print(err.stdout or "")
            print("run_example.py: FAILED: no exit within 240 s")
            failed += 1
            continue
        print(proc.stdout, flush=True)
        problems = [f"exit status {proc.returncode}, expected 0"] if proc.returncode else []
        problems += [f"no line matching {e.pattern!r}" for e in expects
                     if not e.search(proc.stdout)]
        for p in problems:
            print(f"run_example.py: FAILED: {p}")
        failed += bool(problems)
    print(f"run_example.py: {len(runs) - failed} of {len(runs)} runs as expected")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
