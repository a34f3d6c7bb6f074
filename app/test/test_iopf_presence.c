/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * iopf_presence_autotest: the warm path without a system call per range (issue 15,
 * item 4). The resolver learns the presence of a burst's demand ranges with one
 * PAGEMAP_SCAN and populates only what is missing, with the access asked. Every case
 * runs twice, with the scan and with the fallback (one populate per range, as on
 * kernels before 6.7), on fresh memory each time, and counts exactly:
 *  - present pages are not populated again (populate_calls stays);
 *  - absent pages are;
 *  - a read-populated zero page asked for write is populated for write (4 KiB and the
 *    THP huge zero page);
 *  - after a fork(), a COW-shared page asked for write is populated for write (the
 *    scan sees it present; its entry is read-only);
 *  - a page skipped and asked for again is populated (what the scan cannot see costs
 *    one retry): shown with a COW page whose fork the resolver was made to forget;
 *  - THP and hugetlb mappings (skipped with the reason when unavailable);
 *  - both paths give the same answers, and every Success page is present afterwards
 *    (written, for a write), as the emu device's success_not_present check demands.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rte_common.h>

#include <sva_iopf.h>

#include "sva_test.h"
#include "test_pagemap.h"
#include "test_iopf_syn.h"

/* lib/iopf private (iopf_pvt.h) */
void iopf_presence_scan_disable(bool off);
void iopf_presence_counts(const struct sva_iopf *f, uint64_t *scans, uint64_t *skipped);
uint64_t iopf_presence_retried(const struct sva_iopf *f);
void iopf_presence_fork_forget(void);

#define PG 4096ul
#define MB (1ul << 20)
#define HPG (2ul << 20)
#define PASID 9
#define RID 0x10
#define RD SVA_FAULT_PERM_READ
#define RW (SVA_FAULT_PERM_READ | SVA_FAULT_PERM_WRITE)

static struct {
	struct sva_iommu *iommu;
	struct sva_dev *dev;
	struct sva_iopf *iopf;
	struct sva_iopf_bond *bond;
	uint8_t *map;
	size_t map_len;
	uint32_t grp;
} T;

static unsigned int iommu_counter;

static int
setup(void)
{
	struct sva_iopf_bond_conf bc = { .flags = 0 };
	struct sva_iopf_conf c;
	char name[32];

	memset(&T, 0, sizeof(T));
	snprintf(name, sizeof(name), "iopfpres%u", iommu_counter++);
	T.iommu = syn_create(name);
	TEST_ASSERT_NOT_NULL(T.iommu, "syn iommu");
	T.dev = sva_dev_open(T.iommu, "rid=0x10");
	TEST_ASSERT_NOT_NULL(T.dev, "dev");
	sva_iopf_conf_default(&c);
	c.bond_burst_us = 0; /* one burst per burst() whatever the pages cost: no deferral */
	T.iopf = sva_iopf_create(T.iommu, &c);
	TEST_ASSERT_NOT_NULL(T.iopf, "iopf");
	T.bond = sva_iopf_bond_add(T.iopf, T.dev, PASID, &bc);
	TEST_ASSERT_NOT_NULL(T.bond, "bond");
	return TEST_SUCCESS;
}

static void
unmap(void)
{
	if (T.map != NULL)
		munmap(T.map, T.map_len);
	T.map = NULL;
}

static void
teardown(void)
{
	iopf_presence_scan_disable(false);
	sva_iopf_bond_remove(T.bond);
	if (T.iopf != NULL && sva_iopf_destroy(T.iopf) != 0)
		printf("    teardown: iopf destroy failed\n");
	sva_dev_close(T.dev);
	sva_iommu_destroy(T.iommu);
	unmap();
	memset(&T, 0, sizeof(T));
}

/* A fresh mapping of len bytes aligned to 2 MiB; advice 0 or MADV_*HUGEPAGE;
 * huge: MAP_HUGETLB (NULL when no hugepage is free). */
