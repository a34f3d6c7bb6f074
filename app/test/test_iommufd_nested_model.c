/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * iommufd_nested_model_autotest (host): the iommufd driver's nested path on VT-d through
 * the VFIO cdev — the path the VM tier cannot reach, since QEMU's emulated VT-d has no
 * nesting — against a recording model of the kernel's ioctls (ifd_ioctl_hook): which
 * ioctls, in which order, with which flags, ids and data (struct iommu_hwpt_vtd_s1 and
 * its invalidation entry byte for byte as uapi/linux/iommufd.h lays them out), guest RAM
 * mapped around a reserved IOVA hole, every failure unwound, and the NESTED_S1 flag on
 * the records of nested PASIDs and the RID only. A model only: what the real kernel
 * does with these calls is iommufd_nested_autotest's business (VM tier, selftest mock).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>

#include "ifd_pvt.h"
#include "ifd_probe.h"
#include "ifd_uapi.h"
#include "sva_test.h"

#define M_OPS 32
#define M_LEN 160
/* VT-d ECAP (spec 11.4.3): SMTS bit 43, NEST bit 26 */
#define M_ECAP_NESTED ((UINT64_C(1) << 43) | (UINT64_C(1) << 26))
#define M_RAM_BASE UINT64_C(0x7f0000000000)
#define M_RAM_SIZE (UINT64_C(4) << 30)

static struct {
	uint32_t next_id;
	int parent_errno, attach_errno, inval_errno;
	struct iommu_iova_range ranges[4];
	uint32_t nranges;
	struct ifd_hwpt_vtd_s1 vtd;         /* the last nested data seen */
	struct ifd_hwpt_vtd_s1_invalidate inv; /* the last invalidation entry seen */
	char ops[M_OPS][M_LEN];
	unsigned int nops;
} M;

static struct ifd_iommu mp;

#define M_OP(...) do { \
	if (M.nops < M_OPS) \
		snprintf(M.ops[M.nops++], M_LEN, __VA_ARGS__); \
} while (0)

static int
m_ioctl(int fd, unsigned long req, void *arg)
{
	RTE_SET_USED(fd);
	if (req == IOMMU_IOAS_ALLOC) {
		struct iommu_ioas_alloc *a = arg;

		a->out_ioas_id = M.next_id++;
		M_OP("ioas %u", a->out_ioas_id);
	} else if (req == IOMMU_HWPT_ALLOC) {
		struct iommu_hwpt_alloc *h = arg;

		if (h->data_type == IFD_HWPT_DATA_VTD_S1 && h->data_len == sizeof(M.vtd))
			memcpy(&M.vtd, (const void *)(uintptr_t)h->data_uptr, sizeof(M.vtd));
		if ((h->flags & IFD_HWPT_ALLOC_NEST_PARENT) && M.parent_errno) {
			M_OP("hwpt flags 0x%x pt %u type %u len %u: refused", h->flags, h->pt_id,
				h->data_type, h->data_len);
			errno = M.parent_errno;
			return -1;
		}
		h->out_hwpt_id = M.next_id++;
		M_OP("hwpt flags 0x%x dev %u pt %u type %u len %u fault %u -> %u", h->flags,
			h->dev_id, h->pt_id, h->data_type, h->data_len, h->fault_id, h->out_hwpt_id);
	} else if (req == IOMMU_IOAS_IOVA_RANGES) {
		struct iommu_ioas_iova_ranges *q = arg;
		struct iommu_iova_range *out = (void *)(uintptr_t)q->allowed_iovas;

		for (uint32_t i = 0; i < M.nranges && i < q->num_iovas; i++)
			out[i] = M.ranges[i];
		q->num_iovas = M.nranges;
		q->out_iova_alignment = 4096;
		M_OP("ranges %u", q->ioas_id);
	} else if (req == IOMMU_IOAS_MAP) {
		struct iommu_ioas_map *m = arg;

		M_OP("map ioas %u iova 0x%" PRIx64 " va 0x%" PRIx64 " len 0x%" PRIx64 " flags %u",
			m->ioas_id, (uint64_t)m->iova, (uint64_t)m->user_va, (uint64_t)m->length,
			m->flags);
	} else if (req == VFIO_DEVICE_ATTACH_IOMMUFD_PT) {
		struct vfio_device_attach_iommufd_pt *a = arg;

		M_OP("attach flags %u pt %u pasid %u", a->flags, a->pt_id, a->pasid);
		if (M.attach_errno) {
			errno = M.attach_errno;
			return -1;
		}
	} else if (req == VFIO_DEVICE_DETACH_IOMMUFD_PT) {
		struct vfio_device_detach_iommufd_pt *d = arg;

		M_OP("detach flags %u pasid %u", d->flags, d->pasid);
	} else if (req == IFD_IOMMU_HWPT_INVALIDATE) {
		struct ifd_hwpt_invalidate *inv = arg;

		if (inv->data_type == IFD_HWPT_INVALIDATE_DATA_VTD_S1 &&
				inv->entry_len == sizeof(M.inv) && inv->entry_num >= 1)
			memcpy(&M.inv, (const void *)(uintptr_t)inv->data_uptr, sizeof(M.inv));
		M_OP("inval hwpt %u type %u len %u num %u", inv->hwpt_id, inv->data_type,
			inv->entry_len, inv->entry_num);
		if (M.inval_errno) {
			inv->entry_num = 0;
			errno = M.inval_errno;
			return -1;
		}
	} else if (req == IOMMU_DESTROY) {
		M_OP("destroy %u", ((struct iommu_destroy *)arg)->id);
	} else {
		errno = ENOTTY;
		return -1;
	}
	return 0;
}

