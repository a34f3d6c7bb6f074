/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sva-test-perf: svapoll's benchmarks, each with the baselines it is compared to
 * measured in the same run.
 *
 *   sva-test-perf [EAL args] -- [--case NAME]... [--json FILE] [--quick] [--list]
 *
 * Prints a table (one row per metric) on stdout and, with --json, writes
 * {"host": ..., "commit": ..., "quick": ..., "results": {case: {metric: value}},
 *  "units": {case: {metric: unit}}, "targets": ..., "skipped": ..., "failed": [...],
 *  "ratios": {key: {"value", "unit", "target", "met", "case"}}, "rates": {same},
 *  "stages": {case: {stage: ns per request, ...}}}.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_eal.h>
#include <rte_errno.h>

#include "perf_pvt.h"

static TAILQ_HEAD(, sva_perf_case) cases = TAILQ_HEAD_INITIALIZER(cases);
static struct sva_perf_ctx perf_ctx;

void
sva_perf_case_register(struct sva_perf_case *c)
{
	TAILQ_INSERT_TAIL(&cases, c, next);
}

bool
sva_perf_quick(const struct sva_perf_ctx *ctx)
{
	return ctx->quick;
}

uint64_t
sva_perf_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double
sva_perf_median(double *samples, size_t n)
{
	if (n == 0)
		return 0;
	qsort(samples, n, sizeof(*samples), cmp_double);
	return n % 2 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
}

double
sva_perf_percentile_sorted(const double *samples, size_t n, double p)
{
	size_t i;

	if (n == 0)
		return 0;
	i = (size_t)(p / 100.0 * (double)(n - 1) + 0.5);
	return samples[i < n ? i : n - 1];
}

static struct perf_metric *
metric_find(struct perf_result *r, const char *name)
{
	for (unsigned int i = 0; i < r->nr_metrics; i++)
		if (strcmp(r->metrics[i].name, name) == 0)
			return &r->metrics[i];
	return NULL;
}

void
sva_perf_metric(struct sva_perf_ctx *ctx, const char *name, double value, const char *unit)
{
	struct perf_result *r = ctx->cur;
	struct perf_metric *m = metric_find(r, name);

	if (m == NULL) {
		if (r->nr_metrics == PERF_METRICS_MAX) {
			fprintf(stderr, "sva-test-perf: case %s: more than %d metrics, %s dropped\n",
				r->c->name, PERF_METRICS_MAX, name);
			return;
		}
		m = &r->metrics[r->nr_metrics++];
		memset(m, 0, sizeof(*m));
		snprintf(m->name, sizeof(m->name), "%s", name);
	}
	snprintf(m->unit, sizeof(m->unit), "%s", unit);
	m->value = value;
}

static struct perf_ratio *
key_find(struct sva_perf_ctx *ctx, const char *name)
{
	for (unsigned int i = 0; i < ctx->nr_ratios; i++)
		if (strcmp(ctx->ratios[i].key, name) == 0)
			return &ctx->ratios[i];
	return NULL;
}

void
sva_perf_target(struct sva_perf_ctx *ctx, const char *name, enum sva_perf_goal goal, double target)
{
	struct perf_metric *m = metric_find(ctx->cur, name);
	struct perf_ratio *q = key_find(ctx, name);

	if (q != NULL && strcmp(q->case_name, ctx->cur->c->name) != 0)
		q = NULL;
	if (m == NULL && q == NULL) {
		fprintf(stderr, "sva-test-perf: case %s: target for unknown metric %s\n",
			ctx->cur->c->name, name);
		return;
	}
	if (m != NULL) {
		m->goal = goal;
		m->target = target;
	}
	if (q != NULL) {
		q->goal = goal;
		q->target = target;
	}
}

static void
key_record(struct sva_perf_ctx *ctx, enum perf_key_kind kind, const char *name, double value,
		const char *unit)
{
	const struct perf_metric *m = metric_find(ctx->cur, name);
	struct perf_ratio *q = key_find(ctx, name);

	/* key names are global (the issue names them): a second one replaces the first */
	if (q == NULL) {
		if (ctx->nr_ratios == PERF_RATIOS_MAX) {
			fprintf(stderr, "sva-test-perf: more than %d ratios and rates, %s dropped\n",
				PERF_RATIOS_MAX, name);
			return;
		}
		q = &ctx->ratios[ctx->nr_ratios++];
	}
	memset(q, 0, sizeof(*q));
	snprintf(q->key, sizeof(q->key), "%s", name);
	snprintf(q->case_name, sizeof(q->case_name), "%s", ctx->cur->c->name);
	snprintf(q->unit, sizeof(q->unit), "%s", unit);
	q->kind = kind;
	q->value = value;
	if (m != NULL && m->goal != 0) {
		q->goal = m->goal;
		q->target = m->target;
	}
}

void
sva_perf_ratio(struct sva_perf_ctx *ctx, const char *name, double value)
{
	key_record(ctx, PERF_KEY_RATIO, name, value, "x");
}

void
sva_perf_rate(struct sva_perf_ctx *ctx, const char *name, double value, const char *unit)
{
	key_record(ctx, PERF_KEY_RATE, name, value, unit);
}

