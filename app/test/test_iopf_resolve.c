/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * iopf_resolve_autotest: nothing is resolved outside the mapping that holds a request
 * (issue 11, items 9-11). Real mappings with neighbours (4 KiB, THP at an unaligned
 * start, hugetlb), synthetic requests through the "syn" driver, and /proc/self/pagemap
 * to count, page by page, what got populated: the owner's pages exactly, the
 * neighbours' never.
 *  - fault-around: the window is in 4 KiB units, clamped to the mapping, whole pages
 *    of the mapping only, within the burst's resolve budget (item 9);
 *  - an address the snapshot does not know is judged by the kernel's mapping
 *    (PROCMAP_QUERY), or, without it, never granted execute (item 10);
 *  - a stale snapshot entry never widens a page into memory that now belongs to
 *    another mapping (item 11);
 *  - issue 14: buffers mapped after the snapshot (after sva_bind()) are learned into
 *    the overlay with one lookup and judged by their real permissions and page size
 *    (read-only, THP, hugetlb), a mapping replaced after the overlay learned it gets
 *    the new one's permissions, a full overlay and a missing PROCMAP_QUERY bring in
 *    the background refresh, and a permission a stale snapshot entry refuses is asked
 *    of the kernel again.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_common.h>

#include <sva_iopf.h>

#include "sva_test.h"
#include "test_pagemap.h"
#include "test_iopf_syn.h"

/* lib/iopf private (iopf_pvt.h): make the resolver behave as before Linux 6.11 */
void iopf_maps_query_disable(bool off);

#define PG 4096ul
#define MB (1ul << 20)
#define HPG (2ul << 20)
#define PASID 7
#define RID 0x10
#define RD SVA_FAULT_PERM_READ
#define RW (SVA_FAULT_PERM_READ | SVA_FAULT_PERM_WRITE)
#define RX (SVA_FAULT_PERM_READ | SVA_FAULT_PERM_EXEC)

static struct {
	struct sva_iommu *iommu;
	struct sva_dev *dev;
	struct sva_iopf *iopf;
	struct sva_iopf_bond *bond;
	struct syn_iommu *syn;
	uint8_t *arena;   /* everything a case maps lives in it: unmapped at teardown */
	size_t arena_len;
} T;

static unsigned int iommu_counter;
static struct sva_iopf_stats S;

static int
setup_conf(const struct sva_iopf_conf *conf)
{
	struct sva_iopf_bond_conf bc = { .flags = SVA_IOPF_BOND_ALLOW_EXEC };
	char name[32];

	memset(&T, 0, sizeof(T));
	snprintf(name, sizeof(name), "iopfres%u", iommu_counter++);
	T.iommu = syn_create(name);
	TEST_ASSERT_NOT_NULL(T.iommu, "syn iommu");
	T.syn = syn_of(T.iommu);
	T.dev = sva_dev_open(T.iommu, "rid=0x10");
	TEST_ASSERT_NOT_NULL(T.dev, "dev");
	T.iopf = sva_iopf_create(T.iommu, conf);
	TEST_ASSERT_NOT_NULL(T.iopf, "iopf");
	T.bond = sva_iopf_bond_add(T.iopf, T.dev, PASID, &bc);
	TEST_ASSERT_NOT_NULL(T.bond, "bond");
	return TEST_SUCCESS;
}

static int
setup(void)
{
	return setup_conf(NULL);
}

static int
setup_budget(void)
{
	struct sva_iopf_conf c;

	sva_iopf_conf_default(&c);
	c.resolve_budget_us = 1;
	return setup_conf(&c);
}

static void
teardown(void)
{
	iopf_maps_query_disable(false);
	sva_iopf_bond_remove(T.bond);
	if (T.iopf != NULL && sva_iopf_destroy(T.iopf) != 0)
		printf("    teardown: iopf destroy failed\n");
	sva_dev_close(T.dev);
	sva_iommu_destroy(T.iommu);
	if (T.arena != NULL)
		munmap(T.arena, T.arena_len);
	memset(&T, 0, sizeof(T));
}

/* Reserve len bytes (PROT_NONE) aligned to 2 MiB: cases map their mappings into it
 * with MAP_FIXED, so neighbours are exactly where the case says. */
static uint8_t *
arena(size_t len)
{
	uint8_t *p = mmap(NULL, len + HPG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		-1, 0);
	uint8_t *a;

	if (p == MAP_FAILED)
		return NULL;
	a = (uint8_t *)RTE_ALIGN_CEIL((uintptr_t)p, HPG);
	if (a != p)
		munmap(p, a - p);
	munmap(a + len, (p + len + HPG) - (a + len));
	T.arena = a;
	T.arena_len = len;
	return a;
}

