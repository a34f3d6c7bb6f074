/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The iommufd iommu: creation (open /dev/iommu and the cdev, bind, read the hardware
 * info, allocate the IOAS, the fault queue and a fault-capable HWPT), teardown, and the
 * poll-path ops on the fault fd and the IOVA == VA mirror.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_log.h>
#include <rte_malloc.h>

#include "sva_iommufd.h"
#include "ifd_log.h"
#include "ifd_probe.h"
#include "ifd_pvt.h"
#include "ifd_uapi.h"

RTE_LOG_REGISTER(ifd_logtype, drv.iommu.iommufd, NOTICE);

#define IFD_BURST_DEFAULT 256
#define IFD_MAX_MAPS_DEFAULT 65536
#define IFD_MAX_MAPS_MAX (16u << 20)

static const char *const ifd_pasid_choices[] = { "auto", "on", "off", NULL };

static const char *const ifd_pri_choices[] = { "auto", "on", "off", NULL };

static const char *const ifd_iommu_keys[] = { "dev", "pasid", "pri", "burst", "max_maps",
	NULL };
static const char *const ifd_dev_keys[] = { NULL };

/* ---- IOAS map hooks for the mirror ---- */

int
ifd_ioas_map(void *ctx, uint64_t va, uint64_t len, uint32_t perm)
{
	struct ifd_iommu *p = ctx;
	struct iommu_ioas_map m = {
		.size = sizeof(m),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			((perm & SVA_FAULT_PERM_WRITE) ? IOMMU_IOAS_MAP_WRITEABLE : 0),
		.ioas_id = p->ioas_id,
		.user_va = va,
		.length = len,
		.iova = va,
	};
	int ret = ifd_ioctl(p->iommufd, IOMMU_IOAS_MAP, &m, p->name);

	/* On the poll path: log the 1st, 2nd, 4th, 8th... failure, not every one. */
	if (ret != 0) {
		p->map_failures++;
		if ((p->map_failures & (p->map_failures - 1)) != 0)
			return ret;
	}
	if (ret == -ENOMEM || ret == -EINVAL)
		ifd_map_failed_log(p, ret, va, len, "IOVA == VA map of");
	else if (ret != 0)
		IFD_LOG(DEBUG, "%s: IOMMU_IOAS_MAP [0x%" PRIx64 ", +0x%" PRIx64 ") failed: %s",
			p->name, va, len, strerror(-ret));
	return ret;
}

int
ifd_ioas_unmap(void *ctx, uint64_t va, uint64_t len)
{
	struct ifd_iommu *p = ctx;
	struct iommu_ioas_unmap u = {
		.size = sizeof(u),
		.ioas_id = p->ioas_id,
		.iova = va,
		.length = len,
	};

	return ifd_ioctl(p->iommufd, IOMMU_IOAS_UNMAP, &u, p->name);
}

void
ifd_destroy_obj(struct ifd_iommu *p, uint32_t id, const char *what)
{
	struct iommu_destroy d = { .size = sizeof(d), .id = id };
	int ret;

	if (id == 0)
		return;
	ret = ifd_ioctl(p->iommufd, IOMMU_DESTROY, &d, p->name);
	if (ret != 0)
		IFD_LOG(DEBUG, "%s: IOMMU_DESTROY of %s %u: %s (closing /dev/iommu frees it)",
			p->name, what, id, strerror(-ret));
}

/* Undo whatever create did, in reverse; safe on a partly created iommu. */
void
ifd_release(struct ifd_iommu *p)
{
	if (p->n_pins > 0)
		IFD_LOG(INFO, "%s: %u pinned range(s) unmapped at destroy", p->name, p->n_pins);
	ifd_pins_release(p);
	ifd_nested_release(p); /* before the device goes: detach, then the objects */
	if (p->maps.ent != NULL) {
		ifd_maptab_drop(&p->maps, 0, 0);
		ifd_maptab_fini(&p->maps);
	}
	ifd_fq_fini(&p->fq);
	if (p->fault_id != 0)
		IFD_LOG(NOTICE, "%s: teardown: the kernel answers Invalid every page request still "
			"pending on the fault queue (auto-response); svapoll writes none for them",
			p->name);
	if (p->mock)
		ifd_mock_close(p); /* detaches the RID from the hwpt first */
	ifd_destroy_obj(p, p->hwpt_id, "hwpt");
	if (p->fault_fd >= 0)
		close(p->fault_fd);
	ifd_destroy_obj(p, p->fault_id, "fault queue");
	ifd_destroy_obj(p, p->ioas_id, "ioas");
	rte_free(p->iova);
	p->iova = NULL;
	p->n_iova = 0;
	if (p->devfd >= 0)
		close(p->devfd); /* unbinds the device from the iommufd */
	if (p->iommufd >= 0)
		close(p->iommufd);
	p->hwpt_id = p->fault_id = p->ioas_id = 0;
	p->fault_fd = p->devfd = p->iommufd = -1;
}