static uint8_t *
map_fresh(size_t len, int advice, bool huge)
{
	uint8_t *p, *a;

	unmap();
	if (huge) {
		p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
		if (p == MAP_FAILED)
			return NULL;
		T.map = p;
		T.map_len = len;
		return sva_iopf_maps_refresh() == 0 ? p : NULL;
	}
	p = mmap(NULL, len + HPG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	a = (uint8_t *)RTE_ALIGN_CEIL((uintptr_t)p, HPG);
	if (a != p)
		munmap(p, a - p);
	munmap(a + len, (p + len + HPG) - (a + len));
	T.map = a;
	T.map_len = len;
	if (advice != 0 && madvise(a, len, advice) != 0)
		return NULL;
	return sva_iopf_maps_refresh() == 0 ? a : NULL;
}

struct req {
	size_t off;
	uint32_t perm;
};

/* One burst of one-page groups; every group answered Success; the populate calls and
 * scans it cost in *calls and *scans. */
static int
burst(uint8_t *base, const struct req *r, unsigned int n, uint64_t *calls, uint64_t *scans)
{
	struct sva_iopf_stats s0, s1;
	uint64_t sc0, sc1, sk;
	uint32_t code = 0;
	int got = 0, x;

	TEST_ASSERT(n <= 16, "one burst");
	TEST_ASSERT_SUCCESS(sva_iopf_stats_get(T.iopf, T.bond, &s0), "stats");
	iopf_presence_counts(T.iopf, &sc0, &sk);
	for (unsigned int i = 0; i < n; i++)
		syn_pr(T.iommu, RID, PASID, (T.grp + i) & 0x1ff, (uintptr_t)base + r[i].off,
			r[i].perm, 1);
	while ((x = sva_iopf_poll(T.iommu, 1024)) > 0)
		got += x;
	TEST_ASSERT(x >= 0, "poll");
	for (unsigned int i = 0; i < n; i++) {
		TEST_ASSERT_EQUAL(syn_responses_for(T.iommu, PASID, (T.grp + i) & 0x1ff, &code),
			1, "group %u answered once", i);
		TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_SUCCESS, "group %u: Success", i);
	}
	T.grp += n;
	TEST_ASSERT_SUCCESS(sva_iopf_stats_get(T.iopf, T.bond, &s1), "stats");
	iopf_presence_counts(T.iopf, &sc1, &sk);
	*calls = s1.populate_calls - s0.populate_calls;
	*scans = sc1 - sc0;
	return TEST_SUCCESS;
}

/* What every Success promises: the page present, and for a write not the zero page. */
static int
check_present(const uint8_t *base, const struct req *r, unsigned int n, bool exclusive)
{
	for (unsigned int i = 0; i < n; i++) {
		int s = test_page_state(base + r[i].off);

		TEST_ASSERT(s > 0, "request %u: page present after Success", i);
		if ((r[i].perm & SVA_FAULT_PERM_WRITE) && exclusive)
			TEST_ASSERT_EQUAL(s, TEST_PAGE_WRITTEN, "request %u: written page", i);
	}
	return TEST_SUCCESS;
}

#define MODES for (int scan = 1; scan >= 0; scan--)
#define MODE_SET() iopf_presence_scan_disable(!scan)
#define EXPECT_CALLS(got, with_scan, without) \
	TEST_ASSERT_EQUAL(got, scan ? (uint64_t)(with_scan) : (uint64_t)(without), \
		"%s: populate calls", scan ? "scan" : "fallback")

/* 4 KiB pages written by the CPU: 8 write ranges and 8 read ranges, none populated
 * with the scan (one scan), 16 calls without. */