#define M_ASSERT_OPS(...) do { \
	const char *want_[] = { __VA_ARGS__ }; \
	for (unsigned int i_ = 0; i_ < RTE_DIM(want_) && i_ < M.nops; i_++) \
		TEST_ASSERT(strcmp(M.ops[i_], want_[i_]) == 0, "ioctl %u: '%s', expected '%s'", \
			i_, M.ops[i_], want_[i_]); \
	TEST_ASSERT_EQUAL(M.nops, RTE_DIM(want_), "number of ioctls (last '%s')", \
		M.nops ? M.ops[M.nops - 1] : "none"); \
	M.nops = 0; \
} while (0)

static int
m_setup(void)
{
	memset(&M, 0, sizeof(M));
	M.next_id = 10;
	/* VT-d: everything below 2^48 but the interrupt (MSI) window 0xfee00000-0xfeefffff */
	M.nranges = 2;
	M.ranges[0] = (struct iommu_iova_range){ .start = 0, .last = 0xfedfffff };
	M.ranges[1] = (struct iommu_iova_range){ .start = 0xfef00000,
		.last = (UINT64_C(1) << 48) - 1 };
	memset(&mp, 0, sizeof(mp));
	mp.name = "ifdn";
	mp.iommufd = mp.devfd = mp.fault_fd = -1;
	mp.dev_id = 5;
	mp.fault_id = 2;
	mp.pri = mp.pasid = true;
	mp.hw_pasid_bits = 20;
	mp.hw_type = IFD_HW_INFO_TYPE_INTEL_VTD;
	mp.hw_ecap = M_ECAP_NESTED;
	ifd_ioctl_hook = m_ioctl;
	return TEST_SUCCESS;
}

static void
m_teardown(void)
{
	ifd_nested_release(&mp);
	ifd_ioctl_hook = NULL;
}

static struct sva_nested_cfg
m_cfg(uint64_t table_gpa)
{
	return (struct sva_nested_cfg){ .format = SVA_NESTED_VTD_FL, .flags = SVA_NESTED_SRE,
		.ram = { .base = (void *)(uintptr_t)M_RAM_BASE, .size = M_RAM_SIZE },
		.table_gpa = table_gpa };
}

/* Which of these records come out flagged nested (bit i: record i). */
static unsigned int
m_marks(const uint32_t *pasids, unsigned int n)
{
	struct sva_fault f[8];
	unsigned int bits = 0;

	memset(f, 0, sizeof(f));
	for (unsigned int i = 0; i < n; i++) {
		f[i].type = SVA_FAULT_PAGE_REQ;
		f[i].prm.flags = SVA_FAULT_PR_LAST_PAGE | SVA_FAULT_PR_COOKIE |
			(pasids[i] != 0 ? SVA_FAULT_PR_PASID_VALID : 0);
		f[i].prm.pasid = pasids[i];
	}
	ifd_nested_mark(&mp, f, (uint16_t)n);
	for (unsigned int i = 0; i < n; i++)
		if (f[i].prm.flags & SVA_FAULT_PR_NESTED_S1)
			bits |= 1u << i;
	return bits;
}

