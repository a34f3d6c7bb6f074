/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * iopf_prefetch_autotest: adaptive fault-around (issue 15 item 6) and the time-based
 * fairness budget with read-ahead (item 5), on the syn driver, deterministic (no
 * timing in any assertion):
 *  - a device walking a sequential stream (asking only for missing pages) grows the
 *    window 16, 32, ... up to the bound (fault_around_after, 0: 512 pages), with the
 *    tripwire page left out halfway: the exact pages asked and prefetched, worked by
 *    hand from the rule;
 *  - random access (a shuffle of pages 128 KiB apart) populates nothing it did not ask;
 *  - a random access halves a grown window; the stream then doubles it again;
 *  - a copy (a read stream and a write stream in every burst) grows both;
 *  - without the flag nothing is prefetched;
 *  - fairness: a request of a quiet bond queued behind 40 groups of a bond whose pages
 *    cost more than its time share is answered in the first burst (read-ahead), and
 *    after the whole backlog without the time budget.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include <rte_common.h>

#include <sva_iopf.h>

#include "sva_test.h"
#include "test_pagemap.h"
#include "test_iopf_syn.h"

/* lib/iopf private (iopf_pvt.h) */
uint32_t iopf_prefetch_window_max(const struct sva_iopf_bond *b);

#define PG 4096ul
#define PASID 9
#define QUIET 10
#define RID 0x10
#define RD SVA_FAULT_PERM_READ
#define RW (SVA_FAULT_PERM_READ | SVA_FAULT_PERM_WRITE)
#define MAP_LEN (32ul << 20)

static struct {
	struct sva_iommu *iommu;
	struct sva_dev *dev;
	struct sva_iopf *iopf;
	struct sva_iopf_bond *bond;
	uint8_t *map;
	uint32_t grp;
} T;

static unsigned int iommu_counter;

static int
setup_with(uint32_t flags, uint16_t after, uint32_t bond_burst_us)
{
	struct sva_iopf_bond_conf bc = { .flags = flags, .fault_around_after = after };
	struct sva_iopf_conf c;
	char name[32];

	memset(&T, 0, sizeof(T));
	snprintf(name, sizeof(name), "iopfpf%u", iommu_counter++);
	T.iommu = syn_create(name);
	TEST_ASSERT_NOT_NULL(T.iommu, "syn iommu");
	T.dev = sva_dev_open(T.iommu, "rid=0x10");
	TEST_ASSERT_NOT_NULL(T.dev, "dev");
	sva_iopf_conf_default(&c);
	c.bond_burst_us = bond_burst_us;
	T.iopf = sva_iopf_create(T.iommu, &c);
	TEST_ASSERT_NOT_NULL(T.iopf, "iopf");
	T.bond = sva_iopf_bond_add(T.iopf, T.dev, PASID, &bc);
	TEST_ASSERT_NOT_NULL(T.bond, "bond");
	T.map = mmap(NULL, MAP_LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(T.map != MAP_FAILED, "map");
	TEST_ASSERT_SUCCESS(madvise(T.map, MAP_LEN, MADV_NOHUGEPAGE), "4 KiB pages");
	TEST_ASSERT_SUCCESS(sva_iopf_maps_refresh(), "maps");
	return TEST_SUCCESS;
}

static int
setup_adaptive(void)
{
	return setup_with(SVA_IOPF_BOND_FA_ADAPTIVE, 0, 0);
}

static int
setup_adaptive_64(void)
{
	return setup_with(SVA_IOPF_BOND_FA_ADAPTIVE, 64, 0);
}

static int
setup_fixed(void)
{
	return setup_with(0, 0, 0);
}

static void
teardown(void)
{
	sva_iopf_bond_remove(T.bond);
	if (T.iopf != NULL && sva_iopf_destroy(T.iopf) != 0)
		printf("    teardown: iopf destroy failed\n");
	sva_dev_close(T.dev);
	sva_iommu_destroy(T.iommu);
	if (T.map != NULL && T.map != MAP_FAILED)
		munmap(T.map, MAP_LEN);
	memset(&T, 0, sizeof(T));
}

/* One group of npages pages from page index first (perm), polled; every group answered
 * Success; the fault-around pages it cost in *fa. */
static int
group(uint32_t pasid, size_t first, unsigned int npages, uint32_t perm, uint64_t *fa)
{
	struct sva_iopf_stats s0, s1;
	uint32_t code = 0;

	TEST_ASSERT_SUCCESS(sva_iopf_stats_get(T.iopf, T.bond, &s0), "stats");
	for (unsigned int i = 0; i < npages; i++)
		syn_pr(T.iommu, RID, pasid, T.grp & 0x1ff, (uintptr_t)T.map + (first + i) * PG,
			perm, i == npages - 1);
	while (sva_iopf_poll(T.iommu, 1024) > 0)
		;
	TEST_ASSERT_EQUAL(syn_responses_for(T.iommu, pasid, T.grp & 0x1ff, &code), 1,
		"group answered once");
	TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_SUCCESS, "Success");
	T.grp++;
	TEST_ASSERT_SUCCESS(sva_iopf_stats_get(T.iopf, T.bond, &s1), "stats");
	*fa = s1.fault_around_pages - s0.fault_around_pages;
	return TEST_SUCCESS;
}

