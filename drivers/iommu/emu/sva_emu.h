/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SVA_EMU_H
#define SVA_EMU_H

/**
 * @file
 * The emu iommu driver and its software SVA endpoint (a DMA engine).
 *
 * emu is a software IOMMU that speaks the real hardware queue formats (Intel VT-d or
 * Arm SMMUv3, chosen per instance), plus an endpoint behind it that executes copy,
 * fill and compare descriptors on the process's own memory, PASID-tagged, through
 * the process's real page tables. A page the endpoint finds missing becomes a page
 * request in the model's PRQ; the endpoint waits for the group response and walks
 * again. So a wrong answer from the fault path shows up as a real repeated fault.
 * For benchmarks and tests, a page_request descriptor (SVA_EMU_OP_PAGE_REQUEST) asks
 * for every page of a range without walking, several groups in flight.
 *
 * Call order:
 * @code
 *   struct sva_iommu *iommu = sva_iommu_create("emu,model=smmuv3,pasid_bits=16");
 *   struct sva_dev *dev = sva_dev_open(iommu, "rid=0x10,prg_window=16,timeout_ms=2000");
 *   struct sva_pgtable mm = { .type = SVA_PGTABLE_PROCESS_MM };
 *   sva_dev_attach_pasid(dev, 5, &mm);
 *
 *   struct sva_emu_desc d = { .op = SVA_EMU_OP_COPY, .flags = SVA_EMU_DESC_PASID_VALID,
 *                             .pasid = 5, .src = (uintptr_t)src, .dst = (uintptr_t)dst,
 *                             .len = len };
 *   struct sva_emu_comp c;
 *   sva_emu_submit(dev, &d, &c);          // queued; the device thread runs it
 *   // ... a poller answers page requests: sva_iommu_prq_read / sva_iommu_page_response
 *   sva_emu_wait(dev, &c, 1000000);       // blocks (futex), never spins on this core
 *   if (c.status == SVA_EMU_STATUS_PAGE_FAULT)
 *           ... c.fault_addr, c.fault_perm, c.bytes_done (a partial completion)
 *
 *   struct sva_emu_counters k;
 *   sva_emu_counters_get(iommu, &k);      // what the model saw (protocol checks)
 *   sva_dev_close(dev);
 *   sva_iommu_destroy(iommu);
 * @endcode
 *
 * iommu devargs ("emu,key=value,..."):
 *  - model=vtd|smmuv3          queue formats and capabilities (default vtd)
 *  - pasid_bits=1..20          PASID width (default 20)
 *  - prq_depth=N               page request queue entries, a power of two
 *                              (vtd 128..16384, smmuv3 16..65536; default 2048 / 1024)
 *  - evtq_depth=N              event queue entries, a power of two
 *                              (vtd 16..4096, smmuv3 16..65536; default 512)
 *  - numa=N                    NUMA node of the queues (default: the calling CPU's node)
 *  - pasid_table=yes|no        SMMUv3: report guest CD table bind support
 *                              (SVA_IOMMU_CAP_PASID_TABLE; default yes). VT-d never
 *                              has it (the host owns the PASID table): no cap, format
 *                              SVA_PASID_TABLE_NONE, whatever this key says
 *  - walk=auto|scan|pagemap    page walk: PAGEMAP_SCAN ioctl, /proc/self/pagemap, or
 *                              auto (the ioctl where the kernel has it; default)
 *  - pri=auto|on|off           off: an IOMMU whose endpoints have no PRI: no
 *                              SVA_IOMMU_CAP_PRI (nor _STALL) in the info, so lib/sva
 *                              binds are pinned; a missing page is a translation
 *                              fault (event record, job PRI_DISABLED, and
 *                              sva_emu_dev_reset() does not enable PRI); auto, on: PRI
 *                              (default). Pinned mode (SVA_IOMMU_CAP_PIN) is always
 *                              there: pin_range populates and mlocks the range
 *  Fault injection, on the page request entries the device writes (all default 0 = off):
 *  - inject_drop_every=N       drop every Nth entry (never reaches the queue)
 *  - inject_drop_ppm=N         drop each entry with probability N per million
 *  - inject_dup_every=N        write every Nth entry twice
 *  - inject_dup_ppm=N          duplicate each entry with probability N per million
 *  - inject_corrupt_every=N    replace every Nth entry by a malformed one (the decoder
 *                              rejects it: counted in model.prq_malformed)
 *  - inject_corrupt_ppm=N      the same, with probability N per million
 *  - inject_overflow_every=N   raise the PRQ overflow condition after every Nth entry
 *                              (the poll side then reads SVA_FAULT_OVERFLOW)
 *  - inject_stop_every=N       after every Nth answered group, send a Stop Marker
 *                              (Last, neither read nor write: no response expected)
 *  - inject_seed=N             seed of the _ppm draws (default 1: runs repeat)
 *  - dev_delay_us=N            the device waits N us before sending each group
 *                              (a slow device), 0..1000000
 *
 * dev devargs (sva_dev_open):
 *  - rid=N                     requester ID / stream ID, 0..0xffff (default 0x10)
 *  - mode=full|pasid_only      pasid_only: a mediated-device-like endpoint; RID attach
 *                              (and RID + all PASIDs) answer -EOPNOTSUPP (default full)
 *  - cpu=N                     CPU of the device thread (default: the main lcore's CPU,
 *                              so not the poll lcore's)
 *  - wq_depth=N                work queue descriptors, power of two 1..4096 (default 64)
 *  - prg_window=N              most pages in one page-request group, 1..512 (default 32)
 *  - timeout_ms=N              deadline of an unanswered group, 1..600000 (default 1000);
 *                              a group that waited 100 ms while nothing read the page
 *                              request queue logs a WARNING naming sva_poll_lcore_start()
 *                              (at most one per 10 s per iommu)
 *  - pr_depth=N                page-request groups a copy/fill/compare job keeps in
 *                              flight, 1..64 (default 4; 1: one group at a time)
 *  - stall=0|1                 1: the stall model instead of PRI (SMMUv3 only; refused
 *                              on model=vtd): a platform device behind an SMMU with
 *                              CD.S == 1, STE.S1STALLD == 0 (3.12). See below. No
 *                              nested (vSVA) binds on such a dev (-EOPNOTSUPP).
 *  - stall_tags=N              STAGs the SMMU uses for this stream, 1..65536 (default
 *                              65536, the 16-bit field of the event record)
 *
 * The device, as hardware would:
 *  - walks before it accesses (so the kernel never silently resolves a fault that the
 *    runtime should have seen), through a small IOTLB per PASID that
 *    sva_iommu_iotlb_inval() invalidates;
 *  - reads and writes the process's memory only through process_vm_readv/writev on its
 *    own pid and a device-private bounce buffer: memory that vanishes under a job is a
 *    translation fault, never a SIGSEGV;
 *  - issues the missing pages of a window as one page-request group (up to prg_window
 *    pages of whichever stream misses them, in job-offset order, LAST on the final
 *    one, PRG index from a 512-entry pool per dev, never reused before its response),
 *    waits for the one response, then walks again. Pipelined: from the job's first
 *    missing page on, while it waits for a group or copies, it walks the windows
 *    after it and sends their missing pages as further groups, up to pr_depth groups
 *    in flight (and prq_depth / 2 / prg_window), each page asked for once; a job
 *    completes only when every group it sent was answered or timed out (so with no
 *    answer at all each group in flight counts a timeout). Access follows the walk
 *    at the head of the job in order, so results below are exact with several groups
 *    in flight. Success: proceed (a page still not present is
 *    counted and re-requested a few times, then the job fails with
 *    SVA_EMU_STATUS_PROTOCOL). Invalid: partial completion (SVA_EMU_STATUS_PAGE_FAULT).
 *    Failure: PRI disabled on the dev until sva_emu_dev_reset().
 *    A multi-page group (or any read-ahead group) answered Invalid is narrowed: the
 *    device stops reading ahead, proceeds over the pages that became present and asks
 *    again for the first missing page alone, so the fault address is the first page
 *    that cannot be made present and bytes_done counts exactly the bytes before it.
 *    A read-ahead group answered Failure disables PRI at once; the job fails
 *    SVA_EMU_STATUS_PRI_FAILURE at its next missing page.
 *  - writes an unrecoverable event record for an access outside every mapping or with a
 *    PASID (or RID) that has no page table, and fails the job.
 *  - with stall=1 (SMMUv3 stall model, 3.12.2), sends no page request: a missing or
 *    refused page (one outside every mapping too: the SMMU only sees the page table)
 *    stalls the access at the head of the job; the SMMU writes an event record with
 *    Stall = 1 and a STAG (F_TRANSLATION when the page is not present, F_PERMISSION when
 *    it is present without the access — a write to a read-only or zero page; F_ACCESS
 *    is never raised: the SMMU updates the Access flag itself, CD.HA), RnW, SSV and
 *    the PASID, and the device waits for the CMD_RESUME of that STAG: Retry walks again
 *    and proceeds (a page still missing stalls again, at most a few times, then
 *    SVA_EMU_STATUS_PROTOCOL); Abort or Terminate, or a CMD_STALL_TERM of the stream,
 *    ends the job SVA_EMU_STATUS_STALL_ABORT at that page. One stalled access per job
 *    at a time (no read-ahead). A stall not resumed within timeout_ms ends the job
 *    SVA_EMU_STATUS_TIMEOUT (stall_timeouts); its STAG stays taken until a resume
 *    comes (stall_resume_late). STAGs are given round robin from the stream's
 *    stall_tags and reused only once resumed (3.12.2: "a value cannot be re-used until
 *    the transaction it was last associated with has been acknowledged"). A full event
 *    queue holds the stall back (stall_evtq_full), never loses it. A CMD_RESUME that
 *    names no stalled transaction has no effect (4.7.1), counted.
 *  - nested (vSVA, SVA_IOMMU_CAP_NESTED; sva_dev_nested_attach()): on a nested PASID
 *    (VT-d: a first level bound to that PASID; SMMUv3: any PASID of a dev whose guest
 *    CD table is bound, the PASID being the SubstreamID) the descriptor's addresses
 *    are guest virtual. Per page the device translates GVA -> GPA through its
 *    first-level IOTLB or a walk of the guest's tables in guest RAM (A/D, AF set as
 *    hardware does), then ram.base + GPA through the host walk. A first-level fault is
 *    a one-page group with SVA_FAULT_PR_NESTED_S1 (addr = the GVA page); a guest RAM
 *    page that is not present (a table, a CD or the data) one with
 *    SVA_FAULT_PR_NESTED_S2 (gpa, addr = ram.base + gpa). Side information: the
 *    hardware entry (VT-d descriptor, SMMUv3 PRI entry) carries the GVA in both cases,
 *    as the untranslated address the device asked for; the stage, gpa and record
 *    address are kept by the model beside the slot and added by the emu's decoder.
 *    SMMUv3 CD problems are events (C_BAD_SUBSTREAMID, C_BAD_CD), a CD, stage-1
 *    table or data GPA outside guest RAM F_TRANSLATION with S2 = 1, CLASS CD/TT/IN
 *    and the IPA (IHI0070 7.3.13; the generic record: _NESTED_S2 and gpa), VT-d
 *    reserved bits and non-canonical addresses fault records, with
 *    SVA_FAULT_UNRECOV_NESTED_S1 (or _NESTED_S2 and gpa for a GPA outside guest RAM)
 *    added by the decoder from the same side information; the job ends
 *    UNRECOVERABLE. First-level translations stay cached until sva_dev_nested_inval().
 *    Not on nested PASIDs: SVA_EMU_OP_PAGE_REQUEST (sva_emu_submit() refuses it,
 *    -EOPNOTSUPP, logged), and not on a stall-model dev (stall=1: the driver's
 *    nested_attach refuses, so sva_dev_nested_attach() and a nested sva_bind() fail
 *    with -EOPNOTSUPP, logged: a first-level fault needs a page request the VMM
 *    answers, and the stall model sends none).
 *  - waits for a group response by spinning briefly, then sleeping with a growing
 *    interval (the poll lcore busy-polls the other core; the device must not burn this
 *    one); idles asleep on a condition variable.
 */

