/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef IOPF_PVT_H
#define IOPF_PVT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_log.h>

#include "sva_iopf.h"

#define IOPF_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, sva_iopf_logtype, "IOPF: " fmt "\n", ##__VA_ARGS__)

#define IOPF_MAX_IOPFS 64
/* the time share's contention window: another bond's group this recent counts */
#define IOPF_SHARE_WINDOW_MS 100
#define IOPF_MAX_BONDS 4096
#define IOPF_MAX_RID_BONDS 64
#define IOPF_NONE UINT32_MAX
#define IOPF_LOST_KEYS 256 /* groups that lost a request (table full, deadline) */
#define IOPF_DEFER_FILTER 1024 /* counting filter of the deferred groups' keys */

/* PASID -> bond: a two-level table, 1024 leaves of 1024 slots (20-bit PASIDs). */
#define IOPF_LEAF_BITS 10
#define IOPF_LEAF_SIZE (1u << IOPF_LEAF_BITS)
#define IOPF_DIR_SIZE (1u << (20 - IOPF_LEAF_BITS))

/* ---- mappings snapshot (iopf_maps.c) ---- */
#define IOPF_VMA_R 1u
#define IOPF_VMA_W 2u
#define IOPF_VMA_X 4u

struct iopf_vma {
	uint64_t start, end;
	uint8_t prot;       /* IOPF_VMA_* */
	uint8_t page_shift; /* 12, or the hugetlbfs page shift */
	uint8_t thp;        /* THP eligible: 2 MiB blocks inside it populate as one */
	uint8_t thp_unknown;/* overlay: a THP candidate the kernel did not say about yet
			       (pages 4 KiB until iopf_overlay_probe() learns it) */
	uint8_t pad[4];
};

struct iopf_maps {
	uint64_t gen;
	uint64_t user_limit; /* first address above the user half */
	uint32_t n;
	uint32_t pad;
	struct iopf_vma v[];
};

/* The snapshot pollers read; NULL before the first refresh. */
const struct iopf_maps *iopf_maps_current(void);
const struct iopf_vma *iopf_maps_lookup(const struct iopf_maps *m, uint64_t addr);
/* Ask the kernel for the mapping holding addr (PROCMAP_QUERY): 0 and *out (thp 0),
 * -ENOENT (no mapping holds it), -ENOTSUP (cannot ask: before Linux 6.11, no refresh
 * yet, or disabled for a test). Poll path safe: one ioctl, no lock. */
int iopf_maps_query(uint64_t addr, struct iopf_vma *out);
/* The same, and whether the mapping is anonymous private (THP candidates). */
int iopf_maps_query_anon(uint64_t addr, struct iopf_vma *out, bool *anon);
/* Tests: make iopf_maps_query() answer -ENOTSUP (the rules of kernels before 6.11). */
void iopf_maps_query_disable(bool off);
/* Whether the kernel backs the 2 MiB block at addr with a huge page (PAGEMAP_SCAN,
 * Linux 6.7+): 1, 0, or -ENOTSUP. Poll path safe: one ioctl, no lock. */
int iopf_maps_block_huge(uint64_t addr);
/* The THP mode of the last refresh (0 never, 1 always, 2 madvise). */
int iopf_maps_thp_mode(void);
/* Ask for a refresh off the poll path (the background refresh, at most one per
 * IOPF_REFRESH_PERIOD_US): one atomic store, poll path safe. */
void iopf_maps_refresh_request(void);
/* The background refresh thread: started by the first sva_iopf_create(), asleep
 * while no iopf exists (control path; iopf_maps.c). */
int iopf_maps_bg_start(void);
void iopf_maps_bg_stop(void);
uint64_t iopf_maps_bg_refreshes(void);
#define IOPF_REFRESH_PERIOD_US 100000
/* The background thread's tick while a hook is set (sva_iopf_bg_hook_set()). */
#define IOPF_BG_TICK_US 20000

/*
 * ---- the overlay (iopf_overlay.c) ----
 * Mappings newer than the snapshot, learned on the poll path with PROCMAP_QUERY, one
 * array per iopf sized at create, written and read by the iopf's owner only (no lock,
 * no atomics), emptied when the snapshot generation changes (the next snapshot holds
 * them). Full: the oldest entry is replaced (counted) and a refresh requested.
 */