/* An anonymous private mapping at exactly p; advice: 0, MADV_HUGEPAGE or MADV_NOHUGEPAGE. */
static int
map_at(uint8_t *p, size_t len, int prot, int advice)
{
	if (mmap(p, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != p)
		return -errno;
	if (advice != 0 && madvise(p, len, advice) != 0)
		return -errno;
	return 0;
}

/* 4 KiB pages present in [p, p + len) by pagemap. */
static unsigned int
present(const uint8_t *p, size_t len)
{
	unsigned int n = 0;

	for (size_t o = 0; o < len; o += PG)
		n += test_page_present(p + o) == 1;
	return n;
}

static int
poll_all(void)
{
	int total = 0, r;

	while ((r = sva_iopf_poll(T.iommu, 1024)) > 0)
		total += r;
	return r < 0 ? r : total;
}

/* One single-page group (PRG grp) at addr: sent, polled, answered exactly once; *code
 * its response code. */
static int
one_group(uint32_t grp, uintptr_t addr, uint32_t perm, uint32_t *code)
{
	syn_pr(T.iommu, RID, PASID, grp, addr, perm, 1);
	poll_all();
	TEST_ASSERT_EQUAL(syn_responses_for(T.iommu, PASID, grp, code), 1,
		"group %u answered once", grp);
	return TEST_SUCCESS;
}

static int
bond_stats(void)
{
	return sva_iopf_stats_get(T.iopf, T.bond, &S);
}

/* The THP mode lets MADV_HUGEPAGE ranges have 2 MiB pages, and the snapshot says so. */
static int
thp_usable(const uint8_t *p, const char **why)
{
	struct sva_iopf_maps_entry e;

	if (sva_iopf_maps_find((uintptr_t)p, &e) != 0) {
		*why = "the snapshot does not hold the mapping";
		return 0;
	}
	if (!e.thp) {
		*why = "THP off for MADV_HUGEPAGE ranges "
			"(/sys/kernel/mm/transparent_hugepage/enabled: never)";
		return 0;
	}
	return 1;
}

static struct sva_iopf_maps_stats M;

static int
maps_stats(void)
{
	return sva_iopf_maps_stats_get(T.iopf, &M);
}

/* Room the snapshot will not know: the arena unmapped, a refresh, then the room taken
 * again at once as PROT_NONE (a mapping newer than the snapshot) so that nothing else
 * (an allocator, the refresh's own buffers) lands in it; cases map over it with
 * MAP_FIXED. A background refresh an earlier case asked for runs first (at most one
 * period later), so that the snapshot generation stays the same through the case. */
static uint8_t *
room_after_snapshot(size_t len)
{
	struct sva_iopf_maps_entry e;

	usleep(250000);
	for (int tries = 0; tries < 10; tries++) {
		uint8_t *a = arena(len);

		if (a == NULL || munmap(a, len) != 0 || sva_iopf_maps_refresh() != 0)
			return NULL;
		if (mmap(a, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
				MAP_FIXED_NOREPLACE, -1, 0) == a &&
				sva_iopf_maps_find((uintptr_t)a, &e) == -ENOENT &&
				sva_iopf_maps_find((uintptr_t)a + len - 1, &e) == -ENOENT)
			return a;
		T.arena = NULL; /* something else took it: another room */
	}
	return NULL;
}

/* A new mapping at exactly p, in the room; advice as map_at(). */
static int
map_fresh(uint8_t *p, size_t len, int prot, int advice)
{
	if (mmap(p, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != p)
		return -errno;
	if (advice != 0 && madvise(p, len, advice) != 0)
		return -errno;
	return 0;
}

/* ---- item 9: fault-around ---- */

/*
 * THP mapping O at an unaligned start, between two 4 KiB neighbours N1 and N2:
 *   N1 [A, A+3M)  O [A+3M, A+8.5M): head [A+3M, A+4M) of 4 KiB pages, THP blocks
 *   [A+4M, A+6M) and [A+6M, A+8M), tail [A+8M, A+8.5M) of 4 KiB pages  N2 [A+8.5M, A+11M)
 * The old code stepped 2 MiB from O's start (A+3M, A+5M, A+7M) and populated
 * [A+7M, A+9M): 128 pages of N2, for write; its window was 16 x 2 MiB a side.
 */
static int
test_fault_around_thp_unaligned(void)
{
	uint8_t *a = arena(11 * MB), *n1, *o, *n2, *d;
	size_t olen = 5 * MB + MB / 2;
	uint32_t code = 0;
	const char *why;

	TEST_ASSERT_NOT_NULL(a, "arena");
	n1 = a;
	o = a + 3 * MB;
	n2 = o + olen;
	TEST_ASSERT_SUCCESS(map_at(n1, 3 * MB, PROT_READ | PROT_WRITE, MADV_NOHUGEPAGE), "N1");
	if (map_at(o, olen, PROT_READ | PROT_WRITE, MADV_HUGEPAGE) != 0)
		TEST_SKIP("MADV_HUGEPAGE refused (%s): no THP in this kernel", strerror(errno));
	TEST_ASSERT_SUCCESS(map_at(n2, a + 11 * MB - n2, PROT_READ | PROT_WRITE,
		MADV_NOHUGEPAGE), "N2");
	TEST_ASSERT_SUCCESS(sva_iopf_maps_refresh(), "refresh");
	if (!thp_usable(o, &why))
		TEST_SKIP("%s", why);

	/* a write in the first THP block, window 16 pages (64 KiB) each side */
	TEST_ASSERT_SUCCESS(sva_iopf_bond_fault_around_set(T.bond, 16, 16), "window");
	d = a + 4 * MB;
	TEST_ASSERT_SUCCESS(one_group(1, (uintptr_t)d + 77 * PG, RW, &code), "group 1");
	TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_SUCCESS, "success");
	TEST_ASSERT_EQUAL(present(n1, 3 * MB), 0, "N1 untouched");
	TEST_ASSERT_EQUAL(present(n2, a + 11 * MB - n2), 0, "N2 untouched");
	TEST_ASSERT_EQUAL(present(d, HPG), 512, "the demand block, whole");
	/* below: 16 head pages of 4 KiB; above: the next THP block is not wholly inside
	 * the 64 KiB window, so none of it */
	TEST_ASSERT_EQUAL(present(o, MB), 16, "head: the 16 pages of the window");
	TEST_ASSERT_EQUAL(present(d - 16 * PG, 16 * PG), 16, "right below the block");
	TEST_ASSERT_EQUAL(test_page_state(d - 16 * PG), TEST_PAGE_WRITTEN, "for write");
	TEST_ASSERT_EQUAL(present(d + HPG, olen - 3 * MB), 0, "nothing above the block");
	TEST_ASSERT_SUCCESS(bond_stats(), "stats");
	TEST_ASSERT_EQUAL(S.pages_populated, 1, "one demand block");
	TEST_ASSERT_EQUAL(S.bytes_populated, HPG, "2 MiB");
	TEST_ASSERT_EQUAL(S.fault_around_pages, 16, "16 pages of 4 KiB");

	/* a read in the tail, window 512 (2 MiB) each side: the tail's 4 KiB pages up to
	 * O's end; the block below is not wholly inside the window */
	TEST_ASSERT_SUCCESS(sva_iopf_bond_fault_around_set(T.bond, 512, 512), "window 512");
	d = a + 8 * MB + 25 * PG;
	TEST_ASSERT_SUCCESS(one_group(2, (uintptr_t)d, RD, &code), "group 2");
	TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_SUCCESS, "success");
	TEST_ASSERT_EQUAL(present(a + 8 * MB, MB / 2), 128, "the whole tail");
	TEST_ASSERT_EQUAL(present(a + 6 * MB, HPG), 0, "block below: not wholly in the window");
	TEST_ASSERT_EQUAL(present(n2, a + 11 * MB - n2), 0, "N2 still untouched");
	TEST_ASSERT_EQUAL(present(n1, 3 * MB), 0, "N1 still untouched");
	TEST_ASSERT_SUCCESS(bond_stats(), "stats");
	TEST_ASSERT_EQUAL(S.fault_around_pages, 16 + 127, "25 below, 102 above");
	return TEST_SUCCESS;
}

/*
 * hugetlb mapping H of three 2 MiB pages between 4 KiB neighbours: a window of 16
 * (64 KiB) holds no whole huge page; 512 (2 MiB) holds exactly the one on each side.
 * The old code counted the window in huge pages (16 x 2 MiB a side).
 */