static int
test_present_not_populated(void)
{
	struct req r[16];
	uint64_t calls, scans;

	for (unsigned int i = 0; i < 16; i++) {
		r[i].off = 2 * i * PG;
		r[i].perm = i & 1 ? RD : RW;
	}
	MODES {
		uint8_t *p = map_fresh(64 * PG, MADV_NOHUGEPAGE, false);

		TEST_ASSERT_NOT_NULL(p, "map");
		memset(p, 1, 64 * PG);
		MODE_SET();
		TEST_ASSERT_SUCCESS(burst(p, r, 16, &calls, &scans), "burst");
		EXPECT_CALLS(calls, 0, 16);
		TEST_ASSERT_EQUAL(scans, scan ? 1u : 0u, "one scan for the burst");
		TEST_ASSERT_SUCCESS(check_present(p, r, 16, true), "present");
		/* one range alone: no scan (one populate costs what the scan would) */
		TEST_ASSERT_SUCCESS(burst(p, r, 1, &calls, &scans), "one range");
		TEST_ASSERT_EQUAL(calls, 1, "one populate call");
		TEST_ASSERT_EQUAL(scans, 0, "no scan");
	}
	return TEST_SUCCESS;
}

/* Absent pages are populated; of half present, only the absent half. */
static int
test_absent_populated(void)
{
	struct req r[16];
	uint64_t calls, scans;

	for (unsigned int i = 0; i < 16; i++) {
		r[i].off = 2 * i * PG;
		r[i].perm = RW;
	}
	MODES {
		uint8_t *p = map_fresh(64 * PG, MADV_NOHUGEPAGE, false);

		TEST_ASSERT_NOT_NULL(p, "map");
		MODE_SET();
		TEST_ASSERT_SUCCESS(burst(p, r, 16, &calls, &scans), "all absent");
		EXPECT_CALLS(calls, 16, 16);
		TEST_ASSERT_SUCCESS(check_present(p, r, 16, true), "present");
		TEST_ASSERT_EQUAL(test_page_present(p + PG), 0, "odd pages untouched");

		p = map_fresh(64 * PG, MADV_NOHUGEPAGE, false);
		TEST_ASSERT_NOT_NULL(p, "map");
		memset(p, 1, 16 * PG); /* requests 0..7 present, 8..15 absent */
		TEST_ASSERT_SUCCESS(burst(p, r, 16, &calls, &scans), "half present");
		EXPECT_CALLS(calls, 8, 16);
		TEST_ASSERT_SUCCESS(check_present(p, r, 16, true), "present");
	}
	return TEST_SUCCESS;
}

/* A read maps the shared zero page: present for a read, but a write must populate
 * (the device's write would otherwise land on nothing it owns). */
static int
test_zero_page_for_write(void)
{
	struct req rd[8], wr[8];
	uint64_t calls, scans;

	for (unsigned int i = 0; i < 8; i++) {
		rd[i].off = wr[i].off = 2 * i * PG;
		rd[i].perm = RD;
		wr[i].perm = RW;
	}
	MODES {
		volatile uint8_t *v;
		uint8_t *p = map_fresh(64 * PG, MADV_NOHUGEPAGE, false);
		unsigned int sum = 0;

		TEST_ASSERT_NOT_NULL(p, "map");
		v = p;
		for (size_t o = 0; o < 64 * PG; o += PG)
			sum += v[o];
		TEST_ASSERT_EQUAL(sum, 0, "zero pages");
		TEST_ASSERT_EQUAL(test_page_state(p), TEST_PAGE_SHARED, "the zero page");
		MODE_SET();
		TEST_ASSERT_SUCCESS(burst(p, rd, 8, &calls, &scans), "reads");
		EXPECT_CALLS(calls, 0, 8);
		TEST_ASSERT_EQUAL(test_page_state(p), TEST_PAGE_SHARED, "still the zero page");
		TEST_ASSERT_SUCCESS(burst(p, wr, 8, &calls, &scans), "writes");
		EXPECT_CALLS(calls, 8, 8);
		TEST_ASSERT_SUCCESS(check_present(p, wr, 8, true), "written pages now");
		TEST_ASSERT_SUCCESS(burst(p, wr, 8, &calls, &scans), "writes again");
		EXPECT_CALLS(calls, 0, 8);
	}
	return TEST_SUCCESS;
}