#define IOPF_OVERLAY_SIZE 32
struct iopf_overlay {
	uint64_t gen;        /* the snapshot generation the entries are newer than */
	uint32_t n, next;    /* entries used; the next one replaced when full */
	uint32_t last;       /* the last hit */
	uint32_t pad;
	struct iopf_vma v[IOPF_OVERLAY_SIZE];
};
struct sva_iopf;
/* Empty the overlay when m is another generation than its entries'. */
void iopf_overlay_sync(struct sva_iopf *f, const struct iopf_maps *m);
/* The overlay entry holding addr, or NULL (the resolver counts the hits). */
const struct iopf_vma *iopf_overlay_find(struct sva_iopf *f, uint64_t addr);
/* Ask the kernel for addr's mapping and put it in the overlay (replacing entries it
 * overlaps); the answer is also the burst's f->kvma. *r: 0, -ENOENT, -ENOTSUP (then,
 * for a miss, a background refresh is asked). */
const struct iopf_vma *iopf_overlay_learn(struct sva_iopf *f, uint64_t addr, bool miss,
		int *r);
/* After the demand pages were populated: learn THP eligibility of the overlay's
 * candidates from the kernel's pages. */
void iopf_overlay_probe(struct sva_iopf *f);
/* Whether p points into f's overlay. */
bool iopf_overlay_holds(const struct sva_iopf *f, const struct iopf_vma *p);

/* RCU: pollers are online only inside a poll call. */
void iopf_rcu_online(unsigned int tid);
void iopf_rcu_offline(unsigned int tid);
int iopf_rcu_init(void);
#define IOPF_CTL_TID RTE_MAX_LCORE /* reader id of control-path passes */

/* ---- statistics (iopf_stats.c) ---- */
#define IOPF_NCOUNTERS (sizeof(struct sva_iopf_stats) / sizeof(uint64_t))
/*
 * A live counter has one writer at a time, the iopf's owner (the poller, or a control
 * pass between iopf_own() and iopf_release(), which order the hand-over), and readers
 * on other threads (iopf_stats_read(): relaxed atomic loads). The owner adds with a
 * relaxed load and store: the same plain add as `++` on x86 (no locked instruction),
 * but no data race with the readers.
 */
#define IOPF_STAT_ADD(ctr, n) do { \
	__typeof__(ctr) *ctr_ = &(ctr); \
	__atomic_store_n(ctr_, __atomic_load_n(ctr_, __ATOMIC_RELAXED) + (n), __ATOMIC_RELAXED); \
} while (0)
#define IOPF_STAT_INC(ctr) IOPF_STAT_ADD(ctr, 1)
static inline unsigned int
iopf_lat_bucket(uint64_t v)
{
	unsigned int msb;

	if (v < 8)
		return (unsigned int)v;
	msb = 63 - __builtin_clzll(v);
	if (msb > 45)
		return SVA_IOPF_LAT_BUCKETS - 1;
	return (msb - 2) * 8 + ((v >> (msb - 3)) & 7);
}
void iopf_stats_add(struct sva_iopf_stats *to, const struct sva_iopf_stats *from);
void iopf_stats_sub(struct sva_iopf_stats *to, const struct sva_iopf_stats *base);
void iopf_stats_finish(struct sva_iopf_stats *st);
void iopf_stats_read(struct sva_iopf_stats *to, const struct sva_iopf_stats *live);

/* ---- bonds ---- */
enum { IOPF_BOND_LIVE = 1, IOPF_BOND_DYING };

/* Adaptive fault-around (iopf_prefetch.c): a few sequential streams per bond. */
#define IOPF_FA_STREAMS 4
#define IOPF_FA_FIRST 16              /* a stream's first window, 4 KiB units */
#define IOPF_FA_SLACK (UINT64_C(64) << 10) /* how far past a stream a request still
					      continues it */
