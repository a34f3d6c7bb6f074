/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * iopf_conf_autotest: the sized conf structs (README, "API and ABI"). struct
 * sva_iopf_conf and struct sva_iopf_bond_conf say their size in a leading field and the
 * library reads them the way Linux's copy_struct_from_user() reads extensible structs:
 *  - the rule itself (sva_struct_copy_in(), lib/iommu/sva_struct_copy.h) against a
 *    small reference model, on a table of edge cases and on random sizes and tails;
 *  - sva_iopf_create() / sva_poll_configure() and sva_iopf_bond_add(): size 0, the
 *    first layout exactly (the struct placed against a PROT_NONE page, so a read past
 *    it would crash), the full size, a bigger struct with a zero tail: each honoured,
 *    field by field; each refusal with its exact errno.
 * The library's copy of a conf is read through iopf_pvt.h (white box: no public call
 * returns it).
 */
#include <stddef.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_errno.h>

#include <sva.h>
#include <sva_iopf.h>

#include "iopf_pvt.h"
#include "sva_struct_copy.h"
#include "sva_test.h"
#include "test_iopf_syn.h"

/* The first layouts, from the fields (not from the library's macros): what size 0
 * stands for. On LP64 (x86_64) 52 and 48 bytes. */
#define CONF_VER0 (offsetof(struct sva_iopf_conf, budget_code) + sizeof(uint32_t))
#define BOND_VER0 (offsetof(struct sva_iopf_bond_conf, owner) + sizeof(void *))

static struct {
	struct sva_iommu *iommu;
	struct sva_dev *dev;
	struct sva_iopf *iopf;
	uint8_t *guard;   /* two pages, the second PROT_NONE */
	long pg;
} C;

static unsigned int seq;

