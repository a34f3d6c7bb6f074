/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * prefetch: adaptive fault-around (SVA_BIND_FA_ADAPTIVE, issue 15 item 6) against no
 * fault-around (window 0, svapoll's default), same device and buffers as cold4k's copy
 * (emu VT-d, prg_window=32, poll service), fresh buffers every run.
 *  - sequential: the emu device copies PF_LEN between two untouched MADV_NOHUGEPAGE
 *    buffers, 3 interleaved rounds of each; prefetch_seq_speedup = the adaptive copy's
 *    pages/s over window 0's (medians);
 *  - random: the device fills PF_RANDOM_JOBS single 4 KiB pages at random (a fixed
 *    seed) of a fresh PF_LEN buffer with the adaptive bond; prefetch_random_waste =
 *    pages populated that no request asked for (fault-around pages) over the pages
 *    requested and populated.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <rte_cycles.h>

#include "perf_sva.h"
#include "sva_perf.h"

#define PF_IOMMU "model=vtd,prq_depth=4096"
#define PF_DEV "prg_window=32"
#define PF_LEN (64u << 20)
#define PF_LEN_QUICK (4u << 20)
#define PF_ROUNDS 3
#define PF_RANDOM_JOBS 4000u

struct pf_run {
	double pages_per_s;
	struct sva_iopf_stats st;
};

/* One copy of len bytes between fresh buffers, on a fresh emu iommu whose bond has the
 * bind flags given. */
static int
pf_copy(struct sva_perf_ctx *ctx, uint32_t flags, size_t len, struct pf_run *r)
{
	uint8_t *src = perf_map_fresh(len), *dst = perf_map_fresh(len);
	struct sva_bind_params p = { .flags = flags };
	struct sva_emu_desc d = { .op = SVA_EMU_OP_COPY, .flags = SVA_EMU_DESC_PASID_VALID,
		.len = len };
	struct sva_emu_comp c;
	struct perf_sva s;
	uint64_t t0, t1;
	int ret;

	if (src == NULL || dst == NULL) {
		ret = -ENOMEM;
		goto out_mem;
	}
	d.src = (uintptr_t)src;
	d.dst = (uintptr_t)dst;
	ret = perf_sva_open(ctx, &s, PF_IOMMU, PF_DEV, 1, NULL);
	if (ret != 0)
		goto out_mem;
	ret = perf_sva_bind(&s, 1, &p);
	if (ret == 0)
		ret = perf_sva_poll_start(&s, PERF_POLL_SERVICE);
	if (ret != 0)
		goto out;
	d.pasid = sva_bond_pasid(s.bonds[0]);
	t0 = rte_rdtsc();
	ret = perf_sva_job(s.dev[0], &d, &c);
	t1 = rte_rdtsc();
	perf_sva_poll_stop(&s);
	if (ret == 0 && c.status != SVA_EMU_STATUS_SUCCESS)
		ret = -EIO;
	if (ret == 0 && memcmp(src, dst, len) != 0)
		ret = -EIO;
	sva_stats_get(NULL, s.bonds[0], &r->st);
	r->pages_per_s = (double)(len / 4096) * (double)rte_get_tsc_hz() / (double)(t1 - t0);
out:
	perf_sva_close(&s);
out_mem:
	if (src != NULL)
		munmap(src, len);
	if (dst != NULL)
		munmap(dst, len);
	return ret;
}

/* njobs fills of one 4 KiB page at random pages of a fresh len buffer, adaptive bond. */
static int
pf_random(struct sva_perf_ctx *ctx, size_t len, unsigned int njobs, struct sva_iopf_stats *st)
{
	uint8_t *buf = perf_map_fresh(len);
	struct sva_bind_params p = { .flags = SVA_BIND_FA_ADAPTIVE };
	struct sva_emu_desc d = { .op = SVA_EMU_OP_FILL, .flags = SVA_EMU_DESC_PASID_VALID,
		.len = 4096 };
	struct sva_emu_comp c;
	struct perf_sva s;
	uint32_t x = 2024;
	int ret;

	if (buf == NULL)
		return -ENOMEM;
	ret = perf_sva_open(ctx, &s, PF_IOMMU, PF_DEV, 1, NULL);
	if (ret != 0)
		goto out_buf;
	ret = perf_sva_bind(&s, 1, &p);
	if (ret == 0)
		ret = perf_sva_poll_start(&s, PERF_POLL_SERVICE);
	if (ret != 0)
		goto out;
	d.pasid = sva_bond_pasid(s.bonds[0]);
	d.pattern = UINT64_C(0x5a5a5a5a5a5a5a5a);
	for (unsigned int i = 0; i < njobs && ret == 0; i++) {
		x = x * 1103515245u + 12345u;
		d.dst = (uintptr_t)buf + (size_t)((x >> 4) % (len / 4096)) * 4096;
		ret = perf_sva_job(s.dev[0], &d, &c);
		if (ret == 0 && c.status != SVA_EMU_STATUS_SUCCESS)
			ret = -EIO;
	}
	perf_sva_poll_stop(&s);
	if (ret == 0)
		ret = sva_stats_get(NULL, s.bonds[0], st);
out:
	perf_sva_close(&s);
out_buf:
	munmap(buf, len);
	return ret;
}

static int
perf_prefetch(struct sva_perf_ctx *ctx)
{
	bool quick = sva_perf_quick(ctx);
	size_t len = quick ? PF_LEN_QUICK : PF_LEN;
	unsigned int rounds = quick ? 1 : PF_ROUNDS;
	double ad[PF_ROUNDS], w0[PF_ROUNDS], ad_med, w0_med, waste;
	struct pf_run ra[PF_ROUNDS], rw[PF_ROUNDS];
	struct sva_iopf_stats rs;
	uint64_t fa_pages = 0, demand = 0;
	int ret = 0;

	for (unsigned int i = 0; i < rounds && ret == 0; i++) {
		ret = pf_copy(ctx, SVA_BIND_FA_ADAPTIVE, len, &ra[i]);
		if (ret == 0)
			ret = pf_copy(ctx, 0, len, &rw[i]);
		ad[i] = ra[i].pages_per_s;
		w0[i] = rw[i].pages_per_s;
		fa_pages += ra[i].st.fault_around_pages;
		demand += ra[i].st.pages_populated;
		sva_perf_progress(ctx, 0.8 * (i + 1) / rounds);
	}
	if (ret != 0)
		return ret;
	ret = pf_random(ctx, len, quick ? 200 : PF_RANDOM_JOBS, &rs);
	if (ret != 0)
		return ret;
	ad_med = sva_perf_median(ad, rounds);
	w0_med = sva_perf_median(w0, rounds);
	sva_perf_metric(ctx, "seq_pages_per_s_adaptive", ad_med, "pages/s");
	sva_perf_metric(ctx, "seq_pages_per_s_window0", w0_med, "pages/s");
	sva_perf_metric(ctx, "seq_requests_per_mib_adaptive", (double)ra[0].st.page_reqs /
		((double)len / (1 << 20)), "req/MiB");
	sva_perf_metric(ctx, "seq_requests_per_mib_window0", (double)rw[0].st.page_reqs /
		((double)len / (1 << 20)), "req/MiB");
	sva_perf_metric(ctx, "seq_fault_around_share", demand + fa_pages ?
		(double)fa_pages / (double)(demand + fa_pages) : 0, "fraction");
	sva_perf_metric(ctx, "prefetch_seq_speedup", w0_med > 0 ? ad_med / w0_med : 0, "x");
	sva_perf_target(ctx, "prefetch_seq_speedup", SVA_PERF_AT_LEAST, 1.5);
	sva_perf_ratio(ctx, "prefetch_seq_speedup", w0_med > 0 ? ad_med / w0_med : 0);
	waste = rs.pages_populated ? (double)rs.fault_around_pages /
		(double)rs.pages_populated : 0;
	sva_perf_metric(ctx, "random_pages_requested", (double)rs.pages_populated, "pages");
	sva_perf_metric(ctx, "random_fault_around_pages", (double)rs.fault_around_pages, "pages");
	sva_perf_metric(ctx, "prefetch_random_waste", waste, "x");
	sva_perf_target(ctx, "prefetch_random_waste", SVA_PERF_AT_MOST, 0.1);
	sva_perf_ratio(ctx, "prefetch_random_waste", waste);
	return 0;
}

static struct sva_perf_case prefetch_case = {
	.name = "prefetch",
	.description = "adaptive fault-around vs window 0: sequential copy speed, random waste",
	.run = perf_prefetch,
};

SVA_PERF_REGISTER(prefetch_case);