struct iopf_stream {
	uint64_t lo;      /* start of the stream's last demand range; 0: unused slot */
	uint64_t end;     /* end of what the stream asked for and was prefetched (the
			     frontier: nothing past it is populated by the stream) */
	uint32_t win;     /* window, 4 KiB units, after the demand range */
	uint32_t stamp;   /* last use, for replacement */
};

struct sva_iopf_bond {
	/* read by the poller, per group */
	struct sva_iopf *iopf;
	struct sva_iopf_bond *next_same; /* another dev's bond with the same PASID */
	uint64_t id;          /* unique in the iopf, never 0: open groups and lost keys name
			         their bond by it (a pointer could be reused) */
	uint32_t dev_id;
	uint32_t pasid;
	uint32_t flags;
	uint32_t slot;        /* index in iopf->bonds, sort key */
	uint16_t fa_before, fa_after;  /* written by the control path, read per burst */
	uint32_t state;
	uint64_t burst_epoch; /* fairness: burst_pages counts for this burst */
	uint64_t last_batch;  /* batch number of its last response (per-bond batch count) */
	uint32_t burst_pages;
	uint32_t cyc_per_page; /* fairness: resolve cycles a demand page of this bond costs
			          (moving average over its populated and skipped ranges) */
	uint64_t burst_cost;   /* fairness: cycles its groups taken in this burst will cost */
	uint64_t pinned_groups; /* pinned bond: groups refused (R_PINNED), for the log */
	/* SVA_IOPF_BOND_FA_ADAPTIVE: the poller's streams (iopf_prefetch.c) */
	struct iopf_stream fa_stream[IOPF_FA_STREAMS];
	uint32_t fa_clock;
	sva_iopf_event_cb_t event_cb;
	void *event_arg;
	struct rte_ring *event_ring;
	void *owner;
	struct sva_dev *dev;
	uint32_t gpasid;      /* SVA_IOPF_BOND_GUEST: stamped into delivered records */
	uint64_t user_cookie;
	uint64_t ram_base, ram_end; /* SVA_IOPF_BOND_NESTED: guest RAM, the only range
				       resolved for the bond */
	struct sva_iopf_nested_stats nst; /* nested counters: written by the owner */
	struct sva_iopf_stats st __rte_cache_aligned;   /* written by the poller only */
	struct sva_iopf_stats base;                     /* reset baseline (control path) */
};

/* ---- open groups (iopf_group.c) ---- */
enum { IOPF_G_FREE = 0, IOPF_G_OPEN, IOPF_G_INCOMPLETE };

struct iopf_page {
	uint64_t addr;
	uint32_t perm;
	uint32_t next;
};

struct iopf_group {
	uint64_t key;
	uint64_t bond_id;   /* the bond its first request found (never 0: no bond, no group) */
	uint64_t ts;        /* device timestamp of the first request (or read time) */
	uint64_t opened;    /* rte_rdtsc() when first seen: the deadline runs from here */
	uint32_t head, tail;/* pages in the pool */
	uint32_t npages;
	uint32_t state;
	uint32_t prev, next;/* age list, oldest first */
};

/* The key of a group that lost a request (table or pool full, deadline): its LAST is
 * answered Invalid (R_INCOMPLETE) once, if it comes while the key lives. */
struct iopf_lost {
	uint64_t key;       /* 0: free */
	uint64_t bond_id;   /* the group's bond: the key dies with it */
	uint64_t when;      /* rte_rdtsc() when lost: the key expires a lifetime later */
};

struct iopf_index {
	uint64_t key;       /* 0: empty */
	uint32_t slot;
	uint32_t pad;
};

/* A closed group, in the burst scratch or the deferred ring. */
struct iopf_cgroup {
	struct sva_iopf_bond *bond;
	uint64_t key;
	uint64_t ts;
	uint64_t priv[2];
	uint32_t dev_id, pasid, grpid, flags, cookie;
	uint32_t first, n;  /* scratch: pages[first .. first+n); deferred: pool list in first */
	uint8_t code, reason, drop, pad;
};

/* An event record a drain read for a live bond, kept for the poller (stalls are
 * resolved, events delivered, on the poll lcore only), tagged with the bond it found. */