/*
 * A device streaming through n streams (base pages given, access perm[k]) in chunks of
 * 16 pages, as the emu device walks: each step asks, in one group, for the pages of the
 * next chunk of every stream that are not present (none: no group). The demand pages
 * and fault-around pages of each group are written to dem[] and fa[] (up to max
 * groups); returns the groups sent, or -1.
 */
static int
walk(const size_t *base, const uint32_t *perm, unsigned int n, size_t pages,
		uint64_t *dem, uint64_t *fa, unsigned int max)
{
	unsigned int groups = 0;

	for (size_t c = 0; c < pages; c += 16) {
		struct sva_iopf_stats s0, s1;
		unsigned int asked = 0;
		uint32_t code = 0;

		if (sva_iopf_stats_get(T.iopf, T.bond, &s0) != 0)
			return -1;
		for (unsigned int k = 0; k < n; k++)
			for (size_t p = c; p < c + 16; p++) {
				uint8_t *a = T.map + (base[k] + p) * PG;

				if (test_page_present(a) != 0)
					continue;
				syn_pr(T.iommu, RID, PASID, T.grp & 0x1ff, (uintptr_t)a, perm[k], 0);
				asked++;
			}
		if (asked == 0)
			continue;
		/* the LAST: a request for a page already asked (the group's last page) */
		syn_pr(T.iommu, RID, PASID, T.grp & 0x1ff,
			syn_of(T.iommu)->prq[(syn_of(T.iommu)->prq_tail - 1) % SYN_QLEN].prm.addr,
			syn_of(T.iommu)->prq[(syn_of(T.iommu)->prq_tail - 1) % SYN_QLEN].prm.perm, 1);
		while (sva_iopf_poll(T.iommu, 1024) > 0)
			;
		if (syn_responses_for(T.iommu, PASID, T.grp & 0x1ff, &code) != 1 ||
				code != SVA_PAGE_RESP_SUCCESS)
			return -1;
		T.grp++;
		if (sva_iopf_stats_get(T.iopf, T.bond, &s1) != 0)
			return -1;
		if (groups < max) {
			dem[groups] = asked;
			fa[groups] = s1.fault_around_pages - s0.fault_around_pages;
		}
		groups++;
	}
	return (int)groups;
}

/*
 * A sequential stream: the window doubles from 16 to 512 pages, each time [range end,
 * range end + window) is populated where it was not, but for the tripwire halfway, and
 * the device then asks for that one page only. Worked by hand from the rule (pages):
 * g0 asks 0-15 (new stream), g1 16-31 (window 16: 32-47 but 40), g2 page 40 (window 32:
 * 48-72 but 57), g3 57 (64: 73-121 but 90), g4 90 (128: 122-218 but 155), g5 155
 * (256: 219-411 but 284), g6 284 (512: 412-796 but 541), g7 541 (512: 797-1053 but
 * 798), g8 798 (1054-1310 but 1055), then the tripwires 1055, 1312, 1569, 1826:
 * 8 MiB (2,048 pages) in 13 groups, 44 pages asked.
 */
