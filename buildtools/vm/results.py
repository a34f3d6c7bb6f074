#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Count the VM tier's cases from the guest console (guest-init.sh's report protocol).

Each suite counts its sva-test cases ('sva-test: N passed, N failed, N skipped'); a
suite that exited non-zero without a failed case counts one failure more; a suite with
no summary line and exit 77 counts one skip; a suite the guest never finished (hung,
crashed, killed by the timeout) counts one failure, shown with the last console lines.

usage: results.py --log FILE [--seconds S] [--qemu-rc N] [--json OUT] SUITE...
       results.py --skip REASON | --fail REASON      (one case, for run.sh)
"""
import argparse
import json
import re
import sys

SUMMARY = re.compile(r"^sva-test: (\d+) passed, (\d+) failed, (\d+) skipped$", re.M)
TAIL_LINES = 25


def one_case(kind, reason):
    res = {"passed": 0, "failed": 0, "skipped": 0, "failures": [], "seconds": 0}
    res[kind] = 1
    if kind == "failed":
        res["failures"].append(f"vm: {reason}")
    else:
        res["skip_reason"] = reason
    return res


def count(log_text, suites, qemu_rc):
    text = log_text.replace("\r", "")
    lines = text.split("\n")
    res = {"passed": 0, "failed": 0, "skipped": 0, "failures": []}
    done = "@@svapoll-vm done" in lines
    for suite in suites:
        begin = f"@@svapoll-vm begin {suite}"
        end = re.compile(rf"^@@svapoll-vm end {re.escape(suite)} rc=(\d+)$", re.M)
        b = text.find(begin + "\n")
        m = end.search(text, b if b >= 0 else 0)
        if b < 0 or m is None:
            why = "never started" if b < 0 else "did not finish (guest hung, crashed or timed out)"
            res["failed"] += 1
            res["failures"].append(f"vm/{suite}: {why}")
            print(f"vm/{suite}: FAIL ({why}; QEMU exit {qemu_rc}); last console lines:")
            for line in lines[-TAIL_LINES:]:
                print(f"    | {line}")
            continue
        body = text[b:m.start()]
        rc = int(m.group(1))
        found = SUMMARY.findall(body)
        if found:
            p, f, s = (int(x) for x in found[-1])
        elif rc == 77:
            p, f, s = 0, 0, 1
        elif rc == 0:
            p, f, s = 1, 0, 0
        else:
            p, f, s = 0, 0, 0
        if rc not in (0, 77) and f == 0:
            f = 1
        if f:
            res["failures"].append(f"vm/{suite} (rc={rc})")
            # The failing cases' own lines, for the CI log.
            for line in body.split("\n"):
                if "failed" in line or "FAIL" in line or "error" in line.lower():
                    print(f"    | {line}")
        res["passed"] += p
        res["failed"] += f
        res["skipped"] += s
        print(f"vm/{suite}: {p} passed, {f} failed, {s} skipped (rc={rc})")
    if not done and not res["failures"]:
        res["failed"] += 1
        res["failures"].append("vm: the guest did not report 'done'")
    return res


def main(argv):
    ap = argparse.ArgumentParser()
    ap.add_argument("--log")
    ap.add_argument("--json")
    ap.add_argument("--seconds", type=int, default=0)
    ap.add_argument("--qemu-rc", default="?")
    ap.add_argument("--skip")
    ap.add_argument("--fail")
    ap.add_argument("suites", nargs="*")
    a = ap.parse_args(argv[1:])
    if a.skip or a.fail:
        json.dump(one_case("skipped" if a.skip else "failed", a.skip or a.fail), sys.stdout)
        return 0
    with open(a.log, encoding="utf-8", errors="replace") as f:
        res = count(f.read(), a.suites, a.qemu_rc)
    res["seconds"] = a.seconds
    if a.json:
        with open(a.json, "w", encoding="utf-8") as f:
            json.dump(res, f)
    print(f"vm: {res['passed']} passed, {res['failed']} failed, {res['skipped']} skipped"
          f" in {a.seconds} s")
    return 1 if res["failed"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
