/* SPDX-License-Identifier: BSD-3-Clause */
/* The emu iommu, devs, bonds and poller every fault-path case sets up (perf_sva.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_pause.h>

#include "perf_baselines.h"
#include "perf_pvt.h"
#include "perf_sva.h"
#include "sva_perf.h"

static unsigned int instance;
static struct sva_iopf_stages *stages_sink;

void
perf_sva_stages_sink(struct sva_iopf_stages *sink)
{
	stages_sink = sink;
}

/* Add the stage cycles of the iommu's fault path to the running case's (before the
 * fault path goes). */
static void
stages_collect(const struct perf_sva *s)
{
	struct sva_iopf_stages st;

	if (stages_sink == NULL || s->iommu == NULL || sva_iopf_stages_get(s->iommu, &st) != 0)
		return;
	stages_sink->bursts += st.bursts;
	stages_sink->records += st.records;
	stages_sink->read_decode += st.read_decode;
	stages_sink->validate += st.validate;
	stages_sink->populate += st.populate;
	stages_sink->respond += st.respond;
	stages_sink->fault_around += st.fault_around;
	stages_sink->tsc_hz = st.tsc_hz;
}

int
perf_sva_open(struct sva_perf_ctx *ctx, struct perf_sva *s, const char *iommu_args,
		const char *dev_args, unsigned int ndev, const struct sva_iopf_conf *conf)
{
	struct sva_iommu_info info;
	char args[256], name[32];

	memset(s, 0, sizeof(*s));
	s->lcore = rte_get_next_lcore(-1, 1, 0);
	if (s->lcore >= RTE_MAX_LCORE)
		return sva_perf_skip(ctx, "needs a worker lcore for the poller (EAL -l 0-1)");
	if (ndev == 0 || ndev > PERF_SVA_DEVS_MAX)
		return -EINVAL;
	snprintf(name, sizeof(name), "perf%u", instance++);
	snprintf(args, sizeof(args), "emu,name=%s%s%s", name, iommu_args[0] ? "," : "",
		iommu_args);
	s->iommu = sva_iommu_create(args);
	if (s->iommu == NULL) {
		fprintf(stderr, "sva-test-perf: sva_iommu_create(%s): %s\n", args,
			rte_strerror(rte_errno));
		return -rte_errno;
	}
	for (unsigned int i = 0; i < ndev; i++) {
		if (strstr(dev_args, "rid=") != NULL)
			snprintf(args, sizeof(args), "%s", dev_args);
		else
			snprintf(args, sizeof(args), "rid=0x%x%s%s", 0x10 + i,
				dev_args[0] ? "," : "", dev_args);
		s->dev[i] = sva_dev_open(s->iommu, args);
		if (s->dev[i] == NULL) {
			int err = rte_errno;

			fprintf(stderr, "sva-test-perf: sva_dev_open(%s): %s\n", args,
				rte_strerror(err));
			perf_sva_close(s);
			return -err;
		}
		s->ndev++;
	}
	if (sva_iommu_info_get(s->iommu, &info) != 0 || info.pasid_bits == 0) {
		perf_sva_close(s);
		return -EOPNOTSUPP;
	}
	if (conf != NULL) {
		int ret = sva_poll_configure(s->iommu, conf);

		if (ret != 0) {
			perf_sva_close(s);
			return ret;
		}
	}
	s->space = sva_pasid_space_create(name, info.pasid_bits, 0);
	if (s->space != NULL)
		s->set = sva_pasid_set_create(s->space, "perf", 0, NULL, SVA_BOND_PASID_TYPE, 0);
	if (s->set == NULL) {
		int err = rte_errno;

		perf_sva_close(s);
		return -err;
	}
	return 0;
}

int
perf_sva_bind(struct perf_sva *s, unsigned int nbonds, const struct sva_bind_params *p)
{
	s->bonds = calloc(nbonds, sizeof(*s->bonds));
	if (s->bonds == NULL)
		return -ENOMEM;
	for (unsigned int i = 0; i < nbonds; i++) {
		s->bonds[i] = sva_bind(s->dev[i % s->ndev], s->set, p);
		if (s->bonds[i] == NULL) {
			fprintf(stderr, "sva-test-perf: bond %u of %u: %s\n", i, nbonds,
				rte_strerror(rte_errno));
			return -rte_errno;
		}
		s->nbonds++;
	}
	return sva_iopf_maps_refresh();
}

