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

#include <rte_common.h>
#include <rte_log.h>

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

static const char *const ifd_iommu_keys[] = { "dev", "pasid", "burst", "max_maps", NULL };
static const char *const ifd_dev_keys[] = { NULL };

static const struct sva_iommu_driver ifd_driver;

/* ---- IOAS map hooks for the mirror ---- */

static int
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
	if (ret == -ENOMEM)
		IFD_LOG(WARNING, "%s: IOMMU_IOAS_MAP of %" PRIu64 " bytes at 0x%" PRIx64 " hit the "
			"pinned-memory limit: raise RLIMIT_MEMLOCK (ulimit -l)", p->name, len, va);
	else if (ret != 0)
		IFD_LOG(DEBUG, "%s: IOMMU_IOAS_MAP [0x%" PRIx64 ", +0x%" PRIx64 ") failed: %s",
			p->name, va, len, strerror(-ret));
	return ret;
}

static int
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

static void
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
static void
ifd_release(struct ifd_iommu *p)
{
	if (p->maps.ent != NULL) {
		ifd_maptab_drop(&p->maps, 0, 0);
		ifd_maptab_fini(&p->maps);
	}
	ifd_fq_fini(&p->fq);
	if (p->hwpt_id != 0 || p->fault_fd >= 0)
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
	if (p->devfd >= 0)
		close(p->devfd); /* unbinds the device from the iommufd */
	if (p->iommufd >= 0)
		close(p->iommufd);
	p->hwpt_id = p->fault_id = p->ioas_id = 0;
	p->fault_fd = p->devfd = p->iommufd = -1;
}

