/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pinned: svapoll against pinned registration, the anchor users compare SVA with (what
 * DPDK and SPDK applications do today: make the buffers resident and mapped up front,
 * then DMA with no faults). On emu, svapoll's own pinned mode is that registration: a
 * SVA_BIND_PINNED bond and sva_bond_pin() (MADV_POPULATE_* + mlock). Same emu device
 * and device settings as cold4k's copy (prg_window=32, 4 groups in flight), fresh
 * buffers for every run; binding is left out of both (both bind the same way).
 *  - first copy: the source holds data the CPU wrote (as an application's would: an
 *    untouched source would be the one zero page, which no pinned registration has),
 *    the destination is untouched. svapoll's copy (every destination page faults)
 *    against registration (source pinned read-only, destination writable) plus the
 *    same copy; sva_first_vs_pinned_first = the pinned time over svapoll's (pages per
 *    second of svapoll over those of pinned: >= 1 is svapoll faster).
 *  - steady: the second copy on the same buffers (nothing faults, nothing to pin).
 *  - sparse: the device fills 5% of a SPARSE_LEN buffer (every 20th 64 KiB chunk):
 *    svapoll faults in what it touches, pinned registers the whole buffer first. Time
 *    and resident memory (VmRSS and VmLck deltas from /proc/self/status) of each.
 * Rounds of first + steady interleave (svapoll, pinned), medians reported.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_cycles.h>

#include "perf_sva.h"
#include "sva_perf.h"

#define PIN_IOMMU "model=vtd,prq_depth=4096"
#define PIN_DEV "prg_window=32,wq_depth=1024"
#define PIN_LEN (64u << 20)
#define PIN_LEN_QUICK (4u << 20)
#define PIN_ROUNDS 3
#define SPARSE_LEN (1ull << 30)
#define SPARSE_LEN_QUICK (64u << 20)
#define SPARSE_CHUNK (64u << 10)
#define SPARSE_STRIDE 20u            /* one chunk in 20: 5% */

