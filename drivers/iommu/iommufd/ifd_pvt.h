/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef IFD_PVT_H
#define IFD_PVT_H

#include <limits.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#include "sva_iommu_driver.h"
#include "ifd_fq.h"
#include "ifd_map.h"
#include "ifd_pci.h"

struct ifd_paths;

/** One pinned range (pinned mode): exactly one IOMMU_IOAS_MAP. */
struct ifd_pin {
	uint64_t start, end;
	uint32_t perm;            /* SVA_FAULT_PERM_READ | _WRITE */
	uint32_t refs;            /* pin_range calls of exactly this range not yet undone */
};

struct ifd_pin_stats {
	uint64_t pins, unpins;    /* IOMMU_IOAS_MAP / UNMAP of pins that succeeded */
	uint64_t errors;          /* pin_range refusals and failures */
	uint64_t bytes;           /* bytes pinned now */
};

/* Private data of an iommufd iommu: one device bound to one iommufd. */
struct ifd_iommu {
	const char *name;         /* the core's instance name */
	int iommufd;              /* /dev/iommu */
	int devfd;                /* the VFIO cdev */
	int fault_fd;
	uint32_t dev_id;          /* iommufd device ID (VFIO_DEVICE_BIND_IOMMUFD) */
	uint32_t ioas_id, fault_id, hwpt_id;
	bool pasid;               /* the HWPT was allocated PASID-capable */
	bool pri;                 /* the HWPT has the fault queue (pri=) */
	bool mock;                /* dev=mock: the kernel's selftest mock device (ifd_mock.c):
				     not a PCI device behind a real IOMMU, no PCI rules */
	uint32_t stdev_id;        /* mock: the selftest device object */
	uint32_t park_hwpt_id;    /* mock: PASID-compatible HWPT the RID rests on */
	bool dev_open;            /* sva_dev_open() took the device */
	uint32_t attached;        /* RID and PASID attachments now */
	uint32_t hw_pasid_bits;   /* out_max_pasid_log2 */
	uint64_t hw_caps;         /* out_capabilities */
	uint32_t hw_type;         /* out_data_type */
	uint64_t hw_cap, hw_ecap; /* GET_HW_INFO data: see sva_iommu_info.hw_cap */
	const struct ifd_paths *paths; /* sysfs roots (tests: a fake tree) */
	struct iommu_iova_range *iova; /* allowed IOVA ranges of the IOAS, NULL: unknown */
	uint32_t n_iova;
	struct ifd_pin *pins;     /* sorted, disjoint */
	uint32_t n_pins, cap_pins;
	struct ifd_pin_stats pin_stats;
	int numa_node;
	uint16_t burst;
	uint64_t map_failures;    /* IOMMU_IOAS_MAP failures (for log rate limiting) */
	char cdev[PATH_MAX];
	char bdf[32];
	struct ifd_fq fq;
	struct ifd_maptab maps;
};

/* dev=mock (ifd_mock.c): open replaces cdev open + bind; attach/detach go through the
 * selftest ops; everything else is the driver's normal path. */
int ifd_mock_open(struct ifd_iommu *p);
int ifd_mock_park(struct ifd_iommu *p);
int ifd_mock_attach(struct ifd_iommu *p, bool with_pasid, uint32_t pasid, uint32_t pt_id);
int ifd_mock_detach(struct ifd_iommu *p, bool with_pasid, uint32_t pasid);
void ifd_mock_close(struct ifd_iommu *p);

/* ifd_iommu.c */
int ifd_ioas_map(void *ctx, uint64_t va, uint64_t len, uint32_t perm); /* mirror hooks */
int ifd_ioas_unmap(void *ctx, uint64_t va, uint64_t len);
void ifd_release(struct ifd_iommu *p);
int ifd_hw_info_read(struct ifd_iommu *p);
int ifd_objects_alloc(struct ifd_iommu *p, unsigned int pasid_mode, unsigned int pri_mode);
enum ifd_pri_verdict ifd_pri_usable(const struct ifd_iommu *p, char *why, size_t len);
void ifd_info_fill(const struct ifd_iommu *p, struct sva_iommu_info *info);
/* ifd_ioas.c */
void ifd_map_failed_log(struct ifd_iommu *p, int ret, uint64_t va, uint64_t len,
		const char *what);
int ifd_iova_refresh(struct ifd_iommu *p);
int ifd_pin(struct ifd_iommu *p, uint64_t addr, uint64_t len, uint32_t perm);
int ifd_unpin(struct ifd_iommu *p, uint64_t addr, uint64_t len);
void ifd_pins_release(struct ifd_iommu *p);
int ifd_resolve_unpinned(struct ifd_iommu *p, uint64_t addr, uint64_t len, uint32_t perm);
/* ifd_dev.c */
int ifd_attach(struct ifd_iommu *p, bool with_pasid, uint32_t pasid);
int ifd_dev_open(struct sva_dev *dev, const struct rte_kvargs *kv);
void ifd_dev_close(struct sva_dev *dev);
int ifd_attach_rid(struct sva_dev *dev, const struct sva_pgtable *pt);
int ifd_attach_pasid(struct sva_dev *dev, uint32_t pasid, const struct sva_pgtable *pt);
int ifd_attach_rid_all_pasids(struct sva_dev *dev, const struct sva_pgtable *pt);
void ifd_detach_rid(struct sva_dev *dev);
void ifd_detach_pasid(struct sva_dev *dev, uint32_t pasid);
void ifd_detach_rid_all_pasids(struct sva_dev *dev);
int ifd_pin_range(struct sva_dev *dev, uint32_t pasid, uint64_t addr, uint64_t len,
		uint32_t perm);
void ifd_unpin_range(struct sva_dev *dev, uint32_t pasid, uint64_t addr, uint64_t len);

/* ifd_iommu.c: the ops table (ifd_telemetry.c registers its command for it) */
extern const struct sva_iommu_driver ifd_driver;

#endif /* IFD_PVT_H */
