/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SVA_IOMMUFD_H
#define SVA_IOMMUFD_H

/**
 * @file
 * The iommufd iommu driver: real hardware through Linux iommufd, the VFIO device cdev
 * and the kernel's I/O page fault queue (Linux 6.13 or later; PASIDs 6.15).
 *
 * There is no uAPI to share the process's CPU page table with a PASID, so here SVA is
 * IOVA == VA: the driver allocates an IOAS and a fault-capable page table (HWPT) on it;
 * every page request the runtime resolves is then mapped into the IOAS at its own
 * address (IOMMU_IOAS_MAP with FIXED_IOVA and the permissions asked for) before the
 * response goes out. Mapped ranges are tracked and unmapped when the last attachment
 * goes, on sva_iommu_iotlb_inval() of a range (e.g. after a munmap: a map pins its
 * pages), and at destroy. Maps are rounded to the IOMMU's granule and checked against
 * the IOAS's allowed IOVA ranges (IOMMU_IOAS_IOVA_RANGES, read after the page table
 * is allocated and after every attach).
 *
 * Pinned mode (SVA_IOMMU_CAP_PIN, always): pin_range maps a range at IOVA == VA up
 * front (IOMMU_IOAS_MAP pins its pages; RLIMIT_MEMLOCK applies), tracked apart from
 * the lazy mirror: detaches and iotlb_inval never drop a pin, unpin_range unmaps
 * exactly it, destroy unmaps all. The RID and every PASID share the one IOAS: the
 * same range pinned twice shares one map, overlapping different pins is -EEXIST.
 *
 * Page requests need PRI, ATS and the IOMMU's support (see ifd_pci.h for the kernel's
 * rules per IOMMU). pri=auto reads the device's PCI config space and the IOMMU's
 * registers (GET_HW_INFO) and, when a rule says page requests cannot work, allocates
 * a plain page table without a fault queue (no SVA_IOMMU_CAP_PRI: binds are pinned).
 *
 * Devargs of sva_iommu_create():
 *   iommufd,dev=0000:3b:00.0          a PCI device bound to vfio-pci, or
 *   iommufd,dev=/dev/vfio/devices/vfio3
 *   iommufd,dev=mock                  tests only: the kernel's iommufd selftest mock
 *                          device (CONFIG_IOMMUFD_TEST) instead of a VFIO device: its
 *                          TRIGGER_IOPF op raises page requests on the real fault
 *                          queue; IOVAs must lie in its aperture [16 MiB, 2 GiB).
 *                          Refused (EOPNOTSUPP) on kernels without that option.
 *   [,pasid=auto|on|off]   PASID-capable page table: auto (default) when the IOMMU
 *                          reports PASID bits (RID only, with a NOTICE, when the kernel
 *                          then refuses IOMMU_HWPT_ALLOC_PASID), on (refuse if it does
 *                          not), off (RID only)
 *   [,pri=auto|on|off]     fault queue: auto (default) unless the device's config space
 *                          or the IOMMU rules out page requests (NOTICE with why), on
 *                          (always; an attach that fails says what is missing), off
 *                          (plain page table: pinned mode only)
 *   [,burst=256]           fault records per read() (1..4096) to start with: the kernel
 *                          hands out whole groups only, and a larger group grows the
 *                          read buffer (up to 4096 records, logged)
 *   [,max_maps=65536]      IOVA == VA ranges tracked (1..16M)
 *   [,name=...]
 * One iommu drives one device: sva_dev_open(iommu, NULL) opens it (no keys); its
 * sva_dev_id() is the iommufd device ID that fault records carry.
 *
 * Attach: RID and PASID (the latter needs pasid=on/auto with PASID support). RID + all
 * PASIDs has no iommufd uAPI and is refused with -EOPNOTSUPP.
 *
 * Nested (vSVA, SVA_IOMMU_CAP_NESTED: the selftest mock always; VT-d when GET_HW_INFO
 * shows scalable mode and ECAP.NEST): the nested_attach/_detach/_inval driver ops put
 * a guest-owned first level (SVA_NESTED_SELFTEST on the mock, SVA_NESTED_VTD_FL on
 * VT-d; other formats and SVA_NESTED_ALL_PASIDS: -EOPNOTSUPP) on the RID (pasid 0) or
 * a PASID: a nested HWPT on a nest parent whose IOAS holds guest RAM at IOVA = GPA,
 * pinned whole (the kernel-managed second level: no second-level faults here). Its
 * page requests come through the same fault queue, flagged SVA_FAULT_PR_NESTED_S1 by
 * the driver; nested_inval is IOMMU_HWPT_INVALIDATE. See README "Real hardware".
 *
 * Responses: iommufd has Success and Invalid only; a Response Failure is written as
 * Invalid and counted (failure_as_invalid). The fault queue delivers page requests
 * only: sva_iommu_evtq_read() returns 0.
 *
 * Teardown: the kernel answers Invalid every page request still pending when a page
 * table is detached or the fault queue is destroyed; the driver writes nothing for them
 * and says so in the log.
 *
 * Threading: prq_read, page_response, range_resolved and iotlb_inval run on the one
 * poll lcore of this iommu; attach/detach and destroy on the control path while the
 * poller does not use this iommu.
 */

