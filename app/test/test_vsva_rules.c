/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vsva_autotest, lib/iommu's nested wrappers (sva_dev_nested_attach / _detach /
 * _inval): the model rules of VT-d (a first level per PASID) and SMMUv3 (the whole
 * CD table), exact errno for each.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_pause.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "test_vsva.h"

int
test_nested_rules_vtd(void)
{
	static const struct sva_pgtable mm = { .type = SVA_PGTABLE_PROCESS_MM };
	void *ram = sva_t_map(RAM_SIZE);
	struct sva_nested_cfg c;
	struct sva_iommu *plain, *noinval;
	struct sva_dev *pd, *nd;
	struct syn_iommu *s;

	TEST_ASSERT_NOT_NULL(ram, "guest RAM");
	TEST_ASSERT_SUCCESS(sva_t_open(NULL, "nested=1", "rid=0x10"), "open");
	s = syn_of(ST.iommu);
	c = vtd_cfg(ram);
	TEST_ASSERT_RET(sva_dev_nested_attach(NULL, 5, &c), -EINVAL);
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, 5, NULL), -EINVAL);
	c.format = SVA_NESTED_NONE;
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, 5, &c), -EINVAL);
	c.format = (enum sva_nested_format)99;
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, 5, &c), -EINVAL);
	c = vtd_cfg(ram);
	c.flags = 1u << 7;
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, 5, &c), -EINVAL);
	c = vtd_cfg(ram);
	c.reserved = 1;
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, 5, &c), -EINVAL);
	/* a whole guest table on VT-d: refused, the host owns the PASID table */
	c = vtd_cfg(ram);
	c.format = SVA_NESTED_SMMUV3_CD;
	c.flags = 0;
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, SVA_NESTED_ALL_PASIDS, &c), -EOPNOTSUPP);
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, 5, &c), -EOPNOTSUPP);
	c.format = SVA_NESTED_SELFTEST;                     /* iommufd's mock only */
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, 5, &c), -EOPNOTSUPP);
	/* per PASID only, in range */
	c = vtd_cfg(ram);
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, SVA_NESTED_ALL_PASIDS, &c), -EINVAL);
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, 0, &c), -EINVAL);
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, 1u << 16, &c), -EINVAL);
	/* PML4 4 KiB aligned, its page inside guest RAM */
	c.table_gpa = 0x1800;
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, 5, &c), -EINVAL);
	c.table_gpa = RAM_SIZE;
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, 5, &c), -EINVAL);
	c.table_gpa = UINT64_MAX & ~UINT64_C(0xfff);
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, 5, &c), -EINVAL);
	/* SMMUv3 fields are not VT-d's */
	c = vtd_cfg(ram);
	c.s1cdmax = 1;
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, 5, &c), -EINVAL);
	c = vtd_cfg(ram);
	c.s1fmt = 1;
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, 5, &c), -EINVAL);
	/* guest RAM: page aligned, non-empty, not wrapping */
	c = vtd_cfg(ram);
	c.ram.base = (uint8_t *)ram + 8;
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, 5, &c), -EINVAL);
	c = vtd_cfg(ram);
	c.ram.base = NULL;
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, 5, &c), -EINVAL);
	c = vtd_cfg(ram);
	c.ram.size = 0;
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, 5, &c), -EINVAL);
	c.ram.size = RAM_SIZE + 1;
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, 5, &c), -EINVAL);
	c.ram.size = UINT64_MAX & ~UINT64_C(0xfff);
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, 5, &c), -EINVAL);
	TEST_ASSERT_EQUAL(s->nattach, 0, "nothing refused reached the driver");

	/* good: the last page of guest RAM; the driver sees cfg as given */
	c = vtd_cfg(ram);
	c.table_gpa = RAM_SIZE - PG;
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, 5, &c), 0);
	TEST_ASSERT_EQUAL(s->nattach, 1, "driver called");
	TEST_ASSERT_EQUAL(s->attach_log[0].pasid, 5, "PASID");
	TEST_ASSERT_EQUAL(s->attach_log[0].dev_id, 0x10, "dev");
	TEST_ASSERT(memcmp(&s->attach_log[0].cfg, &c, sizeof(c)) == 0, "cfg");
	TEST_ASSERT_RET(sva_dev_nested_get(ST.dev, 5), 1);
	TEST_ASSERT_RET(sva_dev_nested_get(ST.dev, 6), 0);
	TEST_ASSERT_RET(sva_dev_nested_get(ST.dev, 1u << 16), -EINVAL);
	TEST_ASSERT_RET(sva_dev_nested_get(NULL, 5), -EINVAL);
	/* the PASID has a table now: nested or process, both refused */
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, 5, &c), -EBUSY);
	TEST_ASSERT_RET(sva_dev_attach_pasid(ST.dev, 5, &mm), -EBUSY);
	TEST_ASSERT_RET(sva_dev_attach_pasid(ST.dev, 6, &mm), 0);
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, 6, &c), -EBUSY);
	sva_dev_detach_pasid(ST.dev, 6);
	/* the driver's refusal is passed on, nothing recorded */
	s->nested_ret = -EIO;
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, 6, &c), -EIO);
	s->nested_ret = 0;
	TEST_ASSERT_RET(sva_dev_nested_get(ST.dev, 6), 0);

	/* first-level invalidations: per PASID, a range, everything */
	TEST_ASSERT_RET(sva_dev_nested_inval(NULL, 5, 0, 0), -EINVAL);
	TEST_ASSERT_RET(sva_dev_nested_inval(ST.dev, 5, 0x1001, PG), -EINVAL);
	TEST_ASSERT_RET(sva_dev_nested_inval(ST.dev, 5, 0x1000, 100), -EINVAL);
	TEST_ASSERT_RET(sva_dev_nested_inval(ST.dev, 5, 0x1000, 0), -EINVAL);
	TEST_ASSERT_RET(sva_dev_nested_inval(ST.dev, 5, UINT64_MAX & ~UINT64_C(0xfff), 2 * PG),
		-EINVAL);
	TEST_ASSERT_RET(sva_dev_nested_inval(ST.dev, 7, 0, 0), -ENOENT);
	TEST_ASSERT_RET(sva_dev_nested_inval(ST.dev, SVA_NESTED_ALL_PASIDS, 0, 0), -ENOENT);
	TEST_ASSERT_EQUAL(s->ninval, 0, "nothing refused reached the driver");
	TEST_ASSERT_RET(sva_dev_nested_inval(ST.dev, 5, 0x7f0000000000ull, 16 * PG), 0);
	TEST_ASSERT_RET(sva_dev_nested_inval(ST.dev, 5, 0, 0), 0);
	TEST_ASSERT_EQUAL(s->ninval, 2, "two forwarded");
	TEST_ASSERT(s->inval_log[0].pasid == 5 && s->inval_log[0].addr == 0x7f0000000000ull &&
		s->inval_log[0].size == 16 * PG, "range");
	TEST_ASSERT(s->inval_log[1].pasid == 5 && s->inval_log[1].addr == 0 &&
		s->inval_log[1].size == 0, "all");

	/* detach through either call; a no-op for what is not nested */
	sva_dev_nested_detach(ST.dev, 6);
	sva_dev_nested_detach(ST.dev, SVA_NESTED_ALL_PASIDS);
	TEST_ASSERT_EQUAL(s->ndetach, 0, "nothing detached");
	sva_dev_detach_pasid(ST.dev, 5);
	TEST_ASSERT_EQUAL(s->ndetach, 1, "the nested detach op");
	TEST_ASSERT_EQUAL(s->detach_log[0].pasid, 5, "PASID");
	TEST_ASSERT_RET(sva_dev_nested_get(ST.dev, 5), 0);
	TEST_ASSERT_RET(sva_dev_attach_pasid(ST.dev, 5, &mm), 0);
	sva_dev_detach_pasid(ST.dev, 5);
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, 9, &c), 0);
	sva_dev_nested_detach(ST.dev, 9);
	TEST_ASSERT_EQUAL(s->ndetach, 2, "sva_dev_nested_detach");
	TEST_ASSERT_RET(sva_dev_nested_inval(ST.dev, 9, 0, 0), -ENOENT);

	/* a driver without CAP_NESTED, one without nested_inval */
	plain = syn_create_args("vs_plain", "");
	TEST_ASSERT_NOT_NULL(plain, "plain syn");
	pd = sva_dev_open(plain, "rid=0x20");
	TEST_ASSERT_NOT_NULL(pd, "dev");
	TEST_ASSERT_RET(sva_dev_nested_attach(pd, 5, &c), -EOPNOTSUPP);
	TEST_ASSERT_RET(sva_dev_nested_inval(pd, 5, 0, 0), -EOPNOTSUPP);
	noinval = sva_iommu_create("syn_noinval,name=vs_noinval,nested=1");
	TEST_ASSERT_NOT_NULL(noinval, "syn_noinval");
	nd = sva_dev_open(noinval, "rid=0x20");
	TEST_ASSERT_NOT_NULL(nd, "dev");
	TEST_ASSERT_RET(sva_dev_nested_attach(nd, 5, &c), 0);
	TEST_ASSERT_RET(sva_dev_nested_inval(nd, 5, 0, 0), -EOPNOTSUPP);
	/* close detaches what is nested */
	sva_dev_close(nd);
	TEST_ASSERT_EQUAL(syn_of(noinval)->ndetach, 1, "closed dev's nested PASID detached");
	TEST_ASSERT_SUCCESS(sva_iommu_destroy(noinval), "destroy");
	sva_dev_close(pd);
	TEST_ASSERT_SUCCESS(sva_iommu_destroy(plain), "destroy");
	sva_t_close();
	munmap(ram, RAM_SIZE);
	return TEST_SUCCESS;
}

