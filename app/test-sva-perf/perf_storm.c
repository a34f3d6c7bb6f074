/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * storm: the latency of a quiet bond while another bond on the same iommu faults as
 * fast as it can, against the quiet bond alone; the poller is a loop calling
 * sva_iopf_poll() on the worker lcore (so its busy share is known).
 *  - quiet bond: its own dev, one page per group, one request at a time (paced), for
 *    pages already present (so its latency is the fault path's queueing and overhead, not
 *    its own populate);
 *  - storm bond: another dev, groups of 32 pages, as many in flight as the emu device
 *    allows (half the queue), for pages never touched (each one a real populate),
 *    the range made fresh again (MADV_DONTNEED) after every pass.
 * Latency is the fault path's per-bond histogram: request written (the device's
 * timestamp) to response written. The storm phase first, then the quiet bond alone; in
 * both the quiet device sends the same QUIET_REQS one-page jobs paced at QUIET_RATE (its
 * own rate would be the model's scheduling: its thread shares the emu CPU with the
 * storm device's, and under the storm it sends 25-60x fewer requests, so a stall of the
 * poll lcore by the rest of the machine would weigh on 25-60x more of its percentiles). Rounds of svapoll's default fault path and of the
 * baseline without the time budget per bond (bond_burst_us 0), interleaved.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <rte_cycles.h>

#include "perf_sva.h"

/* lib/iopf private (iopf_pvt.h; the app links lib/iopf statically) */
uint64_t iopf_read_ahead_count(const struct sva_iopf *f);
#include "sva_perf.h"

#define STORM_IOMMU "model=vtd,prq_depth=4096"
#define STORM_LEN (64u << 20)        /* fresh memory the storm asks for, per pass */
#define QUIET_LEN (1u << 20)         /* present memory the quiet bond asks for */
#define QUIET_REQS 4000u            /* per phase */
#define QUIET_RATE 1000u            /* requests per second, both phases */
#define STORM_ROUNDS 3             /* interleaved rounds of each configuration */

struct storm {
	struct perf_sva *s;
	uint8_t *buf;
	size_t len;
	volatile int stop;
	uint64_t reqs;
	double seconds;
	int error;
};

static void *
storm_main(void *arg)
{
	struct storm *st = arg;
	struct sva_emu_desc d = { .op = SVA_EMU_OP_PAGE_REQUEST,
		.flags = SVA_EMU_DESC_PASID_VALID, .pasid = sva_bond_pasid(st->s->bonds[1]),
		.dst = (uintptr_t)st->buf, .len = st->len };
	uint64_t t0 = rte_rdtsc();
	struct sva_emu_comp c;

	while (!st->stop) {
		int ret = perf_sva_job(st->s->dev[1], &d, &c);

		if (ret == 0 && c.status != SVA_EMU_STATUS_SUCCESS)
			ret = -EIO;
		if (ret != 0) {
			st->error = ret;
			break;
		}
		st->reqs += c.page_reqs;
		/* fresh again: the next pass populates every page anew */
		madvise(st->buf, st->len, MADV_DONTNEED);
	}
	st->seconds = (double)(rte_rdtsc() - t0) / (double)rte_get_tsc_hz();
	return NULL;
}

/* nreqs requests of the quiet bond, one page a job, paced at QUIET_RATE per second;
 * its latency percentiles, its rate and the seconds it took. */
