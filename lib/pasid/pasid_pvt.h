/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PASID_PVT_H
#define PASID_PVT_H

#include <pthread.h>
#include <stdbool.h>
#include <sys/queue.h>

#include <rte_common.h>
#include <rte_log.h>
#include <rte_rcu_qsbr.h>
#include <rte_spinlock.h>

#include "sva_pasid.h"
#include "pasid_bitmap_pvt.h"

extern int sva_pasid_logtype;

/** Log from lib/pasid: PASID_LOG(ERR, "set %s: quota %u reached", name, quota). */
#define PASID_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, sva_pasid_logtype, "PASID: " fmt "\n", ##__VA_ARGS__)

/*
 * The lookup table is a directory of leaves of 256 entries, allocated the first time
 * one of their PASIDs is allocated and kept until the space is destroyed: readers
 * follow dir[pasid >> 8] without a lock, so a leaf could only be released after a grace
 * period, and keeping it is simpler and bounded (8 KiB per 256 PASIDs ever used).
 */
#define PASID_LEAF_SHIFT 8
#define PASID_LEAF_SIZE (1u << PASID_LEAF_SHIFT)
#define PASID_LEAF_MASK (PASID_LEAF_SIZE - 1)
#define PASID_NONE UINT32_MAX

/* What a PASID is doing. FREE and RESERVED entries may also have no leaf at all. */
enum pasid_state {
	PASID_ST_FREE = 0,
	PASID_ST_INUSE,    /* allocated: set != NULL */
	PASID_ST_PENDING,  /* freed, on the pending list, waiting for its grace period */
	PASID_ST_DRAINING, /* grace period over, held by a reclaim pass or a hook said -EAGAIN */
};

/*
 * One PASID, 32 bytes. Readers look only at set (acquire) and priv. A freed entry keeps
 * priv until it is reused, which is after a grace period, so a reader that saw the old
 * set also sees the old priv.
 */
struct pasid_entry {
	struct sva_pasid_set *set; /* non-NULL exactly while allocated */
	void *priv;
	uint64_t token;            /* QSBR token taken at free */
	uint32_t next;             /* pending / draining list link */
	uint8_t state;             /* enum pasid_state */
	uint8_t hooks_done;        /* drain hook slots done with this PASID */
	uint16_t unused;
};

struct pasid_hook {
	sva_pasid_drain_hook_t fn; /* NULL: slot empty */
	void *arg;
};

/* A singly linked FIFO of PASIDs through pasid_entry.next. */
struct pasid_list {
	uint32_t head, tail, count;
};

struct sva_pasid_set {
	struct sva_pasid_space *space;
	uint32_t type_tag;
	uint32_t flags;
	const void *owner;
	/* Below: under the space lock. */
	TAILQ_ENTRY(sva_pasid_set) next;
	uint32_t quota;
	uint32_t in_use;
	uint32_t high_water;
	bool dead;                 /* destroyed; memory released after dead_token */
	uint64_t dead_token;
	uint64_t allocs, frees, alloc_failures, quota_failures;
	char name[SVA_PASID_NAME_LEN];
};

TAILQ_HEAD(pasid_set_list, sva_pasid_set);

struct sva_pasid_space {
	/* Read by find on every lookup: one cache line, never written after create. */
	struct pasid_entry **dir; /* leaves, published with release stores */
	uint32_t nr_pasids;
	uint32_t bits;
	uint32_t flags;
	struct rte_rcu_qsbr *qsbr;
	char name[SVA_PASID_NAME_LEN];

	/* Control state, under lock. */
	rte_spinlock_t lock __rte_cache_aligned;
	struct pasid_bitmap bm;
	struct pasid_set_list sets;
	struct pasid_set_list dead_sets;
	struct pasid_list pending;  /* in token order: grace periods end in list order */
	struct pasid_list draining; /* a hook asked to be called again */
	uint32_t nr_sets;
	uint32_t in_use;
	uint32_t leaves;
	uint32_t nr_readers;
	uint64_t readers[SVA_PASID_READERS_MAX / 64];
	uint64_t reclaimed, drain_retries, bad_frees;
	size_t mem_bytes;

	/*
	 * One reclaim pass at a time; hooks run with only this mutex held. Hook
	 * (un)registration takes it too, so a pass sees a stable hook table and an
	 * unregistered hook is known not to be running.
	 */
	pthread_mutex_t reclaim_lock;
	struct pasid_hook hooks[SVA_PASID_DRAIN_HOOKS_MAX]; /* written under both locks */
	uint32_t nr_hooks;
};

static inline struct pasid_entry *
pasid_entry_get(const struct sva_pasid_space *space, uint32_t pasid)
{
	struct pasid_entry *leaf =
		__atomic_load_n(&space->dir[pasid >> PASID_LEAF_SHIFT], __ATOMIC_ACQUIRE);

	return leaf == NULL ? NULL : &leaf[pasid & PASID_LEAF_MASK];
}

/* Under the space lock: append to / pop from a list of PASIDs (entries must exist). */
static inline void
pasid_list_append(struct sva_pasid_space *space, struct pasid_list *l, uint32_t pasid)
{
	pasid_entry_get(space, pasid)->next = PASID_NONE;
	if (l->tail == PASID_NONE)
		l->head = pasid;
	else
		pasid_entry_get(space, l->tail)->next = pasid;
	l->tail = pasid;
	l->count++;
}

static inline uint32_t
pasid_list_pop(struct sva_pasid_space *space, struct pasid_list *l)
{
	uint32_t p = l->head;
	struct pasid_entry *e = pasid_entry_get(space, p);

	l->head = e->next;
	if (l->head == PASID_NONE)
		l->tail = PASID_NONE;
	l->count--;
	e->next = PASID_NONE;
	return p;
}

/* Under the space lock: the entry of a PASID, allocating its leaf if needed. */
struct pasid_entry *pasid_entry_get_or_create(struct sva_pasid_space *space, uint32_t pasid);

/* Under the space lock: allocate a PASID known to be allocatable. */
void pasid_take(struct sva_pasid_space *space, struct pasid_entry *e, uint32_t pasid,
	struct sva_pasid_set *set, void *priv);
/* Under the space lock: free an allocated PASID of set (checked by the caller). */
void pasid_release(struct sva_pasid_space *space, struct pasid_entry *e, uint32_t pasid);

/* Run a reclaim pass. blocking: wait for a pass on another thread, else give up.
 * Returns PASIDs reclaimed, or -EDEADLK from a drain hook, or 0 if it gave up. */
int pasid_reclaim(struct sva_pasid_space *space, bool blocking);

/* With no lock held: run every registered drain hook once for an allocated PASID
 * whose holder changes without a free (a VM's mapped host PASID between two bonds).
 * 0 (all done, failures logged and counted as done), -EAGAIN (a hook asked to be
 * called again), -EDEADLK (called from one of the space's hooks). */
int pasid_hooks_run_once(struct sva_pasid_space *space, uint32_t pasid);

/* Under the space lock: true when the space has freed PASIDs not yet reclaimed. */
static inline bool
pasid_space_has_pending(const struct sva_pasid_space *space)
{
	return space->pending.count + space->draining.count > 0;
}

/* Under the space lock: free the memory of destroyed sets whose grace period ended
 * (all of them when force). */
void pasid_dead_sets_release(struct sva_pasid_space *space, bool force);

#endif /* PASID_PVT_H */