void
sva_perf_progress(struct sva_perf_ctx *ctx, double fraction)
{
	uint64_t now = sva_perf_now_ns();

	/* Quiet for short runs; then about one line a second. */
	if (now - ctx->case_start_ns < 3000000000ull || now - ctx->last_progress_ns < 1000000000ull)
		return;
	ctx->last_progress_ns = now;
	ctx->progress_shown = true;
	fprintf(stderr, "[sva-test-perf] %s: %3.0f%% after %.0f s\n", ctx->cur->c->name,
		fraction * 100.0, (double)(now - ctx->case_start_ns) / 1e9);
}

int
sva_perf_skip(struct sva_perf_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctx->cur->reason, sizeof(ctx->cur->reason), fmt, ap);
	va_end(ap);
	return SVA_PERF_SKIPPED;
}

static struct sva_perf_case *
case_find(const char *name)
{
	struct sva_perf_case *c;

	TAILQ_FOREACH(c, &cases, next)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

static void
cases_list(FILE *f)
{
	struct sva_perf_case *c;

	TAILQ_FOREACH(c, &cases, next)
		fprintf(f, "  %-10s %s\n", c->name, c->description);
}

static void
usage(const char *prog)
{
	printf("usage: %s [EAL args] -- [--case NAME]... [--json FILE] [--quick] [--list]\n\n"
		"  --case NAME  run this case (repeatable, or NAME,NAME); default: every case\n"
		"  --json FILE  also write the results as JSON to FILE\n"
		"  --quick      a few iterations only: checks the harness, not the speed\n"
		"  --list       list the cases and exit\n\ncases:\n", prog);
	cases_list(stdout);
}

static int
run_case(struct sva_perf_ctx *ctx, const struct sva_perf_case *c)
{
	struct perf_result *r = &ctx->results[ctx->nr_results++];
	uint64_t t0;

	memset(r, 0, sizeof(*r));
	r->c = c;
	ctx->cur = r;
	ctx->progress_shown = false;
	t0 = ctx->case_start_ns = ctx->last_progress_ns = sva_perf_now_ns();
	fprintf(stderr, "[sva-test-perf] %s: running%s\n", c->name, ctx->quick ? " (quick)" : "");
	perf_sva_stages_sink(&r->stages);
	r->status = c->run(ctx);
	perf_sva_stages_sink(NULL);
	r->seconds = (double)(sva_perf_now_ns() - t0) / 1e9;
	if (r->status == SVA_PERF_SKIPPED)
		fprintf(stderr, "[sva-test-perf] %s: skipped: %s\n", c->name,
			r->reason[0] ? r->reason : "no reason given");
	else if (r->status != 0)
		fprintf(stderr, "[sva-test-perf] %s: FAILED (%d: %s)\n", c->name, r->status,
			strerror(-r->status));
	else if (ctx->progress_shown)
		fprintf(stderr, "[sva-test-perf] %s: done in %.1f s\n", c->name, r->seconds);
	ctx->cur = NULL;
	return r->status == SVA_PERF_SKIPPED ? 0 : r->status;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"case", required_argument, NULL, 'c'},
		{"json", required_argument, NULL, 'j'},
		{"quick", no_argument, NULL, 'q'},
		{"list", no_argument, NULL, 'l'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const struct sva_perf_case *selected[PERF_CASES_MAX];
	struct sva_perf_ctx *ctx = &perf_ctx;
	unsigned int nr_selected = 0;
	const char *json = NULL;
	int consumed, opt, failed = 0;

	consumed = rte_eal_init(argc, argv);
	if (consumed < 0) {
		fprintf(stderr, "sva-test-perf: EAL init failed: %s (try --no-huge, or mount"
			" hugetlbfs)\n", rte_strerror(rte_errno));
		return 2;
	}
	/* EAL leaves the program name in front of what it did not parse. */
	argc -= consumed;
	argv += consumed;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			for (char *name = strtok(optarg, ","); name != NULL; name = strtok(NULL, ",")) {
				const struct sva_perf_case *c = case_find(name);

				if (c == NULL) {
					fprintf(stderr, "sva-test-perf: no case '%s'; cases:\n", name);
					cases_list(stderr);
					rte_eal_cleanup();
					return 2;
				}
				if (nr_selected == PERF_CASES_MAX) {
					fprintf(stderr, "sva-test-perf: too many --case\n");
					rte_eal_cleanup();
					return 2;
				}
				selected[nr_selected++] = c;
			}
			break;
		case 'j':
			json = optarg;
			break;
		case 'q':
			ctx->quick = true;
			break;
		case 'l':
			cases_list(stdout);
			rte_eal_cleanup();
			return 0;
		case 'h':
			usage(argv[0]);
			rte_eal_cleanup();
			return 0;
		default:
			usage(argv[0]);
			rte_eal_cleanup();
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "sva-test-perf: unexpected argument '%s' (see --help)\n", argv[optind]);
		rte_eal_cleanup();
		return 2;
	}
	if (nr_selected == 0) {
		const struct sva_perf_case *c;

		TAILQ_FOREACH(c, &cases, next)
			if (nr_selected < PERF_CASES_MAX)
				selected[nr_selected++] = c;
	}

	for (unsigned int i = 0; i < nr_selected; i++)
		if (run_case(ctx, selected[i]) != 0)
			failed++;
	perf_table_print(ctx);
	if (json != NULL && perf_json_write(ctx, json) != 0)
		failed++;
	rte_eal_cleanup();
	return failed ? 1 : 0;
}