/* A PASID and the RID nested on one guest RAM, through VFIO: the ioctls, their data,
 * the records flagged, invalidation, detach, and the flag's life after it. */
static int
test_nested_model_vtd_vfio(void)
{
	struct sva_nested_cfg c = m_cfg(0x5000);
	static const uint32_t pas[4] = { 7, 8, 0, 7 };

	TEST_ASSERT_SUCCESS(ifd_nested_attach_p(&mp, 7, &c), "nested PASID 7");
	/* uAPI values: NEST_PARENT 1 << 0, FAULT_ID_VALID 1 << 2, ALLOC_PASID 1 << 3;
	 * IOMMU_HWPT_DATA_VTD_S1 1; IOAS_MAP FIXED_IOVA 1 | WRITEABLE 2 | READABLE 4;
	 * VFIO_DEVICE_ATTACH_PASID 1 << 0 */
	M_ASSERT_OPS("ioas 10", "hwpt flags 0x1 dev 5 pt 10 type 0 len 0 fault 0 -> 11",
		"ranges 10",
		"map ioas 10 iova 0x0 va 0x7f0000000000 len 0xfee00000 flags 7",
		"map ioas 10 iova 0xfef00000 va 0x7f00fef00000 len 0x1100000 flags 7",
		"hwpt flags 0xc dev 5 pt 11 type 1 len 24 fault 2 -> 12",
		"attach flags 1 pt 12 pasid 7");
	TEST_ASSERT_EQUAL(mp.parents[0].mapped, M_RAM_SIZE - 0x100000, "all but the MSI window");
	/* struct iommu_hwpt_vtd_s1: flags (IOMMU_VTD_S1_SRE 1 << 0), pgtbl_addr, addr_width
	 * 48 for 4-level paging (intel/pasid.c ADDR_WIDTH_4LEVEL), __reserved 0 */
	TEST_ASSERT_EQUAL(M.vtd.flags, 1, "SRE");
	TEST_ASSERT_EQUAL(M.vtd.pgtbl_addr, 0x5000, "PML4 GPA");
	TEST_ASSERT_EQUAL(M.vtd.addr_width, 48, "4-level");
	TEST_ASSERT_EQUAL(M.vtd.__reserved, 0, "reserved");
	/* the RID on the same guest RAM: the same parent, no new IOAS or map */
	c = m_cfg(0x9000);
	c.flags = 0;
	TEST_ASSERT_SUCCESS(ifd_nested_attach_p(&mp, 0, &c), "nested RID");
	M_ASSERT_OPS("hwpt flags 0xc dev 5 pt 11 type 1 len 24 fault 2 -> 13",
		"attach flags 0 pt 13 pasid 0");
	TEST_ASSERT_EQUAL(M.vtd.flags, 0, "no SRE");
	TEST_ASSERT_EQUAL(mp.parents[0].refs, 2, "one parent, two users");
	TEST_ASSERT_EQUAL(m_marks(pas, 4), 0x1u | 0x4u | 0x8u, "PASID 7 and the RID nested, 8 not");
	/* invalidation: a range in 4 KiB pages; all is addr 0, npages U64_MAX */
	TEST_ASSERT_SUCCESS(ifd_nested_inval_p(&mp, 7, 0x1234, 0x2000), "inval range");
	M_ASSERT_OPS("inval hwpt 12 type 0 len 24 num 1");
	TEST_ASSERT(M.inv.addr == 0x1000 && M.inv.npages == 3 && M.inv.flags == 0 &&
		M.inv.__reserved == 0, "pages 0x1000-0x3fff");
	TEST_ASSERT_SUCCESS(ifd_nested_inval_p(&mp, SVA_NESTED_ALL_PASIDS, 0, 0), "inval all");
	M_ASSERT_OPS("inval hwpt 12 type 0 len 24 num 1", "inval hwpt 13 type 0 len 24 num 1");
	TEST_ASSERT(M.inv.addr == 0 && M.inv.npages == UINT64_MAX, "everything");
	TEST_ASSERT_RET(ifd_nested_inval_p(&mp, 9, 0, 0), -ENOENT);
	M.inval_errno = EINVAL;
	TEST_ASSERT_RET(ifd_nested_inval_p(&mp, 7, 0, 0), -EINVAL);
	M_ASSERT_OPS("inval hwpt 12 type 0 len 24 num 1");
	TEST_ASSERT_EQUAL(mp.nested_stats.inval_errors, 1, "counted");
	/* detach PASID 7: its table goes, the parent stays for the RID */
	ifd_nested_detach_p(&mp, 7);
	M_ASSERT_OPS("detach flags 1 pasid 7", "destroy 12");
	/* records of PASID 7 read after the detach keep the flag... */
	TEST_ASSERT_EQUAL(m_marks(pas, 1), 0x1u, "still first-level faults");
	/* ...until a plain attach of that PASID */
	ifd_nested_plain_attach(&mp, true, 7);
	TEST_ASSERT_EQUAL(m_marks(pas, 4), 0x4u, "only the RID now");
	ifd_nested_detach_p(&mp, 0);
	M_ASSERT_OPS("detach flags 0 pasid 0", "destroy 13", "destroy 11", "destroy 10");
	TEST_ASSERT_EQUAL(mp.n_nested, 0, "none left");
	TEST_ASSERT_EQUAL(mp.nested_stats.attaches, 2, "attaches");
	TEST_ASSERT_EQUAL(mp.nested_stats.detaches, 2, "detaches");
	return TEST_SUCCESS;
}

