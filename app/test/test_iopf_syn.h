/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TEST_IOPF_SYN_H
#define TEST_IOPF_SYN_H

/*
 * "syn": a test-only iommu driver whose queues are plain arrays the test fills with
 * synthetic records, so hostile-device inputs can be written exactly (unknown PASIDs,
 * kernel addresses, duplicates, groups that never close, overflow records, stop
 * markers, floods). It logs every response and every doorbell.
 */
#include <stdint.h>

#include <sva_iommu.h>

#define SYN_QLEN 8192

struct syn_iommu {
	struct sva_fault prq[SYN_QLEN];
	uint32_t prq_head, prq_tail;
	struct sva_fault evq[256];
	uint32_t evq_head, evq_tail;
	struct sva_page_response resp[SYN_QLEN];
	uint32_t nresp;
	uint32_t doorbells;
	uint32_t resp_limit;   /* accept at most this many per call (0: all) */
	uint32_t resolved_calls;
	int resolved_ret;
	int resp_ret;          /* non-zero: page_response takes nothing and returns it */
	uint32_t drains;       /* prq_drain fences asked for */
	void (*on_prq_read)(struct sva_iommu *iommu); /* called at each prq_read (NULL: none) */
	/* iommu keys: model=vtd|smmuv3 (default vtd), nested=0|1 (SVA_IOMMU_CAP_NESTED and
	 * the nested ops; default 0); driver "syn_noinval": the same without nested_inval */
	uint32_t model;        /* SVA_IOMMU_MODEL_* */
	uint32_t nested;
	int nested_ret;        /* nested_attach returns it (0: accepts) */
	uint32_t nattach, ndetach, ninval;
	struct {
		uint32_t dev_id, pasid;
		struct sva_nested_cfg cfg;
	} attach_log[16];      /* the last 16 nested attaches, by nattach % 16 */
	struct {
		uint32_t dev_id, pasid;
	} detach_log[16];
	struct {
		uint32_t dev_id, pasid;
		uint64_t addr, size;
	} inval_log[16];
	/* prq_head when resp[i] was taken: records before it were read before that answer,
	 * the others after it (what tells a duplicated LAST from a new group exactly) */
	uint32_t resp_head[SYN_QLEN];
};

/* Create "syn,name=NAME" with pasid_bits=16. */
struct sva_iommu *syn_create(const char *name);
/* The same with more keys ("model=smmuv3,nested=1"; "" for none). */
struct sva_iommu *syn_create_args(const char *name, const char *extra);
struct syn_iommu *syn_of(struct sva_iommu *iommu);
/* Queue a page request. */
void syn_pr(struct sva_iommu *iommu, uint32_t dev_id, uint32_t pasid, uint32_t grpid,
		uint64_t addr, uint32_t perm, int last);
void syn_pr_flags(struct sva_iommu *iommu, uint32_t dev_id, uint32_t flags, uint32_t pasid,
		uint32_t grpid, uint64_t addr, uint32_t perm, uint64_t ts);
void syn_overflow(struct sva_iommu *iommu);
void syn_event(struct sva_iommu *iommu, uint32_t dev_id, uint32_t pasid, uint64_t addr);
/* Queue a stall record (SMMUv3 stall model) on the event queue: a write at addr. */
void syn_stall(struct sva_iommu *iommu, uint32_t dev_id, uint32_t pasid, uint32_t stag,
		uint64_t addr);
/* Responses for (pasid, grpid) seen so far; the last one's code in *code. */
unsigned int syn_responses_for(struct sva_iommu *iommu, uint32_t pasid, uint32_t grpid,
		uint32_t *code);

#endif /* TEST_IOPF_SYN_H */