struct iopf_kept_event {
	struct sva_fault rec;
	uint64_t bond_id;
};

/* iopf_cgroup.flags: a stalled transaction (grpid holds its STAG), not a PRI group */
#define IOPF_CGF_STALL (1u << 31)
/* iopf_cgroup.flags: the group has first-level (nested S1) pages: for the VMM */
#define IOPF_CGF_S1 (1u << 30)
/* iopf_cgroup.flags: handed to the VMM and held: respond() skips it */
#define IOPF_CGF_HELD (1u << 29)
/* iopf_page.perm: a first-level (SVA_FAULT_PR_NESTED_S1) page, never resolved here */
#define IOPF_PERM_S1 (1u << 31)
#define IOPF_PERM_MASK 0xfu

/* A closed group handed to the VMM (nested S1), held until the VMM, the deadline or
 * the bond's removal answers it: exactly one of them does. */
struct iopf_held {
	uint64_t key;       /* 0: free */
	uint64_t bond_id;
	struct sva_iopf_bond *bond;
	uint64_t held_at;   /* rte_rdtsc() when handed over: the deadline runs from here */
	uint64_t ts;
	uint64_t priv[2];
	uint32_t dev_id, pasid, grpid, flags, cookie, npages;
	uint32_t tag;       /* instance tag handed to the VMM in the records' cookie (never 0) */
};

/* How a held group was answered, remembered for a while so that a second answer
 * from the VMM is told apart from an unknown group. */
enum { IOPF_HELD_BY_VMM = 1, IOPF_HELD_BY_DEADLINE, IOPF_HELD_BY_UNBIND };
#define IOPF_HELD_RETIRED 256
struct iopf_held_retired {
	uint64_t key, bond_id;
	uint32_t how;
	uint32_t tag;
	uint32_t pad;
};

/* Presence scan of a burst's demand ranges (iopf_resolve.c): one PAGEMAP_SCAN per
 * cluster of ranges (gaps up to IOPF_SCAN_GAP), at most IOPF_SCAN_MAX per burst, each
 * answering up to IOPF_SCAN_REGIONS regions; what no scan covers is populated. */
#define IOPF_SCAN_MAX 4
#define IOPF_SCAN_REGIONS 64
#define IOPF_SCAN_GAP (UINT64_C(1) << 20)
#define IOPF_SCAN_MIN_PAGES 8    /* a range alone is scanned from this many 4 KiB pages */
#define IOPF_SCAN_EMPTY_MAX 4    /* empty scans in a row before scanning seldom ... */
#define IOPF_SCAN_PROBE 16       /* ... once in this many chances */
struct iopf_scan_region {
	uint64_t start, end, categories; /* struct page_region */
};
/* Pages the scan let the resolver skip lately (item key + 1, direct-mapped): a page
 * asked for again while still here is populated, so what the scan cannot see (a
 * read-only entry of a present page: COW, KSM, uffd-wp, soft-dirty tracking, a NUMA
 * hinting entry) costs the device one retry, never a livelock. */
#define IOPF_SKIP_RECENT 256

/* A demand or fault-around page, sorted by key. */
struct iopf_item {
	uint64_t key;       /* bond slot << 45 | page-aligned addr >> 12 */
	uint64_t addr;      /* page-aligned at page_shift */
	uint32_t cg;        /* closed group it came from */
	uint8_t write, page_shift, maps_miss, status; /* status: 0 ok, else reason + 1 */
	uint32_t code;      /* response code when status != 0 */
	uint8_t ov;         /* judged by an overlay entry (1), one whose THP eligibility
			       is still unknown (2) */
	uint8_t ipad[3];
};

