#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""perf_smoke: sva-test-perf --case pasid --quick exits 0 and writes the JSON it promises.

usage: perf_smoke.py SVA_TEST_PERF JSON_OUT [EAL args...]
"""
import json
import os
import subprocess
import sys

PASID_METRICS = ["memory_empty_kib", "memory_65536_kib", "bytes_per_pasid", "find_ns_median",
                 "find_ns_p99", "find_global_ns_median", "find_cold_ns_median",
                 "alloc_free_pairs_per_s", "alloc_free_pairs_per_s_empty"]


def fail(msg):
    print(f"FAIL: {msg}")
    sys.exit(1)


def main(argv):
    binary, out, eal = argv[1], argv[2], argv[3:]
    if os.path.exists(out):
        os.unlink(out)
    cmd = [binary] + eal + ["--", "--case", "pasid", "--quick", "--json", out]
    print("running:", " ".join(cmd))
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=240, check=False)
    print(proc.stdout)
    if proc.returncode != 0:
        fail(f"sva-test-perf exited {proc.returncode}")
    try:
        with open(out, encoding="utf-8") as f:
            report = json.load(f)
    except (OSError, ValueError) as err:
        fail(f"no valid JSON in {out}: {err}")
    for key in ("host", "commit", "results", "ratios", "units", "quick"):
        if key not in report:
            fail(f"key '{key}' missing")
    for key in ("cpu_model", "cores", "kernel"):
        if key not in report["host"]:
            fail(f"host.{key} missing")
    if not isinstance(report["host"]["cores"], int) or report["host"]["cores"] < 1:
        fail("host.cores is not a positive integer")
    if report["quick"] is not True:
        fail("quick is not true for a --quick run")
    if not report["commit"]:
        fail("commit is empty")
    pasid = report["results"].get("pasid")
    if pasid is None:
        fail("results.pasid missing")
    for m in PASID_METRICS:
        v = pasid.get(m)
        if not isinstance(v, (int, float)) or v <= 0:
            fail(f"results.pasid.{m} is {v!r}, expected a positive number")
        if m not in report["units"]["pasid"]:
            fail(f"units.pasid.{m} missing")
    for r in ("pasid.find_vs_rte_hash", "pasid.alloc_free_65536_vs_empty"):
        if not isinstance(report["ratios"].get(r), (int, float)):
            fail(f"ratios.{r} missing")
    # The table names every metric too.
    for m in PASID_METRICS:
        if m not in proc.stdout:
            fail(f"metric {m} not in the table")
    print("PASS: sva-test-perf --quick wrote", out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
