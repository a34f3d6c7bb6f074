/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SVA_H
#define SVA_H

/**
 * @file
 * svapoll: the header applications include.
 *
 * svapoll binds the process's own address space to a device PASID, polls the
 * IOMMU's page-request and event queues on dedicated DPDK lcores, resolves each
 * I/O page fault by making the page present, and answers the device in batches.
 *
 * Call order:
 *  1. rte_eal_init(); sva_iommu_create() and sva_dev_open() (sva_iommu.h); a PASID
 *     space and set (sva_pasid.h) — one space per iommu for per-device PASIDs, or one
 *     shared by every iommu.
 *  2. Optionally sva_poll_configure(iommu, conf) to size the fault path (burst, tables,
 *     deadlines); the first sva_bind() on an iommu otherwise creates it with defaults.
 *     Each iommu gets a DPDK service "sva_poll_<iommu>".
 *  3. sva_bind(dev, set, params): a PASID from the set, the fault path ready for it,
 *     then the PASID (and, with SVA_BIND_RID, the RID) attached to this process's
 *     address space. Returns a bond.
 *  4. sva_poll_lcore_start(lcore) maps every svapoll service to a service lcore and
 *     starts it — or the application maps the services itself
 *     (sva_poll_service_id() and rte_service_map_lcore_set()), or calls
 *     sva_iopf_poll(iommu, budget) from its own loop on one lcore.
 *  5. Submit work to the device; read sva_stats_get() or the telemetry commands
 *     /sva/iommus, /sva/bonds, /sva/stats,<bond id or iommu name>.
 *  6. sva_unbind(bond) — never fails; sva_poll_lcore_stop(lcore); sva_poll_release(iommu)
 *     before sva_iommu_destroy().
 *
 * Scope: a bond binds the calling process's own address space. Binding another
 * process's address space is out of scope (there is no uAPI for it, and svapoll
 * resolves faults by touching memory from inside the process).
 *
 * Teardown guarantees: sva_unbind() stops accepting requests for the PASID, answers
 * every outstanding and partial group Invalid, detaches, drains the page request
 * queue, and frees the PASID through the allocator, whose drain hook (registered by
 * svapoll on each space it binds from) drains the queue again before the number is
 * reused: a stale request for a freed PASID is answered Invalid, never resolved into a
 * new owner's bond. A poll service that stops answers what is in flight Invalid.
 *
 * Thread safety: the control calls here are serialised by one lock and may be called
 * from any thread; the poll path runs on the service lcore.
 */

#include <stdint.h>

#include "sva_iommu.h"
#include "sva_iopf.h"
#include "sva_pasid.h"