static int
quiet_run(struct perf_sva *s, void *buf, uint64_t nreqs, struct sva_iopf_stats *st,
		double *req_per_s, double *seconds)
{
	struct sva_emu_desc d = { .op = SVA_EMU_OP_PAGE_REQUEST,
		.flags = SVA_EMU_DESC_PASID_VALID, .pasid = sva_bond_pasid(s->bonds[0]),
		.len = 4096, .pr_inflight = 1 };
	uint64_t period = rte_get_tsc_hz() / QUIET_RATE, t0, next;
	struct sva_emu_comp c;
	uint64_t sent = 0;
	int ret = 0;

	sva_stats_reset(NULL, s->bonds[0]);
	t0 = next = rte_rdtsc();
	while (sent < nreqs && ret == 0) {
		uint64_t now = rte_rdtsc();

		/* sleep, not spin: the submitting thread shares the emu CPU with the
		 * device threads */
		if (now < next)
			rte_delay_us_sleep((unsigned int)((next - now) * 1000000 /
				rte_get_tsc_hz()));
		next += period;
		d.dst = (uintptr_t)buf + (sent % (QUIET_LEN / 4096)) * 4096;
		ret = perf_sva_job(s->dev[0], &d, &c);
		if (ret == 0 && c.status != SVA_EMU_STATUS_SUCCESS)
			ret = -EIO;
		sent += c.page_reqs;
	}
	*seconds = (double)(rte_rdtsc() - t0) / (double)rte_get_tsc_hz();
	*req_per_s = (double)sent / *seconds;
	if (ret == 0)
		ret = sva_stats_get(NULL, s->bonds[0], st);
	return ret;
}

struct storm_result {
	struct sva_iopf_stats alone, during, storm_bond, iommu;
	struct sva_emu_counters emu;
	double rate_alone, rate_during, storm_rate, busy;
	double alone_s, during_s;  /* how long each quiet phase took */
	uint64_t read_ahead;       /* records read past a burst (read-ahead) */
	double call_max_us, gap_max_us; /* the poll loop's longest call, longest gap */
	uint64_t slow_calls;       /* poll calls over 1 ms */
	double records_per_burst;
};

/* One measurement on a fresh emu iommu whose fault path has conf: the quiet bond alone,
 * then under the storm. */
static int
storm_once(struct sva_perf_ctx *ctx, const struct sva_iopf_conf *conf, uint8_t *quiet,
		struct storm *storm, uint64_t nreqs, struct storm_result *r)
{
	struct sva_iopf_stages sg;
	struct perf_sva s;
	pthread_t tid;
	int ret;

	/* dev 0x10: the quiet bond, one page per group; dev 0x11: the storm */
	ret = perf_sva_open(ctx, &s, STORM_IOMMU, "prg_window=1", 1, conf);
	if (ret != 0)
		return ret;
	s.dev[1] = sva_dev_open(s.iommu, "rid=0x11,prg_window=32");
	if (s.dev[1] == NULL) {
		ret = -ENODEV;
		goto out;
	}
	s.ndev = 2;
	ret = perf_sva_bind(&s, 2, NULL);
	if (ret == 0)
		ret = perf_sva_poll_start(&s, PERF_POLL_LOOP);
	if (ret != 0)
		goto out;

	storm->s = &s;
	storm->stop = 0;
	storm->reqs = 0;
	storm->error = 0;
	madvise(storm->buf, storm->len, MADV_DONTNEED);
	if (pthread_create(&tid, NULL, storm_main, storm) != 0) {
		ret = -EAGAIN;
		goto out;
	}
	/* let the storm fill the queue first */
	while (storm->reqs == 0 && storm->error == 0 && !storm->stop) {
		struct sva_iopf_stats b;

		if (sva_stats_get(NULL, s.bonds[1], &b) == 0 && b.page_reqs > 10000)
			break;
		rte_delay_us_sleep(1000);
	}
	ret = quiet_run(&s, quiet, nreqs, &r->during, &r->rate_during, &r->during_s);
	storm->stop = 1;
	pthread_join(tid, NULL);
	if (ret == 0)
		ret = storm->error;
	sva_stats_get(NULL, s.bonds[1], &r->storm_bond);
	/* alone afterwards, the same requests at the same pace: the quiet device, its
	 * thread sharing the emu CPU with the storm device's, would otherwise send many
	 * fewer requests under the storm than alone, and each stall of the poll lcore by
	 * the rest of the machine would weigh on many more of its percentiles */
	if (ret == 0)
		ret = quiet_run(&s, quiet, nreqs, &r->alone, &r->rate_alone, &r->alone_s);
	perf_sva_poll_stop(&s);   /* the busy share covers the storm + quiet alone */
	if (ret != 0)
		goto out;
	sva_stats_get(s.iommu, NULL, &r->iommu);
	sva_emu_counters_get(s.iommu, &r->emu);
	r->read_ahead = iopf_read_ahead_count(sva_iopf_get(s.iommu));
	if (sva_iopf_stages_get(s.iommu, &sg) == 0 && sg.bursts != 0)
		r->records_per_burst = (double)sg.records / (double)sg.bursts;
	r->storm_rate = storm->seconds > 0 ? (double)storm->reqs / storm->seconds : 0;
	r->call_max_us = (double)s.call_max_cycles * 1e6 / (double)rte_get_tsc_hz();
	r->gap_max_us = (double)s.gap_max_cycles * 1e6 / (double)rte_get_tsc_hz();
	r->slow_calls = s.slow_calls;
	r->busy = s.loop_cycles ? (double)s.busy_cycles / (double)s.loop_cycles : 0;
out:
	perf_sva_close(&s);
	return ret;
}

