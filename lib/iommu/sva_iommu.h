/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SVA_IOMMU_H
#define SVA_IOMMU_H

/**
 * @file
 * iommu and dev objects: one IOMMU instance with its driver, capabilities and queues,
 * and the endpoints (devs) behind it.
 *
 * Model and call order:
 *  1. sva_iommu_create("emu,model=vtd,pasid_bits=20") picks a registered driver by the
 *     name before the first comma and hands it the rest, parsed with rte_kvargs. Unknown
 *     keys and bad values are refused with a log line naming the key and what is accepted.
 *  2. sva_iommu_info_get() says what it can do: applications (and VMMs matching a host
 *     IOMMU to a guest) decide from it.
 *  3. sva_dev_open(iommu, "rid=0x10") opens an endpoint behind it.
 *  4. Attach a page table (today: the calling process's address space) to the RID, to
 *     one PASID, or to the RID and all PASIDs: three distinct calls. Detach never fails.
 *  5. The poll path reads the page request and event queues in bursts of generic fault
 *     records (sva_fault.h) and answers many groups with one doorbell.
 *  6. sva_dev_close(), sva_iommu_destroy().
 *
 * Control-path calls check every argument and log why they refuse. Poll-path calls
 * (sva_iommu_prq_read, sva_iommu_evtq_read, sva_iommu_page_response) check arguments
 * only in builds with -Ddebug_checks=true.
 */

#include <stdint.h>

#include <rte_compat.h>

#include "sva_fault.h"

#ifdef __cplusplus
extern "C" {
#endif

struct sva_iommu;
struct sva_dev;

#define SVA_IOMMU_NAME_LEN 64

/** IOMMU models. */
enum sva_iommu_model {
	SVA_IOMMU_MODEL_VTD = 1,  /**< Intel VT-d, scalable mode */
	SVA_IOMMU_MODEL_SMMUV3,   /**< Arm SMMUv3 */
	SVA_IOMMU_MODEL_IOMMUFD,  /**< Linux iommufd (whatever hardware is behind it) */
};

/** PASID table formats, for sva_dev_pasid_table_bind(). */
enum sva_pasid_table_format {
	SVA_PASID_TABLE_NONE = 0,
	SVA_PASID_TABLE_VTD_SM,   /**< VT-d scalable-mode PASID directory (8 B) + tables (64 x 64 B) */
	SVA_PASID_TABLE_SMMUV3_CD,/**< SMMUv3 context descriptor table (64 B per CD) */
};

/** @name Capabilities (sva_iommu_info.caps) */
/** @{ */
#define SVA_IOMMU_CAP_PRI (1ull << 0)           /**< page requests (PCIe PRI) */
#define SVA_IOMMU_CAP_STALL (1ull << 1)         /**< stall model faults (SMMUv3) */
#define SVA_IOMMU_CAP_EXEC (1ull << 2)          /**< execute-requested page requests */
#define SVA_IOMMU_CAP_PRIV (1ull << 3)          /**< privileged-mode page requests */
#define SVA_IOMMU_CAP_PASID_PER_DEV (1ull << 4) /**< PASID space per device (else global) */
#define SVA_IOMMU_CAP_ATTACH_RID (1ull << 5)    /**< page table on the RID */
#define SVA_IOMMU_CAP_ATTACH_PASID (1ull << 6)  /**< page table on a PASID */
#define SVA_IOMMU_CAP_PASID_TABLE (1ull << 7)   /**< guest-owned PASID table bind (SMMUv3's
						     CD table; never on VT-d, whose host owns
						     the PASID table) */
#define SVA_IOMMU_CAP_PIN (1ull << 8)           /**< pinned mode: ranges made resident and
						     mapped up front (no page requests needed) */
#define SVA_IOMMU_CAP_NESTED (1ull << 9)        /**< nested translation: a guest-owned first
						     level on this process as second level (vSVA) */
/** @} */