/* THP: demand pages are 2 MiB blocks. Block 0 written by the CPU (read asked), block 1
 * written (write asked), block 2 untouched (write asked): one populate with the scan. */
static int
test_thp(void)
{
	struct req r[3] = { { 5 * PG, RD }, { HPG + 7 * PG, RW }, { 2 * HPG + 9 * PG, RW } };
	struct sva_iopf_maps_entry e;
	uint64_t calls, scans;

	MODES {
		uint8_t *p = map_fresh(3 * HPG, MADV_HUGEPAGE, false);

		if (p == NULL)
			TEST_SKIP("MADV_HUGEPAGE refused (%s): no THP in this kernel",
				strerror(errno));
		if (sva_iopf_maps_find((uintptr_t)p, &e) != 0 || !e.thp)
			TEST_SKIP("THP off for MADV_HUGEPAGE ranges "
				"(/sys/kernel/mm/transparent_hugepage/enabled: never)");
		memset(p, 1, 2 * HPG);
		MODE_SET();
		TEST_ASSERT_SUCCESS(burst(p, r, 3, &calls, &scans), "burst");
		/* block 0 read and block 1 write are two ranges; block 2 adds to block 1's
		 * write range (adjacent, same access): a range partly absent populates */
		EXPECT_CALLS(calls, 1, 2);
		TEST_ASSERT_SUCCESS(check_present(p, r, 3, false), "present");
		TEST_ASSERT_EQUAL(test_page_present(p + 2 * HPG + 511 * PG), 1,
			"block 2 populated whole");
		/* block 0 was skipped and is asked again: populated (the retry rule);
		 * blocks 1-2 were populated, so skipped now */
		TEST_ASSERT_SUCCESS(burst(p, r, 3, &calls, &scans), "again");
		EXPECT_CALLS(calls, 1, 2);
	}
	return TEST_SUCCESS;
}

/* hugetlb: 2 MiB pages; page 0 and 1 written by the CPU, page 2 untouched. */
static int
test_hugetlb(void)
{
	struct req r[3] = { { 3 * PG, RD }, { 2 * HPG + PG, RW }, { HPG + 11 * PG, RW } };
	uint64_t calls, scans;

	MODES {
		uint8_t *p = map_fresh(3 * HPG, 0, true);

		if (p == NULL)
			TEST_SKIP("no 3 free 2 MiB hugepages for MAP_HUGETLB (%s)",
				strerror(errno));
		memset(p, 1, 2 * HPG);
		MODE_SET();
		TEST_ASSERT_SUCCESS(burst(p, r, 3, &calls, &scans), "burst");
		/* read of page 0; write of pages 1 and 2 coalesced, page 2 absent */
		EXPECT_CALLS(calls, 1, 2);
		TEST_ASSERT_SUCCESS(check_present(p, r, 3, false), "present");
		/* page 0 skipped before and asked again: populated; pages 1-2 skipped */
		TEST_ASSERT_SUCCESS(burst(p, r, 3, &calls, &scans), "again");
		EXPECT_CALLS(calls, 1, 2);
	}
	return TEST_SUCCESS;
}


/* THP: a CPU read of a THP-eligible block maps the huge zero page (when
 * use_zero_page is on): present for a read, but a write must populate. Blocks 0 and 2
 * read by the CPU (huge zero page), 1 and 3 written; each burst asks two adjacent
 * blocks with different access (two ranges, one scan). */