struct sva_iopf {
	/* hot, poller-owned */
	uint32_t busy;            /* ownership: poller or control path */
	uint32_t ctl_want;        /* control path waits for it: pollers back off */
	uint64_t npolls;          /* poll calls that ran owned (written by the owner,
				   * atomically: lib/sva's "no poller" check reads it) */
	struct sva_iommu *iommu;
	uint16_t burst;
	bool has_range_resolved;
	uint64_t burst_epoch;
	uint64_t group_timeout_cyc, budget_cyc;
	uint32_t budget_code;
	uint32_t bond_burst_pages;
	uint64_t bond_burst_cyc;  /* conf.bond_burst_us in cycles, 0: no time budget */
	uint64_t share_full_epoch; /* the last burst in which a bond used its share */
	/* the time share bites only under contention: while another bond had a group within
	 * the last IOPF_SHARE_WINDOW_MS (a bond alone keeps whole bursts) */
	const struct sva_iopf_bond *share_last_bond; /* compared only, never dereferenced */
	uint64_t share_contend_until; /* TSC */
	uint64_t share_window_cyc;
	uint64_t burst_tsc;       /* TSC at the start of the current burst */
	uint32_t populate_retries;
	/* bonds */
	struct sva_iopf_bond **dir[IOPF_DIR_SIZE];
	struct sva_iopf_bond *rid_bonds[IOPF_MAX_RID_BONDS];
	uint32_t nrid;
	/* bonds of a dev's every PASID (nested SMMUv3 CD table), found before the table */
	struct sva_iopf_bond *all_bonds[IOPF_MAX_RID_BONDS];
	uint32_t nall;
	/* nested: groups held for the VMM, and how the last ones were answered */
	uint32_t nnested;         /* nested bonds */
	uint32_t s1_seen;         /* a first-level page was ever read: check every group */
	struct iopf_held *held;
	uint32_t held_cap, nheld;
	struct iopf_held_retired held_retired[IOPF_HELD_RETIRED];
	uint32_t held_retired_next;
	uint32_t held_tag_next;   /* the last instance tag handed out */
	struct sva_iopf_bond *bonds[IOPF_MAX_BONDS]; /* by slot */
	uint32_t nbonds;
	/* open groups */
	struct iopf_group *groups;
	struct iopf_index *index;
	uint32_t index_mask;
	uint32_t max_groups, ngroups;
	uint32_t gfree;           /* free group slots, linked by next */
	uint32_t age_head, age_tail;
	struct iopf_lost lost[IOPF_LOST_KEYS];
	uint32_t lost_next, nlost;
	uint64_t next_bond_id;
	struct iopf_page *pool;
	uint32_t pool_size, pool_free, pool_used;
	/* deferred ring of closed groups */
	struct iopf_cgroup *defer;
	uint32_t defer_mask, defer_head, defer_tail;
	uint32_t defer_keys[IOPF_DEFER_FILTER]; /* deferred groups per key hash: a LAST whose
						   count is 0 is not a deferred group's */
	/* event records kept by a drain for the poller (ring of defer_mask + 1) */
	struct iopf_kept_event *kev;
	uint32_t kev_head, kev_tail;
	/* burst scratch */
	struct sva_fault *recs;
	struct iopf_cgroup *cg;
	uint32_t ncg, cg_cap;
	struct iopf_page *pg;     /* pages of closed groups in this burst */
	uint32_t npg, pg_cap;
	struct iopf_item *items;
	uint32_t items_cap, nitems;
	/* resolver, per burst (iopf_resolve.c) */
	uint64_t resolve_start;   /* the burst's start: fault-around counts against its budget */
	struct iopf_vma kvma;     /* the kernel's last answer (PROCMAP_QUERY) in this burst */
	bool kvma_valid;
	struct iopf_overlay ov;   /* mappings newer than the snapshot (iopf_overlay.c) */
	struct sva_iopf_maps_stats mst;  /* written by the owner, IOPF_STAT_ADD */
	struct sva_iopf_maps_stats mbase;/* reset baseline (control path, under ctl) */
	bool bg;                  /* counted in the background refresh's users */
	bool budget_over;         /* the burst's resolve budget ran out (counted once) */
	/* presence of the burst's demand pages (PAGEMAP_SCAN, iopf_resolve.c): the pages
	 * of [scan_start, scan_end) are those of scan_vec, as the kernel saw them */
	uint32_t scans;           /* scans in this burst (at most IOPF_SCAN_MAX) */
	uint32_t scan_n;
	uint32_t scan_empty;      /* scans in a row that found nothing present (capped) */
	uint32_t scan_probe;      /* chances to scan skipped while scan_empty is at its cap */
	uint64_t scan_start, scan_end;
	uint64_t scan_calls, scan_skipped; /* totals: scans, demand ranges found present */
	uint64_t read_ahead_recs; /* total: records read past a burst (iopf_poll.c) */
	struct iopf_scan_region scan_vec[IOPF_SCAN_REGIONS];
	uint64_t skip_recent[IOPF_SKIP_RECENT];
	uint64_t scan_retried;    /* total: ranges populated because asked again */
	struct sva_page_response *resp;
	uint32_t nresp_pending;   /* refused by the queue, written first next time */
	uint32_t resp_pending_cap;
	struct sva_page_response *resp_pending;
	int resp_error;           /* the last response write refused for good (-errno), for
				     the next drain to report; 0: none */
	uint64_t resp_errors_logged;
	/* statistics of what belongs to no bond, and of removed bonds */
	struct sva_iopf_stats st;
	struct sva_iopf_stats base;
	struct sva_iopf_stats retired;
	struct sva_iopf_conf conf;
	pthread_mutex_t ctl;      /* control calls on this iopf (bonds, stats) */
	/* stage cycles (sva_iopf_stages_get): written by the owner, IOPF_STAT_ADD */
	struct sva_iopf_stages stages;
	uint64_t stage_validated; /* rdtsc at the end of iopf_resolve()'s validation */
};