static int
test_fault_around_hugetlb(void)
{
	uint8_t *a = arena(16 * MB), *h, *h2;
	uint32_t code = 0;

	TEST_ASSERT_NOT_NULL(a, "arena");
	h = a + 2 * MB;
	TEST_ASSERT_SUCCESS(map_at(h - 64 * PG, 64 * PG, PROT_READ | PROT_WRITE,
		MADV_NOHUGEPAGE), "below");
	if (mmap(h, 3 * HPG, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_FIXED, -1, 0) != h)
		TEST_SKIP("no three free 2 MiB hugepages for MAP_HUGETLB (%s)", strerror(errno));
	TEST_ASSERT_SUCCESS(map_at(h + 3 * HPG, 64 * PG, PROT_READ | PROT_WRITE,
		MADV_NOHUGEPAGE), "above");
	TEST_ASSERT_SUCCESS(sva_iopf_maps_refresh(), "refresh");
	TEST_ASSERT_SUCCESS(sva_iopf_bond_fault_around_set(T.bond, 16, 16), "window");
	TEST_ASSERT_SUCCESS(one_group(1, (uintptr_t)h + HPG + 3 * PG, RW, &code), "group 1");
	TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_SUCCESS, "success");
	TEST_ASSERT_EQUAL(present(h + HPG, HPG), 512, "the demand huge page");
	TEST_ASSERT_EQUAL(present(h, HPG), 0, "64 KiB window: not the huge page below");
	TEST_ASSERT_EQUAL(present(h + 2 * HPG, HPG), 0, "nor the one above");
	TEST_ASSERT_EQUAL(present(h - 64 * PG, 64 * PG), 0, "neighbour below");
	TEST_ASSERT_EQUAL(present(h + 3 * HPG, 64 * PG), 0, "neighbour above");
	TEST_ASSERT_SUCCESS(bond_stats(), "stats");
	TEST_ASSERT_EQUAL(S.fault_around_pages, 0, "none");

	/* a second mapping H2, window 512: one huge page each side of the demand page,
	 * clamped to H2 */
	h2 = a + 10 * MB;
	if (mmap(h2, 2 * HPG, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_FIXED, -1, 0) != h2)
		TEST_SKIP("no two more free 2 MiB hugepages (%s)", strerror(errno));
	TEST_ASSERT_SUCCESS(sva_iopf_maps_refresh(), "refresh");
	TEST_ASSERT_SUCCESS(sva_iopf_bond_fault_around_set(T.bond, 512, 512), "window 512");
	syn_pr(T.iommu, RID, PASID, 2, (uintptr_t)h + HPG + 9 * PG, RW, 1);
	syn_pr(T.iommu, RID, PASID, 3, (uintptr_t)h2 + HPG, RW, 1);
	poll_all();
	TEST_ASSERT_EQUAL(present(h, 3 * HPG), 3 * 512, "H: both sides, whole");
	TEST_ASSERT_EQUAL(present(h2, 2 * HPG), 2 * 512, "H2: the page below only");
	TEST_ASSERT_EQUAL(present(h - 64 * PG, 64 * PG), 0, "neighbour below");
	TEST_ASSERT_EQUAL(present(h + 3 * HPG, 64 * PG), 0, "neighbour above");
	TEST_ASSERT_SUCCESS(bond_stats(), "stats");
	TEST_ASSERT_EQUAL(S.fault_around_pages, 3, "two around H, one around H2");
	return TEST_SUCCESS;
}

/* The resolve budget (1 us) runs out in the demand pass: fault-around does not run. */
static int
test_fault_around_budget(void)
{
	uint8_t *a = arena(2 * MB), *o;
	uint32_t code = 0;

	TEST_ASSERT_NOT_NULL(a, "arena");
	o = a;
	TEST_ASSERT_SUCCESS(map_at(o, 256 * PG, PROT_READ | PROT_WRITE, MADV_NOHUGEPAGE), "map");
	TEST_ASSERT_SUCCESS(sva_iopf_maps_refresh(), "refresh");
	TEST_ASSERT_SUCCESS(sva_iopf_bond_fault_around_set(T.bond, 8, 8), "window");
	/* group 1: 48 adjacent pages, one range that takes far longer than 1 us (49 pages
	 * in all: below the 64 a bond may have resolved per burst, nothing deferred) */
	for (unsigned int p = 16; p < 64; p++)
		syn_pr(T.iommu, RID, PASID, 1, (uintptr_t)o + p * PG, RW, p == 63);
	/* group 2: a page of its own: past the budget */
	syn_pr(T.iommu, RID, PASID, 2, (uintptr_t)o + 200 * PG, RW, 1);
	poll_all();
	TEST_ASSERT_EQUAL(syn_responses_for(T.iommu, PASID, 1, &code), 1, "group 1");
	TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_SUCCESS, "the first range is always populated");
	TEST_ASSERT_EQUAL(syn_responses_for(T.iommu, PASID, 2, &code), 1, "group 2");
	TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_INVALID, "over budget");
	TEST_ASSERT_SUCCESS(bond_stats(), "stats");
	TEST_ASSERT_EQUAL(S.invalid[SVA_IOPF_R_BUDGET], 1, "reason");
	TEST_ASSERT_EQUAL(S.budget_overruns, 1, "one burst over, counted once");
	TEST_ASSERT_EQUAL(present(o, 256 * PG), 48, "the demand pages only");
	TEST_ASSERT_EQUAL(S.fault_around_pages, 0, "no fault-around past the budget");
	return TEST_SUCCESS;
}

/* ---- item 10: addresses the snapshot does not know ---- */

