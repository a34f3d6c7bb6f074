/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * iopf_maps_autotest: the mappings snapshot lib/iopf builds from /proc/self/maps
 * (sva_iopf_maps_refresh(), read back with sva_iopf_maps_find()): the page size of
 * hugetlb mappings (a hugetlbfs file, MAP_HUGETLB), THP eligibility by the rule of
 * the THP mode (sva_iopf.h), and permissions after mprotect() + refresh.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <rte_common.h>

#include <sva_iopf.h>

#include "sva_test.h"

#define PG 4096ul
#define HPG (2ul << 20)
#define HUGETLBFS_2M "/var/lib/hugetlbfs/global/pagesize-2MB"
#ifndef HUGETLBFS_MAGIC
#define HUGETLBFS_MAGIC 0x958458f6
#endif

static int
test_maps_find_args(void)
{
	struct sva_iopf_maps_entry e;
	int x = 0;

	TEST_ASSERT_SUCCESS(sva_iopf_maps_refresh(), "refresh");
	TEST_ASSERT_EQUAL(sva_iopf_maps_find((uintptr_t)&x, NULL), -EINVAL, "no entry");
	/* below mmap_min_addr: never mapped */
	TEST_ASSERT_EQUAL(sva_iopf_maps_find(PG, &e), -ENOENT, "unmapped");
	TEST_ASSERT_EQUAL(sva_iopf_maps_find(UINT64_C(0xffff888000000000), &e), -ENOENT,
		"kernel half");
	TEST_ASSERT_SUCCESS(sva_iopf_maps_find((uintptr_t)&x, &e), "the stack is mapped");
	TEST_ASSERT_EQUAL(e.prot, PROT_READ | PROT_WRITE, "stack rw");
	TEST_ASSERT_EQUAL(e.page_size, PG, "4 KiB");
	TEST_ASSERT(e.start <= (uintptr_t)&x && (uintptr_t)&x < e.end, "range holds it");
	TEST_ASSERT_EQUAL(e.gen, sva_iopf_maps_generation(), "generation");
	return TEST_SUCCESS;
}

/* A 2 MiB file on the hugetlbfs mount (unlinked: maps says "(deleted)"), and an
 * anonymous MAP_HUGETLB mapping ("/anon_hugepage (deleted)"). */
static int
test_maps_hugetlb_page_size(void)
{
	struct sva_iopf_maps_entry e;
	char path[128];
	struct statfs sf;
	uint8_t *f, *a;
	int fd;

	if (statfs(HUGETLBFS_2M, &sf) != 0 || (uint32_t)sf.f_type != HUGETLBFS_MAGIC)
		TEST_SKIP("no hugetlbfs mounted at " HUGETLBFS_2M);
	snprintf(path, sizeof(path), HUGETLBFS_2M "/sva-test-maps-%d", (int)getpid());
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	TEST_ASSERT(fd >= 0, "create %s: %s", path, strerror(errno));
	unlink(path);
	f = ftruncate(fd, 2 * HPG) == 0 ? mmap(NULL, 2 * HPG, PROT_READ | PROT_WRITE,
		MAP_SHARED | MAP_POPULATE, fd, 0) : MAP_FAILED;
	close(fd);
	if (f == MAP_FAILED)
		TEST_SKIP("no two free 2 MiB hugepages (%s)", strerror(errno));
	a = mmap(NULL, HPG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (a == MAP_FAILED) {
		munmap(f, 2 * HPG);
		TEST_SKIP("no free 2 MiB hugepage for MAP_HUGETLB (%s)", strerror(errno));
	}
	TEST_ASSERT_SUCCESS(sva_iopf_maps_refresh(), "refresh");
	TEST_ASSERT_SUCCESS(sva_iopf_maps_find((uintptr_t)f + HPG + 5 * PG, &e), "file found");
	TEST_ASSERT_EQUAL(e.page_size, HPG, "hugetlbfs file: the mount's page size");
	TEST_ASSERT_EQUAL(e.start, (uintptr_t)f, "start");
	TEST_ASSERT_EQUAL(e.end, (uintptr_t)f + 2 * HPG, "end");
	TEST_ASSERT_EQUAL(e.prot, PROT_READ | PROT_WRITE, "rw");
	TEST_ASSERT_EQUAL(e.thp, 0, "hugetlb is never THP");
	TEST_ASSERT_SUCCESS(sva_iopf_maps_find((uintptr_t)a, &e), "anon found");
	TEST_ASSERT_EQUAL(e.page_size, HPG, "MAP_HUGETLB: the default huge page size");
	TEST_ASSERT_EQUAL(e.prot, PROT_READ, "read-only");
	TEST_ASSERT_EQUAL(e.thp, 0, "hugetlb is never THP");
	munmap(f, 2 * HPG);
	munmap(a, HPG);
	return TEST_SUCCESS;
}

/* A MAP_HUGETLB | MAP_HUGE_1GB mapping: not the default size, so only a precise
 * source (PROCMAP_QUERY) gets it right. */
static int
test_maps_hugetlb_1g(void)
{
	struct sva_iopf_maps_entry e;
	uint8_t *a = mmap(NULL, 1ul << 30, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | (30 << MAP_HUGE_SHIFT), -1, 0);

	if (a == MAP_FAILED)
		TEST_SKIP("no free 1 GiB hugepage (%s)", strerror(errno));
	TEST_ASSERT_SUCCESS(sva_iopf_maps_refresh(), "refresh");
	TEST_ASSERT_SUCCESS(sva_iopf_maps_find((uintptr_t)a, &e), "found");
	munmap(a, 1ul << 30);
	TEST_ASSERT_EQUAL(e.page_size, 1ul << 30, "1 GiB");
	return TEST_SUCCESS;
}

/* The THP mode for 2 MiB pages, as the rule in sva_iopf.h reads it: 'a' always,
 * 'm' madvise, 'n' never (or THP disabled for the process). */
static char
thp_mode(void)
{
	const char *files[] = { "/sys/kernel/mm/transparent_hugepage/hugepages-2048kB/enabled",
		"/sys/kernel/mm/transparent_hugepage/enabled" };
	char buf[128];

	if (prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0) > 0)
		return 'n';
	for (unsigned int i = 0; i < RTE_DIM(files); i++) {
		FILE *f = fopen(files[i], "r");
		size_t n;

		if (f == NULL)
			continue;
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[n] = '\0';
		if (strstr(buf, "[always]") != NULL)
			return 'a';
		if (strstr(buf, "[madvise]") != NULL)
			return 'm';
		if (strstr(buf, "[never]") != NULL)
			return 'n';
	}
	return 'n';
}