/* Refusals before any ioctl: no nesting, bad VT-d data, other formats, PASIDs without
 * PASID support, the RID in use. Each errno exact, nothing sent to the kernel. */
static int
test_nested_model_refusals(void)
{
	struct sva_nested_cfg c = m_cfg(0x5000);

	mp.hw_ecap = UINT64_C(1) << 43;  /* scalable mode, no NEST (QEMU 7.2's intel-iommu) */
	TEST_ASSERT_RET(ifd_nested_attach_p(&mp, 7, &c), -EOPNOTSUPP);
	mp.hw_ecap = UINT64_C(1) << 26;  /* NEST without scalable mode */
	TEST_ASSERT_RET(ifd_nested_attach_p(&mp, 7, &c), -EOPNOTSUPP);
	mp.hw_ecap = M_ECAP_NESTED;
	c.table_gpa = 0x5800;            /* VT-d: the first level's root is 4 KiB aligned */
	TEST_ASSERT_RET(ifd_nested_attach_p(&mp, 7, &c), -EINVAL);
	c.table_gpa = M_RAM_SIZE;        /* outside guest RAM */
	TEST_ASSERT_RET(ifd_nested_attach_p(&mp, 7, &c), -EINVAL);
	c = m_cfg(0x5000);
	c.flags = 1u << 3;
	TEST_ASSERT_RET(ifd_nested_attach_p(&mp, 7, &c), -EINVAL);
	c = m_cfg(0x5000);
	c.format = SVA_NESTED_SMMUV3_CD;
	TEST_ASSERT_RET(ifd_nested_attach_p(&mp, 7, &c), -EOPNOTSUPP);
	c.format = SVA_NESTED_SELFTEST;  /* the mock's only */
	TEST_ASSERT_RET(ifd_nested_attach_p(&mp, 7, &c), -EOPNOTSUPP);
	c = m_cfg(0x5000);
	TEST_ASSERT_RET(ifd_nested_attach_p(&mp, SVA_NESTED_ALL_PASIDS, &c), -EOPNOTSUPP);
	mp.pasid = false;
	TEST_ASSERT_RET(ifd_nested_attach_p(&mp, 7, &c), -EOPNOTSUPP);
	mp.pasid = true;
	mp.rid_attached = true;
	TEST_ASSERT_RET(ifd_nested_attach_p(&mp, 0, &c), -EBUSY);
	mp.rid_attached = false;
	TEST_ASSERT_EQUAL(M.nops, 0, "no ioctl for any of them ('%s')", M.nops ? M.ops[0] : "");
	TEST_ASSERT_EQUAL(mp.nested_stats.errors, 10, "ten refusals counted");
	return TEST_SUCCESS;
}

