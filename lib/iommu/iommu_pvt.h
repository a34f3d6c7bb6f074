/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef IOMMU_PVT_H
#define IOMMU_PVT_H

#include <stdbool.h>
#include <sys/queue.h>

#include <rte_log.h>

#include "sva_iommu.h"
#include "sva_iommu_driver.h"

#define IOMMU_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, sva_iommu_logtype, "IOMMU: " fmt "\n", ##__VA_ARGS__)

struct sva_dev {
	TAILQ_ENTRY(sva_dev) next;
	struct sva_iommu *iommu;
	uint32_t id;
	bool rid_attached;
	bool all_pasids_attached;
	bool pasid_table_bound;
	uint32_t pasids_attached;   /* how many bits are set in pasid_map */
	uint64_t *pasid_map;        /* one bit per PASID of the iommu's space */
	uint64_t *nested_map;       /* of those, the PASIDs with a nested first level (VT-d) */
	bool nested_all;            /* a whole-table nested first level (SMMUv3 CD table) */
	void *priv;
};

struct sva_iommu {
	TAILQ_ENTRY(sva_iommu) next;
	char name[SVA_IOMMU_NAME_LEN];
	const struct sva_iommu_driver *drv;
	struct sva_iommu_info info;    /* filled once at create: capabilities do not change */
	TAILQ_HEAD(, sva_dev) devs;
	unsigned int ndevs;
	void *priv;
};

static inline uint32_t
pasid_count(const struct sva_iommu *iommu)
{
	return iommu->info.pasid_bits ? UINT32_C(1) << iommu->info.pasid_bits : 0;
}

static inline bool
map_test(const uint64_t *map, uint32_t pasid)
{
	return map[pasid / 64] & (UINT64_C(1) << (pasid % 64));
}

static inline void
map_assign(uint64_t *map, uint32_t pasid, bool on)
{
	uint64_t bit = UINT64_C(1) << (pasid % 64);

	if (on)
		map[pasid / 64] |= bit;
	else
		map[pasid / 64] &= ~bit;
}

/* Has the PASID a page table (a process one, or a nested first level)? */
static inline bool
pasid_test(const struct sva_dev *dev, uint32_t pasid)
{
	return map_test(dev->pasid_map, pasid);
}

static inline void
pasid_assign(struct sva_dev *dev, uint32_t pasid, bool on)
{
	map_assign(dev->pasid_map, pasid, on);
}

/* Nested (iommu_nested.c): detach a nested PASID (called by sva_dev_detach_pasid for
 * a PASID in nested_map), and everything nested at close. */
void iommu_nested_detach_pasid(struct sva_dev *dev, uint32_t pasid);
void iommu_nested_close(struct sva_dev *dev);

/* The registry of drivers and iommus (control path only; one lock). */
const struct sva_iommu_driver *iommu_driver_find(const char *name, size_t len);
void iommu_registry_lock(void);
void iommu_registry_unlock(void);
/* Refuse keys the driver does not list ("name" is always accepted). */
int iommu_kvargs_check(const struct rte_kvargs *kv, const char *what,
		const char *const *accepted);

/* One cache-line aligned, zeroed allocation for an object and its driver's private data. */
void *iommu_zalloc_with_priv(size_t size, size_t priv_size, void **priv);

#endif /* IOMMU_PVT_H */
