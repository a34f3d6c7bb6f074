/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SVA_PERF_H
#define SVA_PERF_H

/**
 * @file
 * sva-test-perf's case registry. A benchmark is a case with a name and a run function
 * that reports named metrics (a value and a unit, optionally a target) and ratios
 * against baselines it measured in the same run. Cases register from a constructor,
 * like sva-test commands, so a new benchmark is one new file:
 *
 *   static int perf_foo(struct sva_perf_ctx *ctx)
 *   {
 *           unsigned int n = sva_perf_quick(ctx) ? 1000 : 1000000;
 *           ...
 *           sva_perf_progress(ctx, done / total);          // long loops
 *           sva_perf_metric(ctx, "lat_ns_median", ns, "ns");
 *           sva_perf_target(ctx, "lat_ns_median", SVA_PERF_AT_MOST, 25);
 *           sva_perf_ratio(ctx, "foo_vs_bar", ns / bar_ns);
 *           return 0;                                      // or sva_perf_skip(ctx, "why")
 *   }
 *   static struct sva_perf_case foo_case = {
 *           .name = "foo", .description = "what it measures", .run = perf_foo };
 *   SVA_PERF_REGISTER(foo_case);
 *
 * and the file is added to app/test-sva-perf/meson.build.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include <rte_common.h>

struct sva_perf_ctx;

/** A run function returns 0, a negative errno (the case failed) or this. */
#define SVA_PERF_SKIPPED 77

struct sva_perf_case {
	TAILQ_ENTRY(sva_perf_case) next;
	const char *name;        /**< what --case selects, and the key in the JSON */
	const char *description; /**< one line, shown by --list */
	int (*run)(struct sva_perf_ctx *ctx);
};

void sva_perf_case_register(struct sva_perf_case *c);

#define SVA_PERF_REGISTER(c) \
	RTE_INIT(sva_perf_register_##c) \
	{ \
		sva_perf_case_register(&(c)); \
	}

/** True with --quick: run a few iterations only (a smoke test of the harness). */
bool sva_perf_quick(const struct sva_perf_ctx *ctx);

/** Record a metric of the running case (names are JSON keys: [a-z0-9_]). */
void sva_perf_metric(struct sva_perf_ctx *ctx, const char *name, double value, const char *unit);

enum sva_perf_goal {
	SVA_PERF_AT_MOST = 1, /**< the value should be <= the target */
	SVA_PERF_AT_LEAST,    /**< the value should be >= the target */
};

/** Attach a target to a metric, ratio or rate recorded before (every one of that name
 *  in the running case): the table says whether it was met. */
void sva_perf_target(struct sva_perf_ctx *ctx, const char *name, enum sva_perf_goal goal,
	double target);

/** Record a ratio against a baseline measured in the same run (unit "x"). The name is
 *  the key in the JSON's "ratios" (global, not prefixed by the case: the issue names
 *  them). It takes the target of the case's metric of the same name, if that has one. */
void sva_perf_ratio(struct sva_perf_ctx *ctx, const char *name, double value);

/** Record an absolute figure the issue names (requests per second, requests per MiB):
 *  the key in the JSON's "rates", with its unit. Like ratios, a rate takes the target
 *  of the case's metric of the same name, or one given by sva_perf_target(). */
void sva_perf_rate(struct sva_perf_ctx *ctx, const char *name, double value, const char *unit);

/** Report progress (0..1) of a long loop; prints to stderr once a run is a few seconds old. */
void sva_perf_progress(struct sva_perf_ctx *ctx, double fraction);

/** Say why the case cannot run here; returns SVA_PERF_SKIPPED. */
int sva_perf_skip(struct sva_perf_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- helpers for measuring ---- */

/** Monotonic time in nanoseconds. */
uint64_t sva_perf_now_ns(void);

/** Median of n samples (sorts them in place); 0 for n == 0. */
double sva_perf_median(double *samples, size_t n);

/** Percentile p (0..100) of n samples sorted by sva_perf_median(). */
double sva_perf_percentile_sorted(const double *samples, size_t n, double p);

#endif /* SVA_PERF_H */
