/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Buffers allocated after sva_bind() (issue 14): the order applications use. The bind
 * took the mappings snapshot, so the fault path meets every page of such a buffer as
 * a maps miss: the first one is looked up with PROCMAP_QUERY and put in the overlay,
 * the others are judged by the overlay (sva_iopf.h, "Mappings newer than the
 * snapshot"). The emu device copies N MiB between two untouched buffers allocated
 * after the bind, and the same copy runs with buffers allocated before it (in the
 * snapshot), alternately, in the same process:
 *  - after_bind_4k: anonymous memory in 4 KiB pages (MADV_NOHUGEPAGE);
 *  - after_bind_thp: anonymous memory with MADV_HUGEPAGE, 2 MiB aligned (skipped
 *    when the THP mode is never);
 *  - after_bind_huge2m: hugetlbfs buffers from libhugetlbfs (skipped without free
 *    2 MiB hugepages).
 * Ratio after_bind_vs_before_per_page_<kind>: the median over 5 rounds of the time
 * per 4 KiB page copied with buffers allocated after the bind over the time with
 * buffers allocated before, the two copies of a round back to back (target at most
 * 1.10). huge2m also keeps one request per 2 MiB page and buffer:
 * after_bind_huge2m_requests_per_mib at most 1 (perf_smoke.py asserts it).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <hugetlbfs.h>

#include <rte_common.h>
#include <rte_cycles.h>

#include "perf_sva.h"
#include "sva_perf.h"

#define AB_IOMMU "model=vtd,prq_depth=4096"
#define AB_DEV "prg_window=32"
#define AB_ROUNDS 5
#define HPG (UINT64_C(2) << 20)

enum ab_kind { AB_4K, AB_THP, AB_HUGE2M };
static const char *const kind_name[] = { "4k", "thp", "huge2m" };

/* An untouched buffer of len bytes of the kind; NULL on failure. */
static void *
ab_alloc(enum ab_kind k, size_t len)
{
	uint8_t *p, *a;

	switch (k) {
	case AB_4K:
		return perf_map_fresh(len);
	case AB_THP:
		p = mmap(NULL, len + HPG, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (p == MAP_FAILED)
			return NULL;
		a = (uint8_t *)RTE_ALIGN_CEIL((uintptr_t)p, HPG);
		if (a != p)
			munmap(p, a - p);
		munmap(a + len, (p + len + HPG) - (a + len));
		if (madvise(a, len, MADV_HUGEPAGE) != 0) {
			munmap(a, len);
			return NULL;
		}
		return a;
	case AB_HUGE2M:
		return get_huge_pages(len, GHP_DEFAULT);
	}
	return NULL;
}

static void
ab_free(enum ab_kind k, void *p, size_t len)
{
	if (p == NULL)
		return;
	if (k == AB_HUGE2M)
		free_huge_pages(p);
	else
		munmap(p, len);
}

struct ab_run {
	double seconds;
	struct sva_iopf_stats st;
	struct sva_iopf_maps_stats ms;
};

/* One copy of len bytes on a fresh emu iommu with one bond, the buffers allocated
 * before the bind or after it. */
static int
ab_copy(struct sva_perf_ctx *ctx, enum ab_kind k, size_t len, bool after, struct ab_run *out)
{
	struct sva_emu_desc d = { .op = SVA_EMU_OP_COPY, .flags = SVA_EMU_DESC_PASID_VALID,
		.len = len };
	void *src = NULL, *dst = NULL;
	struct sva_emu_comp c;
	struct perf_sva s;
	uint64_t t0, t1;
	int ret;

	if (!after) {
		src = ab_alloc(k, len);
		dst = src != NULL ? ab_alloc(k, len) : NULL;
		if (dst == NULL) {
			ab_free(k, src, len);
			return -ENOMEM;
		}
	}
	ret = perf_sva_open(ctx, &s, AB_IOMMU, AB_DEV, 1, NULL);
	if (ret != 0)
		goto out_buf;
	ret = perf_sva_bind(&s, 1, NULL); /* takes the snapshot */
	if (ret != 0)
		goto out;
	if (after) {
		src = ab_alloc(k, len);
		dst = src != NULL ? ab_alloc(k, len) : NULL;
		if (dst == NULL) {
			ret = -ENOMEM;
			goto out;
		}
	}
	ret = perf_sva_poll_start(&s, PERF_POLL_SERVICE);
	if (ret != 0)
		goto out;
	d.pasid = sva_bond_pasid(s.bonds[0]);
	d.src = (uintptr_t)src;
	d.dst = (uintptr_t)dst;
	sva_stats_reset(s.iommu, NULL);
	t0 = rte_rdtsc();
	ret = perf_sva_job(s.dev[0], &d, &c);
	t1 = rte_rdtsc();
	perf_sva_poll_stop(&s);
	if (ret == 0 && c.status != SVA_EMU_STATUS_SUCCESS) {
		fprintf(stderr, "sva-test-perf: copy (%s, %s bind) ended with status %u at 0x%lx\n",
			kind_name[k], after ? "after" : "before", c.status,
			(unsigned long)c.fault_addr);
		ret = -EIO;
	}
	if (ret == 0 && memcmp(src, dst, len) != 0)
		ret = -EIO;
	sva_stats_get(s.iommu, NULL, &out->st);
	sva_iopf_maps_stats_get(sva_iopf_get(s.iommu), &out->ms);
	out->seconds = (double)(t1 - t0) / (double)rte_get_tsc_hz();
out:
	perf_sva_close(&s);
out_buf:
	ab_free(k, src, len);
	ab_free(k, dst, len);
	return ret;
}

static bool
thp_never(void)
{
	char buf[128] = "";
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");

	if (f == NULL)
		return true;
	if (fgets(buf, sizeof(buf), f) == NULL)
		buf[0] = '\0';
	fclose(f);
	return strstr(buf, "[never]") != NULL || buf[0] == '\0';
}

static long
free_hugepages(void)
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
ab_case(struct sva_perf_ctx *ctx, enum ab_kind k)
{
	size_t len = (sva_perf_quick(ctx) ? 8 : 64) << 20;
	unsigned int rounds = sva_perf_quick(ctx) ? 1 : AB_ROUNDS;
	double before[AB_ROUNDS], after[AB_ROUNDS], pair[AB_ROUNDS], pages = (double)(len / 4096);
	double mib = (double)len / (1u << 20), ratio;
	struct ab_run r[2];
	char name[64];
	int ret = 0;

	if (k == AB_THP && thp_never())
		return sva_perf_skip(ctx, "THP mode never (/sys/kernel/mm/transparent_hugepage/"
			"enabled): no THP buffer to compare");
	if (k == AB_HUGE2M) {
		long need = (long)(2 * len / HPG), have = free_hugepages();
		void *w;

		if (have < need)
			return sva_perf_skip(ctx, "needs %ld free 2 MiB hugepages, %ld free "
				"(./svapoll bench reserves them; or hugeadm --pool-pages-min "
				"2MB:%ld)", need, have, need + 64);
		/* the first write of a reserved huge page can cost far more than later ones
		 * (a VM's host backing it): write them once, as huge2m does */
		w = get_huge_pages(2 * len, GHP_DEFAULT);
		if (w == NULL)
			return sva_perf_skip(ctx, "get_huge_pages(%zu) failed: is hugetlbfs "
				"mounted? (hugeadm --create-global-mounts)", 2 * len);
		memset(w, 0, 2 * len);
		free_huge_pages(w);
	}
	/* a discarded first copy: the process's first populate is slower */
	ret = ab_copy(ctx, k, len, false, &r[0]);
	for (unsigned int i = 0; i < rounds && ret == 0; i++) {
		/* alternate which comes first, so drift in the machine hits both alike */
		bool first_after = i % 2 == 1;

		ret = ab_copy(ctx, k, len, first_after, &r[first_after]);
		if (ret == 0)
			ret = ab_copy(ctx, k, len, !first_after, &r[!first_after]);
		if (ret != 0)
			break;
		before[i] = r[0].seconds / pages;
		after[i] = r[1].seconds / pages;
		pair[i] = after[i] / before[i]; /* back to back: the machine's drift cancels */
		sva_perf_progress(ctx, (double)(i + 1) / rounds);
	}
	if (ret != 0)
		return ret;
	sva_perf_metric(ctx, "before_ns_per_page", sva_perf_median(before, rounds) * 1e9, "ns");
	sva_perf_metric(ctx, "after_ns_per_page", sva_perf_median(after, rounds) * 1e9, "ns");
	sva_perf_metric(ctx, "after_pages_per_s", pages / r[1].seconds, "pages/s");
	sva_perf_metric(ctx, "after_maps_misses", (double)r[1].st.maps_misses, "pages");
	sva_perf_metric(ctx, "after_lookups", (double)r[1].ms.lookups, "ioctls");
	sva_perf_metric(ctx, "after_overlay_hits", (double)r[1].ms.overlay_hits, "pages");
	sva_perf_metric(ctx, "before_maps_misses", (double)r[0].st.maps_misses, "pages");
	sva_perf_metric(ctx, "after_bytes_per_populate", r[1].st.pages_populated ?
		(double)r[1].st.bytes_populated / (double)r[1].st.pages_populated : 0, "B");
	sva_perf_metric(ctx, "before_bytes_per_populate", r[0].st.pages_populated ?
		(double)r[0].st.bytes_populated / (double)r[0].st.pages_populated : 0, "B");
	ratio = sva_perf_median(pair, rounds);
	snprintf(name, sizeof(name), "after_bind_vs_before_per_page_%s", kind_name[k]);
	sva_perf_metric(ctx, name, ratio, "x");
	sva_perf_target(ctx, name, SVA_PERF_AT_MOST, 1.10);
	sva_perf_ratio(ctx, name, ratio);
	if (k == AB_HUGE2M) {
		sva_perf_metric(ctx, "requests_per_mib", (double)r[1].st.page_reqs / mib,
			"req/MiB");
		sva_perf_target(ctx, "requests_per_mib", SVA_PERF_AT_MOST, 1);
		sva_perf_rate(ctx, "after_bind_huge2m_requests_per_mib",
			(double)r[1].st.page_reqs / mib, "req/MiB");
		sva_perf_target(ctx, "after_bind_huge2m_requests_per_mib", SVA_PERF_AT_MOST, 1);
	}
	return 0;
}

static int
perf_after_bind_4k(struct sva_perf_ctx *ctx)
{
	return ab_case(ctx, AB_4K);
}

static int
perf_after_bind_thp(struct sva_perf_ctx *ctx)
{
	return ab_case(ctx, AB_THP);
}

static int
perf_after_bind_huge2m(struct sva_perf_ctx *ctx)
{
	return ab_case(ctx, AB_HUGE2M);
}

static struct sva_perf_case after_bind_4k_case = {
	.name = "after_bind_4k",
	.description = "cold copy, 4 KiB-page buffers allocated after sva_bind() vs before",
	.run = perf_after_bind_4k,
};
static struct sva_perf_case after_bind_thp_case = {
	.name = "after_bind_thp",
	.description = "cold copy, THP (MADV_HUGEPAGE) buffers allocated after sva_bind() vs "
		"before",
	.run = perf_after_bind_thp,
};
static struct sva_perf_case after_bind_huge2m_case = {
	.name = "after_bind_huge2m",
	.description = "cold copy, hugetlbfs buffers allocated after sva_bind() vs before",
	.run = perf_after_bind_huge2m,
};

SVA_PERF_REGISTER(after_bind_4k_case);
SVA_PERF_REGISTER(after_bind_thp_case);
SVA_PERF_REGISTER(after_bind_huge2m_case);