static int
test_thp_zero_page_for_write(void)
{
	struct req a[2] = { { 3 * PG, RD }, { HPG + 5 * PG, RW } };
	struct req b[2] = { { 2 * HPG + 7 * PG, RW }, { 3 * HPG + 9 * PG, RD } };
	struct sva_iopf_maps_entry e;
	uint64_t calls, scans;

	MODES {
		uint8_t *p = map_fresh(4 * HPG, MADV_HUGEPAGE, false);
		volatile uint8_t *v;

		if (p == NULL)
			TEST_SKIP("MADV_HUGEPAGE refused (%s): no THP in this kernel",
				strerror(errno));
		if (sva_iopf_maps_find((uintptr_t)p, &e) != 0 || !e.thp)
			TEST_SKIP("THP off for MADV_HUGEPAGE ranges");
		v = p;
		TEST_ASSERT_EQUAL(v[0] + v[2 * HPG], 0, "zero");
		memset(p + HPG, 1, HPG);
		memset(p + 3 * HPG, 1, HPG);
		if (test_page_state(p) != TEST_PAGE_SHARED ||
				test_page_state(p + 2 * HPG) != TEST_PAGE_SHARED)
			TEST_SKIP("a read did not map the huge zero page "
				"(/sys/kernel/mm/transparent_hugepage/use_zero_page: 0)");
		MODE_SET();
		/* read of a huge zero page, write of a written block: nothing to do */
		TEST_ASSERT_SUCCESS(burst(p, a, 2, &calls, &scans), "read zero, write own");
		EXPECT_CALLS(calls, 0, 2);
		TEST_ASSERT_EQUAL(test_page_state(p), TEST_PAGE_SHARED, "still zero");
		/* write of a huge zero page: populated; read of a written block: not */
		TEST_ASSERT_SUCCESS(burst(p, b, 2, &calls, &scans), "write zero, read own");
		EXPECT_CALLS(calls, 1, 2);
		TEST_ASSERT_EQUAL(test_page_state(p + 2 * HPG + 7 * PG), TEST_PAGE_WRITTEN,
			"block 2 written now");
		TEST_ASSERT_EQUAL(test_page_state(p + 2 * HPG + 511 * PG), TEST_PAGE_WRITTEN,
			"block 2 written whole");
	}
	return TEST_SUCCESS;
}

/* One range alone is scanned from 8 pages (a short one is not: one populate costs what
 * the scan would): 16 present pages asked in one group of adjacent pages. */
static int
test_long_range_scanned(void)
{
	struct req r[16];
	uint64_t calls, scans;

	for (unsigned int i = 0; i < 16; i++) {
		r[i].off = (16 + i) * PG;
		r[i].perm = RW;
	}
	MODES {
		uint8_t *p = map_fresh(64 * PG, MADV_NOHUGEPAGE, false);

		TEST_ASSERT_NOT_NULL(p, "map");
		memset(p, 1, 64 * PG);
		MODE_SET();
		TEST_ASSERT_SUCCESS(burst(p, r, 16, &calls, &scans), "16 pages, one range");
		EXPECT_CALLS(calls, 0, 1);
		TEST_ASSERT_EQUAL(scans, scan ? 1u : 0u, "one scan");
		TEST_ASSERT_SUCCESS(burst(p, r, 7, &calls, &scans), "7 pages, one range");
		EXPECT_CALLS(calls, 1, 1);
		TEST_ASSERT_EQUAL(scans, 0, "no scan for a short range");
	}
	return TEST_SUCCESS;
}

/* Scans that keep finding nothing present (cold memory) become rare: after 4 empty
 * scans in a row, one in 16 chances; one that finds a present page restores them. */
