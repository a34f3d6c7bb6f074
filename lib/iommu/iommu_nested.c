/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Nested translation (vSVA): a guest-owned first level on this process's address space
 * as second level. The core checks each model's rules, so that every driver refuses
 * the same things with the same errno and words:
 *  - VT-d: the host owns the PASID table; a first level (x86-64 4-level, PML4 at a
 *    4 KiB aligned GPA) is bound per PASID; a whole guest table is refused.
 *  - SMMUv3: the guest's whole CD table (64-byte aligned, S1CDMAX <= 20, S1Fmt 0..2)
 *    for the dev's every SSID; read by the IOMMU when an SSID is first used, so the
 *    core checks only where it starts (in guest RAM), never its contents.
 *  - the table's GPA lies in guest RAM; guest RAM is a page-aligned range of this
 *    process.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <rte_common.h>

#include "iommu_pvt.h"

#define NESTED_PAGE UINT64_C(4096)
#define NESTED_S1CDMAX_MAX 20
#define NESTED_CD_SIZE 64

/* The hardware behind the iommu: iommufd fronts another IOMMU (hw_model). */
static enum sva_iommu_model
hw_model(const struct sva_iommu_info *info)
{
	return info->model == SVA_IOMMU_MODEL_IOMMUFD ? info->hw_model : info->model;
}

static const char *
format_name(enum sva_nested_format f)
{
	switch (f) {
	case SVA_NESTED_VTD_FL: return "SVA_NESTED_VTD_FL";
	case SVA_NESTED_SMMUV3_CD: return "SVA_NESTED_SMMUV3_CD";
	case SVA_NESTED_SELFTEST: return "SVA_NESTED_SELFTEST";
	default: return "an unknown format";
	}
}

static int
has_nested(const struct sva_dev *dev, const char *op)
{
	const struct sva_iommu *iommu = dev->iommu;

	if (!(iommu->info.caps & SVA_IOMMU_CAP_NESTED) || iommu->drv->nested_attach == NULL ||
			iommu->drv->nested_detach == NULL) {
		IOMMU_LOG(ERR, "%s: dev 0x%x: %s: nested translation is not supported here (the "
			"driver does not report SVA_IOMMU_CAP_NESTED)", iommu->name, dev->id, op);
		return -EOPNOTSUPP;
	}
	return 0;
}

/* Guest RAM and the table's place in it. */
static int
check_ram(const struct sva_dev *dev, const struct sva_nested_cfg *cfg, uint64_t table_bytes)
{
	const char *name = dev->iommu->name;
	uint64_t base = (uint64_t)(uintptr_t)cfg->ram.base;

	if (base == 0 || base % NESTED_PAGE != 0 || cfg->ram.size == 0 ||
			cfg->ram.size % NESTED_PAGE != 0 || base + cfg->ram.size < base) {
		IOMMU_LOG(ERR, "%s: dev 0x%x: nested: guest RAM [%p, +0x%" PRIx64 ") must be "
			"non-empty, 4 KiB aligned at both ends and not wrap", name, dev->id,
			cfg->ram.base, cfg->ram.size);
		return -EINVAL;
	}
	if (cfg->table_gpa >= cfg->ram.size || cfg->ram.size - cfg->table_gpa < table_bytes) {
		IOMMU_LOG(ERR, "%s: dev 0x%x: nested: the table at GPA 0x%" PRIx64 " (+0x%" PRIx64
			") is outside guest RAM (0x%" PRIx64 " bytes)", name, dev->id, cfg->table_gpa,
			table_bytes, cfg->ram.size);
		return -EINVAL;
	}
	return 0;
}

