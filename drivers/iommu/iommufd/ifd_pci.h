/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef IFD_PCI_H
#define IFD_PCI_H

/*
 * Whether page requests can work for the device behind an iommufd iommu, from what
 * userspace can see: the device's PCI config space (sysfs, the root a parameter so the
 * tests can feed a fake file) and the IOMMU's registers from IOMMU_GET_HW_INFO. The
 * rules are the kernel's (Linux 6.13 - 7.3):
 *  - any IOMMU: the device needs the PRI capability (and ATS: PRI requests are ATS
 *    translation requests); an SR-IOV VF gets EINVAL for a fault-capable page table
 *    (iommufd device.c: PRI is shared with the PF, a Response Failure would hit it);
 *  - VT-d (intel/iommu.c): PRI is enabled only in scalable mode (ECAP.SMTS) with page
 *    requests (ECAP.PRS), page-request drain (ECAP.PDS) and device TLBs (ECAP.DT, for
 *    ATS); on a device with PASID enabled, only when the PRI status register has
 *    "PRG Response PASID Required" set. Otherwise the attach fails with ENODEV;
 *  - AMD: page requests (PPR) reach the fault queue only for PASID (v2) page tables;
 *  - Arm SMMUv3: Linux has no PCI PRI (7.3: the attach succeeds and the kernel answers
 *    every request itself; 6.13-6.15: EINVAL).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ifd_probe.h"

/* PCIe extended capability IDs (PCIe base spec; include/uapi/linux/pci_regs.h). */
#define IFD_PCI_EXT_CAP_ATS 0x000f
#define IFD_PCI_EXT_CAP_PRI 0x0013
#define IFD_PCI_EXT_CAP_PASID 0x001b
/* PRI status register (cap + 0x06) bit 15: PRG Response PASID Required. */
#define IFD_PCI_PRI_STATUS 0x06
#define IFD_PCI_PRI_STATUS_PASID 0x8000

/** What the config space says (offsets are 0 when the capability is absent). */
struct ifd_pci_info {
	bool ext;                 /**< the caps below are known: 4 KiB read, or 256 as root */
	bool no_ext_space;        /**< 256 bytes only: conventional PCI (or no extended config
				       access): the kernel finds no PRI/ATS either */
	bool vf;                  /**< an SR-IOV virtual function (sysfs physfn link) */
	uint16_t ats, pri, pasid; /**< extended capability offsets */
	bool pri_pasid_required;  /**< PRI status: PRG Response PASID Required */
};

/**
 * Read <sysfs_pci>/<bdf>/config and walk the extended capabilities.
 *
 * @return 0 (info->ext false when only the first 64 bytes are readable: not root;
 *   256 bytes: no extended space, info->no_ext_space), -ENOENT (no such device, bdf empty: not a PCI device),
 *   -EACCES, -EIO (shorter than the 64-byte header).
 */
int ifd_pci_read(const struct ifd_paths *p, const char *bdf, struct ifd_pci_info *info);

/** The IOMMU behind the device, as GET_HW_INFO reported it. */
struct ifd_hw {
	uint32_t type;         /**< out_data_type: IFD_HW_INFO_TYPE_* */
	uint64_t cap, ecap;    /**< VT-d cap/ecap, AMD efr/efr2, SMMUv3 idr0|idr1<<32, idr3|idr5<<32 */
	uint64_t caps;         /**< out_capabilities */
	uint32_t pasid_bits;   /**< out_max_pasid_log2 */
};

enum ifd_pri_verdict {
	IFD_PRI_USABLE,        /**< nothing known stands in the way */
	IFD_PRI_UNUSABLE,      /**< a rule says page requests cannot reach us: why says which */
	IFD_PRI_UNKNOWN,       /**< config space not readable: cannot tell */
};

/**
 * Apply the rules above.
 *
 * @param pci
 *   The device's config space, or NULL when it could not be read (not PCI, not root).
 * @param pasid_pt
 *   The page table is PASID-capable (AMD delivers faults only then).
 * @param why
 *   Filled with every reason found, "; "-separated (empty when usable).
 */
enum ifd_pri_verdict ifd_pri_check(const struct ifd_pci_info *pci, const struct ifd_hw *hw,
		bool pasid_pt, char *why, size_t len);

/** pri= devarg. */
enum ifd_pri_mode { IFD_PRI_AUTO, IFD_PRI_ON, IFD_PRI_OFF };

/**
 * Decide whether the page table gets a fault queue (pri=), logging the decision.
 *
 * @param use
 *   Set to true for a fault-capable page table.
 */
void ifd_pri_decide(const char *name, enum ifd_pri_mode mode, enum ifd_pri_verdict v,
		const char *why, bool *use);

#endif /* IFD_PCI_H */