/* One burst's stage times (sva_iopf_stages): t0 burst start, then the end of read +
 * decode, of iopf_resolve() (f->stage_validated splits it), of respond(); fault-around
 * ends now. */
static inline void
iopf_stages_add(struct sva_iopf *f, uint64_t t0, uint64_t t_dec, uint64_t t_res,
		uint64_t t_resp, uint32_t records)
{
	struct sva_iopf_stages *s = &f->stages;
	uint64_t v = f->stage_validated, now = rte_rdtsc();

	if (v < t_dec || v > t_res)
		v = t_res; /* not resolved this burst: all of it is validation */
	IOPF_STAT_INC(s->bursts);
	IOPF_STAT_ADD(s->records, records);
	IOPF_STAT_ADD(s->read_decode, t_dec - t0);
	IOPF_STAT_ADD(s->validate, v - t_dec);
	IOPF_STAT_ADD(s->populate, t_res - v);
	IOPF_STAT_ADD(s->respond, t_resp - t_res);
	IOPF_STAT_ADD(s->fault_around, now - t_resp);
}

/* iopf_group.c */
int iopf_groups_init(struct sva_iopf *f);
void iopf_groups_free(struct sva_iopf *f);
struct iopf_group *iopf_group_find(struct sva_iopf *f, uint64_t key);
struct iopf_group *iopf_group_open(struct sva_iopf *f, uint64_t key, uint64_t ts, uint64_t now);
void iopf_group_close(struct sva_iopf *f, struct iopf_group *g);
bool iopf_group_add_page(struct sva_iopf *f, struct iopf_group *g, uint64_t addr, uint32_t perm);
uint32_t iopf_pool_put(struct sva_iopf *f, uint32_t head, uint64_t addr, uint32_t perm,
		uint32_t *tail);
void iopf_pool_free_list(struct sva_iopf *f, uint32_t head);
void iopf_group_mark_incomplete(struct sva_iopf *f, struct iopf_group *g);

/* iopf_bond.c */
struct sva_iopf_bond *iopf_bond_lookup(const struct sva_iopf *f, uint32_t flags,
		uint32_t dev_id, uint32_t pasid, unsigned int *reason);

/* iopf_poll.c */
void iopf_own(struct sva_iopf *f);
void iopf_release(struct sva_iopf *f);
int iopf_poll_owned(struct sva_iopf *f, unsigned int budget, int mode);
int iopf_answer_bond(struct sva_iopf *f, struct sva_iopf_bond *bond, unsigned int reason);
void iopf_forget_bond(struct sva_iopf *f, uint64_t bond_id);
int iopf_write_kept(struct sva_iopf *f, uint64_t wait_us);
void iopf_abort_stalls(struct sva_iopf *f, unsigned int max_reads);
enum { IOPF_MODE_RESOLVE = 0, IOPF_MODE_FLUSH, IOPF_MODE_DRAIN };

