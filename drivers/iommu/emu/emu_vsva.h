/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef EMU_VSVA_H
#define EMU_VSVA_H

/*
 * The emu device's nested (vSVA) translation: the driver's nested ops and what the
 * device thread asks for one access on a nested PASID (emu_vsva.c). The walkers are
 * pure (emu_nested.h); this is where they meet guest RAM, the host walk and the caches.
 *
 * Per dev (struct emu_nest, behind one mutex that the control path and the device
 * thread both take, so an invalidation either precedes a walk or drops what it cached):
 *  - VT-d: up to EMU_NEST_BINDS first-level binds, one per PASID (SVA_NESTED_VTD_FL);
 *  - SMMUv3: one whole guest CD table for the dev (SVA_NESTED_SMMUV3_CD, pasid
 *    SVA_NESTED_ALL_PASIDS): every SubstreamID of a PASID-tagged job goes through it;
 *    a CD is fetched and validated when its SSID is first used and kept in a CD cache;
 *  - the first-level IOTLB: GVA -> GPA translations per PASID, at the leaf's size, with
 *    the access the walk granted (a write only once the walk set D / the leaf allows it).
 *    Only nested_inval (and detach) drops them: a guest that changes a present entry
 *    without invalidating keeps seeing the old translation, as on hardware.
 */

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "emu_nested.h"
#include "sva_iommu.h"

#define EMU_NEST_BINDS 64     /* VT-d first-level binds per dev */
#define EMU_S1TLB_ENTRIES 64  /* first-level IOTLB entries per dev */
#define EMU_CD_CACHE 32       /* cached CDs per dev */

struct emu_dev;

struct emu_s1tlb_entry {
	uint64_t gva;    /* page base, at the leaf's size */
	uint64_t size;
	uint64_t gpa;
	uint32_t pasid;
	uint32_t perm;   /* SVA_FAULT_PERM_READ, | _WRITE when the walk allowed a write */
	bool valid;
};

struct emu_cd_cached {
	uint32_t ssid;
	bool valid;
	struct emu_cd cd;
};

struct emu_nest_bind {
	uint32_t pasid;
	bool used;
	struct sva_nested_cfg cfg;
};

struct emu_nest {
	pthread_mutex_t lock;
	uint32_t nbinds;             /* VT-d binds in use (atomic read by the device) */
	struct emu_nest_bind bind[EMU_NEST_BINDS];
	bool smmu_on;                /* SMMUv3: a guest CD table is bound (atomic read) */
	struct sva_nested_cfg smmu;
	struct emu_cd_cached cd[EMU_CD_CACHE];
	unsigned int cd_next;
	struct emu_s1tlb_entry tlb[EMU_S1TLB_ENTRIES];
	unsigned int tlb_next;
};

/* What one nested access step found (emu_vsva_xlate). */
enum emu_nx_kind {
	EMU_NX_OK = 0,     /* hva valid, avail bytes accessible from it */
	EMU_NX_S1,         /* first-level fault: a page request for the VMM (addr = GVA) */
	EMU_NX_S2,         /* second-level miss at gpa (table, CD or data page): a page
			      request svapoll resolves (addr = ram.base + gpa) */
	EMU_NX_EVENT,      /* non-recoverable: write ev, fail the job */
	EMU_NX_NOT_NESTED, /* the PASID has no nested bind (any more) */
};

struct emu_nx {
	enum emu_nx_kind kind;
	uint64_t hva;       /* OK */
	uint64_t avail;     /* OK: bytes from gva that are accessible (same page, present) */
	uint64_t gpa;       /* S2: the guest-physical page that is missing */
	uint64_t haddr;     /* S2: ram.base + gpa */
	uint32_t perm;      /* S1, S2: the access the request asks for */
	/* EVENT: what the event queue gets */
	uint32_t reason;    /* enum sva_fault_reason */
	uint32_t hw_event;  /* the model's own code (VT-d fault reason, SMMUv3 event), or 0 */
	uint64_t fetch;     /* SMMUv3 stage-2 fault of the walk's own fetch: the CD's or
			       the table descriptor's GPA (CLASS CD / TT) */
	uint32_t ev_flags;  /* SVA_FAULT_UNRECOV_NESTED_S1 (the guest's tables or CDs) or _S2
			       (a GPA outside guest RAM: ev_gpa) */
	uint64_t ev_gpa;
	const char *why;    /* for the log */
};

/* emu_vsva.c */
int emu_vsva_dev_init(struct emu_dev *d);
void emu_vsva_dev_fini(struct emu_dev *d);
/* Does a job (pv, pasid) on d go through a guest first level? */
bool emu_vsva_nested(struct emu_dev *d, bool pv, uint32_t pasid);
/* Does any PASID of [first, first + count) on d have a nested bind? *which: one that
 * has (pv false: never). */
bool emu_vsva_nested_range(struct emu_dev *d, bool pv, uint32_t first, uint32_t count,
		uint32_t *which);
/* Translate len bytes (at most) of one stream at gva for perm (READ or WRITE). */
void emu_vsva_xlate(struct emu_dev *d, uint32_t pasid, uint64_t gva, uint64_t len,
		uint32_t perm, struct emu_nx *x);
/* Drop the host IOTLB's entry of hva (an access refused after the walk said yes). */
void emu_vsva_host_inval(struct emu_dev *d, uint32_t pasid, uint64_t hva);

int emu_nested_attach(struct sva_dev *dev, uint32_t pasid, const struct sva_nested_cfg *cfg);
void emu_nested_detach(struct sva_dev *dev, uint32_t pasid);
int emu_nested_inval(struct sva_dev *dev, uint32_t pasid, uint64_t addr, uint64_t size);

#endif /* EMU_VSVA_H */