static int
test_sequential_grows(void)
{
	static const uint64_t dem_want[] = { 16, 16, 1, 1, 1, 1, 1, 1, 1 };
	static const uint64_t fa_want[] = { 0, 15, 24, 48, 96, 192, 384, 256, 256 };
	const size_t base = 0;
	const uint32_t perm = RW;
	uint64_t dem[64], fa[64];
	int groups = walk(&base, &perm, 1, 2048, dem, fa, RTE_DIM(dem));

	TEST_ASSERT(groups > 0, "walk");
	for (unsigned int k = 0; k < RTE_DIM(fa_want); k++) {
		TEST_ASSERT_EQUAL(dem[k], dem_want[k], "group %u: pages asked", k);
		TEST_ASSERT_EQUAL(fa[k], fa_want[k], "group %u: pages prefetched", k);
	}
	for (int k = RTE_DIM(fa_want); k < groups; k++) {
		TEST_ASSERT_EQUAL(dem[k], 1, "group %d: the tripwire only", k);
		TEST_ASSERT_EQUAL(fa[k], 256, "group %d: half a window", k);
	}
	TEST_ASSERT_EQUAL(groups, 13, "groups for 8 MiB");
	TEST_ASSERT_EQUAL(iopf_prefetch_window_max(T.bond), 512, "window at its bound");
	TEST_ASSERT_EQUAL(test_page_state(T.map + 797 * PG), TEST_PAGE_WRITTEN,
		"prefetched for write");
	return TEST_SUCCESS;
}

/* The bound: fault_around_after 64 caps the window (g4: 90 asked, 122-154 but 123). */
static int
test_sequential_bounded(void)
{
	static const uint64_t fa_want[] = { 0, 15, 24, 48, 32, 32 };
	const size_t base = 0;
	const uint32_t perm = RD;
	uint64_t dem[16], fa[16];
	int groups = walk(&base, &perm, 1, 192, dem, fa, RTE_DIM(dem));

	TEST_ASSERT(groups >= (int)RTE_DIM(fa_want), "walk");
	for (unsigned int k = 0; k < RTE_DIM(fa_want); k++)
		TEST_ASSERT_EQUAL(fa[k], fa_want[k], "group %u: pages prefetched", k);
	TEST_ASSERT_EQUAL(iopf_prefetch_window_max(T.bond), 64, "window at its bound");
	TEST_ASSERT_EQUAL(test_page_state(T.map + 100 * PG), TEST_PAGE_SHARED,
		"prefetched for read: the zero page");
	return TEST_SUCCESS;
}

/* Random access: one page at a time, a fixed shuffle of 256 slots 128 KiB apart (no
 * access continues another: a stream is continued at most 64 KiB past its end). */
static int
test_random_no_waste(void)
{
	unsigned int slot[256];
	uint32_t x = 12345;
	uint64_t fa, total = 0;

	for (unsigned int i = 0; i < 256; i++)
		slot[i] = i;
	for (unsigned int i = 255; i > 0; i--) {
		unsigned int j, t;

		x = x * 1103515245u + 12345u;
		j = (x >> 8) % (i + 1);
		t = slot[i];
		slot[i] = slot[j];
		slot[j] = t;
	}
	for (unsigned int i = 0; i < 256; i++) {
		TEST_ASSERT_SUCCESS(group(PASID, (size_t)slot[i] * 32 + (i % 7), 1, RW, &fa),
			"access %u", i);
		total += fa;
	}
	TEST_ASSERT_EQUAL(total, 0, "no page populated that was not asked");
	TEST_ASSERT_EQUAL(iopf_prefetch_window_max(T.bond), 0, "no window");
	return TEST_SUCCESS;
}

/* A random access halves a grown window; the stream continues and doubles it. */
static int
test_random_shrinks(void)
{
	const size_t base = 0;
	const uint32_t perm = RW;
	uint64_t dem[8], fa[8];

	/* 64 pages: g0..g3, windows 0, 16, 32, 64 (the tripwire at 90 is next) */
	TEST_ASSERT_EQUAL(walk(&base, &perm, 1, 64, dem, fa, 8), 4, "four groups");
	TEST_ASSERT_EQUAL(iopf_prefetch_window_max(T.bond), 64, "grown to 64");
	TEST_ASSERT_SUCCESS(group(PASID, 6000, 1, RW, &fa[0]), "random");
	TEST_ASSERT_EQUAL(fa[0], 0, "the random access prefetches nothing");
	TEST_ASSERT_EQUAL(iopf_prefetch_window_max(T.bond), 32, "halved");
	TEST_ASSERT_SUCCESS(group(PASID, 7000, 1, RW, &fa[0]), "random again");
	TEST_ASSERT_EQUAL(iopf_prefetch_window_max(T.bond), 16, "halved again");
	TEST_ASSERT_SUCCESS(group(PASID, 90, 1, RW, &fa[0]), "the stream goes on");
	TEST_ASSERT_EQUAL(iopf_prefetch_window_max(T.bond), 32, "doubled from 16");
	/* window 32 after page 90: [91, 123), of which only page 122 was not populated
	 * yet, and it is the tripwire (the first new page, past the halfway page 107) */
	TEST_ASSERT_EQUAL(fa[0], 0, "nothing new but the tripwire");
	TEST_ASSERT_EQUAL(test_page_present(T.map + 122 * PG), 0, "the tripwire");
	return TEST_SUCCESS;
}

