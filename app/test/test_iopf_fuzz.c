/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * iopf_fuzz_autotest: a hostile device. A seeded generator interleaves thousands of
 * page-request groups from good and bad requesters (unknown devs, unbound, foreign,
 * out-of-range and PASID-less PASIDs, PRG indexes beyond 9 bits), with good and bad
 * pages (read-only, PROT_NONE, unmapped, kernel-half, non-canonical, NULL), bad
 * permissions, stop markers, duplicated LASTs, groups that never close, and overflow
 * records. A model of the device predicts, for every group, how many answers it must
 * get and which code; the test checks the fault path against it exactly:
 *  - every group the device closed gets one answer (two at most for a duplicated LAST,
 *    with the same code), a group never closed gets one Invalid at flush, a group never
 *    started gets none, and nothing answers a group the device never sent;
 *  - Success only when the requester owns the PASID and every page is its own, mapped
 *    with the access asked for; an overflow makes the groups it cut Invalid;
 *  - the pages of a Success group are present afterwards; a PROT_NONE page never is,
 *    and a read-only page is never made writable.
 * Its blind spots (no deadlines, one PRG index per group, a duplicated LAST allowed two
 * answers because the test cannot tell whether it was read after the first answer) are
 * iopf_model_autotest's, which traces every read and holds a duplicate to exactly one
 * answer. Kept for what that suite does not send: PASIDs and PRG indexes wider than a
 * response carries (a 21-bit PASID aliasing a bound one, indexes 512..1023), a PASID
 * in the field with PASID-present clear, requesters with no dev open, a NULL page, and
 * thousands of interleaved groups per round.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_errno.h>

#include <sva_iopf.h>

#include "sva_test.h"
#include "test_pagemap.h"
#include "test_iopf_syn.h"

#define PG 4096ul
#define NBUF 256              /* read-write pages of the process */
#define GROUPS_PER_STREAM 512 /* one PRG index each: every group key is unique */
#define MAX_INFLIGHT 48
#define ROUND_RECORDS 1500
#define RW (SVA_FAULT_PERM_READ | SVA_FAULT_PERM_WRITE)

enum page_kind { PK_RW, PK_RO, PK_NONE, PK_HOLE, PK_KERNEL, PK_NONCANON, PK_NULL, PK_KINDS };

struct stream {
	uint32_t dev, pasid;
	bool pasid_valid;
	bool owner;   /* a bond serves exactly this (dev, PASID) */
	uint32_t grpid_base; /* 512: the device sends PRG indexes beyond 9 bits */
};

/* Requesters: two owners, then everything that must never resolve. */
static const struct stream streams[] = {
	{ 0x10, 5, true, true, 0 },          /* bond A */
	{ 0x20, 6, true, true, 0 },          /* bond B */
	{ 0x10, 6, true, false, 0 },         /* B's PASID from A's requester */
	{ 0x30, 5, true, false, 0 },         /* a requester with no dev open */
	{ 0x10, 7, true, false, 0 },         /* a PASID nobody bound */
	{ 0x10, 0, false, false, 0 },        /* no PASID: the RID has no bond */
	{ 0x20, 6, false, false, 0 },        /* B's PASID in the field, PASID-present clear */
	{ 0x10, 0x100005, true, false, 0 },  /* 21-bit PASID whose low 20 bits are A's */
	{ 0x20, 6, true, false, 512 },       /* B with PRG indexes 512..1023 */
};
#define NSTREAMS RTE_DIM(streams)

struct fz_group {
	uint8_t stream;
	uint16_t grpid;
	uint8_t npages, sent;
	uint64_t addr[4];
	uint32_t perm[4];
	bool valid;        /* every page is the owner's with the access asked for */
	bool last_ok;      /* the LAST page alone is */
	bool dup_last;
	bool cut;          /* an overflow came while it was open */
	uint16_t answers;
	uint8_t code;       /* of the first answer */
	uint8_t last_code;  /* of the last answer */
	bool code_mixed;
};