#include <stdint.h>

#include <rte_compat.h>

#include "sva_iommu.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Counters of an iommufd iommu. */
struct sva_iommufd_stats {
	/* fault fd */
	uint64_t reads;          /**< read() calls that returned records */
	uint64_t empty_reads;    /**< read() calls that found nothing */
	uint64_t read_errors;    /**< read() failures other than EAGAIN/EINTR */
	uint64_t records;        /**< page requests handed to the fault path */
	uint64_t groups;         /**< page request groups (cookies) read */
	uint64_t partial_bytes;  /**< bytes of torn records dropped (never from a kernel) */
	uint64_t group_fixups;   /**< groups whose LAST flag had to be put right */
	uint64_t unknown_bits;   /**< records with flag/perm bits this build does not know */
	uint64_t writes;         /**< write() calls */
	uint64_t responses;      /**< responses the kernel took */
	uint64_t short_writes;   /**< write() took fewer than offered */
	uint64_t write_again;    /**< write() said EAGAIN */
	uint64_t refused;        /**< responses refused by the kernel (unknown cookie) */
	uint64_t failure_as_invalid; /**< Response Failure written as Invalid */
	uint64_t bad_code;       /**< unknown response codes written as Invalid */
	uint64_t write_errors;   /**< write() failures */
	/* IOVA == VA mirror */
	uint64_t maps;           /**< IOMMU_IOAS_MAP calls that succeeded */
	uint64_t unmaps;         /**< IOMMU_IOAS_UNMAP calls that succeeded */
	uint64_t map_errors;
	uint64_t unmap_errors;
	uint64_t map_upgrades;   /**< maps remade with more permissions */
	uint64_t map_hits;       /**< resolved ranges that were mapped already */
	uint64_t map_full;       /**< ranges refused: max_maps reached */
	uint64_t mapped_bytes;   /**< bytes mapped now */
	uint64_t mapped_ranges;  /**< maps held now */
	/* appended */
	uint64_t kernel_flags;   /**< records with kernel-internal flag bits (VT-d NEEDS_PASID) */
	uint64_t oversized_groups; /**< reads that found the head group larger than the buffer */
	uint64_t read_buffer_grows; /**< read buffer doublings */
	uint64_t stalled;        /**< reads stuck on a group beyond 4096 records */
	uint64_t map_outside;    /**< mirror maps refused: outside the allowed IOVA ranges */
	uint64_t pins;           /**< pinned-mode IOMMU_IOAS_MAP calls that succeeded */
	uint64_t unpins;         /**< their IOMMU_IOAS_UNMAP calls that succeeded */
	uint64_t pin_errors;     /**< pin_range refusals and failures */
	uint64_t pinned_bytes;   /**< bytes pinned now */
	uint64_t pinned_ranges;  /**< pins held now */
	/* nested translation (vSVA): nested page tables on a nest parent */
	uint64_t nested_attached;   /**< nested attachments (RID or PASID) now */
	uint64_t nested_attaches;   /**< nested attaches that succeeded */
	uint64_t nested_detaches;   /**< nested detaches */
	uint64_t nested_errors;     /**< nested attaches refused or failed */
	uint64_t nested_invals;     /**< IOMMU_HWPT_INVALIDATE calls the kernel took */
	uint64_t nested_inval_errors; /**< IOMMU_HWPT_INVALIDATE calls refused */
	uint64_t nested_records;    /**< page requests flagged SVA_FAULT_PR_NESTED_S1 */
};

/**
 * Read the counters of an iommufd iommu.
 *
 * @return 0, -EINVAL (NULL argument), -ENODEV (not an iommufd iommu).
 */
__rte_experimental
int sva_iommufd_stats_get(const struct sva_iommu *iommu, struct sva_iommufd_stats *stats);

#ifdef __cplusplus
}
#endif

#endif /* SVA_IOMMUFD_H */