/** What an iommu can do. */
struct sva_iommu_info {
	char name[SVA_IOMMU_NAME_LEN]; /**< instance name, unique in the process */
	char driver[16];               /**< "emu", "iommufd" */
	enum sva_iommu_model model;
	uint32_t pasid_bits;           /**< 0: no PASID support */
	uint64_t caps;                 /**< SVA_IOMMU_CAP_* */
	uint32_t prq_depth;            /**< page request queue entries */
	uint32_t evtq_depth;           /**< event queue entries */
	enum sva_pasid_table_format pasid_table_format;
	uint32_t pasid_table_align;    /**< required base alignment in bytes */
	uint64_t pasid_table_max_size; /**< largest table in bytes */
	uint64_t page_sizes;           /**< bitmap of supported page sizes (bit n: 2^n bytes) */
	int numa_node;                 /**< where the queues live; -1 if unknown */
	/* Appended: the hardware behind a driver that fronts another IOMMU (iommufd). Zero
	 * where the driver does not say (emu: model says it). */
	enum sva_iommu_model hw_model; /**< the IOMMU behind iommufd: SVA_IOMMU_MODEL_VTD or
					    _SMMUV3; 0 for another or an unknown one */
	uint32_t hw_info_type;         /**< iommufd: out_data_type of IOMMU_GET_HW_INFO as is
					    (1 VT-d, 2 SMMUv3, 3 Tegra241 CMDQV, 4 AMD) */
	uint64_t hw_cap;               /**< raw registers: VT-d capability register; AMD EFR;
					    SMMUv3 IDR0 | IDR1 << 32 */
	uint64_t hw_ecap;              /**< VT-d extended capability register; AMD EFR2;
					    SMMUv3 IDR3 | IDR5 << 32 */
};

/** A page table to attach. Today svapoll attaches the calling process's address space. */
enum sva_pgtable_type {
	SVA_PGTABLE_PROCESS_MM = 1, /**< the calling process's CPU page table (SVA) */
};

struct sva_pgtable {
	enum sva_pgtable_type type;
};

/**
 * Guest RAM as a VMM holds it: an ordinary mapping of this process; guest physical
 * address g (0 <= g < size) is at host address base + g. Second-level faults make it
 * present here, as for any bond.
 */
struct sva_guest_ram {
	void *base;    /**< page aligned */
	uint64_t size; /**< bytes, page aligned; a GPA at or above it is outside guest RAM */
};

/** Guest-owned first-level table formats (nested translation, vSVA). */
enum sva_nested_format {
	SVA_NESTED_NONE = 0,
	/** VT-d first level, one PASID: x86-64 4-level paging, root (PML4) at table_gpa
	 * (4 KiB aligned). The host owns the PASID table. */
	SVA_NESTED_VTD_FL,
	/** SMMUv3: the guest's whole CD table (S1Fmt, S1CDMAX) at table_gpa (64-byte
	 * aligned), read when a PASID is first used, not at bind; each CD's TTB0 roots an
	 * AArch64 stage-1 table (4 KiB granule) in guest RAM. */
	SVA_NESTED_SMMUV3_CD,
	/** iommufd's selftest mock (IOMMU_HWPT_DATA_SELFTEST): tests only. */
	SVA_NESTED_SELFTEST,
};

/** @name Nested flags (sva_nested_cfg.flags) */
/** @{ */
#define SVA_NESTED_SRE (1u << 0) /**< VT-d: supervisor requests enabled (PASID entry SRE) */
/** @} */

/** pasid argument of a whole-table nested attach (SVA_NESTED_SMMUV3_CD). */
#define SVA_NESTED_ALL_PASIDS UINT32_MAX

