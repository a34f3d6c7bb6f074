/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SVA_IOMMU_DRIVER_H
#define SVA_IOMMU_DRIVER_H

/**
 * @file
 * The iommu driver interface: an ops table registered by a constructor. The core
 * (lib/iommu) never names a driver; it parses devargs with rte_kvargs, checks the keys
 * against the driver's list, allocates the objects with room for the driver's private
 * data, and calls these ops. Only drivers include this header.
 */

#include <rte_common.h>
#include <rte_compat.h>
#include <rte_kvargs.h>

#include "sva_iommu.h"

#ifdef __cplusplus
extern "C" {
#endif

/** pasid argument of pin_range/unpin_range for the RID (requests without PASID). */
#define SVA_PIN_RID UINT32_MAX

struct sva_iommu_driver {
	const char *name;               /**< "emu", "iommufd": the devargs prefix */
	const char *const *iommu_keys;  /**< keys sva_iommu_create accepts, NULL-terminated */
	const char *const *dev_keys;    /**< keys sva_dev_open accepts, NULL-terminated */
	size_t iommu_priv_size;         /**< bytes of private data per iommu */
	size_t dev_priv_size;           /**< bytes of private data per dev */

	/** Set up an iommu from parsed devargs; 0 or a negative errno (log why). */
	int (*iommu_create)(struct sva_iommu *iommu, const struct rte_kvargs *kv);
	/** Release everything iommu_create took. Devs are closed already. */
	void (*iommu_destroy)(struct sva_iommu *iommu);
	/** Fill info (name and driver are filled by the core). */
	void (*info_get)(const struct sva_iommu *iommu, struct sva_iommu_info *info);

	int (*dev_open)(struct sva_dev *dev, const struct rte_kvargs *kv);
	void (*dev_close)(struct sva_dev *dev);

	/** Attach; the core has checked pt, pasid range and the busy rules. */
	int (*attach_rid)(struct sva_dev *dev, const struct sva_pgtable *pt);
	int (*attach_pasid)(struct sva_dev *dev, uint32_t pasid, const struct sva_pgtable *pt);
	int (*attach_rid_all_pasids)(struct sva_dev *dev, const struct sva_pgtable *pt);
	void (*detach_rid)(struct sva_dev *dev);
	void (*detach_pasid)(struct sva_dev *dev, uint32_t pasid);
	void (*detach_rid_all_pasids)(struct sva_dev *dev);

	/** NULL when the model has no PASID table bind; the core checks alignment first. */
	int (*pasid_table_bind)(struct sva_dev *dev, const struct sva_pasid_table_cfg *cfg);
	void (*pasid_table_unbind)(struct sva_dev *dev);

	/* Poll path: no locks, no allocation, no system calls (iommufd: one read/write). */
	uint16_t (*prq_read)(struct sva_iommu *iommu, struct sva_fault *faults, uint16_t n);
	uint16_t (*evtq_read)(struct sva_iommu *iommu, struct sva_fault *faults, uint16_t n);
	int (*page_response)(struct sva_iommu *iommu, const struct sva_page_response *resp,
			uint16_t n);
	int (*iotlb_inval)(struct sva_iommu *iommu, uint32_t pasid, uint64_t addr, uint64_t size);
	/**
	 * Pinned mode (optional; a driver that has it sets SVA_IOMMU_CAP_PIN). Control path.
	 * pin_range makes [addr, addr + len) (page aligned by the core) resident and
	 * reachable by the device at IOVA == VA with perm (SVA_FAULT_PERM_READ, | _WRITE)
	 * for the RID (pasid == SVA_PIN_RID) or a PASID, before any DMA: no page request
	 * is ever needed for it. unpin_range undoes exactly one earlier pin_range.
	 * @return 0 or a negative errno (logged by the driver with the range).
	 */
	int (*pin_range)(struct sva_dev *dev, uint32_t pasid, uint64_t addr, uint64_t len,
			uint32_t perm);
	void (*unpin_range)(struct sva_dev *dev, uint32_t pasid, uint64_t addr, uint64_t len);

	/**
	 * Page request drain fence (optional; NULL: the hardware needs none, e.g. the
	 * kernel drains at detach). Control path, called with the PASID already detached,
	 * before its number is reused: when it returns 0, every page request a device
	 * emitted before the call is in the page request queue (VT-d: an invalidation wait
	 * descriptor with Page Drain set; SMMUv3: CMD_SYNC after the PRI), and every event
	 * record (stall model: stall records) of a transaction before the call is in the
	 * event queue (SMMUv3: CMD_SYNC, IHI0070 4.7.3), so that reading both queues to
	 * empty afterwards reads the last of them.
	 * @return 0, or a negative errno (logged by the driver).
	 */
	int (*prq_drain)(struct sva_iommu *iommu);

	/**
	 * Whether the page request queue holds entries nobody has read yet (optional;
	 * NULL: the driver cannot tell, and lib/sva's "no poller" warning is off for its
	 * iommus). Called off the poll path (lib/sva's background check, every few ms while
	 * a bond exists), concurrently with prq_read on the poll lcore: it must not take
	 * what prq_read owns (read the queue's indexes atomically, or ask the kernel: emu
	 * compares producer and consumer, iommufd polls the fault fd for POLLIN with a zero
	 * timeout). Records a driver buffered after reading them do not count.
	 * @return 1 (entries wait), 0 (empty), or a negative errno.
	 */
	int (*prq_pending)(struct sva_iommu *iommu);

	/**
	 * Nested translation (optional; a driver that has it sets SVA_IOMMU_CAP_NESTED).
	 * Control path; the core has checked cfg against the model's rules. nested_attach
	 * puts a guest first level (cfg) on (dev, pasid) over the process address space as
	 * second level — pasid SVA_NESTED_ALL_PASIDS for a whole-table format;
	 * nested_detach undoes it; nested_inval drops cached first-level translations of
	 * [addr, addr + size) (size 0: all) for pasid (SVA_NESTED_ALL_PASIDS: every PASID
	 * of the table).
	 * @return 0 or a negative errno (logged by the driver).
	 */
	int (*nested_attach)(struct sva_dev *dev, uint32_t pasid, const struct sva_nested_cfg *cfg);
	void (*nested_detach)(struct sva_dev *dev, uint32_t pasid);
	int (*nested_inval)(struct sva_dev *dev, uint32_t pasid, uint64_t addr, uint64_t size);

	/** Optional (NULL: nothing to do). */
	int (*range_resolved)(struct sva_iommu *iommu, struct sva_dev *dev, uint32_t pasid,
			uint64_t addr, uint64_t len, uint32_t perm);
};

/** Register a driver; called from a constructor (SVA_IOMMU_DRIVER_REGISTER). */
__rte_internal
void sva_iommu_driver_register(const struct sva_iommu_driver *drv);

#define SVA_IOMMU_DRIVER_REGISTER(drv) \
	RTE_INIT(sva_iommu_driver_register_##drv) \
	{ \
		sva_iommu_driver_register(&(drv)); \
	}

/** The driver's private data of an iommu / a dev (iommu_priv_size / dev_priv_size bytes). */
__rte_internal
void *sva_iommu_priv(const struct sva_iommu *iommu);
__rte_internal
void *sva_dev_priv(const struct sva_dev *dev);

/**
 * dev_open sets the dev's requester/stream ID, before it starts anything (threads,
 * logs about the dev): a duplicate is refused here, so that the driver can return
 * before it has done anything it would have to undo and report. The core checks again
 * after dev_open (and then calls dev_close) for a driver that goes on anyway.
 *
 * @return 0, or -EEXIST (a dev with this ID is open on the iommu; logged, naming the
 *   ID): return it from dev_open.
 */
__rte_internal
int sva_dev_id_set(struct sva_dev *dev, uint32_t id);

/** The driver of an iommu. */
__rte_internal
const struct sva_iommu_driver *sva_iommu_driver_of(const struct sva_iommu *iommu);

struct rte_tel_data;

/**
 * Writes the telemetry of one iommu of the driver into d, a dict already started:
 * 0, or a negative errno (the reply is then null).
 */
typedef int (*sva_iommu_telemetry_dict_t)(struct sva_iommu *iommu, struct rte_tel_data *d);

/**
 * Register a driver's per-iommu telemetry command, from a constructor (RTE_INIT): cmd
 * ("/sva/<driver>/<what>") without a parameter replies the names of drv's iommus;
 * with an iommu name, the dict that dict() writes for it; null for an unknown iommu or
 * one of another driver. help is its /help text (say the parameter). dict() runs on
 * the telemetry thread with the iommu registry locked: the iommu stays alive, and it
 * must not create or destroy iommus.
 *
 * @return 0, or -EINVAL (an argument NULL, cmd too long, 8 commands already; said on
 *   stderr: it runs before logging exists), or DPDK's telemetry errno.
 */
__rte_internal
int sva_iommu_telemetry_register(const struct sva_iommu_driver *drv, const char *cmd,
		const char *help, sva_iommu_telemetry_dict_t dict);

/**
 * Helpers for drivers' devargs: parse "key" as an unsigned number in [min, max]
 * (decimal or 0x hex) or as one of a list of words. Absent keys leave *out unchanged.
 * Each refusal is logged naming the key and what is accepted.
 *
 * @return 0, or -EINVAL.
 */
__rte_internal
int sva_kvargs_u64(const struct rte_kvargs *kv, const char *key, uint64_t min, uint64_t max,
		uint64_t *out);
__rte_internal
int sva_kvargs_choice(const struct rte_kvargs *kv, const char *key,
		const char *const *choices, unsigned int *out);

#ifdef __cplusplus
}
#endif

#endif /* SVA_IOMMU_DRIVER_H */