static struct {
	struct sva_iommu *iommu;
	struct sva_dev *dev_a, *dev_b;
	struct sva_iopf *iopf;
	struct sva_iopf_bond *bond_a, *bond_b;
	struct syn_iommu *syn;
	uint8_t *map;       /* NBUF rw | ro | none | hole */
	size_t map_len;
	struct fz_group *g;
	unsigned int ngroups;
	uint64_t rng;
} F;

static uint32_t
fz_rand(void)
{
	F.rng ^= F.rng << 13;
	F.rng ^= F.rng >> 7;
	F.rng ^= F.rng << 17;
	return (uint32_t)(F.rng >> 16);
}

static uint8_t *
rw_page(unsigned int i) { return F.map + i * PG; }
static uint8_t *
ro_page(void) { return F.map + NBUF * PG; }
static uint8_t *
none_page(void) { return F.map + (NBUF + 1) * PG; }
static uint8_t *
hole_page(void) { return F.map + (NBUF + 2) * PG; }

/* One page of a group: its address and access, and whether the owner may have it. */
static bool
draw_page(uint64_t *addr, uint32_t *perm)
{
	static const uint32_t good_perms[] = { SVA_FAULT_PERM_READ, SVA_FAULT_PERM_WRITE, RW };
	unsigned int kind = fz_rand() % 16 < 10 ? PK_RW : fz_rand() % PK_KINDS;
	bool ok;

	*perm = good_perms[fz_rand() % 3];
	switch (kind) {
	case PK_RW:
		*addr = (uintptr_t)rw_page(fz_rand() % NBUF);
		ok = true;
		break;
	case PK_RO:
		*addr = (uintptr_t)ro_page();
		ok = !(*perm & SVA_FAULT_PERM_WRITE);
		break;
	case PK_NONE:
		*addr = (uintptr_t)none_page();
		ok = false;
		break;
	case PK_HOLE:
		*addr = (uintptr_t)hole_page();
		ok = false;
		break;
	case PK_KERNEL:
		*addr = UINT64_C(0xffff888000000000) + (uint64_t)(fz_rand() % 4096) * PG;
		ok = false;
		break;
	case PK_NONCANON:
		*addr = UINT64_C(0x1000000000000000) + (uint64_t)(fz_rand() % 4096) * PG;
		ok = false;
		break;
	default:
		*addr = 0;
		ok = false;
		break;
	}
	/* sometimes an access no bond allows, or none at all */
	switch (fz_rand() % 32) {
	case 0:
		*perm |= SVA_FAULT_PERM_EXEC;
		ok = false;
		break;
	case 1:
		*perm |= SVA_FAULT_PERM_PRIV;
		ok = false;
		break;
	case 2:
		*perm = 0;
		ok = false;
		break;
	default:
		break;
	}
	return ok;
}

static struct fz_group *
new_group(unsigned int *next_grpid)
{
	unsigned int s = fz_rand() % NSTREAMS;
	struct fz_group *g;

	if (next_grpid[s] == GROUPS_PER_STREAM)
		return NULL;
	g = &F.g[F.ngroups++];
	memset(g, 0, sizeof(*g));
	g->stream = (uint8_t)s;
	g->grpid = (uint16_t)(streams[s].grpid_base + next_grpid[s]++);
	g->npages = (uint8_t)(1 + fz_rand() % 4);
	g->valid = streams[s].owner;
	for (unsigned int p = 0; p < g->npages; p++) {
		g->last_ok = draw_page(&g->addr[p], &g->perm[p]);
		g->valid &= g->last_ok;
	}
	g->dup_last = fz_rand() % 40 == 0;
	return g;
}

static bool
last_is_stop_marker(const struct fz_group *g)
{
	/* PCIe: a stop marker carries a PASID; without one it is a request (answered) */
	return !(g->perm[g->npages - 1] & RW) && streams[g->stream].pasid_valid;
}