/** A guest-owned first level to nest on this process's address space (as second level). */
struct sva_nested_cfg {
	enum sva_nested_format format;
	uint32_t flags;          /**< SVA_NESTED_* */
	struct sva_guest_ram ram;
	uint64_t table_gpa;      /**< VT-d: the PML4; SMMUv3: the CD table, or its L1 table */
	uint8_t s1cdmax;         /**< SMMUv3: log2 of the number of CDs (0..20) */
	uint8_t s1fmt;           /**< SMMUv3 STE.S1Fmt: 0 linear, 1 2-level with 4 KiB leaves,
				      2 2-level with 64 KiB leaves */
	uint16_t reserved;       /**< 0 */
	uint32_t selftest_iotlb; /**< SVA_NESTED_SELFTEST: struct iommu_hwpt_selftest.iotlb */
};

/** A guest-owned PASID table (for sva_dev_pasid_table_bind()). */
struct sva_pasid_table_cfg {
	enum sva_pasid_table_format format;
	uint64_t base;       /**< table base address (guest physical or IOVA) */
	uint32_t pasid_bits; /**< PASIDs the table covers: 1 << pasid_bits entries */
};

/**
 * Create an iommu from a devargs string: "DRIVER[,key=value...]".
 *
 * @param devargs
 *   e.g. "emu,model=vtd,pasid_bits=20,prq_depth=2048,evtq_depth=512,numa=0".
 *   A "name=..." key (accepted by every driver) names the instance; otherwise a name
 *   is made from the driver and a counter.
 * @return
 *   The iommu, or NULL with rte_errno set:
 *   - EINVAL: devargs NULL or malformed, unknown key, bad value (logged with the key)
 *   - ENODEV: no driver registered under that name
 *   - EEXIST: an iommu with that name exists
 *   - ENOMEM: out of memory
 *   - other: the driver's own errno (logged), e.g. ENOENT when a device node is missing
 */
struct sva_iommu *sva_iommu_create(const char *devargs);

/**
 * Destroy an iommu. Its devs must be closed first.
 *
 * @return
 *   0, or -EINVAL (iommu NULL), -EBUSY (devs still open).
 */
int sva_iommu_destroy(struct sva_iommu *iommu);

/**
 * Capabilities of an iommu.
 *
 * @return 0, or -EINVAL (iommu or info NULL).
 */
int sva_iommu_info_get(const struct sva_iommu *iommu, struct sva_iommu_info *info);

/** The instance name (never NULL for a valid iommu). */
const char *sva_iommu_name(const struct sva_iommu *iommu);

/**
 * Look an iommu up by name.
 *
 * @return The iommu, or NULL with rte_errno EINVAL (name NULL) or ENOENT.
 */
struct sva_iommu *sva_iommu_find(const char *name);

/**
 * Call fn for every iommu, in creation order, until it returns non-zero.
 *
 * @return The first non-zero value fn returned, or 0.
 */
int sva_iommu_foreach(int (*fn)(struct sva_iommu *iommu, void *arg), void *arg);

/**
 * Open an endpoint behind an iommu.
 *
 * @param devargs
 *   Driver-specific, "key=value,..." (may be NULL or "" for defaults). emu: see sva_emu.h.
 * @return
 *   The dev, or NULL with rte_errno EINVAL (bad arguments, logged), EEXIST (that
 *   requester ID is open), ENOMEM, or a driver errno (logged).
 */
struct sva_dev *sva_dev_open(struct sva_iommu *iommu, const char *devargs);

/** Close a dev: detaches everything still attached. dev may be NULL. */
void sva_dev_close(struct sva_dev *dev);

/** The iommu a dev sits behind. */
struct sva_iommu *sva_dev_iommu(const struct sva_dev *dev);

/** The dev's requester ID (VT-d), stream ID (SMMUv3) or iommufd dev id. */
uint32_t sva_dev_id(const struct sva_dev *dev);

/**
 * Attach a page table to the dev's RID (requests without PASID).
 *
 * @return 0, or -EINVAL (NULL argument, unknown page table type), -EOPNOTSUPP (the
 *   dev or model cannot), -EBUSY (the RID already has a page table).
 */
int sva_dev_attach_rid(struct sva_dev *dev, const struct sva_pgtable *pt);