/* The kernel refuses: the nest parent (no nesting in the IOMMU driver), the attach (the
 * PASID in use): everything made so far is destroyed, in reverse, and no flag is left. */
static int
test_nested_model_kernel_refusals(void)
{
	struct sva_nested_cfg c = m_cfg(0x5000);
	static const uint32_t pas[1] = { 7 };

	M.parent_errno = EOPNOTSUPP;
	TEST_ASSERT_RET(ifd_nested_attach_p(&mp, 7, &c), -EOPNOTSUPP);
	M_ASSERT_OPS("ioas 10", "hwpt flags 0x1 pt 10 type 0 len 0: refused", "destroy 10");
	TEST_ASSERT_EQUAL(mp.parents[0].ioas_id + mp.parents[0].refs, 0, "no parent kept");
	M.parent_errno = 0;
	M.attach_errno = EBUSY;
	TEST_ASSERT_RET(ifd_nested_attach_p(&mp, 7, &c), -EBUSY);
	M_ASSERT_OPS("ioas 11", "hwpt flags 0x1 dev 5 pt 11 type 0 len 0 fault 0 -> 12",
		"ranges 11",
		"map ioas 11 iova 0x0 va 0x7f0000000000 len 0xfee00000 flags 7",
		"map ioas 11 iova 0xfef00000 va 0x7f00fef00000 len 0x1100000 flags 7",
		"hwpt flags 0xc dev 5 pt 12 type 1 len 24 fault 2 -> 13",
		"attach flags 1 pt 13 pasid 7", "destroy 13", "destroy 12", "destroy 11");
	TEST_ASSERT_EQUAL(m_marks(pas, 1), 0, "no nested flag left for PASID 7");
	TEST_ASSERT_EQUAL(mp.n_nested, 0, "nothing attached");
	/* Guest RAM wholly outside the allowed ranges: refused after the parent, unwound. */
	M.attach_errno = 0;
	M.nranges = 1;
	M.ranges[0] = (struct iommu_iova_range){ .start = UINT64_C(1) << 40,
		.last = (UINT64_C(1) << 48) - 1 };
	TEST_ASSERT_RET(ifd_nested_attach_p(&mp, 7, &c), -EINVAL);
	M_ASSERT_OPS("ioas 14", "hwpt flags 0x1 dev 5 pt 14 type 0 len 0 fault 0 -> 15",
		"ranges 14", "destroy 15", "destroy 14");
	/* No fault queue (pri=off): the nested table without FAULT_ID_VALID. */
	M.ranges[0] = (struct iommu_iova_range){ .start = 0, .last = (UINT64_C(1) << 48) - 1 };
	mp.pri = false;
	TEST_ASSERT_SUCCESS(ifd_nested_attach_p(&mp, 7, &c), "attach without a fault queue");
	TEST_ASSERT(M.nops >= 2 && strcmp(M.ops[M.nops - 2],
		"hwpt flags 0x8 dev 5 pt 17 type 1 len 24 fault 0 -> 18") == 0,
		"PASID-capable, no fault queue: '%s'", M.nops >= 2 ? M.ops[M.nops - 2] : "");
	return TEST_SUCCESS;
}

static struct sva_test_suite nested_model_suite = {
	.name = "iommufd nested: the VT-d / VFIO path against a model of the kernel's ioctls",
	.cases = {
		SVA_TEST_CASE_ST(m_setup, m_teardown, test_nested_model_vtd_vfio),
		SVA_TEST_CASE_ST(m_setup, m_teardown, test_nested_model_refusals),
		SVA_TEST_CASE_ST(m_setup, m_teardown, test_nested_model_kernel_refusals),
		SVA_TEST_CASES_END(),
	},
};

static int
test_iommufd_nested_model(void)
{
	return sva_test_suite_run(&nested_model_suite);
}

SVA_TEST_REGISTER(iommufd_nested_model_autotest, test_iommufd_nested_model);