static void
send_page(struct fz_group *g)
{
	const struct stream *st = &streams[g->stream];
	unsigned int p = g->sent++;
	bool last = g->sent == g->npages;
	uint32_t flags = (st->pasid_valid ? SVA_FAULT_PR_PASID_VALID : 0) |
		(last ? SVA_FAULT_PR_LAST_PAGE : 0);

	syn_pr_flags(F.iommu, st->dev, flags, st->pasid, g->grpid, g->addr[p], g->perm[p], 0);
	if (last && g->dup_last)
		syn_pr_flags(F.iommu, st->dev, flags, st->pasid, g->grpid, g->addr[p], g->perm[p], 0);
}

static struct fz_group *
group_of(const struct sva_page_response *r)
{
	for (unsigned int i = 0; i < F.ngroups; i++) {
		struct fz_group *g = &F.g[i];
		const struct stream *st = &streams[g->stream];

		if (g->sent > 0 && r->dev_id == st->dev && r->grpid == g->grpid &&
				!!(r->flags & SVA_PAGE_RESP_PASID_VALID) == st->pasid_valid &&
				(!st->pasid_valid || r->pasid == st->pasid))
			return g;
	}
	return NULL;
}

/* Poll until idle, then account every response the driver logged. */
static int
poll_and_collect(void)
{
	while (sva_iopf_poll(F.iommu, 4096) > 0)
		;
	for (uint32_t i = 0; i < F.syn->nresp; i++) {
		const struct sva_page_response *r = &F.syn->resp[i];
		struct fz_group *g = group_of(r);

		if (g == NULL) {
			sva_test_fail(__FILE__, __LINE__, "a response for a group the device never "
				"sent: dev 0x%x pasid 0x%x (valid %u) prg %u code %u", r->dev_id,
				r->pasid, r->flags & SVA_PAGE_RESP_PASID_VALID, r->grpid, r->code);
			return TEST_FAILED;
		}
		if (g->answers > 0 && g->code != r->code)
			g->code_mixed = true;
		if (g->answers == 0)
			g->code = (uint8_t)r->code;
		g->last_code = (uint8_t)r->code;
		g->answers++;
	}
	F.syn->nresp = 0;
	return TEST_SUCCESS;
}