static double
p999_ratio(const struct storm_result *r)
{
	return r->alone.lat_p999_ns ? (double)r->during.lat_p999_ns /
		(double)r->alone.lat_p999_ns : 0;
}

/* The round with the median p999 ratio of n. */
static const struct storm_result *
storm_median(const struct storm_result *r, unsigned int n)
{
	double v[STORM_ROUNDS], med;

	for (unsigned int i = 0; i < n; i++)
		v[i] = p999_ratio(&r[i]);
	med = sva_perf_median(v, n);
	for (unsigned int i = 0; i < n; i++)
		if (p999_ratio(&r[i]) == med)
			return &r[i];
	return &r[0];
}

static int
perf_storm(struct sva_perf_ctx *ctx)
{
	bool quick = sva_perf_quick(ctx);
	uint64_t nreqs = quick ? 200 : QUIET_REQS;
	unsigned int rounds = quick ? 1 : STORM_ROUNDS;
	struct storm storm = { .len = quick ? (4u << 20) : STORM_LEN };
	static struct storm_result rr[STORM_ROUNDS], rn[STORM_ROUNDS];
	const struct storm_result *r, *n;
	struct sva_iopf_conf pages_only;
	uint8_t *quiet = NULL;
	int ret = 0;

	quiet = perf_map_fresh(QUIET_LEN);
	storm.buf = perf_map_fresh(storm.len);
	if (quiet == NULL || storm.buf == NULL) {
		ret = -ENOMEM;
		goto out_mem;
	}
	perf_touch_all(quiet, QUIET_LEN);
	/* svapoll's default fault path, and the baseline in the same run: the same without
	 * the time budget per bond per burst (bond_burst_us 0: the page count only, no
	 * read-ahead unless a bond uses its 64 pages), interleaved rounds */
	sva_iopf_conf_default(&pages_only);
	pages_only.bond_burst_us = 0;
	for (unsigned int i = 0; i < rounds && ret == 0; i++) {
		ret = storm_once(ctx, NULL, quiet, &storm, nreqs, &rr[i]);
		if (ret == 0)
			ret = storm_once(ctx, &pages_only, quiet, &storm, nreqs, &rn[i]);
		sva_perf_progress(ctx, (i + 1.0) / rounds);
	}
	if (ret != 0)
		goto out_mem;
	r = storm_median(rr, rounds);
	n = storm_median(rn, rounds);

	sva_perf_metric(ctx, "quiet_p50_alone_ns", (double)r->alone.lat_p50_ns, "ns");
	sva_perf_metric(ctx, "quiet_p99_alone_ns", (double)r->alone.lat_p99_ns, "ns");
	sva_perf_metric(ctx, "quiet_p999_alone_ns", (double)r->alone.lat_p999_ns, "ns");
	sva_perf_metric(ctx, "quiet_p50_storm_ns", (double)r->during.lat_p50_ns, "ns");
	sva_perf_metric(ctx, "quiet_p99_storm_ns", (double)r->during.lat_p99_ns, "ns");
	sva_perf_metric(ctx, "quiet_p999_storm_ns", (double)r->during.lat_p999_ns, "ns");
	sva_perf_metric(ctx, "quiet_max_storm_ns", (double)r->during.lat_max_ns, "ns");
	sva_perf_metric(ctx, "quiet_req_per_s_alone", r->rate_alone, "req/s");
	sva_perf_metric(ctx, "quiet_req_per_s_storm", r->rate_during, "req/s");
	sva_perf_metric(ctx, "quiet_seconds_storm", r->during_s, "s");
	sva_perf_metric(ctx, "quiet_seconds_alone", r->alone_s, "s");
	sva_perf_metric(ctx, "storm_req_per_s", r->storm_rate, "req/s");
	sva_perf_metric(ctx, "storm_groups_deferred", (double)r->storm_bond.deferred, "groups");
	sva_perf_metric(ctx, "quiet_groups_deferred", (double)r->during.deferred, "groups");
	sva_perf_metric(ctx, "read_ahead_records", (double)r->read_ahead, "records");
	sva_perf_metric(ctx, "poll_call_max_us", r->call_max_us, "us");
	sva_perf_metric(ctx, "poll_gap_max_us", r->gap_max_us, "us");
	sva_perf_metric(ctx, "poll_calls_over_1ms", (double)r->slow_calls, "calls");
	sva_perf_metric(ctx, "poll_calls_over_1ms_pages_only", (double)n->slow_calls, "calls");
	sva_perf_metric(ctx, "records_per_burst", r->records_per_burst, "records");
	sva_perf_metric(ctx, "records_per_burst_pages_only", n->records_per_burst, "records");
	sva_perf_metric(ctx, "resp_queue_full", (double)r->iommu.resp_queue_full, "responses");
	sva_perf_metric(ctx, "poll_lcore_busy", r->busy, "fraction");
	/* the baseline: page count only */
	sva_perf_metric(ctx, "quiet_p999_alone_ns_pages_only", (double)n->alone.lat_p999_ns, "ns");
	sva_perf_metric(ctx, "quiet_p999_storm_ns_pages_only", (double)n->during.lat_p999_ns,
		"ns");
	sva_perf_metric(ctx, "storm_req_per_s_pages_only", n->storm_rate, "req/s");
	sva_perf_metric(ctx, "storm_p999_ratio_pages_only", p999_ratio(n), "x");
	if (r->alone.lat_p99_ns > 0) {
		double q = (double)r->during.lat_p99_ns / (double)r->alone.lat_p99_ns;

		sva_perf_metric(ctx, "storm_p99_ratio", q, "x");
		sva_perf_target(ctx, "storm_p99_ratio", SVA_PERF_AT_MOST, 2);
		sva_perf_ratio(ctx, "storm_p99_ratio", q);
	}
	if (r->alone.lat_p999_ns > 0) {
		double q = p999_ratio(r);

		/* issue 15 item 5 */
		sva_perf_metric(ctx, "storm_p999_ratio", q, "x");
		sva_perf_target(ctx, "storm_p999_ratio", SVA_PERF_AT_MOST, 10);
		sva_perf_ratio(ctx, "storm_p999_ratio", q);
	}
out_mem:
	if (quiet != NULL)
		munmap(quiet, QUIET_LEN);
	if (storm.buf != NULL)
		munmap(storm.buf, storm.len);
	return ret;
}

static struct sva_perf_case storm_case = {
	.name = "storm",
	.description = "p99 latency of a quiet bond while another bond faults flat out, vs alone",
	.run = perf_storm,
};

SVA_PERF_REGISTER(storm_case);