#ifdef __cplusplus
extern "C" {
#endif

struct sva_bond;
struct rte_ring;

/**
 * The svapoll version, as "MAJOR.MINOR.PATCH" (the VERSION file at build time).
 *
 * @return
 *   A static string; never NULL. Does not need EAL.
 */
const char *sva_version(void);

/** Type tag of the PASIDs svapoll allocates (their private pointer is the bond). */
#define SVA_BOND_PASID_TYPE 0x626f6e64u /* "bond" */

/** @name Bind flags (sva_bind_params.flags) */
/** @{ */
#define SVA_BIND_RID (1u << 0)          /**< also attach the RID and serve its requests */
#define SVA_BIND_AUTO_INVALID (1u << 1) /**< answer every page request Invalid at once and
					     report it as an unrecoverable fault */
#define SVA_BIND_ALLOW_EXEC (1u << 2)   /**< resolve execute requests */
#define SVA_BIND_ALLOW_PRIV (1u << 3)   /**< resolve privileged requests */
#define SVA_BIND_EVENT_RING (1u << 4)   /**< deliver unrecoverable faults into a ring */
/** @} */

/** Called on the poll lcore for each unrecoverable fault of the bond: keep it short, and
 * call no svapoll control function from it (they wait for the poll call to end). */
typedef void (*sva_bond_event_cb_t)(struct sva_bond *bond, const struct sva_fault *rec,
		void *arg);

/** Bind options. All zero: defaults. */
struct sva_bind_params {
	uint32_t flags;               /**< SVA_BIND_* */
	uint16_t fault_around_before; /**< pages below a faulting page to populate too (0..512) */
	uint16_t fault_around_after;  /**< pages above it (0..512) */
	uint32_t pasid_min;           /**< PASID range to allocate from; 0 and 0: anywhere */
	uint32_t pasid_max;
	sva_bond_event_cb_t event_cb; /**< unrecoverable faults (or SVA_BIND_EVENT_RING) */
	void *event_arg;
	uint32_t event_ring_size;     /**< with SVA_BIND_EVENT_RING: power of two, default 1024 */
};

/**
 * Bind this process's address space to a device, with a PASID from a set.
 *
 * @param dev    the endpoint.
 * @param set    the PASID set to allocate from (its space must fit the iommu's PASIDs).
 * @param params NULL for defaults.
 * @return The bond, or NULL with rte_errno:
 *   - EINVAL: dev or set NULL, unknown flag, window above 512, both an event callback
 *     and SVA_BIND_EVENT_RING, bad ring size, pasid_min above pasid_max (each logged)
 *   - EOPNOTSUPP: the iommu has no PASID support (or no RID attach with SVA_BIND_RID)
 *   - EDQUOT, ENOSPC: the set is at its quota, or no PASID is free in the range
 *   - EBUSY: the PASID or RID already has a page table
 *   - EEXIST: the RID is bound already (SVA_BIND_RID)
 *   - ENOMEM
 *   - other: the fault path's errno (sva_iopf_create, sva_iopf_maps_refresh)
 */
struct sva_bond *sva_bind(struct sva_dev *dev, struct sva_pasid_set *set,
		const struct sva_bind_params *params);

/**
 * Unbind. Never fails; bond may be NULL. When it returns, every group of the bond
 * has been answered, the PASID is detached and freed (reusable after the allocator's
 * grace period and drain hook), and the bond is gone.
 */
void sva_unbind(struct sva_bond *bond);

/** The bond's PASID (0 for NULL). */
uint32_t sva_bond_pasid(const struct sva_bond *bond);
/** The bond's dev (NULL for NULL). */
struct sva_dev *sva_bond_dev(const struct sva_bond *bond);
/** The bond's number, unique in the process (telemetry names bonds by it); 0 for NULL. */
unsigned int sva_bond_id(const struct sva_bond *bond);
/** The bond's event ring (SVA_BIND_EVENT_RING), or NULL. Elements: struct sva_fault. */
struct rte_ring *sva_bond_event_ring(const struct sva_bond *bond);

/**
 * Change the bond's fault-around window at run time.
 *
 * @return 0, or -EINVAL (bond NULL, a side above 512).
 */
int sva_bond_fault_around_set(struct sva_bond *bond, uint16_t before, uint16_t after);

/**
 * Size the fault path of an iommu before its first bind.
 *
 * @return 0, or -EINVAL (iommu NULL, conf out of range), -EEXIST (already set up:
 *   by an earlier call or a bind), -ENOSPC, -ENOMEM, or a service registration errno.
 */
int sva_poll_configure(struct sva_iommu *iommu, const struct sva_iopf_conf *conf);

/**
 * The DPDK service id polling an iommu.
 *
 * @return 0, or -EINVAL (NULL argument), -ENOENT (no fault path yet: bind first or
 *   sva_poll_configure()).
 */
int sva_poll_service_id(struct sva_iommu *iommu, uint32_t *service_id);

/**
 * Make lcore a service lcore polling every svapoll service (present and future).
 *
 * @return 0, or -EINVAL (not an enabled lcore, or the main lcore), -EALREADY (polling
 *   already), -EBUSY (the lcore is running something else), or an rte_service errno.
 */
int sva_poll_lcore_start(unsigned int lcore);

/**
 * Stop polling on lcore. A service left with no lcore stops, waits for its running
 * call to end, and answers everything in flight Invalid (sva_iopf_flush()).
 *
 * @return 0, or -EINVAL (lcore out of range), -ENOENT (not started by
 *   sva_poll_lcore_start()).
 */
int sva_poll_lcore_stop(unsigned int lcore);

/**
 * Release the fault path of an iommu (before sva_iommu_destroy()).
 *
 * @return 0, or -EINVAL (iommu NULL), -ENOENT (none), -EBUSY (bonds remain).
 */
int sva_poll_release(struct sva_iommu *iommu);

/**
 * Statistics of a bond (bond non-NULL) or of an iommu.
 *
 * @return 0, or -EINVAL (stats NULL, both NULL), -ENOENT (no fault path on the iommu).
 */
int sva_stats_get(struct sva_iommu *iommu, const struct sva_bond *bond,
		struct sva_iopf_stats *stats);

/**
 * Reset the statistics of a bond, or of an iommu and all its bonds.
 *
 * @return 0, or -EINVAL (both NULL), -ENOENT (no fault path on the iommu).
 */
int sva_stats_reset(struct sva_iommu *iommu, struct sva_bond *bond);

/** rte_log type of lib/sva ("lib.sva"). */
extern int sva_logtype;

#ifdef __cplusplus
}
#endif

#endif /* SVA_H */