static int
fuzz_setup(void)
{
	struct sva_iopf_conf conf;
	struct sva_iopf_bond_conf bc = { .flags = 0 };

	const char *seed = getenv("SVA_FUZZ_SEED");

	memset(&F, 0, sizeof(F));
	/* a fixed seed so runs repeat; SVA_FUZZ_SEED=N explores others */
	F.rng = seed != NULL ? strtoull(seed, NULL, 0) | 1 : 0x9e3779b97f4a7c15ull;
	if (seed != NULL)
		printf("    seed %s\n", seed);
	F.iommu = syn_create("fuzz0");
	TEST_ASSERT_NOT_NULL(F.iommu, "syn iommu");
	F.syn = syn_of(F.iommu);
	F.dev_a = sva_dev_open(F.iommu, "rid=0x10");
	F.dev_b = sva_dev_open(F.iommu, "rid=0x20");
	TEST_ASSERT_NOT_NULL(F.dev_a, "dev a");
	TEST_ASSERT_NOT_NULL(F.dev_b, "dev b");

	/* NBUF read-write pages, one read-only, one PROT_NONE, one unmapped hole */
	F.map_len = (NBUF + 3) * PG;
	F.map = mmap(NULL, F.map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(F.map != MAP_FAILED, "mmap");
	madvise(F.map, F.map_len, MADV_NOHUGEPAGE);
	TEST_ASSERT_SUCCESS(mprotect(ro_page(), PG, PROT_READ), "read-only page");
	TEST_ASSERT_SUCCESS(mprotect(none_page(), PG, PROT_NONE), "PROT_NONE page");
	TEST_ASSERT_SUCCESS(munmap(hole_page(), PG), "hole");
	TEST_ASSERT_SUCCESS(sva_iopf_maps_refresh(), "maps refresh");

	sva_iopf_conf_default(&conf);
	conf.group_timeout_us = 0;   /* the model has no clock: nothing expires */
	F.iopf = sva_iopf_create(F.iommu, &conf);
	TEST_ASSERT_NOT_NULL(F.iopf, "iopf");
	F.bond_a = sva_iopf_bond_add(F.iopf, F.dev_a, 5, &bc);
	F.bond_b = sva_iopf_bond_add(F.iopf, F.dev_b, 6, &bc);
	TEST_ASSERT_NOT_NULL(F.bond_a, "bond a");
	TEST_ASSERT_NOT_NULL(F.bond_b, "bond b");
	F.g = calloc(NSTREAMS * GROUPS_PER_STREAM, sizeof(*F.g));
	TEST_ASSERT_NOT_NULL(F.g, "model");
	return TEST_SUCCESS;
}

static void
fuzz_teardown(void)
{
	sva_iopf_bond_remove(F.bond_a);
	sva_iopf_bond_remove(F.bond_b);
	if (F.iopf != NULL)
		sva_iopf_destroy(F.iopf);
	sva_dev_close(F.dev_a);
	sva_dev_close(F.dev_b);
	sva_iommu_destroy(F.iommu);
	if (F.map != NULL && F.map != MAP_FAILED)
		munmap(F.map, F.map_len);
	free(F.g);
	memset(&F, 0, sizeof(F));
}

/* What the model says a group must have got. */
static int
check_group(const struct fz_group *g, unsigned int idx, unsigned int *success)
{
	bool closed = g->sent == g->npages && !last_is_stop_marker(g);
	const struct stream *st = &streams[g->stream];

	if (g->sent == 0 || st->grpid_base > 511 || (st->pasid_valid && st->pasid > 0xfffff)) {
		/* never sent, or no response could name it: dropped unanswered */
		TEST_ASSERT_EQUAL(g->answers, 0, "group %u was never sent but was answered", idx);
		return TEST_SUCCESS;
	}
	/* A duplicated LAST that lands in a later burst cannot be told from a new one-page
	 * group reusing the PRG index (legal once answered): it is judged alone. */
	TEST_ASSERT(!g->code_mixed || (g->dup_last && g->answers == 2),
		"group %u got answers with different codes", idx);
	if (g->answers == 2 && g->last_code == SVA_PAGE_RESP_SUCCESS)
		TEST_ASSERT(streams[g->stream].owner && g->last_ok,
			"group %u: its duplicated LAST was answered Success for a bad page", idx);
	if (!closed && g->sent == 1 && g->npages == 1) {
		/* its only request was a stop marker: nothing to answer */
		TEST_ASSERT_EQUAL(g->answers, 0, "stop marker %u was answered", idx);
		return TEST_SUCCESS;
	}
	if (!closed) {
		/* open at the end (no LAST, or a stop marker for LAST): a partial group is
		 * never answered, flush or not (sva_iopf.h) */
		TEST_ASSERT_EQUAL(g->answers, 0, "open group %u (stream %u, prg %u): answers",
			idx, g->stream, g->grpid);
		return TEST_SUCCESS;
	}
	TEST_ASSERT(g->answers >= 1 && g->answers <= (g->dup_last ? 2 : 1),
		"closed group %u (stream %u, prg %u, dup LAST %d) got %u answers", idx, g->stream,
		g->grpid, g->dup_last, g->answers);
	if (g->valid && !g->cut) {
		TEST_ASSERT_EQUAL(g->code, SVA_PAGE_RESP_SUCCESS,
			"group %u (stream %u) of good pages was refused", idx, g->stream);
		for (unsigned int p = 0; p < g->npages; p++) {
			int state = test_page_state((void *)(uintptr_t)g->addr[p]);

			TEST_ASSERT(state != 0, "group %u page %u answered Success is absent", idx, p);
			if (g->perm[p] & SVA_FAULT_PERM_WRITE)
				TEST_ASSERT_EQUAL(state, TEST_PAGE_WRITTEN, "group %u page %u not writable", idx, p);
		}
		(*success)++;
	} else {
		TEST_ASSERT_EQUAL(g->code, SVA_PAGE_RESP_INVALID,
			"group %u (stream %u, prg %u, valid %d, cut %d) must be Invalid", idx,
			g->stream, g->grpid, g->valid, g->cut);
	}
	return TEST_SUCCESS;
}

static int
test_iopf_fuzz_hostile_device(void)
{
	unsigned int next_grpid[NSTREAMS] = { 0 };
	struct fz_group *inflight[MAX_INFLIGHT];
	unsigned int ninflight = 0, records = 0, overflows = 0, success = 0, malformed = 0;
	bool generating = true;
	struct sva_iopf_stats st;

	while (generating || ninflight > 0) {
		/* keep the device busy with up to MAX_INFLIGHT interleaved groups */
		while (generating && ninflight < MAX_INFLIGHT) {
			struct fz_group *g = new_group(next_grpid);

			if (g == NULL) {
				/* this stream is spent; stop once most groups exist */
				if (F.ngroups > NSTREAMS * GROUPS_PER_STREAM * 3 / 4)
					generating = false;
				break;
			}
			inflight[ninflight++] = g;
		}
		if (ninflight == 0)
			continue;
		unsigned int i = fz_rand() % ninflight;
		struct fz_group *g = inflight[i];

		/* 1 in 600 groups is abandoned: the device never sends its LAST */
		if (g->sent + 1 == g->npages && fz_rand() % 600 == 0) {
			inflight[i] = inflight[--ninflight];
			continue;
		}
		send_page(g);
		records++;
		if (streams[g->stream].grpid_base > 511 || streams[g->stream].pasid > 0xfffff)
			malformed += 1 + (g->sent == g->npages && g->dup_last);
		if (g->sent == g->npages)
			inflight[i] = inflight[--ninflight];
		if (fz_rand() % 700 == 0) {
			/* an overflow: every group open now loses its unread requests */
			syn_overflow(F.iommu);
			overflows++;
			for (unsigned int k = 0; k < ninflight; k++)
				if (inflight[k]->sent > 0)
					inflight[k]->cut = true;
		}
		if (records % ROUND_RECORDS == 0 && poll_and_collect() != TEST_SUCCESS)
			return TEST_FAILED;
	}
	if (poll_and_collect() != TEST_SUCCESS)
		return TEST_FAILED;
	{
		int r = sva_iopf_flush(F.iopf, 16, NULL);

		TEST_ASSERT(r == 0 || r == -EAGAIN, "flush: %d", r);
	}
	if (poll_and_collect() != TEST_SUCCESS)
		return TEST_FAILED;

	for (unsigned int i = 0; i < F.ngroups; i++)
		if (check_group(&F.g[i], i, &success) != TEST_SUCCESS)
			return TEST_FAILED;
	TEST_ASSERT_EQUAL(test_page_state(none_page()), TEST_PAGE_ABSENT, "a PROT_NONE page was made present");
	TEST_ASSERT(test_page_state(ro_page()) != TEST_PAGE_WRITTEN, "a read-only page was made writable");
	/* the stream really was hostile, and the good part of it was served */
	TEST_ASSERT_GREATER(overflows, 0, "no overflow was sent");
	TEST_ASSERT_GREATER(success, 100, "too few groups resolved for the test to mean much");
	TEST_ASSERT_SUCCESS(sva_iopf_stats_get(F.iopf, NULL, &st), "stats");
	TEST_ASSERT_EQUAL(st.malformed_records, malformed,
		"every record with a field too wide is dropped and counted");
	printf("    %u groups, %u records, %u overflows, %u answered Success\n", F.ngroups,
		records, overflows, success);
	return TEST_SUCCESS;
}

static struct sva_test_suite iopf_fuzz_suite = {
	.name = "iopf: a hostile device against the fault path",
	.cases = {
		SVA_TEST_CASE_ST(fuzz_setup, fuzz_teardown, test_iopf_fuzz_hostile_device),
		SVA_TEST_CASES_END(),
	},
};

static int
test_iopf_fuzz(void)
{
	return sva_test_suite_run(&iopf_fuzz_suite);
}

SVA_TEST_REGISTER(iopf_fuzz_autotest, test_iopf_fuzz);
