/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef EMU_PVT_H
#define EMU_PVT_H

/*
 * The emu driver's private objects:
 *  - emu_iommu: one emulated IOMMU: its model (VT-d or SMMUv3 queue formats) and queue
 *    memory, the page walker set-up, fault injection, counters, and a table of dev
 *    slots (the IOTLB of each slot lives here, in the iommu, so that the poll path's
 *    iotlb_inval never touches a dev that is being closed).
 *  - emu_dev: one software SVA endpoint: attach state, work queue, device thread,
 *    PRG index pool, bounce buffer and walk buffers (all allocated at open: the device
 *    allocates nothing per page).
 *
 * Locks: emu_iommu.devlock serialises the device side of the model (every device
 * thread writes the PRQ and event queue and reads responses) and the dev slot table.
 * The poll side (prq_read, evtq_read, page_response, iotlb_inval) takes no lock.
 */

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_log.h>

#include "emu_model.h"
#include "sva_emu.h"
#include "sva_iommu.h"
#include "sva_iommu_driver.h"

#define EMU_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, sva_emu_logtype, "EMU: " fmt "\n", ##__VA_ARGS__)

#define EMU_PAGE_SHIFT 12
#define EMU_PAGE_SIZE (UINT64_C(1) << EMU_PAGE_SHIFT)
#define EMU_HUGE_SIZE (UINT64_C(1) << 21)
#define EMU_MAX_DEVS 32          /* devs per emu iommu */
#define EMU_PRG_COUNT 512        /* PCIe PRG index: 9 bits */
#define EMU_IOTLB_ENTRIES 32     /* per dev, range entries */
#define EMU_SCAN_VEC 128         /* regions one walk returns at most */
#define EMU_PAGEMAP_BATCH 512    /* /proc/self/pagemap entries read at once */
#define EMU_CHUNK (UINT64_C(256) << 10) /* bytes one access moves at most */
#define EMU_SNP_RETRIES 3        /* re-requests after Success-but-not-present */
#define EMU_PR_DEPTH_MAX 64      /* groups one copy-engine job keeps in flight at most */
#define EMU_VMA_CACHE 4          /* mappings whose page size a job remembers */

/* Counter helpers: several device threads and the poll side update them. */
#define EMU_ADD(e, field, n) __atomic_fetch_add(&(e)->cnt.field, (n), __ATOMIC_RELAXED)
#define EMU_INC(e, field) EMU_ADD(e, field, 1)

enum emu_walk_mode {
	EMU_WALK_AUTO = 0,
	EMU_WALK_SCAN,    /* PAGEMAP_SCAN ioctl */
	EMU_WALK_PAGEMAP, /* pread of /proc/self/pagemap, mincore for holes */
};

/* One IOTLB entry: a range with the same translation, for one PASID. */
struct emu_iotlb_entry {
	uint64_t start, end;
	uint32_t pasid;  /* 0: requests without PASID (the RID) */
	uint32_t perm;   /* SVA_FAULT_PERM_READ | _WRITE */
	uint32_t valid;  /* atomic */
};

struct emu_iotlb {
	uint64_t seq;    /* bumped by every invalidation, before it clears entries */
	uint32_t next;   /* replacement cursor (device thread only) */
	struct emu_iotlb_entry e[EMU_IOTLB_ENTRIES];
};

struct emu_inject {
	uint64_t drop_every, drop_ppm;
	uint64_t dup_every, dup_ppm;
	uint64_t corrupt_every, corrupt_ppm;
	uint64_t overflow_every;
	uint64_t stop_every;
	uint64_t seed;
	uint64_t delay_us;
	/* state, under devlock */
	uint64_t rng;
	uint64_t entries;  /* page request entries seen so far */
	uint64_t groups;   /* groups answered (for stop_every) */
};

struct emu_dev;
struct emu_nest;

