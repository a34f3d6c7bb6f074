/* SPDX-License-Identifier: BSD-3-Clause */
/* The table on stdout and the JSON report. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "perf_pvt.h"
#include "sva_perf_commit.h"

int
perf_target_met(const struct perf_metric *m)
{
	switch (m->goal) {
	case SVA_PERF_AT_MOST:
		return m->value <= m->target;
	case SVA_PERF_AT_LEAST:
		return m->value >= m->target;
	default:
		return -1;
	}
}

int
perf_key_met(const struct perf_ratio *q)
{
	switch (q->goal) {
	case SVA_PERF_AT_MOST:
		return q->value <= q->target;
	case SVA_PERF_AT_LEAST:
		return q->value >= q->target;
	default:
		return -1;
	}
}

static void
cpu_model(char *buf, size_t len)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[512];

	snprintf(buf, len, "unknown");
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *colon = strchr(line, ':');

		if (strncmp(line, "model name", 10) != 0 || colon == NULL)
			continue;
		colon += strspn(colon + 1, " \t") + 1;
		colon[strcspn(colon, "\n")] = '\0';
		snprintf(buf, len, "%s", colon);
		break;
	}
	fclose(f);
}

/* The commit measured: $SVA_COMMIT if set, else what git said at build time. */
static const char *
commit_id(void)
{
	const char *env = getenv("SVA_COMMIT");

	return env != NULL && env[0] != '\0' ? env : SVA_PERF_COMMIT;
}

static void
value_fmt(char *buf, size_t len, double v)
{
	if (!isfinite(v))
		snprintf(buf, len, "-");
	else if (fabs(v) >= 1e6)
		snprintf(buf, len, "%.3f M", v / 1e6);
	else if (fabs(v) >= 1e4 || v == floor(v))
		snprintf(buf, len, "%.0f", v);
	else
		snprintf(buf, len, "%.2f", v);
}

/* ---- stage cycles (sva_iopf_stages) ---- */

static const char *const stage_names[] = {
	"read_decode", "validate", "populate", "respond", "fault_around",
};

static void
stage_values(const struct sva_iopf_stages *st, double v[5])
{
	v[0] = (double)st->read_decode;
	v[1] = (double)st->validate;
	v[2] = (double)st->populate;
	v[3] = (double)st->respond;
	v[4] = (double)st->fault_around;
}

/* ns per request read of a stage */
static double
stage_ns(const struct sva_iopf_stages *st, double cycles)
{
	return st->records == 0 || st->tsc_hz == 0 ? 0 :
		cycles * 1e9 / (double)st->tsc_hz / (double)st->records;
}

static void
stages_print(const struct sva_perf_ctx *ctx, int cw)
{
	bool header = false;

	for (unsigned int i = 0; i < ctx->nr_results; i++) {
		const struct perf_result *r = &ctx->results[i];
		const struct sva_iopf_stages *st = &r->stages;
		double v[5], total = 0;

		if (r->status != 0 || st->bursts == 0)
			continue;
		if (!header) {
			printf("\nwhere the poll lcore's time goes (sva_iopf_stages: ns per request read,"
				" share of the stages' total)\n%-*s %9s %7s", cw, "case", "requests",
				"req/bu");
			for (unsigned int k = 0; k < RTE_DIM(stage_names); k++)
				printf(" %16s", stage_names[k]);
			printf(" %9s\n", "total");
			header = true;
		}
		stage_values(st, v);
		for (unsigned int k = 0; k < 5; k++)
			total += v[k];
		printf("%-*s %9.3g %7.1f", cw, r->c->name, (double)st->records,
			(double)st->records / (double)st->bursts);
		for (unsigned int k = 0; k < 5; k++)
			printf(" %8.0f (%4.1f%%)", stage_ns(st, v[k]), total > 0 ? 100 * v[k] / total : 0);
		printf(" %9.0f\n", stage_ns(st, total));
	}
}

/* Column widths that fit the longest case and metric or key name of this run. */
static void
name_widths(const struct sva_perf_ctx *ctx, int *cw, int *mw)
{
	*cw = 10;
	*mw = 32;
	for (unsigned int i = 0; i < ctx->nr_results; i++) {
		const struct perf_result *r = &ctx->results[i];

		*cw = RTE_MAX(*cw, (int)strlen(r->c->name));
		for (unsigned int k = 0; k < r->nr_metrics; k++)
			*mw = RTE_MAX(*mw, (int)strlen(r->metrics[k].name));
	}
	for (unsigned int i = 0; i < ctx->nr_ratios; i++)
		*mw = RTE_MAX(*mw, (int)strlen(ctx->ratios[i].key));
}

