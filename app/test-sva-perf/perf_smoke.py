#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""perf_smoke: sva-test-perf --quick (every case) exits 0 and writes the JSON it promises:
the host, the commit, every case's metrics, every ratio and rate the issue names (each
with its value, unit and target), and the stage cycle table.

usage: perf_smoke.py SVA_TEST_PERF JSON_OUT [EAL args...]
"""
import json
import os
import subprocess
import sys

# ratio key -> (case that records it, cases whose skip excuses its absence, has a target)
RATIOS = {
    "cold4k_vs_floor": ("cold4k", (), False),
    "cold4k_vs_same_work": ("cold4k", (), True),
    "uffd_over_cold4k_p50": ("cold4k", ("uffd",), False),
    "uffd_best_over_sva_p50": ("latency", ("uffd",), True),
    "sva_vs_populate_p50": ("latency", (), True),
    "sva_vs_populate_paced_p50": ("latency", (), False),
    "sva_first_vs_pinned_first": ("pinned", (), True),
    "sva_steady_vs_pinned_steady": ("pinned", (), True),
    "sparse_time_pinned_over_sva": ("pinned", (), True),
    "sparse_rss_pinned_over_sva": ("pinned", (), True),
    "bonds_4096_vs_1": ("bonds", (), True),
    "storm_p99_ratio": ("storm", (), True),
    "storm_p999_ratio": ("storm", (), True),
    "prefetch_seq_speedup": ("prefetch", (), True),
    "prefetch_random_waste": ("prefetch", (), True),
    "find_vs_rte_hash": ("pasid", (), False),
    "alloc_free_65536_vs_empty": ("pasid", (), False),
    "after_bind_vs_before_per_page_4k": ("after_bind_4k", (), True),
    "after_bind_vs_before_per_page_thp": ("after_bind_thp", (), True),
    "after_bind_vs_before_per_page_huge2m": ("after_bind_huge2m", (), True),
}
# absolute figures: "rates", not "ratios"
RATES = {
    "warm_req_per_s": ("warm", (), True),
    "warm_latency_p50_ns": ("warm", (), True),
    "sva_dev_wait_p50_ns": ("latency", (), False),
    "sva_dev_wait_p99_ns": ("latency", (), False),
    "sva_dev_wait_p999_ns": ("latency", (), False),
    "huge2m_requests_per_mib": ("huge2m", (), True),
    "after_bind_huge2m_requests_per_mib": ("after_bind_huge2m", (), True),
}
# rates whose target is a correctness property, not a speed: must be met even --quick
MUST_MEET = ("huge2m_requests_per_mib", "after_bind_huge2m_requests_per_mib")
# cases whose fault path must show up in the stage table
STAGE_CASES = ("cold4k", "latency", "warm", "storm")
# metrics every fault-path case must report (positive numbers)
CASE_METRICS = {
    "cold4k": ["pages_per_s", "page_requests_per_s", "groups_per_s", "mean_batch",
               "fault_p50_ns", "fault_p99_ns", "fault_p999_ns", "floor_pages_per_s"],
    "huge2m": ["pages_per_s", "requests_per_mib"],
    "warm": ["requests_per_s", "requests_per_busy_s", "latency_p50_ns", "latency_p99_ns",
             "requests_per_s_no_scan"],
    "bonds": ["warm_req_per_s_1", "warm_req_per_s_64", "warm_req_per_s_1024",
              "warm_req_per_s_4096", "cold_pages_per_s_1", "cold_pages_per_s_4096"],
    "storm": ["quiet_p99_alone_ns", "quiet_p99_storm_ns", "storm_req_per_s",
              "quiet_p999_storm_ns_pages_only"],
    "prefetch": ["seq_pages_per_s_adaptive", "seq_pages_per_s_window0",
                 "random_pages_requested"],
    "floor": ["pages_per_s"],
    "touch": ["pages_per_s"],
    "uffd": ["faults_per_s", "fault_p50_ns"],
    "latency": ["sva_dev_wait_p50_ns", "sva_dev_wait_p99_ns", "sva_dev_wait_p999_ns",
                "populate_p50_ns", "populate_paced_p50_ns", "sva_period_ns"],
    "after_bind_4k": ["before_ns_per_page", "after_ns_per_page", "after_lookups",
                      "after_overlay_hits", "after_maps_misses"],
    "after_bind_thp": ["before_ns_per_page", "after_ns_per_page", "after_lookups"],
    "after_bind_huge2m": ["before_ns_per_page", "after_ns_per_page", "after_lookups",
                          "requests_per_mib"],
    "pinned": ["sva_first_pages_per_s", "pinned_first_pages_per_s", "sparse_sva_ms",
               "sparse_pinned_ms", "sparse_pinned_rss_mib"],
}
# only these may skip, and only with a reason (the machine lacks hugepages / userfaultfd /
# locked memory)
MAY_SKIP = ("huge2m", "uffd", "pinned", "after_bind_thp", "after_bind_huge2m")

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
    cmd = [binary] + eal + ["--", "--quick", "--json", out]
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
    for key in ("host", "commit", "results", "ratios", "rates", "stages", "units", "quick"):
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
    if report["failed"]:
        fail(f"cases failed: {report['failed']}")
    skipped = report["skipped"]
    for case, why in skipped.items():
        if case not in MAY_SKIP:
            fail(f"case {case} skipped ({why}); only {MAY_SKIP} may skip")
        if not why:
            fail(f"case {case} skipped without a reason")
        print(f"note: {case} skipped: {why}")
    for case, metrics in CASE_METRICS.items():
        if case in skipped:
            continue
        res = report["results"].get(case)
        if res is None:
            fail(f"results.{case} missing")
        for m in metrics:
            v = res.get(m)
            if not isinstance(v, (int, float)) or v <= 0:
                fail(f"results.{case}.{m} is {v!r}, expected a positive number")
    for section, keys in (("ratios", RATIOS), ("rates", RATES)):
        for r, (case, excuses, has_target) in keys.items():
            if case in skipped or any(e in skipped for e in excuses):
                continue
            q = report[section].get(r)
            if not isinstance(q, dict):
                fail(f"{section}.{r} is {q!r}, expected an object")
            v = q.get("value")
            if not isinstance(v, (int, float)) or v <= 0:
                fail(f"{section}.{r}.value is {v!r}, expected a positive number")
            if not q.get("unit"):
                fail(f"{section}.{r} has no unit")
            if "target" not in q or "met" not in q:
                fail(f"{section}.{r} has no target/met (null when none)")
            if has_target and (not isinstance(q["target"], dict) or
                               not isinstance(q["met"], bool)):
                fail(f"{section}.{r}: the issue sets a target, the JSON has {q['target']!r}")
            if r in MUST_MEET and q["met"] is not True:
                fail(f"{section}.{r} = {v}: target {q['target']!r} not met")
        for r, q in report[section].items():
            if section == "ratios" and r in RATES:
                fail(f"{r} is a rate, not a ratio")
    for case in STAGE_CASES:
        st = report["stages"].get(case)
        if st is None:
            fail(f"stages.{case} missing")
        for k in ("requests", "bursts", "read_decode_ns_per_req", "validate_ns_per_req",
                  "populate_ns_per_req", "respond_ns_per_req", "fault_around_ns_per_req",
                  "total_ns_per_req"):
            if not isinstance(st.get(k), (int, float)):
                fail(f"stages.{case}.{k} is {st.get(k)!r}")
        if st["requests"] <= 0 or st["total_ns_per_req"] <= 0:
            fail(f"stages.{case}: no requests timed")
    if "where the poll lcore's time goes" not in proc.stdout:
        fail("the stage table is not in the output")
    # The table names every metric too.
    for m in PASID_METRICS:
        if m not in proc.stdout:
            fail(f"metric {m} not in the table")
    print("PASS: sva-test-perf --quick wrote", out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