static int
test_maps_thp(void)
{
	size_t len = 12 * HPG;
	uint8_t *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct sva_iopf_maps_entry e;
	char mode = thp_mode();
	uint8_t *h;

	TEST_ASSERT(m != MAP_FAILED, "mmap");
	h = (uint8_t *)RTE_ALIGN_CEIL((uintptr_t)m, HPG);
	/* [h + 2M, h + 4M) gets MADV_HUGEPAGE; [h + 6M, h + 8M) MADV_NOHUGEPAGE */
	if (madvise(h + HPG, 2 * HPG, MADV_HUGEPAGE) != 0) {
		munmap(m, len);
		TEST_SKIP("MADV_HUGEPAGE refused (%s): no THP in this kernel", strerror(errno));
	}
	TEST_ASSERT_SUCCESS(madvise(h + 4 * HPG, HPG, MADV_NOHUGEPAGE), "nohugepage");
	TEST_ASSERT_SUCCESS(sva_iopf_maps_refresh(), "refresh");
	printf("    THP mode: %s\n", mode == 'a' ? "always" : mode == 'm' ? "madvise" : "never");
	TEST_ASSERT_SUCCESS(sva_iopf_maps_find((uintptr_t)h + HPG + 7 * PG, &e), "advised");
	TEST_ASSERT_EQUAL(e.start, (uintptr_t)h + HPG, "split at the madvise start");
	TEST_ASSERT_EQUAL(e.end, (uintptr_t)h + 3 * HPG, "split at the madvise end");
	TEST_ASSERT_EQUAL(e.page_size, PG, "base pages");
	TEST_ASSERT_EQUAL(e.thp, mode != 'n', "MADV_HUGEPAGE: eligible unless never");
	TEST_ASSERT_SUCCESS(sva_iopf_maps_find((uintptr_t)h + 3 * HPG, &e), "plain");
	TEST_ASSERT_EQUAL(e.thp, mode == 'a', "plain anonymous: eligible only under always");
	TEST_ASSERT_SUCCESS(sva_iopf_maps_find((uintptr_t)h + 4 * HPG, &e), "nohugepage");
	TEST_ASSERT_EQUAL(e.start, (uintptr_t)h + 4 * HPG, "its own mapping");
	/* maps does not show MADV_NOHUGEPAGE, the kernel's THPeligible (smaps) does: never
	 * eligible, in any mode (under always it would otherwise be populated 2 MiB at a
	 * time against the application's advice) */
	TEST_ASSERT_EQUAL(e.thp, 0, "MADV_NOHUGEPAGE: never eligible");
	/* a later MADV_HUGEPAGE on part of a plain range splits it: seen at the refresh */
	TEST_ASSERT_SUCCESS(madvise(h + 6 * HPG, 2 * HPG, MADV_HUGEPAGE), "hugepage 2");
	TEST_ASSERT_SUCCESS(sva_iopf_maps_refresh(), "refresh 2");
	TEST_ASSERT_SUCCESS(sva_iopf_maps_find((uintptr_t)h + 7 * HPG, &e), "advised 2");
	TEST_ASSERT_EQUAL(e.start, (uintptr_t)h + 6 * HPG, "split");
	TEST_ASSERT_EQUAL(e.thp, mode != 'n', "seen after the refresh");
	munmap(m, len);
	return TEST_SUCCESS;
}