/* iopf_poll.c, shared with iopf_nested.c */
void iopf_write_responses(struct sva_iopf *f, struct sva_page_response *resp, uint32_t n);
void iopf_deliver_event(struct sva_iopf *f, struct sva_iopf_bond *bond,
		const struct sva_fault *rec);

/* iopf_nested.c */
extern __thread const struct sva_iopf *iopf_polling; /* this thread's poll call */
void iopf_nested_prepare(struct sva_iopf *f);
void iopf_nested_hold(struct sva_iopf *f);
bool iopf_held_has(const struct sva_iopf *f, uint64_t key);
void iopf_held_expire(struct sva_iopf *f, uint64_t now);
int iopf_held_answer_bond(struct sva_iopf *f, struct sva_iopf_bond *bond, unsigned int reason);

/* iopf_resolve.c */
void iopf_resolve(struct sva_iopf *f, uint64_t burst_start);
void iopf_fault_around(struct sva_iopf *f);
/* iopf_prefetch.c: after the demand range [start, end) of bond b, the bond's streams
 * updated, what to populate: [*lo, *hi) but the 4 KiB page at *trip (window at most max
 * 4 KiB units); false: nothing. */
bool iopf_prefetch_window(struct sva_iopf_bond *b, uint64_t start, uint64_t end, uint32_t max,
		uint64_t *lo, uint64_t *hi, uint64_t *trip);
/* iopf_poll.c, tests and benchmarks: records read past a burst (read-ahead), total. */
uint64_t iopf_read_ahead_count(const struct sva_iopf *f);
/* Tests: the largest window of the bond's streams now. */
uint32_t iopf_prefetch_window_max(const struct sva_iopf_bond *b);
/* Tests: 1 makes the resolver skip the presence scan (one populate per range, as on
 * kernels before 6.7, where PAGEMAP_SCAN answers ENOTTY); 0 uses it when the kernel
 * has it. */
void iopf_presence_scan_disable(bool off);
/* Tests: the scans made and the demand ranges they found present (no populate). */
void iopf_presence_counts(const struct sva_iopf *f, uint64_t *scans, uint64_t *skipped);
/* Tests: ranges the scan found present but populated because a page of them was
 * skipped lately and asked for again. */
uint64_t iopf_presence_retried(const struct sva_iopf *f);
/* Tests: forget that this process forked (writes skip present pages again); only for
 * a test that unmapped every page a fork shared. */
void iopf_presence_fork_forget(void);

/* Field widths the group key and the responses carry (PCIe PRI: 9-bit PRG index,
 * 20-bit PASID); a record beyond them is refused by decode(). */
#define IOPF_PRG_INDEX_MAX 0x1ffu
#define IOPF_PASID_MAX 0xfffffu
#define IOPF_DEV_ID_MAX 0x7fffffffu

static inline uint64_t
iopf_key(uint32_t dev_id, uint32_t flags, uint32_t pasid, uint32_t grpid)
{
	/* bit 63 keeps every key non-zero */
	return (UINT64_C(1) << 63) | ((uint64_t)(dev_id & 0x7fffffff) << 32) |
		((uint64_t)(flags & SVA_FAULT_PR_PASID_VALID) << 31) |
		((uint64_t)(pasid & 0xfffff) << 9) | (grpid & 0x1ff);
}

/* First refusal of a group wins: it names the reason. */
static inline void
iopf_refuse(struct iopf_cgroup *cg, uint32_t code, unsigned int reason)
{
	if (cg->code == SVA_PAGE_RESP_SUCCESS) {
		cg->code = (uint8_t)code;
		cg->reason = (uint8_t)reason;
	}
}

static inline void
iopf_count_refusal(struct sva_iopf_stats *st, uint32_t code, unsigned int reason)
{
	if (code == SVA_PAGE_RESP_FAILURE)
		IOPF_STAT_INC(st->failure[reason]);
	else
		IOPF_STAT_INC(st->invalid[reason]);
}

#endif /* IOPF_PVT_H */