int
test_nested_rules_smmuv3(void)
{
	static const struct sva_pgtable mm = { .type = SVA_PGTABLE_PROCESS_MM };
	void *ram = sva_t_map(RAM_SIZE);
	struct sva_nested_cfg c;
	struct syn_iommu *s;

	TEST_ASSERT_NOT_NULL(ram, "guest RAM");
	TEST_ASSERT_SUCCESS(sva_t_open(NULL, "model=smmuv3,nested=1", "rid=0x10"), "open");
	s = syn_of(ST.iommu);
	c = vtd_cfg(ram);                                  /* a VT-d first level on SMMUv3 */
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, 5, &c), -EOPNOTSUPP);
	c = cd_cfg(ram);
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, 5, &c), -EINVAL); /* whole table only */
	c.flags = SVA_NESTED_SRE;
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, SVA_NESTED_ALL_PASIDS, &c), -EINVAL);
	c = cd_cfg(ram);
	c.table_gpa = 0x1020;                              /* 32-byte aligned only */
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, SVA_NESTED_ALL_PASIDS, &c), -EINVAL);
	c = cd_cfg(ram);
	c.s1cdmax = 21;
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, SVA_NESTED_ALL_PASIDS, &c), -EINVAL);
	c.s1cdmax = 17;                                    /* above the iommu's 16 bits */
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, SVA_NESTED_ALL_PASIDS, &c), -EINVAL);
	c = cd_cfg(ram);
	c.s1fmt = 3;
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, SVA_NESTED_ALL_PASIDS, &c), -EINVAL);
	c = cd_cfg(ram);
	c.table_gpa = RAM_SIZE;
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, SVA_NESTED_ALL_PASIDS, &c), -EINVAL);
	TEST_ASSERT_EQUAL(s->nattach, 0, "nothing refused reached the driver");
	/* the last CD of guest RAM, linear: its 64 bytes fit; contents are not read */
	c.s1fmt = 0;
	c.table_gpa = RAM_SIZE - 64;
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, SVA_NESTED_ALL_PASIDS, &c), 0);
	TEST_ASSERT_EQUAL(s->attach_log[0].pasid, SVA_NESTED_ALL_PASIDS, "whole table");
	TEST_ASSERT(memcmp(&s->attach_log[0].cfg, &c, sizeof(c)) == 0, "cfg");
	TEST_ASSERT_RET(sva_dev_nested_get(ST.dev, SVA_NESTED_ALL_PASIDS), 1);
	TEST_ASSERT_RET(sva_dev_nested_get(ST.dev, 3), 1); /* every SSID of the dev */
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, SVA_NESTED_ALL_PASIDS, &c), -EBUSY);
	TEST_ASSERT_RET(sva_dev_attach_pasid(ST.dev, 3, &mm), -EBUSY);
	TEST_ASSERT_RET(sva_dev_attach_rid_all_pasids(ST.dev, &mm), -EBUSY);
	TEST_ASSERT_RET(sva_dev_nested_inval(ST.dev, 3, 0, 0), -ENOENT);
	TEST_ASSERT_RET(sva_dev_nested_inval(ST.dev, SVA_NESTED_ALL_PASIDS, 0x4000, PG), 0);
	TEST_ASSERT(s->inval_log[0].pasid == SVA_NESTED_ALL_PASIDS &&
		s->inval_log[0].addr == 0x4000 && s->inval_log[0].size == PG, "forwarded");
	sva_dev_nested_detach(ST.dev, SVA_NESTED_ALL_PASIDS);
	TEST_ASSERT_EQUAL(s->ndetach, 1, "detached");
	TEST_ASSERT_EQUAL(s->detach_log[0].pasid, SVA_NESTED_ALL_PASIDS, "whole table");
	/* a dev with an attached PASID cannot take a whole table */
	TEST_ASSERT_RET(sva_dev_attach_pasid(ST.dev, 3, &mm), 0);
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, SVA_NESTED_ALL_PASIDS, &c), -EBUSY);
	sva_dev_detach_pasid(ST.dev, 3);
	sva_t_close();
	munmap(ram, RAM_SIZE);
	return TEST_SUCCESS;
}