static int
poll_loop(void *arg)
{
	struct perf_sva *s = arg;
	uint64_t busy = 0, start = rte_rdtsc(), prev = start, call_max = 0, gap_max = 0;
	uint64_t ms = rte_get_tsc_hz() / 1000, slow = 0;

	while (!s->stop) {
		uint64_t t0 = rte_rdtsc(), t1;
		int n = sva_iopf_poll(s->iommu, 256);

		t1 = rte_rdtsc();
		/* a call that took over 1 ms, or a gap between calls (the lcore preempted
		 * outside them): what a tail of the fault path's latency is made of */
		if (t1 - t0 > call_max)
			call_max = t1 - t0;
		if (t0 - prev > gap_max)
			gap_max = t0 - prev;
		if (t1 - t0 > ms)
			slow++;
		prev = t1;
		if (n > 0)
			busy += t1 - t0;
		else
			rte_pause();
	}
	s->call_max_cycles = call_max;
	s->gap_max_cycles = gap_max;
	s->slow_calls = slow;
	s->busy_cycles = busy;
	s->loop_cycles = rte_rdtsc() - start;
	return 0;
}

int
perf_sva_poll_start(struct perf_sva *s, enum perf_poll_mode mode)
{
	int ret;

	if (mode == PERF_POLL_SERVICE) {
		ret = sva_poll_lcore_start(s->lcore);
	} else {
		s->stop = 0;
		s->busy_cycles = s->loop_cycles = 0;
		ret = rte_eal_remote_launch(poll_loop, s, s->lcore);
	}
	if (ret == 0)
		s->polling = mode;
	return ret;
}

void
perf_sva_poll_stop(struct perf_sva *s)
{
	if (s->polling == PERF_POLL_SERVICE) {
		sva_poll_lcore_stop(s->lcore);
	} else if (s->polling == PERF_POLL_LOOP) {
		s->stop = 1;
		rte_eal_wait_lcore(s->lcore);
	}
	s->polling = 0;
}

void
perf_sva_close(struct perf_sva *s)
{
	perf_sva_poll_stop(s);
	stages_collect(s);
	for (unsigned int i = 0; i < s->nbonds; i++)
		sva_unbind(s->bonds[i]);
	free(s->bonds);
	if (s->set != NULL)
		sva_pasid_set_destroy(s->set, SVA_PASID_SET_FREE_ALL);
	if (s->iommu != NULL)
		sva_poll_release(s->iommu);
	for (unsigned int i = 0; i < s->ndev; i++)
		sva_dev_close(s->dev[i]);
	if (s->iommu != NULL)
		sva_iommu_destroy(s->iommu);
	if (s->space != NULL) {
		sva_pasid_reclaim(s->space);
		sva_pasid_space_destroy(s->space);
	}
	memset(s, 0, sizeof(*s));
}

int
perf_sva_job(struct sva_dev *dev, const struct sva_emu_desc *d, struct sva_emu_comp *c)
{
	int ret = sva_emu_submit(dev, d, c);

	return ret != 0 ? ret : sva_emu_wait(dev, c, PERF_SVA_WAIT_US);
}

void *
perf_map_fresh(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS |
		MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	/* 4 KiB pages only: THP would turn 512 faults into one */
	madvise(p, len, MADV_NOHUGEPAGE);
	return p;
}

void
perf_touch_all(void *p, size_t len)
{
	for (size_t off = 0; off < len; off += 4096)
		((volatile uint8_t *)p)[off] = 1;
}

double
perf_iopf_mean_ns(const struct sva_iopf_stats *st)
{
	double sum = 0, ns_per_cycle = 1e9 / (double)rte_get_tsc_hz();

	if (st->lat_count == 0)
		return 0;
	for (unsigned int b = 0; b < SVA_IOPF_LAT_BUCKETS; b++)
		sum += (double)st->lat_hist[b] * (double)sva_iopf_lat_bucket_cycles(b);
	return sum * ns_per_cycle / (double)st->lat_count;
}

double
perf_emu_wait_mean_ns(const struct sva_emu_counters *before, const struct sva_emu_counters *after)
{
	uint64_t n = (after->resp_success + after->resp_invalid + after->resp_failure +
		after->resp_bad_code) - (before->resp_success + before->resp_invalid +
		before->resp_failure + before->resp_bad_code);

	return n == 0 ? 0 : (double)(after->group_wait_ns_total - before->group_wait_ns_total) /
		(double)n;
}