static int
test_empty_scans_back_off(void)
{
	struct req r[2] = { { 0, RW }, { 2 * PG, RW } };
	uint64_t calls, scans, total = 0;
	uint8_t *p = map_fresh(256 * PG, MADV_NOHUGEPAGE, false);

	TEST_ASSERT_NOT_NULL(p, "map");
	for (unsigned int b = 0; b < 20; b++) {
		TEST_ASSERT_SUCCESS(burst(p + b * 4 * PG, r, 2, &calls, &scans), "cold %u", b);
		TEST_ASSERT_EQUAL(calls, 2, "cold burst %u: both populated", b);
		total += scans;
		if (b < 4)
			TEST_ASSERT_EQUAL(scans, 1, "scan %u while not yet backed off", b);
	}
	/* 4 empty scans, then chances 1..16 of which the 16th scans */
	TEST_ASSERT_EQUAL(total, 5, "scans in 20 cold bursts");
	/* the 16th chance's scan was empty too: still backed off; present pages now */
	memset(p + 128 * PG, 1, 64 * PG);
	total = 0;
	for (unsigned int b = 0; b < 16; b++) {
		TEST_ASSERT_SUCCESS(burst(p + (128 + b * 4) * PG, r, 2, &calls, &scans),
			"warm %u", b);
		total += scans;
		if (scans == 1) {
			TEST_ASSERT_EQUAL(calls, 0, "the probe's scan skips both");
			break;
		}
		TEST_ASSERT_EQUAL(calls, 2, "backed off: populated");
	}
	TEST_ASSERT_EQUAL(total, 1, "one probe found them");
	TEST_ASSERT_SUCCESS(burst(p + 180 * PG, r, 2, &calls, &scans), "after the probe");
	TEST_ASSERT_EQUAL(scans, 1, "scanning again");
	TEST_ASSERT_EQUAL(calls, 0, "present: skipped");
	return TEST_SUCCESS;
}