struct emu_iommu {
	struct sva_iommu *iommu;
	const struct emu_model_ops *ops;
	void *q;                 /* queue memory, ops->mem_size() bytes */
	size_t q_map_size;       /* bytes mapped */
	bool q_huge;
	struct emu_queue_cfg qcfg;
	uint32_t pasid_bits;
	int numa_node;
	bool pasid_table;
	bool pri_off;            /* pri=off: no SVA_IOMMU_CAP_PRI, devs without PRI */
	enum emu_walk_mode walk_mode;  /* resolved: SCAN or PAGEMAP */
	int pagemap_fd;
	int maps_fd;             /* /proc/self/maps for PROCMAP_QUERY, -1 without it */
	uint64_t zero_pfn;       /* PFN of the shared zero page (0: unknown) */
	pid_t pid;
	struct emu_inject inj;

	pthread_mutex_t devlock;
	struct emu_dev *devs[EMU_MAX_DEVS];
	struct emu_iotlb iotlb[EMU_MAX_DEVS];

	struct sva_emu_counters cnt;   /* .model is filled by counters_get */
};

/* ---- walk results ---- */
#define EMU_R_PRESENT (1u << 0) /* readable */
#define EMU_R_WRITE (1u << 1)   /* present and not the zero page */
#define EMU_R_HUGE (1u << 2)    /* THP or hugetlb */

struct emu_region {
	uint64_t start, end;
	uint32_t flags;
};

/* A walk of [start, end): regions in order, a hole between them (or between the last
 * one and walk_end) is outside every mapping; walk_end < end when the buffer filled. */
struct emu_scan {
	uint64_t start, end, walk_end;
	unsigned int n;
	struct emu_region r[EMU_SCAN_VEC];
};

/* A mapping's page size as PROCMAP_QUERY told it: [start, end) maps pages of size. */
struct emu_vma {
	uint64_t start, end, size;
};

enum emu_miss {
	EMU_MISS_NONE = 0,     /* everything asked for is accessible */
	EMU_MISS_MORE,         /* the walk stopped early (buffer full): walk again */
	EMU_MISS_NOT_PRESENT,  /* needs a page request */
	EMU_MISS_UNMAPPED,     /* outside every mapping: unrecoverable */
};

/* ---- the endpoint ---- */
enum emu_prg_state {
	EMU_PRG_FREE = 0,    /* never used since open/reset */
	EMU_PRG_OUTSTANDING,
	EMU_PRG_ANSWERED,
	EMU_PRG_TIMED_OUT,
};

struct emu_prg {
	uint32_t state;      /* enum emu_prg_state, atomic */
	uint32_t code;       /* response code once ANSWERED */
	uint32_t pasid;
	uint32_t pasid_valid;
};

/* One STAG of a stall-mode dev's stream (SMMUv3 3.12.2: the SMMU's tag for a stalled
 * transaction, per StreamID; each emu dev is one StreamID). States as for PRG indices:
 * FREE/ANSWERED may be given out, OUTSTANDING is stalled, TIMED_OUT was given up by the
 * device but is still stalled in the SMMU (reused only when no other tag is free). */
struct emu_stag {
	uint32_t state;      /* enum emu_prg_state, atomic */
	uint32_t code;       /* the resume once ANSWERED: Success (Retry), Invalid (Abort),
				Failure (Terminate) */
};

#define EMU_STAG_COUNT 65536u   /* STAG is 16 bits in the event record (7.3) */

enum emu_dev_mode {
	EMU_DEV_FULL = 0,
	EMU_DEV_PASID_ONLY,
};

/* One page-request group in flight. */
struct emu_flight {
	uint64_t addr;   /* its first page */
	uint64_t t0;     /* when its last request was written (ns) */
	uint64_t woff, wend; /* copy engine: the job offsets it asks for */
	struct sva_fault_page_req last; /* its LAST request (for an injected stop marker) */
	uint32_t idx;    /* PRG index */
	uint32_t pasid;
	uint32_t nreqs;
	uint32_t perm;   /* of its first page */
};

struct emu_job {
	struct sva_emu_desc desc;
	struct sva_emu_comp *comp;
};

struct emu_dev {
	struct sva_dev *dev;
	struct emu_iommu *e;
	unsigned int slot;
	uint32_t rid;
	enum emu_dev_mode mode;
	int cpu;
	uint32_t wq_depth, prg_window, timeout_ms;
	uint32_t pr_depth;         /* groups a copy-engine job keeps in flight at most */