/* A copy: every group asks the missing pages of the next 16 of a source (read) and a
 * destination (write) 16 MiB apart: two streams, both follow the one-stream sequence. */
static int
test_copy_two_streams(void)
{
	static const uint64_t fa_want[] = { 0, 30, 48, 96, 192 };
	const size_t base[2] = { 0, 4096 };
	const uint32_t perm[2] = { RD, RW };
	uint64_t dem[16], fa[16];
	int groups = walk(base, perm, 2, 160, dem, fa, RTE_DIM(dem));

	TEST_ASSERT(groups >= (int)RTE_DIM(fa_want), "walk");
	for (unsigned int k = 0; k < RTE_DIM(fa_want); k++)
		TEST_ASSERT_EQUAL(fa[k], fa_want[k], "copy group %u: both windows", k);
	TEST_ASSERT_EQUAL(test_page_state(T.map + 33 * PG), TEST_PAGE_SHARED,
		"source prefetched for read (the zero page)");
	TEST_ASSERT_EQUAL(test_page_state(T.map + (4096 + 33) * PG), TEST_PAGE_WRITTEN,
		"destination prefetched for write");
	/* g5 asked page 155 and got 219-411 but the tripwire 284 */
	TEST_ASSERT_EQUAL(test_page_present(T.map + 284 * PG), 0, "the source's tripwire");
	TEST_ASSERT_EQUAL(test_page_present(T.map + 283 * PG), 1, "before it");
	TEST_ASSERT_EQUAL(test_page_present(T.map + 285 * PG), 1, "after it");
	TEST_ASSERT_EQUAL(test_page_present(T.map + (4096 + 284) * PG), 0,
		"the destination's tripwire");
	return TEST_SUCCESS;
}

/* Without the flag (and no fixed window) nothing is prefetched, however sequential. */
static int
test_off_by_default(void)
{
	size_t next = 0;
	uint64_t fa;

	for (unsigned int k = 0; k < 6; k++) {
		TEST_ASSERT_SUCCESS(group(PASID, next, 16, RW, &fa), "group %u", k);
		TEST_ASSERT_EQUAL(fa, 0, "group %u: no fault-around", k);
		next += 16;
	}
	return TEST_SUCCESS;
}

/*
 * Fairness by time: the storm bond's pages cost what populating fresh pages costs
 * (microseconds a page), far beyond a 1 us share per burst, so after its first group
 * a burst takes no second one of it: the others are deferred and the burst reads on.
 * 40 storm groups of 16 pages and one quiet one-page group behind them, one poll call
 * whose budget is exactly those records: its first burst reads them all and answers
 * the quiet group with one storm group. Without the time budget (bond_burst_us 0) the
 * 16-page groups fit the 64-page share, no burst reads ahead, and the call's 21 bursts
 * answer the quiet group after every storm group.
 */