static int
test_unknown_address_checked(void)
{
	uint8_t *hole = mmap(NULL, 16 * PG, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint8_t *a, *ro, *rx;
	uint32_t code = 0;

	TEST_ASSERT(hole != MAP_FAILED, "hole, for now");
	TEST_ASSERT_SUCCESS(madvise(hole, 16 * PG, MADV_NOHUGEPAGE), "4 KiB pages");
	/* the snapshot holds hole, and no mapping where ro and rx will be */
	a = room_after_snapshot(2 * MB);
	TEST_ASSERT_NOT_NULL(a, "room");
	ro = a;
	rx = a + 64 * PG;
	/* after the snapshot: a read-only mapping, a read-exec one, and a hole where the
	 * snapshot still has a mapping */
	TEST_ASSERT_SUCCESS(map_fresh(ro, 16 * PG, PROT_READ, MADV_NOHUGEPAGE), "ro");
	TEST_ASSERT_SUCCESS(map_fresh(rx, 16 * PG, PROT_READ | PROT_EXEC, MADV_NOHUGEPAGE), "rx");
	TEST_ASSERT_SUCCESS(munmap(hole, 16 * PG), "hole");

	syn_pr(T.iommu, RID, PASID, 1, (uintptr_t)ro, RX, 1);            /* exec: no */
	syn_pr(T.iommu, RID, PASID, 2, (uintptr_t)ro + PG, RW, 1);       /* write: no */
	syn_pr(T.iommu, RID, PASID, 3, (uintptr_t)ro + 2 * PG, RD, 1);   /* read: yes */
	syn_pr(T.iommu, RID, PASID, 4, (uintptr_t)rx + PG, RX, 1);       /* exec: yes */
	syn_pr(T.iommu, RID, PASID, 5, (uintptr_t)hole + PG, RD, 1);     /* hole (stale) */
	poll_all();
	TEST_ASSERT_EQUAL(syn_responses_for(T.iommu, PASID, 1, &code), 1, "1");
	TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_INVALID, "exec on a new read-only mapping");
	TEST_ASSERT_EQUAL(syn_responses_for(T.iommu, PASID, 2, &code), 1, "2");
	TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_INVALID, "write on a new read-only mapping");
	TEST_ASSERT_EQUAL(syn_responses_for(T.iommu, PASID, 3, &code), 1, "3");
	TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_SUCCESS, "read on it");
	TEST_ASSERT_EQUAL(syn_responses_for(T.iommu, PASID, 4, &code), 1, "4");
	TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_SUCCESS, "exec on a new exec mapping");
	TEST_ASSERT_EQUAL(syn_responses_for(T.iommu, PASID, 5, &code), 1, "5");
	TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_INVALID, "unmapped since the snapshot");
	TEST_ASSERT_EQUAL(present(ro, 16 * PG), 1, "ro: the read page only");
	TEST_ASSERT_EQUAL(present(rx, 16 * PG), 1, "rx: the exec page only");
	TEST_ASSERT_SUCCESS(bond_stats(), "stats");
	TEST_ASSERT_EQUAL(S.invalid[SVA_IOPF_R_PERM], 2, "exec and write: the mapping lacks them");
	/* the hole's snapshot entry is plain 4 KiB: trusted, and the kernel's ENOMEM
	 * decides (the errno rule: R_NOMEM for a page with a snapshot entry) */
	TEST_ASSERT_EQUAL(S.invalid[SVA_IOPF_R_NOMEM], 1, "the hole");
	TEST_ASSERT_EQUAL(S.populate_calls, 3, "refused pages never reach populate");
	TEST_ASSERT_EQUAL(S.maps_misses, 2, "the two pages resolved outside the snapshot");
	return TEST_SUCCESS;
}

/* Without PROCMAP_QUERY (kernels before 6.11): execute is refused on memory neither
 * the snapshot nor the kernel vouches for; read and write are left to populate. */
static int
test_unknown_address_no_query(void)
{
	uint8_t *a = room_after_snapshot(2 * MB), *ro, *rx, *rw;
	uint32_t code = 0;

	TEST_ASSERT_NOT_NULL(a, "room the snapshot will not know");
	ro = a;
	rx = a + 64 * PG;
	rw = a + 128 * PG;
	TEST_ASSERT_SUCCESS(map_fresh(ro, 16 * PG, PROT_READ, MADV_NOHUGEPAGE), "ro");
	TEST_ASSERT_SUCCESS(map_fresh(rx, 16 * PG, PROT_READ | PROT_EXEC, MADV_NOHUGEPAGE), "rx");
	TEST_ASSERT_SUCCESS(map_fresh(rw, 16 * PG, PROT_READ | PROT_WRITE, MADV_NOHUGEPAGE), "rw");
	iopf_maps_query_disable(true);
	syn_pr(T.iommu, RID, PASID, 1, (uintptr_t)ro, RX, 1);
	syn_pr(T.iommu, RID, PASID, 2, (uintptr_t)rx, RX, 1);
	syn_pr(T.iommu, RID, PASID, 3, (uintptr_t)ro + PG, RW, 1);
	syn_pr(T.iommu, RID, PASID, 4, (uintptr_t)rw, RW, 1);
	poll_all();
	iopf_maps_query_disable(false);
	TEST_ASSERT_EQUAL(syn_responses_for(T.iommu, PASID, 1, &code), 1, "1");
	TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_INVALID, "exec, unknown: refused");
	TEST_ASSERT_EQUAL(syn_responses_for(T.iommu, PASID, 2, &code), 1, "2");
	TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_INVALID, "exec, unknown: refused even if allowed");
	TEST_ASSERT_EQUAL(syn_responses_for(T.iommu, PASID, 3, &code), 1, "3");
	TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_INVALID, "write on read-only: the kernel refuses");
	TEST_ASSERT_EQUAL(syn_responses_for(T.iommu, PASID, 4, &code), 1, "4");
	TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_SUCCESS, "write on read-write");
	TEST_ASSERT_EQUAL(present(ro, 16 * PG), 0, "ro untouched");
	TEST_ASSERT_EQUAL(present(rx, 16 * PG), 0, "rx untouched");
	TEST_ASSERT_EQUAL(present(rw, 16 * PG), 1, "rw: the one page");
	TEST_ASSERT_SUCCESS(bond_stats(), "stats");
	TEST_ASSERT_EQUAL(S.invalid[SVA_IOPF_R_NO_MAPPING], 2, "exec on unknown memory");
	TEST_ASSERT_EQUAL(S.invalid[SVA_IOPF_R_POPULATE], 1, "the kernel's refusal");
	return TEST_SUCCESS;
}

/* ---- item 11: a stale snapshot never widens ---- */

/*
 * O, THP-eligible, is in the snapshot; then it is unmapped and its first 2 MiB block
 * is remapped as B (64 KiB) and C (the rest of the block), both 4 KiB mappings. A
 * write to B's first page must populate that page, not the block (the old code
 * populated all 512 pages of B and C for write), and a fault-around window stays in B.
 */