#include <stdint.h>

#include <rte_compat.h>

#include "sva_iommu.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Descriptor operations. */
enum sva_emu_op {
	SVA_EMU_OP_COPY = 1,    /**< copy len bytes from src to dst */
	SVA_EMU_OP_FILL = 2,    /**< fill len bytes at dst with the 8-byte pattern */
	SVA_EMU_OP_COMPARE = 3, /**< compare len bytes at src and dst */
	/**
	 * Benchmark and test op: send a write page request for every 4 KiB page of
	 * [dst, dst + len), in order, without walking and without accessing memory — so
	 * pages already present are asked for too (what a device whose ATS cache was
	 * invalidated does). Groups are prg_window pages; group i goes to PASID
	 * pasid + i % pr_pasids (round robin over pr_pasids PASIDs, each must be attached);
	 * up to pr_inflight groups are outstanding at once (also at most 512, the PRG
	 * indices, and at most prq_depth / 2 / prg_window groups, so one dev never fills
	 * the queue the others share). Completion: SUCCESS when every group was answered Success; otherwise the
	 * first group in send order that was not: PAGE_FAULT (Invalid), PRI_FAILURE
	 * (Failure: PRI disabled), TIMEOUT or ABORTED, with fault_addr its first page and
	 * bytes_done the bytes of the range before it; no more groups are sent after it.
	 * page_reqs counts the requests sent. An unattached PASID in the rotation fails
	 * the job UNRECOVERABLE before anything is sent (with an event record).
	 */
	SVA_EMU_OP_PAGE_REQUEST = 4,
};