static int
setup(void)
{
	char name[32];

	memset(&C, 0, sizeof(C));
	snprintf(name, sizeof(name), "conf%u", seq++);
	C.iommu = syn_create(name);
	TEST_ASSERT_NOT_NULL(C.iommu, "syn iommu");
	C.dev = sva_dev_open(C.iommu, "rid=0x10");
	TEST_ASSERT_NOT_NULL(C.dev, "dev");
	C.pg = sysconf(_SC_PAGESIZE);
	C.guard = mmap(NULL, 2 * (size_t)C.pg, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(C.guard != MAP_FAILED, "mmap");
	TEST_ASSERT_SUCCESS(mprotect(C.guard + C.pg, (size_t)C.pg, PROT_NONE), "guard page");
	return TEST_SUCCESS;
}

static void
teardown(void)
{
	if (C.iopf != NULL && sva_iopf_destroy(C.iopf) != 0)
		printf("    teardown: iopf destroy failed\n");
	sva_dev_close(C.dev);
	sva_iommu_destroy(C.iommu);
	if (C.guard != NULL && C.guard != MAP_FAILED)
		munmap(C.guard, 2 * (size_t)C.pg);
	memset(&C, 0, sizeof(C));
}

/* The last len bytes before the guard page, holding a copy of src's first len bytes. */
static const void *
against_guard(const void *src, size_t len)
{
	uint8_t *p = C.guard + C.pg - len;

	memcpy(p, src, len);
	return p;
}

/* ---- the rule, against a reference model ---- */

/* The model: Linux's copy_struct_from_user() plus size 0 = ver0, below ver0 EINVAL,
 * above 4096 E2BIG. Written out case by case, independently of the helper's loop. */
static int
model_copy(uint8_t *dst, size_t ksize, const uint8_t *src, size_t usize, size_t ver0)
{
	size_t eff = usize == 0 ? ver0 : usize;

	if (eff < ver0)
		return -EINVAL;
	if (eff > 4096)
		return -E2BIG;
	if (eff > ksize) {
		for (size_t i = ksize; i < eff; i++)
			if (src[i] != 0)
				return -E2BIG;
		memcpy(dst, src, ksize);
		return 0;
	}
	memcpy(dst, src, eff);
	for (size_t i = eff; i < ksize; i++)
		dst[i] = 0;
	return 0;
}

static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint64_t
rnd(uint64_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng % n;
}

static int
check_one(size_t ksize, size_t usize, size_t ver0, const uint8_t *src)
{
	uint8_t want[128], got[128];
	int rw, rg;

	memset(want, 0xa5, sizeof(want));
	memset(got, 0xa5, sizeof(got));
	rw = model_copy(want, ksize, src, usize, ver0);
	rg = sva_struct_copy_in(got, ksize, src, usize, ver0);
	if (rw != rg)
		printf("    ksize %zu usize %zu ver0 %zu\n", ksize, usize, ver0);
	TEST_ASSERT_EQUAL(rg, rw, "result");
	/* on error dst is untouched: still 0xa5 everywhere, like the model's */
	TEST_ASSERT_BUFFERS_EQUAL(got, want, sizeof(got), "dst, ksize %zu usize %zu", ksize,
		usize);
	return TEST_SUCCESS;
}

static int
test_struct_copy_rule(void)
{
	static uint8_t src[8192];
	uint8_t dst[64];

	/* edge cases, by hand: ksize 40, ver0 32 */
	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (uint8_t)(i < 40 ? i + 1 : 0);
	memset(dst, 0xff, sizeof(dst));
	TEST_ASSERT_RET(sva_struct_copy_in(dst, 40, src, 0, 32), 0);
	TEST_ASSERT_EQUAL(dst[31], 32, "size 0: the first layout's last byte copied");
	TEST_ASSERT_EQUAL(dst[32], 0, "size 0: fields after the first layout read as 0");
	TEST_ASSERT_EQUAL(dst[39], 0, "size 0: the last byte zeroed");
	TEST_ASSERT_EQUAL(dst[40], 0xff, "nothing written past ksize");
	TEST_ASSERT_RET(sva_struct_copy_in(dst, 40, src, 1, 32), -EINVAL);
	TEST_ASSERT_RET(sva_struct_copy_in(dst, 40, src, 31, 32), -EINVAL);
	TEST_ASSERT_RET(sva_struct_copy_in(dst, 40, src, 36, 32), 0);
	TEST_ASSERT_EQUAL(dst[35], 36, "size 36: byte 35 copied");
	TEST_ASSERT_EQUAL(dst[36], 0, "size 36: byte 36 zeroed");
	TEST_ASSERT_RET(sva_struct_copy_in(dst, 40, src, 4096, 32), 0); /* tail all zero */
	TEST_ASSERT_EQUAL(dst[39], 40, "size 4096, zero tail: every known byte copied");
	TEST_ASSERT_RET(sva_struct_copy_in(dst, 40, src, 4097, 32), -E2BIG);
	TEST_ASSERT_RET(sva_struct_copy_in(dst, 40, src, UINT32_MAX, 32), -E2BIG);
	src[40] = 1;
	TEST_ASSERT_RET(sva_struct_copy_in(dst, 40, src, 41, 32), -E2BIG);
	TEST_ASSERT_RET(sva_struct_copy_in(dst, 40, src, 40, 32), 0); /* not read: fits */
	src[40] = 0;
	src[4095] = 0x80;
	TEST_ASSERT_RET(sva_struct_copy_in(dst, 40, src, 4096, 32), -E2BIG);
	TEST_ASSERT_RET(sva_struct_copy_in(dst, 40, src, 4095, 32), 0);
	src[4095] = 0;

	/* random sizes and tails against the model */
	for (unsigned int it = 0; it < 20000; it++) {
		size_t ksize = 4 + rnd(61);
		size_t ver0 = 1 + rnd(ksize);
		size_t usize;

		switch (rnd(6)) {
		case 0: usize = 0; break;
		case 1: usize = rnd(ver0 + 1); break;
		case 2: usize = ver0 + rnd(ksize - ver0 + 1); break;
		case 3: usize = ksize + 1 + rnd(64); break;
		case 4: usize = 4090 + rnd(12); break;
		default: usize = rnd(200); break;
		}
		for (size_t i = 0; i < 4200; i++)
			src[i] = (uint8_t)(rnd(64) + 1);
		/* a zero tail most of the time, else one set byte somewhere after ksize */
		memset(src + ksize, 0, 4200 - ksize);
		if (rnd(3) == 0)
			src[ksize + rnd(4200 - ksize)] = (uint8_t)(1 + rnd(255));
		if (check_one(ksize, usize, ver0, src) != TEST_SUCCESS)
			return TEST_FAILED;
	}
	return TEST_SUCCESS;
}

/* ---- sva_iopf_conf ---- */

/* A conf with no default value in it, so that a field read is visible. */
static void
conf_distinct(struct sva_iopf_conf *c)
{
	sva_iopf_conf_default(c);
	c->burst = 17;
	c->max_open_groups = 96;
	c->max_pending_pages = 640;
	c->max_deferred = 64;
	c->bond_burst_pages = 5;
	c->populate_retries = 7;
	c->group_timeout_us = 12345;
	c->resolve_budget_us = 678;
	c->budget_code = SVA_PAGE_RESP_FAILURE;
}

static int
check_conf(const struct sva_iopf_conf *want)
{
	const struct sva_iopf_conf *got;

	TEST_ASSERT_NOT_NULL(C.iopf, "iopf created");
	got = &C.iopf->conf;
	TEST_ASSERT_EQUAL(got->burst, want->burst, "burst");
	TEST_ASSERT_EQUAL(got->max_open_groups, want->max_open_groups, "max_open_groups");
	TEST_ASSERT_EQUAL(got->max_pending_pages, want->max_pending_pages, "max_pending_pages");
	TEST_ASSERT_EQUAL(got->max_deferred, want->max_deferred, "max_deferred");
	TEST_ASSERT_EQUAL(got->bond_burst_pages, want->bond_burst_pages, "bond_burst_pages");
	TEST_ASSERT_EQUAL(got->populate_retries, want->populate_retries, "populate_retries");
	TEST_ASSERT_EQUAL(got->group_timeout_us, want->group_timeout_us, "group_timeout_us");
	TEST_ASSERT_EQUAL(got->resolve_budget_us, want->resolve_budget_us, "resolve_budget_us");
	TEST_ASSERT_EQUAL(got->budget_code, want->budget_code, "budget_code");
	TEST_ASSERT_EQUAL(C.iopf->burst, want->burst, "burst in use");
	TEST_ASSERT_SUCCESS(sva_iopf_destroy(C.iopf), "destroy");
	C.iopf = NULL;
	return TEST_SUCCESS;
}

static int
test_iopf_conf_sizes(void)
{
	struct {
		struct sva_iopf_conf c;
		uint8_t future[64];  /* a newer header's fields, left at zero */
	} big;
	struct sva_iopf_conf c, d;

	/* the layout: size first, the first layout 52 bytes on LP64 */
	TEST_ASSERT_EQUAL(offsetof(struct sva_iopf_conf, size), 0, "size leads");
	if (sizeof(void *) == 8)
		TEST_ASSERT_EQUAL(CONF_VER0, 52, "first layout");
	memset(&d, 0xee, sizeof(d));
	sva_iopf_conf_default(&d);
	TEST_ASSERT_EQUAL(d.size, sizeof(struct sva_iopf_conf), "the default sets size");
	TEST_ASSERT_EQUAL(d.burst, 32, "default burst");

	/* the full size */
	conf_distinct(&c);
	C.iopf = sva_iopf_create(C.iommu, &c);
	if (check_conf(&c) != TEST_SUCCESS)
		return TEST_FAILED;
	/* size 0: the first layout, every field of it read */
	c.size = 0;
	C.iopf = sva_iopf_create(C.iommu, &c);
	if (check_conf(&c) != TEST_SUCCESS)
		return TEST_FAILED;
	/* an old caller's struct of exactly the first layout, against a PROT_NONE page */
	c.size = CONF_VER0;
	C.iopf = sva_iopf_create(C.iommu, against_guard(&c, CONF_VER0));
	if (check_conf(&c) != TEST_SUCCESS)
		return TEST_FAILED;
	/* a newer caller's bigger struct, its unknown tail zero */
	memset(&big, 0, sizeof(big));
	conf_distinct(&big.c);
	big.c.size = sizeof(big);
	C.iopf = sva_iopf_create(C.iommu, &big.c);
	if (check_conf(&big.c) != TEST_SUCCESS)
		return TEST_FAILED;

	/* refusals, each with its errno, and nothing created */
	conf_distinct(&c);
	c.size = 4;
	TEST_ASSERT_NULL_ERRNO(sva_iopf_create(C.iommu, &c), EINVAL);
	c.size = CONF_VER0 - 1;
	TEST_ASSERT_NULL_ERRNO(sva_iopf_create(C.iommu, &c), EINVAL);
	big.future[0] = 1;
	TEST_ASSERT_NULL_ERRNO(sva_iopf_create(C.iommu, &big.c), E2BIG);
	big.future[0] = 0;
	big.future[63] = 0x40;
	TEST_ASSERT_NULL_ERRNO(sva_iopf_create(C.iommu, &big.c), E2BIG);
	big.future[63] = 0;
	/* a wild size is refused without reading past the struct (the guard page) */
	c.size = 4097;
	TEST_ASSERT_NULL_ERRNO(sva_iopf_create(C.iommu, against_guard(&c, sizeof(c))), E2BIG);
	c.size = UINT32_MAX;
	TEST_ASSERT_NULL_ERRNO(sva_iopf_create(C.iommu, against_guard(&c, sizeof(c))), E2BIG);
	TEST_ASSERT_NULL_ERRNO(sva_iopf_get(C.iommu), ENOENT);

	/* lib/sva passes them through */
	conf_distinct(&c);
	c.size = CONF_VER0 - 1;
	TEST_ASSERT_RET(sva_poll_configure(C.iommu, &c), -EINVAL);
	big.future[5] = 1;
	TEST_ASSERT_RET(sva_poll_configure(C.iommu, &big.c), -E2BIG);
	TEST_ASSERT_NULL_ERRNO(sva_iopf_get(C.iommu), ENOENT);
	return TEST_SUCCESS;
}

/* ---- sva_iopf_bond_conf ---- */

static int owner_mark;

static int
check_bond(struct sva_iopf_bond *b, const struct sva_iopf_bond_conf *want)
{
	TEST_ASSERT_NOT_NULL(b, "bond added");
	TEST_ASSERT(sva_iopf_bond_owner(b) == want->owner, "owner (the first layout's last "
		"field) read");
	TEST_ASSERT_EQUAL(b->flags, want->flags, "flags");
	TEST_ASSERT_EQUAL(b->fa_before, want->fault_around_before, "fault_around_before");
	TEST_ASSERT_EQUAL(b->fa_after, want->fault_around_after, "fault_around_after");
	TEST_ASSERT(b->event_cb == want->event_cb && b->event_arg == want->event_arg &&
		b->event_ring == want->event_ring, "event delivery");
	sva_iopf_bond_remove(b);
	return TEST_SUCCESS;
}

static void
event_cb(struct sva_iopf_bond *bond, const struct sva_fault *rec, void *arg)
{
	RTE_SET_USED(bond);
	RTE_SET_USED(rec);
	RTE_SET_USED(arg);
}

static int
test_iopf_bond_conf_sizes(void)
{
	struct {
		struct sva_iopf_bond_conf c;
		uint8_t future[32];
	} big;
	struct sva_iopf_bond_conf bc = {
		.size = sizeof(bc),
		.flags = SVA_IOPF_BOND_ALLOW_EXEC | SVA_IOPF_BOND_ALLOW_PRIV,
		.fault_around_before = 3,
		.fault_around_after = 9,
		.event_cb = event_cb,
		.event_arg = &seq,
		.owner = &owner_mark,
	};

	TEST_ASSERT_EQUAL(offsetof(struct sva_iopf_bond_conf, size), 0, "size leads");
	if (sizeof(void *) == 8)
		TEST_ASSERT_EQUAL(BOND_VER0, 48, "first layout");
	C.iopf = sva_iopf_create(C.iommu, NULL);
	TEST_ASSERT_NOT_NULL(C.iopf, "iopf");

	/* the full size */
	if (check_bond(sva_iopf_bond_add(C.iopf, C.dev, 5, &bc), &bc) != TEST_SUCCESS)
		return TEST_FAILED;
	/* size 0: a zeroed struct of today's callers */
	bc.size = 0;
	if (check_bond(sva_iopf_bond_add(C.iopf, C.dev, 5, &bc), &bc) != TEST_SUCCESS)
		return TEST_FAILED;
	/* exactly the first layout, against a PROT_NONE page */
	bc.size = BOND_VER0;
	if (check_bond(sva_iopf_bond_add(C.iopf, C.dev, 5, against_guard(&bc, BOND_VER0)),
			&bc) != TEST_SUCCESS)
		return TEST_FAILED;
	/* bigger, zero tail */
	memset(&big, 0, sizeof(big));
	big.c = bc;
	big.c.size = sizeof(big);
	if (check_bond(sva_iopf_bond_add(C.iopf, C.dev, 5, &big.c), &big.c) != TEST_SUCCESS)
		return TEST_FAILED;

	/* refusals */
	bc.size = 1;
	TEST_ASSERT_NULL_ERRNO(sva_iopf_bond_add(C.iopf, C.dev, 5, &bc), EINVAL);
	bc.size = BOND_VER0 - 1;
	TEST_ASSERT_NULL_ERRNO(sva_iopf_bond_add(C.iopf, C.dev, 5, &bc), EINVAL);
	big.future[0] = 1;
	TEST_ASSERT_NULL_ERRNO(sva_iopf_bond_add(C.iopf, C.dev, 5, &big.c), E2BIG);
	big.future[0] = 0;
	big.future[31] = 2;
	TEST_ASSERT_NULL_ERRNO(sva_iopf_bond_add(C.iopf, C.dev, 5, &big.c), E2BIG);
	bc.size = 8192;
	TEST_ASSERT_NULL_ERRNO(sva_iopf_bond_add(C.iopf, C.dev, 5,
		against_guard(&bc, sizeof(bc))), E2BIG);
	/* none of them left a bond: the PASID is free for a good conf */
	bc.size = sizeof(bc);
	if (check_bond(sva_iopf_bond_add(C.iopf, C.dev, 5, &bc), &bc) != TEST_SUCCESS)
		return TEST_FAILED;
	return TEST_SUCCESS;
}

static struct sva_test_suite iopf_conf_suite = {
	.name = "iopf sized conf structs",
	.cases = {
		SVA_TEST_CASE(test_struct_copy_rule),
		SVA_TEST_CASE_ST(setup, teardown, test_iopf_conf_sizes),
		SVA_TEST_CASE_ST(setup, teardown, test_iopf_bond_conf_sizes),
		SVA_TEST_CASES_END(),
	},
};

static int
test_iopf_conf(void)
{
	return sva_test_suite_run(&iopf_conf_suite);
}

SVA_TEST_REGISTER(iopf_conf_autotest, test_iopf_conf);