/* A child that shares p's pages copy-on-write until told to go. */
static pid_t
fork_sharer(int *go)
{
	int fds[2];
	pid_t pid;

	if (pipe(fds) != 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		char c;

		close(fds[1]);
		while (read(fds[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(fds[0]);
	*go = fds[1];
	return pid;
}

static int
end_sharer(pid_t pid, int go)
{
	int status;

	close(go);
	TEST_ASSERT_EQUAL(waitpid(pid, &status, 0), pid, "child reaped");
	TEST_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child exit 0");
	return TEST_SUCCESS;
}

/*
 * After fork(), every written page is COW-shared: present, not the zero page, its
 * entry read-only in both processes. A write request must populate it (break the
 * COW: the page becomes this process's own, exclusively mapped); a read need not.
 * Runs last: the resolver then treats this process as forked for good.
 */
static int
test_fork_cow_for_write(void)
{
	struct req wr[8], rd[8];
	uint64_t calls, scans;

	for (unsigned int i = 0; i < 8; i++) {
		wr[i].off = 2 * i * PG;
		wr[i].perm = RW;
		rd[i].off = (2 * i + 1) * PG;
		rd[i].perm = RD;
	}
	MODES {
		uint8_t *p = map_fresh(64 * PG, MADV_NOHUGEPAGE, false);
		pid_t pid;
		int go;

		TEST_ASSERT_NOT_NULL(p, "map");
		memset(p, 1, 64 * PG);
		TEST_ASSERT_EQUAL(test_page_state(p), TEST_PAGE_WRITTEN, "own page");
		MODE_SET();
		pid = fork_sharer(&go);
		TEST_ASSERT(pid > 0, "fork");
		TEST_ASSERT_EQUAL(test_page_state(p), TEST_PAGE_SHARED, "COW-shared");
		TEST_ASSERT_SUCCESS(burst(p, wr, 8, &calls, &scans), "writes");
		EXPECT_CALLS(calls, 8, 8);
		for (unsigned int i = 0; i < 8; i++)
			TEST_ASSERT_EQUAL(test_page_state(p + wr[i].off), TEST_PAGE_WRITTEN,
				"write %u: COW broken, own page", i);
		TEST_ASSERT_SUCCESS(burst(p, rd, 8, &calls, &scans), "reads");
		EXPECT_CALLS(calls, 0, 8);
		TEST_ASSERT_EQUAL(test_page_state(p + PG), TEST_PAGE_SHARED, "reads left shared");
		TEST_ASSERT_SUCCESS(end_sharer(pid, go), "child");
		/* the child is gone, the entries are still read-only: still populated */
		for (unsigned int i = 0; i < 8; i++)
			wr[i].off = (2 * i + 1) * PG;
		TEST_ASSERT_SUCCESS(burst(p, wr, 8, &calls, &scans), "writes after exit");
		EXPECT_CALLS(calls, 8, 8);
		for (unsigned int i = 0; i < 8; i++)
			wr[i].off = 2 * i * PG;
	}
	return TEST_SUCCESS;
}

/*
 * The retry rule, with what the scan cannot see: a COW-shared page whose fork the
 * resolver does not know of (as after a raw fork system call that runs no atfork
 * handler). The first write request skips it (present for the scan), the page stays
 * shared; asked again, it is populated and becomes this process's own.
 */
static int
test_asked_again_populates(void)
{
	struct req wr[8];
	uint64_t calls, scans;

	for (unsigned int i = 0; i < 8; i++) {
		wr[i].off = 2 * i * PG;
		wr[i].perm = RW;
	}
	MODES {
		uint8_t *p = map_fresh(64 * PG, MADV_NOHUGEPAGE, false);
		uint64_t r0 = iopf_presence_retried(T.iopf);
		pid_t pid;
		int go;

		TEST_ASSERT_NOT_NULL(p, "map");
		memset(p, 1, 64 * PG);
		MODE_SET();
		pid = fork_sharer(&go);
		TEST_ASSERT(pid > 0, "fork");
		iopf_presence_fork_forget();
		TEST_ASSERT_SUCCESS(burst(p, wr, 8, &calls, &scans), "first ask");
		EXPECT_CALLS(calls, 0, 8);
		TEST_ASSERT_EQUAL(test_page_state(p), scan ? TEST_PAGE_SHARED : TEST_PAGE_WRITTEN,
			"skipped: still shared");
		TEST_ASSERT_SUCCESS(burst(p, wr, 8, &calls, &scans), "asked again");
		EXPECT_CALLS(calls, 8, 8);
		TEST_ASSERT_EQUAL(iopf_presence_retried(T.iopf) - r0, scan ? 8u : 0u,
			"every range retried");
		for (unsigned int i = 0; i < 8; i++)
			TEST_ASSERT_EQUAL(test_page_state(p + wr[i].off), TEST_PAGE_WRITTEN,
				"write %u: own page now", i);
		TEST_ASSERT_SUCCESS(end_sharer(pid, go), "child");
	}
	iopf_presence_fork_forget();
	return TEST_SUCCESS;
}

static struct sva_test_suite iopf_presence_suite = {
	.name = "iopf: presence of a burst by one scan, populate only what is missing",
	.cases = {
		SVA_TEST_CASE_ST(setup, teardown, test_present_not_populated),
		SVA_TEST_CASE_ST(setup, teardown, test_absent_populated),
		SVA_TEST_CASE_ST(setup, teardown, test_zero_page_for_write),
		SVA_TEST_CASE_ST(setup, teardown, test_thp),
		SVA_TEST_CASE_ST(setup, teardown, test_hugetlb),
		SVA_TEST_CASE_ST(setup, teardown, test_thp_zero_page_for_write),
		SVA_TEST_CASE_ST(setup, teardown, test_long_range_scanned),
		SVA_TEST_CASE_ST(setup, teardown, test_empty_scans_back_off),
		SVA_TEST_CASE_ST(setup, teardown, test_asked_again_populates),
		/* last: the process is marked forked for good */
		SVA_TEST_CASE_ST(setup, teardown, test_fork_cow_for_write),
		SVA_TEST_CASES_END(),
	},
};

static int
test_iopf_presence(void)
{
	return sva_test_suite_run(&iopf_presence_suite);
}

SVA_TEST_REGISTER(iopf_presence_autotest, test_iopf_presence);