/** Descriptor flags. */
#define SVA_EMU_DESC_PASID_VALID (1u << 0) /**< tagged with pasid; else a request on the RID */

/** One work descriptor. */
struct sva_emu_desc {
	uint32_t op;      /**< enum sva_emu_op */
	uint32_t flags;   /**< SVA_EMU_DESC_* */
	uint32_t pasid;   /**< with SVA_EMU_DESC_PASID_VALID */
	uint32_t reserved;/**< must be 0 */
	union {
		uint64_t src;       /**< copy, compare: source address (read) */
		uint64_t pr_pasids; /**< page_request: PASIDs to rotate over (0 or 1: pasid only) */
	};
	uint64_t dst;     /**< copy, fill: destination (written); compare: second source (read);
			       page_request: the first page asked for */
	uint64_t len;     /**< bytes, 1 .. SVA_EMU_MAX_LEN */
	union {
		uint64_t pattern;     /**< fill: repeated 8-byte pattern (little-endian byte order) */
		uint64_t pr_inflight; /**< page_request: most groups outstanding, 0..512 (0: 512) */
	};
};

/** Largest descriptor length. */
#define SVA_EMU_MAX_LEN (UINT64_C(1) << 40)

/** Completion status (sva_emu_comp.status). */
enum sva_emu_status {
	SVA_EMU_STATUS_PENDING = 0,      /**< not completed yet */
	SVA_EMU_STATUS_SUCCESS = 1,      /**< all bytes done (compare: see result) */
	SVA_EMU_STATUS_PAGE_FAULT = 2,   /**< a group was answered Invalid: partial completion,
					      fault_addr/fault_perm/bytes_done say where */
	SVA_EMU_STATUS_UNRECOVERABLE = 3,/**< outside every mapping, or no page table for the
					      PASID/RID: an event record was written */
	SVA_EMU_STATUS_TIMEOUT = 4,      /**< a group was not answered within timeout_ms */
	SVA_EMU_STATUS_PRI_FAILURE = 5,  /**< a group was answered Failure: PRI now disabled */
	SVA_EMU_STATUS_PRI_DISABLED = 6, /**< needed a page request while PRI is disabled */
	SVA_EMU_STATUS_PROTOCOL = 7,     /**< Success answered for pages still not present,
					      more times than the device retries */
	SVA_EMU_STATUS_ABORTED = 8,      /**< the dev was closed with the job queued */
	SVA_EMU_STATUS_STALL_ABORT = 9,  /**< stall=1: a stalled access was terminated
					      (CMD_RESUME Abort or Terminate, or
					      CMD_STALL_TERM): partial completion,
					      fault_addr/fault_perm/bytes_done say where */
};

