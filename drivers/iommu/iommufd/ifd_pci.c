/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ifd_log.h"
#include "ifd_pci.h"
#include "ifd_uapi.h"

#define CFG_HDR 64
#define CFG_BASE 256
#define CFG_EXT 4096

static uint32_t
le32_at(const uint8_t *b, size_t off)
{
	return (uint32_t)b[off] | (uint32_t)b[off + 1] << 8 | (uint32_t)b[off + 2] << 16 |
		(uint32_t)b[off + 3] << 24;
}

int
ifd_pci_read(const struct ifd_paths *p, const char *bdf, struct ifd_pci_info *info)
{
	uint8_t cfg[CFG_EXT];
	char path[PATH_MAX];
	struct stat st;
	size_t got = 0;
	int fd, err;

	memset(info, 0, sizeof(*info));
	if (bdf == NULL || bdf[0] == '\0')
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/%s/config", p->sysfs_pci, bdf);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == EACCES || errno == EPERM ? -EACCES : -ENOENT;
	while (got < sizeof(cfg)) {
		ssize_t n = pread(fd, cfg + got, sizeof(cfg) - got, (off_t)got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	err = errno;
	close(fd);
	if (got < CFG_HDR)
		return got == 0 && (err == EACCES || err == EPERM) ? -EACCES : -EIO;
	snprintf(path, sizeof(path), "%s/%s/physfn", p->sysfs_pci, bdf);
	info->vf = lstat(path, &st) == 0;
	/* Unprivileged readers get 64 bytes (nothing known); 256 is the whole config space
	 * of a device without extended space, where the kernel finds no PRI or ATS either. */
	if (got < CFG_BASE)
		return 0;
	info->ext = true;
	if (got < CFG_EXT) {
		info->no_ext_space = true;
		return 0;
	}
	for (uint32_t off = CFG_BASE, guard = 0; off >= CFG_BASE && off <= CFG_EXT - 8 &&
			guard < (CFG_EXT - CFG_BASE) / 4; guard++) {
		uint32_t hdr = le32_at(cfg, off);

		if (hdr == 0 || hdr == UINT32_MAX)
			break;
		switch (hdr & 0xffff) {
		case IFD_PCI_EXT_CAP_ATS:
			info->ats = (uint16_t)off;
			break;
		case IFD_PCI_EXT_CAP_PRI:
			info->pri = (uint16_t)off;
			info->pri_pasid_required = ((cfg[off + IFD_PCI_PRI_STATUS] |
				cfg[off + IFD_PCI_PRI_STATUS + 1] << 8) & IFD_PCI_PRI_STATUS_PASID) != 0;
			break;
		case IFD_PCI_EXT_CAP_PASID:
			info->pasid = (uint16_t)off;
			break;
		default:
			break;
		}
		off = (hdr >> 20) & 0xffc;
	}
	return 0;
}

static void
add_why(char *why, size_t len, const char *text)
{
	size_t used = strlen(why);

	if (used + 1 >= len)
		return;
	snprintf(why + used, len - used, "%s%s", used ? "; " : "", text);
}

enum ifd_pri_verdict
ifd_pri_check(const struct ifd_pci_info *pci, const struct ifd_hw *hw, bool pasid_pt,
		char *why, size_t len)
{
	if (len > 0)
		why[0] = '\0';
	/* (not for a device that is not PCI: SMMUv3 stall faults are another story) */
	if (hw->type == IFD_HW_INFO_TYPE_ARM_SMMUV3 && pci != NULL)
		add_why(why, len, "Arm SMMUv3: Linux implements no PCI PRI for the SMMUv3 (7.3: the "
			"attach succeeds and the kernel answers every page request Invalid itself; "
			"6.13-6.15: the attach fails with EINVAL)");
	if (hw->type == IFD_HW_INFO_TYPE_AMD) {
		if (!pasid_pt)
			add_why(why, len, "AMD IOMMU: page requests reach the fault queue only for "
				"PASID (v2) page tables, and this one is RID-only (pasid=off, or no "
				"PASID support)");
		if (!(hw->cap & IFD_AMD_EFR_PPR))
			add_why(why, len, "AMD IOMMU without peripheral page requests (EFR.PPRSup, "
				"bit 1, clear)");
	}
	if (hw->type == IFD_HW_INFO_TYPE_INTEL_VTD) {
		if (!(hw->ecap & IFD_VTD_ECAP_SMTS))
			add_why(why, len, "VT-d without scalable mode (ECAP.SMTS, bit 43, clear): the "
				"kernel enables PRI in scalable mode only");
		if (!(hw->ecap & IFD_VTD_ECAP_PRS))
			add_why(why, len, "VT-d without page requests (ECAP.PRS, bit 29, clear)");
		if (!(hw->ecap & IFD_VTD_ECAP_PDS))
			add_why(why, len, "VT-d without page-request drain (ECAP.PDS, bit 42, clear): "
				"the kernel does not enable PRI without it");
		if (!(hw->ecap & IFD_VTD_ECAP_DT))
			add_why(why, len, "VT-d without device-TLB support (ECAP.DT, bit 2, clear): "
				"the kernel does not enable ATS, which PRI needs");
	}
	if (hw->caps & IFD_HW_CAP_PCI_ATS_NOT_SUPPORTED)
		add_why(why, len, "the kernel reports ATS unusable for this device "
			"(IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED), and PRI needs ATS");
	if (pci != NULL && pci->vf)
		add_why(why, len, "an SR-IOV virtual function: the kernel refuses fault-capable "
			"page tables on VFs (EINVAL; PRI is shared with the PF)");
	if (pci != NULL && pci->no_ext_space)
		add_why(why, len, "the device has no PCIe extended configuration space (a "
			"conventional PCI device): no PRI and no ATS capability");
	else if (pci != NULL && pci->ext) {
		if (pci->pri == 0 && !pci->vf)
			add_why(why, len, "the device has no PRI capability (PCIe extended capability "
				"0x13, Page Request Interface)");
		if (pci->ats == 0)
			add_why(why, len, "the device has no ATS capability (extended capability 0x0F), "
				"which PRI needs");
		/* VT-d enables PASID on a PASID-capable device in scalable mode (probe); then
		 * PRI only with PASID in every PRG response. */
		if (hw->type == IFD_HW_INFO_TYPE_INTEL_VTD && pci->pri != 0 && pci->pasid != 0 &&
				(hw->ecap & IFD_VTD_ECAP_SMTS) && (hw->ecap & IFD_VTD_ECAP_PASID) &&
				!pci->pri_pasid_required)
			add_why(why, len, "the device has PASID enabled but its PRI status register "
				"does not require PASID in PRG responses (PRG Response PASID Required, "
				"bit 15, clear): VT-d does not enable PRI for it (attach fails ENODEV)");
	}
	if (len > 0 && why[0] != '\0')
		return IFD_PRI_UNUSABLE;
	if (pci == NULL || !pci->ext)
		return IFD_PRI_UNKNOWN;
	return IFD_PRI_USABLE;
}

void
ifd_pri_decide(const char *name, enum ifd_pri_mode mode, enum ifd_pri_verdict v,
		const char *why, bool *use)
{
	switch (mode) {
	case IFD_PRI_OFF:
		*use = false;
		IFD_LOG(INFO, "%s: pri=off: a plain page table without a fault queue (pinned mode "
			"only)", name);
		return;
	case IFD_PRI_ON:
		*use = true;
		if (v == IFD_PRI_UNUSABLE)
			IFD_LOG(WARNING, "%s: pri=on, but page requests cannot work here: %s; the "
				"attach will fail (pri=auto picks a plain page table for pinned mode)",
				name, why);
		return;
	case IFD_PRI_AUTO:
	default:
		*use = v != IFD_PRI_UNUSABLE;
		if (!*use)
			IFD_LOG(NOTICE, "%s: page requests cannot work here: %s. Using a plain page "
				"table without a fault queue: pinned mode only (pri=on forces a "
				"fault-capable one)", name, why);
		else if (v == IFD_PRI_UNKNOWN)
			IFD_LOG(INFO, "%s: the device's PCI config space is not readable (not PCI, or "
				"not root): assuming page requests work", name);
		return;
	}
}
