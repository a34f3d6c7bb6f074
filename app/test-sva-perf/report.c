/* SPDX-License-Identifier: BSD-3-Clause */
/* The table on stdout and the JSON report. */
#include <errno.h>
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

void
perf_table_print(const struct sva_perf_ctx *ctx)
{
	char model[256];
	struct utsname u;

	cpu_model(model, sizeof(model));
	if (uname(&u) != 0)
		snprintf(u.release, sizeof(u.release), "unknown");
	printf("sva-test-perf %s, commit %s%s\n", SVA_VERSION, commit_id(),
		ctx->quick ? ", QUICK run (few iterations: not a measurement)" : "");
	printf("host: %s, %ld cores, kernel %s\n\n", model, sysconf(_SC_NPROCESSORS_ONLN),
		u.release);
	printf("%-10s %-32s %14s %-10s %-14s\n", "case", "metric", "value", "unit", "target");
	printf("%-10s %-32s %14s %-10s %-14s\n", "----", "------", "-----", "----", "------");
	for (unsigned int i = 0; i < ctx->nr_results; i++) {
		const struct perf_result *r = &ctx->results[i];

		if (r->status == SVA_PERF_SKIPPED) {
			printf("%-10s skipped: %s\n", r->c->name, r->reason);
			continue;
		}
		if (r->status != 0) {
			printf("%-10s FAILED: %s\n", r->c->name, strerror(-r->status));
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
					met ? "ok" : "MISSED");
			}
			printf("%-10s %-32s %14s %-10s %-14s\n", k == 0 ? r->c->name : "",
				m->name, val, m->unit, tgt);
		}
	}
	if (ctx->nr_ratios > 0) {
		printf("\n%-10s %-32s %14s\n", "case", "ratio (same run)", "value");
		for (unsigned int i = 0; i < ctx->nr_ratios; i++)
			printf("%-10s %-32s %14.3f\n", ctx->ratios[i].case_name, ctx->ratios[i].key,
				ctx->ratios[i].value);
	}
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
	fputs("],\n  \"ratios\": {", f);
	for (unsigned int i = 0; i < ctx->nr_ratios; i++) {
		fprintf(f, "%s\n    ", i ? "," : "");
		json_str(f, ctx->ratios[i].key);
		fputs(": ", f);
		json_num(f, ctx->ratios[i].value);
	}
	fputs(ctx->nr_ratios ? "\n  }\n}\n" : "}\n}\n", f);
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		int err = errno;

		fprintf(stderr, "sva-test-perf: cannot write %s: %s\n", path, strerror(err));
		unlink(tmp);
		return -err;
	}
	return 0;
}
