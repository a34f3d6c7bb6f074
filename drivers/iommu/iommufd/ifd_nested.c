/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Nested translation (vSVA) on iommufd: a guest-owned first level on the device's RID or
 * one PASID, nested on a second level that maps guest RAM.
 *
 * The kernel objects, per nested attachment:
 *  - a nest parent, shared by every attachment on the same guest RAM: an IOAS of its
 *    own holding guest RAM at IOVA = GPA (IOMMU_IOAS_MAP with FIXED_IOVA of
 *    [ram.base, + ram.size) in the parts the IOMMU allows), and a paging HWPT on it
 *    allocated with IOMMU_HWPT_ALLOC_NEST_PARENT. iommufd's second level is kernel
 *    managed, so guest RAM is pinned whole, as with every VFIO VMM: no second-level
 *    faults ever reach userspace here (emu models those);
 *  - a nested HWPT on that parent (IOMMU_HWPT_ALLOC, pt_id = the parent) with the first
 *    level's data (VT-d: struct iommu_hwpt_vtd_s1; the selftest mock: struct
 *    iommu_hwpt_selftest), PASID-capable when the iommu uses PASIDs, on the iommu's fault
 *    queue when it has one (IOMMU_HWPT_FAULT_ID_VALID): its page requests arrive on the
 *    same fault fd as every other, and are flagged SVA_FAULT_PR_NESTED_S1 here (the
 *    kernel's record says nothing about the domain: which PASIDs are nested is ours);
 *  - the attach: VFIO_DEVICE_ATTACH_IOMMUFD_PT (or the mock's PASID_ATTACH /
 *    MOCK_DOMAIN_REPLACE) of the nested HWPT; pasid 0 means the RID (IOMMU_NO_PASID).
 * Detach makes the kernel answer Invalid whatever of the attachment is outstanding
 * (eventq.c, iommufd_auto_response_faults): an answer svapoll writes later for such a
 * cookie is refused (EINVAL) and counted, never taken twice.
 *
 * Formats: SVA_NESTED_SELFTEST on the mock (dev=mock), SVA_NESTED_VTD_FL on VT-d where
 * the kernel reports nesting (GET_HW_INFO ECAP.NEST and scalable mode: the kernel's
 * nested_supported()); everything else is refused with EOPNOTSUPP and the reason.
 * SMMUv3 nesting in 7.3 goes through a vIOMMU and a vDEVICE (the STE shape is in
 * ifd_uapi.h), not implemented here.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_malloc.h>

#include "ifd_log.h"
#include "ifd_probe.h"
#include "ifd_pvt.h"
#include "ifd_uapi.h"

#define IFD_VTD_PAGE 4096u
#define IFD_SELFTEST_INVAL_MAX 16u

static struct ifd_iommu *
dev_ifd(const struct sva_dev *dev)
{
	return sva_iommu_priv(sva_dev_iommu(dev));
}

static const char *
format_name(uint32_t f)
{
	switch (f) {
	case SVA_NESTED_VTD_FL: return "VT-d first level";
	case SVA_NESTED_SMMUV3_CD: return "SMMUv3 CD table";
	case SVA_NESTED_SELFTEST: return "selftest";
	case SVA_NESTED_NONE: return "none";
	default: return "unknown";
	}
}

bool
ifd_nested_capable(const struct ifd_iommu *p)
{
	if (p->mock)
		return true;
	/* intel/iommu.h nested_supported(): scalable mode and ECAP.NEST */
	return p->hw_type == IFD_HW_INFO_TYPE_INTEL_VTD && (p->hw_ecap & IFD_VTD_ECAP_NEST) &&
		(p->hw_ecap & IFD_VTD_ECAP_SMTS);
}

/* ---- pure builders ---- */

int
ifd_nested_vtd_s1(const struct sva_nested_cfg *cfg, struct ifd_hwpt_vtd_s1 *out)
{
	memset(out, 0, sizeof(*out));
	if (cfg->flags & ~SVA_NESTED_SRE)
		return -EINVAL;
	/* VT-d 9.6 (scalable-mode PASID entry): FLPTPTR is 4 KiB aligned */
	if (cfg->table_gpa & (IFD_VTD_PAGE - 1))
		return -EINVAL;
	out->flags = (cfg->flags & SVA_NESTED_SRE) ? IFD_VTD_S1_SRE : 0;
	out->pgtbl_addr = cfg->table_gpa;
	out->addr_width = IFD_VTD_ADDR_WIDTH_4LEVEL; /* the contract's format: 4-level */
	return 0;
}

void
ifd_nested_vtd_inval(uint64_t addr, uint64_t size, struct ifd_hwpt_vtd_s1_invalidate *out)
{
	memset(out, 0, sizeof(*out));
	if (size == 0) {
		/* iommufd.h: everything is addr 0, npages U64_MAX */
		out->addr = 0;
		out->npages = UINT64_MAX;
		return;
	}
	out->addr = addr & ~(uint64_t)(IFD_VTD_PAGE - 1);
	/* whole 4 KiB pages covering [addr, addr + size), without overflow */
	out->npages = ((addr & (IFD_VTD_PAGE - 1)) + (size - 1)) / IFD_VTD_PAGE + 1;
}

int
ifd_nested_selftest_inval(uint64_t addr, uint64_t size, struct ifd_hwpt_invalidate_selftest *out,
		uint32_t max)
{
	/* The mock's IOTLB is IFD_MOCK_NESTED_IOTLB_NUM entries by id: for this format addr
	 * and size name entries [addr, addr + size); size 0 is all of them. Ids the mock
	 * does not have are passed on: refusing them is the kernel's check to show. */
	if (size == 0) {
		if (max < 1)
			return -EINVAL;
		out[0] = (struct ifd_hwpt_invalidate_selftest){ .flags = IFD_TEST_INVALIDATE_FLAG_ALL };
		return 1;
	}
	if (size > max || addr > UINT32_MAX || addr + size - 1 > UINT32_MAX)
		return -EINVAL;
	for (uint32_t i = 0; i < size; i++)
		out[i] = (struct ifd_hwpt_invalidate_selftest){ .iotlb_id = (uint32_t)(addr + i) };
	return (int)size;
}

/* ---- the poll path's view ---- */

static void
nested_bit_set(struct ifd_iommu *p, uint32_t pasid, bool on)
{
	uint64_t m = UINT64_C(1) << (pasid & 63);

	if (on)
		__atomic_fetch_or(&p->nested_bits[pasid >> 6], m, __ATOMIC_RELEASE);
	else
		__atomic_fetch_and(&p->nested_bits[pasid >> 6], ~m, __ATOMIC_RELEASE);
}

static void
nested_flag_set(struct ifd_iommu *p, bool with_pasid, uint32_t pasid, bool on)
{
	if (!with_pasid)
		__atomic_store_n(&p->nested_rid, on, __ATOMIC_RELEASE);
	else if (p->nested_bits != NULL && pasid < IFD_PASID_LIMIT)
		nested_bit_set(p, pasid, on);
}

void
ifd_nested_plain_attach(struct ifd_iommu *p, bool with_pasid, uint32_t pasid)
{
	/* A plain attachment's requests are the process's own: no longer first level. */
	nested_flag_set(p, with_pasid, pasid, false);
}

void
ifd_nested_mark(struct ifd_iommu *p, struct sva_fault *f, uint16_t n)
{
	const uint64_t *bits = __atomic_load_n(&p->nested_bits, __ATOMIC_ACQUIRE);
	bool rid = __atomic_load_n(&p->nested_rid, __ATOMIC_ACQUIRE);

	if (bits == NULL && !rid)
		return; /* never nested: the common case costs two loads */
	for (uint16_t i = 0; i < n; i++) {
		struct sva_fault_page_req *pr = &f[i].prm;
		bool nested;

		if (f[i].type != SVA_FAULT_PAGE_REQ)
			continue;
		if (pr->flags & SVA_FAULT_PR_PASID_VALID)
			nested = bits != NULL && pr->pasid < IFD_PASID_LIMIT &&
				(__atomic_load_n(&bits[pr->pasid >> 6], __ATOMIC_ACQUIRE) >>
				 (pr->pasid & 63) & 1);
		else
			nested = rid;
		if (nested) {
			pr->flags |= SVA_FAULT_PR_NESTED_S1;
			p->nested_stats.records++;
		}
	}
}

/* ---- objects ---- */


static void
parent_put(struct ifd_iommu *p, uint32_t idx)
{
	struct ifd_nest_parent *np = &p->parents[idx];

	if (np->refs > 0 && --np->refs > 0)
		return;
	ifd_destroy_obj(p, np->hwpt_id, "nest parent hwpt");
	ifd_destroy_obj(p, np->ioas_id, "guest RAM ioas"); /* unmaps (unpins) guest RAM */
	IFD_LOG(INFO, "%s: nest parent for guest RAM [%p, +0x%" PRIx64 ") released", p->name,
		(void *)np->base, np->size);
	memset(np, 0, sizeof(*np));
}

/* Guest RAM at IOVA = GPA, in the parts of [0, size) the IOMMU allows. */
static int
parent_map(struct ifd_iommu *p, struct ifd_nest_parent *np)
{
	struct iommu_iova_range r[16];
	struct iommu_ioas_iova_ranges q = {
		.size = sizeof(q), .ioas_id = np->ioas_id, .num_iovas = RTE_DIM(r),
		.allowed_iovas = (uintptr_t)r,
	};
	uint64_t skipped;
	int ret = ifd_ioctl(p->iommufd, IOMMU_IOAS_IOVA_RANGES, &q, p->name);

	if (ret == -EMSGSIZE) {
		/* ioas.c fills the first num_iovas given before saying EMSGSIZE */
		IFD_LOG(NOTICE, "%s: the guest RAM ioas has %u allowed IOVA ranges: guest RAM is "
			"mapped in the first %zu only", p->name, q.num_iovas, RTE_DIM(r));
		ret = 0;
	}
	if (ret != 0) {
		IFD_LOG(ERR, "%s: IOMMU_IOAS_IOVA_RANGES of the guest RAM ioas: %s", p->name,
			strerror(-ret));
		return ret;
	}
	for (uint32_t i = 0; i < RTE_MIN(q.num_iovas, (uint32_t)RTE_DIM(r)); i++) {
		uint64_t s = r[i].start, e = RTE_MIN((uint64_t)r[i].last, np->size - 1);
		struct iommu_ioas_map m = {
			.size = sizeof(m),
			.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
				IOMMU_IOAS_MAP_WRITEABLE,
			.ioas_id = np->ioas_id,
		};

		if (s >= np->size || e < s)
			continue;
		m.iova = s;
		m.user_va = np->base + s;
		m.length = e - s + 1;
		ret = ifd_ioctl(p->iommufd, IOMMU_IOAS_MAP, &m, p->name);
		if (ret != 0) {
			IFD_LOG(ERR, "%s: mapping guest RAM GPA [0x%" PRIx64 ", 0x%" PRIx64 "] at "
				"IOVA = GPA for the nest parent failed: %s%s", p->name, s, e,
				strerror(-ret), ret == -ENOMEM ? " (it is pinned whole: the locked "
				"memory limit, RLIMIT_MEMLOCK, may be too low)" : "");
			return ret;
		}
		np->mapped += m.length;
	}
	if (np->mapped == 0) {
		IFD_LOG(ERR, "%s: no part of guest RAM [0, 0x%" PRIx64 ") lies inside the IOVA "
			"ranges the IOMMU allows (%u range(s), first 0x%" PRIx64 "-0x%" PRIx64 "): "
			"nothing the first level outputs could be translated", p->name, np->size,
			q.num_iovas, q.num_iovas ? (uint64_t)r[0].start : 0,
			q.num_iovas ? (uint64_t)r[0].last : 0);
		return -EINVAL;
	}
	skipped = np->size - np->mapped;
	if (skipped != 0)
		IFD_LOG(NOTICE, "%s: guest RAM: 0x%" PRIx64 " of 0x%" PRIx64 " bytes lie outside "
			"the IOVA ranges the IOMMU allows (aperture, reserved regions): DMA to those "
			"GPAs is blocked", p->name, skipped, np->size);
	return 0;
}

static int
parent_get(struct ifd_iommu *p, const struct sva_guest_ram *ram, uint32_t *idx)
{
	struct iommu_ioas_alloc ioas = { .size = sizeof(ioas) };
	struct iommu_hwpt_alloc h = {
		.size = sizeof(h),
		.flags = IFD_HWPT_ALLOC_NEST_PARENT,
		.dev_id = p->dev_id,
		.data_type = IFD_HWPT_DATA_NONE,
	};
	struct ifd_nest_parent *np = NULL;
	uint32_t free_i = UINT32_MAX;
	int ret;

	for (uint32_t i = 0; i < IFD_NESTED_MAX; i++) {
		struct ifd_nest_parent *c = &p->parents[i];

		if (c->refs > 0 && c->base == (uintptr_t)ram->base && c->size == ram->size) {
			c->refs++;
			*idx = i;
			return 0;
		}
		if (c->refs == 0 && free_i == UINT32_MAX)
			free_i = i;
	}
	if (free_i == UINT32_MAX)
		return -ENOSPC;
	np = &p->parents[free_i];
	memset(np, 0, sizeof(*np));
	np->base = (uintptr_t)ram->base;
	np->size = ram->size;
	ret = ifd_ioctl(p->iommufd, IOMMU_IOAS_ALLOC, &ioas, p->name);
	if (ret != 0) {
		IFD_LOG(ERR, "%s: IOMMU_IOAS_ALLOC for guest RAM: %s", p->name, strerror(-ret));
		memset(np, 0, sizeof(*np));
		return ret;
	}
	np->ioas_id = ioas.out_ioas_id;
	np->refs = 1;
	/* The parent first: its aperture (added to the IOAS with it) bounds the map. */
	h.pt_id = np->ioas_id;
	ret = ifd_ioctl(p->iommufd, IOMMU_HWPT_ALLOC, &h, p->name);
	if (ret != 0) {
		if (ret == -EOPNOTSUPP)
			IFD_LOG(ERR, "%s: the kernel refused a nest parent page table "
				"(IOMMU_HWPT_ALLOC_NEST_PARENT: EOPNOTSUPP): the IOMMU driver has no "
				"nested translation for this device (VT-d: scalable mode and ECAP.NEST, "
				"bit 26; the IOMMU here reports ecap 0x%" PRIx64 ")", p->name, p->hw_ecap);
		else
			IFD_LOG(ERR, "%s: IOMMU_HWPT_ALLOC of the nest parent: %s", p->name,
				strerror(-ret));
		parent_put(p, free_i);
		return ret;
	}
	np->hwpt_id = h.out_hwpt_id;
	ret = parent_map(p, np);
	if (ret != 0) {
		parent_put(p, free_i);
		return ret;
	}
	IFD_LOG(INFO, "%s: nest parent hwpt %u on ioas %u: guest RAM [%p, +0x%" PRIx64 ") at "
		"IOVA = GPA, 0x%" PRIx64 " bytes mapped (pinned)", p->name, np->hwpt_id, np->ioas_id,
		(void *)np->base, np->size, np->mapped);
	*idx = free_i;
	return 0;
}

static struct ifd_nested *
nested_find(struct ifd_iommu *p, uint32_t pasid)
{
	for (uint32_t i = 0; i < p->n_nested; i++)
		if (p->nested[i].pasid == pasid)
			return &p->nested[i];
	return NULL;
}

/* Check what this driver can do with cfg; 0 or -errno, logged. */
static int
nested_check(struct ifd_iommu *p, uint32_t pasid, const struct sva_nested_cfg *cfg)
{
	if (cfg == NULL || cfg->ram.base == NULL || cfg->ram.size == 0 ||
			((uintptr_t)cfg->ram.base & 4095) || (cfg->ram.size & 4095)) {
		IFD_LOG(ERR, "%s: nested attach: guest RAM must be a non-empty, page-aligned "
			"mapping", p->name);
		return -EINVAL;
	}
	if (!ifd_nested_capable(p)) {
		IFD_LOG(ERR, "%s: nested attach refused: %s", p->name,
			p->hw_type == IFD_HW_INFO_TYPE_INTEL_VTD ? "this VT-d reports no nested "
			"translation (ECAP.NEST, bit 26, and scalable mode, ECAP.SMTS, bit 43, are "
			"both needed; QEMU's emulated intel-iommu has no NEST)" :
			"nested page tables are implemented here for VT-d (first level per PASID) "
			"and the selftest mock only");
		return -EOPNOTSUPP;
	}
	if (p->mock ? cfg->format != SVA_NESTED_SELFTEST : cfg->format != SVA_NESTED_VTD_FL) {
		IFD_LOG(ERR, "%s: nested format '%s' (%d) refused: %s takes %s only", p->name,
			format_name(cfg->format), (int)cfg->format, p->mock ? "the selftest mock" :
			"VT-d", p->mock ? "SVA_NESTED_SELFTEST" : "SVA_NESTED_VTD_FL (the SMMUv3 CD "
			"table goes through a vIOMMU, not implemented)");
		return -EOPNOTSUPP;
	}
	if (pasid == SVA_NESTED_ALL_PASIDS) {
		IFD_LOG(ERR, "%s: nested attach of every PASID refused: a %s first level is bound "
			"per PASID (the host owns the PASID table); a whole-table bind is the SMMUv3 "
			"CD table's", p->name, format_name(cfg->format));
		return -EOPNOTSUPP;
	}
	if (pasid != IFD_NESTED_RID && !p->pasid) {
		IFD_LOG(ERR, "%s: nested attach of PASID %u: this iommu runs without PASIDs "
			"(pasid=off or none reported); pasid 0 attaches the RID", p->name, pasid);
		return -EOPNOTSUPP;
	}
	if (pasid >= IFD_PASID_LIMIT || (pasid != IFD_NESTED_RID && p->hw_pasid_bits < 32 &&
			pasid >> p->hw_pasid_bits != 0)) {
		IFD_LOG(ERR, "%s: nested attach: PASID %u is beyond the %u PASID bits", p->name,
			pasid, p->hw_pasid_bits);
		return -EINVAL;
	}
	if (cfg->format == SVA_NESTED_VTD_FL && (cfg->table_gpa & 4095 ||
			cfg->table_gpa >= cfg->ram.size || (cfg->flags & ~SVA_NESTED_SRE))) {
		IFD_LOG(ERR, "%s: nested attach: the VT-d first level's root (GPA 0x%" PRIx64 ") "
			"must be 4 KiB aligned inside guest RAM (0x%" PRIx64 " bytes), flags SRE only",
			p->name, cfg->table_gpa, cfg->ram.size);
		return -EINVAL;
	}
	if (nested_find(p, pasid) != NULL) {
		IFD_LOG(ERR, "%s: nested attach: %s%.0u has a nested page table already", p->name,
			pasid ? "PASID " : "the RID", pasid);
		return -EEXIST;
	}
	if (pasid == IFD_NESTED_RID && p->rid_attached) {
		IFD_LOG(ERR, "%s: nested attach of the RID refused: the RID is attached to this "
			"process's page table (a RID bond); unbind it first", p->name);
		return -EBUSY;
	}
	if (p->n_nested >= IFD_NESTED_MAX) {
		IFD_LOG(ERR, "%s: nested attach: %u nested attachments already (the most per "
			"device)", p->name, IFD_NESTED_MAX);
		return -ENOSPC;
	}
	return 0;
}

static int
nested_hwpt_alloc(struct ifd_iommu *p, uint32_t parent_hwpt, const struct sva_nested_cfg *cfg,
		uint32_t *hwpt_id)
{
	union {
		struct ifd_hwpt_vtd_s1 vtd;
		struct ifd_hwpt_selftest st;
	} d;
	struct iommu_hwpt_alloc h = {
		.size = sizeof(h),
		.flags = (p->pri ? IFD_HWPT_FAULT_ID_VALID : 0) |
			(p->pasid ? IFD_HWPT_ALLOC_PASID : 0),
		.dev_id = p->dev_id,
		.pt_id = parent_hwpt,
		.data_uptr = (uintptr_t)&d,
		.fault_id = p->pri ? p->fault_id : 0,
	};
	int ret;

	memset(&d, 0, sizeof(d));
	if (cfg->format == SVA_NESTED_SELFTEST) {
		d.st.iotlb = cfg->selftest_iotlb;
		h.data_type = IFD_HWPT_DATA_SELFTEST;
		h.data_len = sizeof(d.st);
	} else {
		ret = ifd_nested_vtd_s1(cfg, &d.vtd);
		if (ret != 0)
			return ret; /* nested_check refused it already */
		h.data_type = IFD_HWPT_DATA_VTD_S1;
		h.data_len = sizeof(d.vtd);
	}
	ret = ifd_ioctl(p->iommufd, IOMMU_HWPT_ALLOC, &h, p->name);
	if (ret != 0) {
		IFD_LOG(ERR, "%s: IOMMU_HWPT_ALLOC of the nested (%s) page table on parent %u "
			"failed: %s", p->name, format_name(cfg->format), parent_hwpt, strerror(-ret));
		return ret;
	}
	*hwpt_id = h.out_hwpt_id;
	return 0;
}

static int
kernel_attach(struct ifd_iommu *p, bool with_pasid, uint32_t pasid, uint32_t hwpt_id)
{
	struct vfio_device_attach_iommufd_pt at = {
		.argsz = sizeof(at),
		.flags = with_pasid ? VFIO_DEVICE_ATTACH_PASID : 0,
		.pt_id = hwpt_id,
		.pasid = with_pasid ? pasid : 0,
	};

	return p->mock ? ifd_mock_attach(p, with_pasid, pasid, hwpt_id) :
		ifd_ioctl(p->devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at, p->name);
}

static int
kernel_detach(struct ifd_iommu *p, bool with_pasid, uint32_t pasid)
{
	struct vfio_device_detach_iommufd_pt de = {
		.argsz = sizeof(de),
		.flags = with_pasid ? VFIO_DEVICE_DETACH_PASID : 0,
		.pasid = with_pasid ? pasid : 0,
	};

	return p->mock ? ifd_mock_detach(p, with_pasid, pasid) :
		ifd_ioctl(p->devfd, VFIO_DEVICE_DETACH_IOMMUFD_PT, &de, p->name);
}

int
ifd_nested_attach_p(struct ifd_iommu *p, uint32_t pasid, const struct sva_nested_cfg *cfg)
{
	bool with_pasid = pasid != IFD_NESTED_RID;
	struct ifd_nested *n;
	uint32_t parent, hwpt_id = 0;
	int ret = nested_check(p, pasid, cfg);

	if (ret != 0)
		goto refused;
	if (p->nested_bits == NULL) {
		uint64_t *b = rte_zmalloc("ifd_nested_bits", IFD_PASID_LIMIT / 8, 0);

		if (b == NULL) {
			ret = -ENOMEM;
			goto refused;
		}
		__atomic_store_n(&p->nested_bits, b, __ATOMIC_RELEASE);
	}
	ret = parent_get(p, &cfg->ram, &parent);
	if (ret != 0)
		goto refused;
	ret = nested_hwpt_alloc(p, p->parents[parent].hwpt_id, cfg, &hwpt_id);
	if (ret != 0)
		goto put_parent;
	/* Flag first: no request of the nested domain can be read before it is set. */
	nested_flag_set(p, with_pasid, pasid, true);
	ret = kernel_attach(p, with_pasid, pasid, hwpt_id);
	if (ret != 0) {
		nested_flag_set(p, with_pasid, pasid, false);
		IFD_LOG(ERR, "%s: attaching %s%.0u to the nested page table %u failed: %s%s",
			p->name, with_pasid ? "PASID " : "the RID", pasid, hwpt_id, strerror(-ret),
			ret == -EBUSY ? " (it is attached to another page table: detach it first)" :
			ret == -EINVAL && with_pasid ? " (the kernel refuses a PASID attach while "
			"the RID is on a page table without PASID support)" : "");
		ifd_destroy_obj(p, hwpt_id, "nested hwpt");
		goto put_parent;
	}
	n = &p->nested[p->n_nested++];
	*n = (struct ifd_nested){ .pasid = pasid, .hwpt_id = hwpt_id, .parent = parent,
		.format = (uint32_t)cfg->format };
	p->nested_stats.attaches++;
	IFD_LOG(INFO, "%s: %s%.0u attached to nested (%s) hwpt %u on nest parent %u%s", p->name,
		with_pasid ? "PASID " : "RID", pasid, format_name(cfg->format), hwpt_id,
		p->parents[parent].hwpt_id, p->pri ? ", page requests on the fault queue" :
		" (no fault queue: first-level faults are not delivered)");
	return 0;

put_parent:
	parent_put(p, parent);
refused:
	p->nested_stats.errors++;
	return ret;
}

static void
nested_remove(struct ifd_iommu *p, struct ifd_nested *n)
{
	bool with_pasid = n->pasid != IFD_NESTED_RID;
	int ret = kernel_detach(p, with_pasid, n->pasid);

	if (ret != 0)
		IFD_LOG(WARNING, "%s: detaching %s%.0u from nested hwpt %u failed: %s", p->name,
			with_pasid ? "PASID " : "the RID", n->pasid, n->hwpt_id, strerror(-ret));
	else
		IFD_LOG(NOTICE, "%s: %s%.0u detached from nested hwpt %u: the kernel answered "
			"Invalid any page request of it still pending", p->name,
			with_pasid ? "PASID " : "RID", n->pasid, n->hwpt_id);
	/* The flag stays: records read before the detach are still first-level faults
	 * (the next plain attach of this PASID clears it). */
	ifd_destroy_obj(p, n->hwpt_id, "nested hwpt");
	parent_put(p, n->parent);
	p->nested_stats.detaches++;
	*n = p->nested[--p->n_nested];
}

void
ifd_nested_detach_p(struct ifd_iommu *p, uint32_t pasid)
{
	struct ifd_nested *n = nested_find(p, pasid);

	if (n == NULL) {
		IFD_LOG(WARNING, "%s: nested detach of %s%.0u: not attached nested", p->name,
			pasid ? "PASID " : "the RID", pasid);
		return;
	}
	nested_remove(p, n);
}

static int
nested_inval_one(struct ifd_iommu *p, const struct ifd_nested *n, uint64_t addr, uint64_t size)
{
	union {
		struct ifd_hwpt_vtd_s1_invalidate vtd;
		struct ifd_hwpt_invalidate_selftest st[IFD_SELFTEST_INVAL_MAX];
	} d;
	struct ifd_hwpt_invalidate inv = { .size = sizeof(inv), .hwpt_id = n->hwpt_id,
		.data_uptr = (uintptr_t)&d };
	uint32_t want;
	int ret;

	if (n->format == SVA_NESTED_SELFTEST) {
		ret = ifd_nested_selftest_inval(addr, size, d.st, IFD_SELFTEST_INVAL_MAX);
		if (ret < 0) {
			IFD_LOG(ERR, "%s: selftest invalidation of IOTLB entries [%" PRIu64 ", +%"
				PRIu64 "): at most %u entries at once", p->name, addr, size,
				IFD_SELFTEST_INVAL_MAX);
			return ret;
		}
		inv.data_type = IFD_HWPT_INVALIDATE_DATA_SELFTEST;
		inv.entry_len = sizeof(d.st[0]);
		inv.entry_num = (uint32_t)ret;
	} else {
		ifd_nested_vtd_inval(addr, size, &d.vtd);
		inv.data_type = IFD_HWPT_INVALIDATE_DATA_VTD_S1;
		inv.entry_len = sizeof(d.vtd);
		inv.entry_num = 1;
	}
	want = inv.entry_num;
	ret = ifd_ioctl(p->iommufd, IFD_IOMMU_HWPT_INVALIDATE, &inv, p->name);
	if (ret != 0) {
		p->nested_stats.inval_errors++;
		IFD_LOG(ERR, "%s: IOMMU_HWPT_INVALIDATE of nested hwpt %u (%s%.0u): %s; the kernel "
			"handled %u of %u entries", p->name, n->hwpt_id, n->pasid ? "PASID " : "RID",
			n->pasid, strerror(-ret), inv.entry_num, want);
		return ret;
	}
	p->nested_stats.invals++;
	return 0;
}

int
ifd_nested_inval_p(struct ifd_iommu *p, uint32_t pasid, uint64_t addr, uint64_t size)
{
	const struct ifd_nested *n;
	int ret = 0;

	if (pasid == SVA_NESTED_ALL_PASIDS) {
		/* every nested attachment of the device (each has its own first level) */
		for (uint32_t i = 0; i < p->n_nested; i++) {
			int r = nested_inval_one(p, &p->nested[i], addr, size);

			if (ret == 0)
				ret = r;
		}
		return ret;
	}
	n = nested_find(p, pasid);
	if (n == NULL) {
		IFD_LOG(ERR, "%s: nested invalidation of %s%.0u: not attached nested", p->name,
			pasid ? "PASID " : "the RID", pasid);
		return -ENOENT;
	}
	return nested_inval_one(p, n, addr, size);
}

/* The driver ops: the device's iommu is the one ifd_iommu. */
int
ifd_nested_attach(struct sva_dev *dev, uint32_t pasid, const struct sva_nested_cfg *cfg)
{
	return ifd_nested_attach_p(dev_ifd(dev), pasid, cfg);
}

void
ifd_nested_detach(struct sva_dev *dev, uint32_t pasid)
{
	ifd_nested_detach_p(dev_ifd(dev), pasid);
}

int
ifd_nested_inval(struct sva_dev *dev, uint32_t pasid, uint64_t addr, uint64_t size)
{
	return ifd_nested_inval_p(dev_ifd(dev), pasid, addr, size);
}

bool
ifd_nested_has(struct ifd_iommu *p, uint32_t pasid)
{
	return nested_find(p, pasid) != NULL;
}

void
ifd_nested_detach_all(struct ifd_iommu *p)
{
	if (p->n_nested > 0)
		IFD_LOG(NOTICE, "%s: %u nested attachment(s) detached at close", p->name,
			p->n_nested);
	while (p->n_nested > 0)
		nested_remove(p, &p->nested[p->n_nested - 1]);
}

void
ifd_nested_release(struct ifd_iommu *p)
{
	ifd_nested_detach_all(p);
	/* freed only with the iommu: the poll path may hold the pointer until then */
	rte_free(p->nested_bits);
	p->nested_bits = NULL;
	p->nested_rid = false;
}