/**
 * Attach a page table to one PASID of the dev.
 *
 * @return 0, or -EINVAL (NULL argument, PASID beyond the iommu's pasid_bits, or PASID 0
 *   where the model reserves it), -EOPNOTSUPP (no PASID support), -EBUSY (that PASID
 *   already has a page table).
 */
int sva_dev_attach_pasid(struct sva_dev *dev, uint32_t pasid, const struct sva_pgtable *pt);

/**
 * Attach a page table to the RID and to every PASID of the dev.
 *
 * @return 0, or -EINVAL, -EOPNOTSUPP (e.g. a dev opened PASID-only), -EBUSY.
 */
int sva_dev_attach_rid_all_pasids(struct sva_dev *dev, const struct sva_pgtable *pt);

/** Detach the RID's page table. Never fails; detaching what is not attached is a no-op. */
void sva_dev_detach_rid(struct sva_dev *dev);
/** Detach one PASID's page table. Never fails. */
void sva_dev_detach_pasid(struct sva_dev *dev, uint32_t pasid);
/** Undo sva_dev_attach_rid_all_pasids(). Never fails. */
void sva_dev_detach_rid_all_pasids(struct sva_dev *dev);

/**
 * Bind a guest-owned PASID table (SMMUv3: a CD table). For vSVA use
 * sva_dev_nested_attach() (SVA_NESTED_SMMUV3_CD at SVA_NESTED_ALL_PASIDS), which also
 * nests it on this process's address space; this call only records the table.
 *
 * @return 0, or -EINVAL (format not the model's, base misaligned for the model —
 *   SMMUv3 64 bytes —, pasid_bits beyond the iommu's; each logged with the rule broken),
 *   -EOPNOTSUPP (no PASID table support; and on VT-d always, SVA_PASID_TABLE_VTD_SM:
 *   the host owns the PASID table in scalable mode, a guest's first level is bound per
 *   PASID with sva_dev_nested_attach(SVA_NESTED_VTD_FL); logged with that rule),
 *   -EBUSY (a table is bound, or a nested CD table).
 */
int sva_dev_pasid_table_bind(struct sva_dev *dev, const struct sva_pasid_table_cfg *cfg);
/** Unbind the PASID table. Never fails. */
void sva_dev_pasid_table_unbind(struct sva_dev *dev);

/**
 * Nested translation (vSVA, EXPERIMENTAL): put a guest-owned first level (cfg) on
 * (dev, pasid), over this process's address space as second level (GPA g is at
 * cfg->ram.base + g here; second-level faults are resolved like any bond's). The rules
 * (checked here for every driver, each refusal logged with the rule):
 *  - VT-d (SVA_NESTED_VTD_FL): per PASID only (1 .. 2^pasid_bits - 1), the PML4 at a
 *    4 KiB aligned table_gpa; s1cdmax and s1fmt 0. A whole guest table
 *    (SVA_NESTED_SMMUV3_CD) is refused: the host owns the PASID table.
 *  - SMMUv3 (SVA_NESTED_SMMUV3_CD): the guest's whole CD table, pasid
 *    SVA_NESTED_ALL_PASIDS only (it covers every SSID of the dev), table_gpa 64-byte
 *    aligned, s1cdmax <= 20 (and <= pasid_bits), s1fmt 0..2, no SVA_NESTED_SRE. The
 *    table is read when an SSID is first used, not here: only its first entry must
 *    lie in guest RAM now; a bad CD is an event when used.
 *  - SVA_NESTED_SELFTEST: iommufd's mock only, per PASID.
 *  - Guest RAM: base and size 4 KiB aligned, non-empty, not wrapping; the table (VT-d:
 *    its 4 KiB page) inside it.
 * A nested PASID counts as attached: sva_dev_attach_pasid() refuses it (-EBUSY), and
 * sva_dev_detach_pasid() or sva_dev_nested_detach() or sva_dev_close() undoes it.
 *
 * @param pasid a PASID, or SVA_NESTED_ALL_PASIDS for the whole-table format.
 * @return 0, or
 *   - -EINVAL: dev or cfg NULL, unknown format or flag, reserved not 0, pasid not the
 *     format's (a PASID for VT-d and selftest, SVA_NESTED_ALL_PASIDS for SMMUv3) or out
 *     of range, misaligned table_gpa (VT-d 4 KiB, SMMUv3 64 bytes), s1cdmax above 20
 *     or pasid_bits, s1fmt above 2, SMMUv3 fields set for VT-d, SRE on SMMUv3, guest
 *     RAM not page aligned / empty / wrapping, table_gpa outside guest RAM
 *   - -EOPNOTSUPP: no SVA_IOMMU_CAP_NESTED or no nested ops in the driver; a format
 *     that is not the hardware's (a whole table on VT-d, a VT-d first level on
 *     SMMUv3, the selftest format outside iommufd); the driver's refusal of the dev
 *     (emu: a stall-model dev, stall=1, sends no page requests for the VMM)
 *   - -EBUSY: the PASID already has a page table (process or nested); for the whole
 *     table: the dev has a CD table, a PASID table, or attached PASIDs already
 *   - the driver's errno (logged)
 */