static int
ifd_parse(struct ifd_iommu *p, const struct rte_kvargs *kv, const char **dev,
		unsigned int *pasid_mode, unsigned int *pri_mode, uint64_t *max_maps)
{
	uint64_t burst = IFD_BURST_DEFAULT;

	*dev = rte_kvargs_get(kv, "dev");
	*pasid_mode = IFD_PASID_AUTO;
	*pri_mode = IFD_PRI_AUTO;
	*max_maps = IFD_MAX_MAPS_DEFAULT;
	if (sva_kvargs_choice(kv, "pasid", ifd_pasid_choices, pasid_mode) != 0 ||
			sva_kvargs_choice(kv, "pri", ifd_pri_choices, pri_mode) != 0 ||
			sva_kvargs_u64(kv, "burst", IFD_FQ_CAP_MIN, IFD_FQ_CAP_MAX, &burst) != 0 ||
			sva_kvargs_u64(kv, "max_maps", 1, IFD_MAX_MAPS_MAX, max_maps) != 0)
		return -EINVAL;
	p->burst = (uint16_t)burst;
	return 0;
}

static int
ifd_bind(struct ifd_iommu *p)
{
	struct vfio_device_bind_iommufd bind = {
		.argsz = sizeof(bind),
		.iommufd = p->iommufd,
	};
	int ret;

	if (p->mock) {
		ret = ifd_mock_open(p); /* sets dev_id (and the IOAS the mock device needs) */
	} else {
		ret = ifd_ioctl(p->devfd, VFIO_DEVICE_BIND_IOMMUFD, &bind, p->name);
		if (ret != 0 && ret != -ENOTTY)
			IFD_LOG(ERR, "%s: binding %s to the iommufd failed: %s%s", p->name, p->cdev,
				strerror(-ret), ret == -EBUSY ? " (the device is in use, e.g. "
				"through its VFIO group)" : "");
		if (ret == 0)
			p->dev_id = bind.out_devid;
	}
	if (ret != 0)
		return ret;
	return ifd_hw_info_read(p);
}

int
ifd_hw_info_read(struct ifd_iommu *p)
{
	union ifd_hw_info_data d;
	struct iommu_hw_info hw = {
		.size = sizeof(hw),
		.dev_id = p->dev_id,
		.data_len = sizeof(d),
		.data_uptr = (uintptr_t)&d,
	};
	int ret;

	memset(&d, 0, sizeof(d));
	ret = ifd_ioctl(p->iommufd, IOMMU_GET_HW_INFO, &hw, p->name);
	if (ret != 0) {
		if (ret != -ENOTTY)
			IFD_LOG(ERR, "%s: IOMMU_GET_HW_INFO for dev id %u failed: %s", p->name,
				p->dev_id, strerror(-ret));
		return ret;
	}
	/* Before 6.15 the PASID width byte was reserved (0): no PASID reported. */
	p->hw_pasid_bits = hw.out_max_pasid_log2;
	p->hw_caps = hw.out_capabilities;
	p->hw_type = hw.out_data_type;
	switch (hw.out_data_type) {
	case IFD_HW_INFO_TYPE_INTEL_VTD:
		p->hw_cap = d.vtd.cap_reg;
		p->hw_ecap = d.vtd.ecap_reg;
		break;
	case IFD_HW_INFO_TYPE_ARM_SMMUV3:
		p->hw_cap = d.smmuv3.idr[0] | (uint64_t)d.smmuv3.idr[1] << 32;
		p->hw_ecap = d.smmuv3.idr[3] | (uint64_t)d.smmuv3.idr[5] << 32;
		break;
	case IFD_HW_INFO_TYPE_AMD:
		p->hw_cap = d.amd.efr;
		p->hw_ecap = d.amd.efr2;
		break;
	default:
		p->hw_cap = p->hw_ecap = 0;
		break;
	}
	IFD_LOG(INFO, "%s: IOMMU hardware info type %u, cap 0x%" PRIx64 ", ecap 0x%" PRIx64
		", %u PASID bits, capabilities 0x%" PRIx64, p->name, p->hw_type, p->hw_cap,
		p->hw_ecap, p->hw_pasid_bits, p->hw_caps);
	return 0;
}