static int
test_stale_thp_no_widening(void)
{
	uint8_t *a = arena(6 * MB), *o, *b, *c;
	uint32_t code = 0;
	const char *why;

	TEST_ASSERT_NOT_NULL(a, "arena");
	o = a + 2 * MB;
	if (map_at(o, 2 * HPG, PROT_READ | PROT_WRITE, MADV_HUGEPAGE) != 0)
		TEST_SKIP("MADV_HUGEPAGE refused (%s): no THP in this kernel", strerror(errno));
	TEST_ASSERT_SUCCESS(sva_iopf_maps_refresh(), "refresh");
	if (!thp_usable(o, &why))
		TEST_SKIP("%s", why);
	/* O unmapped: replaced by PROT_NONE at once, never a hole another thread's mmap
	 * could take before the MAP_FIXED mappings below */
	TEST_ASSERT_SUCCESS(map_at(o, 2 * HPG, PROT_NONE, 0), "unmap O");
	b = o;
	c = o + 16 * PG;
	TEST_ASSERT_SUCCESS(map_at(b, 16 * PG, PROT_READ | PROT_WRITE, 0), "B");
	TEST_ASSERT_SUCCESS(map_at(c, HPG - 16 * PG, PROT_READ | PROT_WRITE, MADV_NOHUGEPAGE),
		"C");
	/* no refresh: the snapshot still says O, THP */
	TEST_ASSERT_SUCCESS(one_group(1, (uintptr_t)b, RW, &code), "group 1");
	TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_SUCCESS, "success");
	TEST_ASSERT_EQUAL(test_page_state(b), TEST_PAGE_WRITTEN, "the page asked for");
	TEST_ASSERT_EQUAL(present(b, 16 * PG), 1, "nothing else of B");
	TEST_ASSERT_EQUAL(present(c, HPG - 16 * PG), 0, "nothing of C");
	TEST_ASSERT_SUCCESS(bond_stats(), "stats");
	TEST_ASSERT_EQUAL(S.pages_populated, 1, "one page");
	TEST_ASSERT_EQUAL(S.bytes_populated, PG, "of 4 KiB");

	/* fault-around: the kernel's mapping (B) bounds the window, not the stale O */
	TEST_ASSERT_SUCCESS(sva_iopf_bond_fault_around_set(T.bond, 0, 64), "window");
	TEST_ASSERT_SUCCESS(one_group(2, (uintptr_t)b + 2 * PG, RW, &code), "group 2");
	TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_SUCCESS, "success");
	TEST_ASSERT_EQUAL(present(b, 16 * PG), 1 + 1 + 13, "B: up to its end");
	TEST_ASSERT_EQUAL(present(c, HPG - 16 * PG), 0, "still nothing of C");
	TEST_ASSERT_SUCCESS(bond_stats(), "stats");
	TEST_ASSERT_EQUAL(S.fault_around_pages, 13, "clamped to B");
	return TEST_SUCCESS;
}

/* The same with a hugetlb mapping replaced by 4 KiB ones: never a 2 MiB populate. */
static int
test_stale_hugetlb_no_widening(void)
{
	uint8_t *a = arena(4 * MB), *h, *b, *c;
	uint32_t code = 0;

	TEST_ASSERT_NOT_NULL(a, "arena");
	h = a + 2 * MB;
	if (mmap(h, HPG, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_FIXED, -1, 0) != h)
		TEST_SKIP("no free 2 MiB hugepage for MAP_HUGETLB (%s)", strerror(errno));
	TEST_ASSERT_SUCCESS(sva_iopf_maps_refresh(), "refresh");
	TEST_ASSERT_SUCCESS(map_at(h, HPG, PROT_NONE, 0), "unmap H (replaced, no hole)");
	b = h;
	c = h + 16 * PG;
	TEST_ASSERT_SUCCESS(map_at(b, 16 * PG, PROT_READ | PROT_WRITE, MADV_NOHUGEPAGE), "B");
	TEST_ASSERT_SUCCESS(map_at(c, HPG - 16 * PG, PROT_READ, MADV_NOHUGEPAGE), "C");
	TEST_ASSERT_SUCCESS(one_group(1, (uintptr_t)b + 3 * PG, RD, &code), "group 1");
	TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_SUCCESS, "success");
	TEST_ASSERT_EQUAL(present(b, 16 * PG), 1, "the page asked for only");
	TEST_ASSERT_EQUAL(present(c, HPG - 16 * PG), 0, "nothing of C");
	TEST_ASSERT_SUCCESS(bond_stats(), "stats");
	TEST_ASSERT_EQUAL(S.bytes_populated, PG, "4 KiB");
	return TEST_SUCCESS;
}

/* ---- issue 14: mappings newer than the snapshot (the overlay) ---- */

/*
 * A read-only buffer mapped after the snapshot: write and execute are refused with the
 * reason counted (R_PERM), a read is served; one lookup for the mapping, every later
 * page (in the same burst and in the next) judged by the overlay without another.
 */
static int
test_overlay_read_only(void)
{
	uint8_t *a = room_after_snapshot(2 * MB), *ro;
	uint64_t gen = sva_iopf_maps_generation();
	uint32_t code = 0;

	TEST_ASSERT_NOT_NULL(a, "room");
	ro = a;
	TEST_ASSERT_SUCCESS(map_fresh(ro, 16 * PG, PROT_READ, MADV_NOHUGEPAGE), "ro");
	TEST_ASSERT_SUCCESS(sva_iopf_stats_reset(T.iopf, NULL), "reset");
	syn_pr(T.iommu, RID, PASID, 1, (uintptr_t)ro, RW, 1);            /* write: no */
	syn_pr(T.iommu, RID, PASID, 2, (uintptr_t)ro + PG, RX, 1);       /* exec: no */
	syn_pr(T.iommu, RID, PASID, 3, (uintptr_t)ro + 2 * PG, RD, 1);   /* read: yes */
	poll_all();
	TEST_ASSERT_EQUAL(syn_responses_for(T.iommu, PASID, 1, &code), 1, "1");
	TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_INVALID, "write on a new read-only mapping");
	TEST_ASSERT_EQUAL(syn_responses_for(T.iommu, PASID, 2, &code), 1, "2");
	TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_INVALID, "exec on a new read-only mapping");
	TEST_ASSERT_EQUAL(syn_responses_for(T.iommu, PASID, 3, &code), 1, "3");
	TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_SUCCESS, "read on it");
	syn_pr(T.iommu, RID, PASID, 4, (uintptr_t)ro + 3 * PG, RD, 1);   /* next burst */
	poll_all();
	TEST_ASSERT_EQUAL(syn_responses_for(T.iommu, PASID, 4, &code), 1, "4");
	TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_SUCCESS, "read, next burst");
	TEST_ASSERT_EQUAL(sva_iopf_maps_generation(), gen, "no refresh in between");
	TEST_ASSERT_EQUAL(present(ro, 16 * PG), 2, "the two read pages only");
	TEST_ASSERT_SUCCESS(bond_stats(), "stats");
	TEST_ASSERT_EQUAL(S.invalid[SVA_IOPF_R_PERM], 2, "write and exec: R_PERM");
	TEST_ASSERT_EQUAL(S.resp_success, 2, "two reads");
	/* maps_misses counts the pages resolved outside the snapshot (the refused ones
	 * are counted by their reason) */
	TEST_ASSERT_EQUAL(S.maps_misses, 2, "the two reads");
	TEST_ASSERT_EQUAL(S.populate_calls, 2, "refused pages never reach populate");
	TEST_ASSERT_SUCCESS(maps_stats(), "maps stats");
	TEST_ASSERT_EQUAL(M.lookups, 1, "one PROCMAP_QUERY for the mapping");
	TEST_ASSERT_EQUAL(M.overlay_hits, 3, "the other three pages");
	TEST_ASSERT_EQUAL(M.rechecks, 0, "the kernel answered in that burst: no recheck");
	TEST_ASSERT_EQUAL(M.overlay_evictions, 0, "room left");
	TEST_ASSERT_EQUAL(M.refresh_requests, 0, "none needed");
	TEST_ASSERT_EQUAL(sva_iopf_maps_stats_get(NULL, &M), -EINVAL, "NULL iopf");
	TEST_ASSERT_EQUAL(sva_iopf_maps_stats_get(T.iopf, NULL), -EINVAL, "NULL stats");
	return TEST_SUCCESS;
}