__rte_experimental
int sva_dev_nested_attach(struct sva_dev *dev, uint32_t pasid, const struct sva_nested_cfg *cfg);

/** Undo sva_dev_nested_attach() (pasid as attached). Never fails; a no-op for what is not
 * nested. */
__rte_experimental
void sva_dev_nested_detach(struct sva_dev *dev, uint32_t pasid);

/**
 * Forward a guest's first-level IOTLB invalidation: [addr, addr + size) of one nested
 * PASID, or of every PASID of the CD table (SVA_NESTED_ALL_PASIDS); size 0 with addr 0:
 * everything cached for it.
 *
 * @return 0, or -EINVAL (dev NULL, range not 4 KiB aligned, wrapping, or size 0 with a
 *   non-zero addr), -EOPNOTSUPP (no nested support, or the driver has no
 *   nested_inval), -ENOENT (pasid has no nested first level), or the driver's errno.
 */
__rte_experimental
int sva_dev_nested_inval(struct sva_dev *dev, uint32_t pasid, uint64_t addr, uint64_t size);

/**
 * Is (dev, pasid) nested? A PASID of a dev with a nested CD table is.
 *
 * @return 1, 0, or -EINVAL (dev NULL, pasid beyond the iommu's and not
 *   SVA_NESTED_ALL_PASIDS).
 */
__rte_experimental
int sva_dev_nested_get(const struct sva_dev *dev, uint32_t pasid);

/*
 * Poll path. One poller per iommu at a time (the poll service is not multi-thread safe).
 */

/**
 * Read up to n records from the page request queue: page requests (including stop
 * markers), and SVA_FAULT_OVERFLOW where the queue overflowed. Malformed entries are
 * counted by the driver and not returned.
 *
 * @return Records written to faults (0 when the queue is empty).
 */
__rte_internal
uint16_t sva_iommu_prq_read(struct sva_iommu *iommu, struct sva_fault *faults, uint16_t n);

/**
 * Read up to n unrecoverable fault records from the event queue.
 *
 * @return Records written (0 when empty).
 */
__rte_internal
uint16_t sva_iommu_evtq_read(struct sva_iommu *iommu, struct sva_fault *faults, uint16_t n);

/**
 * Write n page group responses, then ring one doorbell for all of them.
 *
 * @return The number of responses written (n unless the response queue is full), or
 *   -EINVAL (bad argsz or code, debug builds), -EIO (the iommu is gone).
 */
__rte_internal
int sva_iommu_page_response(struct sva_iommu *iommu, const struct sva_page_response *resp,
		uint16_t n);