enum ifd_pri_verdict
ifd_pri_usable(const struct ifd_iommu *p, char *why, size_t len)
{
	const struct ifd_hw hw = {
		.type = p->hw_type, .cap = p->hw_cap, .ecap = p->hw_ecap, .caps = p->hw_caps,
		.pasid_bits = p->hw_pasid_bits,
	};
	struct ifd_pci_info pci;

	if (len > 0)
		why[0] = '\0';
	/* Not a PCI device behind a real IOMMU (the selftest mock): faults work by design. */
	if (p->mock)
		return IFD_PRI_USABLE;
	if (ifd_pci_read(p->paths, p->bdf, &pci) != 0)
		return ifd_pri_check(NULL, &hw, p->pasid, why, len);
	return ifd_pri_check(&pci, &hw, p->pasid, why, len);
}

static void
ifd_fault_queue_release(struct ifd_iommu *p)
{
	if (p->fault_fd >= 0)
		close(p->fault_fd);
	p->fault_fd = -1;
	ifd_destroy_obj(p, p->fault_id, "fault queue");
	p->fault_id = 0;
}

int
ifd_objects_alloc(struct ifd_iommu *p, unsigned int pasid_mode, unsigned int pri_mode)
{
	struct iommu_ioas_alloc ioas = { .size = sizeof(ioas) };
	char why[1024];
	int ret;

	ret = ifd_pasid_decide(p->name, p->cdev, (enum ifd_pasid_mode)pasid_mode,
		p->hw_pasid_bits, &p->pasid);
	if (ret != 0)
		return ret;

	if (p->ioas_id == 0) { /* dev=mock allocated it already */
		ret = ifd_ioctl(p->iommufd, IOMMU_IOAS_ALLOC, &ioas, p->name);
		if (ret != 0) {
			if (ret != -ENOTTY)
				IFD_LOG(ERR, "%s: IOMMU_IOAS_ALLOC failed: %s", p->name,
					strerror(-ret));
			return ret;
		}
		p->ioas_id = ioas.out_ioas_id;
	}

	for (;;) {
		struct iommu_hwpt_alloc hwpt = { .size = sizeof(hwpt) };

		/* pri=: a fault queue or not (AMD's rule depends on the PASID choice) */
		ifd_pri_decide(p->name, (enum ifd_pri_mode)pri_mode,
			ifd_pri_usable(p, why, sizeof(why)), why, &p->pri);
		if (!p->pri && p->fault_id != 0)
			ifd_fault_queue_release(p);
		if (p->pri && p->fault_id == 0) {
			struct iommu_fault_alloc fault = { .size = sizeof(fault) };

			ret = ifd_ioctl(p->iommufd, IOMMU_FAULT_QUEUE_ALLOC, &fault, p->name);
			if (ret != 0) {
				if (ret != -ENOTTY)
					IFD_LOG(ERR, "%s: IOMMU_FAULT_QUEUE_ALLOC failed: %s", p->name,
						strerror(-ret));
				return ret;
			}
			p->fault_id = fault.out_fault_id;
			p->fault_fd = (int)fault.out_fault_fd;
		}
		hwpt.flags = (p->pri ? IOMMU_HWPT_FAULT_ID_VALID : 0) |
			(p->pasid ? IOMMU_HWPT_ALLOC_PASID : 0);
		hwpt.dev_id = p->dev_id;
		hwpt.pt_id = p->ioas_id;
		hwpt.data_type = IOMMU_HWPT_DATA_NONE;
		hwpt.fault_id = p->pri ? p->fault_id : 0;
		ret = ifd_ioctl(p->iommufd, IOMMU_HWPT_ALLOC, &hwpt, p->name);
		if (ret == 0) {
			p->hwpt_id = hwpt.out_hwpt_id;
			break;
		}
		/* hw_pagetable.c: a flag the kernel (before 6.15) or the IOMMU driver does not
		 * take is EOPNOTSUPP; some 6.12+ stable kernels report PASID bits all the same. */
		if (ret == -EOPNOTSUPP && p->pasid && pasid_mode == IFD_PASID_AUTO) {
			IFD_LOG(NOTICE, "%s: the kernel reports %u PASID bits but refused a "
				"PASID-capable page table (IOMMU_HWPT_ALLOC_PASID: EOPNOTSUPP; PASID "
				"page tables need Linux 6.15): running RID-only", p->name,
				p->hw_pasid_bits);
			p->pasid = false;
			continue;
		}
		if (ret == -ENOTTY)
			return ret;
		if (ret == -EOPNOTSUPP && p->pasid)
			IFD_LOG(ERR, "%s: pasid=on, but the kernel refused a PASID-capable page table "
				"(IOMMU_HWPT_ALLOC_PASID: EOPNOTSUPP): it needs Linux 6.15 or later (some "
				"6.12+ stable kernels report PASID bits without taking the flag) and an "
				"IOMMU driver with PASID page tables; pasid=auto falls back to RID only",
				p->name);
		else if (p->pri)
			IFD_LOG(ERR, "%s: the kernel refused a fault-capable page table on the IOAS%s "
				"(%s): it needs Linux 6.13 or later (6.11/6.12 deliver faults for "
				"nested page tables only) and an IOMMU and device with PRI enabled%s",
				p->name, p->pasid ? " with PASID" : "", strerror(-ret),
				p->pasid ? "; pasid=off tries without PASID" : "; pri=off allocates a "
				"plain one (pinned mode)");
		else
			IFD_LOG(ERR, "%s: the kernel refused a page table on the IOAS%s: %s", p->name,
				p->pasid ? " with PASID" : "", strerror(-ret));
		return ret;
	}
	/* Granularity and aperture are known now; reserved regions come with the attach. */
	ifd_iova_refresh(p);
	return 0;
}