/**
 * A completion record, written by the device; keep it valid until the job completes.
 * status is written last (release order): once it is not PENDING, the rest is valid.
 */
struct sva_emu_comp {
	volatile uint32_t status; /**< enum sva_emu_status */
	uint32_t fault_perm;      /**< SVA_FAULT_PERM_READ or _WRITE of the access that failed */
	uint64_t fault_addr;      /**< address that failed (PAGE_FAULT, UNRECOVERABLE, TIMEOUT,
				       PRI_*, PROTOCOL) */
	uint64_t bytes_done;      /**< bytes completed before the failure; compare: offset of
				       the first difference when result is 1 */
	uint64_t result;          /**< compare: 0 equal, 1 different */
	uint64_t page_reqs;       /**< page requests this job sent */
};

/** Protocol counters kept by the model itself (a copy of emu_model_counters). */
struct sva_emu_model_counters {
	uint64_t prq_written;     /**< entries the device wrote */
	uint64_t prq_dropped;     /**< entries dropped because the queue was full */
	uint64_t prq_overflows;   /**< overflow conditions raised */
	uint64_t prq_read;        /**< entries the poll side consumed */
	uint64_t prq_malformed;   /**< entries the decoder rejected (not returned) */
	uint64_t evtq_written, evtq_dropped, evtq_overflows, evtq_read, evtq_malformed;
	uint64_t resp_written;    /**< responses the poll side wrote */
	uint64_t resp_doorbells;  /**< response-queue tail updates (one per batch) */
	uint64_t resp_read;       /**< responses the device side consumed */
	uint64_t resp_malformed;  /**< response descriptors the device could not decode */
	uint64_t prq_auto_resp;   /**< Success responses the IOMMU sent by itself for dropped
				       requests with LAST (SMMUv3 8.1, VT-d 7.4.1) */
	uint64_t prq_auto_resp_lost; /**< auto-responses refused (never read) */
};