static int
fair_run(bool timed, bool contended)
{
	struct sva_iopf_bond_conf bc = { 0 };
	struct sva_iopf_bond *quiet;
	struct syn_iommu *syn;
	uint32_t code = 0, quiet_at = UINT32_MAX;
	uint64_t fa;

	TEST_ASSERT_SUCCESS(setup_with(0, 0, timed ? 1 : 0), "setup");
	syn = syn_of(T.iommu);
	quiet = sva_iopf_bond_add(T.iopf, T.dev, QUIET, &bc);
	TEST_ASSERT_NOT_NULL(quiet, "quiet bond");
	/* the storm bond's cost per page learnt: one group of fresh pages */
	TEST_ASSERT_SUCCESS(group(PASID, 0, 16, RW, &fa), "first storm group");
	/* the quiet bond had a group lately: the bonds contend, and the time share counts */
	if (contended)
		TEST_ASSERT_SUCCESS(group(QUIET, 7990, 1, RW, &fa), "an earlier quiet group");
	syn->nresp = 0;
	for (unsigned int g = 0; g < 40; g++)
		for (unsigned int i = 0; i < 16; i++)
			syn_pr(T.iommu, RID, PASID, (T.grp + g) & 0x1ff,
				(uintptr_t)T.map + (64 + g * 16 + i) * PG, RW, i == 15);
	syn_pr(T.iommu, RID, QUIET, 0, (uintptr_t)T.map + 8000 * PG, RW, 1);
	TEST_ASSERT_EQUAL(sva_iopf_poll(T.iommu, 40 * 16 + 1), 40 * 16 + 1, "one call");
	TEST_ASSERT_EQUAL(syn_responses_for(T.iommu, QUIET, 0, &code), 1, "quiet answered");
	/* timed: one burst (its read-ahead used the budget); not (or a bond that had no
	 * other bond's group within the window: the time share waits for contention):
	 * 21 bursts of 32 records */
	timed = timed && contended;
	TEST_ASSERT_EQUAL(syn->nresp, timed ? 2u : 41u, "answered by the first call");
	while (sva_iopf_poll(T.iommu, 1024) > 0)
		;
	TEST_ASSERT_EQUAL(syn->nresp, 41, "every group answered");
	for (uint32_t i = 0; i < syn->nresp; i++) {
		TEST_ASSERT_EQUAL(syn->resp[i].code, SVA_PAGE_RESP_SUCCESS, "Success");
		if (syn->resp[i].pasid == QUIET)
			quiet_at = i;
	}
	TEST_ASSERT_EQUAL(quiet_at, timed ? 1u : 40u, "where the quiet answer lands");
	for (unsigned int g = 0; g < 40; g++)
		TEST_ASSERT_EQUAL(syn_responses_for(T.iommu, PASID, (T.grp + g) & 0x1ff, NULL), 1,
			"storm group %u once", g);
	sva_iopf_bond_remove(quiet);
	return TEST_SUCCESS;
}

static int
test_fair_by_time(void)
{
	int ret = fair_run(true, true);

	teardown();
	if (ret != TEST_SUCCESS)
		return ret;
	ret = fair_run(false, true);
	teardown();
	return ret;
}

/*
 * The time share waits for contention: the same storm with no group of another bond
 * in the last IOPF_SHARE_WINDOW_MS (the quiet group comes only behind the storm) keeps
 * whole bursts, as without the share — where populating is slow (a TCG guest) a lone
 * bond would otherwise get one group per burst and its device would time out.
 */
static int
test_fair_lone_bond(void)
{
	int ret = fair_run(true, false);

	teardown();
	return ret;
}

static int
noop_setup(void)
{
	return TEST_SUCCESS;
}

static void
noop_teardown(void)
{
}

static struct sva_test_suite iopf_prefetch_suite = {
	.name = "iopf: adaptive fault-around, fairness by time",
	.cases = {
		SVA_TEST_CASE_ST(setup_adaptive, teardown, test_sequential_grows),
		SVA_TEST_CASE_ST(setup_adaptive_64, teardown, test_sequential_bounded),
		SVA_TEST_CASE_ST(setup_adaptive, teardown, test_random_no_waste),
		SVA_TEST_CASE_ST(setup_adaptive, teardown, test_random_shrinks),
		SVA_TEST_CASE_ST(setup_adaptive, teardown, test_copy_two_streams),
		SVA_TEST_CASE_ST(setup_fixed, teardown, test_off_by_default),
		SVA_TEST_CASE_ST(noop_setup, noop_teardown, test_fair_by_time),
		SVA_TEST_CASE_ST(noop_setup, noop_teardown, test_fair_lone_bond),
		SVA_TEST_CASES_END(),
	},
};

static int
test_iopf_prefetch(void)
{
	return sva_test_suite_run(&iopf_prefetch_suite);
}

SVA_TEST_REGISTER(iopf_prefetch_autotest, test_iopf_prefetch);
