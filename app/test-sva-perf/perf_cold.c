/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Cold faults: the emu device copies N MiB between two buffers nobody has touched, so
 * every source page (a read request) and every destination page (a write request)
 * faults, and svapoll's poll service on the worker lcore resolves them.
 *  - cold4k: anonymous memory in 4 KiB pages (MADV_NOHUGEPAGE). Compared, in the same
 *    run and on the same number of pages, with the kernel populating fresh pages
 *    (floor) and with a userfaultfd handler (uffd).
 *  - huge2m: the same copy between hugetlbfs buffers from libhugetlbfs
 *    (get_huge_pages): a request resolves a whole 2 MiB page.
 *
 * pages/s counts the 4 KiB pages copied (N MiB / 4 KiB over the job's wall time): each
 * of them cost the fault path two requests (source and destination). Latency is the
 * fault path's histogram: from the device writing a group's first request (the
 * timestamp it carries) to the poll lcore writing the group's response, per group; the
 * device's own mean wait (last request written to response seen) is reported beside it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <hugetlbfs.h>

#include <rte_cycles.h>

#include "perf_baselines.h"
#include "perf_sva.h"
#include "sva_perf.h"

/* The device the cold cases use: the emu defaults (PRG window 32 pages: 16 of the
 * source and 16 of the destination per group, 4 groups in flight) on a VT-d model with
 * a deep queue. The one-page-per-group runs keep one group in flight (pr_depth=1): each
 * group is then one fault, not one waiting behind others. */
#define COLD_IOMMU "model=vtd,prq_depth=4096"
#define COLD_DEV "prg_window=32"
#define COLD_ROUNDS 3

struct cold_result {
	double seconds;
	struct sva_iopf_stats st;
	struct sva_emu_counters k0, k1;
};

/* Copy len bytes from src to dst on a fresh emu iommu with one bond; poll service. */
static int
cold_copy(struct sva_perf_ctx *ctx, const char *dev_args, void *src, void *dst, size_t len,
		struct cold_result *out)
{
	struct sva_emu_desc d = { .op = SVA_EMU_OP_COPY, .flags = SVA_EMU_DESC_PASID_VALID,
		.src = (uintptr_t)src, .dst = (uintptr_t)dst, .len = len };
	struct sva_emu_comp c;
	struct perf_sva s;
	uint64_t t0, t1;
	int ret;

	ret = perf_sva_open(ctx, &s, COLD_IOMMU, dev_args, 1, NULL);
	if (ret != 0)
		return ret;
	ret = perf_sva_bind(&s, 1, NULL);   /* after the buffers: in the mappings snapshot */
	if (ret == 0)
		ret = perf_sva_poll_start(&s, PERF_POLL_SERVICE);
	if (ret != 0)
		goto out;
	d.pasid = sva_bond_pasid(s.bonds[0]);
	sva_stats_reset(s.iommu, NULL);
	sva_emu_counters_get(s.iommu, &out->k0);
	t0 = rte_rdtsc();
	ret = perf_sva_job(s.dev[0], &d, &c);
	t1 = rte_rdtsc();
	perf_sva_poll_stop(&s);
	if (ret == 0 && c.status != SVA_EMU_STATUS_SUCCESS) {
		fprintf(stderr, "sva-test-perf: copy ended with status %u at 0x%lx\n", c.status,
			(unsigned long)c.fault_addr);
		ret = -EIO;
	}
	if (ret == 0 && memcmp(src, dst, len) != 0)
		ret = -EIO;
	sva_emu_counters_get(s.iommu, &out->k1);
	sva_stats_get(s.iommu, NULL, &out->st);
	out->seconds = (double)(t1 - t0) / (double)rte_get_tsc_hz();
out:
	perf_sva_close(&s);
	return ret;
}

/* The fault path alone on len bytes of fresh memory: the emu device sends a write
 * request for every page (SVA_EMU_OP_PAGE_REQUEST: no walk, no copy, up to half the
 * queue in flight), so nothing but the service is serial. Returns pages/s. */
static int
cold_service(struct sva_perf_ctx *ctx, size_t len, double *pages_per_s)
{
	uint8_t *buf = perf_map_fresh(len);
	struct sva_emu_desc d = { .op = SVA_EMU_OP_PAGE_REQUEST,
		.flags = SVA_EMU_DESC_PASID_VALID, .dst = (uintptr_t)buf, .len = len };
	struct sva_emu_comp c;
	struct perf_sva s;
	uint64_t t0, t1;
	int ret;

	if (buf == NULL)
		return -ENOMEM;
	ret = perf_sva_open(ctx, &s, COLD_IOMMU, COLD_DEV, 1, NULL);
	if (ret != 0)
		goto out_buf;
	ret = perf_sva_bind(&s, 1, NULL);
	if (ret == 0)
		ret = perf_sva_poll_start(&s, PERF_POLL_SERVICE);
	if (ret != 0)
		goto out;
	d.pasid = sva_bond_pasid(s.bonds[0]);
	t0 = rte_rdtsc();
	ret = perf_sva_job(s.dev[0], &d, &c);
	t1 = rte_rdtsc();
	if (ret == 0 && c.status != SVA_EMU_STATUS_SUCCESS)
		ret = -EIO;
	*pages_per_s = (double)(len / 4096) * (double)rte_get_tsc_hz() / (double)(t1 - t0);
out:
	perf_sva_close(&s);
out_buf:
	munmap(buf, len);
	return ret;
}

static void
cold_metrics(struct sva_perf_ctx *ctx, const struct cold_result *r, size_t len, const char *lat)
{
	const struct sva_iopf_stats *st = &r->st;
	double sec = r->seconds;
	char name[48];

	sva_perf_metric(ctx, "pages_per_s", (double)(len / 4096) / sec, "pages/s");
	sva_perf_metric(ctx, "page_requests_per_s", (double)st->page_reqs / sec, "req/s");
	sva_perf_metric(ctx, "groups_per_s", (double)st->groups / sec, "groups/s");
	sva_perf_metric(ctx, "requests_per_group",
		st->groups ? (double)st->page_reqs / (double)st->groups : 0, "req");
	sva_perf_metric(ctx, "mean_batch",
		st->batches ? (double)st->batch_responses / (double)st->batches : 0, "groups");
	snprintf(name, sizeof(name), "%sp50_ns", lat);
	sva_perf_metric(ctx, name, (double)st->lat_p50_ns, "ns");
	snprintf(name, sizeof(name), "%sp99_ns", lat);
	sva_perf_metric(ctx, name, (double)st->lat_p99_ns, "ns");
	snprintf(name, sizeof(name), "%sp999_ns", lat);
	sva_perf_metric(ctx, name, (double)st->lat_p999_ns, "ns");
	snprintf(name, sizeof(name), "%smean_ns", lat);
	sva_perf_metric(ctx, name, perf_iopf_mean_ns(st), "ns");
	snprintf(name, sizeof(name), "%sdev_wait_mean_ns", lat);
	sva_perf_metric(ctx, name, perf_emu_wait_mean_ns(&r->k0, &r->k1), "ns");
}

static int
perf_cold4k(struct sva_perf_ctx *ctx)
{
	size_t pages = perf_cold_pages(ctx), len = pages * 4096;
	unsigned int rounds = sva_perf_quick(ctx) ? 1 : COLD_ROUNDS, med = 0;
	double fl[COLD_ROUNDS], sw[COLD_ROUNDS], cp[COLD_ROUNDS], sorted[COLD_ROUNDS];
	struct cold_result rr[COLD_ROUNDS], r;
	struct perf_latency uffd_lat;
	double floor_pps, same_pps, uffd_rate, pps, svc_pps;
	uint8_t *src = NULL, *dst = NULL;
	bool uffd_ok;
	int ret;

	/* uffd's per-fault latency for the ratio (the uffd case measures more pages) */
	ret = perf_baseline_uffd(RTE_MIN(pages / 4, (size_t)8192), &uffd_rate, &uffd_lat);
	if (ret != 0 && ret != -EPERM && ret != -ENOSYS)
		return ret;
	uffd_ok = ret == 0;
	/* the floor's warm-up run (discarded), as in the floor case */
	ret = perf_baseline_floor(pages, 0, &floor_pps);
	if (ret != 0)
		return ret;
	/* Rounds of (floor, copy) on the same number of pages, interleaved so that both
	 * see the same machine; the medians make the ratio. */
	for (unsigned int i = 0; i < rounds; i++) {
		ret = perf_baseline_floor(pages, 0, &fl[i]);
		if (ret == 0)
			ret = perf_baseline_same_work(pages, &sw[i]);
		if (ret != 0)
			return ret;
		src = perf_map_fresh(len);
		dst = perf_map_fresh(len);
		if (src == NULL || dst == NULL) {
			ret = -ENOMEM;
			goto out;
		}
		ret = cold_copy(ctx, COLD_DEV, src, dst, len, &rr[i]);
		if (ret != 0)
			goto out;
		if (rr[i].st.page_reqs != 2 * pages) {
			fprintf(stderr, "sva-test-perf: cold4k: %lu page requests for %zu pages "
				"copied (expected one per source and destination page)\n",
				(unsigned long)rr[i].st.page_reqs, pages);
			ret = -EIO;
			goto out;
		}
		munmap(src, len);
		munmap(dst, len);
		src = dst = NULL;
		cp[i] = (double)pages / rr[i].seconds;
		sva_perf_progress(ctx, 0.8 * (i + 1) / rounds);
	}
	memcpy(sorted, cp, sizeof(cp));
	pps = sva_perf_median(sorted, rounds);
	floor_pps = sva_perf_median(fl, rounds);
	same_pps = sva_perf_median(sw, rounds);
	for (unsigned int i = 0; i < rounds; i++)
		if (cp[i] == pps)
			med = i;   /* rounds is odd: the median is one of them */
	cold_metrics(ctx, &rr[med], len, "group_");
	sva_perf_metric(ctx, "floor_pages_per_s", floor_pps, "pages/s");
	/* information: two faults per copied page against a floor of one populate */
	sva_perf_metric(ctx, "cold4k_vs_floor", pps / floor_pps, "x");
	sva_perf_ratio(ctx, "cold4k_vs_floor", pps / floor_pps);
	/* like for like: the floor populates what the copy needs (source for read,
	 * destination for write) */
	sva_perf_metric(ctx, "same_work_pages_per_s", same_pps, "pages/s");
	sva_perf_metric(ctx, "cold4k_vs_same_work", pps / same_pps, "x");
	sva_perf_target(ctx, "cold4k_vs_same_work", SVA_PERF_AT_LEAST, 0.9);
	sva_perf_ratio(ctx, "cold4k_vs_same_work", pps / same_pps);

	/* What the fault path does when the device does not wait for it: the same number
	 * of fresh pages, requested with several groups in flight. */
	ret = cold_service(ctx, len, &svc_pps);
	if (ret != 0)
		goto out;
	sva_perf_metric(ctx, "service_pages_per_s", svc_pps, "pages/s");
	sva_perf_metric(ctx, "service_vs_floor", svc_pps / floor_pps, "x");

	/* Per-fault latency: the same copy on an eighth of the pages by a device that
	 * asks for one page per group, so each group is one fault. */
	len = RTE_MAX(len / 8, (size_t)(1u << 20));
	src = perf_map_fresh(len);
	dst = perf_map_fresh(len);
	if (src == NULL || dst == NULL) {
		ret = -ENOMEM;
		goto out;
	}
	ret = cold_copy(ctx, "prg_window=1,pr_depth=1", src, dst, len, &r);
	if (ret != 0)
		goto out;
	sva_perf_metric(ctx, "fault_p50_ns", (double)r.st.lat_p50_ns, "ns");
	sva_perf_metric(ctx, "fault_p99_ns", (double)r.st.lat_p99_ns, "ns");
	sva_perf_metric(ctx, "fault_p999_ns", (double)r.st.lat_p999_ns, "ns");
	sva_perf_metric(ctx, "fault_dev_wait_mean_ns", perf_emu_wait_mean_ns(&r.k0, &r.k1), "ns");
	sva_perf_target(ctx, "fault_p50_ns", SVA_PERF_AT_MOST, 3000);
	sva_perf_target(ctx, "fault_p99_ns", SVA_PERF_AT_MOST, 20000);
	if (uffd_ok && r.st.lat_p50_ns > 0) {
		double q = uffd_lat.p50_ns / (double)r.st.lat_p50_ns;

		sva_perf_metric(ctx, "uffd_fault_p50_ns", uffd_lat.p50_ns, "ns");
		/* information only (unlike things: see the latency case's
		 * uffd_best_over_sva_p50 for the like-for-like key) */
		sva_perf_metric(ctx, "uffd_over_cold4k_p50", q, "x");
		sva_perf_ratio(ctx, "uffd_over_cold4k_p50", q);
	}
out:
	if (src != NULL)
		munmap(src, len);
	if (dst != NULL)
		munmap(dst, len);
	return ret;
}

static long
hugepages_free(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[128];
	long n = -1;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "HugePages_Free: %ld", &n) == 1)
			break;
	fclose(f);
	return n;
}