/** Buckets of sva_emu_counters.group_wait_hist. */
#define SVA_EMU_WAIT_HIST_BUCKETS 16

/** What the emu iommu (its devices and its model) counted since creation. */
struct sva_emu_counters {
	uint64_t page_reqs;          /**< page requests the devices sent (before injection) */
	uint64_t groups;             /**< page-request groups sent (LAST written) */
	uint64_t groups_outstanding; /**< groups waiting for their response now */
	uint64_t resp_success;       /**< responses received, by code */
	uint64_t resp_invalid;
	uint64_t resp_failure;
	uint64_t resp_bad_code;      /**< a code that is none of the three */
	uint64_t resp_unknown_group; /**< for no group the dev ever sent with that index/PASID,
				          or for no dev */
	uint64_t resp_duplicate;     /**< for a group already answered */
	uint64_t resp_late;          /**< for a group that had timed out already */
	uint64_t success_not_present;/**< pages still not present after a Success */
	uint64_t prq_full;           /**< page requests the queue refused (full) */
	uint64_t group_timeouts;     /**< groups not answered within timeout_ms */
	uint64_t pri_failures;       /**< Failure responses that disabled PRI on a dev */
	uint64_t events;             /**< unrecoverable event records written */
	uint64_t events_dropped;     /**< event records the event queue refused (full) */
	uint64_t walks;              /**< page-table walks (one walk covers a range) */
	uint64_t iotlb_hits;         /**< translations served by the IOTLB */
	uint64_t iotlb_misses;
	uint64_t iotlb_invals;       /**< sva_iommu_iotlb_inval() calls */
	uint64_t access_faults;      /**< process_vm_readv/writev refusals (EFAULT) */
	uint64_t inj_drops;          /**< entries dropped by inject_drop_* */
	uint64_t inj_dups;           /**< entries duplicated by inject_dup_* */
	uint64_t inj_corrupt;        /**< malformed entries written by inject_corrupt_* */
	uint64_t inj_overflows;      /**< overflows raised by inject_overflow_every */
	uint64_t inj_stop_markers;   /**< stop markers sent by inject_stop_every */
	uint64_t jobs;               /**< descriptors completed (any status) */
	uint64_t jobs_ok;            /**< completed with SVA_EMU_STATUS_SUCCESS */
	uint64_t jobs_partial;       /**< completed with some bytes done and not all */
	uint64_t jobs_failed;        /**< completed with any status but SUCCESS */
	uint64_t bytes;              /**< bytes completed by all jobs */
	struct sva_emu_model_counters model; /**< what the queue model counted */
	/* Device-observed fault latency: from writing a group's last page request to
	 * reading its response, for answered groups (resp_success + resp_invalid +
	 * resp_failure + resp_bad_code of them). */
	uint64_t group_wait_ns_total; /**< sum over answered groups */
	uint64_t group_wait_ns_max;   /**< the longest */
	/** log2 histogram: bucket 0 < 512 ns, bucket i in [256 << i, 512 << i) ns,
	 *  the last bucket everything longer */
	uint64_t group_wait_hist[SVA_EMU_WAIT_HIST_BUCKETS];
	/** the most groups outstanding at once (all devs; see pr_depth) */
	uint64_t groups_outstanding_max;
	/** drain fences (sva_iommu_prq_drain(): VT-d Page Drain, SMMUv3 CMD_SYNC) */
	uint64_t prq_drains;
	/* stall model (dev stall=1, SMMUv3) */
	uint64_t stalls;             /**< transactions stalled (event records with Stall) */
	uint64_t stalls_outstanding; /**< stalled now, waiting for their CMD_RESUME */
	uint64_t stall_retries;      /**< CMD_RESUME Retry received */
	uint64_t stall_aborts;       /**< CMD_RESUME Abort received */
	uint64_t stall_terminates;   /**< CMD_RESUME Terminate (RAZ/WI) received: the
				          device fails the access all the same */
	uint64_t stall_terms;        /**< stalls ended by a CMD_STALL_TERM */
	uint64_t stall_resume_unknown; /**< CMD_RESUME for no stalled transaction of that
				            StreamID and STAG (4.7.1: no effect), or for no dev */
	uint64_t stall_resume_late;  /**< CMD_RESUME for a stall the device gave up on */
	uint64_t stall_timeouts;     /**< stalls not resumed within timeout_ms */
	uint64_t stall_evtq_full;    /**< stall records held back: the event queue was
				          full (3.12.2: written again later, never lost) */
	/* nested (vSVA) PASIDs: a guest first level over this process as second level */
	uint64_t nested_walks;       /**< first-level walks (VT-d first level, SMMUv3 stage 1) */
	uint64_t nested_s1tlb_hits;  /**< first-level translations the IOTLB served */
	uint64_t nested_s1tlb_misses;
	uint64_t nested_cd_fetches;  /**< SMMUv3: CD fetches (an SSID's first use, or after an
				          invalidation dropped its CD) */
	uint64_t nested_invals;      /**< nested_inval calls (first-level IOTLB invalidations) */
	uint64_t nested_s1_faults;   /**< page requests for first-level faults (for the VMM) */
	uint64_t nested_s2_faults;   /**< page requests for second-level misses (svapoll) */
	uint64_t nested_events;      /**< non-recoverable nested faults (event records) */
};