/* VmRSS or VmLck of this process, KiB */
static long
status_kib(const char *key)
{
	FILE *f = fopen("/proc/self/status", "r");
	size_t klen = strlen(key);
	char line[256];
	long v = -1;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
			v = strtol(line + klen + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

static double
secs(uint64_t c)
{
	return (double)c / (double)rte_get_tsc_hz();
}

static int
copy_job(struct perf_sva *s, void *src, void *dst, size_t len)
{
	struct sva_emu_desc d = { .op = SVA_EMU_OP_COPY, .flags = SVA_EMU_DESC_PASID_VALID,
		.pasid = sva_bond_pasid(s->bonds[0]), .src = (uintptr_t)src,
		.dst = (uintptr_t)dst, .len = len };
	struct sva_emu_comp c;
	int ret = perf_sva_job(s->dev[0], &d, &c);

	if (ret == 0 && c.status != SVA_EMU_STATUS_SUCCESS) {
		fprintf(stderr, "sva-test-perf: pinned: copy ended with status %u at 0x%lx\n",
			c.status, (unsigned long)c.fault_addr);
		ret = -EIO;
	}
	return ret;
}

/* One emu iommu, one bond (pinned or PRI), poll service running. */
static int
open_bond(struct sva_perf_ctx *ctx, struct perf_sva *s, bool pinned)
{
	struct sva_bind_params p = { .flags = pinned ? SVA_BIND_PINNED : 0 };
	int ret = perf_sva_open(ctx, s, PIN_IOMMU, PIN_DEV, 1, NULL);

	if (ret != 0)
		return ret;
	ret = perf_sva_bind(s, 1, &p);
	if (ret == 0)
		ret = perf_sva_poll_start(s, PERF_POLL_SERVICE);
	if (ret != 0)
		perf_sva_close(s);
	return ret;
}

struct two_copies {
	double first_s, steady_s, register_s;
	uint64_t page_reqs;
	uint64_t steady_page_reqs;  /* page requests of the second copy (0 expected) */
};

/* The first and the second copy of len bytes between fresh buffers; pinned: the
 * registration of both buffers first, counted in the first. */
static int
two_copies(struct sva_perf_ctx *ctx, bool pinned, size_t len, struct two_copies *out)
{
	uint8_t *src = perf_map_fresh(len), *dst = perf_map_fresh(len);
	struct sva_iopf_stats st;
	struct perf_sva s;
	uint64_t t0, t1, t2, t3;
	int ret;

	if (src == NULL || dst == NULL) {
		ret = -ENOMEM;
		goto out_mem;
	}
	for (size_t i = 0; i < len / sizeof(uint64_t); i++)
		((uint64_t *)src)[i] = i * 0x9e3779b97f4a7c15ull;
	ret = open_bond(ctx, &s, pinned);
	if (ret != 0)
		goto out_mem;
	sva_stats_reset(s.iommu, NULL);
	t0 = rte_rdtsc();
	if (pinned) {
		ret = sva_bond_pin(s.bonds[0], src, len, SVA_BOND_PIN_READ_ONLY);
		if (ret == 0)
			ret = sva_bond_pin(s.bonds[0], dst, len, 0);
	}
	t1 = rte_rdtsc();
	if (ret == 0)
		ret = copy_job(&s, src, dst, len);
	t2 = rte_rdtsc();
	if (ret == 0 && sva_stats_get(s.iommu, NULL, &st) == 0)
		out->steady_page_reqs = st.page_reqs;
	if (ret == 0)
		ret = copy_job(&s, src, dst, len);
	t3 = rte_rdtsc();
	if (ret == 0 && memcmp(src, dst, len) != 0)
		ret = -EIO;
	if (ret == 0 && sva_stats_get(s.iommu, NULL, &st) == 0) {
		out->steady_page_reqs = st.page_reqs - out->steady_page_reqs;
		out->page_reqs = st.page_reqs;
	}
	out->register_s = secs(t1 - t0);
	out->first_s = secs(t2 - t0);
	out->steady_s = secs(t3 - t2);
	perf_sva_close(&s);   /* unbind unpins */
out_mem:
	if (src != NULL)
		munmap(src, len);
	if (dst != NULL)
		munmap(dst, len);
	return ret;
}

struct sparse {
	double seconds;
	long rss_kib, lck_kib;
	uint64_t page_reqs;
};

/* The device fills every SPARSE_STRIDE-th chunk of a fresh len-byte buffer. */
static int
sparse_run(struct sva_perf_ctx *ctx, bool pinned, size_t len, struct sparse *out)
{
	size_t nchunks = len / SPARSE_CHUNK, njobs = (nchunks + SPARSE_STRIDE - 1) / SPARSE_STRIDE;
	uint8_t *buf = perf_map_fresh(len);
	struct sva_emu_comp *c = calloc(njobs, sizeof(*c));
	struct sva_iopf_stats st;
	long rss0, lck0;
	struct perf_sva s;
	uint64_t t0, t1;
	int ret;

	if (buf == NULL || c == NULL) {
		ret = -ENOMEM;
		goto out_mem;
	}
	ret = open_bond(ctx, &s, pinned);
	if (ret != 0)
		goto out_mem;
	sva_stats_reset(s.iommu, NULL);
	rss0 = status_kib("VmRSS");
	lck0 = status_kib("VmLck");
	t0 = rte_rdtsc();
	if (pinned)
		ret = sva_bond_pin(s.bonds[0], buf, len, 0);
	/* every job queued at once (wq_depth 1024): the device runs them back to back */
	for (size_t j = 0; j < njobs && ret == 0; j++) {
		struct sva_emu_desc d = { .op = SVA_EMU_OP_FILL,
			.flags = SVA_EMU_DESC_PASID_VALID, .pasid = sva_bond_pasid(s.bonds[0]),
			.dst = (uintptr_t)buf + j * SPARSE_STRIDE * SPARSE_CHUNK,
			.len = SPARSE_CHUNK, .pattern = j + 1 };

		for (unsigned int tries = 0; (ret = sva_emu_submit(s.dev[0], &d, &c[j])) == -EAGAIN &&
				tries < 1000000; tries++)
			usleep(10);
	}
	for (size_t j = 0; j < njobs && ret == 0; j++) {
		ret = sva_emu_wait(s.dev[0], &c[j], PERF_SVA_WAIT_US);
		if (ret == 0 && c[j].status != SVA_EMU_STATUS_SUCCESS)
			ret = -EIO;
	}
	t1 = rte_rdtsc();
	out->rss_kib = status_kib("VmRSS") - rss0;
	out->lck_kib = status_kib("VmLck") - lck0;
	out->seconds = secs(t1 - t0);
	if (ret == 0 && sva_stats_get(s.iommu, NULL, &st) == 0)
		out->page_reqs = st.page_reqs;
	perf_sva_close(&s);
out_mem:
	free(c);
	if (buf != NULL)
		munmap(buf, len);
	return ret;
}

static int
perf_pinned(struct sva_perf_ctx *ctx)
{
	bool quick = sva_perf_quick(ctx);
	size_t len = quick ? PIN_LEN_QUICK : PIN_LEN;
	size_t slen = quick ? SPARSE_LEN_QUICK : SPARSE_LEN;
	unsigned int rounds = quick ? 1 : PIN_ROUNDS;
	double sf[PIN_ROUNDS], ss[PIN_ROUNDS], pf[PIN_ROUNDS], ps[PIN_ROUNDS], pr[PIN_ROUNDS];
	uint64_t steady_reqs = 0;
	double sva_first, sva_steady, pin_first, pin_steady, pin_reg, pages = (double)(len / 4096);
	struct sparse sp_sva, sp_pin;
	int ret = 0;

	for (unsigned int i = 0; i < rounds; i++) {
		struct two_copies a = { 0 }, b = { 0 };

		ret = two_copies(ctx, false, len, &a);
		if (ret == 0)
			ret = two_copies(ctx, true, len, &b);
		if (ret == -EPERM || ret == -ENOMEM)
			return sva_perf_skip(ctx, "pinning %zu MiB failed (%s): RLIMIT_MEMLOCK? "
				"(ulimit -l unlimited, or CAP_IPC_LOCK)", 2 * len >> 20,
				strerror(-ret));
		if (ret != 0)
			return ret;
		if (b.page_reqs != 0) {
			fprintf(stderr, "sva-test-perf: pinned: %lu page requests on a pinned bond\n",
				(unsigned long)b.page_reqs);
			return -EIO;
		}
		steady_reqs += a.steady_page_reqs;
		sf[i] = a.first_s;
		ss[i] = a.steady_s;
		pf[i] = b.first_s;
		ps[i] = b.steady_s;
		pr[i] = b.register_s;
		sva_perf_progress(ctx, 0.5 * (i + 1) / rounds);
	}
	sva_first = sva_perf_median(sf, rounds);
	sva_steady = sva_perf_median(ss, rounds);
	pin_first = sva_perf_median(pf, rounds);
	pin_steady = sva_perf_median(ps, rounds);
	pin_reg = sva_perf_median(pr, rounds);
	sva_perf_metric(ctx, "sva_first_pages_per_s", pages / sva_first, "pages/s");
	sva_perf_metric(ctx, "pinned_first_pages_per_s", pages / pin_first, "pages/s");
	sva_perf_metric(ctx, "pinned_register_ms", pin_reg * 1e3, "ms");
	sva_perf_metric(ctx, "sva_steady_pages_per_s", pages / sva_steady, "pages/s");
	sva_perf_metric(ctx, "pinned_steady_pages_per_s", pages / pin_steady, "pages/s");
	sva_perf_metric(ctx, "sva_steady_page_requests", (double)steady_reqs, "req");
	sva_perf_metric(ctx, "sva_first_vs_pinned_first", pin_first / sva_first, "x");
	sva_perf_target(ctx, "sva_first_vs_pinned_first", SVA_PERF_AT_LEAST, 0.9);
	sva_perf_ratio(ctx, "sva_first_vs_pinned_first", pin_first / sva_first);
	sva_perf_metric(ctx, "sva_steady_vs_pinned_steady", pin_steady / sva_steady, "x");
	sva_perf_target(ctx, "sva_steady_vs_pinned_steady", SVA_PERF_AT_LEAST, 0.98);
	sva_perf_ratio(ctx, "sva_steady_vs_pinned_steady", pin_steady / sva_steady);

	/* sparse: svapoll first, then pinned (one round each: the pinned run locks
	 * the whole buffer) */
	ret = sparse_run(ctx, false, slen, &sp_sva);
	if (ret == 0)
		ret = sparse_run(ctx, true, slen, &sp_pin);
	if (ret == -EPERM || ret == -ENOMEM)
		return sva_perf_skip(ctx, "pinning %zu MiB failed (%s): RLIMIT_MEMLOCK? "
			"(ulimit -l unlimited, or CAP_IPC_LOCK)", slen >> 20, strerror(-ret));
	if (ret != 0)
		return ret;
	sva_perf_progress(ctx, 1.0);
	sva_perf_metric(ctx, "sparse_buffer_mib", (double)(slen >> 20), "MiB");
	sva_perf_metric(ctx, "sparse_sva_ms", sp_sva.seconds * 1e3, "ms");
	sva_perf_metric(ctx, "sparse_pinned_ms", sp_pin.seconds * 1e3, "ms");
	sva_perf_metric(ctx, "sparse_sva_rss_mib", (double)sp_sva.rss_kib / 1024, "MiB");
	sva_perf_metric(ctx, "sparse_pinned_rss_mib", (double)sp_pin.rss_kib / 1024, "MiB");
	sva_perf_metric(ctx, "sparse_sva_locked_mib", (double)sp_sva.lck_kib / 1024, "MiB");
	sva_perf_metric(ctx, "sparse_pinned_locked_mib", (double)sp_pin.lck_kib / 1024, "MiB");
	sva_perf_metric(ctx, "sparse_sva_page_requests", (double)sp_sva.page_reqs, "req");
	if (sp_sva.seconds > 0) {
		double q = sp_pin.seconds / sp_sva.seconds;

		sva_perf_metric(ctx, "sparse_time_pinned_over_sva", q, "x");
		sva_perf_target(ctx, "sparse_time_pinned_over_sva", SVA_PERF_AT_LEAST, 5);
		sva_perf_ratio(ctx, "sparse_time_pinned_over_sva", q);
	}
	if (sp_sva.rss_kib > 0) {
		double q = (double)sp_pin.rss_kib / (double)sp_sva.rss_kib;

		sva_perf_metric(ctx, "sparse_rss_pinned_over_sva", q, "x");
		sva_perf_target(ctx, "sparse_rss_pinned_over_sva", SVA_PERF_AT_LEAST, 5);
		sva_perf_ratio(ctx, "sparse_rss_pinned_over_sva", q);
	}
	return 0;
}

static struct sva_perf_case pinned_case = {
	.name = "pinned",
	.description = "svapoll vs pinned registration (populate + mlock): first and steady "
		"copy, and a device touching 5% of a 1 GiB buffer (time, resident memory)",
	.run = perf_pinned,
};

SVA_PERF_REGISTER(pinned_case);