	/* attach state the walk consults (atomics: control path writes, device reads) */
	uint32_t rid_attached, all_attached;
	uint64_t *pasid_map;
	uint32_t pasid_words;
	struct sva_pasid_table_cfg table;

	/* work queue */
	pthread_mutex_t wq_lock;
	pthread_cond_t wq_cond;
	struct emu_job *wq;
	uint32_t wq_head, wq_count, wq_busy; /* busy: the job being run, still counted */
	bool stop;
	bool thread_started;
	uint32_t waiters;          /* threads in sva_emu_wait (atomic) */
	pthread_t thread;

	/* PRI */
	struct emu_prg prg[EMU_PRG_COUNT];
	uint32_t prg_next;
	uint32_t pri_disabled;     /* atomic */
	uint32_t last_grpid;
	struct sva_fault_page_req reqs[EMU_PRG_COUNT];  /* the group being sent */
	unsigned int nreqs;

	/* stall model (stall=1, SMMUv3 only): a miss stalls the access instead of a PRI */
	bool stall;
	uint32_t stall_tags;       /* STAG space in use, 1..65536 */
	uint32_t stag_next;
	struct emu_stag *stag;     /* stall_tags entries */

	/* device-private memory, allocated at open */
	uint8_t *bounce;           /* 2 * EMU_CHUNK + 64 */
	struct emu_scan scan;
	struct emu_vma vma[EMU_VMA_CACHE];  /* this job's, emptied when a job starts */

	/* nested (vSVA): the guest first levels and their caches (emu_vsva.c) */
	struct emu_nest *nest;
	uint32_t nest_flags;       /* SVA_FAULT_PR_NESTED_* of the group being sent */
	unsigned int vma_next;
	uint64_t pm_buf[EMU_PAGEMAP_BATCH];
};

/* emu_iommu.c */
extern const struct sva_iommu_driver emu_driver;
struct emu_iommu *emu_of_iommu(const struct sva_iommu *iommu);
struct emu_dev *emu_of_dev(const struct sva_dev *dev);

/* emu_mem.c: queue memory, NUMA-local, hugepages when available */
void *emu_queue_mem_alloc(size_t size, int node, size_t *map_size, bool *huge);
void emu_queue_mem_free(void *mem, size_t map_size);

/* emu_walk.c */
int emu_walk_init(struct emu_iommu *e, enum emu_walk_mode mode);
void emu_walk_fini(struct emu_iommu *e);
int emu_walk_scan(struct emu_dev *d, uint64_t start, uint64_t end);
uint64_t emu_translate(struct emu_dev *d, uint32_t key, uint64_t addr, uint64_t len,
		uint32_t perm, enum emu_miss *miss);
unsigned int emu_walk_missing(struct emu_dev *d, uint64_t addr, uint64_t len, uint32_t perm,
		uint64_t *pages, unsigned int max, enum emu_miss *stop);
void emu_iotlb_inval(struct emu_iotlb *tlb, uint32_t pasid, bool all_pasids, uint64_t addr,
		uint64_t size);
bool emu_walk_covers(const struct emu_scan *s, uint64_t start, uint64_t end);
uint64_t emu_walk_page_end(struct emu_dev *d, uint64_t a);
void emu_walk_job_start(struct emu_dev *d);

/* emu_inject.c: the device's way into the PRQ (injection applies here); devlock held */
void emu_prq_send(struct emu_iommu *e, const struct sva_fault_page_req *pr);
void emu_prq_stop_marker(struct emu_iommu *e, const struct sva_fault_page_req *pr);
int emu_inject_parse(struct emu_iommu *e, const struct rte_kvargs *kv);

/* emu_pin.c: pinned mode (populate + mlock, counted per page range process-wide) */
int emu_pin_range(struct sva_dev *dev, uint32_t pasid, uint64_t addr, uint64_t len,
		uint32_t perm);
void emu_unpin_range(struct sva_dev *dev, uint32_t pasid, uint64_t addr, uint64_t len);

/* emu_dev.c */
int emu_dev_open(struct sva_dev *dev, const struct rte_kvargs *kv);
void emu_dev_close(struct sva_dev *dev);
/* Read and dispatch every response waiting in the model's response queue; devlock held. */
void emu_resp_pump(struct emu_iommu *e);

#endif /* EMU_PVT_H */