/**
 * Queue a descriptor on the dev's work queue. The device thread runs it and writes
 * comp (status PENDING until then).
 *
 * @return 0, or
 *   - -EINVAL: dev, desc or comp NULL; dev not an emu dev; unknown op or flags;
 *     reserved not 0; len 0 or above SVA_EMU_MAX_LEN; pasid beyond the iommu's
 *     pasid_bits; page_request: pr_inflight above 512, pr_pasids above 1 without
 *     SVA_EMU_DESC_PASID_VALID, or pasid + pr_pasids - 1 beyond pasid_bits (each logged)
 *   - -EOPNOTSUPP: SVA_EMU_OP_PAGE_REQUEST on a PASID (of pasid .. pasid + pr_pasids
 *     - 1) that has a nested bind (any PASID once an SMMUv3 guest CD table is bound):
 *     its addresses would be guest virtual, and page requests without a walk have no
 *     stage or GPA to give (logged). A bind made after the submit ends the job
 *     UNRECOVERABLE (no host table for the PASID: an event record)
 *   - -EAGAIN: the work queue is full (wq_depth jobs queued or running)
 *   - -ESHUTDOWN: the dev is closing
 */
int sva_emu_submit(struct sva_dev *dev, const struct sva_emu_desc *desc,
		struct sva_emu_comp *comp);

/**
 * Wait until comp is completed, blocking (futex) rather than spinning.
 *
 * @param timeout_us
 *   Longest wait in microseconds; 0 only checks.
 * @return 0 (completed: read comp->status), or
 *   - -EINVAL: dev or comp NULL, or dev not an emu dev
 *   - -ETIMEDOUT: still pending after timeout_us
 */
int sva_emu_wait(struct sva_dev *dev, struct sva_emu_comp *comp, uint64_t timeout_us);

/**
 * Reset the dev's PRI state: re-enable page requests after a Failure response.
 *
 * @return 0, or -EINVAL (dev NULL or not an emu dev).
 */
int sva_emu_dev_reset(struct sva_dev *dev);

/**
 * Whether the dev may send page requests.
 *
 * @return 1 (enabled), 0 (disabled by a Failure response), or -EINVAL (dev NULL or not
 *   an emu dev).
 */
int sva_emu_dev_pri_enabled(const struct sva_dev *dev);

/**
 * Read the counters of an emu iommu (a consistent-enough snapshot: each field is read
 * atomically, the set is not).
 *
 * @return 0, or -EINVAL (iommu or c NULL, or iommu not an emu iommu).
 */
__rte_experimental
int sva_emu_counters_get(const struct sva_iommu *iommu, struct sva_emu_counters *c);

/** rte_log type of the emu driver ("drv.iommu.emu"). */
extern int sva_emu_logtype;

#ifdef __cplusplus
}
#endif

#endif /* SVA_EMU_H */