/* The model's rules for cfg at pasid. Every refusal logged with the rule broken. */
static int
check_cfg(const struct sva_dev *dev, uint32_t pasid, const struct sva_nested_cfg *cfg)
{
	const struct sva_iommu_info *info = &dev->iommu->info;
	const char *name = dev->iommu->name;
	enum sva_iommu_model hw = hw_model(info);
	bool whole = pasid == SVA_NESTED_ALL_PASIDS;

	if (cfg->format != SVA_NESTED_VTD_FL && cfg->format != SVA_NESTED_SMMUV3_CD &&
			cfg->format != SVA_NESTED_SELFTEST) {
		IOMMU_LOG(ERR, "%s: dev 0x%x: nested: unknown format %d", name, dev->id,
			(int)cfg->format);
		return -EINVAL;
	}
	if ((cfg->flags & ~SVA_NESTED_SRE) != 0 || cfg->reserved != 0) {
		IOMMU_LOG(ERR, "%s: dev 0x%x: nested: unknown flags 0x%x or reserved 0x%x not 0",
			name, dev->id, cfg->flags & ~SVA_NESTED_SRE, cfg->reserved);
		return -EINVAL;
	}
	/* the format must be the hardware's */
	if (cfg->format == SVA_NESTED_SMMUV3_CD && hw != SVA_IOMMU_MODEL_SMMUV3) {
		IOMMU_LOG(ERR, "%s: dev 0x%x: nested: %s: a guest's whole table cannot be bound "
			"on %s: the host owns the PASID table; bind each guest PASID's first level "
			"with SVA_NESTED_VTD_FL", name, dev->id, format_name(cfg->format),
			hw == SVA_IOMMU_MODEL_VTD ? "VT-d" : "this IOMMU");
		return -EOPNOTSUPP;
	}
	if (cfg->format == SVA_NESTED_VTD_FL && hw != SVA_IOMMU_MODEL_VTD) {
		IOMMU_LOG(ERR, "%s: dev 0x%x: nested: %s is a VT-d first level; this IOMMU is %s",
			name, dev->id, format_name(cfg->format), hw == SVA_IOMMU_MODEL_SMMUV3 ?
			"an SMMUv3: bind the guest's CD table (SVA_NESTED_SMMUV3_CD)" : "not VT-d");
		return -EOPNOTSUPP;
	}
	if (cfg->format == SVA_NESTED_SELFTEST && info->model != SVA_IOMMU_MODEL_IOMMUFD) {
		IOMMU_LOG(ERR, "%s: dev 0x%x: nested: SVA_NESTED_SELFTEST is iommufd's mock only",
			name, dev->id);
		return -EOPNOTSUPP;
	}
	if (cfg->format == SVA_NESTED_SMMUV3_CD) {
		if (!whole) {
			IOMMU_LOG(ERR, "%s: dev 0x%x: nested: an SMMUv3 CD table covers every SSID "
				"of the dev: attach it at SVA_NESTED_ALL_PASIDS, not PASID %u", name,
				dev->id, pasid);
			return -EINVAL;
		}
		if (cfg->flags & SVA_NESTED_SRE) {
			IOMMU_LOG(ERR, "%s: dev 0x%x: nested: SVA_NESTED_SRE is a VT-d PASID entry "
				"bit; SMMUv3 has none", name, dev->id);
			return -EINVAL;
		}
		if (cfg->table_gpa % NESTED_CD_SIZE != 0) {
			IOMMU_LOG(ERR, "%s: dev 0x%x: nested: CD table at GPA 0x%" PRIx64 " is not "
				"64-byte aligned (STE.S1ContextPtr)", name, dev->id, cfg->table_gpa);
			return -EINVAL;
		}
		if (cfg->s1cdmax > NESTED_S1CDMAX_MAX || cfg->s1cdmax > info->pasid_bits) {
			IOMMU_LOG(ERR, "%s: dev 0x%x: nested: S1CDMAX %u: at most %u (20, and the "
				"iommu's %u SSID bits)", name, dev->id, cfg->s1cdmax,
				RTE_MIN(NESTED_S1CDMAX_MAX, (int)info->pasid_bits), info->pasid_bits);
			return -EINVAL;
		}
		if (cfg->s1fmt > 2) {
			IOMMU_LOG(ERR, "%s: dev 0x%x: nested: S1Fmt %u: 0 (linear), 1 (2-level, 4 KiB "
				"leaves) or 2 (2-level, 64 KiB leaves)", name, dev->id, cfg->s1fmt);
			return -EINVAL;
		}
		/* read when an SSID is first used: here only its first entry must be in RAM */
		return check_ram(dev, cfg, cfg->s1fmt == 0 ? NESTED_CD_SIZE : 8);
	}
	/* per PASID: VT-d first level, selftest */
	if (whole) {
		IOMMU_LOG(ERR, "%s: dev 0x%x: nested: %s is bound per PASID (the host owns the "
			"PASID table), not at SVA_NESTED_ALL_PASIDS", name, dev->id,
			format_name(cfg->format));
		return -EINVAL;
	}
	if (pasid == 0 || pasid >= pasid_count(dev->iommu)) {
		IOMMU_LOG(ERR, "%s: dev 0x%x: nested: PASID %u out of range: 1 to %u", name,
			dev->id, pasid, pasid_count(dev->iommu) - 1);
		return -EINVAL;
	}
	if (cfg->s1cdmax != 0 || cfg->s1fmt != 0) {
		IOMMU_LOG(ERR, "%s: dev 0x%x: nested: s1cdmax and s1fmt are SMMUv3 CD table fields: "
			"0 for %s", name, dev->id, format_name(cfg->format));
		return -EINVAL;
	}
	if (cfg->format == SVA_NESTED_VTD_FL && cfg->table_gpa % NESTED_PAGE != 0) {
		IOMMU_LOG(ERR, "%s: dev 0x%x: nested: first-level table (PML4) at GPA 0x%" PRIx64
			" is not 4 KiB aligned (PASID entry FLPTPTR)", name, dev->id, cfg->table_gpa);
		return -EINVAL;
	}
	return check_ram(dev, cfg, cfg->format == SVA_NESTED_VTD_FL ? NESTED_PAGE : 0);
}