void
perf_table_print(const struct sva_perf_ctx *ctx)
{
	char model[256];
	struct utsname u;
	int cw, mw;

	name_widths(ctx, &cw, &mw);
	cpu_model(model, sizeof(model));
	if (uname(&u) != 0)
		snprintf(u.release, sizeof(u.release), "unknown");
	printf("sva-test-perf %s, commit %s%s\n", SVA_VERSION, commit_id(),
		ctx->quick ? ", QUICK run (few iterations: not a measurement)" : "");
	printf("host: %s, %ld cores, kernel %s\n\n", model, sysconf(_SC_NPROCESSORS_ONLN),
		u.release);
	printf("%-*s %-*s %14s %-10s %s\n", cw, "case", mw, "metric", "value", "unit", "target");
	printf("%-*s %-*s %14s %-10s %s\n", cw, "----", mw, "------", "-----", "----", "------");
	for (unsigned int i = 0; i < ctx->nr_results; i++) {
		const struct perf_result *r = &ctx->results[i];

		if (r->status == SVA_PERF_SKIPPED) {
			printf("%-*s skipped: %s\n", cw, r->c->name, r->reason);
			continue;
		}
		if (r->status != 0) {
			printf("%-*s FAILED: %s\n", cw, r->c->name, strerror(-r->status));
			continue;
		}
		for (unsigned int k = 0; k < r->nr_metrics; k++) {
			const struct perf_metric *m = &r->metrics[k];
			char val[32], tgt[40] = "";
			int met = perf_target_met(m);

			value_fmt(val, sizeof(val), m->value);
			if (met >= 0) {
				char t[24];

				value_fmt(t, sizeof(t), m->target);
				snprintf(tgt, sizeof(tgt), "%s %s %s",
					m->goal == SVA_PERF_AT_MOST ? "<=" : ">=", t,
					met ? "met" : "MISSED");
			}
			printf("%-*s %-*s %14s %-10s %s\n", cw, k == 0 ? r->c->name : "",
				mw, m->name, val, m->unit, tgt);
		}
	}
	for (int kind = PERF_KEY_RATIO; kind <= PERF_KEY_RATE; kind++) {
		bool header = false;

		for (unsigned int i = 0; i < ctx->nr_ratios; i++) {
			const struct perf_ratio *q = &ctx->ratios[i];
			/* the issue names some keys as information: say so, not a blank */
			char val[32], tgt[40] = "(information)";
			int met = perf_key_met(q);

			if ((int)q->kind != kind)
				continue;
			if (!header) {
				printf("\n%-*s %-*s %14s %-10s %s\n", cw, "case", mw,
					kind == PERF_KEY_RATIO ? "ratio (same run)" :
					"rate (absolute)", "value", "unit", "target");
				header = true;
			}
			if (kind == PERF_KEY_RATIO)
				snprintf(val, sizeof(val), "%.3f", q->value);
			else
				value_fmt(val, sizeof(val), q->value);
			if (met >= 0) {
				char t[24];

				value_fmt(t, sizeof(t), q->target);
				snprintf(tgt, sizeof(tgt), "%s %s %s",
					q->goal == SVA_PERF_AT_MOST ? "<=" : ">=", t,
					met ? "met" : "MISSED");
			}
			printf("%-*s %-*s %14s %-10s %s\n", cw, q->case_name, mw, q->key, val, q->unit,
				tgt);
		}
	}
	stages_print(ctx, cw);
	fflush(stdout);
}

/* ---- JSON ---- */

static void
json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

static void
json_num(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, "%.9g", v);
	else
		fputs("null", f);
}

/* "<case>": {...} for every case that ran, with what one metric field gives. */
enum json_field { JSON_VALUE, JSON_UNIT, JSON_TARGET };

static void
json_cases(FILE *f, const struct sva_perf_ctx *ctx, enum json_field field)
{
	bool first_case = true;

	fputc('{', f);
	for (unsigned int i = 0; i < ctx->nr_results; i++) {
		const struct perf_result *r = &ctx->results[i];
		bool first = true;

		if (r->status != 0)
			continue;
		fprintf(f, "%s\n    ", first_case ? "" : ",");
		first_case = false;
		json_str(f, r->c->name);
		fputs(": {", f);
		for (unsigned int k = 0; k < r->nr_metrics; k++) {
			const struct perf_metric *m = &r->metrics[k];

			if (field == JSON_TARGET && m->goal == 0)
				continue;
			fprintf(f, "%s", first ? "" : ", ");
			first = false;
			json_str(f, m->name);
			fputs(": ", f);
			if (field == JSON_VALUE) {
				json_num(f, m->value);
			} else if (field == JSON_UNIT) {
				json_str(f, m->unit);
			} else {
				fprintf(f, "{\"%s\": ", m->goal == SVA_PERF_AT_MOST ? "max" : "min");
				json_num(f, m->target);
				fprintf(f, ", \"met\": %s}", perf_target_met(m) ? "true" : "false");
			}
		}
		fputc('}', f);
	}
	fputs(first_case ? "}" : "\n  }", f);
}

