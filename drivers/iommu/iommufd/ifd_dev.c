/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dev of an iommufd iommu (the one bound device) and the attach modes: the RID or
 * one PASID gets the fault-capable HWPT on the IOAS that mirrors this process at
 * IOVA == VA. When the last attachment goes, the mirror is unmapped.
 */
#include <errno.h>
#include <string.h>

#include "ifd_log.h"
#include "ifd_probe.h"
#include "ifd_pvt.h"
#include "ifd_uapi.h"

static struct ifd_iommu *
dev_ifd(const struct sva_dev *dev)
{
	return sva_iommu_priv(sva_dev_iommu(dev));
}

int
ifd_dev_open(struct sva_dev *dev, const struct rte_kvargs *kv)
{
	struct ifd_iommu *p = dev_ifd(dev);

	RTE_SET_USED(kv);
	if (p->dev_open) {
		IFD_LOG(ERR, "%s: its device (%s) is open already: an iommufd iommu drives one "
			"device; create another iommu for another device", p->name, p->cdev);
		return -EEXIST;
	}
	p->dev_open = true;
	sva_dev_id_set(dev, p->dev_id);
	return 0;
}

void
ifd_dev_close(struct sva_dev *dev)
{
	struct ifd_iommu *p = dev_ifd(dev);

	ifd_nested_detach_all(p);
	p->dev_open = false;
}

/* The kernel's refusal in words: what is missing, per the kernel's rules. */
static void
attach_failed(struct ifd_iommu *p, int ret, bool with_pasid, uint32_t pasid)
{
	char why[1024], what[32];
	enum ifd_pri_verdict v = IFD_PRI_USABLE;

	snprintf(what, sizeof(what), with_pasid ? "PASID %u" : "RID", pasid);
	if (p->pri && (ret == -ENODEV || ret == -EINVAL))
		v = ifd_pri_usable(p, why, sizeof(why));
	if (v == IFD_PRI_UNUSABLE) {
		IFD_LOG(ERR, "%s: attaching the %s to the fault-capable hwpt %u failed (%s): page "
			"requests cannot work for this device: %s. pri=auto or pri=off use a plain "
			"page table (pinned mode)", p->name, what, p->hwpt_id, strerror(-ret), why);
	} else if (p->pri && ret == -ENODEV) {
		IFD_LOG(ERR, "%s: attaching the %s to the fault-capable hwpt %u failed (ENODEV): "
			"the IOMMU driver did not enable page requests for the device: it needs PRI "
			"and ATS on the device and, on VT-d, scalable mode and (with PASID enabled) "
			"PRG Response PASID Required in the PRI status register%s. pri=auto or pri=off "
			"use a plain page table (pinned mode)", p->name, what, p->hwpt_id,
			v == IFD_PRI_UNKNOWN ? "; the device's PCI config space could not be read to "
			"tell which (run as root)" : "");
	} else if (with_pasid && ret == -EOPNOTSUPP) {
		IFD_LOG(ERR, "%s: attaching PASID %u was refused (EOPNOTSUPP): PASID attach through "
			"VFIO is implemented by vfio-pci only (is %s bound to another VFIO driver?), "
			"and needs an IOMMU page table with PASID support (AMD: paging (v1) page "
			"tables have no set_dev_pasid)", p->name, pasid, p->bdf[0] ? p->bdf : p->cdev);
	} else if (with_pasid && ret == -EINVAL) {
		IFD_LOG(ERR, "%s: attaching PASID %u was refused (EINVAL): PASID attach through "
			"VFIO needs Linux 6.15 or later and a device with PASID enabled, and the "
			"kernel refuses it while the RID is attached to a page table allocated "
			"without IOMMU_HWPT_ALLOC_PASID", p->name, pasid);
	} else {
		IFD_LOG(ERR, "%s: attaching the %s to hwpt %u failed: %s", p->name, what,
			p->hwpt_id, strerror(-ret));
	}
}

int
ifd_attach(struct ifd_iommu *p, bool with_pasid, uint32_t pasid)
{
	struct vfio_device_attach_iommufd_pt at = {
		.argsz = sizeof(at),
		.flags = with_pasid ? VFIO_DEVICE_ATTACH_PASID : 0,
		.pt_id = p->hwpt_id,
		.pasid = with_pasid ? pasid : 0,
	};
	int ret = p->mock ? ifd_mock_attach(p, with_pasid, pasid, p->hwpt_id) :
		ifd_ioctl(p->devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at, p->name);

	if (ret == 0) {
		p->attached++;
		if (!with_pasid)
			p->rid_attached = true;
		ifd_nested_plain_attach(p, with_pasid, pasid);
		IFD_LOG(INFO, "%s: %s%.0u attached to hwpt %u (IOVA == VA)", p->name,
			with_pasid ? "PASID " : "RID", with_pasid ? pasid : 0, p->hwpt_id);
		/* the device's reserved regions (MSI window...) are the IOAS's now */
		ifd_iova_refresh(p);
		return 0;
	}
	if (ret != -ENOTTY)
		attach_failed(p, ret, with_pasid, pasid);
	return ret;
}