static int
ifd_parse(struct ifd_iommu *p, const struct rte_kvargs *kv, const char **dev,
		unsigned int *pasid_mode, uint64_t *max_maps)
{
	uint64_t burst = IFD_BURST_DEFAULT;

	*dev = rte_kvargs_get(kv, "dev");
	*pasid_mode = IFD_PASID_AUTO;
	*max_maps = IFD_MAX_MAPS_DEFAULT;
	if (sva_kvargs_choice(kv, "pasid", ifd_pasid_choices, pasid_mode) != 0 ||
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
	struct iommu_hw_info hw = { .size = sizeof(hw) };
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
	hw.dev_id = p->dev_id;
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
	return 0;
}

static int
ifd_alloc_objects(struct ifd_iommu *p, unsigned int pasid_mode)
{
	struct iommu_ioas_alloc ioas = { .size = sizeof(ioas) };
	struct iommu_fault_alloc fault = { .size = sizeof(fault) };
	struct iommu_hwpt_alloc hwpt = { .size = sizeof(hwpt) };
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

	ret = ifd_ioctl(p->iommufd, IOMMU_FAULT_QUEUE_ALLOC, &fault, p->name);
	if (ret != 0) {
		if (ret != -ENOTTY)
			IFD_LOG(ERR, "%s: IOMMU_FAULT_QUEUE_ALLOC failed: %s", p->name, strerror(-ret));
		return ret;
	}
	p->fault_id = fault.out_fault_id;
	p->fault_fd = (int)fault.out_fault_fd;

	hwpt.flags = IOMMU_HWPT_FAULT_ID_VALID | (p->pasid ? IOMMU_HWPT_ALLOC_PASID : 0);
	hwpt.dev_id = p->dev_id;
	hwpt.pt_id = p->ioas_id;
	hwpt.data_type = IOMMU_HWPT_DATA_NONE;
	hwpt.fault_id = p->fault_id;
	ret = ifd_ioctl(p->iommufd, IOMMU_HWPT_ALLOC, &hwpt, p->name);
	if (ret != 0) {
		if (ret != -ENOTTY)
			IFD_LOG(ERR, "%s: the kernel refused a fault-capable page table on the IOAS%s "
				"(%s): it needs Linux 6.13 or later (6.11/6.12 deliver faults for "
				"nested page tables only) and an IOMMU and device with PRI enabled%s",
				p->name, p->pasid ? " with PASID" : "", strerror(-ret),
				p->pasid ? "; pasid=off tries without PASID" : "");
		return ret;
	}
	p->hwpt_id = hwpt.out_hwpt_id;
	return 0;
}

static int
ifd_iommu_create(struct sva_iommu *iommu, const struct rte_kvargs *kv)
{
	struct ifd_iommu *p = sva_iommu_priv(iommu);
	unsigned int pasid_mode;
	uint64_t max_maps;
	const char *dev;
	int ret;

	p->name = sva_iommu_name(iommu);
	p->iommufd = p->devfd = p->fault_fd = -1;
	ret = ifd_parse(p, kv, &dev, &pasid_mode, &max_maps);
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
	if (ret == 0)
		ret = ifd_alloc_objects(p, pasid_mode);
	if (ret == 0 && p->mock)
		ret = ifd_mock_park(p);
	if (ret == 0)
		ret = ifd_fq_init(&p->fq, p->fault_fd, p->burst);
	if (ret == 0)
		ret = ifd_maptab_init(&p->maps, (uint32_t)max_maps, ifd_ioas_map, ifd_ioas_unmap, p);
	if (ret != 0) {
		ifd_release(p);
		return ret;
	}
	p->numa_node = ifd_pci_numa_node(&ifd_default_paths, p->bdf);
	IFD_LOG(INFO, "%s: %s%s%s bound as dev id %u: ioas %u, fault queue %u (fd %d), hwpt %u%s; "
		"%u PASID bits, burst %u, up to %" PRIu64 " maps", p->name, p->cdev,
		p->bdf[0] ? " = " : "", p->bdf, p->dev_id, p->ioas_id, p->fault_id, p->fault_fd,
		p->hwpt_id, p->pasid ? " (PASID)" : "", p->hw_pasid_bits, p->burst, max_maps);
	return 0;
}

static void
ifd_iommu_destroy(struct sva_iommu *iommu)
{
	ifd_release(sva_iommu_priv(iommu));
}

static void
ifd_info_get(const struct sva_iommu *iommu, struct sva_iommu_info *info)
{
	const struct ifd_iommu *p = sva_iommu_priv(iommu);

	info->model = SVA_IOMMU_MODEL_IOMMUFD;
	info->pasid_bits = p->pasid ? p->hw_pasid_bits : 0;
	info->caps = SVA_IOMMU_CAP_PRI | SVA_IOMMU_CAP_ATTACH_RID;
	if (p->pasid) {
		info->caps |= SVA_IOMMU_CAP_ATTACH_PASID | SVA_IOMMU_CAP_PASID_PER_DEV;
		if (p->hw_caps & IOMMU_HW_CAP_PCI_PASID_EXEC)
			info->caps |= SVA_IOMMU_CAP_EXEC;
		if (p->hw_caps & IOMMU_HW_CAP_PCI_PASID_PRIV)
			info->caps |= SVA_IOMMU_CAP_PRIV;
	}
	info->prq_depth = p->burst; /* the kernel's queue is unbounded; this is one read */
	info->evtq_depth = 0;
	info->pasid_table_format = SVA_PASID_TABLE_NONE;
	info->pasid_table_align = 0;
	info->pasid_table_max_size = 0;
	/* What the IOAS maps take; the IOMMU picks its own page sizes below them. */
	info->page_sizes = (UINT64_C(1) << 12) | (UINT64_C(1) << 21) | (UINT64_C(1) << 30);
	info->numa_node = p->numa_node;
}

/* ---- poll path ---- */

static uint16_t
ifd_prq_read(struct sva_iommu *iommu, struct sva_fault *faults, uint16_t n)
{
	struct ifd_iommu *p = sva_iommu_priv(iommu);

	return ifd_fq_read(&p->fq, faults, n);
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
	return ifd_maptab_resolve(&p->maps, addr, len, perm);
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
	};
	return 0;
}

static const struct sva_iommu_driver ifd_driver = {
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
	.evtq_read = ifd_evtq_read,
	.page_response = ifd_page_response,
	.iotlb_inval = ifd_iotlb_inval,
	.range_resolved = ifd_range_resolved,
};

SVA_IOMMU_DRIVER_REGISTER(ifd_driver);