static int
ifd_iommu_create(struct sva_iommu *iommu, const struct rte_kvargs *kv)
{
	struct ifd_iommu *p = sva_iommu_priv(iommu);
	unsigned int pasid_mode, pri_mode;
	uint64_t max_maps;
	const char *dev;
	int ret;

	p->name = sva_iommu_name(iommu);
	p->iommufd = p->devfd = p->fault_fd = -1;
	p->paths = &ifd_default_paths;
	p->mock = false;
	ret = ifd_parse(p, kv, &dev, &pasid_mode, &pri_mode, &max_maps);
	if (ret != 0)
		return ret;
	if (dev == NULL || dev[0] == '\0') {
		IFD_LOG(ERR, "%s: dev= is required: a PCI address (iommufd,dev=0000:3b:00.0) or a "
			"VFIO cdev path (iommufd,dev=/dev/vfio/devices/vfio0)", p->name);
		return -EINVAL;
	}
	ret = ifd_iommufd_open(&ifd_default_paths);
	if (ret < 0)
		return ret;
	p->iommufd = ret;
	if (strcmp(dev, "mock") == 0) {
		/* The kernel's selftest mock device instead of a VFIO cdev (ifd_mock.c). */
		p->mock = true;
		snprintf(p->cdev, sizeof(p->cdev), "mock");
		ret = 0;
	} else {
		ret = ifd_cdev_resolve(&ifd_default_paths, dev, p->cdev, sizeof(p->cdev), p->bdf,
			sizeof(p->bdf));
	}
	if (ret == 0 && !p->mock) {
		ret = ifd_cdev_open(p->cdev);
		if (ret >= 0) {
			p->devfd = ret;
			ret = 0;
		}
	}
	if (ret == 0)
		ret = ifd_bind(p);
	/* the mirror table first: IOAS_IOVA_RANGES sets its granularity */
	if (ret == 0)
		ret = ifd_maptab_init(&p->maps, (uint32_t)max_maps, ifd_ioas_map, ifd_ioas_unmap, p);
	if (ret == 0)
		ret = ifd_objects_alloc(p, pasid_mode, pri_mode);
	if (ret == 0 && p->mock)
		ret = ifd_mock_park(p);
	if (ret == 0 && p->pri)
		ret = ifd_fq_init(&p->fq, p->fault_fd, p->burst);
	if (ret != 0) {
		ifd_release(p);
		return ret;
	}
	p->numa_node = ifd_pci_numa_node(&ifd_default_paths, p->bdf);
	IFD_LOG(INFO, "%s: %s%s%s bound as dev id %u: ioas %u, fault queue %u (fd %d), hwpt %u%s%s; "
		"%u PASID bits, burst %u, up to %" PRIu64 " maps", p->name, p->cdev,
		p->bdf[0] ? " = " : "", p->bdf, p->dev_id, p->ioas_id, p->fault_id, p->fault_fd,
		p->hwpt_id, p->pasid ? " (PASID)" : "", p->pri ? "" : " (no faults: pinned mode)",
		p->hw_pasid_bits, p->burst, max_maps);
	return 0;
}