int
sva_dev_nested_attach(struct sva_dev *dev, uint32_t pasid, const struct sva_nested_cfg *cfg)
{
	int ret;

	if (dev == NULL || cfg == NULL) {
		IOMMU_LOG(ERR, "nested_attach: %s is NULL", dev == NULL ? "dev" : "cfg");
		return -EINVAL;
	}
	ret = has_nested(dev, "nested_attach");
	if (ret == 0)
		ret = check_cfg(dev, pasid, cfg);
	if (ret != 0)
		return ret;
	if (pasid == SVA_NESTED_ALL_PASIDS) {
		if (dev->nested_all || dev->pasid_table_bound || dev->pasids_attached > 0 ||
				dev->all_pasids_attached) {
			IOMMU_LOG(ERR, "%s: dev 0x%x: nested: the dev's PASIDs have a table already "
				"(a CD table, a PASID table, or %u attached PASID(s)): detach first",
				dev->iommu->name, dev->id, dev->pasids_attached);
			return -EBUSY;
		}
	} else if (dev->all_pasids_attached || dev->nested_all || pasid_test(dev, pasid)) {
		IOMMU_LOG(ERR, "%s: dev 0x%x: nested: PASID %u has a page table already",
			dev->iommu->name, dev->id, pasid);
		return -EBUSY;
	}
	ret = dev->iommu->drv->nested_attach(dev, pasid, cfg);
	if (ret != 0) {
		IOMMU_LOG(ERR, "%s: dev 0x%x: nested attach of %s refused by the driver: %s",
			dev->iommu->name, dev->id, format_name(cfg->format), strerror(-ret));
		return ret;
	}
	if (pasid == SVA_NESTED_ALL_PASIDS) {
		dev->nested_all = true;
	} else {
		pasid_assign(dev, pasid, true);
		map_assign(dev->nested_map, pasid, true);
		dev->pasids_attached++;
	}
	return 0;
}

void
iommu_nested_detach_pasid(struct sva_dev *dev, uint32_t pasid)
{
	dev->iommu->drv->nested_detach(dev, pasid);
	map_assign(dev->nested_map, pasid, false);
	pasid_assign(dev, pasid, false);
	dev->pasids_attached--;
}

void
sva_dev_nested_detach(struct sva_dev *dev, uint32_t pasid)
{
	if (dev == NULL)
		return;
	if (pasid == SVA_NESTED_ALL_PASIDS) {
		if (dev->nested_all) {
			dev->iommu->drv->nested_detach(dev, pasid);
			dev->nested_all = false;
		}
		return;
	}
	if (pasid < pasid_count(dev->iommu) && map_test(dev->nested_map, pasid))
		iommu_nested_detach_pasid(dev, pasid);
}

void
iommu_nested_close(struct sva_dev *dev)
{
	sva_dev_nested_detach(dev, SVA_NESTED_ALL_PASIDS);
	/* nested PASIDs go with the other attached PASIDs (sva_dev_detach_pasid) */
}

int
sva_dev_nested_inval(struct sva_dev *dev, uint32_t pasid, uint64_t addr, uint64_t size)
{
	struct sva_iommu *iommu;

	if (dev == NULL) {
		IOMMU_LOG(ERR, "nested_inval: dev is NULL");
		return -EINVAL;
	}
	iommu = dev->iommu;
	if (has_nested(dev, "nested_inval") != 0 || iommu->drv->nested_inval == NULL) {
		if (iommu->drv->nested_inval == NULL && (iommu->info.caps & SVA_IOMMU_CAP_NESTED))
			IOMMU_LOG(ERR, "%s: dev 0x%x: nested_inval: the driver has no first-level "
				"invalidation", iommu->name, dev->id);
		return -EOPNOTSUPP;
	}
	if (addr % NESTED_PAGE != 0 || size % NESTED_PAGE != 0 || addr + size < addr ||
			(size == 0 && addr != 0)) {
		IOMMU_LOG(ERR, "%s: dev 0x%x: nested_inval: [0x%" PRIx64 ", +0x%" PRIx64 "): a "
			"range is 4 KiB aligned at both ends and does not wrap (size 0 with addr 0: "
			"everything)", iommu->name, dev->id, addr, size);
		return -EINVAL;
	}
	if (pasid == SVA_NESTED_ALL_PASIDS ? !dev->nested_all :
			(pasid >= pasid_count(iommu) || !map_test(dev->nested_map, pasid))) {
		IOMMU_LOG(ERR, "%s: dev 0x%x: nested_inval: %s%.0u has no nested first level",
			iommu->name, dev->id, pasid == SVA_NESTED_ALL_PASIDS ? "the dev's CD table" :
			"PASID ", pasid == SVA_NESTED_ALL_PASIDS ? 0 : pasid);
		return -ENOENT;
	}
	return iommu->drv->nested_inval(dev, pasid, addr, size);
}

int
sva_dev_nested_get(const struct sva_dev *dev, uint32_t pasid)
{
	if (dev == NULL)
		return -EINVAL;
	if (pasid == SVA_NESTED_ALL_PASIDS)
		return dev->nested_all ? 1 : 0;
	if (pasid >= pasid_count(dev->iommu))
		return -EINVAL;
	return dev->nested_all || map_test(dev->nested_map, pasid) ? 1 : 0;
}
