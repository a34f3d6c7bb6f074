#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Sum the results of one or more meson test runs, counting test cases.

sva-test prints 'sva-test: N passed, N failed, N skipped' for the cases it ran; any
other meson test counts as one case by its result. A test that failed or timed out
without reporting a failed case counts one failure more, so a crash is never lost.
A LABEL=FILE.json argument is a run counted elsewhere (the VM tier's results.json:
passed, failed, skipped, failures); a missing file counts as one failure.
usage: test-summary.py LABEL=BUILD_DIR|LABEL=FILE.json [...]
"""
import json
import re
import sys

CASE_LINE = re.compile(r"^sva-test: (\d+) passed, (\d+) failed, (\d+) skipped$", re.M)


def summarize(build_dir):
    passed = failed = skipped = 0
    failures = []
    with open(f"{build_dir}/meson-logs/testlog.json", encoding="utf-8") as log:
        for line in log:
            test = json.loads(line)
            result = test.get("result", "ERROR")
            found = CASE_LINE.findall(test.get("stdout") or "")
            if found:
                p, f, s = (int(x) for x in found[-1])
            elif result == "OK":
                p, f, s = 1, 0, 0
            elif result == "SKIP":
                p, f, s = 0, 0, 1
            else:
                p, f, s = 0, 1, 0
            if result not in ("OK", "SKIP") and f == 0:
                f = 1
            if f:
                failures.append(f"{test['name']} ({result})")
            passed, failed, skipped = passed + p, failed + f, skipped + s
    return passed, failed, skipped, failures


def summarize_json(path):
    with open(path, encoding="utf-8") as f:
        res = json.load(f)
    if res.get("skip_reason"):
        print(f"  skipped: {res['skip_reason']}")
    return res["passed"], res["failed"], res["skipped"], res.get("failures", [])


def main(argv):
    total = [0, 0, 0]
    for arg in argv[1:]:
        label, _, build_dir = arg.partition("=")
        try:
            if build_dir.endswith(".json"):
                p, f, s, failures = summarize_json(build_dir)
            else:
                p, f, s, failures = summarize(build_dir)
        except (OSError, ValueError, KeyError) as err:
            print(f"{label}: no test log ({err}): counted as 1 failed")
            p, f, s, failures = 0, 1, 0, []
        print(f"{label}: {p} passed, {f} failed, {s} skipped")
        for name in failures:
            print(f"  failed: {name}")
        total = [total[0] + p, total[1] + f, total[2] + s]
    print(f"{total[0]} passed, {total[1]} failed, {total[2]} skipped")
    return 1 if total[1] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