static int
perf_huge2m(struct sva_perf_ctx *ctx)
{
	size_t len = (perf_cold_pages(ctx) * 4096) & ~(size_t)((2u << 20) - 1);
	long need = (long)(2 * len / (2u << 20)), have = hugepages_free();
	struct cold_result r;
	void *src, *dst;
	double mib = (double)len / (1u << 20);
	int ret;

	if (have < need)
		return sva_perf_skip(ctx, "needs %ld free 2 MiB hugepages, %ld free (./svapoll bench "
			"reserves them; or hugeadm --pool-pages-min 2MB:%ld)", need, have, need + 64);
	/* Write every huge page once first (discarded, like floor's warm-up run): the
	 * first write of a reserved huge page can cost far more than later ones (a VM's
	 * host backing it, for one), and that is not the fault path's cost. */
	src = get_huge_pages(2 * len, GHP_DEFAULT);
	if (src != NULL) {
		memset(src, 0, 2 * len);
		free_huge_pages(src);
	}
	src = get_huge_pages(len, GHP_DEFAULT);
	dst = src != NULL ? get_huge_pages(len, GHP_DEFAULT) : NULL;
	if (src == NULL || dst == NULL) {
		if (src != NULL)
			free_huge_pages(src);
		return sva_perf_skip(ctx, "get_huge_pages(%zu) failed: is hugetlbfs mounted? "
			"(hugeadm --create-global-mounts)", len);
	}
	ret = cold_copy(ctx, COLD_DEV, src, dst, len, &r);
	if (ret == 0) {
		cold_metrics(ctx, &r, len, "group_");
		sva_perf_metric(ctx, "huge_pages_populated", (double)r.st.pages_populated, "pages");
		sva_perf_metric(ctx, "requests_per_mib", (double)r.st.page_reqs / mib, "req/MiB");
		sva_perf_target(ctx, "requests_per_mib", SVA_PERF_AT_MOST, 1);
		sva_perf_rate(ctx, "huge2m_requests_per_mib", (double)r.st.page_reqs / mib,
			"req/MiB");
		sva_perf_target(ctx, "huge2m_requests_per_mib", SVA_PERF_AT_MOST, 1);
	}
	sva_perf_progress(ctx, 0.5);
	/* the same copy with a device asking one page per group: its first request for
	 * each huge page then covers the whole page */
	free_huge_pages(src);
	free_huge_pages(dst);
	src = get_huge_pages(len, GHP_DEFAULT);
	dst = src != NULL ? get_huge_pages(len, GHP_DEFAULT) : NULL;
	if (ret == 0 && src != NULL && dst != NULL) {
		ret = cold_copy(ctx, "prg_window=1,pr_depth=1", src, dst, len, &r);
		if (ret == 0)
			sva_perf_metric(ctx, "requests_per_mib_window1",
				(double)r.st.page_reqs / mib, "req/MiB");
	}
	if (src != NULL)
		free_huge_pages(src);
	if (dst != NULL)
		free_huge_pages(dst);
	return ret;
}

static struct sva_perf_case cold4k_case = {
	.name = "cold4k",
	.description = "the emu device copies N MiB between untouched 4 KiB-page buffers: "
		"every page faults (vs floor, uffd)",
	.run = perf_cold4k,
};
static struct sva_perf_case huge2m_case = {
	.name = "huge2m",
	.description = "the same copy between untouched hugetlbfs buffers (libhugetlbfs)",
	.run = perf_huge2m,
};

SVA_PERF_REGISTER(cold4k_case);
SVA_PERF_REGISTER(huge2m_case);