static void
ifd_iommu_destroy(struct sva_iommu *iommu)
{
	ifd_release(sva_iommu_priv(iommu));
}

void
ifd_info_fill(const struct ifd_iommu *p, struct sva_iommu_info *info)
{
	uint64_t granule = p->maps.align != 0 ? p->maps.align : 4096;

	info->model = SVA_IOMMU_MODEL_IOMMUFD;
	info->pasid_bits = p->pasid ? p->hw_pasid_bits : 0;
	info->caps = SVA_IOMMU_CAP_ATTACH_RID | SVA_IOMMU_CAP_PIN |
		(p->pri ? SVA_IOMMU_CAP_PRI : 0) |
		(ifd_nested_capable(p) ? SVA_IOMMU_CAP_NESTED : 0);
	if (p->pasid) {
		info->caps |= SVA_IOMMU_CAP_ATTACH_PASID | SVA_IOMMU_CAP_PASID_PER_DEV;
		if (p->hw_caps & IOMMU_HW_CAP_PCI_PASID_EXEC)
			info->caps |= SVA_IOMMU_CAP_EXEC;
		if (p->hw_caps & IOMMU_HW_CAP_PCI_PASID_PRIV)
			info->caps |= SVA_IOMMU_CAP_PRIV;
	}
	info->prq_depth = p->pri ? p->burst : 0; /* the kernel's queue is unbounded: one read */
	info->evtq_depth = 0;
	info->pasid_table_format = SVA_PASID_TABLE_NONE;
	info->pasid_table_align = 0;
	info->pasid_table_max_size = 0;
	/* What an IOAS map is made of: the IOMMU's granule (IOAS_IOVA_RANGES'
	 * out_iova_alignment, at least 4 KiB) and the 2 MiB / 1 GiB multiples of it the
	 * resolver maps whole; the IOMMU picks its own page sizes inside a map. */
	info->page_sizes = granule;
	if (granule < (UINT64_C(1) << 21))
		info->page_sizes |= UINT64_C(1) << 21;
	if (granule < (UINT64_C(1) << 30))
		info->page_sizes |= UINT64_C(1) << 30;
	info->numa_node = p->numa_node;
	info->hw_info_type = p->hw_type;
	info->hw_model = p->hw_type == IFD_HW_INFO_TYPE_INTEL_VTD ? SVA_IOMMU_MODEL_VTD :
		p->hw_type == IFD_HW_INFO_TYPE_ARM_SMMUV3 ? SVA_IOMMU_MODEL_SMMUV3 : 0;
	info->hw_cap = p->hw_cap;
	info->hw_ecap = p->hw_ecap;
}

static void
ifd_info_get(const struct sva_iommu *iommu, struct sva_iommu_info *info)
{
	ifd_info_fill(sva_iommu_priv(iommu), info);
}

/* ---- poll path ---- */

static uint16_t
ifd_prq_read(struct sva_iommu *iommu, struct sva_fault *faults, uint16_t n)
{
	struct ifd_iommu *p = sva_iommu_priv(iommu);

	uint16_t got;

	if (unlikely(!p->pri)) /* pri=off: no fault queue */
		return 0;
	got = ifd_fq_read(&p->fq, faults, n);
	if (got > 0)
		ifd_nested_mark(p, faults, got); /* first-level faults of nested attachments */
	return got;
}

/* lib/sva's "no poller" check, off the poll path: poll() on the fault fd */
static int
ifd_prq_pending(struct sva_iommu *iommu)
{
	struct ifd_iommu *p = sva_iommu_priv(iommu);

	if (!p->pri)
		return 0;
	return ifd_fq_kernel_pending(&p->fq);
}

static uint16_t
ifd_evtq_read(struct sva_iommu *iommu, struct sva_fault *faults, uint16_t n)
{
	RTE_SET_USED(iommu);
	RTE_SET_USED(faults);
	RTE_SET_USED(n);
	return 0;
}

static int
ifd_page_response(struct sva_iommu *iommu, const struct sva_page_response *resp, uint16_t n)
{
	struct ifd_iommu *p = sva_iommu_priv(iommu);

	if (unlikely(!p->pri)) /* nothing was read: nothing to answer */
		return -EIO;
	return ifd_fq_write(&p->fq, resp, n);
}