static void
detach(struct ifd_iommu *p, bool with_pasid, uint32_t pasid)
{
	struct vfio_device_detach_iommufd_pt de = {
		.argsz = sizeof(de),
		.flags = with_pasid ? VFIO_DEVICE_DETACH_PASID : 0,
		.pasid = with_pasid ? pasid : 0,
	};
	int ret = p->mock ? ifd_mock_detach(p, with_pasid, pasid) :
		ifd_ioctl(p->devfd, VFIO_DEVICE_DETACH_IOMMUFD_PT, &de, p->name);

	if (ret != 0 && ret != -ENOTTY)
		IFD_LOG(WARNING, "%s: detaching the %s%.0u failed: %s (it goes when the device is "
			"closed)", p->name, with_pasid ? "PASID " : "RID", with_pasid ? pasid : 0,
			strerror(-ret));
	else if (p->pri)
		IFD_LOG(NOTICE, "%s: %s%.0u detached: the kernel answered Invalid any page request "
			"of it still pending", p->name, with_pasid ? "PASID " : "RID",
			with_pasid ? pasid : 0);
	else
		IFD_LOG(INFO, "%s: %s%.0u detached", p->name, with_pasid ? "PASID " : "RID",
			with_pasid ? pasid : 0);
	if (!with_pasid)
		p->rid_attached = false;
	if (p->attached > 0)
		p->attached--;
	if (p->attached == 0) {
		unsigned int n = ifd_maptab_drop(&p->maps, 0, 0);

		IFD_LOG(INFO, "%s: last attachment gone: %u IOVA == VA map(s) unmapped, %u pin(s) "
			"kept", p->name, n, p->n_pins);
	}
}

int
ifd_attach_rid(struct sva_dev *dev, const struct sva_pgtable *pt)
{
	struct ifd_iommu *p = dev_ifd(dev);

	RTE_SET_USED(pt);
	if (ifd_nested_has(p, IFD_NESTED_RID)) {
		/* a VFIO attach would silently replace the nested page table */
		IFD_LOG(ERR, "%s: RID attach refused: the RID has a nested page table (a guest's "
			"first level); detach it first", p->name);
		return -EBUSY;
	}
	return ifd_attach(p, false, 0);
}

int
ifd_attach_pasid(struct sva_dev *dev, uint32_t pasid, const struct sva_pgtable *pt)
{
	struct ifd_iommu *p = dev_ifd(dev);

	RTE_SET_USED(pt);
	if (!p->pasid) {
		IFD_LOG(ERR, "%s: PASID %u: this iommu's page table was allocated without PASID "
			"support (pasid=off, or the IOMMU reports none)", p->name, pasid);
		return -EOPNOTSUPP;
	}
	return ifd_attach(p, true, pasid);
}

int
ifd_attach_rid_all_pasids(struct sva_dev *dev, const struct sva_pgtable *pt)
{
	struct ifd_iommu *p = dev_ifd(dev);

	RTE_SET_USED(pt);
	IFD_LOG(ERR, "%s: RID + all PASIDs: iommufd has no uAPI to attach every PASID at "
		"once; attach the RID and each PASID used (sva_dev_attach_rid/_pasid)", p->name);
	return -EOPNOTSUPP;
}

void
ifd_detach_rid(struct sva_dev *dev)
{
	detach(dev_ifd(dev), false, 0);
}

void
ifd_detach_pasid(struct sva_dev *dev, uint32_t pasid)
{
	detach(dev_ifd(dev), true, pasid);
}

void
ifd_detach_rid_all_pasids(struct sva_dev *dev)
{
	RTE_SET_USED(dev); /* never attached: attach_rid_all_pasids always refuses */
}

/* Pinned mode: one IOAS for the RID and every PASID, so the PASID does not matter. */
int
ifd_pin_range(struct sva_dev *dev, uint32_t pasid, uint64_t addr, uint64_t len, uint32_t perm)
{
	RTE_SET_USED(pasid);
	return ifd_pin(dev_ifd(dev), addr, len, perm);
}

void
ifd_unpin_range(struct sva_dev *dev, uint32_t pasid, uint64_t addr, uint64_t len)
{
	RTE_SET_USED(pasid);
	ifd_unpin(dev_ifd(dev), addr, len);
}
