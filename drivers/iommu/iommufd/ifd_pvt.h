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
#include "ifd_uapi.h"

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

/*
 * Nested translation (ifd_nested.c). A nest parent: an IOAS of its own holding guest
 * RAM at IOVA = GPA (pinned, as iommufd's kernel-managed second level always is) and
 * the NEST_PARENT paging HWPT on it; shared by every nested attachment on the same RAM.
 */
struct ifd_nest_parent {
	uintptr_t base;           /* guest RAM in this process */
	uint64_t size;
	uint32_t ioas_id, hwpt_id;
	uint32_t refs;            /* nested attachments on it */
	uint64_t mapped;          /* bytes of guest RAM mapped (inside the allowed IOVAs) */
};

/** One nested attachment: a nested HWPT (the guest's first level) on the RID or a PASID. */
struct ifd_nested {
	uint32_t pasid;           /* IFD_NESTED_RID for the RID */
	uint32_t hwpt_id;
	uint32_t parent;          /* index in ifd_iommu.parents */
	uint32_t format;          /* enum sva_nested_format */
};
#define IFD_NESTED_RID 0u         /* pasid 0 of the nested ops: the RID (IOMMU_NO_PASID) */
#define IFD_NESTED_MAX 64u        /* nested attachments per device */
#define IFD_PASID_LIMIT (1u << 20)

struct ifd_nested_stats {
	uint64_t attaches, detaches, errors; /* nested_attach successes, detaches, refusals */
	uint64_t invals, inval_errors;       /* IOMMU_HWPT_INVALIDATE calls done / failed */
	uint64_t records;                    /* page requests flagged SVA_FAULT_PR_NESTED_S1 */
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
	bool rid_attached;        /* the RID is on hwpt_id (attach_rid) */
	/* nested (control path, but the poll path reads nested_bits / nested_rid) */
	struct ifd_nested nested[IFD_NESTED_MAX];
	uint32_t n_nested;
	struct ifd_nest_parent parents[IFD_NESTED_MAX]; /* free slots have refs 0 */
	/* which PASIDs' requests are first-level (nested) faults: set at a nested attach
	 * (before the kernel attach), cleared at the next plain attach of that PASID, so
	 * records read after a nested detach keep the flag they were raised with */
	uint64_t *nested_bits;    /* IFD_PASID_LIMIT bits, allocated at the first nested attach */
	bool nested_rid;
	struct ifd_nested_stats nested_stats;
};

/* IOMMU_DESTROY of object id (0: nothing); a failure is logged at DEBUG with what it
 * was (closing /dev/iommu frees it anyway). ifd_iommu.c */
void ifd_destroy_obj(struct ifd_iommu *p, uint32_t id, const char *what);

/* dev=mock (ifd_mock.c): open replaces cdev open + bind; attach/detach go through the
 * selftest ops; everything else is the driver's normal path. */
int ifd_mock_open(struct ifd_iommu *p);
int ifd_mock_park(struct ifd_iommu *p);
int ifd_mock_attach(struct ifd_iommu *p, bool with_pasid, uint32_t pasid, uint32_t pt_id);
int ifd_mock_detach(struct ifd_iommu *p, bool with_pasid, uint32_t pasid);
void ifd_mock_close(struct ifd_iommu *p);

/* ifd_nested.c */
bool ifd_nested_capable(const struct ifd_iommu *p);
int ifd_nested_attach(struct sva_dev *dev, uint32_t pasid, const struct sva_nested_cfg *cfg);
void ifd_nested_detach(struct sva_dev *dev, uint32_t pasid);
int ifd_nested_inval(struct sva_dev *dev, uint32_t pasid, uint64_t addr, uint64_t size);
/* the same on the private data (tests drive them with a model of the kernel) */
int ifd_nested_attach_p(struct ifd_iommu *p, uint32_t pasid, const struct sva_nested_cfg *cfg);
void ifd_nested_detach_p(struct ifd_iommu *p, uint32_t pasid);
int ifd_nested_inval_p(struct ifd_iommu *p, uint32_t pasid, uint64_t addr, uint64_t size);
bool ifd_nested_has(struct ifd_iommu *p, uint32_t pasid);
void ifd_nested_detach_all(struct ifd_iommu *p);
void ifd_nested_release(struct ifd_iommu *p);
void ifd_nested_plain_attach(struct ifd_iommu *p, bool with_pasid, uint32_t pasid);
void ifd_nested_mark(struct ifd_iommu *p, struct sva_fault *f, uint16_t n);
/* pure builders (tested alone) */
int ifd_nested_vtd_s1(const struct sva_nested_cfg *cfg, struct ifd_hwpt_vtd_s1 *out);
void ifd_nested_vtd_inval(uint64_t addr, uint64_t size, struct ifd_hwpt_vtd_s1_invalidate *out);
int ifd_nested_selftest_inval(uint64_t addr, uint64_t size,
		struct ifd_hwpt_invalidate_selftest *out, uint32_t max);

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