/*
 * A THP region (MADV_HUGEPAGE) mapped after the snapshot: its first fault is populated
 * at 4 KiB (PROCMAP_QUERY does not say THP eligibility), the kernel backs that block
 * with a huge page, the overlay learns it (one PAGEMAP_SCAN), and the next block is
 * populated at 2 MiB.
 */
static int
test_overlay_thp(void)
{
	uint8_t *a = room_after_snapshot(6 * MB), *o;
	uint32_t code = 0;

	TEST_ASSERT_NOT_NULL(a, "room");
	o = a + 2 * MB;
	if (map_fresh(o, 2 * HPG, PROT_READ | PROT_WRITE, MADV_HUGEPAGE) != 0)
		TEST_SKIP("MADV_HUGEPAGE refused (%s): no THP in this kernel", strerror(errno));
	TEST_ASSERT_SUCCESS(one_group(1, (uintptr_t)o + 5 * PG, RW, &code), "group 1");
	TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_SUCCESS, "success");
	TEST_ASSERT_SUCCESS(maps_stats(), "maps stats");
	TEST_ASSERT_EQUAL(M.lookups, 1, "one lookup");
	TEST_ASSERT_EQUAL(M.thp_probes, 1, "one probe of the first block");
	if (present(o, HPG) != 512)
		TEST_SKIP("the kernel backed the first block with 4 KiB pages (THP mode never, "
			"or no free huge page): nothing to learn");
	TEST_ASSERT_SUCCESS(one_group(2, (uintptr_t)o + HPG + 7 * PG, RW, &code), "group 2");
	TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_SUCCESS, "success");
	TEST_ASSERT_EQUAL(present(o + HPG, HPG), 512, "the second block, whole");
	TEST_ASSERT_EQUAL(test_page_state(o + HPG), TEST_PAGE_WRITTEN, "for write");
	TEST_ASSERT_SUCCESS(bond_stats(), "stats");
	TEST_ASSERT_EQUAL(S.pages_populated, 2, "one page per request");
	TEST_ASSERT_EQUAL(S.bytes_populated, PG + HPG, "4 KiB, then 2 MiB");
	TEST_ASSERT_SUCCESS(maps_stats(), "maps stats");
	TEST_ASSERT_EQUAL(M.lookups, 1, "no second lookup");
	TEST_ASSERT_EQUAL(M.overlay_hits, 1, "the second block");
	TEST_ASSERT_EQUAL(M.thp_probes, 1, "learned once");
	return TEST_SUCCESS;
}

/* A hugetlb 2 MiB mapping made after the snapshot: populated a huge page at a time. */
static int
test_overlay_hugetlb(void)
{
	uint8_t *a = room_after_snapshot(8 * MB), *h;
	uint32_t code = 0;

	TEST_ASSERT_NOT_NULL(a, "room");
	h = a + 2 * MB;
	if (mmap(h, 2 * HPG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB |
			MAP_FIXED, -1, 0) != h)
		TEST_SKIP("no two free 2 MiB hugepages for MAP_HUGETLB (%s)", strerror(errno));
	TEST_ASSERT_SUCCESS(one_group(1, (uintptr_t)h + 3 * PG, RW, &code), "group 1");
	TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_SUCCESS, "success");
	TEST_ASSERT_SUCCESS(one_group(2, (uintptr_t)h + HPG + 9 * PG, RD, &code), "group 2");
	TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_SUCCESS, "success");
	TEST_ASSERT_EQUAL(present(h, 2 * HPG), 2 * 512, "both huge pages, whole");
	TEST_ASSERT_SUCCESS(bond_stats(), "stats");
	TEST_ASSERT_EQUAL(S.pages_populated, 2, "two pages");
	TEST_ASSERT_EQUAL(S.bytes_populated, 2 * HPG, "of 2 MiB");
	TEST_ASSERT_EQUAL(S.populate_calls, 2, "one call each");
	TEST_ASSERT_SUCCESS(maps_stats(), "maps stats");
	TEST_ASSERT_EQUAL(M.lookups, 1, "one lookup");
	TEST_ASSERT_EQUAL(M.overlay_hits, 1, "the second page");
	TEST_ASSERT_EQUAL(M.thp_probes, 0, "hugetlb: the kernel says the page size");
	return TEST_SUCCESS;
}

/*
 * The overlay learned a mapping, then it was unmapped and another mapped at the same
 * address (no refresh): the new one's permissions apply.
 *  - RW learned, replaced by RO: a write is refused (R_PERM), nothing populated;
 *  - RX learned, replaced by RW: an execute is refused (R_PERM);
 *  - RO learned, replaced by RW: a write is served.
 */
