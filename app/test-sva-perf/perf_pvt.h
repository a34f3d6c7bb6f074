/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PERF_PVT_H
#define PERF_PVT_H

/* What sva-test-perf keeps of a run: one result per case, its metrics, the ratios. */

#include <sva_iopf.h>

#include "sva_perf.h"

#define PERF_NAME_LEN 48
#define PERF_UNIT_LEN 16
#define PERF_METRICS_MAX 32
#define PERF_RATIOS_MAX 64
#define PERF_CASES_MAX 32

struct perf_metric {
	char name[PERF_NAME_LEN];
	char unit[PERF_UNIT_LEN];
	double value;
	enum sva_perf_goal goal; /* 0: no target */
	double target;
};

struct perf_result {
	const struct sva_perf_case *c;
	int status;            /* 0, SVA_PERF_SKIPPED or a negative errno */
	char reason[160];      /* why it skipped */
	double seconds;
	struct sva_iopf_stages stages; /* summed over the fault paths the case closed */
	unsigned int nr_metrics;
	struct perf_metric metrics[PERF_METRICS_MAX];
};

enum perf_key_kind {
	PERF_KEY_RATIO = 1,  /* "ratios": a ratio against a baseline of the same run */
	PERF_KEY_RATE,       /* "rates": an absolute figure the issue names */
};

struct perf_ratio {
	char key[PERF_NAME_LEN];        /* the key's name in "ratios" or "rates" */
	char case_name[PERF_NAME_LEN];  /* the case that recorded it */
	char unit[PERF_UNIT_LEN];
	enum perf_key_kind kind;
	double value;
	enum sva_perf_goal goal;        /* 0: no target */
	double target;
};

struct sva_perf_ctx {
	bool quick;
	bool progress_shown;
	uint64_t case_start_ns;
	uint64_t last_progress_ns;
	struct perf_result *cur;
	unsigned int nr_results;
	struct perf_result results[PERF_CASES_MAX];
	unsigned int nr_ratios;
	struct perf_ratio ratios[PERF_RATIOS_MAX];
};

/* report.c */
void perf_table_print(const struct sva_perf_ctx *ctx);
int perf_json_write(const struct sva_perf_ctx *ctx, const char *path);
/* Whether a metric met its target: 1 yes, 0 no, -1 no target. */
int perf_target_met(const struct perf_metric *m);
/* The same for a ratio or rate key. */
int perf_key_met(const struct perf_ratio *q);
/* perf_sva.c: where perf_sva_close() adds the stage cycles of the iommu it closes
 * (NULL: nowhere). */
void perf_sva_stages_sink(struct sva_iopf_stages *sink);

#endif /* PERF_PVT_H */
