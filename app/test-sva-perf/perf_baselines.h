/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PERF_BASELINES_H
#define PERF_BASELINES_H

#include <stddef.h>
#include <stdint.h>

struct sva_perf_ctx;

/* The cold-page cases (cold4k and its baselines) work on this much memory. */
#define PERF_COLD_MIB 256
/* floor also populates in ranges of this many pages (a 64 KiB group). */
#define PERF_FLOOR_RANGE_PAGES 16

struct perf_latency {
	double p50_ns, p99_ns, p999_ns;
	size_t samples;
};

/* Sorts cycles in place and fills lat (TSC cycles to ns). */
void perf_latency_from_samples(uint64_t *cycles, size_t n, struct perf_latency *lat);

/* Each returns 0 or a negative errno. pages are 4 KiB, fresh (never touched). */
int perf_baseline_floor(size_t pages, size_t range_pages, double *pages_per_s);
/* The same work as a copy of `pages` fresh pages needs: MADV_POPULATE_READ of the
 * source pages, MADV_POPULATE_WRITE of the destination pages; pages copied per second. */
int perf_baseline_same_work(size_t pages, double *pages_per_s);
int perf_baseline_touch(size_t pages, double *pages_per_s, struct perf_latency *lat);
int perf_baseline_uffd(size_t pages, double *faults_per_s, struct perf_latency *lat);

/* Pages every cold-page case uses (fewer with --quick). */
size_t perf_cold_pages(const struct sva_perf_ctx *ctx);

#endif /* PERF_BASELINES_H */