/* The IOTLB is the kernel's business; what is ours is the mirror: drop what overlaps. */
static int
ifd_iotlb_inval(struct sva_iommu *iommu, uint32_t pasid, uint64_t addr, uint64_t size)
{
	struct ifd_iommu *p = sva_iommu_priv(iommu);

	RTE_SET_USED(pasid);
	ifd_maptab_drop(&p->maps, addr, size);
	return 0;
}

static int
ifd_range_resolved(struct sva_iommu *iommu, struct sva_dev *dev, uint32_t pasid,
		uint64_t addr, uint64_t len, uint32_t perm)
{
	struct ifd_iommu *p = sva_iommu_priv(iommu);

	RTE_SET_USED(dev);
	RTE_SET_USED(pasid);
	return ifd_resolve_unpinned(p, addr, len, perm);
}

int
sva_iommufd_stats_get(const struct sva_iommu *iommu, struct sva_iommufd_stats *st)
{
	const struct ifd_iommu *p;
	const struct ifd_fq_stats *f;
	const struct ifd_map_stats *m;

	if (iommu == NULL || st == NULL)
		return -EINVAL;
	if (sva_iommu_driver_of(iommu) != &ifd_driver)
		return -ENODEV;
	p = sva_iommu_priv(iommu);
	f = &p->fq.stats;
	m = &p->maps.stats;
	*st = (struct sva_iommufd_stats){
		.reads = f->reads, .empty_reads = f->empty_reads, .read_errors = f->read_errors,
		.records = f->records, .groups = f->groups, .partial_bytes = f->partial_bytes,
		.group_fixups = f->group_fixups, .unknown_bits = f->unknown_bits,
		.writes = f->writes, .responses = f->responses, .short_writes = f->short_writes,
		.write_again = f->write_again, .refused = f->refused,
		.failure_as_invalid = f->failure_as_invalid, .bad_code = f->bad_code,
		.write_errors = f->write_errors,
		.maps = m->maps, .unmaps = m->unmaps, .map_errors = m->map_errors,
		.unmap_errors = m->unmap_errors, .map_upgrades = m->upgrades, .map_hits = m->hits,
		.map_full = m->full, .mapped_bytes = m->bytes, .mapped_ranges = p->maps.n,
		.kernel_flags = f->kernel_flags, .oversized_groups = f->oversized,
		.read_buffer_grows = f->grows, .stalled = f->stalled, .map_outside = m->outside,
		.pins = p->pin_stats.pins, .unpins = p->pin_stats.unpins,
		.pin_errors = p->pin_stats.errors, .pinned_bytes = p->pin_stats.bytes,
		.pinned_ranges = p->n_pins,
		.nested_attached = p->n_nested, .nested_attaches = p->nested_stats.attaches,
		.nested_detaches = p->nested_stats.detaches,
		.nested_errors = p->nested_stats.errors, .nested_invals = p->nested_stats.invals,
		.nested_inval_errors = p->nested_stats.inval_errors,
		.nested_records = p->nested_stats.records,
	};
	return 0;
}

const struct sva_iommu_driver ifd_driver = {
	.name = "iommufd",
	.iommu_keys = ifd_iommu_keys,
	.dev_keys = ifd_dev_keys,
	.iommu_priv_size = sizeof(struct ifd_iommu),
	.dev_priv_size = 0,
	.iommu_create = ifd_iommu_create,
	.iommu_destroy = ifd_iommu_destroy,
	.info_get = ifd_info_get,
	.dev_open = ifd_dev_open,
	.dev_close = ifd_dev_close,
	.attach_rid = ifd_attach_rid,
	.attach_pasid = ifd_attach_pasid,
	.attach_rid_all_pasids = ifd_attach_rid_all_pasids,
	.detach_rid = ifd_detach_rid,
	.detach_pasid = ifd_detach_pasid,
	.detach_rid_all_pasids = ifd_detach_rid_all_pasids,
	.pasid_table_bind = NULL,
	.pasid_table_unbind = NULL,
	.prq_read = ifd_prq_read,
	.prq_pending = ifd_prq_pending,
	.evtq_read = ifd_evtq_read,
	.page_response = ifd_page_response,
	.iotlb_inval = ifd_iotlb_inval,
	.pin_range = ifd_pin_range,
	.unpin_range = ifd_unpin_range,
	.nested_attach = ifd_nested_attach,
	.nested_detach = ifd_nested_detach,
	.nested_inval = ifd_nested_inval,
	.range_resolved = ifd_range_resolved,
};

SVA_IOMMU_DRIVER_REGISTER(ifd_driver);
