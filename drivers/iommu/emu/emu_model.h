/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef EMU_MODEL_H
#define EMU_MODEL_H

/*
 * The hardware queues of one emulated IOMMU model, in the model's real bit layouts
 * (facts: shared/reference/iommu-formats.md). A model owns three rings:
 *  - the page request queue (VT-d: 32-byte page request descriptors, byte-offset
 *    head/tail and the PRO overflow bit; SMMUv3: 16-byte PRI queue entries, PROD/CONS
 *    with wrap and overflow flags),
 *  - the event queue (VT-d: fault records; SMMUv3: 32-byte event entries),
 *  - the response queue (VT-d: page group response descriptors in the invalidation
 *    queue; SMMUv3: CMD_PRI_RESP in the command queue).
 *
 * Concurrency, as on hardware: the device side is the only producer of the PRQ and the
 * event queue and the only consumer of the response queue (the emu driver serialises
 * its device threads); the poll side is the only consumer of the PRQ and event queue
 * and the only producer of the response queue. Index updates use acquire/release.
 *
 * Queue memory is given by the caller: mem_size() bytes, zeroed, 4 KiB aligned
 * (the emu driver allocates it NUMA-local, on hugepages when available).
 *
 * The formats, each model's overflow rule and its extras for tests and fault
 * injection (register snapshots, raw writes to the event and response queues) are in
 * emu_vtd.h and emu_smmuv3.h.
 */

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#include "sva_fault.h"
#include "sva_iommu.h"

struct emu_queue_cfg {
	uint32_t prq_depth;   /* entries, power of two */
	uint32_t evtq_depth;  /* entries, power of two */
	uint32_t respq_depth; /* entries, power of two */
};

/* What the model itself counted. */
struct emu_model_counters {
	uint64_t prq_written;     /* entries the device wrote */
	uint64_t prq_dropped;     /* entries dropped because the queue was full */
	uint64_t prq_overflows;   /* overflow conditions raised (PRO set / overflow flag toggled) */
	uint64_t prq_read;        /* entries the poll side consumed */
	uint64_t prq_malformed;   /* entries the decoder rejected (not returned) */
	uint64_t evtq_written, evtq_dropped, evtq_overflows, evtq_read, evtq_malformed;
	uint64_t resp_written;    /* responses the poll side wrote */
	uint64_t resp_doorbells;  /* tail updates (one per resp_write batch) */
	uint64_t resp_read;       /* responses the device side consumed */
	uint64_t resp_malformed;  /* response descriptors the device could not decode */
	uint64_t prq_auto_resp;   /* page group responses the IOMMU generated itself for
				   * dropped requests with LAST (SMMUv3 8.1, VT-d 7.4.1) */
	uint64_t prq_auto_resp_lost; /* of those, refused: the device side never read them */
};

struct emu_model_ops {
	const char *name;            /* "vtd", "smmuv3" */
	enum sva_iommu_model model;
	uint32_t prq_entry_size;     /* 32 (VT-d), 16 (SMMUv3) */

	/* Bytes of queue memory for cfg (a multiple of 4 KiB), or 0 when init would refuse
	 * cfg. Depth ranges: VT-d PRQ and invalidation queue 128..16384 (PQA.PQS / IQA.QS:
	 * 2^0..2^7 4 KiB pages of 32-byte descriptors), fault records 1..65536; SMMUv3 every
	 * queue 1..2^19 (LOG2SIZE 0..19). */
	size_t (*mem_size)(const struct emu_queue_cfg *cfg);
	/* 0, or -EINVAL (q or cfg NULL, depth not a power of two, or out of the model's
	 * range) */
	int (*init)(void *q, const struct emu_queue_cfg *cfg);