static int
test_overlay_replaced(void)
{
	uint8_t *a = room_after_snapshot(2 * MB), *x = NULL;
	uint32_t code = 0;
	static const struct {
		int old_prot, new_prot;
		uint32_t perm;
		uint32_t code;
	} c[] = {
		{ PROT_READ | PROT_WRITE, PROT_READ, RW, SVA_PAGE_RESP_INVALID },
		{ PROT_READ | PROT_EXEC, PROT_READ | PROT_WRITE, RX, SVA_PAGE_RESP_INVALID },
		{ PROT_READ, PROT_READ | PROT_WRITE, RW, SVA_PAGE_RESP_SUCCESS },
	};

	TEST_ASSERT_NOT_NULL(a, "room");
	for (unsigned int i = 0; i < RTE_DIM(c); i++) {
		uint32_t grp = 10 * i + 1;

		x = a + i * 64 * PG;
		TEST_ASSERT_SUCCESS(map_fresh(x, 16 * PG, c[i].old_prot, MADV_NOHUGEPAGE), "old");
		/* the overlay learns the old mapping */
		syn_pr(T.iommu, RID, PASID, grp, (uintptr_t)x, RD, 1);
		poll_all();
		TEST_ASSERT_EQUAL(syn_responses_for(T.iommu, PASID, grp, &code), 1, "learn");
		TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_SUCCESS, "read of the old one");
		/* MAP_FIXED over it: the old mapping unmapped and the new one made at once
		 * (nothing else can land in between) */
		TEST_ASSERT_SUCCESS(map_fresh(x, 16 * PG, c[i].new_prot, MADV_NOHUGEPAGE), "new");
		syn_pr(T.iommu, RID, PASID, grp + 1, (uintptr_t)x + PG, c[i].perm, 1);
		poll_all();
		TEST_ASSERT_EQUAL(syn_responses_for(T.iommu, PASID, grp + 1, &code), 1, "asked");
		TEST_ASSERT_EQUAL(code, c[i].code, "the new mapping's permissions (case %u)", i);
		TEST_ASSERT_EQUAL(present(x, 16 * PG), c[i].code == SVA_PAGE_RESP_SUCCESS,
			"populated only when the new mapping allows it (case %u)", i);
	}
	TEST_ASSERT_SUCCESS(bond_stats(), "stats");
	TEST_ASSERT_EQUAL(S.invalid[SVA_IOPF_R_PERM], 2, "R_PERM twice");
	TEST_ASSERT_EQUAL(S.resp_invalid, 2, "nothing else refused");
	TEST_ASSERT_SUCCESS(maps_stats(), "maps stats");
	TEST_ASSERT_EQUAL(M.lookups, 3 + 3, "three learned, three asked again");
	TEST_ASSERT_EQUAL(M.rechecks, 3, "populate failure, execute, permission refused");
	return TEST_SUCCESS;
}

/*
 * More new mappings than the overlay holds (32): the oldest entries are replaced, a
 * refresh is asked, the background refresh (off the poll path) takes a snapshot that
 * holds them all, and the overlay starts empty again.
 */
static int
test_overlay_full(void)
{
	enum { N = 40 };
	uint8_t *a = room_after_snapshot(2 * MB);
	uint64_t gen = sva_iopf_maps_generation();
	struct sva_iopf_maps_entry e;
	uint32_t code = 0;
	int waited = 0;

	TEST_ASSERT_NOT_NULL(a, "room");
	/* separate mappings: a hole between neighbours, so the kernel merges none */
	for (unsigned int i = 0; i < N; i++)
		TEST_ASSERT_SUCCESS(map_fresh(a + 2 * i * PG, PG, PROT_READ | PROT_WRITE,
			MADV_NOHUGEPAGE), "mapping %u", i);
	for (unsigned int i = 0; i < N; i++)
		syn_pr(T.iommu, RID, PASID, i + 1, (uintptr_t)a + 2 * i * PG, RW, 1);
	poll_all();
	for (unsigned int i = 0; i < N; i++) {
		TEST_ASSERT_EQUAL(syn_responses_for(T.iommu, PASID, i + 1, &code), 1, "answered");
		TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_SUCCESS, "served %u", i);
	}
	TEST_ASSERT_SUCCESS(maps_stats(), "maps stats");
	TEST_ASSERT_EQUAL(M.lookups, N, "one lookup each");
	TEST_ASSERT_EQUAL(M.overlay_evictions, N - 32, "32 entries");
	TEST_ASSERT_EQUAL(M.refresh_requests, N - 32, "a refresh asked at each eviction");
	while (sva_iopf_maps_generation() == gen && waited++ < 100)
		usleep(10000);
	TEST_ASSERT(sva_iopf_maps_generation() != gen, "a background refresh within 1 s");
	TEST_ASSERT_SUCCESS(sva_iopf_maps_find((uintptr_t)a, &e), "the snapshot holds them");
	TEST_ASSERT_EQUAL(e.start, (uintptr_t)a, "the first one");
	TEST_ASSERT_SUCCESS(maps_stats(), "maps stats");
	TEST_ASSERT(M.bg_refreshes >= 1, "counted");
	/* the first mapping again: the snapshot's now, no lookup */
	TEST_ASSERT_SUCCESS(one_group(100, (uintptr_t)a + 3 * 2 * PG, RD, &code), "group 100");
	TEST_ASSERT_SUCCESS(maps_stats(), "maps stats");
	TEST_ASSERT_EQUAL(M.lookups, N, "no lookup");
	TEST_ASSERT_SUCCESS(bond_stats(), "stats");
	TEST_ASSERT_EQUAL(S.maps_misses, N, "a snapshot hit");
	return TEST_SUCCESS;
}

/* Without PROCMAP_QUERY (before Linux 6.11): a new mapping is served by the fallback
 * rule, and the background refresh brings it into the snapshot. */
static int
test_overlay_no_query_refresh(void)
{
	uint8_t *a = room_after_snapshot(2 * MB);
	uint64_t gen = sva_iopf_maps_generation();
	struct sva_iopf_maps_entry e;
	uint32_t code = 0;
	int waited = 0;

	TEST_ASSERT_NOT_NULL(a, "room");
	TEST_ASSERT_SUCCESS(map_fresh(a, 16 * PG, PROT_READ, MADV_NOHUGEPAGE), "ro");
	TEST_ASSERT_EQUAL(sva_iopf_maps_find((uintptr_t)a, &e), -ENOENT, "not in the snapshot");
	iopf_maps_query_disable(true);
	TEST_ASSERT_SUCCESS(one_group(1, (uintptr_t)a, RX, &code), "group 1");
	TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_INVALID, "exec on unknown memory");
	TEST_ASSERT_SUCCESS(maps_stats(), "maps stats");
	TEST_ASSERT_EQUAL(M.lookups, 0, "nothing to ask");
	TEST_ASSERT_EQUAL(M.refresh_requests, 1, "a refresh asked");
	while (sva_iopf_maps_generation() == gen && waited++ < 100)
		usleep(10000);
	TEST_ASSERT(sva_iopf_maps_generation() != gen, "a background refresh within 1 s");
	TEST_ASSERT_SUCCESS(sva_iopf_maps_find((uintptr_t)a, &e), "now in the snapshot");
	TEST_ASSERT_EQUAL(e.prot, PROT_READ, "read-only");
	/* the snapshot's entry judges now: exec refused as R_PERM, a read served */
	syn_pr(T.iommu, RID, PASID, 2, (uintptr_t)a + PG, RX, 1);
	syn_pr(T.iommu, RID, PASID, 3, (uintptr_t)a + 2 * PG, RD, 1);
	poll_all();
	iopf_maps_query_disable(false);
	TEST_ASSERT_EQUAL(syn_responses_for(T.iommu, PASID, 2, &code), 1, "answered");
	TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_INVALID, "exec on read-only");
	TEST_ASSERT_EQUAL(syn_responses_for(T.iommu, PASID, 3, &code), 1, "answered");
	TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_SUCCESS, "read");
	TEST_ASSERT_SUCCESS(bond_stats(), "stats");
	TEST_ASSERT_EQUAL(S.invalid[SVA_IOPF_R_NO_MAPPING], 1, "before the refresh");
	TEST_ASSERT_EQUAL(S.invalid[SVA_IOPF_R_PERM], 1, "after it");
	TEST_ASSERT_EQUAL(S.maps_misses, 0, "refused before the populate stage: not counted");
	return TEST_SUCCESS;
}