/**
 * Drain fence of the page request queue (control path): when it returns 0, every page
 * request a device emitted before the call is in the queue (VT-d Page Drain, SMMUv3
 * CMD_SYNC after PRI). lib/iopf calls it before a drain, so that a freed PASID is
 * reused only after its last request was read.
 *
 * @return 0 (also when the driver needs no fence), -EINVAL (iommu NULL), or the
 *   driver's negative errno.
 */
__rte_internal
int sva_iommu_prq_drain(struct sva_iommu *iommu);

/**
 * Whether the page request queue holds entries not read yet (control path, safe
 * concurrently with the poller: lib/sva's "no poller" check asks it).
 *
 * @return 1 (entries wait), 0 (empty), -EINVAL (iommu NULL), -ENOTSUP (the driver
 *   cannot tell: no prq_pending op), or the driver's negative errno.
 */
__rte_internal
int sva_iommu_prq_pending(struct sva_iommu *iommu);

/**
 * Invalidate cached translations of [addr, addr + size) for a PASID (size 0: all).
 *
 * @return 0, or -EINVAL (iommu NULL).
 */
__rte_internal
int sva_iommu_iotlb_inval(struct sva_iommu *iommu, uint32_t pasid, uint64_t addr, uint64_t size);

/**
 * Tell the driver a range is now present for a PASID with the given permissions
 * (SVA_FAULT_PERM_*). The fault path calls it after populating, before responding:
 * iommufd maps the range into the IOAS at IOVA == VA; emu does nothing.
 *
 * @return 0, or a negative errno from the driver (-ENOMEM, -EIO, ...).
 */
__rte_internal
int sva_iommu_range_resolved(struct sva_iommu *iommu, struct sva_dev *dev, uint32_t pasid,
		uint64_t addr, uint64_t len, uint32_t perm);

/** pasid argument of sva_dev_pin_range() for the RID (requests without PASID); the
 * same value as the driver interface's. */
#define SVA_PIN_RID UINT32_MAX

/**
 * Pinned mode, control path: make [addr, addr + len) resident and reachable by the
 * dev at IOVA == VA for one PASID (or the RID: pasid SVA_PIN_RID) with perm, before
 * any DMA, so that no page request is ever needed for it (emu: populate + mlock;
 * iommufd: IOMMU_IOAS_MAP). Applications normally use sva_bond_pin() (sva.h), which
 * keeps the ranges of a bond and checks overlaps; this is the driver call, checked.
 *
 * @param addr, len page aligned (4 KiB), len > 0, addr + len not wrapping.
 * @param perm SVA_FAULT_PERM_READ, or SVA_FAULT_PERM_READ | SVA_FAULT_PERM_WRITE.
 * @return 0, or
 *   - -EINVAL: dev NULL, addr or len not page aligned, len 0, the range wraps, perm
 *     not one of the two above, pasid beyond the iommu's PASIDs (each logged)
 *   - -EOPNOTSUPP: the iommu has no pinned mode (no SVA_IOMMU_CAP_PIN)
 *   - the driver's errno (logged by the driver with the range), e.g. emu: -ENOMEM
 *     (part of the range is not mapped, or RLIMIT_MEMLOCK), -EPERM (RLIMIT_MEMLOCK is
 *     0 without CAP_IPC_LOCK), -EINVAL (the mapping refuses the access: write to read-only, PROT_NONE), -EFAULT
 *     (populating would raise SIGBUS)
 */
__rte_internal
int sva_dev_pin_range(struct sva_dev *dev, uint32_t pasid, uint64_t addr, uint64_t len,
		uint32_t perm);

/**
 * Undo exactly one earlier successful sva_dev_pin_range() with the same dev, pasid,
 * addr and len. Never fails; a NULL dev or an iommu without pinned mode is a no-op.
 */
__rte_internal
void sva_dev_unpin_range(struct sva_dev *dev, uint32_t pasid, uint64_t addr, uint64_t len);

/** rte_log type of lib/iommu ("lib.sva.iommu"). */
extern int sva_iommu_logtype;

#ifdef __cplusplus
}
#endif

#endif /* SVA_IOMMU_H */