	/* ---- device side ---- */
	/* Encode and write one page request; 0, -ENOSPC when full (the entry is dropped
	 * and the overflow condition raised by the model's rule; both models also drop
	 * every request while the overflow is active: VT-d PRS.PRO, SMMUv3 PRIQ overflow),
	 * or -EINVAL when a value does not fit the hardware
	 * field (VT-d dev_id > 0xffff; PASID > 0xfffff, grpid > 511, EXEC/PRIV without
	 * PASID_VALID) — refused, never truncated. A dropped request with LAST (not a
	 * Stop Marker) gets the IOMMU's own Success response, which resp_read returns
	 * (SMMUv3 8.1, VT-d 7.4.1 Table 31). pr->timestamp is kept in a side array
	 * per ring slot (the hardware entry has no room for it) and given back by
	 * prq_read, with SVA_FAULT_PR_TIMESTAMP when non-zero. A nested request
	 * (SVA_FAULT_PR_NESTED_S1 or _S2) carries the untranslated address the device asked
	 * for (the GVA) in pr->user_cookie: that is what the hardware word gets; the stage,
	 * pr->gpa and pr->addr (the record's address) are side information kept per slot
	 * (emu_ring.h, struct emu_pr_nest) and restored by prq_read. */
	int (*prq_write)(void *q, const struct sva_fault_page_req *pr);
	/* Write one already-encoded entry of prq_entry_size bytes (fault injection); 0 or
	 * -ENOSPC. The decoder sees it as the hardware would. */
	int (*prq_write_raw)(void *q, const void *entry);
	/* Raise the overflow condition as if the queue had filled (fault injection). */
	void (*prq_force_overflow)(void *q);
	/* 0, -ENOSPC (dropped, overflow raised), -EAGAIN (a stall record,
	 * SVA_FAULT_UNRECOV_STALL, that finds the queue full: SMMUv3 3.12.2 never loses
	 * one; the device writes it again later; VT-d has no stall model: -EINVAL),
	 * or -EINVAL (the model has no event for
	 * ev->reason and ev->hw_event gives none — e.g. SVA_FAULT_REASON_PRI_INVALID —
	 * or a value does not fit). A non-zero ev->hw_event is written as the model's own
	 * code (VT-d fault reason, SMMUv3 event ID). */
	int (*evtq_write)(void *q, const struct sva_fault_unrecov *ev);
	/* Read and decode up to n responses: first those the IOMMU generated itself
	 * (prq_auto_resp), then the response queue's; descriptors that are not a valid
	 * page response are skipped and counted in resp_malformed. SMMUv3 also returns
	 * its stall commands, in the stall form (flags SVA_PAGE_RESP_STALL, dev_id the
	 * StreamID): CMD_RESUME with grpid = STAG and code Success (Retry), Invalid
	 * (Abort) or Failure (Terminate, RAZ/WI); CMD_STALL_TERM with EMU_RESP_STALL_ALL
	 * (every stall of the StreamID, terminated with abort) and code Invalid. */
	uint16_t (*resp_read)(void *q, struct sva_page_response *out, uint16_t n);

	/* ---- poll side ---- */
	/* Read up to n records: page requests (stop markers included) and, where the
	 * model says entries were lost, one SVA_FAULT_OVERFLOW record at that point.
	 * The overflow is cleared by the model's rule (VT-d: PRO cleared once head ==
	 * tail; SMMUv3: CONS takes PROD's overflow flag). Malformed entries are not
	 * returned: they are counted in prq_malformed / evtq_malformed. */
	uint16_t (*prq_read)(void *q, struct sva_fault *out, uint16_t n);
	/* Whether prq_read would find something: entries between consumer and producer,
	 * or an overflow not yet reported. Any thread, concurrently with prq_read (atomic
	 * loads of the indexes only). */
	bool (*prq_pending)(const void *q);
	uint16_t (*evtq_read)(void *q, struct sva_fault *out, uint16_t n);
	/* Encode and write n responses, then one doorbell (tail update) for the batch.
	 * Returns how many were written (fewer when the response queue is full; no
	 * doorbell when none). A code the model cannot encode produces a descriptor the
	 * device refuses (resp_malformed), as a wrong answer from the runtime should. */
	int (*resp_write)(void *q, const struct sva_page_response *resp, uint16_t n);

	void (*counters_get)(const void *q, struct emu_model_counters *c);
};

/* Device side only (resp_read): a CMD_STALL_TERM, for every stall of dev_id. */
#define EMU_RESP_STALL_ALL (1u << 31)

extern const struct emu_model_ops emu_model_vtd;
extern const struct emu_model_ops emu_model_smmuv3;

#endif /* EMU_MODEL_H */