static int
test_maps_mprotect(void)
{
	uint8_t *p = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		-1, 0);
	struct sva_iopf_maps_entry e;
	uint64_t gen;

	TEST_ASSERT(p != MAP_FAILED, "mmap");
	TEST_ASSERT_SUCCESS(sva_iopf_maps_refresh(), "refresh");
	TEST_ASSERT_SUCCESS(sva_iopf_maps_find((uintptr_t)p + PG, &e), "found");
	TEST_ASSERT_EQUAL(e.prot, PROT_READ | PROT_WRITE, "rw");
	gen = e.gen;

	TEST_ASSERT_SUCCESS(mprotect(p + PG, PG, PROT_READ), "mprotect r");
	TEST_ASSERT_SUCCESS(sva_iopf_maps_find((uintptr_t)p + PG, &e), "found");
	TEST_ASSERT_EQUAL(e.prot, PROT_READ | PROT_WRITE, "old permissions until a refresh");
	TEST_ASSERT_SUCCESS(sva_iopf_maps_refresh(), "refresh");
	TEST_ASSERT_SUCCESS(sva_iopf_maps_find((uintptr_t)p + PG, &e), "found");
	TEST_ASSERT_EQUAL(e.prot, PROT_READ, "read-only after the refresh");
	TEST_ASSERT_EQUAL(e.start, (uintptr_t)p + PG, "split start");
	TEST_ASSERT_EQUAL(e.end, (uintptr_t)p + 2 * PG, "split end");
	TEST_ASSERT_GREATER(e.gen, gen, "a new snapshot");
	TEST_ASSERT_SUCCESS(sva_iopf_maps_find((uintptr_t)p, &e), "first page");
	TEST_ASSERT_EQUAL(e.prot, PROT_READ | PROT_WRITE, "first page still rw");
	TEST_ASSERT_EQUAL(e.end, (uintptr_t)p + PG, "ends at the read-only page");

	TEST_ASSERT_SUCCESS(mprotect(p + PG, PG, PROT_NONE), "mprotect none");
	TEST_ASSERT_SUCCESS(sva_iopf_maps_refresh(), "refresh");
	TEST_ASSERT_SUCCESS(sva_iopf_maps_find((uintptr_t)p + PG, &e), "found");
	TEST_ASSERT_EQUAL(e.prot, 0, "PROT_NONE");

	TEST_ASSERT_SUCCESS(mprotect(p + PG, PG, PROT_READ | PROT_WRITE | PROT_EXEC), "rwx");
	TEST_ASSERT_SUCCESS(sva_iopf_maps_refresh(), "refresh");
	TEST_ASSERT_SUCCESS(sva_iopf_maps_find((uintptr_t)p + PG, &e), "found");
	TEST_ASSERT_EQUAL(e.prot, PROT_READ | PROT_WRITE | PROT_EXEC, "rwx");

	TEST_ASSERT_SUCCESS(mprotect(p + PG, PG, PROT_READ | PROT_WRITE), "mprotect rw");
	TEST_ASSERT_SUCCESS(sva_iopf_maps_refresh(), "refresh");
	TEST_ASSERT_SUCCESS(sva_iopf_maps_find((uintptr_t)p + PG, &e), "found");
	TEST_ASSERT_EQUAL(e.prot, PROT_READ | PROT_WRITE, "rw again");
	TEST_ASSERT(e.start <= (uintptr_t)p && e.end >= (uintptr_t)p + 3 * PG,
		"merged back into one mapping");

	TEST_ASSERT_SUCCESS(munmap(p, 3 * PG), "munmap");
	TEST_ASSERT_SUCCESS(sva_iopf_maps_refresh(), "refresh");
	if (sva_iopf_maps_find((uintptr_t)p + PG, &e) == 0) /* another thread may map there */
		TEST_ASSERT(!(e.start <= (uintptr_t)p && e.end >= (uintptr_t)p + 3 * PG),
			"the unmapped range is gone after the refresh");
	return TEST_SUCCESS;
}

static struct sva_test_suite iopf_maps_suite = {
	.name = "iopf: the mappings snapshot",
	.cases = {
		SVA_TEST_CASE(test_maps_find_args),
		SVA_TEST_CASE(test_maps_hugetlb_page_size),
		SVA_TEST_CASE(test_maps_hugetlb_1g),
		SVA_TEST_CASE(test_maps_thp),
		SVA_TEST_CASE(test_maps_mprotect),
		SVA_TEST_CASES_END(),
	},
};

static int
test_iopf_maps(void)
{
	return sva_test_suite_run(&iopf_maps_suite);
}

SVA_TEST_REGISTER(iopf_maps_autotest, test_iopf_maps);