/* ,\n  "ratios": {key: {"value", "unit", "target": {"min"|"max"} or null, "met", "case"}} */
static void
json_keys(FILE *f, const struct sva_perf_ctx *ctx, enum perf_key_kind kind, const char *name)
{
	bool first = true;

	fprintf(f, ",\n  \"%s\": {", name);
	for (unsigned int i = 0; i < ctx->nr_ratios; i++) {
		const struct perf_ratio *q = &ctx->ratios[i];
		int met = perf_key_met(q);

		if (q->kind != kind)
			continue;
		fprintf(f, "%s\n    ", first ? "" : ",");
		first = false;
		json_str(f, q->key);
		fputs(": {\"value\": ", f);
		json_num(f, q->value);
		fputs(", \"unit\": ", f);
		json_str(f, q->unit);
		if (met >= 0) {
			fprintf(f, ", \"target\": {\"%s\": ", q->goal == SVA_PERF_AT_MOST ? "max" : "min");
			json_num(f, q->target);
			fprintf(f, "}, \"met\": %s", met ? "true" : "false");
		} else {
			fputs(", \"target\": null, \"met\": null", f);
		}
		fputs(", \"case\": ", f);
		json_str(f, q->case_name);
		fputc('}', f);
	}
	fputs(first ? "}" : "\n  }", f);
}

/* ,\n  "stages": {case: {"requests", "bursts", "<stage>_ns_per_req"..., "total_ns_per_req"}} */
static void
json_stages(FILE *f, const struct sva_perf_ctx *ctx)
{
	bool first = true;

	fputs(",\n  \"stages\": {", f);
	for (unsigned int i = 0; i < ctx->nr_results; i++) {
		const struct perf_result *r = &ctx->results[i];
		const struct sva_iopf_stages *st = &r->stages;
		double v[5], total = 0;

		if (r->status != 0 || st->bursts == 0)
			continue;
		stage_values(st, v);
		fprintf(f, "%s\n    ", first ? "" : ",");
		first = false;
		json_str(f, r->c->name);
		fprintf(f, ": {\"requests\": %" PRIu64 ", \"bursts\": %" PRIu64, st->records,
			st->bursts);
		for (unsigned int k = 0; k < 5; k++) {
			fprintf(f, ", \"%s_ns_per_req\": ", stage_names[k]);
			json_num(f, stage_ns(st, v[k]));
			total += v[k];
		}
		fputs(", \"total_ns_per_req\": ", f);
		json_num(f, stage_ns(st, total));
		fputc('}', f);
	}
	fputs(first ? "}" : "\n  }", f);
}

int
perf_json_write(const struct sva_perf_ctx *ctx, const char *path)
{
	char tmp[4096], model[256];
	struct utsname u;
	bool first = true;
	FILE *f;

	/* Written next to the target and renamed: a reader never sees half a file. */
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (f == NULL) {
		fprintf(stderr, "sva-test-perf: cannot write %s: %s\n", tmp, strerror(errno));
		return -errno;
	}
	cpu_model(model, sizeof(model));
	if (uname(&u) != 0)
		snprintf(u.release, sizeof(u.release), "unknown");
	fputs("{\n  \"host\": {\"cpu_model\": ", f);
	json_str(f, model);
	fprintf(f, ", \"cores\": %ld, \"kernel\": ", sysconf(_SC_NPROCESSORS_ONLN));
	json_str(f, u.release);
	fputs("},\n  \"commit\": ", f);
	json_str(f, commit_id());
	fputs(",\n  \"version\": ", f);
	json_str(f, SVA_VERSION);
	fprintf(f, ",\n  \"quick\": %s,\n  \"results\": ", ctx->quick ? "true" : "false");
	json_cases(f, ctx, JSON_VALUE);
	fputs(",\n  \"units\": ", f);
	json_cases(f, ctx, JSON_UNIT);
	fputs(",\n  \"targets\": ", f);
	json_cases(f, ctx, JSON_TARGET);
	fputs(",\n  \"skipped\": {", f);
	for (unsigned int i = 0; i < ctx->nr_results; i++) {
		const struct perf_result *r = &ctx->results[i];

		if (r->status != SVA_PERF_SKIPPED)
			continue;
		fprintf(f, "%s", first ? "" : ", ");
		first = false;
		json_str(f, r->c->name);
		fputs(": ", f);
		json_str(f, r->reason);
	}
	fputs("},\n  \"failed\": [", f);
	first = true;
	for (unsigned int i = 0; i < ctx->nr_results; i++) {
		const struct perf_result *r = &ctx->results[i];

		if (r->status == 0 || r->status == SVA_PERF_SKIPPED)
			continue;
		fprintf(f, "%s", first ? "" : ", ");
		first = false;
		json_str(f, r->c->name);
	}
	fputs("]", f);
	json_keys(f, ctx, PERF_KEY_RATIO, "ratios");
	json_keys(f, ctx, PERF_KEY_RATE, "rates");
	json_stages(f, ctx);
	fputs("\n}\n", f);
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		int err = errno;

		fprintf(stderr, "sva-test-perf: cannot write %s: %s\n", path, strerror(err));
		unlink(tmp);
		return -err;
	}
	return 0;
}