/*
 * A snapshot entry that refuses a permission is asked again: a buffer mapped after the
 * bind where the snapshot still has an older PROT_NONE mapping (memory reused), and a
 * mapping made writable by mprotect() since the snapshot, are served; a mapping that
 * really lacks the permission is still refused (R_PERM), the kernel having said so.
 */
static int
test_snapshot_refusal_rechecked(void)
{
	uint8_t *a = arena(2 * MB), *old, *mp, *ro;
	uint32_t code = 0;

	TEST_ASSERT_NOT_NULL(a, "arena");
	old = a;              /* PROT_NONE in the snapshot (the arena), then RW */
	mp = a + 64 * PG;     /* read-only in the snapshot, then mprotect RW */
	ro = a + 128 * PG;    /* read-only in the snapshot and now */
	TEST_ASSERT_SUCCESS(map_at(mp, 16 * PG, PROT_READ, MADV_NOHUGEPAGE), "mp");
	TEST_ASSERT_SUCCESS(map_at(ro, 16 * PG, PROT_READ, MADV_NOHUGEPAGE), "ro");
	usleep(250000); /* a background refresh asked by an earlier case runs first */
	TEST_ASSERT_SUCCESS(sva_iopf_maps_refresh(), "refresh");
	/* unmapped and mapped again at once (MAP_FIXED) */
	TEST_ASSERT_SUCCESS(map_at(old, 16 * PG, PROT_READ | PROT_WRITE, MADV_NOHUGEPAGE), "new");
	TEST_ASSERT_SUCCESS(mprotect(mp, 16 * PG, PROT_READ | PROT_WRITE), "mprotect");
	syn_pr(T.iommu, RID, PASID, 1, (uintptr_t)old + PG, RW, 1);
	syn_pr(T.iommu, RID, PASID, 2, (uintptr_t)mp + PG, RW, 1);
	syn_pr(T.iommu, RID, PASID, 3, (uintptr_t)ro + PG, RW, 1);
	poll_all();
	TEST_ASSERT_EQUAL(syn_responses_for(T.iommu, PASID, 1, &code), 1, "1");
	TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_SUCCESS, "new mapping over a stale PROT_NONE entry");
	TEST_ASSERT_EQUAL(syn_responses_for(T.iommu, PASID, 2, &code), 1, "2");
	TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_SUCCESS, "made writable since the snapshot");
	TEST_ASSERT_EQUAL(syn_responses_for(T.iommu, PASID, 3, &code), 1, "3");
	TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_INVALID, "read-only still");
	TEST_ASSERT_EQUAL(test_page_state(old + PG), TEST_PAGE_WRITTEN, "written");
	TEST_ASSERT_EQUAL(test_page_state(mp + PG), TEST_PAGE_WRITTEN, "written");
	TEST_ASSERT_EQUAL(present(ro, 16 * PG), 0, "nothing of ro");
	TEST_ASSERT_SUCCESS(bond_stats(), "stats");
	TEST_ASSERT_EQUAL(S.invalid[SVA_IOPF_R_PERM], 1, "ro: R_PERM");
	TEST_ASSERT_SUCCESS(maps_stats(), "maps stats");
	TEST_ASSERT_EQUAL(M.rechecks, 3, "each refusal asked again once");
	TEST_ASSERT_EQUAL(M.lookups, 3, "three PROCMAP_QUERY");
	/* without PROCMAP_QUERY the snapshot's verdict stands */
	TEST_ASSERT_SUCCESS(sva_iopf_maps_refresh(), "refresh");
	TEST_ASSERT_SUCCESS(mprotect(ro, 16 * PG, PROT_READ | PROT_WRITE), "mprotect ro");
	iopf_maps_query_disable(true);
	syn_pr(T.iommu, RID, PASID, 4, (uintptr_t)ro + 2 * PG, RW, 1);
	poll_all();
	iopf_maps_query_disable(false);
	TEST_ASSERT_EQUAL(syn_responses_for(T.iommu, PASID, 4, &code), 1, "4");
	TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_INVALID, "the snapshot says read-only");
	TEST_ASSERT_SUCCESS(maps_stats(), "maps stats");
	TEST_ASSERT_EQUAL(M.rechecks, 3, "none without the ioctl");
	TEST_ASSERT_EQUAL(M.refresh_requests, 0, "a refusal asks no refresh");
	return TEST_SUCCESS;
}

static struct sva_test_suite iopf_resolve_suite = {
	.name = "iopf: nothing resolved outside the owner's mapping",
	.cases = {
		SVA_TEST_CASE_ST(setup, teardown, test_fault_around_thp_unaligned),
		SVA_TEST_CASE_ST(setup, teardown, test_fault_around_hugetlb),
		SVA_TEST_CASE_ST(setup_budget, teardown, test_fault_around_budget),
		SVA_TEST_CASE_ST(setup, teardown, test_unknown_address_checked),
		SVA_TEST_CASE_ST(setup, teardown, test_unknown_address_no_query),
		SVA_TEST_CASE_ST(setup, teardown, test_stale_thp_no_widening),
		SVA_TEST_CASE_ST(setup, teardown, test_stale_hugetlb_no_widening),
		SVA_TEST_CASE_ST(setup, teardown, test_overlay_read_only),
		SVA_TEST_CASE_ST(setup, teardown, test_overlay_thp),
		SVA_TEST_CASE_ST(setup, teardown, test_overlay_hugetlb),
		SVA_TEST_CASE_ST(setup, teardown, test_overlay_replaced),
		SVA_TEST_CASE_ST(setup, teardown, test_overlay_full),
		SVA_TEST_CASE_ST(setup, teardown, test_overlay_no_query_refresh),
		SVA_TEST_CASE_ST(setup, teardown, test_snapshot_refusal_rechecked),
		SVA_TEST_CASES_END(),
	},
};

static int
test_iopf_resolve(void)
{
	return sva_test_suite_run(&iopf_resolve_suite);
}

SVA_TEST_REGISTER(iopf_resolve_autotest, test_iopf_resolve);
