/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef IFD_PVT_H
#define IFD_PVT_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "sva_iommu_driver.h"
#include "ifd_fq.h"
#include "ifd_map.h"

/* Private data of an iommufd iommu: one device bound to one iommufd. */
struct ifd_iommu {
	const char *name;         /* the core's instance name */
	int iommufd;              /* /dev/iommu */
	int devfd;                /* the VFIO cdev */
	int fault_fd;
	uint32_t dev_id;          /* iommufd device ID (VFIO_DEVICE_BIND_IOMMUFD) */
	uint32_t ioas_id, fault_id, hwpt_id;
	bool pasid;               /* the HWPT was allocated PASID-capable */
	bool mock;                /* dev=mock: the kernel's selftest mock device (ifd_mock.c) */
	uint32_t stdev_id;        /* mock: the selftest device object */
	uint32_t park_hwpt_id;    /* mock: PASID-compatible HWPT the RID rests on */
	bool dev_open;            /* sva_dev_open() took the device */
	uint32_t attached;        /* RID and PASID attachments now */
	uint32_t hw_pasid_bits;   /* out_max_pasid_log2 */
	uint64_t hw_caps;         /* out_capabilities */
	uint32_t hw_type;         /* out_data_type */
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

int ifd_dev_open(struct sva_dev *dev, const struct rte_kvargs *kv);
void ifd_dev_close(struct sva_dev *dev);
int ifd_attach_rid(struct sva_dev *dev, const struct sva_pgtable *pt);
int ifd_attach_pasid(struct sva_dev *dev, uint32_t pasid, const struct sva_pgtable *pt);
int ifd_attach_rid_all_pasids(struct sva_dev *dev, const struct sva_pgtable *pt);
void ifd_detach_rid(struct sva_dev *dev);
void ifd_detach_pasid(struct sva_dev *dev, uint32_t pasid);
void ifd_detach_rid_all_pasids(struct sva_dev *dev);

#endif /* IFD_PVT_H */
